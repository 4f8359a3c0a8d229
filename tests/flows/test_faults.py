"""Issue items 4–5 under fault: one writer at a time, kill -9 and rerun, broken inputs, retries,
unwritable or full output folders, stale datasets, and a three-month backfill.

Most tests call `pipelines.jobs` directly or run the real `kpi` command in a subprocess, as an
operator or a cron job would. The few that need Prefect run the real flows in this process: the
first one starts Prefect's temporary local server (~10 s), the others reuse it (~1–2 s each).
Every expected number is worked out by hand from the rows written in the test.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from pipelines import jobs, warehouse
from pipelines.settings import load_settings

KPI = str(Path(sys.executable).with_name("kpi"))
CALLS_HEAD = "通话编号,项目编号,来电时间,呼叫方向,号码,振铃次数,是否接通\n"
REPAIRS_HEAD = "维修单号,项目编号,报修时间,维修类别,是否急修\n"
# three inbound calls (S1, S1, S2), all answered within 2 rings
CALLS_A = CALLS_HEAD + (
    "A1,S1,2026-10-01 08:00,呼入,13800000001,2,是\n"
    "A2,S1,2026-10-01 09:00,呼入,13800000002,1,是\n"
    "A3,S2,2026-10-02 10:00,呼入,13800000003,2,是\n"
)
CALLS_B = CALLS_HEAD + "B1,S1,2026-10-03 08:00,呼入,13800000004,2,是\nB2,S2,2026-10-03 09:00,呼入,13800000005,4,是\n"


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def settings(raw, tmp_path):
    return load_settings(raw=raw.root, warehouse=raw.db_path, out=tmp_path / "out")


@pytest.fixture
def prefect_env(monkeypatch):
    """What `kpi run` sets before it loads Prefect; and log-like output (no terminal width)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    monkeypatch.delenv("COLUMNS", raising=False)


def log_env() -> dict[str, str]:
    """The environment of a cron job: no terminal, so no COLUMNS."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env


def kpi(*args, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([KPI, *map(str, args)], cwd=cwd, env=log_env(), capture_output=True, text=True,
                          timeout=timeout)


def kpi_started(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([KPI, *map(str, args)], cwd=cwd, env=log_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def ingest_run(settings, command: str = "ingest") -> str:
    with jobs.recorded_run(settings, command) as (conn, run_id):
        jobs.ingest_exports(conn, settings, run_id)
    return run_id


def runs(raw) -> list[tuple]:
    return raw.rows("select run_id, command, status, started_at, finished_at, message from runs order by started_at")


def files(raw) -> list[tuple]:
    return raw.rows("select source_file, status, rows_read, rows_loaded, rows_quarantined from files order by source_file")


def reconciliation_cells(output: str, source_file: str) -> list[str]:
    """One file's line of the printed reconciliation: dataset, file, status, read, loaded, quarantined,
    replaced, note (when not on a terminal, cells are tab-separated, tabs shown as spaces)."""
    line = next(line for line in output.splitlines() if line.split()[1:2] == [source_file])
    return line.split(maxsplit=7)


def big_calls_csv(rows: int, bad_every: int | None = None) -> str:
    """`rows` inbound calls with unique ids; with `bad_every`, every bad_every-th row has rings -1
    (below the column's minimum 0), so it goes to quarantine."""
    sites = ("S1", "S2", "S3")
    lines = [CALLS_HEAD.rstrip("\n")]
    for i in range(rows):
        rings = -1 if bad_every and i % bad_every == bad_every - 1 else i % 6
        lines.append(f"X{i:07d},{sites[i % 3]},2026-10-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00,呼入,"
                     f"138{i:08d},{rings},是")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# 4. One writer at a time
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Retries: transient I/O errors only
# ---------------------------------------------------------------------------------------------


class _State:
    """Just enough of a Prefect state for `_transient`: result() raises what the task raised."""

    def __init__(self, error: BaseException | None):
        self.error = error

    def result(self):
        if self.error is not None:
            raise self.error
        return 1


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (OSError(errno.EIO, "Input/output error"), True),
        (OSError(errno.EAGAIN, "Resource temporarily unavailable"), True),
        (OSError(errno.ETIMEDOUT, "Connection timed out"), True),
        (OSError(errno.ESTALE, "Stale file handle"), True),
        (TimeoutError("share did not answer"), True),
        (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"), True),
        (PermissionError(errno.EACCES, "Permission denied"), False),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), False),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory"), False),
        (OSError(errno.ENOSPC, "No space left on device"), False),
        (ValueError("bad data"), False),
        (None, False),
    ],
)
def test_only_transient_errors_are_retried(error, retried):
    from pipelines import flows

    assert flows._transient(None, None, _State(error)) is retried


