"""The report's charts: Vega-Lite specs over the `kgbuild.report.data` tables, rendered offline by vl-convert.

Each chart names its data layer ``datamarks``; `chart_svg` gives every mark of that layer the class ``mark-point``
and a ``<title>`` (the hover text, e.g. a claim's evidence), so the page needs no JavaScript for tooltips and tests
can count marks.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from ..errors import SinkError
from .data import NO_CLASS, NO_VENDOR, ReportTables, Row, report_tables

__all__ = ["Chart", "charts", "chart_svg", "chart_png", "write_figures"]

_UNITS = {"x": "× faster (ratio)", "%": "% change"}
_WIDTH = 420
_PALETTE = ("#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2", "#ff9da6", "#9d755d")
_CONFIG = {"view": {"stroke": "#ddd"}, "axis": {"labelLimit": 260, "titleFontWeight": "normal"},
           "legend": {"labelLimit": 200}, "font": "sans-serif"}


@dataclass(frozen=True)
class Chart:
    """One figure: ``name`` is its file stem and (as ``chart-<name>``) its element id in the page."""

    name: str
    title: str
    caption: str
    spec: dict[str, Any]
    marks: int   # how many data marks the figure draws: one per row of its data

    @property
    def element_id(self) -> str:
        return f"chart-{self.name}"


def _clip(text: str, n: int = 240) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _claim_tip(r: Row) -> str:
    value = f"{r['value']:g}{'×' if r['unit'] == 'x' else '%'} {r['metric']}".strip()
    parts = [value, f"by {r['method']}" if r["method"] else "", f"over {r['baseline']}" if r["baseline"] else "",
             f"on {r['hardware']}" if r["hardware"] else ""]
    return f"{' '.join(p for p in parts if p)} — paper {r['paper_id']}: “{_clip(r['evidence'])}”"


def _spec(data: list[Row], body: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "config": _CONFIG,
            "data": {"values": data}, **top, **body}


def _plotted(claims: list[Row]) -> list[Row]:
    """Claims a log axis can show (value > 0), with the fields the specs use."""
    return [{"value": r["value"], "unit": _UNITS.get(r["unit"], r["unit"]), "vendor": r["vendor"] or NO_VENDOR,
             "class": r["hw_class"] or NO_CLASS, "method": r["method"], "tip": _claim_tip(r)}
            for r in claims if r["value"] > 0]


def _colour_scale(names: set[str]) -> dict[str, Any]:
    """The same colour for a vendor (or class) in every chart; the "no vendor" group is grey."""
    domain = sorted(names - {NO_VENDOR, NO_CLASS}, key=str.lower)
    range_ = [_PALETTE[i % len(_PALETTE)] for i in range(len(domain))]
    for missing in (NO_VENDOR, NO_CLASS):
        if missing in names:
            domain.append(missing)
            range_.append("#bab0ac")
    return {"domain": domain, "range": range_}


def _faceted_points(rows: list[Row], y: str, y_title: str, color: str, color_title: str,
                    colours: dict[str, Any]) -> dict[str, Any]:
    y_order = sorted({r[y] for r in rows}, key=lambda v: (v in (NO_VENDOR, NO_CLASS), v.lower()))
    return {
        "facet": {"column": {"field": "unit", "type": "nominal", "title": None, "sort": list(_UNITS.values())}},
        "resolve": {"scale": {"x": "independent"}},
        "spec": {"width": _WIDTH // 2 + 60, "height": 14 + 26 * len(y_order), "layer": [{
            "name": "datamarks",
            "mark": {"type": "point", "filled": True, "size": 70, "opacity": 0.75},
            "encoding": {
                "x": {"field": "value", "type": "quantitative", "scale": {"type": "log"},
                      "title": "reported (log scale)"},
                "y": {"field": y, "type": "nominal", "title": y_title, "sort": y_order},
                "yOffset": {"field": color, "type": "nominal"},
                "color": {"field": color, "type": "nominal", "title": color_title, "scale": colours},
                "description": {"field": "tip", "type": "nominal"},
            }}]},
    }


def charts(tables: ReportTables, max_methods: int = 20) -> list[Chart]:
    """The report's figures, in page order; a chart with no data has ``marks == 0`` and is not drawn."""
    points = _plotted(tables.claims)
    by_method: dict[str, int] = {}
    for r in points:
        if r["method"]:
            by_method[r["method"]] = by_method.get(r["method"], 0) + 1
    methods = set(sorted(by_method, key=lambda m: (-by_method[m], m))[:max_methods])
    method_points = [r for r in points if r["method"] in methods]
    top = [{"method": r["method"], "value": r["value"], "tip": _claim_tip(r),
            "context": " ".join(p for p in (f"over {r['baseline']}" if r["baseline"] else "",
                                            f"on {r['hardware']}" if r["hardware"] else "") if p)}
           for r in tables.top_methods]
    timeline = [{**r, "tip": f"{r['period']}: {r['papers']} paper(s) name {r['vendor']} hardware"}
                for r in tables.timeline]
    cells = [{**c, "tip": f"{c['family']} on {c['dataset']}: {c['papers']} paper(s)"} for c in tables.heatmap]
    vendors = _colour_scale({r["vendor"] for r in points} | {r["vendor"] for r in timeline})
    classes = _colour_scale({r["class"] for r in points})
    skipped = len(tables.claims) - len(points)
    zero_note = f"; {skipped} claim(s) with a value ≤ 0 left out of the log axis" if skipped else ""
    return [
        Chart("speedups-by-vendor", "Speedup claims by hardware vendor and class",
              f"{len(points)} claims; × ratios and % changes on separate log axes; hover a point for its evidence"
              + zero_note,
              _spec(points, _faceted_points(points, "vendor", "vendor", "class", "hardware class", classes)),
              len(points)),
        Chart("speedups-by-method", "Speedup claims by method",
              f"{len(method_points)} claims of the {len(methods)} methods with most claims"
              f" (of {len(by_method)}); colour is the hardware vendor",
              _spec(method_points, _faceted_points(method_points, "method", "method", "vendor", "vendor", vendors)),
              len(method_points)),
        Chart("top-methods", "Top methods by reported speedup",
              "the biggest × figure each method reports, with its baseline and hardware",
              _spec(top, {"width": _WIDTH, "height": {"step": 22}, "layer": [
                  {"name": "datamarks", "mark": {"type": "bar", "color": "#4c78a8"}, "encoding": {
                      "y": {"field": "method", "type": "nominal", "sort": "-x", "title": None},
                      "x": {"field": "value", "type": "quantitative", "title": "best reported speedup (×)"},
                      "description": {"field": "tip", "type": "nominal"}}},
                  {"name": "labels", "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 10},
                   "encoding": {"y": {"field": "method", "type": "nominal", "sort": "-x"},
                                "x": {"field": "value", "type": "quantitative"},
                                "text": {"field": "context", "type": "nominal"}}}]}),
              len(top)),
        Chart("hardware-over-time", "Hardware mentions over time", tables.timeline_note,
              _spec(timeline, {"width": _WIDTH, "height": 220, "layer": [{
                  "name": "datamarks", "mark": "bar", "encoding": {
                      "x": {"field": "period", "type": "ordinal", "sort": {"field": "order"}, "title": None},
                      "y": {"field": "papers", "type": "quantitative", "stack": "zero", "title": "papers"},
                      "color": {"field": "vendor", "type": "nominal", "scale": vendors},
                      "description": {"field": "tip", "type": "nominal"}}}]}),
              len(timeline)),
        Chart("families-by-dataset", "Model families evaluated on datasets and benchmarks",
              tables.heatmap_note + "; sized variants are counted with their family",
              _spec(cells, {"layer": [{
                  "name": "datamarks", "mark": "rect", "encoding": {
                      "x": {"field": "dataset", "type": "nominal", "title": None, "axis": {"labelAngle": -40}},
                      "y": {"field": "family", "type": "nominal", "title": None},
                      "color": {"field": "papers", "type": "quantitative", "scale": {"scheme": "blues"}},
                      "description": {"field": "tip", "type": "nominal"}}}]},
                    width={"step": 22}, height={"step": 20}),
              len(cells)),
    ]


