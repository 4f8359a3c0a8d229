"""A run keeps what it saw: sites, files, quarantine reasons and freshness stay as they were at
that run, however much is loaded after it."""

from __future__ import annotations

import datetime as dt

from pipelines import rules, run_view, warehouse
from tests.metrics.conftest import RULES

AS_OF = dt.datetime(2026, 10, 31, 23, 0)
CALLS = "通话编号,项目编号,来电时间,呼叫方向,联系电话,振铃次数,是否接通\n"


def store(raw, run_id: str) -> None:
    conn = warehouse.connect(raw.db_path)
    try:
        run_view.store(conn, run_id, "2026-10", AS_OF, RULES)
    finally:
        conn.close()


def test_a_run_keeps_its_files_reasons_sites_and_freshness_after_more_is_loaded(raw):
    raw.write("calls", "10-01.csv", CALLS
              + "K1,S1,2026-10-01 09:00,呼入,13800000001,2,是\n"
              + "K2,S1,2026-10-01 09:05,呼入,13800000002,两声,是\n"    # rings not a number: quarantined
              + "K3,S1,2026-10-01 09:06,呼入,13800000003,三声,是\n")   # the same reason, another line
    raw.write("exemptions", "ex.csv", "项目编号,考核月,不可抗力说明\nS3,2026-10,台风停业\n")
    raw.ingest()
    store(raw, "run-1")

    raw.write("calls", "10-02.csv", CALLS + "K4,S1,2026-10-02 09:00,呼入,13800000004,1,是\n")
    raw.write("sites", "sites.csv", "项目编号,项目名称,项目类型\nS1,一号院,住宅\nS4,四号院,住宅\n")
    raw.ingest()
    store(raw, "run-2")

    files = raw.rows("""select source_file, rows_read, rows_loaded, rows_quarantined, status from run_files
                        where run_id = 'run-1' and dataset = 'calls' order by source_file""")
    assert files == [("calls/10-01.csv", 3, 1, 2, "loaded")]
    reasons = raw.rows("select dataset, rows from run_quarantine where run_id = 'run-1'")
    assert reasons == [("calls", 2)]  # two lines, one reason: their line numbers folded
    sites = raw.rows("select site_id, site_name, exemption_reason from run_sites where run_id = 'run-1' order by 1")
    assert sites == [("S1", "一号院", None), ("S2", "二号楼", None), ("S3", "三号案场", "台风停业")]
    calls = raw.rows("select rows, newest, status from run_freshness where run_id = 'run-1' and dataset = 'calls'")
    assert calls == [(1, dt.datetime(2026, 10, 1, 9, 0), "stale")]  # 30 days old at as-of, limit 3

    later = raw.rows("select source_file from run_files where run_id = 'run-2' and dataset = 'calls' order by 1")
    assert later == [("calls/10-01.csv",), ("calls/10-02.csv",)]
    assert raw.rows("select site_id from run_sites where run_id = 'run-2' order by 1") == [("S1",), ("S4",)]


def test_a_run_keeps_the_rules_it_used_with_their_sentences(raw):
    raw.ingest()
    conn = warehouse.connect(raw.db_path)
    try:
        run_view.store(conn, "run-1", "2026-10", AS_OF, rules.resolve({"complaints": {"reply_hours": 48}}))
    finally:
        conn.close()
    [(value, clause, sentence)] = raw.rows(
        "select value, clause, sentence_zh from run_rules where run_id = 'run-1' and key = 'complaints.reply_hours'")
    assert (value, clause) == ("48", "003 §二.3")
    assert sentence == "投诉须在受理后 48 小时内答复（以首次答复计，无则以处理完毕计）。"
    assert raw.rows("select value from run_rules where run_id = 'run-1' and key = 'sales.accuracy_points'") == \
        [('"2"',)]  # a decimal keeps its digits


def test_storing_a_run_twice_replaces_its_view_rather_than_doubling_it(raw):
    raw.ingest()
    store(raw, "run-1")
    store(raw, "run-1")
    assert raw.rows("select count(*) from run_sites where run_id = 'run-1'") == [(3,)]
