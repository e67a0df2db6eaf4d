"""Pydantic records passed between the stages: the contract of read → extract → resolve → graph → sink."""
from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EXTRACTOR_VERSION",
    "ENTITY_TYPES",
    "EntityType",
    "Paper",
    "Provenance",
    "Entity",
    "SpeedupClaim",
    "Extraction",
    "Triple",
    "paper_id_for_title",
]

EXTRACTOR_VERSION = "kgbuild-extract/0.1"

EntityType = Literal["Method", "Model", "Dataset", "Hardware"]
ENTITY_TYPES: tuple[str, ...] = ("Method", "Model", "Dataset", "Hardware")


def paper_id_for_title(title: str) -> str:
    """The id ANNOTATION.md pairs papers by: first 10 hex digits of sha1 of the lower-cased title."""
    return hashlib.sha1(title.lower().encode("utf-8")).hexdigest()[:10]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Paper(_Record):
    """One input abstract, as every reader yields it."""

    id: str = Field(description="Stable paper id; sha1-of-title prefix when the source has none.")
    title: str
    abstract: str
    date: str | None = Field(default=None, description="ISO date (YYYY-MM-DD or YYYY-MM) when the source gives one.")
    categories: list[str] = Field(default_factory=list)
    source: str | None = Field(default=None, description="Where it was read: 'file:line'.")


class Provenance(_Record):
    """Where in which paper an extracted item was read, and by which extractor."""

    paper_id: str
    field: Literal["title", "abstract"] = "abstract"
    sentence: int = Field(description="Index of the sentence within the field, from 0.")
    start: int = Field(description="Character offset of the span within the field.")
    end: int
    extractor: str = EXTRACTOR_VERSION


class Entity(_Record):
    """A method, model, dataset or piece of hardware named in one paper."""

    name: str
    type: EntityType
    aliases: list[str] = Field(default_factory=list)
    proposed: bool = False
    attributes: dict[str, str] = Field(
        default_factory=dict,
        description="Catalogue facts: vendor, family, architecture, class for hardware; family, size for models.",
    )
    mentions: list[Provenance] = Field(default_factory=list)


class SpeedupClaim(_Record):
    """A reported speed figure: who is faster than whom, by how much, on what."""

    value: float
    unit: Literal["x", "%"]
    metric: str = "speedup"
    qualifier: str = ""
    method: str = ""
    baseline: str = ""
    hardware: str = ""
    evidence: str
    provenance: Provenance | None = None


class Extraction(_Record):
    """One output line of `kgbuild extract`: the ANNOTATION.md format plus provenance."""

    id: str
    title: str
    date: str | None = None
    entities: list[Entity] = Field(default_factory=list)
    speedups: list[SpeedupClaim] = Field(default_factory=list)
    extractor: str = EXTRACTOR_VERSION


class Triple(_Record):
    """A typed edge with the provenance that backs it."""

    subject: str
    predicate: str
    object: str
    provenance: Provenance | None = None
