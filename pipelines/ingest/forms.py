"""What a file is, from its bytes, never from its name.

Chinese property systems hand users "Excel" in five forms, most often named `.xls` whatever they
hold: an OOXML workbook (`.xlsx`, a ZIP), a BIFF8 workbook (OLE2, Apache POI or jxl), an XML
Spreadsheet 2003 file (written by a template), an HTML table saved as `.xls` (often GB2312), and
plain CSV or tab-separated text. Each is read as what it is; anything else is refused by name
("a PDF", "a Word document") rather than by a decoding error.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"
XML_SPREADSHEET_NS = b"urn:schemas-microsoft-com:office:spreadsheet"
_HTML_START = re.compile(rb"^\s*<(?:!doctype\s+html|html|head|body|meta|table|style|!--)", re.I)
SNIFF_BYTES = 64 << 10

# what each form is called where the user reads it
TITLES = {
    "csv": "CSV 文本",
    "tsv": "制表符分隔文本",
    "xlsx": "XLSX 工作簿",
    "xls": "XLS 工作簿（BIFF）",
    "ods": "ODS 工作簿",
    "xml2003": "XML 电子表格 2003",
    "html": "HTML 表格",
}
SHEET_FORMS = {"xlsx", "xls", "ods", "xml2003", "html"}
NATURAL_SUFFIXES = {  # the names a form is expected under: no remark when a file is named so
    "csv": {".csv", ".txt"}, "tsv": {".tsv", ".txt", ".csv", ".xls"}, "xlsx": {".xlsx", ".xlsm"},
    "xls": {".xls"}, "ods": {".ods"}, "xml2003": {".xml", ".xls"}, "html": {".html", ".htm", ".xls"},
}
_REFUSED = (  # signatures of files that are certainly not an export
    (b"%PDF", "这是 PDF 文件，不是表格导出"),
    (b"\x89PNG", "这是图片（PNG），不是表格导出"),
    (b"\xff\xd8\xff", "这是图片（JPEG），不是表格导出"),
    (b"GIF8", "这是图片（GIF），不是表格导出"),
    (b"Rar!", "这是 RAR 压缩包；请解压后放入"),
    (b"7z\xbc\xaf", "这是 7z 压缩包；请解压后放入"),
    (b"\x1f\x8b", "这是 gzip 压缩文件；请解压后放入"),
)


class RejectedFile(Exception):
    """The file cannot be loaded at all; the message says why, in a manager's words."""


class UnsupportedForm(RejectedFile):
    """Not a form we read; the message says what it is."""


@dataclass(frozen=True)
class Form:
    kind: str  # csv | tsv | xlsx | xls | ods | xml2003 | html

    @property
    def title(self) -> str:
        return TITLES[self.kind]

    @property
    def is_sheet(self) -> bool:
        return self.kind in SHEET_FORMS

    def remark(self, path: Path) -> str:
        """Said when the name suggests another form: 「按内容读作 XLS 工作簿（BIFF）（文件名为 .csv）」."""
        if path.suffix.lower() in NATURAL_SUFFIXES[self.kind]:
            return ""
        return f"按内容读作 {self.title}（文件名为 {path.suffix or '无扩展名'}）"


def sniff(path: Path) -> Form:
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    if head.startswith(OLE2):
        return Form("xls")
    if head.startswith(ZIP):
        return Form(_zip_kind(path))
    for signature, reason in _REFUSED:
        if head.startswith(signature):
            raise UnsupportedForm(reason)
    text = _without_bom(head)
    if XML_SPREADSHEET_NS in text[:SNIFF_BYTES] and text.lstrip().startswith(b"<"):
        return Form("xml2003")
    if _HTML_START.match(text):  # the reader says so if no <table> follows
        return Form("html")
    if text.lstrip().startswith(b"<?xml"):
        raise UnsupportedForm("这是 XML 文件，但不是 XML 电子表格 2003（Excel 另存的 XML 表格）")
    if b"\x00" in text and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedForm("这是二进制文件，不是表格导出（支持 CSV、XLSX、XLS、XML 电子表格、HTML 表格）")
    return Form("tsv" if _tab_separated(text) else "csv")


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except zipfile.BadZipFile as exc:
        raise UnsupportedForm(f"ZIP 结构损坏，无法作为 XLSX 打开：{exc}") from exc
    if {"xl/workbook.xml", "xl/workbook.bin"} & names:
        return "xlsx"
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    if any(n.startswith("word/") for n in names):
        raise UnsupportedForm("这是 Word 文档，不是表格导出")
    if any(n.startswith("ppt/") for n in names):
        raise UnsupportedForm("这是 PowerPoint 文档，不是表格导出")
    raise UnsupportedForm("这是 ZIP 压缩包；请解压后放入其中的表格")


def _without_bom(head: bytes) -> bytes:
    for bom in (b"\xef\xbb\xbf",):
        if head.startswith(bom):
            return head[len(bom):]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text: look at it as ASCII-ish bytes
        return head[2:].replace(b"\x00", b"")
    return head


def _tab_separated(text: bytes) -> bool:
    """Tabs, not commas, separate the cells of the first lines that hold either."""
    lines = [line for line in text.splitlines()[:20] if b"\t" in line or b"," in line]
    return bool(lines) and sum(line.count(b"\t") > line.count(b",") for line in lines) * 2 > len(lines)
