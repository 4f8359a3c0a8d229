"""worklist.html and worklist.xlsx: what the desk opens. No name or phone unless asked for."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zipfile

from python_calamine import CalamineWorkbook

from pipelines import jobs
from pipelines.report.evidence_xlsx import PERSONAL_VALUE
from pipelines.settings import load_settings
from pipelines.worklist import KINDS
from tests.worklist.conftest import AS_OF, COMPLAINANT

PHONE_IN_FIXTURE = "13800000001"  # the call log's caller: in the warehouse, never on the worklist


def write(desk, tmp_path, show_contacts: bool):
    settings = dataclasses.replace(load_settings(out=tmp_path), rules=desk.rules, show_contacts=show_contacts)
    as_of = dt.datetime.fromisoformat(AS_OF)
    return jobs.write_worklist(desk.conn, settings, as_of.date(), as_of).paths


def texts(paths) -> tuple[str, str]:
    html, xlsx = paths
    book = CalamineWorkbook.from_path(str(xlsx))
    # the text cells: a number such as 1.16666666666 hours is no phone number
    cells = "\n".join(c for name in book.sheet_names for row in book.get_sheet_by_name(name).to_python()
                      for c in row if isinstance(c, str))
    return html.read_text(encoding="utf-8"), cells


def test_outputs_go_to_the_day_folder(desk, tmp_path):
    paths = write(desk, tmp_path, False)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == [
        "daily/2026-10-15/worklist.html", "daily/2026-10-15/worklist.xlsx"]
    assert not list(tmp_path.rglob(".*partial"))  # written atomically, nothing left beside


def test_no_name_or_phone_by_default_and_the_name_when_asked(desk, tmp_path):
    html, cells = texts(write(desk, tmp_path / "default", False))
    for text in (html, cells):
        assert COMPLAINANT not in text and PHONE_IN_FIXTURE not in text
        assert not re.search(PERSONAL_VALUE, re.sub(r"<style>.*?</style>", "", text, flags=re.S))
    html, cells = texts(write(desk, tmp_path / "shown", True))
    assert COMPLAINANT in html and COMPLAINANT in cells


def test_the_workbook_has_a_sheet_per_kind_with_frozen_header_filter_and_fitted_widths(desk, tmp_path):
    _, xlsx = write(desk, tmp_path, False)
    book = CalamineWorkbook.from_path(str(xlsx))
    assert book.sheet_names == list(KINDS.values())
    repairs = book.get_sheet_by_name(KINDS["repair_callback"]).to_python()
    # header + R1, R2, R3 (conftest); R2's 48 h ended 2 h before as-of
    assert len(repairs) == 4
    left = repairs[0].index("剩余小时（负数为超时）")
    assert sorted(row[left] for row in repairs[1:]) == [-2, 48, 54]
    with zipfile.ZipFile(xlsx) as z:
        sheet = z.read("xl/worksheets/sheet4.xml").decode()
    assert 'ySplit="1"' in sheet and 'state="frozen"' in sheet
    assert "<autoFilter ref=" in sheet
    # the detail column is wider than the 房号 column: widths follow the cells
    widths = [float(w) for w in re.findall(r'<col [^>]*width="([\d.]+)"', sheet)]
    assert max(widths) > min(widths)


def test_the_page_marks_overdue_cards_and_says_how_late(desk, tmp_path):
    html, _ = texts(write(desk, tmp_path, False))
    # late: C3 27 h, R4 16 h, R2 2 h, C1 due exactly now, calls 48 h (2 days) → five cards marked
    assert html.count('<div class="card late">') == 5
    assert "超时 1 天 3.0 小时" in html and "已到期" in html and "剩 18.0 小时" in html
    assert 'name="viewport" content="width=device-width' in html
    assert "@font-face" in html and "http" not in re.sub(r"data:[^)\"']+", "", html)


def test_a_page_of_several_sites_lists_each_ones_most_urgent_and_counts_the_rest(desk, tmp_path, monkeypatch):
    from pipelines.worklist import page

    monkeypatch.setattr(page, "CARDS_PER_SITE", 2)
    html, cells = texts(write(desk, tmp_path, False))
    # S1 has 15 items (conftest): the two most overdue, C3 (27 h) and R4 (16 h), then a count of 13
    s1 = html.split('id="site-S1"')[1].split("<h3")[0]
    assert s1.count('<div class="card') == 2 and "C3" in s1 and "R4" in s1
    assert "另有 13 项未在此列出" in s1 and "kpi worklist --site S1" in s1
    assert "R7" in cells  # the workbook has them all
