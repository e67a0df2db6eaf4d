"""RDF sink: the graph in the kgbuild ontology (``schemas/kgbuild-ontology.ttl``) as Turtle, N-Triples or JSON-LD.

Nodes become resources typed with their ``kg:`` class; edges become plain triples (``kg:proposes`` …); text
provenance sits on the claim node or on one ``kg:Mention`` per edge read from text (see the ontology's header for
why); the merge log (``G.graph["merge_log"]``) becomes one ``kg:SurfaceForm`` per row, which the node
``prov:wasDerivedFrom`` and which ``prov:wasGeneratedBy`` the activity of its resolution rule. IRIs come from
``kgbuild.iri`` only.
"""
from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ..errors import SinkError, UnknownFormatError
from ..graph import GraphLike, edge_rows, has_node, merge_log_rows, node_label, node_rows
from ..iri import (
    DCTERMS, KG, PREFIXES, PROV, RDF, RDFS, SDO, XSD, activity_iri, agent_iri, bind_prefixes, class_iri, form_iri,
    mention_iri, node_iri, property_iri, rule_iri,
)
from ..resolve import RESOLVER, RULES, paper_node_id

__all__ = [
    "ONTOLOGY_PATH",
    "SHAPES_PATH",
    "RDF_FORMATS",
    "JSONLD_CONTEXT",
    "generate_triples",
    "generate_ntriples",
    "to_rdflib",
    "write_rdf",
    "write_turtle",
    "write_ntriples",
    "write_jsonld",
    "validate_rdf",
]

_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
ONTOLOGY_PATH = _SCHEMAS / "kgbuild-ontology.ttl"
SHAPES_PATH = _SCHEMAS / "kgbuild-shapes.ttl"

#: Format name -> (file suffix, rdflib serializer name).
RDF_FORMATS: dict[str, tuple[str, str]] = {
    "ttl": (".ttl", "turtle"),
    "nt": (".nt", "nt"),
    "jsonld": (".jsonld", "json-ld"),
}
_FORMAT_ALIASES = {"turtle": "ttl", "ntriples": "nt", "n-triples": "nt", "json-ld": "jsonld", "json": "jsonld"}
#: The JSON-LD ``@context``: the same prefixes as Turtle, inline so reading the file needs no network.
JSONLD_CONTEXT: dict[str, str] = dict(PREFIXES)

Triple = tuple[URIRef, URIRef, Node]

# node attribute -> (predicate, value kind); "name" and "extractor" are handled apart (label fallback, activity link).
_ATTRIBUTES: dict[str, tuple[URIRef, str]] = {
    "aliases": (SDO.alternateName, "string"),
    "papers": (KG.paperCount, "count"),
    "mentions": (KG.mentionCount, "count"),
    "title": (DCTERMS.title, "string"),
    "date": (DCTERMS.issued, "date"),
    "source": (KG.sourceLocation, "string"),
    "proposed": (KG.proposed, "boolean"),
    "vendor": (KG.vendorName, "string"),
    "family": (KG.family, "string"),
    "architecture": (KG.architecture, "string"),
    "hw_class": (KG.hardwareClassName, "string"),
    "size": (KG.size, "string"),
    "value": (KG.value, "decimal"),
    "value_min": (KG.minValue, "decimal"),
    "value_median": (KG.medianValue, "decimal"),
    "value_max": (KG.maxValue, "decimal"),
    "unit": (KG.unit, "string"),
    "metric": (KG.metric, "string"),
    "qualifier": (KG.qualifier, "string"),
    "evidence": (KG.evidence, "string"),
    "method": (KG.methodName, "string"),
    "baseline": (KG.baselineName, "string"),
    "hardware": (KG.hardwareName, "string"),
    "paper_id": (KG.paperId, "string"),
    "field": (KG.field, "string"),
    "sentence": (KG.sentence, "integer"),
    "start": (KG.charStart, "integer"),
    "end": (KG.charEnd, "integer"),
}
_SPAN_KEYS = ("paper_id", "field", "sentence", "start", "end")
#: Terms of every node, mention and claim, looked up once (a namespace attribute builds a new URIRef each time).
_TYPE, _LABEL, _IDENTIFIER = RDF.type, RDFS.label, DCTERMS.identifier
_MENTION, _RELATION, _IN_PAPER = KG.Mention, KG.relation, KG.inPaper
_OF_ENTITY, _FROM_ENTITY = KG.ofEntity, KG.fromEntity
_GENERATED_BY, _DERIVED_FROM = PROV.wasGeneratedBy, PROV.wasDerivedFrom
# An edge's "weight" is its paper count (graph.py), so only "papers" and "mentions" are written.
_EDGE_SUPPORT = {"papers": KG.paperCount, "mentions": KG.mentionCount}
_NOT_ATTRIBUTES = {"label", "name", "extractor", "id", "type"}
_DATE_TYPES = ((re.compile(r"^\d{4}-\d{2}-\d{2}$"), XSD.date), (re.compile(r"^\d{4}-\d{2}$"), XSD.gYearMonth),
               (re.compile(r"^\d{4}$"), XSD.gYear))
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_NT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_NT_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')


