"""complaint.*: counting (002 §四(二)5)), handling, callback, 24 h reply, closure, Pareto (contract §2).

Every expected number is worked out by hand from the contract's wording in the comments.
"""

from __future__ import annotations

import pytest

from tests.metrics.conftest import at

RATES = ["complaint.handling_rate", "complaint.callback_rate", "complaint.reply_24h_rate", "complaint.closure_rate"]


def complaint(books, cid, site, received, category="噪音", channel="来电", **more):
    for key in ("first_reply_at", "handled_at", "callback_at"):
        if isinstance(more.get(key), str):
            more[key] = at(more[key])
    books.add("complaints", complaint_id=cid, site_id=site, received_at=at(received), channel=channel,
              category=category, **more)


def ids(m, metric, site, outcome):
    return [e[0] for e in m.evidence(metric, site, outcome)]


def test_one_event_counts_once_per_category_and_rows_without_event_count_alone(books):
    books.site("S1")
    # event E1, one category, three rows (several people, several times): ONE complaint
    complaint(books, "C1", "S1", "2026-10-03 09:00", event_id="E1", people=2, times=1)
    complaint(books, "C2", "S1", "2026-10-03 10:00", event_id="E1", people=1, times=3)
    complaint(books, "C3", "S1", "2026-10-04 11:00", event_id="E1", people=4, times=2)
    # one owner, one event E2, two different root causes: TWO complaints
    complaint(books, "C4", "S1", "2026-10-05 09:00", event_id="E2", unit="1-101", category="噪音")
    complaint(books, "C5", "S1", "2026-10-05 09:00", event_id="E2", unit="1-101", category="绿化")
    # no event id: each row is a complaint, even with the same unit and category: TWO
    complaint(books, "C6", "S1", "2026-10-06 09:00", unit="2-202", category="漏水")
    complaint(books, "C7", "S1", "2026-10-07 09:00", unit="2-202", category="漏水")
    m = books.compute("2026-10", "2026-11-30 00:00")
    # 1 (E1) + 2 (E2 × two categories) + 2 (C6, C7) = 5
    assert m.row("complaint.count", "S1").value == 5
    # the rate denominators count the same 5 counted complaints (none handled: 0 of 5)
    handling = m.row("complaint.handling_rate", "S1")
    assert (handling.numerator, handling.denominator) == (0, 5)
    assert len(m.evidence("complaint.handling_rate", "S1")) == 5
    # E1 carries its 3 rows, people 2+1+4 = 7, times 1+3+2 = 6
    groups = m.conn.execute(
        "select row_count, people, times from fct_complaint_groups where complaint_ids like '%C1%'"
    ).fetchall()
    assert groups == [(3, 7, 6)]


def test_online_post_and_replies_count_once_unless_new_content(books):
    books.site("S1")
    # a forum post and two replies about the same event and root cause: one complaint
    complaint(books, "P1", "S1", "2026-10-10 20:00", channel="网络", event_id="W1", category="物业费")
    complaint(books, "P2", "S1", "2026-10-10 21:00", channel="网络", event_id="W1", category="物业费")
    complaint(books, "P3", "S1", "2026-10-11 08:00", channel="网络", event_id="W1", category="物业费")
    # a reply with new content, recorded as its own event: a new complaint
    complaint(books, "P4", "S1", "2026-10-11 09:00", channel="网络", event_id="W2", category="物业费")
    # a reply in the same thread raising a new root cause: a new complaint
    complaint(books, "P5", "S1", "2026-10-11 10:00", channel="网络", event_id="W1", category="电梯")
    m = books.compute("2026-10", "2026-11-30 00:00")
    # W1/物业费 (P1–P3) + W2/物业费 + W1/电梯 = 3
    assert m.row("complaint.count", "S1").value == 3


