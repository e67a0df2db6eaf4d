"""Resolution you can audit: the merge log, overrides, support counts and findings, in every output."""
from __future__ import annotations

import json
import random

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kgbuild
from kgbuild import queries
from kgbuild.errors import KgbuildError
from kgbuild.graph import KnowledgeGraph, build_graph, edge_rows, node_rows
from kgbuild.merge_log import merge_log, merge_log_lines
from kgbuild.models import Entity, Extraction, Provenance, SpeedupClaim
from kgbuild.overrides import Overrides, parse_overrides, read_overrides
from kgbuild.resolve import RULES, resolve

from conftest import load_small_extractions


def _at(pid: str, start: int, end: int, sentence: int = 0, field: str = "abstract") -> Provenance:
    return Provenance(paper_id=pid, field=field, sentence=sentence, start=start, end=end)


def _paper(pid: str, method: str, value: float, proposed: bool = True) -> Extraction:
    """A paper whose ``method`` is ``value`` x faster than PyTorch on A100."""
    evidence = f"{method} is {value:g}x faster than PyTorch on NVIDIA A100 GPUs"
    return Extraction(id=pid, title=f"{method} for attention", entities=[
        Entity(name=method, type="Method", proposed=proposed, mentions=[_at(pid, 0, len(method), field="title")]),
        Entity(name="PyTorch", type="Method", mentions=[_at(pid, 30, 37)]),
        Entity(name="A100", type="Hardware", aliases=["NVIDIA A100 GPUs"], mentions=[_at(pid, 41, 57)])],
        speedups=[SpeedupClaim(value=value, unit="x", method=method, baseline="PyTorch", hardware="A100",
                               evidence=evidence, provenance=_at(pid, 0, len(evidence)))])


# ----------------------------------------------------------------------------------------------------- merge log
def test_the_log_has_every_surface_form_with_a_known_rule_and_its_evidence(small_extractions, small_lexicon):
    kg = KnowledgeGraph.from_extractions(small_extractions, lexicon=small_lexicon)
    rows = [json.loads(line) for line in merge_log_lines(kg)]
    forms = {(f, e.type) for x in small_extractions for e in x.entities for f in [e.name, *e.aliases]}
    assert {r["surface"] for r in rows} >= {f for f, _ in forms}
    assert {r["rule"] for r in rows} <= set(RULES) and all(r["node_id"] in kg.graph for r in rows)
    assert rows == sorted(rows, key=lambda r: (r["node_id"], r["surface"], r["rule"]))
    by_form = {(r["node_id"], r["surface"]): r for r in rows}
    waa = by_form["method:wavefront-aware-attention", "WAA"]
    assert (waa["rule"], waa["detail"], waa["paper_id"]) == ("acronym-expansion", "Wavefront-Aware Attention",
                                                            "974dc559d0")
    assert waa["evidence"] == "WAA is 2.7x faster than FlashAttention-2 on the MI250X"
    assert (waa["field"], waa["sentence"], waa["start"], waa["end"]) == ("abstract", 1, 109, 112)
    llama = by_form["model:llama-2-7b", "Llama 2 7B"]
    assert (llama["rule"], llama["detail"], llama["papers"]) == ("size-variant", "Llama 2 + 7B", 1)
    assert by_form["method:low-rank-adaptation", "LoRA"]["rule"] == "catalogue-alias"
    gpus = by_form["hardware:gpu", "GPUs"]
    assert (gpus["papers"], gpus["field"], gpus["evidence"]) == (
        2, "title", "FlashDecoding++: Faster Large Language Model Inference on GPUs")


def test_every_node_with_a_surface_form_has_its_forms_in_the_log(small_graph):
    logged = {}
    for row in small_graph.graph["merge_log"]:
        logged.setdefault(row["node_id"], set()).add(row["surface"])
    for node, label, props in node_rows(small_graph):
        if label in ("Method", "Model", "Dataset", "Hardware") and props["papers"]:
            assert {props["name"], *props["aliases"]} <= logged[node] | {props["name"]}, node
            assert logged[node], node


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.randoms(use_true_random=False))
def test_the_log_is_byte_identical_for_any_order_of_the_papers(small_lexicon, rnd):
    papers = load_small_extractions()
    expected = merge_log_lines(KnowledgeGraph.from_extractions(papers, lexicon=small_lexicon))
    rnd.shuffle(papers)
    assert merge_log_lines(KnowledgeGraph.from_extractions(papers, lexicon=small_lexicon)) == expected
    assert merge_log_lines(build_graph(papers, lexicon=small_lexicon)) == expected


