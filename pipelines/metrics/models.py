"""Find the SQL models and run them in dependency order.

A model is one `.sql` file whose stem is the name other models select from. Layers
(staging → facts → marts) say how each is kept: staging and marts as views, facts as
temporary tables, since several marts read each fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

ROOT = Path(__file__).parent
LAYERS = {"staging": "view", "facts": "table", "marts": "view"}


@dataclass(frozen=True)
class Model:
    name: str
    layer: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


@cache
def models() -> tuple[Model, ...]:
    """Every model, each after the models it reads."""
    found = {
        p.stem: Model(p.stem, layer, p)
        for layer in LAYERS
        for p in sorted((ROOT / layer).glob("*.sql"))
    }
    reads = {
        name: {other for other in found if other != name and re.search(rf"\b{other}\b", m.sql)}
        for name, m in found.items()
    }
    ordered: list[Model] = []
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in path:
            raise RuntimeError(f"models read each other in a circle: {' → '.join(path + (name,))}")
        for dep in sorted(reads[name]):
            visit(dep, path + (name,))
        done.add(name)
        ordered.append(found[name])

    for name in sorted(found):
        visit(name, ())
    return tuple(ordered)


def build(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the macros, then every model for the run's parameters, in order."""
    conn.execute((ROOT / "macros.sql").read_text(encoding="utf-8"))
    for model in models():
        kind = "temp table" if LAYERS[model.layer] == "table" else "temp view"
        conn.execute(f"create or replace {kind} {model.name} as\n{model.sql}")
