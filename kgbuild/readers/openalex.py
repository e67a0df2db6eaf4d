"""Reader for OpenAlex works as JSON Lines (an API page's `results`, or a snapshot's `works` files).

OpenAlex ships abstracts as an inverted index {word: [positions]}; the reader puts the words back in order.
The paper id is the work's W-number ("https://openalex.org/W123" → "W123"); `publication_date` is the date.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kgbuild.models import Paper
from kgbuild.readers.jsonl import iter_json_objects, papers_from_objects
from kgbuild.readers.records import ErrorHandler, reader_error
from kgbuild.readers.textio import PathLikeStr, TextSource, text_lines

__all__ = ["abstract_from_inverted_index", "parse_openalex", "read_openalex"]


def abstract_from_inverted_index(index: Mapping[str, list[int]]) -> str:
    """Rebuild the text from {word: [positions]}; positions that no word fills are simply skipped.

    >>> abstract_from_inverted_index({"fast": [2], "We": [0], "go": [1, 3]})
    'We go fast go'
    """
    at = {position: word for word, positions in index.items() for position in positions}
    return " ".join(at[position] for position in sorted(at))


def _valid_index(index: Any) -> bool:
    return isinstance(index, dict) and all(
        isinstance(positions, list) and all(isinstance(p, int) and not isinstance(p, bool) for p in positions)
        for positions in index.values()
    )


def _openalex_record(value: dict[str, Any], source: str, line: int) -> Mapping[str, Any]:
    work_id = value.get("id")
    if isinstance(work_id, str):
        work_id = work_id.rstrip("/").rsplit("/", 1)[-1]
    index = value.get("abstract_inverted_index")
    if not index:
        raise reader_error(source, line, "work has no abstract", "abstract_inverted_index is empty",
                           "OpenAlex holds no abstract for it; drop the work or use --on-error skip")
    if not _valid_index(index):
        raise reader_error(source, line, "bad 'abstract_inverted_index'", f"got {type(index).__name__}",
                           "it must map each word to a list of integer positions")
    return {
        "id": work_id,
        "title": value.get("title") or value.get("display_name"),
        "abstract": abstract_from_inverted_index(index),
        "date": value.get("publication_date"),
    }


def parse_openalex(
    data: TextSource, source: str = "<string>", handle_error: ErrorHandler | None = None
) -> Iterator[Paper]:
    """Yield the papers of OpenAlex works lines; a work without an abstract is an error (skipped under skip).

    >>> line = '{"id": "https://openalex.org/W42", "display_name": "Fast Things",'
    >>> line += ' "abstract_inverted_index": {"fast.": [2], "We": [0], "go": [1]}, "publication_date": "2023-05-01"}'
    >>> p = next(parse_openalex(line))
    >>> p.id, p.title, p.abstract, p.date
    ('W42', 'Fast Things', 'We go fast.', '2023-05-01')
    """
    yield from papers_from_objects(iter_json_objects(data, source, handle_error), source, handle_error,
                                   _openalex_record)


def read_openalex(path: PathLikeStr, handle_error: ErrorHandler | None = None) -> Iterator[Paper]:
    """Stream the papers of an OpenAlex works JSON Lines file (optionally `.gz`)."""
    yield from parse_openalex(text_lines(path), str(path), handle_error)
