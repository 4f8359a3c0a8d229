"""The jobs the CLI and the Prefect flows run: ingest, compute a month, export, and the
read-only ones (view a month, write a report again, check an export).

They take the one Settings object their caller built. A job that writes opens the warehouse
once under the writer lock, records itself in `runs` (with the settings it used), and marks
the run failed with its reason if anything stops it; a job that reads opens it read-only and
never takes the lock.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from pipelines import metrics, periods, progress, run_view, warehouse
from pipelines.atomic import write_atomically
from pipelines.ingest import FileReport, ingest, known_ids, unknown_folders
from pipelines.ingest.check import Checked, check_file
from pipelines.ingest.headers import HeaderMatcher
from pipelines.freshness import Freshness
from pipelines.freshness import check as check_freshness
from pipelines.freshness import months_with_data
from pipelines.lock import writer_lock
from pipelines.periods import trailing_months
from pipelines.report import latest_run, render_report
from pipelines.report.data import TREND_MONTHS
from pipelines.settings import Settings
from schemas.declarations import datasets

CONTRACT_FIELDS = ["metric", "site_id", "period", "value", "numerator", "denominator", "target",
                   "meets_target", "unit"]


@dataclass
class RunResult:
    run_id: str
    month: str | None = None
    as_of: dt.datetime | None = None
    files: list[FileReport] = field(default_factory=list)
    metric_rows: int = 0
    outputs: list[Path] = field(default_factory=list)
    freshness: list[Freshness] = field(default_factory=list)


def now_local(settings: Settings) -> dt.datetime:
    """As-of defaults to now, in the handbooks' time zone, without a zone (as stored)."""
    return periods.now(settings.rules["timezone"]).replace(microsecond=0)


def parse_as_of(text: str | None, settings: Settings) -> dt.datetime:
    """`2026-11-01T06:00` (local) or with an offset (converted to local); None means now."""
    if text is None:
        return now_local(settings)
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(settings.rules["timezone"])).replace(tzinfo=None)
    return value


CURRENT = "current"  # --month current: the month of as-of, to date


def choose_month(conn: duckdb.DuckDBPyConnection, month: str | None, as_of: dt.datetime) -> str:
    """The month a run reports. Named: that one (`current`: the month as-of falls in, to date).
    Not named: the latest month that has ended at as-of and has data; with none, the current one."""
    running = periods.month_of(as_of)
    if month == CURRENT:
        return running
    if month:
        return month
    ended = [m for m in months_with_data(conn, as_of) if m < running]
    return ended[-1] if ended else running


def freshness(conn: duckdb.DuckDBPyConnection, settings: Settings, as_of: dt.datetime) -> list[Freshness]:
    """The dated datasets' freshness at as-of: exports that stopped arriving show here."""
    return [f for f in check_freshness(conn, settings.rules, as_of) if f.stale_after_days is not None]


@contextmanager
def recorded_run(
    settings: Settings, command: str, as_of: dt.datetime | None = None, wait_seconds: float = 0
) -> Iterator:
    """Hold the writer lock, open the warehouse and record the run from start to outcome."""
    with writer_lock(settings.warehouse, wait_seconds):
        conn = warehouse.connect_when_free(settings.warehouse, wait_seconds)
        try:
            warehouse.mark_interrupted_runs(conn)
            with run_record(conn, settings, command, as_of) as run_id:
                yield conn, run_id
        finally:
            conn.close()


@contextmanager
def run_record(conn, settings: Settings, command: str, as_of: dt.datetime | None,
               note: str = "") -> Iterator[str]:
    """A run in `runs` from start to outcome, on an open connection. Every run keeps what it
    stored (metrics, evidence, what it saw), so `kpi report --run <id>` renders it again."""
    run_id = warehouse.start_run(conn, command, settings.record(), as_of)
    try:
        yield run_id
    except BaseException as exc:
        warehouse.finish_run(conn, run_id, "failed", f"{type(exc).__name__}: {exc}")
        raise
    warehouse.finish_run(conn, run_id, "completed", note)


