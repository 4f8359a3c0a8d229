"""Benchmark: report.html, report.pdf and the evidence files for a group-scale month.

    .venv/bin/python -m bench.report_bench      (after bench.metrics_bench has loaded the warehouse)

Computes the month's metrics once into a copy of bench/out/warehouse.duckdb, then times
render_report and reports each file's size and the PDF's page count.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import time

from bench.ingest_bench import OUT
from bench.metrics_bench import AS_OF, WAREHOUSE, month_of_data


def _pages(path) -> str:
    """The page count, from poppler's pdfinfo where the machine has it (the product does not need it)."""
    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return match.group(1) if match else "?"


def main() -> None:
    from pipelines import metrics, run_view, warehouse
    from pipelines.report import render_report
    from pipelines.settings import load_settings

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    copy = OUT / "warehouse-report.duckdb"
    shutil.copy(WAREHOUSE, copy)
    settings = load_settings()
    month = month_of_data()
    conn = warehouse.connect(copy)
    metrics.compute(conn, month, AS_OF, settings.rules, "bench-report")
    run_view.store(conn, "bench-report", month, AS_OF, settings.rules)  # what a run stores for its report
    started = time.perf_counter()
    paths = render_report(conn, "bench-report", month, OUT / "report" / month)
    seconds = time.perf_counter() - started
    conn.close()
    copy.unlink()
    pages = _pages(OUT / "report" / month / "report.pdf")
    lines = [f"Report for {month} at group scale: {seconds:.1f} s in all; PDF {pages} pages", "",
             "| file | size |", "|---|---:|"]
    lines += [f"| {p.name} | {p.stat().st_size / 2**20:.1f} MiB |" for p in paths]
    text = "\n".join(lines)
    (OUT / "report.md").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
