"""Reader for Hugging Face Daily Papers listing pages saved as text: title line, abstract line, amid page noise.

A line is an *abstract* when it is long (at least 25 words ending in sentence punctuation, or at least 40 words
whatever its end: abstracts that end in a URL); every other line is page noise (a fixed list below), a date line
("Sep 3") or a *title*. A paper is an abstract plus the closest preceding non-noise line. A title that another
title or the end of the file follows, and an abstract with no title before it, are `ReaderError`s.
`Paper.source` is "file:line" of the title line.

Dates: the listing gives month and day but no year, so a date line becomes the ISO 8601 month-day form "--MM-DD"
(XML Schema's gMonthDay); when the caller knows the year (`year=`) or the line has one, "YYYY-MM-DD".
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Iterator

from kgbuild.errors import ReaderError
from kgbuild.models import Paper, paper_id_for_title
from kgbuild.readers.records import ErrorHandler, clean_text, reader_error, report_or_raise
from kgbuild.readers.textio import PathLikeStr, TextSource, as_lines, text_lines

__all__ = ["parse_listing_date", "is_noise_line", "is_abstract_line", "parse_daily", "read_daily"]

ABSTRACT_MIN_WORDS = 25  # with a sentence end; the corpus' longest title has 22 words, its shortest abstract 86
ABSTRACT_MIN_WORDS_UNPUNCTUATED = 40

_MONTH_NAMES = {
    name: number
    for number, full in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
         "november", "december"), start=1)
    for name in (full, full[:3])
} | {"sept": 9}
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # 29 for February: the year is unknown
_DATE_LINE = re.compile(
    r"(?:published on\s+)?(?P<month>[a-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<year>\d{4}))?",
    re.IGNORECASE,
)
_NOISE_LINES = frozenset({
    "new", "subscribe", "daily papers", "byak and the research community", "upvote", "upvoted", "trending",
    "papers", "collections", "community", "see all", "previous", "next", "load more",
})
_NOISE_PATTERNS = re.compile(
    r"get trending papers in your email inbox\b.*"  # both the "!" and the "once a day!" variants
    r"|submitted by\b.*"
    r"|\d+(?:[.,]\d+)?\s*k?"  # upvote and comment counts: "12", "1.2k"
    r"|[\W_]*",  # separators and icons: "·", "—", ""
    re.IGNORECASE,
)
# The saved page sometimes lacks the newline after the Subscribe button: "SubscribeText-To-Concept (and Back) …".
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=[A-Z0-9\"'(\[])")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")


def parse_listing_date(line: str, year: int | None = None) -> str | None:
    """The ISO form of a listing date line, or None when `line` is not one.

    Without a year (the dump has none) the result is ISO 8601's month-day form "--MM-DD"; with `year`
    (or a year on the line) it is "YYYY-MM-DD".

    >>> parse_listing_date("Sep 3"), parse_listing_date("Mar 14", year=2024), parse_listing_date("September 30, 2023")
    ('--09-03', '2024-03-14', '2023-09-30')
    >>> parse_listing_date("Feb 30") is None, parse_listing_date("Mamba 2") is None
    (True, True)
    """
    match = _DATE_LINE.fullmatch(line.strip())
    if not match:
        return None
    month, day = _MONTH_NAMES.get(match["month"].lower()), int(match["day"])
    if month is None or not 1 <= day <= _DAYS_IN_MONTH[month - 1]:
        return None
    year = int(match["year"]) if match["year"] else year
    if year is None:
        return f"--{month:02d}-{day:02d}"
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:  # Feb 29 of a common year
        return None


def is_noise_line(line: str) -> bool:
    """True for the listing page's chrome: buttons, banners, counts, "Submitted by …".

    >>> [is_noise_line(s) for s in ("Subscribe", "12", "Submitted by someone", "·", "Mamba: Linear-Time Models")]
    [True, True, True, True, False]
    """
    text = line.strip()
    return text.lower() in _NOISE_LINES or _NOISE_PATTERNS.fullmatch(text) is not None


def is_abstract_line(line: str) -> bool:
    """True when `line` is long enough to be an abstract rather than a title (see the module docstring).

    >>> is_abstract_line("Attention Is All You Need"), is_abstract_line("We study " * 20 + "it.")
    (False, True)
    """
    words = len(line.split())
    if words >= ABSTRACT_MIN_WORDS_UNPUNCTUATED:
        return True
    return words >= ABSTRACT_MIN_WORDS and _SENTENCE_END.search(line.rstrip()) is not None


def parse_daily(
    data: TextSource, source: str = "<string>", handle_error: ErrorHandler | None = None, year: int | None = None
) -> Iterator[Paper]:
    """Yield the papers of a Daily Papers listing dump, given as text or lines.

    Errors go to `handle_error` (skip) or are raised (fail); either way the papers around them are kept.

    >>> text = "Daily Papers\\nSep 3\\nSubscribeTiny Title\\n" + "We show that this works well. " * 5 + "\\n"
    >>> [(p.title, p.date, p.source) for p in parse_daily(text, "dump.txt")]
    [('Tiny Title', '--09-03', 'dump.txt:3')]
    """
    date: str | None = None
    pending: tuple[int, str] | None = None  # the latest title candidate and its line number
    for number, raw in enumerate(as_lines(data), start=1):
        line = _GLUED_SUBSCRIBE.sub("", raw.strip())
        if not line or is_noise_line(line):
            continue
        listing_date = parse_listing_date(line, year)
        if listing_date is not None:
            date = listing_date
            continue
        if not is_abstract_line(line):
            if pending is not None:
                report_or_raise(_orphan_title(source, *pending), handle_error)
            pending = (number, clean_text(line))
            continue
        if pending is None:
            report_or_raise(
                reader_error(source, number, "abstract with no title", f"{clean_text(line)[:60]!r}…",
                             "put the paper's title on the line before its abstract"),
                handle_error,
            )
            continue
        title_line, title = pending
        pending = None
        yield Paper(id=paper_id_for_title(title), title=title, abstract=clean_text(line), date=date,
                    source=f"{source}:{title_line}")
    if pending is not None:
        report_or_raise(_orphan_title(source, *pending), handle_error)


def _orphan_title(source: str, line: int, title: str) -> ReaderError:
    return reader_error(
        source, line, "title with no abstract", repr(title[:80]),
        f"add its abstract on the next line (at least {ABSTRACT_MIN_WORDS} words ending with a full stop) or delete it",
    )


def read_daily(path: PathLikeStr, handle_error: ErrorHandler | None = None, year: int | None = None) -> Iterator[Paper]:
    """Stream the papers of a saved Daily Papers listing (`.txt` or `.txt.gz`).

    >>> from kgbuild.readers import sample_path
    >>> next(read_daily(sample_path(), handle_error=lambda e: None)).date
    '--03-14'
    """
    yield from parse_daily(text_lines(path), str(path), handle_error, year)
