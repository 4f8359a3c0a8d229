"""Who gets what: the month's mail after the monthly run, the worklist after the nightly run.

Each recipient's mail holds only its own sites: a site's people their site, a region's people the
sites of that region (as the sites table names it), head office the company. The company report
goes to head office, and to a site or region only where `company_report = true` says so.

Every mail tried is a row in `deliveries` (sent, failed after its attempts, written as .eml by a
dry run, or skipped with the reason): a failure is recorded and reported, never raised, so the
computation it follows stands and its outputs stay where they are.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from pipelines import periods
from pipelines.atomic import atomically
from pipelines.delivery import messages, smtp
from pipelines.delivery.config import Delivery, Recipient
from pipelines.delivery.messages import Attachment, Content
from pipelines.metrics.catalogue import definition
from pipelines.report.formatting import target as shown_target
from pipelines.report.formatting import value as shown_value
from pipelines.report.formatting import verdict
from pipelines.settings import Settings

DELIVERIES = """
create table if not exists deliveries (
    run_id varchar not null,       -- the sending run (runs.command = 'send')
    kind varchar not null,         -- monthly | worklist
    period varchar not null,       -- the month (YYYY-MM) or the worklist's date (YYYY-MM-DD)
    report_run_id varchar,         -- monthly: the run whose results went out
    recipient varchar not null,    -- head_office | region:<区域> | site:<项目编号>
    "to" varchar[],
    cc varchar[],
    sites varchar[],               -- the sites the mail covers
    subject varchar,
    attachments varchar[],         -- file names as the reader sees them
    attempts integer,
    outcome varchar not null,      -- sent | partial | failed | dry_run | skipped
    error varchar,
    eml varchar,                   -- a dry run's .eml file
    sent_at timestamp not null     -- when it was tried, Asia/Shanghai
);
"""


@dataclass(frozen=True)
class Site:
    site_id: str
    name: str
    region: str | None


@dataclass(frozen=True)
class Planned:
    recipient: Recipient
    sites: tuple[Site, ...]
    content: Content | None  # None: nothing to send, for `skipped`
    reason: str = ""


@dataclass(frozen=True)
class Delivered:
    recipient: str
    subject: str
    attachments: tuple[str, ...]
    outcome: str
    attempts: int = 0
    error: str = ""
    eml: Path | None = None


def worklist_files(conn, settings: Settings, date: str, as_of: dt.datetime, recipient: Recipient,
                   site_ids: list[str]) -> list[Path]:
    """The worklist of the recipient's own sites at as-of, written for it (OUT/daily/<date>/
    worklist-<recipient>.html and .xlsx; head office: the whole worklist.*): a site's desk reads
    its own items only, a region's people their region's."""
    from pipelines import jobs  # the worklist job; the mail modules load only when a run sends

    mine = None if recipient.scope == "head_office" else tuple(site_ids)
    stem = "worklist" if mine is None else f"worklist-{_slug(recipient.label)}"
    return jobs.write_worklist(conn, settings, dt.date.fromisoformat(date), as_of, sites=mine, stem=stem).paths


def sites_of(recipient: Recipient, sites: list[Site]) -> tuple[Site, ...]:
    if recipient.scope == "head_office":
        return tuple(sites)
    if recipient.scope == "region":
        return tuple(s for s in sites if s.region == recipient.key)
    return tuple(s for s in sites if s.site_id == recipient.key)


def scope_name(recipient: Recipient, own: tuple[Site, ...]) -> str:
    if recipient.scope == "head_office":
        return "全公司"
    if recipient.scope == "region":
        return f"{recipient.key}区域"
    return f"{own[0].site_id} {own[0].name}" if own else recipient.key


def _plan(delivery: Delivery, wants: Callable[[Recipient], bool], sites: list[Site],
          build: Callable[[Recipient, tuple[Site, ...]], Planned]) -> list[Planned]:
    planned = []
    for recipient in delivery.recipients:
        if not wants(recipient):
            continue
        own = sites_of(recipient, sites)
        planned.append(build(recipient, own) if own else
                       Planned(recipient, own, None, f"{recipient.label}：数据中没有属于它的项目"))
    return planned


NAMES_SHOWN = 10  # head office's mail at group scale names a few sites, not a thousand


def _names(own: tuple[Site, ...]) -> str:
    shown = "、".join(s.name for s in own[:NAMES_SHOWN])
    return shown + (f" 等 {len(own)} 个项目" if len(own) > NAMES_SHOWN else "")


def _title(settings: Settings) -> str:
    return settings.company or ""


def _metric_name(metric: str) -> str:
    family = definition(metric)
    return family.zh + (f" · {metric.removeprefix(family.prefix)}" if family.is_template else "")


def plan_month(conn, settings: Settings, month: str, report_run_id: str) -> list[Planned]:
    """The month's mail for each recipient that gets one: its sites' metrics that missed target
    (head office: the company-wide ones), and the company report where it is due."""
    delivery = settings.delivery
    sites = [Site(*row) for row in conn.execute(
        "select site_id, site_name, region from run_sites where run_id = ? order by site_id", [report_run_id]
    ).fetchall()]
    as_of = conn.execute("select as_of from runs where run_id = ?", [report_run_id]).fetchone()[0]
    folder = settings.out_dir / month
    wanted = [".pdf"] if delivery.report_pdf else []
    wanted += [".html"] if delivery.report_html == "attach" else []
    report = [Attachment(folder / f"report{suffix}", f"{_title(settings)}客服KPI月报-{month}{suffix}")
              for suffix in wanted if (folder / f"report{suffix}").is_file()]
    report_page = folder / "report.html"

    def build(recipient: Recipient, own: tuple[Site, ...]) -> Planned:
        company = recipient.scope == "head_office"
        rows = conn.execute(
            """select metric, site_id, period, value, target, meets_target, unit, flags from metrics
               where run_id = ? and (case when ? then site_id is null else list_contains(?, site_id) end)
               order by site_id nulls first, metric, period""",
            [report_run_id, company, [s.site_id for s in own]],
        ).fetchall()
        judged = [(row, verdict(row[5], row[4], row[3], row[7])) for row in rows]
        missed = [row for row, said in judged if said in ("miss", "sofar")]
        met = sum(said == "met" for _, said in judged)
        scope = scope_name(recipient, own)
        subject = f"{_title(settings)}客服KPI月报 {month}｜{scope}"
        lines = [f"{month} 月度指标（运行 {report_run_id}，数据截至 {as_of:%Y-%m-%d %H:%M}）。",
                 f"范围：{scope}（{len(own)} 个项目：{_names(own)}）。",
                 f"{met} 项达标，{len(missed)} 项未达标" + ("，见下表。" if missed else "。")]
        attached = tuple(report) if recipient.company_report else ()
        if attached:
            lines.append("附件：全公司月报（" + "、".join(a.name for a in attached) + "）。")
        table = (["指标", "项目", "周期", "值", "目标"],
                 [[_metric_name(m), site or "全公司", period, shown_value(v, unit, "无数据"), shown_target(t, unit)]
                  for m, site, period, v, t, _meets, unit, _flags in missed])
        body = (report_page.read_text(encoding="utf-8")
                if recipient.company_report and delivery.report_html == "body" and report_page.is_file() else None)
        return Planned(recipient, own, messages.content(subject, lines, table if missed else None, attached, body))

    return _plan(delivery, lambda r: r.monthly, sites, build)


def plan_worklists(conn, settings: Settings, date: str, as_of: dt.datetime) -> list[Planned]:
    """The day's worklist at as-of for each recipient that gets one, of its own sites only
    (`worklist_files`); with no files, it is skipped and the reason recorded."""
    delivery = settings.delivery
    sites = [Site(*row) for row in conn.execute(
        "select site_id, coalesce(site_name, site_id), region from sites order by site_id").fetchall()]

    def build(recipient: Recipient, own: tuple[Site, ...]) -> Planned:
        files = worklist_files(conn, settings, date, as_of, recipient, [s.site_id for s in own])
        if not files:
            return Planned(recipient, own, None, f"没有 {date} 的工作清单文件")
        scope = scope_name(recipient, own)
        subject = f"{_title(settings)}客服工作清单 {date}｜{scope}"
        named = tuple(Attachment(f, f"工作清单-{date}" + ("" if f.stem == "worklist" else f"-{f.stem}") + f.suffix)
                      for f in files)
        page = next((f for f in files if f.suffix == ".html"), None)
        in_body = page if delivery.worklist_html == "body" else None
        lines = [f"{date} 的待办工作清单：{scope}（{_names(own)}）。",
                 "附件：" + "、".join(a.name for a in named) + "。"]
        body = in_body.read_text(encoding="utf-8") if in_body else None
        return Planned(recipient, own, messages.content(subject, lines, None, named, body))

    return _plan(delivery, lambda r: r.worklist, sites, build)


def _slug(label: str) -> str:
    """A recipient's label as a file name: site:S001 -> site-S001."""
    return re.sub(r"[^\w.-]+", "-", label)


