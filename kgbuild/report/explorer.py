"""The graph explorer's data: the entity nodes with precomputed positions, their links, papers and claims.

Papers and speedup claims are not drawn as nodes: a claim becomes a link from its method to its hardware
(MEASURED_ON) and to its baseline (OVER), and both are listed in the side panel of the node they concern.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from itertools import combinations
from typing import Any

import networkx as nx

from .data import Row, hardware_vendor

__all__ = ["EXPLORER_LABELS", "explorer_data"]

#: Node labels the explorer draws, in legend order.
EXPLORER_LABELS: tuple[str, ...] = ("Method", "Model", "Dataset", "Hardware", "Vendor", "HardwareClass")
_DIRECT = ("EVALUATED_ON", "MADE_BY", "IS_A", "VARIANT_OF")
_NAMED = ("MENTIONS", "PROPOSES")


def explorer_data(G: nx.MultiDiGraph, claims: list[Row], max_nodes: int = 2000, seed: int = 7) -> dict[str, Any]:
    """Nodes (top ``max_nodes`` by degree), links and panel contents for the page's explorer, as plain JSON data.

    ``claims`` are the rows of `kgbuild.report.data.claim_rows`; a node's ``c`` lists indexes into them and ``p``
    indexes into ``papers``.

    >>> from kgbuild.report.data import claim_rows
    >>> data = explorer_data(small_graph, claim_rows(small_graph), max_nodes=10)
    >>> data["shown"], data["total"], len(data["nodes"])
    (10, 50, 10)
    >>> nodes = explorer_data(small_graph, claim_rows(small_graph))["nodes"]
    >>> mi300x = next(n for n in nodes if n["id"] == "hardware:mi300x")
    >>> len(mi300x["p"]), len(mi300x["c"])
    (1, 2)
    """
    candidates = [n for n, lab in G.nodes(data="label") if lab in EXPLORER_LABELS]
    ranked = sorted(candidates, key=lambda n: (-G.degree(n), n))
    kept = sorted(ranked[:max_nodes])
    index = {n: i for i, n in enumerate(kept)}
    claim_index = {r["id"]: i for i, r in enumerate(claims)}

    links: set[tuple[int, int, str]] = set()
    for src, dst, key, rel in G.edges(keys=True, data="type"):
        rel = rel or key
        if rel in _DIRECT and src in index and dst in index and src != dst:
            links.add((index[src], index[dst], rel))

    papers_of: dict[str, set[str]] = defaultdict(set)
    claims_of: dict[str, set[int]] = defaultdict(set)
    vendors_of: dict[str, set[str]] = defaultdict(set)
    for node in kept:
        label = G.nodes[node].get("label")
        if label == "Vendor":
            vendors_of[node].add(str(G.nodes[node].get("name", node)))
            members = _preds(G, node, "MADE_BY")
        elif label == "HardwareClass":
            members = _preds(G, node, "IS_A")
            vendors_of[node].update(v for hw in members if (v := hardware_vendor(G, hw)))
        else:
            members = [node]
        for m in members:
            papers_of[node].update(_preds(G, m, *_NAMED))
            claims_of[node].update(claim_index[c] for c in _preds(G, m, "ACHIEVED_BY", "OVER", "MEASURED_ON")
                                   if c in claim_index)
        if label == "Hardware" and (v := hardware_vendor(G, node)):
            vendors_of[node].add(v)

    for claim in claims:
        node = claim["id"]
        by = _succ(G, node, "ACHIEVED_BY")
        for rel in ("MEASURED_ON", "OVER"):
            for dst in _succ(G, node, rel):
                for src in by:
                    if src in index and dst in index and src != dst:
                        links.add((index[src], index[dst], rel))
        if claim["vendor"]:
            for src in by:
                vendors_of[src].add(claim["vendor"])
    for s, t, _ in links:   # a node linked to hardware or a vendor belongs to that vendor too
        a, b = kept[s], kept[t]
        for x, y in ((a, b), (b, a)):
            if G.nodes[y].get("label") in ("Hardware", "Vendor") and G.nodes[x].get("label") != "HardwareClass":
                vendors_of[x].update(vendors_of[y])

    paper_list = sorted({p for ps in papers_of.values() for p in ps})
    paper_pos = {p: i for i, p in enumerate(paper_list)}
    vendor_list = sorted({v for vs in vendors_of.values() for v in vs}, key=str.lower)
    vendor_pos = {v: i for i, v in enumerate(vendor_list)}
    pos = _layout(kept, links, _co_mentions(G, index), seed)
    nodes = []
    for i, node in enumerate(kept):
        d = G.nodes[node]
        nodes.append({
            "id": node, "name": str(d.get("name", node)), "label": EXPLORER_LABELS.index(d["label"]),
            "x": pos[i][0], "y": pos[i][1], "deg": G.degree(node),
            "v": sorted(vendor_pos[v] for v in vendors_of[node]),
            "p": sorted(paper_pos[p] for p in papers_of[node]), "c": sorted(claims_of[node]),
        })
    papers = [[p.split(":", 1)[1], str(G.nodes[p].get("title", G.nodes[p].get("name", p))),
               str(G.nodes[p].get("date", "") or "")] for p in paper_list]
    return {"labels": list(EXPLORER_LABELS), "vendors": vendor_list, "nodes": nodes,
            "edges": [list(e) for e in sorted(links)], "papers": papers,
            "shown": len(kept), "total": len(candidates)}


def _preds(G: nx.MultiDiGraph, node: str, *rels: str) -> list[str]:
    return sorted({s for s, _, k, t in G.in_edges(node, keys=True, data="type") if (t or k) in rels})


def _succ(G: nx.MultiDiGraph, node: str, *rels: str) -> list[str]:
    return sorted({d for _, d, k, t in G.out_edges(node, keys=True, data="type") if (t or k) in rels})


def _co_mentions(G: nx.MultiDiGraph, index: dict[str, int], per_paper: int = 25) -> Counter[tuple[int, int]]:
    """How many papers name each pair of drawn nodes: the glue that places related entities together."""
    pairs: Counter[tuple[int, int]] = Counter()
    for paper, label in G.nodes(data="label"):
        if label != "Paper":
            continue
        named = sorted({index[d] for d in _succ(G, paper, *_NAMED) if d in index})[:per_paper]
        for a, b in combinations(named, 2):
            pairs[(a, b)] += 1
    return pairs


def _layout(nodes: list[str], links: set[tuple[int, int, str]], co_mentions: Counter[tuple[int, int]],
            seed: int) -> list[tuple[float, float]]:
    """Positions in [0, 1]²: a force-directed layout (a spiral when numpy is missing) where links and papers
    naming both nodes pull them together."""
    weights: dict[tuple[int, int], float] = {pair: 0.3 * math.log1p(n) for pair, n in co_mentions.items()}
    for s, t, _ in links:
        pair = (min(s, t), max(s, t))
        weights[pair] = weights.get(pair, 0.0) + 1.0
    try:
        pts = _force_layout(len(nodes), weights, seed, iterations=50 if len(nodes) <= 1000 else 35)
    except ImportError:   # numpy comes with spaCy; keep the report working without it all the same
        pts = [(math.sqrt(i) * math.cos(2.4 * i), math.sqrt(i) * math.sin(2.4 * i)) for i in range(len(nodes))]
    if not pts:
        return []
    scaled = [_rescale([p[k] for p in pts]) for k in (0, 1)]
    return list(zip(*scaled))


def _force_layout(n: int, weights: dict[tuple[int, int], float], seed: int, iterations: int,
                  gravity: float = 5.0, spread: float = 1.5) -> list[tuple[float, float]]:
    """Fruchterman–Reingold on a dense float32 distance matrix, as ``networkx.spring_layout`` does below 500
    nodes (its sparse variant loops in Python: seconds at 1,000 nodes), plus a pull towards the centre
    (``gravity``) so nodes that share no paper with the rest stay near it instead of on the border."""
    import numpy as np

    if n == 0:
        return []
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2), dtype=np.float32)
    adjacency = np.zeros((n, n), dtype=np.float32)
    for (a, b), w in weights.items():
        adjacency[a, b] = adjacency[b, a] = w
    k = np.float32(spread * math.sqrt(1.0 / n))
    step = 0.1
    x, y = pos[:, 0].copy(), pos[:, 1].copy()
    for _ in range(iterations):
        dx, dy = x[:, None] - x[None, :], y[:, None] - y[None, :]
        distance = np.maximum(np.sqrt(dx * dx + dy * dy), np.float32(0.01))
        force = k * k / (distance * distance) - adjacency * distance / k
        move_x = (dx * force).sum(axis=1) - gravity * (x - x.mean())
        move_y = (dy * force).sum(axis=1) - gravity * (y - y.mean())
        length = np.sqrt(move_x * move_x + move_y * move_y)
        scale = np.float32(step) / np.where(length < 0.01, np.float32(0.1), length)
        x += move_x * scale
        y += move_y * scale
        step -= 0.1 / (iterations + 1)
    pos = np.stack([x, y], axis=1)
    return [(float(x), float(y)) for x, y in pos]


def _rescale(values: list[float]) -> list[float]:
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    return [round((v - lo) / span, 4) for v in values]
