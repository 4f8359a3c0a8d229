"""The metric catalogue (catalogue.yaml): one declaration per metric.

Templated ids expand here: an id ending in `.<维度>` into one metric per survey dimension
declared for survey_responses; one ending in another `<…>` (a category) stays a family
whose members come from the data (one per category that occurs).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from schemas.declarations import datasets

CATALOGUE = Path(__file__).with_name("catalogue.yaml")


@dataclass(frozen=True)
class Report:
    """Where and how the report shows a metric (catalogue.yaml `report:`)."""

    section: str  # complaints | repairs | calls | surveys | sales
    overview: bool = False  # a column of the per-site overview
    headline: bool = True  # on the front page (a company-wide monthly row)
    role: str | None = None  # what its section uses it as (surveys: return, penalty…; sales: part, total…)
    full_points: str | None = None  # the rule that sets a score part's full points
    deduction: bool = False  # points lost are evidence though there is no target


@dataclass(frozen=True)
class MetricDef:
    id: str
    zh: str
    en: str
    grain: str  # month | week | quarter
    applies: str  # property | sales | all
    company: bool
    unit: str  # rate | count | points | score
    target: str  # a default target (a decimal, for rules.targets) | survey_targets | none
    clause: str
    sql: str
    report: Report
    short: dict[str, str] | None = None  # {zh, en}: a column heading where space is tight
    direction: str = "higher"  # higher | lower: which way is better

    @property
    def has_rule_target(self) -> bool:
        """Its target is a rule (rules.targets), defaulting to the value declared here."""
        return self.target not in ("none", "survey_targets")

    @property
    def target_key(self) -> str:
        """Its key in rules.targets: the id, or a template's family (its id without `.<维度>`)."""
        return self.prefix.rstrip(".") if self.is_template else self.id

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def short_name(self, lang: str) -> str:
        return (self.short or {}).get(lang) or self.name(lang)

    @property
    def is_template(self) -> bool:
        return "<" in self.id

    @property
    def prefix(self) -> str:
        """A template's id up to its `<…>` (ending in a dot); the id itself otherwise."""
        return self.id.split("<", 1)[0]

    @property
    def dimension_template(self) -> bool:
        """One metric per survey dimension (`<维度>`), known before any data is read."""
        return self.id.endswith("<维度>")

    def family_of(self, metric: str) -> bool:
        return metric == self.id or (self.is_template and metric.startswith(self.prefix))


@cache
def catalogue() -> tuple[MetricDef, ...]:
    entries = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return tuple(MetricDef(**{**entry, "report": Report(**entry["report"])}) for entry in entries)


def in_section(section: str) -> list[MetricDef]:
    """The section's metrics, in catalogue order."""
    return [m for m in catalogue() if m.report.section == section]


def with_role(section: str, role: str) -> list[MetricDef]:
    """The section's metrics that play `role`, in catalogue order."""
    return [m for m in in_section(section) if m.report.role == role]


def the(section: str, role: str) -> str:
    """The id of the one metric playing `role` in `section`."""
    (found,) = with_role(section, role)
    return found.id


def default_targets() -> dict[str, str]:
    """rules.targets' defaults: each metric's declared target, by its target key."""
    return {m.target_key: m.target for m in catalogue() if m.has_rule_target}


def survey_dimensions() -> list[str]:
    """The survey dimensions: the columns declared `dimension` (schemas/datasets/survey_responses.yaml)."""
    return [c.name for ds in datasets().values() for c in ds.columns.values() if c.dimension]


def dimension_name(dimension: str, lang: str) -> str:
    """A dimension as the reader knows it: its column's name, or its declared English name."""
    if lang != "en":
        return dimension
    found = [c.en for ds in datasets().values() for c in ds.columns.values() if c.dimension and c.name == dimension]
    return found[0] if found and found[0] else dimension


def definition(metric: str) -> MetricDef:
    for entry in catalogue():
        if entry.family_of(metric):
            return entry
    raise KeyError(metric)


def instances(targets: dict[str, str]) -> list[dict]:
    """Every metric with a fixed id, its target from the rules (None where it has none)."""
    rows = []
    for entry in catalogue():
        if entry.is_template and not entry.dimension_template:
            continue  # members come from the data (a Pareto share per category that occurs)
        ids = [entry.prefix + d for d in survey_dimensions()] if entry.is_template else [entry.id]
        target = Decimal(targets[entry.target_key]) if entry.has_rule_target else None
        rows += [
            {"metric": i, "grain": entry.grain, "applies": entry.applies, "company": entry.company,
             "unit": entry.unit, "sql": entry.sql, "target": target}
            for i in ids
        ]
    return rows
