"""Embedded Cypher sink: the graph in an on-disk LadybugDB (formerly Kùzu) file, queried in-process with no server.

Ladybug wants a schema, so every label of ``kgbuild.vocab`` gets a node table with the fixed columns of
``NODE_PROPERTIES`` and every edge type a relationship table with one FROM/TO pair per allowed (source, target) and
the columns of ``EDGE_PROPERTIES``. Lists are ``STRING[]``.

Rows are bulk-loaded with ``COPY <table> FROM (UNWIND $rows AS row RETURN ...)``: the same bulk path as COPY from a
CSV file (50,000 edges in ~3 s, where row-by-row MERGE takes ~30 s), but the rows travel as a parameter, so no
temporary files and none of CSV's losses (quoted newlines, list items holding commas). As in the RDF and Neo4j
sinks, empty strings and empty lists are stored as null.
"""
from __future__ import annotations

import re
import shutil
import time
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx

from ..errors import SinkError
from ..graph import edge_rows, node_rows
from ..vocab import EDGE_TYPES, NODE_LABELS, PROVENANCE_KEYS
from .sparql_store import Question
from .sparql_store import load_questions as load_sparql_questions
from .sparql_store import resolve_question

__all__ = [
    "NODE_PROPERTIES",
    "EDGE_PROPERTIES",
    "QUESTIONS",
    "QUESTIONS_PATH",
    "CypherStoreLoad",
    "load_questions",
    "schema_statements",
    "generate_cypher_store",
    "write_cypher_store",
    "open_cypher_store",
    "query_cypher",
]

QUESTIONS_PATH = Path(__file__).resolve().parents[2] / "examples" / "questions.cypher"

_COMMON = {"name": "string", "aliases": "string[]", "papers": "int", "mentions": "int"}
_ENTITY = {**_COMMON, "proposed": "bool"}
_PROVENANCE = {"paper_id": "string", "field": "string", "sentence": "int", "start": "int", "end": "int",
               "extractor": "string"}
assert tuple(_PROVENANCE) == PROVENANCE_KEYS  # noqa: S101 — a new provenance key needs a column type here

#: label -> property -> type ("string", "int", "float", "bool", "string[]"), from ``kgbuild.vocab``'s docstring.
NODE_PROPERTIES: dict[str, dict[str, str]] = {
    "Method": _ENTITY,
    "Model": {**_ENTITY, "family": "string", "size": "string"},
    "Dataset": _ENTITY,
    "Hardware": {**_ENTITY, "vendor": "string", "family": "string", "architecture": "string", "hw_class": "string"},
    "Paper": {**_COMMON, "title": "string", "date": "string", "source": "string"},
    "Vendor": _COMMON,
    "HardwareClass": _COMMON,
    "SpeedupClaim": {**_COMMON, "value": "float", "unit": "string", "metric": "string", "qualifier": "string",
                     "method": "string", "baseline": "string", "hardware": "string", "evidence": "string",
                     **_PROVENANCE},
    "Finding": {**_COMMON, "method": "string", "baseline": "string", "hardware": "string", "metric": "string",
                "unit": "string", "value_min": "float", "value_median": "float", "value_max": "float"},
}
#: property -> type of every edge type.
EDGE_PROPERTIES: dict[str, str] = {"papers": "int", "weight": "int", "mentions": "int", **_PROVENANCE}

_LADYBUG_TYPES = {"string": "STRING", "int": "INT64", "float": "DOUBLE", "bool": "BOOLEAN", "string[]": "STRING[]"}
_CONVERT = {"string": str, "int": int, "float": float, "bool": bool}
_CYPHER = re.compile(r"\b(MATCH|RETURN|UNWIND|CALL|CREATE|COPY)\b", re.IGNORECASE)


class CypherStoreLoad(NamedTuple):
    """What ``write_cypher_store`` loaded: node and edge rows and wall-clock seconds."""

    nodes: int
    edges: int
    seconds: float


def load_questions(path: str | Path = QUESTIONS_PATH) -> dict[str, Question]:
    """Read a Cypher questions file (default ``examples/questions.cypher``): ``// name:`` headers as in SPARQL."""
    return load_sparql_questions(path)


