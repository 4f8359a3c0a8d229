"""案场客户档案 (CRM): customers registered by call, visit, membership or deal,
and the deal records whose required fields the accuracy score checks
(001 §五.A.3, §六(一)).

A customer keeps the channel and date of first registration; one who buys a
month later is re-exported with the deal filled in, so the later file
replaces the earlier record. The number of erroneous deal records per site
and month rotates through 0, 1, 2, 3 and 5 (accuracy 2 down to 0), the errors
being a blank required field, postcode 200000, the site's own phone, a phone
another customer of the site already has, and entry more than 24 h after the deal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo.common import (
    DESK_HOURS,
    hours_later,
    ids,
    mobiles,
    names,
    open_days,
    pick,
    random_times,
    yymm,
)
from pipelines.demo.sites import REGIONS

CHANNELS = {"来电": 40, "来访": 35, "入会": 15, "成交": 10}
REQUIRED = [
    "card_no",
    "name",
    "birth_date",
    "address",
    "postcode",
    "phone",
    "industry",
    "occupation",
    "position",
    "household_income",
    "work_area",
    "living_area",
    "property_owned",
    "purpose",
    "desired_area",
    "desired_type",
    "total_price",
]
PROFILE = {
    "industry": ["金融", "IT互联网", "制造业", "教育", "医疗", "房地产", "贸易", "政府机关"],
    "occupation": ["企业管理者", "公务员", "私营业主", "教师", "医生", "工程师", "自由职业"],
    "position": ["董事长", "总监", "经理", "主管", "职员"],
    "household_income": ["30万以下", "30-50万", "50-100万", "100-200万", "200万以上"],
    "property_owned": ["无", "1套", "2套", "3套及以上"],
    "purpose": ["自住", "改善", "投资", "养老", "子女教育"],
    "desired_type": ["平层", "复式", "别墅", "公寓", "叠加"],
}
ROADS = [
    "张杨路",
    "世纪大道",
    "漕溪北路",
    "南京西路",
    "虹梅路",
    "共和新路",
    "淞沪路",
    "银都路",
    "嘉松中路",
]
POSTCODES = [
    "200120",
    "200030",
    "200040",
    "201100",
    "201900",
    "201800",
    "201600",
    "201700",
    "200090",
    "200333",
]
ERROR_COUNTS = [0, 1, 2, 3, 5, 1, 0]
ERROR_KINDS = ["blank", "postcode", "site_phone", "dup_phone", "late_entry"]
DEAL_COLUMNS = ["deal_at", "entered_at"] + [
    c for c in REQUIRED if c not in ("phone", "name", "card_no")
]


def registrations(
    rng,
    sales: pd.DataFrame,
    month: str,
    month_index: int,
    counts: np.ndarray,
    next_month: str | None,
) -> pd.DataFrame:
    """Customers first registered in `month`, each with the deal it will have (if any)."""
    rows = sales.iloc[np.repeat(np.arange(len(sales)), counts)].reset_index(drop=True)
    n = len(rows)
    first, ndays = open_days(sales, month)
    registered = random_times(
        rng, n, np.repeat(first, counts), np.repeat(ndays, counts), DESK_HOURS
    )
    channel = pick(rng, CHANNELS, n)
    serial = (
        np.concatenate([np.arange(c) for c in counts]).astype("int64")
        if n
        else np.zeros(0, "int64")
    )
    # unique per site and month, so a shared phone is always a planted error
    phone = mobiles(
        rows["_num"].to_numpy("int64") * 1_000_000 + month_index * 100_000 + serial
    ).astype(str)
    frame = pd.DataFrame(
        {
            "site_id": rows["site_id"].to_numpy(),
            "channel": channel,
            "registered_at": registered,
            "phone": phone.astype(object),
            "name": names(rng, n).astype(object),
            "_site_name": rows["site_name"].to_numpy(),
            "_site_phone": rows["site_phone"].to_numpy(),
            "_rank": rows["_rank"].to_numpy(),
        }
    )
    frame = frame.sort_values(["registered_at", "site_id"], kind="stable").reset_index(drop=True)
    frame.insert(0, "customer_id", ids("KH" + yymm(month), 1, n, width=6))
    frame["_deal_month"] = _deal_months(rng, frame, month, next_month)
    return _fill(rng, frame)


def _deal_months(rng, frame: pd.DataFrame, month: str, next_month: str | None) -> np.ndarray:
    buys = (frame["channel"] == "成交").to_numpy() | (rng.random(len(frame)) < 0.06)
    later = buys & (frame["channel"] != "成交").to_numpy() & (rng.random(len(frame)) < 0.35)
    out = np.where(buys, month, None).astype(object)
    out[later] = next_month  # buys next month; None when that month is outside the demo
    return out


def _fill(rng, frame: pd.DataFrame) -> pd.DataFrame:
    """Profile fields: complete for buyers, sparse for the rest (the handbook's address
    convention 「案场名+来电」 where the real address is unknown)."""
    n = len(frame)
    buyer = frame["_deal_month"].notna().to_numpy()
    member = (frame["channel"] == "入会").to_numpy()
    card = np.strings.add("8860", np.strings.zfill(np.arange(n).astype(str), 8)).astype(object)
    frame["card_no"] = np.where(buyer | member, card, None)
    frame["birth_date"] = _birth_dates(rng, n)
    district = pick(rng, REGIONS, n)
    frame["address"] = np.strings.add(
        np.strings.add(district.astype(str), pick(rng, ROADS, n).astype(str)),
        np.strings.add(rng.integers(1, 2000, n).astype(str), "弄"),
    ).astype(object)
    hearsay = np.where(
        frame["channel"] == "来电", "来电", np.where(rng.random(n) < 0.3, "来电转来访", "来访")
    )
    frame["address"] = np.where(buyer | member, frame["address"], frame["_site_name"] + hearsay)
    frame["postcode"] = pick(rng, POSTCODES, n)
    for column, values in PROFILE.items():
        frame[column] = pick(rng, values, n)
    frame["work_area"], frame["living_area"] = pick(rng, REGIONS, n), pick(rng, REGIONS, n)
    frame["desired_area"] = pick(rng, ["浦东新区", "徐汇区", "闵行区", "前滩", "虹桥", "大宁"], n)
    frame["total_price"] = np.where(
        rng.random(n) < 0.5,
        np.strings.add(rng.integers(300, 3000, n).astype(str), "万"),
        (rng.integers(300, 3000, n) * 10000).astype(str),
    ).astype(object)
    sparse = ~(buyer | member)
    for column in REQUIRED:
        if column not in ("phone", "name", "address", "card_no"):
            frame.loc[sparse & (rng.random(n) < 0.7), column] = None
    frame.loc[~buyer & (rng.random(n) < 0.2), "name"] = None
    return frame


def _birth_dates(rng, n: int) -> np.ndarray:
    """`1982-07`, `1982年7月` or `1982-07-15`: a date or a year and month."""
    year, month, day = rng.integers(1950, 2001, n), rng.integers(1, 13, n), rng.integers(1, 29, n)
    ym = np.strings.add(
        np.strings.add(year.astype(str), "-"), np.strings.zfill(month.astype(str), 2)
    )
    cn = np.strings.add(
        np.strings.add(year.astype(str), "年"), np.strings.add(month.astype(str), "月")
    )
    full = np.strings.add(np.strings.add(ym, "-"), np.strings.zfill(day.astype(str), 2))
    style = rng.integers(0, 3, n)
    return np.where(style == 0, ym, np.where(style == 1, cn, full)).astype(object)


def crm_file_rows(
    rng, book: pd.DataFrame, month: str, month_index: int, months: int
) -> pd.DataFrame:
    """A month's export: customers registered in it (a later deal not yet known)
    plus earlier customers who bought in it, re-exported with the deal."""
    this = book["customer_id"].str[2:6] == yymm(month)
    bought = (book["_deal_month"] == month).to_numpy()
    frame = book[this.to_numpy() | bought].copy()
    deal_now = (frame["_deal_month"] == month).to_numpy()
    frame.loc[~deal_now & frame["_deal_month"].notna().to_numpy(), DEAL_COLUMNS] = None
    frame["deal_at"], frame["entered_at"] = _deal_times(rng, frame, month, deal_now)
    return _planted_errors(frame, deal_now, month_index, months)


def _deal_times(rng, frame: pd.DataFrame, month: str, deal_now: np.ndarray):
    registered = frame["registered_at"].to_numpy(dtype="datetime64[s]")
    start = np.datetime64(f"{month}-01T09:00:00", "s")
    end = (np.datetime64(month, "M") + 1).astype("datetime64[s]") - 3 * 3600
    base = np.maximum(registered, start)
    deal = base + (rng.random(len(frame)) * (end - base).astype("int64") * 0.5).astype("int64")
    deal = np.where(deal_now, np.minimum(deal, end), np.datetime64("NaT"))
    entered = hours_later(deal, rng.uniform(0.2, 20, len(frame)))
    entered_reg = hours_later(registered, rng.uniform(0.1, 6, len(frame)))
    return deal.astype("datetime64[s]"), np.where(deal_now, entered, entered_reg).astype(
        "datetime64[s]"
    )


def _planted_errors(
    frame: pd.DataFrame, deal_now: np.ndarray, month_index: int, months: int
) -> pd.DataFrame:
    """Make the k-th deal record of a site erroneous for k below the site's error count."""
    deals = frame[deal_now]
    nth = deals.groupby("site_id", sort=False).cumcount().to_numpy()
    turn = deals["_rank"].to_numpy() * months + month_index  # as sales.rotation
    wanted = np.asarray(ERROR_COUNTS)[turn % len(ERROR_COUNTS)]
    hit = deals.index[nth < wanted]
    kind = np.asarray(ERROR_KINDS)[
        (nth[nth < wanted] + deals["_rank"].to_numpy()[nth < wanted]) % len(ERROR_KINDS)
    ]
    others = frame[~deal_now].groupby("site_id")["phone"].first()
    for k in ERROR_KINDS:
        rows = hit[kind == k]
        if k == "blank":
            for i, row in enumerate(rows):
                frame.loc[row, REQUIRED[(i * 5 + 3) % len(REQUIRED)]] = None
        elif k == "postcode":
            frame.loc[rows, "postcode"] = "200000"
        elif k == "site_phone":
            frame.loc[rows, "phone"] = frame.loc[rows, "_site_phone"]
        elif k == "dup_phone":
            same = frame.loc[rows, "site_id"].map(others)
            frame.loc[rows, "phone"] = same.where(same.notna(), frame.loc[rows, "phone"])
        else:
            frame.loc[rows, "entered_at"] = frame.loc[rows, "deal_at"] + pd.Timedelta(hours=30)
    return frame.drop(columns=[c for c in frame.columns if c.startswith("_")])
