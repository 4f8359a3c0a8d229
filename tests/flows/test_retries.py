"""Retries: a transient I/O error is tried again, a data problem or a refused write is not."""

from __future__ import annotations

import datetime as dt
import errno
import json

import pytest

from pipelines import jobs
from tests.faults import calls_for_october, metric_row, runs

AS_OF = dt.datetime(2026, 11, 5, 6, 0)


class _State:
    """Just enough of a Prefect state for `_transient`: result() raises what the task raised."""

    def __init__(self, error: BaseException | None):
        self.error = error

    def result(self):
        if self.error is not None:
            raise self.error
        return 1


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (OSError(errno.EIO, "Input/output error"), True),
        (OSError(errno.EAGAIN, "Resource temporarily unavailable"), True),
        (OSError(errno.ETIMEDOUT, "Connection timed out"), True),
        (OSError(errno.ESTALE, "Stale file handle"), True),
        (TimeoutError("share did not answer"), True),
        (ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"), True),
        (PermissionError(errno.EACCES, "Permission denied"), False),
        (FileNotFoundError(errno.ENOENT, "No such file or directory"), False),
        (NotADirectoryError(errno.ENOTDIR, "Not a directory"), False),
        (OSError(errno.ENOSPC, "No space left on device"), False),
        (ValueError("bad data"), False),
        (None, False),
    ],
)
def test_only_transient_errors_are_retried(error, retried):
    from pipelines import flows

    assert flows._transient(None, None, _State(error)) is retried


def test_io_tasks_retry_and_metrics_does_not():
    from pipelines import flows

    for task in (flows.ingest_task, flows.outputs_task):
        assert task.retries == 2 and task.retry_condition_fn is flows._transient
    assert flows.metrics_task.retries == 0


def test_an_output_write_failing_once_with_eio_is_retried_and_the_run_completes(raw, settings, tmp_path, monkeypatch,
                                                                                 prefect_env):
    from pipelines import flows

    calls_for_october(raw)
    real, calls = jobs.write_outputs, []

    def flaky(conn, settings, run_id, month, lang="zh"):
        calls.append(month)
        if len(calls) == 1:
            raise OSError(errno.EIO, "Input/output error", str(settings.out_dir))
        return real(conn, settings, run_id, month, lang)

    monkeypatch.setattr(jobs, "write_outputs", flaky)
    # the declared policy (2 retries, transient only), without the 10 s wait between tries
    monkeypatch.setattr(flows, "outputs_task", flows.outputs_task.with_options(retry_delay_seconds=0))
    out = tmp_path / "out"
    result = flows.kpi_run(settings, month="2026-10", as_of=AS_OF)
    assert calls == ["2026-10", "2026-10"]  # failed once, retried once
    month_dir = out / "2026-10"
    assert result.outputs == [month_dir / "metrics.json", month_dir / "report.html", month_dir / "report.pdf",
                              month_dir / "evidence.xlsx", month_dir / "evidence.csv"]
    rows = json.loads((out / "2026-10" / "metrics.json").read_text(encoding="utf-8"))
    assert metric_row(rows, "call.answer_3_rings_rate", "S1", "2026-10")["value"] == 0.5
    assert [r[2] for r in runs(raw)] == ["completed"]


def test_a_permission_error_is_not_retried_and_the_run_is_marked_failed(raw, settings, monkeypatch, prefect_env):
    from pipelines import flows

    calls_for_october(raw)
    calls = []

    def denied(conn, settings, run_id, month, lang="zh"):
        calls.append(month)
        raise PermissionError(errno.EACCES, "Permission denied", str(settings.out_dir / month))

    monkeypatch.setattr(jobs, "write_outputs", denied)
    monkeypatch.setattr(flows, "outputs_task", flows.outputs_task.with_options(retry_delay_seconds=0))
    with pytest.raises(PermissionError):
        flows.kpi_run(settings, month="2026-10", as_of=AS_OF)
    assert calls == ["2026-10"]
    ((_, _, status, _, finished, message),) = runs(raw)
    assert status == "failed" and finished is not None
    assert message.startswith("PermissionError: [Errno 13] Permission denied")
