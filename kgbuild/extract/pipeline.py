"""The extraction pipeline: spaCy components registered once, papers in, Extractions out (optionally in processes)."""
from __future__ import annotations

import gc
import multiprocessing as mp
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import islice

from spacy.language import Language

from ..models import Extraction, Paper
from .assemble import assemble
from .lexicon import LexiconMatcher
from .tokenizer import make_blank

__all__ = ["load_pipeline", "extract_papers"]

BATCH = 64
#: Characters of an abstract that are read. Abstracts run to a few thousand; a record past this is a full text or
#: junk, and mention grouping grows with the square of the mentions, so only its first sentences up to here count.
MAX_ABSTRACT_CHARS = 20_000


@Language.factory("kgbuild_lexicon")
def _make_lexicon(nlp: Language, name: str) -> LexiconMatcher:
    return LexiconMatcher(nlp, name)


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """Blank English tokenizer and the lexicon matcher; nothing is downloaded. Sentences come from
    `kgbuild.extract.sentences`, which needs only the text."""
    nlp = make_blank()
    nlp.add_pipe("kgbuild_lexicon")
    # The catalogues and matchers live as long as the process: moved out of the collector's generations, a full
    # collection no longer walks their ~100k objects (3% of extraction time), and forked workers share their pages.
    gc.freeze()
    return nlp


def _bounded(paper: Paper) -> Paper:
    """The paper cut after its last sentence end within `MAX_ABSTRACT_CHARS` (offsets stay those of the input).

    >>> len(_bounded(Paper(id="p", title="t", abstract="A b. " * 10_000)).abstract) <= MAX_ABSTRACT_CHARS
    True
    """
    if len(paper.abstract) <= MAX_ABSTRACT_CHARS:
        return paper
    head = paper.abstract[:MAX_ABSTRACT_CHARS]
    cut = max(head.rfind(". "), head.rfind("? "), head.rfind("! "))
    return paper.model_copy(update={"abstract": head[:cut + 1] if cut > 0 else head})


def _extract_batch(papers: list[Paper]) -> list[Extraction]:
    papers = [_bounded(p) for p in papers]
    nlp = load_pipeline()
    lex = nlp.get_pipe("kgbuild_lexicon").lexicon
    texts = [t for p in papers for t in (p.title, p.abstract)]
    # The pipeline's components applied in turn, as `nlp.pipe` would, less its per-doc wrapping (~2% of the time)
    docs = list(nlp.tokenizer.pipe(texts))
    for _, component in nlp.pipeline:
        docs = [component(doc) for doc in docs]
    return [assemble(p, docs[2 * i], docs[2 * i + 1], lex) for i, p in enumerate(papers)]


def _batches(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    it = iter(papers)
    while batch := list(islice(it, size)):
        yield batch


def extract_papers(papers: Iterable[Paper], workers: int = 1) -> Iterator[Extraction]:
    """Extract every paper in input order; `workers` > 1 spreads batches over processes."""
    if workers <= 1:
        for batch in _batches(papers, BATCH):
            yield from _extract_batch(batch)
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    with ctx.Pool(workers) as pool:
        for result in pool.imap(_extract_batch, _batches(papers, BATCH), chunksize=1):
            yield from result
