"""The `kpi` command. It parses arguments, builds the settings and calls a stage;
it holds no logic of its own.

    kpi demo-data            write realistic demo exports into data/raw/
    kpi ingest               load every new export into the warehouse
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines import warehouse
from pipelines.ingest import FileReport, ingest, unknown_folders
from pipelines.ingest.headers import HeaderMatcher
from pipelines.settings import ConfigError, Settings, load_settings
from schemas.declarations import datasets

app = typer.Typer(
    help="物业客服 KPI：把导出的台账装进数据仓库，按手册计算指标。 "
    "Property customer-service KPIs from your exports, by the handbooks.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
console = Console()
err = Console(stderr=True)

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


def _settings(config: Path | None, **flags) -> Settings:
    try:
        return load_settings(config, **flags)
    except ConfigError as exc:
        err.print(f"[red]配置错误[/red] {exc}")
        raise typer.Exit(2) from exc


@app.command("ingest")
def ingest_command(config: ConfigOpt = None, raw: RawOpt = None, warehouse_file: WarehouseOpt = None):
    """Load every new or changed export under the raw folder into the warehouse.

    Each file is checked row by row: good rows load, bad rows go to quarantine
    with file, line, column and reason. A file that cannot be read at all is
    rejected whole. An unchanged file is skipped. Prints, per file: rows read =
    loaded + quarantined.

    Example:  kpi ingest --raw data/raw --warehouse data/warehouse.duckdb
    """
    settings = _settings(config, raw=raw, warehouse=warehouse_file)
    if not settings.raw_dir.is_dir():
        err.print(f"[red]找不到导出文件夹[/red] {settings.raw_dir}（可先运行 kpi demo-data 生成演示数据）")
        raise typer.Exit(2)
    for name in unknown_folders(settings.raw_dir):
        err.print(f"[yellow]注意[/yellow] 文件夹 {name}/ 不是已知数据集，已跳过（已知：{', '.join(datasets())}）")
    reports = run_ingest(settings)
    print_reconciliation(reports)


def run_ingest(settings: Settings) -> list[FileReport]:
    conn = warehouse.connect(settings.warehouse)
    run_id = warehouse.start_run(conn, "ingest", settings.record())
    matcher = HeaderMatcher(datasets(), settings.headers)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=True,
    ) as bars:
        def on_file(path: Path, ds) -> callable:
            task = bars.add_task(f"{ds.title} {path.name}", total=None)
            return lambda rows: bars.advance(task, rows)

        try:
            reports = ingest(conn, settings.raw_dir, run_id, matcher, on_file)
        except BaseException as exc:
            warehouse.finish_run(conn, run_id, "failed", str(exc))
            raise
    warehouse.finish_run(conn, run_id, "completed")
    conn.close()
    return reports


STATUS_WORDS = {"loaded": "已导入", "rejected": "拒收", "unchanged": "未变"}


def _note(r: FileReport) -> str:
    parts = []
    if r.skipped_lines:
        parts.append(f"跳过表头上方 {len(r.skipped_lines)} 行标题")
    if r.unknown_headers:
        parts.append(f"未识别的列已忽略：{'、'.join(r.unknown_headers)}")
    if r.message:
        parts.append(r.message)
    return "；".join(parts)


def print_reconciliation(reports: list[FileReport]) -> None:
    """A table on a terminal; one plain line per file in logs (nightly runs, pipes)."""
    if not reports:
        console.print("没有找到导出文件。 No export files found.")
        return
    if not console.is_terminal:
        for r in reports:
            console.print(
                f"{r.dataset}\t{r.source_file}\t{STATUS_WORDS[r.status]}\t"
                f"读取 {r.rows_read} = 导入 {r.rows_loaded} + 隔离 {r.rows_quarantined}\t"
                f"替换 {r.rows_replaced}\t{_note(r)}",
                soft_wrap=True, markup=False, highlight=False,
            )
        return
    table = Table(title="导入对账 Ingest reconciliation: 读取 read = 导入 loaded + 隔离 quarantined")
    for header in ("数据集", "文件", "状态", "读取", "导入", "隔离", "替换", "说明"):
        table.add_column(header, overflow="fold")
    colours = {"loaded": "green", "rejected": "red", "unchanged": "dim"}
    for r in reports:
        status = f"[{colours[r.status]}]{STATUS_WORDS[r.status]}[/]"
        table.add_row(r.dataset, r.source_file, status, str(r.rows_read), str(r.rows_loaded),
                      str(r.rows_quarantined), str(r.rows_replaced), _note(r))
    console.print(table)


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
    """Write realistic demo exports (Chinese headers, GB18030 CSV and XLSX, a few bad rows).

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
