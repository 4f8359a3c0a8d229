"""Every file form a Chinese export arrives in loads to the same typed rows."""

from __future__ import annotations

import datetime as dt

import pytest
import xlsxwriter

REPAIRS = (
    "维修单号,项目编号,报修时间,维修类别,是否急修,完成时间\n"
    "T1,S1,2026-10-05 14:30,水电维修,是,2026-10-05 18:00\n"
    "T2,S2,2026-10-06 09:00,屋面渗漏,否,\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_encodings_are_detected(raw, encoding):
    raw.write("repairs", "oct.csv", REPAIRS, encoding)
    report = raw.ingest()["repairs/oct.csv"]
    assert (report.status, report.rows_read, report.rows_loaded) == ("loaded", 2, 2)
    assert raw.rows("select ticket_id, category, urgent from repairs order by 1") == [
        ("T1", "水电维修", True),
        ("T2", "屋面渗漏", False),
    ]


def test_undecodable_file_is_rejected_whole(raw):
    path = raw.root / "repairs" / "broken.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(REPAIRS.encode("utf-8")[:60] + b"\xff\xfe\xfa\x80\x81" + b"\n")
    report = raw.ingest()["repairs/broken.csv"]
    assert report.status == "rejected"
    assert "编码" in report.message
    assert raw.rows("select count(*) from repairs") == [(0,)]


def test_xlsx_first_sheet_with_title_row_and_sheet_row_numbers(raw, tmp_path):
    path = raw.root / "repairs" / "oct.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("十月")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write(0, 0, "报修记录表(2026年10月)")
    sheet.write_row(1, 0, ["维修单号", "项目编号", "报修时间", "维修类别", "是否急修"])
    sheet.write_row(2, 0, ["T1", "S1"])
    sheet.write_datetime(2, 2, dt.datetime(2026, 10, 5, 14, 30), when)
    sheet.write_row(2, 3, ["水电维修", "是"])
    sheet.write_row(3, 0, ["T2", "S1", 46300.75, "门窗维修\n(阳台)", "否"])  # Excel serial; a line break in a cell
    sheet.write_row(4, 0, ["T3", "S1", "not a time", "门窗维修", "否"])
    book.add_worksheet("other").write(0, 0, "ignored")
    book.close()

    report = raw.ingest()["repairs/oct.xlsx"]

    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert report.skipped_lines == ["报修记录表(2026年10月)"]
    # serial 46300 is 2026-10-05 (46023 = 2026-01-01, + 277 days); .75 of a day is 18:00
    assert raw.rows("select ticket_id, reported_at, source_line from repairs order by 1") == [
        ("T1", dt.datetime(2026, 10, 5, 14, 30), 3),
        ("T2", dt.datetime(2026, 10, 5, 18, 0), 4),
    ]
    # the line break inside T2's cell does not push T3 down: sheet rows are rows
    assert raw.rows("select source_line, \"column\", value from quarantine") == [
        (5, "reported_at", "not a time")
    ]


def test_title_lines_are_skipped_and_reported_with_file_line_numbers(raw):
    raw.write("repairs", "oct.csv", "报修记录表\n导出时间：2026-11-01\n" + REPAIRS, "gb18030")
    report = raw.ingest()["repairs/oct.csv"]
    assert report.skipped_lines == ["报修记录表", "导出时间：2026-11-01"]
    assert raw.rows("select ticket_id, source_line from repairs order by 1") == [("T1", 4), ("T2", 5)]


def test_a_file_that_is_no_export_is_rejected_by_name_and_other_files_load(raw):
    raw.write("repairs", "notes.docx", "whatever")  # not even a Word document: one line of text
    raw.write("repairs", "oct.csv", REPAIRS)
    reports = raw.ingest()
    assert reports["repairs/notes.docx"].status == "rejected"
    assert "找不到表头" in reports["repairs/notes.docx"].message
    assert reports["repairs/oct.csv"].rows_loaded == 2


def test_line_numbers_survive_blank_lines_and_cells_spanning_lines(raw):
    text = (
        "维修单号,项目编号,报修时间,维修类别,是否急修,未完成原因\n"  # line 1
        "T1,S1,2026-10-05 08:00,水电维修,否,\"等配件\n下周到\"\n"  # lines 2-3
        "\n"  # line 4, blank
        "T2,S1,2026-10-05 09:00,门窗维修,否,\n"  # line 5
        "T3,S1,bad,门窗维修,否,\n"  # line 6
    )
    raw.write("repairs", "oct.csv", text)
    report = raw.ingest()["repairs/oct.csv"]
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert raw.rows("select ticket_id, source_line, unfinished_reason from repairs order by 1") == [
        ("T1", 2, "等配件\n下周到"),
        ("T2", 5, None),
    ]
    assert raw.rows("select source_line from quarantine") == [(6,)]


def test_rows_with_missing_or_extra_cells_keep_their_lines(raw):
    text = (
        "维修单号,项目编号,报修时间,维修类别,是否急修,未完成原因\n"
        "T1,S1,2026-10-05 08:00,水电维修,否\n"  # one cell short: the optional last one
        "T2,S1,2026-10-05 09:00,门窗维修,否,,多,余\n"  # two cells too many
        "T3,S1,2026-10-05 10:00,门窗维修,否,\n"
    )
    raw.write("repairs", "oct.csv", text, "gb18030")
    report = raw.ingest()["repairs/oct.csv"]
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert raw.rows("select ticket_id, source_line from repairs order by 1") == [("T1", 2), ("T3", 4)]
    assert raw.rows("select source_line, reason from quarantine") == [
        (3, "本行的单元格比表头多，可能有未加引号的逗号")
    ]
