"""The RDF sink: IRIs that survive any text, files that parse back, and data that the SHACL shapes accept."""
from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import get_args

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, SH

from kgbuild.errors import UnknownFormatError
from kgbuild.models import Provenance, SpeedupClaim
from kgbuild.iri import CLASS_LABELS, KG, KGID, PREFIXES, class_iri, mention_iri, node_id, node_iri, property_iri
from kgbuild.sinks.rdf import _ATTRIBUTES  # the attribute table is what the records are checked against
from kgbuild.sinks.rdf import (
    ONTOLOGY_PATH, SHAPES_PATH, generate_ntriples, generate_triples, to_rdflib, validate_rdf, write_jsonld,
    write_ntriples, write_rdf, write_turtle,
)
from kgbuild.vocab import EDGE_TYPES, NODE_LABELS

NASTY = [
    "'}) DETACH DELETE n //",
    "> <",
    '"quoted"',
    "a\\b",
    "rocket 🚀 naïve",
    "line\nbreak\r\ttab",
    "{braces} |pipe| ^caret` back`tick",
    "100% #hash ?query &amp /slash",
    "%41 already-encoded",
]

# RFC 3986 URI characters (our IRIs are pure ASCII: everything else is percent-encoded).
_URI = re.compile(r"^https://w3id\.org/kgbuild/[A-Za-z0-9\-._~:@!$&'()*+,;=/%#]*$")


def _prov(paper: str, sentence: int = 0, start: int = 0, end: int = 5) -> dict:
    return {"paper_id": paper, "field": "abstract", "sentence": sentence, "start": start, "end": end,
            "extractor": "kgbuild-extract/0.1"}


@pytest.fixture
def nasty_graph() -> nx.MultiDiGraph:
    """A hand-built graph with every label and edge type, whose ids and texts hold characters that break formats."""
    G = nx.MultiDiGraph()
    evil = "method:'}) DETACH DELETE n //"
    G.add_node("paper:p1", label="Paper", name='A "quoted" title\nwith a line break \\ and 🚀',
               title='A "quoted" title\nwith a line break \\ and 🚀', date="2024-05", source="corpus.jsonl:3")
    G.add_node(evil, label="Method", name="'}) DETACH DELETE n //", aliases=["> <", "{x}"], papers=1, mentions=2,
               proposed=True)
    G.add_node("method:base line", label="Method", name="base line", aliases=[], papers=1, mentions=1,
               proposed=False)
    G.add_node('model:"quoted" 7b', label="Model", name='"quoted" 7B', family='"quoted"', size="7B",
               aliases=["a\\b"], papers=1, mentions=1, proposed=False)
    G.add_node('model:"quoted"', label="Model", name='"quoted"', aliases=[], papers=0, mentions=0, proposed=False)
    G.add_node("dataset:> <", label="Dataset", name="> <", aliases=[], papers=1, mentions=1, proposed=False)
    G.add_node("hardware:rocket 🚀", label="Hardware", name="Rocket 🚀", vendor="Ve\u0301ndor", family="R",
               architecture="Arch\x01", hw_class="GPU", aliases=["R-1"], papers=1, mentions=1, proposed=False)
    G.add_node("vendor:ve\u0301ndor", label="Vendor", name="Ve\u0301ndor", papers=1)
    G.add_node("class:gpu", label="HardwareClass", name="GPU", papers=1)
    G.add_node("claim:p1-1", label="SpeedupClaim", name="2.5x speedup", value=2.5, unit="x", metric="speedup",
               qualifier="up to", method="'}) DETACH DELETE n //", baseline="base line", hardware="Rocket 🚀",
               evidence='up to 2.5x "faster"\nthan base line \\ on Rocket 🚀', **_prov("p1", 1, 10, 60))
    G.add_node("claim:p1-2", label="SpeedupClaim", name="30% latency", value=30.0, unit="%", metric="latency",
               qualifier="", method="'}) DETACH DELETE n //", baseline="", hardware="",
               evidence="30% lower latency", **_prov("p1", 2, 0, 17))
    G.add_node("finding:f1", label="Finding", name="Kernels beat baselines {by a lot}")

    def edge(src: str, dst: str, type: str, **attrs: object) -> None:
        G.add_edge(src, dst, key=type, type=type, **attrs)

    edge("paper:p1", evil, "PROPOSES", papers=1, weight=1, mentions=2, **_prov("p1"))
    edge("paper:p1", "method:base line", "MENTIONS", papers=1, weight=1, mentions=1, **_prov("p1", 1, 40, 49))
    edge("paper:p1", 'model:"quoted" 7b', "MENTIONS", papers=1, weight=1, mentions=1, **_prov("p1", 0, 7, 15))
    edge("paper:p1", "dataset:> <", "MENTIONS", papers=1, weight=1, mentions=1, **_prov("p1", 0, 20, 23))
    edge("paper:p1", "hardware:rocket 🚀", "MENTIONS", papers=1, weight=1, mentions=1, **_prov("p1", 1, 53, 60))
    edge(evil, "dataset:> <", "EVALUATED_ON", papers=1, weight=1, **_prov("p1", 0, 20, 23))
    edge('model:"quoted" 7b', "dataset:> <", "EVALUATED_ON", papers=1, weight=1, **_prov("p1", 0, 20, 23))
    edge('model:"quoted" 7b', 'model:"quoted"', "VARIANT_OF", papers=1, weight=1, **_prov("p1", 0, 7, 15))
    edge("hardware:rocket 🚀", "vendor:ve\u0301ndor", "MADE_BY", papers=1, weight=1)
    edge("hardware:rocket 🚀", "class:gpu", "IS_A", papers=1, weight=1)
    for claim in ("claim:p1-1", "claim:p1-2"):
        edge("paper:p1", claim, "REPORTS", papers=1, weight=1, **_prov("p1", 1, 10, 60))
        edge(claim, evil, "ACHIEVED_BY", papers=1, weight=1, **_prov("p1", 1, 10, 60))
        edge(claim, "finding:f1", "SUPPORTS", papers=1, weight=1)
    edge("claim:p1-1", "method:base line", "OVER", papers=1, weight=1, **_prov("p1", 1, 10, 60))
    edge("claim:p1-1", "hardware:rocket 🚀", "MEASURED_ON", papers=1, weight=1, **_prov("p1", 1, 10, 60))
    return G


