"""满意度调查: campaigns (issued against occupied households) and the returned
questionnaires, four answer levels per dimension.

Return rates are cycled through values that meet and miss each kind's target
(regular 80 %, office 90 %, special 70 %), including one of exactly 80.00 %;
dimension satisfaction varies by site, with repairs, complaint handling and
parking weakest, so some dimensions fall below 90 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo.common import days_in, month_start, residential_units, yymm

LEVELS = np.array(["非常满意", "满意", "不太满意", "很不满意"], dtype=object)
DIMENSION_OFFSET = {
    "清洁": 0.03,
    "治安": 0.0,
    "绿化": 0.01,
    "服务态度": 0.02,
    "工程维修": -0.05,
    "投诉处理": -0.06,
    "社区活动": 0.0,
    "便民服务": 0.01,
    "房管": -0.02,
    "车辆": -0.07,
}
ASKED = {
    "regular": [
        "清洁",
        "治安",
        "绿化",
        "服务态度",
        "工程维修",
        "投诉处理",
        "社区活动",
        "便民服务",
        "车辆",
    ],
    "office": ["清洁", "治安", "服务态度", "工程维修", "投诉处理", "房管", "车辆"],
    "special": ["服务态度", "工程维修", "投诉处理"],
}
KIND_WORD = {"regular": "常规", "office": "写字楼", "special": "专项"}
# (issue rate, return rate) per kind, cycled campaign by campaign: targets met and missed
RATES = {
    "regular": [(0.95, 0.86), (0.92, 0.68), (0.97, 0.80), (0.86, 0.92), (0.93, 0.74), (1.0, 0.83)],
    "office": [(1.0, 0.93), (1.0, 0.85), (0.96, 0.97)],
    "special": [(1.0, 0.66), (1.0, 0.75)],
}


def campaigns_for(sites: pd.DataFrame, months: list[str], rng) -> pd.DataFrame:
    """Every property site surveys in the last month, and half of them once before (even
    ranks in the first month, odd ones in a middle month); every tenth residential site
    also runs a special survey in the last month, pooled with its regular one."""
    rows, counter = [], {"regular": 0, "office": 0, "special": 0}
    last = len(months) - 1
    for month_index, month in enumerate(months):
        for site in sites.to_dict("records"):
            rank, kinds = site["_rank"], []
            earlier = (month_index == 0 and rank % 2 == 0) or (
                0 < month_index < last and rank % 2 == 1
            )
            if month_index == last or earlier:
                kinds.append("office" if site["site_type"] == "office" else "regular")
            if month_index == last and site["site_type"] == "residential" and rank % 10 == 0:
                kinds.append("special")
            for kind in kinds:
                rows.append(_campaign(site, month, kind, counter[kind], rng))
                counter[kind] += 1
    return pd.DataFrame(rows)


def _campaign(site, month: str, kind: str, nth: int, rng) -> dict:
    issue_rate, return_rate = RATES[kind][nth % len(RATES[kind])]
    occupied = int(site["occupied_units"]) + int(rng.integers(-10, 11))
    issued = round(occupied * issue_rate)
    if return_rate == 0.80:
        issued -= issued % 5  # exactly 80.00 %: the inclusive boundary of the target
    ended = month_start(month) + int(rng.integers(17, min(28, days_in(month))))
    prefix = "ZX" if kind == "special" else "DC"
    return {
        "campaign_id": f"{prefix}{yymm(month)}-{site['site_id']}",
        "site_id": site["site_id"],
        "kind": KIND_WORD[kind],
        "started_on": ended - int(rng.integers(10, 26)),
        "ended_on": ended,
        "occupied_units": occupied,
        "issued": issued,
        "_responses": round(issued * return_rate),
        "_kind": kind,
        "_quality": site["_quality"],
        "_num": site["_num"],
    }


def campaigns_frame(campaigns: pd.DataFrame) -> pd.DataFrame:
    out = campaigns.copy()
    for column in ("started_on", "ended_on"):
        out[column] = out[column].astype("datetime64[s]")
    for column in ("occupied_units", "issued"):
        out[column] = out[column].astype("Int64")
    return out


def site_satisfaction(quality: np.ndarray, num: np.ndarray, dimension: str) -> np.ndarray:
    """P(非常满意 or 满意) per row: the site's standing plus the dimension's offset,
    with a fixed per-site wobble so not every dimension of a site moves together."""
    wobble = ((num * 37 + len(dimension) * 11 + ord(dimension[0])) % 9 - 4) / 100
    return np.clip(0.84 + 0.12 * quality + DIMENSION_OFFSET[dimension] + wobble, 0.5, 0.995)


def responses_frame(rng, campaigns: pd.DataFrame) -> pd.DataFrame:
    """All returned questionnaires of the given campaigns (vectorised across campaigns)."""
    counts = campaigns["_responses"].to_numpy(int)
    rows = campaigns.iloc[np.repeat(np.arange(len(campaigns)), counts)].reset_index(drop=True)
    n = len(rows)
    start = rows["started_on"].to_numpy(dtype="datetime64[D]")
    span = (rows["ended_on"].to_numpy(dtype="datetime64[D]") - start).astype("int64") + 1
    serial = np.concatenate([np.arange(c) for c in counts]) + 1 if n else np.array([], int)
    frame = pd.DataFrame(
        {
            "response_id": np.strings.add(
                np.strings.add(rows["campaign_id"].to_numpy(str), "-"),
                np.strings.zfill(serial.astype(str), 4),
            ),
            "campaign_id": rows["campaign_id"].to_numpy(),
            "unit": residential_units(rng, n),
            "returned_on": (start + (rng.random(n) * span).astype("int64")).astype("datetime64[s]"),
        }
    )
    quality, num = rows["_quality"].to_numpy(float), rows["_num"].to_numpy(int)
    kinds = rows["_kind"].to_numpy()
    overall_p = np.zeros(n)
    asked_count = np.zeros(n)
    for dimension in DIMENSION_OFFSET:
        asked = np.isin(kinds, [k for k, dims in ASKED.items() if dimension in dims])
        p = site_satisfaction(quality, num, dimension)
        overall_p += np.where(asked, p, 0)
        asked_count += asked
        answered = asked & (rng.random(n) > 0.03)  # a few leave an item blank
        frame[dimension] = np.where(answered, _answers(rng, p), None)
    frame.insert(4, "overall", _answers(rng, overall_p / np.maximum(asked_count, 1) + 0.01))
    frame.loc[frame["returned_on"].notna() & (rng.random(n) < 0.04), "returned_on"] = pd.NaT
    return frame.dropna(axis=1, how="all")


def _answers(rng, satisfied_p: np.ndarray) -> np.ndarray:
    n = len(satisfied_p)
    satisfied = rng.random(n) < satisfied_p
    very = rng.random(n) < 0.45
    mild = rng.random(n) < 0.75
    return LEVELS[np.where(satisfied, np.where(very, 0, 1), np.where(mild, 2, 3))]
