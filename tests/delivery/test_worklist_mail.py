"""The day's worklist mail: each recipient gets the worklist of its own sites only (the hook
computes it for them), and a default worklist mail carries no phone number."""

from __future__ import annotations

import datetime as dt
import re

from pipelines import jobs
from pipelines.delivery import deliver
from tests.delivery.conftest import delivery_toml, standing_month

DAY = "2026-10-15"
MOBILE = re.compile(rb"(?<!\d)1\d{10}(?!\d)")  # an 11-digit mainland mobile number


def per_site_worklists(monkeypatch, out):
    """What the worklist job will give: one page and one workbook per site, each naming its site."""
    def files(conn, settings, date, as_of, recipient, site_ids):
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


# two complaints received the day before, neither answered: one at S1, one at S2 (both 东区)
COMPLAINTS = ("投诉编号,项目编号,受理时间,投诉渠道,投诉类别,房号\n"
              "C-S1-A,S1,2026-10-14 09:00,来电,噪音,1-101\nC-S2-B,S2,2026-10-14 10:00,来电,停车,2-202\n")


def text_of(message) -> str:
    """The text parts a reader sees (the page in the body and attached), decoded."""
    return "\n".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")


def test_each_desk_receives_its_own_sites_items_and_no_other(raw, tmp_path, smtp_server):
    raw.write("complaints", "complaints.csv", COMPLAINTS)
    month = standing_month(raw, tmp_path, delivery_toml(smtp_server.port))
    sent = jobs.send(month.settings, "worklist", DAY, as_of=dt.datetime(2026, 10, 15, 0, 0))
    assert {d.recipient: d.outcome for d in sent} == {"region:东区": "sent", "site:S1": "sent", "site:S3": "sent"}
    s1, = smtp_server.mailbox.to("s1@example.com")
    east, = smtp_server.mailbox.to("east@example.com")
    s3, = smtp_server.mailbox.to("s3@example.com")
    # the 24 h reply of C-S1-A runs out at 10-15 09:00, of C-S2-B at 10:00: S1's desk sees its own only
    assert "C-S1-A" in text_of(s1) and "C-S2-B" not in text_of(s1)
    assert "C-S1-A" in text_of(east) and "C-S2-B" in text_of(east)  # 东区 looks after both
    assert "C-S1-A" not in text_of(s3) and "C-S2-B" not in text_of(s3)
    assert names(s1) == [f"工作清单-{DAY}-worklist-site-S1.html", f"工作清单-{DAY}-worklist-site-S1.xlsx"]
    day = month.out / "daily" / DAY
    assert (day / "worklist-site-S1.html").is_file() and (day / "worklist-region-东区.xlsx").is_file()


def test_a_default_worklist_mail_carries_no_phone_number(raw, tmp_path, smtp_server):
    """S3 has a site phone in the warehouse; a default worklist (no contacts) and the mail around
    it must not carry one, in any part, encoded or not."""
    raw.write("complaints", "complaints.csv", COMPLAINTS)
    month = standing_month(raw, tmp_path, delivery_toml(smtp_server.port))
    jobs.send(month.settings, "worklist", DAY)
    s3, = smtp_server.mailbox.to("s3@example.com")
    decoded = b"".join(part.get_payload(decode=True) or b"" for part in s3.walk())
    raw_mail = next(r.raw for r in smtp_server.mailbox.received if "s3@example.com" in r.rcpt_tos)
    assert not MOBILE.search(decoded) and not MOBILE.search(raw_mail)
    assert "三号案场" in s3.get_body(preferencelist=("html",)).get_content()  # its own page is the body


def test_a_dry_run_writes_the_days_worklist_mails_under_its_outbox(raw, tmp_path, monkeypatch):
    month = standing_month(raw, tmp_path, delivery_toml(None))
    per_site_worklists(monkeypatch, month.out)
    sent = jobs.send(month.settings, "worklist", DAY, dry_run=True)
    outbox = month.out / "daily" / DAY / "outbox"
    # numbered in the config's order of recipients that get a worklist (head office does not)
    assert sorted(p.name for p in outbox.iterdir()) == ["01-region-东区.eml", "02-site-S1.eml", "03-site-S3.eml"]
    assert {d.outcome for d in sent} == {"dry_run"}
