"""The embedded SPARQL store: it holds the RDF sink's triples and answers the example questions as the graph does."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest

from kgbuild.errors import SinkError
from kgbuild.sinks.rdf import to_rdflib
from kgbuild.sinks.sparql_store import (
    QUESTIONS, QUESTIONS_PATH, Question, load_questions, load_store, open_store, parse_questions, query_sparql,
    write_sparql_store,
)

EVIL = "'}) DETACH DELETE n //"
INJECTION = 'x")) } UNION { ?claim ?p ?o } #'


# ------------------------------------------------------------------------------------------------ the graph's answers
def _out(G: nx.MultiDiGraph, node: str, type: str) -> list[str]:
    return [v for _, v, d in G.out_edges(node, data=True) if d["type"] == type]


def _in(G: nx.MultiDiGraph, node: str, type: str) -> list[str]:
    return [u for u, _, d in G.in_edges(node, data=True) if d["type"] == type]


def _name(G: nx.MultiDiGraph, node: str) -> str:
    return G.nodes[node]["name"]


def _named(G: nx.MultiDiGraph, node: str, name: str) -> bool:
    """The questions' name rule: the node's name or any alias, case-insensitively."""
    data = G.nodes[node]
    return name.lower() in {str(n).lower() for n in [data.get("name"), *data.get("aliases", [])] if n}


def _nodes(G: nx.MultiDiGraph, label: str) -> list[str]:
    return [n for n, lab in G.nodes(data="label") if lab == label]


def _side(G: nx.MultiDiGraph, claim: str, edge: str, attr: str) -> list[str | None]:
    """Method / baseline of a claim: its linked node's name, else its own text, else None."""
    return [_name(G, n) for n in _out(G, claim, edge)] or [G.nodes[claim].get(attr) or None]


def _closure(G: nx.MultiDiGraph, node: str, reverse: bool = False) -> set[str]:
    """``node`` and everything reachable over VARIANT_OF (towards the family, or back from it)."""
    seen, todo = {node}, [node]
    while todo:
        for nxt in (_in if reverse else _out)(G, todo.pop(), "VARIANT_OF"):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _claim_rows(G: nx.MultiDiGraph, claims: set[str], *columns: str) -> set[tuple]:
    rows = set()
    for c in claims:
        d = G.nodes[c]
        for method in _side(G, c, "ACHIEVED_BY", "method"):
            for baseline in _side(G, c, "OVER", "baseline"):
                for hardware in [_name(G, h) for h in _out(G, c, "MEASURED_ON")] or [None]:
                    for paper in _in(G, c, "REPORTS") or [None]:
                        row = {"claim": c, "method": method, "baseline": baseline, "hardware": hardware,
                               "paper": paper, "value": d["value"], "unit": d["unit"],
                               "metric": d.get("metric") or None, "qualifier": d.get("qualifier") or None}
                        rows.add(tuple(row[col] for col in columns))
    return rows


def expected(G: nx.MultiDiGraph, qid: str, **p: str) -> set[tuple] | list[tuple]:
    """Each question answered from the networkx graph directly, in its declared columns."""
    cols = QUESTIONS[qid].columns
    if qid == "q1_vendor_speedups":
        claims = {c for v in _nodes(G, "Vendor") if _named(G, v, p["vendor"])
                  for hw in _in(G, v, "MADE_BY") for c in _in(G, hw, "MEASURED_ON")}
        return _claim_rows(G, claims, *cols)
    if qid == "q2_family_datasets":
        return {(_name(G, m), _name(G, d)) for m in _nodes(G, "Model")
                if (G.nodes[m].get("family") or "").lower() == p["family"].lower()
                or any(_named(G, f, p["family"]) for f in _closure(G, m))
                for d in _out(G, m, "EVALUATED_ON")}
    if qid == "q3_fastest_on_hardware":
        devices = {hw for named in _nodes(G, "Hardware") if _named(G, named, p["hardware"])
                   for hw in _closure(G, named, reverse=True)}
        return _claim_rows(G, {c for hw in devices for c in _in(G, hw, "MEASURED_ON")}, *cols)
    if qid == "q4_paper_proposes":
        papers = [n for n in _nodes(G, "Paper") if n in (p["paper"], f"paper:{p['paper']}")]
        return {(e, _name(G, e), G.nodes[e]["label"]) for n in papers for e in _out(G, n, "PROPOSES")}
    if qid == "q5_vendors_by_claims":
        counts = [(_name(G, v), len({c for hw in _in(G, v, "MADE_BY") for c in _in(G, hw, "MEASURED_ON")}))
                  for v in _nodes(G, "Vendor")]
        return sorted((row for row in counts if row[1]), key=lambda row: (-row[1], row[0]))
    if qid == "q6_method_baselines":
        claims = {c for c in _nodes(G, "SpeedupClaim")
                  if any(_named(G, m, p["method"]) for m in _out(G, c, "ACHIEVED_BY"))}
        return {row for row in _claim_rows(G, claims, *cols) if row[0] is not None}
    if qid == "q7_papers_on_hw_class":
        return {(paper, G.nodes[paper]["title"], _name(G, hw))
                for c in _nodes(G, "HardwareClass") if _named(G, c, p["hw_class"])
                for hw in _in(G, c, "IS_A") for paper in _in(G, hw, "PROPOSES") + _in(G, hw, "MENTIONS")}
    raise AssertionError(f"no expectation for {qid}")


