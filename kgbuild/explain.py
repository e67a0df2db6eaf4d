"""`kgbuild explain`: what the graph holds for a name and why — its node, every surface form with the rule that
merged it and its evidence, its papers, claims and findings.

`explain` answers from a `KnowledgeGraph`; `load_build` rebuilds the graph of a ``kgbuild build`` output folder from
its extractions (resolving and assembling take well under a second per thousand papers), so the answer is the
build's own, merge log included; `format_explanation` renders an answer as text.
"""
from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from os import PathLike
from pathlib import Path
from typing import Any

from .canonical import canonical_id
from .errors import KgbuildError
from .models import Extraction
from .overrides import OverridesLike
from .queries import find_nodes

__all__ = ["explain", "format_explanation", "load_build"]

_CLAIM_ROLES = {"ACHIEVED_BY": "achieved by", "OVER": "over", "MEASURED_ON": "measured on"}
_LINKS_OUT = {"MADE_BY": "made by", "IS_A": "is a", "VARIANT_OF": "variant of"}
_LINKS_IN = {"VARIANT_OF": "variants", "MADE_BY": "makes", "IS_A": "members"}
_NOT_ATTRIBUTES = {"label", "name", "aliases", "papers", "mentions"}


def _names(G: Any, nodes: Any) -> list[str]:
    return sorted({G.nodes[n].get("name", n) for n in nodes})