@contextmanager
def writer(settings: Settings, wait_seconds: float = 0) -> Iterator:
    """The writer lock and a free warehouse file, before anything slow starts (a flow, Prefect's
    server): a second run hears at once that it cannot write. The flow inside takes the same lock."""
    with writer_lock(settings.warehouse, wait_seconds, hand_over=True):
        warehouse.connect_when_free(settings.warehouse, wait_seconds).close()
        yield


@contextmanager
def reading(settings: Settings, wait_seconds: float = 0) -> Iterator:
    """A read-only connection (waiting, like a writer, while another program holds the file)."""
    conn = warehouse.connect_when_free(settings.warehouse, wait_seconds, read_only=True)
    try:
        yield conn
    finally:
        conn.close()


def view_month(conn, settings: Settings, month: str, as_of: dt.datetime, site: str | None) -> list[tuple]:
    """The month's metric rows of one site (None: company-wide), computed and not stored."""
    progress.current().stage(f"计算指标 metrics {month}")
    metrics.compute_rows(conn, month, as_of, settings.rules)
    return conn.execute(
        """select metric, site_id, period, value, numerator, denominator, target, meets_target, unit, pending, flags
           from run_metrics where site_id is not distinct from ? order by metric, period""",
        [site],
    ).fetchall()


class RawFolderMissing(Exception):
    """The raw folder is not there: most likely a wrong --raw or [paths] raw; nothing is run."""

    heading = "找不到导出文件夹"

    def __init__(self, raw_dir: Path):
        self.detail = f"{raw_dir}（可先运行 kpi demo-data 生成演示数据）"
        super().__init__(f"{self.heading} {self.detail}")


def check_raw(settings: Settings) -> list[str]:
    """Before a run that ingests (`kpi ingest`, `kpi run`, the scheduled flows): RawFolderMissing
    when the raw folder is not there; else a warning for each folder in it that names no dataset,
    most likely a typo the user wants to hear about (its files are reported, not loaded)."""
    if not settings.raw_dir.is_dir():
        raise RawFolderMissing(settings.raw_dir)
    return [f"文件夹 {name}/ 不是已知数据集，已跳过（已知：{', '.join(datasets())}）"
            for name in unknown_folders(settings.raw_dir)]


def ingest_run(settings: Settings, wait_seconds: float = 0) -> list[FileReport]:
    """`kpi ingest`: every new or changed export into the warehouse, as a run of its own."""
    with recorded_run(settings, "ingest", wait_seconds=wait_seconds) as (conn, run_id):
        return ingest_exports(conn, settings, run_id)


def view(settings: Settings, month: str | None, as_of: dt.datetime, site: str | None,
         wait_seconds: float = 0) -> tuple[str, list[tuple]]:
    """`kpi metrics`: the month chosen (see choose_month) and its metric rows of one site (None:
    company-wide), computed on a read-only connection: no writer lock, no run, nothing stored."""
    with reading(settings, wait_seconds) as conn:
        month = choose_month(conn, month, as_of)
        return month, view_month(conn, settings, month, as_of, site)


class NoStandingRun(LookupError):
    """No completed run has stored metrics for the month: there is no report to write again."""


def render(settings: Settings, month: str, run_id: str | None, lang: str = "zh",
           wait_seconds: float = 0) -> list[Path]:
    """`kpi report`: OUT/YYYY-MM/'s report and evidence written again from a stored run (None: the
    month's standing run), reading the warehouse only: no writer lock, nothing written to it."""
    with reading(settings, wait_seconds) as conn:
        run_id = run_id or latest_run(conn, month)
        if run_id is None:
            raise NoStandingRun(month)
        return render_report(conn, run_id, month, settings.out_dir / month, lang=lang, company=settings.company)


def check_export(settings: Settings, path: Path, dataset: str | None, sheet: str | None, rows: int) -> Checked:
    """`kpi check`: how one export would be read, with the user's header names and sheets; the
    ids it references checked against the warehouse when there is one. Nothing is written."""
    sheet = sheet or settings.sheets.get(dataset or path.parent.name)
    matcher = HeaderMatcher(datasets(), settings.headers)
    return check_file(path, matcher, dataset, sheet, known_ids_if_any(settings), rows)


