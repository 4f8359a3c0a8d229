"""报修记录: repair tickets with completion, callback and urgent second callback.

Each property site has a discipline `_quality` (sites.QUALITY_CYCLE): the
share of completed tickets called back, of callbacks later than the category
deadline (安全 2 days, 渗/漏 3 days, urgent 24 h, others 7 days, the shortest
that applies) and of urgent tickets with a second callback ≥ 2 days after the
first all follow from it, so some sites meet the 80 % weekly target and some
miss it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo.common import (
    DESK_HOURS,
    bool_series,
    censor_after,
    hours_later,
    ids,
    into_office_hours,
    open_days,
    pick,
    random_times,
    units_for,
    yymm,
)

# category: (weight, share urgent). Urgent = lift, burst pipe, power, falling parts (003 §六.4)
CATEGORIES = {
    "水电维修": (22, 0.15),
    "门窗维修": (12, 0.05),
    "屋面渗漏": (6, 0.0),
    "管道漏水": (10, 0.35),
    "消防安全设施": (5, 0.10),
    "电梯故障": (7, 0.80),
    "公共照明": (10, 0.02),
    "下水道疏通": (9, 0.10),
    "墙面地面": (6, 0.0),
    "门禁对讲": (7, 0.05),
    "外墙渗水": (4, 0.0),
    "楼梯扶手安全": (2, 0.50),
}
PUBLIC_AREAS = {"电梯故障", "公共照明", "外墙渗水", "消防安全设施", "楼梯扶手安全"}
CHANNELS = {"电话": 50, "上门": 15, "微信": 20, "APP": 10, "巡查发现": 5}
RESULTS = {"满意": 70, "基本满意": 18, "不满意": 6, "未联系上": 6}
UNFINISHED = [
    "等待配件到货",
    "业主不在家，已约次日上门",
    "需业委会审批",
    "需专业厂家维修",
    "材料采购中",
]
TIME_COLUMNS = ["completed_at", "callback_at", "second_callback_at"]


def deadline_hours(category: np.ndarray, urgent: np.ndarray) -> np.ndarray:
    """The callback deadline of contract §2: the shortest one that applies."""
    cat = pd.Series(category, dtype=str)
    hours = np.full(len(cat), 168.0)
    hours = np.where(cat.str.contains("渗|漏").to_numpy(), 72.0, hours)
    hours = np.where(urgent, np.minimum(hours, 24.0), hours)
    return np.where(cat.str.contains("安全").to_numpy(), np.minimum(hours, 48.0), hours)


def repairs_frame(
    rng, sites: pd.DataFrame, month: str, counts: np.ndarray, first_id: int
) -> pd.DataFrame:
    """Every ticket reported in the month with its true later history (censor with `as_exported`)."""
    rows = sites.iloc[np.repeat(np.arange(len(sites)), counts)].reset_index(drop=True)
    n = len(rows)
    first, ndays = open_days(sites, month)
    reported = random_times(rng, n, np.repeat(first, counts), np.repeat(ndays, counts), DESK_HOURS)
    names_ = list(CATEGORIES)
    weights = np.array([w for w, _ in CATEGORIES.values()], float)
    which = rng.choice(len(names_), n, p=weights / weights.sum())
    category = np.asarray(names_, dtype=object)[which]
    urgent = rng.random(n) < np.array([u for _, u in CATEGORIES.values()])[which]
    leak = pd.Series(category, dtype=str).str.contains("渗|漏").to_numpy()
    work = np.where(
        urgent, rng.uniform(0.5, 6, n), np.clip(rng.lognormal(np.log(18), 0.9, n), 0.5, 240)
    )
    completed = hours_later(reported, work * np.where(leak & ~urgent, 2, 1))
    # only urgent jobs are done at night
    completed = np.where(urgent, completed, into_office_hours(completed))
    stuck = rng.random(n) < 0.02  # waiting for parts or approval: no completion at all
    completed[stuck] = np.datetime64("NaT")

    quality = rows["_quality"].to_numpy(float)
    deadline = deadline_hours(category, urgent)
    called = ~stuck & (rng.random(n) < 0.65 + 0.35 * quality)
    late = rng.random(n) < 0.3 * (1 - quality)
    delay = np.where(late, deadline + rng.uniform(2, 96, n), deadline * rng.uniform(0.05, 0.9, n))
    callback = into_office_hours(hours_later(completed, delay))
    on_time_limit = hours_later(completed, deadline - 0.5)
    callback = np.where(~late & (callback > on_time_limit), on_time_limit, callback)
    callback[~called] = np.datetime64("NaT")

    # urgent: a second callback 2+ days after the first; weaker sites skip it or call too early
    proper = rng.random(n) < 0.45 + 0.55 * quality
    second_gap = np.where(proper, rng.uniform(48, 120, n), rng.uniform(6, 40, n))
    wants_second = (urgent & (proper | (rng.random(n) < 0.5))) | (leak & (rng.random(n) < 0.3))
    second = into_office_hours(hours_later(callback, second_gap))
    second[~(wants_second & called)] = np.datetime64("NaT")

    is_office = (rows["site_type"] == "office").to_numpy()
    unit = units_for(rng, is_office)
    public = np.isin(category, list(PUBLIC_AREAS))
    unit[public] = np.where(rng.random(int(public.sum())) < 0.4, "公共区域", None)
    frame = pd.DataFrame(
        {
            "site_id": rows["site_id"].to_numpy(),
            "unit": unit,
            "reported_at": reported,
            "channel": pick(rng, CHANNELS, n),
            "category": category,
            "urgent": bool_series(urgent),
            "completed_at": completed,
            "unfinished_reason": np.where(
                stuck, np.asarray(UNFINISHED, dtype=object)[rng.integers(0, 5, n)], None
            ),
            "callback_at": callback,
            "callback_result": np.where(called, pick(rng, RESULTS, n), None),
            "second_callback_at": second,
        }
    )
    frame = frame.sort_values(["reported_at", "site_id"], kind="stable").reset_index(drop=True)
    frame.insert(0, "ticket_id", ids("WX" + yymm(month), first_id, n))
    return frame


def repairs_as_exported(frame: pd.DataFrame, exported_at: np.datetime64) -> pd.DataFrame:
    """What the register showed at export time: a ticket still open says so."""
    out = censor_after(frame, TIME_COLUMNS, exported_at)
    open_ = out["completed_at"].isna() & out["unfinished_reason"].isna()
    out.loc[open_, "unfinished_reason"] = "维修中"
    out.loc[out["callback_at"].isna(), "callback_result"] = None
    return out
