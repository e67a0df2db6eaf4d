"""From tagged title and abstract docs to one paper's Extraction: mentions grouped into entities, claims attributed."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field as dataclass_field
from functools import lru_cache

from spacy.tokens import Doc

from ..models import EXTRACTOR_VERSION, Extraction, Paper
from .acronyms import find_acronym_pairs
from .catalogue import norm as catalogue_norm
from .lexicon import Lexicon, LexiconEntry
from .names import (STOPWORDS, find_introduced_names, find_pattern_names, guess_type, subtitle_techniques, title_name,
                    title_technique)
from .scan import name_spans, word_starts
from .sentences import sentence_index, sentence_starts, sentences
from .speedups import context_baseline, figure_hints, find_claims

__all__ = ["assemble", "norm"]

_SIZE_TOKEN = re.compile(r"^(?:\d+(?:\.\d+)?[BMKbmk]|\d+x\d+[Bb]|[BLSHG]/\d+|v\d+(?:\.\d+)*|base|large|small|medium|"
                         r"tiny|mini|huge|giant|xl|xxl|Chat|Instruct|chat|instruct|Base|Large|Small|XL|XXL)$")
_HW_SUFFIX = {"gpu", "gpus", "accelerator", "accelerators", "tpu", "tpus", "npu", "chip", "chips", "processor", "processors"}
_CLASS_IN_PHRASE = {"memory", "hours", "hour", "kernel", "kernels", "cluster", "clusters", "utilization", "time",
                    "programming", "resources", "budget", "days", "workloads", "implementation", "implementations"}
_VERSION = re.compile(r"^(?:\d+(?:\.\d+)*|v\d+(?:\.\d+)*)$")
#: Characters after a name that `guess_type` reads: enough for "X, the first spatially-focused, large scale dataset".
_CONTEXT = 80
_HW_LINE = {"instinct", "tesla", "geforce", "radeon", "cloud", "quadro", "titan", "datacenter", "data-center"}
# "we propose", "this paper introduces", "called X": a cheap scan for the subject or the naming word, then the full
# pattern is tried only there (one regex with the subject in front scanned every character slowly).
_PROPOSE_GATE = ("we", "this", "our", "called", "named", "dubbed", "termed", "coined")
_PROPOSE_AT = re.compile(r"(?:[Ww]e|[Tt]his\s+(?:paper|work|study)|[Oo]ur\s+work)\s+(?:\w+\s+){0,2}?(?:propos|introduc|"
                         r"present|develop|design|build|releas|contribut|devis|offer|open-sourc|creat|describ|call|"
                         r"term|name)|called|named|dubbed|termed|coined")


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """The scorer's normal form (NFKC, lower case, only 0-9 a-z . + #), cached: names repeat across papers."""
    return catalogue_norm(text)


@dataclass(slots=True)
class _Mention:
    field: str
    start: int
    end: int
    text: str
    type: str
    key: str
    rule: str
    optional: bool = False
    known: bool = False  # from a lexicon: a well-known name, never "proposed" by this paper
    attrs: dict[str, str] = dataclass_field(default_factory=dict)
    display: str = ""
    in_phrase: bool = False  # a class word modifying another noun ("GPU memory")
    introduced: bool = False  # the object of "we propose …": this paper's own contribution



@dataclass(slots=True)
class _Entity:
    """An entity while its paper is assembled. The records are validated once, from plain dicts, when the paper's
    Extraction is made: one call into pydantic-core, a third of the time of a model object per entity and span."""

    name: str
    type: str
    aliases: list[str]
    proposed: bool
    attributes: dict[str, str]
    mentions: list[dict[str, object]]   # Provenance fields

    def record(self) -> dict[str, object]:
        return {"name": self.name, "type": self.type, "aliases": self.aliases, "proposed": self.proposed,
                "attributes": self.attributes, "mentions": self.mentions}


def _text(doc: Doc) -> str:
    """The doc's text as given; `Doc.text` would rebuild it from a Token object per word on every call."""
    return doc.user_data["text"]  # set by assemble()


