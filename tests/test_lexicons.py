"""The name lexicons and the speed vocabulary in ``kgbuild/extract/data``: complete records, the fields the data
README names, and no surface form that names two things (after the scorer's normalisation)."""
from __future__ import annotations

import itertools
import json
import re
import unicodedata
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "kgbuild" / "extract" / "data"

# Forms that really name two different things; the extractor decides by context ("the Alpaca dataset").
SHARED_FORMS = {
    "alpaca": {"Model", "Dataset"},  # Stanford's Alpaca model and the 52K instruction data it was tuned on
}
# Left out on purpose: the GQA visual-QA benchmark (in this field "GQA" is grouped-query attention) and VITS, the
# speech model (its normal form equals "ViTs", the plural of ViT).
QUALIFIERS = {"up to", "on average", "about", "over", "at least"}
ROLES = {"metric", "faster", "reduce", "qualifier", "number_word", "not_speed"}


def load(name: str) -> list[dict]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def norm(text: str) -> str:
    """The scorer's normal form: NFKC, lower case, only ``0-9 a-z . + #``."""
    return re.sub(r"[^0-9a-z.+#]", "", unicodedata.normalize("NFKC", text).lower()).strip(".")


def forms(record: dict) -> list[str]:
    return [record["name"], *record["aliases"]]


MODELS, DATASETS, METHODS = load("models.jsonl"), load("datasets.jsonl"), load("methods.jsonl")
LEXICONS = {"Model": MODELS, "Dataset": DATASETS, "Method": METHODS}
STOPWORDS, SPEED = load("stopwords.jsonl"), load("speedup_terms.jsonl")


def owner(records: list[dict]) -> dict[str, str]:
    return {norm(f): r["name"] for r in records for f in forms(r)}


def entry(records: list[dict], form: str) -> dict:
    return next(r for r in records if norm(form) in {norm(f) for f in forms(r)})


def test_the_lexicons_cover_many_names() -> None:
    assert len(MODELS) >= 250 and len(DATASETS) >= 250 and len(METHODS) >= 300
    assert len(STOPWORDS) >= 50
    assert {t["role"] for t in SPEED} == ROLES


@pytest.mark.parametrize(("etype", "fields"), [
    ("Model", {"name", "aliases", "org", "sized", "type"}),
    ("Dataset", {"name", "aliases", "kind"}),
    ("Method", {"name", "aliases", "kind", "optional"}),
])
def test_every_record_has_the_fields_the_readme_names(etype: str, fields: set[str]) -> None:
    for r in LEXICONS[etype]:
        assert fields <= set(r) <= fields | {"case_sensitive"}, r["name"]
        assert isinstance(r["name"], str) and r["name"].strip() == r["name"] != "", r
        assert isinstance(r["aliases"], list) and all(isinstance(a, str) and a.strip() for a in r["aliases"]), r["name"]
        assert r["name"] not in r["aliases"] and len(set(r["aliases"])) == len(r["aliases"]), r["name"]
        assert all(norm(f) for f in forms(r)), f"{r['name']}: a form with no letters or digits cannot be matched"
        assert r.get("case_sensitive", True) is True, f"{r['name']}: case_sensitive is written only when true"
    names = [r["name"] for r in LEXICONS[etype]]
    assert len(names) == len(set(names))


def test_field_values() -> None:
    assert all(r["type"] == "Model" and isinstance(r["sized"], bool) and r["org"].strip() for r in MODELS)
    assert {r["kind"] for r in DATASETS} <= {"benchmark", "dataset", "corpus", "leaderboard", "knowledge base"}
    assert {r["kind"] for r in METHODS} <= {"technique", "system", "library", "architecture", "algorithm"}
    assert all(isinstance(r["optional"], bool) for r in METHODS)


