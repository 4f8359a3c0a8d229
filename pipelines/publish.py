"""What a run tells people: log sentences and the Prefect artifacts of a flow run.

The artifacts are what an operator sees in the Prefect UI the morning after: a KPI
summary with the misses, quarantine counts per file, stale datasets, and links to the
report files.
"""

from __future__ import annotations

import duckdb
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from pipelines.ingest import FileReport
from pipelines.metrics.catalogue import definition

def file_sentence(r: FileReport) -> str:
    head = f"{r.status_word} {r.source_file}"
    if r.status == "rejected":
        return f"{head}：{r.message}"
    return f"{head}：读取 {r.rows_read} = 导入 {r.rows_loaded} + 隔离 {r.rows_quarantined}（替换 {r.rows_replaced}）"


def _percent(value) -> str:
    return "无数据" if value is None else f"{value * 100:.2f}%"


def summary_markdown(conn: duckdb.DuckDBPyConnection, result) -> str:
    """Company-wide rates against target, then every site-level miss, then stale data."""
    company = conn.execute(
        """select metric, period, value, target, meets_target, pending from metrics
           where run_id = ? and site_id is null and target is not null order by metric, period""",
        [result.run_id],
    ).fetchall()
    misses = conn.execute(
        """select metric, count(*) from metrics
           where run_id = ? and site_id is not null and meets_target = false group by metric order by metric""",
        [result.run_id],
    ).fetchall()
    lines = [f"# KPI {result.month}（截至 {result.as_of:%Y-%m-%d %H:%M}）", "",
             "| 指标 | 周期 | 值 | 目标 | 状态 | 待定 |", "|---|---|---:|---:|---|---:|"]
    for metric, period, value, target, meets, pending in company:
        state = {True: "✅ 达标", False: "❌ 未达标"}.get(meets, "无数据")
        cells = [definition(metric).zh, period, _percent(value), _percent(target), state, str(pending)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## 未达标的项目数", ""]
    lines += [f"- {definition(m).zh}（`{m}`）：{n} 个项目" for m, n in misses] or ["- 无"]
    stale = [f for f in result.freshness if f.stale]
    lines += ["", "## 数据时效", ""]
    lines += [
        f"- ⚠️ {f.title}（{f.dataset}）" + ("：没有任何记录" if f.newest is None else
                                          f"：最新记录 {f.newest:%Y-%m-%d}，已 {f.days_old:.0f} 天未更新")
        for f in stale
    ] or ["- 所有数据集都是新的"]
    return "\n".join(lines)


def artifacts(conn: duckdb.DuckDBPyConnection, result) -> None:
    """Publish the run's outcome to the Prefect UI (inside a flow run)."""
    create_markdown_artifact(markdown=summary_markdown(conn, result), key="kpi-summary",
                             description=f"KPI {result.month}")
    create_table_artifact(
        table=[
            {"数据集": r.dataset, "文件": r.source_file, "状态": r.status_word, "读取": r.rows_read,
             "导入": r.rows_loaded, "隔离": r.rows_quarantined, "说明": r.message}
            for r in result.files
        ],
        key="kpi-quarantine",
        description="导入对账：读取 = 导入 + 隔离",
    )
    for path in result.outputs:
        create_link_artifact(link=path.resolve().as_uri(), link_text=path.name,
                             key=f"kpi-{path.stem.replace('_', '-').lower()}")


def worklist_artifact(per_site: list[dict], as_of) -> None:
    """`kpi-worklist`: per site, its open items, those due today and those overdue."""
    create_table_artifact(table=per_site, key="kpi-worklist",
                          description=f"待办清单（截至 {as_of:%Y-%m-%d %H:%M}）：各项目今日到期与已超时的事项")