def _starts(doc: Doc) -> list[int]:
    """Sentence starts of the doc, computed once and kept on it."""
    starts = doc.user_data.get("sentence_starts")
    if starts is None:
        starts = doc.user_data["sentence_starts"] = sentence_starts(_text(doc))
    return starts


def _lexicon_mentions(doc: Doc, fld: str, lex: Lexicon) -> list[_Mention]:
    out: list[_Mention] = []
    devices_end = set()
    text = _text(doc)
    for hit in doc.user_data["kg_lexicon"]:
        entry = lex.info(hit.key)
        start, end, key, display = hit.start, hit.end, entry.key, entry.name
        if entry.key.startswith("hw:"):
            while start > 0 and (doc[start - 1].lower_ in lex.vendors or doc[start - 1].lower_ in _HW_LINE):
                start -= 1
            devices_end.add(end)
            if end < len(doc) and doc[end].lower_ in _HW_SUFFIX:
                end += 1
            # the name drops vendor, product line and "GPU": "AMD Instinct MI250X GPUs" -> "MI250X"
            written = text[hit.start_char:hit.end_char]
            display = entry.name if norm(entry.name) in norm(written) else written
        elif entry.sized:
            end = _extend_size(doc, end)
            if end > hit.end:
                key = f"{entry.key}|{norm(doc[hit.end:end].text)}"
                display = doc[hit.start:end].text
        elif entry.key.startswith("hwclass:") and hit.start in devices_end:
            continue
        elif entry.type in ("Method", "Model") and text.startswith("-", hit.end_char) and end + 1 < len(doc) \
                and doc[end].text == "-" and not doc[end].whitespace_ and _VERSION.match(doc[end + 1].text):
            end += 2  # a numbered version of a known system is its own entity: "Medusa-2", "Phi-3"
            key, display = f"{entry.key}|{doc[end - 1].text}", doc[hit.start:end].text
        # "GPU memory", "GPU hours": reported as a mention, but never the device a figure was measured on
        in_phrase = entry.key.startswith("hwclass:") and end < len(doc) and doc[end].lower_ in _CLASS_IN_PHRASE
        # character offsets from the hit when it was not widened: no Token objects for the common case
        first = hit.start_char if start == hit.start else doc[start].idx
        last = hit.end_char if end == hit.end else doc[end - 1].idx + len(doc[end - 1])
        if not entry.key.startswith(("hwclass:", "hw:")) and end == hit.end:
            display = text[first:last]
        out.append(_known(fld, first, last, text[first:last], entry, key, display, in_phrase))
    return out


def _known(fld: str, start: int, end: int, text: str, entry: LexiconEntry, key: str, display: str,
           in_phrase: bool = False) -> _Mention:
    """A mention of a lexicon entry."""
    return _Mention(fld, start, end, text, entry.type, key, "lexicon", entry.optional, True, dict(entry.attrs), display,
                    in_phrase)


def _extend_size(doc: Doc, end: int) -> int:
    i = end
    while i < len(doc):
        tok = doc[i]
        if tok.text == "-" and i + 1 < len(doc) and _SIZE_TOKEN.match(doc[i + 1].text) and not doc[i].whitespace_:
            i += 2
        elif _SIZE_TOKEN.match(tok.text) and (i == end or not doc[i - 1].whitespace_ or i == end):
            i += 1
        else:
            break
    return i


def _pattern_mentions(text: str, fld: str, known: list[_Mention], title: str, lex: Lexicon) -> list[_Mention]:
    """Coined names; one that strictly contains a lexicon hit ("LLaMA-NAS" around "LLaMA") replaces it, and one
    the lexicon spells whole ("GPT-2" in "GPT-2/3", one token to the matcher) is the lexicon's."""
    out = []
    taken = [(m.start, m.end) for m in known if m.key]
    counts: dict[str, int] = {}
    hits = [h for h in find_pattern_names(text) if h.text.lower() not in lex.vendors]
    for h in hits:
        counts[h.text] = counts.get(h.text, 0) + 1
    for h in hits:
        overlapping = [(s, e) for s, e in taken if s < h.end and h.start < e]
        inside = [m for m in known if m.key and h.start <= m.start and m.end <= h.end
                  and (m.start, m.end) != (h.start, h.end)] if overlapping else []
        if inside and len(inside) == len(overlapping) and not any(m.type == "Hardware" for m in inside):
            for m in inside:
                m.key = ""
            taken = [t for t in taken if t not in overlapping]
        elif overlapping:
            continue
        if h.rule == "all-caps" and counts[h.text] < 2 and h.text not in title:
            continue
        entry = lex.spelled(h.text)
        if entry is not None:
            out.append(_known(fld, h.start, h.end, h.text, entry, entry.key, h.text))
        else:
            out.append(_Mention(fld, h.start, h.end, h.text, guess_type(h.text, text[h.end:h.end + _CONTEXT]),
                                "name:" + norm(h.text).rstrip("s"), h.rule, display=h.text))
        taken.append((h.start, h.end))
    return out


