"""日盘点 and the Monday weekly statistics on the hand-made warehouse (conftest.py), counted by hand."""

from __future__ import annotations

import datetime as dt

from pipelines import worklist
from tests.worklist.conftest import AS_OF


def sections(desk, as_of: str, **narrow) -> dict:
    found = worklist.compute(desk.conn, desk.rules, dt.datetime.fromisoformat(as_of), **narrow)
    return {s["title"]: (s["period"], {p["name"]: dict(p["rows"]) for p in s["parts"]}) for s in found.sections}


def test_at_noon_the_day_summarised_is_the_same_day_up_to_as_of(desk):
    found = sections(desk, AS_OF)  # Thursday 10-15 12:00: from 12:00 the summary is of the same day
    assert list(found) == ["日盘点：投诉", "日盘点：报修"]  # not a Monday: no weekly statistics
    # received 10-15 before noon: C2 only (噪音, 来电, unanswered)
    assert found["日盘点：投诉"] == ("2026-10-15", {"类别": {"噪音": 1}, "渠道": {"来电": 1}, "状态": {"未答复": 1}})
    # R9 reported 09:00; its completion at 13:00 is after as-of, so nothing was completed;
    # R7 (等配件), R8 and R9 (no reason given) are open at as-of
    assert found["日盘点：报修"] == ("2026-10-15", {"当日": {"报修": 1, "完成": 0, "日终未完成": 3},
                                                "未完成原因": {"未填": 2, "等配件": 1}})


def test_on_monday_morning_the_day_before_and_the_previous_iso_week(desk):
    found = sections(desk, "2026-10-19 09:00")  # Monday, before noon: Sunday 10-18 and week 42 (10-12..10-18)
    assert found["日盘点：投诉"] == ("2026-10-18", {})
    # nothing reported or completed on Sunday; R7 and R8 still open at its end (R9 was completed on the 15th)
    assert found["日盘点：报修"] == ("2026-10-18", {"当日": {"报修": 0, "完成": 0, "日终未完成": 2},
                                                "未完成原因": {"未填": 1, "等配件": 1}})
    # counted complaints received in week 42: C3 (10-13), C1 (10-14), C2 (10-15); C8 is invalid and
    # the E1 event was received on 10-10; none handled yet
    assert found["周统计：投诉"] == ("2026-W42", {"处理": {"投诉": 3, "已处理": 0, "已回访": 0, "回访满意": 0},
                                             "类别": {"噪音": 3}})
    # reported in week 42: R2, R3, R4, R6, R8, R9; completed in it: R2, R3, R4, R6, R9; called back:
    # R3 (10-15 14:00, within 72 h) and R4 (10-12 20:00, within 24 h); R6's 未联系上 is no callback;
    # open at the week's end: R7, R8
    assert found["周统计：维修完成"] == ("2026-W42", {"维修": {"报修": 6, "完成": 5, "完成已回访": 2, "按时回访": 2,
                                                         "周末未完成": 2}})


def test_the_statistics_follow_the_site_asked_for(desk):
    assert sections(desk, AS_OF, site="S2")["日盘点：报修"] == ("2026-10-15", {})  # S2 has no tickets
