"""How an export file looks: encoding, header words, date and yes/no style,
title lines, a 合计 row, extra columns (序号, 备注), CSV or XLSX.

Generators hand over typed frames (canonical columns, datetime64, boolean,
Int64); `render` turns them into the cells one particular office's export
would contain, using each column's declared type from schemas/datasets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from schemas.declarations import datasets

EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "s")
BOOL_WORDS = {"cn": ("是", "否"), "yn": ("Y", "N"), "tf": ("true", "false"), "01": ("1", "0")}
REMARKS = [
    "业主要求上午上门",
    "已电话告知",
    "加急",
    "二次报修",
    "物业经理已知悉",
    "待业主确认",
    "材料已到",
]

# the header word each export uses where a column has several aliases
HEADER_WORDS = {
    "calls": {"phone": "号码"},
    "visits": {"phone": "联系电话"},
    "crm_customers": {"phone": "电话"},
}


@dataclass(frozen=True)
class FileForm:
    fmt: str = "csv"  # csv | xlsx
    encoding: str = "gb18030"  # gb18030 | utf-8-sig | utf-8 (CSV only)
    headers: str = "alias"  # alias (Chinese) | canonical (English) | mixed
    dates: str = "iso"  # iso | iso_min | slash | cn
    bools: str = "cn"  # cn 是/否 | yn Y/N | tf true/false | 01 1/0
    title: str | None = None  # a line above the header, e.g. 来访登记表(2026年10月)
    total_row: bool = False  # a 合计 row at the end
    extra: tuple[str, ...] = ()  # columns no schema knows: 序号 (first), 备注 (last)
    serial_share: float = 0.0  # XLSX: share of date cells written as bare Excel serial numbers
    # date-time cells as fractional serials too (46300.604…), as some CRM exports write them
    serial_times: bool = False
    bad_share: float = 0.012  # share of rows copied as broken records


def header_names(dataset: str, columns: list[str], mode: str) -> list[str]:
    """Header cells for the canonical columns, in the file's header style."""
    ds = datasets()[dataset]
    out = []
    for i, name in enumerate(columns):
        col = ds.columns[name]
        chinese = HEADER_WORDS.get(dataset, {}).get(name) or (
            col.aliases[0] if col.aliases else name
        )
        if mode == "canonical":
            out.append(name)
        elif mode == "mixed" and i % 2 == 0:
            # `Site ID`: what a hand-edited sheet ends up with
            out.append(
                " ".join(w.upper() if w == "id" else w.capitalize() for w in name.split("_"))
            )
        elif mode == "mixed":
            # a full-width space typed inside the Chinese word, and a trailing blank
            out.append(chinese[:2] + "\u3000" + chinese[2:] + " ")
        else:
            out.append(chinese)
    return out


def _valid(series: pd.Series) -> pd.Series:
    return series[series.notna()]


def format_times(series: pd.Series, style: str, with_time: bool) -> pd.Series:
    """Timestamps as text in one of the forms Chinese exports use; blank stays None."""
    s = _valid(series)
    y = s.dt.year.astype(str)
    mo, d = s.dt.month.astype(str), s.dt.day.astype(str)
    hh, mi = s.dt.hour.astype(str).str.zfill(2), s.dt.minute.astype(str).str.zfill(2)
    ss = s.dt.second.astype(str).str.zfill(2)
    if style in ("iso", "iso_min"):
        date = y + "-" + mo.str.zfill(2) + "-" + d.str.zfill(2)
        clock = hh + ":" + mi + (":" + ss if style == "iso" else "")
    elif style == "slash":
        date, clock = y + "/" + mo + "/" + d, hh + ":" + mi + ":" + ss
    else:  # cn
        date, clock = y + "年" + mo + "月" + d + "日", hh + ":" + mi
    text = date + " " + clock if with_time else date
    return text.reindex(series.index).astype(object).where(series.notna(), None)


