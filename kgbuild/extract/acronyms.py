"""Acronym–expansion pairs such as "Low-Rank Adaptation (LoRA)", found with the Schwartz–Hearst rule.

The rule (Schwartz & Hearst, 2003): the short form's characters appear in order in the words before the
parenthesis, its first character starts a word, and the long form has at most min(|S| + 5, 2|S|) words.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from .scan import lowered

__all__ = ["AcronymPair", "find_acronym_pairs", "long_form_for"]

_PAREN = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9+\-./&]{0,14}?)(s?)\s*[);,]")
_WORD = re.compile(r"[^\s()]+")


class AcronymPair(NamedTuple):
    short: str
    short_start: int
    long: str
    long_start: int


def long_form_for(short: str, before: str) -> str | None:
    """The shortest tail of `before` whose words spell `short` (None when none does)."""
    letters = [c.lower() for c in short if c.isalnum()]
    if len(letters) < 2 or not any(c.isalpha() for c in letters):
        return None
    words = _WORD.findall(before)[-min(len(letters) + 5, 2 * len(letters)):]
    text = " ".join(words)
    low = lowered(text)
    ti = len(text)  # each letter is looked for before the one after it; the first must start a word
    for li in range(len(letters) - 1, -1, -1):
        ti = low.rfind(letters[li], 0, ti)
        while li == 0 and ti > 0 and text[ti - 1].isalnum():
            ti = low.rfind(letters[0], 0, ti)
        if ti < 0:
            return None
    start = text.rfind(" ", 0, ti) + 1
    long = text[start:].strip(" ,;:~")   # "~" is LaTeX's non-breaking space before "(SFT)"
    first = long.split()[0] if long else ""
    if not long or len(long) <= len(short) or first.lower() in {"the", "a", "an", "of", "and", "or", "in", "to"}:
        return None
    return long


def find_acronym_pairs(text: str) -> Iterator[AcronymPair]:
    """Every "long form (SHORT)" pair in the text, with character offsets of both forms."""
    for m in _PAREN.finditer(text):
        short = m.group(1)
        if not any(c.isupper() for c in short):
            continue
        before = text[max(0, m.start() - 200):m.start()].rstrip()
        long = long_form_for(short, before)
        if long is None:
            continue
        long_start = text.rfind(long, max(0, m.start() - 200), m.start())
        if long_start < 0:  # whitespace was normalised: locate word by word
            continue
        yield AcronymPair(short + m.group(2), m.start(1), long, long_start)
