"""Data quality and lineage as the warehouse records them: files, quarantine, freshness.

No personal data leaves here: quarantine is summarised by reason (never by value or record),
and files by their name, hash and row counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import duckdb

from pipelines import periods
from pipelines.freshness import Freshness, check
from pipelines.rules import plain, resolve
from schemas.declarations import LOAD_ORDER

@dataclass(frozen=True)
class FileRow:
    dataset: str
    source_file: str
    file_hash: str
    rows_read: int | None
    rows_loaded: int | None
    rows_quarantined: int | None
    rows_replaced: int | None
    status: str
    message: str | None
    ingested_at: dt.datetime | None
    notes: list[str] | None = None  # how it was read: a form its name hides, the sheet chosen


def files(conn: duckdb.DuckDBPyConnection) -> list[FileRow]:
    order = {name: i for i, name in enumerate(LOAD_ORDER)}
    # a warehouse no run has opened since `notes` was added is read as it is (reports open read-only)
    has_notes = "notes" in {c[0] for c in conn.execute("select * from files limit 0").description}
    rows = conn.execute(
        f"""select dataset, source_file, file_hash, rows_read, rows_loaded, rows_quarantined, rows_replaced,
                  status, message, ingested_at, {"notes" if has_notes else "null"}
            from files order by source_file, ingested_at"""
    ).fetchall()
    return sorted((FileRow(*r) for r in rows), key=lambda f: (order.get(f.dataset, 99), f.source_file))


def top_reasons(conn: duckdb.DuckDBPyConnection, limit: int = 12) -> tuple[list[tuple[str, str, int]], int]:
    """The commonest quarantine reasons, (dataset, reason, rows), and the total rows quarantined.

    Line numbers inside a reason ("与第 910 行相同") are folded, so one cause counts once."""
    rows = conn.execute(
        """select dataset, regexp_replace(reason, '第 ?[0-9]+ ?行', '第 … 行', 'g') as why, count(*) as n
           from quarantine group by all order by n desc, dataset, why limit ?""",
        [limit],
    ).fetchall()
    total = conn.execute("select count(*) from quarantine").fetchall()[0][0]
    return rows, total


FINDINGS_SHOWN = 20  # the rest are in evidence.xlsx / evidence.csv


def findings(conn: duckdb.DuckDBPyConnection, run_id: str) -> tuple[list[tuple], int]:
    """Records the run found questionable but did not change (an urgent repair not marked urgent):
    (site, record, detail, file, line) of the first FINDINGS_SHOWN, and how many there are."""
    rows = conn.execute(
        """select site_id, record_id, detail, source_file, source_line from evidence
           where run_id = ? and outcome = 'finding' order by site_id, source_file, source_line limit ?""",
        [run_id, FINDINGS_SHOWN],
    ).fetchall()
    total = conn.execute("select count(*) from evidence where run_id = ? and outcome = 'finding'",
                         [run_id]).fetchall()[0][0]
    return rows, total


def freshness(conn: duckdb.DuckDBPyConnection, month: str, as_of: dt.datetime | None, rules: dict) -> list[Freshness]:
    """Per dataset: rows held, newest record, records in the month, and a verdict (pipelines.freshness).

    A run recorded before the freshness rule existed is judged by today's defaults."""
    rules = rules if "freshness" in rules else {**rules, "freshness": _default_freshness()}
    as_of = as_of or dt.datetime.combine(periods.add_months(periods.month_start(month), 1), dt.time())
    return check(conn, rules, as_of, month)


@cache
def _default_freshness() -> dict:
    return plain(resolve()["freshness"])


def config_files(settings: dict) -> list[str]:
    return list(settings.get("config_files") or [])
