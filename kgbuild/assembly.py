"""Graph assembly shared by the in-memory graph (`kgbuild.graph`) and the spooled one (`kgbuild.spool`).

`assemble_paper` turns one resolved paper into what only it has (its Paper and SpeedupClaim nodes, the edges from
them, its claims to link later) and adds what papers share to `NodeTally` records. A tally is the same for any order
of the papers: counts instead of sets of paper ids, and where one paper's value wins it is the smallest paper id's
(the graph's papers arrive sorted by id; a spooled build's in shard order). After the last paper, `link_claim`
finds each claim's baseline among the named nodes, `catalogue_edges` adds vendors and hardware classes, and
`finding_supports` the Findings' SUPPORTS edges. Rows come from `NodeTally.row` and `edge_attrs` on both paths.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from .canonical import canonical_id, label_of_id, paper_node_id
from .findings import ClaimLink, Finding
from .lexicon_index import Lexicon, normalise
from .models import Provenance, SpeedupClaim
from .overrides import Overrides
from .resolve import ResolvedEntity, ResolvedPaper, find_baseline
from .vocab import ENTITY_LABELS, PROVENANCE_KEYS

__all__ = ["Span", "EdgeKey", "SHARED_EDGES", "span_of", "earliest", "NodeTally", "EdgeTally", "ClaimInfo",
           "PaperPart", "assemble_paper", "named_nodes", "baseline_finder", "link_claim", "catalogue_edges",
           "finding_supports", "edge_attrs"]

#: A provenance as a plain tuple, in `PROVENANCE_KEYS` order: (paper_id, field, sentence, start, end, extractor).
Span = tuple[str, str, int, int, int, str]
EdgeKey = tuple[str, str, str]   # (source, target, type)
#: Edges between entities, which many papers support; every other edge starts at one paper or one of its claims.
SHARED_EDGES = ("VARIANT_OF", "EVALUATED_ON")
#: Node attributes in the order rows list them (a tally's facts arrive in paper order, which may differ).
_ATTRIBUTE_ORDER = ("vendor", "family", "architecture", "hw_class")


def span_of(p: Provenance | None) -> Span | None:
    return None if p is None else (p.paper_id, p.field, p.sentence, p.start, p.end, p.extractor)


def _reading_order(s: Span) -> tuple:
    return (s[0], s[1] != "title", s[2], s[3], s[4])


def earliest(current: Span | None, candidate: Span | None) -> Span | None:
    """The first of two spans in reading order (paper id, title before abstract, sentence, offsets)."""
    if candidate is None:
        return current
    return candidate if current is None or _reading_order(candidate) < _reading_order(current) else current


# ----------------------------------------------------------------------------------------------------- nodes
@dataclass
class NodeTally:
    """What the papers say about one node, kept so that their order does not matter."""

    label: str
    names: Counter = field(default_factory=Counter)
    surfaces: set = field(default_factory=set)
    papers: int = 0
    mentions: int = 0
    proposed: bool = False
    facts: dict[str, tuple[str, Any]] = field(default_factory=dict)   # attribute -> (paper id, value)
    sizes: Counter | None = None
    named: tuple[str, str] | None = None   # (paper id, name) the lexicon or an override gave: the last paper's
    display: str | None = None             # a vendor's or class's name from the catalogue

    def set_fact(self, key: str, value: Any, paper_id: str) -> None:
        """Keep the first paper's value: the smallest paper id, the first entity within a paper."""
        held = self.facts.get(key)
        if held is None or paper_id < held[0]:
            self.facts[key] = (paper_id, value)

    def add(self, r: ResolvedEntity, paper_id: str, lex: Lexicon) -> None:
        """One entity of one paper (the paper count is raised once per paper by `assemble_paper`)."""
        self.names[r.display] += 1
        self.surfaces.update([r.entity.name, *r.entity.aliases])
        self.mentions += max(1, len(r.entity.mentions))
        self.proposed |= r.entity.proposed
        if r.named and (self.named is None or paper_id >= self.named[0]):
            self.named = (paper_id, r.display)
        if self.label == "Hardware":
            for key, value in _hardware_facts(r).items():
                if value:
                    self.set_fact(key, value, paper_id)
        if r.family_id is not None:
            self.set_fact("family", r.family_display, paper_id)
            self.sizes = self.sizes if self.sizes is not None else Counter()
            self.sizes[r.size] += 1

    def shown(self) -> str | None:
        return self.named[1] if self.named is not None else self.display

    def name(self, preferred: str = "") -> str:
        """The name the node shows: the lexicon's, else the most used, then ``preferred``, shortest, first."""
        if self.shown():
            return self.shown()
        return min(self.names, key=lambda n: (-self.names[n], n != preferred, len(n), n))

    def row(self) -> dict[str, Any]:
        """The node's attributes (``label`` included), as `kgbuild.vocab` lists them."""
        attrs = {key: self.facts[key][1] for key in _ATTRIBUTE_ORDER if key in self.facts}
        if self.sizes is not None:
            attrs["size"] = min(self.sizes, key=lambda s: (-self.sizes[s], s))
        # a tie between spellings of a variant goes to "<family> <size>" when the text has it
        name = self.name(f"{attrs.get('family')} {attrs.get('size')}")
        row = {"label": self.label, "name": name, **attrs}
        if self.label in ENTITY_LABELS:
            row.update(aliases=sorted(self.surfaces - {name}), papers=self.papers, mentions=self.mentions,
                       proposed=self.proposed)
        elif self.label in ("Vendor", "HardwareClass"):
            row["papers"] = self.papers
        return row


