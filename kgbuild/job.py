"""The main job: read → extract → resolve → graph, then write the graph to every chosen sink under one folder.

The job is incremental and resumable: extractions stream into JSONL shards committed one by one to
``state.json`` (see `kgbuild.state`), only new or changed papers are extracted, and the graph is rebuilt from every
current extraction, so a re-run, or a run started again after a crash, builds the graph a full build would.
Large outputs (N-Triples, merges) are streamed into shards listed in ``manifest.json`` with counts and sha256.
"""
from __future__ import annotations

import json
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import KgbuildError, SinkError
from .models import Extraction, Paper
from .shards import ShardRecord, ShardWriter, output_error, sha256_file, write_atomic, write_manifest, write_shards
from .state import EXTRACTIONS_DIR, STATE_FILE, ExtractionStore, content_hash

__all__ = ["DEFAULT_SINKS", "ALL_SINKS", "DEFAULT_SHARD_SIZE", "DEFAULT_SHARD_ROWS", "WHOLE_RDF_MAX_TRIPLES",
           "STREAM_ABOVE", "STORE_MEMORY_NOTE_ABOVE", "store_memory_note", "WHOLE_GRAPH_SINKS", "BuildSummary",
           "run_build", "parse_sinks"]

#: Written by default: every embedded target, no server needed.
DEFAULT_SINKS = ("rdf", "sparql-store", "cypher-store", "gexf", "graphml", "csv", "report")
ALL_SINKS = DEFAULT_SINKS + ("neo4j",)
#: Papers per extraction shard: each shard is one commit of the build state.
DEFAULT_SHARD_SIZE = 5_000
#: Lines per N-Triples shard and rows per CSV file.
DEFAULT_SHARD_ROWS = 1_000_000
#: Turtle and JSON-LD are serialized through an in-memory rdflib graph (~10,000 triples/s, 1 KB a triple), so past
#: this many triples only the N-Triples shards are written, with a note.
WHOLE_RDF_MAX_TRIPLES = 300_000
#: Above this many papers the graph is built streaming (`kgbuild.spool`): a networkx graph takes ~55 KB a paper
#: (5.5 GB at 100,000), the spooled one holds only the entity nodes in memory.
STREAM_ABOVE = 50_000
#: Sinks that need the whole networkx graph in memory; a streaming build skips them, with a note.
WHOLE_GRAPH_SINKS = {"gexf": "graph.gexf", "graphml": "graph.graphml", "report": "report.html"}
#: Ladybug's buffer pool in a streaming build (its default is most of the machine's memory); 128 MiB is too little
#: for the backward index of the most-mentioned devices at a million papers.
STREAM_LADYBUG_MIB = 256
#: Past this many papers the embedded stores' own memory passes ~1 GiB while they load (Oxigraph's RocksDB grows with
#: its store, Ladybug's COPY rewrites the relationships of the most-mentioned devices): 1.6 GiB measured at 1M, while
#: the rest of a streaming build stayed under 600 MiB. The build says so in its notes.
STORE_MEMORY_NOTE_ABOVE = 400_000


@dataclass
class BuildSummary:
    papers: int = 0
    skipped: int = 0
    extracted: int = 0
    reused: int = 0
    entities: dict[str, int] = field(default_factory=dict)
    claims: int = 0
    nodes: int = 0
    edges: int = 0
    triples: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        ents = ", ".join(f"{k} {v}" for k, v in sorted(self.entities.items()))
        out = [f"papers {self.papers} (skipped {self.skipped}; extracted {self.extracted}, reused {self.reused}); "
               f"entities: {ents}; speedup claims {self.claims}",
               f"graph: {self.nodes} nodes, {self.edges} edges, {self.triples} RDF triples"]
        out += [f"  {name:13s} {self.seconds.get(name, 0):7.2f}s  {path}" for name, path in self.outputs.items()]
        out += [f"  note: {note}" for note in self.notes]
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


