"""Bad rows go to quarantine with file, line, column, value and a readable reason; good rows load."""

from __future__ import annotations

import json

import pytest

HEAD = "维修单号,项目编号,报修时间,维修类别,是否急修,完成时间,回访时间,回访结果\n"
GOOD = "T0,S1,2026-10-05 08:00,水电维修,否,2026-10-05 12:00,2026-10-06 09:00,满意\n"


def quarantined(raw):
    return raw.rows('select source_file, source_line, "column", value, reason from quarantine order by source_line')


@pytest.mark.parametrize(
    ("row", "column", "value", "reason"),
    [
        (",S1,2026-10-05 08:00,水电维修,否,,,", "ticket_id", None, "必填项「维修单号(ticket_id)」为空"),
        ("T1,S9,2026-10-05 08:00,水电维修,否,,,", "site_id", "S9", "「项目编号(site_id)」不在项目清单(sites)中（未知编号）"),
        ("T1,S1,2026-13-45 08:00,水电维修,否,,,", "reported_at", "2026-13-45 08:00", "「报修时间(reported_at)」无法识别为时间"),
        ("T1,S1,2026-10-05 08:00,水电维修,也许,,,", "urgent", "也许", "「是否急修(urgent)」无法识别为是/否"),
        ("T1,S1,2026-10-05 08:00,水电维修,否,2026-10-04 08:00,,", None, None, "「完成时间(completed_at)」早于「报修时间(reported_at)」"),
        ("T1,S1,2026-10-05 08:00,水电维修,否,2026-10-05 12:00,2026-10-05 11:00,", None, None, "「回访时间(callback_at)」早于「完成时间(completed_at)」"),
        ("T1,S1,2026-10-05 08:00,水电维修,否,,,还行", "callback_result", "还行", "「回访结果(callback_result)」的值不在允许范围（满意/基本满意/不满意/未联系上）"),
        ("T1,S1,2026-10-05 08:00,水电维修,否,,,,多余", None, None, "本行的单元格比表头多，可能有未加引号的逗号"),
    ],
)
def test_each_kind_of_bad_value_is_quarantined_with_its_reason(raw, row, column, value, reason):
    raw.write("repairs", "oct.csv", HEAD + GOOD + row + "\n")
    report = raw.ingest()["repairs/oct.csv"]
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    assert quarantined(raw) == [("repairs/oct.csv", 3, column, value, reason)]
    assert raw.rows("select ticket_id from repairs") == [("T0",)]


def test_quarantine_keeps_the_whole_row_as_read(raw):
    raw.write("repairs", "oct.csv", HEAD + "T1,S9,2026/10/5,水电维修,否,,,\n")
    raw.ingest()
    (record,) = raw.rows("select record from quarantine")[0]
    assert json.loads(record) == {
        "ticket_id": "T1", "site_id": "S9", "reported_at": "2026/10/5", "category": "水电维修", "urgent": "否"
    }


def test_a_row_with_several_problems_is_counted_once(raw):
    raw.write("repairs", "oct.csv", HEAD + GOOD + ",S9,2026-10-05,,否,,,\n")
    report = raw.ingest()["repairs/oct.csv"]
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    assert sorted(r[2] for r in quarantined(raw)) == ["category", "site_id", "ticket_id"]


def test_survey_answer_outside_the_four_levels_and_score_out_of_range(raw):
    raw.write("survey_campaigns", "c.csv", "调查编号,项目编号,类型,开始日期,结束日期,已入住户数,发放数量\nQ1,S1,常规,2026-10-01,2026-10-20,100,90\n")
    raw.write("survey_responses", "r.csv", "问卷编号,调查编号,总体评价,清洁\nR1,Q1,满意,非常满意\nR2,Q1,一般,满意\nR3,Q9,满意,\n")
    raw.write("phone_surveys", "p.csv", "电访编号,项目编号,电访时间,得分\nP1,S3,2026-10-05 10:00,120\nP2,S3,2026-10-05 11:00,89.5\n")
    raw.ingest()
    assert quarantined(raw) == [
        ("phone_surveys/p.csv", 2, "score", "120.0", "「得分(score)」应在 0–100 之间"),
        ("survey_responses/r.csv", 3, "overall", "一般", "「总体评价(overall)」的值不在允许范围（非常满意/满意/不太满意/很不满意）"),
        ("survey_responses/r.csv", 4, "campaign_id", "Q9", "「调查编号(campaign_id)」不在满意度调查批次(survey_campaigns)中（未知编号）"),
    ]


def test_total_row_at_the_end_is_quarantined_as_such(raw):
    raw.write("repairs", "oct.csv", HEAD + GOOD + "合计,,,,,,,\n", "gb18030")
    raw.ingest()
    assert quarantined(raw) == [("repairs/oct.csv", 3, None, None, "合计/总计行，不是一条记录")]


def test_missing_required_column_rejects_the_whole_file(raw):
    raw.write("repairs", "oct.csv", "维修单号,项目编号,报修时间,是否急修\nT1,S1,2026-10-05,否\n")
    report = raw.ingest()["repairs/oct.csv"]
    assert report.status == "rejected"
    assert report.message == "缺少必需的列：维修类别(category)；整个文件未导入"
    assert raw.rows("select count(*) from repairs") == [(0,)]
    assert raw.rows("select status, message from files where dataset = 'repairs'") == [
        ("rejected", "缺少必需的列：维修类别(category)；整个文件未导入")
    ]


def test_empty_file_and_header_only_file(raw):
    raw.write("repairs", "empty.csv", "")
    raw.write("repairs", "header_only.csv", HEAD)
    reports = raw.ingest()
    assert (reports["repairs/empty.csv"].status, reports["repairs/empty.csv"].message) == ("rejected", "文件为空（0 字节）")
    only = reports["repairs/header_only.csv"]
    assert (only.status, only.rows_read, only.rows_loaded, only.rows_quarantined) == ("loaded", 0, 0, 0)


def test_a_file_without_a_recognisable_header_is_rejected(raw):
    raw.write("repairs", "x.csv", "a,b,c\n1,2,3\n")
    report = raw.ingest()["repairs/x.csv"]
    assert report.status == "rejected"
    assert report.message.startswith("前 2 行中找不到表头")


def test_one_bad_file_does_not_stop_the_others(raw):
    raw.write("repairs", "bad.csv", "维修单号\nT1\n")
    raw.write("repairs", "good.csv", HEAD + GOOD)
    reports = raw.ingest()
    assert reports["repairs/bad.csv"].status == "rejected"
    assert reports["repairs/good.csv"].rows_loaded == 1
