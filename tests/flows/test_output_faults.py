"""An unwritable or full output folder, or a report that fails: a clear failed state with a one-line
reason, never half a report, and the month's previous outputs left whole."""

from __future__ import annotations

from typer.testing import CliRunner

from pipelines import jobs
from tests.faults import calls_for_october, runs


def test_an_output_folder_that_cannot_be_made_fails_the_run_with_a_one_line_reason(raw, tmp_path, prefect_env):
    from pipelines.cli import app

    calls_for_october(raw)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the output folder should be\n")  # works as root too, unlike chmod
    out = blocker / "out"
    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--month", "2026-10", "--as-of", "2026-11-05T06:00", "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert not list(tmp_path.rglob("metrics.json"))
    ((_, _, status, _, _, message),) = runs(raw)
    assert status == "failed" and message.startswith("NotADirectoryError")
    # one line, as a log shows it (no terminal), naming what could not be written and why
    reason = [line for line in result.stderr.splitlines() if "运行失败" in line]
    assert len(reason) == 1, result.stderr
    assert str(out / "2026-10") in reason[0] and "Not a directory" in reason[0], result.stderr[-400:]


def test_a_full_disk_fails_the_run_and_leaves_no_metrics_json(raw, tmp_path, prefect_env, monkeypatch):
    from pipelines.cli import app

    calls_for_october(raw)
    month_dir = tmp_path / "out" / "2026-10"
    month_dir.mkdir(parents=True)
    real_write = jobs.write_atomically

    def onto_a_full_device(path, text):
        # the temporary file lands on a device that is always full: a real ENOSPC from the kernel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_name(f".{path.name}.partial").symlink_to("/dev/full")
        return real_write(path, text)

    monkeypatch.setattr(jobs, "write_atomically", onto_a_full_device)
    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--month", "2026-10", "--as-of", "2026-11-05T06:00",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1, result.output
    reason = [line for line in result.stderr.splitlines() if "运行失败" in line]
    assert len(reason) == 1 and "No space left on device" in reason[0], result.stderr
    assert not (month_dir / "metrics.json").exists()
    assert [p.name for p in month_dir.iterdir() if not p.name.startswith(".")] == []
    ((_, _, status, _, _, message),) = runs(raw)
    assert status == "failed" and "No space left on device" in message


def test_a_run_failing_in_the_report_leaves_the_previous_outputs_whole(raw, tmp_path, prefect_env, monkeypatch):
    from pipelines.cli import app

    calls_for_october(raw)
    month_dir = tmp_path / "out" / "2026-10"
    month_dir.mkdir(parents=True)
    (month_dir / "metrics.json").write_text('[{"metric": "previous"}]', encoding="utf-8")

    def broken_report(*args, **kwargs):
        raise RuntimeError("the report template is broken")

    monkeypatch.setattr(jobs, "render_report", broken_report)
    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--month", "2026-10", "--as-of", "2026-11-05T06:00",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "运行失败 RuntimeError: the report template is broken" in result.stderr
    # the new metrics.json was made, but is never moved in without the rest of its set
    assert (month_dir / "metrics.json").read_text(encoding="utf-8") == '[{"metric": "previous"}]'
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2026-10"]
