"""The SQL models, declared like dbt's: each `.sql` file has a same-stem `.yaml` beside it.

    reads       the models and tables it selects from (its `ref`s); the build order follows them
    grain       what one row is, in words
    unique_key  the columns that identify a row: no two rows share them
    not_null    the columns every row has
    evidence    misses: its rows are the records behind a metric, and those that are not hits
                (misses, pending, not counted) of a metric row the run writes are kept as evidence;
                every_row: each row is evidence as it is (deals checked, complaints in a share,
                findings)

A model's SQL is checked against its `reads` with DuckDB's own parser (an undeclared read, or a
declared one it never makes, is an error naming both), and every `getvariable()` it calls must
be one the run sets: an unset variable would read as NULL and quietly empty a rate. After each
model is built its key and not-null columns are checked; a failed check stops the run with the
model and the offending key.

Layers say how each is kept: staging as views (one source each, read by few), facts and marts
as temporary tables (several models, and the checks, read each).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import yaml

ROOT = Path(__file__).parent
LAYERS = {"staging": "view", "facts": "table", "marts": "table", "worklist": "table", "daily": "table"}
# built only by the job that asks for them: the desk's worklist and its daily and weekly statistics
# (pipelines/worklist) read the facts at their own as-of; a monthly run has no use for them
ON_DEMAND = ("worklist", "daily")
EVIDENCE = ("misses", "every_row")


class ModelError(RuntimeError):
    """A model that does not keep its declaration."""


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    path: Path
    reads: tuple[str, ...]
    grain: str
    unique_key: tuple[str, ...]
    not_null: tuple[str, ...]
    evidence: str | None = None  # misses | every_row

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _declared(layer: str, sql: Path) -> Model:
    spec_path = sql.with_suffix(".yaml")
    if not spec_path.exists():
        raise ModelError(f"model {sql.stem} has no {spec_path.name} beside it (reads, grain, unique_key, not_null)")
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8")) or {}
    unknown = set(spec) - {"reads", "grain", "unique_key", "not_null", "evidence"}
    if unknown or "reads" not in spec or "grain" not in spec:
        raise ModelError(f"{spec_path.name}: needs reads and grain; unknown keys {sorted(unknown)}")
    if spec.get("evidence") not in (None, *EVIDENCE):
        raise ModelError(f"{spec_path.name}: evidence is one of {', '.join(EVIDENCE)}, not {spec['evidence']!r}")
    return Model(sql.stem, layer, sql, tuple(spec["reads"]), spec["grain"],
                 tuple(spec.get("unique_key") or ()), tuple(spec.get("not_null") or ()), spec.get("evidence"))


def _ordered(found: dict[str, Model]) -> tuple[Model, ...]:
    ordered: list[Model] = []
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in path:
            raise ModelError(f"models read each other in a circle: {' → '.join(path + (name,))}")
        for dep in sorted(r for r in found[name].reads if r in found):
            visit(dep, path + (name,))
        done.add(name)
        ordered.append(found[name])

    for name in sorted(found):
        visit(name, ())
    return tuple(ordered)


def discover(root: Path) -> tuple[Model, ...]:
    """The models under root's layer folders, each after the models it reads."""
    found = {p.stem: _declared(layer, p) for layer in LAYERS for p in sorted((root / layer).glob("*.sql"))}
    return _ordered(found)


@cache
def models() -> tuple[Model, ...]:
    """Every model of the project, in build order."""
    return discover(ROOT)


def in_layers(*layers: str) -> tuple[Model, ...]:
    """The models of these layers, in build order."""
    return tuple(m for m in models() if m.layer in layers)


def with_reads(wanted: tuple[Model, ...]) -> tuple[Model, ...]:
    """These models and every model they read, directly or not, in build order: what building
    them alone takes (the worklist needs a few facts, not the marts)."""
    by_name = {m.name: m for m in models()}
    needed, todo = set(), [m.name for m in wanted]
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(r for r in by_name[name].reads if r in by_name)
    return tuple(m for m in models() if m.name in needed)


def monthly() -> tuple[Model, ...]:
    """What a monthly run builds: every model but those built on demand."""
    return tuple(m for m in models() if m.layer not in ON_DEMAND)


