"""The streaming graph stage (issue 5, "scale"): a build over `--stream-above` spools the graph to SQLite and writes
what the in-memory build writes — the same N-Triples, CSV files, merge log, store contents and answers — and
leaves no spool behind."""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from conftest import load_small_extractions
from kgbuild.graph import build_graph, edge_rows, merge_log_rows, node_label, node_rows
from kgbuild.job import run_build
from kgbuild.readers import sample_path
from kgbuild.shards import read_manifest
from kgbuild.sinks.cypher_store import QUESTIONS as CYPHER, query_cypher
from kgbuild.sinks.sparql_store import query_sparql
from kgbuild.spool import SPOOL_FILE, spool_graph
from kgbuild.vocab import EDGE_TYPES, NODE_LABELS
from test_incremental import EDIT, ntriples, write_corpus
from test_questions_everywhere import PARAMS

SINKS = ["rdf", "sparql-store", "cypher-store", "csv"]
OVERRIDES = 'same = [["TileServe", "vLLM"]]\ndifferent = [["AWQ", "Activation-aware Weight Quantization"]]\n'


def twin_builds(src: Path, tmp: Path, **options) -> tuple[Path, Path, object, object]:
    """The same corpus built in memory and streaming; the second reuses the first one's extractions."""
    memory, streamed = tmp / "memory", tmp / "streamed"
    options = {"sinks": SINKS, "on_error": "skip", **options}
    first = run_build([src], memory, stream_above=1_000_000, **options)
    shutil.copytree(memory, streamed)
    second = run_build([src], streamed, stream_above=0, **options)
    assert second.extracted == 0 and second.reused == first.papers
    return memory, streamed, first, second


def merge_lines(out: Path) -> list[str]:
    return [line for entry in read_manifest(out)["outputs"]["merges"]
            for line in (out / entry["file"]).read_text(encoding="utf-8").splitlines()]


def csv_files(out: Path) -> dict[str, list[str]]:
    folder = out / "neo4j-import"
    return {p.name: sorted(p.read_text(encoding="utf-8").splitlines()) for p in sorted(folder.iterdir())}


