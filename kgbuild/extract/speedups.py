"""Speedup claims in one sentence: the figure, its unit, metric, qualifier and the baseline it is measured against.

Pure functions over a sentence string; attribution of the faster method and the hardware needs the sentence's
entities and happens in `assemble`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from .catalogue import load_jsonl
from .scan import occurrences

__all__ = ["RawClaim", "find_claims", "figure_hints", "context_baseline"]


class RawClaim(NamedTuple):
    value: float
    unit: str
    start: int  # the figure's span in the sentence
    end: int
    metric: str
    qualifier: str
    baseline: str
    baseline_start: int
    evidence_start: int
    evidence_end: int


def _terms(role: str) -> list[dict]:
    return [t for t in load_jsonl("speedup_terms.jsonl") if t.get("role") == role]


def _alternation(words: list[str]) -> str:
    """A regex matching any of `words` (longest first), written as a trie so each position tries one branch per
    distinct next character instead of every word; a space in a word matches any run of spaces or hyphens."""
    trie: dict = {}
    for word in {w.lower() for w in words}:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_regex(trie)


def _first_letters(words: list[str]) -> str:
    """A lookahead for the characters `words` can start with, to put in front of a pattern that starts with
    ``\\b`` and their alternation: it changes no match, but the regex then skips to those characters instead of
    trying the whole alternation at every one (a third of the time)."""
    return "(?=[" + "".join(sorted({re.escape(w[0].lower()) for w in words if w})) + "])"


def _trie_regex(node: dict) -> str:
    branches = [(r"[\s-]+" if ch == " " else re.escape(ch)) + _trie_regex(child)
                for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


_NUM = r"\d+(?:\.\d+)?"
_X = r"(?:\s*(?:×|x|X)(?![\w×])|\s*[- ]?\\?times\b|[\s-]*fold\b)"  # "\\times": LaTeX left in the text
_PCT = r"\s*\\?%"
_NUMBER_WORDS = {re.sub(r"[\s-]+", " ", t["text"].lower()): float(t["value"]) for t in _terms("number_word")}
# Two scans: digits (cheap: the pattern starts with one) and, only when a hint word is present, number words.
# The lookahead changes no match (every figure starts with a digit) but lets the regex skip to digits instead of
# trying its optional range prefix at every character: half the time of the scan.
_NUMERIC = re.compile(rf"(?=[0-9])(?:(?P<a>{_NUM})(?P<ua>{_X}|{_PCT})?\s*(?:-|–|—|~|to)\s*)?(?P<b>{_NUM})(?P<u>{_X}|{_PCT})", re.I)
_FACTOR = re.compile(rf"\b(?:a\s+)?factor\s+of\s+(?:about\s+|up\s+to\s+)?(?P<f>{_NUM})", re.I)
# Pieces of the number words ("twice", "halved", "an order of magnitude") and of "3-fold", "3 times"
_NUMBER_WORD_HINTS = ("fold", "wice", "hrice", "times", "rder", "alf", "alv", "oubl", "ripl", "uadrupl")
_HINT_WORDS = _NUMBER_WORD_HINTS + ("factor",)
_UNIT_SIGNS = ("x", "X", "×", "%")


def figure_hints(text: str) -> list[int]:
    """Offsets where a figure may be: ×, x or % after a digit (spaces, hyphens or a backslash between), or a word
    that may carry one (times, fold, twice, half …). Callers scan a whole abstract once and look only at the
    sentences these fall in. Found with str.find, which is several times faster than a regex's scan for a digit.

    >>> text = "Up to 2.7 x faster; a 13-fold cut; experiments on 8 GPUs; twice the speed"
    >>> sorted(text[at:at + 5] for at in figure_hints(text))
    ['fold ', 'wice ', 'x fas']
    """
    hints = [at for at, _ in occurrences(text, _HINT_WORDS)]
    for at, _ in occurrences(text, _UNIT_SIGNS):
        before = at - 1
        while before >= 0 and (text[before].isspace() or text[before] in "\\-"):
            before -= 1
        if before >= 0 and text[before] in "0123456789":
            hints.append(at)
    return hints
_WORDS = re.compile(rf"{_first_letters(list(_NUMBER_WORDS))}\b(?P<w>{_alternation(list(_NUMBER_WORDS))})\b", re.I)


def _figures(sentence: str) -> list[re.Match[str]]:
    """Numeric figures not glued to a word or decimal on their left, and number words, in text order."""
    found = [m for m in _NUMERIC.finditer(sentence)
             if not m.start() or not (sentence[m.start() - 1].isalnum() or sentence[m.start() - 1] in "._")]
    if any(hint in sentence for hint in _NUMBER_WORD_HINTS):
        found += _WORDS.finditer(sentence)
    if "factor" in sentence:  # "by a factor of 2.4"
        found += _FACTOR.finditer(sentence)
    found.sort(key=lambda m: m.start())
    return found
_LIST_GAP = re.compile(r"^\s*(?:,\s*)?(?:and|or)?\s*$")
_QUALIFIERS = [(t["text"], t["canonical"]) for t in _terms("qualifier")]
_QUALIFIER_RE = re.compile(rf"(?:{_alternation([q for q, _ in _QUALIFIERS])})\s*(?:a|an|the)?\s*$", re.I)
_QUALIFIER_CANON = {re.sub(r"[\s-]+", " ", q.lower()): c for q, c in _QUALIFIERS}
_SPEED_WORDS = [t["text"] for t in _terms("metric") + _terms("faster")]
_NOT_SPEED_WORDS = [t["text"] for t in _terms("not_speed")]
_SPEED = re.compile(rf"{_first_letters(_SPEED_WORDS)}\b(?:{_alternation(_SPEED_WORDS)})", re.I)
_NOT_SPEED = re.compile(rf"{_first_letters(_NOT_SPEED_WORDS)}\b(?:{_alternation(_NOT_SPEED_WORDS)})(?![\w-])", re.I)
_METRIC = re.compile(
    r"\b(?:(?:end-to-end|e2e|maximum|overall|average|token[\s-]generation|inference|decoding|decode|prefill(?:ing)?"
    r"|training|generation|sampling|serving|p\d\d|first-token|time-to-first-token|wall-clock|per-token|kernel"
    r"|attention|search|retrieval|execution|response|query|encoding|rendering|convergence)\s+)*"
    r"(?:time[\s-]to[\s-]first[\s-]token|throughput|latency|latencies|speed-?ups?|speed\s+up"
    r"|speed(?:\s+(?:gains?|improvements?))?|time|runtime|TTFT|TPOT|wall-clock\s+time)\b",
    re.I,
)
_BASELINE_AFTER = re.compile(
    r"^[^.;:]*?\b(?:than|over|compared\s+(?:to|with)|comparing(?:\s+(?:to|with))?|relative\s+to|against|versus|vs\.?"
    r"|in\s+comparison\s+(?:to|with)|with\s+respect\s+to|the\s+(?:[\w-]+\s+){0,2}?(?:throughput|speed|performance"
    r"|latency|runtime)\s+of)\s+(?:with\s+|using\s+)?(?P<b>[^.;:()]+)",
    re.I,
)
_OUTDOES = (r"outperform(?:s|ed|ing)?|surpass(?:es|ed|ing)?|beat(?:s|ing)?|exceed(?:s|ed|ing)?|accelerat(?:es|ed|ing)?|"
            r"speeds?\s+up|improv(?:es|ed|ing)\s+(?:over|upon|on)")
# "outperforms X by": X runs back to the nearest such verb ("… speed up over vLLM and outperforms Y with 1.5x": Y)
_BASELINE_BEFORE = re.compile(rf"\b(?:{_OUTDOES})\s+(?P<b>(?:(?!{_OUTDOES})[^.;:()])+?)\s+(?:by|with)\s*(?:a|an)?\s*$",
                              re.I)
_TRAILING_BASELINE = re.compile(r"\b(?:as\s+)?(?:compared\s+(?:to|with)|relative\s+to|versus|vs\.?)\s+(?P<b>[^.;:()]+)", re.I)
_CLAUSE_WORDS = (r"\s(?:on|in|across|for|while|when|with|without|at|under|using|by|which|thereby|whereas|achiev\w*|"
                 r"and\s+(?:achiev|reduc|improv|maintain|deliver|enabl|yield|attain|obtain|lower|increas|up\s+to|"
                 r"outperform|surpass|exceed|beat|accelerat|speed|run|scal|match|requir)\w*|"
                 r"respectively|during|through|from|of\s+up)\b")
_BASELINE_END = re.compile(rf",|{_CLAUSE_WORDS}", re.I)
_BASELINE_LIST_END = re.compile(_CLAUSE_WORDS, re.I)   # a list of baselines runs over its commas


def find_claims(sentence: str) -> Iterator[RawClaim]:
    """Each speed figure in the sentence; a range gives two claims, a list pairs with a list of baselines."""
    groups: list[list[tuple[re.Match[str], list[tuple[float, str]]]]] = []
    for m in _figures(sentence):
        if "f" in m.re.groupindex:
            figure = (m, [(float(m.group("f")), "x")])
        elif "w" in m.re.groupindex:
            word = re.sub(r"[\s-]+", " ", m.group("w").lower())
            figure = (m, [(_NUMBER_WORDS[word], "x")])
        else:
            unit = "%" if "%" in m.group("u") else "x"
            values = [float(m.group("b"))]
            if m.group("a") is not None and ("%" in (m.group("ua") or m.group("u"))) == (unit == "%"):
                values.insert(0, float(m.group("a")))
            figure = (m, [(v, unit) for v in values])
        if groups and _LIST_GAP.match(sentence[groups[-1][-1][0].end():m.start()]):
            groups[-1].append(figure)
        else:
            groups.append([figure])
    groups = _speed_groups(sentence, groups)
    baselines = []
    for i, group in enumerate(groups):
        start, end = group[0][0].start(), group[-1][0].end()
        clause_end = groups[i + 1][0][0].start() if i + 1 < len(groups) else len(sentence)
        baselines.append(_baseline(sentence, start, end, clause_end))
    for i in range(len(groups) - 2, -1, -1):  # "47% lower latency and 4.7x higher throughput than X": both over X
        gap = sentence[groups[i][-1][0].end():groups[i + 1][0][0].start()]
        if (not baselines[i][0] or _sped_up(sentence, baselines[i]) and baselines[i + 1][0]) \
                and re.search(r"\sand\s", gap) and len(gap) < 60 and not re.search(r"[,;]", gap):
            baselines[i] = baselines[i + 1]
    if groups:  # "… 3.7x, … 6.7x, and … as compared to ReAct": a trailing comparison covers the whole list
        tail = _TRAILING_BASELINE.search(sentence, groups[-1][-1][0].end())
        if tail:
            text = _BASELINE_END.split(tail.group("b"), maxsplit=1)[0].strip()
            baselines = [b if b[0] else (text, tail.start("b"), tail.start("b") + len(text)) for b in baselines]
    previous_metric = "speedup"
    for i, group in enumerate(groups):
        start, end = group[0][0].start(), group[-1][0].end()
        baseline, bstart, bend = baselines[i]
        names = _split_list(baseline) if len(group) > 1 else [baseline]
        if len(names) != len(group) and bstart >= 0:   # "1.3x, 1.2x and 1.5x faster than A, B and C"
            names = _split_list(_BASELINE_LIST_END.split(sentence[bstart:], maxsplit=1)[0])
        if len(names) != len(group):
            names = [baseline] * len(group)
        metric = _metric(sentence, start, end)
        if metric == "speedup" and i and groups[i - 1][0][1][0][1] == group[0][1][0][1]:
            metric = previous_metric  # "… by 6.21x for LM, 5.75x for MT": the list shares its metric
        previous_metric = metric
        qualifier = _qualifier(sentence, start, end)
        ev_start = max(0, sentence.rfind(",", 0, start) + 1, start - 80)
        ev_end = min(len(sentence), max(end + 30, bend))
        for (m, figures), name in zip(group, names):
            for value, unit in figures:
                yield RawClaim(value, unit, m.start(), m.end(), metric, qualifier, name,
                               bstart, ev_start, ev_end)


def _speed_groups(s: str, groups: list) -> list:
    """Keep the speed figures; a figure continuing a speed list ("13x on T4 and 40x on A100") inherits its cue."""
    kept, prev_end, prev_unit = [], None, None
    for g in groups:
        start, end, unit = g[0][0].start(), g[-1][0].end(), g[0][1][0][1]
        continues = (prev_end is not None and unit == prev_unit and start - prev_end < 60
                     and not _NOT_SPEED.search(s[prev_end:start]) and not _NOT_SPEED.search(s[end:end + 25]))
        if continues or _is_speed(s, start, end, unit):
            kept.append(g)
            prev_end, prev_unit = end, unit
    return kept


_CLAUSE_CUT = re.compile(r"(?<!\\)[,;:.()]\s|\s(?:and|while|but|whereas|with)\s")
_COMPARATIVE = re.compile(r"\b(?:fast|low|high|reduc|speed|improv|increas|decreas|less|sav|cut|accelerat|gain|short|quick|boost|outperform|surpass|exceed|beat)",
                          re.I)
_SETTING = re.compile(r"\b(?:at|under|for|with)\s+(?:a\s+|an\s+)?(?:[\d.,]+[KkMm]?\s+)?$", re.I)
_PER_UNIT_COST = re.compile(r"^\s*(?:per|/)\s*(?:dollar|\$|watt|joule|unit\s+cost)", re.I)


def _is_speed(s: str, start: int, end: int, unit: str) -> bool:
    """A figure is about speed when the nearest cue word of its clause is a speed word, not memory or cost."""
    after = s[end:end + 45]
    cut = _CLAUSE_CUT.search(after)
    after = after[:cut.start()] if cut else after
    before = s[max(0, start - 60):start]
    a_speed, a_not = _SPEED.search(after), _NOT_SPEED.search(after)
    if a_not and _SETTING.search(after, 0, a_not.start()):
        a_not = None   # "9x in generation at 4K sequence length": the setting measured at, not what grew
    if a_speed and _PER_UNIT_COST.match(after[a_speed.end():]):
        return False
    if a_not and (not a_speed or a_not.start() < a_speed.start()):
        return False
    if unit == "%" and not (_COMPARATIVE.search(after) or _COMPARATIVE.search(before[-45:])):
        return False
    if a_speed and a_speed.start() < 25:
        return True
    b_speed = b_not = None
    for b_speed in _SPEED.finditer(before):
        pass
    for b_not in _NOT_SPEED.finditer(before):
        pass
    if b_speed and (not b_not or b_not.end() <= b_speed.start()):
        return unit == "x" or len(before) - b_speed.end() < 40
    return bool(a_speed) and unit == "x"


_DONE_FASTER = re.compile(r"\b((?!(?:during|including|using|being|having|according|bring)\b)[a-z]+ing"
                          r"(?:\s+[a-z][\w-]*){0,3})\s+$", re.I)


def _metric(s: str, start: int, end: int) -> str:
    best, dist = "", 10**6
    for m in _METRIC.finditer(s, max(0, start - 70), min(len(s), end + 60)):
        d = m.start() - end if m.start() >= end else start - m.end()
        d = d if m.start() >= end else d + 5
        if 0 <= d < dist:
            best, dist = m.group(0), d
    if best.lower().startswith("speed"):  # "1.3x speedup in throughput": the metric is what sped up
        grown = re.match(r"\s+(?:in|of|for)\s+(?:the\s+)?((?:\w+\s+)?(?:throughput|latency|inference|decoding|"
                         r"training|generation|prefill|sampling))\b", s[s.find(best, max(0, start - 70)) + len(best):])
        if grown:
            return grown.group(1).lower()
    if not best:
        done = re.search(r"\b(training|inference|decoding|generation|prefill|sampling|convergence|search|retrieval)\b"
                         r"\W+(?:\w+\W+){0,3}$", s[max(0, start - 40):start], re.I)
        if done:
            return f"{done.group(1).lower()} speed"
        # "reaching target accuracy 3x faster": what is done faster is the text's metric
        done = _DONE_FASTER.search(s[max(0, start - 50):start])
        if done and re.match(r"\s*(?:faster|quicker|sooner)\b", s[end:], re.I):
            return done.group(1).lower()
        return "speedup"
    return re.sub(r"\s+", " ", best).lower()


def _qualifier(s: str, start: int, end: int) -> str:
    m = _QUALIFIER_RE.search(s[max(0, start - 30):start])
    if m:
        key = re.sub(r"[\s-]+", " ", re.sub(r"\s*(?:a|an|the)?\s*$", "", m.group(0), flags=re.I).strip().lower())
        return _QUALIFIER_CANON.get(key, key)
    if re.match(r"\s*(?:\S+\s+){0,3}?on\s+average\b", s[end:end + 40], re.I):
        return "on average"
    return ""


_APPROXIMATELY = ("up to", "over", "about", "approximately", "nearly", "almost", "around", "at least", "an average of",
                  "on average")
_APPROXIMATE = re.compile(r"\s*(?:" + "|".join(p.replace(" ", r"\s+") for p in _APPROXIMATELY) + r")\s*$", re.I)
_APPROXIMATE_ENDS = tuple(dict.fromkeys(p.split()[-1] for p in _APPROXIMATELY))   # what `before` ends with when it can match


def _baseline(s: str, start: int, end: int, clause_end: int) -> tuple[str, int, int]:
    """What the figure is compared with, and where: after it ("than X", "over X", "the throughput of X") or
    before it ("outperforms X by"). "accelerates X by 2x" names X only when nothing after the figure says what it
    is compared with ("speeds up FFT convolutions by 7.9x over PyTorch")."""
    before = s[max(0, start - 120):start]
    if before.rstrip().lower().endswith(_APPROXIMATE_ENDS):   # the costly regex below can only match then
        before = _APPROXIMATE.sub(" ", before)
    m = _BASELINE_BEFORE.search(before.rstrip() + " ")
    after = _baseline_after(s, end, clause_end)
    if m and (not re.match(r"(?:accel|speed)", m.group(0), re.I) or not after[0]):
        off = max(0, start - 120)
        return m.group("b").strip(), off + m.start("b"), off + m.end("b")
    return after if after[0] else _parity_baseline(s, start)


def _sped_up(s: str, baseline: tuple[str, int, int]) -> bool:
    """Whether a baseline is the workload "accelerates X by" names ("accelerates LLM prefilling by 2.9x and
    decoding by 1.3x over vLLM"), which a comparison stated for the next figure of the list replaces."""
    text, start, _ = baseline
    return bool(_WORKLOAD.search(text) and _ACCELERATES.search(s, max(0, start - 30), start))


_ACCELERATES = re.compile(r"\b(?:accelerat\w*|speeds?\s+up)\s+$", re.I)
_WORKLOAD = re.compile(r"\b(?:prefill(?:ing)?|decoding|inference|training|fine-tuning|pre-?training|generation|sampling|"
                       r"serving|computation|convergence|search|retrieval|execution|processing)$", re.I)
_PARITY = re.compile(r"\b(?:competitive\s+with|comparable\s+(?:[\w-]+\s+){0,2}?(?:to|with)|on\s+par\s+with"
                     r"|(?:matches|matching)\s+(?:the\s+)?(?:quality|accuracy|performance)\s+of)\s+(?P<b>[^.;:()]+)",
                     re.I)
_GERUND = re.compile(r"\s[a-z]+ing\b")


def _parity_baseline(s: str, start: int) -> tuple[str, int, int]:
    """"competitive with full attention … but 2x faster": quality on par with X, speed over X. The phrase stands
    before the figure in the sentence; the baseline ends where its clause does, or at a verb in -ing."""
    found = None
    for found in _PARITY.finditer(s, 0, start):
        pass
    if found is None:
        return "", -1, -1
    text = _BASELINE_END.split(found.group("b"), maxsplit=1)[0]
    text = _GERUND.split(text, maxsplit=1)[0].strip()
    if not text or text[0].isdigit():
        return "", -1, -1
    return text, found.start("b"), found.start("b") + len(text)


def context_baseline(sentence: str) -> str:
    """The baseline a figure-less sentence sets for the next one: "We benchmark X against NLTK, …" → "NLTK"."""
    m = _CONTEXT_BASELINE.search(sentence)
    if m is None:
        return ""
    text = _BASELINE_END.split(m.group("b"), maxsplit=1)[0].strip()
    return "" if not text or text[0].isdigit() else text


_CONTEXT_BASELINE = re.compile(r"\b(?:against|compared\s+(?:to|with)|relative\s+to|versus|vs\.?)\s+(?P<b>[^.;:()]+)",
                               re.I)


def _baseline_after(s: str, end: int, clause_end: int) -> tuple[str, int, int]:
    m = _BASELINE_AFTER.match(s[end:clause_end])
    if m and m.start("b") < 70:
        text = _BASELINE_END.split(m.group("b"), maxsplit=1)[0].strip()
        paren = re.match(r"\s*\([A-Z][\w-]*\)", s[end + m.start("b") + len(text):])
        if paren:  # keep a defining acronym: "grouped-query attention (GQA)"
            text += paren.group(0)
        text = re.sub(r"^(?:the|a|an)\s+", "", text, flags=re.I)
        if text and not text[0].isdigit():
            return text, end + m.start("b"), end + m.start("b") + len(text)
    return "", -1, -1


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if p.strip()]
