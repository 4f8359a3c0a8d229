"""evidence.xlsx: the records behind every missed target, and the quarantine.

One sheet per metric family with a missed target (company-wide or any site), listing the
`evidence` rows that made it miss or are still pending, each with its source file and
line. Rows stream from DuckDB into xlsxwriter's constant_memory mode. A sheet stops at
SHEET_ROWS rows and says so in its note; evidence.csv beside it holds every row.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import shutil
from pathlib import Path

import duckdb
import xlsxwriter

from pipelines.metrics.catalogue import catalogue, definition
from pipelines.report.context import labels
from schemas.declarations import personal_columns

HEAD_ROWS = 2  # a note line, then the column headers
# Rows per sheet: enough for any one site's misses; a group-scale month has millions, which no
# one reads in Excel and which would take minutes to write. The complete list is evidence.csv.
SHEET_ROWS = 20_000
CHUNK = 20_000
# Quarantined values of the columns declared `personal` (schemas/datasets: every CRM profile field,
# what a complainant said…) are masked: the sheet points at file and line instead.
# A value is also personal by what it is, whatever column it landed in (a row with a missing cell
# shifts a phone into `direction`): a mobile or landline number, an ID or card number, or any
# value of the row's own personal fields.
PERSONAL_VALUE = (r"1[3-9][0-9][\s-]?[0-9]{4}[\s-]?[0-9]{4}|0[0-9]{2,3}[\s-]?[0-9]{7,8}|[0-9]{17}[0-9Xx]"
                  r"|[0-9]{12,19}")


EVIDENCE_SQL = """
    from evidence e
    left join run_sites s on s.run_id = e.run_id and s.site_id = e.site_id
    left join metrics m on m.run_id = e.run_id and m.metric = e.metric and m.site_id is not distinct from e.site_id
        and m.period = e.period
    left join metrics c on c.run_id = e.run_id and c.metric = e.metric and c.site_id is null and c.period = e.period
    where e.run_id = $run_id and e.outcome in ('miss', 'pending')
      and (e.metric = $family or ($template and starts_with(e.metric, $prefix)))
      and ($deduction or m.meets_target = false or c.meets_target = false)
