"""案场 supervision data: data submissions, phone satisfaction surveys,
quarterly mystery shops and force-majeure exemptions (001 第一篇 §五, §七).

Scenarios rotate over (site, month), so across the demo every band of every
rule appears: submissions before the 10th, on the 10th–19th, 20th–25th,
after the 26th, incomplete only, none, a bonus batch in two parts; phone
survey means in each tier (≥ 90, 85–89.99, 80–84.99, < 80) and a site with
none; a first-guidance mystery shop at the newly opened site.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo.common import days_in, month_start, shift_month, yymm

# (day, completeness) rows per scenario; negative days fall in the month before
SUBMISSIONS = {
    "early": [(6, "完整")],
    "tenth": [(10, "完整")],  # the 10th itself is already 10th–19th
    "mid": [(15, "完整")],
    "twenties": [(25, "完整")],
    "late": [(27, "完整")],
    "incomplete": [(8, "不完整")],
    "none": [],
    "fixed": [(7, "不完整"), (14, "完整")],
    "prior": [(-3, "完整")],  # sent before the month began: counts as early
}
SCENARIO_CYCLE = [
    "early",
    "tenth",
    "twenties",
    "late",
    "incomplete",
    "none",
    "fixed",
    "mid",
    "prior",
]
PHONE_TIERS = [93.0, 87.5, 82.5, 74.0, None]  # target mean score; None = no survey at all
EXEMPT_REASONS = ["台风“海燕”过境，案场停业三天，资料无法按时递交", "疫情管控，案场暂停接待"]


def rotation(site: dict, month_index: int, months: int) -> int:
    """Position of (site, month) in a scenario cycle: with k established sites and m months
    the first k*m positions are all used, so a small demo still shows every case."""
    return int(site["_rank"]) * months + month_index


def is_open(site: dict, month: str) -> bool:
    return np.datetime64(site["opened_on"], "D") < month_start(month) + days_in(month)


def submissions_frame(sales: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    rows = []
    for month_index, month in enumerate(months):
        for site in sales.to_dict("records"):
            if not is_open(site, month):
                continue
            turn = rotation(site, month_index, len(months))
            parts = SUBMISSIONS[
                "early" if site["_new"] else SCENARIO_CYCLE[turn % len(SCENARIO_CYCLE)]
            ]
            for day, completeness in parts:
                rows.append(_submission(site["site_id"], month, day, completeness, None, None))
            last = max([day for day, _ in parts], default=99)
            if parts and parts[-1][1] == "完整" and last + 6 <= days_in(month) and turn % 3 == 0:
                # extra customer data from other channels, delivered in two parts: one bonus;
                # dated after the regular submission so it does not change timeliness
                batch = f"B{yymm(month)}-{site['site_id']}"
                for extra in (2, 6):
                    rows.append(
                        _submission(site["site_id"], month, last + extra, "完整", batch, True)
                    )
    frame = pd.DataFrame(
        rows, columns=["site_id", "month", "submitted_on", "completeness", "batch_id", "bonus"]
    )
    frame["submitted_on"] = frame["submitted_on"].astype("datetime64[s]")
    frame["bonus"] = frame["bonus"].astype("boolean")
    return frame


def _submission(site_id: str, month: str, day: int, completeness: str, batch, bonus) -> dict:
    date = month_start(month) + (day - 1)
    # the bonus column is 是 on bonus rows, and 否 or left blank on ordinary ones
    ordinary = False if day % 2 else None
    return {
        "site_id": site_id,
        "month": month,
        "submitted_on": date,
        "completeness": completeness,
        "batch_id": batch,
        "bonus": True if bonus else ordinary,
    }


def phone_surveys_frame(
    rng, sales: pd.DataFrame, month: str, month_index: int, months: int, customers: pd.DataFrame
) -> pd.DataFrame:
    """Surveys of the window counted for `month`: the 16th of the month before, 00:00,
    to the 15th of the month, 23:59:59 — both ends included, and both used."""
    start = (month_start(shift_month(month, -1)) + 15).astype("datetime64[s]")
    end = (month_start(month) + 15).astype("datetime64[s]") - 1
    frames = []
    for site in sales.to_dict("records"):
        target = PHONE_TIERS[rotation(site, month_index, months) % len(PHONE_TIERS)]
        opened = np.datetime64(site["opened_on"], "s")
        first = max(start, opened + 86400)
        if target is None or first >= end:
            continue
        n = int(rng.integers(8, 19))
        span = int((end - first).astype(int))
        at = np.sort(first + (rng.random(n) * span).astype("int64"))
        if rotation(site, month_index, months) % 2 == 0:
            at[0], at[-1] = first + 300, end - 30  # the window's two inclusive edges
        frames.append(
            pd.DataFrame(
                {
                    "site_id": site["site_id"],
                    "surveyed_at": at.astype("datetime64[s]"),
                    "customer_id": _surveyed_customers(
                        rng, customers[customers["site_id"] == site["site_id"]], at
                    ),
                    "score": _scores_with_mean(rng, target, n),
                }
            )
        )
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else _empty(["site_id", "surveyed_at", "customer_id", "score"])
    )
    frame = frame.sort_values(["surveyed_at", "site_id"], kind="stable").reset_index(drop=True)
    frame.insert(0, "survey_id", [f"DF{yymm(month)}{i:05d}" for i in range(1, len(frame) + 1)])
    return frame


def _scores_with_mean(rng, target: float, n: int) -> np.ndarray:
    """Whole-number scores whose mean lands in the target's tier (within ±1 of target)."""
    noise = rng.normal(0, 5, n)
    scores = np.clip(np.round(target + noise - noise.mean()), 0, 100)
    shift = np.round(target - scores.mean())
    return np.clip(scores + shift, 0, 100).astype(float)


