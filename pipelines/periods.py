"""Calendar arithmetic the handbooks use: months, ISO weeks, quarters (contract §2)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

HANDBOOK_ZONE = "Asia/Shanghai"


def now(zone: str = HANDBOOK_ZONE) -> dt.datetime:
    """The wall clock in the handbooks' time zone, without a zone (as stored): one clock for run
    ids, start and finish times and as-of, whatever the host's TZ, so runs order the same anywhere."""
    return dt.datetime.now(ZoneInfo(zone)).replace(tzinfo=None)


def month_start(month: str) -> dt.date:
    """`2026-10` -> 2026-10-01; ValueError for anything else."""
    return dt.datetime.strptime(month, "%Y-%m").date()


def add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_end(month: str) -> dt.datetime:
    """The first moment after the month: an as-of before it sees the month in progress."""
    return dt.datetime.combine(add_months(month_start(month), 1), dt.time())


def add_months_key(month: str, months: int) -> str:
    """`add_months_key("2026-10", -11)` -> "2025-11"."""
    return add_months(month_start(month), months).strftime("%Y-%m")


def trailing_months(month: str, count: int) -> list[str]:
    """The `count` months ending with `month`, oldest first: `trailing_months("2026-10", 3)` ->
    ["2026-08", "2026-09", "2026-10"]."""
    return [add_months_key(month, -i) for i in range(count - 1, -1, -1)]


def month_before(month: str) -> str:
    return add_months_key(month, -1)


def months_between(first: str, last: str) -> list[str]:
    """`months_between("2026-09", "2026-11")` -> ["2026-09", "2026-10", "2026-11"]."""
    start, end = month_start(first), month_start(last)
    if end < start:
        raise ValueError(f"{last} is before {first}")
    months = []
    while start <= end:
        months.append(start.strftime("%Y-%m"))
        start = add_months(start, 1)
    return months


def iso_weeks(month: str) -> list[tuple[str, dt.date]]:
    """(`YYYY-Www`, Monday) of every ISO week that has a day in the month."""
    first = month_start(month)
    nxt = add_months(first, 1)
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday < nxt:
        year, week, _ = monday.isocalendar()
        weeks.append((f"{year}-W{week:02d}", monday))
        monday += dt.timedelta(days=7)
    return weeks


def quarter(month: str) -> tuple[str, dt.date, dt.date]:
    """(`YYYY-Qn`, first day, first day of the next quarter) of the quarter containing the month."""
    first = month_start(month)
    q = (first.month - 1) // 3
    start = dt.date(first.year, q * 3 + 1, 1)
    return f"{first.year}-Q{q + 1}", start, add_months(start, 3)
