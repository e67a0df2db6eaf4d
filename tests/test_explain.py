"""`kg.explain` and `kgbuild explain`: a name's node, how each surface form reached it, its papers, claims, findings."""
from __future__ import annotations

import json

import pytest

from kgbuild.cli import main
from kgbuild.explain import format_explanation, load_build
from kgbuild.graph import KnowledgeGraph

from conftest import SMALL_EXTRACTIONS, load_small_extractions


@pytest.fixture
def out(tmp_path):
    """A build output folder holding the fixture corpus's extractions.jsonl."""
    folder = tmp_path / "kg-out"
    folder.mkdir()
    (folder / "extractions.jsonl").write_text(SMALL_EXTRACTIONS.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def test_explain_shows_the_node_its_forms_rules_papers_claims_and_findings(small_extractions, small_lexicon):
    kg = KnowledgeGraph.from_extractions(small_extractions, lexicon=small_lexicon)
    node, = kg.explain("WAA")["nodes"]
    assert (node["id"], node["label"], node["name"]) == ("method:wavefront-aware-attention", "Method",
                                                         "Wavefront-Aware Attention")
    assert node["canonical_id"] == "method:waa"        # the paper's acronym, not the lexicon, decided it
    assert node["support"] == {"papers": 1, "mentions": 4} and node["attributes"] == {"proposed": True}
    assert [(a["surface"], a["rule"], a["detail"]) for a in node["aliases"]] == [
        ("WAA", "acronym-expansion", "Wavefront-Aware Attention"), ("Wavefront-Aware Attention", "exact", None)]
    assert node["aliases"][0]["evidence"] == "WAA is 2.7x faster than FlashAttention-2 on the MI250X"
    assert node["papers"] == [{"paper": "974dc559d0", "relation": "PROPOSES",
                               "title": "Wavefront-Aware Attention Kernels for AMD Instinct GPUs"}]
    assert sorted((c["value"], c["unit"], c["role"]) for c in node["claims"]) == [
        (1.9, "x", "achieved by"), (2.7, "x", "achieved by"), (35.0, "%", "achieved by")]
    assert len(node["findings"]) == 3 and {f["papers"] for f in node["findings"]} == {1}


def test_explain_links_families_vendors_and_classes(small_kg):
    family, = small_kg.explain("LLaMA-2")["nodes"]
    assert family["links"] == {"variants": ["Llama 2 13B", "Llama 2 7B"]}
    variant, = small_kg.explain("Llama-2-7b")["nodes"]
    assert variant["links"] == {"variant of": ["Llama 2"]} and variant["support"]["papers"] == 3
    assert {a["rule"] for a in variant["aliases"]} == {"size-variant"}
    vendor, = small_kg.explain("AMD")["nodes"]
    assert vendor["links"] == {"makes": ["MI210", "MI250X", "MI300X"]} and vendor["aliases"] == []
    assert "surface forms: none" in format_explanation(small_kg.explain("AMD"))


def test_a_name_that_reaches_nothing_gets_suggestions(small_kg):
    answer = small_kg.explain("MI300")
    assert answer["nodes"] == [] and "MI300X" in answer["suggestions"]
    assert format_explanation(answer).startswith("no node named 'MI300' — did you mean")


def test_cli_explains_from_a_build_folder(out, capsys):
    assert main(["explain", "AMD Instinct MI250X GPUs", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("MI250X  [Hardware hardware:mi250x]")
    assert '"AMD Instinct MI250X"' in text and "made by: AMD" in text
    assert "measured on: 2.7x speedup — WAA over FlashAttention-2 on MI250X" in text
    assert main(["explain", "MI250X", "--out", str(out), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer == load_build(out).explain("MI250X")
    assert main(["explain", "no such thing", "--out", str(out)]) == 1
    assert "no node named 'no such thing'" in capsys.readouterr().out


def test_cli_explain_applies_the_builds_overrides(out, capsys):
    (out / "overrides.toml").write_text('different = [["LoRA", "Low-Rank Adaptation"]]\n')
    assert main(["explain", "LoRA", "--out", str(out), "--json"]) == 0
    node, = json.loads(capsys.readouterr().out)["nodes"]
    assert (node["id"], node["aliases"][0]["rule"]) == ("method:lora", "manual")
    (out / "mine.toml").write_text("")
    assert main(["explain", "LoRA", "--out", str(out), "--json", "--overrides", str(out / "mine.toml")]) == 0
    assert json.loads(capsys.readouterr().out)["nodes"][0]["id"] == "method:low-rank-adaptation"


def test_load_build_reads_extraction_shards_a_later_record_winning(tmp_path):
    papers = load_small_extractions()
    shard1, shard2 = tmp_path / "extractions" / "part-000001.jsonl", tmp_path / "extractions" / "part-000002.jsonl"
    shard1.parent.mkdir()
    shard1.write_text("".join(p.model_dump_json() + "\n" for p in papers))
    renamed = papers[0].model_copy(update={"title": "A newer title"})
    shard2.write_text(renamed.model_dump_json() + "\n")
    manifest = {"outputs": {"extractions": [{"file": f"extractions/{p.name}", "records": 1, "bytes": 0,
                                             "sha256": ""} for p in (shard1, shard2)]}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    kg = load_build(tmp_path)
    assert kg.counts()["Paper"] == 6 and kg.graph.nodes["paper:81c586c36c"]["title"] == "A newer title"


def test_load_build_errors_say_what_to_do(tmp_path, capsys):
    assert main(["explain", "MI250X", "--out", str(tmp_path / "nowhere")]) == 2
    assert "no such build output — run `kgbuild build" in capsys.readouterr().err
    assert main(["explain", "MI250X", "--out", str(tmp_path)]) == 2
    assert "no extractions found" in capsys.readouterr().err
    (tmp_path / "extractions.jsonl").write_text('{"id": "p1"}\n')
    assert main(["explain", "MI250X", "--out", str(tmp_path)]) == 2
    assert "extractions.jsonl:1: not an Extraction record" in capsys.readouterr().err
