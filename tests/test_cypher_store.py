"""The embedded Cypher store (LadybugDB): schema from the vocabulary, exact values, and the example questions."""
from __future__ import annotations

import warnings
from collections import Counter

import networkx as nx
import pytest

from conftest import load_small_extractions
from cypher_questions import PARAMS, expected, projected
from kgbuild.errors import SinkError
from kgbuild.graph import build_graph, edge_rows, node_rows
from kgbuild.sinks.cypher_store import (
    EDGE_PROPERTIES, NODE_PROPERTIES, QUESTIONS, generate_cypher_store, load_questions, open_cypher_store,
    query_cypher, write_cypher_store,
)
from kgbuild.vocab import EDGE_TYPES, NODE_LABELS

_PYTHON_TYPES = {"string": str, "int": int, "float": float, "bool": bool, "string[]": list}


@pytest.fixture(scope="module")
def store(tmp_path_factory, small_lexicon):
    """The fixture corpus's graph and a store holding it, written once for the module (tests only read it)."""
    G = build_graph(load_small_extractions(), lexicon=small_lexicon)
    path = tmp_path_factory.mktemp("ladybug") / "kg.lbug"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every property of the fixture graph has a column
        write_cypher_store(G, path)
    return G, path


def test_columns_cover_every_label_and_property(small_graph):
    assert set(NODE_PROPERTIES) == set(NODE_LABELS)
    for node, label, props in node_rows(small_graph):
        for key, value in props.items():
            assert isinstance(value, _PYTHON_TYPES[NODE_PROPERTIES[label][key]]), (node, key)
    for src, dst, _, props in edge_rows(small_graph):
        for key, value in props.items():
            assert isinstance(value, _PYTHON_TYPES[EDGE_PROPERTIES[key]]), (src, dst, key)


