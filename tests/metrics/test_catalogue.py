"""The catalogue names every metric of contract §3, and every model reads like the handbook."""

from __future__ import annotations

from pipelines.metrics import models
from pipelines.metrics.catalogue import catalogue, definition

# contract §3, "Metric names (at least)", copied by hand
CONTRACT_METRICS = [
    "complaint.count", "complaint.handling_rate", "complaint.callback_rate", "complaint.closure_rate",
    "complaint.reply_24h_rate", "complaint.pareto.<类别>", "repair.callback_rate",
    "repair.callback_rate_weekly", "repair.callback_on_time_rate", "repair.urgent_second_callback_rate",
    "call.answer_3_rings_rate", "survey.issue_rate", "survey.return_rate", "survey.satisfaction",
    "survey.penalty_points", "survey.satisfaction_adjusted", "survey.dimension_satisfaction.<维度>",
    "sales.completeness_score", "sales.timeliness_score", "sales.accuracy_score", "sales.phone_survey_score",
    "sales.bonus_score", "sales.total_score", "sales.mystery_shop_score", "sales.call_groups",
    "sales.visit_groups",
]


def test_every_contract_metric_is_declared_once():
    # the contract names these "at least": the handbooks' further rules add metrics beside them
    ids = [d.id for d in catalogue()]
    assert set(CONTRACT_METRICS) <= set(ids)
    assert len(ids) == len(set(ids))


def test_templated_members_find_their_family():
    assert definition("complaint.pareto.维修质量").id == "complaint.pareto.<类别>"
    assert definition("survey.dimension_satisfaction.清洁").unit == "rate"


def test_every_metric_names_its_handbook_clause_and_an_existing_model():
    names = {m.name for m in models.models()}
    for d in catalogue():
        assert d.clause.strip(), d.id
        assert d.sql.split("/")[1].removesuffix(".sql") in names, d.sql


def test_every_model_opens_with_a_comment_saying_what_it_is():
    for m in models.models():
        assert m.sql.lstrip().startswith("--"), m.path


def test_models_run_after_what_they_read():
    order = [m.name for m in models.models()]
    assert order.index("fct_complaint_groups") < order.index("fct_complaint_outcomes") < order.index("metric_rates")
    assert order.index("metric_rates") < order.index("metric_survey_penalty")
