"""Turning one loose record (a JSON object, a CSV row) into a validated `Paper`: the checks every reader shares."""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from kgbuild.errors import ReaderError
from kgbuild.models import Paper, paper_id_for_title

__all__ = ["ErrorHandler", "reader_error", "report_or_raise", "clean_text", "iso_date", "paper_from_record"]

#: Called with each `ReaderError` instead of raising it (how `on_error="skip"` works); `None` means raise.
ErrorHandler = Callable[[ReaderError], None]

_ISO_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_CATEGORY_SPLIT = re.compile(r"[,;\s]+")
# JSON can spell a lone UTF-16 surrogate ("\ud800"); no UTF-8 writer (spaCy, RDF, files) accepts one.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def reader_error(
    source: str, line: int | None, reason: str, detail: str = "", fix: str = "", *, prefix: str = ""
) -> ReaderError:
    """A `ReaderError` whose `reason` (a short fixed phrase) is what `ReadReport` counts skips by.

    >>> e = reader_error("a.json", 3, "invalid JSON", "Expecting value", "fix the record", prefix="record 2: ")
    >>> str(e), e.reason
    ('a.json:3: record 2: invalid JSON: Expecting value — fix the record', 'invalid JSON')
    """
    error = ReaderError(source, line, prefix + (f"{reason}: {detail}" if detail else reason), fix)
    error.reason = reason  # type: ignore[attr-defined]  # the problem text varies per record; the reason does not
    return error


def report_or_raise(error: ReaderError, handle_error: ErrorHandler | None) -> None:
    """Hand `error` to the handler when skipping, else raise it: the one switch between fail and skip."""
    if handle_error is None:
        raise error
    handle_error(error)


def clean_text(text: str) -> str:
    """Collapse every run of whitespace (LaTeX line breaks, tabs, NBSP) to one space and strip the ends; a lone
    surrogate becomes U+FFFD, as undecodable bytes do.

    >>> clean_text("  Sparse\\n   attention\\tfor\\u00a0LLMs \\ud800")
    'Sparse attention for LLMs \\ufffd'
    """
    return " ".join(_LONE_SURROGATE.sub("\ufffd", text).split())


def iso_date(value: str) -> str | None:
    """The ISO date at the start of `value` (YYYY, YYYY-MM or YYYY-MM-DD; a time part is dropped), else None.

    >>> iso_date("2024-01-09T12:00:00Z"), iso_date("2023-11"), iso_date("Jan 9")
    ('2024-01-09', '2023-11', None)
    """
    match = _ISO_DATE.match(value.strip())
    return match.group(0) if match else None


def _text_field(record: Mapping[str, Any], key: str, source: str, line: int | None, prefix: str) -> str:
    value = record.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise reader_error(source, line, f"missing or empty {key!r}", fix=f"add a non-empty {key}", prefix=prefix)
    if not isinstance(value, str):
        raise reader_error(source, line, f"{key!r} is not a string", f"got {type(value).__name__}",
                           f"write the {key} as text", prefix=prefix)
    return clean_text(value)


def _categories(value: Any, source: str, line: int | None, prefix: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [c for c in _CATEGORY_SPLIT.split(clean_text(value)) if c]
    if isinstance(value, list) and all(isinstance(c, str) for c in value):
        return [clean_text(c) for c in value if c.strip()]
    raise reader_error(source, line, "'categories' is not a list of strings", f"got {type(value).__name__}",
                       'write e.g. ["cs.CL", "cs.LG"] or "cs.CL cs.LG"', prefix=prefix)


def paper_from_record(record: Mapping[str, Any], source: str, line: int | None, *, prefix: str = "") -> Paper:
    """Validate `record` (keys title, abstract; optional id, date, categories) into a `Paper`.

    `prefix` (e.g. "record 3: ") goes in front of the problem for formats where a line alone is ambiguous.
    Text is whitespace-collapsed; a missing or blank id becomes `paper_id_for_title(title)`.

    >>> paper_from_record({"title": "A  Title", "abstract": "Text."}, "x.jsonl", 1).id == paper_id_for_title("A Title")
    True
    >>> paper_from_record({"title": "T"}, "x.jsonl", 7)
    Traceback (most recent call last):
    ...
    kgbuild.errors.ReaderError: x.jsonl:7: missing or empty 'abstract' — add a non-empty abstract
    """
    title = _text_field(record, "title", source, line, prefix)
    abstract = _text_field(record, "abstract", source, line, prefix)
    raw_id = record.get("id")
    if raw_id is None or (isinstance(raw_id, str) and not raw_id.strip()):
        paper_id = paper_id_for_title(title)
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        paper_id = _LONE_SURROGATE.sub("\ufffd", str(raw_id)).strip()
    else:
        raise reader_error(source, line, "'id' is not a string", f"got {type(raw_id).__name__}",
                           "write the id as text, or leave it out", prefix=prefix)
    raw_date, date = record.get("date"), None
    if raw_date not in (None, ""):
        if not isinstance(raw_date, str) or iso_date(raw_date) is None:
            raise reader_error(source, line, "'date' is not an ISO date", f"got {raw_date!r}",
                               "write YYYY-MM-DD, YYYY-MM or YYYY", prefix=prefix)
        date = iso_date(raw_date)
    categories = _categories(record.get("categories"), source, line, prefix)
    return Paper(id=paper_id, title=title, abstract=abstract, date=date, categories=categories,
                 source=f"{source}:{line}" if line is not None else source)