def test_counts_match_the_graph(store):
    G, path = store
    conn = open_cypher_store(path)
    for label in NODE_LABELS:
        got = query_cypher(conn, f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"]
        assert got == sum(1 for _, d in G.nodes(data=True) if d["label"] == label), label
    by_type = Counter(t for _, _, t, _ in edge_rows(G))
    for edge_type in EDGE_TYPES:
        got = query_cypher(conn, f"MATCH ()-[r:{edge_type}]->() RETURN count(r) AS c")[0]["c"]
        assert got == by_type[edge_type], edge_type
    conn.close()


def test_values_round_trip(store):
    G, path = store
    rows = query_cypher(path, "MATCH (c:SpeedupClaim) WHERE c.id = $id RETURN c.value AS value, c.sentence AS "
                        "sentence, c.`end` AS e, c.qualifier AS qualifier, c.evidence AS evidence",
                        id="claim:81c586c36c-1")
    claim = G.nodes["claim:81c586c36c-1"]
    assert rows == [{"value": 4.86, "sentence": claim["sentence"], "e": claim["end"], "qualifier": "up to",
                     "evidence": claim["evidence"]}]
    hw = query_cypher(path, "MATCH (h:Hardware {id: 'hardware:mi250x'}) RETURN h.aliases AS a, h.proposed AS p")
    assert hw == [{"a": ["AMD Instinct MI250X"], "p": False}]
    # empty strings are null, as in the RDF and Neo4j sinks
    no_device = query_cypher(path, "MATCH (c:SpeedupClaim {id: 'claim:a009c6c84e-1'}) RETURN c.hardware AS h")
    assert no_device == [{"h": None}]


def test_hostile_text_is_stored_verbatim(tmp_path):
    text = "'}) DETACH DELETE n // \"q\" {x} \\ \n, a]b [c \r CR \x00 NUL \x1f \ue000 \ue0001"
    G = nx.MultiDiGraph()
    G.add_node("method:x", label="Method", name=text, aliases=[text, "a,b", "]", "", "\r"], papers=1)
    G.add_node("dataset:y", label="Dataset", name="y")
    G.add_edge("method:x", "dataset:y", key="EVALUATED_ON", type="EVALUATED_ON", extractor=text)
    write_cypher_store(G, tmp_path / "kg.lbug")
    rows = query_cypher(tmp_path / "kg.lbug", "MATCH (m:Method)-[r:EVALUATED_ON]->(d:Dataset) WHERE m.name = $t "
                        "RETURN m.name AS name, m.aliases AS aliases, r.extractor AS ex, d.id AS d", t=text)
    assert rows == [{"name": text, "aliases": [text, "a,b", "]", "", "\r"], "ex": text, "d": "dataset:y"}]


def test_existing_store_needs_overwrite(tmp_path, small_graph):
    path = tmp_path / "kg.lbug"
    write_cypher_store(small_graph, path)
    with pytest.raises(SinkError, match="overwrite=True"):
        write_cypher_store(small_graph, path)
    assert write_cypher_store(small_graph, path, overwrite=True).nodes == small_graph.number_of_nodes()
    assert query_cypher(path, "MATCH (n) RETURN count(n) AS c") == [{"c": small_graph.number_of_nodes()}]


def test_unknown_property_warns_and_unknown_label_fails(tmp_path):
    G = nx.MultiDiGraph()
    G.add_node("method:x", label="Method", name="x", colour="red")
    with pytest.warns(UserWarning, match="'colour'"):
        write_cypher_store(G, tmp_path / "a.lbug")
    G.add_node("thing:y", label="Thing")
    with pytest.raises(SinkError, match="NODE_LABELS"):
        write_cypher_store(G, tmp_path / "b.lbug")


def test_query_errors_say_what_to_do(store):
    _, path = store
    with pytest.raises(ValueError, match="known ids"):
        query_cypher(path, "q99_nothing")
    with pytest.raises(ValueError, match="missing: \\['vendor'\\]"):
        query_cypher(path, "q1_vendor_speedups")
    with pytest.raises(SinkError, match="Cypher query failed"):
        query_cypher(path, "MATCH (n:NoSuchLabel) RETURN n")
    with pytest.raises(SinkError, match="write_cypher_store"):
        query_cypher(path.with_name("missing.lbug"), "MATCH (n) RETURN n")


def test_questions_file_matches_the_sparql_one():
    from kgbuild.sinks.sparql_store import load_questions as load_sparql

    cypher, sparql = load_questions(), load_sparql()
    assert set(cypher) == set(sparql) == set(PARAMS)
    for name, question in cypher.items():
        assert (question.params, question.columns) == (sparql[name].params, sparql[name].columns), name


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_questions_match_networkx(store, name):
    G, path = store
    rows = query_cypher(path, name, **PARAMS[name])
    assert rows, f"{name} has an answer on the fixture corpus"
    assert list(rows[0]) == list(QUESTIONS[name].columns)
    assert projected(name, rows) == expected(G, name)


@pytest.mark.parametrize("name", sorted(PARAMS))
def test_questions_match_sparql(store, name):
    from kgbuild.sinks.sparql_store import load_store, query_sparql

    G, path = store
    rows = query_cypher(path, name, **PARAMS[name])
    sparql = query_sparql(load_store(G), name, **PARAMS[name])
    assert sorted(rows, key=repr) == sorted(sparql, key=repr)


def test_a_table_loads_in_several_copies(small_graph, tmp_path):
    # Ladybug 0.22 segfaults on a second COPY from a query parameter into a table holding rows; from files it may;
    # with bounded memory the database is also closed and opened again every few COPYs
    write_cypher_store(small_graph, tmp_path / "kg.lbug", copy_rows=8, memory_mib=64)
    conn = open_cypher_store(tmp_path / "kg.lbug")
    labels = Counter(label for _, label, _ in node_rows(small_graph))
    assert max(labels.values()) > 8, "some table takes several files"
    for label, count in labels.items():
        assert query_cypher(conn, f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"] == count, label
    by_type = Counter(t for _, _, t, _ in edge_rows(small_graph))
    for edge_type, count in by_type.items():
        assert query_cypher(conn, f"MATCH ()-[r:{edge_type}]->() RETURN count(r) AS c")[0]["c"] == count, edge_type
    conn.close()
    assert not (tmp_path / "kg.lbug.staging").exists(), "the staged CSV files are removed"


def test_a_quoted_comma_after_many_plain_rows_loads(tmp_path):
    # Ladybug's CSV dialect sniffer, fed a sample without quotes, used to split "(Bow, wafer-on-wafer)" in two
    G = nx.MultiDiGraph()
    for i in range(400):
        G.add_node(f"hardware:h{i:03d}", label="Hardware", name=f"H{i}", architecture="plain")
    G.add_node("hardware:h999", label="Hardware", name="Bow IPU", architecture="Colossus MK2 (Bow, wafer-on-wafer)")
    write_cypher_store(G, tmp_path / "kg.lbug")
    rows = query_cypher(tmp_path / "kg.lbug", "MATCH (h:Hardware {id: 'hardware:h999'}) RETURN h.architecture AS a")
    assert rows == [{"a": "Colossus MK2 (Bow, wafer-on-wafer)"}]
