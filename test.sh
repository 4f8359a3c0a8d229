#!/usr/bin/env bash
# Run the test suite in the project's own virtual environment (made from uv.lock on first use).
source "$(dirname "$0")/scripts/bootstrap.sh"
cd "$ROOT"
exec python -m pytest "$@"
