"""The main job: read → extract → resolve → graph, then write the graph to every chosen sink under one folder."""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import KgbuildError
from .models import Extraction

__all__ = ["DEFAULT_SINKS", "ALL_SINKS", "BuildSummary", "run_build", "parse_sinks"]

#: Written by default: every embedded target, no server needed.
DEFAULT_SINKS = ("rdf", "sparql-store", "cypher-store", "gexf", "graphml", "csv", "report")
ALL_SINKS = DEFAULT_SINKS + ("neo4j",)


@dataclass
class BuildSummary:
    papers: int = 0
    skipped: int = 0
    entities: dict[str, int] = field(default_factory=dict)
    claims: int = 0
    nodes: int = 0
    edges: int = 0
    triples: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        ents = ", ".join(f"{k} {v}" for k, v in sorted(self.entities.items()))
        out = [f"papers {self.papers} (skipped {self.skipped}); entities: {ents}; speedup claims {self.claims}",
               f"graph: {self.nodes} nodes, {self.edges} edges, {self.triples} RDF triples"]
        out += [f"  {name:13s} {self.seconds.get(name, 0):7.2f}s  {path}" for name, path in self.outputs.items()]
        out.append(f"total {sum(self.seconds.values()):.2f}s")
        return out


def parse_sinks(text: str | None, neo4j_uri: str | None = None) -> tuple[str, ...]:
    """`--to` as a tuple of sink names; Neo4j joins the defaults only when a URI is given."""
    if not text:
        return DEFAULT_SINKS + (("neo4j",) if neo4j_uri else ())
    names = tuple(n.strip().lower() for n in text.split(",") if n.strip())
    unknown = [n for n in names if n not in ALL_SINKS]
    if unknown:
        raise KgbuildError(f"--to: unknown sink {', '.join(unknown)} — choose from {', '.join(ALL_SINKS)}")
    return names


def _tee_extractions(extractions: Iterable[Extraction], path: Path, summary: BuildSummary) -> Iterator[Extraction]:
    """Write each extraction as it passes, so the per-paper output streams while the graph is built."""
    with path.open("w", encoding="utf-8") as fh:
        for ex in extractions:
            fh.write(ex.model_dump_json(exclude_none=True) + "\n")
            summary.papers += 1
            summary.claims += len(ex.speedups)
            for e in ex.entities:
                summary.entities[e.type] = summary.entities.get(e.type, 0) + 1
            yield ex


def run_build(paths: Iterable[str | Path], out: str | Path, *, sinks: Iterable[str] = DEFAULT_SINKS,
              format: str | None = None, on_error: str = "fail", workers: int = 1,
              neo4j: dict[str, Any] | None = None,
              progress: Callable[[Iterable[Extraction]], Iterable[Extraction]] = lambda it: it) -> BuildSummary:
    """Build the graph of `paths` and write it to `out/` in each sink; returns the closing summary."""
    from .extract import extract
    from .graph import KnowledgeGraph
    from .readers import ReadReport, read_papers
    from .sinks import write

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary, report = BuildSummary(), ReadReport()
    t0 = time.perf_counter()
    papers = read_papers(list(paths), format=format, on_error=on_error, report=report)
    stream = _tee_extractions(progress(extract(papers, workers=workers)), out / "extractions.jsonl", summary)
    kg = KnowledgeGraph.from_extractions(stream)
    G = kg.graph
    summary.skipped = report.skipped
    summary.nodes, summary.edges = G.number_of_nodes(), G.number_of_edges()
    summary.seconds["extract+graph"] = time.perf_counter() - t0
    summary.outputs["extract+graph"] = str(out / "extractions.jsonl")
    with (out / "merges.jsonl").open("w", encoding="utf-8") as fh:
        for rec in sorted((m.as_dict() for m in kg.merges), key=lambda d: json.dumps(d, sort_keys=True)):
            fh.write(json.dumps(rec, sort_keys=True) + "\n")
    targets = {"rdf": out / "graph.ttl", "sparql-store": out / "sparql-store", "cypher-store": out / "cypher-store",
               "gexf": out / "graph.gexf", "graphml": out / "graph.graphml", "csv": out / "neo4j-import",
               "report": out / "report.html"}
    for name in sinks:
        t = time.perf_counter()
        if name == "neo4j":
            write(G, None, "neo4j", **(neo4j or {}))
            summary.outputs[name] = str((neo4j or {}).get("uri") or "NEO4J_URI")
        elif name == "report":
            from .report import write_report

            write_report(G, targets[name])
            summary.outputs[name] = str(targets[name])
        else:
            options = {"overwrite": True} if name in ("sparql-store", "cypher-store") else {}
            if name == "rdf":
                options = {"formats": ("ttl", "nt", "jsonld")}
            write(G, targets[name], name, **options)
            summary.outputs[name] = str(targets[name])
            if name == "rdf":
                summary.triples = _count_lines(out / "graph.nt")
        summary.seconds[name] = time.perf_counter() - t
    (out / "summary.json").write_text(json.dumps(summary.__dict__, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return summary


def _count_lines(path: Path) -> int:
    if not path.exists():
        return 0
    with path.open("rb") as fh:
        return sum(1 for _ in fh)