def _node_report(kg: Any, node: str, query: str, log: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    G = kg.graph
    data = G.nodes[node]
    label = data.get("label", "")
    try:
        context_free = canonical_id(query, label, lexicon=kg.lexicon)
    except ValueError:
        context_free = None
    links: dict[str, list[str]] = {}
    for rel, title in _LINKS_OUT.items():
        if found := _names(G, (d for _, d, k in G.out_edges(node, keys=True) if k == rel)):
            links[title] = found
    for rel, title in _LINKS_IN.items():
        if found := _names(G, (s for s, _, k in G.in_edges(node, keys=True) if k == rel)):
            links[title] = found
    papers = sorted(({"paper": s.split(":", 1)[1], "title": G.nodes[s].get("title", ""), "relation": k}
                     for s, _, k in G.in_edges(node, keys=True) if k in ("PROPOSES", "MENTIONS")),
                    key=lambda p: (p["relation"] != "PROPOSES", p["paper"]))
    claims, findings = [], {}
    for claim, _, rel in G.in_edges(node, keys=True):
        if rel not in _CLAIM_ROLES:
            continue
        c = G.nodes[claim]
        claims.append({"claim": claim, "role": _CLAIM_ROLES[rel], "paper": c.get("paper_id", ""),
                       **{k: c.get(k, "") for k in ("value", "unit", "metric", "qualifier", "method", "baseline",
                                                    "hardware", "evidence")}})
        for _, finding, k in G.out_edges(claim, keys=True):
            if k == "SUPPORTS":
                f = G.nodes[finding]
                findings[finding] = {"finding": finding, "name": f.get("name", finding), "papers": f.get("papers", 0),
                                     "claims": f.get("mentions", 0), "min": f.get("value_min"),
                                     "median": f.get("value_median"), "max": f.get("value_max")}
    claims.sort(key=lambda c: (c["paper"], c["claim"], c["role"]))
    return {
        "id": node, "label": label, "name": data.get("name", node), "canonical_id": context_free,
        "attributes": {k: v for k, v in data.items() if k not in _NOT_ATTRIBUTES},
        "support": {"papers": data.get("papers", 0), "mentions": data.get("mentions", 0)},
        "aliases": [{k: v for k, v in row.items() if k != "node_id"} for row in log.get(node, [])],
        "links": links, "papers": papers, "claims": claims,
        "findings": sorted(findings.values(), key=lambda f: (-f["papers"], f["finding"])),
    }


def explain(kg: Any, name: str) -> dict[str, Any]:
    """What the graph knows about ``name``, and why.

    Parameters
    ----------
    kg : KnowledgeGraph
    name : str
        Any surface form, display name or node id ("MI250X", "AMD Instinct MI250X GPUs", "hardware:mi250x").

    Returns
    -------
    dict
        ``query``; ``nodes``: one entry per node the name reaches (usually one; a name can be, say, both a Method
        and a Hardware), best supported first, with ``id``, ``label``, ``name``, ``canonical_id`` (the id the name
        gets without context or overrides), ``attributes``, ``support`` (papers, mentions), ``aliases`` (the
        merge-log rows of the node: surface, rule, detail, papers and evidence), ``links`` (vendor, class, family,
        variants …), ``papers`` (paper, title, PROPOSES or MENTIONS), ``claims`` (the speedup claims it takes a
        part in, with its ``role``) and ``findings``; ``suggestions``: close names when nothing matched.

    Examples
    --------
    >>> answer = explain(kg, "AMD Instinct MI250X GPUs")
    >>> node = answer["nodes"][0]
    >>> node["id"], node["links"], [(a["surface"], a["rule"]) for a in node["aliases"]]
    ('hardware:mi250x', {'made by': ['AMD'], 'is a': ['GPU']}, [('AMD Instinct MI250X', 'normalisation'), ('MI250X', 'exact')])
    >>> [(c["role"], c["value"], c["method"]) for c in node["claims"]], node["findings"][0]["papers"]
    ([('measured on', 2.7, 'WAA')], 1)
    >>> explain(kg, "MI250")["suggestions"]
    ['MI210', 'MI250X']
    """
    G = kg.graph
    log: dict[str, list[dict[str, Any]]] = {}
    for row in kg.merge_log():
        log.setdefault(row["node_id"], []).append(row)
    found = find_nodes(kg, name)
    nodes = [_node_report(kg, n, name, log) for n in found]
    nodes.sort(key=lambda r: (-r["support"]["papers"], r["id"]))
    answer: dict[str, Any] = {"query": name, "nodes": nodes}
    if not nodes:
        names = sorted({d.get("name", "") for _, d in G.nodes(data=True)
                        if d.get("label") not in ("Paper", "SpeedupClaim", "Finding")})
        answer["suggestions"] = sorted(difflib.get_close_matches(name, names, n=5, cutoff=0.6))
    return answer


def _span(row: dict[str, Any]) -> str:
    if row.get("start") is None:
        return f"paper {row.get('paper_id', '')}"
    return f"paper {row['paper_id']} {row['field']} sentence {row['sentence']} chars {row['start']}–{row['end']}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _more(items: list[Any], limit: int) -> tuple[list[Any], str]:
    if limit and len(items) > limit:
        return items[:limit], f"    … and {len(items) - limit} more (--limit 0 shows all)"
    return items, ""


def _node_lines(node: dict[str, Any], limit: int) -> Iterator[str]:
    yield f"{node['name']}  [{node['label']} {node['id']}]"
    if node["canonical_id"] and node["canonical_id"] != node["id"]:
        yield f"  without context or overrides the name would be {node['canonical_id']}"
    attrs = "; ".join(k if v is True else f"{k} {v}" for k, v in node["attributes"].items()
                      if v not in ("", None, False))
    if attrs:
        yield f"  {attrs}"
    papers, mentions = node["support"]["papers"], node["support"]["mentions"]
    yield f"  support: {_count(papers, 'paper')}" + (f", {_count(mentions, 'mention')}" if mentions else "")
    for title, names in node["links"].items():
        yield f"  {title}: {', '.join(names)}"
    if node["aliases"]:
        yield f"  surface forms ({len(node['aliases'])}):"
    else:
        yield "  surface forms: none (a catalogue node, reached through the devices or variants that name it)"
    rows, more = _more(node["aliases"], limit)
    width = max((len(r["surface"]) for r in rows), default=0) + 2
    for r in rows:
        rule = r["rule"] + (f" ({r['detail']})" if r.get("detail") else "")
        surface = json.dumps(r["surface"], ensure_ascii=False)
        yield f"    {surface:{width}}  {rule}; {_count(r['papers'], 'paper')}; {_span(r)}"
        if r.get("evidence"):
            yield f"      “{r['evidence']}”"
    yield from [more] if more else []
    for key, title in (("papers", "papers"), ("claims", "speedup claims"), ("findings", "findings")):
        items, more = _more(node[key], limit)
        if not items:
            continue
        yield f"  {title} ({len(node[key])}):"
        for item in items:
            if key == "papers":
                yield f"    {item['paper']}  {item['relation']:8s}  {item['title']}"
            elif key == "claims":
                figure = f"{item['value']:g}{item['unit']} {item['metric']}"
                yield (f"    {item['paper']}  {item['role']}: {figure} — {item['method'] or '?'} over "
                       f"{item['baseline'] or '?'} on {item['hardware'] or '?'}")
            else:
                yield (f"    {item['name']}: {_count(item['papers'], 'paper')}, {_count(item['claims'], 'claim')}, "
                       f"{item['min']:g}–{item['max']:g} (median {item['median']:g})")
        yield from [more] if more else []


def format_explanation(answer: dict[str, Any], limit: int = 20) -> str:
    """`explain`'s answer as text; lists longer than ``limit`` are cut (0: no limit).

    >>> print(format_explanation(explain(kg, "WAA")).splitlines()[0])
    Wavefront-Aware Attention  [Method method:wavefront-aware-attention]
    """
    if not answer["nodes"]:
        hint = f" — did you mean {', '.join(answer['suggestions'])}?" if answer.get("suggestions") else ""
        return f"no node named {answer['query']!r}{hint}"
    return "\n\n".join("\n".join(_node_lines(node, limit)) for node in answer["nodes"])


def _extraction_files(out: Path) -> list[Path]:
    from .shards import read_manifest

    if out.is_file():
        return [out]
    # the build's manifest names its extraction shards in order; a folder of an older build has one file
    entries = read_manifest(out)["outputs"].get("extractions", [])
    files = [out / e["file"] for e in entries if isinstance(e, dict) and "file" in e]
    if not files and (out / "extractions.jsonl").is_file():
        files = [out / "extractions.jsonl"]
    if not files:
        raise KgbuildError(f"{out}: no extractions found (a manifest.json listing them, or extractions.jsonl) — "
                           "pass the --out folder of a finished `kgbuild build`")
    return files


def load_build(out: str | PathLike, *, overrides: OverridesLike = None, lexicon: Any = None) -> Any:
    """The `KnowledgeGraph` of a ``kgbuild build`` output folder, rebuilt from its extractions.

    ``out`` is the folder (the extraction shards its ``manifest.json`` lists, a later record of a paper replacing an
    earlier one, or else its ``extractions.jsonl``) or an extractions ``.jsonl`` file. ``overrides`` defaults to
    ``out/overrides.toml`` when the folder has one.
    """
    from .graph import KnowledgeGraph

    out = Path(out)
    if not out.exists():
        raise KgbuildError(f"{out}: no such build output — run `kgbuild build --out {out}` first, or pass --out")
    if overrides is None and (out / "overrides.toml").is_file():
        overrides = out / "overrides.toml"
    records: dict[str, Extraction] = {}
    for path in _extraction_files(out):
        try:
            with path.open(encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    if line.strip():
                        ex = Extraction.model_validate_json(line)
                        records[ex.id] = ex
        except OSError as e:
            raise KgbuildError(f"{path}: cannot read the extractions ({e.strerror or e}) — check the build "
                               "output") from e
        except ValueError as e:
            raise KgbuildError(f"{path}:{n}: not an Extraction record ({e.__class__.__name__}) — pass the output "
                               "of `kgbuild build` or `kgbuild extract`") from e
    return KnowledgeGraph.from_extractions(records.values(), overrides=overrides, lexicon=lexicon)
