"""The sheets of a workbook — or the tables of an HTML page — as rows of cells, streamed.

    sheets(path, form, encoding) -> (name, rows) for each sheet in order,
                                    rows: (row number as the user sees it, [cell, ...])

XLSX, BIFF `.xls` and ODS are read by calamine. XML Spreadsheet 2003 and HTML are parsed as they
stream, so a big export never sits in memory whole: an XML `Row`/`Cell` may skip ahead with
`ss:Index`, and a title cell spans columns with `ss:MergeAcross` (HTML: `colspan`, `rowspan`);
covered cells are empty, as Excel shows a merged range. A sheet's rows must be read, or left,
before the next sheet is asked for.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import itertools
import re
from collections import deque
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml
from defusedxml.ElementTree import iterparse
from python_calamine import CalamineWorkbook

from pipelines.ingest.encodings import codec_for, decodes
from pipelines.ingest.forms import NATURAL_SUFFIXES, Form, RejectedFile

Rows = Iterator[tuple[int, list]]
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384  # Excel's own limits: an index beyond them is hostile
MAX_SPAN = 1_000  # the HTML standard's limit for colspan
SS = "urn:schemas-microsoft-com:office:spreadsheet"
_BLOCK = 1 << 20


def sheets(path: Path, form: Form, encoding: str | None) -> Iterator[tuple[str, Rows]]:
    if form.kind == "xml2003":
        flat = _xml_rows(path, encoding)
    elif form.kind == "html":
        flat = _html_rows(path, encoding)
    else:
        yield from _calamine_sheets(path, form)
        return
    for (_, name), group in itertools.groupby(flat, key=lambda row: row[0]):
        yield name, ((number, cells) for _, number, cells in group)


def sheet_names(path: Path, form: Form) -> list[str] | None:
    """The names of every sheet, where they are known without reading the file through."""
    return _workbook(path, form).sheet_names if form.kind in ("xlsx", "xls", "ods") else None


def markup_encoding(path: Path, form: Form) -> str:
    """The text encoding of an XML or HTML export: the one it declares, if the file decodes
    with it (a GB2312 page often says UTF-8), else UTF-8, else GB18030."""
    with path.open("rb") as f:
        head = f.read(8192)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pattern = _XML_DECLARED if form.kind == "xml2003" else _META_CHARSET
    declared = pattern.search(head)
    candidates = [codec_for(declared.group(1).decode("ascii", "replace")) if declared else None,
                  "utf-8", "gb18030"]
    for encoding in dict.fromkeys(c for c in candidates if c):
        if decodes(path, encoding):
            return encoding
    raise RejectedFile(f"无法识别{form.title}的文字编码（支持 UTF-8、GB2312/GBK/GB18030）")


_XML_DECLARED = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.\-]+)""", re.I)


# --- calamine: xlsx, xls, ods --------------------------------------------------------------

def _workbook(path: Path, form: Form) -> CalamineWorkbook:
    try:
        if path.suffix.lower() in NATURAL_SUFFIXES[form.kind] - {".xml", ".html", ".htm"}:
            return CalamineWorkbook.from_path(str(path))
        with path.open("rb") as f:  # named otherwise: calamine goes by the name, so give it the bytes
            return CalamineWorkbook.from_filelike(f)
    except OSError:
        raise
    except Exception as exc:  # calamine raises its own error types for broken workbooks
        raise RejectedFile(f"无法打开{form.title}：{exc}") from exc


def _calamine_sheets(path: Path, form: Form) -> Iterator[tuple[str, Rows]]:
    book = _workbook(path, form)
    for index, name in enumerate(book.sheet_names):
        try:
            rows = book.get_sheet_by_index(index).iter_rows()
        except Exception as exc:
            raise RejectedFile(f"无法读取工作表「{name}」：{exc}") from exc
        yield name, enumerate(rows, start=1)  # calamine pads from the sheet's first row


# --- XML Spreadsheet 2003 ------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(elem, name: str) -> str | None:
    return elem.get(f"{{{SS}}}{name}", elem.get(name))


def _index(elem, following: int, limit: int, what: str) -> int:
    """A Row's or Cell's ss:Index (1-based), else the one after the last."""
    given = _attr(elem, "Index")
    if given is None:
        return following
    try:
        index = int(given)
    except ValueError:
        raise RejectedFile(f"XML 电子表格的 ss:Index=\"{given}\" 不是数字") from None
    if not following <= index <= limit:  # never backwards, never past Excel's own limit
        raise RejectedFile(f"XML 电子表格的{what}号 ss:Index={index} 不合理（上限 {limit:,}）")
    return index


def _xml_rows(path: Path, encoding: str | None):
    """(sheet, row number, cells) for every row of every Worksheet, in one streaming pass."""
    sheet, table, number = None, None, 0
    try:
        for event, elem in iterparse(_utf8(path, encoding), events=("start", "end"), forbid_dtd=True):
            tag = _local(elem.tag)
            if event == "start" and tag == "Worksheet":
                sheet = (sheet[0] + 1 if sheet else 1, _attr(elem, "Name") or "")
                number = 0
            elif event == "start" and tag == "Table":
                table = elem
            elif event == "end" and tag == "Row" and sheet is not None:
                number = _index(elem, number + 1, MAX_ROWS, "行")
                yield sheet, number, _xml_cells(elem)
                if table is not None:
                    table.remove(elem)  # what is read is let go: memory stays flat
    except ParseError as exc:
        raise RejectedFile(f"XML 格式错误（第 {exc.position[0]} 行第 {exc.position[1]} 列）：{exc}") from exc
    except defusedxml.DefusedXmlException as exc:
        raise RejectedFile("XML 中含有 DTD 或实体定义，出于安全不读取") from exc


