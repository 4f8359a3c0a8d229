"""Write one export file, CSV or XLSX, chunk by chunk, byte for byte the same
for the same input: no wall-clock time, fixed workbook properties, and a file
modification time set to the export's own date (ingest loads files oldest
first, so a later month's re-export replaces the earlier one)."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from pipelines.demo.badrows import add_bad_rows
from pipelines.demo.forms import FileForm, add_extra_columns, header_names, render, total_line
from schemas.declarations import datasets

# the column a 合计 row sums, where the export has one worth summing
TOTAL_SUM = {"calls": "talk_seconds", "survey_campaigns": "issued", "sites": "occupied_units"}


def write_export(
    path: Path,
    dataset: str,
    chunks: Iterable[pd.DataFrame],
    form: FileForm,
    rng,
    exported_at: dt.datetime,
    unknown_site: str,
) -> Path:
    """Render, break a few rows, and write; returns the path written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prepared = _prepared(dataset, chunks, form, rng, unknown_site)
    if form.fmt == "xlsx":
        _write_xlsx(path, dataset, list(prepared), form, exported_at)
    else:
        _write_csv(path, dataset, prepared, form)
    stamp = calendar.timegm(exported_at.timetuple())
    os.utime(path, (stamp, stamp))
    return path


def _prepared(dataset, chunks, form, rng, unknown_site):
    """Yields (cells, canonical columns) per chunk, rows numbered across chunks."""
    number = 1
    for chunk in chunks:
        cells = render(chunk, dataset, form, rng)
        cells = add_bad_rows(cells, dataset, rng, form.bad_share, unknown_site)
        columns = list(cells.columns)
        cells = add_extra_columns(cells, form.extra, number, rng)
        number += len(cells)
        yield cells, columns


def _header(dataset: str, columns: list[str], form: FileForm) -> list[str]:
    names = header_names(dataset, columns, form.headers)
    front = ["序号"] if "序号" in form.extra else []
    back = ["备注"] if "备注" in form.extra else []
    return front + names + back


def _total(dataset: str, columns: list[str], rows: int, total_sum: float) -> list:
    return total_line(
        columns, rows, {TOTAL_SUM[dataset]: total_sum} if dataset in TOTAL_SUM else {}
    )


def _write_csv(path: Path, dataset: str, prepared, form: FileForm) -> None:
    # Windows tools write CRLF; a plain UTF-8 system export uses LF
    newline = "\n" if form.encoding == "utf-8" else "\r\n"
    rows, total, cells, header = 0, 0.0, None, None
    with path.open("w", encoding=form.encoding, newline="") as f:
        writer = csv.writer(f, lineterminator=newline)
        for cells, columns in prepared:
            if header is None:
                for line in (form.title or "").splitlines():
                    writer.writerow([line])
                header = _header(dataset, columns, form)
                writer.writerow(header)
            cells.to_csv(f, header=False, index=False, lineterminator=newline)
            rows += len(cells)
            if TOTAL_SUM.get(dataset) in cells.columns:
                total += pd.to_numeric(cells[TOTAL_SUM[dataset]], errors="coerce").sum()
        if form.total_row and cells is not None:
            writer.writerow(_total(dataset, list(cells.columns), rows, total))


def _write_xlsx(
    path: Path, dataset: str, prepared: list, form: FileForm, exported_at: dt.datetime
) -> None:
    cells = pd.concat([c for c, _ in prepared], ignore_index=True)
    columns = prepared[0][1]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    # a fixed creation time keeps the workbook byte-identical from run to run
    book.set_properties(
        {"created": exported_at, "author": "客服中心", "title": datasets()[dataset].title}
    )
    sheet = book.add_worksheet(datasets()[dataset].title)
    bold = book.add_format({"bold": True})
    formats = _date_formats(book, dataset, list(cells.columns))
    row = 0
    for line in (form.title or "").splitlines():
        sheet.write_string(row, 0, line, bold)
        row += 1
    sheet.write_row(row, 0, _header(dataset, columns, form), bold)
    sheet.set_column(0, len(cells.columns) - 1, 14)
    for values in cells.itertuples(index=False, name=None):
        row += 1
        for col, value in enumerate(values):
            _write_cell(sheet, row, col, value, formats[col])
    if form.total_row:
        column = TOTAL_SUM.get(dataset)
        total = (
            pd.to_numeric(cells[column], errors="coerce").sum() if column in cells.columns else 0.0
        )
        sheet.write_row(row + 1, 0, _total(dataset, list(cells.columns), len(cells), total))
    notes = book.add_worksheet("说明")
    notes.write_string(0, 0, f"导出时间：{exported_at:%Y-%m-%d %H:%M}，由系统自动生成")
    book.close()


def _date_formats(book, dataset: str, columns: list[str]) -> list:
    declared = datasets()[dataset].columns
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    minute = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    kinds = [declared[c].type if c in declared else None for c in columns]
    return [day if k == "date" else minute if k == "timestamp" else None for k in kinds]


def _write_cell(sheet, row: int, col: int, value, date_format) -> None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return
    if isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value, date_format)
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))
