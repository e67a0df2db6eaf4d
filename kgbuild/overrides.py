"""The user's resolution overrides: a TOML file of names that are one node (``same``) or never one (``different``).

::

    # overrides.toml
    same = [
      ["FlashAttention-2", "FA2"],         # every node these names reach becomes the node of the first name
    ]
    different = [
      ["LoRA", "Low-Rank Adaptation"],     # never one node, whatever the catalogue or a paper's acronym says
    ]

Names are matched by `kgbuild.lexicon_index.normalise` ("FA-2" is "FA2"). `kgbuild.resolve` applies the file after
every other rule, ``same`` first and ``different`` last (so a ``different`` beats a catalogue alias, an acronym and
a ``same``), and logs each decision it changed with the rule ``manual``:

* ``same``: an entity one of whose forms is a name of the group, or whose node is the node a name of the group
  reaches, goes to the node of the group's first name (`kgbuild.canonical.canonical_id` of it);
* ``different``: of two names that would share a node, the one whose own spelling makes the node's id keeps it (the
  catalogue's name over its alias); when neither or both do, the one listed first keeps it. The other goes to the
  id its spelling makes without a lexicon, taking the mentions as long as it with it.
"""
from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from os import PathLike
from pathlib import Path
from typing import Any

from .canonical import _decide, _Decision
from .errors import KgbuildError
from .lexicon_index import Lexicon, normalise

__all__ = ["Overrides", "OverridesLike", "as_overrides", "parse_overrides", "read_overrides"]


@dataclass(frozen=True)
class Overrides:
    """``same`` groups (the first name names the node) and ``different`` groups (no two names share a node).

    Examples
    --------
    >>> ov = Overrides(same=(("FlashAttention-2", "FA2"),), different=(("LoRA", "Low-Rank Adaptation"),))
    >>> ov.same_group("fa-2"), ov.different_from("lora")
    (('FlashAttention-2', 'FA2'), ('Low-Rank Adaptation',))
    """

    same: tuple[tuple[str, ...], ...] = ()
    different: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.same or self.different)

    @cached_property
    def _same_by_key(self) -> dict[str, tuple[str, ...]]:
        return {normalise(name): group for group in self.same for name in group}

    @cached_property
    def _different_by_key(self) -> dict[str, tuple[str, ...]]:
        others: dict[str, dict[str, None]] = {}
        for group in self.different:
            for name in group:
                others.setdefault(normalise(name), {}).update(dict.fromkeys(n for n in group if n != name))
        return {key: tuple(names) for key, names in others.items()}

    def same_group(self, surface: str) -> tuple[str, ...] | None:
        """The ``same`` group that names ``surface``, if any."""
        return self._same_by_key.get(normalise(surface))

    def different_from(self, surface: str) -> tuple[str, ...]:
        """The names ``surface`` must never share a node with."""
        return self._different_by_key.get(normalise(surface), ())

    def as_dict(self) -> dict[str, list[list[str]]]:
        """The file's content as TOML would read it."""
        return {"same": [list(g) for g in self.same], "different": [list(g) for g in self.different]}

    # ---- applying the entries (for kgbuild.resolve) -----------------------------------------------------------
    def same_entry(self, forms: list[str], node: str, type: str, lex: Lexicon) -> tuple[str, ...] | None:
        """The ``same`` group an entity with these forms and node falls in (the first in the file), if any."""
        groups = [g for f in forms if (g := self.same_group(f)) is not None]
        if not groups and (g := _same_by_node(self, type, lex).get(node)) is not None:
            groups.append(g)
        return min(groups, key=self.same.index) if groups else None

    def _bare_node(self, name: str, type: str, lex: Lexicon) -> str:
        # the node a lone mention of `name` reaches after the rules and `same` (not `different`)
        node = _decide(name, type, lex).node_id
        group = self.same_entry([name], node, type, lex)
        return _decide(group[0], type, lex).node_id if group else node

    def split(self, form: str, node: str, forms: list[str], type: str,
              lex: Lexicon) -> tuple[_Decision, tuple[str, ...]] | None:
        """Where a ``different`` entry sends ``form`` (one of an entity's ``forms``, now on ``node``), if away."""
        keys = {normalise(f) for f in forms}
        for other in self.different_from(form):
            if (node if normalise(other) in keys else self._bare_node(other, type, lex)) != node:
                continue
            pair = {normalise(form), normalise(other)}
            group = next(g for g in self.different if pair <= {normalise(n) for n in g})
            owns = {n: _decide(n, type, _NO_LEXICON).node_id == node for n in (form, other)}
            first = next(n for n in group if normalise(n) in pair)
            keeper = (form if owns[form] else other) if owns[form] != owns[other] else first
            if normalise(keeper) == normalise(form):
                continue
            moved = _decide(form, type, _NO_LEXICON)
            if moved.node_id == node:
                raise KgbuildError(f"overrides: different {json.dumps(list(group), ensure_ascii=False)}: {form!r} "
                                   f"and {other!r} both make the id {node!r} — they cannot be told apart; drop the "
                                   "entry")
            return moved, group
        return None


