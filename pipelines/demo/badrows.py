"""The few broken records real exports carry, which ingest must quarantine
(contract §1): an unknown site, an unreadable time, completed before reported,
a survey answer outside the four levels, a score of 120, a missing required
value, an id entered twice.

A broken record is a *copy* of a real row, inserted right after it, so the
scenarios the generators built (an 80.00 % return rate, a phone-survey mean
in a given tier, the number of erroneous deal records) load unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from schemas.declarations import datasets

BAD_TIME = "2026-13-45 09:30"
MIN_ROWS = 40  # smaller files (sites, campaigns, submissions) stay clean

# (kind, column, value): kinds are unknown_site, bad_time, blank, swap, value, duplicate
BAD_ROWS: dict[str, list[tuple]] = {
    "calls": [("unknown_site",), ("bad_time", "started_at"), ("blank", "answered"), ("duplicate",)],
    "visits": [
        ("unknown_site",),
        ("bad_time", "visited_at"),
        ("duplicate",),
        ("blank", "visited_at"),
    ],
    "repairs": [
        ("swap", "reported_at", "completed_at"),
        ("bad_time", "reported_at"),
        ("unknown_site",),
        ("blank", "category"),
        ("duplicate",),
    ],
    "complaints": [
        ("unknown_site",),
        ("bad_time", "received_at"),
        ("blank", "category"),
        ("swap", "received_at", "handled_at"),
        ("duplicate",),
    ],
    "survey_responses": [
        ("value", "overall", "一般"),
        ("duplicate",),
        ("value", "清洁", "一般"),
        ("blank", "overall"),
    ],
    "crm_customers": [
        ("blank", "phone"),
        ("duplicate",),
        ("bad_time", "registered_at"),
        ("unknown_site",),
    ],
    "phone_surveys": [("value", "score", "120"), ("bad_time", "surveyed_at")],
}


def bad_row_count(rows: int, share: float) -> int:
    return 0 if rows < MIN_ROWS else max(1, round(rows * share))


def add_bad_rows(
    cells: pd.DataFrame, dataset: str, rng, share: float, unknown_site: str
) -> pd.DataFrame:
    """The cells with a few broken copies inserted after their originals."""
    kinds = BAD_ROWS.get(dataset)
    count = bad_row_count(len(cells), share) if kinds else 0
    if not count:
        return cells
    start = int(rng.integers(0, len(kinds)))
    per_kind = np.bincount((start + np.arange(count)) % len(kinds), minlength=len(kinds))
    copies = []
    for spec, k in zip(kinds, per_kind):
        eligible = _eligible(cells, spec)
        if k == 0 or not len(eligible):
            continue
        victims = np.sort(rng.choice(eligible, min(k, len(eligible)), replace=False))
        part = cells.iloc[victims].copy()
        part.index = victims + 0.5  # right after its original
        copies.append(_break(part, dataset, spec, unknown_site))
    if not copies:
        return cells
    bad = pd.concat(copies)
    merged = pd.concat([cells.set_axis(np.arange(len(cells), dtype=float)), bad])
    return merged.sort_index(kind="stable").reset_index(drop=True)


def _eligible(cells: pd.DataFrame, spec: tuple) -> np.ndarray:
    kind, *columns = spec
    if kind == "value":
        columns = columns[:1]
    present = [c for c in columns if c in cells.columns]
    if len(present) < len(columns):
        return np.array([], dtype=int)
    mask = np.ones(len(cells), dtype=bool)
    for c in present:
        mask &= cells[c].notna().to_numpy()
    return np.flatnonzero(mask)


def _break(rows: pd.DataFrame, dataset: str, spec: tuple, unknown_site: str) -> pd.DataFrame:
    kind, *args = spec
    if kind != "duplicate":
        # a re-keyed entry (`…-1`), so each broken row fails for one reason only
        key = datasets()[dataset].key[0]  # every dataset with broken rows has a one-column key
        rows[key] = rows[key].astype(str) + "-1"
    if kind == "unknown_site":
        rows["site_id"] = unknown_site
    elif kind == "bad_time":
        rows[args[0]] = BAD_TIME
    elif kind == "blank":
        rows[args[0]] = None
    elif kind == "swap":
        first, second = args
        rows[first], rows[second] = rows[second].to_numpy(), rows[first].to_numpy()
    elif kind == "value":
        rows[args[0]] = args[1]
    return rows