def test_io_tasks_retry_and_metrics_does_not():
    from pipelines import flows

    for task in (flows.ingest_task, flows.outputs_task):
        assert task.retries == 2 and task.retry_condition_fn is flows._transient
    assert flows.metrics_task.retries == 0


def _calls_for_october(raw):
    # S1: C1 2 rings (hit), C2 5 rings (miss) → 1 of 2
    raw.write("calls", "oct.csv", CALLS_HEAD + "C1,S1,2026-10-01 08:00,呼入,13800000001,2,是\n"
                                              "C2,S1,2026-10-01 09:00,呼入,13800000002,5,是\n")


def _row(rows, metric, site, period):
    (row,) = [r for r in rows if r["metric"] == metric and r["site_id"] == site and r["period"] == period]
    return row


def test_an_output_write_failing_once_with_eio_is_retried_and_the_run_completes(raw, tmp_path, monkeypatch,
                                                                                 prefect_env):
    from pipelines import flows

    _calls_for_october(raw)
    real, calls = jobs.write_outputs, []

    def flaky(conn, settings, run_id, month, lang="zh"):
        calls.append(month)
        if len(calls) == 1:
            raise OSError(errno.EIO, "Input/output error", str(settings.out_dir))
        return real(conn, settings, run_id, month, lang)

    monkeypatch.setattr(jobs, "write_outputs", flaky)
    # the declared policy (2 retries, transient only), without the 10 s wait between tries
    monkeypatch.setattr(flows, "outputs_task", flows.outputs_task.with_options(retry_delay_seconds=0))
    out = tmp_path / "out"
    result = flows.kpi_run(month="2026-10", as_of="2026-11-05T06:00", raw=str(raw.root),
                           warehouse=str(raw.db_path), out=str(out))
    assert calls == ["2026-10", "2026-10"]  # failed once, retried once
    month_dir = out / "2026-10"
    assert result.outputs == [month_dir / "metrics.json", month_dir / "report.html", month_dir / "report.pdf",
                              month_dir / "evidence.xlsx", month_dir / "evidence.csv"]
    rows = json.loads((out / "2026-10" / "metrics.json").read_text(encoding="utf-8"))
    assert _row(rows, "call.answer_3_rings_rate", "S1", "2026-10")["value"] == 0.5
    assert [r[2] for r in runs(raw)] == ["completed"]


def test_a_permission_error_is_not_retried_and_the_run_is_marked_failed(raw, tmp_path, monkeypatch, prefect_env):
    from pipelines import flows

    _calls_for_october(raw)
    calls = []

    def denied(conn, settings, run_id, month, lang="zh"):
        calls.append(month)
        raise PermissionError(errno.EACCES, "Permission denied", str(settings.out_dir / month))

    monkeypatch.setattr(jobs, "write_outputs", denied)
    monkeypatch.setattr(flows, "outputs_task", flows.outputs_task.with_options(retry_delay_seconds=0))
    with pytest.raises(PermissionError):
        flows.kpi_run(month="2026-10", as_of="2026-11-05T06:00", raw=str(raw.root), warehouse=str(raw.db_path),
                      out=str(tmp_path / "out"))
    assert calls == ["2026-10"]
    ((_, _, status, _, finished, message),) = runs(raw)
    assert status == "failed" and finished is not None
    assert message.startswith("PermissionError: [Errno 13] Permission denied")


# ---------------------------------------------------------------------------------------------
# A broken input file: the run completes, the file is rejected and reported
# ---------------------------------------------------------------------------------------------


