"""Sending through the configured SMTP server, with a few attempts and a growing pause.

A failed attempt (refused, timed out, connection reset) is tried again; after the last one the
send raises SendFailed with the reason, which the caller records. The password is read when
sending, from the environment variable or Prefect Secret block the config names, and is never
part of a message, a record or a log line: every reason is scrubbed of it.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage

from pipelines.delivery.config import Smtp


class SendFailed(Exception):
    def __init__(self, reason: str, attempts: int):
        super().__init__(reason)
        self.attempts = attempts


@dataclass(frozen=True)
class Sent:
    attempts: int
    refused: tuple[str, ...] = ()  # addresses the server refused while taking the others


def password(smtp: Smtp) -> str | None:
    """The password from where the config says it is; SendFailed when it is not there."""
    if smtp.password_env:
        found = os.environ.get(smtp.password_env)
        if not found:
            raise SendFailed(f"环境变量 {smtp.password_env} 未设置：没有 SMTP 密码", 0)
        return found
    if smtp.password_block:
        from prefect.blocks.system import Secret  # only a config that names a block needs Prefect here

        try:
            return Secret.load(smtp.password_block).get()
        except Exception as exc:  # a missing block or no Prefect API: one reason, recorded
            raise SendFailed(f"无法读取 Prefect Secret 块 {smtp.password_block}：{type(exc).__name__}", 0) from None
    return None


def _once(smtp: Smtp, secret: str | None, message: EmailMessage) -> dict:
    if smtp.host is None:
        raise SendFailed("未配置 [delivery.smtp] host：只能 --dry-run", 0)
    connect = smtplib.SMTP_SSL if smtp.security == "ssl" else smtplib.SMTP
    extra = {"context": ssl.create_default_context()} if smtp.security == "ssl" else {}
    with connect(smtp.host, smtp.port_or_default, timeout=smtp.timeout_seconds, **extra) as server:
        if smtp.security == "starttls":
            server.starttls(context=ssl.create_default_context())
        if smtp.user:
            server.login(smtp.user, secret or "")
        return server.send_message(message)


def send(smtp: Smtp, secret: str | None, message: EmailMessage, sleep=time.sleep) -> Sent:
    """Send one message: up to `attempts` tries, pausing backoff, 2 × backoff, … between them."""
    reason = ""
    for attempt in range(1, smtp.attempts + 1):
        try:
            refused = _once(smtp, secret, message)
            return Sent(attempt, tuple(refused))
        except SendFailed:
            raise
        except (smtplib.SMTPException, OSError) as exc:
            reason = scrub(f"{type(exc).__name__}: {exc}", secret)
        except UnicodeEncodeError:  # smtplib's AUTH sends ASCII only: trying again cannot help
            raise SendFailed("SMTP 的用户名或密码含非 ASCII 字符，smtplib 无法登录", attempt) from None
        if attempt < smtp.attempts:
            sleep(smtp.backoff_seconds * 2 ** (attempt - 1))
    raise SendFailed(reason, smtp.attempts)


def scrub(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text
