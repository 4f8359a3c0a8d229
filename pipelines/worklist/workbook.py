"""worklist.xlsx: one sheet per kind of item (every kind, an empty one saying so), header frozen,
filters on, each column as wide as its widest cell. Strings stay strings (never formulas or links),
and rows stream in constant memory, as in the evidence workbook; a sheet stops at its SHEET_ROWS
(a group's 660,000 items took 62 s and 2 GiB written whole) and its last row says how many more
there are: a site's own list (`kpi worklist --site`) has them all."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pandas as pd
import xlsxwriter

from pipelines.report.evidence_xlsx import SHEET_ROWS, sheet_name
from pipelines.worklist import KINDS, Worklist

HEADINGS = {
    "site_id": "项目编号", "site_name": "项目名称", "region": "区域", "record_id": "编号", "unit": "房号",
    "due": "待办", "detail": "说明", "deadline": "期限", "hours_left": "剩余小时（负数为超时）",
    "age_days": "已过天数", "source_file": "来源文件", "source_line": "行",
    "contact_name": "联系人", "contact_phone": "电话",
}
MAX_WIDTH = 60  # a long detail wraps in its cell rather than pushing the sheet wide


def _width(value) -> int:
    """Display width in Excel's character units: a CJK character is two."""
    text = value if isinstance(value, str) else f"{value:%Y-%m-%d %H:%M}" if isinstance(value, dt.datetime) \
        else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(value):
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def write(worklist: Worklist, path: Path) -> Path:
    columns = [c for c in worklist.items.columns if c != "kind"]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"created": worklist.as_of})  # dated by as-of: the same list makes the same bytes
    head = book.add_format({"bold": True, "bg_color": "#E8EDF3", "bottom": 1})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    late = book.add_format({"num_format": "0.0", "font_color": "#B42318", "bold": True})
    number = book.add_format({"num_format": "0.0"})
    taken: set[str] = set()
    for kind, name in KINDS.items():
        sheet = book.add_worksheet(sheet_name(name, taken))
        every = worklist.of_kind(kind)
        rows = every.head(SHEET_ROWS)
        widths = [_width(HEADINGS[c]) for c in columns]
        for x, column in enumerate(columns):
            sheet.write_string(0, x, HEADINGS[column], head)
        for y, row in enumerate(rows[columns].itertuples(index=False), start=1):
            for x, value in enumerate(map(_cell, row)):
                if value is None:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write_datetime(y, x, value, when)
                elif isinstance(value, str):
                    sheet.write_string(y, x, value)
                elif columns[x] == "hours_left":
                    sheet.write_number(y, x, value, late if value <= 0 else number)
                elif columns[x] == "age_days":
                    sheet.write_number(y, x, value, number)
                else:
                    sheet.write_number(y, x, value)
                widths[x] = max(widths[x], _width(value))
        if rows.empty:
            sheet.write_string(1, 0, "没有此类待办")
        elif len(every) > len(rows):
            more = len(every) - len(rows)
            sheet.write_string(len(rows) + 1, 0, f"另有 {more} 项未列出：请按项目查看（kpi worklist --site）")
        for x, width in enumerate(widths):
            sheet.set_column(x, x, min(width + 2, MAX_WIDTH))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    book.close()
    return path
