"""The monthly report stage (contract §3): report.html, report.pdf and evidence.xlsx of a run.

    from pipelines.report import render_report
    paths = render_report(conn, run_id, "2026-10", out / "2026-10")          # Chinese
    paths = render_report(conn, run_id, "2026-10", out / "2026-10", lang="en")

Everything is read from the warehouse tables the metrics stage wrote (metrics, evidence,
pareto, files, quarantine, runs); no rate is recomputed. Each file is written beside its
target and renamed into place, so a reader never sees half a report.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb

from pipelines.atomic import atomically
from pipelines.report import context, evidence_xlsx, html, pdf
from pipelines.report.data import latest_run

__all__ = ["latest_run", "render_report", "render_html"]

log = logging.getLogger(__name__)


def render_html(conn: duckdb.DuckDBPyConnection, run_id: str, month: str, lang: str = "zh",
                company: str | None = None) -> str:
    """The report page as a string (what report.html holds and report.pdf prints)."""
    return html.render(context.build(conn, run_id, month, lang, company))


def render_report(conn: duckdb.DuckDBPyConnection, run_id: str, month: str, out_dir: Path, lang: str = "zh",
                  company: str | None = None) -> list[Path]:
    """Write out_dir/report.html, report.pdf and evidence.xlsx for one run's month; return their paths.

    `conn` may be the run's own read-write connection: everything here only reads.
    `company` names the company in the title and page header (none: a generic title)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    timings = {}
    started = time.perf_counter()
    ctx = context.build(conn, run_id, month, lang, company)
    page = html.render(ctx)
    timings["html"] = time.perf_counter() - started
    html_path = atomically(out_dir / "report.html", lambda p: p.write_text(page, encoding="utf-8"))
    mark = time.perf_counter()
    big = conn.execute("select count(*) from evidence where run_id = ?", [run_id]).fetchall()[0][0] > BIG_EVIDENCE
    with _pdf_beside(big) as print_pdf:
        # a big month: the PDF prints in a second process while this one writes the workbook
        pending_pdf = print_pdf(page, out_dir / "report.pdf")
        as_of = conn.execute("select max(as_of) from metrics where run_id = ?", [run_id]).fetchall()[0][0]
        xlsx_path = atomically(out_dir / "evidence.xlsx",
                                lambda p: evidence_xlsx.write_evidence(conn, run_id, month, p, lang, as_of))
        csv_path = atomically(out_dir / "evidence.csv",
                               lambda p: evidence_xlsx.write_evidence_csv(conn, run_id, p))
        timings["xlsx"] = time.perf_counter() - mark
        pdf_path = pending_pdf()
    timings["pdf"] = time.perf_counter() - mark
    log.info("report %s %s: %s", month, run_id, ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    return [html_path, pdf_path, xlsx_path, csv_path]


BIG_EVIDENCE = 50_000  # evidence rows above which the workbook takes long enough to print the PDF beside it


def _print_pdf(page: str, path: Path) -> Path:
    return atomically(path, lambda p: pdf.write_pdf(page, p))


@contextlib.contextmanager
def _pdf_beside(parallel: bool):
    """Yields print(page, path) -> wait() -> path: in this process, or in a spawned one (not a
    fork: the DuckDB connection's threads must not be copied)."""
    if not parallel:
        def print_now(page: str, path: Path):
            done = _print_pdf(page, path)
            return lambda: done

        yield print_now
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield lambda page, path: pool.submit(_print_pdf, page, path).result
