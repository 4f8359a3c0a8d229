"""Small warehouses built with the project's own code, shared by the report tests.

`demo_wh`: the demo generator's exports for 4 sites and two months, ingested and computed
for 2026-09 and 2026-10 (so "change against last month" has something to compare).
`sparse_wh`: the same month with complaints, repairs and surveys missing altogether.
Both are built once per session: generating and ingesting takes a few seconds.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from pipelines import demo, metrics, run_view, warehouse
from pipelines.ingest import ingest
from pipelines.ingest.headers import HeaderMatcher
from pipelines.rules import plain
from pipelines.rules import resolve as resolve_rules
from schemas.declarations import datasets

RULES = resolve_rules()
MONTH = "2026-10"


@dataclass
class Warehouse:
    path: Path
    runs: dict[str, str]  # month -> run id

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.path), read_only=True)


def build_warehouse(root: Path, drop: tuple[str, ...] = ()) -> Warehouse:
    raw = root / "raw"
    demo.generate(raw, sites=4, months=["2026-09", "2026-10"])
    for name in drop:
        shutil.rmtree(raw / name, ignore_errors=True)
    conn = warehouse.connect(root / "w.duckdb")
    runs = {}
    try:
        for month, as_of in (("2026-09", "2026-10-05 06:00"), ("2026-10", "2026-11-05 06:00")):
            when = dt.datetime.fromisoformat(as_of)
            run_id = warehouse.start_run(conn, "test", {"rules": plain(RULES)}, when)
            ingest(conn, raw, run_id, HeaderMatcher(datasets(), {}))
            metrics.compute(conn, month, when, RULES, run_id)
            run_view.store(conn, run_id, month, when, RULES)
            warehouse.finish_run(conn, run_id, "completed")
            runs[month] = run_id
    finally:
        conn.close()
    return Warehouse(root / "w.duckdb", runs)


@pytest.fixture(scope="session")
def demo_wh(tmp_path_factory) -> Warehouse:
    return build_warehouse(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def sparse_wh(tmp_path_factory) -> Warehouse:
    return build_warehouse(tmp_path_factory.mktemp("sparse"),
                           drop=("complaints", "repairs", "survey_campaigns", "survey_responses"))


@pytest.fixture(scope="session")
def demo_html(demo_wh) -> str:
    from pipelines.report import render_html

    with demo_wh.connect() as conn:
        return render_html(conn, demo_wh.runs[MONTH], MONTH)
