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
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines import periods
from pipelines.ingest.headers import HeaderMatcher
from pipelines.ingest.normalize import normalise_chunk, total_row_lines
from pipelines.ingest.prefetch import prefetch
from pipelines.ingest.read import EXTRA, LINE, RaggedRows, RejectedFile, open_export
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
    form: str | None = None  # what the file was read as (forms.py), whatever its name
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)  # how it was read: a form its name hides, the sheet chosen

    @property
    def status_word(self) -> str:
        return {"loaded": "已导入", "rejected": "拒收", "unchanged": "未变"}[self.status]

    @property
    def reconciles(self) -> bool:
        return self.rows_read == self.rows_loaded + self.rows_quarantined


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(4 << 20):
            digest.update(block)
    return digest.hexdigest()


def previous_outcome(conn, dataset: str, digest: str, source_file: str) -> FileReport | None:
    """The earlier outcome for this exact content, if it still stands."""
    rows = conn.execute(
        """select source_file, status, message, rows_read, rows_loaded, rows_quarantined
           from files where dataset = ? and file_hash = ? and status in ('loaded', 'rejected')
           order by ingested_at desc limit 1""",
        [dataset, digest],
    ).fetchall()
    if not rows:
        return None
    source, status, message, read, loaded, quarantined = rows[0]
    note = "内容未变，已跳过" if source == source_file else f"与已导入的 {source} 内容相同，已跳过"
    if status == "rejected":
        note += f"（当时拒收：{message}）"
    return FileReport(dataset, source_file, "unchanged", read or 0, loaded or 0, quarantined or 0, message=note)


def now_known(conn, ds: Dataset, digest: str, source_file: str, known: dict[str, set[str]]) -> int:
    """Rows of this loaded file quarantined for an id (site, campaign) that is known by now:
    a site added to 项目清单 after its calls were exported lets them load."""
    found = 0
    for col in (c for c in ds.columns.values() if c.references):
        found += conn.execute(
            """select count(*) from quarantine where dataset = ? and file_hash = ? and source_file = ?
               and "column" = ? and value in (select unnest(?::varchar[]))""",
            [ds.name, digest, source_file, col.name, sorted(known.get(col.references, ()))],
        ).fetchall()[0][0]
    return found


def _forget_file(conn, ds: Dataset, meta) -> None:
    """Take back what an earlier load of this very file put in, before loading it again."""
    conn.execute(f"delete from {ds.name} where {_this_file()}", _params(meta))
    conn.execute(f"delete from quarantine where dataset = '{ds.name}' and {_this_file()}", _params(meta))
    conn.execute(
        f"update files set status = 'superseded' where dataset = '{ds.name}' and status = 'loaded' and {_this_file()}",
        _params(meta),
    )


def load_file(
    conn: duckdb.DuckDBPyConnection,
    ds: Dataset,
    path: Path,
    source_file: str,
    run_id: str,
    matcher: HeaderMatcher,
    known: dict[str, set[str]],
    progress: Callable[[int], None] = lambda rows: None,
    sheet: str | None = None,
) -> FileReport:
    """Ingest one file (from `sheet`, if given); an unreadable file is recorded as rejected and loads nothing."""
    digest = file_hash(path)
    earlier = previous_outcome(conn, ds.name, digest, source_file)
    recheck = earlier is not None and now_known(conn, ds, digest, source_file, known)
    if earlier is not None and not recheck:
        return earlier
    meta = {"hash": digest, "run_id": run_id, "path": path, "source_file": source_file, "sheet": sheet}
    conn.execute("begin transaction")
    try:
        if recheck:  # load it again, whole: rows it quarantined for an unknown id may pass now
            _forget_file(conn, ds, meta)
        try:
            report = _load_in_transaction(conn, ds, meta, matcher, known, progress, tolerant=False)
        except RaggedRows:  # rows with missing or extra cells: read again, keeping them
            conn.execute("rollback")
            conn.execute("begin transaction")
            report = _load_in_transaction(conn, ds, meta, matcher, known, progress, tolerant=True)
        conn.execute("commit")
    except RejectedFile as rejected:
        conn.execute("rollback")
        report = FileReport(ds.name, source_file, "rejected", message=str(rejected))
        _record_file(conn, ds.name, meta, report, opened=None)
    except OSError:  # the disk or share, not the file's content: the run retries or fails
        conn.execute("rollback")
        raise
    except Exception as exc:  # a reader or parser choking on this file: reject it, the others load
        conn.execute("rollback")
        first = (str(exc).splitlines() or [""])[0][:200]
        report = FileReport(ds.name, source_file, "rejected",
                            message=f"读取时出错（{type(exc).__name__}：{first}）；整个文件未导入")
        _record_file(conn, ds.name, meta, report, opened=None)
    except BaseException:
        conn.execute("rollback")
        raise
    return report


