"""Gephi sink: the graph as GEXF 1.3 or GraphML, simplified to one weighted edge per node pair.

Gephi shows a multigraph's parallel edges poorly and cannot hold list values, so `gephi_graph` folds the
MultiDiGraph into a DiGraph: nodes carry ``type`` (the label), ``label`` (the display name), ``vendor``,
``proposed``, ``paper_count`` and a colour per type; an edge's ``weight`` is its papers count and ``types`` names the
edge types it folds. List attributes are joined with "; ".
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx

from ..errors import SinkError
from ..graph import edge_rows, node_rows

__all__ = ["COLOURS", "GEXF_NAMESPACE", "gephi_graph", "generate_gexf", "write_gexf", "generate_graphml",
           "write_graphml"]

#: Node label -> (r, g, b), the tab10 palette.
COLOURS: dict[str, tuple[int, int, int]] = {
    "Paper": (127, 127, 127),
    "Method": (31, 119, 180),
    "Model": (255, 127, 14),
    "Dataset": (44, 160, 44),
    "Hardware": (214, 39, 40),
    "Vendor": (148, 103, 189),
    "HardwareClass": (140, 86, 75),
    "SpeedupClaim": (227, 119, 194),
    "Finding": (188, 189, 34),
}
_OTHER = (23, 190, 207)
GEXF_NAMESPACE = "http://gexf.net/1.3"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
# attributes networkx's GEXF writer would take as its own (time spells, ids) rather than write as data
_RENAMED = {"start": "span_start", "end": "span_end", "id": "node_id", "pid": "parent_id", "spells": "spell"}
_EDGE_SEP = "|"


# characters XML 1.0 cannot hold, even escaped: a NUL or an escape sequence in a title would make the file unreadable
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _flat(value: Any) -> str | int | float | bool:
    value = "; ".join(value) if isinstance(value, list) else value
    return _NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


def gephi_graph(G: Any) -> nx.DiGraph:
    """The Gephi view of ``G`` (a MultiDiGraph or a KnowledgeGraph): a simple weighted DiGraph, no list values.

    Examples
    --------
    >>> H = gephi_graph(kg)
    >>> H.nodes["hardware:mi250x"]["type"], H.nodes["hardware:mi250x"]["vendor"], H.nodes["hardware:mi250x"]["viz"]
    ('Hardware', 'AMD', {'color': {'r': 214, 'g': 39, 'b': 40, 'a': 1.0}})
    >>> H.edges["paper:a61aebc346", "model:llama-2-7b"]["types"], H.edges["model:llama-2-7b", "model:llama-2"]["weight"]
    ('MENTIONS', 3)
    """
    G = G if isinstance(G, nx.Graph) else G.graph
    H = nx.DiGraph()
    for node, label, props in node_rows(G):
        r, g, b = COLOURS.get(label, _OTHER)
        attrs: dict[str, Any] = {_RENAMED.get(k, k): _flat(v) for k, v in props.items() if k not in ("name", "papers")}
        attrs.update(type=label, label=_flat(str(props.get("name", node))), vendor=_flat(str(props.get("vendor", ""))),
                     proposed=bool(props.get("proposed", False)), paper_count=int(props.get("papers", 0)),
                     viz={"color": {"r": r, "g": g, "b": b, "a": 1.0}})
        H.add_node(node, **attrs)
    folded: dict[tuple[str, str], tuple[set[str], int]] = {}
    for src, dst, type, props in edge_rows(G):
        types, weight = folded.get((src, dst), (set(), 0))
        folded[(src, dst)] = (types | {type}, max(weight, int(props.get("papers", 1))))
    for (src, dst), (types, weight) in folded.items():
        joined = _EDGE_SEP.join(sorted(types))
        H.add_edge(src, dst, weight=max(weight, 1), types=joined, label=joined)
    return H


def generate_gexf(G: Any) -> Iterator[str]:
    """The lines of the GEXF 1.3 document of ``gephi_graph(G)``.

    >>> lines = list(generate_gexf(kg))
    >>> 'xmlns="http://gexf.net/1.3"' in lines[0] and 'version="1.3"' in lines[0]
    True
    """
    for line in nx.generate_gexf(gephi_graph(G), version="1.3"):
        # networkx 3.x spells the XML Schema instance namespace without "www."; validators reject that
        yield line.replace('xmlns:xsi="http://w3.org/2001/XMLSchema-instance"', f'xmlns:xsi="{_XSI}"')


def _write_lines(lines: Iterator[str], path: str | Path, what: str) -> Path:
    path = Path(path)
    try:
        with path.open("w", encoding="utf-8", newline="\n") as out:
            for line in lines:
                out.write(line + "\n")
    except OSError as e:
        raise SinkError(f"{path}: cannot write {what} ({e.strerror or e}) — check the directory exists and is "
                        "writable") from e
    return path


def write_gexf(G: Any, path: str | Path) -> Path:
    """Write ``G`` as a GEXF 1.3 file for Gephi; returns the path.

    Examples
    --------
    >>> import tempfile, networkx as nx
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     H = nx.read_gexf(write_gexf(kg, Path(tmp) / "kg.gexf"))
    >>> H.nodes["method:tinyprune"]["type"], H.nodes["method:tinyprune"]["proposed"]
    ('Method', True)
    """
    return _write_lines(generate_gexf(G), path, "GEXF")


def _graphml_view(G: Any) -> nx.DiGraph:
    H = gephi_graph(G)
    for _, attrs in H.nodes(data=True):
        colour = attrs.pop("viz")["color"]
        # Gephi's GraphML importer reads node colours from r, g, b
        attrs.update(r=colour["r"], g=colour["g"], b=colour["b"],
                     color="#{r:02x}{g:02x}{b:02x}".format(**colour))
    return H


def generate_graphml(G: Any) -> Iterator[str]:
    """The lines of the GraphML document of ``gephi_graph(G)``, colours as ``r``/``g``/``b`` and ``color`` (hex)."""
    yield from nx.generate_graphml(_graphml_view(G))


def write_graphml(G: Any, path: str | Path) -> Path:
    """Write ``G`` as GraphML (for Gephi, yEd, Cytoscape); returns the path.

    Examples
    --------
    >>> import tempfile, networkx as nx
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     H = nx.read_graphml(write_graphml(kg, Path(tmp) / "kg.graphml"))
    >>> H.nodes["vendor:amd"]["label"], H.nodes["vendor:amd"]["color"]
    ('AMD', '#9467bd')
    """
    return _write_lines(generate_graphml(G), path, "GraphML")