def _xml_cells(row) -> list:
    cells: list = []
    for cell in row:
        if _local(cell.tag) != "Cell":
            continue
        column = _index(cell, len(cells) + 1, MAX_COLUMNS, "列")
        cells.extend([None] * (column - 1 - len(cells)))
        cells.append(_xml_value(cell))
        span = int(_attr(cell, "MergeAcross") or 0)
        cells.extend([None] * min(max(span, 0), MAX_COLUMNS - len(cells)))
    return cells


def _xml_value(cell):
    data = next((child for child in cell if _local(child.tag) == "Data"), None)
    if data is None:
        return None
    text = "".join(data.itertext())
    kind = _attr(data, "Type")
    try:
        if kind == "Number":
            return float(text)
        if kind == "DateTime":
            return dt.datetime.fromisoformat(text.rstrip("Z")[:26])
        if kind == "Boolean":
            return text.strip() in ("1", "true", "TRUE")
    except ValueError:
        pass  # kept as written: validation says what is wrong with it
    return text


class _Recoded(io.RawIOBase):
    """The file's bytes as UTF-8, its declaration saying so: expat reads no GBK of its own."""

    def __init__(self, path: Path, encoding: str):
        self._file = path.open("rb")
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._pending = b""
        self._first = True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            block = self._file.read(_BLOCK)
            text = self._decoder.decode(block, final=not block)
            if self._first:
                text, self._first = _DECLARATION.sub(r"\1utf-8\2", text, count=1), False
            self._pending = text.encode("utf-8")
            if not block:
                break
        n = min(len(buffer), len(self._pending))
        buffer[:n], self._pending = self._pending[:n], self._pending[n:]
        return n

    def close(self) -> None:
        self._file.close()
        super().close()


_DECLARATION = re.compile(r"""(<\?xml[^>]*encoding\s*=\s*["'])[^"']*(["'])""")


def _utf8(path: Path, encoding: str | None):
    if encoding in (None, "utf-8", "utf-8-sig", "utf-16", "ascii"):
        return path.open("rb")
    return io.BufferedReader(_Recoded(path, encoding))


# --- HTML tables ---------------------------------------------------------------------------

def _html_rows(path: Path, encoding: str | None):
    """(table, row number, cells) for every row of every top-level <table>, streamed."""
    parser = _TableRows()
    with path.open(encoding=encoding or "utf-8", errors="strict", newline="") as f:
        while block := f.read(_BLOCK):
            parser.feed(block)
            while parser.rows:
                yield parser.rows.popleft()
    parser.close()
    yield from parser.rows
    if not parser.tables:
        raise RejectedFile("HTML 文件中没有表格（<table>）")


_SPACE = re.compile(r"[ \t\r\n\f]+")
_BREAK = "\x00"  # a <br>: a line break in the cell, where other whitespace collapses


def _span(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), MAX_SPAN)
    except ValueError:
        return 1


class _TableRows(HTMLParser):
    """Rows of top-level tables; a nested table's text stays in the cell that holds it.
    Cells and rows end where the next begins, as browsers read the HTML these systems write."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: deque = deque()
        self.tables = 0
        self._depth = 0
        self._row: list | None = None
        self._cell: list[str] | None = None
        self._spans: tuple[int, int] = (1, 1)
        self._number = 0
        self._covered: dict[int, int] = {}  # column -> rows still covered by a rowspan above
        self._starting: dict[int, int] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables += 1
                self._number, self._covered = 0, {}
        elif self._depth != 1:
            return
        elif tag == "tr":
            self._end_row()
            self._row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self._row is None:
                self._row = []
            attributes = dict(attrs)
            self._cell = []
            self._spans = (_span(attributes.get("colspan")), _span(attributes.get("rowspan")))
        if tag == "br" and self._cell is not None:
            self._cell.append(_BREAK)

    def handle_startendtag(self, tag, attrs):
        if tag == "br" and self._cell is not None:
            self._cell.append(_BREAK)

    def handle_endtag(self, tag):
        if tag == "table":
            if self._depth == 1:
                self._end_row()
            self._depth = max(self._depth - 1, 0)
        elif self._depth == 1 and tag in ("td", "th"):
            self._end_cell()
        elif self._depth == 1 and tag in ("tr", "thead", "tbody", "tfoot"):
            self._end_row()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def _end_cell(self):
        if self._cell is None:
            return
        text = _SPACE.sub(" ", "".join(self._cell)).replace(_BREAK, "\n").strip()
        self._cell = None
        self._skip_covered()
        colspan, rowspan = self._spans
        start = len(self._row)
        self._row.extend([text or None] + [None] * (colspan - 1))
        if rowspan > 1:
            self._starting.update({c: rowspan - 1 for c in range(start, start + colspan)})

    def _skip_covered(self):
        while self._covered.get(len(self._row), 0) > 0:
            self._row.append(None)

    def _end_row(self):
        self._end_cell()
        if self._row is None:
            return
        self._skip_covered()
        self._number += 1
        self.rows.append(((self.tables, f"表格{self.tables}"), self._number, self._row))
        self._covered = {c: n - 1 for c, n in self._covered.items() if n > 1} | self._starting
        self._row, self._starting = None, {}
