"""The report's charts, one function each, returned as SVG data URIs.

SVG keeps them sharp in print at any zoom. Text is drawn as glyph outlines
(`svg.fonttype = path`), so a chart looks the same in a mail client, a browser without
CJK fonts and WeasyPrint. Each chart also returns the strings it drew, so a test can
check every character against the font's cmap.

Figures are built with `matplotlib.figure.Figure`, not pyplot: no global figure state,
nothing to close, safe next to other code using matplotlib.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from pipelines.report import fonts

MET, MISSED, VITAL, OTHER, LINE, GRID = "#2e7d5b", "#c0392b", "#3d6cb9", "#b9c0cc", "#e08a00", "#d9dde3"


@dataclass(frozen=True)
class Chart:
    uri: str  # data:image/svg+xml;base64,...
    texts: tuple[str, ...]  # every string drawn, for the glyph check


def _style() -> dict:
    return {
        "font.family": [fonts.use_in_matplotlib()],
        "font.size": 8.5,
        "axes.unicode_minus": False,  # the font's U+2212 is fine, but ASCII '-' keeps ticks uniform
        "text.parse_math": False,  # a category such as "$x^2$" is drawn as typed, never as mathtext
        "svg.fonttype": "path",  # outlines: no font needed where the chart is viewed
        "svg.hashsalt": "kpi-report",  # stable ids: the same data gives the same file
        "axes.spines.top": False,
        "axes.edgecolor": "#8a93a0",
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.color": GRID,
        "grid.linewidth": 0.6,
        "axes.axisbelow": True,
    }


def _finish(fig: Figure) -> Chart:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.04, metadata={"Date": None})
    # collected after drawing: tick labels get their text only then
    texts = tuple(t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text())
    uri = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return Chart(uri, texts)


def pareto(categories: list[str], counts: list[int], cumulative: list[float], vital: list[bool],
           vital_share: float, labels: dict, small: bool = False) -> Chart:
    """排列图: bars by category (largest first), cumulative share on a second axis, the vital
    share's line (80%), the vital few in colour. Inputs come sorted from the `pareto` table."""
    with matplotlib.rc_context(_style()):
        fig = Figure(figsize=(3.5, 2.1) if small else (7.0, 3.1))
        ax = fig.add_subplot()
        xs = range(len(categories))
        bars = ax.bar(xs, counts, color=[VITAL if v else OTHER for v in vital], width=0.66, zorder=2)
        if not small:
            ax.bar_label(bars, labels=[str(c) for c in counts], padding=1.5, fontsize=7.5, color="#333")
        # level labels while they fit (about 36 characters across the wide chart, 16 the small one)
        crowded = len(categories) * max((len(c) for c in categories), default=0) > (16 if small else 36)
        ax.set_xticks(list(xs), categories, rotation=40 if crowded else 0, ha="right" if crowded else "center",
                      rotation_mode="anchor" if crowded else "default", fontsize=7 if small else 8)
        ax.set_ylabel(labels["count_axis"])
        ax.set_ylim(0, max(counts) * 1.15 if counts else 1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        share = ax.twinx()
        share.plot(xs, [c * 100 for c in cumulative], color=LINE, marker="o", markersize=3 if small else 4,
                   linewidth=1.4, zorder=3)
        line = vital_share * 100
        share.axhline(line, color=MISSED, linestyle="--", linewidth=0.9)
        # bottom right, under the line: there the bars are short and the cumulative line is above it
        share.text(len(categories) - 0.55, line - 2, f"{line:g}%", color=MISSED, ha="right", va="top", fontsize=7.5)
        share.set_ylim(0, 105)
        share.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        share.grid(False)
        share.spines["top"].set_visible(False)
        if not small:
            handles = [Patch(color=VITAL, label=labels["vital_few"]),
                       Patch(color=OTHER, label=labels["trivial_many"]),
                       Line2D([], [], color=LINE, marker="o", label=labels["cumulative"])]
            ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7.5,
                      frameon=False)
        return _finish(fig)


