"""Mails sent to a real SMTP server on 127.0.0.1: who receives what, how it is encoded, and what a
failure leaves behind. Every expected figure is one the test wrote into the warehouse itself
(tests/delivery/conftest.py)."""

from __future__ import annotations

import re

import duckdb
import pytest

from pipelines import jobs
from pipelines.delivery import deliver
from tests.delivery.conftest import MONTH, REPORT_HTML, REPORT_PDF, delivery_toml, standing_month

EVERY_SITE = {"S1": "一号院", "S2": "二号楼", "S3": "三号案场"}


def attachments(message) -> list[tuple[str, str]]:
    return [(part.get_filename(), part.get_content_type()) for part in message.iter_attachments()]


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def sites_named(message) -> set[str]:
    """Which of the three sites a mail names, by id or name, anywhere in its text or HTML."""
    shown = plain(message) + message.get_body(preferencelist=("html",)).get_content()
    return {site for site, name in EVERY_SITE.items() if re.search(rf"\b{site}\b", shown) or name in shown}


def deliveries(month) -> list[tuple]:
    conn = duckdb.connect(str(month.settings.warehouse), read_only=True)
    try:
        return conn.execute("""select recipient, "to", cc, sites, attachments, attempts, outcome, error
                               from deliveries order by recipient""").fetchall()
    finally:
        conn.close()


def test_each_recipient_gets_the_month_of_its_own_sites_only(raw, tmp_path, smtp_server):
    month = standing_month(raw, tmp_path, delivery_toml(smtp_server.port))
    sent = jobs.send(month.settings, "monthly", MONTH)
    assert {d.outcome for d in sent} == {"sent"}
    by_envelope = {tuple(sorted(r.rcpt_tos)): r for r in smtp_server.mailbox.received}
    # four mails, each to its own people (the cc is a recipient of the envelope too)
    assert set(by_envelope) == {("boss@example.com",), ("east@example.com",),
                                ("s1-lead@example.com", "s1@example.com"), ("s3@example.com",)}
    assert {r.mail_from for r in smtp_server.mailbox.received} == {"kpi@example.com"}

    boss, = smtp_server.mailbox.to("boss@example.com")
    east, = smtp_server.mailbox.to("east@example.com")
    s1, = smtp_server.mailbox.to("s1@example.com")
    s3, = smtp_server.mailbox.to("s3@example.com")
    assert s1["Cc"] == "s1-lead@example.com"
    assert boss["Subject"] == "客服KPI月报 2026-10｜全公司"
    assert east["Subject"] == "客服KPI月报 2026-10｜东区区域"
    assert s1["Subject"] == "客服KPI月报 2026-10｜S1 一号院"
    # a site's and a region's people never see another site; head office sees them all
    assert sites_named(s1) == {"S1"}
    assert sites_named(s3) == {"S3"}
    assert sites_named(east) == {"S1", "S2"}
    assert sites_named(boss) == {"S1", "S2", "S3"}
    # the misses, as the test stored them: S1 handled 1 of 2 complaints; the company 3 of 4
    assert "S1 | 2026-10 | 50.0% | 100%" in plain(s1)
    assert "全公司 | 2026-10 | 75.0% | 100%" in plain(boss)
    assert "1 项达标，1 项未达标" in plain(s1)  # S1's 90% answered in 3 rings met its 80%
    # the company report goes to head office and to S3, which asked for it; not to S1 or the region
    report = [("客服KPI月报-2026-10.pdf", "application/pdf"), ("客服KPI月报-2026-10.html", "text/html")]
    assert attachments(boss) == report and attachments(s3) == report
    assert attachments(s1) == [] and attachments(east) == []
    pdf = next(boss.iter_attachments())
    assert pdf.get_content() == REPORT_PDF


def test_chinese_subjects_and_file_names_are_encoded_for_any_relay(raw, tmp_path, smtp_server):
    month = standing_month(raw, tmp_path, delivery_toml(smtp_server.port))
    jobs.send(month.settings, "monthly", MONTH)
    raw_mail = next(r.raw for r in smtp_server.mailbox.received if "boss@example.com" in r.rcpt_tos)
    head, _, _ = raw_mail.partition(b"\r\n\r\n")
    assert head.isascii()  # RFC 2047 words: no 8-bit header for a relay without SMTPUTF8
    assert b"Subject: =?utf-8?" in head
    assert re.search(rb"filename\*=utf-8''%E5%AE%A2%E6%9C%8DKPI", raw_mail)  # RFC 2231: 客服KPI…
    boss = smtp_server.mailbox.to("boss@example.com")[0]
    assert boss.get_content_type() == "multipart/mixed"
    body = next(p for p in boss.iter_parts() if p.get_content_type() == "multipart/alternative")
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]


def test_the_report_can_be_the_body_of_the_mail(raw, tmp_path, smtp_server):
    toml = delivery_toml(smtp_server.port).replace('[delivery.smtp]', 'report_html = "body"\n[delivery.smtp]')
    month = standing_month(raw, tmp_path, toml)
    jobs.send(month.settings, "monthly", MONTH)
    boss, = smtp_server.mailbox.to("boss@example.com")
    assert boss.get_body(preferencelist=("html",)).get_content().strip() == REPORT_HTML
    assert attachments(boss) == [("客服KPI月报-2026-10.pdf", "application/pdf")]
    assert "客服KPI月报 2026-10｜全公司" in plain(boss)  # the summary stays the text alternative


