"""Turn text cells into typed values, one vectorised (Arrow) pass per column.

Timestamps arrive as `2026-10-05 14:30`, `2026/10/5 14:30:00`,
`2026年10月5日 14:30` or Excel serial numbers, all local time (Asia/Shanghai,
stored without a zone); booleans as 是/否, Y/N, true/false, 1/0; coded values
in their Chinese or English spellings; full-width digits and spaces anywhere.
A cell that cannot be read becomes null and yields an issue with the raw
value, so quarantine can say exactly what was wrong.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.ingest.headers import normalise_header
from pipelines.ingest.read import EXTRA, LINE
from schemas.declarations import Column, Dataset

TRUE_WORDS = ["是", "y", "yes", "true", "1", "t", "√", "✓", "对"]
FALSE_WORDS = ["否", "n", "no", "false", "0", "f", "×", "✗", "不"]
TOTAL_ROW = re.compile(r"^\s*(合\s*计|总\s*计|小\s*计|total)", re.IGNORECASE)
# the forms exports use, tried in order by Arrow (unpadded months, days and hours are fine);
# anything else (fractions of a second, 时/分, Excel serials) goes the slower way below
FAST_TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日",
)
_DATETIME = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.\d+)?)?$"
)
_MONTH = r"^(?P<y>\d{4})\s*[-/年.]?\s*(?P<m>\d{1,2})\s*月?(?:[-/.]\d{1,2}日?)?$"
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
ISSUE_COLUMNS = ["line", "column", "value", "reason"]
_PANDAS_TYPES = {
    pa.string(): pd.StringDtype("pyarrow", na_value=np.nan),
    pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan),
    pa.bool_(): pd.BooleanDtype(),
    pa.int64(): pd.Int64Dtype(),
}


def _null_where(mask, values):
    return pc.if_else(mask, pa.scalar(None, values.type), values)


def fold(cells) -> pa.ChunkedArray:
    """Full-width to half-width, trimmed; blank becomes null."""
    text = pc.cast(cells, pa.large_string())
    if not pc.all(pc.string_is_ascii(text)).as_py():  # NFKC is the costly step: skip it for ASCII
        text = pc.utf8_normalize(text, "NFKC")
    text = pc.utf8_trim_whitespace(text)
    return _null_where(pc.equal(text, ""), text)


def parse_timestamps(text) -> pa.ChunkedArray:
    """Every common export form to a naive local timestamp; null where unreadable, where the
    date or time does not exist (2 月 30 日, 25:61: parsers roll those over silently), or where
    it is implausible for an export (before PLAUSIBLE_FROM or more than a year ahead)."""
    loose = _parse_loose(text)
    return _null_where(pc.or_kleene(_fields_differ(text, loose), _implausible(loose)), loose)


def timestamp_reasons(text: pa.Array, label: str, unreadable: str = "无法识别为时间") -> list[str]:
    """Why each of these cells (ones parse_timestamps refused) is not a time, in words."""
    text = pa.chunked_array([text])
    loose = _parse_loose(text)
    differ = _fields_differ(text, loose).to_pylist()
    return [f"「{label}」{unreadable}" if moment is None
            else f"「{label}」日期或时刻不存在（如 2 月 30 日、25:61）" if wrong
            else f"「{label}」时间不在合理范围（{PLAUSIBLE_FROM:%Y-%m-%d} 至今后一年）"
            for moment, wrong in zip(loose.to_pylist(), differ)]


def _parse_loose(text) -> pa.ChunkedArray:
    """What the parsers make of each cell, impossible dates rolled over as they do."""
    result = pa.nulls(len(text), pa.timestamp("us"))
    for form in FAST_TIME_FORMATS:
        todo = pc.and_(pc.is_valid(text), pc.is_null(result))
        if not pc.any(todo).as_py():
            break
        left = _null_where(pc.invert(todo), text)  # parse only what earlier forms did not
        result = pc.coalesce(result, pc.strptime(left, format=form, unit="us", error_is_null=True))
    todo = pc.and_(pc.is_valid(text), pc.is_null(result)).to_numpy(zero_copy_only=False)
    if todo.any():  # rare forms: slash, 年月日, unpadded, Excel serial
        slow = result.to_pandas().astype("datetime64[us]")
        slow[todo] = _parse_other_forms(pd.Series(text.filter(pa.array(todo)).to_pylist()))
        result = pa.array(slow, pa.timestamp("us"))
    return result


# the fields as written: year, month, day and, if given, hour, minute, second (Excel serials have none)
_FIELDS = (r"^(?P<y>\d{4})\D{1,2}(?P<mo>\d{1,2})\D{1,2}(?P<d>\d{1,2})\D*?"
           r"(?:(?P<h>\d{1,2})\D(?P<mi>\d{1,2})(?:\D(?P<s>\d{1,2}))?)?")
PLAUSIBLE_FROM = pd.Timestamp("2000-01-01")
PLAUSIBLE_AHEAD = pd.Timedelta(days=366)


def _fields_differ(text, parsed) -> pa.ChunkedArray:
    """True where the parsed moment's fields are not the ones written: the date or time did not exist."""
    written = pc.extract_regex(pc.cast(text, pa.large_string()), _FIELDS)
    differ = pa.chunked_array([pa.array([False] * len(parsed))]) if len(parsed) else pa.chunked_array([], pa.bool_())
    for field, part in (("y", pc.year), ("mo", pc.month), ("d", pc.day), ("h", pc.hour), ("mi", pc.minute),
                        ("s", pc.second)):
        digits = pc.struct_field(written, field)
        number = pc.cast(_null_where(pc.equal(digits, ""), digits), pa.int64())
        differ = pc.or_(differ, pc.fill_null(pc.not_equal(number, part(parsed)), False))
    return differ


