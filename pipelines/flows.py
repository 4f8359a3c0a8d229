"""Prefect flows: the same jobs as the CLI, as a few coarse tasks with retries and artifacts.

    kpi-run    one month: ingest → metrics → outputs (what `kpi run` starts)
    nightly    the month to date, every night at 02:00 (prefect.yaml); then the day's worklist, mailed
    monthly    the previous month's final report, on the 1st at 06:00; then mailed
    backfill   a range of months
    daily-summary  at 17:00: new exports in, the desk's worklist again (the nightly run writes it too)

Tasks get the open warehouse connection in-process; nothing is cached or persisted by
Prefect (the warehouse is the record). An I/O hiccup is retried; a data problem is not —
it is quarantined or rejected by ingest and reported.
"""

from __future__ import annotations

import datetime as dt
import errno
from pathlib import Path

from pipelines import prefect_env  # noqa: F401  (before prefect: its settings are read at import)
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from pipelines import jobs, publish
from pipelines.periods import month_before, month_of, months_between
from pipelines.settings import Settings, load_settings

TRANSIENT_ERRNOS = {errno.EAGAIN, errno.EIO, errno.ETIMEDOUT, errno.EBUSY, errno.ESTALE, errno.ECONNRESET}


def _transient(task, task_run, state) -> bool:
    """Retry only what may pass by itself: a busy or flaky disk or share, not bad data."""
    try:
        state.result()
    except (TimeoutError, ConnectionError, InterruptedError, BlockingIOError):
        return True
    except OSError as exc:
        return exc.errno in TRANSIENT_ERRNOS
    except Exception:
        return False
    return False


@task(name="导入 ingest", retries=2, retry_delay_seconds=10, retry_condition_fn=_transient, cache_policy=NO_CACHE)
def ingest_task(conn, settings: Settings, run_id: str):
    logger = get_run_logger()
    reports = jobs.ingest_exports(conn, settings, run_id)
    for r in reports:
        logger.info(publish.file_sentence(r))
    return reports


@task(name="计算指标 metrics", cache_policy=NO_CACHE)
def metrics_task(conn, settings: Settings, run_id: str, month: str, as_of: dt.datetime) -> int:
    for earlier in jobs.fill_trend(conn, settings, month, as_of):
        get_run_logger().info(f"{earlier} 没有已存的结果：已按现有数据算出，作为 {month} 的趋势点")
    rows = jobs.compute_month(conn, settings, run_id, month, as_of)
    get_run_logger().info(f"{month} 的指标已算出：{rows} 行（截至 {as_of:%Y-%m-%d %H:%M}）")
    return rows


@task(name="输出 outputs", retries=2, retry_delay_seconds=10, retry_condition_fn=_transient, cache_policy=NO_CACHE)
def outputs_task(conn, settings: Settings, run_id: str, month: str, lang: str) -> list[Path]:
    paths = jobs.write_outputs(conn, settings, run_id, month, lang)
    get_run_logger().info("已写出 " + "、".join(str(p) for p in paths))
    return paths


@task(name="待办清单 worklist", retries=2, retry_delay_seconds=10, retry_condition_fn=_transient,
      cache_policy=NO_CACHE)
def worklist_task(settings: Settings, as_of: dt.datetime) -> list[Path]:
    written = jobs.worklist(settings, as_of.date(), as_of, wait_seconds=SCHEDULED_WAIT_SECONDS)
    publish.worklist_artifact(written.per_site, as_of)
    get_run_logger().info("待办清单已写出 " + "、".join(str(p) for p in written.paths))
    return written.paths


def worklist_after(settings: Settings, result: jobs.RunResult) -> None:
    """The desk's worklist at the run's as-of, once the month's outputs are out: its failure is
    logged and leaves the run (and its outputs) completed."""
    state = worklist_task(settings, result.as_of, return_state=True)
    if state.is_failed():
        get_run_logger().warning(f"待办清单未能写出：{state.message}")
    else:
        result.outputs.extend(state.result())


@flow(name="kpi-run", validate_parameters=False)
def kpi_run(
    settings: Settings,
    month: str | None = None,
    as_of: dt.datetime | None = None,
    lang: str = "zh",
    wait_seconds: float = 0,
) -> jobs.RunResult:
    """One month: ingest every new export, compute the KPIs, write OUT/YYYY-MM/.

    `settings`: the caller's, built once (the command's, or a deployment's from its parameters);
    Prefect passes the object as it is (no validation) and stores it with the run as JSON.
    `month`: YYYY-MM, `current` (month to date), or None: the latest ended month with data.
    `as_of`: local time, None: now."""
    when = as_of or jobs.now_local(settings)
    with jobs.recorded_run(settings, "run", when, wait_seconds) as (conn, run_id):
        result = jobs.RunResult(run_id, None, when)
        result.files = ingest_task(conn, settings, run_id)
        result.month = month = jobs.choose_month(conn, month, when)  # which months have data: after ingest
        result.metric_rows = metrics_task(conn, settings, run_id, month, when)
        result.outputs = outputs_task(conn, settings, run_id, month, lang)
        result.freshness = jobs.freshness(conn, settings, when)
        publish.artifacts(conn, result)
    return result


