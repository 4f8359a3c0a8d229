"""Benchmark: every metric of one group-scale month, computed in DuckDB.

    .venv/bin/python -m bench.metrics_bench

Loads bench/out/raw (made by bench.ingest_bench, or `kpi demo-data --scale`) into
bench/out/warehouse.duckdb once, then times `metrics.compute` for the month three times
and reports the best, plus the rows behind it. Linearity: the same month computed on
the first half of the sites' calls and repairs (a copy of the warehouse) for comparison.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import time
from pathlib import Path

from bench.ingest_bench import OUT, RAW

WAREHOUSE = OUT / "warehouse.duckdb"
AS_OF = dt.datetime(2026, 12, 5, 6, 0)


def month_of_data() -> str:
    from pipelines.demo import DEFAULT_MONTHS

    return DEFAULT_MONTHS[-1]


def load_once(settings) -> None:
    from pipelines import jobs

    if WAREHOUSE.exists():
        return
    started = time.perf_counter()
    with jobs.recorded_run(settings, "bench-ingest") as (conn, run_id):
        jobs.ingest_exports(conn, settings, run_id)
    print(f"loaded group-scale warehouse in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def best_of(path: Path, settings, month: str, times: int = 3) -> tuple[float, int]:
    from pipelines import metrics, warehouse

    best, rows = float("inf"), 0
    for i in range(times):
        conn = warehouse.connect(path)
        started = time.perf_counter()
        rows = metrics.compute(conn, month, AS_OF, settings.rules, f"bench-{i}")
        best = min(best, time.perf_counter() - started)
        conn.execute("delete from metrics where run_id like 'bench-%'")
        conn.close()
    return best, rows


def halved_copy() -> Path:
    """The same warehouse with half the calls, repairs, complaints and responses."""
    import duckdb

    half = OUT / "warehouse-half.duckdb"
    shutil.copy(WAREHOUSE, half)
    conn = duckdb.connect(str(half))
    for table, key in (("calls", "call_id"), ("repairs", "ticket_id"), ("complaints", "complaint_id"),
                       ("survey_responses", "response_id"), ("visits", "visit_id")):
        conn.execute(f"delete from {table} where hash({key}) % 2 = 0")
    conn.execute("checkpoint")
    conn.close()
    return half


def main() -> None:
    import duckdb

    from pipelines.settings import load_settings

    settings = load_settings(raw=RAW, warehouse=WAREHOUSE, out=OUT / "reports")
    load_once(settings)
    month = month_of_data()
    conn = duckdb.connect(str(WAREHOUSE), read_only=True)
    counts = {t: conn.execute(f"select count(*) from {t}").fetchall()[0][0]
              for t in ("sites", "calls", "repairs", "complaints", "survey_responses", "crm_customers")}
    conn.close()
    full, rows = best_of(WAREHOUSE, settings, month)
    half_path = halved_copy()
    half, _ = best_of(half_path, settings, month)
    half_path.unlink()
    text = "\n".join([
        f"Month {month}, as-of {AS_OF:%Y-%m-%d %H:%M}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()),
        "",
        "| data | all metrics, best of 3 | metric rows |",
        "|---|---:|---:|",
        f"| group scale | {full:.1f} s | {rows:,} |",
        f"| half the records | {half:.1f} s | |",
    ])
    (OUT / "metrics.md").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