def test_group_belongs_to_month_of_its_earliest_row(books):
    books.site("S1")
    # E9 starts 30 Sep 23:30 and continues 1 Oct: one September complaint
    complaint(books, "G1", "S1", "2026-09-30 23:30", event_id="E9", handled_at="2026-10-02 10:00")
    complaint(books, "G2", "S1", "2026-10-01 08:00", event_id="E9", handled_at="2026-10-01 09:00")
    complaint(books, "G3", "S1", "2026-10-01 00:00")               # October (midnight is the 1st)
    october = books.compute("2026-10", "2026-11-30 00:00")
    assert october.row("complaint.count", "S1").value == 1          # G3 only
    september = books.compute("2026-09", "2026-11-30 00:00")
    assert september.row("complaint.count", "S1").value == 1        # E9 (G1+G2) once
    # its handling (both rows handled: at the latest, 10-02) is rated in September: 1 of 1
    handling = september.row("complaint.handling_rate", "S1")
    assert (handling.numerator, handling.denominator) == (1, 1)


def test_handling_rate_as_known_at_as_of(books):
    books.site("S1")
    complaint(books, "H1", "S1", "2026-10-01 09:00", handled_at="2026-10-02 09:00")   # handled
    complaint(books, "H2", "S1", "2026-10-05 09:00", handled_at="2026-10-19 23:59")   # handled
    complaint(books, "H3", "S1", "2026-10-08 09:00")                                  # never handled
    complaint(books, "H4", "S1", "2026-10-10 09:00", handled_at="2026-10-21 09:00")   # after as-of: not yet
    complaint(books, "H5", "S1", "2026-10-20 00:01")                                  # after as-of: not yet received
    m = books.compute("2026-10", "2026-10-20 00:00")
    assert m.row("complaint.count", "S1").value == 4                # H1–H4; H5 does not exist yet
    row = m.row("complaint.handling_rate", "S1")
    # handled at as-of: H1, H2 → 2 of 4
    assert (row.numerator, row.denominator, row.value) == (2, 4, 0.5)
    assert (row.target, row.meets_target) == (1.0, False)
    assert ids(m, "complaint.handling_rate", "S1", "miss") == ["H3", "H4"]


def test_callback_rate_counts_handled_complaints_needing_a_callback(books):
    books.site("S1")
    h = "2026-10-02 09:00"
    complaint(books, "B1", "S1", "2026-10-01 09:00", handled_at=h, callback_required=True,
              callback_at="2026-10-03 09:00")                                    # hit
    complaint(books, "B2", "S1", "2026-10-01 10:00", handled_at=h, callback_at="2026-10-04 09:00")  # blank = yes; hit
    complaint(books, "B3", "S1", "2026-10-01 11:00", handled_at=h)               # blank = yes; no callback: miss
    complaint(books, "B4", "S1", "2026-10-01 12:00", handled_at=h, callback_required=False)  # not needed: out
    complaint(books, "B5", "S1", "2026-10-01 13:00", callback_required=True)     # not handled: out
    complaint(books, "B6", "S1", "2026-10-01 14:00", handled_at=h, callback_required=True,
              callback_at="2026-11-10 09:00")                                    # callback after as-of: miss
    m = books.compute("2026-10", "2026-11-05 00:00")
    row = m.row("complaint.callback_rate", "S1")
    # handled and needing a callback: B1, B2, B3, B6 = 4; with a callback by as-of: B1, B2 = 2
    assert (row.numerator, row.denominator, row.value) == (2, 4, 0.5)
    assert row.meets_target is False
    assert ids(m, "complaint.callback_rate", "S1", "miss") == ["B3", "B6"]


