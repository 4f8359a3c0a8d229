"""sales.*: the 案场 monthly score, mystery shop and call/visit groups
(contract §2 "案场 monthly score"; 001 第一篇 §五, §三.3, §六(二), §七).

Every expected number below is worked out by hand from the contract's wording.
"""

from __future__ import annotations

from tests.metrics.conftest import at

MONTH, AS_OF = "2026-10", "2026-11-05 00:00"
SITE_PHONE = "02155550000"
PARTS = ["completeness", "timeliness", "accuracy", "phone_survey", "bonus", "total"]


def sales_site(books, site_id, **more):
    books.site(site_id, "sales", site_phone=SITE_PHONE, **more)


def submit(books, site, day, complete=True, month=MONTH, bonus=None, batch=None):
    books.add("sales_submissions", site_id=site, month=month, submitted_on=at(day).date(),
              completeness="完整" if complete else "不完整", bonus=bonus, batch_id=batch)


FULL = dict(card_no="6222000011112222", name="张三", birth_date="1980-05", address="上海市徐汇区某路1号",
            postcode="200030", industry="金融", occupation="经理", position="总监", household_income="50-100万",
            work_area="徐汇", living_area="长宁", property_owned="一套", purpose="自住", desired_area="徐汇",
            desired_type="三房", total_price="800万")


def deal(books, cid, site, phone, deal_at="2026-10-10 10:00", entered_at="2026-10-10 12:00", **fields):
    books.add("crm_customers", customer_id=cid, site_id=site, channel="成交", registered_at=at("2026-09-01 10:00"),
              phone=phone, deal_at=at(deal_at), entered_at=at(entered_at), **(FULL | fields))


def survey(books, sid, site, when, score):
    books.add("phone_surveys", survey_id=sid, site_id=site, surveyed_at=at(when), score=score)


def score(m, site, part):
    return m.row(f"sales.{part}_score", site, MONTH).value


def test_completeness_complete_incomplete_or_none_by_end_of_month(books):
    for s in ("FULL", "PART", "NONE", "LATE", "LATEFIX", "OTHERMONTH"):
        sales_site(books, s)
    submit(books, "FULL", "2026-10-05", complete=False)
    submit(books, "FULL", "2026-10-12")                          # a complete one for M → d 0 → 5
    submit(books, "PART", "2026-10-05", complete=False)          # only incomplete → d 0.2 → 4
    submit(books, "LATE", "2026-11-02")                          # complete, but after M → none by end of M → 0
    submit(books, "LATEFIX", "2026-10-20", complete=False)       # incomplete in M, complete after M → 4
    submit(books, "LATEFIX", "2026-11-02")
    submit(books, "OTHERMONTH", "2026-10-03", month="2026-09")   # for September, not October → 0
    m = books.compute(MONTH, AS_OF)
    got = {s: score(m, s, "completeness") for s in ("FULL", "PART", "NONE", "LATE", "LATEFIX", "OTHERMONTH")}
    assert got == {"FULL": 5, "PART": 4, "NONE": 0, "LATE": 0, "LATEFIX": 4, "OTHERMONTH": 0}


def test_timeliness_by_day_of_earliest_submission(books):
    days = {"D09": "2026-10-09", "D10": "2026-10-10", "D19": "2026-10-19", "D20": "2026-10-20",
            "D25": "2026-10-25", "D26": "2026-10-26", "EARLY": "2026-09-28", "AFTER": "2026-11-02"}
    for s, day in days.items():
        sales_site(books, s)
        submit(books, s, day)
    sales_site(books, "NONE")
    sales_site(books, "MIXED")
    submit(books, "MIXED", "2026-10-08", complete=False)   # earliest, incomplete: still decides timeliness
    submit(books, "MIXED", "2026-10-22")
    m = books.compute(MONTH, AS_OF)
    # 5 × (1 − d): day 9 → d 0 → 5; 10th–19th → 0.2 → 4; 20th–25th → 0.4 → 3; 26th on, after M or none → 1.0 → 0;
    # dated before M → early → 5; MIXED: earliest is day 8 → 5
    expected = {"D09": 5, "D10": 4, "D19": 4, "D20": 3, "D25": 3, "D26": 0, "EARLY": 5, "AFTER": 0,
                "NONE": 0, "MIXED": 5}
    assert {s: score(m, s, "timeliness") for s in expected} == expected


