"""The `kpi` command. It parses arguments, builds the settings once (defaults.toml < ./kpi.toml <
--config < flags), hands that Settings object to a job (pipelines/jobs.py, or the flow for
`kpi run`) and prints what comes back; it holds no logic of its own and never opens the warehouse.

    kpi demo-data            write realistic demo exports into data/raw/
    kpi ingest               load every new export into the warehouse
    kpi metrics              compute and print a month's KPIs against target
    kpi worklist             the service desk's open items with their deadlines, OUT/daily/YYYY-MM-DD/
    kpi run                  the monthly job: ingest, compute, write OUT/YYYY-MM/
    kpi report               write a month's report again from its latest run
    kpi check FILE           a dry run of one export: how it would be read, nothing written
    kpi send                 mail a month's report or a day's worklists ([delivery] in kpi.toml)
    kpi deliveries           what was mailed, to whom, and how it went
"""

from __future__ import annotations

import datetime as dt
import os
import re
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import duckdb

import typer
from rich.markup import escape
from pipelines import jobs, orphans, progress, terminal
from pipelines.lock import WarehouseBusy
from pipelines.settings import ConfigError, Settings, load_settings
from pipelines.terminal import console, err, print_metrics, print_reconciliation, print_run_summary, month_heading
from schemas.declarations import datasets

app = typer.Typer(
    help="物业客服 KPI：把导出的台账装进数据仓库，按手册计算指标。 "
    "Property customer-service KPIs from your exports, by the handbooks.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="配置文件 kpi.toml（表头映射、口径）。Your config file.")
]
RawOpt = Annotated[
    Path | None, typer.Option("--raw", help="导出文件所在文件夹，每个数据集一个子文件夹。 Default: data/raw")
]
WarehouseOpt = Annotated[
    Path | None, typer.Option("--warehouse", help="DuckDB 数据仓库文件。 Default: data/warehouse.duckdb")
]


@app.callback()
def _group() -> None:
    """物业客服 KPI — run `kpi COMMAND --help` for any command."""
    orphans.guard()  # before anything starts a process: a killed kpi leaves none behind


def _settings(config: Path | None, **flags) -> Settings:
    try:
        return load_settings(config, **flags)
    except ConfigError as exc:
        err.print(f"[red]配置错误[/red] {exc}")
        raise typer.Exit(2) from exc


MonthOpt = Annotated[
    str | None,
    typer.Option("--month", help="考核月 YYYY-MM；current = 本月至今（月中报告）；"
                 "默认：as-of 时已结束且有数据的最近一个月。"
                 " The month; current: month to date; default: the latest ended month with data."),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="按此时刻已知的数据计算，如 2026-11-01T06:00（默认：现在，上海时间）。"),
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="输出文件夹。 Default: out")]


class Lang(StrEnum):
    zh = "zh"
    en = "en"


LangOpt = Annotated[Lang, typer.Option("--lang", help="报告语言 zh 或 en。 Report language.")]
WaitOpt = Annotated[
    float, typer.Option("--wait", help="另一个运行正在写数据仓库时，最多等待的秒数（默认不等）。")
]


def _when(settings: Settings, month: str | None, as_of: str | None) -> tuple[str | None, dt.datetime]:
    """The --month as given (None: the run chooses, once the data is in) and the as-of time."""
    try:
        when = jobs.parse_as_of(as_of, settings)
        if month not in (None, jobs.CURRENT) and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
            raise ValueError(f"--month {month} 应为 YYYY-MM 或 current")
    except ValueError as exc:
        err.print(f"[red]时间参数无效[/red] {exc}（例：--month 2026-10 --as-of 2026-11-01T06:00）")
        raise typer.Exit(2) from exc
    return month, when


