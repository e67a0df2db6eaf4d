#!/usr/bin/env python3
"""Extraction throughput against spaCy's bare tokenizer on the same texts, peak memory at two sizes, worker scaling.

The shared corpus (../shared/corpus/*.txt, 497 abstracts) is repeated, with distinct ids, to --size abstracts.
Each measurement runs in a fresh process so peak RSS belongs to that run alone; the rows shown for the tokenizer and
single-process extraction are the pair with the median ratio of --repeat paired runs.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from itertools import islice
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def corpus(size: int, source: Path):
    from kgbuild.readers import read_papers

    base = list(read_papers(sorted(source.glob("*.txt"))))
    for i in range(size):
        p = base[i % len(base)]
        yield p.model_copy(update={"id": f"{p.id}-{i // len(base)}"})


def measure(mode: str, size: int, workers: int, source: Path) -> dict:
    import spacy

    from kgbuild.extract import extract

    from kgbuild.extract.pipeline import load_pipeline

    papers = list(corpus(size, source))
    t_load = time.perf_counter()
    if mode == "extract":
        load_pipeline()  # a fixed start-up cost (catalogues → matchers), reported apart from throughput
    load_s = time.perf_counter() - t_load
    t0 = time.perf_counter()
    if mode == "tokenizer":
        tok = spacy.blank("en").tokenizer
        for p in papers:
            tok(p.title)
            tok(p.abstract)
        n = len(papers)
    else:
        n = sum(1 for _ in extract(iter(papers), workers=workers))
    dt = time.perf_counter() - t0
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"mode": mode, "size": size, "workers": workers, "seconds": round(dt, 2), "per_s": round(n / dt),
            "peak_rss_mib": round(rss_mib), "load_s": round(load_s, 2)}


def run(mode: str, size: int, workers: int, source: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--size", str(size), "--workers", str(workers),
           "--corpus", str(source)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=20_000, help="abstracts per run (default 20000)")
    ap.add_argument("--small", type=int, default=5_000, help="the smaller size for the flat-RSS check")
    ap.add_argument("--workers", type=int, nargs="*", default=[2], help="worker counts to compare with 1")
    ap.add_argument("--repeat", type=int, default=3, help="paired tokenizer/extraction runs; the median ratio is "
                                                           "reported (default 3)")
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--child", choices=("tokenizer", "extract"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.size, args.workers[0], args.corpus)))
        return
    # The tokenizer and extraction run in turn, --repeat times: on a shared VM one run's rate swings by ±15%, and a
    # ratio of two runs minutes apart swings with it, so the median of paired runs is reported with its range.
    pairs = sorted(((run("tokenizer", args.size, 1, args.corpus), run("extract", args.size, 1, args.corpus))
                    for _ in range(args.repeat)), key=lambda pair: pair[1]["per_s"] / pair[0]["per_s"])
    ratios = [one["per_s"] / tok["per_s"] for tok, one in pairs]
    tok, one = pairs[len(pairs) // 2]
    small = run("extract", args.small, 1, args.corpus)
    rows = [tok, one, small] + [run("extract", args.size, w, args.corpus) for w in args.workers]
    print(f"{'mode':10s} {'size':>7s} {'workers':>7s} {'load s':>7s} {'seconds':>8s} {'abstracts/s':>11s} {'peak RSS MiB':>12s}")
    for r in rows:
        print(f"{r['mode']:10s} {r['size']:7d} {r['workers']:7d} {r['load_s']:7.2f} {r['seconds']:8.2f} {r['per_s']:11d}"
              f" {r['peak_rss_mib']:12d}")
    spread = f", {len(ratios)} paired runs: {ratios[0]:.3f}-{ratios[-1]:.3f}" if len(ratios) > 1 else ""
    print(f"extract / tokenizer throughput ratio: {one['per_s'] / tok['per_s']:.3f} (median{spread}; target >= 0.35)")
    print(f"peak RSS {small['size']} -> {one['size']} abstracts: {small['peak_rss_mib']} -> {one['peak_rss_mib']} MiB")
    for r in rows[3:]:
        print(f"{r['workers']} workers: {r['per_s'] / one['per_s']:.2f}x the single-process rate")


if __name__ == "__main__":
    main()