_URL_STARTS = ("http://", "https://", "www.", "github.com/", "huggingface.co/")
_URL = re.compile("(?:" + "|".join(map(re.escape, _URL_STARTS)) + r")\S+")


def _outside_urls(mentions: list[_Mention], text: str) -> list[_Mention]:
    """Drop what was read inside a link: "github.com/HazyResearch/based" names an account, not a method."""
    if not any(start in text for start in _URL_STARTS):   # the regex scan costs more than these finds
        return mentions
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    return [m for m in mentions if not any(s <= m.start < e for s, e in urls)]


def _introduced_mentions(text: str, fld: str, mentions: list[_Mention]) -> list[_Mention]:
    """Mark what "we propose X" introduces; a new multi-word name ("Token Recycling") becomes a mention."""
    out = []
    for hit in find_introduced_names(text):
        same = [m for m in mentions if m.field == fld and m.key and m.start == hit.start and m.end <= hit.end]
        if same:
            longest = max(same, key=lambda m: m.end)
            longest.introduced = True
            continue
        if len(hit.text.split()) < 2:
            continue
        _yield_to_name(mentions, fld, hit.start, hit.end)
        if any(m.field == fld and m.key and m.start < hit.end and hit.start < m.end for m in mentions):
            continue
        etype = guess_type(hit.text, text[hit.end:hit.end + _CONTEXT])
        out.append(_Mention(fld, hit.start, hit.end, hit.text, etype, "name:" + norm(hit.text).rstrip("s"),
                            "introduced", display=hit.text, introduced=True))
        _add_repeats_of(out, hit.text, text, fld, mentions)
    return out


def _yield_to_name(mentions: list[_Mention], fld: str, start: int, end: int) -> None:
    """A known technique that ends a longer new name is part of it: "Impossible Distillation" is the paper's
    method, not distillation; a name that starts with a known model ("Mixtral of Experts") keeps the model."""
    for m in mentions:
        if m.field == fld and m.key and m.known and m.type == "Method" and start < m.start and m.end == end:
            m.key = ""


def _add_repeats_of(out: list[_Mention], name: str, text: str, fld: str, mentions: list[_Mention]) -> None:
    first = out[-1]
    for start, end in name_spans(text, name, either_first=True):
        if start != first.start and not any(x.field == fld and x.start <= start < x.end for x in mentions):
            out.append(_Mention(fld, start, end, text[start:end], first.type, first.key, "introduced", display=name))


def _acronym_mentions(text: str, fld: str, mentions: list[_Mention]) -> list[_Mention]:
    out = []
    for pair in find_acronym_pairs(text):
        if pair.short.rstrip("s") in STOPWORDS or pair.short in STOPWORDS:
            continue
        long_end, short_end = pair.long_start + len(pair.long), pair.short_start + len(pair.short)
        spans = {(pair.long_start, long_end), (pair.short_start, short_end)}
        known = [m for m in mentions if m.field == fld and (m.start, m.end) in spans]
        if any(m.known and m.type == "Hardware" for m in known):
            continue
        for m in mentions:  # a lexicon word inside a coined long form is part of that name, not a mention
            if m.field == fld and pair.long_start <= m.start and m.end <= long_end and (m.start, m.end) not in spans:
                m.key = ""
        lex = next((m for m in known if m.known), None)
        if lex is not None:
            key, etype, optional = lex.key, lex.type, lex.optional
        else:
            etype = guess_type(pair.long, text[short_end:short_end + _CONTEXT])
            if pair.long.islower() and pair.long.split()[-1].rstrip("s") in _GENERIC_HEADS:
                continue
            key, optional = "acr:" + norm(pair.short).rstrip("s"), False
        for m in known:
            m.key, m.type = key, etype
            if (m.start, m.end) == (pair.long_start, long_end):  # the expansion names the entity
                m.rule, m.display = "acronym-expansion", pair.long
        for start, end, text_, rule in ((pair.long_start, long_end, pair.long, "acronym-expansion"),
                                        (pair.short_start, short_end, pair.short, "acronym")):
            if not any(m.start == start and m.end == end for m in known):
                out.append(_Mention(fld, start, end, text_, etype, key, rule, optional, lex is not None, display=text_))
    return out


