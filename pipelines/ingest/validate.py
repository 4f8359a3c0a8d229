"""Run a dataset's pandera schema lazily over one chunk; split good rows from issues."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pipelines.ingest.normalize import ISSUE_COLUMNS
from schemas.checks import NOT_NULL_REASON
from schemas.declarations import Dataset


def schema_issues(schema: pa.DataFrameSchema, frame: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    """One issue per failing (line, column, check); empty when every row passes."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _as_issues(errors.failure_cases, ds)
    return pd.DataFrame(columns=ISSUE_COLUMNS)


def _as_issues(cases: pd.DataFrame, ds: Dataset) -> pd.DataFrame:
    cases = cases[cases["index"].notna()]
    frame_level = cases["schema_context"] == "DataFrameSchema"
    # a row-wise check names each column of the failing row; one issue per row is enough
    row_checks = cases[frame_level].drop_duplicates(["index", "check"])
    row_checks = row_checks.assign(column=None, failure_case=None)
    cases = pd.concat([cases[~frame_level], row_checks], ignore_index=True)
    reasons = [
        NOT_NULL_REASON.format(label=ds.label(col)) if check == "not_nullable" else check
        for col, check in zip(cases["column"], cases["check"])
    ]
    return pd.DataFrame(
        {
            "line": cases["index"].astype("int64").to_numpy(),
            "column": cases["column"].to_numpy(dtype=object),
            "value": cases["failure_case"].map(_shown).to_numpy(dtype=object),
            "reason": reasons,
        }
    )


def _shown(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)
