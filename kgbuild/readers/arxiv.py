"""Reader for the arXiv metadata snapshot (Kaggle's `arxiv-metadata-oai-snapshot.json`, JSON Lines).

Fields used: `id` (kept as the paper id, e.g. "2401.01234"), `title`, `abstract` (LaTeX-wrapped: whitespace is
collapsed), `categories` (space-separated), `update_date` (becomes `Paper.date`).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kgbuild.models import Paper
from kgbuild.readers.jsonl import iter_json_objects, papers_from_objects
from kgbuild.readers.records import ErrorHandler
from kgbuild.readers.textio import PathLikeStr, TextSource, text_lines

__all__ = ["parse_arxiv", "read_arxiv"]


def _arxiv_record(value: dict[str, Any], source: str, line: int) -> Mapping[str, Any]:
    return {
        "id": value.get("id"),
        "title": value.get("title"),
        "abstract": value.get("abstract"),
        "categories": value.get("categories"),
        "date": value.get("update_date"),
    }


def parse_arxiv(
    data: TextSource, source: str = "<string>", handle_error: ErrorHandler | None = None
) -> Iterator[Paper]:
    """Yield the papers of arXiv snapshot lines.

    >>> line = '{"id": "2401.01234", "title": "Fast\\\\n  Things", "abstract": "  We go\\\\n fast.\\\\n",'
    >>> line += ' "categories": "cs.LG cs.CL", "update_date": "2024-01-09", "versions": []}'
    >>> p = next(parse_arxiv(line))
    >>> p.id, p.title, p.abstract, p.categories, p.date
    ('2401.01234', 'Fast Things', 'We go fast.', ['cs.LG', 'cs.CL'], '2024-01-09')
    """
    yield from papers_from_objects(iter_json_objects(data, source, handle_error), source, handle_error, _arxiv_record)


def read_arxiv(path: PathLikeStr, handle_error: ErrorHandler | None = None) -> Iterator[Paper]:
    """Stream the papers of an arXiv metadata snapshot (optionally `.gz`)."""
    yield from parse_arxiv(text_lines(path), str(path), handle_error)
