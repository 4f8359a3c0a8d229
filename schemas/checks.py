"""The pandera schema of each dataset, built from its declaration.

Normalising has already turned text into typed values (and reported cells it
could not read); the schema checks what the handbooks and the contract
require of those values: required cells present, coded values in their
allowed set, numbers in range, ids known, times in order. Every check's
`error` is the sentence a manager reads in quarantine.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pandera.pandas as pa

from schemas.declarations import Column, Dataset, datasets

NOT_NULL_REASON = "必填项「{label}」为空"


def _column_checks(ds: Dataset, col: Column, known: Mapping[str, set[str]]) -> list[pa.Check]:
    label = ds.label(col.name)
    checks = []
    if col.values:
        allowed = list(col.values)
        checks.append(
            pa.Check.isin(allowed, error=f"「{label}」的值不在允许范围（{'/'.join(allowed)}）")
        )
    if col.min is not None and col.max is not None:
        checks.append(
            pa.Check.in_range(col.min, col.max, error=f"「{label}」应在 {col.min:g}–{col.max:g} 之间")
        )
    elif col.min is not None:
        checks.append(pa.Check.ge(col.min, error=f"「{label}」不能小于 {col.min:g}"))
    if col.references and col.references in known:  # a dry run without a warehouse checks no ids
        ids = known[col.references]
        where = f"{datasets()[col.references].title}({col.references})"
        checks.append(pa.Check.isin(ids, error=f"「{label}」不在{where}中（未知编号）"))
    return checks


def _order_check(ds: Dataset, earlier: str, later: str) -> pa.Check:
    def in_order(frame: pd.DataFrame) -> pd.Series:
        both = frame[earlier].notna() & frame[later].notna()
        return ~both | (frame[later] >= frame[earlier])

    return pa.Check(
        in_order, error=f"「{ds.label(later)}」早于「{ds.label(earlier)}」"
    )


def schema_for(ds: Dataset, known: Mapping[str, set[str]]) -> pa.DataFrameSchema:
    """The dataset's schema; `known` holds the ids of referenced datasets (sites, campaigns)."""
    columns = {
        name: pa.Column(
            nullable=col.optional,
            checks=_column_checks(ds, col, known),
            required=True,
        )
        for name, col in ds.columns.items()
    }
    return pa.DataFrameSchema(
        columns,
        checks=[_order_check(ds, a, b) for a, b in ds.order],
        name=ds.name,
        coerce=False,
    )
