"""Open one export file and stream it as chunks of text cells.

Everything a Chinese export throws at us is handled here and nowhere else:
the encoding (UTF-8, UTF-8 with BOM, GB18030/GBK — detected, never asked),
title lines above the header, header names in English, Chinese or the user's
own words, and XLSX workbooks. Each chunk is an Arrow table of strings with
canonical column names plus two bookkeeping columns: `__line`, the line number
the user sees in the file (or the row number in the sheet), and `__extra`,
true where a row had more cells than the header.

CSV is parsed by Arrow's streaming reader; a file with ragged rows (cells
missing or extra) is read again by pandas, which keeps such rows so that
validation can quarantine them with their line.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook

from pipelines.ingest import workbook_guard
from pipelines.ingest.headers import HeaderMatcher
from schemas.declarations import Dataset

CHUNK_ROWS = 250_000
HEADER_SEARCH_LINES = 20
SPARE_FIELDS = 8  # room for rows with more cells than the header, so none is dropped
LINE, EXTRA = "__line", "__extra"
_BLOCK = 4 << 20


class RejectedFile(Exception):
    """The file cannot be loaded at all; the message says why, in a manager's words."""


class RaggedRows(Exception):
    """The fast reader met a row it cannot parse, most often one whose cell count differs from the header's."""


@dataclass
class OpenedFile:
    path: Path
    encoding: str
    header_line: int  # 1-based line (or sheet row) of the header
    columns: list[str]  # per position: canonical name, or "~" + the header for a column we do not use
    skipped_lines: list[str] = field(default_factory=list)  # title lines above the header
    unknown_headers: list[str] = field(default_factory=list)
    quoted: bool = True  # some cell is quoted, so a cell may span lines

    def chunks(self, tolerant: bool = False) -> Iterator[pa.Table]:
        """Chunks of string cells with `__line` and `__extra`; `tolerant` keeps ragged rows."""
        if self.encoding == "xlsx":
            return _xlsx_chunks(self.path, self.header_line, self.columns)
        if tolerant:
            return _pandas_chunks(self.path, self.encoding, self.header_line, self.columns)
        return _arrow_chunks(self.path, self.encoding, self.header_line, self.columns, self.quoted)


def scan_text(path: Path) -> tuple[str, bool]:
    """The encoding — UTF-8 (with or without BOM), else GB18030 (a superset of GBK), checked over
    the whole file — and whether any cell is quoted, in the same pass. Without quotes no cell
    can span lines, and the reader skips looking for that (it halves CSV parsing time)."""
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        quoted = _quoted_if_decodes(path, encoding)
        if quoted is not None:
            if encoding == "gb18030":
                _refuse_mixed_encodings(path)
            return encoding, quoted
    raise RejectedFile(
        "无法识别文件编码（支持 UTF-8、带 BOM 的 UTF-8、GB18030/GBK）；请另存为 UTF-8 CSV 或 XLSX"
    )


_UTF8_CHAR = rb"(?:[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})"
# a whole line of valid UTF-8 with at least one non-ASCII character (GB18030 text almost never is)
_UTF8_LINE = re.compile(rb"(?m)^[\x00-\x09\x0b-\x7f]*(?:" + _UTF8_CHAR + rb"[\x00-\x09\x0b-\x7f]*)+\r?$")


def _refuse_mixed_encodings(path: Path) -> None:
    """A file that is not UTF-8 but has UTF-8 lines (two exports pasted together) also decodes as
    GB18030 — into mojibake (中文 → 涓…枃). A regular expression finds a whole UTF-8 line at C
    speed; only then are lines read one by one, to name the first line that differs."""
    with path.open("rb") as f:
        rest = b""
        while block := f.read(_BLOCK):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            block, rest = (block[:cut], block[cut:]) if cut else (b"", block)
            if _UTF8_LINE.search(block):
                break
        else:
            if not (rest and _UTF8_LINE.search(rest)):
                return
    first = None
    with path.open("rb") as f:
        for number, line in enumerate(f, start=1):
            if line.isascii():
                continue
            kind = "UTF-8" if _is_utf8(line) else "GB18030/GBK"
            if first is None:
                first = (number, kind)
            elif kind != first[1]:
                raise RejectedFile(f"文件混用了两种编码：第 {first[0]} 行是 {first[1]}，第 {number} 行是 {kind}；"
                                   "请整份另存为同一种编码（建议 UTF-8）后再放入；整个文件未导入")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    return scan_text(path)[0]


