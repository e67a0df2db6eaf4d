#!/usr/bin/env python3
"""Write a synthetic corpus of N machine-learning abstracts, deterministic for a seed, for scale and fault tests.

Abstracts are assembled from varied sentence templates filled with names from the extractor's catalogues
(kgbuild/extract/data/*.jsonl): known models with sizes, datasets, methods, hardware with vendors, plus invented
method names (CamelCase, acronyms with expansions), speedup claims in many phrasings, non-speed figures, URLs,
LaTeX and other noise. About --bad-rate of the records are malformed on purpose (invalid JSON, missing or empty
fields, wrong types, duplicate ids; orphan titles and abstracts in Daily Papers text).

Record i depends only on (seed, i), so a corpus of N is a prefix of the corpus of M > N with the same seed: a
"grown corpus" for incremental builds. The output streams; a million abstracts take ~1.5 GB and about a minute.

    python scripts/make_corpus.py 10000 --seed 1 --out corpus.jsonl
    python scripts/make_corpus.py 2000 --format daily --out listing.txt
    python scripts/make_corpus.py 1000000 --out big.jsonl.gz
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

DATA = Path(__file__).resolve().parents[1] / "kgbuild" / "extract" / "data"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SIZES = ("7B", "13B", "70B", "8B", "1.3B", "2.7B", "34B", "3B", "405B", "base", "large", "small")
CATEGORIES = ("cs.LG", "cs.CL", "cs.CV", "cs.AI", "cs.DC", "cs.AR", "cs.PF", "stat.ML")
PREFIXES = ("Flash", "Spec", "Turbo", "Sparse", "Quant", "Swift", "Lite", "Hyper", "Ring", "Stream", "Page", "Fuse",
            "Tensor", "Warp", "Tile", "Shard", "Blaze", "Nimble", "Pico", "Delta", "Lumen", "Orbit", "Rapid", "Zip")
SUFFIXES = ("Attn", "Decode", "Serve", "Prune", "KV", "Infer", "MoE", "Train", "Pipe", "Cache", "Former", "Opt",
            "Gemm", "Route", "Quant", "Flow", "Comm", "Sched", "Mem", "Kernel")
WORDS = ("sparse", "adaptive", "hierarchical", "speculative", "quantized", "asynchronous", "low-rank", "streaming",
         "block-wise", "memory-efficient", "pipelined", "distributed", "dynamic", "token-level", "fused")
NOUNS = ("attention", "decoding", "kernel fusion", "caching", "scheduling", "pruning", "offloading", "routing",
         "parallelism", "compression", "distillation", "batching")
TASKS = ("long-context inference", "LLM serving", "mixture-of-experts training", "on-device inference",
         "distributed training", "diffusion sampling", "retrieval-augmented generation", "speech recognition",
         "code generation", "video understanding", "graph neural network training", "recommendation")
BASELINES = ("the PyTorch baseline", "a dense baseline", "the state-of-the-art implementation",
             "Hugging Face Transformers", "the unoptimized implementation", "standard autoregressive decoding")


@lru_cache(maxsize=1)
def catalogues() -> dict[str, list[dict[str, Any]]]:
    def load(name: str) -> list[dict[str, Any]]:
        with (DATA / f"{name}.jsonl").open(encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]

    hardware = [h for h in load("hardware") if not h.get("ambiguous")]
    methods = [m for m in load("methods") if not m.get("optional")]
    return {"models": load("models"), "datasets": [d for d in load("datasets") if not d.get("case_sensitive")],
            "methods": methods, "hardware": hardware, "gpus": [h for h in hardware if h.get("class") == "GPU"]}


def _model(rng: random.Random) -> str:
    m = rng.choice(catalogues()["models"])
    name = rng.choice([m["name"], *m.get("aliases", [])[:2]])
    return f"{name} {rng.choice(SIZES)}" if m.get("sized") and rng.random() < 0.7 else name


def _hardware(rng: random.Random, gpu: bool = True) -> str:
    h = rng.choice(catalogues()["gpus" if gpu and rng.random() < 0.8 else "hardware"])
    name = h["name"]
    roll = rng.random()
    if roll < 0.35:
        name = f"{h['vendor']} {name}"
    if h.get("class") == "GPU" and rng.random() < 0.5:
        name += rng.choice((" GPUs", " GPU"))
    return name


def _known(rng: random.Random, kind: str) -> str:
    entry = rng.choice(catalogues()[kind])
    return rng.choice([entry["name"], *entry.get("aliases", [])[:1]])


def _invented(rng: random.Random) -> tuple[str, str]:
    """A new method's name and how the abstract introduces it (sometimes an acronym with its expansion)."""
    name = rng.choice(PREFIXES) + rng.choice(SUFFIXES) + rng.choice(("", "", "", "++", "-2", "X", "v2"))
    if rng.random() < 0.3:
        words = [_title(w) for w in rng.sample(WORDS, 2)] + [_title(rng.choice(NOUNS))]
        acronym = "".join(w[0] for w in " ".join(words).replace("-", " ").split()).upper()
        return acronym, f"{' '.join(words)} ({acronym})"
    return name, name


