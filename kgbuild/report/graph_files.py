"""Reading back a graph to report on: node-link JSON (written here), GraphML, or an extractions JSONL.

GraphML cannot hold lists, and `kgbuild.sinks.gephi.write_graphml` writes Gephi's view of the graph (node ``type``
is the label and ``label`` the display name, ``paper_count`` for ``papers``, lists joined with "; ", parallel edges
folded into one whose ``types`` joins their types with "|"), so a GraphML graph is mapped back on the way in.
Everything the report reads survives; edge provenance does not.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import networkx as nx

from ..errors import ReaderError
from ..canonical import label_of_id
from ..vocab import NODE_LABELS

__all__ = ["write_graph_json", "read_graph_json", "load_graph_for_report", "GRAPH_FILES"]

#: What `load_graph_for_report` looks for in an output directory, first match wins.
GRAPH_FILES: tuple[str, ...] = ("graph.json", "graph.graphml", "extractions.jsonl")
_LIST_KEYS = ("aliases",)
_GEPHI_NAMES = {"paper_count": "papers", "span_start": "start", "span_end": "end", "node_id": "id"}
_GEPHI_ONLY = ("r", "g", "b", "color")


def generate_graph_json(G: nx.MultiDiGraph) -> dict[str, Any]:
    """The node-link form of a graph (the layout of ``networkx.node_link_data`` with ``edges="edges"``).

    >>> data = generate_graph_json(small_graph)
    >>> sorted(data), data["edges"][0]["key"]
    (['directed', 'edges', 'graph', 'multigraph', 'nodes'], 'SUPPORTS')
    """
    return {
        "directed": True, "multigraph": True, "graph": dict(G.graph),
        "nodes": [{"id": n, **attrs} for n, attrs in G.nodes(data=True)],
        "edges": [{"source": s, "target": t, "key": k, **attrs} for s, t, k, attrs in G.edges(keys=True, data=True)],
    }


def write_graph_json(G: nx.MultiDiGraph, path: str | os.PathLike) -> Path:
    """Write ``G`` as node-link JSON, losslessly for the attribute types of `kgbuild.graph.node_rows`.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     H = read_graph_json(write_graph_json(small_graph, Path(d) / "graph.json"))
    >>> nx.utils.graphs_equal(H, small_graph)
    True
    """
    path = Path(path)
    path.write_text(json.dumps(generate_graph_json(G), ensure_ascii=False, default=_jsonable), encoding="utf-8")
    return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return str(value)


def read_graph_json(path: str | os.PathLike) -> nx.MultiDiGraph:
    """Read a node-link JSON graph (``"edges"`` or the older ``"links"`` key) as a MultiDiGraph."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ReaderError(str(path), None, f"cannot read node-link JSON ({e})",
                          "write it with kgbuild.report.write_graph_json") from e
    G = nx.MultiDiGraph()
    G.graph.update(data.get("graph", {}))
    for node in data.get("nodes", []):
        attrs = dict(node)
        G.add_node(attrs.pop("id"), **attrs)
    for edge in data.get("edges", data.get("links", [])):
        attrs = dict(edge)
        src, dst = attrs.pop("source"), attrs.pop("target")
        key = attrs.pop("key", None) or attrs.get("type")
        G.add_edge(src, dst, key=key, **attrs)
    return G


def _read_graphml(path: Path) -> nx.MultiDiGraph:
    try:
        raw = nx.read_graphml(path, force_multigraph=True)
    except Exception as e:  # networkx raises a mix of ParseError, KeyError and NetworkXError
        raise ReaderError(str(path), None, f"cannot read GraphML ({e})",
                          "write it with kgbuild.sinks.gephi.write_graphml or pass graph.json") from e
    G = nx.MultiDiGraph()
    for node, attrs in raw.nodes(data=True):
        attrs = {_GEPHI_NAMES.get(k, k): v for k, v in attrs.items() if k not in _GEPHI_ONLY}
        if attrs.get("type") in NODE_LABELS and "name" not in attrs:     # the gephi sink's naming
            attrs["name"], attrs["label"] = attrs.get("label", node), attrs.pop("type")
        elif attrs.get("label") not in NODE_LABELS:
            label = label_of_id(str(node))
            if label is not None:
                attrs.setdefault("name", attrs.get("label", node))
                attrs["label"] = label
        for key in _LIST_KEYS:
            if isinstance(attrs.get(key), str):
                attrs[key] = _as_list(attrs[key])
        if attrs.get("vendor") == "":
            del attrs["vendor"]
        G.add_node(node, **attrs)
    for src, dst, key, attrs in raw.edges(keys=True, data=True):
        attrs = dict(attrs)
        folded = attrs.pop("types", None)
        attrs.pop("label", None)
        for rel in (folded.split("|") if folded else [attrs.get("type") or key]):
            G.add_edge(src, dst, key=rel, **{**attrs, "type": rel})
    return G


def _as_list(text: str) -> list[str]:
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except ValueError:
            pass
    sep = "; " if "; " in text else "|" if "|" in text else ";"
    return [part.strip() for part in text.split(sep) if part.strip()]


def _read_extractions(path: Path) -> nx.MultiDiGraph:
    from ..graph import build_graph
    from ..models import Extraction

    with path.open(encoding="utf-8") as f:
        records = []
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(Extraction.model_validate_json(line))
            except ValueError as e:
                raise ReaderError(str(path), line_no, f"not an Extraction record ({e.__class__.__name__})",
                                  "pass the output of `kgbuild extract`") from e
    return build_graph(records)


def load_graph_for_report(path: str | os.PathLike) -> nx.MultiDiGraph:
    """The graph stored at ``path``: a ``.json`` node-link file, a ``.graphml`` file, an extractions ``.jsonl``,
    or an output directory holding one of `GRAPH_FILES`.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = write_graph_json(small_graph, Path(d) / "graph.json")
    ...     load_graph_for_report(d).number_of_nodes() == small_graph.number_of_nodes()
    True
    """
    path = Path(path)
    if path.is_dir():
        found = next((path / name for name in GRAPH_FILES if (path / name).is_file()), None)
        if found is None:
            raise ReaderError(str(path), None, "no graph in this directory",
                              f"expected one of {', '.join(GRAPH_FILES)}")
        path = found
    if not path.is_file():
        raise ReaderError(str(path), None, "no such file", "pass a graph file or an output directory")
    suffix = "".join(path.suffixes[-1:]).lower()
    if suffix == ".graphml":
        return _read_graphml(path)
    if suffix == ".jsonl":
        return _read_extractions(path)
    if suffix == ".json":
        return read_graph_json(path)
    raise ReaderError(str(path), None, f"unknown graph file type {suffix!r}",
                      "pass a .json (node-link), .graphml or extractions .jsonl file")
