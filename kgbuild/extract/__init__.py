"""The extraction stage: a spaCy pipeline that turns Papers into Extractions (entities and speedup claims)."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..models import Extraction, Paper

__all__ = ["extract"]


def extract(papers: Iterable[Paper], workers: int = 1) -> Iterator[Extraction]:
    """Extract entities and speedup claims from each paper, in input order."""
    from .pipeline import extract_papers

    return extract_papers(papers, workers=workers)
