"""The `kgbuild` command: a thin layer that parses arguments, calls the API and reports."""
from __future__ import annotations

import argparse
import json
import os
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


def _cmd_build(args: argparse.Namespace) -> int:
    from .job import STREAM_ABOVE, parse_sinks, run_build
    from .readers import sample_path

    inputs = list(args.inputs) + ([str(sample_path())] if args.sample else [])
    if not inputs:
        raise KgbuildError("build: no input — name files or folders, or pass --sample for the bundled corpus")
    on_error = "skip" if args.sample and args.on_error == "fail" else args.on_error  # the sample has bad lines on purpose
    neo4j = {k: v for k, v in (("uri", args.neo4j_uri), ("user", args.neo4j_user),
                               ("password", args.neo4j_password), ("database", args.neo4j_database)) if v}
    summary = run_build(inputs, args.out, sinks=parse_sinks(args.to, args.neo4j_uri), format=args.format,
                        on_error=on_error, workers=args.workers, neo4j=neo4j, engine=args.engine,
                        scheduler=args.scheduler, shard_size=args.shard_size, full=args.full,
                        overrides=args.overrides,
                        stream_above=STREAM_ABOVE if args.stream_above is None else args.stream_above,
                        progress=lambda it: _progress(it, "build"))
    print("\n".join(summary.lines()), file=sys.stderr)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import load_graph_for_report, write_figures, write_report

    G = load_graph_for_report(args.graph)
    path = write_report(G, args.output, max_nodes=args.max_nodes)
    print(f"report -> {path} ({path.stat().st_size / 1024:.0f} KiB)", file=sys.stderr)
    if args.figures:
        figures = write_figures(G, args.figures)
        print(f"{len(figures)} figures -> {args.figures}", file=sys.stderr)
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    from .explain import explain, format_explanation, load_build

    answer = explain(load_build(args.out, overrides=args.overrides), args.name)
    print(json.dumps(answer, indent=2, ensure_ascii=False) if args.json else format_explanation(answer, args.limit))
    return 0 if answer["nodes"] else 1


def _parse_params(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise KgbuildError(f"--param {pair!r}: write NAME=VALUE")
        out[key] = value
    return out


def _cmd_query(args: argparse.Namespace) -> int:
    out = Path(args.out)
    params = _parse_params(args.param)
    if args.sparql is not None or (args.question and args.engine == "sparql"):
        from .sinks.sparql_store import QUESTIONS, query_sparql

        query = QUESTIONS[args.question] if args.question else _read_query(args.sparql)
        rows = query_sparql(out / "sparql-store", query, **params)
    else:
        from .sinks.cypher_store import QUESTIONS, query_cypher

        query = QUESTIONS[args.question] if args.question else _read_query(args.cypher)
        rows = query_cypher(out / "cypher-store", query, **params)
    if args.json:
        print(json.dumps(rows, indent=2, default=str))
    else:
        _print_table(rows)
    return 0


def _read_query(text: str) -> str:
    """A query given inline, or `@file.rq` to read it from a file."""
    return Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text


def _print_table(rows: list[dict]) -> None:
    if not rows:
        print("(no rows)")
        return
    cols = list(rows[0])
    cells = [[("" if r.get(c) is None else str(r.get(c)))[:60] for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    print(f"({len(rows)} rows)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kgbuild", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("extract", help="extract entities and speedup claims, one JSON line per paper")
    _add_input_args(p)
    p.add_argument("-o", "--output", default="-", help="output JSONL (default: stdout)")
    p.set_defaults(func=_cmd_extract)

    p = sub.add_parser("build", help="the main job: extract, resolve and write the graph to every sink")
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="files or folders (.gz read transparently)")
    p.add_argument("--sample", action="store_true", help="add the bundled sample corpus to the inputs")
    p.add_argument("--out", default="kg-out", help="output folder (default kg-out)")
    p.add_argument("--to", default=None, help="comma-separated sinks (default: rdf,sparql-store,cypher-store,"
                   "gexf,graphml,csv,report; neo4j is added when --neo4j-uri or NEO4J_URI is given)")
    p.add_argument("--format", default=None, help="input format (default: detected per file)")
    p.add_argument("--on-error", choices=("fail", "skip"), default="fail")
    p.add_argument("--workers", type=int, default=1, help="extraction processes (default 1)")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="where extraction runs: local processes (default) or a Dask cluster")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address (tcp://host:8786); default: a LocalCluster of --workers processes")
    p.add_argument("--shard-size", type=int, default=5000, metavar="N",
                   help="papers per extraction shard, the unit a crash can lose (default 5000)")
    p.add_argument("--stream-above", type=int, default=None, metavar="N",
                   help="build the graph streaming, in bounded memory, when there are more than N papers (default "
                   "50000; 0: always); a streaming build skips report.html, GEXF, GraphML, Turtle and JSON-LD")
    p.add_argument("--full", action="store_true",
                   help="ignore OUT/state.json and extract every paper again (default: only new or changed papers)")
    p.add_argument("--neo4j-uri", default=os.environ.get("NEO4J_URI"), help="Bolt URI (default $NEO4J_URI)")
    p.add_argument("--neo4j-user", default=os.environ.get("NEO4J_USER"))
    p.add_argument("--neo4j-password", default=os.environ.get("NEO4J_PASSWORD"))
    p.add_argument("--neo4j-database", default=os.environ.get("NEO4J_DATABASE"))
    p.add_argument("--overrides", metavar="TOML", default=None,
                   help="manual resolution rules: same = [[\"X\", \"Y\"]], different = [[\"A\", \"B\"]]")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser("query", help="ask a built graph in SPARQL or Cypher (embedded stores, no server)")
    p.add_argument("out", help="a `kgbuild build` output folder")
    q = p.add_mutually_exclusive_group(required=True)
    q.add_argument("--sparql", help="a SPARQL query, or @FILE")
    q.add_argument("--cypher", help="a Cypher query, or @FILE")
    q.add_argument("--question", help="a named question from examples/questions.* (e.g. q1_vendor_speedups)")
    p.add_argument("--engine", choices=("sparql", "cypher"), default="sparql", help="engine for --question")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a query parameter, bound by the engine (never pasted into the query)")
    p.add_argument("--json", action="store_true", help="print rows as JSON")
    p.set_defaults(func=_cmd_query)

    p = sub.add_parser("report", help="one self-contained HTML page of the graph (charts, claims table, explorer)")
    p.add_argument("graph", metavar="GRAPH_OR_OUT_DIR",
                   help="a build output folder, or graph.json / graph.graphml / extractions.jsonl")
    p.add_argument("-o", "--output", default="report.html", help="the HTML file (default report.html)")
    p.add_argument("--max-nodes", type=int, default=2000, help="explorer shows at most this many nodes")
    p.add_argument("--figures", metavar="DIR", help="also write each chart as SVG and PNG into DIR")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("explain", help="why a name is the node it is: aliases with rule and evidence, papers, "
                       "claims, findings")
    p.add_argument("name", metavar="NAME", help='a surface form, name or node id ("MI250X", "LLaMA-2 7B")')
    p.add_argument("--out", default="kg-out", help="a `kgbuild build` output folder, or an extractions .jsonl "
                   "(default kg-out)")
    p.add_argument("--overrides", metavar="TOML", default=None,
                   help="resolution overrides (default: OUT/overrides.toml when the build has one)")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--limit", type=int, default=20, help="list at most this many items per section (0: all)")
    p.set_defaults(func=_cmd_explain)

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
