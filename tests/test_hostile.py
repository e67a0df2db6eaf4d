"""Hostile input: random text and bytes into every reader, hostile strings through the extractor, the graph and every
file sink and embedded store. Nothing may crash: a record is read, skipped with a reason, or a `ReaderError` names
it; what is loaded comes back verbatim, with no injection and no broken IRI, and every RDF file parses again."""
from __future__ import annotations

import csv
import gzip
import json
import re
import tempfile
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgbuild.errors import ReaderError
from kgbuild.models import Entity, Extraction, Paper, SpeedupClaim
from kgbuild.readers import ReadReport, read_papers
from kgbuild.readers.arxiv import parse_arxiv
from kgbuild.readers.csv_table import parse_csv
from kgbuild.readers.daily import parse_daily
from kgbuild.readers.json_array import parse_json
from kgbuild.readers.jsonl import parse_jsonl
from kgbuild.readers.openalex import parse_openalex
from kgbuild.readers.records import clean_text
from kgbuild.readers.txtdir import parse_txtdir

HOSTILE = ["'}) DETACH DELETE n //", "' MATCH (n) DETACH DELETE n //", "\\' RETURN 1 //", "> <", "<http://e/x> .",
           '"quoted" and \\"escaped\\"', "{braces} {{x}}", "back\\slash\\", "tab\there", "new\nline\r\nCRLF",
           "\u2028line\u2029para\x85NEL", "NUL\x00byte", "bell\x07 and \x1b[31m", "\ufeffBOM", "RTL \u202e txt",
           "emoji 🚀 ﬁ", "%20 %zz percent", "#frag ?q=1&x=2", "^^<http://www.w3.org/2001/XMLSchema#int>", "@en-GB",
           "_:b0", "]]> <![CDATA[ &amp; &#0;", "` backtick $rows", "a|b|c", ",comma,", "\ud800 lone surrogate"]
CHARS = st.one_of(st.sampled_from(list("'\"\\{}()[]<>`$|,;:#%&?^@_*/!\n\r\t\x00\x0b\x0c\x1f\x7f\x85\u2028\ufeff")),
                  st.characters(codec="utf-8"), st.characters())
TEXT = st.one_of(st.text(CHARS, max_size=120), st.sampled_from(HOSTILE),
                 st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=4).map(" ".join))
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARSERS = {"daily": parse_daily, "csv": parse_csv, "json": parse_json, "jsonl": parse_jsonl, "arxiv": parse_arxiv,
           "openalex": parse_openalex, "txtdir": parse_txtdir}


def check_parse(parse, text: str) -> list[Paper]:
    """Both error policies: skipping never raises and gives a reason; failing raises nothing but ReaderError."""
    errors: list[ReaderError] = []
    papers = list(parse(text, "hostile.x", handle_error=errors.append))
    for paper in papers:
        assert paper.title and paper.abstract and paper.id
        for value in (paper.id, paper.title, paper.abstract):
            value.encode("utf-8")  # no lone surrogate survives reading
    assert all(isinstance(e, ReaderError) and getattr(e, "reason", "") for e in errors)
    try:
        assert list(parse(text, "hostile.x")) == papers[:len(papers)]
    except ReaderError as e:
        assert str(e).startswith("hostile.x")
    return papers


@pytest.mark.parametrize("name", sorted(PARSERS))
@FAST
@given(lines=st.lists(TEXT, max_size=8), sep=st.sampled_from(["\n", "\r\n", "\r", "\n\n"]))
def test_readers_survive_random_text(name, lines, sep):
    check_parse(PARSERS[name], sep.join(lines))


JSON_VALUE = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                          max_leaves=6)
KEYS = ["id", "title", "abstract", "date", "categories", "display_name", "abstract_inverted_index", "update_date",
        "versions", "publication_date", "submitter"]
RECORD = st.dictionaries(st.sampled_from(KEYS), st.one_of(TEXT, JSON_VALUE), max_size=len(KEYS))


