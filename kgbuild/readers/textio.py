"""Opening input files as text: `.gz` transparently, bad bytes replaced, I/O failures turned into `ReaderError`."""
from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterable, Iterator
from os import PathLike
from pathlib import Path
from typing import IO, Union

from kgbuild.errors import ReaderError

__all__ = ["PathLikeStr", "TextSource", "base_suffix", "is_gzipped", "open_text", "text_lines", "as_lines"]

PathLikeStr = Union[str, "PathLike[str]"]
#: What a `parse_*` function accepts: the whole text, or its lines (an open file works).
TextSource = Union[str, Iterable[str]]

# Decoding with "replace" means a stray Latin-1 byte turns into U+FFFD instead of killing a million-line read;
# "utf-8-sig" drops the byte-order mark that spreadsheet exports put before the first CSV header.
_ENCODING, _ERRORS = "utf-8-sig", "replace"


def is_gzipped(path: PathLikeStr) -> bool:
    """True when the file name ends in `.gz`; the extension decides, as it does for format detection."""
    return str(path).lower().endswith(".gz")


def base_suffix(path: PathLikeStr) -> str:
    """The extension that names the format, looking through `.gz`.

    >>> base_suffix("papers.JSONL.gz"), base_suffix("dump.txt"), base_suffix("notes")
    ('.jsonl', '.txt', '')
    """
    p = Path(path)
    if p.suffix.lower() == ".gz":
        p = p.with_suffix("")
    return p.suffix.lower()


def open_text(path: PathLikeStr, newline: str | None = None) -> IO[str]:
    """Open `path` for reading text, decompressing `.gz`; invalid UTF-8 becomes U+FFFD rather than an exception."""
    if is_gzipped(path):
        return gzip.open(path, "rt", encoding=_ENCODING, errors=_ERRORS, newline=newline)
    return open(path, encoding=_ENCODING, errors=_ERRORS, newline=newline)


def text_lines(path: PathLikeStr, newline: str | None = None) -> Iterator[str]:
    """Yield the lines of `path` lazily; a missing file or a corrupt gzip stream becomes a `ReaderError`."""
    line = 0
    try:
        with open_text(path, newline=newline) as handle:
            for text in handle:
                line += 1
                yield text
    except FileNotFoundError as e:
        raise ReaderError(str(path), None, "no such file", "check the path") from e
    except IsADirectoryError as e:
        raise ReaderError(str(path), None, "is a directory", "use --format txtdir for a folder of .txt files") from e
    except (OSError, EOFError, zlib.error) as e:
        raise ReaderError(
            str(path), line + 1, f"cannot read the file ({e})", "check that it is not truncated or corrupt"
        ) from e


def as_lines(data: TextSource, newline: str | None = None) -> Iterable[str]:
    """Lines of a string (split as a text file would be: only on \\n, \\r\\n, \\r), or `data` itself if already lines.

    >>> list(as_lines("a\\r\\nb\\u2028c"))
    ['a\\n', 'b\\u2028c']
    """
    if isinstance(data, str):
        return io.StringIO(data.removeprefix("\ufeff"), newline=newline)
    return data
