"""The report's one typeface: Noto Sans CJK SC as shipped by the mplfonts wheel (SIL OFL).

Nothing depends on system fonts: matplotlib gets the file registered by path, and the
HTML/PDF get a subset of it (only the characters the report uses) as a data URI. The
subset keeps the mailed HTML small, lets it render Chinese on machines without CJK fonts,
and spares WeasyPrint from parsing the 16 MB font itself, which without HarfBuzz-Subset
costs ~7 s per PDF (see shared/pitfalls.md).
"""

from __future__ import annotations

import base64
import importlib.util
import io
import threading
import unicodedata
from functools import cache
from pathlib import Path

FAMILY = "Noto Sans CJK SC"  # the family name inside the file; matplotlib looks it up by it
FONT_FILE = "NotoSansCJKsc-Regular.otf"  # not SimHei.ttf, which mplfonts also ships: proprietary

_matplotlib_lock = threading.Lock()


@cache
def font_path() -> Path:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("mplfonts 未安装：报告需要其中的 Noto Sans CJK SC 字体")
    path = Path(spec.origin).parent / "fonts" / FONT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"找不到字体文件 {path}")
    return path


@cache
def codepoints() -> frozenset[int]:
    """Every character the font has a glyph for (its best Unicode cmap)."""
    from fontTools.ttLib import TTFont

    with TTFont(font_path(), lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_glyphs(text: str) -> set[str]:
    """Characters of `text` the font cannot draw (whitespace and control characters need no glyph)."""
    have = codepoints()
    return {
        ch for ch in set(text)
        if ord(ch) not in have and not ch.isspace() and unicodedata.category(ch)[0] != "C"
    }


@cache
def use_in_matplotlib() -> str:
    """Register the font file with matplotlib (idempotent) and return its family name.

    addfont() by path, because a font installed after matplotlib built its cache stays
    invisible, and `mplfonts.use_font()` needs a prior `mplfonts init` into site-packages."""
    from matplotlib import font_manager

    with _matplotlib_lock:
        font_manager.fontManager.addfont(str(font_path()))
    return FAMILY


def subset_woff(text: str) -> bytes:
    """The font cut down to the characters of `text` (plus ASCII), as WOFF (zlib, no brotli needed)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["*"]  # keep kerning, tabular figures, CJK punctuation spacing
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.flavor = "woff"
    # ASCII, and what CSS generates without it being in the text: list bullets, ellipses
    chars = set(text) | {chr(c) for c in range(0x20, 0x7F)} | set("•◦▪…–—")
    # the font keeps its own dates: the same text makes the same bytes (a report rendered again is the same)
    with TTFont(font_path(), lazy=True, recalcTimestamp=False) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(sorted(chars)))
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.flavor = "woff"
        font.save(buffer)
    return buffer.getvalue()


def font_face_css(text: str) -> str:
    """An @font-face rule carrying the subset inline; HTML and PDF use the same one."""
    data = base64.b64encode(subset_woff(text)).decode("ascii")
    return (
        f"@font-face {{ font-family: '{FAMILY}'; font-style: normal; font-weight: 400; "
        f"src: url(data:font/woff;base64,{data}) format('woff'); }}"
    )
