"""What the report shows, read from the warehouse tables the metrics stage wrote.

The report never recomputes a rate: values, numerators, denominators, targets and
meets_target come from `metrics` (and `pareto`) as stored for the run. Everything here
is a read; the connection may be the run's own read-write one.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from pipelines import periods as params
from pipelines import rules as declared_rules
from pipelines.freshness import Freshness
from pipelines.periods import month_before as previous_month  # noqa: F401  (used by context)
from schemas.declarations import load_order


@dataclass(frozen=True)
class MetricRow:
    metric: str
    site_id: str | None
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    meets_target: bool | None
    unit: str
    pending: int
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Site:
    site_id: str
    name: str
    type: str
    region: str | None


@dataclass(frozen=True)
class ParetoRow:
    category: str
    rank: int
    complaints: int
    total: int
    share: float
    cumulative_share: float
    is_vital_few: bool


@dataclass
class RunData:
    """One run's rows, indexed the ways the report looks them up."""

    run_id: str
    month: str
    as_of: dt.datetime | None
    started_at: dt.datetime | None
    status: str | None
    settings: dict
    rows: dict[tuple[str, str | None, str], MetricRow] = field(default_factory=dict)
    _by_site: dict | None = field(default=None, repr=False)

    def get(self, metric: str, site_id: str | None = None, period: str | None = None) -> MetricRow | None:
        return self.rows.get((metric, site_id, period or self.month))

    def metrics(self) -> set[str]:
        return {key[0] for key in self.rows}

    def site_rows(self, site_id: str | None) -> list[MetricRow]:
        """Every row of one site (indexed once: a 1,000-site run has ~30k rows)."""
        if self._by_site is None:
            self._by_site = {}
            for r in self.rows.values():
                self._by_site.setdefault(r.site_id, []).append(r)
        return self._by_site.get(site_id, [])

    @property
    def rules(self) -> dict:
        return self.settings.get("rules") or {}


def _nan_to_none(value):
    return None if isinstance(value, float) and value != value else value


def load_run(conn: duckdb.DuckDBPyConnection, run_id: str, month: str) -> RunData:
    """The run's record (settings, as-of) and every metric row it wrote for the month."""
    found = conn.execute(
        "select as_of, started_at, status, settings from runs where run_id = ?", [run_id]
    ).fetchall()
    as_of, started_at, status, settings = found[0] if found else (None, None, None, None)
    data = RunData(run_id, month, as_of, started_at, status, json.loads(settings) if settings else {})
    result = conn.execute(
        """select metric, site_id, period, value, numerator, denominator, target, meets_target, unit,
                  coalesce(pending, 0), coalesce(flags, []), as_of
           from metrics where run_id = ? and month = ?""",
        [run_id, month],
    ).fetchall()
    for row in result:
        metric_row = MetricRow(*(_nan_to_none(v) for v in row[:9]), row[9], tuple(row[10]))
        data.rows[(metric_row.metric, metric_row.site_id, metric_row.period)] = metric_row
        data.as_of = data.as_of or row[11]
    return data


def latest_run(conn: duckdb.DuckDBPyConnection, month: str, until: dt.datetime | None = None) -> str | None:
    """The run whose metrics stand for a month: the latest started one that completed (never one
    still running, failed or cut short) — by `until`, when given: as it stood then."""
    found = conn.execute(
        """select m.run_id from (select distinct run_id from metrics where month = $month) m
           join runs r using (run_id)
           where r.status = 'completed' and ($until is null or r.finished_at <= $until)
           order by r.started_at desc, m.run_id desc limit 1""",
        {"month": month, "until": until},
    ).fetchall()
    return found[0][0] if found else None


def finished_at(conn: duckdb.DuckDBPyConnection, run_id: str) -> dt.datetime | None:
    """When the run completed (None while it runs): what stood for other months then is what its
    report compares with, however many runs came after."""
    found = conn.execute("select finished_at from runs where run_id = ?", [run_id]).fetchall()
    return found[0][0] if found else None