_GENERIC_HEADS = {"model", "language", "task", "agent", "user", "data", "network", "system", "application", "method",
                  "approach", "technique", "metric", "score", "unit", "layer", "token", "parameter", "question"}


def _group(mentions: list[_Mention], docs: dict[str, Doc], paper: Paper, title_hit: str | None) -> tuple[list[_Entity], dict[str, _Entity]]:
    groups: dict[str, list[_Mention]] = {}
    entity_key = _same_entity(mentions)
    for m in mentions:
        if m.key:
            groups.setdefault(entity_key[m.key], []).append(m)
    entities: list[_Entity] = []
    by_form: dict[str, _Entity] = {}
    proposing: dict[tuple[str, int], int] | None = None   # found on first need: most entities are decided before
    title_key = norm(title_hit) if title_hit is not None else None
    starts = {fld: _starts(doc) for fld, doc in docs.items()}
    for key, ms in groups.items():
        types = [m.type for m in ms]
        # dict.fromkeys, not set: a tie goes to the first mention's type whatever the process's hash seed
        # a lexicon's type wins, then Dataset when some context said so ("X, a new benchmark"): its cue words are
        # specific, while a name read in other sentences defaults to Method
        etype = types[0] if len(set(types)) == 1 else max(
            dict.fromkeys(types), key=lambda t: (any(m.known and m.type == t for m in ms), t == "Dataset",
                                                 types.count(t)))
        expansions = [m.display for m in ms if m.rule == "acronym-expansion"]
        if key.startswith("hwclass:"):
            name = ms[0].key.split(":", 1)[1]
        elif expansions:
            name = min(expansions, key=len)
            # the title's capitals when it writes the same words: "Online Speculative Decoding", not "online …"
            name = next((m.text for m in ms if m.field == "title" and norm(m.text) == norm(name)), name)
        else:
            name = min((m.display for m in ms), key=lambda d: (len(d), d))
        forms = {form for m in ms for form in (m.text, m.display)}
        forms.discard(name)
        proposed = any(m.introduced for m in ms) or (
            title_key is not None and any(norm(m.text).startswith(title_key) for m in ms))
        if not proposed and not any(m.known for m in ms):
            proposing = _proposing_spans(docs) if proposing is None else proposing
            proposed = any(m.start >= proposing.get((m.field, sentence_index(starts[m.field], m.start)), 1 << 30)
                           for m in ms)
        if len(ms) > 1:
            attrs = {k: v for m in ms for k, v in m.attrs.items()}
            ms.sort(key=_reading_order)
        else:
            attrs = ms[0].attrs
        # broad terms annotators may skip ("GPU", "transformer"): known for attributing claims, never reported,
        # so they need no provenance
        reported = not all(m.optional for m in ms)
        prov: list[dict[str, object]] = [
            {"paper_id": paper.id, "field": m.field, "sentence": sentence_index(starts[m.field], m.start),
             "start": m.start, "end": m.end, "extractor": EXTRACTOR_VERSION} for m in ms] if reported else []
        ent = _Entity(name, etype, sorted(forms), proposed, dict(attrs), prov)
        for m in ms:
            by_form[norm(m.text)] = ent
        if not reported:
            continue
        entities.append(ent)
        by_form[norm(name)] = ent
    entities.sort(key=lambda e: (e.mentions[0]["field"] != "title", e.mentions[0]["start"]))
    return entities, by_form


