"""The SQL models keep their declarations: what each reads, its grain, key and not-null columns.

Each test writes a tiny project of models into a temporary folder, as a new model would be added.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipelines.metrics import RUN_INPUTS, models, params
from pipelines.periods import month_periods
from schemas.declarations import datasets
from tests.metrics.conftest import RULES, at


def model(root, layer, name, sql, yaml_text=None):
    folder = root / layer
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.sql").write_text(f"-- {name}\n{sql}\n", encoding="utf-8")
    if yaml_text is not None:
        (folder / f"{name}.yaml").write_text(yaml_text, encoding="utf-8")


def test_a_model_without_its_yaml_is_refused(tmp_path):
    model(tmp_path, "facts", "fct_x", "select 1 as id")
    with pytest.raises(models.ModelError, match="model fct_x has no fct_x.yaml beside it"):
        models.discover(tmp_path)


def test_models_are_ordered_by_what_their_yaml_says_they_read(tmp_path):
    model(tmp_path, "marts", "metric_a", "select * from fct_b", "grain: g\nreads: [fct_b]\n")
    model(tmp_path, "facts", "fct_b", "select * from stg_c", "grain: g\nreads: [stg_c]\n")
    model(tmp_path, "staging", "stg_c", "select * from main.calls", "grain: g\nreads: [calls]\n")
    assert [m.name for m in models.discover(tmp_path)] == ["stg_c", "fct_b", "metric_a"]


def test_a_read_the_yaml_does_not_declare_fails_naming_both_sides(tmp_path):
    # reads fct_b and the run input run_periods (its own CTE `picked` is no read); declares fct_z
    model(tmp_path, "facts", "fct_b", "select 1 as id", "grain: g\nreads: []\n")
    model(tmp_path, "marts", "metric_a",
          "with picked as (select * from fct_b) select * from picked, run_periods",
          "grain: g\nreads: [fct_z, run_periods]\n")
    found = models.discover(tmp_path)
    with pytest.raises(models.ModelError) as failure:
        models.verify(duckdb.connect(), {"run_periods"}, set(), found)
    assert str(failure.value) == (
        "metric_a.sql reads ['fct_b'] that metric_a.yaml does not declare, "
        "and declares ['fct_z'] that it does not read"
    )


def test_a_read_of_nothing_that_exists_is_refused(tmp_path):
    model(tmp_path, "facts", "fct_b", "select * from no_such_table", "grain: g\nreads: [no_such_table]\n")
    with pytest.raises(models.ModelError, match=r"fct_b.yaml reads \['no_such_table'\]: no model, table or run"):
        models.verify(duckdb.connect(), {"calls"}, set(), models.discover(tmp_path))


def test_a_variable_the_run_does_not_set_is_refused_rather_than_read_as_null(tmp_path):
    model(tmp_path, "facts", "fct_b", "select getvariable('as_of') as t, getvariable('reply_hourz') as h",
          "grain: g\nreads: []\n")
    with pytest.raises(models.ModelError, match=r"fct_b.sql reads variables \['reply_hourz'\] that the run"):
        models.verify(duckdb.connect(), set(), {"as_of", "reply_hours"}, models.discover(tmp_path))


def test_two_rows_sharing_the_unique_key_stop_the_build_naming_model_and_key(tmp_path):
    model(tmp_path, "facts", "fct_b",
          "select * from (values ('S1', 'T1'), ('S1', 'T2'), ('S2', 'T1'), ('S1', 'T1')) v(site_id, ticket_id)",
          "grain: one row per ticket\nreads: []\nunique_key: [site_id, ticket_id]\n")
    with pytest.raises(models.ModelError) as failure:
        models.build(duckdb.connect(), models.discover(tmp_path))
    assert str(failure.value) == "fct_b: 2 rows share the unique key {'site_id': 'S1', 'ticket_id': 'T1'}"


def test_a_null_in_a_not_null_column_stops_the_build_naming_the_row(tmp_path):
    model(tmp_path, "marts", "metric_a",
          "select * from (values ('m', 'S1', 1), ('m', 'S2', null)) v(metric, site_id, value)",
          "grain: g\nreads: []\nunique_key: [metric, site_id]\nnot_null: [metric, value]\n")
    with pytest.raises(models.ModelError) as failure:
        models.build(duckdb.connect(), models.discover(tmp_path))
    assert str(failure.value) == "metric_a: value is null in the row {'metric': 'm', 'site_id': 'S2'}"


def test_a_company_row_with_a_null_site_is_one_key_not_a_clash(tmp_path):
    # (m, null) once per metric is the company-wide row: unique, as the marts declare it
    model(tmp_path, "marts", "metric_a",
          "select * from (values ('m', 'S1'), ('m', null), ('n', null)) v(metric, site_id)",
          "grain: g\nreads: []\nunique_key: [metric, site_id]\n")
    models.build(duckdb.connect(), models.discover(tmp_path))


def test_every_shipped_model_reads_what_it_declares_and_only_variables_the_run_sets():
    conn = duckdb.connect()
    values = params.variables(month_periods("2026-10"), dt.datetime(2026, 11, 5), RULES)
    models.verify(conn, RUN_INPUTS | set(datasets()), set(values))
    for m in models.models():
        assert m.grain.startswith("one row per"), m.name
        assert m.unique_key, f"{m.name}.yaml declares no unique key"


def test_rule_values_reach_the_evidence_words_from_the_rules_not_from_the_sql(books):
    # 48 h to reply instead of 24: a complaint received 10-01 09:00, unanswered at as-of 10-04 09:00,
    # is past its 48 h (10-03 09:00) and its evidence says so in the rule's own number
    books.rules["complaints"]["reply_hours"] = 48
    books.site("S1")
    books.add("complaints", complaint_id="C1", site_id="S1", received_at=at("2026-10-01 09:00"),
              channel="来电", category="噪音")
    m = books.compute("2026-10", "2026-10-04 09:00")
    [(record, outcome, _, _, detail)] = m.evidence("complaint.reply_24h_rate", "S1")
    assert (record, outcome, detail) == ("C1", "miss", "噪音；1 条记录、1 人、1 次；超过 48 小时未答复")
