"""Calendar arithmetic the handbooks use: months, ISO weeks, quarters (contract §2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
    return month_periods(month).end


def month_of(moment: dt.datetime | dt.date) -> str:
    """`YYYY-MM` of the month a moment falls in."""
    return moment.strftime("%Y-%m")


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


@dataclass(frozen=True)
class MonthPeriods:
    """A month and every period the handbooks judge in it (contract §2), worked out in one place:
    the metrics' SQL variables, the periods a row is in progress in, freshness and the report
    all take them from here."""

    key: str  # YYYY-MM
    start: dt.date
    next_start: dt.date  # the first day after the month
    weeks: tuple[tuple[str, dt.date], ...]  # (`YYYY-Www`, Monday) of every ISO week with a day in the month
    quarter_key: str  # `YYYY-Qn`, the quarter containing the month
    quarter_start: dt.date
    next_quarter: dt.date  # the first day after that quarter

    @property
    def end(self) -> dt.datetime:
        """The first moment after the month: an as-of before it sees the month in progress."""
        return dt.datetime.combine(self.next_start, dt.time())

    def graded(self) -> list[tuple[str, str, dt.date]]:
        """(grain, period, the first day after it) of the month, its quarter and its weeks."""
        return [("month", self.key, self.next_start), ("quarter", self.quarter_key, self.next_quarter),
                *(("week", week, monday + dt.timedelta(days=7)) for week, monday in self.weeks)]


def month_periods(month: str) -> MonthPeriods:
    """`2026-10` with its ISO weeks and its quarter; ValueError for anything but a month."""
    first = month_start(month)
    next_start = add_months(first, 1)
    quarter_start = dt.date(first.year, (first.month - 1) // 3 * 3 + 1, 1)
    return MonthPeriods(
        key=month,
        start=first,
        next_start=next_start,
        weeks=tuple(_iso_weeks(first, next_start)),
        quarter_key=f"{first.year}-Q{(first.month - 1) // 3 + 1}",
        quarter_start=quarter_start,
        next_quarter=add_months(quarter_start, 3),
    )


def _iso_weeks(first: dt.date, next_start: dt.date) -> list[tuple[str, dt.date]]:
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday < next_start:
        year, week, _ = monday.isocalendar()
        weeks.append((f"{year}-W{week:02d}", monday))
        monday += dt.timedelta(days=7)
    return weeks


def iso_weeks(month: str) -> list[tuple[str, dt.date]]:
    """(`YYYY-Www`, Monday) of every ISO week that has a day in the month."""
    return list(month_periods(month).weeks)


def quarter(month: str) -> tuple[str, dt.date, dt.date]:
    """(`YYYY-Qn`, first day, first day of the next quarter) of the quarter containing the month."""
    found = month_periods(month)
    return found.quarter_key, found.quarter_start, found.next_quarter
