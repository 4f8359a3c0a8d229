"""上月 / 环比 / 近 12 个月 come from the warehouse, not from whichever runs happened (issue 9):
an earlier month with data and no stored result is computed once, as a `trend` run, and reused."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from pipelines.cli import app

CALLS = "通话编号,项目编号,来电时间,呼叫方向,号码,振铃次数,是否接通\n"
# September: C1 answered at 1 ring, C2 at 5 rings → 1 of 2 within 3 rings = 50.00%.
# October: C3 and C4 within 3 rings → 100.00%. Nothing in August or earlier.
SEP_OCT = CALLS + ("C1,S1,2026-09-10 08:00,呼入,13800000001,1,是\nC2,S2,2026-09-11 08:00,呼入,13800000002,5,是\n"
                   "C3,S1,2026-10-10 08:00,呼入,13800000003,1,是\nC4,S2,2026-10-11 08:00,呼入,13800000004,2,是\n")


def headline_cells(page: str, metric: str) -> list[str]:
    row = re.search(rf'<tr data-metric="{re.escape(metric)}">(.*?)</tr>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def test_the_first_run_shows_last_months_values_computed_from_the_data(raw, tmp_path):
    raw.write("calls", "calls.csv", SEP_OCT)
    args = ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path), "--month", "2026-10",
            "--as-of", "2026-11-05T06:00", "--out", str(tmp_path / "out")]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    page = (tmp_path / "out" / "2026-10" / "report.html").read_text(encoding="utf-8")
    value, _ratio, _target, _status, previous, change, _spark = headline_cells(page, "call.answer_3_rings_rate")
    assert (value, previous) == ("100.0%", "50.0%")
    assert "50" in change  # +50 points on September
    trend_runs = raw.rows("""select r.run_id, r.as_of, count(*) from runs r join metrics m using (run_id)
                             where r.command = 'trend' and m.metric = 'call.answer_3_rings_rate'
                               and m.site_id is null group by all""")
    assert len(trend_runs) == 1 and trend_runs[0][1].isoformat() == "2026-11-05T06:00:00"
    assert raw.rows("""select distinct m.month, m.value from metrics m join runs r using (run_id)
                       where r.command = 'trend' and m.metric = 'call.answer_3_rings_rate' and m.site_id is null""") == [
        ("2026-09", 0.5)]

    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    # September's stored result is reused: no second trend run; months without data get none
    assert raw.rows("select count(*) from runs where command = 'trend'") == [(1,)]
    page = (tmp_path / "out" / "2026-10" / "report.html").read_text(encoding="utf-8")
    assert headline_cells(page, "call.answer_3_rings_rate")[4] == "50.0%"
