"""Canonical ids and merging: which surface forms become one node and which stay apart."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kgbuild.errors import KgbuildError
from kgbuild.models import Entity, Extraction, Provenance, SpeedupClaim
from kgbuild.resolve import (
    RULES,
    Lexicon,
    baseline_forms,
    canonical_id,
    claim_id,
    default_lexicon,
    is_acronym,
    normalise,
    resolve,
    slugify,
)

# (type, forms that must share one id, the id under the fixture lexicon)
SAME = [
    ("Model", ["LLaMA-2 7B", "Llama 2 7B", "Llama-2-7b", "Llama2-7B"], "model:llama-2-7b"),
    ("Model", ["Mixtral 8x7B", "Mixtral-8x7B"], "model:mixtral-8x7b"),
    ("Model", ["Qwen2.5-7B", "Qwen2.5 7B", "Qwen-2.5-7B"], "model:qwen-2.5-7b"),
    ("Model", ["BERT-base", "BERT base", "bert_base"], "model:bert-base"),
    ("Model", ["ResNet-50", "ResNet 50"], "model:resnet-50"),
    ("Model", ["CLIP ViT-L/14", "CLIP ViT-L-14"], "model:clip-vit-l-14"),
    ("Hardware", ["TPUv4", "TPU v4", "Google TPU v4", "TPU-v4"], "hardware:tpu-v4"),
    ("Hardware", ["AMD Instinct MI250X", "MI250X", "AMD MI250X GPUs", "Instinct MI250X"], "hardware:mi250x"),
    ("Hardware", ["NVIDIA A100 GPUs", "A100", "Nvidia A100 GPU", "A100-80GB", "NVIDIA A100 accelerators", "A100s"],
     "hardware:a100"),
    ("Hardware", ["GPUs", "GPU", "graphics processing units", "NVIDIA GPUs"], "hardware:gpu"),
    ("Hardware", ["edge devices", "edge device", "Edge Devices"], "hardware:edge-device"),
    ("Method", ["LoRA", "Low-Rank Adaptation", "low-rank adaptation"], "method:low-rank-adaptation"),
    ("Method", ["FlashAttention-2", "FlashAttention2"], "method:flashattention-2"),
    ("Method", ["edge devices", "edge device"], "method:edge-device"),
    ("Dataset", ["MMLU", "Massive Multitask Language Understanding"], "dataset:mmlu"),
    ("Vendor", ["NVIDIA", "Nvidia"], "vendor:nvidia"),
    ("HardwareClass", ["GPU", "GPUs"], "class:gpu"),
]

DIFFERENT = [
    ("Model", "Llama 2 7B", "Llama 2 13B"),
    ("Model", "Llama 2 7B", "Llama 3 8B"),
    ("Model", "Llama 2 13B", "Llama 3 8B"),
    ("Model", "GPT-4", "GPT-4o"),
    ("Model", "Qwen2-7B", "Qwen2.5-7B"),
    ("Model", "ResNet-50", "ResNet-101"),
    ("Model", "BERT-base", "BERT-large"),
    ("Model", "Llama 2", "Llama 2 7B"),
    ("Hardware", "H100", "H200"),
    ("Hardware", "A100", "A10"),
    ("Hardware", "MI250X", "MI250"),
    ("Hardware", "GPU", "A100"),
    ("Method", "FlashDecoding++", "FlashDecoding"),
]

# pairs that must hold with no lexicon at all: they rest on the id rules, not on data
SAME_WITHOUT_LEXICON = [
    ("Model", ["LLaMA-2 7B", "Llama 2 7B", "Llama-2-7b", "Llama2-7B"], "model:llama-2-7b"),
    ("Model", ["Mixtral 8x7B", "Mixtral-8x7B"], "model:mixtral-8x7b"),
    ("Model", ["Qwen2.5-7B", "Qwen2.5 7B"], "model:qwen-2.5-7b"),
    ("Hardware", ["TPUv4", "TPU v4"], "hardware:tpu-v4"),
    ("Method", ["edge devices", "edge device"], "method:edge-device"),
    ("Hardware", ["mobile phones", "mobile phone"], "hardware:mobile-phone"),
]


@pytest.mark.parametrize("type, forms, expected", SAME, ids=[f[1][0] for f in SAME])
def test_forms_of_one_thing_share_an_id(small_lexicon, type, forms, expected):
    assert {form: canonical_id(form, type, lexicon=small_lexicon) for form in forms} == dict.fromkeys(forms, expected)


@pytest.mark.parametrize("type, forms, expected", SAME_WITHOUT_LEXICON, ids=[f[1][0] for f in SAME_WITHOUT_LEXICON])
def test_size_and_spelling_rules_need_no_lexicon(type, forms, expected):
    empty = Lexicon()
    assert {form: canonical_id(form, type, lexicon=empty) for form in forms} == dict.fromkeys(forms, expected)


@pytest.mark.parametrize("type, a, b", DIFFERENT, ids=[f"{a}|{b}" for _, a, b in DIFFERENT])
@pytest.mark.parametrize("lexicon", ["fixture", "empty"])
def test_different_things_keep_different_ids(small_lexicon, lexicon, type, a, b):
    lex = small_lexicon if lexicon == "fixture" else Lexicon()
    assert canonical_id(a, type, lexicon=lex) != canonical_id(b, type, lexicon=lex)


def _shipped(*files: str) -> Lexicon:
    lex = default_lexicon()
    missing = [f for f in files if not getattr(lex, f)]
    if missing:
        pytest.skip(f"kgbuild/extract/data has no {', '.join(missing)} yet")
    return lex


@pytest.mark.parametrize("type, a, b", [d for d in DIFFERENT if d[0] == "Hardware"])
def test_shipped_catalogue_keeps_devices_apart(type, a, b):
    lex = _shipped("hardware", "vendors")
    assert canonical_id(a, type, lexicon=lex) != canonical_id(b, type, lexicon=lex)


@pytest.mark.parametrize("forms, expected", [
    (["TPUv4", "TPU v4"], "hardware:tpu-v4"),
    (["AMD Instinct MI250X", "MI250X"], "hardware:mi250x"),
    (["NVIDIA A100 GPUs", "A100"], "hardware:a100"),
    (["GPUs", "GPU"], "hardware:gpu"),
])
def test_shipped_catalogue_merges_device_spellings(forms, expected):
    lex = _shipped("hardware", "vendors", "hardware_classes")
    assert {canonical_id(f, "Hardware", lexicon=lex) for f in forms} == {expected}


def test_shipped_model_families_split_sizes():
    lex = _shipped("models")
    ids = {f: canonical_id(f, "Model", lexicon=lex) for f in ["LLaMA-2 7B", "Llama 2 7B", "Llama-2-7b"]}
    assert len(set(ids.values())) == 1, ids
    for _, a, b in (d for d in DIFFERENT if d[0] == "Model"):
        assert canonical_id(a, "Model", lexicon=lex) != canonical_id(b, "Model", lexicon=lex)


def test_shipped_catalogue_has_no_alias_claimed_by_two_devices():
    lex = _shipped("hardware")
    owners: dict[str, set[str]] = {}
    for entry in lex.hardware:
        for form in [entry["name"], *entry.get("aliases", ())]:
            owners.setdefault(normalise(form), set()).add(entry["name"])
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=40), st.sampled_from(["Method", "Model", "Dataset", "Hardware"]))
def test_ids_are_deterministic_iri_and_file_safe(text, type):
    if not slugify(text):
        with pytest.raises(ValueError, match="no letters or digits"):
            canonical_id(text, type, lexicon=Lexicon())
        return
    node_id = canonical_id(text, type, lexicon=Lexicon())
    assert node_id == canonical_id(text, type, lexicon=Lexicon())
    assert re.fullmatch(r"[a-z]+:[a-z0-9]([a-z0-9.-]*[a-z0-9])?", node_id), node_id


def test_unknown_type_is_a_value_error():
    with pytest.raises(ValueError, match="unknown node type 'Gadget'"):
        canonical_id("A100", "Gadget")


def test_slugs_spell_out_plus_and_sharp():
    assert slugify("FlashDecoding++") == "flashdecoding-plus-plus"
    assert slugify("C#") == "c-sharp"
    assert slugify("Qwen 2 . 5") == "qwen-2.5"
    assert claim_id("2401.12345", 3) == "claim:2401.12345-3"


def test_acronyms():
    assert is_acronym("LoRA", "Low-Rank Adaptation")
    assert is_acronym("MoE", "mixture-of-experts")
    assert not is_acronym("WAA", "FlashAttention-2")
    assert not is_acronym("Low-Rank Adaptation", "LoRA")


def test_baseline_forms_strip_articles_and_generic_words():
    assert baseline_forms("Hugging Face implementations") == ["Hugging Face implementations", "Hugging Face"]
    assert baseline_forms("the Llama 2 model") == ["the Llama 2 model", "Llama 2 model", "Llama 2"]
    assert baseline_forms("vLLM") == ["vLLM"]


# ----------------------------------------------------------------------------------------------------- context
def _mention(pid: str, start: int, end: int, field: str = "abstract") -> Provenance:
    return Provenance(paper_id=pid, field=field, sentence=0, start=start, end=end)


def test_acronym_defined_in_a_paper_maps_to_its_entity(small_lexicon):
    paper = Extraction(id="p1", title="t", entities=[
        Entity(name="Token Merging Attention", aliases=["TMA"], type="Method", proposed=True,
               mentions=[_mention("p1", 10, 33), _mention("p1", 35, 38)])],
        speedups=[SpeedupClaim(value=2, unit="x", method="TMA", evidence="TMA is 2x faster")])
    rp = resolve([paper], lexicon=small_lexicon).papers[0]
    assert rp.lookup("TMA") == rp.lookup("token merging attention") == "method:token-merging-attention"
    assert rp.claims[0].method_id == "method:token-merging-attention"
    records = {m.surface: m for m in rp.merges}
    assert records["TMA"].rule == "acronym-expansion"
    assert records["TMA"].provenance == _mention("p1", 35, 38)
    assert records["Token Merging Attention"].rule == "exact"


def test_acronym_is_local_to_its_paper(small_lexicon):
    defines = Extraction(id="p1", title="t", entities=[
        Entity(name="Token Merging Attention", aliases=["TMA"], type="Method")])
    only_acronym = Extraction(id="p2", title="u", entities=[Entity(name="TMA", type="Method")])
    res = resolve([defines, only_acronym], lexicon=small_lexicon)
    assert res.papers[1].lookup("TMA") == "method:tma"


def test_every_decision_is_recorded_with_a_known_rule(small_extractions, small_lexicon):
    res = resolve(small_extractions, lexicon=small_lexicon)
    surfaces = {(p.extraction.id, f) for p in res.papers for e in p.extraction.entities for f in [e.name, *e.aliases]}
    assert {(m.paper_id, m.surface) for m in res.merges} >= surfaces
    assert {m.rule for m in res.merges} <= set(RULES)
    rules = {(m.surface, m.rule) for m in res.merges}
    assert {("LoRA", "catalogue-alias"), ("WAA", "acronym-expansion"), ("Llama 2 7B", "size-variant"),
            ("NVIDIA A100 GPUs", "normalisation"), ("MMLU", "exact")} <= rules
    row = next(m for m in res.merges if m.surface == "AMD Instinct MI250X").as_dict()
    assert row["node_id"] == "hardware:mi250x" and row["paper_id"] == "974dc559d0" and row["start"] > 0


def test_claim_names_resolve_within_the_paper(small_extractions, small_lexicon):
    res = resolve(small_extractions, lexicon=small_lexicon)
    claims = {c.node_id: c for p in res.papers for c in p.claims}
    assert claims["claim:81c586c36c-1"].hardware_id == "hardware:a100"
    assert claims["claim:81c586c36c-1"].baseline_id is None          # "Hugging Face implementations"
    assert claims["claim:81c586c36c-2"].baseline_id == "method:vllm"
    assert claims["claim:f8ad976639-1"].baseline_id == "model:resnet-50"   # "the unpruned ResNet-50"
    assert claims["claim:100c7e9da9-1"].baseline_id == "method:speculative-decoding"


def test_claim_hardware_missing_from_entities_becomes_an_implicit_mention(small_lexicon):
    paper = Extraction(id="p1", title="t", speedups=[
        SpeedupClaim(value=3, unit="x", method="FooNet", hardware="NVIDIA H100 GPUs", evidence="3x on H100")])
    rp = resolve([paper], lexicon=small_lexicon).papers[0]
    assert [e.node_id for e in rp.entities] == ["method:foonet", "hardware:h100"]
    assert rp.claims[0].hardware_id == "hardware:h100"


def test_lexicon_files_load_and_bad_lines_name_the_line(tmp_path):
    (tmp_path / "vendors.jsonl").write_text('{"name": "AMD", "aliases": []}\n\n{"aliases": ["x"]}\n')
    with pytest.raises(KgbuildError, match=r"vendors.jsonl:3: entry has no string 'name'"):
        Lexicon.from_dir(tmp_path)
    (tmp_path / "vendors.jsonl").write_text('{"name": "AMD"}\n')
    lex = Lexicon.from_dir(tmp_path)
    assert [v["name"] for v in lex.vendors] == ["AMD"] and lex.hardware == []


def test_shipped_catalogue_every_device_spelling_reaches_its_node():
    lex = _shipped("hardware", "vendors")
    wrong, seen = [], {}
    for device in lex.hardware:
        expected = "hardware:" + slugify(device["name"])
        assert seen.setdefault(expected, device["name"]) == device["name"], (expected, seen[expected])
        vendor = device.get("vendor", "")
        for form in [device["name"], *device.get("aliases", ()), f"{vendor} {device['name']}",
                     f"{vendor} {device['name']} GPUs"]:
            if (got := canonical_id(form, "Hardware", lexicon=lex)) != expected:
                wrong.append((form, got, expected))
    assert wrong == []


def test_shipped_lexicons_give_each_entry_one_id():
    lex = _shipped("models", "datasets", "methods")
    for type, entries in (("Model", lex.models), ("Dataset", lex.datasets), ("Method", lex.methods)):
        ids: dict[str, str] = {}
        for entry in entries:
            node_id = canonical_id(entry["name"], type, lexicon=lex)
            assert ids.setdefault(node_id, entry["name"]) == entry["name"], (type, node_id, ids[node_id])
            assert {canonical_id(a, type, lexicon=lex) for a in entry.get("aliases", ())} <= {node_id}, entry


# ----------------------------------------------------------------------------------------------------- issue 8
ISSUE_SAME = [("Model", ["LLaMA-2 7B", "Llama 2 7B", "Llama-2-7b"]), ("Hardware", ["NVIDIA A100 GPUs", "A100"]),
              ("Hardware", ["AMD Instinct MI250X", "MI250X"]), ("Hardware", ["TPUv4", "TPU v4"]),
              ("Model", ["Mixtral 8x7B", "Mixtral-8x7B"])]
ISSUE_DIFFERENT = [("Model", ["Llama 2 7B", "Llama 2 13B", "Llama 3 8B"]), ("Model", ["GPT-4", "GPT-4o"]),
                   ("Hardware", ["H100", "H200"]), ("Hardware", ["A100", "A10"]), ("Hardware", ["MI250X", "MI250"]),
                   ("Model", ["Qwen2-7B", "Qwen2.5-7B"]), ("Model", ["ResNet-50", "ResNet-101"]),
                   ("Model", ["BERT-base", "BERT-large"])]


@pytest.mark.parametrize("type, forms", ISSUE_SAME, ids=[f[1][0] for f in ISSUE_SAME])
def test_issue_forms_of_one_thing_are_one_node_with_the_shipped_lexicon(type, forms):
    lex = _shipped("hardware", "vendors", "models")
    assert len({canonical_id(f, type, lexicon=lex) for f in forms}) == 1


@pytest.mark.parametrize("type, forms", ISSUE_DIFFERENT, ids=[f[1][0] for f in ISSUE_DIFFERENT])
def test_issue_different_things_stay_apart_with_the_shipped_lexicon(type, forms):
    lex = _shipped("hardware", "vendors", "models")
    assert len({canonical_id(f, type, lexicon=lex) for f in forms}) == len(forms)


def test_variants_link_to_their_family_and_devices_to_vendor_and_class():
    from kgbuild.graph import build_graph

    lex = _shipped("hardware", "vendors", "models", "hardware_classes")
    G = build_graph([Extraction(id="p1", title="t", entities=[
        Entity(name="LLaMA-2 7B", type="Model"), Entity(name="AMD Instinct MI250X GPUs", type="Hardware")])],
        lexicon=lex)
    assert G.has_edge("model:llama-2-7b", "model:llama-2", "VARIANT_OF")
    assert {(t, k) for _, t, k in G.out_edges("hardware:mi250x", keys=True)} == {
        ("vendor:amd", "MADE_BY"), ("class:gpu", "IS_A")}


def test_rules_say_exact_only_for_the_name_as_written(small_lexicon):
    paper = Extraction(id="p1", title="t", entities=[
        Entity(name="Llama 2", aliases=["LLaMA-2", "Llama2"], type="Model"),
        Entity(name="edge devices", type="Hardware"), Entity(name="TPUv4", type="Hardware")])
    rules = {(m.surface, m.rule, m.detail) for m in resolve([paper], lexicon=small_lexicon).merges}
    assert rules == {("Llama 2", "exact", None), ("LLaMA-2", "normalisation", "Llama 2"),
                     ("Llama2", "normalisation", "Llama 2"), ("edge devices", "catalogue-alias", "edge device"),
                     ("TPUv4", "normalisation", "TPU v4")}
    assert set(RULES) == {"exact", "normalisation", "catalogue-alias", "size-variant", "acronym-expansion",
                          "self-reference", "manual"} and all(RULES.values())


def test_canonical_ids_ignore_overrides_and_resolve_name_applies_them(small_lexicon):
    from kgbuild.resolve import resolve_name

    ov = {"same": [["FA2", "FlashAttention-2"]], "different": [["LoRA", "Low-Rank Adaptation"]]}
    assert canonical_id("LoRA", "Method", lexicon=small_lexicon) == "method:low-rank-adaptation"
    assert resolve_name("LoRA", "Method", lexicon=small_lexicon, overrides=ov) == "method:lora"
    assert resolve_name("FA2", "Method", lexicon=small_lexicon, overrides=ov) == "method:fa2"   # the first name
    assert resolve_name("FlashAttention2", "Method", lexicon=small_lexicon, overrides=ov) == "method:fa2"
