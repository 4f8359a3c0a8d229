"""A small hand-made warehouse with one or more records behind every kind of worklist item, and
records next to them that must not be listed, as of Thursday 2026-10-15 12:00.

The rules are the defaults (pipelines/rules.yaml): reply within 24 h; repair callbacks 安全 48 h,
渗/漏水 72 h, urgent 24 h, others 168 h; urgent second callback 48 h after the first; dissatisfied
survey respondents of campaigns ended within 30 days; 案场 tiers before the 10th, 20th, 26th;
freshness 3 days (calls). The expected items are worked out by hand in the tests.
"""

from __future__ import annotations

import pytest

from tests.metrics.conftest import Books, at

AS_OF = "2026-10-15 12:00"
COMPLAINANT = "张三丰"  # a name that must not reach any default output


def fill(books: Books) -> Books:
    books.site("S1", region="浦东")
    books.site("S2", region="浦西")
    books.site("K1", "sales", region="浦东")
    books.site("K2", "sales", region="浦西")
    complaint = dict(site_id="S1", channel="来电", category="噪音")
    # no reply: due exactly at as-of (10-14 12:00 + 24 h) / 18 h ahead / a reply dated after as-of is none yet
    books.add("complaints", complaint_id="C1", received_at=at("2026-10-14 12:00"), complainant=COMPLAINANT,
              unit="1-101", **complaint)
    books.add("complaints", complaint_id="C2", received_at=at("2026-10-15 06:00"), **complaint)
    books.add("complaints", complaint_id="C3", received_at=at("2026-10-13 09:00"),
              first_reply_at=at("2026-10-15 13:00"), **complaint)
    # one event, two rows, both handled: one called back, one not, so the complaint needs its callback
    done = dict(first_reply_at=at("2026-10-10 10:00"), event_id="E1")
    books.add("complaints", complaint_id="C4", received_at=at("2026-10-10 08:00"), handled_at=at("2026-10-11 09:00"),
              callback_at=at("2026-10-12 10:00"), callback_satisfied=True, **done, **complaint)
    books.add("complaints", complaint_id="C5", received_at=at("2026-10-10 09:00"), handled_at=at("2026-10-11 10:00"),
              **done, **complaint)
    # called back: not satisfied / satisfaction left blank (counts as not satisfied) / satisfied
    answered = dict(received_at=at("2026-10-05 09:00"), first_reply_at=at("2026-10-05 10:00"),
                    handled_at=at("2026-10-06 09:00"), callback_at=at("2026-10-07 09:00"))
    books.add("complaints", complaint_id="C6", callback_satisfied=False, **answered, **complaint)
    books.add("complaints", complaint_id="C7", **answered, **complaint)
    books.add("complaints", complaint_id="C10", callback_satisfied=True, **answered, **complaint)
    # verified invalid, unanswered: counts in nothing / no callback needed: nothing to call
    books.add("complaints", complaint_id="C8", received_at=at("2026-10-14 09:00"), valid=False, **complaint)
    books.add("complaints", complaint_id="C9", received_at=at("2026-10-05 09:00"), first_reply_at=at("2026-10-05 10:00"),
              handled_at=at("2026-10-06 09:00"), callback_required=False, **complaint)

    repair = dict(site_id="S1", urgent=False, category="门窗")
    books.add("repairs", ticket_id="R1", reported_at=at("2026-10-10 08:00"), completed_at=at("2026-10-10 12:00"),
              **repair)                                                     # 168 h: due 10-17 12:00
    books.add("repairs", ticket_id="R2", site_id="S1", urgent=False, category="消防安全",
              reported_at=at("2026-10-13 08:00"), completed_at=at("2026-10-13 10:00"))  # 48 h: 10-15 10:00
    books.add("repairs", ticket_id="R3", site_id="S1", urgent=False, category="卫生间渗水",
              reported_at=at("2026-10-14 08:00"), completed_at=at("2026-10-14 18:00"),
              callback_at=at("2026-10-15 14:00"), callback_result="满意")  # 72 h: 10-17 18:00; callback after as-of
    books.add("repairs", ticket_id="R4", site_id="S1", urgent=True, category="电梯",
              reported_at=at("2026-10-12 07:00"), completed_at=at("2026-10-12 08:00"),
              callback_at=at("2026-10-12 20:00"), callback_result="满意")  # second due 10-14 20:00
    books.add("repairs", ticket_id="R5", reported_at=at("2026-10-08 08:00"), completed_at=at("2026-10-08 12:00"),
              callback_at=at("2026-10-09 10:00"), callback_result="不满意", **repair)
    books.add("repairs", ticket_id="R6", reported_at=at("2026-10-12 08:00"), completed_at=at("2026-10-12 12:00"),
              callback_at=at("2026-10-13 12:00"), callback_result="未联系上", **repair)  # retry by 10-19 12:00
    books.add("repairs", ticket_id="R7", reported_at=at("2026-10-01 12:00"), unfinished_reason="等配件", **repair)
    books.add("repairs", ticket_id="R8", reported_at=at("2026-10-14 12:00"), **repair)
    books.add("repairs", ticket_id="R9", reported_at=at("2026-10-15 09:00"), completed_at=at("2026-10-15 13:00"),
              **repair)                                                     # completed after as-of: unfinished
    books.add("repairs", ticket_id="R10", reported_at=at("2026-10-09 08:00"), completed_at=at("2026-10-09 12:00"),
              callback_at=at("2026-10-10 10:00"), callback_result="满意", **repair)  # done with

    campaign = dict(site_id="S2", kind="regular", started_on=at("2026-09-01").date(), occupied_units=100, issued=90)
    books.add("survey_campaigns", campaign_id="Q1", ended_on=at("2026-09-15").date(), **campaign)  # 30 days ago
    books.add("survey_campaigns", campaign_id="Q2", ended_on=at("2026-09-14").date(), **campaign)  # 31 days ago
    returned = at("2026-09-12").date()
    books.add("survey_responses", response_id="P1", campaign_id="Q1", unit="2-201", overall="很不满意",
              returned_on=returned)
    books.add("survey_responses", response_id="P2", campaign_id="Q1", unit="2-202", overall="满意", 清洁="不太满意",
              治安="很不满意", returned_on=returned)
    books.add("survey_responses", response_id="P3", campaign_id="Q1", unit="2-203", overall="满意",
              returned_on=returned)                                          # 清洁 blank: no answer
    books.add("survey_responses", response_id="P4", campaign_id="Q1", unit="2-204", overall="非常满意", 清洁="满意",
              returned_on=returned)
    books.add("survey_responses", response_id="P5", campaign_id="Q2", unit="2-205", overall="很不满意",
              returned_on=returned)                                          # campaign ended too long ago

    # K1 has sent nothing for October by as-of (a submission dated 10-16 has not happened); K2 has
    books.add("sales_submissions", site_id="K1", month="2026-10", submitted_on=at("2026-10-16").date(),
              completeness="完整")
    books.add("sales_submissions", site_id="K2", month="2026-10", submitted_on=at("2026-10-05").date(),
              completeness="完整")
    # the call log stopped on 10-10 12:00: stale 3 days later; visits, CRM, phone surveys and
    # mystery shops have no rows at all
    books.add("calls", call_id="L1", site_id="S1", started_at=at("2026-10-10 12:00"), direction="呼入",
              phone="13800000001", answered=True)
    return books


@pytest.fixture
def desk() -> Books:
    return fill(Books())