def _parsed_uses(conn: duckdb.DuckDBPyConnection, sql: str) -> tuple[set[str], set[str]]:
    """The tables a query selects from (its own CTEs left out) and the variables it reads."""
    tree = json.loads(conn.execute("select json_serialize_sql(?)", [sql]).fetchone()[0])
    if tree.get("error"):
        raise ModelError(tree.get("error_message", "cannot parse"))
    tables, ctes, variables = set(), set(), set()

    def walk(node) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if node.get("type") == "BASE_TABLE":
                tables.add((node.get("schema_name") or "", node["table_name"]))
            elif node.get("class") == "FUNCTION" and node.get("function_name") == "getvariable":
                variables.add(node["arguments"][0]["expression"]["literal"]["text"])
            for entry in (node.get("cte_map") or {}).get("map", []):
                ctes.add(entry["key"])
            for child in node.values():
                walk(child)

    walk(tree)
    return {name for schema, name in tables if schema or name not in ctes}, variables


def verify(conn: duckdb.DuckDBPyConnection, inputs: set[str], variables: set[str],
           found: tuple[Model, ...] | None = None) -> None:
    """Each model reads exactly what it declares — models, warehouse tables or run inputs —
    and only variables the run sets."""
    found = models() if found is None else found
    names = {m.name for m in found}
    for model in found:
        tables, used = _parsed_uses(conn, model.sql)
        declared = set(model.reads)
        if tables != declared:
            raise ModelError(
                f"{model.name}.sql reads {sorted(tables - declared) or '—'} that {model.name}.yaml does not "
                f"declare, and declares {sorted(declared - tables) or '—'} that it does not read"
            )
        if unknown := declared - names - inputs:
            raise ModelError(f"{model.name}.yaml reads {sorted(unknown)}: no model, table or run input of that name")
        if unset := used - variables:
            raise ModelError(f"{model.name}.sql reads variables {sorted(unset)} that the run does not set")


def check(conn: duckdb.DuckDBPyConnection, model: Model) -> None:
    """The model's rows keep its unique key and not-null columns, or the run stops naming them."""
    key = ", ".join(f'"{c}"' for c in model.unique_key)
    if model.unique_key and _may_repeat(conn, model, key):
        dup = conn.execute(
            f"select {key}, count(*) from {model.name} group by all having count(*) > 1 limit 1"
        ).fetchone()
        if dup:
            shown = dict(zip(model.unique_key, dup[:-1], strict=True))
            raise ModelError(f"{model.name}: {dup[-1]} rows share the unique key {shown}")
    if model.not_null:  # one scan for every column (a staging view is computed again by each query)
        nulls = " or ".join(f'"{c}" is null' for c in model.not_null)
        flags = ", ".join(f'"{c}" is null' for c in model.not_null)
        row = conn.execute(f'select {key or "1"}, {flags} from {model.name} where {nulls} limit 1').fetchone()
        if row:
            keys, which = row[: len(model.unique_key) or 1], row[len(model.unique_key) or 1:]
            column = next(c for c, is_null in zip(model.not_null, which) if is_null)
            shown = dict(zip(model.unique_key, keys, strict=False))
            raise ModelError(f"{model.name}: {column} is null in the row {shown or '(no key declared)'}")


def _may_repeat(conn: duckdb.DuckDBPyConnection, model: Model, key: str) -> bool:
    """Whether two rows may share the key: as many distinct key hashes as rows proves they do not
    (one 64-bit value per row counts faster than the key's columns: 5 M calls, 0.6 s → 0.35 s). A
    hash collision only sends the model to the exact check, so no duplicate is ever missed."""
    rows, hashes = conn.execute(f"select count(*), count(distinct hash({key})) from {model.name}").fetchone()
    return hashes < rows


def build(conn: duckdb.DuckDBPyConnection, found: tuple[Model, ...] | None = None) -> None:
    """Create the macros, then every model in order, each checked once built."""
    conn.execute((ROOT / "macros.sql").read_text(encoding="utf-8"))
    for model in models() if found is None else found:
        kind = "temp table" if LAYERS[model.layer] == "table" else "temp view"
        conn.execute(f"create or replace {kind} {model.name} as\n{model.sql}")
        check(conn, model)
