"""An XLSX is looked at before it is opened.

The Excel reader (calamine, in Rust) sizes a sheet by its highest cell and decompresses it
whole: a 1.4 KB workbook with one cell at XFD1048576 asks for 512 GB, a deflate bomb for
gigabytes, and a Rust allocation failure aborts the whole process, which no `except` can catch.
So the archive's own directory and the sheet's cell references are read first, streaming and
bounded, and a workbook over these limits is rejected with a one-line reason.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

MAX_SHEET_BYTES = 1 << 30          # 1 GiB of sheet XML uncompressed (a 5-million-row export is ~0.7 GiB)
MAX_RATIO = 250                    # uncompressed / compressed; real sheets are 5–30×, a bomb is 1,000×
MAX_CELLS = 200_000_000            # rows × columns the reader would lay out (the highest row by the widest column)
_CELL = re.compile(rb'<(?:\w+:)?c[^>]*?\sr="([A-Z]{1,3})([0-9]{1,7})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="(?:[A-Z]+[0-9]+:)?([A-Z]{1,3})([0-9]{1,7})"')


class UnsafeWorkbook(ValueError):
    """The workbook is over a limit; the message says which, in words for the user."""


def column_number(letters: bytes) -> int:
    """b"A" -> 1, b"XFD" -> 16384."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def sheets(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Every worksheet entry (a name may occur twice in a crafted archive), sheet1 first."""
    found = sorted((i for i in archive.infolist()
                    if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")),
                   key=lambda i: (i.filename != "xl/worksheets/sheet1.xml", i.filename))
    if not found:
        raise UnsafeWorkbook("不是有效的 Excel 工作簿（没有工作表）")
    return found


def check(path: Path) -> None:
    """Raise UnsafeWorkbook if opening `path` could exhaust memory; read at most the sheet once."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UnsafeWorkbook(f"不是有效的 Excel 文件（{exc}）") from exc
    with archive:
        found = sheets(archive)
        for sheet in found:  # the archive's directory only: nothing is decompressed for these
            if sheet.file_size > MAX_SHEET_BYTES:
                raise UnsafeWorkbook(f"工作表解压后 {sheet.file_size / 2**20:,.0f} MB，超过上限 "
                                     f"{MAX_SHEET_BYTES / 2**20:,.0f} MB")
            ratio = sheet.file_size / max(sheet.compress_size, 1)
            if ratio > MAX_RATIO:
                raise UnsafeWorkbook(f"工作表压缩比 {ratio:,.0f} 倍，超过上限 {MAX_RATIO} 倍（疑似压缩炸弹）")
        rows, cols = _extent(archive, found[0])
        if rows * cols > MAX_CELLS:
            raise UnsafeWorkbook(f"工作表范围达 {rows:,} 行 × {cols:,} 列，超过上限 {MAX_CELLS:,} 个单元格"
                                 "（可能有一个远处的空单元格：请删去多余的行列后重新导出）")


def _extent(archive: zipfile.ZipFile, sheet: zipfile.ZipInfo) -> tuple[int, int]:
    """The highest row and column of any cell, and of the declared dimension, streaming the XML."""
    rows = cols = 0
    tail = b""
    with archive.open(sheet) as f:
        while block := f.read(4 << 20):
            text = tail + block
            for pattern in (_CELL, _DIMENSION):
                for letters, number in pattern.findall(text):
                    rows, cols = max(rows, int(number)), max(cols, column_number(letters))
            tail = text[-256:]  # a reference cut by the block boundary is found in the next round
    return rows, cols
