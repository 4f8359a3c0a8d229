"""The report's sections as plain data for the template: headline KPIs, per-site tables,
the weekly repair callbacks. Surveys, 案场 and Pareto are in sections_more.py.

Every number shown is a `metrics` row of the run, formatted; nothing is recomputed.
"""

from __future__ import annotations

from pipelines.metrics.catalogue import catalogue, definition, dimension_name, in_section
from pipelines.periods import iso_weeks, trailing_months
from pipelines.report import charts
from pipelines.report import formatting as fmt
from pipelines.report.data import TREND_MONTHS, MetricRow, RunData, Site, week_days

MAIN_SITE_ROWS = 10  # per-site lists in the main body; every site is in the appendix


def metric_name(metric: str, lang: str, labels: dict) -> str:
    """The catalogue's zh/en name; a templated metric adds its member (dimension, category)."""
    entry = definition(metric)
    name = entry.name(lang)
    if entry.is_template:
        member = metric.removeprefix(entry.prefix)
        if lang == "en":
            return f"{name}: {dimension_name(member, lang)}"
        return f"{name}·{member}"
    return name


def site_label(site: Site | None, site_id: str) -> str:
    return f"{site_id} {site.name}" if site and site.name != site_id else site_id


def cell(row: MetricRow | None, labels: dict) -> dict:
    """One table cell: text, a class for colour (miss / met / nodata / na) and n/d as a tooltip."""
    if row is None:
        return {"text": "—", "cls": "na", "title": labels["not_applicable"]}
    if row.value is None and row.pending:  # nothing decided yet: every record still pending
        return {"text": labels["pending"], "cls": "running", "title": f"{labels['pending']} {row.pending}"}
    if row.value is None:
        return {"text": labels["no_data"], "cls": "nodata", "title": labels["no_data_hint"]}
    cls = _colour(row)
    title = fmt.ratio(row.numerator, row.denominator)
    if cls == "running":
        title += f"  {labels['running']}"
    if row.pending:
        title += f"  {labels['pending']} {row.pending}"
    return {"text": fmt.value(row.value, row.unit, labels["no_data"]), "cls": cls, "title": title.strip()}


def headline(run: RunData, previous: RunData | None, trend: dict, lang: str, labels: dict) -> list[dict]:
    """The company-wide monthly rows, in catalogue order, with last month and the 12-month line."""
    months = trailing_months(run.month, TREND_MONTHS)
    rows = []
    for entry in catalogue():
        if not entry.company or entry.grain != "month" or not entry.report.headline:
            continue
        row = run.get(entry.id)
        if row is None:
            continue
        before = previous.get(entry.id) if previous else None
        series = dict(trend.get(entry.id, []))
        shown = [m for m in months if series.get(m) is not None]
        rows.append({
            "metric": entry.id,
            "name": metric_name(entry.id, lang, labels),
            "clause": entry.clause,
            "value": cell(row, labels),
            # penalty points are weighted sums: a/b would read as a rate
            "ratio": "" if row.unit == "points" else fmt.ratio(row.numerator, row.denominator),
            "target": fmt.target(row.target, row.unit),
            "status": _status(row, labels),
            "pending": row.pending,
            "previous": fmt.value(before.value, before.unit, labels["no_data"]) if before else "",
            "delta": fmt.delta(row.value, before.value if before else None, row.unit, entry.id, labels),
            "spark": charts.sparkline([series.get(m) for m in months], row.target, row.meets_target),
            "spark_title": f"{shown[0]} – {shown[-1]}" if shown else "",
        })
    return rows


BEHIND = ("miss", "sofar")  # cell classes of a row below its target (final, or a month so far)


def _colour(row: MetricRow) -> str:
    return fmt.verdict(row.meets_target, row.target, row.value, row.flags)


STATUS_WORDS = {"met": "met", "miss": "missed", "sofar": "missed_so_far", "running": "running", "nodata": "no_data"}


def _status(row: MetricRow, labels: dict) -> dict:
    cls = _colour(row)
    return {"text": labels[STATUS_WORDS[cls]], "cls": cls} if cls else {"text": "", "cls": ""}


def overview_columns() -> list[tuple[str, list]]:
    """The per-site overview's columns, grouped by section as the handbooks group them (catalogue
    `report.overview`); a site shows "—" where a metric does not apply to it."""
    sections = dict.fromkeys(m.report.section for m in catalogue())
    groups = [(s, [m for m in in_section(s) if m.report.overview]) for s in sections]
    return [(s, ms) for s, ms in groups if ms]


