"""投诉登记: complaints classified by root cause, with the counting cases of
002 §四(二)5): several people about one event (one event_id), one owner with
two categories in one event, a repeat complaint within a week of handling,
and handling, first reply and callback that a weaker site misses."""

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
    names,
    open_days,
    pick,
    random_times,
    units_for,
    yymm,
)

# root cause: (weight, how complainants put it) — the symptom is not the category
CATEGORIES = {
    "维修质量": (24, ["维修后仍然漏水", "报修多次未修好", "维修师傅弄脏地面"]),
    "停车管理": (16, ["车位被占用", "地库乱停车", "临时停车收费不合理"]),
    "清洁卫生": (13, ["楼道垃圾未及时清运", "电梯轿厢有异味", "垃圾房臭味大"]),
    "服务态度": (11, ["前台态度冷淡", "客服电话说话不耐烦", "管家不回微信"]),
    "噪音扰民": (8, ["楼上装修噪音", "夜间施工扰民", "广场舞声音太大"]),
    "保安管理": (7, ["外来人员随意进出", "保安巡逻不到位", "快递员被拦在门外"]),
    "收费争议": (6, ["物业费上涨不合理", "公摊水电费偏高", "停车费收据开错"]),
    "设施设备": (6, ["电梯经常停运", "门禁经常坏", "路灯不亮"]),
    "绿化养护": (4, ["树木遮挡采光", "草坪长期不修剪", "打药没有提前通知"]),
    "装修管理": (3, ["邻居违规搭建", "装修垃圾乱堆", "装修时间不守规定"]),
    "宠物管理": (2, ["小区内狗不拴绳", "宠物粪便无人清理", "楼道里养鸡"]),
}
# channel as written; 电话/上门 are accepted spellings of 来电/来访
CHANNELS = {
    "来电": 40,
    "来访": 25,
    "网络": 12,
    "电子邮件": 6,
    "书信": 5,
    "上级转办": 5,
    "报刊": 1,
    "电话": 4,
    "上门": 2,
}
TIME_COLUMNS = ["first_reply_at", "handled_at", "callback_at"]


