"""A killed `kpi` takes its helper processes with it.

`kill -9` of `kpi run` skips every atexit handler, so Prefect's temporary server (~200 MB) and a
spawned PDF printer (~440 MB on a big month) would live on. `guard()` starts a small reaper first:
it runs in a session of its own (a Ctrl-C or a kill of the terminal's group does not take it
first) and waits on a pipe whose only writer is the `kpi` process. The pipe closes however that
process ends; the reaper then stops every process whose environment carries this process's mark.
Children inherit the mark whoever spawns them (Prefect's server, a process pool, a subprocess of
theirs), so nothing of Prefect's has to be changed, and nothing spawned in the last instant is
missed as it could be by polling for children.

Linux only (it reads /proc); elsewhere `guard()` does nothing.

    python -m pipelines.orphans TOKEN FD     # the reaper itself, started by guard()
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time

MARK = "KPI_REAPED_WITH"
GRACE_SECONDS = 5.0  # as long as Prefect's own stop() gives its server after SIGTERM
_write_end: int | None = None  # held open, never closed: it closes when this process ends


def guard() -> None:
    """Once per process: from now on, whatever this process starts dies with it."""
    global _write_end
    if _write_end is not None or not os.path.isdir("/proc/self"):
        return
    token = secrets.token_hex(8)
    read_end, _write_end = os.pipe()  # both close-on-exec: no child holds the pipe open
    reaper_env = {k: v for k, v in os.environ.items() if k != MARK}
    subprocess.Popen(
        [sys.executable, "-m", "pipelines.orphans", token, str(read_end)],
        pass_fds=[read_end], start_new_session=True, env=reaper_env,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(read_end)
    os.environ[MARK] = token


def marked(token: str) -> list[int]:
    """Live processes carrying the mark (a zombie's environment reads empty)."""
    needle = f"{MARK}={token}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as env:
                if needle in env.read().split(b"\0"):
                    found.append(int(entry.name))
        except OSError:  # gone meanwhile, or another user's
            continue
    return found


def stop_marked(token: str, grace: float = GRACE_SECONDS) -> None:
    """SIGTERM first (the server shuts down cleanly), SIGKILL what is still there after `grace`."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, grace)):
        for pid in marked(token):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + wait
        while marked(token) and time.monotonic() < deadline:
            time.sleep(0.1)


def _reap(token: str, fd: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with os.fdopen(fd, "rb") as pipe:
        pipe.read()  # returns once no writer is left: the kpi process has ended, however it ended
    stop_marked(token)


if __name__ == "__main__":
    _reap(sys.argv[1], int(sys.argv[2]))