def test_reply_within_24h_boundary_fallback_pending_and_miss(books):
    books.site("S1")
    complaint(books, "R1", "S1", "2026-10-01 09:00", first_reply_at="2026-10-02 09:00")  # exactly 24 h: hit
    complaint(books, "R2", "S1", "2026-10-02 09:00", first_reply_at="2026-10-03 09:01")  # 24 h 1 min: miss
    complaint(books, "R3", "S1", "2026-10-03 09:00", handled_at="2026-10-03 20:00")      # no reply, handled 11 h: hit
    complaint(books, "R4", "S1", "2026-10-04 09:00", first_reply_at="2026-10-04 10:00",
              handled_at="2026-10-10 09:00")                                            # first reply 1 h: hit
    complaint(books, "R5", "S1", "2026-10-05 09:00")                                    # nothing, 24 h long past: miss
    # a group: earliest received 10-06 09:00, earliest reply 10-07 10:00 = 25 h: miss
    complaint(books, "R8a", "S1", "2026-10-06 09:00", event_id="E8")
    complaint(books, "R8b", "S1", "2026-10-07 08:00", event_id="E8", first_reply_at="2026-10-07 10:00")
    complaint(books, "R6", "S1", "2026-10-31 08:00")                                    # deadline 11-01 08:00 ahead: pending
    complaint(books, "R7", "S1", "2026-10-30 20:00", first_reply_at="2026-10-31 13:00")  # reply after as-of, deadline ahead: pending
    m = books.compute("2026-10", "2026-10-31 12:00")
    row = m.row("complaint.reply_24h_rate", "S1")
    # rated: R1, R2, R3, R4, R5, E8 = 6; hits R1, R3, R4 = 3 → 3/6; pending R6, R7 = 2
    assert (row.numerator, row.denominator, row.value, row.pending) == (3, 6, 0.5, 2)
    assert row.meets_target is False
    assert ids(m, "complaint.reply_24h_rate", "S1", "pending") == ["R6", "R7"]
    assert ids(m, "complaint.reply_24h_rate", "S1", "miss") == ["R2", "R5", "R8a, R8b"]
    # hits are counted in the numerator, not listed one by one in the evidence
    assert ids(m, "complaint.reply_24h_rate", "S1", "hit") == []


def test_closure_callback_satisfaction_and_7_day_window(books):
    """'Within 7 days after handled_at' is read inclusively: a new complaint of the same unit and
    category received at or before handled_at + 7 × 24 h keeps the first one open."""
    books.site("S1")
    cb = dict(handled_at="2026-10-02 09:00", callback_required=True, callback_at="2026-10-03 09:00")
    complaint(books, "K1", "S1", "2026-10-01 09:00", unit="1-1", **cb, callback_satisfied=True)    # closed
    complaint(books, "K2", "S1", "2026-10-01 10:00", unit="1-2", **cb, callback_satisfied=False)   # not closed
    no_cb = dict(callback_required=False)
    complaint(books, "K3", "S1", "2026-10-04 09:00", unit="1-3", handled_at="2026-10-05 10:00", **no_cb)  # closed
    # K4 handled 10-06 10:00; K5 same unit + category at 10-13 10:00 = exactly day 7: K4 not closed
    complaint(books, "K4", "S1", "2026-10-06 08:00", unit="2-2", category="漏水", handled_at="2026-10-06 10:00", **no_cb)
    complaint(books, "K5", "S1", "2026-10-13 10:00", unit="2-2", category="漏水", handled_at="2026-10-14 10:00", **no_cb)
    # K6 handled 10-07 10:00; K7 same unit + category at 10-14 10:01 = 7 days + 1 min: K6 closed
    complaint(books, "K6", "S1", "2026-10-07 08:00", unit="3-3", category="绿化", handled_at="2026-10-07 10:00", **no_cb)
    complaint(books, "K7", "S1", "2026-10-14 10:01", unit="3-3", category="绿化", handled_at="2026-10-15 10:00", **no_cb)
    # K8: a later complaint of the same unit but another category does not reopen it: closed
    complaint(books, "K8", "S1", "2026-10-08 08:00", unit="4-4", category="噪音", handled_at="2026-10-08 10:00", **no_cb)
    complaint(books, "K9", "S1", "2026-10-09 08:00", unit="4-4", category="停车", handled_at="2026-10-09 10:00", **no_cb)
    complaint(books, "K10", "S1", "2026-10-20 08:00", unit="5-5", **no_cb)   # never handled: not closed
    m = books.compute("2026-10", "2026-11-30 00:00")
    row = m.row("complaint.closure_rate", "S1")
    # closed: K1, K3, K5, K6, K7, K8, K9 = 7 of 10 counted complaints
    assert (row.numerator, row.denominator) == (7, 10)
    assert row.value == 0.7
    assert ids(m, "complaint.closure_rate", "S1", "miss") == ["K10", "K2", "K4"]


