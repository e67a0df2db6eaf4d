"""The questions asked of the knowledge graph, as plain functions of a `KnowledgeGraph` (or its MultiDiGraph).

Every answer is a plain sorted list of str or of dicts with str/float values, so the same question asked through
SPARQL or Cypher can be compared with it. A name given to a query matches a node by its id, its display name, any of
its aliases (after `kgbuild.lexicon_index.normalise`) or the node `kgbuild.resolve.resolve_name` gives it (its
canonical id, after the graph's overrides).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import networkx as nx

from .canonical import paper_node_id
from .lexicon_index import normalise
from .overrides import as_overrides
from .resolve import resolve_name
from .vocab import ENTITY_LABELS

__all__ = [
    "speedups",
    "methods_on_hardware",
    "datasets_for_model_family",
    "papers_proposing",
    "proposals_of_paper",
    "fastest_on",
    "baselines_for_method",
    "findings",
    "find_nodes",
]

#: The keys of a claim row, in the order ``speedups`` sorts by after ``paper``.
CLAIM_KEYS = ("paper", "method", "baseline", "hardware", "vendor", "value", "unit", "metric")


class _Resolver(NamedTuple):
    """What a name given to a query is resolved with: the graph's lexicon (None: the shipped one) and overrides."""

    lexicon: Any = None
    overrides: Any = None


def _parts(kg: Any) -> tuple[nx.MultiDiGraph, _Resolver]:
    G = kg if isinstance(kg, nx.Graph) else kg.graph
    overrides = getattr(kg, "overrides", None) or G.graph.get("overrides")
    return G, _Resolver(getattr(kg, "lexicon", None), as_overrides(overrides))


def _find(G: nx.MultiDiGraph, text: str, labels: Iterable[str], resolver: _Resolver = _Resolver()) -> set[str]:
    """Ids of the nodes with one of ``labels`` that ``text`` names."""
    labels = tuple(labels)
    keys = {normalise(text)}
    if text.endswith("s") and len(text) > 3:
        keys.add(normalise(text[:-1]))          # "GPUs" finds the GPU class
    found = set()
    for node, data in G.nodes(data=True):
        if data.get("label") not in labels:
            continue
        forms = [data.get("name", ""), *data.get("aliases", ())]
        if node == text or keys & {normalise(f) for f in forms}:
            found.add(node)
    for label in labels:
        try:
            node = resolve_name(text, label, lexicon=resolver.lexicon, overrides=resolver.overrides)
        except ValueError:
            continue
        if node in G:
            found.add(node)
    return found


def find_nodes(kg: Any, name: str, labels: Iterable[str] | None = None) -> list[str]:
    """Ids of the nodes ``name`` names (see the module docstring), among entities, vendors and hardware classes.

    >>> find_nodes(kg, "LLaMA-2 7B"), find_nodes(kg, "GPUs")
    (['model:llama-2-7b'], ['class:gpu', 'hardware:gpu'])
    """
    G, resolver = _parts(kg)
    return sorted(_find(G, name, labels or (*ENTITY_LABELS, "Vendor", "HardwareClass"), resolver))


def _out(G: nx.MultiDiGraph, node: str, rel: str) -> list[str]:
    return sorted(dst for _, dst, key in G.out_edges(node, keys=True) if key == rel)


def _name(G: nx.MultiDiGraph, node: str | None, fallback: str = "") -> str:
    return G.nodes[node].get("name", node) if node is not None else fallback


def _hardware(G: nx.MultiDiGraph, resolver: _Resolver, vendor: str | None, hw_class: str | None,
              hardware: str | None) -> set[str] | None:
    """Hardware nodes passing every given filter; None when no filter is given."""
    if vendor is None and hw_class is None and hardware is None:
        return None
    nodes = {n for n, label in G.nodes(data="label") if label == "Hardware"}
    if hardware is not None:
        nodes &= _find(G, hardware, ["Hardware"], resolver)
    if vendor is not None:
        vendors = _find(G, vendor, ["Vendor"], resolver)
        nodes = {n for n in nodes if vendors & set(_out(G, n, "MADE_BY"))}
    if hw_class is not None:
        classes = _find(G, hw_class, ["HardwareClass"], resolver)
        nodes = {n for n in nodes if classes & set(_out(G, n, "IS_A"))}
    return nodes


