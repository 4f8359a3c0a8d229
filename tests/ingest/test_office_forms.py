"""Issue 18: every "Excel" an office sends is read by what it is, not by its name — and the same
tickets give the same rows whatever the form. Nothing in the raw folder is passed over in silence."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines import jobs, warehouse
from pipelines.settings import load_settings
from tests.conftest import RawFolder
from tests.ingest.office_forms import (
    HEADER, LOADED, LOADED_SQL, NAMES, QUARANTINED, TITLE, WRITERS, html_table, tickets, write_xlsx,
    xml_spreadsheet,
)


def ingested(raw: RawFolder, form: str, **options):
    path = raw.root / "repairs" / NAMES[form]
    path.parent.mkdir(parents=True, exist_ok=True)
    WRITERS[form](path)
    return raw.ingest(**options)[f"repairs/{NAMES[form]}"]


@pytest.mark.parametrize("form", sorted(WRITERS))
def test_each_form_loads_the_same_rows_with_sheet_row_numbers(raw, form):
    report = ingested(raw, form)
    assert (report.status, report.form) == ("loaded", form)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (4, 3, 1)
    assert report.skipped_lines == [TITLE]
    assert raw.rows(LOADED_SQL) == LOADED
    assert raw.rows('select source_line, "column" from quarantine where dataset = \'repairs\'') == QUARANTINED
    assert raw.rows("select form, header_line from files where dataset = 'repairs'") == [(form, 2)]


def test_the_same_tickets_in_every_form_give_the_same_metrics(tmp_path):
    """Done when: .xlsx, BIFF .xls, XML Spreadsheet .xls and HTML .xls give identical metrics."""
    seen = {}
    for form in ("xlsx", "xls", "xml2003", "html"):
        raw = RawFolder(tmp_path / form)
        ingested(raw, form)
        settings = load_settings(raw=raw.root, warehouse=raw.db_path, out=tmp_path / "out")
        conn = warehouse.connect(raw.db_path)
        try:
            rows = jobs.view_month(conn, settings, "2026-10", dt.datetime(2026, 11, 5, 6), None)
        finally:
            conn.close()
        seen[form] = rows
    assert seen["xlsx"], "the tickets yield repair metrics"
    assert all(rows == seen["xlsx"] for rows in seen.values())


def test_a_gb2312_page_that_declares_utf8_is_still_read(raw):
    path = raw.root / "repairs" / "回访.xls"
    path.parent.mkdir(parents=True)
    path.write_bytes(html_table("utf-8").encode("gb18030"))  # the meta tag lies, as they do
    report = raw.ingest()["repairs/回访.xls"]
    assert report.status == "loaded" and raw.rows(LOADED_SQL) == LOADED


def test_an_xml_spreadsheet_declared_gb2312_is_read(raw):
    path = raw.root / "repairs" / "回访.xml"
    path.parent.mkdir(parents=True)
    path.write_bytes(xml_spreadsheet("gb2312").encode("gb18030"))
    assert raw.ingest()["repairs/回访.xml"].status == "loaded"
    assert raw.rows(LOADED_SQL) == LOADED


def test_a_csv_that_is_a_workbook_and_an_xlsx_that_is_html_are_read_as_what_they_are(raw):
    (raw.root / "repairs").mkdir(parents=True)
    write_xlsx(raw.root / "repairs" / "十月.csv")
    reports = raw.ingest()
    assert reports["repairs/十月.csv"].status == "loaded"
    assert "按内容读作 XLSX 工作簿（文件名为 .csv）" in reports["repairs/十月.csv"].notes
    (raw.root / "repairs" / "十月.csv").unlink()
    (raw.root / "repairs" / "十月.xlsx").write_bytes(html_table().encode("gb2312"))
    report = raw.ingest()["repairs/十月.xlsx"]
    assert report.status == "loaded" and report.form == "html"
    assert "按内容读作 HTML 表格（文件名为 .xlsx）" in report.notes
    assert raw.rows(LOADED_SQL) == LOADED


def test_the_first_sheet_whose_header_fits_is_read_and_the_choice_is_said(raw):
    (raw.root / "repairs").mkdir(parents=True)
    write_xlsx(raw.root / "repairs" / "回访.xlsx",
               {"说明": {1: ["本表由系统导出"], 2: ["请勿修改"]}, "明细": tickets(), "汇总": {1: ["合计", 4]}})
    report = raw.ingest()["repairs/回访.xlsx"]
    assert (report.status, report.sheet) == ("loaded", "明细")
    assert report.notes == ["读取工作表「明细」（共 3 个工作表；前面的「说明」没有本数据集的表头）"]
    assert raw.rows(LOADED_SQL) == LOADED


def test_sheets_in_the_config_name_the_sheet_to_read(raw):
    (raw.root / "repairs").mkdir(parents=True)
    backup = {1: HEADER, 2: ["B1", "S1", "2026-10-09 08:00", "水电维修", "否", None, None]}
    write_xlsx(raw.root / "repairs" / "回访.xlsx", {"明细": tickets(), "备份": backup})
    report = raw.ingest(sheets={"repairs": "备份"})["repairs/回访.xlsx"]
    assert (report.status, report.sheet, report.rows_loaded) == ("loaded", "备份", 1)
    assert raw.rows("select ticket_id, source_line from repairs") == [("B1", 2)]


def test_a_sheet_named_in_the_config_but_missing_rejects_the_file_naming_the_sheets_there(raw):
    (raw.root / "repairs").mkdir(parents=True)
    write_xlsx(raw.root / "repairs" / "回访.xlsx")
    report = raw.ingest(sheets={"repairs": "备份"})["repairs/回访.xlsx"]
    assert report.status == "rejected"
    assert "找不到 [sheets] 指定的工作表「备份」（文件中有：明细）" in report.message


def test_a_workbook_with_no_fitting_sheet_names_the_sheets_it_tried(raw):
    (raw.root / "repairs").mkdir(parents=True)
    write_xlsx(raw.root / "repairs" / "回访.xlsx", {"说明": {1: ["无"]}, "图表": {1: ["数据"]}})
    report = raw.ingest()["repairs/回访.xlsx"]
    assert report.status == "rejected"
    assert report.message.startswith("2 个工作表（「说明」、「图表」）的前 20 行中找不到表头")


def test_an_xml_index_past_excels_limit_rejects_the_file_instead_of_filling_memory(raw):
    path = raw.root / "repairs" / "回访.xls"
    path.parent.mkdir(parents=True)
    path.write_text(xml_spreadsheet().replace("<Row><Cell", '<Row><Cell ss:Index="99999999"', 1), encoding="utf-8")
    report = raw.ingest()["repairs/回访.xls"]
    assert report.status == "rejected" and "ss:Index=99999999" in report.message


def test_an_xml_with_entities_is_refused(raw):
    path = raw.root / "repairs" / "回访.xls"
    path.parent.mkdir(parents=True)
    bomb = xml_spreadsheet().replace('<?mso-application progid="Excel.Sheet"?>',
                                     '<!DOCTYPE lol [<!ENTITY lol "lol">]>', 1)
    path.write_text(bomb, encoding="utf-8")
    report = raw.ingest()["repairs/回访.xls"]
    assert report.status == "rejected" and "DTD" in report.message


@pytest.mark.parametrize(("content", "reason"), [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "这是 PDF 文件，不是表格导出"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "这是图片（PNG），不是表格导出"),
    (b"<html><body><p>\xe6\x97\xa0\xe6\x95\xb0\xe6\x8d\xae</p></body></html>", "HTML 文件中没有表格"),
])
def test_a_file_that_is_no_export_is_rejected_with_what_it_is(raw, content, reason):
    path = raw.root / "repairs" / "回访.xls"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    report = raw.ingest()["repairs/回访.xls"]
    assert report.status == "rejected" and reason in report.message


def test_a_file_in_no_datasets_folder_is_named_each_run_and_recorded_once(raw):
    raw.write("repair", "回访.csv", "维修单号\nR1\n")  # a typo in the folder's name
    (raw.root / "说明.txt").write_text("十月数据", encoding="utf-8")
    (raw.root / ".DS_Store").write_bytes(b"\x00")  # hidden: passed over, as is the folder's README
    (raw.root / "README.md").write_text("每个数据集一个文件夹", encoding="utf-8")
    first = raw.ingest()
    assert first["repair/回访.csv"].status == "rejected"
    assert "文件夹 repair/ 不是任何数据集的名字" in first["repair/回访.csv"].message
    assert "文件直接放在原始数据文件夹下" in first["说明.txt"].message
    assert ".DS_Store" not in first and "README.md" not in first
    again = raw.ingest()
    assert again["repair/回访.csv"].status == "unchanged" and "当时拒收" in again["repair/回访.csv"].message
    assert raw.rows("select dataset, source_file, status from files where dataset = '' order by 2") == [
        ("", "repair/回访.csv", "rejected"), ("", "说明.txt", "rejected")]


def test_html_rowspan_and_colspan_keep_the_columns_in_place(raw):
    page = ("<table><tr><th>维修单号<th>项目编号<th>报修时间<th>维修类别<th>是否急修</tr>"
            '<tr><td>R1<td rowspan="2">S1<td>2026-10-05 14:30<td colspan="1">水电维修<td>是'
            "<tr><td>R2<td>2026-10-06 09:00<td>屋面渗漏<td>否</table>")
    raw.write("repairs", "r.html", page)
    # R2's 项目编号 is covered by R1's rowspan: blank, as Excel shows a merged cell, so R2 is quarantined
    assert raw.ingest()["repairs/r.html"].status == "loaded"
    assert raw.rows("select ticket_id, site_id, category, source_line from repairs") == [("R1", "S1", "水电维修", 2)]
    assert raw.rows("select source_line, \"column\" from quarantine") == [(3, "site_id")]