def test_accuracy_counts_erroneous_deal_records(books):
    for s in ("OK", "BLANK", "POSTCODE", "SITEPHONE", "DUP", "LATE", "FIVE"):
        sales_site(books, s)
    deal(books, "OK1", "OK", "13900000001", entered_at="2026-10-11 10:00")   # entered exactly 24 h later: fine
    deal(books, "OK2", "OK", "13900000002")
    deal(books, "OK3", "OK", "13900000003", deal_at="2026-09-30 10:00", postcode="200000")  # September deal
    deal(books, "X1", "BLANK", "13900000001", industry="")   # OK1's phone at another site: not a duplicate
    deal(books, "P1", "POSTCODE", "13900000011", postcode="200000")
    deal(books, "SP1", "SITEPHONE", SITE_PHONE)
    deal(books, "DP1", "DUP", "13900000021")
    books.add("crm_customers", customer_id="DP2", site_id="DUP", channel="来电",
              registered_at=at("2026-08-01 10:00"), phone="13900000021")   # same phone, same site
    deal(books, "L1", "LATE", "13900000031", entered_at="2026-10-11 10:01")  # 24 h + 1 min after the deal
    deal(books, "F1", "FIVE", "13900000041", name=None)
    deal(books, "F2", "FIVE", "13900000042", total_price=None)
    deal(books, "F3", "FIVE", "13900000043", postcode="200000")
    deal(books, "F4", "FIVE", SITE_PHONE)
    deal(books, "F5", "FIVE", "13900000045", entered_at="2026-10-12 10:00")
    m = books.compute(MONTH, AS_OF)
    # max(0, 2 − 0.5 × errors): 0 errors → 2; 1 → 1.5; 5 → 2 − 2.5 < 0 → 0
    expected = {"OK": 2, "BLANK": 1.5, "POSTCODE": 1.5, "SITEPHONE": 1.5, "DUP": 1.5, "LATE": 1.5, "FIVE": 0}
    assert {s: score(m, s, "accuracy") for s in expected} == expected
    assert [e[0] for e in m.evidence("sales.accuracy_score", "OK")] == ["OK1", "OK2"]
    assert [e[0] for e in m.evidence("sales.accuracy_score", "DUP", "miss")] == ["DP1"]
    assert [e[0] for e in m.evidence("sales.accuracy_score", "FIVE", "miss")] == ["F1", "F2", "F3", "F4", "F5"]


def test_phone_survey_tiers_at_exact_boundaries(books):
    for s in ("M90", "M85", "M8499", "M80", "LOW"):
        sales_site(books, s)
    survey(books, "a1", "M90", "2026-10-01 10:00", 85)
    survey(books, "a2", "M90", "2026-10-02 10:00", 95)       # mean 90 → 3
    survey(books, "b1", "M85", "2026-10-01 10:00", 80)
    survey(books, "b2", "M85", "2026-10-02 10:00", 90)       # mean 85 → 2
    survey(books, "c1", "M8499", "2026-10-01 10:00", 80)
    survey(books, "c2", "M8499", "2026-10-02 10:00", 89.98)  # mean 84.99 → 1
    survey(books, "d1", "M80", "2026-10-01 10:00", 80)       # mean 80 → 1
    survey(books, "e1", "LOW", "2026-10-01 10:00", 79.99)    # below 80 → 0.5
    m = books.compute(MONTH, AS_OF)
    expected = {"M90": 3, "M85": 2, "M8499": 1, "M80": 1, "LOW": 0.5}
    assert {s: score(m, s, "phone_survey") for s in expected} == expected
    assert "no_phone_surveys" not in m.row("sales.phone_survey_score", "LOW", MONTH).flags