@cache
def _default_questions() -> Mapping[str, Question]:
    return load_questions()


def __getattr__(name: str) -> Any:
    # read on first use, so importing the sink never depends on the examples file being present
    if name == "QUESTIONS":
        return _default_questions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _columns(props: Mapping[str, str]) -> str:
    return ", ".join(f"`{key}` {_LADYBUG_TYPES[kind]}" for key, kind in props.items())


def schema_statements() -> Iterator[str]:
    """The DDL of the store: one node table per label, one relationship table per edge type.

    >>> next(schema_statements())
    'CREATE NODE TABLE `Method`(`id` STRING, `name` STRING, `aliases` STRING[], `papers` INT64, `mentions` INT64, `proposed` BOOLEAN, PRIMARY KEY(`id`))'
    """
    for label in NODE_LABELS:
        yield f"CREATE NODE TABLE `{label}`(`id` STRING, {_columns(NODE_PROPERTIES[label])}, PRIMARY KEY(`id`))"
    for edge_type, (sources, targets, _) in EDGE_TYPES.items():
        pairs = ", ".join(f"FROM `{s}` TO `{t}`" for s in sources for t in targets)
        yield f"CREATE REL TABLE `{edge_type}`({pairs}, {_columns(EDGE_PROPERTIES)})"


def _typed(row: Mapping[str, Any], props: Mapping[str, str], where: str, notes: Counter[str]) -> dict[str, Any]:
    """``row`` with every column of ``props``: converted to its type, None when absent or empty."""
    out: dict[str, Any] = {}
    for key in row:
        if key not in props:
            notes[f"property {key!r} (e.g. on {where}) has no column in the store and was not written"] += 1
    for key, kind in props.items():
        value = row.get(key)
        if value is None or value == "" or value == []:
            out[key] = None
            continue
        try:
            out[key] = [str(v) for v in value] if kind == "string[]" else _CONVERT[kind](value)
        except (TypeError, ValueError):
            notes[f"property {key!r} (e.g. on {where}) is not a {kind} and was not written"] += 1
            out[key] = None
    return out


def _returning(keys: list[str]) -> str:
    return ", ".join(f"row.`{key}`" for key in keys)


def generate_cypher_store(G: nx.MultiDiGraph) -> Iterator[tuple[str, dict[str, Any]]]:
    """The ``(COPY statement, parameters)`` pairs that load ``G`` into tables made by ``schema_statements``.

    One statement per node table and per (type, source, target) of a relationship table: Ladybug 0.22 crashes
    (segfault) on a second ``COPY ... FROM (subquery)`` into a node table that already holds rows.

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("method:a", label="Method", name="A", aliases=[])
    >>> [(q.split(" FROM ")[0], p["rows"]) for q, p in generate_cypher_store(G)]
    [('COPY `Method`', [{'id': 'method:a', 'name': 'A', 'aliases': None, 'papers': None, 'mentions': None, 'proposed': None}])]
    """
    notes: Counter[str] = Counter()
    labels: dict[str, str] = {}
    by_label: dict[str, list[dict[str, Any]]] = {}
    for node, label, props in node_rows(G):
        if label not in NODE_PROPERTIES:
            raise SinkError(f"node {node!r}: label {label!r} is not one of kgbuild.vocab.NODE_LABELS — "
                            "build the graph with kgbuild.graph.build_graph")
        labels[node] = label
        by_label.setdefault(label, []).append({"id": node, **_typed(props, NODE_PROPERTIES[label], node, notes)})
    for label, rows in by_label.items():
        yield f"COPY `{label}` FROM (UNWIND $rows AS row RETURN {_returning(['id', *NODE_PROPERTIES[label]])})", \
            {"rows": rows}

    by_type: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for src, dst, edge_type, props in edge_rows(G):
        sources, targets, _ = EDGE_TYPES.get(edge_type, ((), (), ""))
        if labels[src] not in sources or labels[dst] not in targets:
            raise SinkError(f"edge {src!r} -[{edge_type}]-> {dst!r}: kgbuild.vocab.EDGE_TYPES has no "
                            f"{edge_type} from {labels[src]} to {labels[dst]} — fix the graph or the vocabulary")
        row = {"src": src, "dst": dst, **_typed(props, EDGE_PROPERTIES, f"{src}-[{edge_type}]->{dst}", notes)}
        by_type.setdefault((edge_type, labels[src], labels[dst]), []).append(row)
    for (edge_type, src_label, dst_label), rows in by_type.items():
        query = (f"COPY `{edge_type}` FROM (UNWIND $rows AS row RETURN {_returning(['src', 'dst', *EDGE_PROPERTIES])})"
                 f" (from='{src_label}', to='{dst_label}')")
        yield query, {"rows": rows}
    for note, count in notes.items():
        warnings.warn(f"Cypher store: {note} ({count}x)", stacklevel=2)


