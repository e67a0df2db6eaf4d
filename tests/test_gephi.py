"""Gephi sink: GEXF 1.3 and GraphML files that networkx and a strict XML parser both read back."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from kgbuild.errors import SinkError
from kgbuild.sinks.gephi import COLOURS, GEXF_NAMESPACE, gephi_graph, write_gexf, write_graphml

GEXF = "{%s}" % GEXF_NAMESPACE
VIZ = "{%s/viz}" % GEXF_NAMESPACE
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"


def test_gephi_graph_folds_parallel_edges_and_joins_lists():
    G = nx.MultiDiGraph()
    G.add_node("claim:p-1", label="SpeedupClaim", name="2x speedup", value=2.0, start=3, end=9)
    G.add_node("method:a", label="Method", name="A", aliases=["A1", "A2"], papers=2, proposed=True)
    G.add_edge("claim:p-1", "method:a", key="ACHIEVED_BY", type="ACHIEVED_BY", papers=1)
    G.add_edge("claim:p-1", "method:a", key="OVER", type="OVER", papers=1)
    G.add_edge("method:a", "claim:p-1", key="X", type="X")
    H = gephi_graph(G)
    assert isinstance(H, nx.DiGraph) and not H.is_multigraph()
    assert H.edges["claim:p-1", "method:a"] == {"weight": 1, "types": "ACHIEVED_BY|OVER", "label": "ACHIEVED_BY|OVER"}
    assert H.edges["method:a", "claim:p-1"]["weight"] == 1
    a = H.nodes["method:a"]
    assert (a["type"], a["label"], a["aliases"], a["paper_count"], a["proposed"], a["vendor"]) == (
        "Method", "A", "A1; A2", 2, True, "")
    claim = H.nodes["claim:p-1"]
    assert (claim["span_start"], claim["span_end"], claim["paper_count"]) == (3, 9, 0)
    assert "start" not in claim      # networkx's GEXF writer would read it as a time spell


def test_gexf_round_trip_through_networkx(small_graph, tmp_path):
    path = write_gexf(small_graph, tmp_path / "kg.gexf")
    H = nx.read_gexf(path)
    assert H.number_of_nodes() == small_graph.number_of_nodes()
    assert H.number_of_edges() == len({(s, t) for s, t in small_graph.edges()})
    mi = H.nodes["hardware:mi250x"]
    assert (mi["type"], mi["label"], mi["vendor"], mi["proposed"], mi["paper_count"]) == (
        "Hardware", "MI250X", "AMD", False, 1)
    assert mi["viz"]["color"] == {"r": 214, "g": 39, "b": 40, "a": 1.0}
    assert H.nodes["method:flashdecoding-plus-plus"]["proposed"] is True
    assert H.nodes["model:llama-2-7b"]["aliases"] == "LLaMA-2-7B; Llama-2-7b"
    edge = H.edges["model:llama-2-7b", "dataset:gsm8k"]
    assert (edge["weight"], edge["types"]) == (2.0, "EVALUATED_ON")
    assert H.edges["hardware:mi250x", "vendor:amd"]["types"] == "MADE_BY"


def test_gexf_is_strict_xml_in_the_1_3_namespace_with_colours(small_graph, tmp_path):
    root = ET.parse(write_gexf(small_graph, tmp_path / "kg.gexf")).getroot()
    assert root.tag == GEXF + "gexf" and root.get("version") == "1.3"
    assert root.get(XSI + "schemaLocation").split()[0] == GEXF_NAMESPACE
    graph = root.find(GEXF + "graph")
    assert graph.get("defaultedgetype") == "directed" and graph.get("mode") == "static"
    titles = {a.get("id"): a.get("title") for a in graph.iter(GEXF + "attribute")}
    assert {"type", "vendor", "proposed", "paper_count", "types"} <= set(titles.values())
    nodes = {n.get("id"): n for n in graph.iter(GEXF + "node")}
    assert len(nodes) == small_graph.number_of_nodes()
    for node_id, element in nodes.items():
        label = small_graph.nodes[node_id]["label"]
        colour = element.find(VIZ + "color")
        assert tuple(int(colour.get(c)) for c in "rgb") == COLOURS[label], node_id
        values = {titles[v.get("for")]: v.get("value") for v in element.iter(GEXF + "attvalue")}
        assert values["type"] == label
        assert element.get("label") == small_graph.nodes[node_id]["name"]
    assert {v.get("value") for v in nodes["method:tinyprune"].iter(GEXF + "attvalue")} >= {"Method", "true"}
    weights = {(e.get("source"), e.get("target")): float(e.get("weight")) for e in graph.iter(GEXF + "edge")}
    assert weights[("model:llama-2-7b", "model:llama-2")] == 3.0


def test_graphml_round_trip_and_strict_xml(small_graph, tmp_path):
    path = write_graphml(small_graph, tmp_path / "kg.graphml")
    H = nx.read_graphml(path)
    amd = H.nodes["vendor:amd"]
    assert (amd["type"], amd["label"], amd["paper_count"], amd["proposed"]) == ("Vendor", "AMD", 2, False)
    assert (amd["r"], amd["g"], amd["b"], amd["color"]) == (*COLOURS["Vendor"], "#9467bd")
    assert H.nodes["hardware:mi300x"]["vendor"] == "AMD"
    assert H.edges["paper:a61aebc346", "dataset:scalebench"]["types"] == "PROPOSES"
    root = ET.parse(path).getroot()
    assert root.tag == GRAPHML + "graphml"
    keys = {k.get("attr.name"): k.get("attr.type") for k in root.iter(GRAPHML + "key")}
    assert keys["proposed"] == "boolean" and keys["paper_count"] in ("int", "long") and keys["r"] in ("int", "long")
    assert keys["aliases"] == "string"


def test_writing_where_it_cannot_is_a_sink_error(small_graph, tmp_path):
    with pytest.raises(SinkError, match="cannot write GEXF"):
        write_gexf(small_graph, tmp_path / "missing" / "kg.gexf")
    with pytest.raises(SinkError, match="cannot write GraphML"):
        write_graphml(small_graph, tmp_path / "missing" / "kg.graphml")
