"""Viewing commands read the warehouse and change nothing in it."""

from __future__ import annotations

from typer.testing import CliRunner

from tests.faults import calls_for_october, run_october


def test_kpi_metrics_is_a_viewing_command_and_changes_nothing(raw, tmp_path, prefect_env):
    from pipelines.cli import app

    calls_for_october(raw)
    assert run_october(raw, tmp_path).exit_code == 0
    tables = ("runs", "metrics", "evidence", "pareto", "repair_categories")

    def counts():
        return [raw.rows(f"select count(*) from {t}")[0][0] for t in tables]

    before = counts()
    shown = CliRunner().invoke(app, ["metrics", "--warehouse", str(raw.db_path), "--month", "2026-10",
                                     "--as-of", "2026-11-20T00:00"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "三声内接听率" in shown.output
    assert counts() == before
