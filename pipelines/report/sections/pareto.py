"""Complaints by root-cause category (排列图, 000 §4.8.4.5(2)): the company's and each site's."""

from __future__ import annotations

from pipelines.report import charts
from pipelines.report import formatting as fmt
from pipelines.report.cells import site_label
from pipelines.report.data import ParetoRow, Site
from pipelines.report.data import pareto as stored_pareto

NAME = "pareto"
SHOWS = "complaints"
# Site charts for the sites with most complaints; the others get their Pareto as a line of text.
# A chart costs ~0.15 s and ~60 kB of HTML, and a thousand of them would help nobody.
SITE_PARETO_CHARTS = 24



def build(inputs) -> dict:
    share = float(inputs.rules["pareto.vital_share"]["value"])
    return {"pareto": pareto(stored_pareto(inputs.conn, inputs.run.run_id), inputs.sites, share, inputs.words)}


def pareto(by_site: dict[str | None, list[ParetoRow]], sites: list[Site], vital_share: float, labels: dict) -> dict:
    """The company's 排列图 and one per site with complaints (the most complaints first), the vital
    few being the categories it takes to reach `vital_share` (the run's rule)."""
    company = by_site.get(None) or []
    if not company:
        return {"available": False}
    shown = fmt.trim(vital_share * 100) + "%"
    known = {s.site_id: s for s in sites}
    site_ids = sorted((s for s in by_site if s is not None), key=lambda s: (-by_site[s][0].total, s))
    site_views = []
    for i, site_id in enumerate(site_ids):
        rows = by_site[site_id]
        site_views.append({
            "site": site_label(known.get(site_id), site_id),
            "total": rows[0].total,
            "chart": _pareto_chart(rows, vital_share, labels, small=True) if i < SITE_PARETO_CHARTS else None,
            "vital": labels["list_sep"].join(r.category for r in rows if r.is_vital_few),
            "summary": labels["item_sep"].join(
                labels["pareto_item"].format(category=r.category, count=r.complaints, share=fmt.percent(r.share, 0))
                for r in rows),
        })
    return {
        "available": True,
        "chart": _pareto_chart(company, vital_share, labels),
        "intro": labels["pareto_intro"].format(share=shown),
        "rows": [{"category": r.category, "rank": r.rank, "count": r.complaints, "share": fmt.percent(r.share),
                  "cumulative": fmt.percent(r.cumulative_share), "vital": r.is_vital_few} for r in company],
        "total": company[0].total,
        "vital": labels["list_sep"].join(r.category for r in company if r.is_vital_few),
        "sites": site_views,
        "charted": min(len(site_ids), SITE_PARETO_CHARTS),
    }



def _pareto_chart(rows: list[ParetoRow], vital_share: float, labels: dict, small: bool = False) -> charts.Chart:
    return charts.pareto([r.category for r in rows], [r.complaints for r in rows],
                         [r.cumulative_share for r in rows], [r.is_vital_few for r in rows], vital_share,
                         labels["chart"], small)