def store_counts(out: Path) -> tuple[int, dict[str, int]]:
    triples = query_sparql(out / "sparql-store", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
    counts = {label: query_cypher(out / "cypher-store", f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"]
              for label in NODE_LABELS}
    counts |= {edge: query_cypher(out / "cypher-store", f"MATCH ()-[r:{edge}]->() RETURN count(r) AS c")[0]["c"]
               for edge in EDGE_TYPES}
    return triples, counts


def answers(out: Path, paper: str) -> dict[str, tuple[list, list]]:
    found = {}
    for name in sorted(CYPHER):
        params = {"paper": paper} if name == "q4_paper_proposes" else PARAMS[name]
        found[name] = (sorted(map(repr, query_sparql(out / "sparql-store", name, **params))),
                       sorted(map(repr, query_cypher(out / "cypher-store", name, **params))))
    return found


def assert_same_outputs(memory: Path, streamed: Path, first, second) -> None:
    assert (second.papers, second.nodes, second.edges, second.triples) == (
        first.papers, first.nodes, first.edges, first.triples)
    assert ntriples(streamed) == ntriples(memory)
    assert merge_lines(streamed) == merge_lines(memory)
    assert csv_files(streamed) == csv_files(memory)
    triples, counts = store_counts(streamed)
    assert (triples, counts) == store_counts(memory)
    assert triples == second.triples and sum(counts[label] for label in NODE_LABELS) == second.nodes
    assert not (streamed / SPOOL_FILE).exists(), "the spool is removed after the build"


# ----------------------------------------------------------------------------------------------------- builds
@pytest.fixture(scope="module")
def sample_twins(tmp_path_factory):
    return twin_builds(sample_path(), tmp_path_factory.mktemp("sample"))


def test_the_sample_corpus_streamed_gives_what_the_in_memory_build_gives(sample_twins):
    assert_same_outputs(*sample_twins)


def test_the_shared_questions_have_the_same_answers(sample_twins):
    memory, streamed, _, _ = sample_twins
    paper = query_cypher(memory / "cypher-store", "MATCH (p:Paper)-[:PROPOSES]->() RETURN min(p.id) AS p")[0]["p"]
    want = answers(memory, paper.split(":", 1)[1])
    assert all(sparql and cypher for sparql, cypher in want.values()), "every question has an answer"
    assert answers(streamed, paper.split(":", 1)[1]) == want


def test_a_synthetic_corpus_streamed_gives_what_the_in_memory_build_gives(tmp_path):
    src = write_corpus(tmp_path / "corpus.jsonl", 200, seed=7)
    assert_same_outputs(*twin_builds(src, tmp_path, shard_rows=4_000, whole_rdf_max_triples=0))


def test_overrides_apply_when_streaming(tmp_path):
    (tmp_path / "overrides.toml").write_text(OVERRIDES)
    memory, streamed, first, second = twin_builds(sample_path(), tmp_path, sinks=["rdf", "csv"],
                                                  overrides=tmp_path / "overrides.toml")
    assert ntriples(streamed) == ntriples(memory) and csv_files(streamed) == csv_files(memory)
    rows = [json.loads(line) for line in merge_lines(streamed)]
    assert rows == [json.loads(line) for line in merge_lines(memory)]
    manual = {(r["surface"], r["node_id"]) for r in rows if r["rule"] == "manual"}
    assert ("vLLM", "method:tileserve") in manual and ("AWQ", "method:awq") in manual
    assert (streamed / "overrides.toml").read_text() == OVERRIDES


def test_sinks_that_need_the_whole_graph_are_skipped_with_a_note(tmp_path):
    out = tmp_path / "out"
    with pytest.warns(UserWarning, match="streaming build"):
        summary = run_build([sample_path()], out, on_error="skip", stream_above=0,
                            sinks=["rdf", "gexf", "graphml", "report"])
    for name in ("graph.gexf", "graph.graphml", "report.html", "graph.ttl", "graph.jsonld"):
        assert not (out / name).exists()
        assert any(name in note and "not written" in note for note in summary.notes), name
    assert any("built streaming" in note for note in summary.notes)
    assert set(read_manifest(out)["outputs"]) == {"extractions", "merges", "ntriples"}
    assert json.loads((out / "summary.json").read_text())["notes"] == summary.notes


def test_the_spool_is_removed_when_a_sink_fails(tmp_path):
    out = tmp_path / "out"
    (out / "sparql-store").mkdir(parents=True)
    (out / "sparql-store" / "notes.txt").write_text("not a store")
    with pytest.raises(Exception, match="holds no SPARQL store"):
        run_build([sample_path()], out, on_error="skip", stream_above=0, sinks=["rdf", "sparql-store"])
    assert not (out / SPOOL_FILE).exists()


def test_an_incremental_streaming_build_equals_a_full_rebuild(tmp_path):
    options = {"sinks": ["rdf"], "whole_rdf_max_triples": 0, "shard_size": 25, "shard_rows": 5_000,
               "stream_above": 0}
    out = tmp_path / "out"
    run_build([write_corpus(tmp_path / "a.jsonl", 60)], out, **options)
    grown = write_corpus(tmp_path / "b.jsonl", 80, edits={3: EDIT}, drop={10})
    again = run_build([grown], out, **options)
    assert (again.extracted, again.reused) == (21, 58)
    full = run_build([grown], tmp_path / "full", full=True, **options)
    in_memory = run_build([grown], tmp_path / "memory", **{**options, "stream_above": 1_000})
    assert ntriples(out) == ntriples(tmp_path / "full") == ntriples(tmp_path / "memory")
    assert merge_lines(out) == merge_lines(tmp_path / "full") == merge_lines(tmp_path / "memory")
    assert (again.nodes, again.edges) == (full.nodes, full.edges) == (in_memory.nodes, in_memory.edges)


# ----------------------------------------------------------------------------------------------------- rows
def spooled_rows(extractions, path: Path, **options):
    with spool_graph(extractions, path, **options) as graph:
        nodes = {node: (label, list(props.items())) for node, label, props in node_rows(graph)}
        edges = [((src, dst, type), list(props.items())) for src, dst, type, props in edge_rows(graph)]
        labels = {node: node_label(graph, node) for node in nodes}
        counts = (graph.number_of_nodes(), graph.number_of_edges())
        return nodes, edges, list(merge_log_rows(graph)), labels, counts


def test_spooled_rows_are_the_graphs_rows_for_any_order_and_ids_equal_but_for_case(small_lexicon, tmp_path):
    papers = load_small_extractions()
    # two papers whose ids differ only in case share a node, as in the in-memory graph
    twin = papers[1].model_copy(update={"id": papers[1].id.upper(), "title": "Same id, upper case"})
    papers.append(twin)
    G = build_graph(papers, lexicon=small_lexicon, overrides={"different": [["WAA", "Wavefront-Aware Attention"]]})
    random.Random(3).shuffle(papers)
    nodes, edges, log, labels, counts = spooled_rows(papers, tmp_path / "spool.sqlite", lexicon=small_lexicon,
                                                     overrides={"different": [["WAA", "Wavefront-Aware Attention"]]})
    assert nodes == {node: (label, list(props.items())) for node, label, props in node_rows(G)}
    assert sorted(edges) == sorted(((s, d, t), list(p.items())) for s, d, t, p in edge_rows(G))
    assert len(edges) == len({key for key, _ in edges}), "each edge once"
    assert log == G.graph["merge_log"]
    assert labels == dict(G.nodes(data="label")) and counts == (G.number_of_nodes(), G.number_of_edges())
    reports = {key: dict(props) for key, props in edges if key[2] == "REPORTS"}
    assert len(reports) == sum(len(p.speedups) for p in papers) - len(twin.speedups) > 0
    assert {props["papers"] for (src, _, _), props in reports.items() if src == f"paper:{twin.id.lower()}"} == {2}
    winner = max(papers, key=lambda p: p.id if p.id.lower() == twin.id.lower() else "")
    assert nodes[f"paper:{twin.id.lower()}"][1][0] == ("name", winner.title), "the largest paper id's row wins"
    assert not (tmp_path / "spool.sqlite").exists()


def test_a_paper_given_twice_is_an_error(small_lexicon, tmp_path):
    paper = load_small_extractions()[0]
    with pytest.raises(ValueError, match="given twice"):
        spooled_rows([paper, paper], tmp_path / "spool.sqlite", lexicon=small_lexicon)
    assert not (tmp_path / "spool.sqlite").exists()
