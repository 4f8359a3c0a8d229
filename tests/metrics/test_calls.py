"""call.answer_3_rings_rate: answered inbound calls with rings ≤ 3, over inbound calls (contract §2)."""

from __future__ import annotations

from tests.metrics.conftest import at


def call(books, call_id, site, when, direction="in", rings=2, answered=True):
    books.add("calls", call_id=call_id, site_id=site, started_at=at(when), direction=direction,
              phone="13800000000", rings=rings, answered=answered)


def test_rings_boundary_unanswered_and_outbound(books):
    books.site("S1")
    call(books, "C1", "S1", "2026-10-01 09:00", rings=3)                 # hit: exactly 3 rings
    call(books, "C2", "S1", "2026-10-01 09:05", rings=4)                 # miss: 4 rings
    call(books, "C3", "S1", "2026-10-01 09:10", rings=1, answered=False)  # miss: not answered
    call(books, "C4", "S1", "2026-10-01 09:15", direction="out", rings=9)  # not inbound: not counted
    call(books, "C5", "S1", "2026-09-30 23:59", rings=1)                 # September
    m = books.compute("2026-10", "2026-11-05 00:00")
    row = m.row("call.answer_3_rings_rate", "S1")
    assert (row.numerator, row.denominator) == (1, 3)
    assert row.value == 1 / 3
    assert (row.target, row.meets_target) == (1.0, False)
    assert [e[0] for e in m.evidence("call.answer_3_rings_rate", "S1", "miss")] == ["C2", "C3"]


def test_every_site_gets_a_row_and_company_pools(books):
    books.site("S1")
    books.site("S2", "office")
    books.site("S3", "sales")
    for i in range(4):
        call(books, f"A{i}", "S1", "2026-10-02 10:00", rings=2)        # 4 of 4
    call(books, "B1", "S2", "2026-10-02 10:00", rings=2)
    call(books, "B2", "S2", "2026-10-02 10:00", rings=5)               # 1 of 2
    m = books.compute("2026-10", "2026-11-05 00:00")
    assert m.row("call.answer_3_rings_rate", "S1").value == 1.0
    assert m.row("call.answer_3_rings_rate", "S2").value == 0.5
    # S3 has no calls: a row with no value (the report says "no data")
    s3 = m.row("call.answer_3_rings_rate", "S3")
    assert (s3.value, s3.numerator, s3.denominator, s3.meets_target) == (None, 0, 0, None)
    # company-wide pools numerators and denominators: 5/6, not the mean of 1.0 and 0.5
    company = m.row("call.answer_3_rings_rate", None)
    assert (company.numerator, company.denominator) == (5, 6)