def write_cypher_store(G: nx.MultiDiGraph, path: str | Path, *, overwrite: bool = False) -> CypherStoreLoad:
    """Create a Ladybug database file at ``path`` holding ``G``; ``overwrite=True`` replaces an existing one.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "kg.lbug"
    ...     print(write_cypher_store(kg.graph, path).nodes, query_cypher(path, "q5_vendors_by_claims")[0])
    74 {'vendor': 'AMD', 'claims': 4}
    """
    import ladybug as lb

    start = time.perf_counter()
    path = Path(path)
    if path.exists() or path.with_name(path.name + ".wal").exists():
        if not overwrite:
            raise SinkError(f"{path}: already exists — pass overwrite=True or choose a new path")
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    statement = ""
    try:
        db = lb.Database(str(path))
        conn = lb.Connection(db)
        try:
            for statement in schema_statements():
                conn.execute(statement)
            for statement, params in generate_cypher_store(G):
                conn.execute(statement, params)
        finally:
            conn.close()
            db.close()
    except RuntimeError as e:
        raise SinkError(f"{path}: Ladybug refused {statement[:120]!r}: {e} — the file may be from another "
                        "Ladybug version; write to a new path") from e
    return CypherStoreLoad(G.number_of_nodes(), G.number_of_edges(), time.perf_counter() - start)


def open_cypher_store(path: str | Path, read_only: bool = True) -> Any:
    """A ``ladybug.Connection`` to a store written by ``write_cypher_store``; read-only by default."""
    import ladybug as lb

    path = Path(path)
    if not path.is_file():
        raise SinkError(f"{path}: no Cypher store here — build one with write_cypher_store(graph, path)")
    try:
        return lb.Connection(lb.Database(str(path), read_only=read_only))
    except RuntimeError as e:
        raise SinkError(f"{path}: cannot open the Cypher store ({e}) — is another process writing it?") from e


def _resolve(query: str | Question, params: Mapping[str, Any]) -> tuple[str, str]:
    return resolve_question(query, params, _default_questions, lambda q: bool(_CYPHER.search(q)), "Cypher")


def query_cypher(store: str | Path | Any, query: str | Question, **params: Any) -> list[dict[str, Any]]:
    """Run Cypher (text, a ``Question`` or a question id) on a store; ``params`` are bound as ``$name``.

    ``store`` is a path or an open ``ladybug.Connection``. Returns one dict per row, keyed by column name.

    Examples
    --------
    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "kg.lbug"
    >>> _ = write_cypher_store(kg.graph, path)
    >>> [(r["method"], r["value"]) for r in query_cypher(path, "q3_fastest_on_hardware", hardware="H100")]
    [('SpecDistill', 2.1)]
    >>> query_cypher(path, "MATCH (p:Paper) WHERE p.id = $id RETURN p.date AS date", id="paper:81c586c36c")
    [{'date': '2023-11-02'}]
    >>> tmp.cleanup()
    """
    text, name = _resolve(query, params)
    conn = open_cypher_store(store) if isinstance(store, (str, Path)) else store
    try:
        result = conn.execute(text, dict(params))
        result = result[-1] if isinstance(result, list) else result
        columns = result.get_column_names()
        return [dict(zip(columns, row)) for row in result.get_all()]
    except RuntimeError as e:
        raise SinkError(f"{name}: Cypher query failed: {e} — check the query and its parameters") from e
    finally:
        if conn is not store:
            conn.close()
