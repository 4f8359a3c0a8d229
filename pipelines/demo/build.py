"""Write each dataset's export files: one function per dataset family, each
taking the run's `Run` (seed, months, roster, sizes) and returning the paths.

Big datasets are generated and written in chunks of whole sites (≤ 500k rows),
each chunk with its own random stream, so memory stays flat at group scale."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.demo import complaints as cp
from pipelines.demo import contact, crm, repairs, sales, surveys
from pipelines.demo.common import changed_between, rng_for, shift_month, site_counts
from pipelines.demo.plan import dressed, exported_at, file_form, fill
from pipelines.demo.sites import property_sites, sales_sites, unknown_site_id
from pipelines.demo.writers import write_export
from schemas.declarations import load_order

CHUNK_ROWS = 500_000
# mean rows per site and month by site kind (scaled by site size)
DEMO_VOLUME = {
    "calls": {"residential": 180, "office": 90, "sales": 220},
    "visits": {"residential": 50, "office": 25, "sales": 110},
    "repairs": {"residential": 100, "office": 45},
    "complaints": {"residential": 16, "office": 7},
    "crm_customers": {"sales": 60},
}
SCALE_VOLUME = {
    "calls": {"residential": 4500, "office": 3000, "sales": 7000},
    "visits": {"residential": 400, "office": 200, "sales": 900},
    "repairs": {"residential": 1600, "office": 900},
    "complaints": {"residential": 130, "office": 65},
    "crm_customers": {"sales": 660},
}
# minutes after the month's export time, so files of one month sort in load order
EXPORT_OFFSET = {name: i for i, name in enumerate(load_order())}


@dataclass
class Run:
    out_dir: Path
    seed: int
    months: list[str]
    sites: pd.DataFrame
    scale: bool

    @property
    def volume(self) -> dict:
        return SCALE_VOLUME if self.scale else DEMO_VOLUME

    def rng(self, *parts) -> np.random.Generator:
        return rng_for(self.seed, *parts)

    def write(
        self, dataset: str, month_index: int, chunks, month: str | None = None, quarter: str = ""
    ) -> Path:
        month = month or self.months[month_index]
        name, form = file_form(dataset, month_index, self.scale)
        when = exported_at(month, EXPORT_OFFSET[dataset])
        path = self.out_dir / dataset / fill(name, month, when, quarter)
        return write_export(
            path,
            dataset,
            chunks,
            dressed(form, month, when),
            self.rng(dataset, month, "file"),
            when,
            unknown_site_id(self.sites),
        )


def site_groups(counts: np.ndarray, limit: int = CHUNK_ROWS) -> list[np.ndarray]:
    """Consecutive runs of sites whose rows add up to at most `limit` (a site is never split)."""
    groups, start, total = [], 0, 0
    for i, c in enumerate(counts):
        if total and total + c > limit:
            groups.append(np.arange(start, i))
            start, total = i, 0
        total += int(c)
    groups.append(np.arange(start, len(counts)))
    return groups


def chunked(
    run: Run, dataset: str, make: Callable, sites: pd.DataFrame, month: str
) -> Iterator[pd.DataFrame]:
    """Frames of `make(rng, sites, month, counts, first_id)`, one per group of sites."""
    counts = site_counts(run.rng(dataset, month, "counts"), sites, month, run.volume[dataset])
    first_id = 1
    for k, group in enumerate(site_groups(counts)):
        frame = make(run.rng(dataset, month, k), sites.iloc[group], month, counts[group], first_id)
        first_id += len(frame)
        yield frame


def write_sites(run: Run) -> list[Path]:
    declared = [c for c in run.sites.columns if not c.startswith("_")]
    return [run.write("sites", len(run.months) - 1, [run.sites[declared]])]


def write_contacts(run: Run) -> dict[str, list[Path]]:
    out = {"calls": [], "visits": []}
    for i, month in enumerate(run.months):
        out["calls"].append(
            run.write("calls", i, chunked(run, "calls", contact.calls_frame, run.sites, month))
        )
        out["visits"].append(
            run.write("visits", i, chunked(run, "visits", contact.visits_frame, run.sites, month))
        )
    return out


def write_with_history(
    run: Run, dataset: str, make: Callable, as_exported: Callable, time_columns: list[str]
) -> list[Path]:
    """A register exported monthly: each file shows its month's records as they stood at
    export time, plus earlier records whose handling moved on since the last export."""
    paths, previous = [], None
    for i, month in enumerate(run.months):
        export = np.datetime64(exported_at(month), "s")
        kept: list[pd.DataFrame] = []

        def chunks(month=month, export=export, previous=previous, kept=kept):
            for frame in chunked(run, dataset, make, property_sites(run.sites), month):
                if not run.scale:
                    kept.append(frame)
                yield as_exported(frame, export)
            if previous is not None:
                before = np.datetime64(exported_at(shift_month(month, -1)), "s")
                moved = changed_between(previous, time_columns, before, export)
                if len(moved):
                    yield as_exported(moved, export)

        paths.append(run.write(dataset, i, chunks()))
        previous = pd.concat(kept, ignore_index=True) if kept else None
    return paths


def write_repairs(run: Run) -> list[Path]:
    return write_with_history(
        run, "repairs", repairs.repairs_frame, repairs.repairs_as_exported, repairs.TIME_COLUMNS
    )


def write_complaints(run: Run) -> list[Path]:
    return write_with_history(
        run, "complaints", cp.complaints_frame, cp.complaints_as_exported, cp.TIME_COLUMNS
    )


def write_surveys(run: Run) -> dict[str, list[Path]]:
    campaigns = surveys.campaigns_for(
        property_sites(run.sites), run.months, run.rng("survey_campaigns")
    )
    declared = [c for c in campaigns.columns if not c.startswith("_")]
    out = {
        "survey_campaigns": [
            run.write(
                "survey_campaigns",
                len(run.months) - 1,
                [surveys.campaigns_frame(campaigns)[declared]],
            )
        ]
    }
    out["survey_responses"] = []
    for i, month in enumerate(run.months):
        these = campaigns[campaigns["campaign_id"].str[2:6] == month[2:4] + month[5:7]]
        groups = site_groups(these["_responses"].to_numpy(), CHUNK_ROWS // 2)
        chunks = (
            surveys.responses_frame(run.rng("survey_responses", month, k), these.iloc[g])
            for k, g in enumerate(groups)
        )
        out["survey_responses"].append(run.write("survey_responses", i, chunks))
    return out


def write_sales(run: Run) -> dict[str, list[Path]]:
    shops = sales_sites(run.sites)
    out: dict[str, list[Path]] = {"sales_submissions": [], "crm_customers": [], "phone_surveys": []}
    submissions = sales.submissions_frame(shops, run.months)
    for i, month in enumerate(run.months):
        out["sales_submissions"].append(
            run.write("sales_submissions", i, [submissions[submissions["month"] == month]])
        )
    book = customer_book(run, shops)
    for i, month in enumerate(run.months):
        rows = crm.crm_file_rows(
            run.rng("crm_customers", month, "file_rows"), book, month, i, len(run.months)
        )
        out["crm_customers"].append(run.write("crm_customers", i, [rows]))
    customers = book[["site_id", "customer_id", "registered_at"]]
    for i, month in enumerate(run.months):
        frame = sales.phone_surveys_frame(
            run.rng("phone_surveys", month), shops, month, i, len(run.months), customers
        )
        out["phone_surveys"].append(run.write("phone_surveys", i, [frame]))
    out["mystery_shops"] = []
    for quarter, months in sales.quarters(run.months).items():
        frame = sales.mystery_shops_frame(run.rng("mystery_shops", quarter), shops, quarter, months)
        out["mystery_shops"].append(
            run.write("mystery_shops", run.months.index(months[-1]), [frame], quarter=quarter)
        )
    out["exemptions"] = [
        run.write("exemptions", len(run.months) - 1, [sales.exemptions_frame(shops, run.months)])
    ]
    return out


def customer_book(run: Run, shops: pd.DataFrame) -> pd.DataFrame:
    """Every customer registered over the months, with the month each one buys (if any)."""
    parts = []
    for i, month in enumerate(run.months):
        rng = run.rng("crm_customers", month)
        counts = site_counts(rng, shops, month, run.volume["crm_customers"])
        following = run.months[i + 1] if i + 1 < len(run.months) else None
        parts.append(crm.registrations(rng, shops, month, i, counts, following))
    return pd.concat(parts, ignore_index=True)
