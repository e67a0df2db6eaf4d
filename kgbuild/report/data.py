"""The report's plain tables: what the page and the figures show, read off the graph once.

Every function takes the MultiDiGraph of `kgbuild.graph` and returns lists of dicts with str/int/float values, so
the figures, the HTML and the tests all count the same rows.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from ..vocab import ENTITY_LABELS

__all__ = [
    "ReportTables",
    "report_tables",
    "claim_rows",
    "corpus_summary",
    "parse_paper_date",
    "hardware_timeline",
    "family_dataset_cells",
    "top_methods",
    "hardware_vendor",
    "model_family",
    "NO_VENDOR",
    "NO_CLASS",
]

NO_VENDOR = "no vendor"
NO_CLASS = "no class"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE = re.compile(r"^(?:(\d{4})|-)-(\d{2})(?:-(\d{2}))?$")
Row = dict[str, Any]


@dataclass
class ReportTables:
    """Everything the report shows, as rows; `report_tables` builds it."""

    summary: Row
    claims: list[Row]
    timeline: list[Row]
    timeline_note: str
    heatmap: list[Row]
    heatmap_note: str
    top_methods: list[Row] = field(default_factory=list)


def report_tables(G: nx.MultiDiGraph) -> ReportTables:
    """The tables of one graph.

    >>> t = report_tables(small_graph)
    >>> t.summary["papers"], t.summary["claims"], len(t.claims)
    (6, 9, 9)
    """
    claims = claim_rows(G)
    timeline, timeline_note = hardware_timeline(G)
    heatmap, heatmap_note = family_dataset_cells(G)
    return ReportTables(corpus_summary(G, claims), claims, timeline, timeline_note, heatmap, heatmap_note,
                        top_methods(claims))


# ----------------------------------------------------------------------------------------------------- helpers
def _out(G: nx.MultiDiGraph, node: str, rel: str) -> list[str]:
    return sorted(dst for _, dst, key, t in G.out_edges(node, keys=True, data="type") if (t or key) == rel)


def _in(G: nx.MultiDiGraph, node: str, *rels: str) -> list[str]:
    return sorted({src for src, _, key, t in G.in_edges(node, keys=True, data="type") if (t or key) in rels})


def _name(G: nx.MultiDiGraph, node: str | None) -> str:
    return str(G.nodes[node].get("name", node)) if node is not None else ""


def _nodes(G: nx.MultiDiGraph, label: str) -> list[str]:
    return sorted(n for n, lab in G.nodes(data="label") if lab == label)


def hardware_vendor(G: nx.MultiDiGraph, hw: str | None) -> str:
    """The vendor's name of a Hardware node: its MADE_BY target, else its ``vendor`` attribute, else ""."""
    if hw is None:
        return ""
    made_by = _out(G, hw, "MADE_BY")
    return _name(G, made_by[0]) if made_by else str(G.nodes[hw].get("vendor", ""))


def hardware_class(G: nx.MultiDiGraph, hw: str | None) -> str:
    if hw is None:
        return ""
    is_a = _out(G, hw, "IS_A")
    return _name(G, is_a[0]) if is_a else str(G.nodes[hw].get("hw_class", ""))


def paper_node(G: nx.MultiDiGraph, claim: str) -> str | None:
    reporters = _in(G, claim, "REPORTS")
    if reporters:
        return reporters[0]
    pid = G.nodes[claim].get("paper_id")
    return f"paper:{pid}" if pid and f"paper:{pid}" in G else None


# ----------------------------------------------------------------------------------------------------- claims
def claim_rows(G: nx.MultiDiGraph) -> list[Row]:
    """One row per SpeedupClaim node: linked entities' names where the graph links them, else the claim's text.

    Keys: ``id, value, unit, metric, qualifier, method, baseline, hardware, vendor, hw_class, paper_id,
    paper_title, date, evidence``; sorted by paper id then claim id.

    >>> [(r["method"], r["value"], r["unit"], r["vendor"]) for r in claim_rows(small_graph)][:2]
    [('SpecDistill', 2.1, 'x', 'NVIDIA'), ('SpecDistill', 3.0, 'x', 'Google')]
    """
    rows = []
    for claim in _nodes(G, "SpeedupClaim"):
        d = G.nodes[claim]
        by, over, hw = (next(iter(_out(G, claim, rel)), None) for rel in ("ACHIEVED_BY", "OVER", "MEASURED_ON"))
        paper = paper_node(G, claim)
        pdata = G.nodes[paper] if paper else {}
        rows.append({
            "id": claim, "value": float(d.get("value", 0.0)), "unit": str(d.get("unit", "x")),
            "metric": str(d.get("metric", "")), "qualifier": str(d.get("qualifier", "")),
            "method": _name(G, by) or str(d.get("method", "")),
            "baseline": _name(G, over) or str(d.get("baseline", "")),
            "hardware": _name(G, hw) or str(d.get("hardware", "")),
            "vendor": hardware_vendor(G, hw), "hw_class": hardware_class(G, hw),
            "paper_id": paper.split(":", 1)[1] if paper else str(d.get("paper_id", "")),
            "paper_title": str(pdata.get("title", pdata.get("name", ""))), "date": str(pdata.get("date", "") or ""),
            "evidence": str(d.get("evidence", "")),
        })
    return sorted(rows, key=lambda r: (r["paper_id"], r["id"]))


