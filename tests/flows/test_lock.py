"""One writer at a time, whoever else has the file (issue 11 #12, #13, #16): a second run is told
at once, before Prefect starts, with exit 75 and a Chinese reason naming who holds it, or queues
with --wait; a program holding the warehouse read-only makes a writer wait or exit 75 naming its
PID; a symlink to the warehouse finds the same lock."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from typer.testing import CliRunner

from pipelines import jobs
from pipelines.lock import writer_lock
from pipelines.settings import load_settings
from tests.faults import CALLS_A, CALLS_B, big_calls_csv, files, reconciliation_cells, runs
from tests.kpi_process import KPI, kpi, kpi_started, log_env

HOLD_READ_ONLY = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); print('open', flush=True); time.sleep(120)"


def run_args(raw, tmp_path, warehouse=None):
    return ["run", "--raw", raw.root, "--warehouse", warehouse or raw.db_path, "--month", "2026-10",
            "--as-of", "2026-11-05T06:00", "--out", tmp_path / "out"]


def test_a_second_run_exits_75_before_prefect_starts(raw, tmp_path, monkeypatch):
    raw.write("calls", "a.csv", CALLS_A)
    home = tmp_path / "prefect-home-never-used"
    monkeypatch.setenv("PREFECT_HOME", str(home))
    with writer_lock(raw.db_path):
        ran = kpi(*run_args(raw, tmp_path), cwd=tmp_path)
    assert ran.returncode == 75, ran.stderr
    assert "正被另一个运行写入" in ran.stderr
    assert not home.exists()  # refused before any flow (and its temporary server) was started


def test_a_reader_holding_the_warehouse_makes_a_writer_exit_75_naming_it(raw, tmp_path):
    raw.write("calls", "a.csv", CALLS_A)
    settings = load_settings(raw=raw.root, warehouse=raw.db_path)
    with jobs.recorded_run(settings, "ingest") as (conn, run_id):
        jobs.ingest_exports(conn, settings, run_id)
    reader = subprocess.Popen([sys.executable, "-c", HOLD_READ_ONLY, str(raw.db_path)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        ran = kpi("ingest", "--raw", raw.root, "--warehouse", raw.db_path, cwd=tmp_path)
        assert ran.returncode == 75, ran.stderr
        assert f"正被另一个程序打开（进程 {reader.pid}" in ran.stderr.replace("\n", "")
        assert "Conflicting lock" not in ran.stderr
    finally:
        reader.kill()
        reader.wait()
    # the reader gone, the same command runs
    assert kpi("ingest", "--raw", raw.root, "--warehouse", raw.db_path, cwd=tmp_path).returncode == 0


def test_a_symlink_to_the_warehouse_takes_the_same_lock(raw, tmp_path):
    raw.write("calls", "a.csv", CALLS_A)
    link = tmp_path / "link.duckdb"
    link.symlink_to(raw.db_path)
    with writer_lock(raw.db_path):
        ran = kpi("ingest", "--raw", raw.root, "--warehouse", link, cwd=tmp_path)
    assert ran.returncode == 75, ran.stderr
    assert "正被另一个运行写入" in ran.stderr


def test_a_failure_ends_in_its_one_line_reason_and_nothing_after(raw, tmp_path):
    raw.write("calls", "a.csv", CALLS_A)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the output folder should be", encoding="utf-8")
    env = {k: v for k, v in log_env().items() if k != "PREFECT_LOGGING_LEVEL"}  # as a user's shell has it
    ran = subprocess.run([KPI, "run", "--raw", raw.root, "--warehouse", raw.db_path, "--out", blocker, "--month",
                          "2026-10", "--as-of", "2026-11-05T06:00", "--quiet"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 1
    # DuckDB's binding lists ~40 objects still alive at exit ("nanobind: leaked …"): not for the operator
    assert ran.stderr.splitlines() == [line for line in ran.stderr.splitlines() if line.startswith("运行失败")]
    assert len(ran.stderr.splitlines()) == 1 and "not-a-folder" in ran.stderr


def test_a_second_run_while_one_writes_exits_75_naming_the_warehouse(raw, settings, tmp_path):
    raw.write("calls", "a.csv", CALLS_A)
    with jobs.recorded_run(settings, "holder") as (conn, run_id):
        jobs.ingest_exports(conn, settings, run_id)
        second = kpi("ingest", "--raw", raw.root, "--warehouse", raw.db_path, cwd=tmp_path)
    assert second.returncode == 75, second.stderr
    said = second.stderr.replace("\n", "")  # rich wraps long lines; the words are what matter here
    assert "无法运行" in said
    assert f"数据仓库 {raw.db_path} 正被另一个运行写入" in said
    assert f"进程 {os.getpid()}" in said  # who holds it
    assert "--wait" in said  # and what to do about it
    # the warehouse holds the first run's work and nothing from the refused one
    assert raw.rows("select count(*) from calls") == [(3,)]
    assert files(raw) == [("calls/a.csv", "loaded", 3, 3, 0), ("sites/sites.csv", "loaded", 3, 3, 0)]
    assert [(r[1], r[2]) for r in runs(raw)] == [("holder", "completed")]


def test_a_second_run_with_wait_queues_and_then_completes(raw, settings, tmp_path):
    raw.write("calls", "a.csv", CALLS_A)
    with jobs.recorded_run(settings, "holder") as (conn, run_id):
        jobs.ingest_exports(conn, settings, run_id)
        raw.write("calls", "b.csv", CALLS_B)  # arrives while the first run still holds the warehouse
        second = kpi_started("ingest", "--raw", raw.root, "--warehouse", raw.db_path, "--wait", "60", cwd=tmp_path)
        time.sleep(2.5)  # without --wait it would have exited 75 after ~1 s
        assert second.poll() is None, second.communicate()
    stdout, stderr = second.communicate(timeout=60)
    assert second.returncode == 0, stderr
    (_, c1, s1, _, finished1, _), (_, c2, s2, started2, _, _) = runs(raw)
    assert (c1, s1, c2, s2) == ("holder", "completed", "ingest", "completed")
    assert started2 >= finished1  # it started writing only after the first had finished
    assert reconciliation_cells(stdout, "calls/b.csv")[2:6] == ["已导入", "2", "2", "0"]
    assert reconciliation_cells(stdout, "calls/a.csv")[2] == "未变"
    # 3 + 2 calls, each file loaded once
    assert raw.rows("select count(*) from calls") == [(5,)]
    assert files(raw) == [("calls/a.csv", "loaded", 3, 3, 0), ("calls/b.csv", "loaded", 2, 2, 0),
                          ("sites/sites.csv", "loaded", 3, 3, 0)]


def test_two_runs_started_at_once_take_turns_and_load_each_file_once(raw, tmp_path):
    raw.write("calls", "big.csv", big_calls_csv(100_000))
    args = ("ingest", "--raw", raw.root, "--warehouse", raw.db_path, "--wait", "60")
    first, second = kpi_started(*args, cwd=tmp_path), kpi_started(*args, cwd=tmp_path)
    outs = [p.communicate(timeout=90) for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], [o[1] for o in outs]
    statuses = sorted(reconciliation_cells(out, "calls/big.csv")[2] for out, _ in outs)
    assert statuses == ["已导入", "未变"]  # one loaded it, the other found it already in
    (_, c1, s1, _, finished1, _), (_, c2, s2, started2, _, _) = runs(raw)
    assert (c1, s1, c2, s2) == ("ingest", "completed", "ingest", "completed")
    assert started2 >= finished1
    assert raw.rows("select count(*), count(distinct call_id) from calls") == [(100_000, 100_000)]
    assert files(raw) == [("calls/big.csv", "loaded", 100_000, 100_000, 0), ("sites/sites.csv", "loaded", 3, 3, 0)]


def test_kpi_run_while_another_run_writes_exits_75(raw, settings, tmp_path, prefect_env):
    from pipelines.cli import app

    raw.write("calls", "a.csv", CALLS_A)
    with jobs.recorded_run(settings, "holder") as (conn, run_id):
        jobs.ingest_exports(conn, settings, run_id)
        result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                          "--month", "2026-10", "--as-of", "2026-11-05T06:00",
                                          "--out", str(tmp_path / "out")])
    assert result.exit_code == 75, result.output
    said = result.stderr.replace("\n", "")
    assert f"无法运行 数据仓库 {raw.db_path} 正被另一个运行写入" in said
    assert not (tmp_path / "out").exists()
    assert [(r[1], r[2]) for r in runs(raw)] == [("holder", "completed")]
    assert raw.rows("select count(*) from calls") == [(3,)]
