"""worklist.html: one card per open item, grouped by site, for a phone at 390 px.

Self-contained like the report (pipelines/report/html.py): the CSS and a subset of the bundled
font are inline, so the page opens offline and survives being mailed. Nothing is wider than the
screen: cards stack, long ids and file names wrap anywhere, and there are no tables.
"""

from __future__ import annotations

import math
from itertools import groupby

from markupsafe import Markup

from pipelines.report import fonts, html
from pipelines.report.context import TEMPLATES
from pipelines.worklist import KINDS, Worklist

# Cards per site on a page of several sites: the most urgent first; the rest are counted, and listed
# in the workbook and on the site's own page (`kpi worklist --site`), which has them all. A group's 660,000 items would
# otherwise make a page no phone opens.
CARDS_PER_SITE = 100


def _clock(hours: float | None) -> tuple[str, str]:
    """(how it reads, its class): 剩 5.5 小时 / 超时 2 天 3 小时; exactly at as-of is due now."""
    if hours is None or (isinstance(hours, float) and math.isnan(hours)):
        return "", ""
    minutes = round(abs(hours) * 60)
    days, rest = divmod(minutes, 60 * 24)
    span = (f"{days} 天 " if days else "") + (f"{rest / 60:.1f} 小时" if rest or not days else "").strip()
    if hours > 0:
        return f"剩 {span.strip()}", "ahead" if hours > 24 else "soon"
    return ("已到期" if minutes == 0 else f"超时 {span.strip()}"), "late"


def _card(item: dict) -> dict:
    text, state = _clock(item.get("hours_left"))
    deadline = item.get("deadline")
    age = item.get("age_days")
    return {
        **item,
        "kind_name": KINDS[item["kind"]],
        "clock": text,
        "state": state,
        "deadline_text": "" if deadline is None or deadline != deadline else f"{deadline:%m-%d %H:%M}",
        "age_text": "" if age is None or age != age else f"{age:.1f} 天",
        "line": "" if item.get("source_line") is None or item["source_line"] != item["source_line"]
        else int(item["source_line"]),
    }


def context(worklist: Worklist) -> dict:
    records = worklist.items.astype(object).where(worklist.items.notna(), None).to_dict("records")
    sites = []
    for site_id, group in groupby(records, key=lambda r: r["site_id"]):
        rows = list(group)
        late = sum(1 for r in rows if r["hours_left"] is not None and r["hours_left"] <= 0)
        cards = [_card(r) for r in (rows if worklist.one_site else rows[:CARDS_PER_SITE])]
        sites.append({"site_id": site_id, "site_name": rows[0].get("site_name") or site_id, "count": len(rows),
                      "cards": cards, "late": late, "more": len(rows) - len(cards)})
    counts = worklist.items["kind"].value_counts()
    return {
        "title": "客服待办清单",
        "as_of": worklist.as_of,
        "scope": worklist.scope,
        "sites": sites,
        "total": len(records),
        "late": sum(s["late"] for s in sites),
        "kinds": [{"name": name, "count": int(counts.get(kind, 0))} for kind, name in KINDS.items()],
        "show_contacts": worklist.show_contacts,
        "sections": worklist.sections,
    }


def render(worklist: Worklist) -> str:
    page = html._environment().get_template("worklist.html.j2").render(
        **context(worklist),
        css=Markup((TEMPLATES / "worklist.css").read_text(encoding="utf-8")),
        font_face=Markup(html.FONT_SLOT),
    )
    return page.replace(html.FONT_SLOT, fonts.font_face_css(html._visible_text(page) + "0123456789"), 1)
