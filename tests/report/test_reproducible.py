"""`kpi report --run <id>` renders what that run stored, however much was loaded after it: the
same page (apart from 生成于, the time of rendering) and the same workbook, byte for byte."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from pipelines import demo, metrics, run_view, warehouse
from pipelines.ingest import ingest
from pipelines.ingest.headers import HeaderMatcher
from pipelines.report import render_report
from schemas.declarations import datasets
from tests.report.conftest import RULES

AS_OF = dt.datetime(2026, 11, 5, 6, 0)


@pytest.fixture
def demo_books(tmp_path):
    """Two months of demo exports and an open warehouse: (connection, raw folder)."""
    raw = tmp_path / "raw"
    demo.generate(raw, sites=4, months=["2026-09", "2026-10"])
    conn = warehouse.connect(tmp_path / "w.duckdb")
    try:
        yield conn, raw
    finally:
        conn.close()


def a_run(conn, raw, month: str = "2026-10", rules: dict = RULES) -> str:
    run_id = warehouse.start_run(conn, "run", {"rules": {}}, AS_OF)
    ingest(conn, raw, run_id, HeaderMatcher(datasets(), {}))
    metrics.compute(conn, month, AS_OF, rules, run_id)
    run_view.store(conn, run_id, month, AS_OF, rules)
    warehouse.finish_run(conn, run_id, "completed")
    return run_id


def rendered(conn, run_id: str, out) -> dict[str, bytes]:
    paths = render_report(conn, run_id, "2026-10", out)
    return {p.name: p.read_bytes() for p in paths if p.suffix in (".html", ".xlsx", ".csv")}


def without_generated(page: bytes) -> str:
    return re.sub(r"生成于 [0-9-]+ [0-9:]+", "生成于 …", page.decode("utf-8"))


def test_an_earlier_run_renders_the_same_after_more_exports_arrive(demo_books, tmp_path):
    conn, raw = demo_books
    first = a_run(conn, raw)
    before = rendered(conn, first, tmp_path / "before")
    # a site opens, calls and a quarantined row arrive, a rule changes: a second run sees them all
    (raw / "sites" / "more.csv").write_text("项目编号,项目名称,项目类型\nS900,新开楼盘,住宅\n", encoding="utf-8")
    (raw / "calls" / "late.csv").write_text(
        "通话编号,项目编号,来电时间,呼叫方向,联系电话,是否接通\n"
        "LATE1,S900,2026-10-30 09:00,呼入,13800000009,是\nLATE2,S900,not a time,呼入,13800000008,是\n",
        encoding="utf-8")
    second = a_run(conn, raw)
    after = rendered(conn, first, tmp_path / "after")
    newest = rendered(conn, second, tmp_path / "newest")
    assert without_generated(after["report.html"]) == without_generated(before["report.html"])
    assert after["evidence.xlsx"] == before["evidence.xlsx"]
    assert after["evidence.csv"] == before["evidence.csv"]
    # and the newer run does show what arrived: the new site and file
    assert "S900" in newest["report.html"].decode() and "S900" not in before["report.html"].decode()
    assert "calls/late.csv" in newest["report.html"].decode() and "calls/late.csv" not in before["report.html"].decode()


def test_an_earlier_report_compares_with_last_month_as_it_stood_then(demo_books, tmp_path):
    """A later run of September (here: the rule changed, so its figures did) does not rewrite the
    上月 column of an October report made before it."""
    from pipelines.rules import resolve

    conn, raw = demo_books

    def september_answered(run_id: str) -> float:
        return conn.execute("select value from metrics where run_id = ? and metric = 'call.answer_3_rings_rate' "
                            "and site_id is null", [run_id]).fetchall()[0][0]

    first_september = a_run(conn, raw, "2026-09")
    october = a_run(conn, raw)
    before = rendered(conn, october, tmp_path / "before")
    second_september = a_run(conn, raw, "2026-09", resolve({"calls": {"max_rings": 1}}))
    after = rendered(conn, october, tmp_path / "after")
    changed = september_answered(second_september) != september_answered(first_september)
    assert changed  # the later September run says something else
    assert without_generated(after["report.html"]) == without_generated(before["report.html"])


def test_a_run_made_before_a_rule_was_declared_still_renders_with_what_it_recorded(demo_books, tmp_path):
    """An older run's run_rules lacks a rule declared since: the report states it with the value
    the run recorded in its settings (here a vital share of 70%), or the default when it has none."""
    from pipelines.report import data

    conn, raw = demo_books
    run_id = a_run(conn, raw)
    conn.execute("delete from run_rules where run_id = ? and key in ('pareto.vital_share', 'calls.max_rings')",
                 [run_id])
    conn.execute("""update runs set settings = '{"rules": {"pareto": {"vital_share": "0.70"}}}'
                    where run_id = ?""", [run_id])
    stated = data.rules(conn, run_id, "zh")
    page = rendered(conn, run_id, tmp_path / "old")["report.html"].decode()
    assert stated["pareto.vital_share"]["value"] == "0.70" and "70%" in stated["pareto.vital_share"]["sentence"]
    assert stated["calls.max_rings"]["value"] == 3  # recorded nothing: the default, 3 rings
    assert "红色虚线为 70%" in page


def test_a_run_made_before_penalty_steps_were_stored_still_spells_its_penalty_out(demo_books):
    from pipelines.report import data
    from pipelines.report.sections import surveys

    conn, raw = demo_books
    run_id = a_run(conn, raw)
    run = data.load_run(conn, run_id, "2026-10")
    stored = data.penalties(conn, run_id, "2026-10")
    conn.execute("delete from penalties where run_id = ?", [run_id])  # as an older run has none
    rebuilt = surveys._steps_of_an_older_run(run, data.rules(conn, run_id, "zh"))
    assert stored and set(rebuilt) == set(stored)
    for site, steps in stored.items():  # the same points off, the same shortfall to the hundredth
        assert rebuilt[site].penalty == (steps.penalty or 0), site
        assert abs(rebuilt[site].shortfall_points - steps.shortfall_points) < Decimal("0.01"), site
