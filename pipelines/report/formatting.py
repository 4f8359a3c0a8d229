"""How numbers look in the report. Only the report rounds (metrics.json keeps full precision)."""

from __future__ import annotations

import datetime as dt
import math

from pipelines.metrics.catalogue import definition



def trim(number: float, places: int = 2) -> str:
    """4.50 -> "4.5", 5.00 -> "5": points and scores read best without trailing zeros."""
    text = f"{number:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(fraction: float, places: int = 1) -> str:
    return f"{fraction * 100:.{places}f}%"


def value(number: float | None, unit: str, no_data: str) -> str:
    """A metric value as shown: rates 91.4%, counts 1,240, points 4.5, scores 87.5."""
    if number is None or (isinstance(number, float) and math.isnan(number)):
        return no_data
    if unit == "rate":
        return percent(number)
    if unit == "count":
        return f"{round(number):,}"
    return trim(number)


def target(number: float | None, unit: str) -> str:
    """Targets are round numbers: 80%, 100%, 90%."""
    if number is None:
        return ""
    return trim(number * 100, 2) + "%" if unit == "rate" else trim(number)


def delta(current: float | None, previous: float | None, unit: str, metric: str, labels: dict) -> dict | None:
    """Change against last month: text, and whether it is better, worse or the same."""
    if current is None or previous is None:
        return None
    change = current - previous
    if unit == "rate":
        amount, suffix = change * 100, labels["pp"]
    else:
        amount, suffix = change, ""
    shown = f"{abs(amount):.1f}" if unit == "rate" else trim(abs(amount), 2)
    if shown in ("0", "0.0"):
        return {"text": "±0" + suffix, "trend": "same"}
    rising = change > 0
    better = rising != (definition(metric).direction == "lower")  # the catalogue says which way is better
    return {"text": ("▲ " if rising else "▼ ") + shown + suffix, "trend": "better" if better else "worse"}


def ratio(numerator: float | None, denominator: float | None) -> str:
    """numerator/denominator for the reader to check a rate; pooled counts may carry fractions."""
    if numerator is None or denominator is None:
        return ""
    return f"{trim(numerator)}/{trim(denominator)}"


def month_label(month: str, lang: str) -> str:
    year, mon = (int(p) for p in month.split("-"))
    if lang == "en":
        return dt.date(year, mon, 1).strftime("%B %Y")
    return f"{year}年{mon}月"


def verdict(meets_target: bool | None, target, value, flags) -> str:
    """How a metric row stands: met, miss; sofar (a period still running, below target so far),
    running (a week still running: not judged until it ends), nodata (a target, no value), or ""
    (nothing to judge). A period still running at as-of is never a miss."""
    running = "in_progress" in (flags or ())
    if meets_target is True:
        return "met"
    if meets_target is False:
        return "sofar" if running else "miss"
    if target is None:
        return ""
    if value is None:
        return "nodata"
    return "running" if running else ""


def mid_month(as_of: dt.datetime, lang: str, labels: dict) -> str:
    """「月中报告：截至 12 月 2 日」: the first line of a report whose month had not ended."""
    return labels["mid_month"].format(month=as_of.month, day=as_of.day, month_name=as_of.strftime("%B %Y"))


def timestamp(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def week_label(week: str, monday: dt.date, sunday: dt.date) -> str:
    """2026-W40 -> "W40 9/28–10/4" (the days it spans, some of them in the next or last month)."""
    return f"W{week.split('-W')[1]}\n{monday.month}/{monday.day}–{sunday.month}/{sunday.day}"


def deadline(hours: int, labels: dict) -> str:
    """48 -> 2 天, 24 -> 24 小时: whole days read as days, the handbook's way."""
    if hours % 24 == 0 and hours > 24:
        return f"{hours // 24} {labels['unit_days']}"
    return f"{hours} {labels['unit_hours']}"
