"""Benchmark: validated ingest at group scale, beside DuckDB's own CSV load of the same files.

    .venv/bin/python -m bench.ingest_bench            # generate (once) and measure
    .venv/bin/python -m bench.ingest_bench --regen    # generate the data again first

Group scale is `kpi demo-data --scale`: 1,000 sites, one month with ~5M calls,
1M repair tickets, 100k complaints, 500k questionnaires, 200k CRM records.
Each measurement runs in its own process so its peak memory (VmHWM) is its own.
Writes the table to bench/out/ingest.md and prints it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"
RAW = OUT / "raw"


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_ingest(dataset: str, warehouse: str) -> dict:
    """Validated ingest of one dataset (what it references is loaded first, untimed)."""
    from pipelines import warehouse as wh
    from pipelines.ingest import ingest
    from pipelines.ingest.headers import HeaderMatcher
    from schemas.declarations import datasets

    conn = wh.connect(warehouse)
    run_id = wh.start_run(conn, "bench", {})
    matcher = HeaderMatcher(datasets())
    needed = {"sites", "survey_campaigns"} if dataset == "survey_responses" else {"sites"}
    ingest(conn, RAW, run_id, matcher, only=sorted(needed - {dataset}))
    started = time.perf_counter()
    reports = ingest(conn, RAW, run_id, matcher, only=[dataset])
    seconds = time.perf_counter() - started
    conn.close()
    return {
        "rows": sum(r.rows_read for r in reports),
        "quarantined": sum(r.rows_quarantined for r in reports),
        "seconds": seconds,
        "peak_mib": peak_rss_mib(),
    }


def measure_duckdb(dataset: str, warehouse: str) -> dict:
    """DuckDB's own read_csv of the same files into a table.

    GB18030 files are transcoded first, inside the timing: DuckDB cannot read them offline."""
    import duckdb

    from pipelines.ingest import discover
    from pipelines.ingest.encodings import detect_encoding
    from schemas.declarations import datasets

    paths = [p for p in discover(RAW, datasets()[dataset]) if p.suffix.lower() == ".csv"]
    if not paths:
        return {"rows": 0, "seconds": None, "peak_mib": None}
    conn = duckdb.connect(warehouse)
    started = time.perf_counter()
    rows = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, path in enumerate(paths):
            source = path
            encoding = detect_encoding(path)
            if encoding not in ("utf-8", "utf-8-sig"):
                source = Path(tmp) / f"{i}.csv"
                with path.open(encoding=encoding, newline="") as src, source.open("w", encoding="utf-8") as dst:
                    shutil.copyfileobj(src, dst, 4 << 20)
            verb = "create table t as" if i == 0 else "insert into t"
            conn.execute(
                f"{verb} select * from read_csv(?, header = true, all_varchar = true, "
                "null_padding = true, ignore_errors = true, skip = 0, auto_detect = true)",
                [str(source)],
            )
        rows = conn.execute("select count(*) from t").fetchall()[0][0]
    seconds = time.perf_counter() - started
    conn.close()
    return {"rows": rows, "seconds": seconds, "peak_mib": peak_rss_mib()}


def run_child(kind: str, dataset: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [sys.executable, "-m", "bench.ingest_bench", "--child", kind, dataset, str(Path(tmp) / "w.duckdb")],
            capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent,
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def table(results: dict) -> str:
    lines = [
        "| dataset | rows | validated ingest s | rows/s | peak MiB | DuckDB read_csv s | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    total_ours = total_duck = 0.0
    for name, (ours, duck) in results.items():
        rate = ours["rows"] / ours["seconds"] if ours["seconds"] else 0
        duck_s = duck["seconds"]
        ratio = f"{ours['seconds'] / duck_s:.1f}×" if duck_s else "—"
        total_ours += ours["seconds"]
        total_duck += duck_s or 0
        lines.append(
            f"| {name} | {ours['rows']:,} | {ours['seconds']:.1f} | {rate:,.0f} | {ours['peak_mib']:,.0f} | "
            f"{f'{duck_s:.1f}' if duck_s else '— (XLSX)'} | {ratio} |"
        )
    lines.append(f"| **all** | | **{total_ours:.1f}** | | | **{total_duck:.1f}** | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--regen", action="store_true", help="generate the group-scale data again")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, dataset, warehouse = args.child
        measure = measure_ingest if kind == "ingest" else measure_duckdb
        print(json.dumps(measure(dataset, warehouse)))
        return

    from pipelines.demo import generate
    from schemas.declarations import datasets

    if args.regen or not RAW.exists():
        shutil.rmtree(RAW, ignore_errors=True)
        started = time.perf_counter()
        generate(RAW, scale=True)
        print(f"generated group-scale data in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    results = {}
    for name in datasets():
        results[name] = (run_child("ingest", name), run_child("duckdb", name))
        print(f"{name}: {results[name][0]['seconds']:.1f} s", file=sys.stderr)
    text = table(results)
    OUT.mkdir(exist_ok=True)
    (OUT / "ingest.md").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
