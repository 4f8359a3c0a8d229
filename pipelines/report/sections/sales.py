"""案场: the monthly 15 + 1 score ranked (001 第一篇 §五), exemptions, the quarter's mystery shop."""

from __future__ import annotations

from decimal import Decimal

from pipelines.metrics.catalogue import the, with_role
from pipelines.periods import quarter
from pipelines.report import formatting as fmt
from pipelines.report.cells import cell, site_label
from pipelines.report.data import MetricRow, RunData, Site, exemptions

NAME = "sales"
SHOWS = "sales"
LEAGUE_ENDS = 10  # a long league shows its top and bottom ten in the main body



def build(inputs) -> dict:
    exempt = exemptions(inputs.conn, inputs.run.run_id)
    return {"sales": sales_league(inputs.run, inputs.sites, exempt, inputs.rules, inputs.words, inputs.lang)}


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
    full_points = _full_points(rules, lang)
    return {"available": bool(rows or exempt_rows), "rows": ordered, "main": main, "ends": LEAGUE_ENDS,
            "exempt": exempt_rows, "quarter": q_key,
            "intro": labels["sales_intro"].format(quarter=q_key, parts=" + ".join(
                f"{name} {full}" for name, full in full_points)),
            "headers": [f"{name}({full})" for name, full in full_points]}



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

