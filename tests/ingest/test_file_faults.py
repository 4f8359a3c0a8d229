"""A broken input file: the run completes, the file is rejected whole and reported."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.faults import CALLS_HEAD, calls_for_october, metric_row, reconciliation_cells, runs


def test_a_run_with_broken_files_completes_and_reports_them_rejected(raw, tmp_path, prefect_env):
    from pipelines.cli import app

    calls_for_october(raw)
    # no 是否接通 (answered) column, which every call needs
    raw.write("calls", "no_answered.csv", "通话编号,项目编号,来电时间,呼叫方向,号码,振铃次数\n"
                                          "D1,S1,2026-10-02 08:00,呼入,13800000009,1\n")
    # bytes that are neither UTF-8 nor GB18030
    bad = raw.root / "calls" / "garbled.csv"
    bad.write_bytes(CALLS_HEAD.encode() + b"E1,S1,2026-10-02 08:00,\xff\xfe\xff,13800000010,1,\xff\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path),
                                      "--month", "2026-10", "--as-of", "2026-11-05T06:00", "--out", str(out)])
    assert result.exit_code == 0, result.output
    missing = "缺少必需的列：是否接通(answered)；整个文件未导入"
    assert reconciliation_cells(result.stdout, "calls/no_answered.csv")[2:] == ["拒收", "0", "0", "0", "0", missing]
    garbled = reconciliation_cells(result.stdout, "calls/garbled.csv")
    assert garbled[2:7] == ["拒收", "0", "0", "0", "0"] and "无法识别文件编码" in garbled[7]
    assert reconciliation_cells(result.stdout, "calls/oct.csv")[2:6] == ["已导入", "2", "2", "0"]
    rejected = raw.rows("select source_file, status, message from files where status = 'rejected' order by 1")
    assert [r[:2] for r in rejected] == [("calls/garbled.csv", "rejected"), ("calls/no_answered.csv", "rejected")]
    assert "无法识别文件编码" in rejected[0][2] and rejected[1][2] == missing
    # nothing of the rejected files loaded; the good file's KPIs are in metrics.json
    assert raw.rows("select call_id from calls order by 1") == [("C1",), ("C2",)]
    rows = json.loads((out / "2026-10" / "metrics.json").read_text(encoding="utf-8"))
    s1 = metric_row(rows, "call.answer_3_rings_rate", "S1", "2026-10")
    assert (s1["numerator"], s1["denominator"], s1["value"]) == (1, 2, 0.5)
    assert [r[2] for r in runs(raw)] == ["completed"]
