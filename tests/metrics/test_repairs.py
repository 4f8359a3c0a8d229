"""repair.*: callbacks of completed repair tickets (contract §2 "Repairs"; 000 §4.7.4.2, 003 §二.5, §五.6–7).

A ticket counts in the ISO week and the month in which it was completed. Every expected number
below is worked out by hand from the contract's wording.
"""

from __future__ import annotations

import datetime as dt
import re

from tests.metrics.conftest import at

H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)


def ticket(books, tid, site, completed, callback=None, *, category="门锁", urgent=False,
           second=None, reported=None, result=None):
    """A repair ticket; `callback` / `second` are a time or an offset from completion / first callback."""
    done = at(completed) if completed else None
    first = done + callback if isinstance(callback, dt.timedelta) else (at(callback) if callback else None)
    again = first + second if isinstance(second, dt.timedelta) else (at(second) if second else None)
    books.add("repairs", ticket_id=tid, site_id=site, category=category, urgent=urgent,
              reported_at=at(reported) if reported else (done or at("2026-10-01 08:00")) - H,
              completed_at=done, callback_at=first, second_callback_at=again, callback_result=result)
    return books.lines["repairs"]


def periods(m, metric, site):
    rows = m.conn.execute("select period from metrics where run_id = ? and metric = ? and site_id = ?",
                          [m.run_id, metric, site]).fetchall()
    return sorted(r[0] for r in rows)


def test_monthly_callback_rate_counts_tickets_by_completion_month(books):
    books.site("S1")
    ticket(books, "T1", "S1", "2026-10-05 10:00", DAY)                           # hit
    ticket(books, "T2", "S1", "2026-10-10 10:00")                                # miss: 7-day deadline 10-17 passed
    ticket(books, "T3", "S1", "2026-10-02 10:00", DAY, reported="2026-09-25 09:00")  # hit: reported Sept, completed Oct
    ticket(books, "T4", "S1", None, reported="2026-10-20 09:00")                 # not completed: not counted
    ticket(books, "T5", "S1", "2026-09-30 23:00", H)                             # completed in September
    ticket(books, "T6", "S1", "2026-11-03 10:00", H)                             # completed in November
    ticket(books, "T7", "S1", "2026-10-31 12:00")                                # pending: deadline 11-07 12:00 > as-of
    m = books.compute("2026-10", "2026-11-05 00:00")
    row = m.row("repair.callback_rate", "S1", "2026-10")
    # October completions: T1 hit, T3 hit, T2 miss, T7 pending → 2 / 3, 1 pending
    assert (row.numerator, row.denominator, row.pending) == (2, 3, 1)
    assert row.value == 2 / 3
    assert (row.target, row.meets_target) == (1.0, False)


def test_ticket_completed_after_as_of_is_not_counted(books):
    books.site("S1")
    ticket(books, "A", "S1", "2026-10-15 10:00", DAY)        # hit, known at as-of
    ticket(books, "B", "S1", "2026-10-25 10:00", "2026-10-19 09:00",  # completed after as-of 10-20 12:00
           reported="2026-10-18 09:00")
    ticket(books, "C", "S1", "2026-10-22 10:00", reported="2026-10-18 09:00")  # after as-of, no callback
    m = books.compute("2026-10", "2026-10-20 12:00")
    row = m.row("repair.callback_rate", "S1", "2026-10")
    # only A is completed by as-of: 1 / 1, nothing pending
    assert (row.numerator, row.denominator, row.pending, row.value) == (1, 1, 0, 1.0)
    assert row.meets_target is True


def test_weekly_rows_are_the_iso_weeks_touching_the_month(books):
    books.site("S1")
    m = books.compute("2026-10", "2026-11-10 00:00")
    # 2026-10-01 is a Thursday: W40 = 09-28..10-04, W41, W42, W43, W44 = 10-26..11-01 (10-31 a Saturday)
    assert periods(m, "repair.callback_rate_weekly", "S1") == [f"2026-W{w}" for w in range(40, 45)]
    empty = m.row("repair.callback_rate_weekly", "S1", "2026-W42")
    assert (empty.value, empty.numerator, empty.denominator, empty.meets_target) == (None, 0, 0, None)
    assert empty.target == 0.8