def top_methods(claims: list[Row], k: int = 15) -> list[Row]:
    """The ``k`` methods with the biggest × claim, each with that claim's row (ties: more claims, then name).

    >>> [(r["method"], r["value"], r["baseline"]) for r in top_methods(claim_rows(small_graph), 2)]
    [('FlashDecoding++', 4.86, 'Hugging Face implementations'), ('SpecDistill', 3.0, 'autoregressive decoding')]
    """
    best: dict[str, Row] = {}
    count: Counter[str] = Counter()
    for r in claims:
        if r["unit"] != "x" or not r["method"]:
            continue
        count[r["method"]] += 1
        if r["method"] not in best or r["value"] > best[r["method"]]["value"]:
            best[r["method"]] = r
    ranked = sorted(best, key=lambda m: (-best[m]["value"], -count[m], m))[:k]
    return [{**best[m], "claims": count[m]} for m in ranked]


# ----------------------------------------------------------------------------------------------------- summary
def parse_paper_date(text: str | None) -> tuple[int | None, int, int | None] | None:
    """``(year, month, day)`` of a Paper ``date``: ISO "YYYY-MM-DD", "YYYY-MM" or month-day "--MM-DD".

    >>> parse_paper_date("2024-03-15"), parse_paper_date("--09-03"), parse_paper_date("2024-03"), parse_paper_date("")
    ((2024, 3, 15), (None, 9, 3), (2024, 3, None), None)
    """
    m = _DATE.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return (int(m.group(1)) if m.group(1) else None, int(m.group(2)), int(m.group(3)) if m.group(3) else None)


def _month_day(month: int, day: int | None) -> str:
    return f"{_MONTHS[month - 1]} {day}" if day else _MONTHS[month - 1]


def _date_range(G: nx.MultiDiGraph) -> tuple[str, int, int]:
    """The corpus's date range as text, the number of dated papers and of undated ones."""
    full, partial, undated = [], [], 0
    for paper in _nodes(G, "Paper"):
        raw = G.nodes[paper].get("date")
        parsed = parse_paper_date(raw)
        if parsed is None:
            undated += 1
        elif parsed[0] is None:
            partial.append(parsed[1:])
        else:
            full.append(raw)
    parts = []
    if full:
        parts.append(f"{min(full)} – {max(full)}")
    if partial:
        lo, hi = min(partial, key=lambda p: (p[0], p[1] or 0)), max(partial, key=lambda p: (p[0], p[1] or 0))
        span = f"{_month_day(*lo)} – {_month_day(*hi)}, year not given"
        parts.append(f"{len(partial)} papers {span}" if full else span)
    return ("; ".join(parts) or "no dates"), len(full) + len(partial), undated


def corpus_summary(G: nx.MultiDiGraph, claims: list[Row] | None = None) -> Row:
    """Counts for the page's summary: papers, nodes per label, claims (× and %), vendors, date range.

    >>> s = corpus_summary(small_graph)
    >>> s["papers"], s["entities"]["Hardware"], s["claims_x"], s["claims_pct"], s["date_range"]
    (6, 10, 7, 2, '2023-09-10 – 2024-07-30')
    >>> [(v["vendor"], v["hardware"], v["claims"]) for v in s["vendors"]]
    [('AMD', 3, 4), ('NVIDIA', 3, 3), ('Google', 1, 1)]
    """
    claims = claim_rows(G) if claims is None else claims
    labels = Counter(lab for _, lab in G.nodes(data="label"))
    vendor_claims = Counter(r["vendor"] for r in claims if r["vendor"])
    vendors = []
    for v in _nodes(G, "Vendor"):
        name = _name(G, v)
        hardware = _in(G, v, "MADE_BY")
        papers = {p for hw in hardware for p in _in(G, hw, "MENTIONS", "PROPOSES")}
        vendors.append({"vendor": name, "hardware": len(hardware), "papers": len(papers),
                        "claims": vendor_claims[name]})
    vendors.sort(key=lambda v: (-v["claims"], -v["papers"], v["vendor"]))
    date_range, dated, undated = _date_range(G)
    return {
        "papers": labels["Paper"], "entities": {lab: labels[lab] for lab in ENTITY_LABELS},
        "vendor_nodes": labels["Vendor"], "class_nodes": labels["HardwareClass"],
        "claims": len(claims), "claims_x": sum(r["unit"] == "x" for r in claims),
        "claims_pct": sum(r["unit"] == "%" for r in claims),
        "nodes": G.number_of_nodes(), "edges": G.number_of_edges(),
        "vendors": vendors, "date_range": date_range, "dated_papers": dated, "undated_papers": undated,
    }