def test_a_run_with_broken_files_completes_and_reports_them_rejected(raw, tmp_path, prefect_env):
    from pipelines.cli import app

    _calls_for_october(raw)
    # no 是否接通 (answered) column, which every call needs
    raw.write("calls", "no_answered.csv", "通话编号,项目编号,来电时间,呼叫方向,号码,振铃次数\n"
                                          "D1,S1,2026-10-02 08:00,呼入,13800000009,1\n")
    # bytes that are neither UTF-8 nor GB18030
    bad = raw.root / "calls" / "garbled.csv"
    bad.write_bytes(CALLS_HEAD.encode() + b"E1,S1,2026-10-02 08:00,\xff\xfe\xff,13800000010,1,\xff\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--month", "2026-10", "--as-of", "2026-11-05T06:00", "--out", str(out)])
    assert result.exit_code == 0, result.output
    missing = "缺少必需的列：是否接通(answered)；整个文件未导入"
    assert reconciliation_cells(result.stdout, "calls/no_answered.csv")[2:] == ["拒收", "0", "0", "0", "0", missing]
    garbled = reconciliation_cells(result.stdout, "calls/garbled.csv")
    assert garbled[2:7] == ["拒收", "0", "0", "0", "0"] and "无法识别文件编码" in garbled[7]
    assert reconciliation_cells(result.stdout, "calls/oct.csv")[2:6] == ["已导入", "2", "2", "0"]
    rejected = raw.rows("select source_file, status, message from files where status = 'rejected' order by 1")
    assert [r[:2] for r in rejected] == [("calls/garbled.csv", "rejected"), ("calls/no_answered.csv", "rejected")]
    assert "无法识别文件编码" in rejected[0][2] and rejected[1][2] == missing
    # nothing of the rejected files loaded; the good file's KPIs are in metrics.json
    assert raw.rows("select call_id from calls order by 1") == [("C1",), ("C2",)]
    rows = json.loads((out / "2026-10" / "metrics.json").read_text(encoding="utf-8"))
    s1 = _row(rows, "call.answer_3_rings_rate", "S1", "2026-10")
    assert (s1["numerator"], s1["denominator"], s1["value"]) == (1, 2, 0.5)
    assert [r[2] for r in runs(raw)] == ["completed"]


# ---------------------------------------------------------------------------------------------
# Unwritable or full output folder: a clear failed state, never half a report
# ---------------------------------------------------------------------------------------------


def test_an_output_folder_that_cannot_be_made_fails_the_run_with_a_one_line_reason(raw, tmp_path, prefect_env):
    from pipelines.cli import app

    _calls_for_october(raw)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the output folder should be\n")  # works as root too, unlike chmod
    out = blocker / "out"
    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--month", "2026-10", "--as-of", "2026-11-05T06:00", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert not list(tmp_path.rglob("metrics.json"))
    ((_, _, status, _, _, message),) = runs(raw)
    assert status == "failed" and message.startswith("NotADirectoryError")
    # one line, as a log shows it (no terminal), naming what could not be written and why
    reason = [line for line in result.stderr.splitlines() if "运行失败" in line]
    assert len(reason) == 1, result.stderr
    assert str(out / "2026-10") in reason[0] and "Not a directory" in reason[0], result.stderr[-400:]


def test_a_full_disk_fails_the_run_and_leaves_no_metrics_json(raw, tmp_path, prefect_env, monkeypatch):
    from pipelines.cli import app

    _calls_for_october(raw)
    month_dir = tmp_path / "out" / "2026-10"
    month_dir.mkdir(parents=True)
    real_write = jobs.write_atomically

    def onto_a_full_device(path, text):
        # the temporary file lands on a device that is always full: a real ENOSPC from the kernel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_name(f".{path.name}.partial").symlink_to("/dev/full")
        return real_write(path, text)

    monkeypatch.setattr(jobs, "write_atomically", onto_a_full_device)
    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--month", "2026-10", "--as-of", "2026-11-05T06:00",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    reason = [line for line in result.stderr.splitlines() if "运行失败" in line]
    assert len(reason) == 1 and "No space left on device" in reason[0], result.stderr
    assert not (month_dir / "metrics.json").exists()
    assert [p.name for p in month_dir.iterdir() if not p.name.startswith(".")] == []
    ((_, _, status, _, _, message),) = runs(raw)
    assert status == "failed" and "No space left on device" in message