# The deployments' flows (prefect.yaml) take plain strings: a deployment's parameters are JSON.
# Each builds the settings once from them, as `kpi run` does from its flags, and checks the raw
# folder as `kpi run` does before it starts. A scheduled run waits for another writer instead of
# giving up at once: nobody is there to run it again.
SCHEDULED_WAIT_SECONDS = 600


def _deployed_settings(raw: str | None, warehouse: str | None, out: str | None, config: str | None) -> Settings:
    """defaults.toml < ./kpi.toml < config < the deployment's paths; the raw folder checked (a
    missing one fails the flow run with its reason; unknown folders are logged as warnings)."""
    settings = load_settings(Path(config) if config else None, raw=raw, warehouse=warehouse, out=out)
    logger = get_run_logger()
    for warning in jobs.check_raw(settings):
        logger.warning(warning)
    return settings


@task(name="发送邮件 delivery", cache_policy=NO_CACHE)
def delivery_task(settings: Settings, kind: str, period: str, as_of: dt.datetime | None = None) -> list:
    """After the outputs, the month's mail (`monthly`) or the day's worklists (`worklist`), when
    [delivery] enabled = true. Never the flow run's failure: the computation and its outputs stand
    whatever the mail server does; each mail's outcome is in `deliveries`, and whatever stopped
    the sending as a whole (the warehouse busy past the wait, no report) is logged as an error."""
    logger = get_run_logger()
    if settings.delivery is None or not settings.delivery.enabled:
        logger.info("邮件发送未启用（kpi.toml [delivery] enabled = true 后，定时运行会发送）")
        return []
    try:
        sent = jobs.send(settings, kind, period, wait_seconds=SCHEDULED_WAIT_SECONDS, as_of=as_of)
    except Exception as exc:  # reported here, never raised: see the docstring
        logger.error(f"邮件未能发送（{period}）：{type(exc).__name__}: {exc}")
        return []
    for d in sent:
        said = f"邮件 {period} → {d.recipient}：{d.outcome}" + (f"（{d.error}）" if d.error else "")
        (logger.info if d.outcome == "sent" else logger.warning)(said)
    # the morning's check in the UI: who got the mail, and who did not and why
    create_table_artifact(key="kpi-deliveries", description=f"邮件 {period}（详见 kpi deliveries）", table=[
        {"收件人": d.recipient, "主题": d.subject, "结果": d.outcome, "尝试": d.attempts, "说明": d.error}
        for d in sent])
    return sent


@flow(name="nightly", validate_parameters=False)
def nightly(raw: str | None = None, warehouse: str | None = None, out: str | None = None,
            lang: str = "zh", config: str | None = None) -> jobs.RunResult:
    """Every night: new exports in, the month-to-date KPIs and report refreshed; then the day's
    worklist written and mailed to the desks."""
    settings = _deployed_settings(raw, warehouse, out, config)
    result = kpi_run(settings, month=jobs.CURRENT, lang=lang, wait_seconds=SCHEDULED_WAIT_SECONDS)
    worklist_after(settings, result)  # written first: the mail carries it
    # each desk's own sites at the run's as-of, as the worklist just written
    delivery_task(settings, "worklist", result.as_of.date().isoformat(), result.as_of)
    return result


@flow(name="monthly", validate_parameters=False)
def monthly(raw: str | None = None, warehouse: str | None = None, out: str | None = None,
            lang: str = "zh", config: str | None = None) -> jobs.RunResult:
    """On the 1st: the previous month's final report; then mailed to its readers."""
    settings = _deployed_settings(raw, warehouse, out, config)
    month = month_before(month_of(jobs.now_local(settings)))
    result = kpi_run(settings, month=month, lang=lang, wait_seconds=SCHEDULED_WAIT_SECONDS)
    delivery_task(settings, "monthly", result.month)
    return result


@flow(name="backfill", validate_parameters=False)
def backfill(first: str, last: str, raw: str | None = None, warehouse: str | None = None,
             out: str | None = None, lang: str = "zh", config: str | None = None) -> list[jobs.RunResult]:
    """Every month from `first` to `last` (YYYY-MM), oldest first, as the data stands now."""
    settings = _deployed_settings(raw, warehouse, out, config)
    return [kpi_run(settings, month=m, lang=lang, wait_seconds=SCHEDULED_WAIT_SECONDS)
            for m in months_between(first, last)]


@flow(name="daily-summary", validate_parameters=False)
def daily_summary(raw: str | None = None, warehouse: str | None = None, out: str | None = None,
                  config: str | None = None) -> list[Path]:
    """At 17:00, for the desk's 17:30 summary (000 §4.10.4.10): the day's new exports in, the worklist
    and its 日盘点 written again as of now. The month's outputs wait for the night."""
    settings = _deployed_settings(raw, warehouse, out, config)
    jobs.ingest_run(settings, SCHEDULED_WAIT_SECONDS)  # a run of its own (`ingest`), under the writer lock
    return worklist_task(settings, jobs.now_local(settings))