def test_an_incremental_build_logs_what_a_full_one_does(small_extractions, small_lexicon):
    full = merge_log_lines(KnowledgeGraph.from_extractions(small_extractions, lexicon=small_lexicon))
    # records kept per paper from earlier runs, plus the papers of this run: resolution is per paper
    first, second = small_extractions[:2], small_extractions[2:]
    kept = resolve(first, lexicon=small_lexicon).merges + resolve(second, lexicon=small_lexicon).merges
    random.Random(0).shuffle(kept)
    assert merge_log_lines(kept) == full
    again = merge_log_lines(KnowledgeGraph.from_extractions(small_extractions, lexicon=small_lexicon))
    assert again == full


def test_our_method_is_the_one_proposed_entity_and_is_logged(small_lexicon):
    paper = _paper("p1", "TileKV", 2.0).model_copy(update={"speedups": [SpeedupClaim(
        value=2, unit="x", method="our method", baseline="PyTorch", evidence="our method is 2x faster than PyTorch",
        provenance=_at("p1", 0, 37))]})
    G = build_graph([paper], lexicon=small_lexicon)
    assert G.has_edge("claim:p1-1", "method:tilekv", "ACHIEVED_BY") and "method:our-method" not in G
    row = next(r for r in G.graph["merge_log"] if r["surface"] == "our method")
    assert (row["node_id"], row["rule"], row["detail"]) == ("method:tilekv", "self-reference", "TileKV")
    two = paper.model_copy(update={"entities": paper.entities + [Entity(name="KVPress", type="Method",
                                                                        proposed=True)]})
    G = build_graph([two], lexicon=small_lexicon)
    assert not any(k == "ACHIEVED_BY" for *_, k in G.out_edges("claim:p1-1", keys=True))   # which one? unknown


# ----------------------------------------------------------------------------------------------------- overrides
def test_same_merges_nodes_and_changes_the_graph_log_counts_and_answers(small_lexicon, tmp_path):
    papers = [_paper("p1", "FlashAttention-2", 2.0), _paper("p2", "FA2 kernel", 3.0)]
    before = KnowledgeGraph.from_extractions(papers, lexicon=small_lexicon)
    assert {"method:flashattention-2", "method:fa2-kernel"} <= set(before.graph)
    assert len(before.speedups(method="FlashAttention-2")) == 1
    path = tmp_path / "overrides.toml"
    path.write_text('same = [["FlashAttention-2", "FA2 kernel"]]\n')
    kg = KnowledgeGraph.from_extractions(papers, lexicon=small_lexicon, overrides=path)
    assert "method:fa2-kernel" not in kg.graph
    node = kg.graph.nodes["method:flashattention-2"]
    assert (node["name"], node["aliases"], node["papers"], node["mentions"]) == (
        "FlashAttention-2", ["FA2 kernel"], 2, 2)
    row = next(json.loads(line) for line in merge_log_lines(kg) if '"FA2 kernel"' in line)
    assert (row["node_id"], row["rule"], row["detail"]) == (
        "method:flashattention-2", "manual", 'same ["FlashAttention-2", "FA2 kernel"]')
    assert [r["paper"] for r in kg.speedups(method="FA2 kernel")] == ["p1", "p2"]
    finding, = kg.findings(method="FlashAttention-2")
    assert (finding["papers"], finding["claims"], finding["min"], finding["median"], finding["max"]) == (
        2, 2, 2.0, 2.5, 3.0)
    assert kg.graph.graph["overrides"] == {"same": [["FlashAttention-2", "FA2 kernel"]], "different": []}


def test_different_beats_a_catalogue_alias_and_an_acronym(small_extractions, small_lexicon):
    before = KnowledgeGraph.from_extractions(small_extractions, lexicon=small_lexicon)
    assert queries.find_nodes(before, "LoRA") == ["method:low-rank-adaptation"]
    kg = KnowledgeGraph.from_extractions(small_extractions, lexicon=small_lexicon,
                                         overrides={"different": [["LoRA", "Low-Rank Adaptation"]]})
    lora, lra = kg.graph.nodes["method:lora"], kg.graph.nodes["method:low-rank-adaptation"]
    assert (lora["name"], lora["papers"], lra["aliases"]) == ("LoRA", 1, [])
    assert kg.graph.has_edge("paper:a61aebc346", "method:lora", "MENTIONS")
    assert queries.find_nodes(kg, "LoRA") == ["method:lora"]
    assert queries.find_nodes(kg, "Low-Rank Adaptation") == ["method:low-rank-adaptation"]
    rules = {(r["node_id"], r["surface"]): r["rule"] for r in kg.merge_log()}
    assert rules["method:lora", "LoRA"] == "manual" and ("method:low-rank-adaptation", "LoRA") not in rules
    # an acronym defined in the paper loses to `different` too; the claim follows the acronym's new node
    waa = KnowledgeGraph.from_extractions(small_extractions, lexicon=small_lexicon,
                                          overrides={"different": [["Wavefront-Aware Attention", "WAA"]]})
    assert waa.graph.has_edge("claim:974dc559d0-1", "method:waa", "ACHIEVED_BY")
    assert [r["method"] for r in queries.speedups(waa, hardware="MI250X")] == ["WAA"]
    assert [r["method"] for r in queries.speedups(before, hardware="MI250X")] == ["Wavefront-Aware Attention"]