def _same_entity(mentions: list[_Mention]) -> dict[str, str]:
    """Each mention key's entity key. The same surface form is one entity even when two rules found it under two
    keys, and so is everything either key holds: a title's "HFT:" and the abstract's "Half Fine-Tuning (HFT)".
    Of keys joined, the one seen first names the entity."""
    parent: dict[str, str] = {}
    seen: dict[str, int] = {}   # key -> the order it was first seen in

    def root(key: str) -> str:
        while parent[key] != key:
            key = parent[key]
        return key

    by_form: dict[str, str] = {}
    joined = False
    for m in mentions:
        key = m.key
        if not key:
            continue
        if key not in parent:
            parent[key] = key
            seen[key] = len(seen)
        other = by_form.setdefault(norm(m.text), key)
        if other == key:   # the common case: a form read under one key only
            continue
        a, b = root(other), root(key)
        if a != b:
            first, later = (a, b) if seen[a] < seen[b] else (b, a)
            parent[later] = first
            joined = True
    return {key: root(key) for key in parent} if joined else parent


def _reading_order(m: _Mention) -> tuple[bool, int]:
    return m.field != "title", m.start


def _proposing_spans(docs: dict[str, Doc]) -> dict[tuple[str, int], int]:
    """Sentences that introduce something, with the character where the introduction starts."""
    out: dict[tuple[str, int], int] = {}
    doc = docs["abstract"]
    starts, text = _starts(doc), _text(doc)
    for at in word_starts(text, _PROPOSE_GATE):
        if _PROPOSE_AT.match(text, at):
            out.setdefault(("abstract", sentence_index(starts, at)), at)
    return out


def assemble(paper: Paper, title_doc: Doc, abstract_doc: Doc, lex: Lexicon) -> Extraction:
    """Group one paper's mentions into entities and attach its speedup claims."""
    docs = {"title": title_doc, "abstract": abstract_doc}
    title_doc.user_data["text"], abstract_doc.user_data["text"] = paper.title, paper.abstract
    mentions: list[_Mention] = []
    hit = title_name(paper.title) or title_technique(paper.title)
    for fld, doc in docs.items():
        lexical = _lexicon_mentions(doc, fld, lex)
        text = _text(doc)
        acronyms = _acronym_mentions(text, fld, lexical)
        found = lexical + acronyms + _pattern_mentions(text, fld, lexical + acronyms, paper.title, lex)
        if fld == "abstract":  # titles never say "we propose"
            found += _introduced_mentions(text, fld, found)
        mentions += _outside_urls(found, text)
    if hit is not None:
        # what follows a "Name:" describes the name; what follows a title's opening technique does not
        etype = guess_type(hit.text, "", paper.title[hit.end + 1:] if hit.rule == "title-name" else "")
        same = [m for m in mentions if m.field == "title" and m.start == hit.start and m.end == hit.end and not m.known]
        for m in same:
            m.type = etype
        if hit.rule == "title-technique":  # the whole phrase names the method: "Online Speculative Decoding"
            for m in mentions:
                if m.field == "title" and hit.start <= m.start and m.end <= hit.end and m.type != "Hardware":
                    m.key = ""
        _yield_to_name(mentions, "title", hit.start, hit.end)
        if not any(m.field == "title" and m.key and m.start < hit.end and hit.start < m.end for m in mentions):
            mentions.append(_Mention("title", hit.start, hit.end, hit.text, etype,
                                     "name:" + norm(hit.text).rstrip("s"), "title-name", display=hit.text))
            _add_repeats(mentions, hit.text, paper.abstract)
    _add_subtitle_techniques(mentions, paper.title, paper.abstract)
    entities, by_form = _group(mentions, docs, paper, hit.text if hit else None)
    claims = list(_claims(paper, abstract_doc, mentions, entities, by_form))
    return Extraction.model_validate({"id": paper.id, "title": paper.title, "date": paper.date,
                                      "entities": [e.record() for e in entities], "speedups": claims,
                                      "extractor": EXTRACTOR_VERSION})


