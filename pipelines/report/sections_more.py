"""Report sections: complaint Pareto, surveys (with the penalty arithmetic), the 案场 league."""

from __future__ import annotations

import math
from decimal import Decimal

from pipelines.metrics.catalogue import dimension_name, in_section, survey_dimensions, the, with_role
from pipelines.periods import quarter
from pipelines.report import charts
from pipelines.report import formatting as fmt
from pipelines.report.data import MetricRow, ParetoRow, Penalty, RunData, Site
from pipelines.report.sections import BEHIND, MAIN_SITE_ROWS, cell, site_label

# Site charts for the sites with most complaints; the others get their Pareto as a line of text.
# A chart costs ~0.15 s and ~60 kB of HTML, and a thousand of them would help nobody.
SITE_PARETO_CHARTS = 24
LEAGUE_ENDS = 10  # a long league shows its top and bottom ten in the main body


def pareto(by_site: dict[str | None, list[ParetoRow]], sites: list[Site], vital_share: float, labels: dict) -> dict:
    """The company's 排列图 and one per site with complaints (the most complaints first), the vital
    few being the categories it takes to reach `vital_share` (the run's rule)."""
    company = by_site.get(None) or []
    if not company:
        return {"available": False}
    shown = fmt.trim(vital_share * 100) + "%"
    known = {s.site_id: s for s in sites}
    site_ids = sorted((s for s in by_site if s is not None), key=lambda s: (-by_site[s][0].total, s))
    site_views = []
    for i, site_id in enumerate(site_ids):
        rows = by_site[site_id]
        site_views.append({
            "site": site_label(known.get(site_id), site_id),
            "total": rows[0].total,
            "chart": _pareto_chart(rows, vital_share, labels, small=True) if i < SITE_PARETO_CHARTS else None,
            "vital": labels["list_sep"].join(r.category for r in rows if r.is_vital_few),
            "summary": labels["item_sep"].join(
                labels["pareto_item"].format(category=r.category, count=r.complaints, share=fmt.percent(r.share, 0))
                for r in rows),
        })
    return {
        "available": True,
        "chart": _pareto_chart(company, vital_share, labels),
        "intro": labels["pareto_intro"].format(share=shown),
        "rows": [{"category": r.category, "rank": r.rank, "count": r.complaints, "share": fmt.percent(r.share),
                  "cumulative": fmt.percent(r.cumulative_share), "vital": r.is_vital_few} for r in company],
        "total": company[0].total,
        "vital": labels["list_sep"].join(r.category for r in company if r.is_vital_few),
        "sites": site_views,
        "charted": min(len(site_ids), SITE_PARETO_CHARTS),
    }


def _pareto_chart(rows: list[ParetoRow], vital_share: float, labels: dict, small: bool = False) -> charts.Chart:
    return charts.pareto([r.category for r in rows], [r.complaints for r in rows],
                         [r.cumulative_share for r in rows], [r.is_vital_few for r in rows], vital_share,
                         labels["chart"], small)


def penalty_arithmetic(run: RunData, site_id: str | None, steps: Penalty | None, labels: dict) -> str:
    """The return-rate penalty spelled out from the stored rows, e.g.
    回收率 72.0% < 目标 80% → 差 8.0 个百分点 → 扣 1 分 → 满意率 91.0% − 1 = 90.0%.
    The company line tells how its figures are pooled from the sites' (contract §2)."""
    ret, points, sat, adj = (run.get(the("surveys", role), site_id)
                             for role in ("return", "penalty", "satisfaction", "adjusted"))
    if ret is None or ret.value is None or ret.target is None:
        return labels["no_survey"]
    shown = {"ret": fmt.percent(ret.value), "target": fmt.target(ret.target, "rate"),
             "sat": fmt.value(sat.value if sat else None, "rate", labels["no_data"]),
             "adj": fmt.value(adj.value if adj else None, "rate", labels["no_data"])}
    if site_id is None:  # the company's points are its sites' points weighted by answers, not its own
        weighted = points.value if points and points.value is not None else 0
        return labels["penalty_company"].format(points=fmt.trim(weighted), **shown)
    if steps is None or steps.shortfall_points is None or steps.shortfall_points <= 0:
        return labels["penalty_none"].format(**shown)
    penalty, step = steps.penalty or 0, steps.step_points
    gap = _shortfall_text(steps.shortfall_points, step, penalty)
    if penalty == 0:  # short of the target by less than one step
        return labels["penalty_small"].format(gap=gap, step=fmt.trim(step), **shown)
    text = labels["penalty_applied"].format(gap=gap, points=penalty, **shown)
    if sat and sat.value is not None and adj and adj.value == 0 and sat.value * 100 < penalty:
        text += labels["penalty_floor"]
    return text


def _shortfall_text(gap: Decimal, step: int, penalty: int) -> str:
    """The shortfall in points with as many decimals as it takes for floor(gap / step) to read
    true: 9.996 points is shown 9.996, not 10.0 (which would suggest two points off)."""
    for places in range(1, 5):
        text = f"{gap:.{places}f}"
        if math.floor(Decimal(text) / step) == penalty:
            return text
    return f"{gap:.4f}"


