"""The deployments' flows (prefect.yaml: nightly, monthly, backfill) take plain strings, build the
settings once from them and check the raw folder as `kpi run` does: a missing folder fails the
flow run with the reason `kpi run` gives, a folder that names no dataset is warned about."""

from __future__ import annotations

import logging

import pytest

from pipelines import jobs
from schemas.declarations import datasets
from tests.faults import CALLS_HEAD

DEPLOYED = [("nightly", ()), ("monthly", ()), ("backfill", ("2026-09", "2026-10"))]


@pytest.fixture
def flow_run_warnings():
    """What the flow runs log at WARNING and above (Prefect's `prefect` logger does not propagate
    to the root logger, so caplog never hears it)."""
    heard: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: heard.append(record.getMessage())
    logger = logging.getLogger("prefect.flow_runs")
    logger.addHandler(handler)
    yield heard
    logger.removeHandler(handler)


@pytest.mark.parametrize(("name", "months"), DEPLOYED, ids=[name for name, _ in DEPLOYED])
def test_a_scheduled_flow_on_a_missing_raw_folder_fails_saying_so(name, months, tmp_path, prefect_env):
    from pipelines import flows

    missing, warehouse = tmp_path / "no-such-raw", tmp_path / "w.duckdb"
    with pytest.raises(jobs.RawFolderMissing) as failed:
        getattr(flows, name)(*months, raw=str(missing), warehouse=str(warehouse), out=str(tmp_path / "out"))
    assert str(failed.value) == f"找不到导出文件夹 {missing}（可先运行 kpi demo-data 生成演示数据）"
    assert not warehouse.exists() and not (tmp_path / "out").exists()  # stopped before anything started


def test_a_scheduled_flow_warns_of_a_folder_that_names_no_dataset_and_runs(raw, tmp_path, prefect_env,
                                                                           flow_run_warnings):
    from pipelines import flows

    raw.write("callz", "oct.csv", CALLS_HEAD + "C1,S1,2026-10-01 08:00,呼入,13800000001,2,是\n")
    result = flows.nightly(raw=str(raw.root), warehouse=str(raw.db_path), out=str(tmp_path / "out"))
    assert [w for w in flow_run_warnings if "callz" in w] == [
        f"文件夹 callz/ 不是已知数据集，已跳过（已知：{', '.join(datasets())}）"]
    assert (tmp_path / "out" / result.month / "metrics.json").exists()