"""


def missed_families(conn: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    """Families (catalogue ids) with a missed target in the run, plus scores that lost points, in catalogue order."""
    missed = {definition(m).id for (m,) in conn.execute(
        "select distinct metric from metrics where run_id = ? and meets_target = false", [run_id]).fetchall()}
    lost = {m for (m,) in conn.execute(
        "select distinct metric from evidence where run_id = ? and outcome = 'miss'", [run_id]).fetchall()}
    # points without a target (catalogue `deduction`): a record that cost points is still behind the score
    missed |= {e.id for e in catalogue() if e.report.deduction} & lost
    return [e.id for e in catalogue() if e.id in missed]


def sheet_name(name: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique regardless of case."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def write_evidence(conn: duckdb.DuckDBPyConnection, run_id: str, month: str, path: Path, lang: str = "zh",
                   as_of: dt.datetime | None = None) -> Path:
    words = labels(lang)["xlsx"]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                           "strings_to_formulas": False, "strings_to_urls": False})
    if as_of is not None:  # dated by the run, not the clock: the same run writes the same bytes
        book.set_properties({"created": as_of})
    styles = {
        "head": book.add_format({"bold": True, "bg_color": "#E8EDF3", "bottom": 1}),
        "note": book.add_format({"italic": True, "font_color": "#555555"}),
        "warn": book.add_format({"bold": True, "font_color": "#B42318"}),
        "miss": book.add_format({"font_color": "#B42318"}),
        "title": book.add_format({"bold": True, "font_size": 13}),
    }
    taken: set[str] = set()
    readme = book.add_worksheet(sheet_name(words["readme"], taken))  # first tab; filled in last
    summary = []
    for family in missed_families(conn, run_id):
        entry = definition(family)
        name = entry.name(lang)
        sheet = book.add_worksheet(sheet_name(name, taken))
        total, shown = _write_family(conn, sheet, run_id, entry, name, words, styles)
        summary.append((sheet.get_name(), f"{name} ({family})", total, shown))
    findings = conn.execute("select count(*) from evidence where run_id = ? and outcome = 'finding'",
                            [run_id]).fetchall()[0][0]
    if findings:
        sheet = book.add_worksheet(sheet_name(words["findings"], taken))
        shown = _write_findings(conn, sheet, run_id, findings, words, styles)
        summary.append((sheet.get_name(), words["findings"], findings, shown))
    sheet = book.add_worksheet(sheet_name(words["quarantine"], taken))
    total, shown = _write_quarantine(conn, sheet, run_id, words, styles)
    summary.append((sheet.get_name(), words["quarantine"], total, shown))
    _write_readme(readme, run_id, month, as_of, summary, words, styles)
    book.close()
    return path


def _write_family(conn, sheet, run_id: str, entry, name: str, words: dict, styles: dict) -> tuple[int, int]:
    """The family's evidence rows, shaped in SQL so each reaches xlsxwriter as one finished row
    (at group scale a sheet has up to a million rows: Python does as little per row as it can)."""
    args = {"run_id": run_id, "family": entry.id, "prefix": entry.prefix if entry.is_template else entry.id,
            "template": entry.is_template, "deduction": entry.report.deduction}
    total, dataset = conn.execute(f"select count(*), any_value(e.dataset) {EVIDENCE_SQL}", args).fetchall()[0]
    args |= {"miss": words["miss"], "pending": words["pending"], "yes": words["yes"], "no": words["no"]}
    cursor = conn.execute(
        f"""select e.site_id, s.site_name, e.metric, e.period,
                   case e.outcome when 'miss' then $miss when 'pending' then $pending else e.outcome end,
                   e.record_id, e.source_file, e.source_line, e.detail,
                   case m.meets_target when true then $yes when false then $no end,
                   -- only a grouped record (a complaint of several rows) has more to say than file:line
                   nullif(e.source_rows, e.source_file || ':' || e.source_line)
            {EVIDENCE_SQL} order by e.site_id, e.period, e.metric, e.outcome, e.source_file, e.source_line""",
        args,
    )
    widths = [9, 14, 26, 10, 8, 18, 34, 7, 40, 10, 30]
    note = words["note"].format(name=name, dataset=dataset or "", total=total)
    shown = _stream(sheet, cursor, total, note, words["cols"], widths, words, styles)
    sheet.conditional_format(HEAD_ROWS, 4, HEAD_ROWS + max(shown, 1) - 1, 4, {
        "type": "cell", "criteria": "==", "value": f'"{words["miss"]}"', "format": styles["miss"]})
    return total, shown


def _write_findings(conn, sheet, run_id: str, total: int, words: dict, styles: dict) -> int:
    """Records found questionable and left as they are (an urgent repair not marked urgent)."""
    cursor = conn.execute(
        """select e.site_id, s.site_name, e.record_id, e.source_file, e.source_line, e.detail
           from evidence e left join run_sites s on s.run_id = e.run_id and s.site_id = e.site_id
           where e.run_id = ? and e.outcome = 'finding' order by e.site_id, e.source_file, e.source_line""",
        [run_id],
    )
    return _stream(sheet, cursor, total, words["f_note"].format(total=total), words["f_cols"],
                   [10, 18, 16, 36, 7, 70], words, styles)


def _write_quarantine(conn, sheet, run_id: str, words: dict, styles: dict) -> tuple[int, int]:
    """Every quarantined row of the files the run saw (run_files), personal values masked."""
    seen = "semi join run_files f on f.run_id = $run_id and f.file_hash = q.file_hash"
    total = conn.execute(f"select count(*) from quarantine q {seen}", {"run_id": run_id}).fetchall()[0][0]
    cursor = conn.execute(
        f"""select dataset, source_file, source_line, "column",
                  case when coalesce(value, '') = '' then value
                       when "column" in (select unnest($personal))
                         or regexp_matches(value, $pattern)
                         or len(list_filter([json_extract_string(record, '$."' || k || '"') for k in $personal],
                                lambda v: length(v) >= 2 and contains(value, v))) > 0
                       then $masked else value end,
                  reason, ingest_run_id
           from quarantine q {seen} order by dataset, source_file, source_line, "column" nulls first""",
        {"personal": sorted(personal_columns()), "masked": words["masked"], "pattern": PERSONAL_VALUE,
         "run_id": run_id},
    )
    widths = [16, 36, 7, 16, 18, 60, 24]
    shown = _stream(sheet, cursor, total, words["q_note"].format(total=total), words["q_cols"], widths, words,
                    styles)
    return total, shown


def _stream(sheet, cursor, total: int, note: str, columns: list[str], widths: list[int], words: dict,
            styles: dict) -> int:
    """Note row, header row, then the cursor's rows in order (constant_memory needs row order)."""
    cap = SHEET_ROWS
    for i, width in enumerate(widths):
        sheet.set_column(i, i, width)
    if total > cap:
        note += words["sep"] + words["capped"].format(shown=cap, total=total)
    sheet.write_string(0, 0, note, styles["warn"] if total > cap else styles["note"])
    sheet.write_row(1, 0, columns, styles["head"])
    sheet.freeze_panes(HEAD_ROWS, 0)
    row_no, write_row = HEAD_ROWS, sheet.write_row
    while row_no < HEAD_ROWS + cap:
        chunk = cursor.fetchmany(min(CHUNK, HEAD_ROWS + cap - row_no))
        if not chunk:
            break
        for row in chunk:
            write_row(row_no, 0, row)  # None cells are left empty
            row_no += 1
    if row_no > HEAD_ROWS:
        sheet.autofilter(1, 0, row_no - 1, len(columns) - 1)
    return row_no - HEAD_ROWS


