"""report.pdf: the same HTML printed by WeasyPrint (A4, header, page numbers: report.css @page).

The page already carries a small subset of the font, so WeasyPrint never opens the 16 MB
file; that is what keeps a PDF at about a second without libharfbuzz-subset (with it,
faster still). WeasyPrint's own log is quiet except for real problems.
"""

from __future__ import annotations

import logging
from pathlib import Path

for noisy in ("weasyprint", "fontTools"):
    # "Using fontTools instead of HarfBuzz-Subset" and per-glyph notices, once per font, every run
    logging.getLogger(noisy).setLevel(logging.ERROR)


def write_pdf(page: str, path: Path) -> Path:
    import weasyprint  # imported here: ~0.5 s, and only the PDF needs it

    # data: only: every resource is inline, so nothing may reach the network or the disk
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols={"data"})
    document = weasyprint.HTML(string=page, base_url=str(path.parent), url_fetcher=fetcher)
    document.write_pdf(path)
    return path
