"""A backfill: every month of a range, oldest first, each with its own outputs."""

from __future__ import annotations

import json

import pytest

from tests.faults import CALLS_HEAD, metric_row, runs


def test_a_backfill_of_three_months_writes_three_outputs(raw, tmp_path, prefect_env):
    from pipelines import flows

    raw.write("calls", "calls.csv", CALLS_HEAD + (
        "S9A,S1,2026-09-10 08:00,呼入,13800000001,2,是\n"   # September: 1 of 1 within 3 rings
        "O1,S1,2026-10-10 08:00,呼入,13800000002,2,是\n"    # October: 1 of 2
        "O2,S1,2026-10-11 08:00,呼入,13800000003,5,是\n"
        "N1,S1,2026-11-02 08:00,呼入,13800000004,4,是\n"    # November: 0 of 2 (4 rings; not answered)
        "N2,S1,2026-11-03 08:00,呼入,13800000005,1,否\n"
    ))
    out = tmp_path / "out"
    results = flows.backfill("2026-09", "2026-11", raw=str(raw.root), warehouse=str(raw.db_path), out=str(out))
    assert [r.month for r in results] == ["2026-09", "2026-10", "2026-11"]
    outputs = ["evidence.csv", "evidence.xlsx", "metrics.json", "report.html", "report.pdf"]
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        f"{m}/{name}" for m in ("2026-09", "2026-10", "2026-11") for name in outputs]
    expected = {"2026-09": (1, 1, 1, True), "2026-10": (1, 2, 0.5, False), "2026-11": (0, 2, 0, False)}
    for month, (num, den, value, meets) in expected.items():
        rows = json.loads((out / month / "metrics.json").read_text(encoding="utf-8"))
        for site in ("S1", None):  # S1 is the only site with calls: the company pools just S1
            row = metric_row(rows, "call.answer_3_rings_rate", site, month)
            assert (row["numerator"], row["denominator"], row["value"], row["meets_target"]) == (num, den, value, meets)
    # the first month's run loads the exports; the later ones find them unchanged
    assert {f.status for f in results[0].files} == {"loaded"}
    assert {f.status for f in results[1].files} == {f.status for f in results[2].files} == {"unchanged"}
    assert [(r[1], r[2]) for r in runs(raw)] == [("run", "completed")] * 3


def test_months_in_a_backfill_are_in_order_and_a_reversed_range_is_refused():
    from pipelines.periods import months_between

    assert months_between("2026-11", "2027-01") == ["2026-11", "2026-12", "2027-01"]
    with pytest.raises(ValueError):
        months_between("2026-11", "2026-09")
