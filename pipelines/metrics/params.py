"""The run's parameters as DuckDB variables, which the SQL reads with getvariable().

Periods follow contract §2: the calendar month, the ISO weeks with a day in it, the
quarter containing it, and the 案场 phone-survey window (the 16th of last month 00:00 to
the 15th of this month 23:59:59). Rule values keep their exactness: fractions travel as
DECIMAL, never as floats.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb

from pipelines.metrics.catalogue import survey_dimensions
from pipelines.periods import add_months, month_start, quarter


def _dec(value) -> Decimal:
    return Decimal(str(value))


def _sql_type(value) -> str:
    """The DuckDB type a rule value is bound as: fractions as DECIMAL(18, 4), never as floats,
    and a list typed even when empty."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, Decimal):
        return "decimal(18, 4)"
    if isinstance(value, str):
        return "varchar"
    if isinstance(value, dt.datetime):
        return "timestamp"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, list):
        return (_sql_type(value[0]) if value else "varchar") + "[]"
    if isinstance(value, dict):
        return "struct(" + ", ".join(f'"{k}" {_sql_type(v)}' for k, v in value.items()) + ")"
    raise TypeError(f"cannot pass {value!r} to SQL")


def variables(month: str, as_of: dt.datetime, rules: dict) -> dict:
    first = month_start(month)
    nxt = add_months(first, 1)
    window_day = int(rules["sales"]["phone_survey_window_day"])
    q_key, q_start, q_next = quarter(month)
    sales, repairs = rules["sales"], rules["repairs"]
    off = sales["completeness_off"]
    return {
        "month_key": month,
        "month_start": first,
        "next_month": nxt,
        "as_of": as_of,
        "quarter_key": q_key,
        "quarter_start": q_start,
        "next_quarter": q_next,
        "phone_window_start": add_months(first, -1) + dt.timedelta(days=window_day),
        "phone_window_end": first + dt.timedelta(days=window_day),
        "reply_hours": int(rules["complaints"]["reply_hours"]),
        "closure_window_days": int(rules["complaints"]["closure_window_days"]),
        "safety_keywords": list(repairs["safety_keywords"]),
        "safety_hours": int(repairs["safety_hours"]),
        "leak_keywords": list(repairs["leak_keywords"]),
        "leak_hours": int(repairs["leak_hours"]),
        "urgent_hours": int(repairs["urgent_hours"]),
        "urgent_keywords": list(repairs.get("urgent_keywords", [])),
        "default_hours": int(repairs["default_hours"]),
        "second_callback_after_hours": int(repairs["second_callback_after_hours"]),
        "max_rings": int(rules["calls"]["max_rings"]),
        "penalty_step_points": int(rules["surveys"]["penalty_step_points"]),
        "completeness_points": int(sales["completeness_points"]),
        "completeness_off_complete": _dec(off["complete"]),
        "completeness_off_incomplete": _dec(off["incomplete"]),
        "completeness_off_none": _dec(off["none"]),
        "timeliness_points": int(sales["timeliness_points"]),
        "timeliness_off": [
            {"before_day": int(t["before_day"]), "off": _dec(t["off"])} for t in sales["timeliness_off"]
        ],
        "timeliness_off_late": _dec(sales["timeliness_off_late"]),
        "accuracy_points": _dec(sales["accuracy_points"]),
        "accuracy_off_per_error": _dec(sales["accuracy_off_per_error"]),
        "bad_postcodes": list(sales["bad_postcodes"]),
        "deal_entry_hours": int(sales["deal_entry_hours"]),
        "required_deal_fields": list(sales["required_deal_fields"]),
        "phone_survey_tiers": [
            {"min": _dec(t["min"]), "points": _dec(t["points"])} for t in sales["phone_survey_tiers"]
        ],
        "phone_survey_below": _dec(sales["phone_survey_below"]),
        "phone_survey_none": _dec(sales["phone_survey_none"]),
        "bonus_points": int(sales["bonus_points"]),
        # overall and every dimension declared for survey_responses (schemas/datasets)
        "survey_answer_columns": ["overall", *survey_dimensions()],
    }


def set_variables(conn: duckdb.DuckDBPyConnection, values: dict) -> None:
    """Each value bound, not written into the SQL: the name is ours, the value the user's."""
    for name, value in values.items():
        conn.execute(f"set variable {name} = cast($value as {_sql_type(value)})", {"value": value})
