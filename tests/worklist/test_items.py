"""Every kind of worklist item on the hand-made warehouse (conftest.py), counted and timed by hand,
as of Thursday 2026-10-15 12:00."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines import worklist
from tests.worklist.conftest import AS_OF, COMPLAINANT


def items(desk, **narrow):
    return worklist.compute(desk.conn, desk.rules, dt.datetime.fromisoformat(AS_OF), **narrow)


def hours(found, kind) -> dict:
    rows = found.of_kind(kind)
    return {r.record_id: (None if r.hours_left != r.hours_left else round(r.hours_left, 6))
            for r in rows.itertuples()}


def test_every_kind_lists_exactly_the_open_records_with_hours_left_or_late(desk):
    found = items(desk)
    # C1's 24 h end exactly at as-of: due now (0, overdue); C2 received 06:00, 18 h left; C3's reply
    # is dated 13:00, after as-of, so it has none yet and is 27 h late (due 10-14 09:00); C8 is invalid
    assert hours(found, "complaint_reply") == {"C1": 0, "C2": 18, "C3": -27}
    # one event, two handled rows, one called back: the one open row keeps the complaint on the list, once
    assert hours(found, "complaint_callback") == {"C4, C5": None}
    # not satisfied, and satisfaction left blank; C10 was satisfied, C9 needed no callback
    assert hours(found, "complaint_dissatisfied") == {"C6": None, "C7": None}
    # R1 门窗 168 h from 10-10 12:00 → 10-17 12:00; R2 安全 48 h from 10-13 10:00 → 2 h late;
    # R3 渗 72 h from 10-14 18:00 → 10-17 18:00 (its callback at 14:00 is after as-of)
    assert hours(found, "repair_callback") == {"R1": 48, "R2": -2, "R3": 54}
    # 未联系上 on 10-13 is an attempt: try again within R6's 168 h, i.e. by 10-19 12:00
    assert hours(found, "repair_retry") == {"R6": 96}
    # urgent R4, first callback 10-12 20:00: second due 48 h later, 10-14 20:00, 16 h ago
    assert hours(found, "repair_second") == {"R4": -16}
    assert hours(found, "repair_dissatisfied") == {"R5": None}
    # Q1 ended 09-15, exactly 30 days before as-of's day: in; Q2 ended a day earlier: out.
    # P1 overall, P2 two dimensions; P3 left 清洁 blank, which is no answer, not dissatisfaction
    assert hours(found, "survey_dissatisfied") == {"P1": None, "P2": None}
    # K1's only submission is dated 10-16, after as-of; the next tier boundary is the 20th 00:00
    assert hours(found, "sales_unsubmitted") == {"K1 2026-10": 108}
    # calls: newest 10-10 12:00 + 3 days = stale since 10-13 12:00; four dated datasets have no rows at all
    assert hours(found, "stale_export") == {"calls": -48, "visits": None, "crm_customers": None,
                                            "phone_surveys": None, "mystery_shops": None}
    assert len(found.items) == 3 + 1 + 2 + 3 + 1 + 1 + 1 + 3 + 2 + 1 + 5


def test_unfinished_tickets_come_oldest_first_with_their_reason_and_age(desk):
    rows = items(desk).of_kind("repair_unfinished")
    # R7 reported 10-01 12:00 (14 days), R8 10-14 12:00 (1 day), R9 10-15 09:00 and completed at
    # 13:00, after as-of: unfinished for 3 h = 0.125 day
    assert list(rows["record_id"]) == ["R7", "R8", "R9"]
    assert list(rows["age_days"]) == [14, 1, 0.125]
    assert "未完成原因：等配件" in rows.iloc[0]["detail"] and "未完成原因：未填" in rows.iloc[1]["detail"]


def test_a_site_lists_its_items_by_deadline_the_latest_overdue_first_and_undated_last(desk):
    s1 = items(desk, site="S1").items
    dated = s1[s1["site_id"].eq("S1") & s1["deadline"].notna()]
    # C3 (−27), R4 (−16), R2 (−2), C1 (0), C2 (18), R1 (48), R3 (54), R6 (96)
    assert list(dated["record_id"]) == ["C3", "R4", "R2", "C1", "C2", "R1", "R3", "R6"]
    undated = s1[s1["site_id"].eq("S1") & s1["deadline"].isna()]["record_id"].tolist()
    assert undated.index("R7") == 0  # the oldest undated item (14 days) leads


def test_a_site_or_region_narrows_the_list_and_keeps_the_company_wide_items(desk):
    assert set(items(desk, site="S2").items["record_id"]) == {
        "P1", "P2", "calls", "visits", "crm_customers", "phone_surveys", "mystery_shops"}
    by_region = items(desk, region="浦东").items
    assert set(by_region["site_id"]) == {"S1", "K1", worklist.COMPANY}


def test_contacts_are_left_out_unless_asked_for(desk):
    assert "contact_name" not in items(desk).items.columns
    shown = items(desk, show_contacts=True).items
    assert shown.loc[shown["record_id"] == "C1", "contact_name"].tolist() == [COMPLAINANT]


@pytest.mark.parametrize(("as_of", "left"), [("2026-10-09 12:00", 12), ("2026-10-27 00:00", -24)])
def test_the_sales_item_is_due_at_the_next_tier_or_late_since_the_last(desk, as_of, left):
    desk.conn.execute("delete from sales_submissions where site_id = 'K1'")  # K1 never sends
    found = worklist.compute(desk.conn, desk.rules, dt.datetime.fromisoformat(as_of))
    # 10-09 12:00: the first boundary, 10-10 00:00, is 12 h away; on 10-27 every tier has passed
    # (the last, 10-26 00:00, a day ago)
    assert hours(found, "sales_unsubmitted") == {"K1 2026-10": left}


def test_per_site_counts_what_is_due_today_and_what_is_late(desk):
    # S1 at 10-15 12:00, by hand: late C3, R4, R2 and C1 (due exactly now); later today nothing
    # (C2 is due 10-16 06:00); company-wide: calls late; K1's is due the 20th; S2 has P1, P2
    rows = {r["项目"]: r for r in worklist.per_site(items(desk))}
    assert (rows["S1"]["待办"], rows["S1"]["今日到期"], rows["S1"]["已超时"]) == (3 + 1 + 2 + 3 + 1 + 1 + 1 + 3, 0, 4)
    assert (rows["全公司"]["待办"], rows["全公司"]["已超时"]) == (5, 1)
    assert (rows["K1"]["待办"], rows["K1"]["已超时"], rows["S2"]["待办"]) == (1, 0, 2)


def test_a_recipients_sites_get_their_items_and_statistics_only(desk):
    # S2 and K1 (a recipient's sites): P1, P2 and K1's submission, with the company-wide exports;
    # nothing of S1's (its C2 received today, its R9 reported today)
    found = items(desk, sites=("S2", "K1"))
    assert set(found.items["record_id"]) == {"P1", "P2", "K1 2026-10", "calls", "visits", "crm_customers",
                                              "phone_surveys", "mystery_shops"}
    assert [s["parts"] for s in found.sections] == [[], []]
