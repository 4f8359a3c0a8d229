"""How a metric row shows in any section: its name, its cell (text, colour class, n/d), its
standing. Every number shown is a `metrics` row of the run, formatted; nothing is recomputed."""

from __future__ import annotations

from pipelines.metrics.catalogue import definition, dimension_name
from pipelines.report import formatting as fmt
from pipelines.report.data import MetricRow, Site

MAIN_SITE_ROWS = 10  # per-site lists in the main body; every site is in the appendix

BEHIND = ("miss", "sofar")  # cell classes of a row below its target (final, or a month so far)



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
    cls = colour(row)
    title = fmt.ratio(row.numerator, row.denominator)
    if cls == "running":
        title += f"  {labels['running']}"
    if row.pending:
        title += f"  {labels['pending']} {row.pending}"
    return {"text": fmt.value(row.value, row.unit, labels["no_data"]), "cls": cls, "title": title.strip()}



def colour(row: MetricRow) -> str:
    return fmt.verdict(row.meets_target, row.target, row.value, row.flags)



STATUS_WORDS = {"met": "met", "miss": "missed", "sofar": "missed_so_far", "running": "running", "nodata": "no_data"}



def status(row: MetricRow, labels: dict) -> dict:
    cls = colour(row)
    return {"text": labels[STATUS_WORDS[cls]], "cls": cls} if cls else {"text": "", "cls": ""}

