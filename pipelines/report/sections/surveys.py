"""Satisfaction surveys: issue and return rates, satisfaction, and the return-rate penalty
spelled out step by step as the run computed it (000 §4.8.4.2, §4.8.4.5(1)c)."""

from __future__ import annotations

import math
from decimal import Decimal

from pipelines.metrics.catalogue import dimension_name, in_section, survey_dimensions, the
from pipelines.report import charts
from pipelines.report import formatting as fmt
from pipelines.report.cells import BEHIND, MAIN_SITE_ROWS, cell, site_label
from pipelines.report.data import Penalty, RunData, Site, penalties

NAME = "surveys"
SHOWS = "surveys"


def build(inputs) -> dict:
    run = inputs.run
    steps = penalties(inputs.conn, run.run_id, run.month) or _steps_of_an_older_run(run, inputs.rules)
    return {"surveys": surveys(run, inputs.sites, steps, inputs.rules, inputs.lang, inputs.words)}


def _steps_of_an_older_run(run: RunData, rules: dict) -> dict[str, Penalty]:
    """A run made before runs stored their penalty steps: the steps from its stored return rates
    and penalty points (what the report did then), so its page never says 不扣分 beside a penalty."""
    step = int(rules["surveys.penalty_step_points"]["value"])
    return_rate, penalty = the("surveys", "return"), the("surveys", "penalty")
    steps = {}
    for (metric, site_id, _), row in run.rows.items():
        if metric != return_rate or site_id is None or row.value is None or row.target is None:
            continue
        points = run.get(penalty, site_id)
        shortfall = max(Decimal(str(row.target)) - Decimal(str(row.value)), Decimal(0)) * 100
        steps[site_id] = Penalty(shortfall, step, int(points.value) if points and points.value else 0)
    return steps


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