TREND_MONTHS = 12  # the report's trend: the month and the eleven before it


def trend(conn: duckdb.DuckDBPyConnection, run: RunData, until: dt.datetime | None = None,
          months: int = TREND_MONTHS) -> dict[str, list]:
    """Company-wide monthly values of the last `months` months, by metric: [(month, value)].

    Each earlier month is read from its latest run completed by `until`; the report's month from
    the run itself."""
    first = params.trailing_months(run.month, months)[0]
    rows = conn.execute(
        """with runs_by_month as (
               select m.month, m.run_id, max(r.started_at) as started_at
               from metrics m left join runs r using (run_id)
               where m.month >= $first and m.month < $month and r.status = 'completed'
                   and ($until is null or r.finished_at <= $until)
               group by m.month, m.run_id),
           chosen as (
               select month, arg_max(run_id, coalesce(started_at, timestamp '1970-01-01')) as run_id
               from runs_by_month group by month
               union all select $month, $run_id)
           select m.metric, m.month, m.value from metrics m join chosen c using (month, run_id)
           where m.site_id is null and m.period = m.month
           order by m.metric, m.month""",
        {"first": first, "month": run.month, "run_id": run.run_id, "until": until},
    ).fetchall()
    series: dict[str, list] = {}
    for metric, month, value in rows:
        series.setdefault(metric, []).append((month, _nan_to_none(value)))
    return series


