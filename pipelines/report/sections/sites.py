"""Every site against every monthly target (appendix A), and the sites with most misses."""

from __future__ import annotations

from pipelines.metrics.catalogue import catalogue, definition, in_section
from pipelines.report.cells import MAIN_SITE_ROWS, cell, metric_name, site_label
from pipelines.report.data import RunData, Site

NAME = "sites"
SHOWS = None


def build(inputs) -> dict:
    return {"sites": site_overview(inputs.run, inputs.sites, inputs.lang, inputs.words), "limit": MAIN_SITE_ROWS}


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