def test_pareto_shares_and_vital_few_per_site_and_company(books):
    books.site("S1")
    books.site("S2", "office")
    books.site("S3", "sales")
    n = iter(range(100))
    for category, times in [("噪音", 4), ("漏水", 3), ("绿化", 1), ("停车", 1)]:
        for _ in range(times):
            complaint(books, f"A{next(n):02d}", "S1", "2026-10-05 09:00", category=category)
    # the fifth 噪音 complaint is one event reported in three rows: counted once
    for _ in range(3):
        complaint(books, f"A{next(n):02d}", "S1", "2026-10-06 09:00", category="噪音", event_id="EV")
    for _ in range(3):
        complaint(books, f"B{next(n):02d}", "S2", "2026-10-07 09:00", category="停车")
    complaint(books, "X1", "S3", "2026-10-07 09:00", category="噪音")      # sales site: not counted
    m = books.compute("2026-10", "2026-11-30 00:00")
    # S1: 噪音 5, 漏水 3, 绿化 1, 停车 1 of 10. cumulative 50%, 80% → 噪音, 漏水 are the vital few
    expected_s1 = {"噪音": (5, 0.5, True), "漏水": (3, 0.3, True), "绿化": (1, 0.1, False), "停车": (1, 0.1, False)}
    for category, (count, share, vital) in expected_s1.items():
        row = m.row(f"complaint.pareto.{category}", "S1")
        assert (row.numerator, row.denominator) == (count, 10)
        assert row.value == pytest.approx(share)
        assert ("vital_few" in row.flags) is vital, category
    assert m.row("complaint.count", "S1").value == 10
    # company (S1 + S2; S3 is a sales site): 噪音 5, 停车 1+3 = 4, 漏水 3, 绿化 1 of 13.
    # cumulative 5/13 = 38%, 9/13 = 69%, 12/13 = 92% → the first three are vital, 绿化 not
    expected_co = {"噪音": (5, True), "停车": (4, True), "漏水": (3, True), "绿化": (1, False)}
    for category, (count, vital) in expected_co.items():
        row = m.row(f"complaint.pareto.{category}", None)
        assert (row.numerator, row.denominator) == (count, 13)
        assert row.value == pytest.approx(count / 13)
        assert ("vital_few" in row.flags) is vital, category
    assert m.row("complaint.count", None).value == 13
    assert not m.has("complaint.pareto.噪音", "S3")


def test_rows_for_property_sites_without_complaints_and_none_for_sales(books):
    books.site("S1")
    books.site("S2", "office")
    books.site("S3", "sales")
    complaint(books, "X1", "S3", "2026-10-07 09:00")   # a sales site: complaint.* does not apply
    m = books.compute("2026-10", "2026-11-30 00:00")
    for site in ("S1", "S2"):
        assert m.row("complaint.count", site).value == 0
        for metric in RATES:
            row = m.row(metric, site)
            assert (row.value, row.denominator, row.meets_target) == (None, 0, None), (metric, site)
    assert not any(metric.startswith("complaint.") for metric in m.metrics_of("S3"))
    # company-wide: pooled over the sites complaint.* applies to (S1, S2): nothing counted
    assert m.row("complaint.count", None).value == 0
    assert m.row("complaint.handling_rate", None).value is None


