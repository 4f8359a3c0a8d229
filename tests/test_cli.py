"""The `kpi` command as a user meets it."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from pipelines.cli import app

runner = CliRunner()


def test_every_command_has_help_with_an_example():
    for command in ("ingest", "demo-data"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, result.output
        assert "Example" in result.output


def test_ingest_prints_the_reconciliation_per_file(raw):
    raw.write("repairs", "oct.csv", "维修单号,项目编号,报修时间,维修类别,是否急修\nT1,S1,2026-10-05,水电,否\nT2,S9,2026-10-05,水电,否\n")
    result = runner.invoke(
        app, ["ingest", "--raw", str(raw.root), "--warehouse", str(raw.db_path)], terminal_width=200
    )
    assert result.exit_code == 0, result.output
    repairs_line = next(line for line in result.output.splitlines() if "repairs/oct.csv" in line)
    assert re.findall(r"\d+", repairs_line.split("oct.csv")[1])[:4] == ["2", "1", "1", "0"]


def test_ingest_without_a_raw_folder_says_so(tmp_path):
    result = runner.invoke(app, ["ingest", "--raw", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert "找不到导出文件夹" in result.output