def _add_subtitle_techniques(mentions: list[_Mention], title: str, abstract: str) -> None:
    """The techniques a subtitle lists are the paper's own when the abstract names each of them again."""
    hits = subtitle_techniques(title)
    if not hits or not all(name_spans(abstract, h.text, ignore_case=True) for h in hits):
        return
    for h in hits:
        if any(m.field == "title" and m.key and m.start < h.end and h.start < m.end for m in mentions):
            continue   # the lexicon or a name shape already read it
        mentions.append(_Mention("title", h.start, h.end, h.text, "Method", "name:" + norm(h.text), h.rule,
                                 introduced=True, display=h.text))
        _add_repeats(mentions, h.text, abstract)


def _add_repeats(mentions: list[_Mention], name: str, text: str) -> None:
    title = mentions[-1]
    for start, end in name_spans(text, name, ignore_case=" " in name):
        inside = [x for x in mentions if x.field == "abstract" and x.key and start <= x.start and x.end <= end]
        if any(x.field == "abstract" and x.key and x.start <= start < x.end for x in mentions if x not in inside):
            continue
        if any((x.start, x.end) == (start, end) and x.rule in ("acronym", "acronym-expansion") for x in inside):
            continue  # "Dual Grained Quantization (DGQ)", "… (SSA)": `_same_entity` joins the pair by its form
        for x in inside:  # "online speculative decoding" holds the lexicon's "speculative decoding"
            x.key = ""
        mentions.append(_Mention("abstract", start, end, text[start:end], title.type, title.key, "title-name",
                                 display=name))


def _claims(paper: Paper, doc: Doc, mentions: list[_Mention], entities: list[_Entity],
            by_form: dict[str, _Entity]) -> Iterator[dict[str, object]]:
    full, starts = _text(doc), _starts(doc)
    with_figures = sorted({sentence_index(starts, at) for at in figure_hints(full)})
    if not with_figures:   # many abstracts report no figure
        return
    main = next((e for e in entities if e.proposed and e.type in ("Method", "Model")), None) or next(
        (e for e in entities if e.mentions[0]["field"] == "title" and e.type in ("Method", "Model")
         and not e.attributes.get("org") and not e.attributes.get("kind")), None)
    abstract = [m for m in mentions if m.field == "abstract"]
    spans = sentences(full, starts)
    for i in with_figures:
        start_char, end_char = spans[i]
        text = full[start_char:end_char]
        local = [m for m in abstract if start_char <= m.start < end_char]
        raws = list(find_claims(text))
        # "We benchmark X against NLTK. X is 13x faster on T4": a figure-less sentence before names the baseline
        context = ""
        if i and i - 1 not in with_figures and any(not r.baseline for r in raws) and not context_baseline(text):
            context = context_baseline(full[slice(*spans[i - 1])])
        respectively = _devices_respectively(text, raws, local, start_char, by_form)
        for raw in raws:
            fig = start_char + raw.start
            method = _method_for(local, fig, raw, start_char, by_form, full) or _recent_proposed(
                abstract, start_char, fig, by_form) or main
            hardware = respectively.get(raw.start) or _hardware_for(
                local, fig, [start_char + r.start for r in raws if r.start > raw.start], by_form)
            yield {"value": raw.value, "unit": raw.unit, "metric": raw.metric, "qualifier": raw.qualifier,
                   "method": method.name if method else "", "baseline": raw.baseline or context,
                   "hardware": hardware.name if hardware else "",
                   "evidence": text[raw.evidence_start:raw.evidence_end].strip(" ,;"),
                   "provenance": {"paper_id": paper.id, "field": "abstract", "sentence": i,
                                  "start": start_char + raw.start, "end": start_char + raw.end,
                                  "extractor": EXTRACTOR_VERSION}}


