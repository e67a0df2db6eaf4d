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
_TRIM = " ,;:~"   # around a long form; "~" is LaTeX's non-breaking space before "(SFT)"


class AcronymPair(NamedTuple):
    short: str
    short_start: int
    long: str
    long_start: int


def long_form_for(short: str, before: str) -> str | None:
    """The tail of `before` that `short` abbreviates (None when none does): one word or hyphen part per letter when
    the last words fit so, else the shortest tail whose words spell it."""
    letters = [c.lower() for c in short if c.isalnum()]
    if len(letters) < 2 or not any(c.isalpha() for c in letters):
        return None
    # the words of `before` as `[^\s()]+` reads them, without a regex scan of 200 characters
    words = before.replace("(", " ").replace(")", " ").split()[-min(len(letters) + 5, 2 * len(letters)):]
    text = " ".join(words)
    for rule in (_initials_form, _spelled_form):
        long = rule(text, letters)
        first = long.split()[0] if long else ""
        if long and len(long) > len(short) and first.lower() not in {"the", "a", "an", "of", "and", "or", "in", "to"}:
            return long
    return None


def _spelled_form(text: str, letters: list[str]) -> str | None:
    """The shortest tail of ``text`` holding the letters in order, the first starting a word (Schwartz–Hearst)."""
    low = lowered(text)
    ti = len(text)  # each letter is looked for before the one after it; the first must start a word
    for li in range(len(letters) - 1, -1, -1):
        ti = low.rfind(letters[li], 0, ti)
        while li == 0 and ti > 0 and text[ti - 1].isalnum():
            ti = low.rfind(letters[0], 0, ti)
        if ti < 0:
            return None
    start = text.rfind(" ", 0, ti) + 1
    return text[start:].strip(_TRIM)


_PART = re.compile(r"[^\s-]+")


def _initials_form(text: str, letters: list[str]) -> str | None:
    """The tail whose words (or hyphen-joined parts) start with the letters one each, when there is one: it beats
    the shortest spelling, which would take "Sparse Attention" for "Speculative Sparse Attention (SSA)"."""
    parts = list(_PART.finditer(text))[-len(letters):]
    if len(parts) < len(letters) or [m.group(0)[0].lower() for m in parts] != letters:
        return None
    long = text[parts[0].start():].strip(_TRIM)
    return long if len(long.split()) > 1 or "-" in long else None   # one word is the spelled rule's to judge


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
