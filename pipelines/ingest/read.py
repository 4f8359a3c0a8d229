"""Open one export file and stream it as chunks of text cells.

Everything a Chinese export throws at us is handled here and nowhere else: what the file is
(read from its bytes: CSV or tab-separated text, XLSX, BIFF `.xls`, XML Spreadsheet 2003, an
HTML table — see forms.py), its encoding (encodings.py), which sheet holds the dataset, title
lines above the header, header names in English, Chinese or the user's own words. Each chunk is
an Arrow table of strings with canonical column names plus two bookkeeping columns: `__line`,
the line number the user sees in the file (or the row number in the sheet or table), and
`__extra`, true where a row had more cells than the header.

Text is parsed by Arrow's streaming reader; a file with ragged rows (cells missing or extra) is
read again by pandas, which keeps such rows so that validation can quarantine them with their line.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines.ingest import forms, sheets, workbook_guard
from pipelines.ingest.encodings import scan_text
from pipelines.ingest.forms import Form, RejectedFile
from pipelines.ingest.headers import HeaderMatcher
from schemas.declarations import Dataset

__all__ = ["EXTRA", "LINE", "OpenedFile", "RaggedRows", "RejectedFile", "open_export"]

CHUNK_ROWS = 250_000
HEADER_SEARCH_LINES = 20
SPARE_FIELDS = 8  # room for rows with more cells than the header, so none is dropped
LINE, EXTRA = "__line", "__extra"


class RaggedRows(Exception):
    """The fast reader met a row it cannot parse, most often one whose cell count differs from the header's."""


@dataclass
class OpenedFile:
    path: Path
    form: Form
    encoding: str | None  # of text, XML or HTML; None for a binary workbook
    header_line: int  # 1-based line (or sheet row) of the header
    columns: list[str]  # per position: canonical name, or "~" + the header for a column we do not use
    skipped_lines: list[str] = field(default_factory=list)  # title lines above the header
    unknown_headers: list[str] = field(default_factory=list)
    quoted: bool = True  # some cell is quoted, so a cell may span lines
    sheet: str | None = None  # the sheet (or HTML table) read
    sheet_index: int = 0
    notes: list[str] = field(default_factory=list)  # how it was read, where the user would not guess
    header: list[str] = field(default_factory=list)  # the header row's cells, as written
    names: list[str] = field(default_factory=list)  # per header cell: the canonical column, or ""

    def chunks(self, tolerant: bool = False) -> Iterator[pa.Table]:
        """Chunks of string cells with `__line` and `__extra`; `tolerant` keeps ragged rows."""
        if self.form.is_sheet:
            _, rows = next(itertools.islice(sheets.sheets(self.path, self.form, self.encoding), self.sheet_index, None))
            return _sheet_chunks(rows, self.header_line, self.columns)
        delimiter = "\t" if self.form.kind == "tsv" else ","
        if tolerant:
            return _pandas_chunks(self.path, self.encoding, self.header_line, self.columns, delimiter)
        return _arrow_chunks(self.path, self.encoding, self.header_line, self.columns, self.quoted, delimiter)


def open_export(path: Path, dataset: Dataset, matcher: HeaderMatcher, sheet: str | None = None,
                strict: bool = True) -> OpenedFile:
    """Find the header and return the file ready to stream; RejectedFile if it cannot be read.
    `sheet` names the sheet to read (config `[sheets]`); else the first whose header fits.
    Not `strict` (a dry run): a required column missing or named twice does not reject it."""
    if path.stat().st_size == 0:
        raise RejectedFile("文件为空（0 字节）")
    form = forms.sniff(path)
    opened = _open_sheet(path, form, dataset, matcher, sheet, strict) if form.is_sheet else _open_text(
        path, form, dataset, matcher, strict)
    if remark := form.remark(path):
        opened.notes.insert(0, remark)
    return opened