_DATA_GROUP = re.compile(r'(<g class="mark-\w+ role-mark datamarks_marks"[^>]*>)(.*?)(</g>)', re.S)
_DATA_MARK = re.compile(r'<(path|text) aria-label="([^"]*)" role="graphics-symbol"([^>]*?)(/>|>)', re.S)


def _mark_items(match: re.Match) -> str:
    def item(m: re.Match) -> str:
        tag, label, rest, end = m.groups()
        if end == "/>":
            return f'<{tag} class="mark-point"{rest}><title>{label}</title></{tag}>'
        return f'<{tag} class="mark-point"{rest}><title>{label}</title>'
    return match.group(1) + _DATA_MARK.sub(item, match.group(2)) + match.group(3)


def _prefix_ids(svg: str, prefix: str) -> str:
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', svg)


def _vl_convert() -> Any:
    try:
        import vl_convert
    except ImportError as e:
        raise SinkError("the report's charts need vl-convert-python, which is not installed — "
                        "pip install vl-convert-python") from e
    return vl_convert


def chart_svg(chart: Chart) -> str:
    """The chart as SVG text: data marks carry ``class="mark-point"`` and a ``<title>``; ids are prefixed so
    several charts can share one page."""
    svg = _vl_convert().vegalite_to_svg(json.dumps(chart.spec))
    svg = _DATA_GROUP.sub(_mark_items, svg)
    svg = svg.replace('class="marks"', f'class="marks chart-svg" data-chart="{chart.name}"', 1)
    return _prefix_ids(svg, chart.element_id)


def chart_png(chart: Chart, scale: float = 2.0) -> bytes:
    return _vl_convert().vegalite_to_png(json.dumps(chart.spec), scale=scale)


def write_figures(G: nx.MultiDiGraph, out_dir: str | os.PathLike) -> list[Path]:
    """Write each chart that has data as ``<name>.svg`` and ``<name>.png`` into ``out_dir`` (created if needed).

    Returns the paths written, SVG before PNG for each chart.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [p.name for p in write_figures(small_graph, d)][:4]
    ['speedups-by-vendor.svg', 'speedups-by-vendor.png', 'speedups-by-method.svg', 'speedups-by-method.png']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for chart in charts(report_tables(G)):
        if chart.marks == 0:
            continue
        svg, png = out / f"{chart.name}.svg", out / f"{chart.name}.png"
        svg.write_text(chart_svg(chart), encoding="utf-8")
        png.write_bytes(chart_png(chart))
        written += [svg, png]
    return written