def test_weekly_rate_counts_whole_week_and_80_percent_exactly_meets(books):
    books.site("S1")
    # W40 (Mon 09-28 .. Sun 10-04): 4 of 5 with a callback, one on 09-29, outside the month
    for tid, day in [("W40a", "2026-09-29"), ("W40b", "2026-10-01"), ("W40c", "2026-10-02"), ("W40d", "2026-10-03")]:
        ticket(books, tid, "S1", f"{day} 10:00", H)
    ticket(books, "W40e", "S1", "2026-10-04 10:00")            # miss: deadline 10-11 passed
    # W41 (10-05 .. 10-11): 3 of 4
    for tid, day in [("W41a", "2026-10-05"), ("W41b", "2026-10-07"), ("W41c", "2026-10-11")]:
        ticket(books, tid, "S1", f"{day} 10:00", H)
    ticket(books, "W41d", "S1", "2026-10-09 10:00")            # miss
    ticket(books, "W44a", "S1", "2026-11-01 10:00", H)         # Sunday 11-01 belongs to W44
    ticket(books, "W39", "S1", "2026-09-27 10:00", H)          # Sunday of W39: no row for W39
    m = books.compute("2026-10", "2026-11-10 00:00")
    w40 = m.row("repair.callback_rate_weekly", "S1", "2026-W40")
    assert (w40.numerator, w40.denominator, w40.value) == (4, 5, 0.8)   # 4/5 = 80.00%
    assert w40.meets_target is True                                    # exactly 80% meets 80%
    w41 = m.row("repair.callback_rate_weekly", "S1", "2026-W41")
    assert (w41.numerator, w41.denominator, w41.value) == (3, 4, 0.75)  # 75% < 80%
    assert w41.meets_target is False
    w44 = m.row("repair.callback_rate_weekly", "S1", "2026-W44")
    assert (w44.numerator, w44.denominator) == (1, 1)
    # the month only takes October completions: W40 b,c,d hit + e miss, W41 3 hit + 1 miss → 6 / 8
    month = m.row("repair.callback_rate", "S1", "2026-10")
    assert (month.numerator, month.denominator) == (6, 8)


def test_on_time_deadline_is_shortest_that_applies_with_exact_boundaries(books):
    books.site("S1")
    done = "2026-10-05 08:00"
    ticket(books, "A", "S1", done, 48 * H, category="消防安全门")             # 安全 2 days, exactly → hit
    ticket(books, "B", "S1", done, 48 * H + MINUTE, category="安全护栏")      # 2 days + 1 min → miss
    ticket(books, "C", "S1", done, 72 * H, category="屋面渗水")               # 渗 3 days, exactly → hit
    ticket(books, "D", "S1", done, 72 * H + MINUTE, category="水管漏水")      # 漏 3 days + 1 min → miss
    ticket(books, "E", "S1", done, 24 * H, category="门锁", urgent=True)      # urgent 24 h, exactly → hit
    ticket(books, "F", "S1", done, 25 * H, category="外墙渗漏", urgent=True)  # urgent + 渗漏: 24 h, not 72 h → miss
    ticket(books, "G", "S1", done, 7 * DAY, category="门锁")                  # others 7 days, exactly → hit
    ticket(books, "H", "S1", done, 7 * DAY + MINUTE, category="门锁")         # 7 days + 1 min → miss
    ticket(books, "I", "S1", done, 60 * H, category="安全阀漏水")             # 安全 and 漏: 48 h, not 72 h → miss
    m = books.compute("2026-10", "2026-11-10 00:00")
    row = m.row("repair.callback_on_time_rate", "S1", "2026-10")
    # hits A, C, E, G; misses B, D, F, H, I → 4 / 9
    assert (row.numerator, row.denominator, row.pending) == (4, 9, 0)
    assert row.value == 4 / 9 and row.meets_target is False
    assert [e[0] for e in m.evidence("repair.callback_on_time_rate", "S1", "miss")] == ["B", "D", "F", "H", "I"]
    # every one of them has a callback: the callback rate is 9 / 9
    assert m.row("repair.callback_rate", "S1", "2026-10").value == 1.0


def test_no_callback_is_pending_before_its_deadline_and_a_miss_after(books):
    books.site("S1")
    ticket(books, "P1", "S1", "2026-10-30 00:00", category="门锁")      # 7 days → 11-06 00:00 > as-of: pending
    ticket(books, "P2", "S1", "2026-10-30 00:00", category="安全出口")  # 2 days → 11-01 00:00 < as-of: miss
    ticket(books, "P3", "S1", "2026-10-20 00:00", DAY)                  # hit
    m = books.compute("2026-10", "2026-11-05 00:00")
    for metric in ("repair.callback_on_time_rate", "repair.callback_rate"):
        row = m.row(metric, "S1", "2026-10")
        # P3 hit, P2 miss, P1 out of the denominator → 1 / 2, pending 1
        assert (row.numerator, row.denominator, row.pending, row.value) == (1, 2, 1, 0.5), metric
        assert [e[0] for e in m.evidence(metric, "S1", "pending")] == ["P1"]
        assert [e[0] for e in m.evidence(metric, "S1", "miss")] == ["P2"]


