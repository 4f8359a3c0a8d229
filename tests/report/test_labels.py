"""The report's words (reports/templates/labels.*.yaml): one definition per key, every value
text (a bullet with ": " in it must be quoted, or YAML makes it a mapping), both languages alike."""

from __future__ import annotations

import yaml

from pipelines.report.context import TEMPLATES


class UniqueKeys(yaml.SafeLoader):
    """A loader that refuses a key defined twice in one mapping (plain YAML keeps the last)."""


def _mapping(loader, node, deep=False):
    keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
    twice = {k for k in keys if keys.count(k) > 1}
    assert not twice, f"line {node.start_mark.line + 1}: defined twice: {sorted(twice)}"
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def leaves(value, path=()):
    """(path, value) of every label; a mapping inside a list is a leaf, so it fails as not text."""
    if isinstance(value, dict) and not (path and path[-1].isdigit()):
        for key, inner in value.items():
            yield from leaves(inner, (*path, str(key)))
    elif isinstance(value, list):  # a list holds sentences
        for i, inner in enumerate(value):
            yield from leaves(inner, (*path, str(i)))
    else:
        yield ".".join(path), value


def load(lang: str) -> dict:
    return yaml.load((TEMPLATES / f"labels.{lang}.yaml").read_text(encoding="utf-8"), Loader=UniqueKeys)


def test_the_loader_refuses_a_key_defined_twice():
    try:
        yaml.load("a: 1\nb: 2\na: 3\n", Loader=UniqueKeys)
    except AssertionError as exc:
        assert "defined twice: ['a']" in str(exc)
    else:
        raise AssertionError("a duplicate key was accepted")


def test_every_label_is_defined_once_and_is_text():
    for lang in ("zh", "en"):
        words = load(lang)
        not_text = [(path, value) for path, value in leaves(words) if not isinstance(value, str)]
        assert not_text == [], lang


def test_both_languages_have_the_same_sections():
    assert set(load("zh")) == set(load("en"))


def test_the_pareto_table_is_headed_by_complaint_category(demo_html):
    pareto = demo_html.split('id="pareto"', 1)[1].split("</section>", 1)[0]
    assert "<th>投诉类别</th>" in pareto and "维修类别" not in pareto