def deliver(conn, settings: Settings, kind: str, period: str, run_id: str, planned: list[Planned],
            dry_run: bool, report_run_id: str | None = None) -> list[Delivered]:
    """Send (or, dry, write as .eml under the period's outbox/) each planned mail, recording each."""
    delivery = settings.delivery
    outbox = settings.out_dir / (period if kind == "monthly" else f"daily/{period}") / "outbox"
    secret, no_secret = None, ""
    if not dry_run and any(p.content for p in planned):
        try:
            secret = smtp.password(delivery.smtp)
        except smtp.SendFailed as exc:  # every mail fails for the same reason: each is recorded
            no_secret = str(exc)
    conn.execute(DELIVERIES)
    done = []
    for number, item in enumerate(planned, 1):
        delivered = _one(delivery, item, number, outbox, dry_run, secret, no_secret,
                         ZoneInfo(settings.rules["timezone"]))
        conn.execute(
            "insert into deliveries values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, kind, period, report_run_id, delivered.recipient, list(item.recipient.to),
             list(item.recipient.cc), [s.site_id for s in item.sites], delivered.subject,
             list(delivered.attachments), delivered.attempts, delivered.outcome, delivered.error,
             str(delivered.eml) if delivered.eml else None, periods.now()],
        )
        done.append(delivered)
    return done


