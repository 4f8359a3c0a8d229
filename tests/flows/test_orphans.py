"""Issue 11 #15: `kill -9` of `kpi run` leaves no process behind — not Prefect's temporary
server, not a spawned PDF printer, not anything they start in turn."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.faults import CALLS_A
from tests.kpi_process import KPI, log_env

# a stand-in for `kpi`: guarded, it starts a plain subprocess and a spawned pool worker (as the
# PDF printer is started), prints their PIDs and waits to be killed
GUARDED = """
import multiprocessing, os, subprocess, sys, time
from concurrent.futures import ProcessPoolExecutor
from pipelines import orphans

if __name__ == "__main__":
    if sys.argv[1] == "guarded":
        orphans.guard()
    child = subprocess.Popen(["sleep", "600"], stdout=subprocess.DEVNULL)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    print(child.pid, pool.submit(os.getpid).result(), flush=True)
    time.sleep(600)
"""


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for whoever inherited it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def gone_within(pids, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def killed_stand_in(mode: str) -> list[int]:
    """Start the stand-in, kill -9 it once its children are up; their PIDs."""
    started = subprocess.Popen([sys.executable, "-c", GUARDED, mode], stdout=subprocess.PIPE, text=True,
                               env=log_env())
    children = [int(p) for p in started.stdout.readline().split()]
    assert len(children) == 2 and all(alive(p) for p in children)
    time.sleep(0.5)  # the children outlive this moment while their parent lives
    assert all(alive(p) for p in children)
    os.kill(started.pid, signal.SIGKILL)
    started.wait(timeout=10)
    return children


def test_without_the_guard_a_killed_parent_leaves_its_children_running():
    """The fault itself, so the test below is known to test something."""
    children = killed_stand_in("unguarded")
    try:
        assert not gone_within(children, 3)
    finally:
        for pid in children:
            os.kill(pid, signal.SIGKILL)


def test_a_guarded_process_killed_with_sigkill_takes_its_subprocess_and_pool_worker_with_it():
    assert gone_within(killed_stand_in("guarded"), 15)


def prefect_server_of(pid: int) -> int | None:
    """The uvicorn child Prefect starts as its temporary server."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if ppid == pid and b"uvicorn" in command:
            return int(entry.name)
    return None


def test_kill_9_of_kpi_run_stops_prefects_temporary_server(raw, tmp_path):
    raw.write("calls", "a.csv", CALLS_A)
    env = log_env() | {"PREFECT_HOME": str(tmp_path / "prefect-home")}
    env.pop("PREFECT_API_URL", None)
    started = subprocess.Popen(
        [KPI, "run", "--raw", raw.root, "--warehouse", raw.db_path, "--month", "2026-10", "--out",
         tmp_path / "out"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    server = None
    while server is None:
        assert started.poll() is None, "the run ended before its server could be seen"
        assert time.monotonic() < deadline, "Prefect's temporary server never started"
        server = prefect_server_of(started.pid)
        time.sleep(0.05)
    os.kill(started.pid, signal.SIGKILL)
    started.wait(timeout=10)
    assert gone_within([server], 15)