def test_phone_survey_window_16th_to_15th_and_none_flagged(books):
    sales_site(books, "W")
    sales_site(books, "NONE")
    survey(books, "w0", "W", "2026-09-15 23:59:59", 0)     # September's window
    survey(books, "w1", "W", "2026-09-16 00:00:00", 100)   # first moment of October's window
    survey(books, "w2", "W", "2026-10-15 23:59:59", 80)    # last moment of October's window
    survey(books, "w3", "W", "2026-10-16 00:00:00", 0)     # November's window
    survey(books, "n1", "NONE", "2026-10-16 09:00", 95)    # outside the window: NONE has no surveys for M
    m = books.compute(MONTH, AS_OF)
    assert score(m, "W", "phone_survey") == 3              # (100 + 80) / 2 = 90 → 3
    none = m.row("sales.phone_survey_score", "NONE", MONTH)
    assert none.value == 0 and "no_phone_surveys" in none.flags


def test_bonus_once_per_month_even_in_several_parts(books):
    for s in ("PARTS", "NOBONUS", "SEPT"):
        sales_site(books, s)
    submit(books, "PARTS", "2026-10-05", bonus=True, batch="B1")
    submit(books, "PARTS", "2026-10-06", bonus=True, batch="B1")   # second part of one batch: still 1
    submit(books, "NOBONUS", "2026-10-05", bonus=False)
    submit(books, "SEPT", "2026-10-05", month="2026-09", bonus=True)  # a bonus for September
    m = books.compute(MONTH, AS_OF)
    assert {s: score(m, s, "bonus") for s in ("PARTS", "NOBONUS", "SEPT")} == {"PARTS": 1, "NOBONUS": 0, "SEPT": 0}


def test_total_is_the_sum_of_the_parts(books):
    sales_site(books, "S1")
    submit(books, "S1", "2026-10-12", bonus=True)           # complete → 5; day 12 → 4; bonus → 1
    deal(books, "C1", "S1", "13900000001", postcode="200000")  # one error → 1.5
    survey(books, "v1", "S1", "2026-10-01 10:00", 86)       # mean 86 → 2
    m = books.compute(MONTH, AS_OF)
    got = {p: score(m, "S1", p) for p in PARTS}
    assert got == {"completeness": 5, "timeliness": 4, "accuracy": 1.5, "phone_survey": 2, "bonus": 1,
                   "total": 13.5}                           # 5 + 4 + 1.5 + 2 + 1


def test_sales_site_without_data_still_has_rows(books):
    sales_site(books, "EMPTY")
    m = books.compute(MONTH, AS_OF)
    # completeness 5 × (1 − 1) = 0; timeliness 0; accuracy 2 − 0; phone 0 (none); bonus 0; total 2
    got = {p: score(m, "EMPTY", p) for p in PARTS}
    assert got == {"completeness": 0, "timeliness": 0, "accuracy": 2, "phone_survey": 0, "bonus": 0, "total": 2}
    assert "no_phone_surveys" in m.row("sales.phone_survey_score", "EMPTY", MONTH).flags
    assert m.row("sales.call_groups", "EMPTY", MONTH).value == 0
    assert m.row("sales.visit_groups", "EMPTY", MONTH).value == 0


def test_opening_month_is_scored_but_reference(books):
    sales_site(books, "NEW", opened_on=at("2026-10-12 00:00").date())
    sales_site(books, "FIRSTDAY", opened_on=at("2026-10-01 00:00").date())
    sales_site(books, "OLD", opened_on=at("2026-09-01 00:00").date())
    for s in ("NEW", "FIRSTDAY", "OLD"):
        submit(books, s, "2026-10-20")                       # complete → 5; day 20 → 3
    m = books.compute(MONTH, AS_OF)
    for s in ("NEW", "FIRSTDAY"):
        assert score(m, s, "total") == 2 + 5 + 3            # accuracy 2, no surveys 0, no bonus 0
        for p in PARTS:
            assert "reference" in m.row(f"sales.{p}_score", s, MONTH).flags, (s, p)
    assert score(m, "OLD", "total") == 10
    assert "reference" not in m.row("sales.total_score", "OLD", MONTH).flags


