"""What `kpi` prints while and after it works (issue 9): a table that fits 80 columns without
breaking a file name, the stage and files in a log, nothing with --quiet, no Prefect notices."""

from __future__ import annotations

import io
import os
import re
import subprocess

from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.ingest import FileReport
from pipelines.terminal import print_reconciliation, shorten_middle
from tests.kpi_process import KPI

LONG = "survey_responses/问卷回收_满意度调查_第三季度_2026-09.xlsx"  # 58 cells wide


def terminal(width: int) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=width, force_terminal=True, color_system=None), buffer


def test_shortening_keeps_the_start_and_the_end_within_the_width():
    assert shorten_middle("calls/a.csv", 20) == "calls/a.csv"
    short = shorten_middle(LONG, 30)
    assert cell_len(short) <= 30 and "…" in short
    head, tail = short.split("…")
    assert LONG.startswith(head) and LONG.endswith(tail) and tail.endswith("2026-09.xlsx")
    # a Chinese character is two cells: 10 cells hold at most 4 of them and the ellipsis
    assert cell_len(shorten_middle("问卷回收满意度调查表", 10)) <= 10


def test_the_reconciliation_fits_80_columns_and_never_breaks_a_file_name():
    reports = [
        FileReport("survey_responses", LONG, "loaded", 1_234_567, 1_234_000, 567, 12,
                   skipped_lines=["问卷回收表"], unknown_headers=["备注"]),
        FileReport("calls", "calls/a.csv", "rejected", message="缺少必需的列：通话编号(call_id)；整个文件未导入"),
        FileReport("sites", "sites/项目清单.csv", "unchanged", 13, 12, 1, message="内容未变，已跳过"),
    ]
    out, buffer = terminal(80)
    print_reconciliation(reports, out)
    lines = buffer.getvalue().splitlines()
    assert all(cell_len(line) <= 80 for line in lines)
    table_rows = [line for line in lines if line.startswith("│")]
    assert len(table_rows) == 3  # one line per file: nothing wrapped onto a second line
    assert "1,234,567" in table_rows[0] and "2026-09.xlsx" in table_rows[0] and "…" in table_rows[0]
    assert "calls/a.csv" in table_rows[1] and "拒收" in table_rows[1]
    text = buffer.getvalue()
    # notes under the table, each below its file; an unchanged file needs none
    assert "跳过表头上方 1 行标题；未识别的列已忽略：备注" in text
    assert "缺少必需的列：通话编号(call_id)；整个文件未导入" in text
    assert "内容未变" not in text


CALLS = "通话编号,项目编号,来电时间,呼叫方向,号码,振铃次数,是否接通\nC1,S1,2026-10-01 08:00,呼入,13800000001,1,是\n"


def run(raw, tmp_path, *extra):
    raw.write("calls", "c.csv", CALLS)
    return CliRunner().invoke(app, ["run", "--raw", str(raw.root), "--warehouse", str(raw.db_path), "--month",
                                    "2026-10", "--as-of", "2026-11-05T06:00", "--out", str(tmp_path / "out"),
                                    *extra])


def test_in_a_log_the_run_says_each_stage_and_file_on_a_line_of_its_own(raw, tmp_path):
    result = run(raw, tmp_path)
    assert result.exit_code == 0, result.output
    said = result.stderr.splitlines()
    stages = [m.group(1) for line in said if (m := re.fullmatch(r"\d\d:\d\d:\d\d (\S.*)", line))]
    assert stages[0] == "导入 ingest：2 个文件"  # sites.csv and c.csv
    assert stages[-2:] == ["计算指标 metrics 2026-10", "输出报告 outputs 2026-10"]
    assert any(line.endswith("[1/2] sites/sites.csv") for line in said)
    assert any(line.endswith("[2/2] calls/c.csv") for line in said)
    assert "Prefect" not in result.output  # its notices stay away unless --verbose


def test_quiet_shows_no_progress_and_verbose_shows_prefects_logs(raw, tmp_path):
    quiet = run(raw, tmp_path, "--quiet")
    assert quiet.exit_code == 0, quiet.output
    assert "导入 ingest" not in quiet.stderr and "计算指标" not in quiet.stderr
    assert "2026-10：" in quiet.stdout  # the result is still printed
    assert str(tmp_path / "out" / "2026-10" / "evidence.csv") in quiet.stdout.splitlines()[-1]  # a path unbroken
    # Prefect reads its log level when it is first imported: a process of its own, as a user runs it
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_LOGGING_LEVEL"}
    args = ["run", "--raw", raw.root, "--warehouse", raw.db_path, "--month", "2026-10", "--as-of", "2026-11-05T06:00",
            "--out", tmp_path / "out"]
    verbose = subprocess.run([KPI, *args, "--verbose"], env=env, capture_output=True, text=True, timeout=300)
    assert verbose.returncode == 0, verbose.stderr
    assert "Finished in state Completed" in verbose.stdout + verbose.stderr
    plain = subprocess.run([KPI, *args], env=env, capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stderr
    assert "Finished in state" not in plain.stdout + plain.stderr


def test_on_a_real_terminal_the_run_shows_its_stages_and_no_prefect_notice(raw, tmp_path):
    """`kpi run` under a pseudo-terminal, as a user types it, with a Prefect home that never
    showed its first-run telemetry notice: the notice stays away, the stages show."""
    import pty

    raw.write("calls", "c.csv", CALLS)
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_LOGGING_LEVEL", "DO_NOT_TRACK")}
    env |= {"PREFECT_HOME": str(tmp_path / "fresh-prefect-home"), "COLUMNS": "80", "TERM": "xterm"}
    primary, secondary = pty.openpty()
    started = subprocess.Popen(
        [KPI, "run", "--raw", raw.root, "--warehouse", raw.db_path, "--month", "2026-10", "--as-of",
         "2026-11-05T06:00", "--out", tmp_path / "out"],
        stdin=secondary, stdout=secondary, stderr=secondary, env=env, close_fds=True)
    os.close(secondary)
    seen = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed: the run has ended
            break
        if not chunk:
            break
        seen += chunk
    assert started.wait(timeout=300) == 0
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", seen.decode("utf-8", "replace"))
    assert "Prefect collects anonymous usage data" not in text
    for stage in ("✓ 导入 ingest", "✓ 计算指标 metrics 2026-10", "✓ 输出报告 outputs 2026-10"):
        assert stage in text
    assert "calls/c.csv" in text and "2026-10：" in text
