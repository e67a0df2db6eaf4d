"""Lexicon matching: the catalogues in data/ turned into spaCy PhraseMatcher patterns.

Each hit becomes a `Hit` in ``doc.user_data["kg_lexicon"]``: the catalogue key's hash (`Lexicon.info` maps it
back to the record: type, vendor, family, optional …), token start and end, character start and end. Plain tuples
in ``user_data``, not spans in ``doc.spans`` nor a ``doc._`` extension: a ``Span`` object per hit, made again at
every read of a ``SpanGroup``, cost more than the matching, and an extension read costs ~2 µs a time.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import hash_string
from spacy.tokens import Doc

from .catalogue import load_jsonl

__all__ = ["LexiconEntry", "Lexicon", "LexiconMatcher", "Hit", "spelling_variants"]

_LETTER_DIGIT = re.compile(r"(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z]{2})")
# Short or case-sensitive names only match as written ("MATH", "ARC", "SAM"); longer ones ignore case.
_CASE_SENSITIVE_MAX = 4


@dataclass(frozen=True)
class LexiconEntry:
    key: str
    name: str
    type: str
    optional: bool = False
    case_sensitive: bool = False
    attrs: tuple[tuple[str, str], ...] = ()
    sized: bool = False


def spelling_variants(form: str) -> set[str]:
    """The ways papers glue letters to version digits: "Llama 2", "Llama-2", "Llama2"."""
    out = {form}
    parts = form.replace("-", " ").split()
    if len(parts) > 1:
        out |= {" ".join(parts), "-".join(parts), "".join(parts) if all(p[-1:].isdigit() or q[:1].isdigit() for p, q in zip(parts, parts[1:])) else form}
    for v in list(out):
        out.add(_LETTER_DIGIT.sub(" ", v))
        out.add(_LETTER_DIGIT.sub("-", v))
    return {v for v in out if v.strip()}


def _needs_case(form: str, entry: LexiconEntry, sized_names: bool) -> bool:
    """Short names, flagged names and one-word capitalised method/dataset names ("MultiPLE", "Pile") match as
    written; phrases ("speculative decoding", "Low-Rank Adaptation") and model/hardware names match in any case."""
    if entry.case_sensitive or len(re.sub(r"[^A-Za-z0-9]", "", form)) <= _CASE_SENSITIVE_MAX:
        return True
    return not sized_names and form.lower() != form and not re.search(r"[\s-]", form)


def _entries() -> Iterator[tuple[LexiconEntry, list[str]]]:
    for rec in load_jsonl("hardware.jsonl"):
        attrs = tuple((k, str(rec[k])) for k in ("vendor", "family", "architecture", "class") if rec.get(k))
        entry = LexiconEntry("hw:" + rec["name"], rec["name"], "Hardware", attrs=attrs,
                             case_sensitive=bool(rec.get("ambiguous")))
        forms = [rec["name"], *rec.get("aliases", [])]
        yield entry, forms + [f + "s" for f in forms if f[-1:].isdigit()]
    for rec in load_jsonl("hardware_classes.jsonl"):
        entry = LexiconEntry("hwclass:" + rec["name"], rec["name"], "Hardware", optional=bool(rec.get("optional")),
                             attrs=(("class", rec.get("class", rec["name"])),))
        yield entry, [rec["name"], *rec.get("aliases", [])]
    for fname, etype in (("models.jsonl", "Model"), ("datasets.jsonl", "Dataset"), ("methods.jsonl", "Method")):
        for rec in load_jsonl(fname):
            attrs = tuple((k, str(rec[k])) for k in ("org", "kind") if rec.get(k))
            entry = LexiconEntry(f"{etype.lower()}:{rec['name']}", rec["name"], rec.get("type", etype),
                                 optional=bool(rec.get("optional")), case_sensitive=bool(rec.get("case_sensitive")),
                                 attrs=attrs, sized=bool(rec.get("sized")))
            yield entry, [rec["name"], *rec.get("aliases", [])]


@dataclass
class Lexicon:
    """Every catalogue entry with its spellings, ready to become matcher patterns."""

    entries: dict[str, LexiconEntry] = field(default_factory=dict)
    exact: dict[str, list[str]] = field(default_factory=dict)
    folded: dict[str, list[str]] = field(default_factory=dict)
    vendors: set[str] = field(default_factory=set)
    _by_hash: dict[int, LexiconEntry] | None = field(default=None, repr=False)
    _spellings: tuple[dict[str, LexiconEntry], dict[str, LexiconEntry]] | None = field(default=None, repr=False)

    @classmethod
    def load(cls) -> Lexicon:
        lex = cls()
        for entry, forms in _entries():
            if entry.key in lex.entries:  # the first file wins: hardware before models before methods
                continue
            lex.entries[entry.key] = entry
            sized_names = entry.type in ("Hardware", "Model")
            for form in forms:
                for v in spelling_variants(form) if sized_names else {form}:
                    table = lex.exact if _needs_case(v, entry, sized_names) else lex.folded
                    table.setdefault(entry.key, []).append(v)
                    if table is lex.exact and not sized_names and v.upper() != v and len(v) > 3:
                        table[entry.key].append(v.upper())
        for rec in load_jsonl("vendors.jsonl"):
            lex.vendors |= {x.lower() for x in [rec["name"], *rec.get("aliases", [])]}
        return lex

    def spelled(self, text: str) -> LexiconEntry | None:
        """The entry a whole surface form spells, if any: case-sensitive forms as written, the others in any case.
        For names the tokenizer did not split as the matcher's patterns ("GPT-2/3" is one token after "-")."""
        if self._spellings is None:
            self._spellings = ({}, {})   # (as written, lower-cased)
            for table, spellings, fold in ((self.exact, self._spellings[0], str),
                                           (self.folded, self._spellings[1], str.lower)):
                for key, forms in table.items():
                    for form in forms:
                        spellings.setdefault(fold(form), self.entries[key])
        return self._spellings[0].get(text) or self._spellings[1].get(text.lower())

    def info(self, key: str | int) -> LexiconEntry:
        """The entry of a key, or of its spaCy hash (a span's ``kb_id``: no string lookup in the StringStore)."""
        if isinstance(key, str):
            return self.entries[key]
        if self._by_hash is None:
            self._by_hash = {hash_string(k): e for k, e in self.entries.items()}
        return self._by_hash[key]


