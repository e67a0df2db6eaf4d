"""The report page: one HTML file with its CSS, JavaScript, charts (inline SVG) and data inlined, for offline use.

Stable hooks for readers and tests: ``#summary [data-stat]``, ``figure.chart#chart-<name>[data-marks]`` holding
``.mark-point`` marks, ``#claims-table`` with ``#claims-filter`` and ``#claims-count``, and the explorer's
``#explorer-svg circle.explorer-node[data-id]``, ``#explorer-panel`` and ``#explorer-note[data-shown][data-total]``.
The script sets ``window.__reportReady = true`` once everything is drawn.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from .data import ReportTables, Row, report_tables
from .explorer import EXPLORER_LABELS, explorer_data
from .figures import Chart, chart_svg, charts

__all__ = ["render_report", "write_report", "CLAIM_COLUMNS"]

#: The claims table's columns: (data-key, header, numeric).
CLAIM_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("value", "value", True), ("unit", "unit", False), ("metric", "metric", False), ("method", "method", False),
    ("baseline", "baseline", False), ("hardware", "hardware", False), ("vendor", "vendor", False),
    ("paper", "paper", False), ("evidence", "evidence", False))
_ASSETS = ("table.js", "explorer.js", "report.js")
_LABEL_NAMES = {"HardwareClass": "hardware class"}
_NUMBER = ' data-type="number"'
_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#b279a2", "#9d755d")   # as in explorer.js


def _asset(name: str) -> str:
    return (resources.files("kgbuild.report") / "assets" / name).read_text(encoding="utf-8")


def _script_json(data: Any) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _stat(key: str, title: str, value: Any, wide: bool = False) -> str:
    return (f'<div class="stat{" wide" if wide else ""}" data-stat="{escape(key)}"><dt>{escape(title)}</dt>'
            f"<dd>{escape(str(value))}</dd></div>")


def _summary(s: Row) -> str:
    stats = [_stat("papers", "papers", s["papers"])]
    stats += [_stat(f"entities-{label}", f"{label.lower()} entities", n) for label, n in s["entities"].items()]
    stats += [_stat("claims", "speedup claims", s["claims"]), _stat("claims-x", "× claims", s["claims_x"]),
              _stat("claims-pct", "% claims", s["claims_pct"]), _stat("vendors", "hardware vendors", s["vendor_nodes"]),
              _stat("date-range", "dates", s["date_range"], wide=True),
              _stat("undated-papers", "undated papers", s["undated_papers"])]
    rows = "".join(f'<tr data-vendor="{escape(v["vendor"])}"><td>{escape(v["vendor"])}</td>'
                   f'<td class="num">{v["hardware"]}</td><td class="num">{v["papers"]}</td>'
                   f'<td class="num">{v["claims"]}</td></tr>' for v in s["vendors"])
    vendors = (f'<table id="vendors-table"><thead><tr><th>vendor</th><th>hardware</th><th>papers</th>'
               f"<th>claims</th></tr></thead><tbody>{rows}</tbody></table>" if rows else "")
    return (f'<section id="summary"><h2>Summary</h2><div class="summary-body"><div><dl class="stats">'
            f'{"".join(stats)}</dl><p class="note">{s["nodes"]} nodes and {s["edges"]} edges in the graph.</p>'
            f"</div>{vendors}</div></section>")


def _figure(chart: Chart) -> str:
    head = (f'<figure class="chart" id="{chart.element_id}" data-marks="{chart.marks}">'
            f"<figcaption><b>{escape(chart.title)}</b>{escape(chart.caption)}</figcaption>")
    if chart.marks == 0:
        return head + '<p class="empty">No data for this chart in this corpus.</p></figure>'
    return head + chart_svg(chart) + "</figure>"


def _claim_cells(r: Row) -> dict[str, tuple[str, str]]:
    """Display text and sort key of each claims-table cell."""
    paper = f"{r['paper_title']} ({r['paper_id']})" if r["paper_title"] else r["paper_id"]
    return {"value": (f"{r['value']:g}", repr(r["value"])), "unit": ("×" if r["unit"] == "x" else r["unit"], ""),
            "metric": (r["metric"], ""), "method": (r["method"], ""), "baseline": (r["baseline"], ""),
            "hardware": (r["hardware"], ""), "vendor": (r["vendor"], ""), "paper": (paper, ""),
            "evidence": (r["evidence"], "")}


def _claims_table(claims: list[Row]) -> str:
    head = "".join(f'<th data-key="{k}"{_NUMBER if num else ""} aria-sort="none">'
                   f'<button type="button">{escape(title)}</button></th>' for k, title, num in CLAIM_COLUMNS)
    body = []
    for i, r in enumerate(claims):
        cells = _claim_cells(r)
        tds = []
        for key, _, num in CLAIM_COLUMNS:
            text, sort = cells[key]
            cls = ' class="num"' if num else (' class="evidence"' if key == "evidence" else "")
            sort_attr = f' data-sort="{escape(sort)}"' if sort else ""
            tds.append(f"<td{cls}{sort_attr}>{escape(text)}</td>")
        body.append(f'<tr data-index="{i}" data-claim="{escape(r["id"])}" data-unit="{escape(r["unit"])}">'
                    + "".join(tds) + "</tr>")
    return (f'<section id="claims"><h2>Every speedup claim</h2><div class="table-tools">'
            f'<input id="claims-filter" type="search" data-filters="claims-table" autocomplete="off" '
            f'placeholder="filter: words that must all occur in a row" aria-label="filter claims">'
            f'<span id="claims-count" data-counts="claims-table" data-noun="claims" data-shown="{len(claims)}">'
            f"{len(claims)} claims</span></div>"
            f'<div class="table-wrap"><table id="claims-table" class="sortable" data-rows="{len(claims)}">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div></section>')


def _top_table(rows: list[Row]) -> str:
    if not rows:
        return ""
    body = "".join(
        f'<tr><td>{escape(r["method"])}</td><td class="num" data-sort="{r["value"]!r}">{r["value"]:g}×</td>'
        f'<td>{escape(r["baseline"])}</td><td>{escape(r["hardware"])}</td><td>{escape(r["vendor"])}</td>'
        f'<td>{escape(r["paper_id"])}</td><td class="num">{r["claims"]}</td></tr>' for r in rows)
    cols = "".join(f'<th{_NUMBER if n else ""} aria-sort="none"><button type="button">{t}</button></th>'
                   for t, n in (("method", 0), ("best ×", 1), ("baseline", 0), ("hardware", 0), ("vendor", 0),
                                ("paper", 0), ("× claims", 1)))
    return (f'<table id="top-methods-table" class="sortable"><thead><tr>{cols}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _findings_table(G: nx.MultiDiGraph) -> str:
    """Claims grouped by method, baseline, hardware, metric and unit, with how many papers back each."""
    from ..queries import findings

    rows = findings(G)
    body = "".join(
        f'<tr><td>{escape(r["method"])}</td><td>{escape(r["baseline"])}</td><td>{escape(r["hardware"])}</td>'
        f'<td>{escape(r["metric"])}</td><td>{escape(r["unit"])}</td><td class="num">{r["papers"]}</td>'
        f'<td class="num">{r["claims"]}</td><td class="num" data-sort="{r["min"]!r}">{r["min"]:g}</td>'
        f'<td class="num" data-sort="{r["median"]!r}">{r["median"]:g}</td>'
        f'<td class="num" data-sort="{r["max"]!r}">{r["max"]:g}</td></tr>' for r in rows)
    cols = "".join(f'<th{_NUMBER if n else ""} aria-sort="none"><button type="button">{t}</button></th>'
                   for t, n in (("method", 0), ("baseline", 0), ("hardware", 0), ("metric", 0), ("unit", 0),
                                ("papers", 1), ("claims", 1), ("min", 1), ("median", 1), ("max", 1)))
    return (f'<section id="findings"><h2>Findings</h2><p>Claims with the same method, baseline, hardware, metric '
            f'and unit, with the number of papers behind them.</p><div class="table-wrap">'
            f'<table id="findings-table" class="sortable" data-rows="{len(rows)}"><thead><tr>{cols}</tr></thead>'
            f"<tbody>{body}</tbody></table></div></section>")


def _explorer(data: dict[str, Any]) -> str:
    counts = [0] * len(EXPLORER_LABELS)
    for n in data["nodes"]:
        counts[n["label"]] += 1
    boxes = "".join(
        f'<label><input type="checkbox" value="{i}" data-label="{label}" checked>'
        f'<span class="swatch" style="background:{_COLOURS[i]}"></span>{_LABEL_NAMES.get(label, label)} '
        f"({counts[i]})</label>" for i, label in enumerate(EXPLORER_LABELS))
    vendors = "".join(f'<option value="{i}">{escape(v)}</option>' for i, v in enumerate(data["vendors"]))
    shown, total = data["shown"], data["total"]
    note = (f"Showing all {total} entity nodes." if shown == total else
            f"Showing the {shown} most connected of {total} entity nodes (top {shown} by degree); "
            f"the rest are left out to keep the page responsive.")
    return (f'<section id="explorer"><h2>Graph explorer</h2><div class="explorer-controls">'
            f'<fieldset id="explorer-types"><legend>node types</legend>{boxes}</fieldset>'
            f'<label>vendor <select id="explorer-vendor"><option value="">all vendors</option>{vendors}'
            f"</select></label>"
            f'<span id="explorer-count"></span></div>'
            f'<p id="explorer-note" data-shown="{shown}" data-total="{total}">{note} Papers and claims are listed '
            f"in the panel when you click a node; scroll to zoom, drag to pan.</p>"
            f'<div class="explorer-body"><svg id="explorer-svg" role="img" aria-label="graph explorer"></svg>'
            f'<aside id="explorer-panel"><p class="hint">Click a node to list its papers and speedup claims.</p>'
            f"</aside></div></section>"
            f'<script type="application/json" id="explorer-data">{_script_json(data)}</script>')


def render_report(G: nx.MultiDiGraph, *, max_nodes: int = 2000, title: str | None = None) -> str:
    """The report page of ``G`` as one HTML string (see the module docstring for its element ids).

    >>> page = render_report(small_graph)
    >>> page.count('<tr data-index='), 'src="http' in page
    (9, False)
    """
    tables: ReportTables = report_tables(G)
    figures = {c.name: _figure(c) for c in charts(tables)}
    s = tables.summary
    title = title or f"kgbuild report — {s['papers']} papers"
    from .. import __version__

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    scripts = "\n".join(_asset(name) for name in _ASSETS)
    nav = "".join(f'<a href="#{i}">{t}</a>' for i, t in (
        ("summary", "summary"), ("speedups", "speedups"), ("top-methods", "top methods"),
        ("timeline", "over time"), ("heatmap", "models × datasets"), ("claims", "claims table"),
        ("findings", "findings"), ("explorer", "explorer")))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>{escape(title)}</title><style>{_asset("report.css")}</style></head>
<body><header><h1>{escape(title)}</h1><p>{s["papers"]} papers, {s["claims"]} speedup claims — made by kgbuild
{__version__} on {stamp}. Works offline: everything is in this file.</p></header><nav>{nav}</nav><main>
{_summary(s)}
<section id="speedups"><h2>Speedup claims</h2><div class="charts">{figures["speedups-by-vendor"]}
{figures["speedups-by-method"]}</div></section>
<section id="top-methods"><h2>Top methods</h2><div class="charts">{figures["top-methods"]}
{_top_table(tables.top_methods)}</div></section>
<section id="timeline"><h2>Hardware over time</h2>{figures["hardware-over-time"]}</section>
<section id="heatmap"><h2>Model families × datasets</h2>{figures["families-by-dataset"]}</section>
{_claims_table(tables.claims)}
{_findings_table(G)}
{_explorer(explorer_data(G, tables.claims, max_nodes=max_nodes))}
</main><footer>Hover a chart mark for its evidence. Node ids follow kgbuild's graph contract
(<code>kind:slug</code>).</footer>
<script>{scripts}</script></body></html>
"""


def write_report(G: nx.MultiDiGraph, path: str | os.PathLike, *, max_nodes: int = 2000,
                 title: str | None = None) -> Path:
    """Write the self-contained HTML report of ``G`` to ``path`` and return the path.

    ``max_nodes`` bounds the graph explorer: beyond it the page shows the ``max_nodes`` entity nodes with the
    highest degree and says so.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_report(small_graph, Path(d) / "report.html").stat().st_size < 400_000
    True
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(G, max_nodes=max_nodes, title=title), encoding="utf-8")
    return path
