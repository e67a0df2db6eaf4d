"""The one place kgbuild mints IRIs, and the RDF vocabularies it uses as namespace objects.

Scheme (``BASE`` = ``https://w3id.org/kgbuild/``):

* terms of the kgbuild ontology: ``BASE + "ontology#" + Term`` (classes ``kg:Paper`` …, properties
  ``kg:evaluatedOn`` …, one per ``vocab.EDGE_TYPES`` entry);
* graph nodes: node id ``"<kind>:<slug>"`` becomes ``BASE + "id/<kind>/<slug>"`` with kind and slug
  percent-encoded (UTF-8) down to ASCII unreserved characters plus ``:`` and ``@``, so any text yields a valid
  IRI (and URI) and ``node_id`` inverts it exactly;
* mentions: ``BASE + "id/mention/<source node id>/<edge type>/<target node id>"``, one per edge read from text;
* the extractor: ``BASE + "id/agent/<version>"`` and its activity ``BASE + "id/activity/<version>"``;
* the merge log: ``BASE + "id/form/<node id>/<rule>/<surface form>"`` per row, and one activity per resolution
  rule, ``BASE + "id/rule/<rule>"``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, unquote

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SH, XSD

from .vocab import EDGE_TYPES, NODE_LABELS

__all__ = [
    "BASE",
    "KG",
    "KGID",
    "MLS",
    "SDO",
    "DCTERMS",
    "PROV",
    "RDF",
    "RDFS",
    "XSD",
    "OWL",
    "SH",
    "PREFIXES",
    "CLASS_LABELS",
    "bind_prefixes",
    "class_iri",
    "property_iri",
    "node_iri",
    "node_id",
    "mention_iri",
    "agent_iri",
    "activity_iri",
    "form_iri",
    "rule_iri",
]

BASE = "https://w3id.org/kgbuild/"
#: The kgbuild ontology: classes, properties and datatype attributes.
KG = Namespace(BASE + "ontology#")
#: Resources (graph nodes, mentions, the extractor); build IRIs with the functions below, not by hand.
KGID = Namespace(BASE + "id/")
#: W3C ML-Schema, for the ML meaning of methods, models and datasets.
MLS = Namespace("http://www.w3.org/ns/mls#")

#: Prefixes bound in Turtle, JSON-LD contexts and the example SPARQL queries.
PREFIXES: dict[str, str] = {
    "kg": str(KG),
    "kgid": str(KGID),
    "schema": str(SDO),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "mls": str(MLS),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
}

#: Node labels that are RDF classes, plus ``Mention``, the provenance node of an edge read from text, and
#: ``SurfaceForm``, a row of the merge log.
CLASS_LABELS: tuple[str, ...] = NODE_LABELS + ("Mention", "SurfaceForm")

# RFC 3987 iunreserved minus ucschar (encoded, so the IRI is also a URI) plus ":" and "@", legal in a path segment.
_SAFE = ":@"
_EDGE_TYPE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")


def bind_prefixes(graph: Graph) -> Graph:
    """Bind ``PREFIXES`` on ``graph`` so Turtle and JSON-LD output read ``kg:Paper`` instead of full IRIs."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


@lru_cache(maxsize=256)
def class_iri(label: str) -> URIRef:
    """The class of a node label: ``"SpeedupClaim"`` → ``kg:SpeedupClaim``.

    >>> class_iri("Paper")
    rdflib.term.URIRef('https://w3id.org/kgbuild/ontology#Paper')
    """
    if label not in CLASS_LABELS:
        raise ValueError(f"unknown node label {label!r} — use one of kgbuild.vocab.NODE_LABELS")
    return KG[label]


@lru_cache(maxsize=256)
def property_iri(edge_type: str) -> URIRef:
    """The object property of an edge type, camel-cased: ``"EVALUATED_ON"`` → ``kg:evaluatedOn``.

    >>> property_iri("MADE_BY")
    rdflib.term.URIRef('https://w3id.org/kgbuild/ontology#madeBy')
    """
    if edge_type not in EDGE_TYPES and not _EDGE_TYPE.match(edge_type):
        raise ValueError(f"edge type {edge_type!r} is not UPPER_SNAKE_CASE — use a kgbuild.vocab.EDGE_TYPES name")
    head, *rest = edge_type.lower().split("_")
    return KG[head + "".join(part.capitalize() for part in rest)]


def _segment(text: str) -> str:
    return quote(text, safe=_SAFE)


@lru_cache(maxsize=1 << 14)  # a node recurs in the triples of its attributes, edges and mentions
def node_iri(node: str) -> URIRef:
    """The IRI of graph node ``"<kind>:<slug>"``; any character outside the safe set is percent-encoded.

    >>> node_iri("hardware:nvidia-h100")
    rdflib.term.URIRef('https://w3id.org/kgbuild/id/hardware/nvidia-h100')
    >>> node_iri('method:"quoted" <x> {y}')
    rdflib.term.URIRef('https://w3id.org/kgbuild/id/method/%22quoted%22%20%3Cx%3E%20%7By%7D')
    """
    kind, sep, slug = node.partition(":")
    if not sep or not kind or not slug:
        raise ValueError(f"node id {node!r} is not '<kind>:<slug>' — build ids with kgbuild.resolve")
    return URIRef(f"{KGID}{_segment(kind)}/{_segment(slug)}")


def node_id(iri: str) -> str:
    """Invert ``node_iri``: the node id of a resource IRI.

    >>> node_id(node_iri("dataset:a/b c"))
    'dataset:a/b c'
    """
    if not iri.startswith(str(KGID)):
        raise ValueError(f"{iri!r} is not a kgbuild resource IRI — it must start with {KGID}")
    kind, sep, slug = iri[len(KGID):].partition("/")
    if not sep or "/" in slug:
        raise ValueError(f"{iri!r} is not a node IRI — expected {KGID}<kind>/<slug>")
    return f"{unquote(kind)}:{unquote(slug)}"


def mention_iri(source: str, edge_type: str, target: str) -> URIRef:
    """The provenance node of the text-read edge ``source -edge_type-> target`` (one per edge: its first mention).

    >>> mention_iri("paper:p1", "PROPOSES", "method:lora")
    rdflib.term.URIRef('https://w3id.org/kgbuild/id/mention/paper:p1/proposes/method:lora')
    """
    return URIRef(f"{KGID}mention/{_segment(source)}/{_segment(edge_type.lower())}/{_segment(target)}")


def agent_iri(extractor: str) -> URIRef:
    """The software agent of an extractor version, e.g. ``"kgbuild-extract/0.1"``."""
    return URIRef(f"{KGID}agent/{_segment(extractor)}")


def activity_iri(extractor: str) -> URIRef:
    """The extraction activity of an extractor version: what mentions and claims were generated by."""
    return URIRef(f"{KGID}activity/{_segment(extractor)}")


def form_iri(node: str, rule: str, surface: str) -> URIRef:
    """The merge-log entry "``surface`` resolved to ``node`` by ``rule``" (one per node, rule and surface form).

    >>> form_iri("hardware:mi250x", "normalisation", "AMD Instinct MI250X")
    rdflib.term.URIRef('https://w3id.org/kgbuild/id/form/hardware:mi250x/normalisation/AMD%20Instinct%20MI250X')
    """
    return URIRef(f"{KGID}form/{_segment(node)}/{_segment(rule)}/{_segment(surface)}")


def rule_iri(rule: str) -> URIRef:
    """The activity of one resolution rule (a name of ``kgbuild.canonical.RULES``): what merge-log entries were
    generated by."""
    return URIRef(f"{KGID}rule/{_segment(rule)}")