@pytest.fixture(params=["nasty_graph", "small_graph"])
def graph(request) -> nx.MultiDiGraph:
    """Each test build: the hand-built nasty graph and the shared six-paper graph."""
    return request.getfixturevalue(request.param)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_PATH, format="turtle")


# ----------------------------------------------------------------------------------------------------- IRIs
@pytest.mark.parametrize("text", NASTY)
def test_node_iri_of_any_text_is_a_valid_iri_and_inverts(text: str) -> None:
    iri = node_iri(f"method:{text}")
    assert _URI.match(iri), iri
    assert rdflib.URIRef(iri).n3() == f"<{iri}>"       # rdflib refuses IRIs with forbidden characters
    ox.NamedNode(str(iri))                               # and so does Oxigraph's strict IRI parser
    assert node_id(iri) == f"method:{text}"


def test_distinct_node_ids_get_distinct_iris() -> None:
    ids = [f"{kind}:{text}" for kind in ("method", "model") for text in NASTY + ["A", "a", "%25", "%"]]
    assert len({node_iri(i) for i in ids}) == len(ids)


def test_iri_scheme() -> None:
    # URIRef never equals a plain str, hence str() on the left
    assert str(node_iri("hardware:nvidia-h100")) == "https://w3id.org/kgbuild/id/hardware/nvidia-h100"
    assert class_iri("SpeedupClaim") == KG.SpeedupClaim
    assert str(KG.SpeedupClaim) == "https://w3id.org/kgbuild/ontology#SpeedupClaim"
    assert property_iri("EVALUATED_ON") == KG.evaluatedOn
    assert mention_iri("paper:p 1", "PROPOSES", "method:x/y").startswith(f"{KGID}mention/paper:p%201/proposes/")
    with pytest.raises(ValueError, match="<kind>:<slug>"):
        node_iri("no-kind")
    with pytest.raises(ValueError, match="NODE_LABELS"):
        class_iri("Person")


# ----------------------------------------------------------------------------------------------------- ontology
def test_ontology_declares_every_label_and_edge_type(ontology: rdflib.Graph) -> None:
    for label in CLASS_LABELS:
        assert (class_iri(label), RDF.type, OWL.Class) in ontology, label
    for edge_type in EDGE_TYPES:
        assert (property_iri(edge_type), RDF.type, OWL.ObjectProperty) in ontology, edge_type


