"""The report's sections, one module each, in the order the report shows them.

Each module has `build(inputs) -> dict`: the names its template partial
(reports/templates/sections/<name>.html.j2) reads. `SHOWS` names the catalogue section whose
metrics it renders (None: about the run itself); a section whose catalogue section declares no
metric is left out of the page and its contents. Every input is what the run stored: the
report renders, it does not recompute.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from pipelines.metrics.catalogue import in_section
from pipelines.report.data import RunData, Site
from pipelines.report.sections import headline, pareto, quality, rules, sales, sites, surveys, weekly

SECTIONS = (headline, sites, pareto, weekly, surveys, sales, quality, rules)
# appendices follow the main body, in the order a reader looks things up
APPENDICES = ("sites", "weekly", "surveys", "pareto", "sales", "quality")


@dataclass(frozen=True)
class Inputs:
    """What every section may read: the run as it stored itself, and the words of its language."""

    conn: duckdb.DuckDBPyConnection
    run: RunData
    previous: RunData | None  # last month as it stood when the run completed
    until: dt.datetime | None  # when the run completed: other months are read as they stood then
    sites: list[Site]
    rules: dict  # the rules the run used, by key: name, clause, value, sentence (run_rules)
    lang: str
    words: dict


def shown() -> list:
    """The sections on the page: those about the run, and those whose metrics the catalogue declares."""
    return [s for s in SECTIONS if s.SHOWS is None or in_section(s.SHOWS)]


def build(inputs: Inputs) -> dict:
    """Every shown section's names for the template, and the order of sections and appendices."""
    sections = shown()
    context: dict = {}
    for section in sections:
        context |= section.build(inputs)
    names = [s.NAME for s in sections]
    return context | {"sections": names, "appendices": [a for a in APPENDICES if a in names]}
