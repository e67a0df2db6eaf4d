"""The questions of examples/questions.cypher on the fixture corpus: parameters, and the answer the Python API
(``kgbuild.queries`` over the networkx graph) gives, each projected to the columns both sides have."""
from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx

from kgbuild import queries

__all__ = ["PARAMS", "expected", "projected"]

#: Parameters per question; names both matchers agree on (Cypher: name or alias, case-insensitively).
PARAMS: dict[str, dict[str, str]] = {
    "q1_vendor_speedups": {"vendor": "amd"},
    "q2_family_datasets": {"family": "LLaMA-2"},
    "q3_fastest_on_hardware": {"hardware": "H100"},
    "q4_paper_proposes": {"paper": "974dc559d0"},
    "q5_vendors_by_claims": {},
    "q6_method_baselines": {"method": "WAA"},
    "q7_papers_on_hw_class": {"hw_class": "gpu"},
}
_CLAIM = ("method", "baseline", "hardware", "value", "unit", "metric", "paper")


def _bare(value: Any) -> Any:
    """Cypher's null is the Python API's ""; paper node ids are bare ids there."""
    if value is None:
        return ""
    return value.split(":", 1)[1] if isinstance(value, str) and value.startswith("paper:") else value


def projected(name: str, rows: list[dict[str, Any]]) -> list[tuple]:
    """Cypher rows reduced to what ``expected`` computes, sorted."""
    if name == "q1_vendor_speedups":
        return sorted(tuple(_bare(r[k]) for k in _CLAIM) for r in rows)
    if name == "q3_fastest_on_hardware":
        return sorted(tuple(_bare(r[k]) for k in _CLAIM if k != "hardware") for r in rows)
    if name == "q2_family_datasets":
        return sorted({(r["dataset"],) for r in rows})
    if name == "q4_paper_proposes":
        return sorted((r["name"], r["label"]) for r in rows)
    if name == "q5_vendors_by_claims":
        return sorted((r["vendor"], r["claims"]) for r in rows)
    if name == "q6_method_baselines":
        return sorted({(r["baseline"],) for r in rows})
    return sorted((_bare(r["paper"]), r["title"], r["hardware"]) for r in rows)


def expected(G: nx.MultiDiGraph, name: str, params: dict[str, str] | None = None) -> list[tuple]:
    """The answer from the networkx graph, in ``projected``'s shape."""
    p = PARAMS[name] if params is None else params
    if name == "q1_vendor_speedups":
        return sorted(tuple(r[k] for k in _CLAIM) for r in queries.speedups(G, vendor=p["vendor"]))
    if name == "q3_fastest_on_hardware":
        return sorted(tuple(r[k] for k in _CLAIM if k != "hardware") for r in queries.fastest_on(G, p["hardware"]))
    if name == "q2_family_datasets":
        return sorted((d,) for d in queries.datasets_for_model_family(G, p["family"]))
    if name == "q4_paper_proposes":
        proposed = [G.nodes[n] for _, n, rel in G.out_edges(f"paper:{p['paper']}", keys=True) if rel == "PROPOSES"]
        assert sorted(d["name"] for d in proposed) == queries.proposals_of_paper(G, p["paper"])
        return sorted((d["name"], d["label"]) for d in proposed)
    if name == "q5_vendors_by_claims":
        return sorted(Counter(r["vendor"] for r in queries.speedups(G) if r["vendor"]).items())
    if name == "q6_method_baselines":
        return sorted((b,) for b in queries.baselines_for_method(G, p["method"]))
    classes = {n for n, d in G.nodes(data=True) if d.get("label") == "HardwareClass"
               and d["name"].lower() == p["hw_class"].lower()}
    return sorted({(src.split(":", 1)[1], G.nodes[src]["title"], G.nodes[hw]["name"])
                   for hw, cls, rel in G.edges(keys=True) if rel == "IS_A" and cls in classes
                   for src, _, kind in G.in_edges(hw, keys=True) if kind in ("PROPOSES", "MENTIONS")})