def _text(value: Any) -> str:
    # A lone surrogate (from broken JSON) cannot be written as UTF-8 in any RDF format.
    return _LONE_SURROGATE.sub("\ufffd", str(value))


class _Lit(NamedTuple):
    """A literal as its lexical form and datatype: N-Triples lines are written from these directly (building an
    rdflib ``Literal`` for each of millions of values was most of the sink's time); `generate_triples` turns them
    into rdflib literals."""

    text: str
    datatype: URIRef | None = None

    def literal(self) -> Literal:
        return Literal(self.text, datatype=self.datatype)


def _literals(value: Any, kind: str) -> Iterator[_Lit]:
    """The literals of one attribute value; empty strings and non-finite numbers are absent, not written."""
    if value is None:
        return
    if kind == "count":
        yield _Lit(str(len(value) if isinstance(value, list) else int(value)), XSD.integer)
    elif isinstance(value, list):
        for item in dict.fromkeys(value):
            yield from _literals(item, kind)
    elif kind == "string":
        if str(value):
            yield _Lit(_text(value))
    elif kind == "integer":
        yield _Lit(str(int(value)), XSD.integer)
    elif kind == "boolean":
        yield _Lit("true" if value else "false", XSD.boolean)
    elif kind == "decimal":
        if isinstance(value, (int, float)) and math.isfinite(value):
            yield _Lit(format(Decimal(repr(float(value))), "f"), XSD.decimal)
    elif kind == "date" and str(value):
        text = _text(value)
        datatype = next((dt for pattern, dt in _DATE_TYPES if pattern.match(text)), None)
        yield _Lit(text, datatype)


def _paper_node(G: GraphLike, paper_id: str) -> str | None:
    """The Paper node a provenance ``paper_id`` names, if the graph has it."""
    for candidate in (paper_node_id(paper_id), paper_id):
        if node_label(G, candidate) == "Paper":
            return candidate
    return None


