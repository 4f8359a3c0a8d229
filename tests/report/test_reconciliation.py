"""The evidence reconciles with the metrics, for every metric of a demo month (issue 10): an
auditor who counts the rows filed under a metric, site and period finds its misses
(denominator − numerator) and its pending, no more and no fewer; each workbook sheet holds
exactly its own metric's rows. A metric added later is checked by the same loop."""

from __future__ import annotations

from collections import Counter

from python_calamine import CalamineWorkbook

from pipelines.metrics.catalogue import catalogue, definition
from pipelines.report import evidence_xlsx
from tests.report.conftest import MONTH

# rates whose records weigh more than one: a survey campaign counts its issued questionnaires
# against its occupied units, adjusted satisfaction subtracts points; each has its own test
WEIGHTED = {"survey.issue_rate", "survey.return_rate", "survey.satisfaction_adjusted"}
PARETO = "complaint.pareto."  # shares: every counted complaint is listed ('counted'), none missed


def test_every_rate_row_has_exactly_its_misses_and_pending_in_the_evidence(demo_wh):
    with demo_wh.connect() as conn:
        run_id = demo_wh.runs[MONTH]
        rows = conn.execute(
            """select metric, site_id, period, numerator, denominator, pending from metrics
               where run_id = ? and unit = 'rate'""", [run_id]).fetchall()
        listed = Counter((m, s, p, o) for m, s, p, o in conn.execute(
            "select metric, site_id, period, outcome from evidence where run_id = ?", [run_id]).fetchall())
    checked = set()
    for metric, site, period, numerator, denominator, pending in rows:
        if metric in WEIGHTED or metric.startswith(PARETO):
            continue
        if site is None:  # the company row pools the sites': its evidence is theirs
            misses = sum(n for (m, s, p, o), n in listed.items() if (m, p, o) == (metric, period, "miss"))
            waiting = sum(n for (m, s, p, o), n in listed.items() if (m, p, o) == (metric, period, "pending"))
        else:
            misses, waiting = listed[(metric, site, period, "miss")], listed[(metric, site, period, "pending")]
        assert misses == (denominator or 0) - (numerator or 0), (metric, site, period)
        assert waiting == (pending or 0), (metric, site, period)
        checked.add(definition(metric).id)
    # every record-weighted rate family of the catalogue was checked on real rows
    families = {e.id for e in catalogue() if e.unit == "rate" and e.id not in WEIGHTED and not e.id.startswith(PARETO)}
    assert checked == families


def test_each_evidence_sheet_holds_exactly_its_metrics_rows(demo_wh, tmp_path):
    path = tmp_path / "evidence.xlsx"
    with demo_wh.connect() as conn:
        run_id = demo_wh.runs[MONTH]
        evidence_xlsx.write_evidence(conn, run_id, MONTH, path)
        families = evidence_xlsx.missed_families(conn, run_id)
        missed = {(m, s, p) for m, s, p in conn.execute(
            "select metric, site_id, period from metrics where run_id = ? and meets_target = false",
            [run_id]).fetchall()}
        evidence = conn.execute(
            """select metric, site_id, period, record_id from evidence
               where run_id = ? and outcome in ('miss', 'pending')""", [run_id]).fetchall()
    book = CalamineWorkbook.from_path(str(path))
    assert "repair.callback_rate" in families and "repair.callback_rate_weekly" in families
    for family, name in zip(families, book.sheet_names[1:-1]):
        entry = next(e for e in catalogue() if e.id == family)
        data = book.get_sheet_by_name(name).to_python()[2:]
        # a row behind a missed site row, or behind a missed company row
        expected = sorted((m, s, p, r) for m, s, p, r in evidence if entry.family_of(m)
                          and (entry.report.deduction or (m, s, p) in missed or (m, None, p) in missed))
        shown = sorted((r[2], r[0] or None, r[3], r[5]) for r in data)
        assert shown == expected, family
    # the weekly rows are on their own sheet, not on the monthly one
    monthly = book.get_sheet_by_name(book.sheet_names[1 + families.index("repair.callback_rate")]).to_python()[2:]
    assert {r[2] for r in monthly} == {"repair.callback_rate"}