def _claim_rows(G: nx.MultiDiGraph, hardware: set[str] | None, methods: set[str] | None) -> list[dict[str, Any]]:
    rows = []
    for node, data in G.nodes(data=True):
        if data.get("label") != "SpeedupClaim":
            continue
        hw = next(iter(_out(G, node, "MEASURED_ON")), None)
        by = next(iter(_out(G, node, "ACHIEVED_BY")), None)
        over = next(iter(_out(G, node, "OVER")), None)
        if hardware is not None and hw not in hardware:
            continue
        if methods is not None and by not in methods:
            continue
        vendor = next(iter(_out(G, hw, "MADE_BY")), None) if hw else None
        rows.append({
            "paper": data.get("paper_id", ""), "method": _name(G, by, data.get("method", "")),
            "baseline": _name(G, over, data.get("baseline", "")), "hardware": _name(G, hw, data.get("hardware", "")),
            "vendor": _name(G, vendor), "value": float(data["value"]), "unit": data["unit"],
            "metric": data.get("metric", ""),
        })
    return sorted(rows, key=lambda r: tuple(r[k] for k in CLAIM_KEYS))


def speedups(kg: Any, vendor: str | None = None, hw_class: str | None = None, hardware: str | None = None,
             method: str | None = None) -> list[dict[str, Any]]:
    """Speedup claims, optionally only those measured on some hardware or achieved by some method.

    Parameters
    ----------
    kg : KnowledgeGraph or networkx.MultiDiGraph
    vendor, hw_class, hardware : str, optional
        Keep claims MEASURED_ON a device made by ``vendor`` ("AMD"), of class ``hw_class`` ("GPU") or that is
        ``hardware`` ("MI250X"); all given filters must hold. Claims without a device drop out of any filter.
    method : str, optional
        Keep claims ACHIEVED_BY this method or model.

    Returns
    -------
    list of dict
        Keys ``paper`` (paper id), ``method``, ``baseline``, ``hardware`` (the linked node's name, else the claim's
        text), ``vendor`` ("" when unknown), ``value`` (float), ``unit`` ("x" or "%"), ``metric``; sorted by
        paper, method, baseline, hardware, vendor, value.

    Examples
    --------
    >>> [(r["method"], r["value"], r["unit"], r["baseline"], r["hardware"]) for r in speedups(kg, vendor="AMD")]
    [('FlashDecoding++', 1.37, 'x', 'vLLM', 'MI210'), ('Wavefront-Aware Attention', 2.7, 'x', 'FlashAttention-2', 'MI250X'), ('Wavefront-Aware Attention', 1.9, 'x', 'FlashAttention-2', 'MI300X'), ('Wavefront-Aware Attention', 35.0, '%', 'the PyTorch baseline', 'MI300X')]
    >>> speedups(kg, method="GPT-4o")
    [{'paper': 'a009c6c84e', 'method': 'GPT-4o', 'baseline': 'GPT-4', 'hardware': '', 'vendor': '', 'value': 2.0, 'unit': 'x', 'metric': 'latency'}]
    """
    G, resolver = _parts(kg)
    methods = _find(G, method, ["Method", "Model"], resolver) if method is not None else None
    return _claim_rows(G, _hardware(G, resolver, vendor, hw_class, hardware), methods)


def methods_on_hardware(kg: Any, vendor: str | None = None, hw_class: str | None = None,
                        hardware: str | None = None) -> list[str]:
    """Names of the methods shown to run on some hardware.

    A Method counts when a speedup claim MEASURED_ON matching hardware is ACHIEVED_BY it, or when a paper that
    names matching hardware PROPOSES it. With no filter, any hardware matches.

    Examples
    --------
    >>> methods_on_hardware(kg, vendor="AMD")
    ['FlashDecoding++', 'Wavefront-Aware Attention']
    >>> methods_on_hardware(kg, hw_class="edge device")
    ['TinyPrune']
    """
    G, resolver = _parts(kg)
    devices = _hardware(G, resolver, vendor, hw_class, hardware)
    if devices is None:
        devices = {n for n, label in G.nodes(data="label") if label == "Hardware"}
    found = set()
    for device in devices:
        for src, _, rel in G.in_edges(device, keys=True):
            if rel == "MEASURED_ON":
                found.update(_out(G, src, "ACHIEVED_BY"))
            elif rel in ("MENTIONS", "PROPOSES"):
                found.update(_out(G, src, "PROPOSES"))
    return sorted({G.nodes[n]["name"] for n in found if G.nodes[n].get("label") == "Method"})


def datasets_for_model_family(kg: Any, family: str) -> list[str]:
    """Names of the datasets a model family, or any sized variant of it, is EVALUATED_ON.

    Examples
    --------
    >>> datasets_for_model_family(kg, "LLaMA-2")
    ['GSM8K', 'HumanEval', 'MMLU', 'ScaleBench']
    >>> datasets_for_model_family(kg, "Llama 3")
    ['GSM8K', 'HumanEval']
    """
    G, resolver = _parts(kg)
    members = _find(G, family, ["Model"], resolver)
    members |= {src for m in members for src, _, rel in G.in_edges(m, keys=True) if rel == "VARIANT_OF"}
    return sorted({G.nodes[d]["name"] for m in members for d in _out(G, m, "EVALUATED_ON")})


def _paper_id(node: str) -> str:
    return node.split(":", 1)[1]


