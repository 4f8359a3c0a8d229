"""What the `kpi` command prints: tables on a terminal, plain tab-separated lines in logs, and
while a run works, its stage and a bar over files and rows (plain lines in a log)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from pipelines.ingest import FileReport
from pipelines import periods
from pipelines.periods import month_end

console = Console()
err = Console(stderr=True, soft_wrap=True)  # a reason stays on one line in a log


def _note(r: FileReport) -> str:
    parts = list(r.notes)
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


STATUS_MARKUP = {"met": "[green]达标[/]", "miss": "[red]未达标[/]", "sofar": "[yellow]暂未达标[/]",
                 "running": "[dim]进行中[/]"}


def _status(meets, target, value, flags) -> str:
    """A period still running at as-of is never red (report.formatting.verdict decides, for both)."""
    from pipelines.report.formatting import verdict

    return STATUS_MARKUP.get(verdict(meets, target, value, flags), "—" if target is None else "无数据")


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


def hush_exit_noise() -> None:
    """After a failure's one-line reason nothing more reaches stderr: at exit DuckDB's binding
    lists the objects still alive (nanobind, ~40 lines) and Prefect says goodbye, which tell an
    operator nothing. Only in a real process (fd 2), never inside a test runner's capture."""
    try:
        if sys.stderr.fileno() != 2:
            return
    except (AttributeError, OSError, ValueError):
        return
    sys.stderr.flush()
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


def month_heading(month: str, as_of) -> str:
    """`2026-11`, or `2026-12 月中报告：截至 12 月 2 日` when the month had not ended at as-of."""
    from pipelines.report.context import labels
    from pipelines.report.formatting import mid_month

    return f"{month} {mid_month(as_of, 'zh', labels('zh'))}" if as_of < month_end(month) else month


def print_run_summary(result) -> None:
    """The run's last lines: which month, as of when, and where its outputs are."""
    console.print(f"{month_heading(result.month, result.as_of)}：{result.metric_rows} 行指标"
                  f"（as-of {result.as_of:%Y-%m-%d %H:%M}，运行 {result.run_id}）", soft_wrap=True)
    for path in result.outputs:  # a path stays whole, to be copied
        console.print(f"  → {escape(str(path))}", soft_wrap=True, highlight=False)


RECONCILIATION = "导入对账 Ingest reconciliation: 读取 read = 导入 loaded + 隔离 quarantined"
COLOURS = {"loaded": "green", "rejected": "red", "unchanged": "dim"}
COUNTS = ["读取", "导入", "隔离", "替换"]


def print_reconciliation(reports: list[FileReport], out: Console | None = None) -> None:
    out = out or console
    if not reports:
        out.print("没有找到导出文件。 No export files found.")
        return
    if not out.is_terminal:  # a log: every field on one tab-separated line, nothing wrapped
        lines = [[r.dataset, escape(r.source_file), r.status_word, *map(str, _counts(r)), escape(_note(r))]
                 for r in reports]
        emit_table(RECONCILIATION, ["数据集", "文件", "状态", *COUNTS, "说明"], lines)
        return
    _reconciliation_table(reports, out)


def _counts(r: FileReport) -> list[int]:
    return [r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_replaced]


