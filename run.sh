#!/usr/bin/env bash
# The main job on the embedded default: demo exports into data/raw/ (when it is empty),
# then the monthly run into out/. Extra arguments go to `kpi run`.
source "$(dirname "$0")/scripts/bootstrap.sh"
cd "$ROOT"
if [ -z "$(ls -A data/raw 2>/dev/null | grep -v README.md)" ]; then
  kpi demo-data --out data/raw
fi
exec kpi ingest --raw data/raw --warehouse data/warehouse.duckdb "$@"
