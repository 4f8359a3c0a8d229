"""Ingest: every export under the raw folder into the warehouse, file by file.

    raw/<dataset>/*.csv|*.xlsx  →  read  →  normalise  →  validate  →  load
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from pipelines.ingest.headers import HeaderMatcher
from pipelines.ingest.load import FileReport, load_file
from schemas.declarations import Dataset, datasets

EXPORT_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}

__all__ = ["FileReport", "discover", "ingest", "known_ids", "unknown_folders"]


def discover(raw_dir: Path, ds: Dataset) -> list[Path]:
    """The dataset's export files, oldest first, so a newer export replaces an older one."""
    folder = raw_dir / ds.name
    if not folder.is_dir():
        return []
    files = [
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES and not p.name.startswith(("~$", "."))
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def unknown_folders(raw_dir: Path) -> list[str]:
    """Folders under raw/ that name no dataset: most likely a typo the user wants to hear about."""
    if not raw_dir.is_dir():
        return []
    return sorted(p.name for p in raw_dir.iterdir() if p.is_dir() and p.name not in datasets())


def known_ids(conn: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Ids other datasets may reference: sites and survey campaigns loaded so far."""
    return {
        name: {row[0] for row in conn.execute(f"select distinct {key} from {name}").fetchall()}
        for name, key in (("sites", "site_id"), ("survey_campaigns", "campaign_id"))
    }


def ingest(
    conn: duckdb.DuckDBPyConnection,
    raw_dir: Path,
    run_id: str,
    matcher: HeaderMatcher,
    on_file: Callable[[Path, Dataset], Callable[[int], None]] = lambda path, ds: (lambda n: None),
    only: list[str] | None = None,
    on_plan: Callable[[int], None] = lambda files: None,
) -> list[FileReport]:
    """Load every new or changed export (of the `only` datasets, if given); one report per file seen.
    `on_plan` hears how many files there are before the first; `on_file` as each begins."""
    planned = [(ds, path) for ds in datasets().values() if only is None or ds.name in only
               for path in discover(raw_dir, ds)]
    on_plan(len(planned))
    reports = []
    for ds, path in planned:
        source_file = path.relative_to(raw_dir).as_posix()
        progress = on_file(path, ds)
        reports.append(load_file(conn, ds, path, source_file, run_id, matcher, known_ids(conn), progress))
    return reports
