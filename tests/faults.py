"""Exports and read-backs shared by the tests that put runs under fault (one writer, retries, broken
files and folders, freshness, backfill): every expected number is worked out by hand from these rows."""

from __future__ import annotations

from typer.testing import CliRunner

from pipelines import jobs

CALLS_HEAD = "通话编号,项目编号,来电时间,呼叫方向,号码,振铃次数,是否接通\n"
REPAIRS_HEAD = "维修单号,项目编号,报修时间,维修类别,是否急修\n"
# three inbound calls (S1, S1, S2), all answered within 2 rings
CALLS_A = CALLS_HEAD + (
    "A1,S1,2026-10-01 08:00,呼入,13800000001,2,是\n"
    "A2,S1,2026-10-01 09:00,呼入,13800000002,1,是\n"
    "A3,S2,2026-10-02 10:00,呼入,13800000003,2,是\n"
)
CALLS_B = CALLS_HEAD + "B1,S1,2026-10-03 08:00,呼入,13800000004,2,是\nB2,S2,2026-10-03 09:00,呼入,13800000005,4,是\n"


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


def calls_for_october(raw):
    # S1: C1 2 rings (hit), C2 5 rings (miss) → 1 of 2
    raw.write("calls", "oct.csv", CALLS_HEAD + "C1,S1,2026-10-01 08:00,呼入,13800000001,2,是\n"
                                              "C2,S1,2026-10-01 09:00,呼入,13800000002,5,是\n")


def ingest_run(settings, command: str = "ingest") -> str:
    with jobs.recorded_run(settings, command) as (conn, run_id):
        jobs.ingest_exports(conn, settings, run_id)
    return run_id


def run_october(raw, tmp_path):
    from pipelines.cli import app  # as in each test: the CLI imported where it is used

    return CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                    "--month", "2026-10", "--as-of", "2026-11-05T06:00", "--out", str(tmp_path / "out")])


def runs(raw) -> list[tuple]:
    return raw.rows("select run_id, command, status, started_at, finished_at, message from runs order by started_at")


def files(raw) -> list[tuple]:
    return raw.rows("select source_file, status, rows_read, rows_loaded, rows_quarantined from files order by source_file")


def reconciliation_cells(output: str, source_file: str) -> list[str]:
    """One file's line of the printed reconciliation: dataset, file, status, read, loaded, quarantined,
    replaced, note (when not on a terminal, cells are tab-separated, tabs shown as spaces)."""
    line = next(line for line in output.splitlines() if line.split()[1:2] == [source_file])
    return line.split(maxsplit=7)


def metric_row(rows, metric, site, period):
    (row,) = [r for r in rows if r["metric"] == metric and r["site_id"] == site and r["period"] == period]
    return row
