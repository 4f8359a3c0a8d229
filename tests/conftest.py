"""Shared fixtures: a raw folder to drop exports into, and ingest into a fresh warehouse."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Before Prefect is imported. The suite runs Prefect from nothing, as on a new machine: its own
# empty Prefect home (never the user's ~/.prefect, whose database a pass here would depend on),
# and no server of the user's. Subprocesses inherit this environment.
PREFECT_HOME = Path(tempfile.mkdtemp(prefix="kpi-tests-prefect-home-"))
atexit.register(shutil.rmtree, PREFECT_HOME, ignore_errors=True)
os.environ["PREFECT_HOME"] = str(PREFECT_HOME)
for name in ("PREFECT_API_URL", "PREFECT_API_KEY", "PREFECT_PROFILES_PATH", "PREFECT_PROFILE"):
    os.environ.pop(name, None)
# no INFO lines written at interpreter exit (the temporary server's goodbye) after pytest has
# closed the captured streams
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import pytest  # noqa: E402

from pipelines import warehouse  # noqa: E402
from pipelines.ingest import ingest  # noqa: E402
from pipelines.ingest.headers import HeaderMatcher  # noqa: E402
from pipelines.settings import load_settings  # noqa: E402
from schemas.declarations import datasets  # noqa: E402

SITES_CSV = "项目编号,项目名称,项目类型,案场电话\nS1,一号院,住宅,\nS2,二号楼,写字楼,\nS3,三号案场,案场,021-61234567\n"


class RawFolder:
    """data/raw/ in miniature: write exports, ingest them, query the warehouse."""

    def __init__(self, root: Path):
        self.root = root / "raw"
        self.db_path = root / "warehouse.duckdb"
        self._clock = 1_700_000_000  # file mtimes, so "newer export" is explicit in tests
        self.write("sites", "sites.csv", SITES_CSV)

    def write(self, dataset: str, name: str, text: str, encoding: str = "utf-8") -> Path:
        path = self.root / dataset / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
        self._clock += 60
        os.utime(path, (self._clock, self._clock))
        return path

    def ingest(self, headers: dict | None = None, sheets: dict | None = None):
        conn = warehouse.connect(self.db_path)
        try:
            run_id = warehouse.start_run(conn, "test", {})
            reports = ingest(conn, self.root, run_id, HeaderMatcher(datasets(), headers), sheets=sheets)
        finally:
            conn.close()
        return {r.source_file: r for r in reports}

    def rows(self, sql: str, params=()) -> list[tuple]:
        conn = warehouse.connect(self.db_path)
        try:
            return conn.execute(sql, list(params)).fetchall()
        finally:
            conn.close()


@pytest.fixture
def raw(tmp_path) -> RawFolder:
    return RawFolder(tmp_path)


@pytest.fixture
def settings(raw, tmp_path):
    return load_settings(raw=raw.root, warehouse=raw.db_path, out=tmp_path / "out")


@pytest.fixture
def prefect_env(monkeypatch):
    """What `kpi run` sets before it loads Prefect; and log-like output (no terminal width)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    monkeypatch.delenv("COLUMNS", raising=False)
