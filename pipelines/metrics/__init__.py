"""Handbook KPIs in DuckDB: warehouse tables → SQL models → the `metrics`, `evidence`
and `pareto` tables of one run.

    staging/stg_<dataset>.sql   one source each, as known at as-of
    facts/fct_<thing>.sql       one row per record, with its outcome on each rule
    marts/metric_<family>.sql   the metric rows: value, numerator, denominator, target, meets_target

The metric catalogue (catalogue.yaml) says which metrics exist; the rules (contract §2
interpretations, declared in pipelines/rules.yaml) arrive as bound DuckDB variables.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
import pandas as pd

from pipelines import periods
from pipelines.metrics import catalogue as cat
from pipelines.metrics import models, params
from schemas.declarations import datasets

METRIC_COLUMNS = ["metric", "site_id", "period", "value", "numerator", "denominator", "target",
                  "meets_target", "pending", "flags"]


def _register_inputs(conn: duckdb.DuckDBPyConnection, month: periods.MonthPeriods, rules: dict) -> None:
    """The catalogue, the run's periods and the survey targets, as tables the SQL joins."""
    families = pd.DataFrame(
        [{"id": d.id, "prefix": d.prefix, "is_template": d.is_template, "unit": d.unit} for d in cat.catalogue()]
    )
    conn.register("families_input", families)
    conn.execute("create or replace temp table metric_families as select * from families_input")
    metrics = pd.DataFrame(cat.instances(rules["targets"]))
    metrics["target"] = metrics["target"].astype(object)
    conn.register("catalogue_input", metrics)
    conn.execute(
        """create or replace temp table catalogue_metrics as
           select metric, grain, applies, company, unit, sql, cast(target as decimal(9, 4)) as target
           from catalogue_input"""
    )
    conn.execute("create or replace temp table run_periods (grain varchar, period varchar, ends_at timestamp)")
    conn.executemany("insert into run_periods values (?, ?, ?)", month.graded())
    conn.execute(
        "create or replace temp table survey_targets "
        "(kind varchar, issue_target decimal(9, 4), return_target decimal(9, 4))"
    )
    conn.executemany(
        "insert into survey_targets values (?, ?, ?)",
        [(k, Decimal(v["issue"]), Decimal(v["return"])) for k, v in rules["survey_targets"].items()],
    )


# what the models may read beside each other: the warehouse's dataset tables and these run inputs
RUN_INPUTS = {"metric_families", "catalogue_metrics", "run_periods", "survey_targets"}


def _marts() -> list[str]:
    return [m.name for m in models.models() if m.layer == "marts" and m.name.startswith("metric_")]


def _metric_rows() -> str:
    """Every mart's rows, each with the columns it has; what a mart leaves out is null, or
    nothing pending and no flags."""
    union = "\nunion all by name\n".join(f"select * from {m}" for m in _marts())
    columns = ", ".join(f"m.{c}" for c in METRIC_COLUMNS if c not in ("pending", "flags"))
    return f"""select {columns}, coalesce(m.pending, 0) as pending, coalesce(m.flags, [] :: varchar[]) as flags
               from ({union}) m"""


def compute_rows(conn: duckdb.DuckDBPyConnection, month: str, as_of: dt.datetime, rules: dict) -> int:
    """Every metric row of the month into the temp table `run_metrics` (metric, site_id, period,
    value, numerator, denominator, target, meets_target, unit, pending, flags), the fct_* models
    beside it; nothing persistent is written, so a read-only connection will do."""
    run_periods = periods.month_periods(month)
    values = params.variables(run_periods, as_of, rules)
    params.set_variables(conn, values)
    _register_inputs(conn, run_periods, rules)
    models.verify(conn, RUN_INPUTS | set(datasets()), set(values))
    models.build(conn, models.monthly())
    # A period that has not ended at as-of is in progress (flagged). A week still running is
    # not judged against its target: its callbacks can still come (issue 9). A month or
    # quarter still running keeps its result so far, which the report shows as "so far".
    conn.execute(
        f"""create or replace temp table run_metrics as
            select r.metric, r.site_id, r.period, r.value, r.numerator, r.denominator, r.target,
                   case when p.grain = 'week' and p.ends_at > $as_of then null else r.meets_target end
                       as meets_target,
                   f.unit, r.pending,
                   case when p.ends_at > $as_of then list_append(r.flags, 'in_progress') else r.flags end as flags
            from ({_metric_rows()}) r
            join metric_families f on r.metric = f.id or (f.is_template and starts_with(r.metric, f.prefix))
            left join run_periods p on p.period = r.period""",
        {"as_of": as_of},
    )
    return conn.execute("select count(*) from run_metrics").fetchall()[0][0]


def compute(conn: duckdb.DuckDBPyConnection, month: str, as_of: dt.datetime, rules: dict, run_id: str) -> int:
    """Compute every metric of the month into `metrics` (keyed by run), with its evidence; returns rows written.

    Earlier runs' evidence stays: the standing run keeps its own until a newer one has completed
    (pipelines.jobs prunes it then)."""
    rows = compute_rows(conn, month, as_of, rules)
    conn.execute("begin transaction")
    try:
        conn.execute("insert into metrics select $run_id, $month, $as_of, * from run_metrics",
                     {"run_id": run_id, "month": month, "as_of": as_of})
        _write_evidence(conn, run_id, month)
        conn.execute(
            """insert into pareto select ?, ?, site_id, category, rank, complaints, total, share,
               cumulative_share, is_vital_few from fct_complaint_pareto""",
            [run_id, month],
        )
        conn.execute("insert into repair_categories select ?, ?, * from fct_repair_on_time_by_category",
                     [run_id, month])
        conn.execute("insert into penalties select ?, ?, * from survey_penalties", [run_id, month])
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return rows


def _write_evidence(conn: duckdb.DuckDBPyConnection, run_id: str, month: str) -> None:
    """The records behind the run's numbers, from the models that declare `evidence` (models.py):
    every record that kept a rate from its target (miss) or is not yet decided (pending) — hits
    are not listed one by one (ten million at group scale): their count is the numerator, and
    the rows are in the dataset tables with their lineage — and the rows of the models whose
    every row is evidence (deals behind the accuracy score, complaints behind a Pareto share,
    findings)."""
    columns = ("metric, site_id, period, outcome, dataset, record_id, source_file, source_line, source_rows, "
               "detail")
    parts = [f"select {columns} from {m.name} semi join fct_metric_spine using (metric, site_id, period) "
             f"where outcome <> 'hit'" if m.evidence == "misses" else f"select {columns} from {m.name}"
             for m in models.models() if m.evidence]
    union = "\nunion all\n".join(parts)
    conn.execute(f"insert into evidence select $run_id, $month, * from ({union})",
                 {"run_id": run_id, "month": month})
