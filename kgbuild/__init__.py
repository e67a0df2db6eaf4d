"""kgbuild: turn machine-learning paper abstracts into a typed, queryable knowledge graph.

``import kgbuild`` stays cheap: the public names below are imported on first use.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "build", "canonical_id", "KnowledgeGraph"]

# public name -> module that defines it
_LAZY = {
    "build": "kgbuild.api",
    "canonical_id": "kgbuild.resolve",
    "KnowledgeGraph": "kgbuild.graph",
}

if TYPE_CHECKING:  # pragma: no cover
    from .api import build
    from .graph import KnowledgeGraph
    from .resolve import canonical_id


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kgbuild' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