class LexiconMatcher:
    """Pipeline component: tags lexicon names, keeping the longest match where two overlap.

    One PhraseMatcher on LOWER holds both tables: a pass over the doc per matcher was a third of the component's
    time. Spellings that must match as written are added under their own match id and a hit on one is kept only
    when the doc's tokens are those spellings (the ORTH comparison a second matcher would make).
    """

    def __init__(self, nlp: Language, name: str = "kgbuild_lexicon") -> None:
        self.nlp, self.name = nlp, name
        self.lexicon = Lexicon.load()
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        # Patterns are tokenized by a throwaway tokenizer: matching compares string hashes, and filling the
        # pipeline's own tokenizer cache with ten thousand names made it 2.5x slower on every abstract after.
        from .tokenizer import make_blank

        pattern_tokenizer = make_blank().tokenizer
        #: match id of an as-written table key -> (the key's hash, the ORTH sequences it accepts)
        self._as_written: dict[int, tuple[int, set[tuple[int, ...]]]] = {}
        for key, forms in self.lexicon.exact.items():
            patterns = list(pattern_tokenizer.pipe(sorted(set(forms))))
            self.matcher.add("=" + key, patterns)
            self._as_written[hash_string("=" + key)] = (hash_string(key), {tuple(t.orth for t in d) for d in patterns})
        for key, forms in self.lexicon.folded.items():
            self.matcher.add(key, list(pattern_tokenizer.pipe(sorted(set(forms)))))
        self._priority = {hash_string(k): _PRIORITY.get(e.type, 9) for k, e in self.lexicon.entries.items()}

    def __call__(self, doc: Doc) -> Doc:
        exact: list[Match] = []
        folded: list[Match] = []
        as_written = self._as_written
        for k, s, e in self.matcher(doc):
            if k not in as_written:
                folded.append((k, s, e))
                continue
            key, spellings = as_written[k]
            if tuple(doc[i].orth for i in range(s, e)) in spellings:
                exact.append((key, s, e))
        hits = []
        for k, s, e in _longest_first(exact + folded, self._priority.__getitem__):
            last = doc[e - 1]
            hits.append(Hit(k, s, e, doc[s].idx, last.idx + len(last)))
        doc.user_data["kg_lexicon"] = hits
        return doc


class Hit(NamedTuple):
    """One lexicon name in a doc: its catalogue key's hash, token span and character span."""

    key: int
    start: int
    end: int
    start_char: int
    end_char: int


_PRIORITY = {"Hardware": 0, "Model": 1, "Dataset": 2, "Method": 3}
Match = tuple[int, int, int]   # (match id, start token, end token), as spaCy's matchers return them


def _longest_first(hits: Iterable[Match], priority: Callable[[int], int]) -> list[Match]:
    """Drop hits inside a longer one; ties keep the earlier, then the higher ``priority`` of their match id
    (hardware before models before methods).

    >>> _longest_first([(7, 0, 1), (8, 0, 2), (9, 2, 3), (6, 2, 3)], priority=lambda k: k)
    [(8, 0, 2), (6, 2, 3)]
    """
    taken: set[int] = set()
    kept: list[Match] = []
    for hit in sorted(hits, key=lambda h: (h[1] - h[2], h[1], priority(h[0]))):
        if taken.isdisjoint(range(hit[1], hit[2])):
            kept.append(hit)
            taken.update(range(hit[1], hit[2]))
    kept.sort(key=lambda h: h[1])
    return kept
