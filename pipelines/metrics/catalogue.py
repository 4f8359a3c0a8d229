"""The metric catalogue (catalogue.yaml): one declaration per metric.

Templated ids expand here: `survey.dimension_satisfaction.<维度>` into one metric per
survey dimension declared for survey_responses; `complaint.pareto.<类别>` stays a family
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
class MetricDef:
    id: str
    zh: str
    en: str
    grain: str  # month | week | quarter
    applies: str  # property | sales | all
    company: bool
    unit: str  # rate | count | points | score
    target: str  # rules.targets | survey_targets | none
    clause: str
    sql: str

    @property
    def is_template(self) -> bool:
        return "<" in self.id

    @property
    def prefix(self) -> str:
        """`complaint.pareto.` for `complaint.pareto.<类别>`; the id itself otherwise."""
        return self.id.split("<", 1)[0]

    def family_of(self, metric: str) -> bool:
        return metric == self.id or (self.is_template and metric.startswith(self.prefix))


@cache
def catalogue() -> tuple[MetricDef, ...]:
    entries = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return tuple(MetricDef(**entry) for entry in entries)


def survey_dimensions() -> list[str]:
    """The dimension columns of survey_responses: every answer column but `overall`."""
    columns = datasets()["survey_responses"].columns.values()
    return [c.name for c in columns if c.type == "enum" and c.name != "overall"]


def definition(metric: str) -> MetricDef:
    for entry in catalogue():
        if entry.family_of(metric):
            return entry
    raise KeyError(metric)


def instances(targets: dict[str, str]) -> list[dict]:
    """Every metric with a fixed id, its target from the rules (None where it has none)."""
    rows = []
    for entry in catalogue():
        if entry.id.startswith("complaint.pareto."):
            continue  # members come from the data
        ids = [entry.prefix + d for d in survey_dimensions()] if entry.is_template else [entry.id]
        target_key = entry.prefix.rstrip(".") if entry.is_template else entry.id
        target = Decimal(targets[target_key]) if entry.target == "rules.targets" else None
        rows += [
            {"metric": i, "grain": entry.grain, "applies": entry.applies, "company": entry.company,
             "unit": entry.unit, "sql": entry.sql, "target": target}
            for i in ids
        ]
    return rows
