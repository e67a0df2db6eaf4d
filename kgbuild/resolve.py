"""Resolution: surface forms of each paper to node ids, with every decision logged as a `MergeRecord`.

`kgbuild.canonical.canonical_id` gives a bare form its id from the lexicon alone; `resolve` adds what one paper
tells us (acronyms defined in it, which entity a claim's method, baseline and device name, "our method") and then the
user's overrides (`kgbuild.overrides`). `kgbuild.merge_log` turns the records into the merge log: for every node,
each surface form that reached it, the rule that decided it and one place it was read.
"""
from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from .canonical import KINDS, RULES, _decide, _Decision, canonical_id, claim_id, paper_node_id
from .lexicon_index import Lexicon, default_lexicon, normalise, slugify
from .models import Entity, Extraction, Provenance, SpeedupClaim
from .overrides import Overrides, OverridesLike, as_overrides
from .vocab import ENTITY_LABELS

__all__ = [
    "RESOLVER",
    "RULES",
    "KINDS",
    "Lexicon",
    "MergeRecord",
    "ResolvedEntity",
    "ResolvedClaim",
    "ResolvedPaper",
    "Resolution",
    "baseline_forms",
    "find_baseline",
    "canonical_id",
    "claim_id",
    "default_lexicon",
    "is_acronym",
    "normalise",
    "paper_node_id",
    "resolve",
    "resolve_name",
    "resolve_paper",
    "slugify",
]

#: The resolver as a PROV agent: what the rule activities of the merge log are associated with.
RESOLVER = "kgbuild-resolve/0.1"

# "our method", "the proposed approach", "ours": a claim naming the paper's own contribution
_SELF_REFERENCE = re.compile(r"^(ours|(our|the proposed|the new|this)( (proposed|new))? (method|approach|system|"
                             r"model|framework|technique|algorithm|scheme|design|engine|kernel|solution)s?)$", re.I)