@contextmanager
def _exclusive(out: Path) -> Iterator[None]:
    """Hold an advisory lock on the folder so two builds never interleave commits; the OS drops it on a crash."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks, run one build per folder
        yield
        return
    try:
        handle: IO[str] = open(out / ".kgbuild.lock", "w")
    except OSError as e:
        raise output_error(out, e, "the lock file") from e
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise KgbuildError(f"{out}: another kgbuild build is writing this folder — wait for it to finish "
                               "or choose another --out") from None
        yield


def _prepare(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SinkError(f"{out}: cannot create the output folder ({e.strerror or e}) — choose a writable --out "
                        "path") from e
    if not out.is_dir():
        raise SinkError(f"{out}: is not a folder — choose another --out path")


def _to_extract(papers: Iterable[Paper], store: ExtractionStore, current: set[str],
                pending: deque[tuple[str, str]], summary: BuildSummary) -> Iterator[Paper]:
    """The papers whose content the state has not extracted yet; every id read goes into ``current``, and each
    paper sent to extraction leaves ``(id, content hash)`` in ``pending``, in order (engines keep input order)."""
    for paper in papers:
        current.add(paper.id)
        digest = content_hash(paper)
        if store.is_current(paper.id, digest):
            summary.reused += 1
            continue
        pending.append((paper.id, digest))
        yield paper


def _listed(store: ExtractionStore, ids: set[str], listing: ShardWriter) -> Iterator[Extraction]:
    """The current extraction of each paper, each line also written to ``extractions.jsonl`` as it passes."""
    for _, line in store.live_lines(ids):
        text = line.decode("utf-8").rstrip("\n")
        try:
            listing.write(text)
        except OSError as e:
            raise output_error(listing.folder, e, "extractions") from e
        yield Extraction.model_validate_json(text)


def _counted(extractions: Iterable[Extraction], summary: BuildSummary) -> Iterator[Extraction]:
    for ex in extractions:
        summary.papers += 1
        summary.claims += len(ex.speedups)
        for e in ex.entities:
            summary.entities[e.type] = summary.entities.get(e.type, 0) + 1
        yield ex


def run_build(paths: Iterable[str | Path], out: str | Path, *, sinks: Iterable[str] = DEFAULT_SINKS,
              format: str | None = None, on_error: str = "fail", workers: int = 1, engine: str = "local",
              scheduler: str | None = None, shard_size: int = DEFAULT_SHARD_SIZE,
              shard_rows: int = DEFAULT_SHARD_ROWS, full: bool = False,
              whole_rdf_max_triples: int = WHOLE_RDF_MAX_TRIPLES, stream_above: int = STREAM_ABOVE,
              neo4j: dict[str, Any] | None = None, overrides: str | Path | None = None,
              progress: Callable[[Iterable[str]], Iterable[str]] = lambda it: it) -> BuildSummary:
    """Build the graph of ``paths`` and write it to ``out/`` in each sink; returns the closing summary.

    Parameters
    ----------
    engine, workers, scheduler
        Where extraction runs (see `kgbuild.engines.extract_lines`).
    shard_size
        Papers per extraction shard, the unit of commit: a crash loses at most the shard being written.
    shard_rows
        Lines per N-Triples shard and rows per CSV file.
    full
        Forget the state and extract every paper again.
    whole_rdf_max_triples
        Largest graph, in triples, also written as ``graph.ttl`` and ``graph.jsonld`` (0: N-Triples only).
    stream_above
        Above this many papers the graph is built streaming (`kgbuild.spool`, in ``out/.graph-spool.sqlite`` while
        the build runs; 0: always): the same nodes, edges and merge log in bounded memory, without the sinks that
        need the whole graph in memory (`WHOLE_GRAPH_SINKS`, Turtle and JSON-LD), each skipped with a note.
    overrides
        A TOML file of manual ``same``/``different`` rules (see `kgbuild.overrides`); read before any paper, and
        copied to ``out/overrides.toml`` (an empty file when none) so `kgbuild explain` answers with the same rules.

    Examples
    --------
    >>> import json, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     src = Path(tmp) / "papers.jsonl"
    ...     _ = src.write_text(json.dumps({"id": "p1", "title": "Faster decoding on MI250X",
    ...                                    "abstract": "We run Llama 2 7B on AMD MI250X GPUs."}) + "\\n")
    ...     first = run_build([src], Path(tmp) / "out", sinks=["rdf"])
    ...     again = run_build([src], Path(tmp) / "out", sinks=["rdf"], stream_above=0)
    >>> (first.extracted, first.reused), (again.extracted, again.reused), first.triples == again.triples
    ((1, 0), (0, 1), True)
    """
    from .engines import extract_lines
    from .graph import merge_log_rows
    from .merge_log import merge_log_line
    from .overrides import read_overrides
    from .readers import ReadReport, read_papers

    rules = read_overrides(overrides) if overrides is not None else None  # a bad file fails before any work
    out = Path(out)
    _prepare(out)
    sinks = tuple(sinks)
    summary, report = BuildSummary(), ReadReport()
    with _exclusive(out):
        t0 = time.perf_counter()
        store = ExtractionStore(out, fresh=full)
        store.remove_uncommitted()
        current: set[str] = set()
        pending: deque[tuple[str, str]] = deque()
        papers = read_papers(list(paths), format=format, on_error=on_error, report=report)
        todo = _to_extract(papers, store, current, pending, summary)
        with store.writer(shard_size) as shards:
            for line in progress(extract_lines(todo, engine, workers=workers, scheduler=scheduler)):
                paper_id, digest = pending.popleft()
                shards.add_line(paper_id, (line + "\n").encode("utf-8"), digest)
                summary.extracted += 1
        try:
            store.compact(shard_size, current)
        except OSError as e:
            raise output_error(out, e, "compacted extractions") from e
        summary.skipped = report.skipped
        summary.seconds["extract"] = time.perf_counter() - t0
        summary.outputs["extract"] = str(out / STATE_FILE)

        t0 = time.perf_counter()
        streaming = stream_above == 0 or len(current) > stream_above
        listing = _guarded(out, "extractions", lambda: ShardWriter(out, "extractions", ".jsonl", shard_rows, root=out))
        extractions = _counted(_listed(store, current, listing), summary)
        with _graph(extractions, out, rules, streaming, listing) as G:
            outputs: dict[str, list[ShardRecord]] = {"extractions": _guarded(out, "extractions", listing.close)}
            summary.nodes, summary.edges = G.number_of_nodes(), G.number_of_edges()
            overrides_text = Path(overrides).read_text(encoding="utf-8") if overrides is not None else ""
            _guarded(out / "overrides.toml", "the overrides copy",
                     lambda: (out / "overrides.toml").write_text(overrides_text, encoding="utf-8"))
            merges = map(merge_log_line, merge_log_rows(G))
            outputs["merges"] = _guarded(out / "merges.jsonl", "the merge log",
                                         lambda: write_shards(merges, out, "merges", ".jsonl", shard_rows, root=out))
            summary.seconds["graph"] = time.perf_counter() - t0
            summary.outputs["graph"] = str(out / outputs["extractions"][0].file)
            if streaming:
                summary.notes.append(f"the graph of {summary.papers:,} papers was built streaming (over "
                                     f"--stream-above {stream_above:,})")
            note = store_memory_note(summary.papers, sinks)
            if note:
                summary.notes.append(note)
            stores = _write_sinks(G, out, sinks, summary, outputs, shard_rows, whole_rdf_max_triples, neo4j)
        write_manifest(out, outputs, keep=(EXTRACTIONS_DIR,), papers=summary.papers, nodes=summary.nodes,
                       edges=summary.edges, triples=summary.triples, stores=stores, state=STATE_FILE)
        write_atomic(out / "summary.json", json.dumps(summary.__dict__, indent=2, sort_keys=True) + "\n")
    return summary


@contextmanager
def _graph(extractions: Iterable[Extraction], out: Path, rules: Any, streaming: bool,
           listing: ShardWriter) -> Iterator[Any]:
    """The graph of the extractions: a networkx MultiDiGraph, or when ``streaming`` a `kgbuild.spool.SpooledGraph`
    whose file is removed when the block ends. ``listing`` is aborted if building fails."""
    import sqlite3

    from .graph import KnowledgeGraph
    from .spool import SPOOL_FILE, spool_graph

    try:
        with ExitStack() as stack:
            if not streaming:
                yield KnowledgeGraph.from_extractions(extractions, overrides=rules).graph
                return
            spool = out / SPOOL_FILE
            try:
                graph = stack.enter_context(spool_graph(extractions, spool, overrides=rules))
            except OSError as e:
                raise output_error(spool, e, "the graph spool") from e
            except sqlite3.Error as e:   # "database or disk is full"
                raise SinkError(f"{spool}: cannot write the graph spool ({e}) — free disk space (or choose another "
                                "--out), then run the same command again: it resumes") from e
            yield graph
    except BaseException:
        listing.abort()
        raise


def _guarded(path: Path, what: str, write: Callable[[], Any]) -> Any:
    try:
        return write()
    except OSError as e:
        raise output_error(path, e, what) from e


def _file_records(out: Path, paths: Iterable[Path], records: int | None = None) -> list[ShardRecord]:
    result = []
    for path in paths:
        size, sha = sha256_file(path)
        result.append(ShardRecord(path.relative_to(out).as_posix(), records, size, sha))
    return result


def store_memory_note(papers: int, sinks: Iterable[str]) -> str | None:
    """What to tell the user who loads the embedded stores with a graph past `STORE_MEMORY_NOTE_ABOVE` papers.

    >>> store_memory_note(1_000_000, ["rdf", "csv"]) is None
    True
    >>> print(store_memory_note(1_000_000, ["rdf", "sparql-store"]))  # doctest: +ELLIPSIS
    sparql-store loaded with 1,000,000 papers: ... leave it out of --to and load the N-Triples or neo4j-admin CSV ...
    """
    stores = [name for name in sinks if name in ("sparql-store", "cypher-store")]
    if papers <= STORE_MEMORY_NOTE_ABOVE or not stores:
        return None
    them = "it" if len(stores) == 1 else "them"
    return (f"{' and '.join(stores)} loaded with {papers:,} papers: past {STORE_MEMORY_NOTE_ABOVE:,} the embedded "
            "stores take more than 1 GiB of memory while they load (1.6 GiB at 1M measured); for a build in bounded "
            f"memory leave {them} out of --to and load the N-Triples or neo4j-admin CSV outputs into a server")


def _write_sinks(G: Any, out: Path, sinks: tuple[str, ...], summary: BuildSummary,
                 outputs: dict[str, list[ShardRecord]], shard_rows: int, whole_rdf_max_triples: int,
                 neo4j: dict[str, Any] | None) -> dict[str, str]:
    """Write each sink, recording files in ``outputs``; returns the store folders (not hashed: databases).

    ``G`` is a MultiDiGraph, or a `kgbuild.spool.SpooledGraph` in a streaming build: then `WHOLE_GRAPH_SINKS` are
    skipped with a note, and the stores are loaded with bounded memory.
    """
    from .sinks import write

    streaming = _is_spooled(G)
    stores: dict[str, str] = {}
    targets = {"sparql-store": out / "sparql-store", "cypher-store": out / "cypher-store",
               "gexf": out / "graph.gexf", "graphml": out / "graph.graphml", "csv": out / "neo4j-import",
               "report": out / "report.html"}
    for name in sinks:
        t = time.perf_counter()
        target = targets.get(name, out)
        try:
            if streaming and name in WHOLE_GRAPH_SINKS:
                _skip(summary, f"{WHOLE_GRAPH_SINKS[name]} not written: it is made from the whole graph in memory, "
                               "which a streaming build never holds")
                continue
            if name == "neo4j":
                options = dict(neo4j or {})
                write(G, None, "neo4j", **options)
                summary.outputs[name] = str(options.get("uri") or "NEO4J_URI")
            elif name == "rdf":
                summary.outputs[name] = _write_rdf(G, out, summary, outputs, shard_rows, whole_rdf_max_triples)
            elif name == "report":
                from .report import write_report

                write_report(G, target)
                outputs[name] = _file_records(out, [target])
                summary.outputs[name] = str(target)
            elif name == "csv":
                export = write(G, target, "csv")
                outputs[name] = _file_records(out, export.files)
                summary.outputs[name] = str(target)
            elif name in ("sparql-store", "cypher-store"):
                write(G, target, name, **_store_options(name, out, outputs, streaming))
                stores[name] = target.name
                summary.outputs[name] = str(target)
            else:
                write(G, target, name)
                outputs[name] = _file_records(out, [target])
                summary.outputs[name] = str(target)
        except OSError as e:
            raise output_error(target, e, f"the {name} output") from e
        summary.seconds[name] = time.perf_counter() - t
    return stores


def _store_options(name: str, out: Path, outputs: dict[str, list[ShardRecord]], streaming: bool) -> dict[str, Any]:
    """The SPARQL store loads the N-Triples shards when the RDF sink wrote them; Ladybug's memory is bounded when
    streaming."""
    options: dict[str, Any] = {"overwrite": True}
    if name == "sparql-store" and "ntriples" in outputs:
        options["ntriples"] = [out / record.file for record in outputs["ntriples"]]
    if name == "cypher-store" and streaming:
        options["memory_mib"] = STREAM_LADYBUG_MIB
    return options


def _is_spooled(G: Any) -> bool:
    from .spool import SpooledGraph

    return isinstance(G, SpooledGraph)


def _skip(summary: BuildSummary, note: str) -> None:
    warnings.warn(note, stacklevel=4)
    summary.notes.append(note)


def _write_rdf(G: Any, out: Path, summary: BuildSummary, outputs: dict[str, list[ShardRecord]],
               shard_rows: int, max_triples: int) -> str:
    """N-Triples streamed into shards; Turtle and JSON-LD whole, while the graph is small enough to hold as RDF."""
    from .sinks.rdf import generate_ntriples, write_rdf

    outputs["ntriples"] = write_shards(generate_ntriples(G), out, "graph", ".nt", shard_rows, root=out)
    summary.triples = sum(r.records for r in outputs["ntriples"])
    if _is_spooled(G):
        if max_triples:
            _skip(summary, "graph.ttl and graph.jsonld not written: they are serialized from the whole graph in "
                           "memory, which a streaming build never holds; the N-Triples shards hold the same graph")
    elif summary.triples <= max_triples:
        outputs["rdf"] = _file_records(out, write_rdf(G, out / "graph.ttl", formats=("ttl", "jsonld")))
    elif max_triples:
        _skip(summary, f"graph.ttl and graph.jsonld not written: {summary.triples:,} triples is over "
                       f"{max_triples:,} (they are serialized in memory, slowly); the N-Triples shards hold the same "
                       "graph")
    return str(out / outputs["ntriples"][0].file)
