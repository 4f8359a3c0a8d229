"""A machine that has never run Prefect: `kpi run` creates Prefect's home and database from
nothing and completes, also while the machine is busy (the failure a new user met first).

The run is the real `kpi` command in a subprocess, with a Prefect home that does not exist yet and
without any Prefect setting of ours in its environment: what it needs, the product sets itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pipelines.prefect_env import DEFAULTS
from tests.faults import CALLS_A
from tests.kpi_process import KPI

BUSY = "while True: pass"


@pytest.fixture
def busy_machine():
    """Every core kept busy for the length of the test, as on a loaded 2-core machine."""
    burners = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(os.cpu_count() or 2)]
    try:
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


@pytest.mark.slow
def test_kpi_run_with_a_brand_new_prefect_home_on_a_busy_machine_exits_0(raw, tmp_path, busy_machine):
    raw.write("calls", "a.csv", CALLS_A)
    home = tmp_path / "never-ran-prefect"
    env = {k: v for k, v in os.environ.items() if k not in DEFAULTS and k != "PREFECT_LOGGING_LEVEL"}
    env["PREFECT_HOME"] = str(home)
    ran = subprocess.run(
        [KPI, "run", "--raw", raw.root, "--warehouse", raw.db_path, "--out", tmp_path / "out",
         "--month", "2026-10", "--as-of", "2026-11-05T06:00"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert (home / "prefect.db").exists()  # Prefect made its database from nothing
    rows = json.loads((tmp_path / "out" / "2026-10" / "metrics.json").read_text(encoding="utf-8"))
    company = [r for r in rows if r["metric"] == "call.answer_3_rings_rate" and r["site_id"] is None]
    # CALLS_A: three inbound calls, all answered within 2 rings
    assert [(r["numerator"], r["denominator"], r["meets_target"]) for r in company] == [(3, 3, True)]
    assert "Prefect collects anonymous usage data" not in ran.stderr + ran.stdout