@pytest.mark.parametrize("etype", ["Model", "Dataset", "Method"])
def test_no_form_names_two_entries_of_one_file(etype: str) -> None:
    seen: dict[str, str] = {}
    for r in LEXICONS[etype]:
        for f in forms(r):
            assert seen.setdefault(norm(f), r["name"]) == r["name"], f"{f!r}: {seen[norm(f)]} and {r['name']}"


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(["Model", "Dataset", "Method"], 2)))
def test_forms_shared_between_files_are_the_documented_ones(a: str, b: str) -> None:
    shared = owner(LEXICONS[a]).keys() & owner(LEXICONS[b]).keys()
    assert shared == {f for f, types in SHARED_FORMS.items() if types == {a, b}}


def test_stopwords_are_never_a_lexicon_form() -> None:
    assert all(set(s) == {"text", "why"} and s["text"].strip() and s["why"].strip() for s in STOPWORDS)
    texts = [s["text"] for s in STOPWORDS]
    assert len(texts) == len(set(texts))
    known = {f for records in LEXICONS.values() for f in owner(records)}
    assert not {norm(t) for t in texts} & known
    assert {"LLM", "LLMs", "AI", "NLP", "SOTA", "FLOPs"} <= set(texts)
    assert not {"GPU", "GPUs", "CPU", "RL"} & set(texts), "hardware classes and optional methods are not stopwords"


@pytest.mark.parametrize(("family", "other"), [
    ("GPT-4", "GPT-4o"), ("GPT-4", "GPT-4 Turbo"), ("GPT-3", "GPT-3.5"), ("Qwen2", "Qwen2.5"), ("Qwen", "Qwen1.5"),
    ("Llama 2", "Llama 3"), ("Llama 3", "Llama 3.1"), ("LLaMA", "Llama 2"), ("Phi-3", "Phi-3.5"),
    ("Gemma", "Gemma 2"), ("Claude 3", "Claude 3.5"), ("DeepSeek-V2", "DeepSeek-V3"), ("BLIP", "BLIP-2"),
    ("Stable Diffusion", "Stable Diffusion XL"), ("StarCoder", "StarCoder2"), ("DALL-E 2", "DALL-E 3"),
])
def test_versions_of_a_family_are_separate_entries(family: str, other: str) -> None:
    assert entry(MODELS, family)["name"] == family and entry(MODELS, other)["name"] == other


@pytest.mark.parametrize(("form", "name"), [
    ("LLaMA-2", "Llama 2"), ("Llama2", "Llama 2"), ("LLaMA 2", "Llama 2"), ("Llama-3.1", "Llama 3.1"),
    ("LLaMa", "LLaMA"), ("GPT4o", "GPT-4o"), ("FLAN-T5", "Flan-T5"), ("XLM-RoBERTa", "XLM-R"),
    ("Vision Transformers", "ViT"), ("SDXL", "Stable Diffusion XL"), ("ada-002", "text-embedding-ada-002"),
    ("wav2vec2", "wav2vec 2.0"), ("Segment Anything Model", "SAM"), ("RWKV", "RWKV"), ("Mamba", "Mamba"),
])
def test_model_spellings(form: str, name: str) -> None:
    assert entry(MODELS, form)["name"] == name


@pytest.mark.parametrize(("form", "name"), [
    ("Massive Multitask Language Understanding", "MMLU"), ("NIAH", "Needle in a Haystack"),
    ("Needle-in-a-Haystack", "Needle in a Haystack"), ("Long-Bench", "LongBench"), ("ImageNet-1k", "ImageNet-1K"),
    ("MS-COCO", "COCO"), ("Anthropic HH", "HH-RLHF"), ("BBH", "BIG-Bench Hard"), ("WikiText103", "WikiText-103"),
    ("SQuAD v2", "SQuAD 2.0"), ("LOCOMO", "LoCoMo"), ("CNN/DM", "CNN/DailyMail"),
])
def test_dataset_spellings(form: str, name: str) -> None:
    assert entry(DATASETS, form)["name"] == name


def test_ordinary_words_are_matched_only_in_their_case() -> None:
    for name in ("MATH", "ARC", "RACE", "BIRD", "DROP", "Spider", "The Pile", "APPS", "GLUE"):
        assert entry(DATASETS, name).get("case_sensitive") is True, name
    assert "the Pile" in entry(DATASETS, "The Pile")["aliases"]
    for name in ("Whisper", "Falcon", "SOLAR"):
        assert entry(MODELS, name).get("case_sensitive") is True, name