@contextmanager
def _one_line_failures():
    """An operator reading a log at 02:00 gets one line saying why, and a non-zero exit."""
    try:
        yield
    except WarehouseBusy as exc:
        err.print(f"[red]无法运行[/red] {exc}")
        terminal.hush_exit_noise()
        raise typer.Exit(75) from exc
    except OSError as exc:
        err.print(f"[red]运行失败[/red] 无法读写 {exc.filename or ''}：{exc.strerror or exc}")
        terminal.hush_exit_noise()
        raise typer.Exit(1) from exc
    except duckdb.Error as exc:
        err.print(f"[red]运行失败[/red] 数据仓库出错：{str(exc).splitlines()[0]}")
        terminal.hush_exit_noise()
        raise typer.Exit(1) from exc
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:  # anything else still ends in one line; the run records the whole story
        first = str(exc).splitlines()[0] if str(exc) else ""
        err.print(f"[red]运行失败[/red] {type(exc).__name__}: {first}")
        terminal.hush_exit_noise()
        raise typer.Exit(1) from exc


QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="不显示进度。 No progress display.")]
VerboseOpt = Annotated[
    bool, typer.Option("--verbose", "-v", help="同时显示 Prefect 的日志。 Show Prefect's own logs too.")
]


@contextmanager
def _watched(quiet: bool):
    """The run's stage and progress on stderr for the length of the block (see terminal.watching)."""
    with terminal.watching(quiet) as reporter, progress.reporting(reporter):
        yield


@app.command("ingest")
def ingest_command(
    config: ConfigOpt = None, raw: RawOpt = None, warehouse_file: WarehouseOpt = None, wait: WaitOpt = 0,
    quiet: QuietOpt = False,
):
    """导入新的导出文件：逐行检查，合格的入库，有问题的隔离并写明原因。
    Load every new or changed export under the raw folder into the warehouse.

    Each file is checked row by row: good rows load, bad rows go to quarantine
    with file, line, column and reason. A file that cannot be read at all is
    rejected whole. An unchanged file is skipped. Prints, per file: rows read =
    loaded + quarantined.

    Example:  kpi ingest --raw data/raw --warehouse data/warehouse.duckdb
    """
    settings = _settings(config, raw=raw, warehouse=warehouse_file)
    _check_raw(settings)
    with _one_line_failures(), _watched(quiet):
        reports = jobs.ingest_run(settings, wait)
    print_reconciliation(reports)


def _check_raw(settings: Settings) -> None:
    """The raw-folder check the scheduled flows make too (jobs.check_raw), here before anything
    starts (the lock, Prefect), said on the terminal: exit 2 without the folder."""
    try:
        warnings = jobs.check_raw(settings)
    except jobs.RawFolderMissing as exc:
        err.print(f"[red]{exc.heading}[/red] {exc.detail}")
        raise typer.Exit(2) from exc
    for warning in warnings:
        err.print(f"[yellow]注意[/yellow] {warning}")


def _need_warehouse(settings: Settings, first: str) -> None:
    """A viewing command on a warehouse not made yet: say which command makes it (exit 2)."""
    if not settings.warehouse.exists():
        err.print(f"[red]找不到数据仓库[/red] {settings.warehouse}（先运行 {first}）")
        raise typer.Exit(2)


@app.command("metrics")
def metrics_command(
    month: MonthOpt = None,
    site: Annotated[str | None, typer.Option("--site", help="只看这个项目编号。 One site only.")] = None,
    as_of: AsOfOpt = None,
    config: ConfigOpt = None,
    warehouse_file: WarehouseOpt = None,
    wait: WaitOpt = 0,
    quiet: QuietOpt = False,
):
    """计算本月各项指标并与目标对比。 Compute the month's handbook KPIs and print them against target.

    Without --site it prints the company-wide rows; with --site, that site's rows.
    Records whose deadline is still ahead of as-of are pending, not misses.

    Example:  kpi metrics --month 2026-10 --site S001
    """
    settings = _settings(config, warehouse=warehouse_file)
    month, when = _when(settings, month, as_of)
    _need_warehouse(settings, "kpi ingest 或 kpi run")
    # a viewing command: it reads the warehouse and writes nothing (no run, no evidence)
    with _one_line_failures(), _watched(quiet):
        month, rows = jobs.view(settings, month, when, site, wait)
    if not rows:
        err.print(f"没有 {site} 的指标：该项目不存在，或本月不适用。")
        raise typer.Exit(1)
    scope = "全公司 company-wide" if site is None else site
    print_metrics(rows, f"{month_heading(month, when)} {scope}（as-of {when:%Y-%m-%d %H:%M}）")


