"""The HTML report and figures, read as files: offline, bounded, and saying what the graph says."""
from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

pytest.importorskip("vl_convert", reason="the report needs vl-convert-python (pip install vl-convert-python)")

from kgbuild.graph import KnowledgeGraph, build_graph  # noqa: E402
from kgbuild.report import (  # noqa: E402
    load_graph_for_report, read_graph_json, report_tables, write_figures, write_graph_json, write_report,
)
from kgbuild.report.html import render_report  # noqa: E402

CHARTS = ("speedups-by-vendor", "speedups-by-method", "top-methods", "hardware-over-time", "families-by-dataset")


class _Page(HTMLParser):
    """Collects what a reader of the page sees: elements by id, data-stat texts, claim rows, chart marks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: dict[str, dict[str, str | None]] = {}
        self.stats: dict[str, str] = {}
        self.claim_rows: list[dict[str, str | None]] = []
        self.marks: Counter[str] = Counter()
        self.external: list[str] = []
        self._stat: str | None = None
        self._in_dd = False
        self._figure: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids[a["id"]] = a
        for key in ("src", "href", "xlink:href", "action", "data"):
            if re.match(r"\s*(https?:)?//", a.get(key) or ""):
                self.external.append(f"<{tag} {key}={a[key]}>")
        if tag == "div" and a.get("data-stat"):
            self._stat = a["data-stat"]
        if tag == "dd" and self._stat:
            self._in_dd = True
        if tag == "tr" and a.get("data-claim"):
            self.claim_rows.append(a)
        if tag == "figure":
            self._figure = (a.get("id") or "").removeprefix("chart-")
        if self._figure and "mark-point" in (a.get("class") or "").split():
            self.marks[self._figure] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "dd":
            self._in_dd, self._stat = False, None
        if tag == "figure":
            self._figure = None

    def handle_data(self, data: str) -> None:
        if self._in_dd and self._stat:
            self.stats[self._stat] = self.stats.get(self._stat, "") + data


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _labelled(G: nx.MultiDiGraph, label: str) -> list[str]:
    return [n for n, lab in G.nodes(data="label") if lab == label]


@pytest.fixture
def report(small_graph, tmp_path) -> tuple[Path, str, _Page]:
    path = write_report(small_graph, tmp_path / "report.html")
    html = path.read_text(encoding="utf-8")
    return path, html, _parse(html)


def test_report_loads_nothing_from_the_network(report):
    _, html, page = report
    assert page.external == []
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html, re.I)        # CSS
    assert not re.search(r"@import|<link[^>]+stylesheet|<script[^>]+src=", html, re.I)
    assert "<script>" in html and "<style>" in html                       # the code is inlined instead


def test_report_of_a_small_graph_is_small_enough_to_email(report):
    path, _, _ = report
    assert 20_000 < path.stat().st_size < 300_000


def test_claims_table_has_one_row_per_claim(report, small_graph):
    _, _, page = report
    claims = _labelled(small_graph, "SpeedupClaim")
    assert sorted(r["data-claim"] for r in page.claim_rows) == sorted(claims)
    assert page.ids["claims-table"]["data-rows"] == str(len(claims))
    assert page.ids["claims-count"]["data-shown"] == str(len(claims))


def test_summary_numbers_match_the_graph(report, small_graph):
    _, _, page = report
    counts = KnowledgeGraph(small_graph).counts()
    assert int(page.stats["papers"]) == counts["Paper"] == 6
    for label in ("Method", "Model", "Dataset", "Hardware"):
        assert int(page.stats[f"entities-{label}"]) == counts[label]
    units = Counter(small_graph.nodes[c]["unit"] for c in _labelled(small_graph, "SpeedupClaim"))
    assert int(page.stats["claims"]) == counts["SpeedupClaim"]
    assert (int(page.stats["claims-x"]), int(page.stats["claims-pct"])) == (units["x"], units["%"])
    assert int(page.stats["vendors"]) == counts["Vendor"]
    dates = sorted(small_graph.nodes[p]["date"] for p in _labelled(small_graph, "Paper"))
    assert page.stats["date-range"] == f"{dates[0]} – {dates[-1]}"


def test_vendor_table_counts_claims_measured_on_each_vendors_hardware(report, small_kg):
    _, html, _ = report
    for vendor in ("AMD", "NVIDIA", "Google"):
        row = re.search(rf'<tr data-vendor="{vendor}">(.*?)</tr>', html).group(1)
        assert re.findall(r"<td[^>]*>([^<]*)</td>", row)[-1] == str(len(small_kg.speedups(vendor=vendor)))


def _family(G: nx.MultiDiGraph, model: str) -> str:
    parents = [t for _, t, k in G.out_edges(model, keys=True) if k == "VARIANT_OF"]
    return _family(G, parents[0]) if parents else model


def test_every_chart_draws_one_mark_per_data_row(report, small_graph):
    _, _, page = report
    claims = [small_graph.nodes[c] for c in _labelled(small_graph, "SpeedupClaim")]
    cells = {(_family(small_graph, s), t) for s, t, k in small_graph.edges(keys=True)
             if k == "EVALUATED_ON" and small_graph.nodes[s]["label"] == "Model"}
    expected = {
        "speedups-by-vendor": sum(c["value"] > 0 for c in claims),          # every claim, × and %
        "speedups-by-method": sum(c["value"] > 0 for c in claims),          # five methods: all are in the top 20
        "top-methods": len({c["method"] for c in claims if c["unit"] == "x"} - {"WAA"}),  # WAA is its long form
        "families-by-dataset": len(cells),
    }
    for chart in CHARTS:
        assert page.marks[chart] == int(page.ids[f"chart-{chart}"]["data-marks"]) > 0, chart
    for chart, n in expected.items():
        assert page.marks[chart] == n, chart


def test_chart_marks_carry_the_evidence_as_hover_text(report, small_graph):
    _, html, _ = report
    figure = html[html.index('id="chart-speedups-by-vendor"'):html.index('id="chart-speedups-by-method"')]
    titles = re.findall(r'<path class="mark-point"[^>]*><title>([^<]*)</title>', figure)
    assert len(titles) == 9
    assert any("2.7× speedup by Wavefront-Aware Attention over FlashAttention-2 on MI250X" in t
               and "WAA is 2.7x faster than FlashAttention-2 on the MI250X" in t for t in titles)


def test_hardware_timeline_counts_papers_per_month_and_vendor(small_graph):
    rows = report_tables(small_graph).timeline
    assert sum(r["papers"] for r in rows if r["vendor"] == "AMD") == 2
    assert [r["period"] for r in rows] == sorted(r["period"] for r in rows)


def test_month_day_dates_without_a_year(small_extractions, small_lexicon):
    dates = ["--03-14", "--03-13", "--09-04", None, "--09-03", "--03-14"]
    records = [e.model_copy(update={"date": d}) for e, d in zip(sorted(small_extractions, key=lambda e: e.id), dates)]
    G = build_graph(records, lexicon=small_lexicon)
    page = _parse(render_report(G))
    assert page.stats["date-range"] == "Mar 13 – Sep 4, year not given"
    assert page.stats["undated-papers"] == "1"
    tables = report_tables(G)
    assert [r["period"] for r in tables.timeline if r["vendor"] == "AMD"] == ["Mar 13", "Sep 4"]
    assert "month–day" in tables.timeline_note


def test_many_dates_are_shown_per_month():
    G = nx.MultiDiGraph()
    G.add_node("hardware:a100", label="Hardware", name="A100")
    G.add_node("vendor:nvidia", label="Vendor", name="NVIDIA")
    G.add_edge("hardware:a100", "vendor:nvidia", key="MADE_BY", type="MADE_BY")
    for day in range(60):
        paper = f"paper:p{day}"
        G.add_node(paper, label="Paper", title=f"P{day}", date=f"2024-{1 + day // 20:02d}-{1 + day % 20:02d}")
        G.add_edge(paper, "hardware:a100", key="MENTIONS", type="MENTIONS")
    rows, note = report_tables(G).timeline, report_tables(G).timeline_note
    assert [(r["period"], r["vendor"], r["papers"]) for r in rows] == [
        ("2024-01", "NVIDIA", 20), ("2024-02", "NVIDIA", 20), ("2024-03", "NVIDIA", 20)]
    assert note.startswith("papers per month; 60 of 60")


def test_explorer_keeps_the_most_connected_nodes_and_says_so(small_graph, tmp_path):
    page = _parse(write_report(small_graph, tmp_path / "r.html", max_nodes=10).read_text(encoding="utf-8"))
    note = page.ids["explorer-note"]
    assert (note["data-shown"], note["data-total"]) == ("10", "50")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Showing the 10 most connected of 50 entity nodes" in html


def test_an_empty_graph_makes_a_page_that_says_so(tmp_path):
    page = _parse(write_report(nx.MultiDiGraph(), tmp_path / "empty.html").read_text(encoding="utf-8"))
    assert page.stats["papers"] == "0" and page.stats["date-range"] == "no dates"
    assert all(page.ids[f"chart-{c}"]["data-marks"] == "0" for c in CHARTS)
    assert write_figures(nx.MultiDiGraph(), tmp_path / "figs") == []


def test_claims_a_log_axis_cannot_show_stay_in_the_table(small_graph):
    G = small_graph.copy()
    G.nodes[_labelled(G, "SpeedupClaim")[0]]["value"] = 0.0
    html = render_report(G)
    page = _parse(html)
    assert len(page.claim_rows) == 9 and page.marks["speedups-by-vendor"] == 8
    assert "1 claim(s) with a value ≤ 0 left out of the log axis" in html


def test_text_from_the_corpus_cannot_break_out_of_the_page(small_graph):
    G = small_graph.copy()
    claim = _labelled(G, "SpeedupClaim")[0]
    G.nodes[claim]["evidence"] = '</script><script>alert(1)</script> & "quotes" <b>'
    G.nodes["hardware:mi300x"]["name"] = "MI300X</script><img src=x>"
    html = render_report(G)
    assert "<script>alert(1)" not in html and "<img src=x>" not in html
    assert html.count("<script") == 2 and html.count("</script>") == 2     # the data block and the code


def test_figures_are_written_as_svg_and_png(small_graph, tmp_path):
    paths = write_figures(small_graph, tmp_path / "figs")
    assert sorted(p.name for p in paths) == sorted(f"{c}.{ext}" for c in CHARTS for ext in ("svg", "png"))
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".svg":
            root = ET.fromstring(data)
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
            assert root.findall(".//{http://www.w3.org/2000/svg}title")          # hover texts survive
        else:
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
            width, height = struct.unpack(">II", data[16:24])
            assert width > 100 and height > 50


def test_graph_json_round_trip(small_graph, tmp_path):
    path = write_graph_json(small_graph, tmp_path / "graph.json")
    assert nx.utils.graphs_equal(read_graph_json(path), small_graph)
    assert nx.utils.graphs_equal(load_graph_for_report(tmp_path), small_graph)


def test_the_gephi_sinks_graphml_reports_like_the_graph(small_graph, tmp_path):
    from kgbuild.sinks.gephi import write_graphml

    write_graphml(small_graph, tmp_path / "graph.graphml")
    G = load_graph_for_report(tmp_path)
    assert KnowledgeGraph(G).counts() == KnowledgeGraph(small_graph).counts()
    assert sorted(G.edges(keys=True)) == sorted(small_graph.edges(keys=True))
    assert G.nodes["hardware:mi250x"]["aliases"] == ["AMD Instinct MI250X"]
    read, built = report_tables(G), report_tables(small_graph)
    assert (read.summary, read.claims, read.timeline, read.heatmap) == (
        built.summary, built.claims, built.timeline, built.heatmap)


def test_graphml_from_other_tools_gets_labels_from_node_ids(small_graph, tmp_path):
    H = nx.MultiDiGraph()   # GraphML holds no lists; other tools put the caption in `label`
    for node, attrs in small_graph.nodes(data=True):
        H.add_node(node, **{**attrs, "label": attrs["name"], "aliases": "|".join(attrs.get("aliases", []))})
    H.add_edges_from(small_graph.edges(keys=True, data=True))
    nx.write_graphml(H, tmp_path / "other.graphml")
    G = load_graph_for_report(tmp_path / "other.graphml")
    assert KnowledgeGraph(G).counts() == KnowledgeGraph(small_graph).counts()
    assert G.nodes["hardware:mi250x"]["aliases"] == ["AMD Instinct MI250X"]


def test_missing_graph_names_what_to_pass(tmp_path):
    from kgbuild.errors import ReaderError

    with pytest.raises(ReaderError, match="graph.json, graph.graphml, extractions.jsonl"):
        load_graph_for_report(tmp_path)


def test_findings_table_has_one_row_per_finding(small_graph, tmp_path):
    import re

    from kgbuild.queries import findings
    from kgbuild.report import write_report

    page = write_report(small_graph, tmp_path / "r.html").read_text(encoding="utf-8")
    table = page[page.index('id="findings-table"'):]
    table = table[:table.index("</table>")]
    rows = findings(small_graph)
    assert rows and len(re.findall(r"<tr>", table)) == len(rows) + 1  # header row + one per finding
    assert f'data-rows="{len(rows)}"' in table
