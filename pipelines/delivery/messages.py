"""The mails, built with the standard library's `email` package.

Policy SMTP, not SMTPUTF8: a Chinese subject is encoded as RFC 2047 words and a Chinese file
name as an RFC 2231 parameter, so the message crosses any relay, including ones that do not
announce SMTPUTF8 (most company relays). Every mail is an HTML body with a plain-text
alternative (phone mail apps and archivers read the text), and its files attached.
"""

from __future__ import annotations

import datetime as dt
import html
import mimetypes
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from pipelines.delivery.config import Recipient

# mimetypes knows no .xlsx on a bare Debian; a desk's phone opens it only with the right type
KNOWN_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               ".html": "text/html", ".pdf": "application/pdf"}


@dataclass(frozen=True)
class Attachment:
    path: Path
    name: str  # as the reader sees it: 客服KPI月报-2026-11.pdf

    @property
    def content_type(self) -> tuple[str, str]:
        found = KNOWN_TYPES.get(self.path.suffix.lower()) or mimetypes.guess_type(self.path.name)[0]
        maintype, _, subtype = (found or "application/octet-stream").partition("/")
        return maintype, subtype


@dataclass(frozen=True)
class Content:
    """What one recipient's mail says, before it is a MIME message."""

    subject: str
    text: str  # the plain-text alternative
    html: str  # the HTML body
    attachments: tuple[Attachment, ...] = ()


def compose(sender: str, recipient: Recipient, content: Content, sent: dt.datetime) -> EmailMessage:
    """`sent`: an aware time, so the Date header says +0800 whatever the host's zone."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = ", ".join(recipient.to)
    if recipient.cc:
        message["Cc"] = ", ".join(recipient.cc)
    message["Subject"] = content.subject
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(content.text)
    message.add_alternative(content.html, subtype="html")
    for attachment in content.attachments:
        maintype, subtype = attachment.content_type
        message.add_attachment(attachment.path.read_bytes(), maintype=maintype, subtype=subtype,
                               filename=attachment.name)
    return message


def page(title: str, paragraphs: list[str], table: tuple[list[str], list[list[str]]] | None = None) -> str:
    """A small HTML body that reads on a phone: a title, a few lines, at most one table. Every
    value is escaped (site names and metric names come from the data)."""
    parts = [f"<h2 style=\"font-size:18px\">{html.escape(title)}</h2>"]
    parts += [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    if table:
        headers, rows = table
        cell = "style=\"border:1px solid #ccc;padding:4px\""
        head = "".join(f"<th {cell}>{html.escape(h)}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td {cell}>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows)
        parts.append(f"<table style=\"border-collapse:collapse;max-width:100%\"><tr>{head}</tr>{body}</table>")
    return ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width\"></head><body>" + "".join(parts) + "</body></html>")


def text(title: str, paragraphs: list[str], table: tuple[list[str], list[list[str]]] | None = None) -> str:
    """The same as plain text: a table becomes one line per row."""
    lines = [title, "", *paragraphs]
    if table:
        headers, rows = table
        lines += ["", " | ".join(headers), *(" | ".join(row) for row in rows)]
    return "\n".join(lines) + "\n"


def content(subject: str, paragraphs: list[str], table=None, attachments: tuple[Attachment, ...] = (),
            body_html: str | None = None) -> Content:
    """One mail's content: the summary as text and as HTML, or a page of its own (the report or
    the worklist in the body) as the HTML with the summary as its text alternative."""
    return Content(subject, text(subject, paragraphs, table), body_html or page(subject, paragraphs, table),
                   attachments)
