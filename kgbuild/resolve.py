"""Canonical node ids and the merging of surface forms: the one place node ids come from.

`canonical_id` maps a surface form and its type to a node id with no context but the lexicon (the data files under
``kgbuild/extract/data/``); `resolve` adds what one paper tells us (acronyms defined in it, which entity a claim's
method, baseline and device name) and records every decision as a `MergeRecord`.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import KgbuildError
from .models import Entity, Extraction, Provenance, SpeedupClaim

__all__ = [
    "RULES",
    "baseline_forms",
    "KINDS",
    "Lexicon",
    "MergeRecord",
    "ResolvedEntity",
    "ResolvedClaim",
    "ResolvedPaper",
    "Resolution",
    "canonical_id",
    "claim_id",
    "default_lexicon",
    "is_acronym",
    "normalise",
    "paper_node_id",
    "resolve",
    "resolve_paper",
    "slugify",
]

#: Why a surface form got its node id.
RULES: tuple[str, ...] = ("catalogue-alias", "normalisation", "size-variant", "acronym-expansion", "exact")

#: Node label -> id prefix.
KINDS: dict[str, str] = {
    "Method": "method", "Model": "model", "Dataset": "dataset", "Hardware": "hardware", "Paper": "paper",
    "Vendor": "vendor", "HardwareClass": "class", "SpeedupClaim": "claim", "Finding": "finding",
}

_LEXICON_FILES = ("vendors", "hardware_classes", "hardware", "models", "datasets", "methods")
_HW_TRAILING = {"gpu", "gpus", "accelerator", "accelerators"}
_SIZE_WORDS = {"tiny", "mini", "small", "base", "medium", "large", "xl", "xxl", "xlarge", "xxlarge", "huge", "giant"}
_SIZE_RE = re.compile(r"(\d+x)?\d+(\.\d+)?[kmbt]")      # 7b, 0.5b, 125m, 8x7b
_PATCH_SIZE_RE = re.compile(r"[a-z]/\d+")                 # ViT-L/14
_TOKEN_RE = re.compile(r"[^\s\-_]+")


# ----------------------------------------------------------------------------------------------------- strings
def normalise(text: str) -> str:
    """The matching key of a surface form (the scorer's): NFKC, lower case, only ``0-9 a-z . + #`` kept.

    >>> normalise("Llama-2 7B")
    'llama27b'
    """
    return re.sub(r"[^0-9a-z.+#]", "", unicodedata.normalize("NFKC", text).lower())


def slugify(text: str) -> str:
    """Lower-case ASCII with '-' separators, safe for IRIs and file names ('+' and '#' are spelled out).

    >>> slugify("FlashDecoding++"), slugify("TPU v4"), slugify("ViT-L/14")
    ('flashdecoding-plus-plus', 'tpu-v4', 'vit-l-14')
    """
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = text.replace("+", " plus ").replace("#", " sharp ")
    slug = re.sub(r"[^a-z0-9.]+", "-", text)
    slug = re.sub(r"-?\.-?", ".", slug)            # "2 . 5" → "2.5"
    return re.sub(r"\.{2,}", ".", slug).strip("-.")


def _model_slug(text: str) -> str:
    # "Llama2" and "Llama 2" are one family: split a letter run (2+ letters) from the number that follows it,
    # and "YOLOv8" → "yolo-v8"; "GPT-4o", "T5" stay as written.
    slug = slugify(text)
    slug = re.sub(r"(?<=[a-z]{2})v(?=\d)", "-v", slug)
    return re.sub(r"(?<=[a-z][a-z])(?=\d)", "-", slug)


def _hardware_slug(text: str) -> str:
    return re.sub(r"(?<=[a-z]{2})v(?=\d)", "-v", slugify(text))   # "TPUv4" = "TPU v4"


def _fold_plural(name: str) -> str:
    # only multiword lower-case names ("edge devices"); never after "of" ("mixture of experts"), never -ss/-us/-is
    words = name.split()
    if len(words) < 2 or name != name.lower() or words[-2] == "of":
        return name
    last = words[-1]
    if len(last) > 3 and last.endswith("s") and not last.endswith(("ss", "us", "is")):
        words[-1] = last[:-1]
    return " ".join(words)


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


# ----------------------------------------------------------------------------------------------------- lexicon
@dataclass(eq=False)
class Lexicon:
    """The extractor's data files as indexes from `normalise`d forms to entries (see ``extract/data/README.md``)."""

    vendors: list[dict[str, Any]] = field(default_factory=list)
    hardware_classes: list[dict[str, Any]] = field(default_factory=list)
    hardware: list[dict[str, Any]] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=list)
    datasets: list[dict[str, Any]] = field(default_factory=list)
    methods: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_dir(cls, directory: str | Path | Any) -> Lexicon:
        """Read ``<name>.jsonl`` for each lexicon file present in ``directory`` (a missing file is an empty list)."""
        base = directory if hasattr(directory, "joinpath") else Path(directory)
        tables: dict[str, list[dict[str, Any]]] = {}
        for name in _LEXICON_FILES:
            path = base.joinpath(f"{name}.jsonl")
            tables[name] = list(_read_jsonl(path)) if path.is_file() else []
        return cls(**tables)

    @staticmethod
    def _index(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        index: dict[str, dict[str, Any]] = {}
        for entry in entries:   # first entry wins, names before aliases, so a later alias never steals a name
            index.setdefault(normalise(entry["name"]), entry)
        for entry in entries:
            for alias in entry.get("aliases", ()):
                index.setdefault(normalise(alias), entry)
        return index

    @cached_property
    def vendor_index(self) -> dict[str, dict[str, Any]]:
        return self._index(self.vendors)

    @cached_property
    def vendor_prefixes(self) -> list[list[str]]:
        """Vendor spellings as lower-case word lists, longest first ("advanced micro devices" before "amd")."""
        forms = {tuple(f.lower().split()) for v in self.vendors for f in [v["name"], *v.get("aliases", ())]}
        return [list(f) for f in sorted(forms, key=lambda f: (-len(f), f))]

    @cached_property
    def class_index(self) -> dict[str, dict[str, Any]]:
        index = self._index(self.hardware_classes)
        for entry in self.hardware_classes:
            index.setdefault(normalise(entry.get("class", entry["name"])), entry)
        return index

    @cached_property
    def hardware_index(self) -> dict[str, dict[str, Any]]:
        return self._index(self.hardware)

    @cached_property
    def family_words(self) -> frozenset[str]:
        """Words of product-line names ("instinct", "tesla"), dropped before a catalogue look-up when they lead."""
        return frozenset(w for h in self.hardware for w in re.split(r"[\s/]+", h.get("family", "").lower()) if w)

    @cached_property
    def model_index(self) -> dict[str, dict[str, Any]]:
        return self._index(self.models)

    @cached_property
    def dataset_index(self) -> dict[str, dict[str, Any]]:
        return self._index(self.datasets)

    @cached_property
    def method_index(self) -> dict[str, dict[str, Any]]:
        return self._index(self.methods)


def _read_jsonl(path: Any) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as e:
                raise KgbuildError(f"{path}:{n}: not a JSON object ({e.msg}) — one object per line") from e
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                raise KgbuildError(f"{path}:{n}: entry has no string 'name' — see extract/data/README.md")
            yield entry


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The lexicon shipped in ``kgbuild/extract/data/`` (read once per process)."""
    return Lexicon.from_dir(resources.files("kgbuild.extract").joinpath("data"))


# ----------------------------------------------------------------------------------------------------- decisions
@dataclass(frozen=True)
class _Decision:
    node_id: str
    rule: str
    display: str                        # the name the node should show
    entry: dict[str, Any] | None = None  # the lexicon entry used, if any
    is_class: bool = False              # a bare hardware class ("GPUs")
    family_id: str | None = None        # Model size variants
    family_display: str | None = None
    size: str | None = None


def _rule(node_id: str, surface: str, slug: str, via_alias: bool) -> str:
    if via_alias:
        return "catalogue-alias"
    return "exact" if node_id.split(":", 1)[1] == slug else "normalisation"


def _lexicon_hit(index: dict[str, dict[str, Any]], surface: str) -> tuple[dict[str, Any] | None, bool]:
    entry = index.get(normalise(surface))
    return entry, entry is not None and normalise(entry["name"]) != normalise(surface)


def _decide_hardware(name: str, lex: Lexicon) -> _Decision:
    words = unicodedata.normalize("NFKC", name).split()
    lowered = [w.lower() for w in words]
    for prefix in lex.vendor_prefixes:      # "AMD Instinct MI250X" → "Instinct MI250X"
        if len(words) > len(prefix) and lowered[: len(prefix)] == prefix:
            words, lowered = words[len(prefix):], lowered[len(prefix):]
            break
    while len(words) > 1 and lowered[-1] in _HW_TRAILING:   # "A100 GPUs" → "A100"
        words, lowered = words[:-1], lowered[:-1]
    cleaned = " ".join(words)
    # the form as written first: a vendor or "Accelerator" may belong to the name ("Coral USB Accelerator")
    tried = list(dict.fromkeys([name, cleaned]))
    if re.search(r"\ds$", cleaned):
        tried.append(cleaned[:-1])                  # "H100s" → "H100"
    while len(words) > 1 and lowered[0] in lex.family_words:
        words, lowered = words[1:], lowered[1:]     # "Instinct MI250X" → "MI250X"
        tried.append(" ".join(words))
    hit = next(((form, e) for form in tried if (e := lex.hardware_index.get(normalise(form))) is not None), None)
    is_class = False
    if hit is None:
        hit = next(((form, e) for form in tried[:2] if (e := lex.class_index.get(normalise(form))) is not None), None)
        is_class = hit is not None
    if hit is not None:
        form, entry = hit
        node_id = "hardware:" + slugify(entry["name"])
        via_alias = normalise(entry["name"]) != normalise(form)
        return _Decision(node_id, _rule(node_id, name, slugify(name), via_alias), entry["name"], entry, is_class)
    cleaned = _fold_plural(cleaned)
    node_id = "hardware:" + _hardware_slug(cleaned)
    return _Decision(node_id, _rule(node_id, name, slugify(name), False), cleaned)


def _split_model(name: str, lex: Lexicon) -> tuple[str, str] | None:
    """("Llama 2", "7B") for "Llama 2 7B"; None when no size variant is written."""
    tokens = list(_TOKEN_RE.finditer(name))
    low = [t.group().lower() for t in tokens]
    for i in range(1, len(tokens)):
        t = low[i]
        vit_letter = low[i - 1] == "vit" and re.fullmatch(r"[sbmlhg]", t)
        if _SIZE_RE.fullmatch(t) or t in _SIZE_WORDS or _PATCH_SIZE_RE.fullmatch(t) or vit_letter:
            patch = vit_letter or _PATCH_SIZE_RE.fullmatch(t)
            start = i - 1 if patch and low[i - 1] == "vit" and i > 1 else i   # "CLIP ViT-L/14": size "ViT-L/14"
            break
    else:
        # a bare number is a size only after a sized family the lexicon knows ("ResNet-50", not "Llama 2")
        if normalise(name) in lex.model_index:
            return None
        for i in range(1, len(tokens)):
            family = lex.model_index.get(normalise(name[: tokens[i].start()]))
            if low[i].isdigit() and family is not None and family.get("sized"):
                start = i
                break
        else:
            return None
    family = name[: tokens[start].start()].rstrip(" -_")
    return (family, name[tokens[start].start():]) if family else None


def _decide_model(name: str, lex: Lexicon) -> _Decision:
    entry, via_alias = _lexicon_hit(lex.model_index, name)
    if entry is not None:                   # the lexicon knows the whole form: a family (or a listed variant)
        node_id = "model:" + _model_slug(entry["name"])
        return _Decision(node_id, _rule(node_id, name, _model_slug(name), via_alias), entry["name"], entry)
    split = _split_model(name, lex)
    if split is None:
        node_id = "model:" + _model_slug(name)
        return _Decision(node_id, _rule(node_id, name, slugify(name), False), name)
    family_surface, size = split
    family = _decide_model(family_surface, lex)
    node_id = f"{family.node_id}-{slugify(size)}"
    return _Decision(node_id, "size-variant", name, family.entry, family_id=family.node_id,
                     family_display=family.display, size=size)


def _decide_named(name: str, type: str, lex: Lexicon) -> _Decision:
    kind = KINDS[type]
    index = {"Method": lex.method_index, "Dataset": lex.dataset_index,
             "Vendor": lex.vendor_index, "HardwareClass": lex.class_index}.get(type, {})
    entry, via_alias = _lexicon_hit(index, name)
    if entry is not None:
        display = entry.get("class", entry["name"]) if type == "HardwareClass" else entry["name"]
        node_id = f"{kind}:{slugify(display)}"
        return _Decision(node_id, _rule(node_id, name, slugify(name), via_alias), display, entry)
    display = _fold_plural(unicodedata.normalize("NFKC", name).strip()) if type in ("Method", "Dataset") else name
    node_id = f"{kind}:{slugify(display)}"
    return _Decision(node_id, _rule(node_id, name, slugify(name), False), display)


@lru_cache(maxsize=65536)
def _decide(name: str, type: str, lex: Lexicon) -> _Decision:
    if type not in KINDS:
        raise ValueError(f"unknown node type {type!r} — use one of: {', '.join(KINDS)}")
    if not slugify(name):
        raise ValueError(f"cannot make a node id from {name!r}: it has no letters or digits")
    if type == "Hardware":
        return _decide_hardware(name, lex)
    if type == "Model":
        return _decide_model(name, lex)
    return _decide_named(name, type, lex)


def canonical_id(name: str, type: str, *, lexicon: Lexicon | None = None) -> str:
    """The node id of a surface form of the given type, from the form and the lexicon alone.

    Parameters
    ----------
    name : str
        The surface form as written ("NVIDIA A100 GPUs", "LLaMA-2 7B").
    type : str
        A node label: Method, Model, Dataset, Hardware, Vendor, HardwareClass or Paper.
    lexicon : Lexicon, optional
        The data files to consult; the shipped ``kgbuild/extract/data`` by default.

    Returns
    -------
    str
        ``"<kind>:<slug>"``: hardware by its catalogue name (vendor prefix and trailing "GPUs" dropped), a bare
        class as its Hardware node ("GPUs" → ``hardware:gpu``), models as family plus size, methods and datasets by
        their lexicon name, anything unknown by the slug of its normalised name.

    Examples
    --------
    >>> canonical_id("NVIDIA A100 GPUs", "Hardware")
    'hardware:a100'
    >>> canonical_id("LLaMA-2 7B", "Model") == canonical_id("Llama-2-7b", "Model")
    True
    >>> canonical_id("edge devices", "Method")
    'method:edge-device'
    """
    return _decide(name, type, lexicon or default_lexicon()).node_id


def claim_id(paper_id: str, n: int) -> str:
    """The id of the ``n``-th (from 1) speedup claim of a paper.

    >>> claim_id("3f2a9c01be", 1)
    'claim:3f2a9c01be-1'
    """
    return f"claim:{slugify(paper_id)}-{n}"


def paper_node_id(paper_id: str) -> str:
    """The id of a Paper node.

    >>> paper_node_id("3f2a9c01be")
    'paper:3f2a9c01be'
    """
    return "paper:" + slugify(paper_id)


# ----------------------------------------------------------------------------------------------------- context
@dataclass(frozen=True)
class MergeRecord:
    """One resolution decision: this surface form, in this paper, became this node, by this rule."""

    surface: str
    node_id: str
    rule: str
    paper_id: str
    provenance: Provenance | None = None

    def as_dict(self) -> dict[str, Any]:
        row = {"surface": self.surface, "node_id": self.node_id, "rule": self.rule, "paper_id": self.paper_id}
        if self.provenance is not None:
            row.update(self.provenance.model_dump())
        return row


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

    @property
    def merges(self) -> list[MergeRecord]:
        """All decisions, sorted by paper, node and surface form."""
        return sorted((m for p in self.papers for m in p.merges),
                      key=lambda m: (m.paper_id, m.node_id, m.surface, m.rule))


def _mention_of(entity: Entity, form: str) -> Provenance | None:
    # the mention whose span is as long as the form is most likely that form; else the first mention
    for m in entity.mentions:
        if m.end - m.start == len(form):
            return m
    return entity.mentions[0] if entity.mentions else None


def _resolve_entity(entity: Entity, paper_id: str, lex: Lexicon) -> tuple[ResolvedEntity, list[MergeRecord]]:
    forms = list(dict.fromkeys([entity.name, *entity.aliases]))
    decisions = [_decide(f, entity.type, lex) for f in forms]
    # a form the lexicon knows fixes the id, so this paper's node is the one other papers reach by the lexicon
    main = next((d for d in decisions if d.entry is not None), decisions[0])
    merges = []
    for form, d in zip(forms, decisions):
        if d.node_id == main.node_id:
            rule = d.rule
        elif any(is_acronym(form, other) or is_acronym(other, form) for other in forms if other != form):
            rule = "acronym-expansion"
        else:
            rule = "normalisation"
        merges.append(MergeRecord(form, main.node_id, rule, paper_id, _mention_of(entity, form)))
    # the lexicon names what it knows; anything else, and sized variants, show the paper's own name
    display = main.display if main.entry is not None and main.family_id is None else entity.name
    resolved = ResolvedEntity(main.node_id, entity, display, main.entry, main.is_class,
                              main.family_id, main.family_display, main.size)
    return resolved, merges


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


def resolve_paper(extraction: Extraction, *, lexicon: Lexicon | None = None) -> ResolvedPaper:
    """Resolve one paper: entity ids, acronyms defined in the paper, and the entities its claims name.

    A claim's method or hardware that is not among the paper's entities becomes an implicit entity of the paper
    (a Method or Hardware mentioned at the claim's evidence); a baseline links only to an entity of this paper
    here, and `kgbuild.graph.build_graph` tries the rest of the graph after.
    """
    lex = lexicon or default_lexicon()
    pid = extraction.id
    entities: list[ResolvedEntity] = []
    merges: list[MergeRecord] = []
    forms: dict[str, str] = {}
    surfaces: dict[str, str] = {}

    def add(entity: Entity) -> str:
        resolved, records = _resolve_entity(entity, pid, lex)
        entities.append(resolved)
        merges.extend(records)
        for form in [entity.name, *entity.aliases]:
            forms.setdefault(normalise(form), resolved.node_id)
            surfaces.setdefault(form, resolved.node_id)
        return resolved.node_id

    for entity in extraction.entities:
        add(entity)

    claims = []
    for n, claim in enumerate(extraction.speedups, 1):
        mentions = [claim.provenance] if claim.provenance else []
        method_id = hardware_id = None
        if claim.method:
            method_id = forms.get(normalise(claim.method)) or add(
                Entity(name=claim.method, type="Method", mentions=mentions))
        if claim.hardware:
            hardware_id = forms.get(normalise(claim.hardware)) or add(
                Entity(name=claim.hardware, type="Hardware", mentions=mentions))
        baseline_id = _find_in_paper(claim.baseline, forms, surfaces) if claim.baseline else None
        claims.append(ResolvedClaim(claim_id(pid, n), claim, method_id, baseline_id, hardware_id))
    return ResolvedPaper(extraction, entities, claims, forms, merges)


def resolve(extractions: Iterable[Extraction], *, lexicon: Lexicon | None = None) -> Resolution:
    """Resolve every paper; across papers the same canonical id is one node.

    Examples
    --------
    >>> from kgbuild.models import Entity, Extraction
    >>> paper = Extraction(id="p1", title="t", entities=[
    ...     Entity(name="Wavefront-Aware Attention", aliases=["WAA"], type="Method", proposed=True)])
    >>> [(m.surface, m.node_id, m.rule) for m in resolve([paper]).merges]
    [('WAA', 'method:wavefront-aware-attention', 'acronym-expansion'), ('Wavefront-Aware Attention', 'method:wavefront-aware-attention', 'exact')]
    """
    return Resolution([resolve_paper(e, lexicon=lexicon) for e in extractions])