@app.command("check")
def check_command(
    file: Annotated[Path, typer.Argument(help="要试读的导出文件。 The export to try.", exists=True, dir_okay=False)],
    dataset: Annotated[str | None, typer.Option("--dataset", help="数据集（默认：按所在文件夹或表头判断）。")] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="工作表名（默认：第一个表头相符的）。")] = None,
    rows: Annotated[int, typer.Option("--rows", help="显示前几行。 Rows to show.")] = 5,
    config: ConfigOpt = None,
    warehouse_file: WarehouseOpt = None,
):
    """试读一个导出文件，什么也不写。 A dry run of one export, for setting up a new one.

    Prints the form and encoding found, the title lines skipped, the header row, how each
    header maps (and the nearest names for those that do not, with kpi.toml lines to paste),
    the required columns missing, the first rows as they would load, and the quarantine
    reasons the file would produce, counted. Exit 0 if the file would load, 1 if not.

    Example:  kpi check ~/下载/报修导出.xls --dataset repairs
    """
    settings = _settings(config, warehouse=warehouse_file)
    if dataset is not None and dataset not in datasets():
        err.print(f"[red]没有名为 {dataset} 的数据集[/red]；可用：{'、'.join(datasets())}")
        raise typer.Exit(2)
    with _one_line_failures():
        checked = jobs.check_export(settings, file, dataset, sheet, rows)
    terminal.print_check(checked)
    raise typer.Exit(0 if checked.would_load else 1)


@app.command("run")
def run_command(
    month: MonthOpt = None,
    as_of: AsOfOpt = None,
    config: ConfigOpt = None,
    raw: RawOpt = None,
    warehouse_file: WarehouseOpt = None,
    out: OutOpt = None,
    lang: LangOpt = Lang.zh,
    wait: WaitOpt = 0,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
):
    """月度作业：导入、检查、计算指标、出报告。 The monthly job, as a Prefect flow run.

    Ingests and validates every export, computes the KPIs and writes OUT/YYYY-MM/: metrics.json,
    report.html, report.pdf, evidence.xlsx and evidence.csv. No server to start: Prefect runs
    it locally.

    Exits 0 when the run completed, bad rows quarantined included; non-zero with a
    one-line reason when it could not run (75: another run holds the warehouse).

    Example:  kpi run --raw data/raw --warehouse data/warehouse.duckdb --month 2026-10 --out out
    """
    settings = _settings(config, raw=raw, warehouse=warehouse_file, out=out)
    _check_raw(settings)
    month, when = _when(settings, month, as_of)
    # the terminal gets our progress, reconciliation and, on failure, one line; Prefect's own logs
    # only when asked (--verbose, or the user's own PREFECT_LOGGING_LEVEL)
    if verbose:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "CRITICAL")
    with _one_line_failures(), jobs.writer(settings, wait), _watched(quiet):
        from pipelines.flows import kpi_run  # Prefect loads only once the warehouse is ours to write

        result = kpi_run(settings, month=month, as_of=when, lang=lang.value, wait_seconds=wait)
    print_reconciliation(result.files)
    for f in result.freshness:
        if f.stale:
            age = "没有任何记录" if f.newest is None else f"最新记录 {f.newest:%Y-%m-%d}，已 {f.days_old:.0f} 天未更新"
            err.print(f"[yellow]数据可能过时[/yellow] {f.title}（{f.dataset}）：{age}")
    print_run_summary(result)


@app.command("report")
def report_command(
    month: Annotated[str, typer.Option("--month", help="考核月 YYYY-MM。 The month.")],
    run: Annotated[str | None, typer.Option("--run", help="运行编号（默认：该月最近一次运行）。")] = None,
    lang: LangOpt = Lang.zh,
    config: ConfigOpt = None,
    warehouse_file: WarehouseOpt = None,
    out: OutOpt = None,
    wait: WaitOpt = 0,
):
    """重新生成某月的报告。 Write a month's report and evidence again, from a run already made.

    Reads the warehouse only and never takes the writer lock. While a run has the warehouse
    open it exits 75 with that run's PID, or waits for it with --wait.

    Example:  kpi report --month 2026-10 --lang en
    """
    settings = _settings(config, warehouse=warehouse_file, out=out)
    _need_warehouse(settings, "kpi run")
    with _one_line_failures():
        try:
            paths = jobs.render(settings, month, run, lang.value, wait)
        except jobs.NoStandingRun as exc:
            err.print(f"[red]没有 {month} 的指标[/red]：先运行 kpi run --month {month}")
            raise typer.Exit(1) from exc
    for path in paths:
        console.print(f"  → {path}")


