"""Every glyph the report draws exists in the bundled font; Pareto data is sorted and ends at 100%."""

from __future__ import annotations

import math
from pathlib import Path

import yaml
from fontTools.ttLib import TTFont

from pipelines.report import charts, context, data, fonts
from pipelines.report.sections import pareto as pareto_section
from tests.report.conftest import MONTH


def font_cmap() -> set[int]:
    """Read straight from the file with fontTools, independently of fonts.codepoints()."""
    with TTFont(fonts.font_path(), lazy=True) as font:
        return set(font.getBestCmap())


def drawable(text: str) -> bool:
    return not text.isspace()


def test_font_is_the_bundled_noto_sans_cjk_sc():
    path = fonts.font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf" and path.parent.parent.name == "mplfonts"
    with TTFont(path, lazy=True) as font:
        assert font["name"].getBestFamilyName() == fonts.FAMILY


def test_every_character_of_every_chart_is_in_the_font(demo_wh):
    cmap = font_cmap()
    with demo_wh.connect() as conn:
        ctx = context.build(conn, demo_wh.runs[MONTH], MONTH, "zh")
        en = context.build(conn, demo_wh.runs[MONTH], MONTH, "en")
    drawn = [ctx["pareto"]["chart"], ctx["weekly"]["chart"], ctx["surveys"]["dimension_chart"],
             en["pareto"]["chart"], en["weekly"]["chart"], en["surveys"]["dimension_chart"]]
    drawn += [s["chart"] for s in ctx["pareto"]["sites"] if s["chart"]]
    texts = [t for chart in drawn for t in chart.texts]
    assert any("累计" in t for t in texts) and any("%" in t for t in texts)
    missing = {ch for t in texts for ch in t if drawable(ch) and ord(ch) not in cmap}
    assert not missing, f"glyphs missing from {fonts.FONT_FILE}: {sorted(missing)}"


def test_every_label_of_the_report_is_in_the_font():
    """The page's font is a subset of the same file: a character it lacks would fall back to
    whatever the viewer has (boxes on a machine without CJK fonts)."""
    cmap = font_cmap()
    for lang in context.LANGUAGES:
        text = (context.TEMPLATES / f"labels.{lang}.yaml").read_text(encoding="utf-8")
        words = yaml.safe_load(text)
        flat = yaml.safe_dump(words, allow_unicode=True)
        missing = {ch for ch in flat if drawable(ch) and ord(ch) not in cmap}
        assert not missing, f"labels.{lang}.yaml: {sorted(missing)}"


def test_chart_functions_return_svg_data_uris():
    labels = context.labels("zh")["chart"]
    chart = charts.pareto(["停车管理", "维修质量"], [3, 1], [0.75, 1.0], [True, False], 0.8, labels)
    assert chart.uri.startswith("data:image/svg+xml;base64,")
    assert "停车管理" in chart.texts and "80%" in chart.texts
    weekly = charts.weekly_callbacks(["W40\n9/28–10/4"], [None], 0.8, labels)
    assert labels["no_data"] in weekly.texts
    assert charts.sparkline([None, 0.5], 0.8, False) is None  # one month is not a trend
    assert charts.sparkline([0.7, None, 0.9], 0.8, True).startswith("data:image/svg+xml;base64,")


def test_pareto_rows_sorted_and_cumulative_ends_at_100(demo_wh):
    with demo_wh.connect() as conn:
        by_site = data.pareto(conn, demo_wh.runs[MONTH])
    assert None in by_site and len(by_site) > 1
    for site_id, rows in by_site.items():
        counts = [r.complaints for r in rows]
        assert counts == sorted(counts, reverse=True), site_id
        assert [r.rank for r in rows] == list(range(1, len(rows) + 1)), site_id
        cumulative = [r.cumulative_share for r in rows]
        assert cumulative == sorted(cumulative), site_id
        assert math.isclose(cumulative[-1], 1.0, abs_tol=1e-9), site_id
        assert sum(counts) == rows[0].total, site_id
        assert rows[0].is_vital_few  # the largest category always starts the vital few


def test_pareto_section_is_in_data_order(demo_wh):
    with demo_wh.connect() as conn:
        by_site = data.pareto(conn, demo_wh.runs[MONTH])
        view = pareto_section.pareto(by_site, data.sites(conn, demo_wh.runs[MONTH]), 0.8, context.labels("zh"))
    assert [r["count"] for r in view["rows"]] == [r.complaints for r in by_site[None]]
    assert view["rows"][-1]["cumulative"] == "100.0%"
    totals = [s["total"] for s in view["sites"]]
    assert totals == sorted(totals, reverse=True)


def test_templates_live_where_context_looks():
    assert (context.TEMPLATES / "report.html.j2").is_file()
    assert (context.TEMPLATES / "report.css").is_file()
    assert Path(context.TEMPLATES).name == "templates"


def test_a_category_with_dollar_signs_is_drawn_as_typed(tmp_path):
    # matplotlib reads "$…$" as mathtext: "$x^2$" became x², and a lone "$" failed the whole run
    words = context.labels("zh")["chart"]
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # mathtext would warn of glyphs missing from its own font
        chart = charts.pareto(["$x^2$ 噪音", "a $\\frac$ b", "$停车$"], [5, 3, 2], [0.5, 0.8, 1.0],
                              [True, True, False], 0.8, words)
    assert {"$x^2$ 噪音", "a $\\frac$ b", "$停车$"} <= set(chart.texts)