# the words after a name that make it the sentence's subject: "X achieves", "X architectures achieve"
_SUBJECT_VERB = re.compile(r"^(?:'s)?(?:\s+(?:architectures?|models?|methods?|approach(?:es)?|frameworks?|systems?|"
                           r"variants?|designs?|kernels?|implementations?)\s+|\W{0,2})"
                           r"(?:\w+ly\s+|can\s+|further\s+|also\s+|still\s+|thus\s+)*(?:achiev|outperform|"
                           r"provid|attain|improv|reduc|accelerat|deliver|yield|offer|speed|enabl|run|show|demonstrat|"
                           r"is\b|are\b|bring|obtain|reach|lead|gain|exhibit|boost|cut|lower|increas|surpass|beat|exceed|"
                           r"make|render|perform|sustain|decod|generat|requir)", re.I)


def _method_for(local: list[_Mention], fig: int, raw, offset: int, by_form: dict[str, _Entity],
                text: str) -> _Entity | None:
    """The faster side: the proposed entity nearest before the figure, else the sentence's subject."""
    bstart = offset + raw.baseline_start if raw.baseline_start >= 0 else 10**9
    cands = [by_form[norm(m.text)] for m in local
             if m.type in ("Method", "Model") and not m.optional and m.end <= fig and m.start < bstart
             and norm(m.text) in by_form]
    proposed = [e for e in cands if e.proposed]
    if proposed:
        return proposed[-1]
    # a broad term may be the subject too ("encoder-decoder architectures achieve 4.7x higher throughput")
    subject = [m for m in local if m.type in ("Method", "Model") and m.end <= fig
               and m.start < bstart and norm(m.text) in by_form and _SUBJECT_VERB.match(text[m.end:m.end + 40])]
    return by_form[norm(subject[-1].text)] if subject else None


def _recent_proposed(abstract: list[_Mention], sent_start: int, fig: int, by_form: dict[str, _Entity]) -> _Entity | None:
    """The paper's own method named last before the figure, within about two sentences: "We propose X. … 2x"."""
    for m in sorted(abstract, key=lambda m: -m.start):
        if sent_start - 400 < m.start < fig and m.type in ("Method", "Model") and m.key:
            ent = by_form.get(norm(m.text))
            if ent is not None and ent.proposed:
                return ent
    return None


def _devices_respectively(sentence: str, raws: list, local: list[_Mention], offset: int,
                          by_form: dict[str, _Entity]) -> dict[int, _Entity]:
    """"On X, Y and Z, it is 1.3x, 1.2x and 1.5x faster … respectively": a list of figures takes the devices
    named before it in order, when there are as many. Keyed by each figure's start in the sentence."""
    if "respectively" not in sentence:
        return {}
    out: dict[int, _Entity] = {}
    lists: dict[tuple[int, int], list[int]] = {}   # figures listed together share their evidence span
    for raw in raws:
        starts = lists.setdefault((raw.evidence_start, raw.evidence_end), [])
        if raw.start not in starts:
            starts.append(raw.start)
    named = [(m.start, by_form.get(norm(m.text))) for m in sorted(local, key=lambda m: m.start)
             if m.type == "Hardware" and m.key.startswith("hw:") and not m.in_phrase]
    for starts in lists.values():
        devices: list[_Entity] = []
        for at, ent in named:
            if at < offset + starts[0] and ent is not None and all(ent is not d for d in devices):
                devices.append(ent)
        if len(starts) > 1 and len(devices) == len(starts):
            out.update(zip(starts, devices))
    return out


def _hardware_for(local: list[_Mention], fig: int, later: list[int], by_form: dict[str, _Entity]) -> _Entity | None:
    """The device the figure was measured on: the nearest one after it ("40x on A100"), else before it. Figures
    listed with no device between them share the one after the last ("47% lower latency and 4.7x higher
    throughput on edge devices"); ``later`` holds the positions of the sentence's next figures."""
    hw = [m for m in local if m.type == "Hardware" and not m.optional and not m.in_phrase and m.key]
    devices = [m for m in hw if m.key.startswith("hw:")] or hw
    if not devices:
        return None
    reach = fig
    for nxt in later:
        if nxt - reach >= 60 or any(reach <= m.start < nxt for m in devices):
            break
        reach = nxt
    after = [m for m in devices if m.start >= fig and m.start - reach < 80]
    best = min(after, key=lambda m: m.start) if after else min(devices, key=lambda m: abs(m.start - fig))
    return by_form.get(norm(best.text))