def papers_proposing(kg: Any, name: str) -> list[str]:
    """Ids of the papers that PROPOSE the entity ``name`` names.

    Examples
    --------
    >>> papers_proposing(kg, "WAA")
    ['974dc559d0']
    >>> papers_proposing(kg, "vLLM")
    []
    """
    G, resolver = _parts(kg)
    return sorted({_paper_id(src) for node in _find(G, name, ENTITY_LABELS, resolver)
                   for src, _, rel in G.in_edges(node, keys=True) if rel == "PROPOSES"})


def proposals_of_paper(kg: Any, paper_id_or_title: str) -> list[str]:
    """Names of what a paper (by id or title, case-insensitive) PROPOSES.

    Examples
    --------
    >>> proposals_of_paper(kg, "a61aebc346")
    ['ScaleBench']
    >>> proposals_of_paper(kg, "tinyprune: structured pruning for vision models on edge devices")
    ['TinyPrune']
    """
    G, _ = _parts(kg)
    key = normalise(paper_id_or_title)
    papers = {n for n, data in G.nodes(data=True) if data.get("label") == "Paper"
              and (n == paper_node_id(paper_id_or_title) or normalise(data.get("title", "")) == key)}
    return sorted({G.nodes[dst]["name"] for p in papers for dst in _out(G, p, "PROPOSES")})


def fastest_on(kg: Any, hardware: str) -> list[dict[str, Any]]:
    """The speedup claims measured on one device, biggest first: factors (x) before percentages, then by value.

    Examples
    --------
    >>> [(r["method"], r["value"], r["unit"]) for r in fastest_on(kg, "AMD MI300X GPUs")]
    [('Wavefront-Aware Attention', 1.9, 'x'), ('Wavefront-Aware Attention', 35.0, '%')]
    """
    rows = speedups(kg, hardware=hardware)
    return sorted(rows, key=lambda r: (r["unit"] != "x", -r["value"], *(r[k] for k in CLAIM_KEYS)))


def baselines_for_method(kg: Any, method: str) -> list[str]:
    """What a method was compared with: the OVER entity's name, else the baseline as written.

    Examples
    --------
    >>> baselines_for_method(kg, "Wavefront-Aware Attention")
    ['FlashAttention-2', 'the PyTorch baseline']
    >>> baselines_for_method(kg, "TinyPrune")
    ['ResNet-50']
    """
    return sorted({r["baseline"] for r in speedups(kg, method=method) if r["baseline"]})


def findings(kg: Any, vendor: str | None = None, hw_class: str | None = None, hardware: str | None = None,
             method: str | None = None, min_papers: int = 1) -> list[dict[str, Any]]:
    """Findings (claims grouped by method, baseline, hardware, metric and unit) with their support.

    Filters as in `speedups`: a finding passes when one of its claims does. Rows have ``finding`` (node id),
    ``method``, ``baseline``, ``hardware``, ``metric``, ``unit``, ``papers``, ``claims``, ``min``, ``median``,
    ``max``; best supported first (papers, then claims), then by method, baseline, hardware, metric, unit.

    Examples
    --------
    >>> [(r["method"], r["hardware"], r["papers"], r["claims"], r["min"], r["max"]) for r in findings(kg, vendor="AMD")]
    [('FlashDecoding++', 'MI210', 1, 1, 1.37, 1.37), ('Wavefront-Aware Attention', 'MI250X', 1, 1, 2.7, 2.7), ('Wavefront-Aware Attention', 'MI300X', 1, 1, 1.9, 1.9), ('Wavefront-Aware Attention', 'MI300X', 1, 1, 35.0, 35.0)]
    """
    G, resolver = _parts(kg)
    methods = _find(G, method, ["Method", "Model"], resolver) if method is not None else None
    devices = _hardware(G, resolver, vendor, hw_class, hardware)
    rows = []
    for node, data in G.nodes(data=True):
        if data.get("label") != "Finding" or data.get("papers", 0) < min_papers:
            continue
        claims = [src for src, _, rel in G.in_edges(node, keys=True) if rel == "SUPPORTS"]
        if devices is not None and not any(devices & set(_out(G, c, "MEASURED_ON")) for c in claims):
            continue
        if methods is not None and not any(methods & set(_out(G, c, "ACHIEVED_BY")) for c in claims):
            continue
        rows.append({"finding": node, **{k: data.get(k, "") for k in ("method", "baseline", "hardware", "metric",
                                                                         "unit")},
                     "papers": data["papers"], "claims": data["mentions"], "min": data["value_min"],
                     "median": data["value_median"], "max": data["value_max"]})
    keys = ("method", "baseline", "hardware", "metric", "unit")
    return sorted(rows, key=lambda r: (-r["papers"], -r["claims"], *(r[k] for k in keys), r["finding"]))
