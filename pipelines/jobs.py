"""The jobs the CLI and the Prefect flows run: ingest, compute a month, export.

Each job opens the warehouse once, records itself in `runs` (with the settings it used),
and marks the run failed with its reason if anything stops it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from pipelines import metrics, warehouse
from pipelines.ingest import FileReport, ingest
from pipelines.ingest.headers import HeaderMatcher
from pipelines.settings import Settings
from schemas.declarations import datasets

CONTRACT_FIELDS = ["metric", "site_id", "period", "value", "numerator", "denominator", "target",
                   "meets_target", "unit"]


@dataclass
class RunResult:
    run_id: str
    month: str | None = None
    as_of: dt.datetime | None = None
    files: list[FileReport] = field(default_factory=list)
    metric_rows: int = 0
    outputs: list[Path] = field(default_factory=list)


def now_local(settings: Settings) -> dt.datetime:
    """As-of defaults to now, in the handbooks' time zone, without a zone (as stored)."""
    return dt.datetime.now(ZoneInfo(settings.rules["timezone"])).replace(tzinfo=None, microsecond=0)


@contextmanager
def recorded_run(settings: Settings, command: str, as_of: dt.datetime | None = None) -> Iterator:
    conn = warehouse.connect(settings.warehouse)
    run_id = warehouse.start_run(conn, command, settings.record(), as_of)
    try:
        yield conn, run_id
    except BaseException as exc:
        warehouse.finish_run(conn, run_id, "failed", f"{type(exc).__name__}: {exc}")
        conn.close()
        raise
    warehouse.finish_run(conn, run_id, "completed")
    conn.close()


def ingest_exports(conn, settings: Settings, run_id: str, on_file: Callable | None = None) -> list[FileReport]:
    matcher = HeaderMatcher(datasets(), settings.headers)
    kwargs = {"on_file": on_file} if on_file else {}
    return ingest(conn, settings.raw_dir, run_id, matcher, **kwargs)


def export_metrics_json(conn: duckdb.DuckDBPyConnection, run_id: str, path: Path) -> Path:
    """metrics.json in the contract's shape (§3): values not rounded; written whole or not at all."""
    rows = conn.execute(
        f"""select {", ".join(CONTRACT_FIELDS)} from metrics where run_id = ?
            order by metric, site_id nulls first, period""",
        [run_id],
    ).fetchall()
    document = [{k: _json_number(v) for k, v in zip(CONTRACT_FIELDS, row)} for row in rows]
    write_atomically(path, json.dumps(document, ensure_ascii=False, indent=1))
    return path


def _json_number(value):
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


def write_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    partial.replace(path)


def compute_month(conn, settings: Settings, run_id: str, month: str, as_of: dt.datetime) -> int:
    return metrics.compute(conn, month, as_of, settings.rules, run_id)


def run_month(settings: Settings, month: str, as_of: dt.datetime, on_file: Callable | None = None) -> RunResult:
    """The monthly job (contract §3): ingest, validate, compute, and write OUT/YYYY-MM/metrics.json."""
    with recorded_run(settings, "run", as_of) as (conn, run_id):
        result = RunResult(run_id, month, as_of)
        result.files = ingest_exports(conn, settings, run_id, on_file)
        result.metric_rows = compute_month(conn, settings, run_id, month, as_of)
        out = settings.out_dir / month
        result.outputs.append(export_metrics_json(conn, run_id, out / "metrics.json"))
    return result