def test_urgent_second_callback_at_least_two_days_after_the_first(books):
    books.site("S1")
    ticket(books, "U1", "S1", "2026-10-10 08:00", 4 * H, urgent=True, second=48 * H)   # exactly 2 days → hit
    ticket(books, "U2", "S1", "2026-10-10 08:00", 4 * H, urgent=True, second=DAY)      # 1 day → miss
    ticket(books, "U3", "S1", "2026-10-31 20:00", "2026-11-04 00:00", urgent=True)     # due 11-06 > as-of: pending
    ticket(books, "U4", "S1", "2026-10-10 08:00", 4 * H, urgent=True)                  # none, 2 days passed → miss
    ticket(books, "N1", "S1", "2026-10-10 08:00", 4 * H, second=DAY)                   # not urgent: not counted
    m = books.compute("2026-10", "2026-11-05 00:00")
    row = m.row("repair.urgent_second_callback_rate", "S1", "2026-10")
    # U1 hit; U2, U4 miss; U3 pending → 1 / 3, pending 1
    assert (row.numerator, row.denominator, row.pending) == (1, 3, 1)
    assert row.value == 1 / 3 and row.meets_target is False
    assert [e[0] for e in m.evidence("repair.urgent_second_callback_rate", "S1", "miss")] == ["U2", "U4"]


def test_urgent_second_callback_pending_while_first_callback_is_pending(books):
    books.site("S1")
    ticket(books, "U5", "S1", "2026-10-31 12:00", urgent=True)   # first due 11-01 12:00 > as-of: pending
    ticket(books, "U6", "S1", "2026-10-20 12:00", urgent=True)   # first due 10-21 12:00 passed, none → miss
    m = books.compute("2026-10", "2026-11-01 00:00")
    row = m.row("repair.urgent_second_callback_rate", "S1", "2026-10")
    assert (row.numerator, row.denominator, row.pending) == (0, 1, 1)   # 0 / 1, U5 pending


def test_repair_rows_for_property_sites_only_and_company_pools(books):
    books.site("S1")
    books.site("S2", "office")
    books.site("S3", "sales")
    books.site("S4")                                          # residential, no tickets
    ticket(books, "A1", "S1", "2026-10-05 10:00", H)           # S1: 1 of 2
    ticket(books, "A2", "S1", "2026-10-06 10:00")
    for i in range(3):                                         # S2: 3 of 3
        ticket(books, f"B{i}", "S2", "2026-10-07 10:00", H)
    ticket(books, "C1", "S3", "2026-10-07 10:00", H)           # sales site: repair.* does not apply
    m = books.compute("2026-10", "2026-11-10 00:00")
    repair = {"repair.callback_rate", "repair.callback_rate_weekly", "repair.callback_on_time_rate",
              "repair.urgent_second_callback_rate"}
    for site in ("S1", "S2", "S4"):
        assert repair <= m.metrics_of(site), site
    assert not {x for x in m.metrics_of("S3") if x.startswith("repair.")}
    assert m.row("repair.callback_rate", "S1", "2026-10").value == 0.5
    assert m.row("repair.callback_rate", "S2", "2026-10").value == 1.0
    s4 = m.row("repair.callback_rate", "S4", "2026-10")
    assert (s4.value, s4.numerator, s4.denominator, s4.meets_target) == (None, 0, 0, None)
    # company: (1 + 3) / (2 + 3) = 0.8, not the mean of 0.5 and 1.0; the sales site's ticket is not in it
    company = m.row("repair.callback_rate", None, "2026-10")
    assert (company.numerator, company.denominator, company.value) == (4, 5, 0.8)
    assert company.meets_target is False                      # target 1.00
    # weekly company row pools too: A1, A2, B0–B2 all completed in W41 (10-05 .. 10-11) → 4 / 5
    assert m.row("repair.callback_rate_weekly", None, "2026-W41").value == 0.8


def late_by(detail: str) -> float:
    """Hours (or minutes / 60) stated in the part of the evidence detail that says the callback was late."""
    part = next(p for p in re.split(r"[；;]", detail) if "晚" in p or "逾期" in p or "超" in p)
    number, unit = re.search(r"(\d+(?:\.\d+)?)\s*(小时|分钟|h|min)", part).groups()
    return float(number) / (60 if unit in ("分钟", "min") else 1)


