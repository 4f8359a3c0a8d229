"""The one declaration of every input dataset (contract §1).

Each `datasets/<name>.yaml` names a dataset's columns, Chinese aliases, types,
allowed values, key and order rules. The reader, the pandera schema and the
warehouse table are all derived from it, so adding an alias or a column is an
edit to YAML, not to code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

DATASET_DIR = Path(__file__).parent / "datasets"

SQL_TYPES = {
    "text": "VARCHAR",
    "phone": "VARCHAR",
    "enum": "VARCHAR",
    "month": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    optional: bool = False
    aliases: tuple[str, ...] = ()
    # canonical value -> accepted spellings (the canonical one is always accepted)
    values: dict[str, tuple[str, ...]] | None = None
    min: float | None = None
    max: float | None = None
    references: str | None = None
    default: object = None
    personal: bool = False  # a person's data (name, phone, income…): masked wherever it is not needed
    dimension: bool = False  # a survey dimension answered (survey_responses): one satisfaction metric each
    en: str | None = None  # its English name, where the report shows the column by name

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    key: tuple[str, ...]
    columns: dict[str, Column]
    # pairs (earlier, later): where both are present, later >= earlier
    order: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    # the column whose newest value tells whether exports still arrive (None: reference data)
    event_time: str | None = None
    title_en: str = ""
    load: int = 0  # load order: a dataset is validated against the ones it references, loaded before it
    may_be_empty: bool = False  # no rows is normal (nothing to excuse), not a sign exports stopped

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns.values() if not c.optional]

    def label(self, column: str) -> str:
        """How a manager knows the column: its first Chinese alias, then its name."""
        col = self.columns.get(column)
        if col and col.aliases:
            return f"{col.aliases[0]}({column})"
        return column


def _column(name: str, spec: dict, shared_aliases: dict[str, list[str]]) -> Column:
    values = spec.get("values")
    if values is not None:
        values = {str(k): tuple(str(v) for v in (alts or ())) for k, alts in values.items()}
    aliases = tuple(spec.get("aliases", ())) + tuple(shared_aliases.get(name, ()))
    return Column(
        name=name,
        type=spec["type"],
        optional=bool(spec.get("optional", False)),
        aliases=aliases,
        values=values,
        min=spec.get("min"),
        max=spec.get("max"),
        references=spec.get("references"),
        default=spec.get("default"),
        personal=bool(spec.get("personal", False)),
        dimension=bool(spec.get("dimension", False)),
        en=spec.get("en"),
    )


def _load(path: Path, shared_aliases: dict[str, list[str]]) -> Dataset:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    columns = {
        str(name): _column(str(name), spec, shared_aliases)
        for name, spec in doc["columns"].items()
    }
    return Dataset(
        name=doc["name"],
        title=doc["title"],
        key=tuple(doc["key"]),
        columns=columns,
        order=tuple(tuple(pair) for pair in doc.get("order", ())),
        event_time=doc.get("event_time"),
        title_en=doc["title_en"],
        load=int(doc["load"]),
        may_be_empty=bool(doc.get("may_be_empty", False)),
    )


@cache
def datasets() -> dict[str, Dataset]:
    """All declared datasets, in load order."""
    shared = yaml.safe_load((DATASET_DIR / "_shared.yaml").read_text(encoding="utf-8"))
    loaded = {
        p.stem: _load(p, shared["aliases"])
        for p in DATASET_DIR.glob("*.yaml")
        if not p.name.startswith("_")
    }
    ordered = sorted(loaded.values(), key=lambda ds: ds.load)
    for position, ds in enumerate(ordered):
        later = {d.name for d in ordered[position:]}
        if late := sorted(c.references for c in ds.columns.values() if c.references in later):
            raise RuntimeError(f"{ds.name}.yaml: load {ds.load} is not after the datasets it references: {late}")
    return {ds.name: ds for ds in ordered}


def load_order() -> tuple[str, ...]:
    """Dataset names in load order (each after the datasets it references)."""
    return tuple(datasets())


def personal_columns() -> set[str]:
    """Every column name declared personal in any dataset: its values are masked in what is shared."""
    return {c.name for ds in datasets().values() for c in ds.columns.values() if c.personal}
