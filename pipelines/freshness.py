"""Whether exports still arrive: each dataset's newest record at as-of, against its limit.

One definition, read by the run (terminal warning, Prefect artifact) and by the report.
A dataset is dated by the `event_time` its declaration names; its limit in days is
`rules.freshness` (per dataset, else `stale_after_days`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from pipelines import periods
from schemas.declarations import datasets



@dataclass(frozen=True)
class Freshness:
    dataset: str
    title: str
    rows: int
    newest: dt.datetime | None  # newest record dated at or before as-of; None: no records
    days_old: float | None
    in_period: int | None  # records dated in the run's month (None: no month asked, or undated)
    status: str  # ok | stale | missing | none_in_period | optional_empty
    stale_after_days: int | None  # None: reference data, never stale

    @property
    def stale(self) -> bool:
        return self.status in ("stale", "missing") and self.stale_after_days is not None


def stale_after(rules: dict, dataset: str) -> int:
    limits = rules["freshness"]
    return int(limits.get(dataset, limits["stale_after_days"]))


def check(
    conn: duckdb.DuckDBPyConnection, rules: dict, as_of: dt.datetime, month: str | None = None
) -> list[Freshness]:
    """Every dataset's freshness at as-of (records dated later do not exist yet)."""
    if month:
        asked = periods.month_periods(month)
        first, nxt = asked.start, asked.next_start
    else:
        first = nxt = dt.date.min
    found = []
    for name, ds in datasets().items():
        column = ds.event_time
        if column is None:
            rows = conn.execute(f"select count(*) from {name}").fetchall()[0][0]
            newest = in_period = None
        else:
            rows, newest, in_period = conn.execute(
                f"""select count(*), cast(max("{column}") filter (where "{column}" <= $as_of) as timestamp),
                           count(*) filter (where "{column}"::date >= $first and "{column}"::date < $next)
                    from {name}""",
                {"as_of": as_of, "first": first, "next": nxt},
            ).fetchall()[0]
        limit = stale_after(rules, name) if column else None
        days = None if newest is None else (as_of - newest).total_seconds() / 86400
        if rows == 0:
            status = "optional_empty" if ds.may_be_empty else "missing"
        elif limit is not None and (days is None or days > limit):
            status = "stale"
        elif month and column and in_period == 0:
            status = "none_in_period"
        else:
            status = "ok"
        found.append(Freshness(name, ds.title, rows, newest, days, in_period if month else None, status, limit))
    return found


def months_with_data(conn: duckdb.DuckDBPyConnection, as_of: dt.datetime) -> list[str]:
    """`YYYY-MM` of every month in which some dataset has a record dated at or before as-of."""
    dated = [(name, ds.event_time) for name, ds in datasets().items() if ds.event_time]
    union = " union ".join(
        f"""select distinct strftime("{column}", '%Y-%m') as month from {name} where "{column}" <= $as_of"""
        for name, column in dated
    )
    return [row[0] for row in conn.execute(f"select month from ({union}) order by month", {"as_of": as_of}).fetchall()]
