"""A small lazy registry: names map to "module:function", imported on first use."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from .errors import UnknownFormatError

__all__ = ["Registry"]


class Registry:
    """Look up readers or sinks by name or alias without importing them all up front.

    >>> r = Registry("demo", {"json": "json:dumps"}, aliases={"js": "json"})
    >>> r.get("js")([1])
    '[1]'
    """

    def __init__(self, kind: str, entries: dict[str, str], aliases: dict[str, str] | None = None) -> None:
        self.kind = kind
        self.entries = dict(entries)
        self.aliases = dict(aliases or {})

    def names(self) -> list[str]:
        return sorted(self.entries)

    def canonical(self, name: str) -> str:
        key = self.aliases.get(name.lower(), name.lower())
        if key not in self.entries:
            raise UnknownFormatError(f"unknown {self.kind} {name!r} — choose one of: {', '.join(self.names())}")
        return key

    def get(self, name: str) -> Callable[..., Any]:
        module, _, attr = self.entries[self.canonical(name)].partition(":")
        return getattr(importlib.import_module(module), attr)