def test_a_refusing_server_is_retried_then_recorded_failed_and_the_outputs_stay(raw, tmp_path, smtp_server):
    month = standing_month(raw, tmp_path, delivery_toml(smtp_server.port))
    before = month.report_files
    smtp_server.mailbox.refuse = True
    sent = jobs.send(month.settings, "monthly", MONTH)
    assert smtp_server.mailbox.received == []
    assert smtp_server.mailbox.attempts == 4 * 3  # four mails, three attempts each (attempts = 3)
    rows = deliveries(month)
    assert [(r[0], r[5], r[6]) for r in rows] == [
        ("head_office", 3, "failed"), ("region:东区", 3, "failed"), ("site:S1", 3, "failed"), ("site:S3", 3, "failed")]
    assert all("554" in r[7] and "refused by the test server" in r[7] for r in rows)
    assert [d.outcome for d in sent] == ["failed"] * 4
    assert month.report_files == before == {"report.html": REPORT_HTML.encode(), "report.pdf": REPORT_PDF}
    # the send is a run of its own, and it completed: a mail failing is not the run failing
    conn = duckdb.connect(str(month.settings.warehouse), read_only=True)
    try:
        assert conn.execute("select status from runs where command = 'send'").fetchall() == [("completed",)]
    finally:
        conn.close()


@pytest.mark.parametrize(("security", "said"), [("starttls", "STARTTLS"), ("ssl", "SSLError")])
def test_tls_is_not_asked_of_the_plain_local_server_unless_configured(raw, tmp_path, smtp_server, security, said):
    """security = "none" sends in the clear (the tests' server has no TLS: every other test here);
    "starttls" or "ssl" against it fails and says why, never falling back to sending in the clear."""
    toml = delivery_toml(smtp_server.port).replace('security = "none"', f'security = "{security}"')
    month = standing_month(raw, tmp_path, toml)
    sent = jobs.send(month.settings, "monthly", MONTH)
    assert smtp_server.mailbox.received == []
    assert {d.outcome for d in sent} == {"failed"}
    assert all(said in d.error for d in sent), [d.error for d in sent]


def test_the_recorded_deliveries_say_who_got_what(raw, tmp_path, smtp_server):
    month = standing_month(raw, tmp_path, delivery_toml(smtp_server.port))
    jobs.send(month.settings, "monthly", MONTH)
    assert deliveries(month) == [
        ("head_office", ["boss@example.com"], [], ["S1", "S2", "S3"],
         ["客服KPI月报-2026-10.pdf", "客服KPI月报-2026-10.html"], 1, "sent", ""),
        ("region:东区", ["east@example.com"], [], ["S1", "S2"], [], 1, "sent", ""),
        ("site:S1", ["s1@example.com"], ["s1-lead@example.com"], ["S1"], [], 1, "sent", ""),
        ("site:S3", ["s3@example.com"], [], ["S3"], ["客服KPI月报-2026-10.pdf", "客服KPI月报-2026-10.html"], 1, "sent", ""),
    ]
    listed = jobs.deliveries(month.settings)
    assert {(row[3], row[7]) for row in listed} == {
        ("head_office", "sent"), ("region:东区", "sent"), ("site:S1", "sent"), ("site:S3", "sent")}


def test_a_site_unknown_to_the_warehouse_is_skipped_and_recorded(raw, tmp_path, smtp_server):
    toml = delivery_toml(smtp_server.port) + '[delivery.sites.S9]\nto = ["s9@example.com"]\n'
    month = standing_month(raw, tmp_path, toml)
    sent = {d.recipient: d for d in jobs.send(month.settings, "monthly", MONTH)}
    assert (sent["site:S9"].outcome, sent["site:S9"].error) == ("skipped", "site:S9：数据中没有属于它的项目")
    assert smtp_server.mailbox.to("s9@example.com") == []


def test_an_address_refused_among_others_is_recorded_as_partial(raw, tmp_path, smtp_server):
    month = standing_month(raw, tmp_path, delivery_toml(smtp_server.port))
    smtp_server.mailbox.refuse_rcpt = {"s1-lead@example.com"}
    sent = {d.recipient: d for d in jobs.send(month.settings, "monthly", MONTH)}
    assert (sent["site:S1"].outcome, sent["site:S1"].attempts) == ("partial", 1)
    assert sent["site:S1"].error.startswith("服务器拒收：s1-lead@example.com")
    assert len(smtp_server.mailbox.to("s1@example.com")) == 1  # the desk still has its mail
    assert {d.outcome for name, d in sent.items() if name != "site:S1"} == {"sent"}


def test_a_mail_names_at_most_ten_sites():
    sites = tuple(deliver.Site(f"S{n:02d}", f"项目{n}", None) for n in range(1, 13))
    assert deliver._names(sites) == "项目1、项目2、项目3、项目4、项目5、项目6、项目7、项目8、项目9、项目10 等 12 个项目"
    assert deliver._names(sites[:2]) == "项目1、项目2"
