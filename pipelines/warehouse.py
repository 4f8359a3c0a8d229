"""The DuckDB warehouse: one file, typed tables per dataset with lineage on every row.

Tables:
- one per dataset (contract §1 columns) plus lineage: `source_file` (path under
  the raw folder), `source_line` (line or sheet row as the user sees it),
  `file_hash` (SHA-256 of the file's content) and `ingest_run_id`;
- `files`: every export seen, with its reconciliation (read = loaded + quarantined);
- `quarantine`: one row per problem found in a row that was not loaded;
- `runs`: one row per run, with its settings;
- `metrics`, `evidence`, `pareto`, `repair_categories`, `penalties`: a run's results, by run_id;
- `run_sites`, `run_files`, `run_quarantine`, `run_freshness`, `run_rules`: what a run saw, by run_id.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
from pathlib import Path

import duckdb

from pipelines import periods
from pipelines.lock import WarehouseBusy

from schemas.declarations import Dataset, datasets

LINEAGE = {
    "source_file": "VARCHAR NOT NULL",
    "source_line": "BIGINT NOT NULL",
    "file_hash": "VARCHAR NOT NULL",
    "ingest_run_id": "VARCHAR NOT NULL",
}

BOOKKEEPING = """
create table if not exists runs (
    run_id varchar primary key,
    command varchar,
    started_at timestamp,
    finished_at timestamp,
    as_of timestamp,
    status varchar,
    message varchar,
    settings json
);
create table if not exists files (
    file_hash varchar not null,
    dataset varchar not null,
    source_file varchar not null,
    size_bytes bigint,
    modified_at timestamp,
    encoding varchar,
    header_line integer,
    skipped_lines varchar[],
    unknown_headers varchar[],
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    rows_replaced bigint,
    status varchar not null,  -- loaded | rejected | superseded; dataset '' for a file in no dataset's folder
    message varchar,
    ingest_run_id varchar,
    ingested_at timestamp
);
create table if not exists metrics (
    run_id varchar not null,
    month varchar not null,        -- the run's month; a weekly or quarterly row belongs to it
    as_of timestamp not null,
    metric varchar not null,
    site_id varchar,               -- null: company-wide
    period varchar not null,       -- YYYY-MM, YYYY-Www or YYYY-Qn
    value double,                  -- null: no data (denominator 0)
    numerator double,
    denominator double,
    target double,
    meets_target boolean,
    unit varchar,
    pending integer,               -- records whose deadline is still ahead of as-of
    flags varchar[]                -- reference, no_phone_surveys, vital_few
);
create table if not exists evidence (
    run_id varchar not null,
    month varchar not null,
    metric varchar not null,
    site_id varchar,
    period varchar not null,
    outcome varchar not null,      -- hit | miss | pending | counted | not_counted | finding
    dataset varchar not null,
    record_id varchar,
    source_file varchar,
    source_line bigint,
    source_rows varchar,           -- every file:line behind a grouped record
    detail varchar
);
create table if not exists pareto (
    run_id varchar not null,
    month varchar not null,
    site_id varchar,
    category varchar not null,
    rank integer,
    complaints bigint,
    total bigint,
    share double,
    cumulative_share double,
    is_vital_few boolean
);
create table if not exists repair_categories (
    run_id varchar not null,
    month varchar not null,
    category varchar not null,
    shortest_deadline_hours integer,  -- urgent tickets of a category have a shorter deadline
    longest_deadline_hours integer,
    tickets bigint,
    on_time bigint,
    late bigint,
    pending bigint
);
create table if not exists quarantine (
    dataset varchar not null,
    source_file varchar not null,
    source_line bigint not null,
    file_hash varchar not null,
    ingest_run_id varchar not null,
    "column" varchar,
    value varchar,
    reason varchar not null,
    record json  -- the row as it was read, so nothing is lost
);
create table if not exists penalties (
    run_id varchar not null,
    month varchar not null,
    site_id varchar not null,
    period varchar not null,
    returned double,
    issued double,
    return_target double,
    shortfall_points decimal(38, 6),  -- exact: target − return rate, in percentage points, ≥ 0
    step_points integer,              -- the rule in effect (surveys.penalty_step_points)
    penalty integer,                  -- floor(shortfall / step)
    satisfied double,
    answered double,
    adjusted_points double            -- satisfied × 100 − penalty × answered, not below 0
);
-- what a run saw, kept under its id so that its report renders the same later (pipelines/run_view.py)
create table if not exists run_sites (
    run_id varchar not null,
    site_id varchar not null,
    site_name varchar,
    site_type varchar,
    region varchar,
    exemption_reason varchar       -- a sales site not assessed in the run's month, and why
);
create table if not exists run_files (
    run_id varchar not null,
    dataset varchar not null,
    source_file varchar not null,
    file_hash varchar not null,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    rows_replaced bigint,
    status varchar not null,
    message varchar,
    ingested_at timestamp,
    notes varchar[]
);
create table if not exists run_quarantine (
    run_id varchar not null,
    dataset varchar not null,
    reason varchar not null,       -- line numbers folded (第 … 行): one cause counts once
    rows bigint not null
);
create table if not exists run_freshness (
    run_id varchar not null,
    dataset varchar not null,
    title varchar,
    rows bigint,
    newest timestamp,
    days_old double,
    in_period bigint,
    status varchar not null,
    stale_after_days integer
);
create table if not exists run_rules (
    run_id varchar not null,
    key varchar not null,          -- pipelines/rules.yaml
    value json,
    clause varchar,
    name_zh varchar,
    name_en varchar,
    sentence_zh varchar,           -- the rule's sentence with the value the run used
    sentence_en varchar
);
-- columns added since the first warehouses were made: an older file gains them when opened
alter table files add column if not exists form varchar;      -- csv | tsv | xlsx | xls | ods | xml2003 | html
alter table files add column if not exists sheet varchar;     -- the sheet or HTML table read
alter table files add column if not exists notes varchar[];   -- how it was read, where a user would not guess
alter table repair_categories add column if not exists on_time_rate double;  -- on time ÷ decided
"""


def table_ddl(ds: Dataset) -> str:
    cols = [f'"{c.name}" {c.sql_type}' for c in ds.columns.values()]
    cols += [f"{name} {sql}" for name, sql in LINEAGE.items()]
    return f"create table if not exists {ds.name} (\n  " + ",\n  ".join(cols) + "\n);"


def connect(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse file with every table in place."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(path))
    conn.execute("set preserve_insertion_order = false")
    conn.execute(BOOKKEEPING)
    for ds in datasets().values():
        conn.execute(table_ddl(ds))
    return conn


def connect_when_free(path: Path | str, wait_seconds: float = 0, poll_seconds: float = 0.5,
                      read_only: bool = False):
    """connect(), waiting up to `wait_seconds` while another program has the file open (DuckDB
    lets one process hold it, even a reader); then WarehouseBusy naming that program's PID."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(path), read_only=True) if read_only else connect(path)
        except duckdb.IOException as exc:
            if "Could not set lock" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                pid = re.search(r"PID (\d+)", str(exc))
                holder = f"进程 {pid.group(1)}" if pid else "另一个程序"
                raise WarehouseBusy(f"数据仓库 {path} 正被另一个程序打开（{holder}，可能是只读查看）；"
                                    "请关闭它后再试，或用 --wait 秒数 排队等待") from None
            time.sleep(poll_seconds)


def start_run(
    conn: duckdb.DuckDBPyConnection, command: str, settings: dict, as_of: dt.datetime | None = None
) -> str:
    """Record a run's start, with the settings and rules it uses; its id goes on every row it writes."""
    started = periods.now()
    run_id = started.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    conn.execute(
        "insert into runs (run_id, command, started_at, as_of, status, settings) values (?, ?, ?, ?, 'running', ?)",
        [run_id, command, started, as_of, json.dumps(settings, ensure_ascii=False)],
    )
    return run_id


def finish_run(conn: duckdb.DuckDBPyConnection, run_id: str, status: str, message: str = "") -> None:
    conn.execute(
        "update runs set finished_at = ?, status = ?, message = ? where run_id = ?",
        [periods.now(), status, message, run_id],
    )


def mark_interrupted_runs(conn: duckdb.DuckDBPyConnection) -> None:
    """Runs still 'running' when the writer lock is free were killed mid-way: say so."""
    conn.execute(
        "update runs set status = 'interrupted', message = ? where status = 'running'",
        ["运行中途被终止（未完成的文件已回滚）"],
    )
