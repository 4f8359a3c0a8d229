"""Repairs: the weekly callback rate by ISO week (000 §4.7.4.2), and on-time callbacks by
repair category with the deadlines the run's rules set (003 §二.5)."""

from __future__ import annotations

from pipelines.metrics.catalogue import the
from pipelines.periods import iso_weeks
from pipelines.report import charts
from pipelines.report import formatting as fmt
from pipelines.report.cells import BEHIND, MAIN_SITE_ROWS, cell, site_label
from pipelines.report.data import RunData, Site, repair_categories, week_days

NAME = "weekly"
SHOWS = "repairs"


def build(inputs) -> dict:
    return {
        "weekly": weekly_callbacks(inputs.run, inputs.sites, inputs.lang, inputs.words),
        "on_time": on_time_by_category(repair_categories(inputs.conn, inputs.run.run_id), inputs.words),
        "on_time_intro": on_time_intro(inputs.rules, inputs.words),
    }


def weekly_metric() -> str:
    """The weekly repair callback rate (catalogue role `callbacks_by_week`)."""
    return the("repairs", "callbacks_by_week")


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



def on_time_by_category(rows: list[tuple], labels: dict) -> list[dict]:
    """One line per repair category: its deadline, tickets, on time, late, pending and the on-time rate."""
    lines = []
    for category, shortest, longest, tickets, on_time, late, pending, rate in rows:
        deadline = fmt.deadline(shortest, labels)
        if longest != shortest:
            deadline += f" – {fmt.deadline(longest, labels)}"
        lines.append({"category": category, "deadline": deadline, "tickets": tickets, "on_time": on_time,
                      "late": late, "pending": pending,
                      "rate": fmt.percent(rate) if rate is not None else labels["no_data"],
                      "cls": "miss" if late else "ok"})
    return lines



def on_time_intro(stored: dict, words: dict) -> str:
    """How repair callback deadlines are set, in the words of the rules the run used."""
    value = {key.split(".")[1]: rule["value"] for key, rule in stored.items() if key.startswith("repairs.")}
    quote = words["keywords_or"]
    return words["on_time_intro"].format(
        safety=quote.join(value["safety_keywords"]), leak=quote.join(value["leak_keywords"]),
        **{f"{kind}_time": fmt.deadline(value[f"{kind}_hours"], words) for kind in ("safety", "leak", "urgent",
                                                                                   "default")})

