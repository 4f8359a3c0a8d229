"""The rules are declared once (pipelines/rules.yaml): a kpi.toml overrides them by key, each
value is checked against its type, and each rule's sentence states the value in effect."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipelines import rules
from pipelines.settings import ConfigError, load_settings


def test_a_kpi_toml_sets_one_target_and_keeps_the_others(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kpi.toml").write_text(
        '[rules.targets]\n"repair.callback_rate_weekly" = "0.85"\n[rules.complaints]\nreply_hours = 48\n',
        encoding="utf-8")
    settings = load_settings()
    assert settings.rules["targets"]["repair.callback_rate_weekly"] == Decimal("0.85")
    assert settings.rules["targets"]["complaint.handling_rate"] == Decimal("1.00")  # the default kept
    assert settings.rules["complaints"] == {"reply_hours": 48, "closure_window_days": 7}


def test_fractions_are_exact_decimals_never_floats():
    value = rules.resolve({"sales": {"accuracy_off_per_error": "0.1"}})["sales"]["accuracy_off_per_error"]
    assert value == Decimal("0.1") and value * 3 == Decimal("0.3")  # 0.1 * 3 is not 0.3 in floats


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"complaints": {"reply_hour": 24}},
         "[rules] complaints.reply_hour：没有这条规则（可用：complaints.reply_hours、complaints.closure_window_days）"),
        ({"complaints": {"reply_hours": "24h"}}, "[rules] complaints.reply_hours：应为整数，而不是 '24h'"),
        ({"targets": {"call.answer_3_rings_rate": "九成"}},
         "[rules] targets.call.answer_3_rings_rate：应为数（如 \"0.80\"），而不是 '九成'"),
        ({"sales": {"completeness_off": {"complete": "0", "none": "1"}}},
         "[rules] sales.completeness_off：应恰好有 complete, incomplete, none，而不是 complete, none"),
    ],
)
def test_a_mistaken_rule_is_named_with_what_was_expected(overrides, message):
    with pytest.raises(rules.RuleError) as failure:
        rules.resolve(overrides)
    assert str(failure.value) == message


def test_a_mistaken_rule_in_kpi_toml_names_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kpi.toml").write_text("[rules.calls]\nmax_rings = 3.5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"kpi.toml \[rules\] calls.max_rings：应为整数，而不是 3.5"):
        load_settings()


def sentence(effective: dict, key: str, lang: str = "zh") -> str:
    return next(s["sentence"] for s in rules.sentences(effective, lang) if s["key"] == key)


def test_each_sentence_states_the_value_in_effect():
    changed = rules.resolve({
        "complaints": {"reply_hours": 48},
        "repairs": {"leak_keywords": ["渗", "漏水", "滴水"]},
        "sales": {"phone_survey_tiers": [{"min": "92.5", "points": "3"}, {"min": "85", "points": "1.5"}],
                  "completeness_off": {"complete": "0", "incomplete": "0.25", "none": "1"}},
    })
    assert sentence(changed, "complaints.reply_hours") == "投诉须在受理后 48 小时内答复（以首次答复计，无则以处理完毕计）。"
    assert sentence(changed, "repairs.leak_keywords") == "类别含“渗”或“漏水”或“滴水”的维修为渗漏类（漏电不是渗漏）。"
    assert sentence(changed, "sales.phone_survey_tiers") == "电话调查均分 ≥ 92.5 得 3 分，≥ 85 得 1.5 分。"
    assert sentence(changed, "sales.completeness_off", "en") == \
        "Complete data loses nothing, incomplete data 25%, none 100%."


def test_every_rule_has_its_clause_names_and_sentences():
    for rule in rules.declared().values():
        assert rule.clause and rule.zh and rule.en and rule.sentence_zh and rule.sentence_en, rule.key


def test_rules_outside_a_map_reach_the_sql_as_variables_by_their_last_name():
    variables = rules.variables(rules.resolve({"calls": {"max_rings": 4}}))
    assert variables["max_rings"] == 4
    assert variables["completeness_off"] == {"complete": 0, "incomplete": Decimal("0.2"), "none": Decimal("1.0")}
    assert "targets" not in variables and "freshness" not in variables  # maps: tables and Python
