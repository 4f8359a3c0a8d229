"""One writer, whoever else has the file (issue 11 #12, #13, #16): a second run is told at once,
before Prefect starts; a program holding the warehouse read-only makes a writer wait or exit 75
with a Chinese reason naming its PID; a symlink to the warehouse finds the same lock."""

from __future__ import annotations

import subprocess
import sys

from pipelines import jobs
from pipelines.lock import writer_lock
from pipelines.settings import load_settings
from tests.flows.test_faults import CALLS_A, KPI, kpi, log_env

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
