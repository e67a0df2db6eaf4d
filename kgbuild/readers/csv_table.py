"""Reader for CSV with a header row naming at least `title` and `abstract` (optional `id`, `date`, `categories`).

Quoted fields may span lines (abstracts with newlines); errors give the line the row starts on. Header names are
matched case-insensitively; other columns are ignored. Categories are split on commas, semicolons or spaces.
"""
from __future__ import annotations

import csv
import sys
from collections.abc import Iterator

from kgbuild.errors import ReaderError
from kgbuild.models import Paper
from kgbuild.readers.records import ErrorHandler, paper_from_record, reader_error, report_or_raise
from kgbuild.readers.textio import PathLikeStr, TextSource, as_lines, text_lines

__all__ = ["parse_csv", "read_csv"]

_REQUIRED = ("title", "abstract")
# Abstracts can exceed csv's default 128 KiB field cap in scraped data; raising it once is harmless.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def parse_csv(
    data: TextSource, source: str = "<string>", handle_error: ErrorHandler | None = None
) -> Iterator[Paper]:
    """Yield the papers of CSV text (or lines); a header without title/abstract columns ends the file.

    >>> text = 'Title,abstract,categories\\n"Fast, Small",We go fast.,cs.LG;cs.CL\\n'
    >>> [(p.title, p.categories, p.source) for p in parse_csv(text, "a.csv")]
    [('Fast, Small', ['cs.LG', 'cs.CL'], 'a.csv:2')]
    """
    rows = csv.reader(as_lines(data, newline=""))
    try:
        header = next(rows, None)
        if header is None:
            return
        columns = [name.strip().lower() for name in header]
        missing = [name for name in _REQUIRED if name not in columns]
        if missing:
            report_or_raise(reader_error(source, 1, "CSV header lacks required columns", ", ".join(missing),
                                         f"name the columns in the first row (found: {', '.join(columns)})"),
                            handle_error)
            return
        ended = rows.line_num
        for row in rows:
            start, ended = ended + 1, rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                report_or_raise(reader_error(source, start, "row has more fields than the header",
                                             f"{len(row)} fields, {len(columns)} columns",
                                             "quote fields that contain commas"), handle_error)
                continue
            record = {name: cell for name, cell in zip(columns, row) if name}
            try:
                yield paper_from_record(record, source, start)
            except ReaderError as e:
                report_or_raise(e, handle_error)
    except csv.Error as e:
        report_or_raise(reader_error(source, rows.line_num, "malformed CSV", str(e), "fix the quoting"), handle_error)


def read_csv(path: PathLikeStr, handle_error: ErrorHandler | None = None) -> Iterator[Paper]:
    """Stream the papers of a `.csv` file (optionally `.gz`)."""
    yield from parse_csv(text_lines(path, newline=""), str(path), handle_error)
