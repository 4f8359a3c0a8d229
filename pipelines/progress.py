"""What a run tells the person watching it while it works: the stage it is in, and how far
through the files and rows it is.

The jobs report to whichever reporter is current; the `kpi` command makes one for its terminal
(a live bar, plain lines in a log, or nothing with --quiet) and sets it for the length of the
run. A context variable rather than a parameter, because the Prefect flow sits between the two
and its parameters are stored with the flow run: a console is not a parameter.

    with progress.reporting(reporter):
        kpi_run(...)                      # its tasks call progress.current().stage(...)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Protocol


class Reporter(Protocol):
    def stage(self, name: str, files: int | None = None) -> None:
        """A stage begins; `files`: how many export files it will go through."""

    def file(self, path: Path, dataset) -> Callable[[int], None]:
        """A file begins; returns what to call with each block's row count."""


class Silent:
    """No one is watching (a flow run under a worker, a test, --quiet)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def stage(self, name: str, files: int | None = None) -> None:
        pass

    def file(self, path: Path, dataset) -> Callable[[int], None]:
        return lambda rows: None


SILENT = Silent()
_current: ContextVar[Reporter | None] = ContextVar("kpi_progress", default=None)


def current() -> Reporter:
    return _current.get() or SILENT


@contextmanager
def reporting(reporter: Reporter) -> Iterator[Reporter]:
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        _current.reset(token)
