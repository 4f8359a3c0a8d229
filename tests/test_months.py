"""Which month a run reports, and how a month still running is shown (issue 9).

Without --month a run reports the latest month that has ended at as-of and has data;
`--month current` gives the month to date, which says so and never shows a running week red.
"""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from pipelines import jobs, warehouse
from pipelines.cli import app

runner = CliRunner()
REPAIRS = "维修单号,项目编号,报修时间,维修类别,是否急修,完成时间,回访时间\n"
CALLS = "通话编号,项目编号,来电时间,呼叫方向,号码,振铃次数,是否接通\n"


def chosen(raw, month, as_of: str) -> str:
    conn = warehouse.connect(raw.db_path)
    try:
        return jobs.choose_month(conn, month, dt.datetime.fromisoformat(as_of))
    finally:
        conn.close()


def test_without_a_month_the_latest_ended_month_with_data_is_reported(raw):
    raw.write("calls", "c.csv", CALLS + "C1,S1,2026-09-10 08:00,呼入,138,1,是\nC2,S1,2026-10-10 08:00,呼入,138,1,是\n"
              "C3,S1,2026-11-20 08:00,呼入,138,1,是\n")
    raw.ingest()
    assert chosen(raw, None, "2026-12-02T12:00") == "2026-11"  # December has no data and has not ended
    # on 11-15 November has not ended (C3 is not yet known either): October, the latest ended month
    assert chosen(raw, None, "2026-11-15T00:00") == "2026-10"
    # a month ends at midnight: at 12-01 00:00 November has ended
    assert chosen(raw, None, "2026-12-01T00:00") == "2026-11"
    assert chosen(raw, None, "2026-11-30T23:59") == "2026-10"
    # months with no data are skipped: as of 2027-03 the latest ended month with data is still November
    assert chosen(raw, None, "2027-03-10T00:00") == "2026-11"
    assert chosen(raw, "current", "2026-12-02T12:00") == "2026-12"
    assert chosen(raw, "2026-09", "2026-12-02T12:00") == "2026-09"


def test_with_no_dated_data_at_all_the_running_month_is_reported(raw):
    raw.ingest()  # sites only: reference data, undated
    assert chosen(raw, None, "2026-12-02T12:00") == "2026-12"


def test_the_month_to_date_says_so_and_a_running_week_is_pending_not_missed(raw, tmp_path):
    # as of Wed 12-02 12:00. T1 (urgent, done 12-01 08:00, no callback): its 24 h deadline passed
    # at 12-02 08:00, a real miss of the monthly on-time rate so far. T2 called back. Both are in
    # ISO week 2026-W49 (Mon 11-30 – Sun 12-06), which is still running: 1 of 2 called back is
    # below 80%, yet the week is not judged.
    raw.write("repairs", "dec.csv", REPAIRS + "T1,S1,2026-12-01 07:00,水电,是,2026-12-01 08:00,\n"
              "T2,S1,2026-12-01 07:00,水电,否,2026-12-01 09:00,2026-12-01 10:00\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path), "--month", "current",
                                 "--as-of", "2026-12-02T12:00", "--out", str(out)], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "2026-12 月中报告：截至 12 月 2 日" in result.output
    rows = json.loads((out / "2026-12" / "metrics.json").read_text(encoding="utf-8"))
    week = next(r for r in rows if r["metric"] == "repair.callback_rate_weekly" and r["site_id"] == "S1"
                and r["period"] == "2026-W49")
    assert (week["numerator"], week["denominator"], week["meets_target"], week["in_progress"]) == (1, 2, None, True)
    on_time = next(r for r in rows if r["metric"] == "repair.callback_on_time_rate" and r["site_id"] == "S1")
    # T1 late (deadline passed, no callback), T2 on time: 1 of 2 so far, the month still running
    assert (on_time["numerator"], on_time["denominator"], on_time["meets_target"], on_time["in_progress"]) == (
        1, 2, False, True)
    page = (out / "2026-12" / "report.html").read_text(encoding="utf-8")
    body = page.split("<body>", 1)[1]
    assert body.lstrip().startswith('<p class="mid-month"><strong>月中报告：截至 12 月 2 日</strong>')
    assert "暂未达标" in page
    assert 'class="num miss' not in page and "pill miss" not in page  # nothing red in a month to date


def test_run_twice_without_a_month_reports_the_same_ended_month(raw, tmp_path):
    raw.write("calls", "c.csv", CALLS + "C1,S1,2026-10-10 08:00,呼入,138,1,是\nC2,S1,2026-11-10 08:00,呼入,138,5,是\n")
    args = ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path), "--as-of", "2026-12-02T12:00",
            "--out", str(tmp_path / "out")]
    for _ in range(2):
        result = runner.invoke(app, args, terminal_width=200)
        assert result.exit_code == 0, result.output
        assert "2026-11：" in result.output and "月中" not in result.output
    rows = json.loads((tmp_path / "out" / "2026-11" / "metrics.json").read_text(encoding="utf-8"))
    company = next(r for r in rows if r["metric"] == "call.answer_3_rings_rate" and r["site_id"] is None)
    assert (company["numerator"], company["denominator"], company["in_progress"]) == (0, 1, False)  # C2: 5 rings
    assert not (tmp_path / "out" / "2026-12").exists()
