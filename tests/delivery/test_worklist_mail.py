"""The day's worklist mail: each recipient gets the files the worklist hook gives for its own sites,
and a default worklist mail carries no phone number."""

from __future__ import annotations

import re

from pipelines import jobs
from pipelines.delivery import deliver
from tests.delivery.conftest import delivery_toml, standing_month

DAY = "2026-10-15"
MOBILE = re.compile(rb"(?<!\d)1\d{10}(?!\d)")  # an 11-digit mainland mobile number


def per_site_worklists(monkeypatch, out):
    """What the worklist job will give: one page and one workbook per site, each naming its site."""
    def files(settings, date, site_ids):
        made = []
        for site in site_ids:
            folder = out / "daily" / date / "sites"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"worklist-{site}.html").write_text(f"<html><body>{site} 待办</body></html>", encoding="utf-8")
            (folder / f"worklist-{site}.xlsx").write_bytes(f"PK {site}".encode())
            made += [folder / f"worklist-{site}.html", folder / f"worklist-{site}.xlsx"]
        return made

    monkeypatch.setattr(deliver, "worklist_files", files)


def names(message) -> list[str]:
    return [part.get_filename() for part in message.iter_attachments()]


def test_each_recipient_receives_its_own_sites_worklists_only(raw, tmp_path, smtp_server, monkeypatch):
    month = standing_month(raw, tmp_path, delivery_toml(smtp_server.port))
    per_site_worklists(monkeypatch, month.out)
    sent = jobs.send(month.settings, "worklist", DAY)
    # head office reads the company's month, not each desk's day: no worklist unless it asks
    assert sorted(d.recipient for d in sent) == ["region:东区", "site:S1", "site:S3"]
    s1, = smtp_server.mailbox.to("s1@example.com")
    east, = smtp_server.mailbox.to("east@example.com")
    s3, = smtp_server.mailbox.to("s3@example.com")
    assert smtp_server.mailbox.to("boss@example.com") == []
    assert s1["Subject"] == f"客服工作清单 {DAY}｜S1 一号院"
    assert names(s1) == [f"工作清单-{DAY}-worklist-S1.html", f"工作清单-{DAY}-worklist-S1.xlsx"]
    assert names(s3) == [f"工作清单-{DAY}-worklist-S3.html", f"工作清单-{DAY}-worklist-S3.xlsx"]
    assert names(east) == [f"工作清单-{DAY}-worklist-S1.html", f"工作清单-{DAY}-worklist-S1.xlsx",
                           f"工作清单-{DAY}-worklist-S2.html", f"工作清单-{DAY}-worklist-S2.xlsx"]
    xlsx = [p for p in s1.iter_attachments() if p.get_filename().endswith(".xlsx")][0]
    assert xlsx.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx.get_content() == b"PK S1"
    # the page is the body, readable on a phone without opening a file
    assert s1.get_body(preferencelist=("html",)).get_content().strip() == "<html><body>S1 待办</body></html>"
    for message, own in ((s1, "S1"), (s3, "S3")):
        assert {"S1", "S2", "S3"} & set(re.findall(r"S\d", shown(message))) == {own}


def shown(message) -> str:
    """Everything a reader sees: subject, file names and every part decoded."""
    parts = [message["Subject"], *names(message)]
    parts += [(part.get_payload(decode=True) or b"").decode() for part in message.walk()]
    return "\n".join(parts)


def test_a_default_worklist_mail_carries_no_phone_number(raw, tmp_path, smtp_server):
    """S3 has a site phone in the warehouse; the mail around a default worklist (no contacts)
    must not add one, in any part, encoded or not."""
    month = standing_month(raw, tmp_path, delivery_toml(smtp_server.port))
    day = month.out / "daily" / DAY
    day.mkdir(parents=True)
    (day / "worklist.html").write_text("<html><body>S3 投诉 C7 回访，剩 5 小时</body></html>", encoding="utf-8")
    jobs.send(month.settings, "worklist", DAY)
    s3, = smtp_server.mailbox.to("s3@example.com")
    decoded = b"".join(part.get_payload(decode=True) or b"" for part in s3.walk())
    raw_mail = next(r.raw for r in smtp_server.mailbox.received if "s3@example.com" in r.rcpt_tos)
    assert not MOBILE.search(decoded) and not MOBILE.search(raw_mail)
    assert "S3 投诉 C7 回访" in s3.get_body(preferencelist=("html",)).get_content()


def test_no_worklist_for_the_day_is_recorded_not_sent(raw, tmp_path, smtp_server):
    month = standing_month(raw, tmp_path, delivery_toml(smtp_server.port))
    sent = jobs.send(month.settings, "worklist", DAY)
    assert {(d.outcome, d.error) for d in sent} == {("skipped", f"没有 {DAY} 的工作清单文件")}
    assert smtp_server.mailbox.received == []


def test_a_dry_run_writes_the_days_worklist_mails_under_its_outbox(raw, tmp_path, monkeypatch):
    month = standing_month(raw, tmp_path, delivery_toml(None))
    per_site_worklists(monkeypatch, month.out)
    sent = jobs.send(month.settings, "worklist", DAY, dry_run=True)
    outbox = month.out / "daily" / DAY / "outbox"
    # numbered in the config's order of recipients that get a worklist (head office does not)
    assert sorted(p.name for p in outbox.iterdir()) == ["01-region-东区.eml", "02-site-S1.eml", "03-site-S3.eml"]
    assert {d.outcome for d in sent} == {"dry_run"}