def _hardware_facts(r: ResolvedEntity) -> dict[str, Any]:
    if r.entry is not None and r.is_class:
        return {"hw_class": r.entry.get("class", r.entry["name"])}
    if r.entry is not None:
        return {"vendor": r.entry.get("vendor"), "family": r.entry.get("family"),
                "architecture": r.entry.get("architecture"), "hw_class": r.entry.get("class")}
    a = r.entity.attributes       # not in the catalogue: what the extractor wrote
    return {"vendor": a.get("vendor"), "family": a.get("family"), "architecture": a.get("architecture"),
            "hw_class": a.get("hw_class") or a.get("class")}


# ----------------------------------------------------------------------------------------------------- edges
@dataclass
class EdgeTally:
    """An edge's support: papers, its first provenance in reading order, and mentions."""

    papers: int = 0
    first: Span | None = None
    mentions: int = 0

    def add(self, papers: int, first: Span | None, mentions: int) -> None:
        self.papers += papers
        self.first = earliest(self.first, first)
        self.mentions += mentions


def edge_attrs(type: str, papers: int, first: Span | None, mentions: int) -> dict[str, Any]:
    """An edge's attributes (``type`` included): support counts and, when read from text, its first provenance."""
    attrs: dict[str, Any] = {"type": type, "papers": papers, "weight": papers}
    if first is not None:
        attrs.update(zip(PROVENANCE_KEYS, first))
    if type in ("PROPOSES", "MENTIONS"):
        attrs["mentions"] = mentions
    return attrs


# ----------------------------------------------------------------------------------------------------- one paper
class ClaimInfo(NamedTuple):
    """A claim as the pass after the last paper needs it: its ids, figure, each side's node id and text."""

    claim_id: str
    paper_id: str
    value: float
    unit: str
    metric: str
    method_id: str | None
    method: str
    baseline_id: str | None
    baseline: str
    hardware_id: str | None
    hardware: str
    span: Span | None


@dataclass
class PaperPart:
    """What one paper adds besides its tallies: its own nodes and edges (``[first span, mentions]`` per edge, one
    paper each), its claims and the Hardware nodes it names (a vendor counts the papers naming its devices)."""

    paper_id: str
    node_id: str
    nodes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    edges: dict[EdgeKey, list] = field(default_factory=dict)
    claims: list[ClaimInfo] = field(default_factory=list)
    hardware: list[str] = field(default_factory=list)

    def edge(self, src: str, dst: str, type: str, first: Span | None, mentions: int = 1) -> None:
        e = self.edges.setdefault((src, dst, type), [None, 0])
        e[0] = earliest(e[0], first)
        e[1] += mentions


def _claim_row(c: SpeedupClaim, paper_id: str, extractor: str) -> dict[str, Any]:
    provenance = c.provenance.model_dump() if c.provenance is not None else {"paper_id": paper_id,
                                                                                "extractor": extractor}
    return {"label": "SpeedupClaim", "name": f"{c.value:g}{c.unit} {c.metric}", "value": float(c.value),
            "unit": c.unit, "metric": c.metric, "qualifier": c.qualifier, "method": c.method,
            "baseline": c.baseline, "hardware": c.hardware, "evidence": c.evidence, **provenance}


