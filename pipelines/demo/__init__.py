"""Realistic demo exports for all twelve datasets, seeded and byte-for-byte reproducible.

    generate(Path("data/raw"))               12 sites, 2026-09 … 2026-11
    generate(Path("bench/raw"), scale=True)  group scale: 1,000 sites, one month, ~5M calls

The files look like what offices really send (GB18030 and UTF-8 CSVs, XLSX,
Chinese headers, title lines, 合计 rows, four date styles, 是/否 and Y/N), hold
about 1 % broken records that ingest must quarantine, and make every handbook
rule of contract §2 both meet and miss its target somewhere.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.demo import build
from pipelines.periods import months_between as months_range
from pipelines.demo.common import rng_for
from pipelines.demo.sites import site_roster
from schemas.declarations import load_order

__all__ = ["DEFAULT_MONTHS", "SCALE_SITES", "generate", "months_range"]

DEFAULT_MONTHS = ["2026-09", "2026-10", "2026-11"]
SCALE_SITES = 1000


def generate(
    out_dir: Path,
    *,
    sites: int = 12,
    months: list[str] = DEFAULT_MONTHS,
    seed: int = 7,
    scale: bool = False,
) -> dict[str, list[Path]]:
    """Write `out_dir/<dataset>/<file>` for every dataset; returns dataset -> paths written.

    The same arguments give byte-identical files. With `scale=True` the run is the
    group-scale benchmark: at least 1,000 sites and only the last of `months`
    (about 5M calls, 1M repair tickets, 100k complaints, 500k questionnaires and
    200k CRM records), written in chunks."""
    months = sorted(set(months))  # a copy: the default list is never touched
    if not months:
        raise ValueError("at least one month is needed")
    if scale:
        sites, months = max(sites, SCALE_SITES), months[-1:]
    if sites < 1:
        raise ValueError("at least one site is needed")
    roster = site_roster(sites, months, rng_for(seed, "sites"))
    run = build.Run(out_dir=Path(out_dir), seed=seed, months=months, sites=roster, scale=scale)
    written: dict[str, list[Path]] = {"sites": build.write_sites(run)}
    written |= build.write_contacts(run)
    written["repairs"] = build.write_repairs(run)
    written["complaints"] = build.write_complaints(run)
    written |= build.write_surveys(run)
    written |= build.write_sales(run)
    return {name: written[name] for name in load_order()}