class _Extractors:
    """Emits each extractor's agent and activity once, the first time a claim or mention refers to it, and each
    resolution rule's activity (associated with the resolver agent) the first time a merge-log row refers to it."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def _agent(self, name: str) -> tuple[URIRef, list[Triple]]:
        agent = agent_iri(name)
        if f"agent {name}" in self.seen:
            return agent, []
        self.seen.add(f"agent {name}")
        return agent, [(agent, RDF.type, PROV.SoftwareAgent), (agent, RDFS.label, _Lit(_text(name)))]

    def activity(self, extractor: str) -> tuple[URIRef, list[Triple]]:
        activity = activity_iri(extractor)
        if extractor in self.seen:
            return activity, []
        self.seen.add(extractor)
        agent, once = self._agent(extractor)
        return activity, once + [
            (activity, RDF.type, PROV.Activity),
            (activity, RDFS.label, _Lit(f"extraction by {_text(extractor)}")),
            (activity, PROV.wasAssociatedWith, agent),
        ]

    def rule(self, rule: str) -> tuple[URIRef, list[Triple]]:
        activity = rule_iri(rule)
        if f"rule {rule}" in self.seen:
            return activity, []
        self.seen.add(f"rule {rule}")
        agent, once = self._agent(RESOLVER)
        once += [(activity, RDF.type, PROV.Activity), (activity, RDFS.label, _Lit(_text(rule))),
                 (activity, PROV.wasAssociatedWith, agent)]
        if rule in RULES:
            once.append((activity, RDFS.comment, _Lit(RULES[rule])))
        return activity, once


def _node_triples(node: str, label: str, props: dict[str, Any], extractors: _Extractors,
                  unknown: set[str]) -> Iterator[Triple]:
    subject = node_iri(node)
    yield subject, _TYPE, class_iri(label)
    yield subject, _IDENTIFIER, _Lit(_text(node))
    yield subject, _LABEL, _Lit(_text(props.get("name") or props.get("title") or node))
    for key, value in props.items():
        if key in _ATTRIBUTES:
            predicate, kind = _ATTRIBUTES[key]
            for literal in _literals(value, kind):
                yield subject, predicate, literal
        elif key == "extractor" and value:
            activity, once = extractors.activity(str(value))
            yield from once
            yield subject, _GENERATED_BY, activity
        elif key not in _NOT_ATTRIBUTES and key not in unknown:
            unknown.add(key)
            warnings.warn(f"RDF sink: node attribute {key!r} (on {node}) has no RDF property and is not written — "
                          "add it to kgbuild.sinks.rdf._ATTRIBUTES and the ontology", stacklevel=3)


def _span_triples(subject: Any, props: dict[str, Any]) -> Iterator[Triple]:
    """Where a mention or surface form was read: field, sentence and character offsets."""
    for key in _SPAN_KEYS:
        predicate, kind = _ATTRIBUTES[key]
        for literal in _literals(props.get(key), kind):
            yield subject, predicate, literal


def _mention_triples(G: GraphLike, src: str, dst: str, edge_type: str, props: dict[str, Any],
                     extractors: _Extractors, src_is_paper: bool) -> Iterator[Triple]:
    mention = mention_iri(src, edge_type, dst)
    yield mention, _TYPE, _MENTION
    yield mention, _RELATION, property_iri(edge_type)
    yield mention, _OF_ENTITY, node_iri(dst)
    if not src_is_paper:
        yield mention, _FROM_ENTITY, node_iri(src)
    paper = src if src_is_paper else _paper_node(G, str(props["paper_id"]))
    if paper is not None:
        yield mention, _IN_PAPER, node_iri(paper)
    yield from _span_triples(mention, props)
    for key, predicate in _EDGE_SUPPORT.items():
        for literal in _literals(props.get(key), "count"):
            yield mention, predicate, literal
    if props.get("extractor"):
        activity, once = extractors.activity(str(props["extractor"]))
        yield from once
        yield mention, _GENERATED_BY, activity


def _form_triples(G: GraphLike, row: dict[str, Any], extractors: _Extractors) -> Iterator[Triple]:
    node = str(row.get("node_id", ""))
    if not has_node(G, node):
        return
    form = form_iri(node, str(row["rule"]), str(row["surface"]))
    yield node_iri(node), _DERIVED_FROM, form
    yield form, _TYPE, KG.SurfaceForm
    yield form, KG.surface, _Lit(_text(row["surface"]))
    activity, once = extractors.rule(str(row["rule"]))
    yield from once
    yield form, _GENERATED_BY, activity
    for key, predicate, kind in (("detail", KG.ruleDetail, "string"), ("papers", KG.paperCount, "count"),
                                 ("evidence", KG.evidence, "string")):
        for literal in _literals(row.get(key), kind):
            yield form, predicate, literal
    paper = _paper_node(G, str(row.get("paper_id", "")))
    if paper is not None:
        yield form, _DERIVED_FROM, node_iri(paper)
    yield from _span_triples(form, row)


def generate_triples(G: GraphLike) -> Iterator[Triple]:
    """Yield the graph's RDF triples one at a time, as rdflib terms, without holding an RDF graph.

    Each triple is yielded once. Node attributes the ontology has no property for are skipped with a warning. ``G``
    is a MultiDiGraph or a graph of rows (`kgbuild.graph.GraphRows`). The merge log
    (`kgbuild.graph.merge_log_rows`, ``G.graph["merge_log"]`` of a MultiDiGraph) is written with PROV-O: a node
    ``prov:wasDerivedFrom`` each of its ``kg:SurfaceForm`` rows, and a row ``prov:wasGeneratedBy`` its rule's
    activity and ``prov:wasDerivedFrom`` the paper of its evidence.

    Examples
    --------
    >>> triples = list(generate_triples(small_graph))
    >>> (node_iri("vendor:amd"), RDF.type, KG.Vendor) in triples
    True
    """
    for s, p, o in _triples(G):
        yield s, p, o.literal() if type(o) is _Lit else o


def _triples(G: GraphLike) -> Iterator[tuple[URIRef, URIRef, URIRef | _Lit]]:
    extractors = _Extractors()
    unknown: set[str] = set()
    for node, label, props in node_rows(G):
        yield from _node_triples(node, label, props, extractors, unknown)
    # a MultiDiGraph may hold two edges of one type between two nodes under different keys; rows never do
    seen: set[tuple[str, str, str]] | None = set() if isinstance(G, nx.Graph) else None
    for src, dst, edge_type, props in edge_rows(G):
        if seen is not None:
            if (src, edge_type, dst) in seen:
                continue
            seen.add((src, edge_type, dst))
        yield node_iri(src), property_iri(edge_type), node_iri(dst)
        if edge_type == "REPORTS":
            yield node_iri(dst), _DERIVED_FROM, node_iri(src)
        ends = (node_label(G, src), node_label(G, dst))
        # A claim carries its own provenance; only other text-read edges need a Mention.
        if props.get("paper_id") and "SpeedupClaim" not in ends:
            yield from _mention_triples(G, src, dst, edge_type, props, extractors, ends[0] == "Paper")
    for row in merge_log_rows(G):
        yield from _form_triples(G, row, extractors)


def _nt_escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NT_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def _nt_literal(lit: _Lit) -> str:
    quoted = '"' + _NT_NEEDS_ESCAPE.sub(_nt_escape, lit.text) + '"'
    return quoted if lit.datatype is None or lit.datatype == XSD.string else f"{quoted}^^<{lit.datatype}>"


@lru_cache(maxsize=1 << 14)
def _iri_text(iri: str) -> str:
    """``URIRef.n3()`` (which checks the IRI) once per IRI: predicates, classes and hub nodes recur in most lines.
    Keyed by the plain str: URIRef's hash and eq are Python methods."""
    return URIRef(iri).n3()