def test_a_failed_write_keeps_the_previous_metrics_json_whole(tmp_path):
    target = tmp_path / "out" / "2026-10" / "metrics.json"
    target.parent.mkdir(parents=True)
    target.write_text('[{"metric": "previous"}]', encoding="utf-8")
    (target.parent / ".metrics.json.partial").symlink_to("/dev/full")
    with pytest.raises(OSError) as failed:
        jobs.write_atomically(target, json.dumps([{"metric": "new"}] * 10_000))
    assert failed.value.errno == errno.ENOSPC
    assert target.read_text(encoding="utf-8") == '[{"metric": "previous"}]'


def test_write_atomically_replaces_the_file_whole(tmp_path):
    target = tmp_path / "a" / "b" / "metrics.json"
    jobs.write_atomically(target, "[1, 2]")
    jobs.write_atomically(target, "[3]")
    assert target.read_text(encoding="utf-8") == "[3]"
    assert sorted(p.name for p in target.parent.iterdir()) == ["metrics.json"]  # no temporary left behind


# ---------------------------------------------------------------------------------------------
# 5. Staleness
# ---------------------------------------------------------------------------------------------

STALE_CALLS = CALLS_HEAD + (
    "C1,S1,2026-10-20 09:00,呼入,13800000001,2,是\n"
    "C2,S1,2026-10-22 06:00,呼入,13800000002,2,是\n"  # newest at as-of: 10 days before 2026-11-01 06:00
    "C3,S1,2026-11-03 10:00,呼入,13800000003,2,是\n"  # after as-of: not known yet
)
FRESH_REPAIRS = REPAIRS_HEAD + "T1,S1,2026-10-29 06:00,水电,否\n"  # exactly 3 days: not older than 3


def test_freshness_names_the_stale_datasets_and_since_when(raw, settings):
    raw.write("calls", "calls.csv", STALE_CALLS)
    raw.write("repairs", "repairs.csv", FRESH_REPAIRS)
    raw.ingest()
    as_of = dt.datetime(2026, 11, 1, 6, 0)
    conn = warehouse.connect(raw.db_path)
    try:
        found = {f.dataset: f for f in jobs.freshness(conn, settings, as_of)}
    finally:
        conn.close()
    # datasets with an event time only (sites and exemptions are reference data)
    assert set(found) == {"survey_campaigns", "calls", "visits", "repairs", "complaints", "survey_responses",
                          "sales_submissions", "crm_customers", "phone_surveys", "mystery_shops"}
    calls = found["calls"]
    assert (calls.title, calls.newest, calls.days_old, calls.stale) == (
        "来电记录", dt.datetime(2026, 10, 22, 6, 0), 10.0, True)
    repairs = found["repairs"]
    assert (repairs.newest, repairs.days_old, repairs.stale) == (dt.datetime(2026, 10, 29, 6, 0), 3.0, False)
    complaints = found["complaints"]
    assert (complaints.title, complaints.newest, complaints.days_old, complaints.stale) == ("投诉登记", None, None, True)


def test_the_summary_artifact_says_which_dataset_is_stale_since_when(raw, settings):
    from pipelines import publish

    raw.write("calls", "calls.csv", STALE_CALLS)
    raw.write("repairs", "repairs.csv", FRESH_REPAIRS)
    raw.ingest()
    as_of = dt.datetime(2026, 11, 1, 6, 0)
    conn = warehouse.connect(raw.db_path)
    try:
        result = jobs.RunResult("no-metrics-run", "2026-10", as_of, freshness=jobs.freshness(conn, settings, as_of))
        text = publish.summary_markdown(conn, result)
    finally:
        conn.close()
    stale = text.split("## 数据时效", 1)[1]
    assert "来电记录（calls）：最新记录 2026-10-22，已 10 天未更新" in stale
    assert "投诉登记（complaints）：没有任何记录" in stale
    assert "报修记录" not in stale


def test_as_of_with_an_offset_is_read_in_local_time(settings):
    # 22:00 UTC is 06:00 the next morning in Shanghai (UTC+8)
    assert jobs.parse_as_of("2026-10-31T22:00:00+00:00", settings) == dt.datetime(2026, 11, 1, 6, 0)
    assert jobs.parse_as_of("2026-11-01T06:00", settings) == dt.datetime(2026, 11, 1, 6, 0)


