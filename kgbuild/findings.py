"""Findings: the speedup claims that say the same thing, grouped into one Finding node with their support.

Claims with the same faster side, baseline, hardware, metric and unit (the linked node when there is one, else the
text as written) support one Finding: its ``papers`` and ``mentions`` (claims) counts and the ``value_min``,
``value_median`` and ``value_max`` of their figures. Every claim supports exactly one Finding (SUPPORTS); claims
whose faster side is unknown are grouped within their paper only, since two papers' unknowns are not one method.
"""
from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .lexicon_index import slugify

__all__ = ["ClaimLink", "Finding", "finding_id", "finding_key", "group_claims"]


class ClaimLink(NamedTuple):
    """What a claim says, as `group_claims` needs it: each side as ``(node id or None, text as written)``."""

    claim_id: str
    paper_id: str
    value: float
    unit: str
    metric: str
    method: tuple[str | None, str]
    baseline: tuple[str | None, str]
    hardware: tuple[str | None, str]


def _part(side: tuple[str | None, str]) -> str:
    node, text = side
    return node.split(":", 1)[1] if node else slugify(text)


def finding_id(method: str, metric: str, unit: str, baseline: str = "", hardware: str = "") -> str:
    """The id of the Finding of a method's figure over a baseline on some hardware (each a slug, "" when unknown).

    >>> finding_id("flashdecoding-plus-plus", "throughput", "x", "vllm", "mi210")
    'finding:flashdecoding-plus-plus--throughput-x--over--vllm--on--mi210'
    >>> finding_id("", "latency", "%")
    'finding:unknown--latency-pct'
    """
    parts = [method or "unknown", f"{slugify(metric) or 'speedup'}-{'pct' if unit == '%' else slugify(unit)}"]
    if baseline:
        parts += ["over", baseline]
    if hardware:
        parts += ["on", hardware]
    return "finding:" + "--".join(parts)        # slugs never hold "--", so the parts stay apart


@dataclass
class Finding:
    """One group of claims; `row` is its node's attributes (``kgbuild.vocab``)."""

    node_id: str
    method: str
    baseline: str
    hardware: str
    metric: str
    unit: str
    claims: list[ClaimLink] = field(default_factory=list)

    def row(self) -> dict[str, Any]:
        values = [c.value for c in self.claims]
        words = [self.method or "?", f"{self.metric} ({self.unit})"]
        words += [f"over {self.baseline}"] if self.baseline else []
        words += [f"on {self.hardware}"] if self.hardware else []
        return {"label": "Finding", "name": " ".join(words), "method": self.method, "baseline": self.baseline,
                "hardware": self.hardware, "metric": self.metric, "unit": self.unit,
                "papers": len({c.paper_id for c in self.claims}), "mentions": len(self.claims),
                "value_min": min(values), "value_median": float(statistics.median(values)),
                "value_max": max(values)}


def finding_key(c: ClaimLink) -> str:
    """The id of the Finding a claim supports; a spooled build sorts claims by it to group them on disk.

    >>> finding_key(ClaimLink("claim:p1-1", "p1", 2.0, "x", "", (None, ""), (None, "vLLM"), ("hardware:a100", "A100")))
    'finding:unknown-in-p1--speedup-x--over--vllm--on--a100'
    """
    metric = c.metric.strip().lower() or "speedup"
    method = _part(c.method) or f"unknown-in-{slugify(c.paper_id)}"
    return finding_id(method, metric, c.unit, _part(c.baseline), _part(c.hardware))


def group_claims(claims: Iterable[ClaimLink], names: Mapping[str, str]) -> list[Finding]:
    """Group claims into Findings, sorted by id; ``names`` gives a linked node's display name.

    Examples
    --------
    >>> a = ClaimLink("claim:p1-1", "p1", 2.0, "x", "speedup", ("method:a", "A"), (None, "PyTorch"), (None, ""))
    >>> b = a._replace(claim_id="claim:p2-1", paper_id="p2", value=3.0)
    >>> [(f.node_id, f.row()["papers"], f.row()["value_median"]) for f in group_claims([b, a], {"method:a": "A"})]
    [('finding:a--speedup-x--over--pytorch', 2, 2.5)]
    """
    groups: dict[str, list[ClaimLink]] = {}
    for c in claims:
        groups.setdefault(finding_key(c), []).append(c)
    found = []
    for node_id in sorted(groups):
        members = sorted(groups[node_id])
        first = members[0]

        def shown(side: tuple[str | None, str]) -> str:
            return names.get(side[0], side[1]) if side[0] else side[1]

        found.append(Finding(node_id, shown(first.method), shown(first.baseline), shown(first.hardware),
                             first.metric.strip().lower() or "speedup", first.unit, members))
    return found