def test_exempt_and_non_sales_sites_have_no_sales_rows(books):
    sales_site(books, "EXEMPT")
    sales_site(books, "EXEMPT_SEPT")
    books.site("RES", "residential")
    books.add("exemptions", site_id="EXEMPT", month=MONTH, reason="台风停工")
    books.add("exemptions", site_id="EXEMPT_SEPT", month="2026-09", reason="台风停工")
    submit(books, "EXEMPT", "2026-10-05")
    m = books.compute(MONTH, AS_OF)
    assert not {x for x in m.metrics_of("EXEMPT") if x.startswith("sales.")}
    assert not {x for x in m.metrics_of("RES") if x.startswith("sales.")}
    # exempt for September only: assessed in October, every sales metric present
    assert {f"sales.{p}_score" for p in PARTS} | {"sales.mystery_shop_score", "sales.call_groups",
                                                   "sales.visit_groups"} <= m.metrics_of("EXEMPT_SEPT")


def test_mystery_shop_first_visit_of_quarter_not_first_guidance(books):
    sales_site(books, "S1")
    sales_site(books, "S2")
    shop = lambda sid, site, day, sc, fg=None: books.add(  # noqa: E731
        "mystery_shops", shop_id=sid, site_id=site, visited_on=at(day).date(), score=sc, first_guidance=fg)
    shop("m0", "S1", "2026-09-28", 50)                       # Q3
    shop("m1", "S1", "2026-10-05", 60, True)                 # first guidance: excepted
    shop("m2", "S1", "2026-10-20", 88)                       # first counted visit of Q4
    shop("m3", "S1", "2026-10-25", 70)                       # later: not counted
    m = books.compute(MONTH, AS_OF)
    assert m.row("sales.mystery_shop_score", "S1", "2026-Q4").value == 88
    assert m.row("sales.mystery_shop_score", "S2", "2026-Q4").value is None   # no visit yet this quarter


def test_call_and_visit_groups_are_distinct_phones(books):
    sales_site(books, "S1")
    call = lambda cid, day, phone, direction="in", answered=True: books.add(  # noqa: E731
        "calls", call_id=cid, site_id="S1", started_at=at(day), direction=direction, phone=phone, answered=answered)
    call("c1", "2026-10-01 10:00", "13800000001")
    call("c2", "2026-10-02 10:00", "13800000001", direction="out")   # same phone again
    call("c3", "2026-10-03 10:00", "13800000002", answered=False)    # unanswered still counts
    call("c4", "2026-10-04 10:00", "13800000003", direction="out")   # outbound still counts
    call("c5", "2026-09-30 23:59", "13800000004")                    # September
    visit = lambda vid, day, phone: books.add(  # noqa: E731
        "visits", visit_id=vid, site_id="S1", visited_at=at(day), phone=phone)
    visit("v1", "2026-10-01 10:00", "13800000001")
    visit("v2", "2026-10-05 10:00", "13800000009")
    visit("v3", "2026-10-06 10:00", "13800000009")                   # same phone again
    visit("v4", "2026-10-07 10:00", None)                            # no phone: not a group
    visit("v5", "2026-11-01 10:00", "13800000008")                   # November
    m = books.compute(MONTH, AS_OF)
    assert m.row("sales.call_groups", "S1", MONTH).value == 3        # …01, …02, …03
    assert m.row("sales.visit_groups", "S1", MONTH).value == 2       # …01, …09


