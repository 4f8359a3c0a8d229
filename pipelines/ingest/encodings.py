"""Which text encoding a file is in: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030 (a
superset of GBK and GB2312) — detected over the whole file, never asked; and a file mixing
two of them refused rather than read as mojibake."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from pipelines.ingest.forms import RejectedFile

_BLOCK = 4 << 20
# names a file may declare (an HTML meta tag, an XML declaration) read by the codec that covers them
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb_2312-80": "gb18030", "x-gbk": "gb18030",
              "cp936": "gb18030", "hz-gb-2312": "gb18030", "utf8": "utf-8"}


def codec_for(declared: str | None) -> str | None:
    """The codec for an encoding a file declares; None if Python knows no such encoding."""
    if not declared:
        return None
    name = declared.strip().lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decodes(path: Path, encoding: str) -> bool:
    return _quoted_if_decodes(path, encoding) is not None


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


