"""Hostile and broken exports (issue 11): one bad file is one rejected file, named with its
reason; the files after it load. The big inputs are built by the test itself, never committed."""

from __future__ import annotations

CALLS = "通话编号,项目编号,来电时间,呼叫方向,号码,振铃次数,是否接通\n"
GOOD = CALLS + "C1,S1,2026-10-01 08:00,呼入,13800000001,2,是\n"


def test_a_cell_over_128_kb_in_the_first_lines_rejects_that_file_only(raw):
    raw.write("calls", "a_huge.csv", CALLS + "C9,S1,2026-10-01 08:00,呼入,138,2,\"" + "x" * 140_000 + "\"\n")
    raw.write("calls", "b_good.csv", GOOD)
    reports = raw.ingest()
    huge = reports["calls/a_huge.csv"]
    assert huge.status == "rejected" and "CSV 格式无法解析" in huge.message and "field larger" in huge.message
    assert reports["calls/b_good.csv"].status == "loaded"
    assert raw.rows("select call_id from calls") == [("C1",)]
    assert raw.rows("select status from files where source_file = 'calls/a_huge.csv'") == [("rejected",)]


def test_a_50_mb_file_without_a_newline_is_rejected_and_named(raw):
    raw.write("calls", "a_noline.csv", "x," * (25 << 20))
    raw.write("calls", "b_good.csv", GOOD)
    reports = raw.ingest()
    assert reports["calls/a_noline.csv"].status == "rejected"
    assert reports["calls/b_good.csv"].status == "loaded"


def _workbook(path, far_cell: bool = False):
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, CALLS.strip().split(","))
    sheet.write_row(1, 0, ["C2", "S1", "2026-10-01 09:00", "呼入", "13800000002", "2", "是"])
    if far_cell:
        sheet.write(1048575, 16383, "x")  # XFD1048576: the reader would lay out 17 billion cells
    book.close()


def test_a_workbook_with_a_far_away_cell_is_rejected_before_it_is_opened(raw):
    path = raw.root / "calls" / "a_far.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    _workbook(path, far_cell=True)
    assert path.stat().st_size < 10_000  # tiny on disk
    raw.write("calls", "b_good.csv", GOOD)
    reports = raw.ingest()  # before the guard this aborted the process (exit 134)
    far = reports["calls/a_far.xlsx"]
    assert far.status == "rejected" and "1,048,576 行 × 16,384 列" in far.message
    assert reports["calls/b_good.csv"].status == "loaded"


def test_a_deflate_bomb_is_rejected_by_its_compression_ratio_without_decompressing(raw):
    import zipfile

    path = raw.root / "calls" / "a_bomb.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = raw.root / "plain.xlsx"
    _workbook(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():  # the same workbook, its sheet replaced by 60 MB of blanks
            body = (b"<worksheet>" + b" " * (60 << 20) + b"</worksheet>"
                    if item.filename == "xl/worksheets/sheet1.xml" else src.read(item))
            z.writestr(item.filename, body)
    assert path.stat().st_size < 1 << 20
    reports = raw.ingest()
    bomb = reports["calls/a_bomb.xlsx"]
    assert bomb.status == "rejected" and "压缩比" in bomb.message and "疑似压缩炸弹" in bomb.message


def test_a_normal_workbook_still_loads(raw):
    path = raw.root / "calls" / "ok.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    _workbook(path)
    assert raw.ingest()["calls/ok.xlsx"].rows_loaded == 1
