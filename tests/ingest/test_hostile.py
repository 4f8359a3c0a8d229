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