def _one(delivery: Delivery, item: Planned, number: int, outbox: Path, dry_run: bool, secret: str | None,
         no_secret: str, zone: ZoneInfo) -> Delivered:
    label = item.recipient.label
    if item.content is None:
        return Delivered(label, "", (), "skipped", error=item.reason)
    names = tuple(a.name for a in item.content.attachments)
    message = messages.compose(delivery.sender, item.recipient, item.content, dt.datetime.now(zone))
    said = {"recipient": label, "subject": item.content.subject, "attachments": names}
    if dry_run:
        eml = atomically(outbox / f"{number:02d}-{_slug(label)}.eml", lambda p: p.write_bytes(message.as_bytes()))
        return Delivered(**said, outcome="dry_run", eml=eml)
    if no_secret:
        return Delivered(**said, outcome="failed", error=no_secret)
    try:
        sent = smtp.send(delivery.smtp, secret, message)
    except smtp.SendFailed as exc:
        return Delivered(**said, outcome="failed", attempts=exc.attempts, error=str(exc))
    if sent.refused:
        return Delivered(**said, outcome="partial", attempts=sent.attempts,
                         error="服务器拒收：" + "、".join(sent.refused))
    return Delivered(**said, outcome="sent", attempts=sent.attempts)


def listing(conn, limit: int, period: str | None = None) -> list[tuple]:
    """The latest deliveries (of one month or day, when given), newest first; none before the
    first send (no table yet)."""
    exists = conn.execute("select count(*) from information_schema.tables where table_name = 'deliveries'").fetchone()
    if not exists[0]:
        return []
    return conn.execute(
        """select sent_at, kind, period, recipient, array_to_string("to", ', '), subject,
                  array_to_string(attachments, '、'), outcome, attempts, coalesce(error, '')
           from deliveries where ? is null or period = ?
           order by sent_at desc, recipient limit ?""", [period, period, limit]).fetchall()