def test_every_kg_term_written_is_declared_in_the_ontology(graph: nx.MultiDiGraph, ontology: rdflib.Graph) -> None:
    declared = set(ontology.subjects(RDF.type, None))
    used = {p for _, p, _ in generate_triples(graph)} | set(to_rdflib(graph).objects(None, RDF.type))
    undeclared = {term for term in used if str(term).startswith(str(KG)) and term not in declared}
    assert not undeclared
    standard = tuple(PREFIXES[p] for p in ("schema", "dcterms", "prov", "rdfs")) + (str(RDF),)
    assert all(str(term).startswith((str(KG),) + standard) for term in used)


def test_every_node_label_maps_to_a_class() -> None:
    assert set(NODE_LABELS) < set(CLASS_LABELS)


def test_records_and_shapes_agree() -> None:
    """The pydantic records are the source of truth: each claim and provenance field has an RDF property, and
    the shapes allow exactly the units ``SpeedupClaim.unit`` allows."""
    assert set(SpeedupClaim.model_fields) - {"provenance"} <= set(_ATTRIBUTES)
    assert set(Provenance.model_fields) - {"extractor"} <= set(_ATTRIBUTES)   # extractor: prov:wasGeneratedBy
    shapes = rdflib.Graph().parse(SHAPES_PATH, format="turtle")
    units = next(shapes.objects(next(shapes.subjects(SH.path, KG.unit)), SH["in"]))
    assert {str(u) for u in Collection(shapes, units)} == set(
        get_args(SpeedupClaim.model_fields["unit"].annotation))


# ----------------------------------------------------------------------------------------------------- content
def test_nodes_edges_and_provenance_in_rdf(nasty_graph: nx.MultiDiGraph) -> None:
    rdf = to_rdflib(nasty_graph)
    paper, claim, evil = node_iri("paper:p1"), node_iri("claim:p1-1"), node_iri("method:'}) DETACH DELETE n //")
    assert (paper, RDF.type, KG.Paper) in rdf
    assert str(rdf.value(paper, rdflib.DCTERMS.title)) == nasty_graph.nodes["paper:p1"]["title"]
    assert rdf.value(paper, rdflib.DCTERMS.issued).datatype == rdflib.XSD.gYearMonth
    assert (paper, KG.proposes, evil) in rdf
    value = rdf.value(claim, KG.value)
    assert value.datatype == rdflib.XSD.decimal and float(value) == 2.5
    assert str(rdf.value(claim, KG.evidence)) == nasty_graph.nodes["claim:p1-1"]["evidence"]
    assert (claim, rdflib.PROV.wasDerivedFrom, paper) in rdf
    assert rdf.value(node_iri("claim:p1-2"), KG.qualifier) is None        # empty text is absent, not ""
    mention = mention_iri("paper:p1", "PROPOSES", "method:'}) DETACH DELETE n //")
    assert {(p, o) for p, o in rdf.predicate_objects(mention)} >= {
        (RDF.type, KG.Mention), (KG.relation, KG.proposes), (KG.ofEntity, evil), (KG.inPaper, paper),
        (KG.charStart, rdflib.Literal(0)), (KG.charEnd, rdflib.Literal(5)), (KG.mentionCount, rdflib.Literal(2))}
    evaluated = mention_iri("method:'}) DETACH DELETE n //", "EVALUATED_ON", "dataset:> <")
    assert rdf.value(evaluated, KG.fromEntity) == evil and rdf.value(evaluated, KG.inPaper) == paper
    # claims hold their own provenance; catalogue edges have none
    assert not any(str(s).startswith(f"{KGID}mention/claim") for s in rdf.subjects(RDF.type, KG.Mention))
    assert not any("/made_by/" in str(s) for s in rdf.subjects(RDF.type, KG.Mention))


def test_unknown_node_attribute_warns(nasty_graph: nx.MultiDiGraph) -> None:
    nasty_graph.nodes["paper:p1"]["colour"] = "blue"
    with pytest.warns(UserWarning, match="'colour'.*not written"):
        list(generate_triples(nasty_graph))