def test_a_deal_or_entry_after_as_of_has_not_happened_yet(books):
    sales_site(books, "S2")
    # as of 10-10 12:00: A1 dealt 10-05 and entered at once (counted, fine); A2 dealt 10-20 — not yet a
    # deal, so not a deal record of October at all, though its blank industry would be an error;
    # A3 dealt 10-09 10:00, entered only 10-15: by as-of its 24 h passed with no entry → erroneous;
    # A4 dealt 10-10 09:00, entered 10-15: its 24 h are still running at as-of → not (yet) an error
    deal(books, "A1", "S2", "13900000101", deal_at="2026-10-05 10:00", entered_at="2026-10-05 11:00")
    deal(books, "A2", "S2", "13900000102", deal_at="2026-10-20 10:00", entered_at="2026-10-20 11:00", industry="")
    deal(books, "A3", "S2", "13900000103", deal_at="2026-10-09 10:00", entered_at="2026-10-15 10:00")
    deal(books, "A4", "S2", "13900000104", deal_at="2026-10-10 09:00", entered_at="2026-10-15 10:00")
    m = books.compute(MONTH, "2026-10-10 12:00")
    assert [e[0] for e in m.evidence("sales.accuracy_score", "S2")] == ["A1", "A3", "A4"]
    assert [e[0] for e in m.evidence("sales.accuracy_score", "S2", "miss")] == ["A3"]
    assert "仍未录入" in m.evidence("sales.accuracy_score", "S2", "miss")[0][4]
    assert score(m, "S2", "accuracy") == 1.5  # 2 − 0.5 × 1
    # as of month end every deal has happened: A2's blank industry counts, A3 and A4 late (5 days)
    later = books.compute(MONTH, AS_OF)
    assert [e[0] for e in later.evidence("sales.accuracy_score", "S2", "miss")] == ["A2", "A3", "A4"]
    assert score(later, "S2", "accuracy") == 0.5


def test_in_a_month_still_running_undecided_parts_are_pending(books):
    for s in ("NONE", "INC", "OK"):
        sales_site(books, s)
    submit(books, "INC", "2026-10-03", complete=False)   # incomplete on the 3rd: timeliness decided (before the 10th)
    submit(books, "OK", "2026-10-12")                     # complete on the 12th: both decided
    # as of 10-08: NONE may still submit before the 10th; INC may still complete it
    m = books.compute(MONTH, "2026-10-08 12:00")

    def part(site, name):
        r = m.row(f"sales.{name}_score", site, MONTH)
        return r.value, r.pending

    assert part("NONE", "completeness") == (None, 1) and part("NONE", "timeliness") == (None, 1)
    assert part("INC", "completeness") == (None, 1) and part("INC", "timeliness") == (5, 0)  # 5 × (1 − 0)
    assert part("NONE", "total") == (None, 1) and part("INC", "total") == (None, 1)
    # OK's submission is dated after as-of (10-12): it has not happened yet, like NONE's
    assert part("OK", "timeliness") == (None, 1)
    # as of 10-26 00:00 the last tier boundary (before the 26th) has passed: NONE's timeliness is
    # decided, 1.0 off → 0; its completeness waits for the month's end
    late = books.compute(MONTH, "2026-10-26 00:00")
    assert late.row("sales.timeliness_score", "NONE", MONTH).value == 0
    assert late.row("sales.completeness_score", "NONE", MONTH).pending == 1
    assert late.row("sales.completeness_score", "OK", MONTH).value == 5  # complete: decided before month end
    assert late.row("sales.timeliness_score", "OK", MONTH).value == 4    # 12th: 10th–19th, 5 × (1 − 0.2)
    # as of 11-01 00:00 the month has ended: nothing pending; NONE scores 0 + 0
    final = books.compute(MONTH, "2026-11-01 00:00")
    assert final.row("sales.completeness_score", "NONE", MONTH).value == 0
    assert final.row("sales.completeness_score", "INC", MONTH).value == 4  # incomplete only: 5 × (1 − 0.2)
    assert final.row("sales.total_score", "NONE", MONTH).pending == 0
