"""New names no lexicon holds: CamelCase and hyphen-digit systems, all-caps acronyms, "Name: subtitle" titles.

Each finder is a pure function of the text returning character spans, so tests call them with strings.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import repeat
from typing import NamedTuple

from .catalogue import load_jsonl
from .scan import word_starts

__all__ = ["NameHit", "find_pattern_names", "find_introduced_names", "title_name", "title_technique",
           "subtitle_techniques", "guess_type", "STOPWORDS"]


class NameHit(NamedTuple):
    start: int
    end: int
    text: str
    rule: str


# Inner capitals ("vLLM", "StreamingLLM", "FlashDecoding++", "eDKM") or a capitalised name with a hyphen and a
# digit ("Medusa-2", "Nemotron-4") mark a coined system name; all-caps words need a second sighting (see caller).
_CAMEL = re.compile(r"(?:[A-Z]+[a-z]+[A-Z0-9]|[a-z]+[A-Z]|[A-Z][a-z]+\d+[A-Za-z]|[A-Z]{2,}[a-z]{2,}"
                    r"|[A-Z]{2,}[a-z]?-(?![A-Z][a-z]+(?:ed|ing|Based|Driven|Aware|Free|Guided|Level|Scale|Efficient"
                    r"|Friendly|Specific|Agnostic|Like|Only|Time)\b)[A-Z])[\w.+]*(?:-[\w.+]+)*(?<![.])")
_HYPHEN_DIGIT = re.compile(r"[A-Z][A-Za-z]+(?:-[A-Za-z]+)*-\d[\w.]*(?<![.])")
_CAPS = re.compile(r"[A-Z][A-Z0-9]{2,}(?:-[A-Z0-9]+)*(?:\+\+)?")
# Words with a capital after their first letter, or a capitalised word with a hyphen and a digit: the only places
# a coined name can be, found in one pass that plain title-case words ("Large", "We") fail at once.
_CAPITALISED_WORD = re.compile(r"\b[a-z]*[A-Z][a-z]*[A-Z0-9][\w.+]*(?:-[\w.+]+)*|\b[A-Z][a-z]+(?:-[A-Za-z]+)*-\d[\w.]*")
# What every match of `_CAPITALISED_WORD` holds: a capital followed, after lower-case letters, by a capital, a digit
# or a hyphen.
_CANDIDATE = re.compile(r"[A-Z][a-z]*[A-Z0-9-]")
_TITLE_STARTS = {
    "towards", "toward", "beyond", "on", "when", "why", "how", "what", "is", "are", "do", "does", "can", "from",
    "rethinking", "revisiting", "understanding", "scaling", "unlocking", "a", "an", "the", "one", "not", "more",
    "less", "less is more", "all", "just", "make", "making", "let", "stop", "position", "survey", "no", "do",
    "small", "large", "big", "efficient", "fast", "faster", "simple", "scalable", "learning", "training",
    "improving", "enhancing", "boosting", "exploring", "evaluating", "benchmarking", "accelerating", "optimizing",
    "leveraging", "sparse", "dynamic", "adaptive", "parallel", "contrastive",
}
_GENERIC_TITLE_HEADS = {"model", "survey", "review", "framework", "approach", "method", "study", "analysis", "noise",
                        "language", "system", "benchmark", "evaluation", "learning", "network", "need", "agent"}
# "X, the first spatially-focused, large scale dataset": up to four describing words, none a clause's word or a verb
# in -s ("X outperforms LLMs", "X that accelerates LLM decoding")
_DESCRIBING = (r"(?!(?:that|which|who|to|for|on|of|by|with|in|and|or|from|over|across|is|are|was|were|can|than)\b)"
               r"(?:\w+(?:-\w+)+|\w*[^\Ws])")
_DATASET_CUE = re.compile(r"(?:Bench|bench|Benchmark|Eval|Evaluation|QA|Arena|Set|Corpus|Dataset|Instruct-\d+k)$")
_DATASET_HEADS = ("benchmark", "dataset", "corpus", "leaderboard", "suite", "test bed", "testbed", "evaluation")
_DATASET_NEXT = re.compile(rf"^\W{{0,3}}(?:a\s+|an\s+|the\s+)?(?:{_DESCRIBING},?\s+){{0,4}}?"
                           r"(?:" + "|".join(h.replace(" ", r"\s") for h in _DATASET_HEADS) + ")", re.I)
_DATASET_WORDS = tuple(dict.fromkeys(h.split()[0] for h in _DATASET_HEADS))   # one is in every text `_DATASET_NEXT` matches
# "X, a 7B language model", "X models"
_MODEL_NEXT = re.compile(rf"^\W{{0,3}}(?:a\s+|an\s+|the\s+)?(?:family\s+of\s+|series\s+of\s+)?"
                         rf"(?:{_DESCRIBING}\s+){{0,3}}?"
                         r"(?:model|models|LLM|LLMs|language\s+model|foundation\s+model)\b")
_SIZE = re.compile(r"(?:^|[-\s])\d+(?:\.\d+)?[BMK](?:-|\b)|-(?:Chat|Instruct|Base)\b")


def _stopwords() -> frozenset[str]:
    return frozenset(r["text"] for r in load_jsonl("stopwords.jsonl"))


STOPWORDS = _stopwords()


_SHAPES = (("camelcase", _CAMEL), ("hyphen-digit", _HYPHEN_DIGIT), ("all-caps", _CAPS))


def find_pattern_names(text: str) -> Iterator[NameHit]:
    """Coined names by their shape; all-caps words are returned too and filtered by the caller.

    Scanning every word boundary with `_CAPITALISED_WORD` was the costliest regex of an abstract; every name it
    matches holds a `_CANDIDATE`, which a character-class scan finds fast, so it runs only on the space-delimited
    stretches around those (no name spans a space, so the matches are the same).

    >>> [(h.text, h.rule) for h in find_pattern_names("We compare vLLM, Medusa-2 and COSMOS with the LLM.")]
    [('vLLM', 'camelcase'), ('Medusa-2', 'hyphen-digit'), ('COSMOS', 'all-caps')]
    """
    done = 0
    for cand in _CANDIDATE.finditer(text):
        if cand.start() < done:
            continue
        first = text.rfind(" ", 0, cand.start()) + 1
        done = text.find(" ", cand.end())
        done = len(text) if done < 0 else done
        for at, word, rule in _stretch_names(text[first:done]):
            yield NameHit(first + at, first + at + len(word), word, rule)


@lru_cache(maxsize=1 << 16)
def _stretch_names(stretch: str) -> tuple[tuple[int, str, str], ...]:
    """The names in one space-delimited stretch ("(vLLM,", "GPT-4-based"), with offsets in it; cached, as the
    same stretches come back paper after paper."""
    out = []
    for m in _CAPITALISED_WORD.finditer(stretch):
        start = m.start()
        if start and stretch[start - 1] == "-":
            continue
        word, rule = _shape(m.group(0))
        if rule is not None:
            out.append((start, word, rule))
    return tuple(out)


@lru_cache(maxsize=1 << 16)
def _shape(match: str) -> tuple[str, str | None]:
    """The name a capitalised word gives (a trailing full stop dropped) and the rule its shape fits, if any."""
    word = match.rstrip(".")
    if word in STOPWORDS or word.rstrip("s") in STOPWORDS:
        return word, None
    return word, next((name for name, rx in _SHAPES if rx.fullmatch(word)), None)


_NAME = r"(?P<name>[A-Z][\w+\-]*(?:\.\d+)?(?:\s+(?:of|for|and|in|to|with)?\s*[A-Z][\w+\-]*(?:\.\d+)?){0,4})"
_KIND = (r"(?:method|approach|framework|technique|algorithm|system|model|architecture|benchmark|dataset|strategy|"
         r"paradigm|mechanism|scheme|pipeline|library|tool|family|suite|engine|optimizer|policy|module|recipe|agent)")
_ADJ = r"(?:(?:a|an|the)\s+)?(?:(?:novel|new|simple|efficient|effective|general|unified|lightweight|scalable|first|"
_ADJ += r"fast|practical|principled|generic|plug-and-play|training-free|open-source|open)\s+)*"
_INTRODUCED = re.compile(
    rf"\b[Ww]e\s+(?:\w+\s+)?(?:propose|introduce|present|develop|design|release|name|call|term|dub)(?:s|d)?\s+"
    rf"(?:{_ADJ}(?:[\w-]+\s+){{0,4}}?{_KIND}s?,?\s+(?:(?:called|named|dubbed|termed|coined)\s+)?)?{_NAME}"
    rf"|\b(?:[Oo]ur|[Tt]he\s+proposed)\s+(?:[\w-]+\s+)?{_KIND}s?,?\s+(?:(?:called|named|dubbed)\s+)?{_NAME.replace('name', 'name2')}"
    rf"|\b(?:dubbed|coined)\s+{_NAME.replace('name', 'name3')}"
)
_PROPOSAL = re.compile(r"\b[Ww]e\s+(?:\w+\s+)?(?:propose|introduce|present|develop|design)", re.I)
_ENUMERATED = re.compile(r"\((?:\d|i{1,3}|iv|[a-d])\)\s+(?P<name>[A-Z][\w-]*(?:\s+[a-zA-Z][\w-]*){0,3}?)(?=,|;|\.|\s+and\s+\()")
_GATE_WORDS = ("we", "our", "the proposed", "dubbed", "coined")


_NAME_TAIL = re.compile(r"(?:\s+(?:of|for|and|in|to|with))+$")


def find_introduced_names(text: str) -> Iterator[NameHit]:
    """Names a paper introduces: "we propose Token Recycling", "our method, GemFilter,", "dubbed X"."""
    gates = word_starts(text, _GATE_WORDS)
    for at in gates:  # every alternative starts at one of these words: try only there
        m = _INTRODUCED.match(text, at)
        if m is None:
            continue
        group = next(g for g in ("name", "name2", "name3") if m.group(g))
        name = _NAME_TAIL.sub("", m.group(group)).rstrip(".-")
        if not name or name in STOPWORDS or name.split()[0] in {"In", "To", "We", "Our", "This", "The", "A", "An"}:
            continue
        start = m.start(group)
        yield NameHit(start, start + len(name), name, "introduced")
    proposal = next((m for m in map(_PROPOSAL.match, repeat(text), gates) if m), None)
    if proposal:  # "we propose three techniques, namely (1) Dynamic gating, (2) Expert Buffering"
        for m in _ENUMERATED.finditer(text, proposal.end(), proposal.end() + 300):
            yield NameHit(m.start("name"), m.end("name"), m.group("name"), "introduced")


def title_name(title: str) -> NameHit | None:
    """The "Name" of a "Name: subtitle" title, when it looks like a name and not a phrase."""
    head, sep, _ = title.partition(":")
    if not sep:
        return None
    name = head.strip()
    words = name.split()
    if not words or len(words) > 4 or name.lower() in _TITLE_STARTS or words[0].lower() in _TITLE_STARTS:
        return None
    if name in STOPWORDS or not name[0].isalnum():
        return None
    if len(words) > 1 and ("," in name or words[-1].lower().rstrip("s") in _GENERIC_TITLE_HEADS):
        return None
    if len(words) > 1 and (_VERB_FORM.fullmatch(words[0]) and words[0].lower().endswith("ing")
                           or _VERB_FORM.fullmatch(words[-1]) and words[-1].lower().endswith("ed")):
        return None   # a verb makes a phrase: "Compressing LLMs", "LLM Inference Unveiled"
    if len(words) > 1 and not all(w[0].isupper() or w[0].isdigit() or w.lower() in {"of", "for", "and", "in", "to"}
                                  for w in words):
        return None   # an article makes a phrase ("Return of the Encoder"), not a coined name
    start = title.find(name)
    return NameHit(start, start + len(name), name, "title-name")


_VERB_FORM = re.compile(r"[A-Z]?[a-z]{5,}")   # a capitalised or lower-case word, no inner capitals or digits
_TITLE_SPLIT = re.compile(r"\s(?:for|with|via|in|on|of|to|through|by|using|from|and|needs|is|are|at)\s")
_TECHNIQUE_HEADS = frozenset({
    "attention", "decoding", "pruning", "quantization", "sampling", "tuning", "normalization", "fusion", "guidance",
    "parallelism", "matching", "averaging", "encoding", "optimization", "distillation", "caching", "compression",
    "merging", "routing", "scheduling", "batching", "offloading", "sparsification", "adaptation", "prompting",
})


def title_technique(title: str) -> NameHit | None:
    """A title without a colon that opens with the paper's technique: "Online Speculative Decoding",
    "Text Quality-Based Pruning for Efficient Training"; the phrase must end in a technique head noun.

    >>> title_technique("Grammar-Aligned Decoding for Structured Output").text
    'Grammar-Aligned Decoding'
    >>> title_technique("Efficient Decoding for LLMs") is None
    True
    """
    if ":" in title:
        return None
    phrase = _TITLE_SPLIT.split(title, maxsplit=1)[0].strip()
    words = phrase.split()
    if not 2 <= len(words) <= 5 or words[0].lower() in _TITLE_STARTS or words[-1].lower() not in _TECHNIQUE_HEADS:
        return None
    if not all(w[0].isupper() or w[0].isdigit() for w in words):
        return None
    return NameHit(0, len(phrase), phrase, "title-technique") if title.startswith(phrase) else None


_LIST_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+(?:and|&)\s+")
_PROCESS_NOUN = re.compile(r"(?:tion|sion|ing|ment)$", re.I)


def subtitle_techniques(title: str) -> list[NameHit]:
    """The techniques a subtitle lists: "…: Memory Alignment and Asynchronous Dequantization". Every part must be
    a capitalised two-to-four-word phrase ending in a process noun, so "Survey and Insights" or "Attention Heads and
    MLP Pruning" give nothing; callers keep the parts the abstract repeats.

    >>> [h.text for h in subtitle_techniques("Fast LLMs on GPUs: Memory Alignment and Asynchronous Dequantization")]
    ['Memory Alignment', 'Asynchronous Dequantization']
    """
    head, sep, sub = title.partition(":")
    if not sep:
        return []
    parts = [p.strip() for p in _LIST_SPLIT.split(sub.strip())]
    if len(parts) < 2 or not all(2 <= len(p.split()) <= 4 and all(w[0].isupper() for w in p.split())
                                 and (_PROCESS_NOUN.search(p) or p.split()[-1].lower() in _TECHNIQUE_HEADS)
                                 for p in parts):
        return []
    hits, at = [], len(head) + 1
    for part in parts:
        at = title.index(part, at)
        hits.append(NameHit(at, at + len(part), part, "subtitle-technique"))
        at += len(part)
    return hits


def guess_type(name: str, after: str, subtitle: str = "") -> str:
    """Method unless the name or its next words say dataset or model."""
    # the context patterns end in a cue word: when none is in the text they cannot match, and most names have none
    lower = after.lower()
    if (_DATASET_CUE.search(name) and len(name) > 3) or (
            any(w in lower for w in _DATASET_WORDS) and _DATASET_NEXT.match(after)):  # "AQA" is no "CoQA"
        return "Dataset"
    head = _subtitle_head(subtitle) if subtitle else ""
    if head in {"benchmark", "dataset", "corpus", "leaderboard", "suite", "benchmarks", "datasets"}:
        return "Dataset"
    opening = subtitle.split(None, 1)
    if opening and opening[0].lower() in _EVALUATING:
        return "Dataset"   # "BLESS: Benchmarking LLMs on …" names a benchmark, whatever it evaluates
    if _SIZE.search(name) or (("model" in after or "LLM" in after) and _MODEL_NEXT.match(after)) \
            or head in _MODEL_HEADS:
        return "Model"
    return "Method"


_MODEL_HEADS = frozenset({"model", "models", "llm", "llms"})
_EVALUATING = frozenset({"benchmarking", "evaluating", "assessing"})
_SUB_STOP = re.compile(r"\s(?:for|with|via|in|on|through|by|to|from|that|using|under|at|towards|toward|and)\s", re.I)


def _subtitle_head(subtitle: str) -> str:
    """The head noun of a subtitle's first noun phrase: "A Massive Benchmark for …" → "benchmark"."""
    first = _SUB_STOP.split(" " + subtitle.strip() + " ", maxsplit=1)[0].strip()
    words = re.findall(r"[A-Za-z]+", first)
    return words[-1].lower() if words else ""
