"""Reader for JSON Lines: one object per line with `title` and `abstract` (optional `id`, `date`, `categories`).

The line walker here is shared by the arXiv and OpenAlex readers, which are JSON Lines with their own fields.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from kgbuild.errors import ReaderError
from kgbuild.models import Paper
from kgbuild.readers.records import ErrorHandler, paper_from_record, reader_error, report_or_raise
from kgbuild.readers.textio import PathLikeStr, TextSource, as_lines, text_lines

__all__ = ["iter_json_objects", "papers_from_objects", "parse_jsonl", "read_jsonl"]

#: Maps a format's raw object to the generic record `paper_from_record` checks; gets the source and line for errors.
RecordMapper = Callable[[dict[str, Any], str, int], Mapping[str, Any]]


def iter_json_objects(
    data: TextSource, source: str, handle_error: ErrorHandler | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield `(line number, object)` for each non-blank line; bad JSON or a non-object is an error for that line only.

    >>> list(iter_json_objects('{"a": 1}\\n\\n[2]\\n{"b": 3}', "x.jsonl", handle_error=print))
    x.jsonl:3: expected a JSON object: got list — write one {...} record per line
    [(1, {'a': 1}), (4, {'b': 3})]
    """
    for number, line in enumerate(as_lines(data), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line.rstrip("\r\n"))  # else a truncated line's error points past its end
        except json.JSONDecodeError as e:
            error = reader_error(source, number, "invalid JSON", f"{e.msg} at column {e.colno}",
                                 "fix the line; each line must be one complete JSON object")
            error.__cause__ = e
            report_or_raise(error, handle_error)
            continue
        if not isinstance(value, dict):
            report_or_raise(reader_error(source, number, "expected a JSON object", f"got {type(value).__name__}",
                                         "write one {...} record per line"), handle_error)
            continue
        yield number, value


def papers_from_objects(
    objects: Iterator[tuple[int, dict[str, Any]]],
    source: str,
    handle_error: ErrorHandler | None,
    to_record: RecordMapper | None = None,
) -> Iterator[Paper]:
    """Validate each `(line, object)` into a Paper, mapping fields first with `to_record` when a format needs it."""
    for number, value in objects:
        try:
            yield paper_from_record(to_record(value, source, number) if to_record else value, source, number)
        except ReaderError as e:
            report_or_raise(e, handle_error)


def parse_jsonl(
    data: TextSource, source: str = "<string>", handle_error: ErrorHandler | None = None
) -> Iterator[Paper]:
    """Yield the papers of JSON Lines text (or lines).

    >>> [p.title for p in parse_jsonl('{"title": "A", "abstract": "x"}\\n{"title": "B", "abstract": "y"}')]
    ['A', 'B']
    """
    yield from papers_from_objects(iter_json_objects(data, source, handle_error), source, handle_error)


def read_jsonl(path: PathLikeStr, handle_error: ErrorHandler | None = None) -> Iterator[Paper]:
    """Stream the papers of a `.jsonl` / `.ndjson` file (optionally `.gz`)."""
    yield from parse_jsonl(text_lines(path), str(path), handle_error)
