#!/usr/bin/env bash
# The main job on the embedded default: demo exports into data/raw/ (when it is empty),
# then the monthly run: ingest → data/warehouse.duckdb → out/YYYY-MM/.
# Extra arguments go to `kpi run` (e.g. --month 2026-10 --as-of 2026-11-01T06:00).
source "$(dirname "$0")/scripts/bootstrap.sh"
cd "$ROOT"
if [ -z "$(ls -A data/raw 2>/dev/null | grep -v README.md)" ]; then
  kpi demo-data --out data/raw
fi
# without --month: the latest month that has ended and has data (the demo's: 2026-11)
exec kpi run --raw data/raw --warehouse data/warehouse.duckdb --out out "$@"
