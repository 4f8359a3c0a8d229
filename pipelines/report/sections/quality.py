"""Data quality as the run saw it: each dataset's freshness, the commonest quarantine reasons,
records found questionable (left as they are), and every file read = loaded + quarantined."""

from __future__ import annotations

from pipelines.report import data

NAME = "quality"
SHOWS = None


def build(inputs) -> dict:
    run_id = inputs.run.run_id
    reasons, quarantined = data.top_reasons(inputs.conn, run_id)
    findings, findings_total = data.findings(inputs.conn, run_id)
    return {"freshness": data.freshness(inputs.conn, run_id), "reasons": reasons, "quarantined": quarantined,
            "findings": findings, "findings_total": findings_total, "files": data.files(inputs.conn, run_id)}