def test_kpi_run_succeeds_and_prints_the_stale_dataset(raw, tmp_path, prefect_env):
    from pipelines.cli import app

    raw.write("calls", "calls.csv", STALE_CALLS)
    raw.write("repairs", "repairs.csv", FRESH_REPAIRS)
    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--month", "2026-10", "--as-of", "2026-11-01T06:00",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "数据可能过时" in line]
    assert "数据可能过时 来电记录（calls）：最新记录 2026-10-22，已 10 天未更新" in warnings
    assert "数据可能过时 投诉登记（complaints）：没有任何记录" in warnings
    assert not any("报修记录" in line for line in warnings)
    assert (tmp_path / "out" / "2026-10" / "metrics.json").exists()


def test_the_nightly_flow_succeeds_when_exports_stop_and_its_artifact_says_so(raw, tmp_path, monkeypatch,
                                                                             prefect_env):
    from pipelines import flows, publish

    summaries = []
    monkeypatch.setattr(publish, "create_markdown_artifact",
                        lambda markdown, key, description: summaries.append((key, markdown)))
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, second=0, microsecond=0)
    last_call, last_repair = now - dt.timedelta(days=10), now - dt.timedelta(days=1)
    raw.write("calls", "calls.csv", CALLS_HEAD + f"C1,S1,{last_call:%Y-%m-%d %H:%M},呼入,13800000001,2,是\n")
    raw.write("repairs", "repairs.csv", REPAIRS_HEAD + f"T1,S1,{last_repair:%Y-%m-%d %H:%M},水电,否\n")
    out = tmp_path / "out"
    result = flows.nightly(raw=str(raw.root), warehouse=str(raw.db_path), out=str(out))
    assert result.month == f"{now:%Y-%m}"
    assert (out / f"{now:%Y-%m}" / "metrics.json").exists()
    fresh = {f.dataset: f for f in result.freshness}
    assert fresh["calls"].stale and fresh["calls"].newest == last_call and 10 <= fresh["calls"].days_old < 10.1
    assert not fresh["repairs"].stale
    ((key, markdown),) = summaries
    assert key == "kpi-summary"
    assert f"来电记录（calls）：最新记录 {last_call:%Y-%m-%d}，已 10 天未更新" in markdown
    assert "报修记录" not in markdown.split("## 数据时效", 1)[1]
    # a last month with data (the call of 10 days ago, when that was last month) is stored once as a trend point
    assert [(r[1], r[2]) for r in runs(raw) if r[1] != "trend"] == [("run", "completed")]
    assert {r[2] for r in runs(raw) if r[1] == "trend"} <= {"completed"}


# ---------------------------------------------------------------------------------------------
# Backfill
# ---------------------------------------------------------------------------------------------


def test_a_backfill_of_three_months_writes_three_outputs(raw, tmp_path, prefect_env):
    from pipelines import flows

    raw.write("calls", "calls.csv", CALLS_HEAD + (
        "S9A,S1,2026-09-10 08:00,呼入,13800000001,2,是\n"   # September: 1 of 1 within 3 rings
        "O1,S1,2026-10-10 08:00,呼入,13800000002,2,是\n"    # October: 1 of 2
        "O2,S1,2026-10-11 08:00,呼入,13800000003,5,是\n"
        "N1,S1,2026-11-02 08:00,呼入,13800000004,4,是\n"    # November: 0 of 2 (4 rings; not answered)
        "N2,S1,2026-11-03 08:00,呼入,13800000005,1,否\n"
    ))
    out = tmp_path / "out"
    results = flows.backfill("2026-09", "2026-11", raw=str(raw.root), warehouse=str(raw.db_path), out=str(out))
    assert [r.month for r in results] == ["2026-09", "2026-10", "2026-11"]
    outputs = ["evidence.csv", "evidence.xlsx", "metrics.json", "report.html", "report.pdf"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        f"{m}/{name}" for m in ("2026-09", "2026-10", "2026-11") for name in outputs]
    expected = {"2026-09": (1, 1, 1, True), "2026-10": (1, 2, 0.5, False), "2026-11": (0, 2, 0, False)}
    for month, (num, den, value, meets) in expected.items():
        rows = json.loads((out / month / "metrics.json").read_text(encoding="utf-8"))
        for site in ("S1", None):  # S1 is the only site with calls: the company pools just S1
            row = _row(rows, "call.answer_3_rings_rate", site, month)
            assert (row["numerator"], row["denominator"], row["value"], row["meets_target"]) == (num, den, value, meets)
    # the first month's run loads the exports; the later ones find them unchanged
    assert {f.status for f in results[0].files} == {"loaded"}
    assert {f.status for f in results[1].files} == {f.status for f in results[2].files} == {"unchanged"}
    assert [(r[1], r[2]) for r in runs(raw)] == [("run", "completed")] * 3