def _categories(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    names_ = list(CATEGORIES)
    weights = np.array([w for w, _ in CATEGORIES.values()], float)
    which = rng.choice(len(names_), n, p=weights / weights.sum())
    return which, np.asarray(names_, dtype=object)[which]


def _reported_as(rng, which: np.ndarray) -> np.ndarray:
    phrases = np.array([p for _, p in CATEGORIES.values()], dtype=object)  # 3 phrasings each
    return phrases[which, rng.integers(0, phrases.shape[1], len(which))]


def complaints_frame(
    rng, sites: pd.DataFrame, month: str, counts: np.ndarray, first_id: int
) -> pd.DataFrame:
    """Every complaint received in the month with its true later handling."""
    rows = sites.iloc[np.repeat(np.arange(len(sites)), counts)].reset_index(drop=True)
    n = len(rows)
    first, ndays = open_days(sites, month)
    which, category = _categories(rng, n)
    base = pd.DataFrame(
        {
            "site_id": rows["site_id"].to_numpy(),
            "_quality": rows["_quality"].to_numpy(float),
            "received_at": random_times(
                rng, n, np.repeat(first, counts), np.repeat(ndays, counts), DESK_HOURS
            ),
            "_office": (rows["site_type"] == "office").to_numpy(),
            "unit": units_for(rng, (rows["site_type"] == "office").to_numpy()),
            "complainant": names(rng, n).astype(object),
            "_which": which,
            "category": category,
            "event_id": None,
        }
    )
    base = _with_events(rng, base, month)
    base = _handled(rng, base)
    base = pd.concat([base, _repeats(rng, base, month)], ignore_index=True)
    m = len(base)
    base["reported_as"] = _reported_as(rng, base["_which"].to_numpy())
    base["channel"] = pick(rng, CHANNELS, m)
    base["severity"] = np.where(rng.random(m) < 0.02, "重大", "一般")
    valid = rng.random(m)
    base["valid"] = bool_series(valid < 0.85, blank=valid > 0.93)
    base["people"] = pd.array(
        np.where(rng.random(m) < 0.03, rng.integers(2, 13, m), -1), dtype="Int64"
    )
    base["times"] = pd.array(
        np.where(rng.random(m) < 0.05, rng.integers(2, 4, m), -1), dtype="Int64"
    )
    base.loc[base["people"] < 0, "people"] = pd.NA
    base.loc[base["times"] < 0, "times"] = pd.NA
    base = base.sort_values(["received_at", "site_id"], kind="stable").reset_index(drop=True)
    base.insert(0, "complaint_id", ids("TS" + yymm(month), first_id, m, width=6))
    return base.drop(columns=["_quality", "_which", "_office"])


def _with_events(rng, base: pd.DataFrame, month: str) -> pd.DataFrame:
    """Several people about one event, and one owner raising two root causes at once."""
    n = len(base)
    crowd = np.flatnonzero(rng.random(n) < 0.08)
    extra = rng.integers(1, 5, len(crowd))
    others = base.iloc[np.repeat(crowd, extra)].copy()
    later = hours_later(others["received_at"].to_numpy(), rng.uniform(0.2, 48, len(others)))
    others["received_at"] = into_office_hours(later)
    others["unit"] = units_for(rng, others["_office"].to_numpy(bool))
    others["complainant"] = names(rng, len(others)).astype(object)
    pairs = np.setdiff1d(np.flatnonzero(rng.random(n) < 0.03), crowd)
    second = base.iloc[pairs].copy()
    second["_which"] = (second["_which"] + rng.integers(1, len(CATEGORIES), len(second))) % len(
        CATEGORIES
    )
    second["category"] = np.asarray(list(CATEGORIES), dtype=object)[second["_which"]]
    second["received_at"] = hours_later(
        second["received_at"].to_numpy(), rng.uniform(0, 0.5, len(second))
    )
    event = np.full(n, None, dtype=object)
    grouped = np.concatenate([crowd, pairs])
    event[grouped] = ids("SJ" + yymm(month), 1, len(grouped), width=5)
    singles = np.setdiff1d(np.flatnonzero(rng.random(n) < 0.3), grouped)
    event[singles] = ids("SJ" + yymm(month), len(grouped) + 1, len(singles), width=5)
    base["event_id"] = event
    others["event_id"] = np.repeat(event[crowd], extra)
    second["event_id"] = event[pairs]
    return pd.concat([base, others, second], ignore_index=True)


def _handled(rng, frame: pd.DataFrame) -> pd.DataFrame:
    """Reply, handling and callback times; a weaker site leaves more of them late or missing."""
    n = len(frame)
    q = frame["_quality"].to_numpy(float)
    received = frame["received_at"].to_numpy()
    handled_after = np.clip(rng.lognormal(np.log(20), 0.8, n), 1, 240)
    handled = into_office_hours(hours_later(received, handled_after))
    handled[rng.random(n) < 0.15 * (1 - q)] = np.datetime64("NaT")
    late = rng.random(n) < 0.35 * (1 - q)
    reply_after = np.where(late, rng.uniform(25, 72, n), rng.uniform(0.2, 20, n))
    reply = into_office_hours(hours_later(received, reply_after))
    # office hours must not turn an on-time reply into a late one, nor put it after handling
    reply = np.where(~late, np.minimum(reply, hours_later(received, 23.5)), reply)
    reply = np.where(np.isnat(handled), reply, np.minimum(reply, handled))
    handled_after = (handled - received).astype("timedelta64[m]").astype(float) / 60
    # no separate first reply noted: the handling time stands in for it
    reply[(rng.random(n) < 0.1) & ((handled_after <= 24) | (q < 1))] = np.datetime64("NaT")
    required = rng.random(n)
    needs = required < 0.94  # 是 or blank (default yes)
    called = needs & ~np.isnat(handled) & (rng.random(n) < 0.7 + 0.3 * q)
    callback = into_office_hours(hours_later(handled, rng.uniform(2, 72, n)))
    callback[~called] = np.datetime64("NaT")
    satisfied = rng.random(n) < 0.75 + 0.2 * q
    frame["first_reply_at"], frame["handled_at"], frame["callback_at"] = reply, handled, callback
    frame["callback_required"] = bool_series(required < 0.82, blank=(required >= 0.82) & needs)
    frame["callback_satisfied"] = bool_series(satisfied, blank=~called)
    return frame


def _repeats(rng, frame: pd.DataFrame, month: str) -> pd.DataFrame:
    """The same unit complains again about the same thing within a week of handling:
    the first complaint, which needed no callback, is then not closed."""
    handled = frame["handled_at"].to_numpy()
    no_callback = frame["callback_required"].fillna(True).eq(False).to_numpy(bool) & ~np.isnat(
        handled
    )
    chosen = np.flatnonzero(no_callback & (rng.random(len(frame)) < 0.25))
    again = frame.iloc[chosen].copy()
    again["received_at"] = into_office_hours(
        hours_later(handled[chosen], rng.uniform(24, 150, len(chosen)))
    )
    end = (np.datetime64(month, "M") + 1).astype("datetime64[s]")
    again = again[again["received_at"].to_numpy() < end]
    again["event_id"] = None
    return _handled(rng, again)


def complaints_as_exported(frame: pd.DataFrame, exported_at: np.datetime64) -> pd.DataFrame:
    out = censor_after(frame, TIME_COLUMNS, exported_at)
    out.loc[out["callback_at"].isna(), "callback_satisfied"] = pd.NA
    return out
