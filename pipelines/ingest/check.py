"""A dry run of one export, for someone setting up a new one: what `kpi` would make of it,
with nothing written anywhere.

    kpi check data/raw/repairs/回访.xls
    kpi check ~/下载/报修导出.xls --dataset repairs

It reads the file exactly as ingest does (read.py, the schema, the duplicate-id rule) and says:
the form and encoding found, the title lines skipped, the header row, how each header maps
(canonical name, our alias, the user's [headers], or not at all — with the nearest names for
those), the required columns missing, the first rows as they would load, and the quarantine
reasons the file would produce, counted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from pipelines.ingest.headers import HeaderMatcher, normalise_header
from pipelines.ingest.load import check_chunk
from pipelines.ingest.read import OpenedFile, RaggedRows, RejectedFile, open_export
from schemas.checks import schema_for
from schemas.declarations import Dataset, datasets

SUGGESTION_CUTOFF = 45  # rapidfuzz WRatio: 报修日期 ~ 报修时间 scores 50; below 45 a "near" name misleads


@dataclass
class MappedColumn:
    header: str
    column: str  # "" when the header names none
    how: str  # name | alias | config | ""
    near: list[tuple[str, str]] = field(default_factory=list)  # (column, spelling) nearest first


@dataclass
class Checked:
    path: Path
    dataset: Dataset | None
    opened: OpenedFile | None = None
    rejected: str | None = None  # why the file would be rejected whole
    columns: list[MappedColumn] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # required columns no header names
    sample: pd.DataFrame | None = None  # the first rows as they would load, by line
    rows_read: int = 0
    rows_quarantined: int = 0
    reasons: Counter = field(default_factory=Counter)
    ids_checked: bool = True  # site and campaign ids checked against a warehouse

    @property
    def would_load(self) -> bool:
        return self.rejected is None and not self.missing

    def paste_lines(self) -> list[str]:
        """`[headers]` lines for kpi.toml: each unmapped header to its nearest free column."""
        taken = {c.column for c in self.columns if c.column}
        lines = []
        for c in self.columns:
            free = [(column, spelling) for column, spelling in c.near if column not in taken]
            if not c.column and free:
                lines.append(f'"{c.header}" = "{free[0][0]}"')
                taken.add(free[0][0])
        return [f"[headers.{self.dataset.name}]", *lines] if lines else []


def check_file(path: Path, matcher: HeaderMatcher, dataset: str | None = None, sheet: str | None = None,
               known: dict[str, set[str]] | None = None, sample_rows: int = 5) -> Checked:
    """`dataset`: given, else the folder the file is in, else the dataset whose header fits best.
    `known`: ids of sites and campaigns (None: not checked)."""
    ds, opened, rejected = _dataset_and_file(path, matcher, dataset, sheet)
    checked = Checked(path, ds, opened, rejected, ids_checked=known is not None)
    if opened is None:
        return checked
    checked.columns = _mapped(opened, ds, matcher)
    checked.missing = [c for c in ds.required if c not in opened.names]
    if not checked.missing:
        _read_rows(checked, ds, known or {}, sample_rows)
    return checked


def _dataset_and_file(path, matcher, dataset, sheet) -> tuple[Dataset | None, OpenedFile | None, str | None]:
    all_datasets = datasets()
    if dataset is None and path.parent.name in all_datasets:
        dataset = path.parent.name
    candidates = [all_datasets[dataset]] if dataset else list(all_datasets.values())
    best, reasons = None, []
    for ds in candidates:
        try:
            opened = open_export(path, ds, matcher, sheet, strict=False)
        except RejectedFile as exc:
            reasons.append(str(exc))
            continue
        mapped = sum(bool(n) for n in opened.names)
        if best is None or mapped > best[2]:
            best = (ds, opened, mapped)
    if best is not None:
        return best[0], best[1], None
    if dataset:
        return candidates[0], None, reasons[0]
    return None, None, "没有哪个数据集的表头与之相符（可用 --dataset 指定数据集，看各列为何对不上）"


def _mapped(opened: OpenedFile, ds: Dataset, matcher: HeaderMatcher) -> list[MappedColumn]:
    spellings = {normalise_header(s): (c.name, s) for c in ds.columns.values() for s in (c.name, *c.aliases)}
    out = []
    for header in opened.header:
        if not header.strip():
            continue
        column, how = matcher.explain(ds.name, header)
        near = []
        if not column:
            found = process.extract(normalise_header(header), list(spellings), scorer=fuzz.WRatio,
                                    limit=6, score_cutoff=SUGGESTION_CUTOFF)
            near = list(dict.fromkeys(spellings[choice] for choice, _, _ in found))[:3]
        out.append(MappedColumn(header, column, how, near))
    return out


def _read_rows(checked: Checked, ds: Dataset, known: dict[str, set[str]], sample_rows: int) -> None:
    schema = schema_for(ds, known)
    try:
        _count(checked, ds, schema, sample_rows, tolerant=False)
    except RaggedRows:
        _count(checked, ds, schema, sample_rows, tolerant=True)
    except RejectedFile as exc:
        checked.rejected = str(exc)


def _count(checked: Checked, ds: Dataset, schema, sample_rows: int, tolerant: bool) -> None:
    checked.rows_read, checked.rows_quarantined, checked.reasons, checked.sample, good = 0, 0, Counter(), None, []
    for chunk in checked.opened.chunks(tolerant):
        typed, issues = check_chunk(chunk, ds, schema)
        checked.rows_read += chunk.num_rows
        checked.rows_quarantined += issues["source_line"].nunique() if len(issues) else 0
        checked.reasons.update(issues["reason"])
        good.append(typed[list(ds.key)])
        if checked.sample is None or len(checked.sample) < sample_rows:
            checked.sample = pd.concat([checked.sample, typed.head(sample_rows)]).head(sample_rows)
    keys = pd.concat(good) if good else pd.DataFrame(columns=list(ds.key))
    repeated = int(keys.duplicated().sum())  # ingest keeps the first row of an id, quarantines the rest
    if repeated:
        label = "+".join(ds.label(k) for k in ds.key)
        checked.reasons[f"「{label}」在本文件中重复（保留首行）"] += repeated
        checked.rows_quarantined += repeated