def test_company_rates_pool_numerators_and_denominators(books):
    books.site("S1")
    books.site("S2", "office")
    complaint(books, "S1a", "S1", "2026-10-01 09:00", handled_at="2026-10-01 12:00")   # S1: 1 of 1 handled
    complaint(books, "S2a", "S2", "2026-10-01 09:00", handled_at="2026-10-01 12:00")   # S2: 1 of 3 handled
    complaint(books, "S2b", "S2", "2026-10-02 09:00")
    complaint(books, "S2c", "S2", "2026-10-03 09:00")
    m = books.compute("2026-10", "2026-11-30 00:00")
    assert m.row("complaint.handling_rate", "S1").value == 1.0
    assert m.row("complaint.handling_rate", "S2").value == pytest.approx(1 / 3)
    company = m.row("complaint.handling_rate", None)
    # pooled (1+1)/(1+3) = 0.5, not the mean of site rates (1 + 1/3)/2 = 0.667
    assert (company.numerator, company.denominator, company.value) == (2, 4, 0.5)
    assert company.meets_target is False
    assert m.row("complaint.count", None).value == 4


def test_closure_without_callback_is_pending_while_its_7_day_window_is_open(books):
    books.site("S1")
    # handled 10-20 09:00, no callback needed: the window runs to 10-27 09:00
    complaint(books, "W1", "S1", "2026-10-20 08:00", unit="1-101", handled_at="2026-10-20 09:00",
              callback_required=False)
    # handled 10-10 09:00: window closed 10-17 09:00 with no new complaint → closed
    complaint(books, "W2", "S1", "2026-10-10 08:00", unit="1-102", handled_at="2026-10-10 09:00",
              callback_required=False)
    during = books.compute("2026-10", "2026-10-25 00:00")
    row = during.row("complaint.closure_rate", "S1")
    # W2 closed (1 of 1 decided); W1 cannot be called closed or not yet: pending
    assert (row.numerator, row.denominator, row.pending) == (1, 1, 1)
    assert ids(during, "complaint.closure_rate", "S1", "pending") == ["W1"]
    after = books.compute("2026-10", "2026-10-27 09:01")
    assert (after.row("complaint.closure_rate", "S1").numerator, after.row("complaint.closure_rate", "S1").denominator) == (2, 2)


def test_an_invalid_row_counts_in_nothing_and_is_listed_as_not_counted(books):
    books.site("S1")
    # V1 verified invalid (valid = 否), never handled; V2 valid and fully done; V3 blank = valid, open
    complaint(books, "V1", "S1", "2026-10-03 09:00", category="噪音", valid=False)
    complaint(books, "V2", "S1", "2026-10-04 09:00", category="绿化", valid=True, first_reply_at="2026-10-04 10:00",
              handled_at="2026-10-04 12:00", callback_at="2026-10-05 09:00", callback_satisfied=True)
    complaint(books, "V3", "S1", "2026-10-05 09:00", category="绿化")
    # an event with one invalid row and one valid row: the valid row alone is the complaint
    complaint(books, "V4", "S1", "2026-10-06 09:00", category="停车", event_id="E9", valid=False)
    complaint(books, "V5", "S1", "2026-10-06 10:00", category="停车", event_id="E9", handled_at="2026-10-06 12:00",
              first_reply_at="2026-10-06 11:00", callback_at="2026-10-07 09:00", callback_satisfied=True)
    m = books.compute("2026-10", "2026-11-30 00:00")
    # counted: V2, V3, E9 (V5) = 3; V1 and V4 count nowhere
    assert m.row("complaint.count", "S1").value == 3
    assert m.row("complaint.count", None).value == 3
    handling = m.row("complaint.handling_rate", "S1")
    assert (handling.numerator, handling.denominator) == (2, 3)  # V2, V5 handled; V3 open
    callback = m.row("complaint.callback_rate", "S1")
    assert (callback.numerator, callback.denominator) == (2, 2)
    reply = m.row("complaint.reply_24h_rate", "S1")
    assert (reply.numerator, reply.denominator) == (2, 3)
    pareto = dict(m.conn.execute(
        """select metric, [numerator, denominator] from metrics where run_id = ? and site_id = 'S1'
           and starts_with(metric, 'complaint.pareto.')""", [m.run_id]).fetchall())
    assert pareto == {"complaint.pareto.绿化": [2, 3], "complaint.pareto.停车": [1, 3]}  # no 噪音 share
    assert sorted(ids(m, "complaint.count", "S1", "not_counted")) == ["V1", "V4"]
    details = {e[0]: e for e in m.evidence("complaint.count", "S1", "not_counted")}
    assert all("不计入：无效投诉" in str(e) for e in details.values())
    assert "V1" not in str(m.evidence("complaint.handling_rate", "S1"))


