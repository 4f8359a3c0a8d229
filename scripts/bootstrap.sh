# Sourced by run.sh and test.sh: make .venv from uv.lock, with nothing but Python 3.11+.
# uv itself is installed with pip into a small tools venv the first time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "kpi needs Python 3.11 or newer; '$PYTHON' is $("$PYTHON" --version 2>&1). Set PYTHON=/path/to/python3.11" >&2
  exit 2
fi
TOOLS="$ROOT/.venv-tools"
if [ ! -x "$TOOLS/bin/uv" ]; then
  echo "· installing uv into $TOOLS (once)" >&2
  "$PYTHON" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check "uv==0.13.8"
fi
export UV_PROJECT_ENVIRONMENT="$ROOT/.venv" UV_COMPILE_BYTECODE=1 UV_PYTHON="$PYTHON"
"$TOOLS/bin/uv" sync --frozen --quiet --project "$ROOT"
export PATH="$ROOT/.venv/bin:$PATH"
