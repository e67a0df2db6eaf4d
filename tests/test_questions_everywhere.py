"""The shared questions on a real build of the bundled sample corpus: networkx, the SPARQL store, the embedded
Cypher store and a Bolt server give the same answers (issue 4's "the same questions everywhere")."""
from __future__ import annotations

import pytest

from bolt_server import bolt, bolt_db  # noqa: F401  (fixtures)
from cypher_questions import expected, projected
from kgbuild import build
from kgbuild.readers import sample_path
from kgbuild.sinks.cypher_store import QUESTIONS, query_cypher, write_cypher_store
from kgbuild.sinks.neo4j import write_neo4j
from kgbuild.sinks.sparql_store import load_store, query_sparql

#: Parameters a user of the sample corpus would ask with; each question must have a non-empty answer.
PARAMS = {
    "q1_vendor_speedups": {"vendor": "AMD"},
    "q2_family_datasets": {"family": "Llama 2"},
    "q3_fastest_on_hardware": {"hardware": "H100"},
    "q5_vendors_by_claims": {},
    "q6_method_baselines": {"method": "TileServe"},
    "q7_papers_on_hw_class": {"hw_class": "FPGA"},
}


@pytest.fixture(scope="module")
def sample_graph():
    return build(sample_path(), on_error="skip").graph


@pytest.fixture(scope="module")
def engines(sample_graph, tmp_path_factory):
    path = tmp_path_factory.mktemp("ladybug") / "store"
    write_cypher_store(sample_graph, path)
    return {"sparql": load_store(sample_graph), "cypher": path}


def _proposing_paper(G) -> str:
    return min(src.split(":", 1)[1] for src, _, rel in G.edges(keys=True) if rel == "PROPOSES")


def _params(G, name):
    return {"paper": _proposing_paper(G)} if name == "q4_paper_proposes" else PARAMS[name]


@pytest.mark.parametrize("name", sorted([*PARAMS, "q4_paper_proposes"]))
def test_embedded_engines_agree_with_networkx(sample_graph, engines, name):
    params = _params(sample_graph, name)
    want = expected(sample_graph, name, params)
    assert want, f"{name} has an answer on the sample corpus"
    assert projected(name, query_cypher(engines["cypher"], QUESTIONS[name], **params)) == want
    assert projected(name, query_sparql(engines["sparql"], name, **params)) == want


def test_bolt_server_agrees_with_networkx(bolt_db, sample_graph):
    write_neo4j(sample_graph, driver=bolt_db.driver, database=bolt_db.database, batch_rows=100,
                batch_bytes=bolt_db.batch_bytes)
    for name in sorted([*PARAMS, "q4_paper_proposes"]):
        params = _params(sample_graph, name)
        rows = bolt_db.run(QUESTIONS[name].query, **params)
        assert projected(name, rows) == expected(sample_graph, name, params), name