# ----------------------------------------------------------------------------------------------------- over time
def hardware_timeline(G: nx.MultiDiGraph) -> tuple[list[Row], str]:
    """Papers naming hardware of each vendor, per day (per month when there are more than 31 days to show).

    Rows ``{"period", "order", "vendor", "papers"}``; ``order`` sorts the periods. Month-day dates (no year) are
    placed on one calendar; when the corpus mixes them with full dates, only the full dates are used.

    >>> rows, note = hardware_timeline(small_graph)
    >>> [(r["period"], r["vendor"], r["papers"]) for r in rows][:2]
    [('2023-09-10', 'NVIDIA', 1), ('2023-09-10', 'no vendor', 1)]
    >>> note
    'papers per day; 6 of 6 papers name hardware and are dated'
    """
    dated: list[tuple[tuple[int | None, int, int | None], str]] = []
    for paper in _nodes(G, "Paper"):
        parsed = parse_paper_date(G.nodes[paper].get("date"))
        if parsed is not None:
            dated.append((parsed, paper))
    if any(p[0] is not None for p, _ in dated):
        dated = [(p, paper) for p, paper in dated if p[0] is not None]
    counts: Counter[tuple[tuple, str, str]] = Counter()
    with_hw = 0
    days = {(p[0] or 0, p[1], p[2] or 1) for p, _ in dated}
    # one bar per day while there are few days to show, else one per month
    by_month = len(days) > 31 and (max(days)[0] * 12 + max(days)[1]) - (min(days)[0] * 12 + min(days)[1]) > 1
    for (year, month, day), paper in dated:
        hardware = [n for n in _out(G, paper, "MENTIONS") + _out(G, paper, "PROPOSES")
                    if G.nodes[n].get("label") == "Hardware"]
        if not hardware:
            continue
        with_hw += 1
        if by_month or day is None:
            order, period = (year or 0, month, 0), (f"{year}-{month:02d}" if year else _MONTHS[month - 1])
        else:
            period = f"{year}-{month:02d}-{day:02d}" if year else _month_day(month, day)
            order = (year or 0, month, day)
        for vendor in sorted({hardware_vendor(G, hw) or NO_VENDOR for hw in hardware}):
            counts[(order, period, vendor)] += 1
    periods = sorted({order for order, _, _ in counts})
    rows = [{"period": period, "order": periods.index(order), "vendor": vendor, "papers": n}
            for (order, period, vendor), n in sorted(counts.items())]
    unit = "month" if by_month else "day"
    year_note = "" if any(p[0] for p, _ in dated) or not dated else "; years not given, dates shown as month–day"
    return rows, f"papers per {unit}; {with_hw} of {_count(G, 'Paper')} papers name hardware and are dated{year_note}"


def _count(G: nx.MultiDiGraph, label: str) -> int:
    return sum(1 for _, lab in G.nodes(data="label") if lab == label)


# ----------------------------------------------------------------------------------------------------- heat map
def model_family(G: nx.MultiDiGraph, model: str) -> str:
    """The root of a model's VARIANT_OF chain (the model itself when it has none)."""
    seen = {model}
    while True:
        parents = [p for p in _out(G, model, "VARIANT_OF") if p not in seen]
        if not parents:
            return model
        model = parents[0]
        seen.add(model)


def family_dataset_cells(G: nx.MultiDiGraph, max_families: int = 25, max_datasets: int = 30) -> tuple[list[Row], str]:
    """Papers evaluating each model family on each dataset or benchmark: sized variants roll up to their family.

    A paper counts for (family, dataset) when it names a member of the family and the dataset, and the graph has
    that member EVALUATED_ON the dataset. Only the families and datasets with most papers are kept.

    >>> cells, note = family_dataset_cells(small_graph)
    >>> sorted((c["family"], c["dataset"], c["papers"]) for c in cells)[:3]
    [('BERT', 'MMLU', 1), ('GPT-4', 'MMLU', 1), ('GPT-4o', 'MMLU', 1)]
    """
    papers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for paper in _nodes(G, "Paper"):
        named = _out(G, paper, "MENTIONS") + _out(G, paper, "PROPOSES")
        models = [n for n in named if G.nodes[n].get("label") == "Model"]
        datasets = {n for n in named if G.nodes[n].get("label") == "Dataset"}
        for m in models:
            for d in set(_out(G, m, "EVALUATED_ON")) & datasets:
                papers[(model_family(G, m), d)].add(paper)
    fam_total: Counter[str] = Counter()
    ds_total: Counter[str] = Counter()
    for (fam, ds), ps in papers.items():
        fam_total[fam] += len(ps)
        ds_total[ds] += len(ps)
    fams = {f for f, _ in sorted(fam_total.items(), key=lambda kv: (-kv[1], kv[0]))[:max_families]}
    dss = {d for d, _ in sorted(ds_total.items(), key=lambda kv: (-kv[1], kv[0]))[:max_datasets]}
    cells = [{"family": _name(G, f), "dataset": _name(G, d), "papers": len(ps)}
             for (f, d), ps in sorted(papers.items()) if f in fams and d in dss]
    note = f"{len(fams)} model families × {len(dss)} datasets"
    if len(fam_total) > len(fams) or len(ds_total) > len(dss):
        note += f" (the most studied of {len(fam_total)} families and {len(ds_total)} datasets)"
    return cells, note
