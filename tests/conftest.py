"""Shared fixtures: a six-paper corpus of hand-written Extraction records and the graph built from it.

The records live in ``tests/fixtures/graph/small_extractions.jsonl`` and the tiny lexicon they resolve against in
``tests/fixtures/graph/lexicon/`` (same formats as ``kgbuild/extract/data/README.md``), so the graph does not
change when the shipped catalogue grows. Papers (ids are sha1-of-title prefixes):

* ``81c586c36c`` FlashDecoding++ — proposes FlashDecoding++; 4.86x over "Hugging Face implementations" on A100
  (baseline stays text) and 1.37x throughput over vLLM on AMD MI210; mentions LLaMA-2-7B, MMLU, GPUs.
* ``974dc559d0`` Wavefront-Aware Attention (WAA) — acronym defined in the paper; 2.7x over FlashAttention-2 on
  AMD Instinct MI250X (claim names the method by its acronym), 1.9x throughput over FlashAttention-2 and 35% lower
  latency than "the PyTorch baseline" on MI300X; mentions Mixtral 8x7B.
* ``a61aebc346`` ScaleBench — proposes a Dataset; Llama 2 family (alias LLaMA-2) with 7B and 13B variants,
  Low-Rank Adaptation (LoRA), H100, MMLU and GSM8K; no claims.
* ``100c7e9da9`` SpecDistill — 2.1x decoding speed over "standard speculative decoding" on NVIDIA H100 and 3x over
  "autoregressive decoding" on TPUv4; Llama 3 8B (family only implied), Llama-2-7b, Qwen2-7B, Qwen2.5-7B,
  GSM8K, HumanEval.
* ``f8ad976639`` TinyPrune — 40% lower latency than "the unpruned ResNet-50" (OVER a Model) on Jetson Orin;
  ResNet-50/101, ImageNet, edge devices.
* ``a009c6c84e`` GPT-4o vs GPT-4 — a Model-over-Model claim without hardware; BERT-base/large, MMLU, GPU, CPU.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from kgbuild.models import Extraction

FIXTURES = Path(__file__).parent / "fixtures" / "graph"
SMALL_EXTRACTIONS = FIXTURES / "small_extractions.jsonl"
SMALL_LEXICON = FIXTURES / "lexicon"


def load_small_extractions() -> list[Extraction]:
    """The six fixture records, freshly parsed (callers may mutate or shuffle them)."""
    with SMALL_EXTRACTIONS.open(encoding="utf-8") as f:
        return [Extraction.model_validate_json(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def small_lexicon():
    """The tiny lexicon (vendors, hardware, classes, models, datasets, methods) the fixture corpus resolves against."""
    from kgbuild.resolve import Lexicon

    return Lexicon.from_dir(SMALL_LEXICON)


@pytest.fixture
def small_extractions() -> list[Extraction]:
    """Six hand-written Extraction records covering every node and edge type (see the module docstring)."""
    return load_small_extractions()


@pytest.fixture
def small_graph(small_extractions, small_lexicon):
    """``build_graph`` of ``small_extractions``: a networkx MultiDiGraph following ``kgbuild.vocab``."""
    from kgbuild.graph import build_graph

    return build_graph(small_extractions, lexicon=small_lexicon)


@pytest.fixture
def small_kg(small_graph):
    """``small_graph`` wrapped in a ``KnowledgeGraph`` for the query helpers."""
    from kgbuild.graph import KnowledgeGraph

    return KnowledgeGraph(small_graph)