@pytest.mark.parametrize(("form", "name"), [
    ("LoRA", "Low-Rank Adaptation"), ("MoE", "Mixture-of-Experts"), ("Mixture of Experts", "Mixture-of-Experts"),
    ("mixture-of-expert", "Mixture-of-Experts"), ("RAG", "Retrieval-Augmented Generation"),
    ("DPO", "Direct Preference Optimization"), ("RoPE", "Rotary Position Embedding"), ("GQA", "grouped-query attention"),
    ("FA2", "FlashAttention-2"), ("TGI", "Text Generation Inference"), ("H2O", "Heavy-Hitter Oracle"),
    ("Monte-Carlo Tree Search", "Monte Carlo Tree Search"), ("Transformers", "Transformer"), ("ZeRO", "Zero Redundancy Optimizer"),
])
def test_method_spellings(form: str, name: str) -> None:
    assert entry(METHODS, form)["name"] == name


def test_software_named_in_the_annotation_guide_is_a_method() -> None:
    for name in ("vLLM", "PagedAttention", "TensorRT", "CUDA", "FlashAttention-2", "PyTorch", "Orca"):
        assert entry(METHODS, name)["name"] == name
    assert "orca" not in owner(MODELS), "Orca is the serving system; the instruction-tuned model is 'Orca 2'"
    assert "gqa" not in owner(DATASETS) and entry(MODELS, "ViTs")["name"] == "ViT"


def test_broad_technique_words_are_optional_and_specific_ones_are_not() -> None:
    broad = ["fine-tuning", "reinforcement learning", "KV cache", "self-attention", "autoregressive decoding",
             "in-context learning", "pretraining"]
    specific = ["knowledge distillation", "quantization", "pruning", "speculative decoding", "Transformer",
                "Mixture-of-Experts", "Low-Rank Adaptation"]
    assert all(entry(METHODS, n)["optional"] for n in broad)
    assert not any(entry(METHODS, n)["optional"] for n in specific)


def test_speed_vocabulary_follows_the_readme() -> None:
    pairs = [(t["text"], t["role"]) for t in SPEED]
    assert len(pairs) == len(set(pairs))
    for t in SPEED:
        extra = {"number_word": {"value"}, "qualifier": {"canonical"}}.get(t["role"], set())
        assert set(t) == {"text", "role"} | extra and t["text"].strip(), t
        if t["role"] == "number_word":
            assert isinstance(t["value"], (int, float)) and not isinstance(t["value"], bool) and t["value"] > 1, t
        if t["role"] == "qualifier":
            assert t["canonical"] in QUALIFIERS, t
    canon = {t["text"]: t["canonical"] for t in SPEED if t["role"] == "qualifier"}
    assert all(canon[q] == q for q in QUALIFIERS)
    assert canon["as much as"] == "up to" and canon["an average of"] == "on average"
    assert canon["approximately"] == canon["~"] == "about" and canon["more than"] == canon["exceeding"] == "over"


def test_speed_words() -> None:
    by_role = {role: {t["text"] for t in SPEED if t["role"] == role} for role in ROLES}
    value = {t["text"]: t["value"] for t in SPEED if t["role"] == "number_word"}
    assert {"speedup", "throughput", "latency", "time-to-first-token", "TTFT", "wall-clock time"} <= by_role["metric"]
    assert {"faster", "speeds up", "accelerates", "higher throughput"} <= by_role["faster"]
    assert {"reduces", "lower", "cuts", "shorter"} <= by_role["reduce"]
    assert (value["twice"], value["tenfold"], value["an order of magnitude"], value["two orders of magnitude"]) == (2, 10, 10, 100)
    assert {"memory", "FLOPs", "energy", "cost", "accuracy", "parameters", "tokens", "per dollar"} <= by_role["not_speed"]
    assert not by_role["not_speed"] & (by_role["metric"] | by_role["faster"])
