"""The service desk's worklist: every open item at as-of, per site, with its deadline.

The items are SQL models (pipelines/metrics/worklist/wl_*.sql), built on the facts the monthly
metrics use, so a deadline here is the deadline a metric judges; this module puts them together
with the exports that stopped arriving (pipelines/freshness.py), the site names and regions, and
leaves the contact columns out unless the desk asked for them (`[worklist] show_contacts`).

Every item has the same columns (ITEM_COLUMNS). `hours_left` is exact from as-of: negative is
late by that much; a deadline reached exactly at as-of is due now (overdue, as the metrics decide it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

import duckdb
import pandas as pd

from pipelines import periods
from pipelines.freshness import check as check_freshness
from pipelines.metrics import models, params
from schemas.declarations import datasets

# kind → its name on the page and its sheet, in the order the desk works through them
KINDS = {
    "complaint_reply": "投诉待答复",
    "complaint_callback": "投诉待回访",
    "complaint_dissatisfied": "投诉回访不满意",
    "repair_callback": "维修待回访",
    "repair_retry": "回访未联系上",
    "repair_second": "急修二次回访",
    "repair_dissatisfied": "维修回访不满意",
    "repair_unfinished": "未完成维修",
    "survey_dissatisfied": "问卷不满意回访",
    "sales_unsubmitted": "案场资料未递交",
    "stale_export": "导出未更新",
}
CONTACT_COLUMNS = ["contact_name", "contact_phone"]
ITEM_COLUMNS = ["kind", "site_id", "site_name", "region", "record_id", "unit", "due", "detail", "deadline",
                "hours_left", "age_days", "source_file", "source_line", *CONTACT_COLUMNS]
COMPANY = ""  # the site of company-wide items (an export that stopped arriving concerns every site)


# the statistics models (pipelines/metrics/daily) and their headings; the weekly ones on Mondays
DAILY = {"day_complaints": "日盘点：投诉", "day_repairs": "日盘点：报修"}
WEEKLY = {"week_complaints": "周统计：投诉", "week_repairs": "周统计：维修完成"}


@dataclass(frozen=True)
class Worklist:
    as_of: dt.datetime
    items: pd.DataFrame  # ITEM_COLUMNS (without the contacts unless shown), in the page's order
    show_contacts: bool
    scope: str  # 全部项目, or the site or region asked for
    sections: tuple[dict, ...] = ()  # the day's and (Mondays) the week's statistics: title, period, parts
    one_site: bool = False  # narrowed to one site: its page lists every item

    def of_kind(self, kind: str) -> pd.DataFrame:
        return self.items[self.items["kind"] == kind]


def _model_items(conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    union = "\nunion all by name\n".join(f"select * from {m.name}" for m in models.in_layers("worklist"))
    return conn.execute(
        f"""select i.*, s.site_name, s.region
            from ({union}) i left join stg_sites s using (site_id)"""
    ).df()


def _stale_exports(conn: duckdb.DuckDBPyConnection, rules: dict, as_of: dt.datetime) -> pd.DataFrame:
    """An export that stopped arriving, as an item: it has been stale since its newest record
    plus its limit (the deadline), and everything computed from it is out of date."""
    rows = []
    for f in check_freshness(conn, rules, as_of):
        if not f.stale:
            continue
        deadline = None if f.newest is None else f.newest + dt.timedelta(days=f.stale_after_days)
        rows.append({
            "kind": "stale_export", "site_id": COMPANY, "site_name": "全公司", "record_id": f.dataset,
            "due": "补发导出文件", "deadline": deadline,
            "hours_left": None if deadline is None else (deadline - as_of).total_seconds() / 3600,
            "detail": f"{f.title}：" + ("没有任何记录" if f.newest is None else
                                        f"最新记录 {f.newest:%Y-%m-%d %H:%M}，已 {f.days_old:.1f} 天未更新"),
            "source_file": f"{f.dataset}/",
        })
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


def compute(conn: duckdb.DuckDBPyConnection, rules: dict, as_of: dt.datetime, *, site: str | None = None,
            region: str | None = None, sites: Collection[str] | None = None,
            show_contacts: bool = False) -> Worklist:
    """The open items at as-of (of one site, a region, or the sites a recipient looks after, if
    asked), grouped by site, then by
    deadline (the latest-overdue first, no deadline last), then oldest first. Reads only: the
    models are temporary tables, so a read-only connection will do."""
    # the facts they read as of now, for as-of's month (the 案场 item asks about that month's
    # submission); the marts are not needed and not built
    values = params.variables(periods.month_periods(periods.month_of(as_of)), as_of, rules)
    params.set_variables(conn, values)
    needed = models.with_reads(models.in_layers(*models.ON_DEMAND))
    models.verify(conn, set(datasets()), set(values), needed)
    models.build(conn, needed)
    found = [_model_items(conn), _stale_exports(conn, rules, as_of)]
    # (concat of an empty frame would turn the columns' types to object)
    items = pd.concat([f for f in found if not f.empty] or found[:1], ignore_index=True)
    if site is not None:
        items = items[items["site_id"].isin([site, COMPANY])]
    if region is not None:
        items = items[items["region"].eq(region) | items["site_id"].eq(COMPANY)]
    if sites is not None:
        items = items[items["site_id"].isin([*sites, COMPANY])]
    sections = _statistics(conn, site, region, sites)
    items = items.assign(_kind=items["kind"].map(list(KINDS).index))
    items = items.sort_values(["site_id", "deadline", "age_days", "_kind", "record_id"],
                              ascending=[True, True, False, True, True], na_position="last")
    columns = ITEM_COLUMNS if show_contacts else [c for c in ITEM_COLUMNS if c not in CONTACT_COLUMNS]
    scope = site or region or ("、".join(sites) if sites is not None else "全部项目")
    return Worklist(as_of, items[columns].reset_index(drop=True), show_contacts, scope, sections, site is not None)


def per_site(found: Worklist) -> list[dict]:
    """Per site: its items, those due later on as-of's day, and those overdue — the numbers a
    desk lead reads first (the Prefect artifact, the terminal)."""
    items = found.items
    day_end = dt.datetime.combine(found.as_of.date() + dt.timedelta(days=1), dt.time())
    late = items["hours_left"].le(0)
    today = items["hours_left"].gt(0) & items["deadline"].lt(day_end)
    table = (items.assign(late=late, today=today)
             .groupby(["site_id", "site_name"], dropna=False, sort=True)
             .agg(items=("kind", "size"), today=("today", "sum"), late=("late", "sum")).reset_index())
    return [{"项目": r.site_id or "全公司", "项目名称": r.site_name or "", "待办": int(r.items),
             "今日到期": int(r.today), "已超时": int(r.late)} for r in table.itertuples()]


def _statistics(conn: duckdb.DuckDBPyConnection, site: str | None, region: str | None,
                sites: Collection[str] | None) -> tuple[dict, ...]:
    """Each statistics model (built by compute) summed over the sites asked for: [{title, period,
    parts: [{name, rows: [(label, count)]}]}], the week's only when as-of falls on a Monday."""
    day, week_key, monday = conn.execute("select summary_day, week_key, is_monday from day_window").fetchone()
    shown = {name: (title, f"{day:%Y-%m-%d}") for name, title in DAILY.items()}
    if monday:
        shown |= {name: (title, week_key) for name, title in WEEKLY.items()}
    sections = []
    for name, (title, period) in shown.items():
        rows = conn.execute(
            f"""select part, label, sum(value)::bigint as value
                from {name} m left join stg_sites s using (site_id)
                where ($site is null or m.site_id = $site) and ($region is null or s.region = $region)
                  and ($sites is null or list_contains($sites, m.site_id))
                group by part, label
                order by min(part_order), min(label_order) nulls last, value desc, label""",
            {"site": site, "region": region, "sites": None if sites is None else list(sites)},
        ).fetchall()
        parts = [{"name": part, "rows": [(label, value) for p, label, value in rows if p == part]}
                 for part in dict.fromkeys(p for p, _, _ in rows)]
        sections.append({"title": title, "period": period, "parts": parts})
    return tuple(sections)
