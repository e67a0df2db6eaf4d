"""Embedded Cypher sink: the graph in an on-disk LadybugDB (formerly Kùzu) file, queried in-process with no server.

Ladybug wants a schema, so every label of ``kgbuild.vocab`` gets a node table with the fixed columns of
``NODE_PROPERTIES`` and every edge type a relationship table with one FROM/TO pair per allowed (source, target) and
the columns of ``EDGE_PROPERTIES``. Lists are ``STRING[]``.

Rows are bulk-loaded with COPY from staged CSV files of at most `COPY_ROWS` rows each, so a graph of any size loads
in bounded memory (rows passed as a query parameter would have to sit in memory, and Ladybug 0.22 crashes on a
second COPY from a parameter into a table that holds rows; a second COPY from a file is fine). CSV's losses are
avoided: text is escaped where Ladybug's reader would cut it and restored by the COPY query, lists travel as one
field with a separator. As in the RDF and Neo4j sinks, empty strings and empty lists are stored as null.
"""
from __future__ import annotations

import csv
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
from ..graph import GraphLike, edge_rows, node_label, node_rows
from ..vocab import EDGE_TYPES, NODE_LABELS, PROVENANCE_KEYS
from .sparql_store import Question
from .sparql_store import load_questions as load_sparql_questions
from .sparql_store import resolve_question

