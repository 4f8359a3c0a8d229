"""Sections built from hand-made metric rows: the penalty arithmetic, the 案场 league, deltas."""

from __future__ import annotations

from decimal import Decimal

from pipelines.report import formatting as fmt
from pipelines.report.context import labels
from pipelines.report.data import MetricRow, Penalty, RunData, Site
from pipelines.report.sections.sales import sales_league
from pipelines.report.sections.surveys import penalty_arithmetic
from pipelines.rules import resolve, sentences

RULES = {"surveys": {"penalty_step_points": 5}}
# the rules as a run stores them (run_rules): the defaults, with their sentences
STORED = {r["key"]: r for r in sentences(resolve(), "zh")}


def steps(shortfall: str, penalty: int, step: int = 5) -> Penalty:
    """The penalty row a run stores: shortfall in exact points (0 when met), the step, the points off."""
    return Penalty(Decimal(shortfall), step, penalty)


def row(metric, site, value, target=None, meets=None, unit="rate", period="2026-10", flags=()):
    return MetricRow(metric, site, period, value, None, None, target, meets, unit, 0, tuple(flags))


def run_with(*rows) -> RunData:
    run = RunData("r1", "2026-10", None, None, "completed", {"rules": RULES})
    for r in rows:
        run.rows[(r.metric, r.site_id, r.period)] = r
    return run


def survey(site, ret, target, points, sat, adj):
    return [row("survey.return_rate", site, ret, target, ret >= target),
            row("survey.penalty_points", site, points, unit="points"),
            row("survey.satisfaction", site, sat, 0.9, sat >= 0.9),
            row("survey.satisfaction_adjusted", site, adj, 0.9, adj >= 0.9)]


def test_penalty_arithmetic_is_spelled_out():
    run = run_with(*survey("S1", 0.72, 0.80, 1, 0.91, 0.90))
    assert penalty_arithmetic(run, "S1", steps("8", 1), labels("zh")) == (
        "回收率 72.0% < 目标 80% → 差 8.0 个百分点 → 扣 1 分 → 满意率 91.0% − 1 = 90.0%")


def test_penalty_arithmetic_when_met_or_short_by_less_than_a_step():
    met = run_with(*survey("S1", 0.832, 0.80, 0, 0.914, 0.914))
    assert penalty_arithmetic(met, "S1", steps("0", 0), labels("zh")) == "回收率 83.2% ≥ 目标 80% → 不扣分 → 满意率 91.4%"
    short = run_with(*survey("S1", 0.77, 0.80, 0, 0.95, 0.95))
    assert "差 3.0 个百分点，不足 5 个百分点 → 不扣分" in penalty_arithmetic(short, "S1", steps("3", 0), labels("zh"))


def test_penalty_shortfall_shows_enough_decimals_to_be_true():
    # 9.996 points short is 1 point off; "差 10.0" would suggest 2
    run = run_with(*survey("S1", 0.70004, 0.80, 1, 0.95, 0.94))
    assert "差 9.996 个百分点 → 扣 1 分" in penalty_arithmetic(run, "S1", steps("9.996", 1), labels("zh"))


def test_no_survey_says_so():
    assert penalty_arithmetic(run_with(), "S1", None, labels("zh")) == labels("zh")["no_survey"]


def test_sales_league_ranks_reference_and_exempt():
    parts = ["completeness", "timeliness", "accuracy", "phone_survey", "bonus"]
    rows = []
    for site, scores, total, flags in (("S1", [5, 4, 2, 3, 0], 14, ()), ("S2", [5, 5, 2, 3, 1], 16, ()),
                                       ("S3", [5, 4, 2, 3, 0], 14, ()), ("S4", [5, 5, 2, 3, 1], 16, ("reference",))):
        rows += [row(f"sales.{p}_score", site, v, unit="points", flags=flags) for p, v in zip(parts, scores)]
        rows.append(row("sales.total_score", site, total, unit="points", flags=flags))
    sites = [Site(s, f"案场{s}", "sales", None) for s in ("S1", "S2", "S3", "S4", "S5")]
    league = sales_league(run_with(*rows), sites, {"S5": "台风停业"}, STORED, labels("zh"))
    ranked = [(r["site_id"], r.get("rank")) for r in league["rows"]]
    assert ranked == [("S2", 1), ("S1", 2), ("S3", 2), ("S4", None)]  # ties share a rank; reference last, unranked
    assert league["rows"][-1]["reference"] and "开业当月，仅作参考" in league["rows"][-1]["notes"]
    assert league["exempt"] == [{"site": "S5 案场S5", "reason": "台风停业"}]


def test_formatting():
    assert fmt.value(0.8, "rate", "无数据") == "80.0%"
    assert fmt.value(None, "rate", "无数据") == "无数据"
    assert fmt.value(1240.0, "count", "") == "1,240"
    assert fmt.value(4.5, "points", "") == "4.5" and fmt.value(5.0, "points", "") == "5"
    assert fmt.target(0.8, "rate") == "80%" and fmt.target(1.0, "rate") == "100%"
    words = labels("zh")
    assert fmt.delta(0.80, 0.75, "rate", "complaint.handling_rate", words) == {"text": "▲ 5.0 个百分点",
                                                                             "trend": "better"}
    assert fmt.delta(12, 10, "count", "complaint.count", words)["trend"] == "worse"
    assert fmt.delta(0.5, 0.5, "rate", "x", words)["trend"] == "same"


def test_the_company_line_tells_one_story_with_the_sites_points_weighted():
    # the company's pooled return rate meets its pooled target, yet its sites lost points: the
    # company line says the points come from the sites (never 「不扣分」 beside a penalty of 0.3)
    run = run_with(*survey(None, 0.832, 0.8008, 0.3, 0.914, 0.911))
    line = penalty_arithmetic(run, None, None, labels("zh"))
    assert line == ("回收率 83.2%，目标 80.08%（各项目目标按发放数加权）；扣分 0.3 分（各项目扣分按回收问卷数加权，"
                    "不按全公司回收率另算）→ 满意率 91.4% − 0.3 = 91.1%")
    assert "不扣分" not in line


def test_the_headline_shows_penalty_points_without_a_ratio(demo_html):
    import re

    row = re.search(r'<tr data-metric="survey.penalty_points">(.*?)</tr>', demo_html, re.S).group(1)
    assert '<td class="num ratio"></td>' in row


def test_a_pending_sales_part_shows_as_pending_and_the_site_is_not_ranked():
    pending = MetricRow("sales.completeness_score", "A1", "2026-10", None, None, None, None, None, "points", 1, ())
    total = MetricRow("sales.total_score", "A1", "2026-10", None, None, None, None, None, "points", 1, ())
    run = run_with(pending, total)
    league = sales_league(run, [], {}, STORED, labels("zh"))
    (site,) = league["rows"]
    assert site["parts"][0]["text"] == "待定" and site["rank"] is None
