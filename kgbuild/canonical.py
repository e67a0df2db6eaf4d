"""Canonical node ids: the id a surface form gets from the form and the lexicon alone, with the rule that gave it.

This is the one place node ids come from. `canonical_id` answers for a bare surface form; `kgbuild.resolve` adds
what one paper says (acronyms defined in it, "our method") and the user's overrides on top, and logs every decision.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .lexicon_index import Lexicon, default_lexicon, normalise, slugify

__all__ = ["KINDS", "RULES", "canonical_id", "claim_id", "label_of_id", "paper_node_id"]

#: Node label -> id prefix.
KINDS: dict[str, str] = {
    "Method": "method", "Model": "model", "Dataset": "dataset", "Hardware": "hardware", "Paper": "paper",
    "Vendor": "vendor", "HardwareClass": "class", "SpeedupClaim": "claim", "Finding": "finding",
}

_LABEL_OF_KIND = {kind: label for label, kind in KINDS.items()}


def label_of_id(node_id: str) -> str | None:
    """The label a node id's kind prefix names (None for an id of no known kind): ids carry their kind.

    >>> label_of_id("class:gpu"), label_of_id("claim:3f2a9c01be-1"), label_of_id("x")
    ('HardwareClass', 'SpeedupClaim', None)
    """
    return _LABEL_OF_KIND.get(node_id.split(":", 1)[0])


#: Why a surface form got its node id: rule name -> meaning (the ``rule`` of the merge log, ``detail`` in brackets).
RULES: dict[str, str] = {
    "exact": "the form is the node's name as written",
    "normalisation": "the form is the node's name up to case, spacing, punctuation, a plural, a vendor prefix, a "
                     "product line or a trailing 'GPUs' (detail: the name)",
    "catalogue-alias": "the lexicon lists the form as a spelling of one entry (detail: the entry's name)",
    "size-variant": "a model family plus a size: the variant's own node, VARIANT_OF its family "
                    "(detail: 'family + size')",
    "acronym-expansion": "an acronym and its expansion written together in the paper (detail: the other form)",
    "self-reference": "'our method' naming a claim's faster side: the one entity the paper proposes "
                      "(detail: its name)",
    "manual": "an entry of the user's overrides file (detail: the entry)",
}

_HW_TRAILING = {"gpu", "gpus", "accelerator", "accelerators"}
_SIZE_WORDS = {"tiny", "mini", "small", "base", "medium", "large", "xl", "xxl", "xlarge", "xxlarge", "huge", "giant"}
_SIZE_RE = re.compile(r"(\d+x)?\d+(\.\d+)?[kmbt]")      # 7b, 0.5b, 125m, 8x7b
_PATCH_SIZE_RE = re.compile(r"[a-z]/\d+")                 # ViT-L/14
_TOKEN_RE = re.compile(r"[^\s\-_]+")


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
    detail: str | None = None           # what the rule matched (see RULES)


def _rule(surface: str, name: str, via_alias: bool) -> str:
    if via_alias:
        return "catalogue-alias"
    return "exact" if surface == name else "normalisation"


def _matched(entry: dict[str, Any] | None, rule: str, cleaned: str | None = None) -> str | None:
    if rule == "exact":
        return None
    return entry["name"] if entry is not None else cleaned


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
        rule = _rule(name, entry["name"], normalise(entry["name"]) != normalise(form))
        return _Decision(node_id, rule, entry["name"], entry, is_class, detail=_matched(entry, rule))
    cleaned = _fold_plural(cleaned)
    node_id = "hardware:" + _hardware_slug(cleaned)
    rule = _rule(name, cleaned, False)
    return _Decision(node_id, rule, cleaned, detail=_matched(None, rule, cleaned))


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
        rule = _rule(name, entry["name"], via_alias)
        return _Decision(node_id, rule, entry["name"], entry, detail=_matched(entry, rule))
    split = _split_model(name, lex)
    if split is None:
        node_id = "model:" + _model_slug(name)
        rule = _rule(name, name, False)
        return _Decision(node_id, rule, name, detail=_matched(None, rule, name))
    family_surface, size = split
    family = _decide_model(family_surface, lex)
    return _Decision(f"{family.node_id}-{slugify(size)}", "size-variant", name, family.entry,
                     family_id=family.node_id, family_display=family.display, size=size,
                     detail=f"{family.display} + {size}")


def _decide_named(name: str, type: str, lex: Lexicon) -> _Decision:
    kind = KINDS[type]
    index = {"Method": lex.method_index, "Dataset": lex.dataset_index,
             "Vendor": lex.vendor_index, "HardwareClass": lex.class_index}.get(type, {})
    entry, via_alias = _lexicon_hit(index, name)
    if entry is not None:
        display = entry.get("class", entry["name"]) if type == "HardwareClass" else entry["name"]
        node_id = f"{kind}:{slugify(display)}"
        rule = _rule(name, display, via_alias)
        return _Decision(node_id, rule, display, entry, detail=_matched(entry, rule))
    display = _fold_plural(unicodedata.normalize("NFKC", name).strip()) if type in ("Method", "Dataset") else name
    node_id = f"{kind}:{slugify(display)}"
    rule = _rule(name, display, False)
    return _Decision(node_id, rule, display, detail=_matched(None, rule, display))


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

    The same form and lexicon always give the same id, in any paper and any build; what a paper adds (an acronym
    it defines, "our method") and the user's overrides are applied on top by `kgbuild.resolve.resolve`, which logs
    the rule of every decision (`RULES`).

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
        ``"<kind>:<slug>"``: hardware by its catalogue name (vendor prefix, product line and trailing "GPUs"
        dropped), a bare class as its Hardware node ("GPUs" → ``hardware:gpu``), models as family plus size
        ("Llama 2 7B" → ``model:llama-2-7b``, a variant of ``model:llama-2``), methods and datasets by their lexicon
        name, anything unknown by the slug of its normalised name.

    Raises
    ------
    ValueError
        For an unknown type, or a name without a letter or digit.

    Examples
    --------
    >>> canonical_id("NVIDIA A100 GPUs", "Hardware"), canonical_id("AMD Instinct MI250X", "Hardware")
    ('hardware:a100', 'hardware:mi250x')
    >>> canonical_id("LLaMA-2 7B", "Model"), canonical_id("Llama-2-7b", "Model"), canonical_id("Llama 2 13B", "Model")
    ('model:llama-2-7b', 'model:llama-2-7b', 'model:llama-2-13b')
    >>> canonical_id("TPUv4", "Hardware"), canonical_id("edge devices", "Method")
    ('hardware:tpu-v4', 'method:edge-device')
    """
    return _decide(name, type, lexicon or default_lexicon()).node_id


def claim_id(paper_id: str, n: int) -> str:
    """The id of the ``n``-th (from 1) speedup claim of a paper.

    >>> claim_id("3f2a9c01be", 1)
    'claim:3f2a9c01be-1'
    """
    return f"claim:{paper_node_id(paper_id).split(':', 1)[1]}-{n}"


def paper_node_id(paper_id: str) -> str:
    """The id of a Paper node.

    Ids that do not survive as slugs ("x y" and "X-Y") keep a short hash of themselves, so two papers never share
    a node.

    >>> paper_node_id("3f2a9c01be"), paper_node_id("x y") != paper_node_id("X-Y")
    ('paper:3f2a9c01be', True)
    """
    slug = slugify(paper_id)
    if slug != paper_id.lower():  # ids differing only in case (W123, w123) are taken as one
        slug = (slug + "-" if slug else "") + "h" + hashlib.sha1(paper_id.encode("utf-8")).hexdigest()[:8]
    return "paper:" + slug