def known_ids_if_any(settings: Settings) -> dict[str, set[str]] | None:
    """Site and campaign ids loaded so far, for a dry run; None when there is no warehouse yet."""
    if not settings.warehouse.exists():
        return None
    with reading(settings) as conn:
        return known_ids(conn)


def worklist_as_of(settings: Settings, day: dt.date | None, as_of: dt.datetime | None) -> tuple[dt.date, dt.datetime]:
    """`kpi worklist`'s day and as-of: --as-of if given (now if neither is), else D 00:00 for
    --date D (the list as the desk finds it when the day begins); the day is as-of's unless named."""
    when = as_of or (dt.datetime.combine(day, dt.time()) if day else now_local(settings))
    return day or when.date(), when


@dataclass
class WorklistWritten:
    paths: list[Path]
    per_site: list[dict]  # site, its items, due today, overdue (pipelines.worklist.per_site)


def write_worklist(conn, settings: Settings, day: dt.date, as_of: dt.datetime, site: str | None = None,
                   region: str | None = None, sites: tuple[str, ...] | None = None,
                   stem: str | None = None) -> WorklistWritten:
    """OUT/daily/YYYY-MM-DD/worklist.html and worklist.xlsx (worklist-<site or region>.* when
    narrowed; `sites` and `stem`: a recipient's own sites under a name of the caller's), each
    written whole or not at all."""
    from pipelines import worklist
    from pipelines.atomic import atomically
    from pipelines.worklist import page, workbook

    progress.current().stage(f"待办清单 worklist {day}")
    found = worklist.compute(conn, settings.rules, as_of, site=site, region=region, sites=sites,
                             show_contacts=settings.show_contacts)
    folder = settings.out_dir / "daily" / day.isoformat()
    stem = stem or "worklist" + "".join(f"-{part}" for part in (site, region) if part)
    paths = [write_atomically(folder / f"{stem}.html", page.render(found)),
             atomically(folder / f"{stem}.xlsx", lambda partial: workbook.write(found, partial))]
    return WorklistWritten(paths, worklist.per_site(found))


def worklist(settings: Settings, day: dt.date, as_of: dt.datetime, site: str | None = None,
             region: str | None = None, wait_seconds: float = 0) -> WorklistWritten:
    """`kpi worklist` and the nightly flow's last task: read-only, no writer lock, no run recorded."""
    with reading(settings, wait_seconds) as conn:
        return write_worklist(conn, settings, day, as_of, site, region)


def ingest_exports(conn, settings: Settings, run_id: str, on_file: Callable | None = None) -> list[FileReport]:
    matcher = HeaderMatcher(datasets(), settings.headers)
    watching = progress.current()
    return ingest(conn, settings.raw_dir, run_id, matcher, on_file or watching.file,
                  on_plan=lambda files: watching.stage("导入 ingest", files), sheets=settings.sheets)


def export_metrics_json(conn: duckdb.DuckDBPyConnection, run_id: str, path: Path) -> Path:
    """metrics.json in the contract's shape (§3): values not rounded; written whole or not at all.

    Beside the contract's fields, `in_progress`: the row's period had not ended at as-of (a
    month-to-date row, or a week still running, whose meets_target is then null)."""
    fields = [*CONTRACT_FIELDS, "in_progress"]
    rows = conn.execute(
        f"""select {", ".join(CONTRACT_FIELDS)}, list_contains(coalesce(flags, []), 'in_progress')
            from metrics where run_id = ? order by metric, site_id nulls first, period""",
        [run_id],
    ).fetchall()
    document = [{k: _json_number(v) for k, v in zip(fields, row)} for row in rows]
    write_atomically(path, json.dumps(document, ensure_ascii=False, indent=1))
    return path


def _json_number(value):
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
    return value


def compute_month(conn, settings: Settings, run_id: str, month: str, as_of: dt.datetime) -> int:
    progress.current().stage(f"计算指标 metrics {month}")
    rows = metrics.compute(conn, month, as_of, settings.rules, run_id)
    run_view.store(conn, run_id, month, as_of, settings.rules)
    return rows


