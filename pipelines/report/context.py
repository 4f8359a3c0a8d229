"""Everything the template needs for one run and language, gathered in one place."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb
import yaml

from pipelines import periods
from pipelines.report import data, sections
from pipelines.report import formatting as fmt

TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"
LANGUAGES = ("zh", "en")


@cache
def labels(lang: str) -> dict:
    if lang not in LANGUAGES:
        raise ValueError(f"报告语言只支持 {'/'.join(LANGUAGES)}，收到 {lang!r}")
    return yaml.safe_load((TEMPLATES / f"labels.{lang}.yaml").read_text(encoding="utf-8"))


def build(conn: duckdb.DuckDBPyConnection, run_id: str, month: str, lang: str = "zh",
          company: str | None = None) -> dict:
    """The page's names: the run's identity and lineage, then every section's (pipelines.report.sections)."""
    words = labels(lang)
    run = data.load_run(conn, run_id, month)
    if not run.rows:
        raise LookupError(f"运行 {run_id} 没有 {month} 的指标行：先运行 kpi run / kpi metrics")
    until = data.finished_at(conn, run_id)  # other months as they stood when this run completed
    prev_id = data.latest_run(conn, data.previous_month(month), until)
    previous = data.load_run(conn, prev_id, data.previous_month(month)) if prev_id else None
    inputs = sections.Inputs(conn, run, previous, until, data.sites(conn, run_id), data.rules(conn, run_id, lang),
                             lang, words)
    return {
        "lang": lang,
        "L": words,
        "title": words["title_company"].format(company=company) if company else words["title"],
        "company": company or "",
        "month": month,
        "month_label": fmt.month_label(month, lang),
        "run": {"id": run.run_id, "as_of": fmt.timestamp(run.as_of), "started": fmt.timestamp(run.started_at),
                "status": run.status or "", "config_files": list(run.settings.get("config_files") or [])},
        # in the handbooks' time zone, as as-of is (the machine's clock may be UTC)
        "generated": fmt.timestamp(periods.now(run.rules.get("timezone", periods.HANDBOOK_ZONE))),
        "previous_run": prev_id,
    } | sections.build(inputs)
