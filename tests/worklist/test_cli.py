"""`kpi worklist` as the desk meets it: --date means as known at that day's 00:00, --as-of wins."""

from __future__ import annotations

from python_calamine import CalamineWorkbook
from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()
REPAIRS = ("维修单号,项目编号,房号,报修时间,维修类别,是否急修,完成时间,回访时间\n"
           "T1,S1,1-101,2026-10-12 08:00,门窗,否,2026-10-12 10:00,\n"          # callback due 10-19 10:00
           "T2,S1,1-102,2026-10-14 08:00,门窗,否,2026-10-15 09:00,\n"          # completed on the 15th, 09:00
           "T3,S2,8-801,2026-10-14 20:00,门窗,否,,\n")                          # unfinished


def run(raw, tmp_path, *extra):
    raw.write("repairs", "oct.csv", REPAIRS)
    raw.ingest()
    out = tmp_path / "out"
    result = runner.invoke(app, ["worklist", "--warehouse", str(raw.db_path), "--out", str(out), *extra],
                           terminal_width=200)
    assert result.exit_code == 0, result.output
    return out, result.output


def sheet(out, day: str, name: str, stem: str = "worklist") -> list[list]:
    book = CalamineWorkbook.from_path(str(out / "daily" / day / f"{stem}.xlsx"))
    return book.get_sheet_by_name(name).to_python()[1:]


def test_date_alone_is_as_known_at_its_midnight(raw, tmp_path):
    out, said = run(raw, tmp_path, "--date", "2026-10-15")
    assert "截至 2026-10-15 00:00" in said
    # at 00:00 T2 is not completed yet: unfinished beside T3; only T1 awaits its callback, due
    # 10-19 10:00: 4 days 10 h = 106 h away
    assert [r[3] for r in sheet(out, "2026-10-15", "未完成维修")] == ["T2", "T3"]
    assert [(r[3], r[8]) for r in sheet(out, "2026-10-15", "维修待回访")] == [("T1", 106)]


def test_as_of_wins_over_midnight_and_site_narrows(raw, tmp_path):
    out, said = run(raw, tmp_path, "--date", "2026-10-15", "--as-of", "2026-10-15T17:00", "--site", "S1")
    assert "截至 2026-10-15 17:00" in said
    # by 17:00 T1 is 106 − 17 = 89 h from its deadline; T2 is completed (its 168 h run to
    # 10-22 09:00, 160 h away); T3 is S2's, not shown
    assert [(r[3], r[8]) for r in sheet(out, "2026-10-15", "维修待回访", "worklist-S1")] == [
        ("T1", 89), ("T2", 160)]
    assert [r[0] for r in sheet(out, "2026-10-15", "未完成维修", "worklist-S1")] == ["没有此类待办"]


def test_worklist_without_a_warehouse_says_which_command_makes_it(tmp_path):
    result = runner.invoke(app, ["worklist", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "找不到数据仓库" in result.output


def test_a_date_that_is_no_date_exits_2_saying_so(tmp_path):
    result = runner.invoke(app, ["worklist", "--date", "2026-10-32", "--warehouse", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2 and "时间参数无效" in result.output
