"""Benchmark: report.html, report.pdf and the evidence files for a group-scale month.

    .venv/bin/python -m bench.report_bench      (after bench.metrics_bench has loaded the warehouse)

Computes the month's metrics once into a copy of bench/out/warehouse.duckdb, then times
render_report and reports each file's size and the PDF's page count.
"""

from __future__ import annotations

import logging
import re
import shutil
import time

from bench.ingest_bench import OUT
from bench.metrics_bench import AS_OF, WAREHOUSE, month_of_data


def main() -> None:
    from pipelines import metrics, warehouse
    from pipelines.report import render_report
    from pipelines.settings import load_settings

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    copy = OUT / "warehouse-report.duckdb"
    shutil.copy(WAREHOUSE, copy)
    settings = load_settings()
    month = month_of_data()
    conn = warehouse.connect(copy)
    metrics.compute(conn, month, AS_OF, settings.rules, "bench-report")
    started = time.perf_counter()
    paths = render_report(conn, "bench-report", month, OUT / "report" / month)
    seconds = time.perf_counter() - started
    conn.close()
    copy.unlink()
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", (OUT / "report" / month / "report.pdf").read_bytes()))
    lines = [f"Report for {month} at group scale: {seconds:.1f} s in all; PDF {pages} pages", "",
             "| file | size |", "|---|---:|"]
    lines += [f"| {p.name} | {p.stat().st_size / 2**20:.1f} MiB |" for p in paths]
    text = "\n".join(lines)
    (OUT / "report.md").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