# ----------------------------------------------------------------------------------------------------- formats
def test_ntriples_lines_parse_one_triple_each(graph: nx.MultiDiGraph) -> None:
    lines = list(generate_ntriples(graph))
    assert all("\n" not in line and line.endswith(" .") for line in lines)
    text = "\n".join(lines) + "\n"
    parsed = rdflib.Graph().parse(data=text, format="nt")
    assert len(parsed) == len(lines) == len(set(lines))
    store = ox.Store()
    store.load(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)   # a second, strict parser
    assert len(store) == len(lines)
    assert isomorphic(parsed, to_rdflib(graph))


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's own JSON-LD parser
def test_write_rdf_files_parse_back_with_the_same_triples(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    paths = write_rdf(graph, tmp_path / "out")
    assert [p.name for p in paths] == ["kgbuild.ttl", "kgbuild.nt", "kgbuild.jsonld"]
    ttl = rdflib.Graph().parse(paths[0], format="turtle")
    nt = rdflib.Graph().parse(paths[1], format="nt")
    jsonld = rdflib.Graph().parse(paths[2], format="json-ld")
    expected = to_rdflib(graph)
    assert len(ttl) == len(nt) == len(jsonld) == len(expected) > 0
    assert isomorphic(nt, ttl) and isomorphic(jsonld, ttl) and isomorphic(ttl, expected)
    assert "@context" in paths[2].read_text(encoding="utf-8")


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_write_rdf_to_a_file_name(small_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    assert write_rdf(small_graph, tmp_path / "kg.ttl") == [tmp_path / "kg.ttl"]
    assert write_rdf(small_graph, tmp_path / "kg.ttl", formats=["turtle", "n-triples"]) == [
        tmp_path / "kg.ttl", tmp_path / "kg.nt"]
    assert len(rdflib.Graph().parse(tmp_path / "kg.nt", format="nt")) == len(to_rdflib(small_graph))
    assert write_ntriples(small_graph, tmp_path / "triples.txt") == tmp_path / "triples.txt"
    assert write_turtle(small_graph, tmp_path / "dir") == tmp_path / "dir" / "kgbuild.ttl"
    assert write_jsonld(small_graph, tmp_path / "kg.json") == tmp_path / "kg.json"
    assert len(rdflib.Graph().parse(tmp_path / "kg.json", format="json-ld")) == len(to_rdflib(small_graph))
    with pytest.raises(UnknownFormatError, match="ttl, nt, jsonld"):
        write_rdf(small_graph, tmp_path, formats=["rdfxml"])
    with pytest.raises(UnknownFormatError, match="name the file .ttl, .nt or .jsonld"):
        write_rdf(small_graph, tmp_path / "kg.txt")


# ----------------------------------------------------------------------------------------------------- SHACL
def test_every_test_build_conforms_to_the_shapes(graph: nx.MultiDiGraph) -> None:
    conforms, report = validate_rdf(graph)
    assert conforms, report


def test_shapes_file_parses() -> None:
    assert len(rdflib.Graph().parse(SHAPES_PATH, format="turtle")) > 0


def _broken(G: nx.MultiDiGraph, drop: tuple | None = None, add: tuple | None = None) -> rdflib.Graph:
    rdf = to_rdflib(G)
    if drop:
        rdf.remove(drop)
    if add:
        rdf.add(add)
    return rdf


@pytest.mark.parametrize("change, message", [
    ("claim without value", "kg:value"),
    ("claim with a unit of ms", "kg:unit"),
    ("claim with a negative value", "kg:value"),
    ("paper without title", "dcterms:title"),
    ("hardware whose vendor is not linked", "must link it (kg:madeBy"),
    ("claim reported by no paper", "reported by a paper"),
])
def test_broken_graphs_fail_validation(small_graph: nx.MultiDiGraph, change: str, message: str) -> None:
    claim, paper, hw = node_iri("claim:81c586c36c-1"), node_iri("paper:81c586c36c"), node_iri("hardware:a100")
    edits = {
        "claim without value": dict(drop=(claim, KG.value, None)),
        "claim with a unit of ms": dict(drop=(claim, KG.unit, None), add=(claim, KG.unit, rdflib.Literal("ms"))),
        "claim with a negative value": dict(
            drop=(claim, KG.value, None), add=(claim, KG.value, rdflib.Literal("-1.5", datatype=rdflib.XSD.decimal))),
        "paper without title": dict(drop=(paper, rdflib.DCTERMS.title, None)),
        "hardware whose vendor is not linked": dict(drop=(hw, KG.madeBy, None)),
        "claim reported by no paper": dict(drop=(paper, KG.reports, claim)),
    }
    conforms, report = validate_rdf(_broken(small_graph, **edits[change]))
    assert not conforms
    assert message in report


def test_every_attribute_of_the_shared_graph_has_an_rdf_property(small_graph: nx.MultiDiGraph) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        list(generate_triples(small_graph))
