"""Input readers: one module per format, each a generator of `Paper`, looked up by name in `READERS`.

`read_papers` is the entry point: it picks the reader per path, removes duplicate papers and applies the
fail/skip error policy, so the other stages never see a malformed record.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Literal

from kgbuild.errors import ReaderError, UnknownFormatError
from kgbuild.models import Paper
from kgbuild.readers.records import ErrorHandler
from kgbuild.readers.textio import PathLikeStr, base_suffix, text_lines
from kgbuild.registry import Registry

__all__ = ["READERS", "ErrorHandler", "ReadReport", "detect_format", "read_papers", "sample_path"]

READERS = Registry(
    "reader format",
    {
        "daily": "kgbuild.readers.daily:read_daily",
        "jsonl": "kgbuild.readers.jsonl:read_jsonl",
        "json": "kgbuild.readers.json_array:read_json",
        "csv": "kgbuild.readers.csv_table:read_csv",
        "arxiv": "kgbuild.readers.arxiv:read_arxiv",
        "openalex": "kgbuild.readers.openalex:read_openalex",
        "txtdir": "kgbuild.readers.txtdir:read_txtdir",
    },
    aliases={
        "hf": "daily", "daily_papers": "daily", "daily-papers": "daily", "huggingface": "daily",
        "ndjson": "jsonl", "jsonlines": "jsonl", "json-lines": "jsonl",
        "arxiv-metadata": "arxiv", "arxiv_metadata": "arxiv",
        "dir": "txtdir", "folder": "txtdir",
    },
)

_BY_SUFFIX = {".csv": "csv", ".json": "json", ".txt": "daily"}
_JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
_ARXIV_KEYS = frozenset({"update_date", "versions", "submitter"})


def sample_path() -> Path:
    """The bundled Daily Papers sample corpus (original text written for kgbuild's tests and demos).

    >>> sample_path().name
    'daily_papers_sample.txt'
    """
    return Path(__file__).resolve().parent.parent / "sample" / "daily_papers_sample.txt"


def _sniff_json_lines(path: PathLikeStr) -> str:
    """Tell arXiv and OpenAlex dumps from plain JSON Lines by the keys of the first record."""
    try:
        first = next((line for line in text_lines(path) if line.strip()), "")
        keys = set(json.loads(first)) if first else set()
    except (ReaderError, ValueError, TypeError):
        return "jsonl"  # let the jsonl reader report the problem with its line number
    if "abstract_inverted_index" in keys:
        return "openalex"
    return "arxiv" if keys & _ARXIV_KEYS else "jsonl"


def detect_format(path: PathLikeStr) -> str:
    """The reader format for `path`: a folder is txtdir, else the extension (through `.gz`) decides.

    `.jsonl`/`.ndjson` files are sniffed: OpenAlex works carry `abstract_inverted_index`, arXiv snapshot
    records `update_date`, `versions` or `submitter`.

    >>> detect_format("papers.csv.gz"), detect_format("listing.txt")
    ('csv', 'daily')
    >>> detect_format("notes.docx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kgbuild.errors.UnknownFormatError: notes.docx: cannot tell the input format from ... one of: arxiv, csv, daily, ...
    """
    if Path(path).is_dir():
        return "txtdir"
    suffix = base_suffix(path)
    if suffix in _JSON_LINES_SUFFIXES:
        return _sniff_json_lines(path)
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    raise UnknownFormatError(
        f"{path}: cannot tell the input format from the extension {suffix!r} — "
        f"pass --format, one of: {', '.join(READERS.names())}"
    )


@dataclass
class ReadReport:
    """What `read_papers` did: counts, and for skips the reasons and the first few `file:line` messages.

    `replaced` counts papers whose text holds U+FFFD, the mark left where undecodable bytes were replaced:
    such papers are still yielded, since one bad byte should not cost an abstract.
    """

    read: int = 0
    skipped: int = 0
    duplicates: int = 0
    replaced: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    messages: list[str] = field(default_factory=list)
    max_messages: int = 10

    def record_skip(self, error: ReaderError) -> None:
        """Count one skipped record; the `ErrorHandler` that `on_error="skip"` installs."""
        self.skipped += 1
        self.reasons[getattr(error, "reason", error.problem)] += 1
        if len(self.messages) < self.max_messages:
            self.messages.append(str(error))

    def summary(self) -> str:
        """One line for the CLI to print.

        >>> ReadReport(read=3, skipped=1, duplicates=2).summary()
        'read 3 papers, skipped 1, dropped 2 duplicates'
        """
        text = f"read {self.read} papers, skipped {self.skipped}, dropped {self.duplicates} duplicates"
        if self.replaced:
            text += f", {self.replaced} with undecodable bytes replaced"
        return text


def _is_listing_folder(folder: Path) -> bool:
    """A folder of saved Daily Papers pages, not of one-paper text files: some file holds several abstracts."""
    for f in sorted(folder.glob("*.txt"))[:5]:
        with open(f, "rb") as fh:
            if sum(1 for line in fh if len(line) > 400) > 1:
                return True
    return False


def _expand_listing_folders(paths: Iterable[PathLikeStr], format: str | None) -> Iterator[PathLikeStr]:
    """Without --format, a folder of listing dumps is read file by file as dumps rather than one paper a file."""
    for path in paths:
        if format is None and Path(path).is_dir() and _is_listing_folder(Path(path)):
            yield from sorted(p for p in Path(path).iterdir() if p.name.endswith((".txt", ".txt.gz")))
        else:
            yield path


def read_papers(
    paths: PathLikeStr | Iterable[PathLikeStr],
    format: str | None = None,
    on_error: Literal["fail", "skip"] = "fail",
    report: ReadReport | None = None,
) -> Iterator[Paper]:
    """Yield the papers of every path in order, each id once (the first wins).

    `format` (a name or alias from `READERS`) overrides detection for all paths. With `on_error="fail"` the
    first `ReaderError` is raised after the papers before it were yielded; with `"skip"` it is counted in
    `report` and reading goes on. Only the set of ids seen is kept, not the papers.

    >>> report = ReadReport()
    >>> papers = list(read_papers([sample_path()], on_error="skip", report=report))
    >>> len(papers) == report.read, report.skipped > 0
    (True, True)
    """
    if on_error not in ("fail", "skip"):
        raise ValueError(f"on_error must be 'fail' or 'skip', not {on_error!r}")
    report = report if report is not None else ReadReport()
    handle_error: ErrorHandler | None = report.record_skip if on_error == "skip" else None
    reader = READERS.get(format) if format is not None else None
    seen: set[str] = set()
    for path in _expand_listing_folders([paths] if isinstance(paths, (str, PathLike)) else paths, format):
        read = reader or READERS.get(detect_format(path))
        try:
            for paper in read(path, handle_error=handle_error):
                if paper.id in seen:
                    report.duplicates += 1
                    continue
                seen.add(paper.id)
                report.read += 1
                if "\ufffd" in paper.title or "\ufffd" in paper.abstract:
                    report.replaced += 1
                yield paper
        except ReaderError as e:  # errors that end a file (missing, corrupt gzip) reach here even when skipping
            if handle_error is None:
                raise
            handle_error(e)