def test_months_in_a_backfill_are_in_order_and_a_reversed_range_is_refused():
    from pipelines.periods import months_between

    assert months_between("2026-11", "2027-01") == ["2026-11", "2026-12", "2027-01"]
    with pytest.raises(ValueError):
        months_between("2026-11", "2026-09")



def test_a_run_failing_in_the_report_leaves_the_previous_outputs_whole(raw, tmp_path, prefect_env, monkeypatch):
    from pipelines.cli import app

    _calls_for_october(raw)
    month_dir = tmp_path / "out" / "2026-10"
    month_dir.mkdir(parents=True)
    (month_dir / "metrics.json").write_text('[{"metric": "previous"}]', encoding="utf-8")

    def broken_report(*args, **kwargs):
        raise RuntimeError("the report template is broken")

    monkeypatch.setattr(jobs, "render_report", broken_report)
    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--month", "2026-10", "--as-of", "2026-11-05T06:00",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "运行失败 RuntimeError: the report template is broken" in result.stderr
    # the new metrics.json was made, but is never moved in without the rest of its set
    assert (month_dir / "metrics.json").read_text(encoding="utf-8") == '[{"metric": "previous"}]'
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2026-10"]


@pytest.mark.parametrize("args", [["--month", "2026-1"], ["--month", "2026-13"], ["--lang", "fr"]])
def test_run_refuses_a_bad_month_or_language_before_doing_anything(raw, tmp_path, args):
    from pipelines.cli import app

    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2
    assert not raw.db_path.exists() and not (tmp_path / "out").exists()


def _run_october(raw, tmp_path):
    from pipelines.cli import app

    return CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                    "--month", "2026-10", "--as-of", "2026-11-05T06:00", "--out", str(tmp_path / "out")])


def test_a_failed_run_takes_nothing_of_the_standing_runs_evidence(raw, tmp_path, prefect_env, monkeypatch):
    from pipelines.report import latest_run

    _calls_for_october(raw)
    assert _run_october(raw, tmp_path).exit_code == 0
    ((standing, evidence),) = raw.rows("select run_id, count(*) from evidence group by run_id")
    assert evidence > 0

    def broken_report(*args, **kwargs):
        raise RuntimeError("the report template is broken")

    monkeypatch.setattr(jobs, "render_report", broken_report)
    assert _run_october(raw, tmp_path).exit_code == 1
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
    assert _run_october(raw, tmp_path).exit_code == 0
    ((newest,),) = raw.rows("select run_id from runs where status = 'completed' order by started_at desc limit 1")
    assert newest != standing
    assert raw.rows("select count(*) from evidence where run_id = ?", [newest]) == [(evidence,)]
    assert raw.rows("select count(*) from evidence where run_id = ?", [standing]) == [(evidence,)]


def test_kpi_metrics_is_a_viewing_command_and_changes_nothing(raw, tmp_path, prefect_env):
    from pipelines.cli import app

    _calls_for_october(raw)
    assert _run_october(raw, tmp_path).exit_code == 0
    tables = ("runs", "metrics", "evidence", "pareto", "repair_categories")

    def counts():
        return [raw.rows(f"select count(*) from {t}")[0][0] for t in tables]

    before = counts()
    shown = CliRunner().invoke(app, ["metrics", "--warehouse", str(raw.db_path), "--month", "2026-10",
                                     "--as-of", "2026-11-20T00:00"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "三声内接听率" in shown.output
    assert counts() == before
