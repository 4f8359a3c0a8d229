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

from pipelines import rules as declared_rules
from pipelines.metrics.catalogue import survey_dimensions
from pipelines.periods import MonthPeriods, add_months


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


def variables(month: MonthPeriods, as_of: dt.datetime, rules: dict) -> dict:
    """The run's periods, and every rule the SQL may read (pipelines/rules.yaml)."""
    window_day = int(rules["sales"]["phone_survey_window_day"])
    return {
        "month_key": month.key,
        "month_start": month.start,
        "next_month": month.next_start,
        "as_of": as_of,
        "quarter_key": month.quarter_key,
        "quarter_start": month.quarter_start,
        "next_quarter": month.next_quarter,
        "phone_window_start": add_months(month.start, -1) + dt.timedelta(days=window_day),
        "phone_window_end": month.start + dt.timedelta(days=window_day),
        # overall and every dimension declared for survey_responses (schemas/datasets)
        "survey_answer_columns": ["overall", *survey_dimensions()],
        **declared_rules.variables(rules),
    }


def set_variables(conn: duckdb.DuckDBPyConnection, values: dict) -> None:
    """Each value bound, not written into the SQL: the name is ours, the value the user's."""
    for name, value in values.items():
        conn.execute(f"set variable {name} = cast($value as {_sql_type(value)})", {"value": value})
