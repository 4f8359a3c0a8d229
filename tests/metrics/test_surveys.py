"""survey.*: issue, return, satisfaction, dimensions, return-rate penalty (contract §2 "Surveys";
handbook 000 §4.8.4, 003 篇2 §4). Every expected number is worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal

import datetime as dt

import pytest

SURVEY_METRICS = ["survey.issue_rate", "survey.return_rate", "survey.satisfaction",
                  "survey.satisfaction_adjusted", "survey.dimension_satisfaction.清洁"]


def campaign(books, cid, site, kind="regular", occupied=100, issued=100, ended="2026-10-20", started=None):
    ended_on = dt.date.fromisoformat(ended)
    started_on = dt.date.fromisoformat(started) if started else ended_on - dt.timedelta(days=10)
    books.add("survey_campaigns", campaign_id=cid, site_id=site, kind=kind, started_on=started_on,
              ended_on=ended_on, occupied_units=occupied, issued=issued)


def respond(books, cid, n, overall="满意", **dimensions):
    """n returned questionnaires of campaign cid, all with the same answers (one insert)."""
    columns = ["overall", *dimensions]
    values = [overall, *dimensions.values()]
    names = ", ".join(f'"{c}"' for c in columns)
    start = books.lines.get("survey_responses", 1)
    books.lines["survey_responses"] = start + n
    books.conn.execute(
        f"""insert into survey_responses (response_id, campaign_id, {names}, source_file, source_line,
                                          file_hash, ingest_run_id)
            select ? || '-' || (i + ?), ?, {', '.join('?' * len(values))}, 'survey_responses/test.csv',
                   i + ? + 1, 'h', 't'
            from range(?) t(i)""",
        [cid, start, cid, *values, start, n],
    )


def test_issue_and_return_targets_by_kind_with_exact_boundaries(books):
    for site in ("S1", "S2", "S3", "S4", "S5"):
        books.site(site, "office" if site in ("S2", "S5") else "residential")
    campaign(books, "K1", "S1", "regular", occupied=100, issued=90)   # issue 90/100 = 90.00% ≥ 90%: met
    respond(books, "K1", 72)                                          # return 72/90 = 80.00% ≥ 80%: met
    campaign(books, "K2", "S2", "office", occupied=100, issued=100)   # issue 100% ≥ 100%: met
    respond(books, "K2", 90)                                          # return 90/100 = 90.00% ≥ 90%: met
    campaign(books, "K3", "S3", "special", occupied=100, issued=99)   # issue 99% < 100%: missed
    respond(books, "K3", 70)                                          # return 70/99 = 70.7% ≥ 70%: met
    campaign(books, "K4", "S4", "regular", occupied=100, issued=89)   # issue 89% < 90%: missed
    respond(books, "K4", 71)                                          # return 71/89 = 79.8% < 80%: missed
    campaign(books, "K5", "S5", "office", occupied=100, issued=100)
    respond(books, "K5", 89)                                          # return 89% < 90% (would meet 80%): missed
    m = books.compute("2026-10", "2026-11-05 00:00")
    expected = {
        # site: (issue num, den, target, met), (return num, den, target, met)
        "S1": ((90, 100, 0.90, True), (72, 90, 0.80, True)),
        "S2": ((100, 100, 1.00, True), (90, 100, 0.90, True)),
        "S3": ((99, 100, 1.00, False), (70, 99, 0.70, True)),
        "S4": ((89, 100, 0.90, False), (71, 89, 0.80, False)),
        "S5": ((100, 100, 1.00, True), (89, 100, 0.90, False)),
    }
    for site, (issue, ret) in expected.items():
        for metric, (num, den, target, met) in (("survey.issue_rate", issue), ("survey.return_rate", ret)):
            row = m.row(metric, site)
            assert (row.numerator, row.denominator, row.target, row.meets_target) == (num, den, target, met), \
                (metric, site)
            assert row.value == pytest.approx(num / den)
    assert m.row("survey.return_rate", "S1").value == 0.8
    assert m.row("survey.return_rate", "S2").value == 0.9


def test_satisfaction_counts_top_two_levels_and_exactly_90_percent_meets(books):
    books.site("S1")
    books.site("S2")
    campaign(books, "K1", "S1", issued=10, occupied=10)
    respond(books, "K1", 4, "非常满意")
    respond(books, "K1", 5, "满意")
    respond(books, "K1", 1, "不太满意")            # (4 + 5) / 10 = 90.00%: meets 90%
    campaign(books, "K2", "S2", issued=10, occupied=10)
    respond(books, "K2", 3, "非常满意")
    respond(books, "K2", 5, "满意")
    respond(books, "K2", 1, "很不满意")            # (3 + 5) / 9 = 88.9%: misses
    m = books.compute("2026-10", "2026-11-05 00:00")
    s1 = m.row("survey.satisfaction", "S1")
    assert (s1.numerator, s1.denominator, s1.value, s1.target, s1.meets_target) == (9, 10, 0.9, 0.9, True)
    s2 = m.row("survey.satisfaction", "S2")
    assert (s2.numerator, s2.denominator, s2.meets_target) == (8, 9, False)
    assert s2.value == pytest.approx(8 / 9)


def test_dimension_satisfaction_is_over_the_returned_questionnaires_of_the_campaigns_asking_it(books):
    books.site("S1")
    campaign(books, "K1", "S1", issued=4, occupied=4)
    respond(books, "K1", 1, 清洁="非常满意", 绿化="满意")
    respond(books, "K1", 1, 清洁="满意")                     # 绿化 left blank
    respond(books, "K1", 1, 清洁="不太满意", 绿化="满意")
    respond(books, "K1", 1)                                  # no dimension answered
    campaign(books, "K2", "S1", issued=2, occupied=2)        # asks 清洁 only
    respond(books, "K2", 2, 清洁="满意")
    m = books.compute("2026-10", "2026-11-05 00:00")
    # 分项满意问卷数量 ÷ 回收数量 (003 篇2 §4.4(5)). 清洁: both campaigns ask it, 6 returned;
    # satisfied K1 2 + K2 2 = 4 → 4/6 < 90%. A blank answer counts as not satisfied.
    clean = m.row("survey.dimension_satisfaction.清洁", "S1")
    assert (clean.numerator, clean.denominator, clean.target, clean.meets_target) == (4, 6, 0.9, False)
    assert clean.value == pytest.approx(4 / 6)
    # 绿化: only K1 asks it (4 returned), 2 satisfied → 2/4; K2's questionnaires are not in it
    green = m.row("survey.dimension_satisfaction.绿化", "S1")
    assert (green.numerator, green.denominator, green.value, green.meets_target) == (2, 4, 0.5, False)
    blanks = [e for e in m.evidence("survey.dimension_satisfaction.绿化", "S1", "miss") if "未作答" in e[4]]
    assert len(blanks) == 2  # the 2nd and 4th questionnaires of K1
    # 治安: no campaign asks it → no data
    security = m.row("survey.dimension_satisfaction.治安", "S1")
    assert (security.value, security.denominator, security.meets_target) == (None, 0, None)
    # overall: all 6 answered 满意 → 6/6
    assert m.row("survey.satisfaction", "S1").denominator == 6


def test_penalty_points_floor_of_shortfall_over_5_points(books):
    cases = {
        # site: (issued, returned, expected points); regular target 80%
        "S1": (10, 7, 2),          # 70.00%: shortfall exactly 10 points → floor(10/5) = 2
        "S2": (10000, 7001, 1),    # 70.01%: shortfall 9.99 points → floor(1.998) = 1
        "S3": (25, 19, 0),         # 76.00%: shortfall 4 points → floor(0.8) = 0
        "S4": (10, 8, 0),          # 80.00%: target met → 0
        "S5": (20, 9, 7),          # 45.00%: shortfall 35 points → floor(7) = 7
    }
    for site, (issued, returned, _) in cases.items():
        books.site(site)
        campaign(books, f"K{site}", site, issued=issued, occupied=issued)
        respond(books, f"K{site}", returned)
    m = books.compute("2026-10", "2026-11-05 00:00")
    for site, (_, _, points) in cases.items():
        assert m.row("survey.penalty_points", site).value == points, site


def test_the_penalty_arithmetic_is_stored_step_by_step_for_the_report(books):
    books.site("S1")
    # issued 10000, returned 7001: 70.01% against 80% → 9.99 points short, floor(9.99 / 5) = 1;
    # all 7001 satisfied: 700100 points less 1 per answer = 693099
    campaign(books, "K1", "S1", issued=10000, occupied=10000)
    respond(books, "K1", 7001, "满意")
    m = books.compute("2026-10", "2026-11-05 00:00")
    rows = books.conn.execute(
        """select returned, issued, return_target, shortfall_points, step_points, penalty, answered, adjusted_points
           from penalties where run_id = ? and site_id = 'S1'""", [m.run_id]).fetchall()
    assert rows == [(7001, 10000, 0.8, Decimal("9.99"), 5, 1, 7001, 693099)]


def test_satisfaction_adjusted_subtracts_points_not_below_zero(books):
    books.site("S1")
    books.site("S2")
    books.site("S3")
    # S1: return 25/36 = 69.44%, shortfall 10.56 points → 2 points;
    # satisfaction 23/25 = 92% → adjusted 92% − 2% = 90.00%: meets 90% exactly
    campaign(books, "K1", "S1", issued=36, occupied=36)
    respond(books, "K1", 23, "满意")
    respond(books, "K1", 2, "不太满意")
    # S2: same return (2 points); satisfaction 22/25 = 88% → adjusted 86%: missed
    campaign(books, "K2", "S2", issued=36, occupied=36)
    respond(books, "K2", 22, "满意")
    respond(books, "K2", 3, "不太满意")
    # S3: return 10/100 = 10%, shortfall 70 points → 14 points;
    # satisfaction 1/10 = 10% → 10% − 14% = −4% → 0
    campaign(books, "K3", "S3", issued=100, occupied=100)
    respond(books, "K3", 1, "非常满意")
    respond(books, "K3", 9, "很不满意")
    m = books.compute("2026-10", "2026-11-05 00:00")
    assert m.row("survey.penalty_points", "S1").value == 2
    s1 = m.row("survey.satisfaction_adjusted", "S1")
    assert s1.value == pytest.approx(0.90)
    assert (s1.target, s1.meets_target) == (0.9, True)
    s2 = m.row("survey.satisfaction_adjusted", "S2")
    assert s2.value == pytest.approx(0.86)
    assert s2.meets_target is False
    assert m.row("survey.penalty_points", "S3").value == 14
    s3 = m.row("survey.satisfaction_adjusted", "S3")
    assert (s3.value, s3.meets_target) == (0, False)
    assert m.row("survey.satisfaction", "S3").value == pytest.approx(0.1)   # unadjusted is unchanged


def test_campaign_belongs_to_month_it_ended(books):
    books.site("S1")
    campaign(books, "K1", "S1", issued=10, occupied=20, started="2026-09-20", ended="2026-10-02")  # October
    respond(books, "K1", 5)
    campaign(books, "K2", "S1", issued=30, occupied=30, started="2026-09-01", ended="2026-09-30")  # September
    respond(books, "K2", 30)
    campaign(books, "K3", "S1", issued=40, occupied=40, started="2026-10-25", ended="2026-11-03")  # November
    respond(books, "K3", 40)
    m = books.compute("2026-10", "2026-11-30 00:00")
    issue = m.row("survey.issue_rate", "S1")
    assert (issue.numerator, issue.denominator, issue.value) == (10, 20, 0.5)   # K1 only
    ret = m.row("survey.return_rate", "S1")
    assert (ret.numerator, ret.denominator, ret.value) == (5, 10, 0.5)
    sept = books.compute("2026-09", "2026-11-30 00:00").row("survey.return_rate", "S1")
    assert (sept.numerator, sept.denominator) == (30, 30)                         # K2 only


def test_two_campaigns_in_a_month_pool_under_strictest_targets(books):
    books.site("S1")
    campaign(books, "KR", "S1", "regular", occupied=60, issued=60, ended="2026-10-10")
    respond(books, "KR", 50, "满意")
    campaign(books, "KO", "S1", "office", occupied=45, issued=40, ended="2026-10-25")
    respond(books, "KO", 30, "满意")
    respond(books, "KO", 4, "不太满意")
    m = books.compute("2026-10", "2026-11-05 00:00")
    # issue (60 + 40) / (60 + 45) = 100/105 = 95.2%; strictest issue target 100% (office): missed
    issue = m.row("survey.issue_rate", "S1")
    assert (issue.numerator, issue.denominator, issue.target, issue.meets_target) == (100, 105, 1.0, False)
    # return (50 + 34) / 100 = 84%; strictest return target 90% (office, not regular 80%): missed
    ret = m.row("survey.return_rate", "S1")
    assert (ret.numerator, ret.denominator, ret.target, ret.meets_target) == (84, 100, 0.9, False)
    assert ret.value == pytest.approx(0.84)
    # penalty under 90%: shortfall 6 points → 1 (under 80% it would be 0)
    assert m.row("survey.penalty_points", "S1").value == 1
    # satisfaction (50 + 30) / 84 = 95.2%; adjusted 95.24% − 1% = 94.24%
    sat = m.row("survey.satisfaction", "S1")
    assert (sat.numerator, sat.denominator) == (80, 84)
    assert m.row("survey.satisfaction_adjusted", "S1").value == pytest.approx(80 / 84 - 0.01)


def test_site_without_campaign_has_empty_rows_and_company_pools(books):
    books.site("S1")
    books.site("S2", "office")
    books.site("S3")
    books.site("S4", "sales")
    campaign(books, "K1", "S1", "regular", occupied=100, issued=95)
    respond(books, "K1", 80, "满意", 清洁="满意")
    respond(books, "K1", 10, "很不满意", 清洁="不太满意")
    campaign(books, "K2", "S2", "office", occupied=50, issued=50)
    respond(books, "K2", 40, "非常满意", 清洁="满意")
    m = books.compute("2026-10", "2026-11-05 00:00")
    # S3 has no campaign this month: rows exist, with no value
    for metric in SURVEY_METRICS + ["survey.penalty_points"]:
        row = m.row(metric, "S3")
        assert (row.value, row.meets_target) == (None, None), metric
    assert not any(metric.startswith("survey.") for metric in m.metrics_of("S4"))
    # company pools: issue (95 + 50) / (100 + 50) = 145/150; return (90 + 40) / (95 + 50) = 130/145;
    # satisfaction (80 + 40) / (90 + 40) = 120/130 (the mean of site rates 80/90 and 1.0 would be 0.944)
    pooled = {"survey.issue_rate": (145, 150), "survey.return_rate": (130, 145),
              "survey.satisfaction": (120, 130), "survey.dimension_satisfaction.清洁": (120, 130)}
    for metric, (num, den) in pooled.items():
        row = m.row(metric, None)
        assert (row.numerator, row.denominator) == (num, den), metric
        assert row.value == pytest.approx(num / den), metric


def test_company_rows_pool_what_each_site_needs(books):
    # two regular sites each return 82 of 100 (target 80%: met) and an office site 9 of 10 (target 90%: met)
    books.site("A")
    books.site("B")
    books.site("C", "office")
    campaign(books, "QA", "A", "regular", issued=100)
    respond(books, "QA", 82)
    campaign(books, "QB", "B", "regular", issued=100)
    respond(books, "QB", 82)
    campaign(books, "QC", "C", "office", occupied=10, issued=10)
    respond(books, "QC", 9)
    m = books.compute("2026-10", "2026-11-05 00:00")
    company = m.row("survey.return_rate", None)
    # pooled: 173 / 210; what the sites need, pooled: 0.8×100 + 0.8×100 + 0.9×10 = 169 → met
    assert (company.numerator, company.denominator, company.meets_target) == (173, 210, True)
    assert company.target == pytest.approx(169 / 210)


def test_company_adjusted_satisfaction_pools_the_sites_adjusted_numbers(books):
    books.site("A")
    books.site("B")
    campaign(books, "QA", "A", "regular", issued=100)
    respond(books, "QA", 70, overall="非常满意")   # return 70% vs 80%: 10 points short → 2 points off
    campaign(books, "QB", "B", "regular", issued=100)
    respond(books, "QB", 90, overall="满意")       # return 90%: no penalty
    m = books.compute("2026-10", "2026-11-05 00:00")
    a = m.row("survey.satisfaction_adjusted", "A")
    # A: 70/70 = 100% − 2 points = 98% → numerator 70 − 2 × 70 / 100 = 68.6
    assert (a.numerator, a.denominator, a.value) == (pytest.approx(68.6), 70, pytest.approx(0.98))
    company = m.row("survey.satisfaction_adjusted", None)
    # pooled from the sites: (68.6 + 90) / (70 + 90) = 158.6 / 160
    assert (company.numerator, company.denominator) == (pytest.approx(158.6), 160)
    assert company.value == pytest.approx(158.6 / 160)
    penalty = m.row("survey.penalty_points", None)
    # the sites' points weighted by their answers: (2 × 70 + 0 × 90) / 160 = 0.875
    assert (penalty.numerator, penalty.denominator, penalty.value) == (140, 160, pytest.approx(0.875))
