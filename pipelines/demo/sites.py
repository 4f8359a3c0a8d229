"""The site roster (项目清单): ids `S001`, about half residential 住宅, a fifth
office 写字楼 and the rest sales sites 案场, each with a behaviour profile the
other generators read (columns starting with `_` are never written)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.demo.common import month_start

NAME_HEADS = list("锦金滨翠御世东明凯华雅绿紫碧星汇新龙云海天银嘉荣瑞和丰泰康宝")
NAME_TAILS = list("绣桥江湖景纪方珠旋华庭阁城岸都邸林峰山源悦澜轩汀洲晖盛泽瑞祥")
SUFFIX = {
    "residential": ["花园", "苑", "公寓", "新村", "家园"],
    "office": ["大厦", "中心", "广场"],
    "sales": ["府案场", "售楼处", "壹号营销中心"],
}
REGIONS = [
    "浦东新区",
    "徐汇区",
    "静安区",
    "闵行区",
    "宝山区",
    "嘉定区",
    "松江区",
    "青浦区",
    "杨浦区",
    "普陀区",
    "长宁区",
    "黄浦区",
    "虹口区",
    "奉贤区",
]
# callback/handling discipline of property sites, cycled so every site kind of
# outcome appears: 1.0 never misses a target, 0.3 misses most of them
QUALITY_CYCLE = [1.0, 0.8, 0.45, 0.92, 0.65, 0.3]


def site_types(n: int, rng) -> np.ndarray:
    """Roughly 50/20/30 % residential/office/sales, each kind present from 3 sites up."""
    offices = max(1, round(n * 0.2)) if n >= 3 else 0
    sales = max(1, round(n * 0.3)) if n >= 2 else 0
    kinds = ["residential"] * (n - offices - sales) + ["office"] * offices + ["sales"] * sales
    return np.asarray(kinds)[rng.permutation(n)]


def site_roster(n: int, months: list[str], rng) -> pd.DataFrame:
    """One row per site, declared columns plus `_`-prefixed behaviour columns."""
    kinds = site_types(n, rng)
    width = max(3, len(str(n)))
    number = np.arange(1, n + 1)
    rank = pd.Series(kinds).groupby(kinds).cumcount().to_numpy()
    quality = np.where(
        kinds == "sales", np.nan, [QUALITY_CYCLE[r % len(QUALITY_CYCLE)] for r in rank]
    )
    occupied = np.where(
        kinds == "residential",
        rng.integers(400, 2001, n),
        np.where(kinds == "office", rng.integers(40, 160, n), -1),
    )
    frame = pd.DataFrame(
        {
            "site_id": [f"S{i:0{width}d}" for i in number],
            "site_name": [_site_name(i, k) for i, k in zip(number, kinds)],
            "site_type": kinds,
            "region": np.asarray(REGIONS)[rng.integers(0, len(REGIONS), n)],
            "occupied_units": pd.array(np.where(occupied < 0, None, occupied), dtype="Int64"),
            "site_phone": [_site_phone(rng) if k == "sales" else None for k in kinds],
            "opened_on": _opened_on(kinds, months, rng),
            "_num": number,
            "_rank": rank,  # position among sites of the same kind
            "_quality": quality,
            "_size": np.where(
                kinds == "residential", np.maximum(occupied, 1) / 1200, rng.uniform(0.6, 1.4, n)
            ),
        }
    )
    sales_count = int((kinds == "sales").sum())
    # the last sales site opened in the last month: scored for reference only
    frame["_new"] = (kinds == "sales") & (rank == sales_count - 1) & (sales_count >= 2)
    frame.loc[frame["_new"], "opened_on"] = month_start(months[-1]) + int(rng.integers(2, 10))
    frame["opened_on"] = frame["opened_on"].astype("datetime64[s]")
    return frame


def _site_name(i: int, kind: str) -> str:
    head, tail = (
        NAME_HEADS[(i * 7) % len(NAME_HEADS)],
        NAME_TAILS[(i * 11 + i // 30) % len(NAME_TAILS)],
    )
    phase = "" if i <= 900 else f"{(i - 1) // 900 + 1}期"
    suffix = SUFFIX[kind][i % len(SUFFIX[kind])]
    return head + tail + suffix + phase


def _site_phone(rng) -> str:
    digits = str(int(rng.integers(5000_0000, 6999_9999)))
    style = int(rng.integers(0, 3))
    return ["021-" + digits, "021-" + digits[:4] + " " + digits[4:], "(021)" + digits][style]


def _opened_on(kinds: np.ndarray, months: list[str], rng) -> np.ndarray:
    """Property sites taken over years ago; sales sites opened within the last two years."""
    first = month_start(months[0])
    days_back = np.where(
        kinds == "sales", rng.integers(60, 700, len(kinds)), rng.integers(1500, 7000, len(kinds))
    )
    return first - days_back.astype("timedelta64[D]")


def property_sites(sites: pd.DataFrame) -> pd.DataFrame:
    return sites[sites["site_type"] != "sales"]


def sales_sites(sites: pd.DataFrame) -> pd.DataFrame:
    return sites[sites["site_type"] == "sales"]


def unknown_site_id(sites: pd.DataFrame) -> str:
    """An id in the right shape that the roster does not hold (a site not registered yet)."""
    width = len(sites["site_id"].iloc[0]) - 1
    return f"S{len(sites) + 37:0{width}d}"
