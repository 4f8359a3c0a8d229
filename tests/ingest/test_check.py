"""`kpi check FILE`: a dry run for someone setting up a new export (issue 18 #4). It says how
the file would be read, writes nothing, and exits 0 only if the file would load."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.ingest.office_forms import NAMES, WRITERS, html_table

runner = CliRunner()


def check(*args):
    return runner.invoke(app, ["check", *map(str, args)])


@pytest.mark.parametrize("form", ["xlsx", "xls", "xml2003", "html"])
def test_each_form_shows_its_form_header_mapping_and_quarantine_reasons(tmp_path, form):
    path = tmp_path / "repairs" / NAMES[form]
    path.parent.mkdir()
    WRITERS[form](path)
    result = check(path, "--warehouse", tmp_path / "none.duckdb")
    assert result.exit_code == 0, result.output
    title = {"xlsx": "XLSX 工作簿", "xls": "XLS 工作簿（BIFF）", "xml2003": "XML 电子表格 2003", "html": "HTML 表格"}
    assert title[form] in result.output
    assert "repairs 报修记录" in result.output  # the dataset, from the folder
    assert "跳过标题   客户回访汇总报表" in result.output and "表头       第 2 行" in result.output
    assert "报修时间     │ reported_at" in result.output and "内置别名" in result.output
    # 4 tickets: R3's 报修时间 is no time
    assert "读取 4 行 = 可导入 3 + 隔离 1" in result.output
    assert "1 × 「报修时间(reported_at)」无法识别为时间" in result.output
    assert "未核对项目编号" in result.output  # no warehouse to check site ids against
    assert not (tmp_path / "none.duckdb").exists()


def test_unknown_headers_get_the_nearest_names_and_lines_to_paste(tmp_path):
    path = tmp_path / "导出.xls"  # in no dataset's folder: the dataset is found by its header
    page = html_table().replace("报修时间", "报修日期").replace("维修类别", "维修类型")
    path.write_bytes(page.encode("gb2312"))
    result = check(path, "--warehouse", tmp_path / "none.duckdb")
    assert result.exit_code == 1  # it would be rejected: two required columns unnamed
    assert "缺少必需的列 报修时间(reported_at)、维修类别(category)：整个文件会被拒收" in result.output
    assert "相近：reported_at（报修时间）" in result.output
    assert '[headers.repairs]\n  "报修日期" = "reported_at"\n  "维修类型" = "category"' in result.output


def test_a_users_header_map_shows_as_such_and_the_file_then_loads(tmp_path):
    path = tmp_path / "导出.xls"
    path.write_bytes(html_table().replace("报修时间", "报修日期").encode("gb2312"))
    config = tmp_path / "kpi.toml"
    config.write_text('[headers.repairs]\n"报修日期" = "reported_at"\n', encoding="utf-8")
    result = check(path, "--dataset", "repairs", "--config", config, "--warehouse", tmp_path / "none.duckdb")
    assert result.exit_code == 0, result.output
    assert "报修日期     │ reported_at     │ kpi.toml [headers]" in result.output


def test_with_a_warehouse_unknown_site_ids_are_counted(raw, tmp_path):
    raw.ingest()  # sites S1, S2, S3
    path = tmp_path / "repairs" / "r.csv"
    path.parent.mkdir()
    path.write_text("维修单号,项目编号,报修时间,维修类别,是否急修\nR1,S1,2026-10-05 08:00,水电维修,否\n"
                    "R2,S9,2026-10-05 09:00,水电维修,否\nR1,S1,2026-10-05 10:00,水电维修,否\n", encoding="utf-8")
    before = raw.rows("select count(*) from files")
    result = check(path, "--warehouse", raw.db_path)
    assert result.exit_code == 0, result.output
    assert "读取 3 行 = 可导入 1 + 隔离 2" in result.output  # S9 unknown; R1 twice, the first kept
    assert "1 × 「项目编号(site_id)」不在项目清单(sites)中（未知编号）" in result.output
    assert "1 × 「维修单号(ticket_id)」在本文件中重复（保留首行）" in result.output
    assert raw.rows("select count(*) from files") == before  # nothing written


def test_a_file_that_is_no_export_is_said_so(tmp_path):
    path = tmp_path / "repairs" / "r.xls"
    path.parent.mkdir()
    path.write_bytes(b"%PDF-1.7\n")
    result = check(path)
    assert result.exit_code == 1 and "会被拒收 这是 PDF 文件，不是表格导出" in result.output
