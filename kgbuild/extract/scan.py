"""Where literal words occur in a text, by `str.find`: a regex alternation of literals tries every character,
which made the cheap pre-scans of each abstract (figure hints, proposal gates) cost more than the matches."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["occurrences"]


def occurrences(text: str, words: Iterable[str]) -> Iterator[tuple[int, str]]:
    """``(offset, word)`` for every occurrence of each word, word by word (not in text order).

    >>> sorted(occurrences("twice, then three times twice", ("wice", "times")))
    [(1, 'wice'), (18, 'times'), (25, 'wice')]
    """
    for word in words:
        at = text.find(word)
        while at >= 0:
            yield at, word
            at = text.find(word, at + 1)
