"""The `kgbuild` command: a thin layer that parses arguments, calls the API and reports."""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from .errors import KgbuildError

__all__ = ["main"]


def _add_input_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or folders (.gz read transparently)")
    p.add_argument("--format", default=None, help="input format (default: detected per file)")
    p.add_argument("--on-error", choices=("fail", "skip"), default="fail",
                   help="on a bad record: stop with its file:line (fail) or skip it and report at the end (skip)")
    p.add_argument("--workers", type=int, default=1, help="extraction processes (default 1)")


def _progress(iterable, desc: str):
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, unit=" papers", disable=None, file=sys.stderr, mininterval=0.5)


def _cmd_extract(args: argparse.Namespace) -> int:
    from .extract import extract
    from .readers import ReadReport, read_papers

    report = ReadReport()
    papers = read_papers(args.inputs, format=args.format, on_error=args.on_error, report=report)
    counts: Counter[str] = Counter()
    claims = 0
    t0 = time.perf_counter()
    out = open(args.output, "w", encoding="utf-8") if args.output != "-" else sys.stdout
    try:
        for ex in _progress(extract(papers, workers=args.workers), "extract"):
            out.write(ex.model_dump_json(exclude_none=True) + "\n")
            counts.update(e.type for e in ex.entities)
            claims += len(ex.speedups)
    finally:
        if out is not sys.stdout:
            out.close()
    dt = time.perf_counter() - t0
    n = report.read
    ents = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    print(f"extracted {n} papers in {dt:.1f}s ({n / dt if dt else 0:.0f}/s): {ents}; {claims} speedup claims"
          f" -> {args.output}", file=sys.stderr)
    _print_skips(report)
    return 0


def _print_skips(report) -> None:
    """The reader's closing account: what was read, and every kind of skipped record with examples."""
    print(report.summary(), file=sys.stderr)
    for reason, k in report.reasons.most_common():
        print(f"  skipped {k} × {reason}", file=sys.stderr)
    for msg in report.messages:
        print(f"  {msg}", file=sys.stderr)


def _cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import format_report, score_files

    res = score_files(args.gold, args.pred)
    print(json.dumps(res) if args.json else format_report(res))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kgbuild", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("extract", help="extract entities and speedup claims, one JSON line per paper")
    _add_input_args(p)
    p.add_argument("-o", "--output", default="-", help="output JSONL (default: stdout)")
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("eval", help="score predictions against gold annotations (ANNOTATION.md Scoring)")
    p.add_argument("gold")
    p.add_argument("pred")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(func=_cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KgbuildError as e:
        print(f"kgbuild: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