def _open_text(path: Path, form: Form, dataset: Dataset, matcher: HeaderMatcher, strict: bool) -> OpenedFile:
    encoding, quoted = scan_text(path)
    with path.open(encoding=encoding, newline="") as f:
        try:
            reader = csv.reader(f, delimiter="\t" if form.kind == "tsv" else ",")
            top = [row for _, row in zip(range(HEADER_SEARCH_LINES), reader)]
        except csv.Error as exc:  # e.g. a cell over the reader's field limit (128 KB), or no newline at all
            raise RejectedFile(f"CSV 格式无法解析（前 {HEADER_SEARCH_LINES} 行内）：{exc}；整个文件未导入") from exc
    numbered = list(enumerate(top, start=1))
    found = _find_header(top, dataset, matcher)
    if found is None:
        raise _no_header(dataset, len(top))
    return _opened(path, form, encoding, numbered, found, dataset, quoted, strict)


def _open_sheet(path: Path, form: Form, dataset: Dataset, matcher: HeaderMatcher, wanted: str | None,
                strict: bool) -> OpenedFile:
    """The first sheet whose header fits the dataset, or the sheet `wanted`."""
    if form.kind == "xlsx":
        try:
            workbook_guard.check(path)  # before calamine, whose allocation failures abort the process
        except workbook_guard.UnsafeWorkbook as exc:
            raise RejectedFile(f"{exc}；整个文件未导入") from exc
    encoding = sheets.markup_encoding(path, form) if form.kind in ("xml2003", "html") else None
    passed = []
    for index, (name, rows) in enumerate(sheets.sheets(path, form, encoding)):
        if wanted is not None and name != wanted:
            passed.append(name)
            continue
        top = itertools.islice(rows, HEADER_SEARCH_LINES)
        numbered = [(n, [_cell_text(v) or "" for v in cells]) for n, cells in top]
        found = _find_header([cells for _, cells in numbered], dataset, matcher)
        if found is None and wanted is None:
            passed.append(name)
            continue
        if found is None:
            raise _no_header(dataset, len(numbered), f"工作表「{name}」的")
        opened = _opened(path, form, encoding, numbered, found, dataset, False, strict)
        opened.sheet, opened.sheet_index = name, index
        opened.notes.extend(_sheet_notes(path, form, name, index, passed, wanted))
        return opened
    if wanted is not None:
        names = "、".join(passed) or "无"
        raise RejectedFile(f"找不到 [sheets] 指定的工作表「{wanted}」（文件中有：{names}）；整个文件未导入")
    where = "、".join(f"「{n}」" for n in passed[:5]) + ("等" if len(passed) > 5 else "")
    kind = "表格" if form.kind == "html" else "工作表"
    raise _no_header(dataset, HEADER_SEARCH_LINES, f"{len(passed)} 个{kind}（{where}）的" if passed else "")


def _sheet_notes(path: Path, form: Form, name: str, index: int, passed: list[str], wanted: str | None) -> list[str]:
    """Which sheet was read, when there was a choice: the user checks it was the right one."""
    if form.kind == "html":
        return [f"读取第 {index + 1} 个表格"] if index else []
    names = sheets.sheet_names(path, form) or [*passed, name]
    if wanted is not None:
        return [f"读取 [sheets] 指定的工作表「{name}」"]
    if len(names) > 1:
        before = f"；前面的{'、'.join(f'「{n}」' for n in passed)}没有本数据集的表头" if passed else ""
        return [f"读取工作表「{name}」（共 {len(names)} 个工作表{before}）"]
    return []


def _opened(path, form, encoding, numbered, found, dataset, quoted, strict) -> OpenedFile:
    header_idx, names = found
    header = numbered[header_idx][1]
    if strict:
        _check_columns(dataset, names)
    unknown = [str(h) for h, n in zip(header, names) if not n and str(h).strip()]
    return OpenedFile(
        path=path,
        form=form,
        encoding=encoding,
        header_line=numbered[header_idx][0],
        columns=_column_names(header, names),
        quoted=quoted,
        skipped_lines=[",".join(r).strip(",") for _, r in numbered[:header_idx] if any(r)],
        unknown_headers=unknown,
        header=[str(h) for h in header],
        names=list(names),
    )


def _no_header(dataset: Dataset, lines: int, where: str = "") -> RejectedFile:
    wanted = "、".join(dataset.label(c) for c in dataset.required[:4])
    return RejectedFile(f"{where}前 {lines} 行中找不到表头（应包含如 {wanted} 等列名）")


