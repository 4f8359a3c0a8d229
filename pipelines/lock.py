"""One writer at a time: a lock beside the warehouse file.

DuckDB allows one read-write process per file; a second one fails with a cryptic
IO error. This lock makes the second run wait (up to a limit) or stop with a clear
message naming the run that holds it. The operating system releases the lock when
its process ends, however it ends (kill -9 included), so it never goes stale.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from pipelines import periods


class WarehouseBusy(Exception):
    """Another run is writing to this warehouse."""


def lock_path(warehouse: Path) -> Path:
    """Beside the file itself: a symlink or a relative spelling of the path finds the same lock."""
    real = Path(warehouse).resolve()
    return real.with_name(real.name + ".lock")


# The lock `kpi run` takes before it starts its flow, handed over to the flow it starts (which
# asks for the same lock): only that hand-over is re-entrant, never another run in the process.
_handed_over: ContextVar[Path | None] = ContextVar("kpi_writer_lock", default=None)


@contextmanager
def writer_lock(warehouse: Path, wait_seconds: float = 0, poll_seconds: float = 0.5,
                hand_over: bool = False) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block; wait up to `wait_seconds` for it.
    `hand_over`: what runs inside the block may take it again (the command's own flow)."""
    path = lock_path(warehouse)
    if _handed_over.get() == path:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "另一个进程"
                    raise WarehouseBusy(
                        f"数据仓库 {warehouse} 正被另一个运行写入（{holder}）；请等它结束后再试，"
                        "或用 --wait 秒数 排队等待"
                    ) from None
                time.sleep(poll_seconds)
        handle.seek(0)
        handle.truncate()
        handle.write(f"进程 {os.getpid()}，开始于 {periods.now():%Y-%m-%d %H:%M:%S}")
        handle.flush()
        token = _handed_over.set(path) if hand_over else None
        try:
            yield
        finally:
            if token is not None:
                _handed_over.reset(token)
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
