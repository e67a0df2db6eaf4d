"""Reader for a folder of `.txt` (or `.txt.gz`) files, one paper each: first non-blank line title, the rest abstract.

Files are read in sorted name order so ids and sources come out the same on every run; hidden files are ignored.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kgbuild.models import Paper, paper_id_for_title
from kgbuild.readers.records import ErrorHandler, clean_text, reader_error, report_or_raise
from kgbuild.readers.textio import PathLikeStr, TextSource, as_lines, text_lines

__all__ = ["parse_txtdir", "read_txtdir"]


def parse_txtdir(
    data: TextSource, source: str = "<string>", handle_error: ErrorHandler | None = None
) -> Iterator[Paper]:
    """Yield the one paper held by one file's text (nothing for an empty file).

    >>> [(p.title, p.abstract, p.source) for p in parse_txtdir("\\nFast Things\\nWe go\\nfast.\\n", "a.txt")]
    [('Fast Things', 'We go fast.', 'a.txt:2')]
    """
    title, title_line, body = "", 0, []
    for number, line in enumerate(as_lines(data), start=1):
        if title:
            body.append(line)
        elif line.strip():
            title, title_line = clean_text(line), number
    if not title:
        return
    abstract = clean_text(" ".join(body))
    if not abstract:
        report_or_raise(reader_error(source, title_line, "title with no abstract", repr(title[:80]),
                                     "put the abstract on the lines after the title"), handle_error)
        return
    yield Paper(id=paper_id_for_title(title), title=title, abstract=abstract, source=f"{source}:{title_line}")


def _is_paper_file(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and not name.startswith(".") and name.endswith((".txt", ".txt.gz"))


def read_txtdir(path: PathLikeStr, handle_error: ErrorHandler | None = None) -> Iterator[Paper]:
    """Stream the papers of every `.txt` / `.txt.gz` file directly inside the folder `path`."""
    folder = Path(path)
    if not folder.is_dir():
        report_or_raise(reader_error(str(path), None, "not a directory", fix="pass a folder of .txt files"),
                        handle_error)
        return
    for file in sorted(p for p in folder.iterdir() if _is_paper_file(p)):
        yield from parse_txtdir(text_lines(file), str(file), handle_error)
