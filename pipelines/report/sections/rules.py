"""The rules the run used: targets by metric, survey targets by kind, and every other rule in
the sentence that states its value (pipelines/rules.yaml), with its clause."""

from __future__ import annotations

from pipelines.metrics.catalogue import catalogue
from pipelines.report import formatting as fmt
from schemas.declarations import datasets

NAME = "rules"
SHOWS = None


def build(inputs) -> dict:
    return {"rules": rules_view(inputs.rules, inputs.lang, inputs.words)}


def rules_view(stored: dict, lang: str, words: dict) -> dict:
    """The rules the run used as tables: targets by metric, survey targets by kind, the rest with
    the sentence that states each."""
    by_key = {m.target_key: m for m in catalogue() if m.has_rule_target}
    targets = []
    for metric, value in stored["targets"]["value"].items():
        entry = by_key.get(metric)  # a run stored before a metric was renamed shows its key
        targets.append({"name": entry.name(lang) if entry else metric, "metric": metric,
                        "target": fmt.target(float(value), "rate"), "clause": entry.clause if entry else ""})
    kinds = [{"kind": words["survey_kinds"].get(k, k), "issue": fmt.target(float(v["issue"]), "rate"),
              "return": fmt.target(float(v["return"]), "rate")}
             for k, v in stored["survey_targets"]["value"].items()]
    other = [{"name": rule["name"], "key": key, "sentence": rule["sentence"], "clause": rule["clause"],
              "entries": _map_values(rule["value"]) if key == "freshness" else ""}
             for key, rule in stored.items() if key not in ("targets", "survey_targets")]
    return {"targets": targets, "survey_kinds": kinds, "other": other}



def _map_values(value: dict) -> str:
    """A map rule's entries, datasets by their titles: 「来电记录 3、满意度调查问卷 120」."""
    titles = {name: ds.title for name, ds in datasets().items()}
    return "、".join(f"{titles.get(k, k)} {v}" for k, v in value.items())