def surveys(run: RunData, sites: list[Site], penalties: dict[str, Penalty], rules: dict, lang: str,
            labels: dict) -> dict:
    """Issue, return, satisfaction and the penalty: company line, per-site lines, dimensions."""
    issue_rate, return_rate = the("surveys", "issue"), the("surveys", "return")
    company = run.get(return_rate)
    if company is None or company.value is None:  # no campaign ended this month (or none loaded)
        return {"available": False}
    known = {s.site_id: s for s in sites}
    parts = [m for m in in_section("surveys") if m.report.role]  # issue, return, satisfaction, penalty, adjusted
    site_ids = sorted({k[1] for k in run.rows if k[0] == return_rate and k[1] is not None})

    def line(site_id: str | None) -> dict:
        cells = [cell(run.get(p.id, site_id), labels) for p in parts]
        issue, ret = run.get(issue_rate, site_id), run.get(return_rate, site_id)
        return {"site": labels["company"] if site_id is None else site_label(known.get(site_id), site_id),
                "cells": cells, "arithmetic": penalty_arithmetic(run, site_id, penalties.get(site_id), labels),
                "issue_target": fmt.target(issue.target, "rate") if issue else "",
                "return_target": fmt.target(ret.target, "rate") if ret else "",
                "misses": sum(c["cls"] in BEHIND for c in cells)}

    site_lines = [line(s) for s in site_ids]
    (by_dimension,) = [m.prefix for m in in_section("surveys") if m.dimension_template]
    dims = [d for d in survey_dimensions() if run.get(by_dimension + d) is not None]
    dim_rows = [run.get(by_dimension + d) for d in dims]
    chart = None
    if any(r.value is not None for r in dim_rows):
        names = [dimension_name(d, lang) for d in dims]
        chart = charts.dimension_bars(names, [r.value for r in dim_rows], [r.target for r in dim_rows], labels["chart"])
    dim_matrix = [{"site": site_label(known.get(s), s),
                   "cells": [cell(run.get(by_dimension + d, s), labels) for d in dims]}
                  for s in site_ids]
    return {
        "available": True,
        "headers": [p.short_name(lang) for p in parts],
        "company": line(None),
        "sites": site_lines,
        "attention": sorted((s for s in site_lines if s["misses"]), key=lambda s: (-s["misses"], s["site"]))[
            :MAIN_SITE_ROWS],
        "dimensions": [dimension_name(d, lang) for d in dims],
        "dimension_company": [cell(r, labels) for r in dim_rows],
        "dimension_chart": chart,
        "dimension_matrix": dim_matrix,
        "intro": rules["surveys.penalty_step_points"]["sentence"],
    }


def sales_league(run: RunData, sites: list[Site], exempt: dict[str, str], rules: dict, labels: dict,
                 lang: str = "zh") -> dict:
    """案场 monthly scores, ranked by total; reference sites (opening month) are scored but not
    ranked, exempt sites are listed with their reason. Plus the quarter's mystery-shop score."""
    known = {s.site_id: s for s in sites}
    q_key = quarter(run.month)[0]
    parts = [m.id for m in with_role("sales", "part")]
    total_score = the("sales", "total")
    site_ids = sorted({k[1] for k in run.rows if k[0] == total_score and k[1] is not None})
    rows = []
    for site_id in site_ids:
        total = run.get(total_score, site_id)
        flags = set(total.flags) | {f for p in parts for f in (run.get(p, site_id) or _EMPTY).flags}
        rows.append({
            "site_id": site_id,
            "site": site_label(known.get(site_id), site_id),
            "parts": [cell(run.get(p, site_id), labels) for p in parts],
            "total": total.value,
            "total_text": fmt.value(total.value, total.unit, labels["no_data"]),
            "calls": cell(run.get(the("sales", "calls"), site_id), labels),
            "visits": cell(run.get(the("sales", "visits"), site_id), labels),
            "mystery": cell(run.get(the("sales", "mystery"), site_id, q_key), labels),
            "reference": "reference" in flags,
            "rank": None,
            "notes": [labels["flags"].get(f, f) for f in sorted(flags)],
        })
    ranked = sorted((r for r in rows if not r["reference"] and r["total"] is not None), key=lambda r: -r["total"])
    for i, r in enumerate(ranked):  # ties share a rank: 1, 2, 2, 4
        r["rank"] = ranked[i - 1]["rank"] if i and r["total"] == ranked[i - 1]["total"] else i + 1
    ordered = ranked + [r for r in rows if r not in ranked]
    # the main body shows the top and bottom of a long league; the appendix has it all
    main = ordered if len(ordered) <= 2 * LEAGUE_ENDS + 5 else ordered[:LEAGUE_ENDS] + ordered[-LEAGUE_ENDS:]
    exempt_rows = [{"site": site_label(known.get(s), s), "reason": reason} for s, reason in exempt.items()]
    return {"available": bool(rows or exempt_rows), "rows": ordered, "main": main, "ends": LEAGUE_ENDS,
            "exempt": exempt_rows, "quarter": q_key,
            "intro": labels["sales_intro"].format(quarter=q_key, parts=" + ".join(
                f"{name} {full}" for name, full in _full_points(rules, lang))),
            "headers": [f"{name}({full})" for name, full in _full_points(rules, lang)]}


def _full_points(rules: dict, lang: str) -> list[tuple[str, str]]:
    """Each score part's short name and full points, as the rules the run used set them: a points
    rule's value, or a tier list's highest points."""
    parts = []
    for part in with_role("sales", "part"):
        value = rules[part.report.full_points]["value"]
        full = max((Decimal(str(t["points"])) for t in value), default=Decimal(0)) if isinstance(value, list) \
            else Decimal(str(value))
        parts.append((part.short_name(lang), fmt.trim(full)))
    return parts


_EMPTY = MetricRow("", None, "", None, None, None, None, None, "", 0, ())
