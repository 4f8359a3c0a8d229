"""Outputs are written beside their target and renamed over it: a reader (a manager's browser,
the mail job, an auditor's Excel) never sees half a file, and a failed write leaves the
previous file whole."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path


def atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call write(partial) on a hidden sibling, flush it to disk, then rename it over `path`.
    An OSError names `path` (not the hidden file), and nothing half-made is left."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(partial)
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        partial.replace(path)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    finally:
        with contextlib.suppress(OSError):  # cleaning up must not hide what went wrong
            partial.unlink(missing_ok=True)
    return path


def write_atomically(path: Path, text: str) -> Path:
    return atomically(path, lambda partial: partial.write_text(text, encoding="utf-8"))
