"""The graph built from the fixture corpus: contract, counts, determinism, rows, queries and the `build` API."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

import kgbuild
from kgbuild import queries
from kgbuild.graph import KnowledgeGraph, build_graph, edge_rows, node_rows
from kgbuild.models import Entity, Extraction, SpeedupClaim
from kgbuild.vocab import EDGE_TYPES, NODE_LABELS, PROVENANCE_KEYS


def _snapshot(G: nx.MultiDiGraph) -> tuple[dict, dict]:
    return ({n: d for n, d in G.nodes(data=True)}, {(s, t, k): d for s, t, k, d in G.edges(keys=True, data=True)})


# ----------------------------------------------------------------------------------------------------- contract
def test_every_node_and_edge_follows_the_vocabulary(small_graph):
    for node, label, props in node_rows(small_graph):
        assert label in NODE_LABELS, node
        assert node.split(":", 1)[0] in {"paper", "method", "model", "dataset", "hardware", "vendor", "class", "claim",
                                          "finding"}
        assert "name" in props
    for src, dst, type, props in edge_rows(small_graph):
        sources, targets, _ = EDGE_TYPES[type]
        assert small_graph.nodes[src]["label"] in sources, (src, type, dst)
        assert small_graph.nodes[dst]["label"] in targets, (src, type, dst)
        assert props["papers"] >= 1 and props["weight"] == props["papers"]


def test_the_fixture_covers_every_label_and_edge_type(small_graph):
    labels = {label for _, label in small_graph.nodes(data="label")}
    types = {key for *_, key in small_graph.edges(keys=True)}
    assert labels == set(NODE_LABELS)
    assert types == set(EDGE_TYPES)


def test_rows_hold_only_plain_values(small_graph):
    small_graph.nodes["method:vllm"]["note"] = None
    small_graph.nodes["method:vllm"]["tags"] = ("b", "a")
    rows = {node: props for node, _, props in node_rows(small_graph)}
    assert "note" not in rows["method:vllm"] and rows["method:vllm"]["tags"] == ["b", "a"]
    for props in [*rows.values(), *(p for *_, p in edge_rows(small_graph))]:
        for value in props.values():
            assert isinstance(value, (str, int, float, bool)) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value)), value


# ----------------------------------------------------------------------------------------------------- determinism
@pytest.mark.parametrize("seed", range(5))
def test_any_input_order_builds_the_same_graph(small_extractions, small_lexicon, seed):
    expected = _snapshot(build_graph(small_extractions, lexicon=small_lexicon))
    shuffled = small_extractions[:]
    random.Random(seed).shuffle(shuffled)
    G = build_graph(shuffled, lexicon=small_lexicon)
    assert _snapshot(G) == expected
    assert list(G.nodes) == sorted(G.nodes)


def test_a_paper_read_twice_is_one_paper_in_any_order(small_extractions, small_lexicon):
    twice = small_extractions + [small_extractions[0].model_copy(update={"title": small_extractions[0].title + "!"})]
    a = build_graph(twice, lexicon=small_lexicon)
    b = build_graph(list(reversed(twice)), lexicon=small_lexicon)
    assert _snapshot(a) == _snapshot(b)
    assert sum(1 for _, label in a.nodes(data="label") if label == "Paper") == 6


# ----------------------------------------------------------------------------------------------------- counts
def test_entity_nodes_aggregate_papers_mentions_and_aliases(small_graph):
    mmlu = small_graph.nodes["dataset:mmlu"]
    assert (mmlu["papers"], mmlu["mentions"], mmlu["proposed"]) == (3, 3, False)
    llama = small_graph.nodes["model:llama-2-7b"]
    assert llama["name"] == "Llama 2 7B" and llama["papers"] == 3
    assert llama["aliases"] == ["LLaMA-2-7B", "Llama-2-7b"]
    assert (llama["family"], llama["size"]) == ("Llama 2", "7B")
    gpu = small_graph.nodes["hardware:gpu"]
    assert (gpu["papers"], gpu["hw_class"], gpu["aliases"]) == (3, "GPU", ["GPUs"])
    assert small_graph.nodes["method:wavefront-aware-attention"]["aliases"] == ["WAA"]
    assert small_graph.nodes["dataset:scalebench"]["proposed"] is True


def test_hardware_carries_catalogue_facts_vendor_and_class(small_graph):
    mi = small_graph.nodes["hardware:mi250x"]
    assert (mi["vendor"], mi["family"], mi["architecture"], mi["hw_class"]) == ("AMD", "Instinct", "CDNA 2", "GPU")
    assert set(small_graph.successors("hardware:mi250x")) == {"vendor:amd", "class:gpu"}
    assert small_graph.has_edge("hardware:mi250x", "vendor:amd", "MADE_BY")
    assert small_graph.has_edge("hardware:gpu", "class:gpu", "IS_A")
    assert not any(k == "MADE_BY" for *_, k in small_graph.out_edges("hardware:gpu", keys=True))
    assert small_graph.nodes["vendor:amd"] == {"label": "Vendor", "name": "AMD", "papers": 2}
    assert small_graph.nodes["hardware:jetson-orin"]["hw_class"] == "edge device"


def test_proposes_and_mentions_carry_the_first_mention(small_graph):
    edge = small_graph.edges["paper:974dc559d0", "method:wavefront-aware-attention", "PROPOSES"]
    assert (edge["field"], edge["start"], edge["paper_id"]) == ("title", 0, "974dc559d0")
    assert set(PROVENANCE_KEYS) <= set(edge)
    assert small_graph.has_edge("paper:81c586c36c", "method:vllm", "MENTIONS")
    assert not small_graph.has_edge("paper:81c586c36c", "method:vllm", "PROPOSES")


def test_variants_point_to_their_family_made_when_missing(small_graph):
    assert small_graph.has_edge("model:llama-2-7b", "model:llama-2", "VARIANT_OF")
    assert small_graph.edges["model:llama-2-7b", "model:llama-2", "VARIANT_OF"]["papers"] == 3
    llama3 = small_graph.nodes["model:llama-3"]
    assert (llama3["label"], llama3["name"], llama3["papers"]) == ("Model", "Llama 3", 0)
    assert small_graph.has_edge("model:llama-3-8b", "model:llama-3", "VARIANT_OF")
    assert not small_graph.has_edge("model:gpt-4o", "model:gpt-4", "VARIANT_OF")


def test_evaluated_on_links_models_and_proposed_methods_to_datasets(small_graph):
    assert small_graph.edges["model:llama-2-7b", "dataset:gsm8k", "EVALUATED_ON"]["papers"] == 2
    assert small_graph.edges["model:llama-2-7b", "dataset:mmlu", "EVALUATED_ON"]["papers"] == 2
    assert small_graph.has_edge("method:tinyprune", "dataset:imagenet", "EVALUATED_ON")
    assert not small_graph.has_edge("method:structured-pruning", "dataset:imagenet")   # mentioned, not proposed


def test_claims_link_method_baseline_and_device(small_graph):
    claim = small_graph.nodes["claim:974dc559d0-1"]
    assert (claim["value"], claim["unit"], claim["method"], claim["paper_id"]) == (2.7, "x", "WAA", "974dc559d0")
    out = {k: d for _, d, k in small_graph.out_edges("claim:974dc559d0-1", keys=True)}
    assert out == {"ACHIEVED_BY": "method:wavefront-aware-attention", "OVER": "method:flashattention-2",
                   "MEASURED_ON": "hardware:mi250x",
                   "SUPPORTS": "finding:wavefront-aware-attention--speedup-x--over--flashattention-2--on--mi250x"}
    assert small_graph.has_edge("paper:974dc559d0", "claim:974dc559d0-1", "REPORTS")
    text_only = {k for _, _, k in small_graph.out_edges("claim:81c586c36c-1", keys=True)}
    assert text_only == {"ACHIEVED_BY", "MEASURED_ON", "SUPPORTS"}      # "Hugging Face implementations" stays text
    assert small_graph.nodes["claim:81c586c36c-1"]["baseline"] == "Hugging Face implementations"
    assert small_graph.has_edge("claim:a009c6c84e-1", "model:gpt-4", "OVER")


def test_a_baseline_may_name_an_entity_of_another_paper(small_lexicon):
    papers = [
        Extraction(id="p1", title="vLLM", entities=[Entity(name="vLLM", type="Method", proposed=True)]),
        Extraction(id="p2", title="X", entities=[Entity(name="FastServe", type="Method", proposed=True)],
                   speedups=[SpeedupClaim(value=2, unit="x", method="FastServe", baseline="the vLLM baseline",
                                          evidence="2x over the vLLM baseline")]),
    ]
    G = build_graph(papers, lexicon=small_lexicon)
    assert G.has_edge("claim:p2-1", "method:vllm", "OVER")


# ----------------------------------------------------------------------------------------------------- queries
def test_speedups_filters(small_kg):
    amd = queries.speedups(small_kg, vendor="AMD")
    assert {(r["method"], r["hardware"]) for r in amd} == {
        ("FlashDecoding++", "MI210"), ("Wavefront-Aware Attention", "MI250X"), ("Wavefront-Aware Attention", "MI300X")}
    assert all(r["vendor"] == "AMD" for r in amd) and len(amd) == 4
    assert set(amd[0]) == {"paper", "method", "baseline", "hardware", "vendor", "value", "unit", "metric"}
    assert len(queries.speedups(small_kg)) == 9
    assert len(queries.speedups(small_kg, hw_class="GPUs")) == 6
    assert [r["value"] for r in queries.speedups(small_kg, hardware="Google TPU v4")] == [3.0]
    assert [r["paper"] for r in queries.speedups(small_kg, method="WAA", hardware="MI250X")] == ["974dc559d0"]
    assert queries.speedups(small_kg, vendor="NVIDIA", hardware="MI250X") == []
    assert small_kg.speedups(vendor="amd") == amd


def test_methods_on_hardware(small_kg):
    assert queries.methods_on_hardware(small_kg, vendor="NVIDIA") == ["FlashDecoding++", "SpecDistill", "TinyPrune"]
    assert queries.methods_on_hardware(small_kg, hardware="MI300X") == ["Wavefront-Aware Attention"]
    assert queries.methods_on_hardware(small_kg, hw_class="TPU") == ["SpecDistill"]
    assert queries.methods_on_hardware(small_kg, vendor="Google", hw_class="GPU") == []


def test_datasets_for_model_family(small_kg):
    assert queries.datasets_for_model_family(small_kg, "Llama 2") == ["GSM8K", "HumanEval", "MMLU", "ScaleBench"]
    assert queries.datasets_for_model_family(small_kg, "BERT") == ["MMLU"]
    assert queries.datasets_for_model_family(small_kg, "ResNet") == ["ImageNet"]
    assert queries.datasets_for_model_family(small_kg, "Mixtral") == []
    assert queries.datasets_for_model_family(small_kg, "no such family") == []


def test_papers_proposing_and_proposals_of_paper(small_kg):
    assert queries.papers_proposing(small_kg, "Wavefront-Aware Attention") == ["974dc559d0"]
    assert queries.papers_proposing(small_kg, "flashdecoding++") == ["81c586c36c"]
    assert queries.papers_proposing(small_kg, "MMLU") == []
    assert queries.proposals_of_paper(small_kg, "974dc559d0") == ["Wavefront-Aware Attention"]
    assert queries.proposals_of_paper(small_kg, "GPT-4o versus GPT-4 and BERT: Latency of Hosted Models") == []
    assert queries.proposals_of_paper(small_kg, "nope") == []


def test_fastest_on_puts_factors_before_percentages(small_kg):
    rows = queries.fastest_on(small_kg, "MI300X")
    assert [(r["value"], r["unit"]) for r in rows] == [(1.9, "x"), (35.0, "%")]
    assert [r["value"] for r in queries.fastest_on(small_kg, "H100")] == [2.1]
    assert queries.fastest_on(small_kg, "H200") == []


def test_baselines_for_method(small_kg):
    assert queries.baselines_for_method(small_kg, "FlashDecoding++") == ["Hugging Face implementations", "vLLM"]
    assert queries.baselines_for_method(small_kg, "SpecDistill") == ["autoregressive decoding",
                                                                     "speculative decoding"]
    assert queries.baselines_for_method(small_kg, "GPT-4o") == ["GPT-4"]


def test_queries_accept_the_bare_multidigraph(small_graph, small_kg):
    assert queries.speedups(small_graph, vendor="AMD") == queries.speedups(small_kg, vendor="AMD")


# ----------------------------------------------------------------------------------------------------- API
def test_knowledge_graph_keeps_the_merge_records(small_extractions, small_lexicon):
    kg = KnowledgeGraph.from_extractions(small_extractions, lexicon=small_lexicon)
    assert _snapshot(kg.graph) == _snapshot(build_graph(small_extractions, lexicon=small_lexicon))
    assert ("LoRA", "method:low-rank-adaptation", "catalogue-alias") in {
        (m.surface, m.node_id, m.rule) for m in kg.merges}
    assert kg.counts()["Paper"] == 6


def test_build_reads_extracts_and_builds(tmp_path, monkeypatch, small_extractions, small_lexicon):
    import kgbuild.extract

    by_id = {e.id: e for e in small_extractions}
    seen = []

    def fake_extract(papers, workers=1):
        for paper in papers:
            seen.append((paper.id, workers))
            yield by_id[paper.id]

    monkeypatch.setattr(kgbuild.extract, "extract", fake_extract)
    path = tmp_path / "papers.jsonl"
    path.write_text("".join(json.dumps({"id": e.id, "title": e.title, "abstract": "…"}) + "\n"
                            for e in small_extractions))
    kg = kgbuild.build(path, workers=2, lexicon=small_lexicon)
    assert [w for _, w in seen] == [2] * 6
    assert _snapshot(kg.graph) == _snapshot(build_graph(small_extractions, lexicon=small_lexicon))
    with pytest.raises(ValueError, match="on_error='ignore'"):
        kgbuild.build(path, on_error="ignore")


def test_import_kgbuild_is_cheap():
    code = ("import sys, kgbuild; heavy = [m for m in ('networkx', 'pydantic', 'spacy', 'kgbuild.graph') "
            "if m in sys.modules]; print(heavy, kgbuild.__version__)")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root).stdout
    assert out.strip() == "[] 0.1.0"
    assert kgbuild.canonical_id("NVIDIA A100 GPUs", "Hardware") == "hardware:a100"
    assert kgbuild.KnowledgeGraph is KnowledgeGraph


def test_write_goes_through_the_sink_registry(small_kg, tmp_path):
    from kgbuild.sinks import SINKS

    assert {"rdf", "ntriples", "turtle", "jsonld", "sparql-store", "cypher-store", "neo4j", "falkordb", "gexf",
            "graphml", "csv"} <= set(SINKS.names())
    path = small_kg.write(tmp_path / "kg.gexf", "gexf")
    assert nx.read_gexf(path).number_of_nodes() == small_kg.graph.number_of_nodes()


def test_claim_edges_only_reach_the_types_the_vocabulary_allows():
    from kgbuild.graph import build_graph, edge_rows
    from kgbuild.models import Entity, Extraction, SpeedupClaim
    from kgbuild.vocab import EDGE_TYPES

    ex = Extraction(id="p1", title="T", entities=[Entity(name="MMLU", type="Dataset")],
                    speedups=[SpeedupClaim(value=2.0, unit="x", method="MMLU", evidence="2x")])
    G = build_graph([ex])
    for src, dst, rel, _ in edge_rows(G):
        allowed_src, allowed_dst, _ = EDGE_TYPES[rel]
        assert G.nodes[src]["label"] in allowed_src and G.nodes[dst]["label"] in allowed_dst, (src, rel, dst)
    assert G.nodes["claim:p1-1"]["method"] == "MMLU"
