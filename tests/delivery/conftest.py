"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, and a warehouse holding
one completed month whose results the test writes by hand, so every figure a mail shows is one the
test put there."""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from pipelines import warehouse
from pipelines.settings import load_settings

MONTH = "2026-10"
AS_OF = dt.datetime(2026, 11, 1, 6, 0)
# two sites in 东区, one in 西区; S3 is a 案场 with its own phone, which no mail may carry
SITES = ("项目编号,项目名称,项目类型,区域,案场电话\n"
         "S1,一号院,住宅,东区,\nS2,二号楼,写字楼,东区,\nS3,三号案场,案场,西区,13912345678\n")
# (metric, site, value, numerator, denominator, target, meets_target)
METRICS = [
    ("complaint.handling_rate", None, 0.75, 3, 4, 1.0, False),
    ("complaint.handling_rate", "S1", 0.5, 1, 2, 1.0, False),
    ("call.answer_3_rings_rate", "S1", 0.9, 9, 10, 0.8, True),
    ("complaint.handling_rate", "S2", 1.0, 1, 1, 1.0, True),
    ("call.answer_3_rings_rate", "S3", 0.25, 1, 4, 0.8, False),
]
REPORT_HTML = "<!DOCTYPE html><html><body><h1>全公司月报</h1></body></html>"
REPORT_PDF = b"%PDF-1.4\n% a stand-in for the report\n"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.raw)


@dataclass
class Mailbox:
    """aiosmtpd's handler: keeps each message; `refuse` makes it answer every DATA with 554."""

    received: list[Received] = field(default_factory=list)
    refuse: bool = False
    refuse_rcpt: set[str] = field(default_factory=set)  # addresses answered 550, the others taken
    attempts: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_rcpt:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.refuse:
            return "554 5.7.1 refused by the test server"
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.rcpt_tos]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    mailbox: Mailbox
    port: int


def start(mailbox: Mailbox, password: str | None = None) -> tuple[Controller, Server]:
    """A plain SMTP server (no TLS); with `password`, it requires AUTH with user kpi and it."""
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == password
        mailbox.logins.append((auth_data.login.decode(), "ok" if ok else "refused"))
        return AuthResult(success=ok, handled=False)  # the server answers 235 or 535 itself

    port = free_port()
    extra = {"authenticator": authenticate, "auth_required": True, "auth_require_tls": False} if password else {}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **extra)
    controller.start()
    return controller, Server(mailbox, port)


@pytest.fixture
def smtp_server():
    controller, server = start(Mailbox())
    try:
        yield server
    finally:
        controller.stop()


def delivery_toml(port: int | None, extra_smtp: str = "") -> str:
    """Head office, the 东区 region, S1 (with a cc) and S3 (which asked for the company report)."""
    smtp = f'host = "127.0.0.1"\nport = {port}\n' if port else ""
    return ('[delivery]\nsender = "客服KPI <kpi@example.com>"\n'
            f'[delivery.smtp]\n{smtp}security = "none"\nattempts = 3\nbackoff_seconds = 0\n{extra_smtp}'
            '[delivery.head_office]\nto = ["boss@example.com"]\n'
            '[delivery.regions."东区"]\nto = ["east@example.com"]\n'
            '[delivery.sites.S1]\nto = ["s1@example.com"]\ncc = ["s1-lead@example.com"]\n'
            '[delivery.sites.S3]\nto = ["s3@example.com"]\ncompany_report = true\n')


@dataclass
class Month:
    settings: object
    run_id: str
    out: Path

    @property
    def report_files(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((self.out / MONTH).glob("report.*"))}


def standing_month(raw, tmp_path: Path, toml: str) -> Month:
    """The sites ingested; a completed run of MONTH with METRICS and its sites; its report files."""
    raw.write("sites", "sites.csv", SITES)
    raw.ingest()
    conn = warehouse.connect(raw.db_path)
    try:
        run_id = warehouse.start_run(conn, "run", {}, AS_OF)
        for metric, site, value, num, den, target, meets in METRICS:
            conn.execute("insert into metrics values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'rate', 0, [])",
                         [run_id, MONTH, AS_OF, metric, site, MONTH, value, num, den, target, meets])
        conn.execute("""insert into run_sites select ?, site_id, site_name, site_type, region, null from sites""",
                     [run_id])
        warehouse.finish_run(conn, run_id, "completed")
    finally:
        conn.close()
    out = tmp_path / "out"
    (out / MONTH).mkdir(parents=True)
    (out / MONTH / "report.html").write_text(REPORT_HTML, encoding="utf-8")
    (out / MONTH / "report.pdf").write_bytes(REPORT_PDF)
    config = tmp_path / "kpi-delivery.toml"
    config.write_text(toml, encoding="utf-8")
    settings = load_settings(config, raw=raw.root, warehouse=raw.db_path, out=out)
    return Month(settings, run_id, out)
