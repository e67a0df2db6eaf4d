"""The merge log: for every node, each surface form that resolved to it, the rule that decided it (`RULES`) and
one place it was read — the rows a build writes as ``merges.jsonl`` and the RDF sink as PROV-O.

`merge_log` turns `kgbuild.resolve.MergeRecord` lists into rows; `merge_log_lines` gives the file's lines. Both depend
only on the records, never on their order, and resolution is per paper, so a build that keeps each paper's records
(an incremental build) writes the log a full build writes, byte for byte.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import networkx as nx

from .canonical import RULES
from .resolve import MergeRecord

__all__ = ["RULES", "best_records", "log_row", "merge_log", "merge_log_line", "merge_log_lines", "ranked"]


Ranked = tuple[tuple, dict[str, Any]]   # a record's place in reading order, and its `MergeRecord.as_dict`


def _reading_order(r: MergeRecord, row: dict[str, Any]) -> tuple:
    p = r.provenance
    where = (p.field != "title", p.sentence, p.start, p.end) if p is not None else (True, 1 << 30, 0, 0)
    return (r.evidence is None, r.paper_id, *where, json.dumps(row, sort_keys=True))


def ranked(r: MergeRecord) -> Ranked:
    """A record as the log compares it: the earliest with evidence text (else the earliest) stands for its form."""
    row = r.as_dict()
    return _reading_order(r, row), row


def best_records(records: Iterable[MergeRecord]) -> dict[tuple[str, str, str], tuple[set[str], Ranked]]:
    """Per ``(node_id, surface, rule)``: the papers that resolved the form so, and the record the log shows."""
    groups: dict[tuple[str, str, str], tuple[set[str], Ranked]] = {}
    for r in records:
        key, candidate = (r.node_id, r.surface, r.rule), ranked(r)
        papers, best = groups.setdefault(key, (set(), candidate))
        papers.add(r.paper_id)
        if candidate[0] < best[0]:
            groups[key] = (papers, candidate)
    return groups


def log_row(row: dict[str, Any], papers: int) -> dict[str, Any]:
    """The merge-log row of a form from its shown record (`MergeRecord.as_dict`) and its paper count."""
    return {**{k: row[k] for k in ("node_id", "surface", "rule", "detail")}, "papers": papers,
            **{k: row[k] for k in ("paper_id", "field", "sentence", "start", "end", "evidence")}}


def merge_log(records: Iterable[MergeRecord]) -> list[dict[str, Any]]:
    """The merge log: one row per node, surface form and rule, sorted, the same for any order of the records.

    A row holds ``node_id``, ``surface``, ``rule`` (a `RULES` name), ``detail``, ``papers`` (how many papers
    resolved the form so) and, from the first of those mentions that has evidence text (else the first in reading
    order), ``paper_id``, ``field``, ``sentence``, ``start``, ``end`` and ``evidence`` (see `MergeRecord`).

    Examples
    --------
    >>> rows = merge_log(kg.merges)
    >>> [(r["surface"], r["rule"], r["detail"], r["papers"]) for r in rows if r["node_id"] == "hardware:mi250x"]
    [('AMD Instinct MI250X', 'normalisation', 'MI250X', 1), ('MI250X', 'exact', None, 1)]
    """
    groups = best_records(records)
    return [log_row(groups[key][1][1], len(groups[key][0])) for key in sorted(groups)]


def merge_log_line(row: dict[str, Any]) -> str:
    """One row as a line of ``merges.jsonl`` (keys sorted, no newline)."""
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def merge_log_lines(source: Any) -> list[str]:
    """The merge log as JSON lines (keys sorted, no newline): the content of a build's ``merges.jsonl``.

    ``source`` is a `kgbuild.graph.KnowledgeGraph`, its MultiDiGraph (whose ``graph["merge_log"]`` holds the rows)
    or any iterable of `kgbuild.resolve.MergeRecord`, say every paper's records kept by an incremental build: the
    same records give the same lines in any order.

    >>> next(line for line in merge_log_lines(kg) if '"WAA"' in line)
    '{"detail": "Wavefront-Aware Attention", "end": 112, "evidence": "WAA is 2.7x faster than FlashAttention-2 on the MI250X", "field": "abstract", "node_id": "method:wavefront-aware-attention", "paper_id": "974dc559d0", "papers": 1, "rule": "acronym-expansion", "sentence": 1, "start": 109, "surface": "WAA"}'
    """
    graph = source if isinstance(source, nx.Graph) else getattr(source, "graph", None)   # KnowledgeGraph.graph
    if isinstance(graph, nx.Graph) and "merge_log" in graph.graph:
        rows = graph.graph["merge_log"]
    else:
        rows = merge_log(getattr(source, "merges", source))
    return [merge_log_line(row) for row in rows]
