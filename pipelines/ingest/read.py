"""Open one export file and stream it as chunks of text cells.

Everything a Chinese export throws at us is handled here and nowhere else:
the encoding (UTF-8, UTF-8 with BOM, GB18030/GBK — detected, never asked),
title lines above the header, header names in English, Chinese or the user's
own words, and XLSX workbooks. Each chunk is a DataFrame of strings indexed by
the line number the user sees in the file (or the row number in the sheet),
so every later message can point back to it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from pipelines.ingest.headers import HeaderMatcher
from schemas.declarations import Dataset

CHUNK_ROWS = 200_000
HEADER_SEARCH_LINES = 20
SPARE_FIELDS = 8  # room for rows with more cells than the header, so none is dropped
_BLOCK = 4 << 20


class RejectedFile(Exception):
    """The file cannot be loaded at all; the message says why, in a manager's words."""


@dataclass
class OpenedFile:
    path: Path
    encoding: str
    header_line: int  # 1-based line (or sheet row) of the header
    columns: list[str]  # canonical name per position; "" for an unknown header
    skipped_lines: list[str] = field(default_factory=list)  # title lines above the header
    unknown_headers: list[str] = field(default_factory=list)
    _chunks: Iterator[pd.DataFrame] | None = None

    def chunks(self) -> Iterator[pd.DataFrame]:
        """Chunks of string cells (None for blank), index = line number, canonical columns."""
        assert self._chunks is not None
        return self._chunks


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK); checked over the whole file."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        if _decodes(path, encoding):
            return encoding
    raise RejectedFile("无法识别文件编码（支持 UTF-8、带 BOM 的 UTF-8、GB18030/GBK）；请另存为 UTF-8 CSV 或 XLSX")


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        with path.open("rb") as f:
            while block := f.read(_BLOCK):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def open_export(path: Path, dataset: Dataset, matcher: HeaderMatcher) -> OpenedFile:
    """Find the header and return the file ready to stream; RejectedFile if it cannot be read."""
    if path.stat().st_size == 0:
        raise RejectedFile("文件为空（0 字节）")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        return _open_xlsx(path, dataset, matcher)
    if suffix in {".csv", ".txt"}:
        return _open_csv(path, dataset, matcher)
    raise RejectedFile(f"不支持的文件类型 {path.suffix}（请用 CSV 或 XLSX）")


def _find_header(rows: list[list[str]], dataset: Dataset, matcher: HeaderMatcher):
    """The first of the top rows that names at least two of the dataset's columns."""
    for i, row in enumerate(rows):
        names = [matcher.match(dataset.name, cell) for cell in row]
        known = [n for n in names if n]
        filled = [c for c in row if c and str(c).strip()]
        if len(known) >= 2 and len(known) * 2 >= len(filled):
            return i, names
    wanted = "、".join(dataset.label(c) for c in dataset.required[:4])
    raise RejectedFile(f"前 {len(rows)} 行中找不到表头（应包含如 {wanted} 等列名）")


def _check_columns(dataset: Dataset, names: list[str], header: list) -> list[str]:
    present = set(names)
    missing = [c for c in dataset.required if c not in present]
    if missing:
        labels = "、".join(dataset.label(c) for c in missing)
        raise RejectedFile(f"缺少必需的列：{labels}；整个文件未导入")
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise RejectedFile(f"列 {dataset.label(name)} 出现了两次；整个文件未导入")
        seen.add(name)
    return [str(h) for h, n in zip(header, names) if not n and str(h).strip()]


def _open_csv(path: Path, dataset: Dataset, matcher: HeaderMatcher) -> OpenedFile:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as f:
        top = [row for _, row in zip(range(HEADER_SEARCH_LINES), csv.reader(f))]
    if not top:
        raise RejectedFile("文件为空")
    header_idx, names = _find_header(top, dataset, matcher)
    unknown = _check_columns(dataset, names, top[header_idx])
    opened = OpenedFile(
        path=path,
        encoding=encoding,
        header_line=header_idx + 1,
        columns=names,
        skipped_lines=[",".join(r).strip(",") for r in top[:header_idx]],
        unknown_headers=unknown,
    )
    opened._chunks = _csv_chunks(path, encoding, header_idx + 1, names)
    return opened


def _positional_names(names: list[str]) -> list[str]:
    # unknown headers and spare fields get placeholder names; they are dropped after reading
    return [n or f"__ignored_{i}" for i, n in enumerate(names)] + [
        f"__extra_{i}" for i in range(SPARE_FIELDS)
    ]


def _csv_chunks(path: Path, encoding: str, data_start: int, names: list[str]):
    positional = _positional_names(names)
    reader = pd.read_csv(
        path,
        encoding=encoding,
        header=None,
        names=positional,
        skiprows=data_start,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        chunksize=CHUNK_ROWS,
        engine="c",
    )
    first_line = data_start + 1
    try:
        for chunk in reader:
            chunk.index = pd.RangeIndex(first_line, first_line + len(chunk), name="line")
            first_line += len(chunk)
            yield _tidy(chunk)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RejectedFile(f"CSV 格式无法解析：{exc}") from exc


def _tidy(chunk: pd.DataFrame) -> pd.DataFrame:
    """Rows with nothing in them are dropped: they are not records."""
    chunk = chunk.dropna(how="all")
    extras = [c for c in chunk.columns if c.startswith("__extra_")]
    # a row with more cells than the header keeps the fact, so validation can quarantine it
    chunk["__extra_cells"] = chunk[extras].notna().any(axis=1) if extras else False
    keep = [c for c in chunk.columns if not c.startswith("__ignored_") and not c.startswith("__extra_")]
    return chunk[keep + ["__extra_cells"]]


def _cell_text(value) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):  # a time-only cell
        return str(value)
    return str(value)


def _open_xlsx(path: Path, dataset: Dataset, matcher: HeaderMatcher) -> OpenedFile:
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.iter_rows()
        top = [[_cell_text(v) or "" for v in row] for _, row in zip(range(HEADER_SEARCH_LINES), rows)]
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise RejectedFile(f"无法打开 Excel 文件：{exc}") from exc
    if not top:
        raise RejectedFile("工作表为空")
    header_idx, names = _find_header(top, dataset, matcher)
    unknown = _check_columns(dataset, names, top[header_idx])
    opened = OpenedFile(
        path=path,
        encoding="xlsx",
        header_line=header_idx + 1,
        columns=names,
        skipped_lines=[",".join(r).strip(",") for r in top[:header_idx] if any(r)],
        unknown_headers=unknown,
    )
    opened._chunks = _xlsx_chunks(path, header_idx + 1, names)
    return opened


def _xlsx_chunks(path: Path, data_start: int, names: list[str]):
    positional = _positional_names(names)
    width = len(positional)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = sheet.iter_rows()
    for _ in range(data_start):
        next(rows, None)
    line = data_start + 1  # sheet rows are 1-based, as Excel shows them
    buffer: list[list[str | None]] = []
    start = line
    for row in rows:
        cells = [_cell_text(v) for v in row[:width]]
        buffer.append(cells + [None] * (width - len(cells)))
        line += 1
        if len(buffer) == CHUNK_ROWS:
            yield _sheet_chunk(buffer, positional, start)
            buffer, start = [], line
    if buffer:
        yield _sheet_chunk(buffer, positional, start)


def _sheet_chunk(buffer, positional, start) -> pd.DataFrame:
    frame = pd.DataFrame(buffer, columns=positional, dtype="str")
    frame.index = pd.RangeIndex(start, start + len(frame), name="line")
    return _tidy(frame)

