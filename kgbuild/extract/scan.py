"""Where literal words occur in a text, by `str.find`: a regex alternation of literals, or one that starts with
``\\b``, tries every character, which made the cheap pre-scans of each abstract (figure hints, proposal gates) cost
more than the matches. Plain loops and lists, not generators: these run on every abstract."""
from __future__ import annotations

from collections.abc import Iterable

__all__ = ["occurrences", "word_starts", "lowered"]


def occurrences(text: str, words: Iterable[str]) -> list[tuple[int, str]]:
    """``(offset, word)`` for every occurrence of each word, word by word (not in text order).

    >>> occurrences("twice, then three times twice", ("wice", "times"))
    [(1, 'wice'), (25, 'wice'), (18, 'times')]
    """
    out = []
    for word in words:
        at = text.find(word)
        while at >= 0:
            out.append((at, word))
            at = text.find(word, at + 1)
    return out


def lowered(text: str) -> str:
    """``text.lower()`` with the same offsets: a character whose lower case is longer stays as it is."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"   # what ``\\b`` of Python's re counts as a word character


def word_starts(text: str, words: Iterable[str]) -> list[int]:
    """Sorted offsets where one of the lower-case ``words`` stands as a whole word in ``text``, in any case: the
    places a regex starting with ``\\b(?:word|…)`` can match, to try it only there.

    >>> word_starts("We said: we, WE and weird _we.", ("we",))
    [0, 9, 13]
    """
    lower = lowered(text)
    size = len(lower)
    return sorted(at for at, word in occurrences(lower, words)
                  if (not at or not _is_word(lower[at - 1]))
                  and (at + len(word) == size or not _is_word(lower[at + len(word)])))
