#!/usr/bin/env python3
"""Scale benchmark: abstracts/s and peak RSS at 10k, 100k (and on request 1M) synthetic abstracts, worker speed-up,
and triples/s into the SPARQL store, the embedded Cypher store and a Bolt server (FalkorDB).

Corpora come from scripts/make_corpus.py (kept in --work, reused). Every measurement runs in a fresh process, so
its peak RSS (resource.getrusage ru_maxrss) is its own. Per size, two runs share one output folder:

* extract   read → extract → JSONL shards, committed to state.json: a streaming stage, whose memory should not
            grow with the corpus;
* graph     `kgbuild build --stream-above 0` again on the same folder: every paper is reused from the state, so
            this is the streaming graph stage (resolution into the SQLite spool, kgbuild.spool) and the sinks that
            read its rows: N-Triples shards, the Oxigraph store (loaded from those shards), the Ladybug store and the
            neo4j-admin CSVs. Its memory should not grow with the corpus beyond the entity vocabulary; triples/s per
            store is the graph's triple count over the store's seconds. --graph-memory measures the in-memory graph
            (networkx, ~55 KB a paper) instead.

    python scripts/bench_scale.py                          # 10k and 100k, workers 1 and 2 at 10k, loads at 10k
    python scripts/bench_scale.py --sizes 1000000 --workers --no-loads --graph-sinks sparql-store,cypher-store,csv
                                                           # 1M: 0.55 GB corpus, ~17 min extraction, ~100 min graph
    python scripts/bench_scale.py --sizes 10000 --no-loads
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent


def corpus(work: Path, size: int, seed: int) -> Path:
    """The synthetic corpus of ``size`` abstracts, written once into ``work``."""
    path = work / f"corpus-{size}-s{seed}.jsonl"
    if not path.exists():
        sys.path.insert(0, str(SCRIPTS))
        from make_corpus import write_corpus

        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            write_corpus(size, fh, seed=seed)
        tmp.replace(path)
    return path


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---- what a child process measures ------------------------------------------------------------------------------

def child_extract(src: Path, out: Path, workers: int, engine: str) -> dict[str, Any]:
    from collections import deque

    from kgbuild.engines import extract_lines
    from kgbuild.readers import read_papers
    from kgbuild.state import ExtractionStore, content_hash

    from kgbuild.extract.pipeline import load_pipeline

    load_pipeline()  # spaCy's start-up is not throughput; forked workers inherit the loaded pipeline
    store = ExtractionStore(out, fresh=True)
    t0 = time.perf_counter()
    pending: deque[tuple[str, str]] = deque()

    def papers():
        for paper in read_papers([src], on_error="skip"):
            pending.append((paper.id, content_hash(paper)))
            yield paper

    n = 0
    with store.writer(5_000) as shards:  # what run_build does, minus the graph
        for line in extract_lines(papers(), engine, workers=workers):
            paper_id, digest = pending.popleft()
            shards.add_line(paper_id, (line + "\n").encode("utf-8"), digest)
            n += 1
    seconds = time.perf_counter() - t0
    return {"stage": f"extract ({engine}, {workers} worker{'s' if workers > 1 else ''})", "abstracts": n,
            "seconds": seconds, "per_s": n / seconds, "peak_rss_mib": _peak_rss_mib()}


GRAPH_SINKS = ["rdf", "sparql-store", "cypher-store", "csv"]


def child_graph(src: Path, out: Path, mode: str, sinks: list[str]) -> dict[str, Any]:
    from kgbuild.job import run_build

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the notes on sinks a streaming build skips
        summary = run_build([src], out, sinks=sinks, whole_rdf_max_triples=0, on_error="skip",
                            stream_above=0 if mode == "stream" else 1 << 62)
    seconds = time.perf_counter() - t0
    assert summary.extracted == 0, "the extract stage left every paper in the state (did the extractor change?)"
    stores = {name: summary.triples / summary.seconds[name] for name in ("sparql-store", "cypher-store")
              if name in summary.seconds}
    return {"stage": f"graph ({mode}) + {len(sinks)} sinks", "abstracts": summary.papers, "seconds": seconds,
            "per_s": summary.papers / seconds, "peak_rss_mib": _peak_rss_mib(), "triples": summary.triples,
            "nodes": summary.nodes, "edges": summary.edges, "triples_per_s": {k: round(v) for k, v in stores.items()},
            "detail": {k: round(v, 1) for k, v in summary.seconds.items()}}


def child_loads(out: Path) -> list[dict[str, Any]]:
    sys.path.insert(0, str(SCRIPTS))
    from bench_load import measure_sinks

    from kgbuild.graph import build_graph
    from kgbuild.state import ExtractionStore

    G = build_graph(ExtractionStore(out).extractions())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return measure_sinks(G, G, ["sparql-store", "cypher-store", "neo4j-bolt", "falkordb-native"],
                             out / "load-scratch")


def run_child(*args: str) -> Any:
    cmd = [sys.executable, __file__, "--child", *args]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---- the driver -------------------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="corpus sizes (default 10k 100k)")
    ap.add_argument("--workers", type=int, nargs="*", default=[2],
                    help="worker counts compared with 1 at the smallest size (default 2; none: no comparison)")
    ap.add_argument("--dask", action="store_true", help="also extract the smallest size on a Dask LocalCluster")
    ap.add_argument("--load-size", type=int, default=None, help="graph size for the store loads (default: smallest)")
    ap.add_argument("--no-loads", action="store_true", help="skip the store and Bolt loads")
    ap.add_argument("--graph-memory", action="store_true",
                    help="measure the in-memory graph stage instead of the streaming one")
    ap.add_argument("--graph-sinks", default=",".join(GRAPH_SINKS),
                    help=f"sinks of the graph stage (default {','.join(GRAPH_SINKS)}; at 1M the N-Triples shards "
                         "alone take ~32 GB of disk)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--work", type=Path, default=Path("/tmp/kgbuild-bench-scale"),
                    help="where corpora and outputs go (default /tmp/kgbuild-bench-scale)")
    ap.add_argument("--keep", action="store_true", help="keep the output folders")
    ap.add_argument("--json", type=Path, default=None, help="also write every row as JSON here")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        mode, *rest = args.child
        if mode == "extract":
            result = child_extract(Path(rest[0]), Path(rest[1]), int(rest[2]), rest[3])
        elif mode == "graph":
            result = child_graph(Path(rest[0]), Path(rest[1]), rest[2], rest[3].split(","))
        else:
            result = child_loads(Path(rest[0]))
        print(json.dumps(result))
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    smallest = min(args.sizes)
    for size in sorted(args.sizes):
        src = corpus(args.work, size, args.seed)
        out = args.work / f"out-{size}"
        shutil.rmtree(out, ignore_errors=True)
        print(f"{size} abstracts: extracting …", file=sys.stderr, flush=True)
        rows.append(run_child("extract", str(src), str(out), "1", "local"))
        print(f"  {rows[-1]}", file=sys.stderr, flush=True)
        mode = "memory" if args.graph_memory else "stream"
        print(f"{size} abstracts: graph ({mode}) + {args.graph_sinks} …", file=sys.stderr, flush=True)
        rows.append(run_child("graph", str(src), str(out), mode, args.graph_sinks))
        print(f"  {rows[-1]}", file=sys.stderr, flush=True)
        if size == smallest:
            for w in args.workers:
                scratch = args.work / f"out-{size}-w{w}"
                rows.append(run_child("extract", str(src), str(scratch), str(w), "local"))
                print(f"  {rows[-1]}", file=sys.stderr, flush=True)
                shutil.rmtree(scratch, ignore_errors=True)
            if args.dask:
                scratch = args.work / f"out-{size}-dask"
                rows.append(run_child("extract", str(src), str(scratch), str(max(args.workers)), "dask"))
                print(f"  {rows[-1]}", file=sys.stderr, flush=True)
                shutil.rmtree(scratch, ignore_errors=True)
    for row in rows:
        row["size"] = row.get("size") or row["abstracts"]
    loads: list[dict[str, Any]] = []
    if not args.no_loads:
        size = args.load_size or smallest
        if not (args.work / f"out-{size}" / "state.json").exists():
            src = corpus(args.work, size, args.seed)
            run_child("extract", str(src), str(args.work / f"out-{size}"), "1", "local")
        print(f"loads of the {size}-abstract graph …", file=sys.stderr, flush=True)
        loads = run_child("loads", str(args.work / f"out-{size}"))
    if not args.keep:
        for size in args.sizes:
            shutil.rmtree(args.work / f"out-{size}", ignore_errors=True)

    print(f"| {'stage':28s} | {'abstracts':>9s} | {'seconds':>8s} | {'abstracts/s':>11s} | {'peak RSS MiB':>12s} |")
    print(f"|{'-' * 30}|{'-' * 10}:|{'-' * 9}:|{'-' * 12}:|{'-' * 13}:|")
    base = {}
    for r in rows:
        print(f"| {r['stage']:28s} | {r['abstracts']:9d} | {r['seconds']:8.1f} | {r['per_s']:11.0f} | "
              f"{r['peak_rss_mib']:12.0f} |")
        if r["stage"].startswith("extract (local, 1 "):
            base.setdefault(r["abstracts"], r["per_s"])
    for r in rows:
        if r["stage"].startswith("extract") and " 1 worker" not in r["stage"] and r["abstracts"] in base:
            print(f"speed-up of {r['stage']}: {r['per_s'] / base[r['abstracts']]:.2f}x over 1 worker "
                  f"({os.cpu_count()} CPUs here)")
    for r in rows:
        if "triples" in r:
            print(f"graph of {r['abstracts']}: {r['nodes']} nodes, {r['edges']} edges, {r['triples']} triples; "
                  f"triples/s {r['triples_per_s']}; seconds {r['detail']}")
    if loads:
        sys.path.insert(0, str(SCRIPTS))
        from bench_load import print_table

        print()
        print_table(loads)
    if max(args.sizes) < 1_000_000:
        print(f"\n1M abstracts: python {Path(__file__).name} --sizes 1000000 --workers --no-loads "
              "--graph-sinks sparql-store,cypher-store,csv  (~2 hours, ~40 GB of disk in --work)")
    if args.json:
        args.json.write_text(json.dumps({"stages": rows, "loads": loads}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
