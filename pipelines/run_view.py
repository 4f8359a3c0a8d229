"""What a run saw, stored under its id: the sites, the files and their reconciliation, the
quarantine by reason, each dataset's freshness, the rules in effect with their sentences. The
report reads these, never the tables as they are now, so `kpi report --run <id>` renders that
run's report again, however much has been loaded since.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import duckdb

from pipelines import freshness
from pipelines import rules as rules_module

SNAPSHOTS = ("run_sites", "run_files", "run_quarantine", "run_freshness", "run_rules")


def store(conn: duckdb.DuckDBPyConnection, run_id: str, month: str, as_of: dt.datetime, rules: dict) -> None:
    """Write the run's view (once per run: a second call replaces the first)."""
    for table in SNAPSHOTS:
        conn.execute(f"delete from {table} where run_id = ?", [run_id])
    conn.execute(
        """insert into run_sites
           select $run_id, s.site_id, coalesce(s.site_name, s.site_id), s.site_type, s.region, e.reasons
           from sites s
           left join (select site_id, string_agg(distinct reason, '；' order by reason) as reasons
                      from exemptions where month = $month group by site_id) e
               on e.site_id = s.site_id and s.site_type = 'sales'""",
        {"run_id": run_id, "month": month},
    )
    conn.execute(
        """insert into run_files
           select ?, dataset, source_file, file_hash, rows_read, rows_loaded, rows_quarantined, rows_replaced,
                  status, message, ingested_at, notes
           from files""",
        [run_id],
    )
    conn.execute(
        """insert into run_quarantine
           select ?, dataset, regexp_replace(reason, '第 ?[0-9]+ ?行', '第 … 行', 'g'), count(*)
           from quarantine group by all""",
        [run_id],
    )
    rows = [dataclasses.astuple(f) for f in freshness.check(conn, rules, as_of, month)]
    conn.executemany("insert into run_freshness values (?, ?, ?, ?, ?, ?, ?, ?, ?)", [(run_id, *r) for r in rows])
    zh, en = rules_module.sentences(rules, "zh"), rules_module.sentences(rules, "en")
    conn.executemany(
        "insert into run_rules values (?, ?, ?, ?, ?, ?, ?, ?)",
        [(run_id, z["key"], json.dumps(z["value"], ensure_ascii=False), z["clause"], z["name"], e["name"],
          z["sentence"], e["sentence"]) for z, e in zip(zh, en, strict=True)],
    )