def _load_in_transaction(conn, ds, meta, matcher, known, progress, tolerant) -> FileReport:
    opened = open_export(meta["path"], ds, matcher, meta["sheet"])
    schema = schema_for(ds, known)
    lineage = [meta["source_file"], meta["hash"], meta["run_id"]]
    read = 0
    checked = ((chunk.num_rows, *check_chunk(chunk, ds, schema)) for chunk in opened.chunks(tolerant))
    for rows, good, issues in prefetch(checked):
        read += rows
        _append(conn, ds.name, ["source_line", *ds.columns], good.reset_index(), lineage)
        if not issues.empty:
            _append(conn, "quarantine", ISSUE_FIELDS, issues, [ds.name] + lineage)
        progress(rows)
    _quarantine_duplicate_keys(conn, ds, meta)
    loaded, quarantined = _counts(conn, ds, meta)  # as read: rows a newer export outranks were loaded too
    replaced, outranked = _replace_superseded(conn, ds, meta)
    report = FileReport(
        ds.name,
        meta["source_file"],
        "loaded",
        rows_read=read,
        rows_loaded=loaded,
        rows_quarantined=quarantined,
        rows_replaced=replaced,
        message=f"{outranked} 行的记录在文件夹中有更新的导出，以那份为准" if outranked else "",
        skipped_lines=opened.skipped_lines,
        unknown_headers=opened.unknown_headers,
        form=opened.form.kind,
        sheet=opened.sheet,
        notes=opened.notes,
    )
    if not report.reconciles:  # a bug, never a data problem: refuse to commit it
        raise AssertionError(f"{meta['source_file']}: read {read} ≠ loaded {loaded} + quarantined {quarantined}")
    _record_file(conn, ds.name, meta, report, opened)
    return report


ISSUE_FIELDS = ["source_line", "column", "value", "reason", "record"]
LINEAGE_FIELDS = ["source_file", "file_hash", "ingest_run_id"]


def _append(conn, table: str, fields: list[str], frame: pd.DataFrame, constants: list) -> None:
    """Insert a chunk straight into its table, with the lineage every row carries."""
    names = ", ".join(f'"{f}"' for f in fields)
    extra = (["dataset"] if table == "quarantine" else []) + LINEAGE_FIELDS
    conn.register("chunk_rows", pa.Table.from_pandas(frame[fields], preserve_index=False))
    conn.execute(
        f"""insert into {table} ({names}, {", ".join(extra)})
            select {names}, {", ".join("?" * len(extra))} from chunk_rows""",
        constants,
    )
    conn.unregister("chunk_rows")