@FAST
@given(records=st.lists(RECORD, max_size=6), ascii_only=st.booleans())
def test_json_and_csv_readers_survive_hostile_records(records, ascii_only):
    lines = [json.dumps(r, ensure_ascii=ascii_only) for r in records]
    for parse in (parse_jsonl, parse_arxiv, parse_openalex):
        check_parse(parse, "\n".join(lines))
    check_parse(parse_json, "[" + ",\n".join(lines) + "]")
    rows = [[str(r.get(k, "")) for k in ("id", "title", "abstract", "date", "categories")] for r in records]
    with tempfile.TemporaryFile("w+", newline="", encoding="utf-8", errors="surrogatepass") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "abstract", "date", "categories"])
        writer.writerows(rows)
        fh.seek(0)
        check_parse(parse_csv, fh.read())


@FAST
@given(data=st.binary(max_size=3000),
       suffix=st.sampled_from([".jsonl", ".json", ".csv", ".txt", ".jsonl.gz", ".txt.gz", ".csv.gz"]),
       gzip_it=st.booleans())
def test_files_of_random_bytes_are_read_or_skipped(data, suffix, gzip_it):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"random{suffix}"
        path.write_bytes(gzip.compress(data) if gzip_it and suffix.endswith(".gz") else data)
        report = ReadReport()
        papers = list(read_papers([path], on_error="skip", report=report))
        assert report.read == len(papers)
        for paper in papers:
            paper.model_dump_json()  # serializable: no lone surrogate, valid strings


def test_huge_lines_are_read_or_skipped(tmp_path):
    path = tmp_path / "huge.jsonl"
    # 400 KB; extraction reads the first 20,000 characters (kgbuild.extract.pipeline.MAX_ABSTRACT_CHARS)
    big = "We run Llama 2 7B on A100 GPUs. " + "We study the scaling of long documents in detail. " * 8_000 + "H100."
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "big", "title": "Long " * 2_000, "abstract": big}) + "\n")
        fh.write('{"id": "broken", "title": "' + "x" * 4_000_000 + "\n")  # a 4 MB line that never closes
        fh.write(json.dumps({"id": "ok", "title": "Small", "abstract": "A short abstract."}) + "\n")
    report = ReadReport()
    papers = list(read_papers([path], on_error="skip", report=report))
    assert [p.id for p in papers] == ["big", "ok"]
    assert report.reasons == {"invalid JSON": 1}
    assert report.messages[0].startswith(f"{path}:2: invalid JSON")
    from kgbuild.extract import extract

    extraction, _ = list(extract(papers))
    assert any(e.name == "A100" for e in extraction.entities)
    assert not any(e.name == "H100" for e in extraction.entities)   # past the bound: not read


def test_a_corrupt_gzip_is_one_reported_skip(tmp_path):
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"title": "A", "abstract": "B."}\n' * 50)[:-20])
    report = ReadReport()
    list(read_papers([path], on_error="skip", report=report))
    assert report.skipped == 1 and "cannot read the file" in report.messages[0]
    with pytest.raises(ReaderError, match="bad.jsonl.gz"):
        list(read_papers([path]))


@settings(max_examples=50, deadline=None)
@given(title=TEXT, abstract=st.lists(st.one_of(TEXT, st.sampled_from([
    "We propose FlashX.", "It runs 2.5x faster than vLLM on NVIDIA A100 GPUs.", "Llama 2 7B on MMLU (MMLU).",
    "a 30% lower latency", "(", ")", "x", "1.5×"])), max_size=6).map(" ".join))
def test_extractor_survives_hostile_text(title, abstract):
    from kgbuild.extract import extract

    title, abstract = clean_text(title) or "t", clean_text(abstract) or "a"
    extraction, = extract([Paper(id="p", title=title, abstract=abstract)])
    Extraction.model_validate_json(extraction.model_dump_json())
    for entity in extraction.entities:
        for m in entity.mentions:
            text = title if m.field == "title" else abstract
            assert 0 <= m.start < m.end <= len(text)


# ---- what is loaded comes back verbatim ------------------------------------------------------------------------

def hostile_extractions(names: list[str]) -> list[Extraction]:
    """One paper per name: titled with it, proposing a method named with it, with a claim quoting it."""
    records = []
    for i, name in enumerate(names):
        records.append(Extraction(
            id=f"p{i}", title=f"{name} title",
            entities=[Entity(name=f"{name} method", type="Method", proposed=True, aliases=[name]),
                      Entity(name="A100", type="Hardware")],
            speedups=[SpeedupClaim(value=2.0, unit="x", method=f"{name} method", baseline=name, hardware="A100",
                                   evidence=f"{name} is 2x faster")]))
    return records


