"""Exports that stop arriving: the run still succeeds, and says which dataset is stale since when."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from pipelines import jobs, warehouse
from tests.faults import CALLS_HEAD, REPAIRS_HEAD, runs


STALE_CALLS = CALLS_HEAD + (
    "C1,S1,2026-10-20 09:00,呼入,13800000001,2,是\n"
    "C2,S1,2026-10-22 06:00,呼入,13800000002,2,是\n"  # newest at as-of: 10 days before 2026-11-01 06:00
    "C3,S1,2026-11-03 10:00,呼入,13800000003,2,是\n"  # after as-of: not known yet
)
FRESH_REPAIRS = REPAIRS_HEAD + "T1,S1,2026-10-29 06:00,水电,否\n"  # exactly 3 days: not older than 3
AS_OF = dt.datetime(2026, 11, 1, 6, 0)


@pytest.fixture
def stale_calls_loaded(raw):
    """An open warehouse holding STALE_CALLS and FRESH_REPAIRS, and nothing of the other datasets."""
    raw.write("calls", "calls.csv", STALE_CALLS)
    raw.write("repairs", "repairs.csv", FRESH_REPAIRS)
    raw.ingest()
    conn = warehouse.connect(raw.db_path)
    yield conn
    conn.close()


def test_freshness_names_the_stale_datasets_and_since_when(stale_calls_loaded, settings):
    found = {f.dataset: f for f in jobs.freshness(stale_calls_loaded, settings, AS_OF)}
    # datasets with an event time only (sites and exemptions are reference data)
    assert set(found) == {"survey_campaigns", "calls", "visits", "repairs", "complaints", "survey_responses",
                          "sales_submissions", "crm_customers", "phone_surveys", "mystery_shops"}
    calls = found["calls"]
    assert (calls.title, calls.newest, calls.days_old, calls.stale) == (
        "来电记录", dt.datetime(2026, 10, 22, 6, 0), 10.0, True)
    repairs = found["repairs"]
    assert (repairs.newest, repairs.days_old, repairs.stale) == (dt.datetime(2026, 10, 29, 6, 0), 3.0, False)
    complaints = found["complaints"]
    assert (complaints.title, complaints.newest, complaints.days_old, complaints.stale) == ("投诉登记", None, None, True)


def test_the_summary_artifact_says_which_dataset_is_stale_since_when(stale_calls_loaded, settings):
    from pipelines import publish

    freshness = jobs.freshness(stale_calls_loaded, settings, AS_OF)
    text = publish.summary_markdown(stale_calls_loaded, jobs.RunResult("no-metrics-run", "2026-10", AS_OF,
                                                                       freshness=freshness))
    stale = text.split("## 数据时效", 1)[1]
    assert "来电记录（calls）：最新记录 2026-10-22，已 10 天未更新" in stale
    assert "投诉登记（complaints）：没有任何记录" in stale
    assert "报修记录" not in stale


def test_kpi_run_succeeds_and_prints_the_stale_dataset(raw, tmp_path, prefect_env):
    from pipelines.cli import app

    raw.write("calls", "calls.csv", STALE_CALLS)
    raw.write("repairs", "repairs.csv", FRESH_REPAIRS)
    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--month", "2026-10", "--as-of", "2026-11-01T06:00",
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "数据可能过时" in line]
    assert "数据可能过时 来电记录（calls）：最新记录 2026-10-22，已 10 天未更新" in warnings
    assert "数据可能过时 投诉登记（complaints）：没有任何记录" in warnings
    assert not any("报修记录" in line for line in warnings)
    assert (tmp_path / "out" / "2026-10" / "metrics.json").exists()


def test_the_nightly_flow_succeeds_when_exports_stop_and_its_artifact_says_so(raw, tmp_path, monkeypatch,
                                                                             prefect_env):
    from pipelines import flows, publish

    summaries = []
    monkeypatch.setattr(publish, "create_markdown_artifact",
                        lambda markdown, key, description: summaries.append((key, markdown)))
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, second=0, microsecond=0)
    last_call, last_repair = now - dt.timedelta(days=10), now - dt.timedelta(days=1)
    raw.write("calls", "calls.csv", CALLS_HEAD + f"C1,S1,{last_call:%Y-%m-%d %H:%M},呼入,13800000001,2,是\n")
    raw.write("repairs", "repairs.csv", REPAIRS_HEAD + f"T1,S1,{last_repair:%Y-%m-%d %H:%M},水电,否\n")
    out = tmp_path / "out"
    result = flows.nightly(raw=str(raw.root), warehouse=str(raw.db_path), out=str(out))
    assert result.month == f"{now:%Y-%m}"
    assert (out / f"{now:%Y-%m}" / "metrics.json").exists()
    fresh = {f.dataset: f for f in result.freshness}
    assert fresh["calls"].stale and fresh["calls"].newest == last_call and 10 <= fresh["calls"].days_old < 10.1
    assert not fresh["repairs"].stale
    ((key, markdown),) = summaries
    assert key == "kpi-summary"
    assert f"来电记录（calls）：最新记录 {last_call:%Y-%m-%d}，已 10 天未更新" in markdown
    assert "报修记录" not in markdown.split("## 数据时效", 1)[1]
    # a last month with data (the call of 10 days ago, when that was last month) is stored once as a trend point
    assert [(r[1], r[2]) for r in runs(raw) if r[1] != "trend"] == [("run", "completed")]
    assert {r[2] for r in runs(raw) if r[1] == "trend"} <= {"completed"}
