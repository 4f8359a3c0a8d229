"""The front page: the company-wide monthly rows in catalogue order, each against its target,
last month and its 12-month line, and how many met."""

from __future__ import annotations

from pipelines.metrics.catalogue import catalogue
from pipelines.periods import month_end, trailing_months
from pipelines.report import charts
from pipelines.report import formatting as fmt
from pipelines.report.cells import BEHIND, cell, metric_name, status
from pipelines.report.data import TREND_MONTHS, RunData, trend

NAME = "headline"
SHOWS = None


def build(inputs) -> dict:
    run, words = inputs.run, inputs.words
    rows = headline(run, inputs.previous, trend(inputs.conn, run, inputs.until), inputs.lang, words)
    scored = [r for r in rows if r["target"]]
    running = run.as_of is not None and run.as_of < month_end(run.month)
    return {
        "headline": rows,
        "mid_month": fmt.mid_month(run.as_of, inputs.lang, words) if running else "",
        "summary_text": words["headline_summary_mtd" if running else "headline_summary"],
        "summary": {"total": len(scored), "met": sum(r["status"]["cls"] == "met" for r in scored),
                    "missed": sum(r["status"]["cls"] in BEHIND for r in scored),
                    "nodata": sum(r["status"]["cls"] == "nodata" for r in scored)},
    }


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
            "status": status(row, labels),
            "pending": row.pending,
            "previous": fmt.value(before.value, before.unit, labels["no_data"]) if before else "",
            "delta": fmt.delta(row.value, before.value if before else None, row.unit, entry.id, labels),
            "spark": charts.sparkline([series.get(m) for m in months], row.target, row.meets_target),
            "spark_title": f"{shown[0]} – {shown[-1]}" if shown else "",
        })
    return rows