def check_chunk(chunk: pa.Table, ds: Dataset, schema) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed good rows (index = line) and one issue per problem found, with the row as read."""
    typed, unreadable = normalise_chunk(chunk, ds)
    failed = schema_issues(schema, typed, ds)
    # an unreadable required cell is also null: say it once, as unreadable
    said = set(zip(unreadable["line"], unreadable["column"]))
    failed = failed[[pair not in said for pair in zip(failed["line"], failed["column"])]]
    issues = pd.concat([unreadable, failed], ignore_index=True)
    if issues.empty:
        return typed, issues.assign(record=None).rename(columns={"line": "source_line"})
    bad_lines = issues["line"].unique()
    totals = total_row_lines(chunk, bad_lines)
    if len(totals):
        issues = pd.concat(
            [issues[~issues["line"].isin(totals)], _total_row_issues(totals)], ignore_index=True
        )
    issues["record"] = issues["line"].map(_records(chunk, bad_lines))
    return typed.drop(index=bad_lines), issues.rename(columns={"line": "source_line"})


def _total_row_issues(lines) -> pd.DataFrame:
    return pd.DataFrame({"line": list(lines), "column": None, "value": None, "reason": TOTAL_ROW_REASON})


def _records(chunk: pa.Table, lines) -> dict[int, str]:
    """The failing rows as read, cell text by column, for quarantine."""
    rows = chunk.filter(pc.is_in(chunk[LINE], pa.array(np.asarray(lines, dtype=np.int64))))
    return {
        row.pop(LINE): json.dumps(
            {k.removeprefix("~"): v for k, v in row.items() if v is not None and k != EXTRA},
            ensure_ascii=False,
        )
        for row in rows.to_pylist()
    }


def _this_file(alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return f"{prefix}file_hash = $hash and {prefix}source_file = $source"


def _params(meta) -> dict:
    return {"hash": meta["hash"], "source": meta["source_file"]}


def _quarantine_duplicate_keys(conn, ds: Dataset, meta) -> None:
    """Within one file an id stands once: the first row loads, later ones go to quarantine."""
    keys = ", ".join(f'"{k}"' for k in ds.key)
    label = "+".join(ds.label(k) for k in ds.key)
    conn.execute(
        f"""create or replace temp table file_dupes as
            with repeated as (
              select {keys}, min(source_line) as first_line from {ds.name}
              where {_this_file()} group by all having count(*) > 1)
            select t.*, r.first_line from {ds.name} t join repeated r using ({keys})
            where {_this_file("t")} and t.source_line > r.first_line""",
        _params(meta),
    )
    conn.execute(
        f"""insert into quarantine by name
            select '{ds.name}' as dataset, source_file, source_line, file_hash, ingest_run_id,
                   '{ds.key[0]}' as "column", concat_ws('/', {keys}) as value,
                   '「{label}」在本文件中重复，与第 ' || first_line || ' 行相同；保留首行' as reason,
                   to_json(d) as record
            from file_dupes d"""
    )
    conn.execute(
        f"""delete from {ds.name} where {_this_file()}
            and source_line in (select source_line from file_dupes)""",
        _params(meta),
    )


def _replace_superseded(conn, ds: Dataset, meta) -> tuple[int, int]:
    """Settle which export stands for each record, by the folder as it is, never by load history:
    an older version of this path goes; for an id in other files too, the export modified last
    (then the later path) wins. Returns (rows of other files this one replaced, rows of this one
    a newer export outranks)."""
    match = " and ".join(f'n."{k}" is not distinct from t."{k}"' for k in ds.key)
    params = _params(meta) | {"mtime": dt.datetime.fromtimestamp(meta["path"].stat().st_mtime)}
    stamp = f"""(select max(f.modified_at) from files f where f.dataset = '{ds.name}'
                 and f.file_hash = t.file_hash and f.source_file = t.source_file)"""
    newer = f"({stamp} > $mtime or ({stamp} = $mtime and t.source_file > $source))"
    earlier_version = conn.execute(
        f"delete from {ds.name} t where not ({_this_file('t')}) and t.source_file = $source", _params(meta)
    ).fetchall()[0][0]
    outranked = conn.execute(
        f"""delete from {ds.name} n where {_this_file("n")}
              and exists (select 1 from {ds.name} t where not ({_this_file("t")}) and {match} and {newer})""",
        params,
    ).fetchall()[0][0]
    replaced = conn.execute(
        f"""delete from {ds.name} t
            where not ({_this_file("t")}) and not {newer}
              and exists (select 1 from {ds.name} n where {_this_file("n")} and {match})""",
        params,
    ).fetchall()[0][0]
    # the older version's quarantined rows went with it: they are no longer in the folder
    conn.execute("delete from quarantine where dataset = ? and source_file = ? and file_hash <> ?",
                 [ds.name, meta["source_file"], meta["hash"]])
    conn.execute(
        "update files set status = 'superseded' where dataset = ? and source_file = ? and status = 'loaded'",
        [ds.name, meta["source_file"]],
    )
    return earlier_version + replaced, outranked


def _counts(conn, ds: Dataset, meta) -> tuple[int, int]:
    loaded = conn.execute(f"select count(*) from {ds.name} where {_this_file()}", _params(meta)).fetchall()[0]
    quarantined = conn.execute(
        f"select count(distinct source_line) from quarantine where dataset = '{ds.name}' and {_this_file()}",
        _params(meta),
    ).fetchall()[0]
    return loaded[0], quarantined[0]


def record_unplaced(conn, path: Path, source_file: str, run_id: str) -> FileReport:
    """A file in no dataset's folder loads nothing, but is named every run, and recorded once."""
    digest = file_hash(path)
    if (earlier := previous_outcome(conn, "", digest, source_file)) is not None:
        return earlier
    folder = source_file.split("/")[0] if "/" in source_file else None
    where = f"文件夹 {folder}/ 不是任何数据集的名字" if folder else "文件直接放在原始数据文件夹下"
    report = FileReport("", source_file, "rejected",
                        message=f"不在任何数据集的文件夹中（{where}）；请放到 raw/<数据集>/ 下，如 raw/repairs/")
    _record_file(conn, "", {"hash": digest, "run_id": run_id, "path": path, "source_file": source_file},
                 report, opened=None)
    return report


def _record_file(conn, dataset: str, meta, report: FileReport, opened) -> None:
    stat = meta["path"].stat()
    row = {
        "file_hash": meta["hash"],
        "dataset": dataset,
        "source_file": meta["source_file"],
        "size_bytes": stat.st_size,
        "modified_at": dt.datetime.fromtimestamp(stat.st_mtime),
        "encoding": opened.encoding if opened else None,
        "header_line": opened.header_line if opened else None,
        "skipped_lines": report.skipped_lines,
        "unknown_headers": report.unknown_headers,
        "rows_read": report.rows_read,
        "rows_loaded": report.rows_loaded,
        "rows_quarantined": report.rows_quarantined,
        "rows_replaced": report.rows_replaced,
        "status": report.status,
        "message": report.message,
        "ingest_run_id": meta["run_id"],
        "ingested_at": periods.now(),
        "form": report.form,
        "sheet": report.sheet,
        "notes": report.notes,
    }
    conn.execute(f"insert into files ({', '.join(row)}) values ({', '.join('?' * len(row))})", list(row.values()))
