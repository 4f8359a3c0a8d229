"""The scheduled flows mail after their outputs: the nightly run each desk's worklist, the monthly
run the month; a mail server that refuses everything fails no flow run and removes no output."""

from __future__ import annotations

import json

import duckdb

from tests.delivery.conftest import SITES, delivery_toml
from tests.delivery.test_worklist_mail import COMPLAINTS, names, text_of


def flow_config(tmp_path, port: int):
    config = tmp_path / "kpi-delivery.toml"
    config.write_text(delivery_toml(port).replace("[delivery]\n", "[delivery]\nenabled = true\n", 1), encoding="utf-8")
    return str(config)


def test_the_nightly_flow_mails_each_desk_its_own_worklist(raw, tmp_path, smtp_server, prefect_env):
    """A real nightly run: ingest, the month, the worklist, then each desk's own worklist by mail.
    Two complaints never answered (C-S1-A at S1, C-S2-B at S2) are overdue items at the run's as-of."""
    from pipelines import flows

    raw.write("sites", "sites.csv", SITES)
    raw.write("complaints", "complaints.csv", COMPLAINTS)
    out = tmp_path / "out"
    result = flows.nightly(raw=str(raw.root), warehouse=str(raw.db_path), out=str(out),
                           config=flow_config(tmp_path, smtp_server.port))
    day = result.as_of.date().isoformat()
    assert (out / result.month / "metrics.json").exists()
    received = {address: [names(m) for m in smtp_server.mailbox.to(address)]
                for address in ("s1@example.com", "east@example.com", "s3@example.com", "boss@example.com")}
    assert received == {
        "s1@example.com": [[f"工作清单-{day}-worklist-site-S1.html", f"工作清单-{day}-worklist-site-S1.xlsx"]],
        "east@example.com": [[f"工作清单-{day}-worklist-region-东区.html", f"工作清单-{day}-worklist-region-东区.xlsx"]],
        "s3@example.com": [[f"工作清单-{day}-worklist-site-S3.html", f"工作清单-{day}-worklist-site-S3.xlsx"]],
        "boss@example.com": [],  # head office reads the month, not each desk's day
    }
    s1, = smtp_server.mailbox.to("s1@example.com")
    east, = smtp_server.mailbox.to("east@example.com")
    s3, = smtp_server.mailbox.to("s3@example.com")
    assert "C-S1-A" in text_of(s1) and "C-S2-B" not in text_of(s1)
    assert "C-S1-A" in text_of(east) and "C-S2-B" in text_of(east)
    assert "C-S1-A" not in text_of(s3) and "C-S2-B" not in text_of(s3)


def test_a_refusing_server_fails_no_monthly_flow_run(raw, tmp_path, smtp_server, prefect_env):
    from pipelines import flows

    raw.write("sites", "sites.csv", SITES)
    out = tmp_path / "out"
    smtp_server.mailbox.refuse = True
    result = flows.monthly(raw=str(raw.root), warehouse=str(raw.db_path), out=str(out),
                           config=flow_config(tmp_path, smtp_server.port))
    outputs = sorted(p.name for p in (out / result.month).iterdir() if p.is_file())
    assert outputs == ["evidence.csv", "evidence.xlsx", "metrics.json", "report.html", "report.pdf"]
    conn = duckdb.connect(str(raw.db_path), read_only=True)
    try:
        recorded = conn.execute("select recipient, attempts, outcome from deliveries order by recipient").fetchall()
        runs = conn.execute("select command, status from runs where command in ('run', 'send')").fetchall()
    finally:
        conn.close()
    assert recorded == [("head_office", 3, "failed"), ("region:东区", 3, "failed"), ("site:S1", 3, "failed"),
                        ("site:S3", 3, "failed")]
    assert sorted(runs) == [("run", "completed"), ("send", "completed")]
    assert smtp_server.mailbox.attempts == 4 * 3
    # and the flow run says so in the UI
    from prefect.artifacts import Artifact

    shown = json.loads(Artifact.get("kpi-deliveries").data)
    assert [(row["收件人"], row["结果"], row["尝试"]) for row in shown] == [
        ("head_office", "failed", 3), ("region:东区", "failed", 3), ("site:S1", "failed", 3), ("site:S3", "failed", 3)]
