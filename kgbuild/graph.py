"""The knowledge graph: a networkx MultiDiGraph built from Extractions by the contract in `kgbuild.vocab`.

`build_graph` assembles it, `node_rows` / `edge_rows` are what every sink reads, and `KnowledgeGraph` wraps it with
the questions of `kgbuild.queries`. Besides nodes and edges the graph holds ``G.graph["merge_log"]`` (the rows of
`kgbuild.merge_log.merge_log`, which the RDF sink writes as PROV-O) and, when given, ``G.graph["overrides"]``.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .canonical import KINDS, canonical_id, paper_node_id
from .findings import ClaimLink, group_claims
from .lexicon_index import Lexicon, default_lexicon, normalise
from .merge_log import merge_log
from .models import Extraction, Provenance
from .overrides import OverridesLike, as_overrides
from .resolve import MergeRecord, Resolution, find_baseline, resolve
from .vocab import ENTITY_LABELS

__all__ = ["build_graph", "node_rows", "edge_rows", "KnowledgeGraph"]

_LABEL_OF_KIND = {kind: label for label, kind in KINDS.items()}
Row = dict[str, str | int | float | bool | list[str]]


# ----------------------------------------------------------------------------------------------------- assembly
def _reading_order(p: Provenance) -> tuple:
    return (p.paper_id, p.field != "title", p.sentence, p.start, p.end)


def _provenance(p: Provenance | None, paper_id: str, extractor: str) -> dict[str, Any]:
    return p.model_dump() if p is not None else {"paper_id": paper_id, "extractor": extractor}


def _first(current: Provenance | None, candidate: Provenance | None) -> Provenance | None:
    if candidate is None:
        return current
    return candidate if current is None or _reading_order(candidate) < _reading_order(current) else current


@dataclass
class _Node:
    label: str
    names: Counter = field(default_factory=Counter)
    surfaces: set = field(default_factory=set)
    papers: set = field(default_factory=set)
    mentions: int = 0
    proposed: bool = False
    attrs: dict = field(default_factory=dict)
    display: str | None = None   # fixed by the lexicon when it knows the thing


@dataclass
class _Edge:
    papers: set = field(default_factory=set)
    first: Provenance | None = None
    mentions: int = 0
    extra: dict = field(default_factory=dict)


def _merge_duplicates(extractions: Iterable[Extraction]) -> list[Extraction]:
    """One Extraction per paper id, sorted by id, so any input order builds the same graph."""
    groups: dict[str, list[Extraction]] = defaultdict(list)
    for e in extractions:
        groups[e.id].append(e)
    merged = []
    for pid in sorted(groups):
        group = sorted(groups[pid], key=lambda e: e.model_dump_json())
        head = group[0]
        if len(group) > 1:
            head = head.model_copy(update={
                "entities": [x for e in group for x in e.entities],
                "speedups": [s for e in group for s in e.speedups]})
        merged.append(head)
    return merged


def _display(node: _Node, preferred: str = "") -> str:
    if node.display:
        return node.display
    return min(node.names, key=lambda n: (-node.names[n], n != preferred, len(n), n))


def _assemble(resolution: Resolution, lex: Lexicon) -> nx.MultiDiGraph:
    ov = resolution.overrides
    nodes: dict[str, _Node] = {}
    edges: dict[tuple[str, str, str], _Edge] = defaultdict(_Edge)
    fixed: dict[str, dict[str, Any]] = {}     # nodes that are not aggregated (papers, claims)

    def edge(src: str, dst: str, type: str, pid: str, prov: Provenance | None, mentions: int = 1) -> _Edge:
        e = edges[(src, dst, type)]
        e.papers.add(pid)
        e.first = _first(e.first, prov)
        e.mentions += mentions
        return e

    for rp in resolution.papers:
        ex = rp.extraction
        pid, pnode = ex.id, paper_node_id(ex.id)
        fixed[pnode] = {"label": "Paper", "name": ex.title, "title": ex.title, "date": ex.date}
        first_in_paper: dict[str, Provenance | None] = {}
        proposed_in_paper: dict[str, bool] = defaultdict(bool)
        mentions_in_paper: Counter = Counter()
        for r in rp.entities:
            n = nodes.setdefault(r.node_id, _Node(_LABEL_OF_KIND[r.node_id.split(":")[0]]))
            n.names[r.display] += 1
            n.surfaces.update([r.entity.name, *r.entity.aliases])
            n.papers.add(pid)
            n.mentions += max(1, len(r.entity.mentions))
            n.proposed |= r.entity.proposed
            if r.named:
                n.display = r.display
            first_in_paper[r.node_id] = _first(first_in_paper.get(r.node_id),
                                               min(r.entity.mentions, key=_reading_order, default=None))
            proposed_in_paper[r.node_id] |= r.entity.proposed
            mentions_in_paper[r.node_id] += max(1, len(r.entity.mentions))
            if n.label == "Hardware":
                _hardware_facts(n, r, lex)
            if r.family_id is not None:
                n.attrs.setdefault("family", r.family_display)
                n.attrs.setdefault("_sizes", Counter())[r.size] += 1
                fam = nodes.setdefault(r.family_id, _Node("Model"))
                fam.names[r.family_display] += 0      # known name, no mention of its own
                edge(r.node_id, r.family_id, "VARIANT_OF", pid, first_in_paper[r.node_id])
        for node_id in sorted(first_in_paper):
            rel = "PROPOSES" if proposed_in_paper[node_id] else "MENTIONS"
            edge(pnode, node_id, rel, pid, first_in_paper[node_id], mentions_in_paper[node_id])
        datasets = [i for i in first_in_paper if i.startswith("dataset:")]
        evaluated = [i for i in first_in_paper
                     if i.startswith("model:") or (i.startswith("method:") and proposed_in_paper[i])]
        for src in evaluated:
            for dst in datasets:
                edge(src, dst, "EVALUATED_ON", pid, first_in_paper[dst])
        for rc in rp.claims:
            c = rc.claim
            fixed[rc.node_id] = {
                "label": "SpeedupClaim", "name": f"{c.value:g}{c.unit} {c.metric}",
                "value": float(c.value), "unit": c.unit, "metric": c.metric, "qualifier": c.qualifier,
                "method": c.method, "baseline": c.baseline, "hardware": c.hardware, "evidence": c.evidence,
                **_provenance(c.provenance, pid, ex.extractor)}
            edge(pnode, rc.node_id, "REPORTS", pid, c.provenance)
            # the faster side is a method or a model; a claim naming anything else keeps it as text only
            if rc.method_id and rc.method_id.split(":", 1)[0] in ("method", "model"):
                edge(rc.node_id, rc.method_id, "ACHIEVED_BY", pid, c.provenance)
            if rc.hardware_id and rc.hardware_id.startswith("hardware:"):
                edge(rc.node_id, rc.hardware_id, "MEASURED_ON", pid, c.provenance)

    # baselines second: a baseline may name an entity that only another paper mentions
    named = {node_id for node_id, n in nodes.items() if n.papers}
    links = []
    for rp in resolution.papers:
        for rc in rp.claims:
            c = rc.claim
            target = rc.baseline_id or find_baseline(c.baseline, named, lexicon=lex, overrides=ov)
            target = target if target != rc.method_id else None
            if target:
                edge(rc.node_id, target, "OVER", rp.extraction.id, c.provenance)
            # a faster side left unlinked ("", or "our method" in a paper proposing several things) is unknown
            method = (rc.method_id, c.method) if rc.method_id else (None, "")
            links.append(ClaimLink(rc.node_id, rp.extraction.id, float(c.value), c.unit, c.metric, method,
                                   (target, c.baseline), (rc.hardware_id, c.hardware)))

    _catalogue_edges(nodes, edges, lex)
    G = _to_networkx(nodes, edges, fixed, links)
    G.graph["merge_log"] = merge_log(resolution.merges)
    if ov:
        G.graph["overrides"] = ov.as_dict()
    return G


def _hardware_facts(n: _Node, r: Any, lex: Lexicon) -> None:
    facts: dict[str, str] = {}
    if r.entry is not None and r.is_class:
        facts["hw_class"] = r.entry.get("class", r.entry["name"])
    elif r.entry is not None:
        facts = {"vendor": r.entry.get("vendor"), "family": r.entry.get("family"),
                 "architecture": r.entry.get("architecture"), "hw_class": r.entry.get("class")}
    else:   # not in the catalogue: what the extractor wrote
        a = r.entity.attributes
        facts = {"vendor": a.get("vendor"), "family": a.get("family"), "architecture": a.get("architecture"),
                 "hw_class": a.get("hw_class") or a.get("class")}
    for key, value in facts.items():
        if value:
            n.attrs.setdefault(key, value)   # papers arrive sorted by id: the first paper's fact wins


def _catalogue_edges(nodes: dict[str, _Node], edges: dict, lex: Lexicon) -> None:
    for node_id, n in sorted(nodes.items()):
        if n.label != "Hardware":
            continue
        for attr, label, rel in (("vendor", "Vendor", "MADE_BY"), ("hw_class", "HardwareClass", "IS_A")):
            if not n.attrs.get(attr):
                continue
            target_id = canonical_id(n.attrs[attr], label, lexicon=lex)
            target = nodes.setdefault(target_id, _Node(label))
            entry = (lex.vendor_index if label == "Vendor" else lex.class_index).get(normalise(n.attrs[attr]))
            shown = entry.get("class", entry["name"]) if entry and label == "HardwareClass" else None
            target.display = shown or (entry["name"] if entry else None) or target.display
            target.names[n.attrs[attr]] += 1
            target.papers |= n.papers
            n.attrs[attr] = target.display or n.attrs[attr]
            e = edges[(node_id, target_id, rel)]
            e.papers |= n.papers


def _to_networkx(nodes: dict[str, _Node], edges: dict, fixed: dict[str, dict[str, Any]],
                 links: list[ClaimLink]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    rows: dict[str, dict[str, Any]] = dict(fixed)
    for node_id, n in nodes.items():
        attrs = {k: v for k, v in n.attrs.items() if not k.startswith("_")}
        if "_sizes" in n.attrs:
            sizes: Counter = n.attrs["_sizes"]
            attrs["size"] = min(sizes, key=lambda s: (-sizes[s], s))
        # a tie between spellings of a variant goes to "<family> <size>" when the text has it
        name = _display(n, f"{attrs.get('family')} {attrs.get('size')}")
        row = {"label": n.label, "name": name, **attrs}
        if n.label in ENTITY_LABELS:
            row.update(aliases=sorted(n.surfaces - {name}), papers=len(n.papers), mentions=n.mentions,
                       proposed=n.proposed)
        elif n.label in ("Vendor", "HardwareClass"):
            row["papers"] = len(n.papers)
        rows[node_id] = row
    for finding in group_claims(links, {node_id: row["name"] for node_id, row in rows.items()}):
        rows[finding.node_id] = finding.row()
        for c in finding.claims:
            edges[(c.claim_id, finding.node_id, "SUPPORTS")].papers.add(c.paper_id)
    for node_id in sorted(rows):
        G.add_node(node_id, **{k: v for k, v in rows[node_id].items() if v is not None})
    for (src, dst, rel) in sorted(edges):
        e = edges[(src, dst, rel)]
        attrs: dict[str, Any] = {"type": rel, "papers": len(e.papers), "weight": len(e.papers)}
        if e.first is not None:
            attrs.update(e.first.model_dump())
        if rel in ("PROPOSES", "MENTIONS"):
            attrs["mentions"] = e.mentions
        G.add_edge(src, dst, key=rel, **attrs)
    return G


def build_graph(extractions: Iterable[Extraction], *, lexicon: Lexicon | None = None,
                overrides: OverridesLike = None) -> nx.MultiDiGraph:
    """Build the knowledge graph of some Extractions, following `kgbuild.vocab`.

    The same records in any order give the same nodes, edges, attributes and merge log. ``overrides`` (an
    `kgbuild.overrides.Overrides`, the path of a TOML file or its content as a dict) is applied after every rule.

    Examples
    --------
    >>> from kgbuild.models import Entity, Extraction
    >>> G = build_graph([Extraction(id="p1", title="Faster decoding", entities=[
    ...     Entity(name="SpecX", type="Method", proposed=True), Entity(name="MMLU", type="Dataset")])])
    >>> sorted(G.edges(keys=True))
    [('method:specx', 'dataset:mmlu', 'EVALUATED_ON'), ('paper:p1', 'dataset:mmlu', 'MENTIONS'), ('paper:p1', 'method:specx', 'PROPOSES')]
    """
    lex, ov = lexicon or default_lexicon(), as_overrides(overrides)    # a bad overrides file fails first
    return _assemble(resolve(_merge_duplicates(extractions), lexicon=lex, overrides=ov), lex)


# ----------------------------------------------------------------------------------------------------- rows
def _clean(attrs: dict[str, Any], drop: str) -> Row:
    row: Row = {}
    for key, value in attrs.items():
        if key == drop or value is None:
            continue
        if isinstance(value, (str, bool, int, float)):
            row[key] = value
        elif isinstance(value, (list, tuple, set, frozenset)):
            row[key] = [str(v) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value)]
        else:
            row[key] = str(value)
    return row


def node_rows(G: nx.MultiDiGraph) -> Iterator[tuple[str, str, Row]]:
    """``(id, label, props)`` for every node; props hold only str/int/float/bool/list[str], no None.

    >>> next(r for r in node_rows(kg.graph) if r[0] == "hardware:mi250x")
    ('hardware:mi250x', 'Hardware', {'name': 'MI250X', 'vendor': 'AMD', 'family': 'Instinct', 'architecture': 'CDNA 2', 'hw_class': 'GPU', 'aliases': ['AMD Instinct MI250X'], 'papers': 1, 'mentions': 2, 'proposed': False})
    """
    for node_id, attrs in G.nodes(data=True):
        yield node_id, attrs.get("label", ""), _clean(attrs, "label")


def edge_rows(G: nx.MultiDiGraph) -> Iterator[tuple[str, str, str, Row]]:
    """``(source, target, type, props)`` for every edge, with the same value types as `node_rows`.

    >>> [(s, t) for s, t, type, _ in edge_rows(kg.graph) if type == "OVER"][:2]
    [('claim:100c7e9da9-1', 'method:speculative-decoding'), ('claim:81c586c36c-2', 'method:vllm')]
    """
    for src, dst, key, attrs in G.edges(keys=True, data=True):
        yield src, dst, attrs.get("type", key), _clean(attrs, "type")


# ----------------------------------------------------------------------------------------------------- API object
class KnowledgeGraph:
    """The graph of a corpus with the questions asked of it; ``.graph`` is the networkx MultiDiGraph.

    Examples
    --------
    >>> kg
    <KnowledgeGraph: 6 papers, 74 nodes, 139 edges>
    >>> kg.counts()["SpeedupClaim"]
    9
    """

    def __init__(self, graph: nx.MultiDiGraph, merges: list[MergeRecord] | None = None,
                 lexicon: Lexicon | None = None, overrides: OverridesLike = None) -> None:
        self.graph = graph
        #: every resolution decision (surface form → node id, rule, paper, provenance), for the merge log
        self.merges = list(merges or [])
        #: the lexicon the graph was resolved with; queries resolve names against it
        self.lexicon = lexicon
        #: the user's overrides the graph was resolved with (`kgbuild.overrides`); queries apply them too
        self.overrides = as_overrides(overrides if overrides is not None else graph.graph.get("overrides"))

    @classmethod
    def from_extractions(cls, extractions: Iterable[Extraction], *, lexicon: Lexicon | None = None,
                         overrides: OverridesLike = None) -> KnowledgeGraph:
        """Resolve and build; keeps the resolution's `MergeRecord` list as ``.merges``."""
        lex, ov = lexicon or default_lexicon(), as_overrides(overrides)
        resolution = resolve(_merge_duplicates(extractions), lexicon=lex, overrides=ov)
        return cls(_assemble(resolution, lex), resolution.merges, lex, resolution.overrides)

    def __repr__(self) -> str:
        return (f"<KnowledgeGraph: {self.counts().get('Paper', 0)} papers, {self.graph.number_of_nodes()} nodes, "
                f"{self.graph.number_of_edges()} edges>")

    def counts(self) -> dict[str, int]:
        """Number of nodes per label."""
        return dict(sorted(Counter(label for _, label in self.graph.nodes(data="label")).items()))

    def node_rows(self) -> Iterator[tuple[str, str, Row]]:
        return node_rows(self.graph)

    def edge_rows(self) -> Iterator[tuple[str, str, str, Row]]:
        return edge_rows(self.graph)

    def merge_log(self) -> list[dict[str, Any]]:
        """The merge log's rows (`kgbuild.merge_log.merge_log`): every surface form, its node, rule and evidence."""
        return list(self.graph.graph.get("merge_log") or merge_log(self.merges))

    def explain(self, name: str) -> dict[str, Any]:
        """What the graph knows about ``name`` and why: see `kgbuild.explain.explain`."""
        from .explain import explain

        return explain(self, name)

    def write(self, target: Any, format: str, **options: Any) -> Any:
        """Write the graph with the sink registered as ``format`` (see `kgbuild.sinks`)."""
        from .sinks import SINKS

        return SINKS.get(format)(self.graph, target, **options)

    # the questions; each is also a plain function in kgbuild.queries
    def speedups(self, vendor: str | None = None, hw_class: str | None = None, hardware: str | None = None,
                 method: str | None = None) -> list[dict[str, Any]]:
        from .queries import speedups

        return speedups(self, vendor=vendor, hw_class=hw_class, hardware=hardware, method=method)

    def methods_on_hardware(self, vendor: str | None = None, hw_class: str | None = None,
                            hardware: str | None = None) -> list[str]:
        from .queries import methods_on_hardware

        return methods_on_hardware(self, vendor=vendor, hw_class=hw_class, hardware=hardware)

    def datasets_for_model_family(self, family: str) -> list[str]:
        from .queries import datasets_for_model_family

        return datasets_for_model_family(self, family)

    def papers_proposing(self, name: str) -> list[str]:
        from .queries import papers_proposing

        return papers_proposing(self, name)

    def proposals_of_paper(self, paper_id_or_title: str) -> list[str]:
        from .queries import proposals_of_paper

        return proposals_of_paper(self, paper_id_or_title)

    def fastest_on(self, hardware: str) -> list[dict[str, Any]]:
        from .queries import fastest_on

        return fastest_on(self, hardware)

    def baselines_for_method(self, method: str) -> list[str]:
        from .queries import baselines_for_method

        return baselines_for_method(self, method)

    def findings(self, vendor: str | None = None, hw_class: str | None = None, hardware: str | None = None,
                 method: str | None = None, min_papers: int = 1) -> list[dict[str, Any]]:
        from .queries import findings

        return findings(self, vendor=vendor, hw_class=hw_class, hardware=hardware, method=method,
                        min_papers=min_papers)
