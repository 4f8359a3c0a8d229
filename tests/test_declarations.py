"""One declaration per fact: metrics in pipelines/metrics/catalogue.yaml, rules in
pipelines/rules.yaml, datasets in schemas/datasets/. Nothing else names a metric or states a
rule's value, so changing one changes every stage (issue 12).

These tests read the source as text: a file that names `complaint.handling_rate` or writes
`7 天` in a label fails here, whatever the code around it does.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipelines.metrics.catalogue import catalogue, default_targets, in_section, survey_dimensions
from pipelines.metrics.models import models
from pipelines.rules import declared
from schemas.declarations import datasets, load_order, personal_columns

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = sorted({m.id.split(".")[0] for m in catalogue()})  # complaint, repair, call, survey, sales
# a metric id as written in code: family, a dot, a lower-case name (`complaint.pareto.` included)
METRIC_LIKE = re.compile(r"(?<![\w.])(?:" + "|".join(FAMILIES) + r")\.[a-z0-9_]+(?:\.[a-z0-9_]*)?")


def product_files(*patterns: str) -> list[Path]:
    """The product's own files (the demo generator and tests aside)."""
    found = [p for pattern in patterns for p in ROOT.glob(pattern)]
    return sorted(p for p in found if "demo" not in p.relative_to(ROOT).parts)


def metric_names_in(text: str) -> set[str]:
    declared_ids = {m.id for m in catalogue()}
    prefixes = tuple(m.prefix for m in catalogue() if m.is_template)
    return {name for name in METRIC_LIKE.findall(text)
            if name in declared_ids or name.startswith(prefixes) or name.rstrip(".") + "." in prefixes}


def test_no_python_template_or_label_file_names_a_metric():
    files = product_files("pipelines/**/*.py", "schemas/**/*.py", "reports/templates/**/*.*")
    named = {str(p.relative_to(ROOT)): sorted(metric_names_in(p.read_text(encoding="utf-8"))) for p in files}
    assert {path: names for path, names in named.items() if names} == {}
    assert len(files) > 40  # the scan saw the code


def test_the_scan_finds_a_metric_named_in_code():
    # the check above can fail: a line like the old report code's is caught
    assert metric_names_in('SALES_PARTS = ["sales.completeness_score", "sales.bonus_score"]') == {
        "sales.completeness_score", "sales.bonus_score"}
    assert metric_names_in('metric.startswith("complaint.pareto.")') == {"complaint.pareto."}
    assert metric_names_in("sales.csv and repair.notes") == set()  # not metrics


def sql_code(path: Path) -> str:
    """A model's SQL without comments and string literals, and without type declarations' digits."""
    text = re.sub(r"--[^\n]*", "", path.read_text(encoding="utf-8"))
    text = re.sub(r"'(?:[^']|'')*'", "''", text)
    return re.sub(r"decimal\(\s*\d+\s*,\s*\d+\s*\)", "decimal", text, flags=re.I)


# the numbers SQL may write: nothing, one, minutes in an hour, percent and basis points
STRUCTURAL = {"0", "1", "60", "100", "10000"}


def test_sql_models_take_every_rule_value_as_a_bound_variable():
    written = {}
    for path in sorted((ROOT / "pipelines/metrics").rglob("*.sql")):
        numbers = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", sql_code(path))) - STRUCTURAL
        if numbers:
            written[path.name] = sorted(numbers)
    assert written == {}


def test_the_sql_scan_catches_a_rule_value_written_into_a_model(tmp_path):
    model = tmp_path / "fct_example.sql"
    model.write_text("-- 24 hours, as a comment, is fine\nselect cast(x as decimal(9, 4)), 'W24' as week,\n"
                     "    hours <= 24 as on_time, share < 0.8 * total from t", encoding="utf-8")
    assert set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])", sql_code(model))) - STRUCTURAL == {"24", "0.8"}


