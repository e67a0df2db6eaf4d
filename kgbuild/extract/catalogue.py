"""The knowledge files in ``extract/data/``: each read once, with typed accessors and the hardware index.

The files and their fields are specified in ``data/README.md``. Records are shared between callers: treat the lists
and dicts returned here as read-only.
"""
from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources

from ..errors import ReaderError

__all__ = ["load_jsonl", "vendors", "hardware_classes", "hardware", "hardware_index", "norm"]

_DATA = resources.files(__package__) / "data"
_NOT_KEPT = re.compile(r"[^0-9a-z.+#]")


def norm(text: str) -> str:
    """The scorer's normal form of a surface form: NFKC, lower case, only ``0-9 a-z . + #``.

    >>> norm("TPU v4") == norm("TPUv4") == "tpuv4"
    True
    >>> norm("A100-SXM4-80GB")
    'a100sxm480gb'
    """
    return _NOT_KEPT.sub("", unicodedata.normalize("NFKC", text).lower()).strip(".")


@cache
def load_jsonl(name: str) -> list[dict]:
    """Every record of the data file ``name`` (e.g. ``"hardware.jsonl"``), read once and cached.

    >>> any(v["name"] == "NVIDIA" for v in load_jsonl("vendors.jsonl"))
    True
    """
    path = _DATA / name
    if not path.is_file():
        known = sorted(p.name for p in _DATA.iterdir() if p.name.endswith(".jsonl"))
        raise ReaderError(name, None, "no such data file", f"choose one of: {', '.join(known)}")
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise ReaderError(name, number, f"not JSON ({e.msg})", "write one JSON object per line") from e
        if not isinstance(record, dict):
            raise ReaderError(name, number, "not a JSON object", "write one JSON object per line")
        records.append(record)
    return records


def vendors() -> list[dict]:
    """Hardware vendors: ``name`` and ``aliases``."""
    return load_jsonl("vendors.jsonl")


def hardware_classes() -> list[dict]:
    """Hardware classes matched as bare mentions ("GPUs"): ``name``, ``class``, ``aliases``, ``optional``."""
    return load_jsonl("hardware_classes.jsonl")


def hardware() -> list[dict]:
    """Devices: ``name``, ``vendor``, ``family``, ``architecture``, ``class``, ``aliases``, ``year``, ``ambiguous``."""
    return load_jsonl("hardware.jsonl")


@cache
def hardware_index() -> dict[str, dict]:
    """Every device's name and aliases, in `norm` form, mapped to its record.

    Raises `ReaderError` when one form names two devices, since a match could not tell them apart.

    >>> hardware_index()["a10080gb"]["name"]
    'A100'
    >>> hardware_index()[norm("TPU-v4")] is hardware_index()["tpuv4"]
    True
    """
    index: dict[str, dict] = {}
    for number, device in enumerate(hardware(), start=1):
        for form in (device["name"], *device.get("aliases", ())):
            key = norm(form)
            if not key:
                raise ReaderError("hardware.jsonl", number, f"{form!r} has no letters or digits", "drop it")
            other = index.setdefault(key, device)
            if other is not device:
                raise ReaderError("hardware.jsonl", number, f"{form!r} of {device['name']!r} is also a form of "
                                  f"{other['name']!r}", "drop the alias from the device it does not name")
    return index
