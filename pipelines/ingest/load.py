"""Load one export file into the warehouse, all or nothing.

Inside one transaction: stream the file chunk by chunk through normalising and
the schema, stage the good rows, move within-file duplicate ids to quarantine,
replace the records this file supersedes (an older version of the same path,
or the same ids from an earlier export), insert, and record the file with its
reconciliation. A crash or a kill before COMMIT leaves the warehouse as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.ingest.headers import HeaderMatcher
from pipelines.ingest.normalize import normalise_chunk, total_row_lines
from pipelines.ingest.read import RejectedFile, open_export
from pipelines.ingest.validate import schema_issues
from schemas.checks import schema_for
from schemas.declarations import Dataset

TOTAL_ROW_REASON = "合计/总计行，不是一条记录"


@dataclass
class FileReport:
    dataset: str
    source_file: str
    status: str  # loaded | rejected | unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_replaced: int = 0
    message: str = ""
    skipped_lines: list[str] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(4 << 20):
            digest.update(block)
    return digest.hexdigest()


def previous_outcome(conn, ds: Dataset, digest: str) -> FileReport | None:
    """The earlier outcome for this exact content, if it still stands."""
    row = conn.execute(
        """select source_file, status, message, rows_read, rows_loaded, rows_quarantined
           from files where dataset = ? and file_hash = ? and status in ('loaded', 'rejected')
           order by ingested_at desc limit 1""",
        [ds.name, digest],
    ).fetchone()
    if row is None:
        return None
    source, status, message, read, loaded, quarantined = row
    note = f"内容未变，已于先前导入（{source}）" + (f"；当时拒收：{message}" if status == "rejected" else "")
    return FileReport(ds.name, source, "unchanged", read or 0, loaded or 0, quarantined or 0, message=note)


def load_file(
    conn: duckdb.DuckDBPyConnection,
    ds: Dataset,
    path: Path,
    source_file: str,
    run_id: str,
    matcher: HeaderMatcher,
    known: dict[str, set[str]],
    progress: Callable[[int], None] = lambda rows: None,
) -> FileReport:
    """Ingest one file; an unreadable file is recorded as rejected and loads nothing."""
    digest = file_hash(path)
    earlier = previous_outcome(conn, ds, digest)
    if earlier is not None:
        return earlier
    meta = {"hash": digest, "run_id": run_id, "path": path, "source_file": source_file}
    conn.execute("begin transaction")
    try:
        report = _load_in_transaction(conn, ds, meta, matcher, known, progress)
        conn.execute("commit")
    except RejectedFile as rejected:
        conn.execute("rollback")
        report = FileReport(ds.name, source_file, "rejected", message=str(rejected))
        _record_file(conn, ds, meta, report, opened=None)
    except BaseException:
        conn.execute("rollback")
        raise
    return report


def _load_in_transaction(conn, ds, meta, matcher, known, progress) -> FileReport:
    opened = open_export(meta["path"], ds, matcher)
    schema = schema_for(ds, known)
    _create_stage(conn, ds)
    read = 0
    for chunk in opened.chunks():
        read += len(chunk)
        good, issues = _check_chunk(chunk, ds, schema)
        conn.register("good_rows", pa.Table.from_pandas(good, preserve_index=True))
        conn.execute("insert into stage_rows by name select * from good_rows")
        conn.unregister("good_rows")
        if not issues.empty:
            conn.register("chunk_issues", issues)
            conn.execute("insert into stage_issues by name select * from chunk_issues")
            conn.unregister("chunk_issues")
        progress(len(chunk))
    _quarantine_duplicate_keys(conn, ds)
    replaced = _replace_superseded(conn, ds, meta)
    loaded = _insert_rows(conn, ds, meta)
    quarantined = _insert_quarantine(conn, ds, meta)
    report = FileReport(
        ds.name,
        meta["source_file"],
        "loaded",
        rows_read=read,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        rows_replaced=replaced,
        skipped_lines=opened.skipped_lines,
        unknown_headers=opened.unknown_headers,
    )
    if not report.reconciles:  # a bug, never a data problem: refuse to commit it
        raise AssertionError(f"{meta['source_file']}: read {read} ≠ loaded {loaded} + quarantined {quarantined}")
    _record_file(conn, ds, meta, report, opened)
    return report


def _check_chunk(chunk: pd.DataFrame, ds: Dataset, schema) -> tuple[pd.DataFrame, pd.DataFrame]:
    typed, unreadable = normalise_chunk(chunk, ds)
    failed = schema_issues(schema, typed, ds)
    # an unreadable required cell is also null: say it once, as unreadable
    already = pd.MultiIndex.from_frame(unreadable[["line", "column"]].astype({"column": object}))
    failed = failed[~pd.MultiIndex.from_frame(failed[["line", "column"]].astype({"column": object})).isin(already)]
    issues = pd.concat([unreadable, failed], ignore_index=True)
    if issues.empty:
        return typed.rename_axis("source_line"), issues
    totals = total_row_lines(chunk, issues["line"].unique())
    if len(totals):
        issues = pd.concat(
            [issues[~issues["line"].isin(totals)], _total_row_issues(totals)], ignore_index=True
        )
    issues["record"] = issues["line"].map(_records(chunk, issues["line"].unique()))
    good = typed.drop(index=issues["line"].unique())
    return good.rename_axis("source_line"), issues


def _total_row_issues(lines) -> pd.DataFrame:
    return pd.DataFrame({"line": list(lines), "column": None, "value": None, "reason": TOTAL_ROW_REASON})


def _records(chunk: pd.DataFrame, lines) -> dict[int, str]:
    rows = chunk.loc[lines].drop(columns="__extra_cells")
    return {
        int(line): json.dumps({k: v for k, v in row.items() if isinstance(v, str)}, ensure_ascii=False)
        for line, row in rows.iterrows()
    }


def _create_stage(conn, ds: Dataset) -> None:
    cols = ", ".join(f'"{c.name}" {c.sql_type}' for c in ds.columns.values())
    conn.execute(f"create or replace temp table stage_rows (source_line bigint, {cols})")
    conn.execute(
        """create or replace temp table stage_issues
           (line bigint, "column" varchar, value varchar, reason varchar, record json)"""
    )


def _key_match(ds: Dataset, left: str, right: str) -> str:
    return " and ".join(f'{left}."{k}" is not distinct from {right}."{k}"' for k in ds.key)


def _quarantine_duplicate_keys(conn, ds: Dataset) -> None:
    """Within one file an id stands once: the first row loads, later ones go to quarantine."""
    keys = ", ".join(f'"{k}"' for k in ds.key)
    label = "+".join(ds.label(k) for k in ds.key)
    conn.execute(
        f"""create or replace temp table stage_dupes as
            select source_line, first_line, {keys} from (
              select source_line, {keys},
                     min(source_line) over (partition by {keys}) as first_line
              from stage_rows) where source_line > first_line"""
    )
    conn.execute(
        f"""insert into stage_issues
            select d.source_line, '{ds.key[0]}', concat_ws('/', {", ".join(f'd."{k}"' for k in ds.key)}),
                   '「{label}」在本文件中重复，与第 ' || d.first_line || ' 行相同；保留首行',
                   to_json(r)
            from stage_dupes d join stage_rows r on r.source_line = d.source_line"""
    )
    conn.execute("delete from stage_rows where source_line in (select source_line from stage_dupes)")


def _replace_superseded(conn, ds: Dataset, meta) -> int:
    """Drop what this file supersedes: an older version of the same path, and the same ids from earlier exports."""
    before = conn.execute(f"select count(*) from {ds.name}").fetchone()[0]
    conn.execute(f"delete from {ds.name} where source_file = ?", [meta["source_file"]])
    conn.execute(
        f"delete from {ds.name} t where exists (select 1 from stage_rows s where {_key_match(ds, 's', 't')})"
    )
    conn.execute(
        "update files set status = 'superseded' where dataset = ? and source_file = ? and status = 'loaded'",
        [ds.name, meta["source_file"]],
    )
    return before - conn.execute(f"select count(*) from {ds.name}").fetchone()[0]


def _insert_rows(conn, ds: Dataset, meta) -> int:
    cols = ", ".join(f'"{c}"' for c in ds.columns)
    conn.execute(
        f"""insert into {ds.name} ({cols}, source_file, source_line, file_hash, ingest_run_id)
            select {cols}, ?, source_line, ?, ? from stage_rows""",
        [meta["source_file"], meta["hash"], meta["run_id"]],
    )
    return conn.execute("select count(*) from stage_rows").fetchone()[0]


def _insert_quarantine(conn, ds: Dataset, meta) -> int:
    conn.execute(
        """insert into quarantine
           select ?, ?, line, ?, ?, "column", value, reason, record from stage_issues""",
        [ds.name, meta["source_file"], meta["hash"], meta["run_id"]],
    )
    return conn.execute("select count(distinct line) from stage_issues").fetchone()[0]


def _record_file(conn, ds: Dataset, meta, report: FileReport, opened) -> None:
    stat = meta["path"].stat()
    conn.execute(
        "insert into files values (" + ", ".join(["?"] * 17) + ")",
        [
            meta["hash"],
            ds.name,
            meta["source_file"],
            stat.st_size,
            dt.datetime.fromtimestamp(stat.st_mtime),
            opened.encoding if opened else None,
            opened.header_line if opened else None,
            report.skipped_lines,
            report.unknown_headers,
            report.rows_read,
            report.rows_loaded,
            report.rows_quarantined,
            report.rows_replaced,
            report.status,
            report.message,
            meta["run_id"],
            dt.datetime.now(),
        ],
    )