def _surveyed_customers(rng, customers: pd.DataFrame, at: np.ndarray) -> np.ndarray:
    """A customer of the site registered before the survey; blank for a few (not found in CRM)."""
    customers = customers.sort_values("registered_at", kind="stable")
    registered = customers["registered_at"].to_numpy(dtype="datetime64[s]")
    eligible = np.searchsorted(registered, at, side="left")
    known = (eligible > 0) & (rng.random(len(at)) < 0.85)
    out = np.full(len(at), None, dtype=object)
    choice = (rng.random(len(at)) * np.maximum(eligible, 1)).astype("int64")
    out[known] = customers["customer_id"].to_numpy()[choice[known]]
    return out


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def quarters(months: list[str]) -> dict[str, list[str]]:
    """`2026Q4` -> the months of that quarter that are in `months`, in order."""
    out: dict[str, list[str]] = {}
    for month in months:
        out.setdefault(f"{month[:4]}Q{(int(month[5:7]) - 1) // 3 + 1}", []).append(month)
    return out


def mystery_shops_frame(rng, sales: pd.DataFrame, quarter: str, months: list[str]) -> pd.DataFrame:
    """One or two unannounced visits per site per quarter; a new site's first is a guidance visit."""
    first_day, last_day = month_start(months[0]), month_start(months[-1]) + days_in(months[-1]) - 1
    rows = []
    for site in sales.to_dict("records"):
        opened = np.datetime64(site["opened_on"], "D")
        if opened > last_day:
            continue
        if opened >= first_day:  # opened this quarter: a guidance visit first, then the scored one
            guidance = opened + int(rng.integers(2, 5))
            rows.append((site["site_id"], guidance, float(rng.integers(60, 76)), True))
            scored = min(guidance + int(rng.integers(6, 12)), last_day)
            rows.append((site["site_id"], scored, float(rng.integers(70, 96)), False))
            continue
        span = int((last_day - first_day).astype(int))
        flag = None if site["_rank"] % 3 else False  # 新案场首次指导 left blank by some offices
        for _ in range(1 + (site["_rank"] % 2 == 0)):
            day = first_day + int(rng.integers(0, span + 1))
            rows.append((site["site_id"], day, float(rng.integers(136, 195)) / 2, flag))
    frame = pd.DataFrame(rows, columns=["site_id", "visited_on", "score", "first_guidance"])
    frame = frame.sort_values(["visited_on", "site_id"], kind="stable").reset_index(drop=True)
    frame["visited_on"] = frame["visited_on"].astype("datetime64[s]")
    frame["first_guidance"] = frame["first_guidance"].astype("boolean")
    frame.insert(0, "shop_id", [f"AF{quarter}-{i:03d}" for i in range(1, len(frame) + 1)])
    return frame


def exemptions_frame(sales: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """One established sales site excused for one month (the middle one)."""
    candidates = sales[~sales["_new"]]
    if candidates.empty:
        return _empty(["site_id", "month", "reason"])
    month = months[len(months) // 2]
    rows = [{"site_id": candidates["site_id"].iloc[0], "month": month, "reason": EXEMPT_REASONS[0]}]
    if len(candidates) > 40:  # group scale: a handful more
        for i, site_id in enumerate(candidates["site_id"].iloc[1::97]):
            rows.append({"site_id": site_id, "month": month, "reason": EXEMPT_REASONS[i % 2]})
    return pd.DataFrame(rows)