def _title(text: str) -> str:
    """Title case that keeps acronyms: "LLM serving" -> "LLM Serving"."""
    return " ".join(w if w.isupper() else w[:1].upper() + w[1:] for w in text.split())


def _a(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def _number(rng: random.Random) -> str:
    return rng.choice((f"{rng.uniform(1.1, 9.9):.1f}", f"{rng.uniform(1.1, 4):.2f}", str(rng.randint(2, 40))))


def _speedup(rng: random.Random, method: str) -> str:
    x, pct, hw, base = _number(rng), rng.randint(10, 90), _hardware(rng), rng.choice(
        (rng.choice(BASELINES), _known(rng, "methods")))
    return rng.choice((
        f"On {hw}, {method} achieves up to {x}× speedup over {base}.",
        f"{method} delivers a {x}x end-to-end speedup compared to {base} on {hw}.",
        f"Experiments on {hw} show that {method} is {x} times faster than {base}.",
        f"{method} reduces inference latency by {pct}% relative to {base} on {hw}.",
        f"It improves throughput by {x}x over {base} while keeping accuracy within 0.1%.",
        f"Compared with {base}, our kernels run {x}× faster on average on {hw}.",
        f"We observe a {pct}% reduction in training time on {hw} clusters.",
    ))


def _noise(rng: random.Random) -> str:
    return rng.choice((
        "Code is available at https://github.com/example/{}.".format(rng.randint(1, 10**6)),
        f"Accuracy improves by {rng.uniform(0.5, 5):.1f} points on {_known(rng, 'datasets')}.",
        "The attention cost drops from $\\mathcal{O}(n^2)$ to $\\mathcal{O}(n \\log n)$.",
        "We release our models and data under a permissive license.",
        f"Our analysis covers {rng.randint(3, 40)} tasks and {rng.randint(2, 9)} languages.",
        "This is a revised version; see v2 for corrected tables.",
        "Results hold across batch sizes from 1 to 256 (see Sec. 4).",
    ))


def make_paper(seed: int, i: int) -> dict[str, Any]:
    """The i-th paper of the corpus for ``seed``, as a record (id, title, abstract, date, categories)."""
    rng = random.Random(seed * 1_000_003 + i)
    short, intro = _invented(rng)
    task, model = rng.choice(TASKS), _model(rng)
    sentences = [rng.choice((
        f"Serving models such as {model} for {task} is limited by memory bandwidth on {_hardware(rng)}.",
        f"{task[:1].upper() + task[1:]} with large language models remains expensive on commodity GPUs.",
        f"Existing systems such as {_known(rng, 'methods')} leave much of the hardware idle during {task}.",
    )), rng.choice((
        f"We propose {intro}, {_a(rng.choice(WORDS))} {rng.choice(NOUNS)} method for {task}.",
        f"In this paper, we introduce {intro}, which combines {_known(rng, 'methods')} with "
        f"{rng.choice(WORDS)} {rng.choice(NOUNS)}.",
        f"We present {intro}: a system that makes {task} practical on a single node.",
    ))]
    if rng.random() < 0.8:
        sentences.append(rng.choice((
            f"We evaluate on {_known(rng, 'datasets')} and {_known(rng, 'datasets')} with {_model(rng)}.",
            f"Experiments with {_model(rng)} and {_model(rng)} on {_known(rng, 'datasets')} confirm the gains.",
            f"On {_known(rng, 'datasets')}, {short} matches the accuracy of {_model(rng)}.",
        )))
    for _ in range(rng.choice((0, 1, 1, 1, 2))):
        sentences.append(_speedup(rng, short))
    for _ in range(rng.randint(0, 2)):
        sentences.append(_noise(rng))
    title = rng.choice((f"{short}: {_title(rng.choice(WORDS))} {_title(rng.choice(NOUNS))} for {_title(task)}",
                        f"Towards Faster {_title(task)} with {short}",
                        f"{short}: Efficient {_title(task)} on {_hardware(rng, gpu=False)}"))
    month, day = 1 + i // 3000 % 12, 1 + i // 100 % 28
    return {"id": f"synth-{seed}-{i:07d}", "title": title, "abstract": " ".join(sentences),
            "date": f"2024-{month:02d}-{day:02d}", "categories": rng.sample(CATEGORIES, rng.randint(1, 3))}


def broken_jsonl(rng: random.Random, record: dict[str, Any], i: int, seed: int) -> str:
    """A malformed line of one of the kinds real dumps have."""
    kind = rng.randrange(7)
    if kind == 0:
        return json.dumps(record)[: rng.randint(5, 60)]  # truncated line
    if kind == 1:
        record.pop("abstract")
    elif kind == 2:
        record["title"] = "   "
    elif kind == 3:
        record["abstract"] = rng.randint(0, 99)
    elif kind == 4:
        record["id"] = f"synth-{seed}-{max(i - 1, 0):07d}"  # a duplicate of the previous id: dropped by the reader
    elif kind == 5:
        record["categories"] = {"primary": "cs.LG"}
    else:
        record["date"] = "last Tuesday"
    return json.dumps(record, ensure_ascii=False)


def write_corpus(n: int, out: IO[str], *, seed: int = 0, format: str = "jsonl", bad_rate: float = 0.01) -> int:
    """Write ``n`` records to ``out``; returns how many were malformed on purpose."""
    bad = 0
    if format == "daily":
        out.write("new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
                  "byAK and the research community\n\n")
    for i in range(n):
        record = make_paper(seed, i)
        rng = random.Random(seed * 7_000_003 + i)
        broken = rng.random() < bad_rate
        bad += broken
        if format == "jsonl":
            out.write((broken_jsonl(rng, record, i, seed) if broken else json.dumps(record, ensure_ascii=False))
                      + "\n")
            continue
        if i % 50 == 0:
            out.write(f"{MONTHS[i // 1500 % 12]} {1 + i // 50 % 28}\n\n")
        if broken:  # a title without its abstract, or an abstract without its title
            out.write((record["title"] if rng.random() < 0.5 else record["abstract"]) + "\n\n")
            continue
        out.write(f"{record['title']}\n\n{record['abstract']}\n\n")
        if rng.random() < 0.2:
            out.write(f"Submitted by user{rng.randint(1, 999)}\n\n{rng.randint(1, 300)}\n\n")
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("n", type=int, help="number of records")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--out", default="-", help="output file (.gz compresses; default stdout)")
    ap.add_argument("--format", choices=("jsonl", "daily"), default=None,
                    help="JSON Lines or Daily Papers text (default: daily for .txt, else jsonl)")
    ap.add_argument("--bad-rate", type=float, default=0.01, help="fraction of malformed records (default 0.01)")
    args = ap.parse_args(argv)
    name = args.out.removesuffix(".gz")
    fmt = args.format or ("daily" if name.endswith(".txt") else "jsonl")
    if args.out == "-":
        try:
            bad = write_corpus(args.n, sys.stdout, seed=args.seed, format=fmt, bad_rate=args.bad_rate)
        except BrokenPipeError:  # `make_corpus.py 10 | head -3`
            sys.stderr.close()
            return 0
    else:
        opener = gzip.open if args.out.endswith(".gz") else open
        with opener(args.out, "wt", encoding="utf-8") as fh:
            bad = write_corpus(args.n, fh, seed=args.seed, format=fmt, bad_rate=args.bad_rate)
    print(f"wrote {args.n} {fmt} records ({bad} malformed on purpose) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