CASES = [
    ("q1_vendor_speedups", {"vendor": "AMD"}),
    ("q1_vendor_speedups", {"vendor": "nvidia"}),
    ("q2_family_datasets", {"family": "Llama 2"}),
    ("q2_family_datasets", {"family": "LLaMA-2"}),
    ("q2_family_datasets", {"family": "resnet"}),
    ("q3_fastest_on_hardware", {"hardware": "H100"}),
    ("q3_fastest_on_hardware", {"hardware": "MI300X"}),
    ("q3_fastest_on_hardware", {"hardware": "amd mi300x gpus"}),
    ("q4_paper_proposes", {"paper": "paper:81c586c36c"}),
    ("q4_paper_proposes", {"paper": "a61aebc346"}),
    ("q5_vendors_by_claims", {}),
    ("q6_method_baselines", {"method": "WAA"}),
    ("q6_method_baselines", {"method": "FlashDecoding++"}),
    ("q6_method_baselines", {"method": "GPT-4o"}),
    ("q7_papers_on_hw_class", {"hw_class": "GPU"}),
    ("q7_papers_on_hw_class", {"hw_class": "Edge Device"}),
]


@pytest.fixture
def store(small_graph: nx.MultiDiGraph) -> ox.Store:
    return load_store(small_graph)


# ----------------------------------------------------------------------------------------------------- questions
def test_questions_file_declares_the_shared_ids() -> None:
    assert list(QUESTIONS) == ["q1_vendor_speedups", "q2_family_datasets", "q3_fastest_on_hardware",
                               "q4_paper_proposes", "q5_vendors_by_claims", "q6_method_baselines",
                               "q7_papers_on_hw_class"]
    for q in QUESTIONS.values():
        assert q.question and q.columns and q.query.startswith("PREFIX kg:")
        for param in q.params:
            assert f"${param}" in q.query, (q.id, param)


def test_cypher_questions_share_ids_parameters_and_columns() -> None:
    cypher = QUESTIONS_PATH.with_suffix(".cypher")
    if not cypher.exists():
        pytest.skip(f"{cypher} not written yet")
    shape = {q.id: (q.params, q.columns) for q in load_questions(cypher).values()}
    assert shape == {q.id: (q.params, q.columns) for q in QUESTIONS.values()}


def test_every_question_has_a_case_with_answers(small_graph: nx.MultiDiGraph) -> None:
    answered = {qid for qid, params in CASES if expected(small_graph, qid, **params)}
    assert answered == set(QUESTIONS)


@pytest.mark.parametrize("qid, params", CASES, ids=[f"{q}-{'-'.join(p.values())}" for q, p in CASES])
def test_question_answers_match_the_graph(store: ox.Store, small_graph: nx.MultiDiGraph, qid: str,
                                          params: dict[str, str]) -> None:
    rows = query_sparql(store, qid, **params)
    columns = QUESTIONS[qid].columns
    assert all(list(row) == list(columns) for row in rows)
    got = [tuple(row[c] for c in columns) for row in rows]
    want = expected(small_graph, qid, **params)
    if isinstance(want, list):                 # an ordered answer
        assert got == want
    else:
        assert len(got) == len(set(got)) and set(got) == want


def test_fastest_on_hardware_is_sorted_by_value(store: ox.Store) -> None:
    values = [row["value"] for row in query_sparql(store, "q3_fastest_on_hardware", hardware="MI300X")]
    assert values == sorted(values, reverse=True) and len(values) == 2