def test_a_metric_id_written_in_sql_is_declared_or_a_finding():
    declared_ids = {m.id for m in catalogue()}
    prefixes = tuple(m.prefix for m in catalogue() if m.is_template)
    stray = []
    for model in models():
        literals = re.findall(r"'((?:" + "|".join(FAMILIES) + r")\.[a-z0-9_.]+)'", model.sql)
        for name in literals:
            known = name in declared_ids or name.startswith(prefixes)
            finding = "'finding' as outcome" in model.sql  # records to check, not a metric (e.g. repair.urgent_flag)
            if not (known or finding):
                stray.append((model.name, name))
    assert stray == []


# a number with a unit of time, points or rings: how a rule's value reads in prose
RULE_VALUE_IN_WORDS = re.compile(r"\d+(?:\.\d+)?\s*(?:天|小时|分钟|个百分点|声|-day|days?\b|hours?\b|rings?\b|points?\b)")


def label_texts() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "reports/templates").glob("labels.*.yaml")):
        def walk(node, where: str) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    walk(value, f"{where}.{key}")
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    walk(value, f"{where}.{i}")
            else:
                found.append((where, str(node)))

        walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    return found


def test_no_label_or_template_states_a_rule_value():
    # rules are stated by their own sentences (rules.yaml), rendered with the run's values
    timezone = declared()["timezone"].default
    stated = [(where, text) for where, text in label_texts()
              if RULE_VALUE_IN_WORDS.search(text) or timezone in text or "上海时间" in text]
    template = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "reports/templates").rglob("*.html.j2"))
    assert stated == [] and not RULE_VALUE_IN_WORDS.search(re.sub(r"{[{%#].*?[}%#]}", "", template))


def test_the_label_scan_catches_a_frozen_rule_value():
    assert RULE_VALUE_IN_WORDS.search("无需回访的投诉，处理后 7 天观察期结束")
    assert RULE_VALUE_IN_WORDS.search("closed once its 7-day window ends")
    assert not RULE_VALUE_IN_WORDS.search("附录 A：各项目 {n} 天")  # a placeholder is filled from the run


def test_every_targeted_metric_declares_its_default_and_the_rules_take_it():
    targeted = [m for m in catalogue() if m.has_rule_target]
    assert targeted and all(m.target.replace(".", "").isdigit() for m in targeted)
    assert default_targets() == {m.target_key: m.target for m in targeted}
    assert {k: str(v) for k, v in declared()["targets"].default.items()} == default_targets()
    # by the handbooks: weekly repair callbacks 80% (000 §4.7.4.2), complaints 100% (000 §4.6.4.4)
    assert str(declared()["targets"].default["repair.callback_rate_weekly"]) == "0.80"
    assert str(declared()["targets"].default["complaint.callback_rate"]) == "1.00"


def test_every_report_section_and_role_is_declared_once():
    sections = {m.report.section for m in catalogue()}
    assert sections == {"complaints", "repairs", "calls", "surveys", "sales"}
    for section in sections:
        roles = [m.report.role for m in in_section(section) if m.report.role and m.report.role != "part"]
        assert len(roles) == len(set(roles)), section  # a role names one metric
    parts = [m for m in catalogue() if m.report.role == "part"]
    assert len(parts) == 5 and all(m.report.full_points in declared() for m in parts)
    lower = {m.id for m in catalogue() if m.direction == "lower"}
    # fewer complaints (a month's or a week's), fewer points off
    assert lower == {"complaint.count", "complaint.count_weekly", "survey.penalty_points"}


def test_datasets_declare_their_load_order_personal_columns_and_dimensions():
    order = load_order()
    assert order[0] == "sites"  # everything references the sites
    for ds in datasets().values():
        for column in ds.columns.values():
            if column.references:
                assert order.index(column.references) < order.index(ds.name), (ds.name, column.name)
        assert ds.title_en
    assert {"phone", "name", "household_income", "complainant", "card_no"} <= personal_columns()
    assert "site_id" not in personal_columns() and "category" not in personal_columns()
    assert survey_dimensions()[:3] == ["清洁", "治安", "绿化"] and "overall" not in survey_dimensions()
    assert [ds.name for ds in datasets().values() if ds.may_be_empty] == ["exemptions"]
