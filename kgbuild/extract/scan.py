"""Where literal words occur in a text, by `str.find`: a regex alternation of literals, or one that starts with
``\\b``, tries every character, which made the cheap pre-scans of each abstract (figure hints, proposal gates) cost
more than the matches. Plain loops and lists, not generators: these run on every abstract."""
from __future__ import annotations

from collections.abc import Iterable

__all__ = ["occurrences", "word_starts", "lowered", "name_spans"]


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


def _joins(c: str) -> bool:
    return _is_word(c) or c == "-"


def name_spans(text: str, name: str, *, ignore_case: bool = False, either_first: bool = False) -> list[tuple[int, int]]:
    """Where ``name`` stands on its own in ``text`` (no word character or hyphen either side), left to right and
    not overlapping: what ``re.finditer(r"(?<![\\w-])NAME(?![\\w-])")`` gives, without compiling a regex for each
    new name of each paper. ``either_first`` lets its first letter take either case, ``ignore_case`` every letter.

    >>> name_spans("LoRA, loRA-2 and QLoRA; lora.", "LoRA", either_first=True)
    [(0, 4)]
    >>> name_spans("Token Recycling and token recycling", "Token Recycling", ignore_case=True)
    [(0, 15), (20, 35)]
    """
    if not name:
        return []
    if ignore_case:
        haystack, needles = lowered(text), {lowered(name)}
    else:
        haystack, needles = text, {name[0].upper() + name[1:], name[0].lower() + name[1:]} if either_first else {name}
    size, found = len(text), []
    for needle in needles:
        at = haystack.find(needle)
        while at >= 0:
            end = at + len(needle)
            if (not at or not _joins(text[at - 1])) and (end == size or not _joins(text[end])):
                found.append((at, end))
            at = haystack.find(needle, at + 1)
    found.sort()
    spans: list[tuple[int, int]] = []
    for start, end in found:
        if not spans or start >= spans[-1][1]:
            spans.append((start, end))
    return spans