def _write_readme(sheet, run_id: str, month: str, as_of, summary: list, words: dict, styles: dict) -> None:
    """Written last but first in the book: the run, then one line per sheet with its row count."""
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 48)
    sheet.set_column(2, 3, 12)
    sheet.write_string(0, 0, words["title"], styles["title"])
    sheet.write_row(2, 0, [words["run"], run_id])
    sheet.write_row(3, 0, [words["month"], month])
    sheet.write_row(4, 0, [words["as_of"], as_of.strftime("%Y-%m-%d %H:%M") if as_of else ""])
    sheet.write_row(6, 0, [words["sheet"], words["family"], words["rows"]], styles["head"])
    for i, (name, family, total, shown) in enumerate(summary, start=7):
        sheet.write_row(i, 0, [name, family, total])
        if shown < total:
            sheet.write_string(i, 3, words["capped"].format(shown=shown, total=total), styles["warn"])
    if len(summary) == 1:
        sheet.write_string(len(summary) + 8, 0, words["none"], styles["note"])


# A cell that starts with = + - @ or a tab or carriage return is a formula to Excel (OWASP "CSV
# injection"): a leading ' makes it text. Exported data is the user's, not ours to run.
CELL_SAFE = r"""case when regexp_matches({c}, '^[-=+@\t\r]') then '''' || {c} else {c} end"""
TEXT_COLUMNS = ("site_id", "metric", "period", "outcome", "dataset", "record_id", "source_file")


def write_evidence_csv(conn: duckdb.DuckDBPyConnection, run_id: str, path: Path) -> Path:
    """Every evidence row of the run, for the sheets that stop at SHEET_ROWS (UTF-8 with BOM:
    Excel opens the Chinese correctly)."""
    plain = path.with_name(path.name + ".utf8")
    text = ", ".join(f"{CELL_SAFE.format(c=c)} as {c}" for c in TEXT_COLUMNS)
    conn.execute(
        f"""copy (select {text}, source_line, {CELL_SAFE.format(c="source_rows")} as source_rows,
                         {CELL_SAFE.format(c="detail")} as detail
                  from evidence where run_id = '{run_id.replace("'", "''")}'
                  order by site_id, metric, period, source_file, source_line)
            to '{str(plain).replace("'", "''")}' (header, delimiter ',')"""
    )
    try:
        with path.open("wb") as out, plain.open("rb") as rows:
            out.write(codecs.BOM_UTF8)
            shutil.copyfileobj(rows, out, 4 << 20)
    finally:
        plain.unlink(missing_ok=True)
    return path
