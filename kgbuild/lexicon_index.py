"""The lexicon: the data files under ``kgbuild/extract/data/`` as indexes from matching keys to entries.

`normalise` is the matching key of a surface form and `slugify` the id-safe spelling of a name; `Lexicon` loads
the vendor, hardware, model, dataset and method files and indexes them by `normalise`d name and alias, for
`kgbuild.canonical` to look surface forms up in.
"""
from __future__ import annotations

import json
import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import KgbuildError

__all__ = ["LEXICON_FILES", "Lexicon", "default_lexicon", "normalise", "slugify"]

#: The data files a Lexicon reads, ``<name>.jsonl`` each.
LEXICON_FILES: tuple[str, ...] = ("vendors", "hardware_classes", "hardware", "models", "datasets", "methods")


# ----------------------------------------------------------------------------------------------------- strings
def normalise(text: str) -> str:
    """The matching key of a surface form (the scorer's): NFKC, lower case, only ``0-9 a-z . + #`` kept.

    >>> normalise("Llama-2 7B")
    'llama27b'
    """
    return re.sub(r"[^0-9a-z.+#]", "", unicodedata.normalize("NFKC", text).lower())


def slugify(text: str) -> str:
    """Lower-case ASCII with '-' separators, safe for IRIs and file names ('+' and '#' are spelled out).

    A name whose letters or digits do not all survive the ASCII folding ("ΩmegaNet", a name in Chinese) keeps a
    short hash of itself, so it can neither collide with another name nor come out empty.

    >>> slugify("FlashDecoding++"), slugify("TPU v4"), slugify("ViT-L/14")
    ('flashdecoding-plus-plus', 'tpu-v4', 'vit-l-14')
    >>> slugify("ΩmegaNet") != slugify("MegaNet"), slugify("Llama-2") == slugify("LLaMA 2")
    (True, True)
    """
    nfkc = unicodedata.normalize("NFKC", text)
    folded = unicodedata.normalize("NFKD", nfkc).encode("ascii", "ignore").decode("ascii")
    lost = bool(nfkc.strip()) and (sum(c.isalnum() for c in nfkc) != sum(c.isalnum() for c in folded)
                                   or not any(c.isalnum() for c in folded))
    text = folded.lower()
    text = text.replace("+", " plus ").replace("#", " sharp ")
    slug = re.sub(r"[^a-z0-9.]+", "-", text)
    slug = re.sub(r"-?\.-?", ".", slug)            # "2 . 5" → "2.5"
    slug = re.sub(r"\.{2,}", ".", slug).strip("-.")
    if lost:
        slug = (slug + "-" if slug else "") + "u" + hashlib.sha1(nfkc.encode("utf-8")).hexdigest()[:8]
    return slug


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
        for name in LEXICON_FILES:
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