def generate_ntriples(G: GraphLike) -> Iterator[str]:
    """Yield the graph as N-Triples lines (no trailing newline), streamed from the graph's triples.

    Literals are escaped here (N-Triples ECHAR/UCHAR): rdflib's ``Literal.n3()`` writes a multi-line literal in
    Turtle's triple-quoted form, which N-Triples forbids; IRIs are checked by ``URIRef.n3()``.

    Examples
    --------
    >>> next(generate_ntriples(small_graph)).endswith(" .")
    True
    """
    for s, p, o in _triples(G):
        yield f"{_iri_text(str(s))} {_iri_text(str(p))} {_nt_literal(o) if type(o) is _Lit else _iri_text(str(o))} ."


def to_rdflib(G: nx.MultiDiGraph) -> Graph:
    """The graph as an rdflib ``Graph`` with the kgbuild prefixes bound, for SPARQL in memory or serializing.

    Examples
    --------
    >>> rdf = to_rdflib(small_graph)
    >>> bool(rdf.query("ASK { ?paper a kg:Paper ; kg:proposes ?entity }"))
    True
    """
    rdf = bind_prefixes(Graph())
    for triple in generate_triples(G):
        rdf.add(triple)
    return rdf


def _format_name(name: str) -> str:
    key = _FORMAT_ALIASES.get(name.lower().lstrip("."), name.lower().lstrip("."))
    if key not in RDF_FORMATS:
        raise UnknownFormatError(f"unknown RDF format {name!r} — choose one of: {', '.join(RDF_FORMATS)}")
    return key


