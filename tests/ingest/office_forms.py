"""The same repair tickets written in each form an office sends them in, built here byte by byte
(BIFF by xlwt, a test-only writer; XML Spreadsheet 2003 and HTML as text), each with a merged
title row above a Chinese header, a blank row, and a cell left out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter
import xlwt

TITLE = "客户回访汇总报表"
HEADER = ["维修单号", "项目编号", "报修时间", "维修类别", "是否急修", "完成时间", "回访结果"]
# sheet row -> cells; row 1 is the title, row 2 the header, row 6 is blank, R3's time is no time
ROWS = {
    3: ["R1", "S1", dt.datetime(2026, 10, 5, 14, 30), "水电维修", "是", dt.datetime(2026, 10, 5, 18, 0), "满意"],
    4: ["R2", "S2", dt.datetime(2026, 10, 6, 9, 0), "屋面渗漏", "否", None, "未联系上"],
    5: ["R3", "S1", "不是日期", "门窗维修", "否", None, None],
    7: ["R4", "S1", dt.datetime(2026, 10, 7, 10, 0), "门窗维修", "否", dt.datetime(2026, 10, 8, 11, 0), "不满意"],
}
# what the warehouse holds afterwards, worked out from the rows above
LOADED = [
    ("R1", "S1", dt.datetime(2026, 10, 5, 14, 30), "水电维修", True, dt.datetime(2026, 10, 5, 18, 0), "满意", 3),
    ("R2", "S2", dt.datetime(2026, 10, 6, 9, 0), "屋面渗漏", False, None, "未联系上", 4),
    ("R4", "S1", dt.datetime(2026, 10, 7, 10, 0), "门窗维修", False, dt.datetime(2026, 10, 8, 11, 0), "不满意", 7),
]
LOADED_SQL = """select ticket_id, site_id, reported_at, category, urgent, completed_at, callback_result,
                source_line from repairs order by ticket_id"""
QUARANTINED = [(5, "reported_at")]  # R3, its sheet row


def _text(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, dt.datetime) else ("" if value is None else value)


def write_xlsx(path: Path, sheets: dict[str, dict[int, list]] | None = None) -> Path:
    """Sheets by name (default: one, the tickets); a sheet's rows by sheet row (1-based)."""
    book = xlsxwriter.Workbook(path)
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, rows in (sheets or {"明细": tickets()}).items():
        sheet = book.add_worksheet(name)
        _fill(rows, lambda row, col, value, sheet=sheet: sheet.write_datetime(row, col, value, stamp)
              if isinstance(value, dt.datetime) else sheet.write(row, col, value))
    book.close()
    return path


def _fill(rows: dict[int, list], write) -> None:
    """write(row, col, value) (0-based, as both writers count) for every cell that holds a value."""
    for number, cells in rows.items():
        for col, value in enumerate(cells):
            if value is not None:
                write(number - 1, col, value)


def tickets() -> dict[int, list]:
    return {1: [TITLE], 2: HEADER, **ROWS}


def write_biff(path: Path) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("明细")
    stamp = xlwt.easyxf(num_format_str="yyyy-mm-dd hh:mm")
    sheet.write_merge(0, 0, 0, len(HEADER) - 1, TITLE)
    _fill({2: HEADER, **ROWS}, lambda row, col, value: sheet.write(row, col, value, stamp)
          if isinstance(value, dt.datetime) else sheet.write(row, col, value))
    book.save(str(path))
    return path


def xml_spreadsheet(encoding: str = "utf-8") -> str:
    """As an Excel template writes it: R2's 回访结果 jumps a column with ss:Index, R4 jumps a row."""
    def cell(value, index: int | None = None) -> str:
        at = f' ss:Index="{index}"' if index else ""
        if isinstance(value, dt.datetime):
            return f'<Cell{at} ss:StyleID="d"><Data ss:Type="DateTime">{value:%Y-%m-%dT%H:%M:%S}.000</Data></Cell>'
        return f'<Cell{at}><Data ss:Type="String">{value}</Data></Cell>'

    rows = [f'<Row><Cell ss:MergeAcross="{len(HEADER) - 1}"><Data ss:Type="String">{TITLE}</Data></Cell></Row>',
            "<Row>" + "".join(cell(h) for h in HEADER) + "</Row>"]
    previous = 2
    for number, cells in ROWS.items():
        at = f' ss:Index="{number}"' if number != previous + 1 else ""
        written, skipped = [], False
        for col, value in enumerate(cells, start=1):
            if value is None:
                skipped = True
                continue
            written.append(cell(value, col if skipped else None))
            skipped = False
        rows.append(f"<Row{at}>" + "".join(written) + "</Row>")
        previous = number
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n<?mso-application progid="Excel.Sheet"?>\n'
            '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
            'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
            '<Styles><Style ss:ID="d"><NumberFormat ss:Format="yyyy-mm-dd hh:mm"/></Style></Styles>\n'
            '<Worksheet ss:Name="明细"><Table>\n' + "\n".join(rows) + "\n</Table></Worksheet></Workbook>\n")


def html_table(charset: str = "gb2312") -> str:
    """As a Java report server saves "Excel": a colspan title, <th> headers, &nbsp; for blank,
    an empty row, and cells left unclosed."""
    def cells(values) -> str:
        return "".join(f"<td>{_text(v) or '&nbsp;'}" for v in values)  # no </td>: browsers cope, so must we

    body = [f'<tr><td colspan="{len(HEADER)}" align="center"><b>{TITLE}</b></td></tr>',
            "<tr>" + "".join(f"<th>{h}</th>" for h in HEADER) + "</tr>"]
    for number in range(3, max(ROWS) + 1):
        body.append(f"<tr>{cells(ROWS[number])}</tr>" if number in ROWS else "<tr></tr>")
    return (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f"<title>{TITLE}</title></head><body>\n<table border=\"1\">\n" + "\n".join(body)
            + "\n</table></body></html>\n")


def tab_separated() -> str:
    lines = [TITLE, "\t".join(HEADER)]
    for number in range(3, max(ROWS) + 1):
        lines.append("\t".join(_text(v) for v in ROWS[number]) if number in ROWS else "")
    return "\n".join(lines) + "\n"


WRITERS = {  # form -> writes the tickets to a path, named as offices name them
    "xlsx": write_xlsx,
    "xls": write_biff,
    "xml2003": lambda path: path.write_text(xml_spreadsheet(), encoding="utf-8"),
    "html": lambda path: path.write_bytes(html_table("gb2312").encode("gb2312")),
    "tsv": lambda path: path.write_bytes(tab_separated().encode("gb18030")),
}
NAMES = {"xlsx": "回访.xlsx", "xls": "回访.xls", "xml2003": "回访.xls", "html": "回访.xls", "tsv": "回访.xls"}
