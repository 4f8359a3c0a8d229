"""The real `kpi` command in a subprocess, as an operator or a cron job runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KPI = str(Path(sys.executable).with_name("kpi"))


def log_env() -> dict[str, str]:
    """The environment of a cron job: no terminal, so no COLUMNS."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return env


def kpi(*args, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([KPI, *map(str, args)], cwd=cwd, env=log_env(), capture_output=True, text=True,
                          timeout=timeout)


def kpi_started(*args, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([KPI, *map(str, args)], cwd=cwd, env=log_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
