"""The `kpi` command as a user meets it."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()


def test_every_command_has_help_with_an_example():
    for command in ("ingest", "demo-data", "metrics", "run", "report", "worklist"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, result.output
        assert "Example" in result.output


def test_ingest_prints_the_reconciliation_per_file(raw):
    raw.write("repairs", "oct.csv", "维修单号,项目编号,报修时间,维修类别,是否急修\nT1,S1,2026-10-05,水电,否\nT2,S9,2026-10-05,水电,否\n")
    result = runner.invoke(
        app, ["ingest", "--raw", str(raw.root), "--warehouse", str(raw.db_path)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    repairs_line = next(line for line in result.stdout.splitlines() if "repairs/oct.csv" in line)
    assert re.findall(r"\d+", repairs_line.split("oct.csv")[1])[:4] == ["2", "1", "1", "0"]


def test_ingest_without_a_raw_folder_says_so(tmp_path):
    result = runner.invoke(app, ["ingest", "--raw", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert "找不到导出文件夹" in result.output


CONTRACT_KEYS = {"metric", "site_id", "period", "value", "numerator", "denominator", "target", "meets_target", "unit"}
EXTRA_KEYS = {"in_progress"}  # contract §3: more fields may follow


def test_run_writes_metrics_json_in_the_contract_shape(raw, tmp_path):
    import json

    raw.write("repairs", "oct.csv", "维修单号,项目编号,报修时间,维修类别,是否急修,完成时间,回访时间\n"
              "T1,S1,2026-10-05 08:00,水电,否,2026-10-05 12:00,2026-10-06 09:00\n"
              "T2,S1,2026-10-06 08:00,水电,否,2026-10-06 12:00,\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path), "--month", "2026-10",
                                 "--as-of", "2026-11-05T06:00", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads((out / "2026-10" / "metrics.json").read_text(encoding="utf-8"))
    assert all(set(r) == CONTRACT_KEYS | EXTRA_KEYS for r in rows)
    # as of 11-05 October and all its weeks (the last, W44, ended Sunday 11-01) are over
    assert not any(r["in_progress"] for r in rows if r["period"] != "2026-Q4")
    monthly = next(r for r in rows if r["metric"] == "repair.callback_rate" and r["site_id"] == "S1")
    # T1 called back, T2 not (its 7-day deadline passed by 11-05): 1 of 2
    assert monthly == {"metric": "repair.callback_rate", "site_id": "S1", "period": "2026-10", "value": 0.5,
                       "numerator": 1, "denominator": 2, "target": 1, "meets_target": False, "unit": "rate",
                       "in_progress": False}
    company = [r for r in rows if r["metric"] == "repair.callback_rate" and r["site_id"] is None]
    assert len(company) == 1


def test_run_with_a_bad_month_exits_with_a_reason(raw, tmp_path):
    result = runner.invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path), "--month", "2026-13"])
    assert result.exit_code == 2
    assert "时间参数无效" in result.output


def test_metrics_prints_a_sites_kpis_against_target(raw):
    raw.write("calls", "c.csv", "通话编号,项目编号,来电时间,呼叫方向,号码,振铃次数,是否接通\n"
              "C1,S1,2026-10-01 08:00,呼入,13800000001,2,是\nC2,S1,2026-10-01 09:00,呼入,13800000002,5,是\n")
    runner.invoke(app, ["ingest", "--raw", str(raw.root), "--warehouse", str(raw.db_path)])
    result = runner.invoke(app, ["metrics", "--month", "2026-10", "--site", "S1", "--as-of", "2026-11-05T00:00",
                                 "--warehouse", str(raw.db_path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "三声内接听率" in x)
    assert "50.00%" in line and "1/2" in line and "未达标" in line


@pytest.mark.parametrize("args", [["--month", "2026-1"], ["--month", "2026-13"], ["--lang", "fr"]])
def test_run_refuses_a_bad_month_or_language_before_doing_anything(raw, tmp_path, args):
    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2
    assert not raw.db_path.exists() and not (tmp_path / "out").exists()