__all__ = [
    "NODE_PROPERTIES",
    "EDGE_PROPERTIES",
    "QUESTIONS",
    "QUESTIONS_PATH",
    "COPY_ROWS",
    "CopyTable",
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

#: Rows per staged CSV file, copied into the store at once (Ladybug's buffer pool holds one file's rows).
COPY_ROWS = 100_000
_REOPEN_EVERY = 5           # COPYs between reopenings of the database when its memory is bounded
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


# Ladybug's CSV reader ends a quoted field at a carriage return or a NUL, and `string_split` drops some empty
# items: such characters, the list separator and empty items travel escaped, and the COPY query restores them.
_ESC = "\ue000"
_SEPARATOR = "\x1f"
_ESCAPES = ((_ESC, _ESC + "0"), ("\r", _ESC + "1"), ("\x00", _ESC + "2"), (_SEPARATOR, _ESC + "3"))
_EMPTY_ITEM = _ESC + "4"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_RESTORE = ("replace(replace(replace(replace(replace({}, '\\uE0004', ''), '\\uE0001', '\\u000D'), "
            "'\\uE0002', '\\u0000'), '\\uE0003', '\\u001F'), '\\uE0000', '\\uE000')")


def _escaped(text: str) -> str:
    text = _LONE_SURROGATE.sub("\ufffd", text)    # UTF-8 cannot hold it; the RDF sink does the same
    for char, code in _ESCAPES:
        if char in text:
            text = text.replace(char, code)
    return text


def _cell(value: Any, kind: str) -> str:
    """A `_typed` value as a CSV field of a staged file (None and empty values: an empty field, read as null)."""
    if value is None:
        return ""
    if kind == "string[]":
        return _SEPARATOR.join(_escaped(item) or _EMPTY_ITEM for item in value)
    if kind == "bool":
        return "true" if value else "false"
    return repr(value) if kind == "float" else str(value) if kind == "int" else _escaped(value)


class CopyTable(NamedTuple):
    """A table rows are copied into: a label, or an edge type with its (source, target) labels; its columns."""

    name: str
    columns: tuple[tuple[str, str], ...]    # (column, kind): id (or src, dst) first, then the properties
    pair: tuple[str, str] | None = None

    def copy_statement(self, csv_file: Path) -> str:
        """The COPY of one staged CSV file (no header) into the table, restoring escaped text."""
        declared = ", ".join(f"`{key}` {'STRING' if kind == 'string[]' else _LADYBUG_TYPES[kind]}"
                             for key, kind in self.columns)
        values = ", ".join(_restored(key, kind) for key, kind in self.columns)
        source = str(csv_file.resolve()).replace("\\", "\\\\").replace("'", "\\'")
        pair = f" (from='{self.pair[0]}', to='{self.pair[1]}')" if self.pair else ""
        # the dialect is given, not sniffed: a sniffer that sees no quotes in its sample splits quoted commas later
        return (f"COPY `{self.name}` FROM (LOAD WITH HEADERS ({declared}) FROM '{source}' (header=false, "
                f"parallel=false, auto_detect=false, delim=',', quote='\"', escape='\"') RETURN {values}){pair}")


_NODE_TABLES = {label: CopyTable(label, (("id", "string"), *props.items())) for label, props in NODE_PROPERTIES.items()}
_EDGE_COLUMNS = (("src", "string"), ("dst", "string"), *EDGE_PROPERTIES.items())


def _restored(key: str, kind: str) -> str:
    if kind == "string[]":
        return f"list_transform(string_split(`{key}`, '\\u001F'), x -> {_RESTORE.format('x')})"
    return _RESTORE.format(f"`{key}`") if kind == "string" else f"`{key}`"


def generate_cypher_store(G: GraphLike) -> Iterator[tuple[CopyTable, list[str]]]:
    r"""Every node, then every edge of ``G``, as ``(table, CSV fields)`` for tables made by ``schema_statements``.

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("method:a", label="Method", name="A", aliases=["x", ""])
    >>> [(table.name, fields) for table, fields in generate_cypher_store(G)]
    [('Method', ['method:a', 'A', 'x\x1f\ue0004', '', '', ''])]
    """
    notes: Counter[str] = Counter()
    for node, label, props in node_rows(G):
        if label not in NODE_PROPERTIES:
            raise SinkError(f"node {node!r}: label {label!r} is not one of kgbuild.vocab.NODE_LABELS — "
                            "build the graph with kgbuild.graph.build_graph")
        columns = NODE_PROPERTIES[label]
        typed = _typed(props, columns, node, notes)
        yield _NODE_TABLES[label], [_escaped(node), *(_cell(typed[k], kind) for k, kind in columns.items())]
    for src, dst, edge_type, props in edge_rows(G):
        sources, targets, _ = EDGE_TYPES.get(edge_type, ((), (), ""))
        pair = (node_label(G, src), node_label(G, dst))
        if pair[0] not in sources or pair[1] not in targets:
            raise SinkError(f"edge {src!r} -[{edge_type}]-> {dst!r}: kgbuild.vocab.EDGE_TYPES has no "
                            f"{edge_type} from {pair[0]} to {pair[1]} — fix the graph or the vocabulary")
        typed = _typed(props, EDGE_PROPERTIES, f"{src}-[{edge_type}]->{dst}", notes)
        yield (CopyTable(edge_type, _EDGE_COLUMNS, pair),
               [_escaped(src), _escaped(dst), *(_cell(typed[k], kind) for k, kind in EDGE_PROPERTIES.items())])
    for note, count in notes.items():
        warnings.warn(f"Cypher store: {note} ({count}x)", stacklevel=2)


class _Database:
    """A Ladybug database and its connection, closed and opened again every ``reopen`` COPYs when memory is bounded:
    Ladybug 0.22 keeps ~100 bytes per loaded node outside its buffer pool until the database is closed."""

    def __init__(self, path: Path, memory_mib: int | None) -> None:
        self.path, self.memory_mib = path, memory_mib
        self.reopen = _REOPEN_EVERY if memory_mib else 0
        self.copies = 0
        self._open()

    def _open(self) -> None:
        import ladybug as lb

        self.db = lb.Database(str(self.path), buffer_pool_size=(self.memory_mib or 0) << 20)
        self.conn = lb.Connection(self.db)

    def copied(self) -> None:
        self.copies += 1
        if self.reopen and self.copies % self.reopen == 0:
            self.close()
            self._open()

    def close(self) -> None:
        self.conn.close()
        self.db.close()


class _Staging:
    """CSV files under a folder, one per table being filled; a file is copied into the store when it holds
    ``rows`` rows, or at `flush`, and then deleted."""

    def __init__(self, folder: Path, store: _Database, rows: int) -> None:
        self.folder, self.store, self.rows = folder, store, rows
        self.open: dict[CopyTable, tuple[Any, Any, Path]] = {}
        self.counts: Counter[CopyTable] = Counter()
        self.files = 0
        self.statement = ""

    def add(self, table: CopyTable, fields: list[str]) -> None:
        if table not in self.open:
            self.files += 1
            path = self.folder / f"{self.files:06d}.csv"
            fh = path.open("w", encoding="utf-8", newline="")
            self.open[table] = (fh, csv.writer(fh, lineterminator="\n"), path)
        self.open[table][1].writerow(fields)
        self.counts[table] += 1
        if self.counts[table] >= self.rows:
            self._copy(table)

    def _copy(self, table: CopyTable) -> None:
        fh, _, path = self.open.pop(table)
        fh.close()
        self.counts[table] = 0
        self.statement = table.copy_statement(path)
        self.store.conn.execute(self.statement)
        path.unlink()
        self.store.copied()

    def flush(self) -> None:
        for table in list(self.open):
            self._copy(table)

    def close(self) -> None:
        for fh, _, _ in self.open.values():
            fh.close()


def write_cypher_store(G: GraphLike, path: str | Path, *, overwrite: bool = False, copy_rows: int = COPY_ROWS,
                       memory_mib: int | None = None) -> CypherStoreLoad:
    """Create a Ladybug database file at ``path`` holding ``G``; ``overwrite=True`` replaces an existing one.

    Rows are staged in CSV files of at most ``copy_rows`` rows beside the database (``<path>.staging/``, removed
    after) and each file is copied in with one COPY. ``memory_mib`` is Ladybug's buffer pool for a large graph, and
    the database is then opened again every few COPYs (Ladybug 0.22 keeps ~100 bytes per loaded node outside its pool
    until it closes); by default Ladybug takes what it likes (its buffer pool: most of the machine's memory). Ladybug
    still needs memory beyond the pool as the graph grows: each COPY rewrites the relationships of every group of
    2,048 nodes it touches, backward index included, so the group holding the most-mentioned entities (the catalogue's
    devices) is rewritten whole; ~0.9 GB for a graph shaped like a million synthetic papers, with a 256 MiB pool.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "kg.lbug"
    ...     print(write_cypher_store(kg.graph, path).nodes, query_cypher(path, "q5_vendors_by_claims")[0])
    74 {'vendor': 'AMD', 'claims': 4}
    """
    start = time.perf_counter()
    path = Path(path)
    if path.exists() or path.with_name(path.name + ".wal").exists():
        if not overwrite:
            raise SinkError(f"{path}: already exists — pass overwrite=True or choose a new path")
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        path.with_name(path.name + ".wal").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = path.with_name(path.name + ".staging")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    statement = ""
    try:
        store = _Database(path, memory_mib)
        staging = _Staging(folder, store, copy_rows)
        try:
            for statement in schema_statements():
                store.conn.execute(statement)
            nodes_done = False
            for table, fields in generate_cypher_store(G):
                if table.pair is not None and not nodes_done:
                    staging.flush()       # an edge's ends must be in the store before its COPY
                    nodes_done = True
                staging.add(table, fields)
            staging.flush()
        finally:
            statement = staging.statement or statement
            staging.close()
            store.close()
    except RuntimeError as e:
        raise SinkError(f"{path}: Ladybug refused {statement[:120]!r}: {e} — the file may be from another "
                        "Ladybug version; write to a new path") from e
    finally:
        shutil.rmtree(folder, ignore_errors=True)
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