def is_acronym(short: str, long: str) -> bool:
    """Whether ``short`` abbreviates ``long`` (Schwartz–Hearst: its letters in order, the first starting a word).

    >>> is_acronym("LoRA", "Low-Rank Adaptation"), is_acronym("WAA", "FlashAttention-2")
    (True, False)
    """
    letters = [c for c in short.lower() if c.isalnum()]
    if not 2 <= len(letters) <= 10 or len(short.split()) > 1 or len(long) <= len(short):
        return False
    text = long.lower()
    i = len(text) - 1
    for k in range(len(letters) - 1, -1, -1):
        c = letters[k]
        while i >= 0 and (text[i] != c or (k == 0 and i > 0 and text[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return False
        i -= 1
    return True


# ----------------------------------------------------------------------------------------------------- records
@dataclass(frozen=True)
class MergeRecord:
    """One resolution decision: this surface form, in this paper, became this node, by this rule (`RULES`).

    ``detail`` says what the rule matched (the catalogue entry, the acronym's expansion, the overrides entry …);
    ``provenance`` is the span the form was read at and ``evidence`` the text around it when the build has it: the
    paper's title, or the evidence of a speedup claim whose span holds the mention (extraction records keep no
    abstract text, so other mentions have the span only).
    """

    surface: str
    node_id: str
    rule: str
    paper_id: str
    provenance: Provenance | None = None
    detail: str | None = None
    evidence: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Flat, JSON-ready: node_id, surface, rule, detail, paper_id, field, sentence, start, end, evidence."""
        span = self.provenance.model_dump(exclude={"extractor"}) if self.provenance is not None else {}
        return {"node_id": self.node_id, "surface": self.surface, "rule": self.rule, "detail": self.detail,
                "paper_id": self.paper_id, "field": span.get("field"), "sentence": span.get("sentence"),
                "start": span.get("start"), "end": span.get("end"), "evidence": self.evidence}


@dataclass(frozen=True)
class ResolvedEntity:
    """An entity of one paper with its node id and what the lexicon says about it."""

    node_id: str
    entity: Entity
    display: str
    entry: dict[str, Any] | None = None
    is_class: bool = False
    family_id: str | None = None
    family_display: str | None = None
    size: str | None = None
    named: bool = False             # ``display`` is the node's name (a catalogue entry or a `same` override)


@dataclass(frozen=True)
class ResolvedClaim:
    """A speedup claim with its node id and the node ids its method, baseline and hardware name in the paper."""

    node_id: str
    claim: SpeedupClaim
    method_id: str | None
    baseline_id: str | None
    hardware_id: str | None


@dataclass
class ResolvedPaper:
    """One Extraction after resolution: entity node ids, the paper's surface-form table, claims and merges."""

    extraction: Extraction
    entities: list[ResolvedEntity]
    claims: list[ResolvedClaim]
    forms: dict[str, str]
    merges: list[MergeRecord]

    def lookup(self, text: str) -> str | None:
        """The node id a surface form names in this paper (name, alias or acronym defined here), if any."""
        return self.forms.get(normalise(text))


@dataclass
class Resolution:
    """`resolve`'s answer: the resolved papers in input order and every merge decision."""

    papers: list[ResolvedPaper]
    overrides: Overrides = field(default_factory=Overrides)

    @property
    def merges(self) -> list[MergeRecord]:
        """All decisions, sorted by paper, node and surface form."""
        return sorted((m for p in self.papers for m in p.merges),
                      key=lambda m: (m.paper_id, m.node_id, m.surface, m.rule))


# ----------------------------------------------------------------------------------------------------- entities
def _mention_of(entity: Entity, form: str, evidence: Any) -> Provenance | None:
    # a mention as long as the form is most likely that form (the first with evidence text, else the first);
    # else the entity's first mention
    same_length = [m for m in entity.mentions if m.end - m.start == len(form)]
    with_text = (m for m in same_length if evidence(m, form))
    return next(with_text, None) or next(iter(same_length or entity.mentions), None)


def _entry(entity: Entity, forms: list[str], decision: _Decision, mentions: list[Provenance], main: bool,
           named_by: str | None) -> ResolvedEntity:
    sub = entity.model_copy(update={"name": forms[0], "aliases": forms[1:], "mentions": mentions,
                                    **({} if main else {"attributes": {}})})
    named = named_by is not None or (decision.entry is not None and decision.family_id is None)
    # the lexicon (or a `same` entry) names what it knows; anything else, and sized variants, show the paper's name
    display = named_by or (decision.display if named else sub.name)
    return ResolvedEntity(decision.node_id, sub, display, decision.entry, decision.is_class, decision.family_id,
                          decision.family_display, decision.size, named)


def _resolve_entity(entity: Entity, paper_id: str, lex: Lexicon, ov: Overrides,
                    evidence: Any) -> tuple[list[ResolvedEntity], list[MergeRecord]]:
    forms = list(dict.fromkeys([entity.name, *entity.aliases]))
    decisions = [_decide(f, entity.type, lex) for f in forms]
    # a form the lexicon knows fixes the id, so this paper's node is the one other papers reach by the lexicon
    main = next((d for d in decisions if d.entry is not None), decisions[0])
    main_form = forms[decisions.index(main)]
    placed: list[tuple[_Decision, str, str | None]] = []     # per form: node decision, rule, detail
    for form, d in zip(forms, decisions):
        if d.node_id == main.node_id:
            placed.append((main, d.rule, d.detail))
            continue
        partner = next((o for o in forms if o != form and (is_acronym(form, o) or is_acronym(o, form))), None)
        placed.append((main, "acronym-expansion", partner) if partner else (main, "normalisation", main_form))
    named_by = None
    if ov:
        group = ov.same_entry(forms, main.node_id, entity.type, lex)
        target = _decide(group[0], entity.type, lex) if group else None
        if group and target is not None and target.node_id != main.node_id:
            entry = f"same {json.dumps(list(group), ensure_ascii=False)}"
            placed = [(target, "manual", entry)] * len(forms)
            named_by = target.display if target.entry is not None and target.family_id is None else group[0]
        for i, form in enumerate(forms):
            if (split := ov.split(form, placed[i][0].node_id, forms, entity.type, lex)) is not None:
                placed[i] = (split[0], "manual", f"different {json.dumps(list(split[1]), ensure_ascii=False)}")
    records = [MergeRecord(form, d.node_id, rule, paper_id, (m := _mention_of(entity, form, evidence)), detail,
                           evidence(m, form))
               for form, (d, rule, detail) in zip(forms, placed)]
    home = placed[0][0].node_id
    if all(d.node_id == home for d, _, _ in placed):
        return [_entry(entity, forms, placed[0][0], list(entity.mentions), True, named_by)], records
    # a `different` split the entity: each node takes its forms and the mentions as long as one of them
    by_node: dict[str, list[int]] = {}
    for i, (d, _, _) in enumerate(placed):
        by_node.setdefault(d.node_id, []).append(i)
    length_home = {len(forms[i]): node for node, idx in by_node.items() if node != home for i in idx}
    resolved = []
    for node, idx in by_node.items():
        mentions = [m for m in entity.mentions if length_home.get(m.end - m.start, home) == node]
        resolved.append(_entry(entity, [forms[i] for i in idx], placed[idx[0]][0], mentions, node == home,
                               named_by if node == home else None))
    return resolved, records


# ----------------------------------------------------------------------------------------------------- claims
_BASELINE_LEAD = re.compile(r"^(the|a|an|standard|vanilla|original|conventional|default|naive)\s+",
                            re.I)
_BASELINE_TAIL = re.compile(r"\s+(implementations?|baselines?|kernels?|systems?|models?|methods?)$", re.I)


def baseline_forms(baseline: str) -> list[str]:
    """The forms a baseline text is tried as: as written, then without leading articles and trailing generic words.

    >>> baseline_forms("the PyTorch baseline")
    ['the PyTorch baseline', 'PyTorch baseline', 'PyTorch']
    """
    forms = [baseline.strip()]
    text = forms[0]
    while (stripped := _BASELINE_LEAD.sub("", text, count=1)) != text:
        forms.append(text := stripped)
    if (stripped := _BASELINE_TAIL.sub("", text)) != text and stripped:
        forms.append(stripped)
    return list(dict.fromkeys(f for f in forms if f))


def find_baseline(baseline: str, nodes: Collection[str], *, lexicon: Lexicon | None = None,
                  overrides: OverridesLike = None) -> str | None:
    """The node among ``nodes`` a claim's baseline names, trying each of its `baseline_forms` as each entity type.

    >>> find_baseline("the vLLM baseline", {"method:vllm", "hardware:a100"})
    'method:vllm'
    """
    for form in baseline_forms(baseline) if baseline else ():
        for label in ENTITY_LABELS:
            try:
                node_id = resolve_name(form, label, lexicon=lexicon, overrides=overrides)
            except ValueError:
                continue
            if node_id in nodes:
                return node_id
    return None


def _find_in_paper(text: str, forms: dict[str, str], surfaces: dict[str, str]) -> str | None:
    for form in baseline_forms(text):
        if (node := forms.get(normalise(form))) is not None:
            return node
    # "the unpruned ResNet-50": the longest non-hardware surface form of the paper written inside the baseline
    hits = sorted(((len(s), node) for s, node in surfaces.items()
                   if not node.startswith("hardware:") and re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text, re.I)),
                  reverse=True)
    if hits and (len(hits) == 1 or hits[0][0] > hits[1][0] or hits[0][1] == hits[1][1]):
        return hits[0][1]
    return None


def _evidence_in(extraction: Extraction) -> Any:
    """The text a mention of a form can be shown in: the title, or the evidence of a claim in the same sentence
    whose span holds the mention or whose text holds the form."""
    claims = [c for c in extraction.speedups if c.provenance is not None]

    def evidence(p: Provenance | None, form: str) -> str | None:
        if p is None:
            return None
        if p.field == "title":
            return extraction.title
        return next((c.evidence for c in claims if (c.provenance.field, c.provenance.sentence) == (p.field, p.sentence)
                     and (c.provenance.start <= p.start and p.end <= c.provenance.end or form in c.evidence)), None)
    return evidence


# ----------------------------------------------------------------------------------------------------- papers
def resolve_paper(extraction: Extraction, *, lexicon: Lexicon | None = None,
                  overrides: OverridesLike = None) -> ResolvedPaper:
    """Resolve one paper: entity ids, acronyms defined in the paper, the entities its claims name, and overrides.

    A claim's method or hardware that is not among the paper's entities becomes an implicit entity of the paper
    (a Method or Hardware mentioned at the claim's evidence); a method written as "our method" is the one entity the
    paper proposes, if it proposes exactly one; a baseline links only to an entity of this paper here, and
    `kgbuild.graph.build_graph` tries the rest of the graph after.
    """
    lex, ov = lexicon or default_lexicon(), as_overrides(overrides)
    pid = extraction.id
    entities: list[ResolvedEntity] = []
    merges: list[MergeRecord] = []
    forms: dict[str, str] = {}
    surfaces: dict[str, str] = {}
    evidence = _evidence_in(extraction)

    def add(entity: Entity) -> str:
        resolved, records = _resolve_entity(entity, pid, lex, ov, evidence)
        entities.extend(resolved)
        merges.extend(records)
        for r in records:
            forms.setdefault(normalise(r.surface), r.node_id)
            surfaces.setdefault(r.surface, r.node_id)
        return records[0].node_id

    for entity in extraction.entities:
        add(entity)
    proposed = {r.node_id: r.display for r in entities if r.entity.proposed and r.entity.type in ("Method", "Model")}

    claims = []
    for n, claim in enumerate(extraction.speedups, 1):
        mentions = [claim.provenance] if claim.provenance else []
        method_id = hardware_id = None
        if claim.method and _SELF_REFERENCE.match(claim.method.strip()):
            if len(proposed) == 1:
                (method_id, name), = proposed.items()
                merges.append(MergeRecord(claim.method, method_id, "self-reference", pid, claim.provenance, name,
                                          claim.evidence))
        elif claim.method:
            method_id = forms.get(normalise(claim.method)) or add(
                Entity(name=claim.method, type="Method", mentions=mentions))
        if claim.hardware:
            hardware_id = forms.get(normalise(claim.hardware)) or add(
                Entity(name=claim.hardware, type="Hardware", mentions=mentions))
        baseline_id = _find_in_paper(claim.baseline, forms, surfaces) if claim.baseline else None
        claims.append(ResolvedClaim(claim_id(pid, n), claim, method_id, baseline_id, hardware_id))
    return ResolvedPaper(extraction, entities, claims, forms, merges)


def resolve(extractions: Iterable[Extraction], *, lexicon: Lexicon | None = None,
            overrides: OverridesLike = None) -> Resolution:
    """Resolve every paper; across papers the same canonical id is one node.

    Examples
    --------
    >>> from kgbuild.models import Entity, Extraction
    >>> paper = Extraction(id="p1", title="t", entities=[
    ...     Entity(name="Wavefront-Aware Attention", aliases=["WAA"], type="Method", proposed=True)])
    >>> [(m.surface, m.node_id, m.rule) for m in resolve([paper]).merges]
    [('WAA', 'method:wavefront-aware-attention', 'acronym-expansion'), ('Wavefront-Aware Attention', 'method:wavefront-aware-attention', 'exact')]
    >>> [(m.surface, m.node_id, m.rule) for m in resolve([paper], overrides={"different": [["WAA", "Wavefront-Aware Attention"]]}).merges]
    [('WAA', 'method:waa', 'manual'), ('Wavefront-Aware Attention', 'method:wavefront-aware-attention', 'exact')]
    """
    ov = as_overrides(overrides)
    return Resolution([resolve_paper(e, lexicon=lexicon, overrides=ov) for e in extractions], ov)


def resolve_name(name: str, type: str, *, lexicon: Lexicon | None = None, overrides: OverridesLike = None) -> str:
    """The node a lone mention of ``name`` reaches: `canonical_id` with the overrides applied.

    >>> resolve_name("LoRA", "Method", overrides={"different": [["LoRA", "Low-Rank Adaptation"]]})
    'method:lora'
    >>> resolve_name("LoRA", "Method")
    'method:low-rank-adaptation'
    """
    ov = as_overrides(overrides)
    if not ov or type not in ("Method", "Model", "Dataset", "Hardware"):
        return canonical_id(name, type, lexicon=lexicon)
    _, records = _resolve_entity(Entity(name=name, type=type), "", lexicon or default_lexicon(), ov,
                                 lambda p, form: None)
    return records[0].node_id
