"""report.html: the template rendered with its CSS and a subset of the font inline.

Self-contained by construction: the only URLs in the page are data: URIs (font and
charts) and in-page anchors, so it opens offline and survives being mailed.
"""

from __future__ import annotations

import logging
import re

import jinja2
from markupsafe import Markup

from pipelines.report import fonts
from pipelines.report.context import TEMPLATES

log = logging.getLogger(__name__)
FONT_SLOT = "/*@font-face*/"


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # site names, reasons and file names come from users' exports
        trim_blocks=False,
        lstrip_blocks=False,
        undefined=jinja2.StrictUndefined,  # a missing label is a bug, not a blank
    )


def css_string(text: str) -> str:
    """A CSS string literal; safe inside <style> (no quote, backslash or '<' gets through)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ").replace("\n", " ")
    return f'"{escaped}"'


def page_counter(template: str) -> str:
    """"第 {page} 页 / 共 {pages} 页" -> "第 " counter(page) " 页 / 共 " counter(pages) " 页"."""
    parts = re.split(r"(\{page\}|\{pages\})", template)
    out = []
    for part in parts:
        if part == "{page}":
            out.append("counter(page)")
        elif part == "{pages}":
            out.append("counter(pages)")
        elif part:
            out.append(css_string(part))
    return " ".join(out)


def render(context: dict) -> str:
    """The finished page. Rendered once with a slot for the font, which is then cut to exactly
    the characters on the page (site names included) and put in the slot."""
    words = context["L"]
    page_css = (
        "@page { @top-left { content: " + css_string(f"{context['title']}　{context['month_label']}") + "; }"
        " @bottom-center { content: " + page_counter(words["page"]) + "; } }"
    )
    template = _environment().get_template("report.html.j2")
    page = template.render(
        **context,
        css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8") + "\n" + page_css),
        font_face=Markup(FONT_SLOT),
    )
    text = _visible_text(page) + words["page"] + context["title"] + "0123456789"
    missing = fonts.missing_glyphs(text)
    if missing:  # drawn by a fallback font if the viewer has one; worth knowing
        log.warning("report font lacks glyphs for: %s", "".join(sorted(missing)))
    return page.replace(FONT_SLOT, fonts.font_face_css(text), 1)


def _visible_text(page: str) -> str:
    """The page without its data: URIs, whose base64 would only add ASCII we include anyway."""
    return re.sub(r"data:[^\"')\s]+", "", page)
