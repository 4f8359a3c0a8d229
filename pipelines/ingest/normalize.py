"""Turn text cells into typed values, one vectorised pass per column.

Timestamps arrive as `2026-10-05 14:30`, `2026/10/5 14:30:00`,
`2026年10月5日 14:30` or Excel serial numbers, all local time (Asia/Shanghai,
stored without a zone); booleans as 是/否, Y/N, true/false, 1/0; coded values
in their Chinese or English spellings. A cell that cannot be read becomes null
and yields an issue with the raw value, so quarantine can say exactly what
was wrong.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipelines.ingest.headers import normalise_header
from schemas.declarations import Column, Dataset

TRUE_WORDS = {"是", "y", "yes", "true", "1", "t", "√", "✓", "对"}
FALSE_WORDS = {"否", "n", "no", "false", "0", "f", "×", "✗", "不"}
TOTAL_ROW = re.compile(r"^\s*(合\s*计|总\s*计|小\s*计|total)", re.IGNORECASE)
_CN_DATE = re.compile(r"[年月/.]")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:日)?(?:[ T]+(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2}))?(?:\.\d+)?秒?)?$"
)
_MONTH = re.compile(r"^(\d{4})\s*[-/年.]?\s*(\d{1,2})\s*月?(?:[-/.]\d{1,2}日?)?$")
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
ISSUE_COLUMNS = ["line", "column", "value", "reason"]


def _fold(values: pd.Series) -> pd.Series:
    """Non-blank cells, full-width folded to half-width and trimmed, vectorised."""
    text = values.dropna().astype("str").str.normalize("NFKC").str.strip()
    return text[text != ""]


def _map_distinct(values: pd.Series, fn) -> pd.Series:
    """Apply a Python function once per distinct value: exports repeat their codes a lot."""
    return values.map({v: fn(v) for v in values.unique()})


def parse_timestamps(raw: pd.Series) -> pd.Series:
    """Every common export form to a naive local timestamp; NaT where unreadable."""
    text = _fold(raw)
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    if text.empty:
        return out
    # fast path: ISO forms, which most system exports use throughout
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    rest = text[parsed.isna()]
    if not rest.empty:
        parsed.loc[rest.index] = _parse_other_forms(rest)
    out.loc[parsed.index] = parsed.astype("datetime64[us]")
    return out


def _parse_other_forms(text: pd.Series) -> pd.Series:
    serial = pd.to_numeric(text, errors="coerce")
    is_serial = serial.between(1, 2958465)
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    if is_serial.any():
        days = serial[is_serial]
        result.loc[days.index] = EXCEL_EPOCH + pd.to_timedelta(days.round(6), unit="D")
    words = text[~is_serial].str.replace(_CN_DATE, "-", regex=True).str.replace(
        r"\s+", " ", regex=True
    )
    parts = words.str.extract(_DATETIME)
    if not parts.empty:
        parts = parts.astype("float64").fillna({3: 0, 4: 0, 5: 0})
        parts.columns = ["year", "month", "day", "hour", "minute", "second"]
        result.loc[parts.index] = pd.to_datetime(parts, errors="coerce")
    return result


def parse_months(raw: pd.Series) -> pd.Series:
    """`2026-10`, `2026/10`, `2026年10月`, `202610`, `2026-10-01` -> `2026-10`."""
    parts = _fold(raw).str.extract(_MONTH)
    ok = parts[1].notna() & parts[1].astype("float64").between(1, 12)
    months = parts[0][ok] + "-" + parts[1][ok].str.zfill(2)
    return months.reindex(raw.index)


def parse_bools(raw: pd.Series) -> pd.Series:
    folded = _fold(raw).str.casefold()
    known = folded[folded.isin(TRUE_WORDS | FALSE_WORDS)]
    return known.isin(TRUE_WORDS).astype("boolean").reindex(raw.index)


def parse_numbers(raw: pd.Series, integer: bool) -> pd.Series:
    text = _fold(raw).str.replace(",", "", regex=False)
    out = pd.to_numeric(text, errors="coerce").astype("float64").reindex(raw.index)
    if integer:
        whole = out.where(out == np.floor(out))
        return whole.astype("Int64")
    return out


def parse_phones(raw: pd.Series) -> pd.Series:
    """Digits only, so one number written two ways counts once: `021-6123 4567` == `02161234567`."""
    text = _fold(raw).str.replace(r"[\s\-()]", "", regex=True)
    text = text.str.replace(r"^(\+86|0086)", "", regex=True)
    return text[text.str.fullmatch(r"\d{3,20}")].reindex(raw.index)


def parse_enum(raw: pd.Series, column: Column) -> pd.Series:
    """Known spellings to their canonical value; unknown values stay as written, for the schema to reject."""
    spelling = {}
    for canonical, alternatives in (column.values or {}).items():
        for word in (canonical, *alternatives):
            spelling[normalise_header(word)] = canonical
    text = _fold(raw)
    mapped = _map_distinct(text, lambda v: spelling.get(normalise_header(v), v))
    return mapped.astype("str").reindex(raw.index)


def parse_text(raw: pd.Series) -> pd.Series:
    return _fold(raw).reindex(raw.index)


_READ_AS = {
    "timestamp": ("无法识别为时间", parse_timestamps),
    "date": ("无法识别为日期", lambda s: parse_timestamps(s).dt.normalize()),
    "month": ("无法识别为月份（应为 YYYY-MM）", parse_months),
    "bool": ("无法识别为是/否", parse_bools),
    "int": ("不是整数", lambda s: parse_numbers(s, integer=True)),
    "float": ("不是数字", lambda s: parse_numbers(s, integer=False)),
    "phone": ("不是有效的电话号码", parse_phones),
}


def convert_column(raw: pd.Series, column: Column) -> pd.Series:
    if column.type == "enum":
        return parse_enum(raw, column)
    if column.type in _READ_AS:
        return _READ_AS[column.type][1](raw)
    return parse_text(raw)


def normalise_chunk(chunk: pd.DataFrame, dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed frame with every declared column (absent optional ones null), and the issues found."""
    typed: dict[str, pd.Series] = {}
    issues: list[pd.DataFrame] = []
    for name, column in dataset.columns.items():
        raw = chunk[name] if name in chunk else pd.Series(None, index=chunk.index, dtype="str")
        value = convert_column(raw, column)
        if column.default is not None:
            value = value.fillna(column.default)
        unreadable = value.isna() & raw.notna() & (raw.astype("str").str.strip() != "")
        if unreadable.any():
            what = _READ_AS[column.type][0]
            bad = raw[unreadable]
            issues.append(_issues(bad.index, name, bad, f"「{dataset.label(name)}」{what}"))
        typed[name] = value
    frame = pd.DataFrame(typed, index=chunk.index)
    extra = chunk["__extra_cells"].astype(bool)
    if extra.any():
        issues.append(_issues(chunk.index[extra], None, None, "本行的单元格比表头多，可能有未加引号的逗号"))
    return frame, _concat_issues(issues)


def total_row_lines(chunk: pd.DataFrame, lines) -> pd.Index:
    """Of the given lines (rows that already failed), those that are a 合计/总计 row."""
    suspects = chunk.loc[chunk.index.intersection(lines)].drop(columns="__extra_cells")
    if suspects.empty:
        return pd.Index([])
    hit = suspects.apply(lambda col: col.astype(str).str.match(TOTAL_ROW).fillna(False)).any(axis=1)
    return suspects.index[hit]


def _issues(index, column, values, reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "line": np.asarray(index, dtype="int64"),
            "column": column,
            "value": None if values is None else np.asarray(values, dtype=object),
            "reason": reason,
        }
    )


def _concat_issues(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    return pd.concat(parts, ignore_index=True)