@app.command("worklist")
def worklist_command(
    date: Annotated[str | None, typer.Option(
        "--date", help="日期 YYYY-MM-DD：按当天 0:00 已知的数据（给了 --as-of 则按 --as-of）；默认：今天。"
        " The day: as known at its 00:00 unless --as-of is given.")] = None,
    site: Annotated[str | None, typer.Option("--site", help="只看这个项目编号。 One site only.")] = None,
    region: Annotated[str | None, typer.Option("--region", help="只看这个区域。 One region only.")] = None,
    as_of: AsOfOpt = None,
    config: ConfigOpt = None,
    warehouse_file: WarehouseOpt = None,
    out: OutOpt = None,
    wait: WaitOpt = 0,
):
    """客服待办清单：每个项目所有未了结的事项、期限、剩余或超时多久。 The service desk's worklist.

    Complaints to answer or call back, repair callbacks due (category deadline), urgent second
    callbacks, 未联系上 to retry, unfinished tickets, dissatisfied survey respondents, 案场 not yet
    submitted, exports that stopped arriving. Writes OUT/daily/YYYY-MM-DD/worklist.html (one card
    per item, for a phone) and worklist.xlsx (a sheet per kind). --date D alone means as known at
    D 00:00; with --as-of, as known then. Names and phones only with \\[worklist] show_contacts = true.
    Reads the warehouse only.

    Example:  kpi worklist --date 2026-10-15 --site S001
    """
    settings = _settings(config, warehouse=warehouse_file, out=out)
    try:
        day = dt.date.fromisoformat(date) if date else None
        when = jobs.parse_as_of(as_of, settings) if as_of else None
    except ValueError as exc:
        err.print(f"[red]时间参数无效[/red] {exc}（例：--date 2026-10-15 --as-of 2026-10-15T17:00）")
        raise typer.Exit(2) from exc
    day, when = jobs.worklist_as_of(settings, day, when)
    _need_warehouse(settings, "kpi run")
    with _one_line_failures():
        written = jobs.worklist(settings, day, when, site, region, wait)
    console.print(f"待办清单 截至 {when:%Y-%m-%d %H:%M}")
    for row in written.per_site:
        console.print(f"  {row['项目']} {row['项目名称']}：{row['待办']} 项，"
                      f"今日到期 {row['今日到期']}，已超时 {row['已超时']}")
    for path in written.paths:
        console.print(f"  → {path}")


@app.command("demo-data")
def demo_data_command(
    out: Annotated[Path, typer.Option("--out", help="写到哪个文件夹。 Where to write the exports.")] = Path("data/raw"),
    sites: Annotated[int, typer.Option(help="项目数（住宅、写字楼、案场都有）。 Number of sites.")] = 12,
    months: Annotated[str, typer.Option(help="月份范围 YYYY-MM..YYYY-MM。 Month range.")] = "2026-09..2026-11",
    seed: Annotated[int, typer.Option(help="随机种子：同一种子生成完全相同的文件。 Same seed, same files.")] = 7,
    scale: Annotated[
        bool, typer.Option("--scale", help="集团规模（1000 个项目、每月 500 万通来电），用于性能测试。")
    ] = False,
):
    """生成演示数据。 Write realistic demo exports (Chinese headers, GB18030 CSV and XLSX, a few bad rows).

    Example:  kpi demo-data --out data/raw --sites 12 --months 2026-09..2026-11
    """
    from pipelines.demo import generate, months_range  # the generator is only needed here

    first, _, last = months.partition("..")
    try:
        span = months_range(first, last or first)
    except ValueError as exc:
        err.print(f"[red]月份范围无效[/red] {months}：{exc}（例：2026-09..2026-11）")
        raise typer.Exit(2) from exc
    with console.status("正在生成演示数据…"):
        written = generate(out, sites=sites, months=span, seed=seed, scale=scale)
    files = sum(len(paths) for paths in written.values())
    console.print(f"已生成 {files} 个导出文件，{len(written)} 个数据集 → {out}")


