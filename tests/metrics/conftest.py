"""A warehouse to write hand-made records into, and the month's metrics read back.

    books.add("sites", site_id="S1", site_type="residential")
    books.add("repairs", ticket_id="T1", site_id="S1", reported_at=..., completed_at=..., ...)
    m = books.compute("2026-10", as_of="2026-11-05 00:00")
    m.row("repair.callback_rate", "S1")          # value, numerator, denominator, target, meets_target ...
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

import pytest

from pipelines import metrics, warehouse
from pipelines.rules import resolve as resolve_rules
from schemas.declarations import datasets

RULES = resolve_rules()


@dataclass(frozen=True)
class Row:
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    meets_target: bool | None
    pending: int
    flags: list[str]


class Metrics:
    def __init__(self, conn, run_id: str):
        self.conn, self.run_id = conn, run_id

    def row(self, metric: str, site_id: str | None = None, period: str | None = None) -> Row:
        rows = self.conn.execute(
            """select value, numerator, denominator, target, meets_target, pending, flags from metrics
               where run_id = ? and metric = ? and site_id is not distinct from ?
                 and (? is null or period = ?)""",
            [self.run_id, metric, site_id, period, period],
        ).fetchall()
        assert len(rows) == 1, f"{metric} {site_id} {period}: {len(rows)} rows"
        return Row(*rows[0])

    def has(self, metric: str, site_id: str | None = None) -> bool:
        return bool(self.conn.execute(
            "select count(*) from metrics where run_id = ? and metric = ? and site_id is not distinct from ?",
            [self.run_id, metric, site_id],
        ).fetchall()[0][0])

    def metrics_of(self, site_id: str | None) -> set[str]:
        rows = self.conn.execute(
            "select distinct metric from metrics where run_id = ? and site_id is not distinct from ?",
            [self.run_id, site_id],
        ).fetchall()
        return {r[0] for r in rows}

    def evidence(self, metric: str, site_id: str | None = None, outcome: str | None = None) -> list[tuple]:
        """(record_id, outcome, source_file, source_line, detail) behind a metric, by record."""
        return self.conn.execute(
            """select record_id, outcome, source_file, source_line, detail from evidence
               where run_id = ? and metric = ? and site_id is not distinct from ? and (? is null or outcome = ?)
               order by record_id""",
            [self.run_id, metric, site_id, outcome, outcome],
        ).fetchall()


class Books:
    """Records written straight into the warehouse tables (ingest is tested on its own)."""

    def __init__(self):
        self.conn = warehouse.connect(":memory:")
        self.lines: dict[str, int] = {}
        self.rules = copy.deepcopy(RULES)

    def add(self, dataset: str, **row) -> None:
        line = self.lines[dataset] = self.lines.get(dataset, 1) + 1
        row |= {"source_file": f"{dataset}/test.csv", "source_line": line, "file_hash": "h", "ingest_run_id": "t"}
        unknown = set(row) - set(datasets()[dataset].columns) - {"source_file", "source_line", "file_hash", "ingest_run_id"}
        assert not unknown, f"{dataset} has no column {unknown}"
        names = ", ".join(f'"{k}"' for k in row)
        self.conn.execute(f"insert into {dataset} ({names}) values ({', '.join('?' * len(row))})", list(row.values()))

    def site(self, site_id: str, site_type: str = "residential", **more) -> None:
        self.add("sites", site_id=site_id, site_name=site_id, site_type=site_type, **more)

    def compute(self, month: str, as_of: str) -> Metrics:
        run_id = f"run-{month}-{as_of}"
        metrics.compute(self.conn, month, dt.datetime.fromisoformat(as_of), self.rules, run_id)
        return Metrics(self.conn, run_id)


@pytest.fixture
def books() -> Books:
    return Books()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