def test_evidence_for_a_late_callback_says_how_late_and_where(books):
    books.site("S1")
    ticket(books, "OK", "S1", "2026-10-05 08:00", DAY)
    line = ticket(books, "L", "S1", "2026-10-05 08:00", "2026-10-13 10:00")   # deadline 10-12 08:00: 26 h late
    m = books.compute("2026-10", "2026-11-10 00:00")
    [(record, outcome, source_file, source_line, detail)] = m.evidence("repair.callback_on_time_rate", "S1", "miss")
    assert (record, outcome, source_file, source_line) == ("L", "miss", "repairs/test.csv", line)
    assert late_by(detail) == 26                              # 10-13 10:00 − 10-12 08:00 = 26 h


def test_evidence_for_a_callback_one_minute_late_does_not_say_zero(books):
    books.site("S1")
    ticket(books, "M", "S1", "2026-10-05 08:00", 48 * H + MINUTE, category="安全护栏")  # 1 minute late
    m = books.compute("2026-10", "2026-11-10 00:00")
    [(record, _, _, _, detail)] = m.evidence("repair.callback_on_time_rate", "S1", "miss")
    assert record == "M"
    assert late_by(detail) > 0, detail                        # late by 1 minute, not "0 hours"


def test_a_deadline_reached_exactly_at_as_of_is_decided_not_pending(books):
    books.site("S1")
    ticket(books, "E1", "S1", "2026-10-05 08:00")  # others: 7 days → deadline 10-12 08:00, no callback
    ticket(books, "E2", "S1", "2026-10-06 08:00")  # deadline 10-13 08:00: still ahead of as-of
    m = books.compute("2026-10", "2026-10-12 08:00")
    row = m.row("repair.callback_rate", "S1")
    # E1's deadline is not ahead of as-of any more: a miss (0 of 1); E2 is pending
    assert (row.numerator, row.denominator, row.pending) == (0, 1, 1)


def test_on_time_callbacks_by_category_for_the_report(books):
    books.site("S1")
    books.site("S2", "office")
    ticket(books, "A1", "S1", "2026-10-05 08:00", dt.timedelta(days=2), category="消防安全设施")  # 48 h: on time
    ticket(books, "A2", "S2", "2026-10-06 08:00", dt.timedelta(days=3), category="消防安全设施")  # 72 h > 48 h: late
    ticket(books, "B1", "S1", "2026-10-07 08:00", dt.timedelta(hours=20), category="管道漏水", urgent=True)  # 24 h: on time
    ticket(books, "B2", "S1", "2026-10-08 08:00", dt.timedelta(days=2), category="管道漏水")  # 72 h: on time
    ticket(books, "C1", "S1", "2026-10-30 08:00", category="门锁")  # 7 days, none yet at 11-02: pending
    books.compute("2026-10", "2026-11-02 00:00")
    rows = books.conn.execute(
        """select category, shortest_deadline_hours, longest_deadline_hours, tickets, on_time, late, pending
           from repair_categories order by category"""
    ).fetchall()
    assert rows == [
        ("消防安全设施", 48, 48, 2, 1, 1, 0),
        ("管道漏水", 24, 72, 2, 2, 0, 0),
        ("门锁", 168, 168, 1, 0, 0, 1),
    ]
    # the rate is stored with them, on time over decided: 1/2, 2/2, and none decided yet (the
    # report shows it as stored, never dividing again)
    rates = books.conn.execute("select category, on_time_rate from repair_categories order by category").fetchall()
    assert rates == [("消防安全设施", 0.5), ("管道漏水", 1.0), ("门锁", None)]


def test_an_electrical_fault_is_not_a_leak(books):
    books.site("S1")
    done = "2026-10-05 08:00"
    # 漏电 (electrical) keeps the 7-day deadline: a callback after 4 days is on time;
    # 房屋渗漏水 and 卫生间漏水 are leaks, 3 days: 4 days is late
    ticket(books, "E1", "S1", done, 4 * DAY, category="插座漏电")
    ticket(books, "W1", "S1", done, 4 * DAY, category="房屋渗漏水")
    ticket(books, "W2", "S1", done, 4 * DAY, category="卫生间漏水")
    m = books.compute("2026-10", "2026-11-10 00:00")
    row = m.row("repair.callback_on_time_rate", "S1", "2026-10")
    assert (row.numerator, row.denominator) == (1, 3)
    assert [e[0] for e in m.evidence("repair.callback_on_time_rate", "S1", "miss")] == ["W1", "W2"]