def test_one_open_row_keeps_the_whole_complaint_open(books):
    books.site("S1")
    # event E5 reported twice: G1 handled, called back and satisfied; G2 still open (no handled_at)
    complaint(books, "G1", "S1", "2026-10-10 09:00", event_id="E5", first_reply_at="2026-10-10 10:00",
              handled_at="2026-10-11 09:00", callback_at="2026-10-12 09:00", callback_satisfied=True)
    complaint(books, "G2", "S1", "2026-10-10 11:00", event_id="E5")
    # event E6: both rows handled, only one called back: the complaint has no callback yet
    complaint(books, "H1", "S1", "2026-10-13 09:00", event_id="E6", category="绿化", first_reply_at="2026-10-13 10:00",
              handled_at="2026-10-13 12:00", callback_at="2026-10-14 09:00", callback_satisfied=True)
    complaint(books, "H2", "S1", "2026-10-13 09:30", event_id="E6", category="绿化", handled_at="2026-10-13 15:00")
    m = books.compute("2026-10", "2026-11-30 00:00")
    assert m.row("complaint.count", "S1").value == 2
    handling = m.row("complaint.handling_rate", "S1")
    assert (handling.numerator, handling.denominator) == (1, 2)  # E5 is open; E6 handled (both rows)
    assert ids(m, "complaint.handling_rate", "S1", "miss") == ["G1, G2"]
    assert "2 条记录中 1 条未处理" in str(m.evidence("complaint.handling_rate", "S1", "miss"))
    # callback: only handled complaints needing one: E6, whose H2 has none → 0 of 1
    callback = m.row("complaint.callback_rate", "S1")
    assert (callback.numerator, callback.denominator) == (0, 1)
    # closure: E5 open, E6 without its callback → 0 of 2
    closure = m.row("complaint.closure_rate", "S1")
    assert (closure.numerator, closure.denominator) == (0, 2)
    # reply within 24 h: each group's earliest reply (E5 10:00 after 09:00; E6 10:00 after 09:00) → 2 of 2
    reply = m.row("complaint.reply_24h_rate", "S1")
    assert (reply.numerator, reply.denominator) == (2, 2)


def test_weekly_complaint_statistics_count_each_complaint_in_the_iso_week_of_its_receipt(books):
    """003 篇5 §七.5: the week's complaints. October 2026's ISO weeks run from W40 (Mon 09-28 –
    Sun 10-04) to W44 (Mon 10-26 – Sun 11-01); a complaint counts once, in its week."""
    books.site("S1")
    books.site("S2")
    complaint(books, "A1", "S1", "2026-10-04 23:59")                 # Sunday: still W40
    complaint(books, "A2", "S1", "2026-10-05 00:00")                 # Monday: W41
    complaint(books, "A3", "S1", "2026-10-06 09:00", event_id="E9")  # W41, one event…
    complaint(books, "A4", "S1", "2026-10-07 09:00", event_id="E9")  # …counted once
    complaint(books, "B1", "S2", "2026-10-06 10:00")                 # W41 at S2
    complaint(books, "B2", "S2", "2026-10-31 10:00", valid=False)    # verified invalid: not counted
    m = books.compute("2026-10", "2026-11-30 00:00")
    weekly = "complaint.count_weekly"
    assert m.row(weekly, "S1", "2026-W40").value == 1
    assert m.row(weekly, "S1", "2026-W41").value == 2   # A2, and E9 once
    assert m.row(weekly, "S2", "2026-W41").value == 1
    assert m.row(weekly, "S2", "2026-W44").value == 0   # B2 is not a complaint: a week of none
    assert m.row(weekly, None, "2026-W41").value == 3   # the company: 2 + 1
    assert m.row(weekly, None, "2026-W42").value == 0