def fill_trend(conn, settings: Settings, month: str, as_of: dt.datetime) -> list[str]:
    """The months before `month` in its trend that have data but no stored result, each computed
    now as a run of its own (command `trend`), so the report's 上月 / 环比 / 近 12 个月 come from
    the data, and later runs reuse the stored result. Returns the months computed."""
    earlier = trailing_months(month, TREND_MONTHS)[:-1]
    with_data = set(months_with_data(conn, as_of))
    computed = []
    for m in earlier:
        if m not in with_data or latest_run(conn, m) is not None:
            continue
        progress.current().stage(f"计算指标 metrics {m}（{month} 的趋势点）")
        with run_record(conn, settings, "trend", as_of, f"{m} 的趋势点（截至 {as_of:%Y-%m-%d %H:%M}）") as run_id:
            metrics.compute(conn, m, as_of, settings.rules, run_id)
        computed.append(m)
    return computed


def write_outputs(conn, settings: Settings, run_id: str, month: str, lang: str = "zh") -> list[Path]:
    """OUT/YYYY-MM/: metrics.json, report.html, report.pdf, evidence.xlsx, evidence.csv.

    All are made in a hidden folder beside it and moved in only when every one is written, so a
    failed run leaves the month's previous outputs as they were, never half of a new set."""
    final = settings.out_dir / month
    staging = settings.out_dir / f".{month}.partial"
    progress.current().stage(f"输出报告 outputs {month}")
    try:
        shutil.rmtree(staging, ignore_errors=True)
        made = [export_metrics_json(conn, run_id, staging / "metrics.json"),
                *render_report(conn, run_id, month, staging, lang=lang, company=settings.company)]
        final.mkdir(parents=True, exist_ok=True)
        return [path.replace(final / path.name) for path in made]
    except OSError as exc:  # say which output could not be written, not the hidden folder's name
        name = Path(exc.filename).name if exc.filename else ""
        raise OSError(exc.errno, exc.strerror, str(final / name if name != staging.name else final)) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class NoDelivery(LookupError):
    """kpi.toml has no [delivery]: nobody to send to."""


def send(settings: Settings, kind: str, period: str, dry_run: bool = False, wait_seconds: float = 0,
         as_of: dt.datetime | None = None) -> list:
    """`kpi send` and the flows' delivery task: the month's mail (kind `monthly`, period YYYY-MM,
    from its standing run) or the day's worklists (kind `worklist`, period YYYY-MM-DD) to each
    configured recipient, as a run of its own (command `send`) under the writer lock, each mail
    recorded in `deliveries`. A mail that fails is recorded, not raised."""
    from pipelines.delivery import deliver  # only a run that sends needs the mail modules

    if settings.delivery is None:
        raise NoDelivery("配置中没有 [delivery]：没有收件人")
    if kind == "monthly" and period == CURRENT:  # --month current: this month to date, as `kpi run` reads it
        period = periods.month_of(now_local(settings))
    with recorded_run(settings, "send", wait_seconds=wait_seconds) as (conn, run_id):
        if kind == "monthly":
            report_run = latest_run(conn, period)
            if report_run is None:
                raise NoStandingRun(period)
            planned = deliver.plan_month(conn, settings, period, report_run)
        else:
            when = as_of or _worklist_send_as_of(settings, dt.date.fromisoformat(period))
            report_run, planned = None, deliver.plan_worklists(conn, settings, period, when)
        return deliver.deliver(conn, settings, kind, period, run_id, planned, dry_run, report_run)


def _worklist_send_as_of(settings: Settings, day: dt.date) -> dt.datetime:
    """`kpi send --worklist D` by hand: today's as known now, another day's as the desk found it
    when that day began (as `kpi worklist --date D`)."""
    now = now_local(settings)
    return now if day == now.date() else worklist_as_of(settings, day, None)[1]


def deliveries(settings: Settings, limit: int = 50, period: str | None = None,
               wait_seconds: float = 0) -> list[tuple]:
    """`kpi deliveries`: the latest mails tried (of one month or day), newest first, read-only."""
    from pipelines.delivery import deliver

    with reading(settings, wait_seconds) as conn:
        return deliver.listing(conn, limit, period)
