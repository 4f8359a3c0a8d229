"""Ingest: every export under the raw folder into the warehouse, file by file.

    raw/<dataset>/<any file>  →  read (by content)  →  normalise  →  validate  →  load

Every file is tried, whatever its name: what it is comes from its bytes (read.py). A file that
is no export is rejected with its reason, and a file in no dataset's folder is named too:
nothing in the raw folder is passed over in silence, except hidden files, the lock files
Office leaves beside an open workbook (~$…), and the folder's own README.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb

from pipelines.ingest.headers import HeaderMatcher
from pipelines.ingest.load import FileReport, load_file, record_unplaced
from schemas.declarations import Dataset, datasets

__all__ = ["FileReport", "discover", "ingest", "known_ids", "unknown_folders", "unplaced"]


def _visible_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not _hidden(p.relative_to(folder))]


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "~$")) for part in relative.parts)


def discover(raw_dir: Path, ds: Dataset) -> list[Path]:
    """The files in the dataset's folder, oldest first, so a newer export replaces an older one."""
    folder = raw_dir / ds.name
    if not folder.is_dir():
        return []
    return sorted(_visible_files(folder), key=lambda p: (p.stat().st_mtime, p.name))


def unplaced(raw_dir: Path) -> list[Path]:
    """Files directly in the raw folder or in a folder that names no dataset."""
    if not raw_dir.is_dir():
        return []
    known = datasets()
    found = [p for p in raw_dir.iterdir() if p.is_file() and not _hidden(Path(p.name)) and p.name != "README.md"]
    for folder in raw_dir.iterdir():
        if folder.is_dir() and folder.name not in known and not _hidden(Path(folder.name)):
            found += _visible_files(folder)
    return sorted(found)


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
    sheets: Mapping[str, str] | None = None,
) -> list[FileReport]:
    """Load every new or changed export (of the `only` datasets, if given); one report per file seen,
    files in no dataset's folder included. `sheets` names the sheet to read per dataset.
    `on_plan` hears how many files there are before the first; `on_file` as each begins."""
    planned = [(ds, path) for ds in datasets().values() if only is None or ds.name in only
               for path in discover(raw_dir, ds)]
    on_plan(len(planned))
    reports = []
    for ds, path in planned:
        source_file = path.relative_to(raw_dir).as_posix()
        progress = on_file(path, ds)
        reports.append(load_file(conn, ds, path, source_file, run_id, matcher, known_ids(conn), progress,
                                 sheet=(sheets or {}).get(ds.name)))
    if only is None:
        reports += [record_unplaced(conn, path, path.relative_to(raw_dir).as_posix(), run_id)
                    for path in unplaced(raw_dir)]
    return reports
