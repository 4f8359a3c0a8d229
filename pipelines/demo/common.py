"""Shared building blocks of the demo generator: seeded randomness, months,
random times, and the Chinese names, phones and room numbers exports are full of.

Everything here is vectorised over numpy arrays so the same code serves the
12-site demo and the 1,000-site benchmark.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

SURNAMES = np.array(
    list(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
    )
)
GIVEN_CHARS = np.array(
    list(
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏建红宇浩凯婷雪琳晨欣怡佳俊峰辉波宁斌倩颖慧莉丹璐瑶文斌睿"
    )
)
# mobile prefixes in use in Shanghai exports
MOBILE_PREFIXES = np.array(
    [
        130,
        131,
        133,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        155,
        156,
        158,
        159,
        166,
        176,
        177,
        180,
        181,
        182,
        183,
        185,
        186,
        187,
        188,
        189,
        191,
        198,
        199,
    ]
)

# hour-of-day weights: a register kept at the front desk vs a 24-hour hotline
DESK_HOURS = np.array(
    [0, 0, 0, 0, 0, 0, 0, 1, 6, 10, 10, 9, 6, 7, 9, 9, 8, 7, 4, 3, 2, 1, 0, 0], float
)
HOTLINE_HOURS = np.array(
    [1, 0.5, 0.4, 0.3, 0.3, 0.5, 1, 3, 8, 10, 10, 9, 7, 7, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1.5]
)


def rng_for(seed: int, *parts: object) -> np.random.Generator:
    """An independent stream per (seed, dataset, month, chunk): changing one
    dataset's generator never shifts another's numbers. crc32, not hash(), so
    the streams do not depend on PYTHONHASHSEED."""
    key = [int(seed)] + [zlib.crc32(str(p).encode("utf-8")) for p in parts]
    return np.random.default_rng(key)


def month_start(month: str) -> np.datetime64:
    return np.datetime64(f"{month}-01", "D")


def days_in(month: str) -> int:
    start = np.datetime64(month, "M")
    return int(((start + 1).astype("datetime64[D]") - start.astype("datetime64[D]")).astype(int))


def shift_month(month: str, by: int) -> str:
    return str(np.datetime64(month, "M") + by)


def yymm(month: str) -> str:
    return month[2:4] + month[5:7]


def cn_month(month: str) -> str:
    return f"{int(month[:4])}年{int(month[5:7])}月"


def random_times(
    rng, n: int, first_day, ndays, hours=DESK_HOURS, seconds: bool = False
) -> np.ndarray:
    """n timestamps (datetime64[s]) over ndays from first_day, hour of day drawn from `hours`;
    first_day and ndays may be per-row arrays."""
    day = (rng.random(n) * np.maximum(ndays, 1)).astype("int64")
    hour = rng.choice(24, n, p=hours / hours.sum())
    offset = hour * 3600 + rng.integers(0, 60, n) * 60
    if seconds:
        offset += rng.integers(0, 60, n)
    return np.asarray(first_day).astype("datetime64[s]") + day * 86400 + offset


def open_days(sites: pd.DataFrame, month: str) -> tuple[np.ndarray, np.ndarray]:
    """Per site: the first day with activity in the month and how many days follow
    (a site opened mid-month has records only from its opening day)."""
    start, ndays = month_start(month), days_in(month)
    opened = sites["opened_on"].to_numpy(dtype="datetime64[D]")
    first = np.where(np.isnat(opened) | (opened < start), start, opened).astype("datetime64[D]")
    return first, np.maximum(ndays - (first - start).astype("int64"), 0)


def site_counts(rng, sites: pd.DataFrame, month: str, per_kind: dict[str, float]) -> np.ndarray:
    """Rows per site for one month: a mean by site kind, scaled by site size and by
    the share of the month the site was open."""
    _, open_ = open_days(sites, month)
    size = sites["_size"].to_numpy(float)
    mean = sites["site_type"].map(per_kind).fillna(0).to_numpy(float) * size
    return rng.poisson(mean * open_ / days_in(month))


def hours_later(start: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """start + a float number of hours, kept to whole minutes as registers record them."""
    minutes = np.round(np.asarray(hours, float) * 60).astype("int64")
    return start + minutes.astype("timedelta64[m]").astype("timedelta64[s]")


def into_office_hours(ts: np.ndarray) -> np.ndarray:
    """Move times outside 08:30–20:59 forward to 08:30 or later, as staff only call back by day."""
    day = ts.astype("datetime64[D]")
    second_of_day = (ts - day.astype("datetime64[s]")).astype("int64")
    early = second_of_day < 8.5 * 3600
    late = second_of_day >= 21 * 3600
    morning = np.timedelta64(8 * 3600 + 1800, "s")
    ts = ts.copy()
    ts[early] = (
        day[early].astype("datetime64[s]")
        + morning
        + (second_of_day[early] % 3600).astype("timedelta64[s]")
    )
    nxt = (day[late] + 1).astype("datetime64[s]")
    ts[late] = nxt + morning + (second_of_day[late] % 3600).astype("timedelta64[s]")
    return ts


def names(rng, n: int) -> np.ndarray:
    """Chinese personal names: a surname and one or two given characters."""
    surname = SURNAMES[rng.integers(0, len(SURNAMES), n)]
    first = GIVEN_CHARS[rng.integers(0, len(GIVEN_CHARS), n)]
    second = GIVEN_CHARS[rng.integers(0, len(GIVEN_CHARS), n)]
    two = rng.random(n) < 0.7
    return np.strings.add(np.strings.add(surname, first), np.where(two, second, ""))


def mobiles(key: np.ndarray) -> np.ndarray:
    """11-digit mobile numbers (int64), one per key and the same for the same key.
    A multiplicative scramble modulo 10^8 is a bijection, so distinct keys below
    10^8 give distinct numbers within one prefix."""
    key = np.asarray(key, dtype="int64")
    prefix = MOBILE_PREFIXES[key % len(MOBILE_PREFIXES)]
    body = (key * 48_271 + 12_345_679) % 100_000_000
    return prefix * 100_000_000 + body


def phone_pool(rng, site_num: np.ndarray, pool_size: np.ndarray, salt: int = 0) -> np.ndarray:
    """A phone per row drawn from a per-site pool, so the same callers come back:
    distinct numbers stay well below the number of rows."""
    slot = (rng.random(len(site_num)) * pool_size).astype("int64")
    return mobiles(site_num.astype("int64") * 10_007 + slot * 7 + salt)


def residential_units(rng, n: int) -> np.ndarray:
    """`3-1-502`: building, entrance, floor and room."""
    parts = [
        rng.integers(1, 25, n),
        rng.integers(1, 4, n),
        rng.integers(1, 19, n) * 100 + rng.integers(1, 5, n),
    ]
    text = [p.astype(str) for p in parts]
    return np.strings.add(
        np.strings.add(np.strings.add(text[0], "-"), np.strings.add(text[1], "-")), text[2]
    )


def office_units(rng, n: int) -> np.ndarray:
    """`B座1205` or `1205室`."""
    tower = np.array(["A座", "B座", "C座", ""])[rng.integers(0, 4, n)]
    room = (rng.integers(2, 36, n) * 100 + rng.integers(1, 20, n)).astype(str)
    return np.strings.add(np.strings.add(tower, room), np.where(tower == "", "室", ""))


def units_for(rng, is_office: np.ndarray) -> np.ndarray:
    units = residential_units(rng, len(is_office)).astype(object)
    units[is_office] = office_units(rng, int(is_office.sum()))
    return units


def pick(rng, choices: list | dict, n: int) -> np.ndarray:
    """n draws from a list (uniform) or a {value: weight} dict, as an object array."""
    values = list(choices)
    p = None
    if isinstance(choices, dict):
        weights = np.asarray(list(choices.values()), float)
        p = weights / weights.sum()
    return np.asarray(values, dtype=object)[rng.choice(len(values), n, p=p)]


def ids(prefix: str, start: int, n: int, width: int = 7) -> np.ndarray:
    """`WX2610` + zero-padded running number."""
    return np.strings.add(prefix, np.strings.zfill(np.arange(start, start + n).astype(str), width))


def bool_series(values: np.ndarray, blank: np.ndarray | None = None) -> pd.Series:
    out = pd.Series(np.asarray(values, dtype=bool), dtype="boolean")
    if blank is not None:
        out[np.asarray(blank, bool)] = pd.NA
    return out


def censor_after(
    frame: pd.DataFrame, columns: list[str], exported_at: np.datetime64
) -> pd.DataFrame:
    """The record as an export taken at `exported_at` shows it: later events are not there yet."""
    out = frame.copy()
    for column in columns:
        out.loc[out[column].to_numpy() > exported_at, column] = pd.NaT
    return out


def changed_between(frame: pd.DataFrame, columns: list[str], before, until) -> pd.DataFrame:
    """Records whose history moved on between two exports: the later export carries them again."""
    moved = np.zeros(len(frame), dtype=bool)
    for column in columns:
        values = frame[column].to_numpy()
        moved |= (values > before) & (values <= until)
    return frame[moved]