def test_overrides_reach_kgbuild_build(tmp_path, monkeypatch, small_lexicon):
    import kgbuild.extract

    papers = {p.id: p for p in [_paper("p1", "FlashAttention-2", 2.0), _paper("p2", "FA2 kernel", 3.0)]}
    monkeypatch.setattr(kgbuild.extract, "extract", lambda stream, workers=1: (papers[p.id] for p in stream))
    source = tmp_path / "papers.jsonl"
    source.write_text("".join(json.dumps({"id": i, "title": p.title, "abstract": "…"}) + "\n"
                              for i, p in papers.items()))
    (tmp_path / "o.toml").write_text('same = [["FlashAttention-2", "FA2 kernel"]]\n')
    kg = kgbuild.build(source, lexicon=small_lexicon, overrides=tmp_path / "o.toml")
    assert kg.graph.nodes["method:flashattention-2"]["papers"] == 2
    (tmp_path / "bad.toml").write_text('same = [["A"]]\n')
    with pytest.raises(KgbuildError, match="bad.toml: same entry"):
        kgbuild.build(source, lexicon=small_lexicon, overrides=tmp_path / "bad.toml")


@pytest.mark.parametrize("text, message", [
    ('same = [["A", "B"]\n', "not valid TOML"),
    ('merge = [["A", "B"]]\n', "unknown key 'merge'"),
    ('same = "A"\n', "'same' is not a list"),
    ('different = [["A"]]\n', "is not a list of two or more names"),
    ('same = [["GPT-4", "gpt 4"]]\n', ":1: same entry .* lists one name twice"),
    ('same = [["A", "B"],\n  ["C", "b"]]\n', r":2: 'b' is in two 'same' groups"),
    ('same = [["A", "B"]]\ndifferent = [["B", "A"]]\n', ":2: 'B' and 'A' are listed both as same and as different"),
])
def test_bad_overrides_files_say_where_and_what_to_do(tmp_path, text, message):
    path = tmp_path / "ov.toml"
    path.write_text(text)
    with pytest.raises(KgbuildError, match=message):
        read_overrides(path)
    with pytest.raises(KgbuildError, match="cannot read the overrides file"):
        read_overrides(tmp_path / "missing.toml")


def test_different_names_that_make_one_id_cannot_be_split(small_lexicon):
    paper = Extraction(id="p1", title="t", entities=[Entity(name="C#", aliases=["C sharp"], type="Method")])
    with pytest.raises(KgbuildError, match="both make the id 'method:c-sharp'"):
        build_graph([paper], lexicon=small_lexicon, overrides={"different": [["C#", "C sharp"]]})


def test_overrides_parse_to_groups():
    ov = parse_overrides('same = [["FA2", "FlashAttention-2", "Flash Attn 2"]]\ndifferent = [["A", "B", "C"]]')
    assert ov.same_group("flashattention 2") == ("FA2", "FlashAttention-2", "Flash Attn 2")
    assert ov.different_from("b") == ("A", "C") and not Overrides()


# ----------------------------------------------------------------------------------------------------- findings
def test_findings_group_claims_with_exact_support(small_lexicon):
    papers = [_paper("p1", "TileKV", 2.0), _paper("p2", "TileKV", 3.0), _paper("p3", "TileKV", 7.0)]
    papers[2] = papers[2].model_copy(update={"speedups": papers[2].speedups * 2})     # one paper, two claims
    G = build_graph(papers, lexicon=small_lexicon)
    node_id = "finding:tilekv--speedup-x--over--pytorch--on--a100"
    f = G.nodes[node_id]
    assert (f["papers"], f["mentions"], f["value_min"], f["value_median"], f["value_max"]) == (3, 4, 2.0, 5.0, 7.0)
    assert (f["method"], f["baseline"], f["hardware"], f["metric"], f["unit"]) == (
        "TileKV", "PyTorch", "A100", "speedup", "x")
    supports = sorted(s for s, t, k, _ in edge_rows(G) if k == "SUPPORTS" and t == node_id)
    assert supports == ["claim:p1-1", "claim:p2-1", "claim:p3-1", "claim:p3-2"]
    claims = [n for n, label in G.nodes(data="label") if label == "SpeedupClaim"]
    assert all(sum(k == "SUPPORTS" for *_, k in G.out_edges(c, keys=True)) == 1 for c in claims)
    rows = queries.findings(G, hardware="NVIDIA A100", min_papers=2)
    assert [(r["method"], r["papers"], r["claims"]) for r in rows] == [("TileKV", 3, 4)]