def _implausible(parsed) -> pa.ChunkedArray:
    latest = pd.Timestamp.now() + PLAUSIBLE_AHEAD  # the host clock is close enough for a year's margin
    early = pc.less(parsed, pa.scalar(PLAUSIBLE_FROM.to_pydatetime(), pa.timestamp("us")))
    late = pc.greater(parsed, pa.scalar(latest.to_pydatetime(), pa.timestamp("us")))
    return pc.fill_null(pc.or_(early, late), False)


def _parse_other_forms(text: pd.Series) -> np.ndarray:
    serial = pd.to_numeric(text, errors="coerce")
    is_serial = serial.between(1, 2958465)
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    # whole seconds: a serial's float fraction is not exact (0.604166… is 14:30:00.0288)
    seconds = (serial[is_serial] * 86400).round()
    result[is_serial] = EXCEL_EPOCH + pd.to_timedelta(seconds, unit="s")
    words = text[~is_serial].str.replace(r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?", r"\1-\2-\3 ",
                                         regex=True)
    words = words.str.replace(r"[时分]", ":", regex=True).str.replace("秒", "", regex=False)
    parts = words.str.replace(r"\s+", " ", regex=True).str.strip(" :").str.extract(_DATETIME)
    if not parts.empty:
        parts = parts.astype("float64").fillna({3: 0, 4: 0, 5: 0})
        parts.columns = ["year", "month", "day", "hour", "minute", "second"]
        result[parts.index] = pd.to_datetime(parts, errors="coerce")
    return result.to_numpy()


def parse_dates(text) -> pa.ChunkedArray:
    return pc.floor_temporal(parse_timestamps(text), unit="day")


def parse_months(text) -> pa.ChunkedArray:
    """`2026-10`, `2026/10`, `2026年10月`, `202610`, `2026-10-01` -> `2026-10`."""
    parts = pc.extract_regex(pc.fill_null(text, ""), _MONTH)
    year, month = pc.struct_field(parts, "y"), pc.struct_field(parts, "m")
    number = pc.cast(pc.fill_null(month, "0"), pa.int64())
    valid = pc.and_(pc.is_valid(parts), pc.is_in(number, pa.array(range(1, 13))))
    joined = pc.binary_join_element_wise(year, pc.utf8_lpad(month, 2, "0"), pa.scalar("-", pa.large_string()))
    return _null_where(pc.invert(valid), joined)


def parse_bools(text) -> pa.ChunkedArray:
    lower = pc.utf8_lower(text)
    known = pc.is_in(lower, pa.array(TRUE_WORDS + FALSE_WORDS))
    return _null_where(pc.invert(known), pc.is_in(lower, pa.array(TRUE_WORDS)))


def parse_numbers(text, integer: bool) -> pa.ChunkedArray:
    plain = pc.replace_substring(text, ",", "")
    try:  # fast path: a column of plain numbers casts in one step ("nan" and "inf" are not numbers here)
        values = pc.cast(plain, pa.float64())
        if pc.any(pc.or_(pc.is_nan(values), pc.is_inf(values))).as_py():
            raise pa.ArrowInvalid("nan or inf")
    except pa.ArrowInvalid:  # some cell is not a number: find which, null it, report it
        numeric = pc.match_substring_regex(plain, _NUMBER)
        values = pc.cast(_null_where(pc.invert(pc.fill_null(numeric, False)), plain), pa.float64())
    if not integer:
        return values
    whole = pc.equal(pc.floor(values), values)
    return pc.cast(_null_where(pc.invert(pc.fill_null(whole, False)), values), pa.int64())


