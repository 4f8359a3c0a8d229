"""One clock, Asia/Shanghai, for run ids and times, whatever the host's TZ (issue 11 #7): a run
started later is later, so `kpi report` picks the latest run on any machine."""

from __future__ import annotations

import datetime as dt
import os
import time
from zoneinfo import ZoneInfo

import pytest

from pipelines import jobs, periods, warehouse


@pytest.fixture
def host_zone():
    before = os.environ.get("TZ")

    def use(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield use
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_runs_started_under_different_host_zones_keep_their_order(host_zone):
    conn = warehouse.connect(":memory:")
    host_zone("UTC")
    first = warehouse.start_run(conn, "run", {})
    host_zone("America/New_York")  # 13 hours behind Shanghai: a host clock would put this run first
    time.sleep(0.01)
    second = warehouse.start_run(conn, "run", {})
    started = dict(conn.execute("select run_id, started_at from runs").fetchall())
    a, b = started[first], started[second]
    assert b > a and second.split("-")[0] >= first.split("-")[0]  # ids begin with the same clock's time
    shanghai = dt.datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs((shanghai - b).total_seconds()) < 60
    assert abs((periods.now() - shanghai).total_seconds()) < 60


def test_as_of_with_an_offset_is_read_in_local_time(settings):
    # 22:00 UTC is 06:00 the next morning in Shanghai (UTC+8)
    assert jobs.parse_as_of("2026-10-31T22:00:00+00:00", settings) == dt.datetime(2026, 11, 1, 6, 0)
    assert jobs.parse_as_of("2026-11-01T06:00", settings) == dt.datetime(2026, 11, 1, 6, 0)
