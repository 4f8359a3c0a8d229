"""Header names in any of their spellings; values in any of their common forms."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.ingest.headers import normalise_header


@pytest.mark.parametrize(
    "header", ["site_id", "Site ID", "SITE_ID", "ｓｉｔｅ＿ｉｄ", "项目编号", " 项目 编号 ", "项目编号："]
)
def test_header_spellings_fold_to_one(header):
    assert normalise_header(header) in {normalise_header("site_id"), normalise_header("项目编号")}


def test_english_chinese_and_mixed_headers_load_alike(raw):
    raw.write("calls", "a.csv", "call_id,Site ID,STARTED_AT,direction,phone,answered\nC1,S1,2026-10-01 08:00,in,13800000001,true\n")
    raw.write("calls", "b.csv", "通话编号,项目编号,来电时间,呼叫方向,号码,是否接通,振铃次数\nC2,S1,2026-10-01 09:00,呼出,138-0000-0002,否,3\n")
    raw.write("calls", "c.csv", "通话编号,项目编号,来电时间,呼叫方向,联系电话,是否接通\nC3,S1,2026-10-01 10:00,呼入,+86 138 0000 0003,Y\n")
    raw.ingest()
    assert raw.rows("select call_id, direction, phone, answered, rings from calls order by 1") == [
        ("C1", "in", "13800000001", True, None),
        ("C2", "out", "13800000002", False, 3),
        ("C3", "in", "13800000003", True, None),
    ]


def test_users_own_header_names_come_from_config(raw):
    raw.write("calls", "crm.csv", "流水号,门店编码,来电时间,呼叫方向,主叫号码,是否接通\nC1,S1,2026-10-01 08:00,呼入,13800000001,是\n")
    without = raw.ingest()["calls/crm.csv"]
    assert without.status == "rejected"
    assert without.message == "缺少必需的列：通话编号(call_id)、项目编号(site_id)、电话(phone)；整个文件未导入"

    raw.write("calls", "crm.csv", "流水号,门店编码,来电时间,呼叫方向,主叫号码,是否接通\nC1,S1,2026-10-01 08:00,呼入,13800000001,是\n ")
    headers = {"*": {"门店编码": "site_id"}, "calls": {"流水号": "call_id", "主叫号码": "phone"}}
    assert raw.ingest(headers)["calls/crm.csv"].rows_loaded == 1


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-10-05 14:30", dt.datetime(2026, 10, 5, 14, 30)),
        ("2026-10-05T14:30:15", dt.datetime(2026, 10, 5, 14, 30, 15)),
        ("2026/10/5 14:30:00", dt.datetime(2026, 10, 5, 14, 30)),
        ("2026/10/05", dt.datetime(2026, 10, 5)),
        ("2026年10月5日 14:30", dt.datetime(2026, 10, 5, 14, 30)),
        ("2026年10月5日", dt.datetime(2026, 10, 5)),
        ("2026年10月5日 14时30分", dt.datetime(2026, 10, 5, 14, 30)),
        ("2026.10.5 8:05", dt.datetime(2026, 10, 5, 8, 5)),
        ("2026-10-05 14:30:15.123", dt.datetime(2026, 10, 5, 14, 30, 15)),  # to the second
        ("46300.5", dt.datetime(2026, 10, 5, 12, 0)),  # Excel serial: 46023 is 2026-01-01
        ("46300.604166666664", dt.datetime(2026, 10, 5, 14, 30)),  # a serial's fraction, to the second
        ("２０２６－１０－０５　１４：３０", dt.datetime(2026, 10, 5, 14, 30)),  # full-width
    ],
)
def test_timestamp_forms(raw, written, expected):
    raw.write("visits", "v.csv", f"来访编号,项目编号,来访时间\nV1,S1,{written}\n")
    raw.ingest()
    assert raw.rows("select visited_at from visits") == [(expected,)]


@pytest.mark.parametrize(
    ("written", "expected"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("TRUE", True), ("false", False), ("1", True), ("0", False)],
)
def test_boolean_forms(raw, written, expected):
    raw.write("visits", "v.csv", f"来访编号,项目编号,来访时间,当场解决\nV1,S1,2026-10-05,{written}\n")
    raw.ingest()
    assert raw.rows("select resolved from visits") == [(expected,)]


def test_coded_values_are_normalised(raw):
    raw.write("sites", "sites.csv", "项目编号,项目名称,项目类型\nS1,甲,住宅\nS2,乙,Office\nS3,丙,案场\n")
    raw.write(
        "survey_campaigns", "c.csv",
        "调查编号,项目编号,类型,开始日期,结束日期,已入住户数,发放数量\n"
        "Q1,S1,常规,2026-10-01,2026-10-20,100,90\nQ2,S2,写字楼,2026-10-01,2026-10-20,50,50\nQ3,S1,专项,2026-10-01,2026-10-20,100,100\n",
    )
    raw.write("sales_submissions", "s.csv", "项目编号,考核月,递交日期,completeness\nS3,2026年10月,2026/10/9,完整\nS3,202610,2026-10-12,不完整\n")
    raw.ingest()
    assert raw.rows("select site_id, site_type from sites order by 1") == [
        ("S1", "residential"), ("S2", "office"), ("S3", "sales")
    ]
    assert raw.rows("select campaign_id, kind from survey_campaigns order by 1") == [
        ("Q1", "regular"), ("Q2", "office"), ("Q3", "special")
    ]
    assert raw.rows("select month, submitted_on, completeness from sales_submissions order by 2") == [
        ("2026-10", dt.date(2026, 10, 9), "完整"), ("2026-10", dt.date(2026, 10, 12), "不完整")
    ]


def test_absent_optional_default_applies(raw):
    raw.write("complaints", "c.csv", "投诉编号,项目编号,受理时间,投诉渠道,投诉类别\nK1,S1,2026-10-05 10:00,电话,维修质量\n")
    raw.ingest()
    assert raw.rows("select channel, callback_required from complaints") == [("来电", True)]
