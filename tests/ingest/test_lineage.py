"""Re-ingest changes nothing; a newer export replaces; duplicates never double count; read = loaded + quarantined."""

from __future__ import annotations

HEAD = "投诉编号,项目编号,受理时间,投诉渠道,投诉类别,处理完毕时间\n"


def test_reingesting_an_unchanged_file_does_nothing(raw):
    raw.write("complaints", "oct.csv", HEAD + "K1,S1,2026-10-05 10:00,来电,维修质量,\nK2,S9,2026-10-05 11:00,来电,维修质量,\n")
    first = raw.ingest()["complaints/oct.csv"]
    tables_before = raw.rows("select complaint_id, source_line, ingest_run_id from complaints")
    second = raw.ingest()["complaints/oct.csv"]
    assert (first.status, second.status) == ("loaded", "unchanged")
    assert (second.rows_read, second.rows_loaded, second.rows_quarantined) == (2, 1, 1)
    assert raw.rows("select complaint_id, source_line, ingest_run_id from complaints") == tables_before
    assert raw.rows("select count(*) from quarantine") == [(1,)]
    assert raw.rows("select count(*) from files where dataset = 'complaints'") == [(1,)]


def test_duplicate_ids_within_a_file_keep_the_first_row(raw):
    raw.write("complaints", "oct.csv", HEAD + "K1,S1,2026-10-05 10:00,来电,维修质量,\nK2,S1,2026-10-05 11:00,来访,服务态度,\nK1,S1,2026-10-06 10:00,来电,清洁卫生,\n")
    report = raw.ingest()["complaints/oct.csv"]
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (3, 2, 1)
    assert raw.rows("select complaint_id, category from complaints order by 1") == [("K1", "维修质量"), ("K2", "服务态度")]
    assert raw.rows('select source_line, "column", value, reason from quarantine') == [
        (4, "complaint_id", "K1", "「投诉编号(complaint_id)」在本文件中重复，与第 2 行相同；保留首行")
    ]


def test_duplicate_ids_across_files_the_newer_export_replaces(raw):
    raw.write("complaints", "oct.csv", HEAD + "K1,S1,2026-10-05 10:00,来电,维修质量,\nK2,S1,2026-10-05 11:00,来访,服务态度,\n")
    raw.ingest()
    # a corrected re-export of K2 (now handled), plus a new K3
    raw.write("complaints", "oct_fix.csv", HEAD + "K2,S1,2026-10-05 11:00,来访,服务态度,2026-10-06 09:00\nK3,S2,2026-10-07 09:00,网络,停车管理,\n")
    report = raw.ingest()["complaints/oct_fix.csv"]
    assert (report.rows_loaded, report.rows_replaced) == (2, 1)
    assert raw.rows("select complaint_id, handled_at is not null, source_file from complaints order by 1") == [
        ("K1", False, "complaints/oct.csv"),
        ("K2", True, "complaints/oct_fix.csv"),
        ("K3", False, "complaints/oct_fix.csv"),
    ]


def test_in_one_run_files_load_oldest_first_so_the_newest_wins(raw):
    raw.write("complaints", "b_old.csv", HEAD + "K1,S1,2026-10-05 10:00,来电,维修质量,\n")
    raw.write("complaints", "a_new.csv", HEAD + "K1,S1,2026-10-05 10:00,来电,收费争议,\n")
    raw.ingest()
    assert raw.rows("select category, source_file from complaints") == [("收费争议", "complaints/a_new.csv")]


def test_a_changed_file_at_the_same_path_replaces_its_earlier_version(raw):
    raw.write("complaints", "oct.csv", HEAD + "K1,S1,2026-10-05 10:00,来电,维修质量,\nK2,S1,2026-10-05 11:00,来访,服务态度,\n")
    raw.ingest()
    raw.write("complaints", "oct.csv", HEAD + "K1,S1,2026-10-05 10:00,来电,维修质量,2026-10-06 10:00\n")  # K2 was a mistake
    report = raw.ingest()["complaints/oct.csv"]
    assert (report.status, report.rows_loaded, report.rows_replaced) == ("loaded", 1, 2)
    assert raw.rows("select complaint_id from complaints") == [("K1",)]
    assert raw.rows("select status from files where dataset = 'complaints' order by ingested_at") == [
        ("superseded",), ("loaded",)
    ]


def test_every_file_reconciles_and_rows_carry_their_lineage(raw):
    raw.write("complaints", "oct.csv", HEAD + "K1,S1,2026-10-05 10:00,来电,维修质量,\n,S1,2026-10-05,来电,维修质量,\nK3,S1,2026-10-05,飞鸽,维修质量,\n")
    raw.ingest()
    assert raw.rows("select rows_read, rows_loaded, rows_quarantined from files where dataset = 'complaints'") == [(3, 1, 2)]
    (lineage,) = raw.rows("select source_file, source_line, length(file_hash), ingest_run_id like '2%' from complaints")
    assert lineage == ("complaints/oct.csv", 2, 64, True)


def test_rows_quarantined_for_an_unknown_site_load_once_the_site_is_known(raw):
    raw.write("complaints", "oct.csv", HEAD + "K1,S1,2026-10-05 10:00,来电,维修质量,\nK2,S4,2026-10-05 11:00,来电,维修质量,\n")
    first = raw.ingest()["complaints/oct.csv"]
    assert (first.rows_loaded, first.rows_quarantined) == (1, 1)  # S4 is not in 项目清单 yet
    raw.write("sites", "new_site.csv", "项目编号,项目名称,项目类型\nS4,四号院,住宅\n")
    again = raw.ingest()["complaints/oct.csv"]
    # the unchanged file is read again, whole: both rows load, nothing is counted twice
    assert (again.status, again.rows_read, again.rows_loaded, again.rows_quarantined) == ("loaded", 2, 2, 0)
    assert raw.rows("select complaint_id from complaints order by 1") == [("K1",), ("K2",)]
    assert raw.rows("select count(*) from quarantine where dataset = 'complaints'") == [(0,)]
    assert raw.ingest()["complaints/oct.csv"].status == "unchanged"  # and then it rests