@app.command("send")
def send_command(
    month: Annotated[
        str | None, typer.Option("--month", help="发送该月（YYYY-MM）的月报。 Mail the month's report.")
    ] = None,
    worklist: Annotated[
        str | None, typer.Option("--worklist", help="发送该日（YYYY-MM-DD）的工作清单。 Mail the day's worklists.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="不发送，把每封邮件写成 .eml 文件（outbox/）。 Write .eml files instead.")
    ] = False,
    config: ConfigOpt = None,
    warehouse_file: WarehouseOpt = None,
    out: OutOpt = None,
    wait: WaitOpt = 0,
):
    """按 kpi.toml 的 \\[delivery] 发送邮件。 Mail a month's report or a day's worklists to their recipients.

    Each recipient gets its own sites only. A mail that fails is tried again, then recorded as
    failed (see kpi deliveries); the exit status is 1 when any failed. --dry-run writes each mail
    as an .eml file under OUT/YYYY-MM/outbox/ or OUT/daily/YYYY-MM-DD/outbox/ instead.

    Example:  kpi send --month 2026-10 --dry-run
    """
    settings = _settings(config, warehouse=warehouse_file, out=out)
    if (month is None) == (worklist is None):
        err.print("[red]请指定[/red] --month YYYY-MM 或 --worklist YYYY-MM-DD 之一")
        raise typer.Exit(2)
    kind, period = ("monthly", month) if month else ("worklist", worklist)
    try:
        period = _when(settings, period, None)[0] if month else dt.date.fromisoformat(period).isoformat()
    except ValueError as exc:
        err.print(f"[red]日期无效[/red] --worklist {worklist}（例：2026-10-15）")
        raise typer.Exit(2) from exc
    _need_warehouse(settings, "kpi run")
    with _one_line_failures():
        try:
            sent = jobs.send(settings, kind, period, dry_run, wait)
        except jobs.NoDelivery as exc:
            err.print(f"[red]没有收件人[/red] {escape(str(exc))}（见 README：Delivery by e-mail）")
            raise typer.Exit(2) from exc
        except jobs.NoStandingRun as exc:
            err.print(f"[red]没有 {period} 的指标[/red]：先运行 kpi run --month {period}")
            raise typer.Exit(1) from exc
    _print_deliveries(f"邮件 {period}", ["收件人", "主题", "附件", "结果", "尝试", "说明"],
                      [[d.recipient, d.subject, "、".join(d.attachments), d.outcome, d.attempts, d.eml or d.error]
                       for d in sent])
    raise typer.Exit(1 if any(d.outcome == "failed" for d in sent) else 0)


@app.command("deliveries")
def deliveries_command(
    limit: Annotated[int, typer.Option("--limit", help="显示最近几封。 How many, newest first.")] = 50,
    period: Annotated[
        str | None, typer.Option("--period", help="只看该月（YYYY-MM）或该日（YYYY-MM-DD）的。 One month or day.")
    ] = None,
    config: ConfigOpt = None,
    warehouse_file: WarehouseOpt = None,
    wait: WaitOpt = 0,
):
    """已发送的邮件。 What was mailed: when, which month or day, to whom, what, and how it went.

    Example:  kpi deliveries --period 2026-10
    """
    settings = _settings(config, warehouse=warehouse_file)
    _need_warehouse(settings, "kpi run")
    with _one_line_failures():
        rows = jobs.deliveries(settings, limit, period, wait)
    headers = ["时间", "类型", "期间", "收件人", "地址", "主题", "附件", "结果", "尝试", "说明"]
    _print_deliveries("邮件发送记录 deliveries", headers, [[f"{at:%Y-%m-%d %H:%M}", *rest] for at, *rest in rows])


def _print_deliveries(title: str, headers: list[str], rows: list[list]) -> None:
    """Cells are text, never markup: a reason such as 「未配置 [delivery.smtp] host」 shows as it is."""
    terminal.emit_table(title, headers, [[escape(str(cell)) for cell in row] for row in rows])
