"""Reader for a JSON file holding one array of records (`title`, `abstract`; optional `id`, `date`, `categories`).

The array is read whole (JSON has no record boundaries to stream on), then decoded one element at a time so each
error names the record number and the line it starts on, and a bad record can be skipped.
"""
from __future__ import annotations

import json
from collections.abc import Iterator

from kgbuild.errors import ReaderError
from kgbuild.models import Paper
from kgbuild.readers.records import ErrorHandler, paper_from_record, reader_error, report_or_raise
from kgbuild.readers.textio import PathLikeStr, TextSource, text_lines

__all__ = ["parse_json", "read_json"]

_WHITESPACE = " \t\n\r"


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in _WHITESPACE:
        at += 1
    return at


def parse_json(
    data: TextSource, source: str = "<string>", handle_error: ErrorHandler | None = None
) -> Iterator[Paper]:
    """Yield the papers of a JSON array; a syntax error ends the file (nothing after it can be trusted).

    >>> text = '[\\n {"title": "A", "abstract": "x"},\\n {"title": "B"}\\n]'
    >>> [p.source for p in parse_json(text, "a.json", handle_error=print)]
    a.json:3: record 2: missing or empty 'abstract' — add a non-empty abstract
    ['a.json:2']
    """
    text = (data if isinstance(data, str) else "".join(data)).removeprefix("\ufeff")
    at = _skip_space(text, 0)
    if at == len(text):
        return
    if text[at] != "[":
        report_or_raise(reader_error(source, text.count("\n", 0, at) + 1, "expected a JSON array of records",
                                     f"the file starts with {text[at]!r}",
                                     "wrap the records in [...], or use --format jsonl for one record per line"),
                        handle_error)
        return
    decoder, record, line, counted = json.JSONDecoder(), 0, 1, 0
    at = _skip_space(text, at + 1)
    while at < len(text) and text[at] != "]":
        record += 1
        line, counted = line + text.count("\n", counted, at), at  # count newlines incrementally: O(file), not O(n²)
        try:
            value, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError as e:
            error = reader_error(source, e.lineno, "invalid JSON", f"{e.msg} at column {e.colno}",
                                 "fix the file; records after this point were not read", prefix=f"record {record}: ")
            error.__cause__ = e
            report_or_raise(error, handle_error)
            return
        if isinstance(value, dict):
            try:
                yield paper_from_record(value, source, line, prefix=f"record {record}: ")
            except ReaderError as e:
                report_or_raise(e, handle_error)
        else:
            report_or_raise(reader_error(source, line, "expected a JSON object", f"got {type(value).__name__}",
                                         "make every array element a {...} record", prefix=f"record {record}: "),
                            handle_error)
        at = _skip_space(text, end)
        if at < len(text) and text[at] == ",":
            at = _skip_space(text, at + 1)
        elif at < len(text) and text[at] != "]":
            report_or_raise(reader_error(source, text.count("\n", 0, at) + 1, "invalid JSON",
                                         f"expected ',' or ']' after record {record}", "fix the file"), handle_error)
            return
    if at >= len(text):
        report_or_raise(reader_error(source, text.count("\n") + 1, "invalid JSON", "the array is not closed",
                                     "end the file with ]"), handle_error)


def read_json(path: PathLikeStr, handle_error: ErrorHandler | None = None) -> Iterator[Paper]:
    """Read the papers of a `.json` array file (optionally `.gz`); the file is held in memory while it is parsed."""
    yield from parse_json(text_lines(path), str(path), handle_error)