def test_could_not_reach_is_an_attempt_and_a_later_callback_counts(books):
    books.site("S1")
    done = "2026-10-05 08:00"
    # U1: 未联系上 one day after, nothing more: no callback; its 7 days passed → miss, attempt shown
    ticket(books, "U1", "S1", done, DAY, result="未联系上")
    # U2: 未联系上 after one day, reached on day 3 (recorded as the second callback): called back, on time
    ticket(books, "U2", "S1", done, DAY, second=2 * DAY, result="未联系上")
    # U3: 未联系上, then reached on day 8: called back, but late for its 7 days
    ticket(books, "U3", "S1", done, DAY, second=7 * DAY, result="未联系上")
    # R1: reached (满意) the first time
    ticket(books, "R1", "S1", done, DAY, result="满意")
    m = books.compute("2026-10", "2026-11-10 00:00")
    callback = m.row("repair.callback_rate", "S1", "2026-10")
    assert (callback.numerator, callback.denominator) == (3, 4)  # U2, U3, R1
    on_time = m.row("repair.callback_on_time_rate", "S1", "2026-10")
    assert (on_time.numerator, on_time.denominator) == (2, 4)    # U2, R1
    (u1,) = m.evidence("repair.callback_rate", "S1", "miss")
    assert u1[0] == "U1" and "10-06 08:00 回访未联系上（不算回访）" in u1[4] and "未回访" in u1[4]
    assert [e[0] for e in m.evidence("repair.callback_on_time_rate", "S1", "miss")] == ["U1", "U3"]


def test_an_urgent_repair_not_marked_urgent_is_a_finding_not_reclassified(books):
    books.site("S1")
    done = "2026-10-05 08:00"
    # 003 篇5 §六.4 lists broken railings and 漏电 as urgent: K1 and K2 are not marked so → findings;
    # K3 is marked urgent → fine; K4 (门锁) is not on the list → fine
    ticket(books, "K1", "S1", done, 3 * DAY, category="楼梯扶手安全")
    ticket(books, "K2", "S1", done, 3 * DAY, category="插座漏电")
    ticket(books, "K3", "S1", done, 20 * H, category="电梯困人", urgent=True)
    ticket(books, "K4", "S1", done, 3 * DAY, category="门锁")
    m = books.compute("2026-10", "2026-11-10 00:00")
    found = m.evidence("repair.urgent_flag", "S1", "finding")
    assert [e[0] for e in found] == ["K1", "K2"]
    assert "含「扶手」" in found[0][4] and "未标为急修" in found[0][4] and found[0][2:4] == ("repairs/test.csv", 2)
    # not reclassified: K1 keeps the 安全 48 h deadline (72 h late), K2 its 7 days (on time);
    # only an urgent flag would give 24 h
    on_time = m.row("repair.callback_on_time_rate", "S1", "2026-10")
    assert (on_time.numerator, on_time.denominator) == (3, 4)  # K2, K3, K4 on time; K1 late
    assert m.row("repair.urgent_second_callback_rate", "S1", "2026-10").denominator == 1  # K3 only


def test_the_weekly_repair_summary_counts_tickets_received_and_completed_in_each_iso_week(books):
    """000 §4.10.4.14: the week's 报修 and 完成. W41 is Mon 10-05 – Sun 10-11; a completion after
    as-of has not happened yet, and a ticket still open counts as received only."""
    books.site("S1")
    ticket(books, "R1", "S1", "2026-10-06 10:00", reported="2026-10-04 23:00")  # in W40, done in W41
    ticket(books, "R2", "S1", "2026-10-11 23:59", reported="2026-10-05 00:00")  # both in W41 (Sunday night)
    ticket(books, "R3", "S1", None, reported="2026-10-12 00:00")                # W42, still open
    ticket(books, "R4", "S1", "2026-10-20 09:00", reported="2026-10-13 09:00")  # completed after as-of
    m = books.compute("2026-10", "2026-10-15 00:00")
    got = {(metric, period): m.row(metric, "S1", period).value
           for metric in ("repair.received_weekly", "repair.completed_weekly")
           for period in ("2026-W40", "2026-W41", "2026-W42")}
    assert got == {
        ("repair.received_weekly", "2026-W40"): 1, ("repair.received_weekly", "2026-W41"): 1,
        ("repair.received_weekly", "2026-W42"): 2,  # R3 and R4
        ("repair.completed_weekly", "2026-W40"): 0, ("repair.completed_weekly", "2026-W41"): 2,
        ("repair.completed_weekly", "2026-W42"): 0,  # R4's completion is after as-of
    }
    assert m.row("repair.completed_weekly", None, "2026-W41").value == 2  # the company: S1's