def format_months(series: pd.Series, style: str) -> pd.Series:
    s = _valid(series).astype(str)
    if style == "cn":
        s = s.str[:4] + "年" + s.str[5:7].str.lstrip("0") + "月"
    elif style == "slash":
        s = s.str[:4] + "/" + s.str[5:7]
    return s.reindex(series.index).astype(object).where(series.notna(), None)


def format_numbers(series: pd.Series) -> pd.Series:
    """87.0 -> `87`, 87.5 -> `87.5`; blank stays None."""
    s = _valid(series).astype("float64")
    whole = s == np.floor(s)
    text = s.round(2).astype(str)
    text[whole] = s[whole].astype("int64").astype(str)
    return text.reindex(series.index).astype(object).where(series.notna(), None)


def format_bools(series: pd.Series, style: str) -> pd.Series:
    yes, no = BOOL_WORDS[style]
    out = pd.Series(
        np.where(series.fillna(False).astype(bool), yes, no), index=series.index, dtype=object
    )
    return out.where(series.notna(), None)


def render(frame: pd.DataFrame, dataset: str, form: FileForm, rng) -> pd.DataFrame:
    """Cells (str or None for CSV; str, number or datetime for XLSX) in declared column order."""
    ds = datasets()[dataset]
    columns = [c for c in ds.columns if c in frame.columns]
    cells = {}
    for name in columns:
        kind, series = ds.columns[name].type, frame[name]
        if kind in ("timestamp", "date") and form.fmt == "xlsx":
            share = form.serial_share if kind == "date" or form.serial_times else 0.0
            cells[name] = _excel_dates(series, kind == "date", share, rng)
        elif kind in ("timestamp", "date"):
            cells[name] = format_times(series, form.dates, with_time=kind == "timestamp")
        elif kind == "month":
            cells[name] = format_months(series, form.dates)
        elif kind == "bool":
            cells[name] = format_bools(series, form.bools)
        elif kind in ("int", "float") and form.fmt == "xlsx":
            cells[name] = series.astype(object).where(series.notna(), None)
        elif kind in ("int", "float"):
            cells[name] = format_numbers(series)
        else:
            cells[name] = series.astype(object).where(series.notna(), None)
    return pd.DataFrame(cells, index=frame.index)


def _excel_dates(series: pd.Series, date_only: bool, serial_share: float, rng) -> pd.Series:
    """Date cells as datetimes (shown with a date format), a few as bare serial numbers."""
    values = series.to_numpy(dtype="datetime64[s]")
    out = pd.Series([None] * len(series), index=series.index, dtype=object)
    valid = ~np.isnat(values)
    out[valid] = pd.to_datetime(values[valid]).to_pydatetime()
    serial = valid & (rng.random(len(values)) < serial_share)
    days = (values[serial] - EXCEL_EPOCH).astype("int64") / 86400
    out[serial] = [int(d) if date_only else float(d) for d in days]
    return out


def total_line(columns: list[str], rows: int, sums: dict[str, float]) -> list:
    """`合计 | 共523条 | … | sum`: what exports append below the data."""
    row: list = [None] * len(columns)
    row[0], row[1] = "合计", f"共{rows}条"
    for column, value in sums.items():
        if column in columns:
            row[columns.index(column)] = str(int(value))
    return row


def add_extra_columns(
    cells: pd.DataFrame, extra: tuple[str, ...], first_number: int, rng
) -> pd.DataFrame:
    """序号 in front, 备注 at the back, as hand-kept registers have them."""
    if "序号" in extra:
        cells.insert(0, "序号", np.arange(first_number, first_number + len(cells)).astype(str))
    if "备注" in extra:
        note = pick_sparse(rng, REMARKS, len(cells), share=0.08)
        cells["备注"] = note
    return cells


def pick_sparse(rng, choices: list[str], n: int, share: float) -> np.ndarray:
    out = np.full(n, None, dtype=object)
    hit = rng.random(n) < share
    out[hit] = np.asarray(choices, dtype=object)[rng.integers(0, len(choices), int(hit.sum()))]
    return out