def _find_header(rows: list[list[str]], dataset: Dataset, matcher: HeaderMatcher):
    """(index, canonical names) of the first of the top rows that names at least two of the
    dataset's columns, and mostly names them; None if there is none."""
    for i, row in enumerate(rows):
        names = [matcher.match(dataset.name, cell) for cell in row]
        known = [n for n in names if n]
        filled = [c for c in row if c and str(c).strip()]
        if len(known) >= 2 and len(known) * 2 >= len(filled):
            return i, names
    return None


def _check_columns(dataset: Dataset, names: list[str]) -> None:
    missing = [c for c in dataset.required if c not in names]
    if missing:
        labels = "、".join(dataset.label(c) for c in missing)
        raise RejectedFile(f"缺少必需的列：{labels}；整个文件未导入")
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise RejectedFile(f"列 {'、'.join(dataset.label(n) for n in twice)} 出现了两次；整个文件未导入")


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


def _numbered(table: pa.Table, first_line: int, quoted: bool) -> tuple[np.ndarray, int]:
    """Each text row's line in the file, and the line after the last: a quoted cell spanning
    lines pushes the next rows down."""
    newlines = _embedded_newlines(table) if quoted else None
    offsets = np.arange(table.num_rows, dtype=np.int64)
    if newlines is None:
        return first_line + offsets, first_line + table.num_rows
    offsets += np.concatenate([[0], np.cumsum(newlines)[:-1]])
    return first_line + offsets, first_line + int(offsets[-1]) + 1 + int(newlines[-1])


def _finish(table: pa.Table, lines: np.ndarray) -> pa.Table:
    """Number the rows by file line, flag cells beyond the header, and drop the blank rows."""
    spares = [c for c in table.column_names if c.startswith("__spare_")]
    extra = _any_filled(table, spares)
    filled = _any_filled(table, table.column_names)
    keep = [c for c in table.column_names if not c.startswith("__spare_")]
    table = table.select(keep).append_column(LINE, pa.array(lines, pa.int64()))
    return table.append_column(EXTRA, extra).filter(filled)


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


def _arrow_chunks(path: Path, encoding: str, header_line: int, names: list[str], quoted: bool, delimiter: str):
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
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted,
                                             ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=True
            ),
        )
        line = header_line + 1
        for batch in reader:
            table = pa.Table.from_batches([batch])
            lines, line = _numbered(table, line, quoted)
            yield _finish(table, lines)
    except pa.ArrowInvalid as exc:
        raise RaggedRows(str(exc)) from exc


def _pandas_chunks(path: Path, encoding: str, header_line: int, names: list[str], delimiter: str):
    """Slower, but keeps rows with missing or extra cells (padding the short ones)."""
    columns = _positional(names, SPARE_FIELDS)
    reader = pd.read_csv(
        path,
        encoding=encoding,
        header=None,
        sep=delimiter,
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
            table = pa.Table.from_pandas(frame, preserve_index=False)
            lines, line = _numbered(table, line, quoted=True)
            yield _finish(table, lines)
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


def _sheet_chunks(rows: sheets.Rows, header_line: int, names: list[str]):
    """The rows below the header, numbered as the sheet numbers them (a row is one row even
    when a cell holds a line break; an XML sheet may skip row numbers)."""
    columns = _positional(names, SPARE_FIELDS)
    width = len(columns)
    buffer: list[list[str | None]] = []
    lines: list[int] = []
    for number, row in rows:
        if number <= header_line:
            continue
        cells = [_cell_text(v) for v in row[:width]]
        buffer.append(cells + [None] * (width - len(cells)))
        lines.append(number)
        if len(buffer) == CHUNK_ROWS:
            yield _finish(_sheet_table(buffer, columns), np.array(lines, dtype=np.int64))
            buffer, lines = [], []
    if buffer:
        yield _finish(_sheet_table(buffer, columns), np.array(lines, dtype=np.int64))


def _sheet_table(buffer, columns) -> pa.Table:
    return pa.table({name: pa.array([r[i] for r in buffer], pa.string()) for i, name in enumerate(columns)})
