"""What the `kpi` command prints: tables on a terminal, plain tab-separated lines in logs."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from pipelines.ingest import FileReport
from pipelines.periods import month_end

console = Console()
err = Console(stderr=True, soft_wrap=True)  # a reason stays on one line in a log


def _note(r: FileReport) -> str:
    parts = []
    if r.skipped_lines:
        parts.append(f"跳过表头上方 {len(r.skipped_lines)} 行标题")
    if r.unknown_headers:
        parts.append(f"未识别的列已忽略：{'、'.join(r.unknown_headers)}")
    if r.message:
        parts.append(r.message)
    return "；".join(parts)


def _shown(value, unit: str) -> str:
    if value is None:
        return "无数据"
    if unit == "rate":
        return f"{value * 100:.2f}%"
    return f"{value:g}"


FLAG_WORDS = {"vital_few": "关键少数", "reference": "参考（开业当月）", "no_phone_surveys": "无电访",
              "in_progress": "周期未结束"}


def _status(meets, target, value, flags) -> str:
    """A period still running at as-of is never red: behind so far, or not judged until it ends."""
    running = "in_progress" in (flags or [])
    if meets is True:
        return "[green]达标[/]"
    if meets is False:
        return "[yellow]暂未达标[/]" if running else "[red]未达标[/]"
    if target is None:
        return "—"
    return "[dim]进行中[/]" if running and value is not None else "无数据"


def print_metrics(rows, title: str) -> None:
    from pipelines.metrics.catalogue import catalogue, definition

    order = {d.id: i for i, d in enumerate(catalogue())}
    rows = sorted(rows, key=lambda r: (order[definition(r[0]).id], r[2], -(r[3] or 0), r[0]))
    lines = []
    for metric, _site, period, value, num, den, target, meets, unit, pending, flags in rows:
        family = definition(metric)
        name = family.zh + (f" · {metric.removeprefix(family.prefix)}" if family.is_template else "")
        status = _status(meets, target, value, flags)
        ratio = f"{num:g}/{den:g}" if num is not None and den is not None else ""
        shown_target = _shown(target, unit) if target is not None else ""
        notes = "、".join(FLAG_WORDS.get(f, f) for f in flags or [])
        pending_text = str(pending or "")
        lines.append([escape(name), period, _shown(value, unit), ratio, shown_target, status, pending_text, notes])
    emit_table(f"KPI {title}", ["指标", "周期", "值", "分子/分母", "目标", "状态", "待定", "备注"], lines)


def emit_table(title: str, headers: list[str], lines: list[list[str]]) -> None:
    """A table on a terminal; tab-separated lines in logs and pipes, which wrap nothing."""
    if console.is_terminal:
        table = Table(title=title)
        for header in headers:
            table.add_column(header, overflow="fold")
        for line in lines:
            table.add_row(*line)
        console.print(table)
        return
    console.print(title, markup=False)
    for line in [headers, *lines]:
        console.print(Text.from_markup("\t".join(line)), soft_wrap=True, highlight=False)


def month_heading(month: str, as_of) -> str:
    """`2026-11`, or `2026-12 月中报告：截至 12 月 2 日` when the month had not ended at as-of."""
    from pipelines.report.context import labels
    from pipelines.report.formatting import mid_month

    return f"{month} {mid_month(as_of, 'zh', labels('zh'))}" if as_of < month_end(month) else month


def print_run_summary(result) -> None:
    """The run's last lines: which month, as of when, and where its outputs are."""
    console.print(f"{month_heading(result.month, result.as_of)}：{result.metric_rows} 行指标"
                  f"（as-of {result.as_of:%Y-%m-%d %H:%M}，运行 {result.run_id}）")
    for path in result.outputs:
        console.print(f"  → {path}")


def print_reconciliation(reports: list[FileReport]) -> None:
    if not reports:
        console.print("没有找到导出文件。 No export files found.")
        return
    colours = {"loaded": "green", "rejected": "red", "unchanged": "dim"}
    lines = [
        [r.dataset, escape(r.source_file), f"[{colours[r.status]}]{r.status_word}[/]", str(r.rows_read),
         str(r.rows_loaded), str(r.rows_quarantined), str(r.rows_replaced), escape(_note(r))]
        for r in reports
    ]
    emit_table(
        "导入对账 Ingest reconciliation: 读取 read = 导入 loaded + 隔离 quarantined",
        ["数据集", "文件", "状态", "读取", "导入", "隔离", "替换", "说明"],
        lines,
    )