def site_overview(run: RunData, sites: list[Site], lang: str, labels: dict) -> dict:
    """Every site against every monthly target (appendix), and the sites with most misses (main body)."""
    grouped = overview_columns()
    columns = [{"metric": m.id, "short": m.short_name(lang)} for _, ms in grouped for m in ms]
    groups = [{"name": labels["groups"][g], "span": len(ms)} for g, ms in grouped]
    known = {s.site_id: s for s in sites}
    rows = []
    for site_id in _sites_with_rows(run):
        cells = [cell(run.get(c["metric"], site_id), labels) for c in columns]
        missed, count = _missed_names(run, site_id, lang, labels)
        rows.append({"site": site_label(known.get(site_id), site_id), "cells": cells, "missed": missed,
                     "misses": count})
    attention = sorted((r for r in rows if r["misses"]), key=lambda r: (-r["misses"], r["site"]))
    return {"columns": columns, "groups": groups, "rows": rows, "attention": attention[:MAIN_SITE_ROWS],
            "attention_total": len(attention)}


def _sites_with_rows(run: RunData) -> list[str]:
    """Sites the run wrote a row for (sites unknown to `sites` are kept, by id)."""
    return sorted({key[1] for key in run.rows if key[1] is not None})


def _missed_names(run: RunData, site_id: str, lang: str, labels: dict) -> tuple[list[str], int]:
    """The site's missed targets by name (a weekly one once, with its weeks), and how many rows missed."""
    order = {e.id: i for i, e in enumerate(catalogue())}
    missed = [r for r in run.site_rows(site_id) if r.meets_target is False]
    missed.sort(key=lambda r: (order.get(definition(r.metric).id, 99), r.period, r.metric))
    periods: dict[str, list[str]] = {}  # a weekly metric lists its weeks once: 维修回访率（周） W40/W43
    for r in missed:
        weeks = periods.setdefault(metric_name(r.metric, lang, labels), [])
        if r.period != run.month:
            weeks.append(r.period.split("-")[-1])
    names = [f"{name} {'/'.join(weeks)}" if weeks else name for name, weeks in periods.items()]
    return names, len(names)  # the count beside the list is the list's length (a weekly metric once)


def on_time_by_category(rows: list[tuple], labels: dict) -> list[dict]:
    """One line per repair category: its deadline, tickets, on time, late, pending and the on-time rate."""
    lines = []
    for category, shortest, longest, tickets, on_time, late, pending in rows:
        deadline = fmt.deadline(shortest, labels)
        if longest != shortest:
            deadline += f" – {fmt.deadline(longest, labels)}"
        decided = on_time + late
        lines.append({"category": category, "deadline": deadline, "tickets": tickets, "on_time": on_time,
                      "late": late, "pending": pending,
                      "rate": fmt.percent(on_time / decided) if decided else labels["no_data"],
                      "cls": "miss" if late else "ok"})
    return lines


def weekly_metric() -> str:
    """The weekly repair callback rate: the repairs section's metric judged by ISO week."""
    (metric,) = [m.id for m in in_section("repairs") if m.grain == "week"]
    return metric


def weekly_callbacks(run: RunData, sites: list[Site], lang: str, labels: dict) -> dict:
    """The weekly repair callback rate: the company's weeks as a chart and table, each site's in a matrix."""
    metric = weekly_metric()
    weeks = [w for w, _ in iso_weeks(run.month)]
    company = [run.get(metric, None, w) for w in weeks]
    if not any(r is not None and r.value is not None for r in company):  # rows with no data: say so instead
        return {"available": False}
    spans = {w: week_days(w) for w in weeks}
    week_labels = [fmt.week_label(w, *spans[w]) for w in weeks]
    target = next((r.target for r in company if r and r.target is not None), None)
    chart = charts.weekly_callbacks(week_labels, [r.value if r else None for r in company], target, labels["chart"])
    known = {s.site_id: s for s in sites}
    site_ids = sorted({k[1] for k in run.rows if k[0] == metric and k[1] is not None})
    matrix = []
    for site_id in site_ids:
        cells = [cell(run.get(metric, site_id, w), labels) for w in weeks]
        matrix.append({"site": site_label(known.get(site_id), site_id), "cells": cells,
                       "misses": sum(c["cls"] in BEHIND for c in cells)})
    table = []
    for w, row in zip(weeks, company):
        below = sum(1 for m in matrix if m["cells"][weeks.index(w)]["cls"] in BEHIND)
        table.append({"week": w, "days": f"{spans[w][0]:%m-%d} – {spans[w][1]:%m-%d}", "value": cell(row, labels),
                      "ratio": fmt.ratio(row.numerator, row.denominator) if row else "",
                      "pending": row.pending if row else 0, "sites_below": below})
    return {"available": True, "chart": chart, "weeks": [w.split("-")[1] for w in weeks], "table": table,
            "target": fmt.target(target, "rate"), "matrix": matrix,
            "attention": sorted((m for m in matrix if m["misses"]), key=lambda m: (-m["misses"], m["site"]))[
                :MAIN_SITE_ROWS]}