def paper_titles_sparql(store) -> set[str]:
    from kgbuild.sinks.sparql_store import query_sparql

    rows = query_sparql(store, "PREFIX kg: <https://w3id.org/kgbuild/ontology#> "
                               "PREFIX dcterms: <http://purl.org/dc/terms/> "
                               "SELECT ?t WHERE { ?p a kg:Paper ; dcterms:title ?t }")
    return {r["t"] for r in rows}


@settings(max_examples=40, deadline=None)
@given(names=st.lists(TEXT.map(clean_text).filter(lambda t: any(c.isascii() and c.isalnum() for c in t)),
                      min_size=1, max_size=4, unique=True))  # canonical ids need an ASCII letter or digit for now
def test_hostile_names_make_valid_rdf_that_reads_back(names):
    import pyoxigraph as ox

    from kgbuild.graph import build_graph
    from kgbuild.sinks.rdf import generate_ntriples
    from kgbuild.sinks.sparql_store import load_store

    G = build_graph(hostile_extractions(names))
    lines = list(generate_ntriples(G))
    parsed = list(ox.parse(("\n".join(lines) + "\n").encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))
    assert len(parsed) == len(set(lines)) == len(lines)
    expected = {f"{name} title" for name in names}
    assert paper_titles_sparql(load_store(G)) == expected
    assert sum(1 for _, label in G.nodes(data="label") if label == "Paper") == len(names)


TITLES = [clean_text(h) for h in HOSTILE]


def test_hostile_papers_load_exactly_into_every_file_sink_and_store(tmp_path):
    from rdflib import Graph
    from rdflib.namespace import DCTERMS, RDF

    from kgbuild.iri import KG
    from kgbuild.job import run_build
    from kgbuild.shards import read_manifest
    from kgbuild.sinks.cypher_store import query_cypher

    src = tmp_path / "hostile.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i, title in enumerate(HOSTILE):
            fh.write(json.dumps({"id": f"h{i:02d}", "title": title,
                                 "abstract": f"We propose {title} kernels; they run 2x faster than {title} on A100."})
                     + "\n")
    out = tmp_path / "out"
    summary = run_build([src], out, sinks=["rdf", "sparql-store", "cypher-store", "gexf", "graphml", "csv"])
    assert summary.papers == len(HOSTILE)
    expected = set(TITLES)

    nt = Graph()
    for entry in read_manifest(out)["outputs"]["ntriples"]:
        nt.parse(out / entry["file"], format="nt")
    assert len(nt) == summary.triples
    for path, fmt in ((out / "graph.ttl", "turtle"), (out / "graph.jsonld", "json-ld")):
        again = Graph().parse(path, format=fmt)
        assert len(again) == len(nt), f"{path.name} holds the same triples"
    assert {str(t) for p in nt.subjects(RDF.type, KG.Paper) for t in nt.objects(p, DCTERMS.title)} == expected

    assert paper_titles_sparql(out / "sparql-store") == expected
    rows = query_cypher(out / "cypher-store", "MATCH (p:Paper) RETURN p.title AS t")
    assert {r["t"] for r in rows} == expected
    assert query_cypher(out / "cypher-store", "MATCH (n) RETURN count(n) AS c")[0]["c"] == summary.nodes

    for path, read in ((out / "graph.gexf", nx.read_gexf), (out / "graph.graphml", nx.read_graphml)):
        H = read(path)
        assert H.number_of_nodes() == summary.nodes, f"{path.name} parses with every node"
        shown = {H.nodes[f"paper:h{i:02d}"]["label"] for i in range(len(HOSTILE))}
        assert shown == {re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "\ufffd", t) for t in expected}, \
            "titles verbatim but for the control characters XML cannot hold"
    with (out / "neo4j-import" / "nodes_Paper.csv").open(encoding="utf-8", newline="") as fh:
        assert {row["title"] for row in csv.DictReader(fh)} == expected
