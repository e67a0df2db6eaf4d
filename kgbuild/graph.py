"""The knowledge graph: a networkx MultiDiGraph built from Extractions by the contract in `kgbuild.vocab`.

`build_graph` assembles it (with `kgbuild.assembly`, the code a spooled graph shares), `node_rows` / `edge_rows` are
what every sink reads, and `KnowledgeGraph` wraps it with the questions of `kgbuild.queries`. Besides nodes and edges
the graph holds ``G.graph["merge_log"]`` (the rows of `kgbuild.merge_log.merge_log`, which the RDF sink writes as
PROV-O) and, when given, ``G.graph["overrides"]``. The row functions (`node_rows`, `edge_rows`, `node_label`,
`merge_log_rows` …) also take a graph of rows (`GraphRows`): the spooled graph of a corpus too large for memory
(`kgbuild.spool`).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, Union

import networkx as nx

from .assembly import (
    ClaimInfo, EdgeKey, EdgeTally, NodeTally, assemble_paper, baseline_finder, catalogue_edges, edge_attrs,
    finding_supports, link_claim, named_nodes,
)
from .findings import group_claims
from .lexicon_index import Lexicon, default_lexicon
from .merge_log import merge_log
from .models import Extraction
from .overrides import OverridesLike, as_overrides
from .resolve import MergeRecord, Resolution, resolve

__all__ = ["build_graph", "node_rows", "edge_rows", "has_node", "node_label", "node_labels", "merge_log_rows",
           "clean_props", "GraphRows", "GraphLike", "KnowledgeGraph"]

Row = dict[str, str | int | float | bool | list[str]]


# ----------------------------------------------------------------------------------------------------- assembly
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


def _assemble(resolution: Resolution, lex: Lexicon) -> nx.MultiDiGraph:
    nodes: dict[str, NodeTally] = {}
    rows: dict[str, dict[str, Any]] = {}      # papers and claims: a later paper's replaces (ids equal but for case)
    edges: dict[EdgeKey, EdgeTally] = defaultdict(EdgeTally)
    claims: list[ClaimInfo] = []
    hardware: list[list[str]] = []
    for rp in resolution.papers:
        part = assemble_paper(rp, nodes, lex)
        rows.update(part.nodes)
        for key, (first, mentions) in part.edges.items():
            edges[key].add(1, first, mentions)
        claims += part.claims
        hardware.append(part.hardware)
    find = baseline_finder(named_nodes(nodes), lex, resolution.overrides)
    links = []
    for claim in claims:
        target, link = link_claim(claim, find)
        if target:
            edges[(claim.claim_id, target, "OVER")].add(1, claim.span, 1)
        links.append(link)
    for key, papers in catalogue_edges(nodes, lex, hardware).items():
        edges[key].add(papers, None, 0)
    entity_rows = {node_id: n.row() for node_id, n in nodes.items()}
    rows.update(entity_rows)
    for finding in group_claims(links, {node_id: row["name"] for node_id, row in entity_rows.items()}):
        rows[finding.node_id] = finding.row()
        for claim_id, papers in finding_supports(finding).items():
            edges[(claim_id, finding.node_id, "SUPPORTS")].add(papers, None, 0)
    G = _to_networkx(rows, edges)
    G.graph["merge_log"] = merge_log(resolution.merges)
    if resolution.overrides:
        G.graph["overrides"] = resolution.overrides.as_dict()
    return G


def _to_networkx(rows: dict[str, dict[str, Any]], edges: dict[EdgeKey, EdgeTally]) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    for node_id in sorted(rows):
        G.add_node(node_id, **{k: v for k, v in rows[node_id].items() if v is not None})
    for (src, dst, rel) in sorted(edges):
        e = edges[(src, dst, rel)]
        G.add_edge(src, dst, key=rel, **edge_attrs(rel, e.papers, e.first, e.mentions))
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
class GraphRows(Protocol):
    """A graph as rows, for a corpus too large for a networkx graph (`kgbuild.spool.SpooledGraph`).

    Every sink that only needs rows takes one in place of a MultiDiGraph: rows are read again on each call, nodes
    are looked up by id, and the ids carry their kind (`kgbuild.canonical.label_of_id`).
    """

    def node_rows(self) -> Iterator[tuple[str, str, Row]]: ...
    def edge_rows(self) -> Iterator[tuple[str, str, str, Row]]: ...
    def merge_log(self) -> Iterator[dict[str, Any]]: ...
    def node_label(self, node_id: str) -> str | None: ...
    def labels(self) -> set[str]: ...
    def number_of_nodes(self) -> int: ...
    def number_of_edges(self) -> int: ...


#: What sinks write: the in-memory graph or a graph of rows.
GraphLike = Union[nx.MultiDiGraph, GraphRows]


def clean_props(attrs: dict[str, Any], drop: str) -> Row:
    """``attrs`` without ``drop`` and None values, every value a str, int, float, bool or list of str."""
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


def node_rows(G: GraphLike) -> Iterator[tuple[str, str, Row]]:
    """``(id, label, props)`` for every node; props hold only str/int/float/bool/list[str], no None.

    >>> next(r for r in node_rows(kg.graph) if r[0] == "hardware:mi250x")
    ('hardware:mi250x', 'Hardware', {'name': 'MI250X', 'vendor': 'AMD', 'family': 'Instinct', 'architecture': 'CDNA 2', 'hw_class': 'GPU', 'aliases': ['AMD Instinct MI250X'], 'papers': 1, 'mentions': 2, 'proposed': False})
    """
    if not isinstance(G, nx.Graph):
        yield from G.node_rows()
        return
    for node_id, attrs in G.nodes(data=True):
        yield node_id, attrs.get("label", ""), clean_props(attrs, "label")


def edge_rows(G: GraphLike) -> Iterator[tuple[str, str, str, Row]]:
    """``(source, target, type, props)`` for every edge, with the same value types as `node_rows`.

    >>> [(s, t) for s, t, type, _ in edge_rows(kg.graph) if type == "OVER"][:2]
    [('claim:100c7e9da9-1', 'method:speculative-decoding'), ('claim:81c586c36c-2', 'method:vllm')]
    """
    if not isinstance(G, nx.Graph):
        yield from G.edge_rows()
        return
    for src, dst, key, attrs in G.edges(keys=True, data=True):
        yield src, dst, attrs.get("type", key), clean_props(attrs, "type")


def node_label(G: GraphLike, node_id: str) -> str | None:
    """The label of node ``node_id``, None when the graph has no such node.

    >>> node_label(kg.graph, "vendor:amd"), node_label(kg.graph, "vendor:nobody")
    ('Vendor', None)
    """
    if not isinstance(G, nx.Graph):
        return G.node_label(node_id)
    return G.nodes[node_id].get("label") if node_id in G else None


def has_node(G: GraphLike, node_id: str) -> bool:
    """Whether the graph has node ``node_id``."""
    return node_id in G if isinstance(G, nx.Graph) else G.node_label(node_id) is not None


def node_labels(G: GraphLike) -> set[str]:
    """The labels the graph's nodes have."""
    return G.labels() if not isinstance(G, nx.Graph) else {label for _, label in G.nodes(data="label")}


def merge_log_rows(G: GraphLike) -> Iterable[dict[str, Any]]:
    """The merge log's rows (`kgbuild.merge_log.merge_log`) a graph holds, sorted by node, surface form and rule."""
    return G.merge_log() if not isinstance(G, nx.Graph) else G.graph.get("merge_log", ())


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
