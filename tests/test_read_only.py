"""Viewing commands read the warehouse and change nothing in it; they never take the writer lock,
so they run while another run writes."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from pipelines import warehouse
from pipelines.lock import writer_lock
from tests.faults import calls_for_october, run_october


def test_kpi_metrics_is_a_viewing_command_and_changes_nothing(raw, tmp_path, prefect_env):
    from pipelines.cli import app

    calls_for_october(raw)
    assert run_october(raw, tmp_path).exit_code == 0
    tables = ("runs", "metrics", "evidence", "pareto", "repair_categories")

    def counts():
        return [raw.rows(f"select count(*) from {t}")[0][0] for t in tables]

    before = counts()
    shown = CliRunner().invoke(app, ["metrics", "--warehouse", str(raw.db_path), "--month", "2026-10",
                                     "--as-of", "2026-11-20T00:00"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "三声内接听率" in shown.output
    assert counts() == before


def test_kpi_report_and_kpi_metrics_take_no_writer_lock_and_leave_the_warehouse_file_as_it_was(
    raw, tmp_path, prefect_env
):
    from pipelines.cli import app

    calls_for_october(raw)
    assert run_october(raw, tmp_path).exit_code == 0
    stored = raw.db_path.read_bytes()
    again = tmp_path / "again"
    with writer_lock(raw.db_path):  # as if a run were writing: a command that took the lock would exit 75
        report = CliRunner().invoke(app, ["report", "--warehouse", str(raw.db_path), "--month", "2026-10",
                                          "--out", str(again)], terminal_width=250)
        metrics = CliRunner().invoke(app, ["metrics", "--warehouse", str(raw.db_path), "--month", "2026-10",
                                           "--as-of", "2026-11-20T00:00"], terminal_width=200)
        missing = CliRunner().invoke(app, ["report", "--warehouse", str(raw.db_path), "--month", "2026-09",
                                           "--out", str(again)], terminal_width=200)
    assert report.exit_code == 0, report.output
    written = ["report.html", "report.pdf", "evidence.xlsx", "evidence.csv"]
    said = "".join(report.stdout.split())  # a long path may wrap
    assert said == "".join(f"→{again / '2026-10' / name}" for name in written)
    assert sorted(p.name for p in (again / "2026-10").iterdir()) == sorted(written)
    assert metrics.exit_code == 0, metrics.output
    assert "三声内接听率" in metrics.output
    assert missing.exit_code == 1
    assert "没有 2026-09 的指标：先运行 kpi run --month 2026-09" in missing.stderr
    assert raw.db_path.read_bytes() == stored  # not a byte written, not even a checkpoint


HOLD_READ_WRITE = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(120)"


def test_kpi_report_while_a_run_has_the_warehouse_open_exits_75_naming_it(raw):
    from pipelines.cli import app

    warehouse.connect(raw.db_path).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_READ_WRITE, str(raw.db_path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        refused = CliRunner().invoke(app, ["report", "--warehouse", str(raw.db_path), "--month", "2026-10"])
    finally:
        holder.kill()
        holder.wait()
    assert refused.exit_code == 75, refused.output
    assert f"正被另一个程序打开（进程 {holder.pid}" in refused.stderr.replace("\n", "")