def test_support_counts_reach_rdf_gephi_and_the_shapes(small_lexicon):
    from kgbuild.iri import KG, node_iri
    from kgbuild.sinks.gephi import gephi_graph
    from kgbuild.sinks.rdf import to_rdflib, validate_rdf

    G = build_graph([_paper("p1", "TileKV", 2.0), _paper("p2", "TileKV", 3.0), _paper("p3", "FA2", 1.5)],
                    lexicon=small_lexicon, overrides={"different": [["A100", "NVIDIA A100 GPUs"]]})
    finding = "finding:tilekv--speedup-x--over--pytorch--on--a100"
    rdf = to_rdflib(G)
    assert float(rdf.value(node_iri(finding), KG.medianValue)) == 2.5
    assert int(rdf.value(node_iri(finding), KG.paperCount)) == 2
    assert int(rdf.value(node_iri("hardware:a100"), KG.paperCount)) == 3
    H = gephi_graph(G)
    assert (H.nodes[finding]["type"], H.nodes[finding]["paper_count"]) == ("Finding", 2)
    assert H.edges["claim:p1-1", finding]["types"] == "SUPPORTS"
    conforms, report = validate_rdf(rdf)
    assert conforms, report


def test_the_merge_log_is_in_rdf_with_prov(small_graph):
    from kgbuild.sinks.rdf import to_rdflib

    rdf = to_rdflib(small_graph)
    answer = rdf.query("""
        SELECT ?surface ?rule ?paper ?n WHERE {
            ?node dcterms:identifier "hardware:mi250x" ; prov:wasDerivedFrom ?form .
            ?form a kg:SurfaceForm ; kg:surface ?surface ; kg:paperCount ?n ;
                  prov:wasGeneratedBy [ a prov:Activity ; rdfs:label ?rule ; prov:wasAssociatedWith ?agent ] ;
                  prov:wasDerivedFrom [ dcterms:identifier ?paper ] .
            ?agent a prov:SoftwareAgent .
        } ORDER BY ?surface""")
    assert [tuple(map(str, row)) for row in answer] == [
        ("AMD Instinct MI250X", "normalisation", "paper:974dc559d0", "1"), ("MI250X", "exact", "paper:974dc559d0", "1")]
    rules = {str(label) for label in rdf.objects(None, rdflib.RDFS.label) if str(label) in RULES}
    assert rules == {r["rule"] for r in small_graph.graph["merge_log"]}


def test_merge_log_rows_describe_themselves():
    paper = Extraction(id="p1", title="LoRA tuning", entities=[
        Entity(name="LoRA", type="Method", mentions=[_at("p1", 0, 4, field="title")])])
    row, = merge_log(resolve([paper]).merges)
    assert row == {"node_id": "method:low-rank-adaptation", "surface": "LoRA", "rule": "catalogue-alias",
                   "detail": "Low-Rank Adaptation", "papers": 1, "paper_id": "p1", "field": "title", "sentence": 0,
                   "start": 0, "end": 4, "evidence": "LoRA tuning"}


def test_the_shapes_know_every_rule():
    from rdflib.collection import Collection
    from rdflib.namespace import SH

    from kgbuild.sinks.rdf import SHAPES_PATH

    shapes = rdflib.Graph().parse(SHAPES_PATH, format="turtle")
    lists = [o for s, o in shapes.subject_objects(SH["in"]) if "exact" in {str(x) for x in Collection(shapes, o)}]
    assert [{str(x) for x in Collection(shapes, o)} for o in lists] == [set(RULES)]


def test_claims_with_an_unknown_faster_side_are_grouped_within_their_paper_only(small_lexicon):
    papers = [_paper(pid, "TileKV", 2.0) for pid in ("p1", "p2")]
    papers = [p.model_copy(update={"speedups": [c.model_copy(update={"method": ""}) for c in p.speedups * 2]})
              for p in papers]
    G = build_graph(papers, lexicon=small_lexicon)
    findings = {n: d for n, d in G.nodes(data=True) if d["label"] == "Finding"}
    assert sorted(findings) == ["finding:unknown-in-p1--speedup-x--over--pytorch--on--a100",
                                "finding:unknown-in-p2--speedup-x--over--pytorch--on--a100"]
    assert {(d["papers"], d["mentions"], d["method"]) for d in findings.values()} == {(1, 2, "")}
