"""What the warehouse keeps of a run that is killed or fails: the work committed before it, the run
marked interrupted or failed, and the standing run's evidence untouched."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from pipelines import jobs, warehouse
from tests.faults import (
    CALLS_A, CALLS_B, big_calls_csv, calls_for_october, files, ingest_run, reconciliation_cells, run_october, runs,
)
from tests.kpi_process import kpi, log_env


KILLABLE_INGEST = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pipelines import jobs
    from pipelines.settings import load_settings

    settings = load_settings(raw=sys.argv[1], warehouse=sys.argv[2])
    marker = Path(sys.argv[3])

    def on_file(path, ds):
        if path.name != "big.csv":
            return lambda rows: None
        def progress(rows):  # called inside the file's transaction, after a chunk is inserted
            marker.write_text(str(rows))
            time.sleep(600)
        return progress

    with jobs.recorded_run(settings, "ingest") as (conn, run_id):
        jobs.ingest_exports(conn, settings, run_id, on_file)
    """
)


def test_a_run_killed_mid_file_leaves_the_warehouse_as_before_that_file_and_the_next_run_completes(
    raw, settings, tmp_path
):
    raw.write("calls", "a.csv", CALLS_A)
    first_run = ingest_run(settings)
    raw.write("calls", "b.csv", CALLS_B)  # loaded (and committed) by the run that is then killed
    raw.write("calls", "big.csv", big_calls_csv(200_000, bad_every=1000))  # 200 bad rows
    marker = tmp_path / "loading"
    killed = subprocess.Popen(
        [sys.executable, "-c", KILLABLE_INGEST, str(raw.root), str(raw.db_path), str(marker)],
        cwd=tmp_path, env=log_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert killed.poll() is None, killed.communicate()
        assert time.monotonic() < deadline, "the big file never started loading"
        time.sleep(0.02)
    os.kill(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=30)
    assert killed.returncode == -signal.SIGKILL

    # the warehouse opens, and holds exactly what was committed before big.csv: a.csv and b.csv
    conn = warehouse.connect(raw.db_path)
    try:
        assert conn.execute("select count(*) from calls").fetchall() == [(5,)]
        assert conn.execute("select count(*) from calls where source_file = 'calls/big.csv'").fetchall() == [(0,)]
        assert conn.execute("select count(*) from quarantine where source_file = 'calls/big.csv'").fetchall() == [(0,)]
        assert conn.execute("select count(*) from files where source_file = 'calls/big.csv'").fetchall() == [(0,)]
        killed_run = conn.execute("select run_id from runs where run_id <> ?", [first_run]).fetchall()[0][0]
        assert conn.execute("select ingest_run_id from files where source_file = 'calls/b.csv'").fetchall() == [
            (killed_run,)
        ]
    finally:
        conn.close()

    # the next run (the real command) takes the lock the dead process held, and finishes the work
    rerun = kpi("ingest", "--raw", raw.root, "--warehouse", raw.db_path, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    # 200 000 read = 199 800 loaded + 200 quarantined (the 1000th, 2000th, … rows: rings -1)
    assert reconciliation_cells(rerun.stdout, "calls/big.csv")[2:7] == ["已导入", "200000", "199800", "200", "0"]
    assert reconciliation_cells(rerun.stdout, "calls/b.csv")[2] == "未变"
    assert raw.rows("select count(*) from calls") == [(5 + 199_800,)]
    assert raw.rows("select count(distinct source_line) from quarantine where source_file = 'calls/big.csv'") == [(200,)]
    assert files(raw) == [
        ("calls/a.csv", "loaded", 3, 3, 0), ("calls/b.csv", "loaded", 2, 2, 0),
        ("calls/big.csv", "loaded", 200_000, 199_800, 200), ("sites/sites.csv", "loaded", 3, 3, 0),
    ]
    by_id = {r[0]: r for r in runs(raw)}
    assert by_id[first_run][2] == "completed"
    assert by_id[killed_run][2] == "interrupted"
    assert "中途被终止" in by_id[killed_run][5]
    assert [r[2] for r in runs(raw)] == ["completed", "interrupted", "completed"]


def test_a_failed_run_takes_nothing_of_the_standing_runs_evidence(raw, tmp_path, prefect_env, monkeypatch):
    from pipelines.report import latest_run

    calls_for_october(raw)
    assert run_october(raw, tmp_path).exit_code == 0
    ((standing, evidence),) = raw.rows("select run_id, count(*) from evidence group by run_id")
    assert evidence > 0

    def broken_report(*args, **kwargs):
        raise RuntimeError("the report template is broken")

    monkeypatch.setattr(jobs, "render_report", broken_report)
    assert run_october(raw, tmp_path).exit_code == 1
    # the failed run's own evidence may stay beside it; the standing run's is whole
    assert raw.rows("select count(*) from evidence where run_id = ?", [standing]) == [(evidence,)]
    conn = warehouse.connect(raw.db_path)
    try:
        # a run still 'running' (killed, not yet marked) is never the month's run either
        stray = warehouse.start_run(conn, "run", {})
        conn.execute("insert into metrics select ?, month, as_of, metric, site_id, period, value, numerator, "
                     "denominator, target, meets_target, unit, pending, flags from metrics where run_id = ?",
                     [stray, standing])
        assert latest_run(conn, "2026-10") == standing
    finally:
        conn.close()
    monkeypatch.undo()
    # the next completed run stands; the earlier one keeps its evidence (kpi report --run renders it again)
    assert run_october(raw, tmp_path).exit_code == 0
    ((newest,),) = raw.rows("select run_id from runs where status = 'completed' order by started_at desc limit 1")
    assert newest != standing
    assert raw.rows("select count(*) from evidence where run_id = ?", [newest]) == [(evidence,)]
    assert raw.rows("select count(*) from evidence where run_id = ?", [standing]) == [(evidence,)]