def _reconciliation_table(reports: list[FileReport], out: Console) -> None:
    """A table that fits the terminal (80 columns and up): the file path (its folder is the
    dataset) shortened in the middle rather than broken across lines, and each file's notes
    below the table, where prose may wrap."""
    counts = [[f"{n:,}" for n in _counts(r)] for r in reports]
    widths = [max(cell_len(h), *(cell_len(c[i]) for c in counts)) for i, h in enumerate(COUNTS)]
    fixed = sum(widths) + max(cell_len("状态"), *(cell_len(r.status_word) for r in reports))
    name_width = max(12, out.width - fixed - (3 * (len(COUNTS) + 2) + 1))  # padding and rules of 6 columns
    table = Table(title=RECONCILIATION)
    table.add_column("文件", no_wrap=True)
    table.add_column("状态", no_wrap=True)
    for header in COUNTS:
        table.add_column(header, justify="right", no_wrap=True)
    for r, cells in zip(reports, counts):
        table.add_row(escape(shorten_middle(r.source_file, name_width)),
                      f"[{COLOURS[r.status]}]{r.status_word}[/]", *cells)
    out.print(table)
    notes = [(r, _note(r)) for r in reports if r.status != "unchanged" and _note(r)]
    if notes:
        out.print("说明")
    for r, note in notes:
        out.print("  " + escape(shorten_middle(r.source_file, out.width - 2)), no_wrap=True, overflow="ignore")
        out.print(f"    {escape(note)}")


def shorten_middle(text: str, width: int) -> str:
    """`survey_responses/问卷…_2026-09.xlsx`: at most `width` terminal cells (a Chinese
    character takes two), the start and the end kept, since both tell files apart."""
    if cell_len(text) <= width:
        return text
    head, tail = "", ""
    budget = width - 1  # the ellipsis
    chars = list(text)
    while chars and cell_len(head) + cell_len(tail) < budget:
        taking_tail = cell_len(tail) < cell_len(head)
        piece = chars[-1] if taking_tail else chars[0]
        if cell_len(head) + cell_len(tail) + cell_len(piece) > budget:
            break
        if taking_tail:
            tail = chars.pop() + tail
        else:
            head += chars.pop(0)
    return f"{head}…{tail}"


class LiveProgress:
    """On a terminal: the stage, a bar over its files, the rows read so far and the time; each
    stage's line stays when it ends."""

    def __init__(self, out: Console):
        self.bars = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                             TextColumn("{task.fields[files]}"), TextColumn("{task.fields[rows]}"),
                             TimeElapsedColumn(), console=out, transient=True)
        self.task = None
        self.name = ""
        self.started = 0.0
        self.rows = 0

    def __enter__(self):
        self.bars.start()
        return self

    def __exit__(self, failure, *exc):
        self._end_stage(failed=failure is not None)
        self.bars.stop()

    def stage(self, name: str, files: int | None = None) -> None:
        self._end_stage()
        self.name, self.started, self.rows = name, time.monotonic(), 0
        self.task = self.bars.add_task(name, total=files, rows="", files=f"0/{files}" if files else "")

    def file(self, path: Path, dataset) -> Callable[[int], None]:
        task = self.task
        state = self.bars.tasks[task]
        if state.description != self.name:  # the previous file is done
            self.bars.advance(task)
        self.bars.update(task, description=f"{self.name} · {shorten_middle(path.name, 28)}",
                         files=f"{int(state.completed)}/{int(state.total or 0)}")

        def read(rows: int) -> None:
            self.rows += rows
            self.bars.update(task, rows=f"{self.rows:,} 行")

        return read

    def _end_stage(self, failed: bool = False) -> None:
        if self.task is None:
            return
        self.bars.remove_task(self.task)
        self.task = None
        rows = f"，{self.rows:,} 行" if self.rows else ""
        mark = "[red]✗[/]" if failed else "[green]✓[/]"
        self.bars.console.print(f"{mark} {self.name}（{time.monotonic() - self.started:.1f} 秒{rows}）")


class PlainProgress:
    """In a log: a timestamped line per stage and per file, so a run that hangs says where."""

    def __init__(self, out: Console):
        self.out = out
        self.files = 0
        self.seen = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def stage(self, name: str, files: int | None = None) -> None:
        self.files, self.seen = files or 0, 0
        count = f"：{files} 个文件" if files is not None else ""
        self.out.print(f"{periods.now():%H:%M:%S} {name}{count}", markup=False, highlight=False)

    def file(self, path: Path, dataset) -> Callable[[int], None]:
        self.seen += 1
        self.out.print(f"{periods.now():%H:%M:%S}   [{self.seen}/{self.files}] {dataset.name}/{path.name}",
                       markup=False, highlight=False)
        return lambda rows: None