def _quoted_if_decodes(path: Path, encoding: str) -> bool | None:
    """Whether the text holds a '"'; None when it does not decode as `encoding`."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    quoted = False
    try:
        with path.open("rb") as f:
            while block := f.read(_BLOCK):
                quoted = quoted or '"' in decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return quoted


def open_export(path: Path, dataset: Dataset, matcher: HeaderMatcher) -> OpenedFile:
    """Find the header and return the file ready to stream; RejectedFile if it cannot be read."""
    if path.stat().st_size == 0:
        raise RejectedFile("文件为空（0 字节）")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        try:
            workbook_guard.check(path)  # before calamine, whose allocation failures abort the process
        except workbook_guard.UnsafeWorkbook as exc:
            raise RejectedFile(f"{exc}；整个文件未导入") from exc
        encoding, quoted, top = "xlsx", False, _xlsx_top(path)
    elif suffix in {".csv", ".txt"}:
        encoding, quoted = scan_text(path)
        with path.open(encoding=encoding, newline="") as f:
            try:
                top = [row for _, row in zip(range(HEADER_SEARCH_LINES), csv.reader(f))]
            except csv.Error as exc:  # e.g. a cell over the reader's field limit (128 KB), or no newline at all
                raise RejectedFile(f"CSV 格式无法解析（前 {HEADER_SEARCH_LINES} 行内）：{exc}；整个文件未导入") from exc
    else:
        raise RejectedFile(f"不支持的文件类型 {path.suffix}（请用 CSV 或 XLSX）")
    if not top:
        raise RejectedFile("文件为空")
    header_idx, names = _find_header(top, dataset, matcher)
    return OpenedFile(
        path=path,
        encoding=encoding,
        header_line=header_idx + 1,
        columns=_column_names(top[header_idx], names),
        quoted=quoted,
        skipped_lines=[",".join(r).strip(",") for r in top[:header_idx] if any(r)],
        unknown_headers=_check_columns(dataset, names, top[header_idx]),
    )


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
    missing = [c for c in dataset.required if c not in names]
    if missing:
        labels = "、".join(dataset.label(c) for c in missing)
        raise RejectedFile(f"缺少必需的列：{labels}；整个文件未导入")
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise RejectedFile(f"列 {'、'.join(dataset.label(n) for n in twice)} 出现了两次；整个文件未导入")
    return [str(h) for h, n in zip(header, names) if not n and str(h).strip()]


def _positional(names: list[str], spare: int = 0) -> list[str]:
    # spare fields catch cells beyond the header; they are dropped after reading
    return names + [f"__spare_{i}" for i in range(spare)]


def _column_names(header: list, names: list[str]) -> list[str]:
    """Canonical names; an unused column keeps its own header behind "~", so quarantine shows it."""
    out = []
    for i, (text, name) in enumerate(zip(header, names)):
        if not name:
            name = f"~{str(text).strip() or f'第{i + 1}列'}"
            name = name if name not in out else f"{name}({i + 1})"
        out.append(name)
    return out


def _finish(table: pa.Table, first_line: int, quoted: bool = True) -> tuple[pa.Table, int]:
    """Number the rows by file line and drop the blank ones."""
    newlines = _embedded_newlines(table) if quoted else None
    offsets = np.arange(table.num_rows, dtype=np.int64)
    if newlines is not None:  # a quoted cell spanning lines pushes the next rows down
        offsets += np.concatenate([[0], np.cumsum(newlines)[:-1]])
        next_line = first_line + int(offsets[-1]) + 1 + int(newlines[-1])
    else:
        next_line = first_line + table.num_rows
    spares = [c for c in table.column_names if c.startswith("__spare_")]
    extra = _any_filled(table, spares)
    filled = _any_filled(table, table.column_names)
    keep = [c for c in table.column_names if not c.startswith("__spare_")]
    table = table.select(keep).append_column(LINE, pa.array(first_line + offsets))
    return table.append_column(EXTRA, extra).filter(filled), next_line


def _any_filled(table: pa.Table, columns: list[str]) -> pa.Array:
    filled = np.zeros(table.num_rows, dtype=bool)
    for name in columns:
        filled |= pc.is_valid(table[name]).to_numpy(zero_copy_only=False)
    return pa.array(filled)


def _embedded_newlines(table: pa.Table):
    counts = None
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            n = pc.count_substring(pc.fill_null(column, ""), "\n")
            if pc.max(n).as_py():
                part = n.to_numpy(zero_copy_only=False).astype(np.int64)
                counts = part if counts is None else counts + part
    return counts


def _arrow_chunks(path: Path, encoding: str, header_line: int, names: list[str], quoted: bool):
    """Fast path for well-formed files; any parse trouble hands the file to the tolerant reader."""
    columns = _positional(names)
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                skip_rows=header_line,
                column_names=columns,
                encoding="utf8" if encoding.startswith("utf-8") else encoding,
                block_size=32 << 20,
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=quoted, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=True
            ),
        )
        line = header_line + 1
        for batch in reader:
            chunk, line = _finish(pa.Table.from_batches([batch]), line, quoted)
            yield chunk
    except pa.ArrowInvalid as exc:
        raise RaggedRows(str(exc)) from exc


def _pandas_chunks(path: Path, encoding: str, header_line: int, names: list[str]):
    """Slower, but keeps rows with missing or extra cells (padding the short ones)."""
    columns = _positional(names, SPARE_FIELDS)
    reader = pd.read_csv(
        path,
        encoding=encoding,
        header=None,
        names=columns,
        skiprows=header_line,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        skip_blank_lines=False,
        chunksize=CHUNK_ROWS,
    )
    line = header_line + 1
    try:
        for frame in reader:
            chunk, line = _finish(pa.Table.from_pandas(frame, preserve_index=False), line)
            yield chunk
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RejectedFile(f"CSV 格式无法解析：{exc}") from exc


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
    return str(value)


def _sheet_rows(path: Path):
    try:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise RejectedFile(f"无法打开 Excel 文件：{exc}") from exc


def _xlsx_top(path: Path) -> list[list[str]]:
    rows = _sheet_rows(path)
    return [[_cell_text(v) or "" for v in row] for _, row in zip(range(HEADER_SEARCH_LINES), rows)]


def _xlsx_chunks(path: Path, header_line: int, names: list[str]):
    columns = _positional(names, SPARE_FIELDS)
    width = len(columns)
    rows = _sheet_rows(path)
    for _ in range(header_line):
        next(rows, None)
    line = header_line + 1  # sheet rows are 1-based, as Excel shows them
    buffer: list[list[str | None]] = []
    for row in rows:
        cells = [_cell_text(v) for v in row[:width]]
        buffer.append(cells + [None] * (width - len(cells)))
        if len(buffer) == CHUNK_ROWS:
            chunk, line = _finish(_sheet_table(buffer, columns), line, quoted=False)
            yield chunk
            buffer = []
    if buffer:  # a sheet row is one row even when a cell holds a line break
        yield _finish(_sheet_table(buffer, columns), line, quoted=False)[0]


def _sheet_table(buffer, columns) -> pa.Table:
    return pa.table({name: pa.array([r[i] for r in buffer], pa.string()) for i, name in enumerate(columns)})