def weekly_callbacks(weeks: list[str], values: list[float | None], target: float, labels: dict) -> Chart:
    """Repair callback rate by ISO week against its target (80%): bars green when met, red when not."""
    with matplotlib.rc_context(_style()):
        fig = Figure(figsize=(7.0, 2.6))
        ax = fig.add_subplot()
        xs = range(len(weeks))
        heights = [v * 100 if v is not None else 0 for v in values]
        colours = [MET if v is not None and v >= target else MISSED for v in values]
        bars = ax.bar(xs, heights, color=colours, width=0.55, zorder=2)
        ax.bar_label(bars, labels=[f"{v * 100:.1f}%" if v is not None else labels["no_data"] for v in values],
                     padding=2, fontsize=7.5)
        ax.axhline(target * 100, color="#333", linestyle="--", linewidth=0.9)
        # in the right margin, clear of the bars and their labels
        ax.text(1.01, target * 100, f"{labels['target']}\n{target * 100:g}%", transform=ax.get_yaxis_transform(),
                ha="left", va="center", fontsize=7.5)
        ax.set_xticks(list(xs), weeks, fontsize=7.5)
        ax.set_ylim(0, 110)
        ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        ax.set_ylabel(labels["rate_axis"])
        return _finish(fig)


def dimension_bars(names: list[str], values: list[float | None], targets: list[float | None],
                   labels: dict) -> Chart:
    """Satisfaction per survey dimension, horizontal, lowest at the top, against its target."""
    with matplotlib.rc_context({**_style(), "axes.grid.axis": "x"}):
        fig = Figure(figsize=(7.0, 0.36 * max(len(names), 3) + 0.5))
        ax = fig.add_subplot()
        ys = range(len(names))
        widths = [v * 100 if v is not None else 0 for v in values]
        colours = [MET if v is not None and t is not None and v >= t else MISSED if v is not None else OTHER
                   for v, t in zip(values, targets)]
        bars = ax.barh(ys, widths, color=colours, height=0.6, zorder=2)
        ax.bar_label(bars, labels=[f"{v * 100:.1f}%" if v is not None else labels["no_data"] for v in values],
                     padding=2, fontsize=7.5)
        for y, t in zip(ys, targets):
            if t is not None:
                ax.plot([t * 100, t * 100], [y - 0.42, y + 0.42], color="#333", linewidth=1.1, zorder=3)
        ax.set_yticks(list(ys), names)
        ax.invert_yaxis()
        low = min([w for w in widths if w] + [t * 100 for t in targets if t is not None] + [100])
        ax.set_xlim(max(0, (low // 10) * 10 - 10), 104)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.0f}%"))
        ax.set_xlabel(labels["dimension_axis"])
        return _finish(fig)


def sparkline(values: list[float | None], target: float | None, meets: bool | None) -> str | None:
    """A 12-month trend as a tiny SVG (no text, so written by hand: fast at any number of rows).

    None where fewer than two months have a value."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return None
    values = values[known[0][0]:]  # from the first month with data: two months still fill the width
    known = [(i - known[0][0], v) for i, v in known]
    width, height, pad = 96.0, 22.0, 3.0
    span = [v for _, v in known] + ([target] if target is not None else [])
    low, high = min(span), max(span)
    high = high if high > low else low + 1e-9
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def point(i: int, v: float) -> tuple[float, float]:
        return pad + i * step, height - pad - (v - low) / (high - low) * (height - 2 * pad)

    parts = []
    if target is not None:
        ty = point(0, target)[1]
        parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{ty:.2f}" y2="{ty:.2f}" stroke="#8a93a0" '
                     'stroke-width="0.8" stroke-dasharray="2 2"/>')
    segment: list[str] = []
    for i, v in enumerate(values):  # a month without a value breaks the line
        if v is None:
            if len(segment) > 1:
                parts.append(_polyline(segment))
            segment = []
            continue
        x, y = point(i, v)
        segment.append(f"{x:.2f},{y:.2f}")
    if len(segment) > 1:
        parts.append(_polyline(segment))
    x, y = point(*known[-1])
    colour = MET if meets else MISSED if meets is False else VITAL
    parts.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="2.2" fill="{colour}"/>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
           f'viewBox="0 0 {width:g} {height:g}">{"".join(parts)}</svg>')
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _polyline(points: list[str]) -> str:
    return f'<polyline points="{" ".join(points)}" fill="none" stroke="{VITAL}" stroke-width="1.3"/>'