def watching(quiet: bool, out: Console | None = None):
    """What shows a run's progress: a live bar on a terminal, lines in a log, nothing if quiet."""
    from pipelines.progress import Silent

    out = out or err
    if quiet:
        return Silent()
    return LiveProgress(out) if out.is_terminal else PlainProgress(out)


HOW_MATCHED = {"name": "标准列名", "alias": "内置别名", "config": "kpi.toml [headers]"}


def print_check(checked, out: Console | None = None) -> None:
    """What `kpi check` found (pipelines.ingest.check.Checked), top to bottom as ingest reads it."""
    out = out or console
    out.print(f"[bold]检查[/bold] {escape(str(checked.path))}（试读，不写入数据仓库）")
    ds, opened = checked.dataset, checked.opened
    if ds is not None:
        out.print(f"  数据集     {ds.name} {ds.title}")
    if opened is not None:
        encoding = f" · 编码 {opened.encoding}" if opened.encoding else ""
        sheet = "" if not opened.sheet else (f" · 第 {opened.sheet_index + 1} 个表格" if opened.form.kind == "html"
                                             else f" · 工作表「{escape(opened.sheet)}」")
        out.print(f"  格式       {opened.form.title}{encoding}{sheet}")
        for note in opened.notes:
            out.print(f"             {escape(note)}")
        for line in opened.skipped_lines:
            out.print(f"  跳过标题   {escape(line)}")
        out.print(f"  表头       第 {opened.header_line} 行")
        _print_mapping(checked, out)
    if checked.missing:
        missing = "、".join(ds.label(c) for c in checked.missing)
        out.print(f"[red]缺少必需的列[/red] {missing}：整个文件会被拒收")
    if checked.rejected:
        out.print(f"[red]会被拒收[/red] {escape(checked.rejected)}")
    if checked.sample is not None and len(checked.sample):
        _print_sample(checked.sample, out)
    if checked.rows_read:
        loaded = checked.rows_read - checked.rows_quarantined
        out.print(f"读取 {checked.rows_read:,} 行 = 可导入 {loaded:,} + 隔离 {checked.rows_quarantined:,}")
        for reason, n in checked.reasons.most_common():
            out.print(f"  {n:>7,} × {escape(reason)}")
        if not checked.ids_checked:
            out.print("  [yellow]未核对项目编号与问卷批次[/yellow]（没有数据仓库可对照）")
    if lines := checked.paste_lines():
        out.print("可粘贴到 kpi.toml 的表头映射（请核对后再用）：")
        for line in lines:
            out.print(f"  {escape(line)}", highlight=False)


def _print_mapping(checked, out: Console) -> None:
    table = Table(title="列对应 columns", title_justify="left")
    for header in ("文件中的表头", "对应的列", "依据"):
        table.add_column(header)
    for c in checked.columns:
        if c.column:
            table.add_row(escape(c.header), c.column, escape(HOW_MATCHED[c.how]))
        else:
            near = "、".join(f"{column}（{escape(spelling)}）" for column, spelling in c.near)
            table.add_row(escape(c.header), "[yellow]未识别[/yellow]", f"相近：{near}" if near else "不使用")
    out.print(table)


def _print_sample(sample, out: Console) -> None:
    table = Table(title=f"前 {len(sample)} 行（导入后的样子）", title_justify="left")
    table.add_column("行", justify="right")
    shown = [c for c in sample.columns if sample[c].notna().any()]
    for column in shown:
        table.add_column(column)
    for line, row in sample[shown].iterrows():
        table.add_row(str(line), *(_sample_cell(v) for v in row))
    out.print(table)


def _sample_cell(value) -> str:
    if value is None or value != value or str(value) in ("NaT", "<NA>"):
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour, value.minute) != (0, 0) else f"{value:%Y-%m-%d}"
    return escape(str(value))