def parse_phones(text) -> pa.ChunkedArray:
    """Digits only, so one number written two ways counts once: `021-6123 4567` == `02161234567`."""
    if pc.all(pc.match_substring_regex(text, r"^\d{3,20}$")).as_py() is not False:
        return text  # already plain digits (or blank): the usual export
    digits = pc.replace_substring_regex(text, r"[\s\-()]", "")
    digits = pc.replace_substring_regex(digits, r"^(\+86|0086)", "")
    ok = pc.fill_null(pc.match_substring_regex(digits, r"^\d{3,20}$"), False)
    return _null_where(pc.invert(ok), digits)


def parse_enum(text, column: Column) -> pa.ChunkedArray:
    """Known spellings to their canonical value; unknown values stay as written, for the schema to reject."""
    spellings, canonical = [], []
    for value, alternatives in (column.values or {}).items():
        for word in (value, *alternatives):
            spellings.append(normalise_header(word))
            canonical.append(value)
    exact = pc.index_in(text, value_set=pa.array(canonical))
    if pc.all(pc.or_(pc.is_valid(exact), pc.is_null(text))).as_py():
        return text  # every value already canonical: the usual export
    key = pc.replace_substring_regex(pc.utf8_lower(text), r"[\s_\-*:：]+", "")
    position = pc.index_in(key, value_set=pa.array(spellings))
    mapped = pc.take(pa.array(canonical, pa.large_string()), pc.fill_null(position, 0))
    return pc.if_else(pc.is_valid(position), mapped, text)


_READ_AS = {
    "timestamp": ("无法识别为时间", parse_timestamps),
    "date": ("无法识别为日期", parse_dates),
    "month": ("无法识别为月份（应为 YYYY-MM）", parse_months),
    "bool": ("无法识别为是/否", parse_bools),
    "int": ("不是整数", lambda t: parse_numbers(t, integer=True)),
    "float": ("不是数字", lambda t: parse_numbers(t, integer=False)),
    "phone": ("不是有效的电话号码", parse_phones),
}


def convert_column(text, column: Column):
    if column.type == "enum":
        return parse_enum(text, column)
    if column.type in _READ_AS:
        return _READ_AS[column.type][1](text)
    return text


def normalise_chunk(chunk: pa.Table, dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed frame indexed by line, every declared column present, and the unreadable cells."""
    lines = chunk[LINE].to_numpy()
    typed, issues = {}, []
    for name, column in dataset.columns.items():
        text = fold(chunk[name]) if name in chunk.column_names else pa.nulls(chunk.num_rows, pa.large_string())
        value = convert_column(text, column)
        if column.default is not None:
            value = pc.fill_null(value, column.default)
        unreadable = pc.and_(pc.is_valid(text), pc.is_null(value)).to_numpy(zero_copy_only=False)
        if unreadable.any():
            what = _READ_AS[column.type][0]
            cells = chunk[name].filter(pa.array(unreadable))
            label = dataset.label(name)
            reason = (timestamp_reasons(text.filter(pa.array(unreadable)).combine_chunks(), label, what)
                      if column.type in ("timestamp", "date") else f"「{label}」{what}")
            issues.append(_issues(lines[unreadable], name, cells.to_pylist(), reason))
        typed[name] = value
    frame = pa.table(typed).to_pandas(types_mapper=_PANDAS_TYPES.get)
    frame.index = pd.Index(lines, name="source_line")
    extra = chunk[EXTRA].to_numpy(zero_copy_only=False)
    if extra.any():
        issues.append(_issues(lines[extra], None, None, "本行的单元格比表头多，可能有未加引号的逗号"))
    return frame, _concat_issues(issues)


def total_row_lines(chunk: pa.Table, lines) -> np.ndarray:
    """Of the given lines (rows that already failed), those that are a 合计/总计 row."""
    suspects = chunk.filter(pc.is_in(chunk[LINE], pa.array(np.asarray(lines, dtype=np.int64))))
    hit = np.zeros(suspects.num_rows, dtype=bool)
    for name in suspects.column_names:
        if name not in (LINE, EXTRA):
            cells = pc.fill_null(pc.cast(suspects[name], pa.large_string()), "")
            hit |= pc.match_substring_regex(cells, TOTAL_ROW.pattern, ignore_case=True).to_numpy(
                zero_copy_only=False
            )
    return suspects[LINE].to_numpy()[hit]


def _issues(lines, column, values, reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "line": np.asarray(lines, dtype="int64"),
            "column": column,
            "value": None if values is None else pd.Series(values, dtype=object).to_numpy(),
            "reason": reason,
        }
    )


def _concat_issues(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    return pd.concat(parts, ignore_index=True)