def assemble_paper(rp: ResolvedPaper, nodes: dict[str, NodeTally], lex: Lexicon) -> PaperPart:
    """Add one paper's entities to ``nodes`` and return the rest of what it adds to the graph."""
    ex = rp.extraction
    part = PaperPart(ex.id, paper_node_id(ex.id))
    part.nodes.append((part.node_id, {"label": "Paper", "name": ex.title, "title": ex.title, "date": ex.date}))
    first_in_paper: dict[str, Span | None] = {}
    proposed_in_paper: dict[str, bool] = {}
    mentions_in_paper: Counter = Counter()
    for r in rp.entities:
        nodes.setdefault(r.node_id, NodeTally(label_of_id(r.node_id))).add(r, ex.id, lex)
        first = min(map(span_of, r.entity.mentions), key=_reading_order, default=None)
        first_in_paper[r.node_id] = earliest(first_in_paper.get(r.node_id), first)
        proposed_in_paper[r.node_id] = proposed_in_paper.get(r.node_id, False) | r.entity.proposed
        mentions_in_paper[r.node_id] += max(1, len(r.entity.mentions))
        if r.family_id is not None:
            family = nodes.setdefault(r.family_id, NodeTally("Model"))
            family.names[r.family_display] += 0       # known name, no mention of its own
            part.edge(r.node_id, r.family_id, "VARIANT_OF", first_in_paper[r.node_id])
    for node_id in sorted(first_in_paper):
        nodes[node_id].papers += 1
        rel = "PROPOSES" if proposed_in_paper[node_id] else "MENTIONS"
        part.edge(part.node_id, node_id, rel, first_in_paper[node_id], mentions_in_paper[node_id])
    part.hardware = [i for i in first_in_paper if nodes[i].label == "Hardware"]
    datasets = [i for i in first_in_paper if i.startswith("dataset:")]
    evaluated = [i for i in first_in_paper
                 if i.startswith("model:") or (i.startswith("method:") and proposed_in_paper[i])]
    for src in evaluated:
        for dst in datasets:
            part.edge(src, dst, "EVALUATED_ON", first_in_paper[dst])
    for rc in rp.claims:
        c, span = rc.claim, span_of(rc.claim.provenance)
        part.nodes.append((rc.node_id, _claim_row(c, ex.id, ex.extractor)))
        part.edge(part.node_id, rc.node_id, "REPORTS", span)
        # the faster side is a method or a model; a claim naming anything else keeps it as text only
        if rc.method_id and rc.method_id.split(":", 1)[0] in ("method", "model"):
            part.edge(rc.node_id, rc.method_id, "ACHIEVED_BY", span)
        if rc.hardware_id and rc.hardware_id.startswith("hardware:"):
            part.edge(rc.node_id, rc.hardware_id, "MEASURED_ON", span)
        part.claims.append(ClaimInfo(rc.node_id, ex.id, float(c.value), c.unit, c.metric, rc.method_id, c.method,
                                     rc.baseline_id, c.baseline, rc.hardware_id, c.hardware, span))
    return part


# ----------------------------------------------------------------------------------------------------- after
def named_nodes(nodes: dict[str, NodeTally]) -> set[str]:
    """The nodes some paper names: what a claim's baseline may link to."""
    return {node_id for node_id, n in nodes.items() if n.papers}


def baseline_finder(named: Collection[str], lex: Lexicon, ov: Overrides) -> Callable[[str], str | None]:
    """`find_baseline` over the named nodes, remembered per baseline text (corpora repeat their baselines)."""
    @lru_cache(maxsize=1 << 16)
    def find(baseline: str) -> str | None:
        return find_baseline(baseline, named, lexicon=lex, overrides=ov)
    return find


def link_claim(c: ClaimInfo, find: Callable[[str], str | None]) -> tuple[str | None, ClaimLink]:
    """A claim's OVER target (None when its baseline names no node, or names its own faster side) and what
    `kgbuild.findings.group_claims` groups it by.

    Baselines are linked after the last paper: a baseline may name an entity that only another paper mentions.
    """
    target = c.baseline_id or find(c.baseline)
    target = target if target != c.method_id else None
    # a faster side left unlinked ("", or "our method" in a paper proposing several things) is unknown
    method = (c.method_id, c.method) if c.method_id else (None, "")
    return target, ClaimLink(c.claim_id, c.paper_id, c.value, c.unit, c.metric, method, (target, c.baseline),
                             (c.hardware_id, c.hardware))


def catalogue_edges(nodes: dict[str, NodeTally], lex: Lexicon,
                    hardware_by_paper: Iterable[Iterable[str]]) -> dict[EdgeKey, int]:
    """Add Vendor and HardwareClass nodes for the Hardware facts; return the MADE_BY / IS_A edges' paper counts.

    A vendor's or class's paper count is the number of papers naming any of its devices, so the Hardware node ids
    of each paper (`PaperPart.hardware`) are read once here.
    """
    edges: dict[EdgeKey, int] = {}
    targets: dict[str, list[str]] = {}
    for node_id, n in sorted(nodes.items()):
        if n.label != "Hardware":
            continue
        for attr, label, rel in (("vendor", "Vendor", "MADE_BY"), ("hw_class", "HardwareClass", "IS_A")):
            paper_id, value = n.facts.get(attr, ("", None))
            if not value:
                continue
            target_id = canonical_id(value, label, lexicon=lex)
            target = nodes.setdefault(target_id, NodeTally(label))
            entry = (lex.vendor_index if label == "Vendor" else lex.class_index).get(normalise(value))
            shown = entry.get("class", entry["name"]) if entry and label == "HardwareClass" else None
            target.display = shown or (entry["name"] if entry else None) or target.display
            target.names[value] += 1
            n.facts[attr] = (paper_id, target.display or value)
            edges[(node_id, target_id, rel)] = n.papers
            targets.setdefault(node_id, []).append(target_id)
    for hardware in hardware_by_paper:
        for target_id in {t for node_id in hardware for t in targets.get(node_id, ())}:
            nodes[target_id].papers += 1
    return edges


def finding_supports(finding: Finding) -> dict[str, int]:
    """Per claim of a Finding, how many papers its SUPPORTS edge stands for (one, unless two papers' ids share a
    node, as ids differing only in case do)."""
    papers: dict[str, set[str]] = {}
    for c in finding.claims:
        papers.setdefault(c.claim_id, set()).add(c.paper_id)
    return {claim_id: len(ids) for claim_id, ids in papers.items()}
