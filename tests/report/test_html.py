"""report.html for the demo month and for a month with datasets missing."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from pipelines.report import formatting as fmt
from pipelines.report import render_html
from pipelines.report.context import labels
from tests.report.conftest import MONTH


class Cells(HTMLParser):
    """Text of the headline value cells (by data-metric) and of appendix A (by data-site and column)."""

    def __init__(self):
        super().__init__()
        self.headline: dict[str, str] = {}
        self.site_cells: dict[tuple[str, str], str] = {}
        self.columns: list[str] = []
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self._metric = self._site = None
        self._cell = None
        self._index = -1
        self._in_appendix = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "small" and self._cell:  # "待定 15" under a value is a note, not the value
            self._finish()
        for name in ("src", "href", "data", "action", "poster"):
            if a.get(name):
                self.urls.append((tag, name, a[name]))
        if tag == "section":
            self._in_appendix = a.get("id") == "appendix-sites"
        if tag == "tr":
            self._metric, self._site, self._index = a.get("data-metric"), a.get("data-site"), -1
        if tag == "th" and self._in_appendix and a.get("data-metric"):
            self.columns.append(a["data-metric"])
        if tag == "td":
            self._index += 1
            classes = (a.get("class") or "").split()
            if self._metric and "value" in classes:
                self._cell, self._text = ("headline", self._metric), []
            elif self._in_appendix and self._site:
                self._cell, self._text = ("site", (self._site, self.columns[self._index])), []

    def handle_data(self, data):
        if self._cell:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "td" and self._cell:
            self._finish()

    def _finish(self):
        kind, key = self._cell
        target = self.headline if kind == "headline" else self.site_cells
        target[key] = "".join(self._text).strip()
        self._cell = None


def parsed(page: str) -> Cells:
    cells = Cells()
    cells.feed(page)
    return cells


def test_demo_report_has_every_section(demo_html):
    words = labels("zh")
    for key in ("headline", "sites", "pareto", "weekly", "surveys", "sales", "quality", "rules"):
        assert words["sections"][key] in demo_html
    assert '<html lang="zh-CN">' in demo_html
    assert "排列图" in demo_html and "回收率" in demo_html and "SHA-256" in demo_html


def test_headline_numbers_equal_metrics_rows(demo_wh, demo_html):
    cells = parsed(demo_html)
    with demo_wh.connect() as conn:
        rows = conn.execute(
            """select metric, value, unit from metrics where run_id = ? and site_id is null and period = ?
               and metric in ('complaint.handling_rate', 'repair.callback_rate', 'call.answer_3_rings_rate',
                              'complaint.count', 'survey.return_rate')""",
            [demo_wh.runs[MONTH], MONTH],
        ).fetchall()
    assert rows
    for metric, value, unit in rows:
        assert cells.headline[metric] == fmt.value(value, unit, "无数据"), metric


def test_site_table_numbers_equal_metrics_rows(demo_wh, demo_html):
    cells = parsed(demo_html)
    assert cells.site_cells, "appendix A has no site cells"
    with demo_wh.connect() as conn:
        rows = conn.execute(
            "select metric, site_id, value, unit from metrics where run_id = ? and site_id is not null and period = ?",
            [demo_wh.runs[MONTH], MONTH],
        ).fetchall()
    checked = 0
    for metric, site_id, value, unit in rows:
        if (site_id, metric) in cells.site_cells:
            assert cells.site_cells[(site_id, metric)] == fmt.value(value, unit, "无数据"), (site_id, metric)
            checked += 1
    assert checked >= 10


def test_html_loads_nothing_from_outside(demo_html):
    cells = parsed(demo_html)
    assert "link" not in cells.tags and "script" not in cells.tags and "iframe" not in cells.tags
    for tag, attr, url in cells.urls:
        assert url.startswith(("data:", "#")), (tag, attr, url[:80])
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", demo_html):
        assert url.startswith("data:"), url[:80]
    assert "@import" not in demo_html
    assert not re.search(r"(src|href)\s*=\s*['\"]?\s*(https?:)?//", demo_html)


def test_no_personal_data_in_html(demo_wh, demo_html):
    with demo_wh.connect() as conn:
        names = [r[0] for r in conn.execute("select distinct name from crm_customers where length(name) >= 2")
                 .fetchall()]
        phones = [r[0] for r in conn.execute(
            """select phone from crm_customers union select phone from calls union select phone from visits
               where phone is not null""").fetchall() if r[0] and len(r[0]) >= 7]
        incomes = [r[0] for r in conn.execute(
            "select distinct household_income from crm_customers where household_income is not null").fetchall()]
    assert names and phones
    text = re.sub(r"data:[^\"')\s]+", "", demo_html)  # base64 is not text a reader sees
    for value in names + phones + incomes:
        assert value not in text, value


def test_english_report(demo_wh):
    with demo_wh.connect() as conn:
        page = render_html(conn, demo_wh.runs[MONTH], MONTH, lang="en")
    assert '<html lang="en">' in page
    assert "Complaint Pareto" in page and "Company KPIs" in page and "October 2026" in page


def test_month_with_missing_datasets_says_so(sparse_wh):
    words = labels("zh")
    with sparse_wh.connect() as conn:
        page = render_html(conn, sparse_wh.runs[MONTH], MONTH)
    for key in ("pareto_none", "weekly_none", "surveys_none"):
        assert words[key] in page, key
    assert words["freshness"]["missing"] in page
    assert words["sections"]["sales"] in page  # the rest of the report is still there


def test_on_time_callbacks_by_category_equal_the_warehouse_rows(demo_wh, demo_html):
    words = labels("zh")
    assert words["on_time_title"] in demo_html
    with demo_wh.connect() as conn:
        rows = conn.execute(
            "select category, tickets, on_time, late from repair_categories where run_id = ?", [demo_wh.runs[MONTH]]
        ).fetchall()
    assert rows
    for category, tickets, on_time, late in rows:
        line = re.search(rf"<tr><td>{re.escape(category)}</td><td>[^<]*</td>(.*?)</tr>", demo_html)
        assert line, category
        numbers = re.findall(r'<td class="num[^"]*">(\d+)</td>', line.group(1))
        assert numbers[:3] == [str(tickets), str(on_time), str(late)], category