def _plan(target: Path, formats: Iterable[str] | None, stem: str) -> list[tuple[str, Path]]:
    """Which format goes to which path (see `write_rdf`)."""
    if target.is_dir() or not target.suffix:
        names = list(RDF_FORMATS) if formats is None else [_format_name(f) for f in formats]
        return [(name, target / f"{stem}{RDF_FORMATS[name][0]}") for name in dict.fromkeys(names)]
    try:
        named = _format_name(target.suffix)
    except UnknownFormatError:
        named = None
    names = [_format_name(f) for f in formats] if formats is not None else [named] if named else []
    if not names:
        raise UnknownFormatError(f"{target}: cannot tell the RDF format from {target.suffix!r} — name the file "
                                 f".ttl, .nt or .jsonld, or pass formats=")
    if named is None and len(set(names)) == 1:
        named = names[0]       # one explicit format: write it where the caller said
    return [(name, target if name == named else target.with_name(target.stem + RDF_FORMATS[name][0]))
            for name in dict.fromkeys(names)]


def write_rdf(G: nx.MultiDiGraph, target: str | Path, formats: Iterable[str] | None = None,
              stem: str = "kgbuild") -> list[Path]:
    """Write the graph as RDF files and return their paths.

    A ``target`` with a suffix is a file: ``kg.ttl`` receives the format its suffix names and siblings ``kg.nt`` …
    receive the other ``formats``. A ``target`` without a suffix, or an existing directory, receives
    ``<stem>.ttl``, ``<stem>.nt`` and ``<stem>.jsonld`` (or just ``formats``). N-Triples is streamed; Turtle and
    JSON-LD are serialized from one in-memory rdflib graph.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in write_rdf(small_graph, Path(tmp) / "kg.ttl", formats=["ttl", "nt"])]
    ['kg.ttl', 'kg.nt']
    """
    target = Path(target)
    plan = _plan(target, formats, stem)
    written: list[Path] = []
    rdf: Graph | None = None
    try:
        for name, path in plan:
            path.parent.mkdir(parents=True, exist_ok=True)
            if name == "nt":
                with path.open("w", encoding="utf-8", newline="\n") as out:
                    for line in generate_ntriples(G):
                        out.write(line + "\n")
            else:
                rdf = rdf if rdf is not None else to_rdflib(G)
                options = {"context": JSONLD_CONTEXT, "indent": 2} if name == "jsonld" else {}
                rdf.serialize(destination=path, format=RDF_FORMATS[name][1], encoding="utf-8", **options)
            written.append(path)
    except OSError as e:
        raise SinkError(f"{target}: cannot write RDF ({e.strerror or e}) — check the directory exists "
                        "and is writable") from e
    return written


def write_turtle(G: nx.MultiDiGraph, target: str | Path) -> Path:
    """Write Turtle to ``target`` (a ``.ttl`` file, or a directory receiving ``kgbuild.ttl``)."""
    return write_rdf(G, target, formats=["ttl"])[0]


def write_ntriples(G: nx.MultiDiGraph, target: str | Path) -> Path:
    """Write N-Triples, streamed, to ``target`` (a ``.nt`` file, or a directory receiving ``kgbuild.nt``)."""
    return write_rdf(G, target, formats=["nt"])[0]


def write_jsonld(G: nx.MultiDiGraph, target: str | Path) -> Path:
    """Write JSON-LD with the kgbuild ``@context`` to ``target`` (a ``.jsonld`` file, or a directory)."""
    return write_rdf(G, target, formats=["jsonld"])[0]


def validate_rdf(data: nx.MultiDiGraph | Graph, shapes: str | Path = SHAPES_PATH) -> tuple[bool, str]:
    """Validate the graph against the SHACL shapes; return ``(conforms, report text)``.

    Needs ``pyshacl`` (in the ``test`` extra).

    Examples
    --------
    >>> validate_rdf(small_graph)[0]
    True
    """
    try:
        import pyshacl
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise SinkError("validate_rdf needs pyshacl — pip install 'kgbuild[test]' or pip install pyshacl") from e
    rdf = data if isinstance(data, Graph) else to_rdflib(data)
    with warnings.catch_warnings():
        # pyshacl drives rdflib APIs that rdflib 7 deprecates, tens of thousands of times per run
        warnings.simplefilter("ignore", DeprecationWarning)
        conforms, _, text = pyshacl.validate(rdf, shacl_graph=str(shapes), shacl_graph_format="turtle",
                                             inference="none", advanced=True)
    return bool(conforms), str(text)
