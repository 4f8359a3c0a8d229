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


REPAIRS = "维修单号,项目编号,报修时间,维修类别,是否急修\n"


def test_impossible_and_implausible_times_are_quarantined_not_rolled_over(raw):
    rows = {
        "R1": "2026-02-30 10:00",   # no 30 February: Arrow made it 03-02
        "R2": "2026-10-10 25:61",   # no 25:61: it became 10-11 02:01
        "R3": "2026-04-31",         # no 31 April
        "R4": "2026年2月29日",       # 2026 is not a leap year
        "R5": "59",                 # an Excel serial of 1900
        "R6": "2099-01-01 08:00",   # far in the future
        "R7": "1900-01-01 08:00",   # far in the past
        "OK1": "2024-02-29 09:00",  # a real leap day
        "OK2": "2026年10月5日 14时30分",
    }
    raw.write("repairs", "r.csv", REPAIRS + "".join(f"{k},S1,{v},水电,否\n" for k, v in rows.items()))
    report = raw.ingest()["repairs/r.csv"]
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (9, 2, 7)
    loaded = raw.rows("select ticket_id, reported_at from repairs order by ticket_id")
    assert [(t, str(at)) for t, at in loaded] == [("OK1", "2024-02-29 09:00:00"), ("OK2", "2026-10-05 14:30:00")]
    reasons = dict(raw.rows("select value, reason from quarantine where \"column\" = 'reported_at'"))
    assert set(reasons) == {v for k, v in rows.items() if k.startswith("R")}
    assert [reasons[rows[k]].split("」", 1)[1] for k in ("R1", "R2", "R3", "R4")] == ["日期或时刻不存在（如 2 月 30 日、25:61）"] * 4
    assert all("不在合理范围（2000-01-01 至今后一年）" in reasons[rows[k]] for k in ("R5", "R6", "R7"))


def test_a_corrected_file_takes_its_older_versions_quarantine_with_it(raw):
    path = raw.write("calls", "oct.csv", CALLS + "C1,S1,2026-10-01 08:00,呼入,13800000001,2,是\n"
                     "C2,S1,2026-13-01 08:00,呼入,13800000002,2,是\n")   # month 13: quarantined
    first = raw.ingest()["calls/oct.csv"]
    assert (first.rows_loaded, first.rows_quarantined) == (1, 1)
    raw.write("calls", "oct.csv", CALLS + "C1,S1,2026-10-01 08:00,呼入,13800000001,2,是\n"
              "C2,S1,2026-10-02 08:00,呼入,13800000002,2,是\n")        # corrected at the same path
    second = raw.ingest()["calls/oct.csv"]
    assert (second.rows_loaded, second.rows_quarantined) == (2, 0)
    assert raw.rows("select count(*) from quarantine where source_file = 'calls/oct.csv'") == [(0,)]
    assert path.exists()


def test_a_file_mixing_utf8_and_gb18030_is_rejected_with_the_first_line_that_differs(raw):
    head = (CALLS.strip() + ",备注\n").encode("gb18030")                                  # line 1
    gb = "C1,S1,2026-10-01 08:00,呼入,13800000001,2,是,无\n".encode("gb18030")             # line 2
    utf8 = "C2,S1,2026-10-01 09:00,in,13800000002,2,Y,中文\n".encode()              # line 3
    path = raw.root / "calls" / "mixed.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(head + gb + utf8)
    # as GB18030 the whole file decodes: the UTF-8 line's 中文 would load as mojibake (涓…枃) without a word
    assert "涓" in (head + gb + utf8).decode("gb18030")
    report = raw.ingest()["calls/mixed.csv"]
    assert report.status == "rejected"
    assert "第 1 行是 GB18030/GBK，第 3 行是 UTF-8" in report.message
    assert raw.rows("select count(*) from calls") == [(0,)]


def test_a_plain_gb18030_export_still_loads(raw):
    raw.write("calls", "gb.csv", GOOD, encoding="gb18030")
    assert raw.ingest()["calls/gb.csv"].rows_loaded == 1


def test_which_export_wins_is_decided_by_the_folder_not_by_load_history(raw):
    row = "C1,S1,2026-10-01 08:00,呼入,13800000001,{rings},是\n"
    raw.write("calls", "oct.csv", CALLS + row.format(rings=2))
    raw.write("calls", "copy_of_oct.csv", CALLS + row.format(rings=2))     # a byte-identical copy
    first = raw.ingest()
    assert first["calls/copy_of_oct.csv"].status == "unchanged"           # recorded as its twin's duplicate
    raw.write("calls", "oct.csv", CALLS + row.format(rings=5))             # corrected, newest in the folder
    raw.ingest()
    assert raw.rows("select rings, source_file from calls") == [(5, "calls/oct.csv")]
    again = raw.ingest()  # the copy now loads (its twin's old content is gone), and must not win
    assert raw.rows("select rings, source_file from calls") == [(5, "calls/oct.csv")]
    copy = again["calls/copy_of_oct.csv"]
    assert copy.reconciles and "以那份为准" in (copy.message or "")
    assert raw.ingest()["calls/copy_of_oct.csv"].status == "unchanged"
    assert raw.rows("select rings from calls") == [(5,)]


def test_an_older_export_dropped_in_later_does_not_override_a_newer_one(raw):
    import os

    row = "C1,S1,2026-10-01 08:00,呼入,13800000001,{rings},是\n"
    raw.write("calls", "new.csv", CALLS + row.format(rings=1))
    raw.ingest()
    old = raw.write("calls", "old.csv", CALLS + row.format(rings=4))
    os.utime(old, (1_600_000_000, 1_600_000_000))  # an export from long ago, copied in today
    raw.ingest()
    assert raw.rows("select rings, source_file from calls") == [(1, "calls/new.csv")]
