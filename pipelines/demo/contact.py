"""来电记录 and 来访登记: hotline calls (rings, answered, hold) and the front-desk
visit register, with callers and visitors who come back (distinct phone
groups well below the row count, the 案场 group rule)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo.common import (
    DESK_HOURS,
    HOTLINE_HOURS,
    bool_series,
    ids,
    names,
    open_days,
    phone_pool,
    pick,
    random_times,
    yymm,
)

AGENTS = [
    "王敏",
    "李娜",
    "张静",
    "刘洋",
    "陈晨",
    "杨帆",
    "赵丽",
    "黄婷",
    "周琳",
    "吴倩",
    "徐颖",
    "孙悦",
    "马超",
    "朱丹",
    "胡佳",
    "郭欣",
    "何璐",
    "高雪",
    "林怡",
    "罗佳",
]
STAFF = [
    "前台-" + n
    for n in ["小王", "小李", "小张", "小陈", "小周", "小吴", "小徐", "小孙", "小朱", "小胡"]
]
PURPOSES_PROPERTY = {"咨询": 40, "报修": 32, "投诉": 8, "建议": 5, "其他": 15}
PURPOSES_SALES = {"咨询": 88, "投诉": 2, "建议": 3, "其他": 7}
VISIT_PURPOSES_PROPERTY = {
    "咨询物业费": 18,
    "办理装修手续": 12,
    "报修": 20,
    "投诉": 8,
    "领取快递": 15,
    "办理门禁卡": 10,
    "停车证办理": 10,
    "开具证明": 7,
}
VISIT_PURPOSES_SALES = {
    "看房": 35,
    "咨询价格": 25,
    "复访": 18,
    "签约": 6,
    "办理入会": 10,
    "咨询贷款": 6,
}
HOTLINE_RINGS = np.array([0.28, 0.34, 0.22, 0.08, 0.05, 0.03])
BUSY_RINGS = np.array([0.10, 0.20, 0.25, 0.20, 0.15, 0.10])  # a short-staffed desk


def _rows(sites: pd.DataFrame, counts: np.ndarray) -> pd.DataFrame:
    """One row per record to generate, carrying its site's attributes."""
    return sites.iloc[np.repeat(np.arange(len(sites)), counts)].reset_index(drop=True)


def calls_frame(
    rng, sites: pd.DataFrame, month: str, counts: np.ndarray, first_id: int
) -> pd.DataFrame:
    rows = _rows(sites, counts)
    n = len(rows)
    first, ndays = open_days(sites, month)
    started = random_times(
        rng, n, np.repeat(first, counts), np.repeat(ndays, counts), HOTLINE_HOURS, seconds=True
    )
    sales = (rows["site_type"] == "sales").to_numpy()
    quality = rows["_quality"].fillna(0.8).to_numpy()
    inbound = rng.random(n) < 0.75
    # rings: mostly 1–3; a weaker desk lets more calls ring 4–6 times
    busy = rng.random(n) < (1 - quality) * 0.6
    rings = np.where(busy, rng.choice(6, n, p=BUSY_RINGS), rng.choice(6, n, p=HOTLINE_RINGS)) + 1
    answer_p = np.where(inbound, np.select([rings <= 4, rings == 5], [0.985, 0.6], 0.3), 0.82)
    answered = rng.random(n) < answer_p
    talk = np.where(answered, np.clip(np.round(rng.lognormal(4.3, 0.8, n)), 8, 1800), 0)
    hold = np.where(answered & (rng.random(n) < 0.12), rng.integers(5, 150, n), 0)
    per_site_pool = np.maximum(
        5, counts * np.where(sites["site_type"] == "sales", 0.6, 0.75)
    ).astype("int64")
    purpose = np.where(sales, pick(rng, PURPOSES_SALES, n), pick(rng, PURPOSES_PROPERTY, n))
    purpose = np.where(inbound, purpose, np.where(rng.random(n) < 0.8, "其他", "咨询"))
    frame = pd.DataFrame(
        {
            "site_id": rows["site_id"].to_numpy(),
            "started_at": started,
            "direction": np.where(inbound, "in", "out"),
            "phone": phone_pool(
                rng, rows["_num"].to_numpy(), np.repeat(per_site_pool, counts)
            ).astype(str),
            "rings": pd.array(np.where(inbound, rings, -1), dtype="Int64"),
            "answered": answered,
            "talk_seconds": talk.astype(float),
            "hold_seconds": np.where(inbound, hold, np.nan),
            "agent": np.where(answered, pick(rng, AGENTS, n), None),
            "purpose": np.where(answered, purpose, None),
        }
    )
    frame.loc[~inbound, "rings"] = pd.NA  # the far end's rings are not counted on outbound calls
    frame = frame.sort_values(["started_at", "site_id"], kind="stable").reset_index(drop=True)
    frame.insert(0, "call_id", ids("CL" + yymm(month), first_id, n))
    frame["direction"] = frame["direction"].map({"in": "呼入", "out": "呼出"})
    frame["answered"] = bool_series(frame["answered"].to_numpy())
    return frame


def visits_frame(
    rng, sites: pd.DataFrame, month: str, counts: np.ndarray, first_id: int
) -> pd.DataFrame:
    rows = _rows(sites, counts)
    n = len(rows)
    first, ndays = open_days(sites, month)
    visited = random_times(rng, n, np.repeat(first, counts), np.repeat(ndays, counts), DESK_HOURS)
    sales = (rows["site_type"] == "sales").to_numpy()
    # visitors mostly call first: the pool overlaps the call pool of the same site
    pool = np.repeat(np.maximum(4, (counts * 0.7).astype("int64")), counts)
    phone = phone_pool(rng, rows["_num"].to_numpy(), pool).astype(str).astype(object)
    phone[rng.random(n) > np.where(sales, 0.95, 0.85)] = None
    purpose = np.where(
        sales, pick(rng, VISIT_PURPOSES_SALES, n), pick(rng, VISIT_PURPOSES_PROPERTY, n)
    )
    desk = rows["_num"].to_numpy() * 3 + rng.integers(0, 4, n)
    resolved = rng.random(n) < 0.86
    frame = pd.DataFrame(
        {
            "site_id": rows["site_id"].to_numpy(),
            "visited_at": visited,
            "phone": phone,
            "visitor": names(rng, n),
            "purpose": purpose,
            "handled_by": np.asarray(STAFF)[desk % len(STAFF)],
            "resolved": bool_series(resolved, blank=rng.random(n) < 0.05),
        }
    )
    frame = frame.sort_values(["visited_at", "site_id"], kind="stable").reset_index(drop=True)
    frame.insert(0, "visit_id", ids("LF" + yymm(month), first_id, n, width=6))
    return frame
