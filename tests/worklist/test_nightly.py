"""The nightly flow writes the worklist after the month's outputs; a worklist that fails is a
warning in the flow's log, and the run and its outputs stand."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pipelines import jobs
from tests.faults import REPAIRS_HEAD
from tests.flows.test_scheduled_flows import flow_run_warnings  # noqa: F401  (a fixture)


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def repair_yesterday(raw) -> None:
    reported = dt.datetime.combine(today() - dt.timedelta(days=1), dt.time(9))
    raw.write("repairs", "repairs.csv", REPAIRS_HEAD + f"T1,S1,{reported:%Y-%m-%d %H:%M},水电,否\n")


def test_the_nightly_run_writes_the_days_worklist(raw, tmp_path, prefect_env):
    from pipelines import flows

    repair_yesterday(raw)
    out = tmp_path / "out"
    result = flows.nightly(raw=str(raw.root), warehouse=str(raw.db_path), out=str(out))
    day = out / "daily" / today().isoformat()
    assert {day / "worklist.html", day / "worklist.xlsx"} <= set(result.outputs)
    assert "T1" in (day / "worklist.html").read_text(encoding="utf-8")  # unfinished since yesterday


def test_a_failed_worklist_leaves_the_nightly_run_and_its_outputs_standing(raw, tmp_path, prefect_env, monkeypatch,
                                                                           flow_run_warnings):  # noqa: F811
    from pipelines import flows

    def broken(*args, **kwargs):
        raise RuntimeError("模板损坏")

    monkeypatch.setattr(jobs, "write_worklist", broken)
    repair_yesterday(raw)
    out = tmp_path / "out"
    result = flows.nightly(raw=str(raw.root), warehouse=str(raw.db_path), out=str(out))
    assert (out / result.month / "metrics.json").exists()
    assert not (out / "daily").exists()
    assert any("待办清单未能写出" in w and "模板损坏" in w for w in flow_run_warnings)
    assert raw.rows("select status from runs where command = 'run'") == [("completed",)]


def test_the_daily_summary_flow_loads_new_exports_and_writes_the_worklist(raw, tmp_path, prefect_env, monkeypatch):
    from pipelines import flows, publish

    tables = []
    monkeypatch.setattr(publish, "create_table_artifact",
                        lambda table, key, description: tables.append((key, table)))
    repair_yesterday(raw)
    out = tmp_path / "out"
    paths = flows.daily_summary(raw=str(raw.root), warehouse=str(raw.db_path), out=str(out))
    assert [p.name for p in paths] == ["worklist.html", "worklist.xlsx"]
    assert raw.rows("select ticket_id from repairs") == [("T1",)]  # ingested first
    assert not (out / today().strftime("%Y-%m")).exists()  # the month's outputs wait for the night
    # T1, unfinished since yesterday, is S1's only item; no deadline, so nothing due or late
    ((key, table),) = tables
    assert key == "kpi-worklist"
    assert {"项目": "S1", "项目名称": "一号院", "待办": 1, "今日到期": 0, "已超时": 0} in table