def sites(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[Site]:
    """The sites as the run saw them (run_sites)."""
    rows = conn.execute(
        "select site_id, site_name, site_type, region from run_sites where run_id = ? order by site_id", [run_id]
    ).fetchall()
    return [Site(*row) for row in rows]


def pareto(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str | None, list[ParetoRow]]:
    """The run's Pareto rows by site (None = company), largest category first."""
    rows = conn.execute(
        """select site_id, category, rank, complaints, total, share, cumulative_share, is_vital_few
           from pareto where run_id = ? order by site_id nulls first, rank, category""",
        [run_id],
    ).fetchall()
    by_site: dict[str | None, list[ParetoRow]] = {}
    for site_id, *rest in rows:
        by_site.setdefault(site_id, []).append(ParetoRow(*rest))
    return by_site


def repair_categories(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    """On-time callbacks by repair category (category, shortest and longest deadline in hours,
    tickets, on time, late, pending, on-time rate as the run computed it), most late first."""
    return conn.execute(
        """select category, shortest_deadline_hours, longest_deadline_hours, tickets, on_time, late, pending,
                  on_time_rate
           from repair_categories where run_id = ? order by late desc, tickets desc, category""",
        [run_id],
    ).fetchall()


def exemptions(conn: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, str]:
    """Sales sites not assessed in the run's month (an `exemptions` row), with the reason given."""
    return dict(conn.execute(
        "select site_id, exemption_reason from run_sites where run_id = ? and exemption_reason is not null "
        "order by site_id", [run_id]).fetchall())


@dataclass(frozen=True)
class Penalty:
    """The return-rate penalty of one site, step by step, as the run computed it."""

    shortfall_points: Decimal | None  # target − return rate, in percentage points (exact)
    step_points: int
    penalty: int | None


def penalties(conn: duckdb.DuckDBPyConnection, run_id: str, month: str) -> dict[str, Penalty]:
    rows = conn.execute(
        "select site_id, shortfall_points, step_points, penalty from penalties where run_id = ? and period = ?",
        [run_id, month]).fetchall()
    return {site: Penalty(*rest) for site, *rest in rows}


def rules(conn: duckdb.DuckDBPyConnection, run_id: str, lang: str) -> dict[str, dict]:
    """The rules the run used, by key: name, clause, value and its sentence in `lang`. A rule
    declared after the run was made (its run_rules has no row for it) is stated with the value the
    run recorded in its settings, or else its default, so an older run still renders."""
    rows = conn.execute(
        f"select key, name_{'en' if lang == 'en' else 'zh'}, clause, value, sentence_{'en' if lang == 'en' else 'zh'} "
        "from run_rules where run_id = ? order by rowid", [run_id]).fetchall()
    stored = {key: {"key": key, "name": name, "clause": clause, "value": json.loads(value), "sentence": sentence}
              for key, name, clause, value, sentence in rows}
    if missing := [key for key in declared_rules.declared() if key not in stored]:
        recorded = conn.execute("select settings from runs where run_id = ?", [run_id]).fetchall()
        settings = json.loads(recorded[0][0]) if recorded and recorded[0][0] else {}
        effective = declared_rules.recorded(settings.get("rules") or {})
        stated = {s["key"]: s for s in declared_rules.sentences(effective, lang)}
        stored |= {key: stated[key] for key in missing}
    return stored


def week_days(week: str) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of an ISO week `YYYY-Www` (for labels only)."""
    year, number = week.split("-W")
    monday = dt.date.fromisocalendar(int(year), int(number), 1)
    return monday, monday + dt.timedelta(days=6)


# What the run saw: its files, quarantine reasons, findings and freshness (pipelines.run_view).
@dataclass(frozen=True)
class FileRow:
    dataset: str
    source_file: str
    file_hash: str
    rows_read: int | None
    rows_loaded: int | None
    rows_quarantined: int | None
    rows_replaced: int | None
    status: str
    message: str | None
    ingested_at: dt.datetime | None
    notes: list[str] | None = None  # how it was read: a form its name hides, the sheet chosen


def files(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[FileRow]:
    """Every export as the run saw it (run_files), in load order."""
    order = {name: i for i, name in enumerate(load_order())}
    rows = conn.execute(
        """select dataset, source_file, file_hash, rows_read, rows_loaded, rows_quarantined, rows_replaced,
                  status, message, ingested_at, notes
           from run_files where run_id = ? order by source_file, ingested_at""",
        [run_id],
    ).fetchall()
    return sorted((FileRow(*r) for r in rows), key=lambda f: (order.get(f.dataset, 99), f.source_file))


def top_reasons(conn: duckdb.DuckDBPyConnection, run_id: str, limit: int = 12) -> tuple[list[tuple], int]:
    """The commonest quarantine reasons the run saw, (dataset, reason, rows), and the total rows
    quarantined. Line numbers inside a reason ("与第 910 行相同") were folded, so one cause counts once."""
    rows = conn.execute(
        "select dataset, reason, rows from run_quarantine where run_id = ? order by rows desc, dataset, reason limit ?",
        [run_id, limit],
    ).fetchall()
    total = conn.execute("select coalesce(sum(rows), 0) from run_quarantine where run_id = ?", [run_id]).fetchall()
    return rows, int(total[0][0])


FINDINGS_SHOWN = 20  # the rest are in evidence.xlsx / evidence.csv


def findings(conn: duckdb.DuckDBPyConnection, run_id: str) -> tuple[list[tuple], int]:
    """Records the run found questionable but did not change (an urgent repair not marked urgent):
    (site, record, detail, file, line) of the first FINDINGS_SHOWN, and how many there are."""
    rows = conn.execute(
        """select site_id, record_id, detail, source_file, source_line from evidence
           where run_id = ? and outcome = 'finding' order by site_id, source_file, source_line limit ?""",
        [run_id, FINDINGS_SHOWN],
    ).fetchall()
    total = conn.execute("select count(*) from evidence where run_id = ? and outcome = 'finding'",
                         [run_id]).fetchall()[0][0]
    return rows, total


def freshness(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[Freshness]:
    """Per dataset, as the run judged it: rows held, newest record, records in the month, verdict."""
    rows = conn.execute(
        "select * exclude (run_id) from run_freshness where run_id = ? order by rowid", [run_id]).fetchall()
    return [Freshness(*r) for r in rows]
