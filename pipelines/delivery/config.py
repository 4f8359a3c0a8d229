"""`[delivery]` in kpi.toml: who gets which mail, through which SMTP server.

Checked when the settings are loaded, so a typo stops `kpi run` before anything starts, with a
message naming the key. The SMTP password is never a setting: the section names an environment
variable (`password_env`) or a Prefect Secret block (`password_block`) that holds it, so no
config file, run record or log line ever carries it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SECURITY = ("starttls", "ssl", "none")
HTML_MODES = ("body", "attach")
# one address, optionally with a display name: "desk@example.com" or "一号院客服 <desk@example.com>"
ADDRESS = re.compile(r"^(?:[^<>]*<)?[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+>?$")


class DeliveryError(ValueError):
    """`[delivery]` cannot be used; the message names the key."""


@dataclass(frozen=True)
class Smtp:
    host: str | None = None  # None: only --dry-run can deliver
    port: int | None = None  # None: 465 for ssl, else 587 (starttls) or 25 (none)
    security: str = "starttls"
    user: str | None = None
    password_env: str | None = None
    password_block: str | None = None
    timeout_seconds: float = 30
    attempts: int = 3
    backoff_seconds: float = 5  # doubled after each failed attempt

    @property
    def port_or_default(self) -> int:
        return self.port or {"ssl": 465, "starttls": 587}.get(self.security, 25)


@dataclass(frozen=True)
class Recipient:
    """One entry of head_office, regions.<区域> or sites.<项目编号>: the people and what they get."""

    scope: str  # head_office | region | site
    key: str  # the region's name or the site's id; "" for head office
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    monthly: bool = True  # a summary of its own sites' month
    company_report: bool = False  # the whole company's report.html / report.pdf too
    worklist: bool = True  # its sites' worklist after each nightly run

    @property
    def label(self) -> str:
        """How deliveries and .eml names refer to it: head_office, region:华东, site:S001."""
        return self.scope if self.scope == "head_office" else f"{self.scope}:{self.key}"


@dataclass(frozen=True)
class Delivery:
    sender: str
    smtp: Smtp = field(default_factory=Smtp)
    enabled: bool = False  # the scheduled flows send only when true; `kpi send` always may
    report_html: str = "attach"  # body | attach: report.html as the mail's body or as a file
    report_pdf: bool = True
    worklist_html: str = "body"  # body | attach: worklist.html as the mail's body (read on a phone) or a file
    recipients: tuple[Recipient, ...] = ()

    def public(self) -> dict[str, Any]:
        """What a run records: everything but where the password comes from is harmless, and even
        that is only a name."""
        return {
            "sender": self.sender, "enabled": self.enabled, "report_html": self.report_html,
            "report_pdf": self.report_pdf, "worklist_html": self.worklist_html,
            "smtp": {k: v for k, v in vars(self.smtp).items()},
            "recipients": [r.label for r in self.recipients],
        }


def _fail(source: str, key: str, problem: str) -> DeliveryError:
    return DeliveryError(f"{source} [delivery] {key}：{problem}")


def _typed(table: dict, key: str, kind: type | tuple, default, source: str, where: str, hint: str):
    value = table.get(key, default)
    # bool is an int to Python; a port of `true` is a mistake worth naming
    if value is not default and (not isinstance(value, kind) or (kind is not bool and isinstance(value, bool))):
        raise _fail(source, f"{where}{key}", f"{hint}，而不是 {value!r}")
    return value


def _addresses(table: dict, key: str, source: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise _fail(source, f"{where}{key}", f"应为邮件地址的列表，如 {key} = [\"desk@example.com\"]")
    for address in value:
        if not isinstance(address, str) or not ADDRESS.match(address.strip()):
            raise _fail(source, f"{where}{key}", f"{address!r} 不是邮件地址")
    return tuple(a.strip() for a in value)


def _unknown(table: dict, known: set[str], source: str, where: str) -> None:
    for key in table:
        if key not in known:
            raise _fail(source, f"{where}{key}", f"没有这一项（可用：{'、'.join(sorted(known))}）")


RECIPIENT_KEYS = {"to", "cc", "monthly", "company_report", "worklist"}


def _recipient(table: Any, scope: str, key: str, where: str, source: str) -> Recipient:
    if not isinstance(table, dict):
        raise _fail(source, where.rstrip("."), "应为一个表，含 to、cc 等项")
    _unknown(table, RECIPIENT_KEYS, source, where)
    to = _addresses(table, "to", source, where)
    if not to:
        raise _fail(source, f"{where}to", "至少要有一个收件人")
    # head office reads the whole company: its mail is the company report
    head_office = scope == "head_office"
    flag = {name: _typed(table, name, bool, default, source, where, "应为 true 或 false")
            for name, default in (("monthly", True), ("company_report", head_office), ("worklist", not head_office))}
    return Recipient(scope, key, to, _addresses(table, "cc", source, where), **flag)


def _smtp(table: Any, source: str) -> Smtp:
    if not isinstance(table, dict):
        raise _fail(source, "smtp", "应为一个表")
    where = "smtp."
    _unknown(table, {"host", "port", "security", "user", "password", "password_env", "password_block",
                     "timeout_seconds", "attempts", "backoff_seconds"}, source, where)
    if "password" in table:
        raise _fail(source, "smtp.password", "密码不能写在配置文件里；请用 password_env = \"KPI_SMTP_PASSWORD\" "
                    "指定存放密码的环境变量，或用 password_block 指定 Prefect Secret 块")
    security = _typed(table, "security", str, "starttls", source, where, "应为 starttls、ssl 或 none")
    if security not in SECURITY:
        raise _fail(source, "smtp.security", f"应为 starttls、ssl 或 none，而不是 {security!r}")
    port = _typed(table, "port", int, None, source, where, "应为端口号（整数），如 587")
    if port is not None and not 0 < port < 65536:
        raise _fail(source, "smtp.port", f"端口号应在 1–65535 之间，而不是 {port}")
    text = {name: _typed(table, name, str, None, source, where, "应为文字") or None
            for name in ("host", "user", "password_env", "password_block")}
    if text["password_env"] and text["password_block"]:
        raise _fail(source, "smtp.password_env", "password_env 与 password_block 只能选一个")
    if text["user"] and not (text["password_env"] or text["password_block"]):
        raise _fail(source, "smtp.user", "有 user 就要有密码的来处：password_env 或 password_block")
    attempts = _typed(table, "attempts", int, 3, source, where, "应为整数（至少 1）")
    if attempts < 1:
        raise _fail(source, "smtp.attempts", f"至少 1 次，而不是 {attempts}")
    numbers = {name: float(_typed(table, name, (int, float), default, source, where, "应为秒数"))
               for name, default in (("timeout_seconds", 30), ("backoff_seconds", 5))}
    if numbers["timeout_seconds"] <= 0 or numbers["backoff_seconds"] < 0:
        raise _fail(source, "smtp.timeout_seconds", "秒数不能为负，超时须大于 0")
    return Smtp(port=port, security=security, attempts=attempts, **text, **numbers)


def parse(section: Any, source: str) -> Delivery | None:
    """The `[delivery]` table merged from the config files; None when there is none (nothing is
    sent). DeliveryError names the first key that cannot be used."""
    if not section:
        return None
    if not isinstance(section, dict):
        raise _fail(source, "", "应为一个表")
    _unknown(section, {"sender", "enabled", "report_html", "report_pdf", "worklist_html", "smtp", "head_office",
                       "regions", "sites"}, source, "")
    sender = _typed(section, "sender", str, "", source, "", "应为发件人地址")
    if not ADDRESS.match(sender.strip()):
        raise _fail(source, "sender", f"应为发件人地址，如 sender = \"客服KPI <kpi@example.com>\"，而不是 {sender!r}")
    html = {key: _typed(section, key, str, default, source, "", "应为 body 或 attach")
            for key, default in (("report_html", "attach"), ("worklist_html", "body"))}
    for key, mode in html.items():
        if mode not in HTML_MODES:
            raise _fail(source, key, f"应为 body（作为正文）或 attach（作为附件），而不是 {mode!r}")
    recipients = []
    if "head_office" in section:
        recipients.append(_recipient(section["head_office"], "head_office", "", "head_office.", source))
    for scope, name in (("region", "regions"), ("site", "sites")):
        entries = section.get(name, {})
        if not isinstance(entries, dict):
            raise _fail(source, name, f"应写成 [delivery.{name}.<名称>] 的表")
        recipients += [_recipient(table, scope, key, f"{name}.{key}.", source) for key, table in entries.items()]
    return Delivery(
        sender=sender.strip(),
        smtp=_smtp(section.get("smtp", {}), source),
        enabled=_typed(section, "enabled", bool, False, source, "", "应为 true 或 false"),
        **html,
        report_pdf=_typed(section, "report_pdf", bool, True, source, "", "应为 true 或 false"),
        recipients=tuple(recipients),
    )
