"""The scheduler for real: a local Prefect server (SQLite), a process worker, the deployments
of prefect.yaml, and the nightly deployment run to completion. Slow (about a minute), and CI
runs it. Everything it starts is stopped in `finally`, even when an assertion fails.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from pipelines.demo import generate

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"Prefect server not healthy at {url} after {seconds} s")


def stop(process: subprocess.Popen | None, grace: float = 15) -> None:
    """SIGTERM the process group, then SIGINT (the worker needs a second signal), then SIGKILL."""
    if process is None or process.poll() is not None:
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=grace / 2)
            return
        except subprocess.TimeoutExpired:
            continue
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def prefect(env: dict, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "prefect"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_nightly_deployment_runs_to_completion_under_a_real_worker(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "COLUMNS": "250",  # the CLI tables truncate names in a narrow terminal
    }
    raw, out, warehouse = tmp_path / "raw", tmp_path / "out", tmp_path / "w.duckdb"
    generate(raw, sites=4)
    server = worker = None
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("server", "worker")}
    try:
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=logs["server"], stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_healthy(f"http://127.0.0.1:{port}/api/health")
        created = prefect(env, "work-pool", "create", "kpi", "--type", "process")
        assert created.returncode == 0, created.stdout + created.stderr
        deployed = prefect(env, "--no-prompt", "deploy", "--all")
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        listed = prefect(env, "deployment", "ls")
        for name in ("nightly/nightly", "monthly/monthly", "backfill/backfill"):
            assert name in listed.stdout
        worker = subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", "kpi"],
            cwd=ROOT, env=env, stdout=logs["worker"], stderr=subprocess.STDOUT, start_new_session=True,
        )
        ran = prefect(
            env, "deployment", "run", "nightly/nightly",
            "--param", f"raw={raw}", "--param", f"warehouse={warehouse}", "--param", f"out={out}",
            "--watch", "--watch-timeout", "300",
            timeout=360,
        )
        assert ran.returncode == 0, ran.stdout + ran.stderr + (tmp_path / "worker.log").read_text()
        assert "Completed" in ran.stdout
        written = list(out.glob("*/metrics.json"))
        assert len(written) == 1
        assert json.loads(written[0].read_text(encoding="utf-8"))
        artifacts = prefect(env, "artifact", "ls")
        assert "kpi-summary" in artifacts.stdout and "kpi-quarantine" in artifacts.stdout
        # the schedules were created in Asia/Shanghai: the next nightly run is at 02:00 there
        scheduled = prefect(env, "deployment", "inspect", "nightly/nightly")
        assert "0 2 * * *" in scheduled.stdout and "Asia/Shanghai" in scheduled.stdout
    finally:
        stop(worker)
        stop(server)
        for log in logs.values():
            log.close()
    assert server.poll() is not None and worker.poll() is not None