_NO_LEXICON = Lexicon()


@lru_cache(maxsize=256)
def _same_by_node(ov: Overrides, type: str, lex: Lexicon) -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[str, ...]] = {}
    for group in ov.same:
        for name in group:
            index.setdefault(_decide(name, type, lex).node_id, group)
    return index


#: What the ``overrides=`` parameters take: a parsed `Overrides`, a TOML file's path, or its content as a mapping.
OverridesLike = Overrides | str | PathLike | Mapping[str, Any] | None


def _line_of(text: str, *names: str, key: str | None = None, last: bool = False) -> int | None:
    """The first (or ``last``) line of the TOML text quoting every one of ``names``, from the line of ``key`` on."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if key and line.lstrip().startswith(key)), 0)
    found = [n for n, line in enumerate(lines[first:], first + 1)
             if all(f'"{name}"' in line or f"'{name}'" in line for name in names)]
    return (found[-1] if last else found[0]) if found else None


def _groups(data: Mapping[str, Any], key: str, where: str, text: str) -> tuple[tuple[str, ...], ...]:
    value = data.get(key, [])
    example = '[["FlashAttention-2", "FA2"]]'
    if not isinstance(value, list):
        raise KgbuildError(f"{where}: '{key}' is not a list — write {key} = {example}")
    groups = []
    for group in value:
        if (not isinstance(group, list) or len(group) < 2
                or not all(isinstance(n, str) and normalise(n) for n in group)):
            raise KgbuildError(f"{where}: {key} entry {group!r} is not a list of two or more names — write "
                               f"{key} = {example}")
        keys = [normalise(n) for n in group]
        if len(set(keys)) < len(keys):
            line = _line_of(text, *group, key=key)
            raise KgbuildError(f"{where}{f':{line}' if line else ''}: {key} entry {group!r} lists one name twice "
                               "(names are compared after normalise: case and punctuation do not count) — "
                               "drop the repeat")
        groups.append(tuple(group))
    return tuple(groups)


def parse_overrides(data: str | Mapping[str, Any], source: str = "<overrides>") -> Overrides:
    """Read and check overrides from TOML text or from the mapping TOML would give.

    Raises
    ------
    KgbuildError
        On bad TOML, an unknown key, an entry that is not a list of names, a name in two ``same`` groups, or two
        names that are both ``same`` and ``different``; the message names the file and line.

    Examples
    --------
    >>> parse_overrides('same = [["FA2", "FlashAttention-2"]]').same
    (('FA2', 'FlashAttention-2'),)
    >>> parse_overrides('same = [["A", "B"]]\\ndifferent = [["b", "a"]]', "ov.toml")
    Traceback (most recent call last):
    ...
    kgbuild.errors.KgbuildError: ov.toml:2: 'b' and 'a' are listed both as same and as different — keep one of the two entries
    """
    text = data if isinstance(data, str) else ""
    if isinstance(data, str):
        try:
            data = tomllib.loads(data)
        except tomllib.TOMLDecodeError as e:
            raise KgbuildError(f"{source}: not valid TOML ({e}) — see kgbuild/overrides.py for the format") from e
    unknown = sorted(set(data) - {"same", "different"})
    if unknown:
        raise KgbuildError(f"{source}: unknown key {', '.join(map(repr, unknown))} — an overrides file has only "
                           "'same' and 'different' lists")
    same, different = _groups(data, "same", source, text), _groups(data, "different", source, text)
    seen: dict[str, tuple[str, ...]] = {}
    for group in same:
        for name in group:
            other = seen.setdefault(normalise(name), group)
            if other is not group:
                line = _line_of(text, name, key="same", last=True)
                raise KgbuildError(f"{source}{f':{line}' if line else ''}: {name!r} is in two 'same' groups "
                                   f"({list(other)} and {list(group)}) — join them into one list")
    for group in different:
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if seen.get(normalise(a)) is not None and seen.get(normalise(a)) is seen.get(normalise(b)):
                    line = _line_of(text, a, b, key="different")
                    raise KgbuildError(f"{source}{f':{line}' if line else ''}: {a!r} and {b!r} are listed both as "
                                       "same and as different — keep one of the two entries")
    return Overrides(same, different)


def read_overrides(path: str | PathLike) -> Overrides:
    """Read an overrides TOML file (see the module docstring for the format)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise KgbuildError(f"{path}: cannot read the overrides file ({e.strerror or e}) — check the path") from e
    return parse_overrides(text, str(path))


def as_overrides(value: OverridesLike) -> Overrides:
    """`Overrides` from any `OverridesLike`; None is no overrides.

    >>> as_overrides({"different": [["GPT-4", "GPT-4 Turbo"]]}).different
    (('GPT-4', 'GPT-4 Turbo'),)
    """
    if value is None:
        return Overrides()
    if isinstance(value, Overrides):
        return value
    if isinstance(value, Mapping):
        return parse_overrides(value)
    return read_overrides(value)
