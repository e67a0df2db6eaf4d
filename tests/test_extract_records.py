"""The extractor's records survive a strict round trip (no int for a float, no str coerced into a Literal, nothing
lost in the dump) on the sample corpus, a synthetic corpus and, when present, the shared corpus: assembly builds
them from plain dicts in one lax validation, and a coercion there would change what a re-read of the JSONL gives."""
from __future__ import annotations

from pathlib import Path

import pytest

from kgbuild.extract import extract
from kgbuild.models import Extraction
from kgbuild.readers import ReadReport, read_papers
from test_incremental import make_corpus, write_corpus

SAMPLE = Path(__file__).resolve().parents[1] / "kgbuild" / "sample" / "daily_papers_sample.txt"
SHARED_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _assert_valid(paths: list[Path]) -> int:
    papers = list(read_papers(paths, on_error="skip", report=ReadReport()))
    extractions = list(extract(papers))
    assert [x.id for x in extractions] == [p.id for p in papers]
    for ex in extractions:
        # strict: an int where a float belongs, a str where a Literal belongs, a missing field all fail here
        again = Extraction.model_validate(ex.model_dump(), strict=True)
        assert again == ex
        assert again.model_dump_json() == ex.model_dump_json()
    return sum(len(x.entities) + len(x.speedups) for x in extractions)


def test_sample_corpus_extractions_are_valid_records():
    assert _assert_valid([SAMPLE]) > 100


def test_synthetic_corpus_extractions_are_valid_records(tmp_path):
    assert make_corpus is not None
    assert _assert_valid([write_corpus(tmp_path / "corpus.jsonl", 300)]) > 300


@pytest.mark.skipif(not SHARED_CORPUS.exists(), reason="../shared corpus not present")
def test_shared_corpus_extractions_are_valid_records():
    assert _assert_valid(sorted(SHARED_CORPUS.glob("*.txt"))) > 1000
