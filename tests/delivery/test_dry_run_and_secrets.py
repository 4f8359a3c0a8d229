"""--dry-run writes each mail as a parseable .eml file; the SMTP password is read from the
environment when sending and never reaches the warehouse, the logs or the terminal."""

from __future__ import annotations

import logging
from email import policy
from email.parser import BytesParser

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines import cli, jobs
from tests.delivery.conftest import MONTH, Mailbox, delivery_toml, standing_month, start

PASSWORD = "s3cr3t-Pa55-42"  # ASCII: smtplib's AUTH sends nothing else


def test_a_dry_run_writes_parseable_eml_files_and_sends_nothing(raw, tmp_path, smtp_server):
    month = standing_month(raw, tmp_path, delivery_toml(smtp_server.port))
    sent = jobs.send(month.settings, "monthly", MONTH, dry_run=True)
    assert smtp_server.mailbox.attempts == 0
    outbox = month.out / MONTH / "outbox"
    assert sorted(p.name for p in outbox.iterdir()) == [
        "01-head_office.eml", "02-region-东区.eml", "03-site-S1.eml", "04-site-S3.eml"]
    assert [d.eml for d in sent] == sorted(outbox.iterdir())
    s1 = BytesParser(policy=policy.default).parsebytes((outbox / "03-site-S1.eml").read_bytes())
    assert (s1["To"], s1["Cc"], s1["Subject"]) == ("s1@example.com", "s1-lead@example.com", "客服KPI月报 2026-10｜S1 一号院")
    boss = BytesParser(policy=policy.default).parsebytes((outbox / "01-head_office.eml").read_bytes())
    assert [p.get_filename() for p in boss.iter_attachments()] == ["客服KPI月报-2026-10.pdf", "客服KPI月报-2026-10.html"]
    assert {d.outcome for d in sent} == {"dry_run"}


def test_a_dry_run_needs_no_smtp_server(raw, tmp_path):
    month = standing_month(raw, tmp_path, delivery_toml(None))
    result = CliRunner().invoke(cli.app, ["send", "--month", MONTH, "--dry-run", "--config",
                                          str(tmp_path / "kpi-delivery.toml"), "--warehouse", str(raw.db_path),
                                          "--out", str(month.out)])
    assert result.exit_code == 0, result.output
    assert len(list((month.out / MONTH / "outbox").glob("*.eml"))) == 4
    listed = CliRunner().invoke(cli.app, ["deliveries", "--warehouse", str(raw.db_path)])
    assert listed.exit_code == 0 and listed.output.count("dry_run") == 4
    other = CliRunner().invoke(cli.app, ["deliveries", "--warehouse", str(raw.db_path), "--period", "2026-09"])
    assert other.exit_code == 0 and "dry_run" not in other.output


def test_sending_without_a_server_configured_fails_each_mail_and_exits_1(raw, tmp_path):
    month = standing_month(raw, tmp_path, delivery_toml(None))
    result = CliRunner().invoke(cli.app, ["send", "--month", MONTH, "--config", str(tmp_path / "kpi-delivery.toml"),
                                          "--warehouse", str(raw.db_path), "--out", str(month.out)])
    assert result.exit_code == 1
    assert result.output.count("未配置 [delivery.smtp] host") == 4


def everything_stored(path) -> str:
    """Every value of every table of the warehouse, as text."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        tables = [t for (t,) in conn.execute("select table_name from information_schema.tables").fetchall()]
        return "\n".join(str(conn.execute(f'select * from "{t}"').fetchall()) for t in tables)
    finally:
        conn.close()


# the tests' server takes AUTH in the clear on purpose (127.0.0.1); aiosmtpd warns of that
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS", "ignore:Session.login_data")
def test_the_password_comes_from_the_environment_and_is_never_stored_or_logged(raw, tmp_path, monkeypatch,
                                                                               caplog, capsys):
    mailbox = Mailbox()
    controller, server = start(mailbox, password=PASSWORD)
    try:
        toml = delivery_toml(server.port, 'user = "kpi"\npassword_env = "KPI_TEST_SMTP_PASSWORD"\n')
        month = standing_month(raw, tmp_path, toml)
        monkeypatch.setenv("KPI_TEST_SMTP_PASSWORD", PASSWORD)
        caplog.set_level(logging.DEBUG)
        sent = jobs.send(month.settings, "monthly", MONTH)
        assert {d.outcome for d in sent} == {"sent"}
        assert mailbox.logins == [("kpi", "ok")] * 4
        # a wrong password: refused, recorded, and the reason does not repeat it
        monkeypatch.setenv("KPI_TEST_SMTP_PASSWORD", PASSWORD + "x")
        failed = jobs.send(month.settings, "monthly", MONTH)
        assert {d.outcome for d in failed} == {"failed"}
        assert all("535" in d.error for d in failed)  # the server's authentication failure
    finally:
        controller.stop()
    stored = everything_stored(raw.db_path)
    assert "KPI_TEST_SMTP_PASSWORD" in stored  # the run records where the password comes from…
    assert PASSWORD not in stored  # …never the password
    said = capsys.readouterr()
    assert PASSWORD not in caplog.text + said.out + said.err


def test_a_missing_password_variable_fails_each_mail_saying_which(raw, tmp_path, smtp_server, monkeypatch):
    toml = delivery_toml(smtp_server.port, 'user = "kpi"\npassword_env = "KPI_TEST_SMTP_PASSWORD"\n')
    month = standing_month(raw, tmp_path, toml)
    monkeypatch.delenv("KPI_TEST_SMTP_PASSWORD", raising=False)
    sent = jobs.send(month.settings, "monthly", MONTH)
    assert {(d.outcome, d.error) for d in sent} == {("failed", "环境变量 KPI_TEST_SMTP_PASSWORD 未设置：没有 SMTP 密码")}
    assert smtp_server.mailbox.attempts == 0


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS", "ignore:Session.login_data")
def test_the_password_can_come_from_a_prefect_secret_block(raw, tmp_path, monkeypatch):
    """The block is looked up by name when sending (Prefect's own storage stands in here: the
    test gives Secret.load the block's value, the SMTP server checks the login)."""
    from prefect.blocks.system import Secret

    looked_up = []
    monkeypatch.setattr(Secret, "load", classmethod(lambda cls, name: looked_up.append(name) or Secret(value=PASSWORD)))
    mailbox = Mailbox()
    controller, server = start(mailbox, password=PASSWORD)
    try:
        month = standing_month(raw, tmp_path, delivery_toml(server.port, 'user = "kpi"\npassword_block = "kpi-smtp"\n'))
        sent = jobs.send(month.settings, "monthly", MONTH)
    finally:
        controller.stop()
    assert {d.outcome for d in sent} == {"sent"}
    assert looked_up == ["kpi-smtp"]  # once per send, not per mail
    assert mailbox.logins == [("kpi", "ok")] * 4


def test_send_without_a_delivery_section_says_so(raw, tmp_path):
    month = standing_month(raw, tmp_path, "")
    result = CliRunner().invoke(cli.app, ["send", "--month", MONTH, "--config", str(tmp_path / "kpi-delivery.toml"),
                                          "--warehouse", str(raw.db_path), "--out", str(month.out)])
    assert result.exit_code == 2
    assert "配置中没有 [delivery]" in result.output
    listed = CliRunner().invoke(cli.app, ["deliveries", "--warehouse", str(raw.db_path)])
    assert listed.exit_code == 0 and "site:" not in listed.output  # nothing sent yet: an empty list
