"""Data quality and lineage as the warehouse records them: files, quarantine, freshness.

No personal data leaves here: quarantine is summarised by reason (never by value or record),
and files by their name, hash and row counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from pipelines.freshness import Freshness
from schemas.declarations import load_order

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


def files(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[FileRow]:
    """Every export as the run saw it (run_files), in load order."""
    order = {name: i for i, name in enumerate(load_order())}
    rows = conn.execute(
        """select dataset, source_file, file_hash, rows_read, rows_loaded, rows_quarantined, rows_replaced,
                  status, message, ingested_at, notes
           from run_files where run_id = ? order by source_file, ingested_at""",
        [run_id],
    ).fetchall()
    return sorted((FileRow(*r) for r in rows), key=lambda f: (order.get(f.dataset, 99), f.source_file))


def top_reasons(conn: duckdb.DuckDBPyConnection, run_id: str, limit: int = 12) -> tuple[list[tuple], int]:
    """The commonest quarantine reasons the run saw, (dataset, reason, rows), and the total rows
    quarantined. Line numbers inside a reason ("与第 910 行相同") were folded, so one cause counts once."""
    rows = conn.execute(
        "select dataset, reason, rows from run_quarantine where run_id = ? order by rows desc, dataset, reason limit ?",
        [run_id, limit],
    ).fetchall()
    total = conn.execute("select coalesce(sum(rows), 0) from run_quarantine where run_id = ?", [run_id]).fetchall()
    return rows, int(total[0][0])


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


def freshness(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[Freshness]:
    """Per dataset, as the run judged it: rows held, newest record, records in the month, verdict."""
    rows = conn.execute(
        "select * exclude (run_id) from run_freshness where run_id = ? order by rowid", [run_id]).fetchall()
    return [Freshness(*r) for r in rows]


def config_files(settings: dict) -> list[str]:
    return list(settings.get("config_files") or [])
