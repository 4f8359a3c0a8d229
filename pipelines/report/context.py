"""Everything the template needs for one run and language, gathered in one place."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import yaml

from pipelines.metrics.catalogue import catalogue
from pipelines import periods
from pipelines.periods import month_end
from pipelines.report import data, quality, sections, sections_more
from pipelines.report import formatting as fmt
from schemas.declarations import datasets

TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"
LANGUAGES = ("zh", "en")


@cache
def labels(lang: str) -> dict:
    if lang not in LANGUAGES:
        raise ValueError(f"报告语言只支持 {'/'.join(LANGUAGES)}，收到 {lang!r}")
    return yaml.safe_load((TEMPLATES / f"labels.{lang}.yaml").read_text(encoding="utf-8"))


def build(conn: duckdb.DuckDBPyConnection, run_id: str, month: str, lang: str = "zh",
          company: str | None = None) -> dict:
    words = labels(lang)
    run = data.load_run(conn, run_id, month)
    if not run.rows:
        raise LookupError(f"运行 {run_id} 没有 {month} 的指标行：先运行 kpi run / kpi metrics")
    prev_id = data.latest_run(conn, data.previous_month(month))
    previous = data.load_run(conn, prev_id, data.previous_month(month)) if prev_id else None
    sites = data.sites(conn, run_id)
    stored_rules = data.rules(conn, run_id, lang)
    headline = sections.headline(run, previous, data.trend(conn, run), lang, words)
    scored = [r for r in headline if r["target"]]
    files = quality.files(conn, run_id)
    reasons, quarantined = quality.top_reasons(conn, run_id)
    findings, findings_total = quality.findings(conn, run_id)
    title = words["title_company"].format(company=company) if company else words["title"]
    running = run.as_of is not None and run.as_of < month_end(month)
    return {
        "lang": lang,
        "L": words,
        "title": title,
        "company": company or "",
        "month": month,
        "month_label": fmt.month_label(month, lang),
        "run": {"id": run.run_id, "as_of": fmt.timestamp(run.as_of), "started": fmt.timestamp(run.started_at),
                "status": run.status or "", "config_files": quality.config_files(run.settings)},
        # in the handbooks' time zone, as as-of is (the machine's clock may be UTC)
        "generated": fmt.timestamp(periods.now(run.rules.get("timezone", periods.HANDBOOK_ZONE))),
        "previous_run": prev_id,
        "headline": headline,
        "mid_month": fmt.mid_month(run.as_of, lang, words) if running else "",
        "summary_text": words["headline_summary_mtd" if running else "headline_summary"],
        "summary": {"total": len(scored), "met": sum(r["status"]["cls"] == "met" for r in scored),
                    "missed": sum(r["status"]["cls"] in sections.BEHIND for r in scored),
                    "nodata": sum(r["status"]["cls"] == "nodata" for r in scored)},
        "sites": sections.site_overview(run, sites, lang, words),
        "limit": sections.MAIN_SITE_ROWS,
        "pareto": sections_more.pareto(data.pareto(conn, run_id), sites,
                                       float(stored_rules["pareto.vital_share"]["value"]), words),
        "weekly": sections.weekly_callbacks(run, sites, lang, words),
        "on_time": sections.on_time_by_category(data.repair_categories(conn, run_id), words),
        "on_time_intro": on_time_intro(stored_rules, words),
        "surveys": sections_more.surveys(run, sites, data.penalties(conn, run_id, month), stored_rules, lang, words),
        "sales": sections_more.sales_league(run, sites, data.exemptions(conn, run_id), stored_rules, words,
                                              lang),
        "freshness": quality.freshness(conn, run_id),
        "reasons": reasons,
        "findings": findings,
        "findings_total": findings_total,
        "quarantined": quarantined,
        "files": files,
        "rules": rules_view(stored_rules, lang, words),
    }


def on_time_intro(stored: dict, words: dict) -> str:
    """How repair callback deadlines are set, in the words of the rules the run used."""
    value = {key.split(".")[1]: rule["value"] for key, rule in stored.items() if key.startswith("repairs.")}
    quote = words["keywords_or"]
    return words["on_time_intro"].format(
        safety=quote.join(value["safety_keywords"]), leak=quote.join(value["leak_keywords"]),
        **{f"{kind}_time": fmt.deadline(value[f"{kind}_hours"], words) for kind in ("safety", "leak", "urgent",
                                                                                   "default")})


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
