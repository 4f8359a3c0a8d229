#!/usr/bin/env bash
# The main job on the embedded default: demo exports into data/raw/ (when it is empty),
# then the monthly run: ingest → data/warehouse.duckdb → out/YYYY-MM/.
# Extra arguments go to `kpi run` (e.g. --month 2026-10 --as-of 2026-11-01T06:00).
source "$(dirname "$0")/scripts/bootstrap.sh"
cd "$ROOT"
args=("$@")
if [ -z "$(ls -A data/raw 2>/dev/null | grep -v README.md)" ]; then
  kpi demo-data --out data/raw
  # the demo covers 2026-09..2026-11: report its last complete month unless told otherwise
  [ ${#args[@]} -eq 0 ] && args=(--month 2026-10)
fi
exec kpi run --raw data/raw --warehouse data/warehouse.duckdb --out out "${args[@]}"