def test_questions_run_on_a_store_on_disk(small_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_sparql_store(small_graph, tmp_path / "store")
    assert query_sparql(path, "q5_vendors_by_claims")[0] == {"vendor": "AMD", "claims": 4}
    assert query_sparql(open_store(path), QUESTIONS["q4_paper_proposes"], paper="81c586c36c") == [
        {"entity": "method:flashdecoding-plus-plus", "name": "FlashDecoding++", "label": "Method"}]


# ----------------------------------------------------------------------------------------------------- parameters
def test_user_values_are_bound_not_spliced(small_graph: nx.MultiDiGraph) -> None:
    G = small_graph
    G.add_node("method:evil", label="Method", name=EVIL, aliases=[INJECTION], papers=1, mentions=1, proposed=True)
    G.add_node("claim:evil-1", label="SpeedupClaim", name="9x speedup", value=9.0, unit="x", metric="speedup",
               evidence=f"{EVIL} is 9x faster than vLLM", paper_id="81c586c36c")
    G.add_edge("paper:81c586c36c", "claim:evil-1", key="REPORTS", type="REPORTS", papers=1, weight=1)
    G.add_edge("claim:evil-1", "method:evil", key="ACHIEVED_BY", type="ACHIEVED_BY", papers=1, weight=1)
    G.add_edge("claim:evil-1", "method:vllm", key="OVER", type="OVER", papers=1, weight=1)
    store = load_store(G)
    size = len(store)
    for name in (EVIL, INJECTION):
        rows = query_sparql(store, "q6_method_baselines", method=name)
        assert [(r["claim"], r["baseline"]) for r in rows] == [("claim:evil-1", "vLLM")]
    assert query_sparql(store, "q3_fastest_on_hardware", hardware=INJECTION) == []
    assert query_sparql(store, "q4_paper_proposes", paper='x" || true || "') == []
    assert len(store) == size


def test_raw_queries_take_bindings_of_any_scalar(store: ox.Store) -> None:
    rows = query_sparql(store, """
        PREFIX kg: <https://w3id.org/kgbuild/ontology#>
        SELECT ?claim ?min WHERE { ?claim kg:value ?v FILTER(?v > ?min) } ORDER BY ?claim""", min=4)
    assert sorted(r["claim"] for r in rows) == ["claim:81c586c36c-1", "claim:974dc559d0-3", "claim:f8ad976639-1"]
    assert all(list(r) == ["claim"] for r in rows)           # the bound ?min is not echoed back
    assert query_sparql(store, "ASK { ?s ?p ?o }") == [{"ask": True}]
    triples = query_sparql(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1")
    assert list(triples[0]) == ["subject", "predicate", "object"]


@pytest.mark.parametrize("call, error, message", [
    (lambda s: query_sparql(s, "q3_fastest_on_hardware"), ValueError, "missing: \\['hardware'\\]"),
    (lambda s: query_sparql(s, "q5_vendors_by_claims", vendor="AMD"), ValueError, "unexpected: \\['vendor'\\]"),
    (lambda s: query_sparql(s, "q9_unknown"), ValueError, "known ids: q1_vendor_speedups"),
    (lambda s: query_sparql(s, "SELECT ?x WHERE { ?x"), SinkError, "SPARQL syntax error"),
    (lambda s: query_sparql(s, "SELECT ?x WHERE { ?x ?p ?y }", y="a"), SinkError, "projection"),
    (lambda s: query_sparql(s, "SELECT ?x ?y WHERE { ?x ?p ?y }", y=[1]), TypeError, "cannot bind"),
])
def test_query_errors_say_what_to_do(store: ox.Store, call: Any, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call(store)


# ----------------------------------------------------------------------------------------------------- the store
def test_store_holds_exactly_the_rdf_triples(small_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_sparql_store(small_graph, tmp_path / "store")
    assert len(open_store(path)) == len(to_rdflib(small_graph))


def test_store_is_not_overwritten_by_accident(small_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_sparql_store(small_graph, tmp_path / "store")
    with pytest.raises(SinkError, match="overwrite=True"):
        write_sparql_store(small_graph, path)
    smaller = small_graph.subgraph([n for n in small_graph if n.startswith("paper:")]).copy()
    write_sparql_store(smaller, path, overwrite=True)
    assert len(open_store(path)) == len(to_rdflib(smaller))
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    with pytest.raises(SinkError, match="holds no SPARQL store"):
        write_sparql_store(small_graph, tmp_path / "notes", overwrite=True)


def test_open_store_names_a_missing_store(tmp_path: Path) -> None:
    with pytest.raises(SinkError, match="write_sparql_store"):
        open_store(tmp_path / "nowhere")


def test_parse_questions_reads_cypher_comments_too() -> None:
    qs = parse_questions("// name: q1\n// params: vendor\n// columns: a, b\nMATCH (n) RETURN n\n")
    assert qs == {"q1": Question("q1", "", ("vendor",), ("a", "b"), "MATCH (n) RETURN n\n")}
    with pytest.raises(ValueError, match="defined twice"):
        parse_questions("# name: q\nASK {}\n# name: q\nASK {}\n")
