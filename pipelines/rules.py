"""The handbook rules that are settings, declared once in rules.yaml: default, type, clause,
name and a sentence stating the value in effect.

`resolve(overrides)` gives the rules of a run — the defaults with a kpi.toml's `[rules]` over
them, each value checked against its type (fractions as Decimal, never floats) — in the nested
shape of the TOML: rules["complaints"]["reply_hours"]. `variables(rules)` gives what the SQL
reads with getvariable(); `sentences(rules, lang)` what the report prints.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

DECLARATIONS = Path(__file__).with_name("rules.yaml")
SCALARS = {"int", "decimal", "text"}


class RuleError(ValueError):
    """A rule's value that cannot be used; the message names the rule."""


@dataclass(frozen=True)
class Rule:
    key: str  # section.name, or a top-level name
    default: Any
    type: Any  # "int" | "decimal" | "text" | [type] | {field: type} | {"*": type}
    clause: str
    zh: str
    en: str
    sentence_zh: str
    sentence_en: str

    @property
    def is_map(self) -> bool:
        return isinstance(self.type, dict) and "*" in self.type

    @property
    def variable(self) -> str | None:
        """The SQL variable: the key's last part, for every rule but the maps (targets go in as
        the catalogue's table, freshness is read in Python)."""
        return None if self.is_map else self.key.rsplit(".", 1)[-1]

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def sentence(self, value: Any, rules: dict, lang: str) -> str:
        template = self.sentence_en if lang == "en" else self.sentence_zh
        return _templates(lang).from_string(template).render(value=value, rules=rules)


@cache
def declared() -> dict[str, Rule]:
    entries = yaml.safe_load(DECLARATIONS.read_text(encoding="utf-8"))
    for spec in entries.values():
        if spec.get("default") == "catalogue":  # the targets: declared with their metrics
            from pipelines.metrics.catalogue import default_targets

            spec["default"] = default_targets()
    found = {key: Rule(key, **{f: spec.get(f) for f in Rule.__dataclass_fields__ if f != "key"})
             for key, spec in entries.items()}
    variables = [r.variable for r in found.values() if r.variable]
    if len(variables) != len(set(variables)):
        raise RuleError(f"{DECLARATIONS.name}: two rules end in the same name: {sorted(variables)}")
    return {key: dataclasses.replace(rule, default=typed(rule.default, rule.type, key)) for key, rule in found.items()}


def typed(value: Any, kind: Any, where: str) -> Any:
    """The value as its declared type, or RuleError saying what was expected."""
    if isinstance(kind, list):
        if not isinstance(value, list):
            raise RuleError(f"{where}：应为列表，而不是 {value!r}")
        return [typed(v, kind[0], f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(kind, dict):
        if not isinstance(value, dict):
            raise RuleError(f"{where}：应为 {{…}} 表，而不是 {value!r}")
        if "*" in kind:
            return {k: typed(v, kind["*"], f"{where}.{k}") for k, v in value.items()}
        if set(value) != set(kind):
            raise RuleError(f"{where}：应恰好有 {', '.join(kind)}，而不是 {', '.join(value)}")
        return {k: typed(value[k], kind[k], f"{where}.{k}") for k in kind}
    return _scalar(value, kind, where)


def _scalar(value: Any, kind: str, where: str) -> Any:
    if kind == "text" and isinstance(value, str):
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == "decimal" and isinstance(value, (str, int, Decimal)) and not isinstance(value, bool):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            pass
    expected = {"text": "文字", "int": "整数", "decimal": '数（如 "0.80"）'}[kind]
    raise RuleError(f"{where}：应为{expected}，而不是 {value!r}")


def _lookup(tree: dict, key: str) -> tuple[dict, str]:
    *sections, name = key.split(".")
    for section in sections:
        tree = tree.setdefault(section, {})
    return tree, name


def resolve(overrides: dict | None = None) -> dict:
    """The defaults, with the user's values over them: a map rule merges key by key (a kpi.toml
    setting one target keeps the others), any other rule is replaced whole."""
    rules: dict = {}
    for key, rule in declared().items():
        node, name = _lookup(rules, key)
        node[name] = rule.default
    for key, value in _flatten(overrides or {}):
        rule = declared()[key]
        node, name = _lookup(rules, key)
        given = typed(value, rule.type, f"[rules] {key}")
        node[name] = {**node[name], **given} if rule.is_map else given
    return rules


def recorded(tree: dict) -> dict:
    """The rules as a run recorded them (runs.settings), each declared rule it lacks — or holds in
    another shape than today's declaration — at its default: an older run reads, never fails."""
    rules = resolve()
    for key, rule in declared().items():
        found = _find(tree, key)
        if found is None:
            continue
        try:
            value = typed(found, rule.type, key)
        except RuleError:
            continue
        node, name = _lookup(rules, key)
        node[name] = value
    return rules


def _find(tree: dict, key: str) -> Any:
    """The value at a dotted key, or None where the tree has none (the tree left as it is)."""
    node: Any = tree
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _flatten(overrides: dict, prefix: str = "") -> list[tuple[str, Any]]:
    """(rule key, value) for every rule the overrides set; RuleError for a key no rule has."""
    found = []
    for name, value in overrides.items():
        key = prefix + name
        if key in declared():
            found.append((key, value))
        elif isinstance(value, dict) and any(k.startswith(key + ".") for k in declared()):
            found += _flatten(value, key + ".")
        else:
            near = [k for k in declared() if k.startswith(prefix)] or list(declared())
            raise RuleError(f"[rules] {key}：没有这条规则（可用：{'、'.join(near)}）")
    return found


def value_of(rules: dict, key: str) -> Any:
    node, name = _lookup(rules, key)
    return node[name]


def variables(rules: dict) -> dict[str, Any]:
    """Every rule the SQL may read, by variable name, typed (a caller's plain value too)."""
    return {rule.variable: typed(value_of(rules, key), rule.type, key)
            for key, rule in declared().items() if rule.variable}


def plain(value: Any) -> Any:
    """A rule value as JSON keeps it exactly: decimals as their digits."""
    return json.loads(json.dumps(value, default=str))


def sentences(rules: dict, lang: str) -> list[dict]:
    """Each rule in effect: key, name, clause, value (as JSON), and its sentence with that value."""
    return [{"key": key, "name": rule.name(lang), "clause": rule.clause, "value": plain(value_of(rules, key)),
             "sentence": rule.sentence(value_of(rules, key), rules, lang)}
            for key, rule in declared().items()]


def _pct(value: Any) -> str:
    text = f"{Decimal(value) * 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def _num(value: Any) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@cache
def _templates(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    joiner = ", " if lang == "en" else "、"
    env.filters.update(pct=_pct, num=_num, words=lambda values: joiner.join(str(v) for v in values))
    return env
