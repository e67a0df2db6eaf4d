"""Neo4j sink: MERGE the graph into Neo4j, or any server speaking Bolt (FalkorDB), in small parameterised batches.

Labels and relationship types are written into the Cypher text only after checking them against ``kgbuild.vocab``;
every value travels as a parameter. Batches are bounded by rows *and* by the size of their parameters, because
FalkorDB's Bolt endpoint (4.16) crashes once one message's parameters pass about 4 KB.

FalkorDB's Bolt endpoint also pastes parameters into the query text without escaping them, so a name such as
``' MATCH (n) DETACH DELETE n //`` would run as Cypher. ``write_neo4j`` detects this with a harmless probe
(``RETURN $p`` with a backslash in ``p``) and then escapes ``\\`` and ``'`` in every string it sends, which makes the
server's parsing give back the original text.

Oversized rows: a row whose parameters exceed the byte bound is split into several rows for the same node or
edge, each setting part of its properties; a single value larger than the bound is truncated (strings end with
``…``, lists lose trailing items) and a warning says how many values were cut. Empty strings and lists are not
written, so they read as null, as in the other sinks.
"""
from __future__ import annotations

import math
import os
import re
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

import networkx as nx

from ..errors import SinkError
from ..graph import GraphLike, edge_rows, node_label, node_labels, node_rows
from ..vocab import EDGE_TYPES, NODE_LABELS

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "DEFAULT_BATCH_BYTES",
    "PASTING_SERVER_MAX_BYTES",
    "Batch",
    "Neo4jLoad",
    "schema_statements",
    "generate_neo4j",
    "paste_safe",
    "write_neo4j",
]

DEFAULT_BATCH_ROWS = 500
#: Parameter bytes per statement; Neo4j takes far more, this only keeps one transaction's memory modest.
DEFAULT_BATCH_BYTES = 1_000_000
#: Bound used for servers that paste parameters into the query (FalkorDB crashes a little above 4,000 bytes).
PASTING_SERVER_MAX_BYTES = 3_000

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MIN_BATCH_BYTES = 200  # room for one row's keys plus a useful property
_BATCH_OVERHEAD = 16  # the "rows" key and brackets of one statement
_ELLIPSIS = "…"


class Batch(NamedTuple):
    """One statement: ``query`` run with ``{"rows": rows}``; ``kind`` is "node" or "edge", ``label`` the node label
    of a node batch."""

    query: str
    rows: list[dict[str, Any]]
    kind: str
    label: str = ""


class Neo4jLoad(NamedTuple):
    """What ``write_neo4j`` sent: node and edge rows of the graph, statements run, wall-clock seconds, and how
    often the connection was lost and opened again."""

    nodes: int
    edges: int
    statements: int
    seconds: float
    reconnects: int = 0


def _label(label: Any, node: str) -> str:
    if label not in NODE_LABELS:
        raise SinkError(f"node {node!r}: label {label!r} is not one of kgbuild.vocab.NODE_LABELS — "
                        "build the graph with kgbuild.graph.build_graph")
    return label


def _edge_type(edge_type: Any, src: str, dst: str) -> str:
    if edge_type not in EDGE_TYPES:
        raise SinkError(f"edge {src!r} -> {dst!r}: type {edge_type!r} is not one of kgbuild.vocab.EDGE_TYPES — "
                        "build the graph with kgbuild.graph.build_graph")
    return edge_type


def schema_statements(labels: Iterable[str]) -> Iterator[tuple[str, ...]]:
    """Per label, the statements to try in order until one succeeds: a uniqueness constraint, then indexes.

    >>> next(schema_statements(["Method"]))[0]
    'CREATE CONSTRAINT kgbuild_Method_id IF NOT EXISTS FOR (n:Method) REQUIRE n.id IS UNIQUE'
    """
    for label in sorted(set(labels)):
        label = _label(label, "(schema)")
        yield (f"CREATE CONSTRAINT kgbuild_{label}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE",
               f"CREATE INDEX kgbuild_{label}_id IF NOT EXISTS FOR (n:{label}) ON (n.id)",
               f"CREATE INDEX FOR (n:{label}) ON (n.id)")  # FalkorDB: no names, no IF NOT EXISTS


# ---- values: cleaning, measuring, cutting, escaping ------------------------------------------------------------

def _text_size(value: Any, escape: bool) -> int:
    """UTF-8 bytes of ``value`` written as a Cypher literal (how a pasting server sees it); close to PackStream."""
    if isinstance(value, str):
        extra = value.count("\\") + value.count("'") if escape else 0
        return len(value.encode("utf-8")) + extra + 2
    if isinstance(value, dict):
        return 2 + sum(len(k) + 2 + _text_size(v, escape) for k, v in value.items()) + max(len(value) - 1, 0) * 2
    if isinstance(value, list):
        return 2 + sum(_text_size(v, escape) for v in value) + max(len(value) - 1, 0) * 2
    if isinstance(value, bool) or value is None:
        return 5
    return len(repr(value))


def _clean(props: dict[str, Any], where: str, escape: bool, notes: Counter[str]) -> dict[str, Any]:
    """Drop what no Bolt server stores well: non-identifier keys, and for pasting servers NaN and NUL.

    None, "" and [] are left out (absent properties read as null), as the RDF sink leaves them out.
    """
    out: dict[str, Any] = {}
    for key, value in props.items():
        if value is None or value == "" or value == []:
            continue
        if not _KEY.match(key):
            notes[f"property {key!r} (e.g. on {where}) is not a Cypher identifier and was not written"] += 1
            continue
        if isinstance(value, tuple):
            value = list(value)
        if escape and isinstance(value, float) and not math.isfinite(value):
            notes[f"non-finite number in {key!r} was not written (the server rejects it)"] += 1
            continue
        if escape and isinstance(value, str) and "\x00" in value:
            notes["NUL characters were removed from strings (the server cuts strings at them)"] += 1
            value = value.replace("\x00", "")
        out[key] = value
    return out


def _cut(value: Any, room: int, escape: bool) -> Any:
    """The longest prefix of a string or list whose literal fits in ``room`` bytes."""
    if isinstance(value, list):
        kept: list[Any] = []
        for item in value:
            if _text_size(kept + [item], escape) > room:
                break
            kept.append(item)
        return kept
    if isinstance(value, str):
        lo, hi = 0, len(value)
        while lo < hi:  # binary search on characters: sizes grow with the prefix
            mid = (lo + hi + 1) // 2
            if _text_size(value[:mid] + _ELLIPSIS, escape) <= room:
                lo = mid
            else:
                hi = mid - 1
        return value[:lo] + _ELLIPSIS
    return None  # a number or bool never gets here: the bound is far larger


def _fit(keys: dict[str, Any], props: dict[str, Any], budget: int, escape: bool,
         notes: Counter[str]) -> Iterator[dict[str, Any]]:
    """``keys`` + ``props`` as one row, or several rows sharing ``keys`` when one row would exceed ``budget``."""
    row = {**keys, "props": props}
    if _text_size(row, escape) <= budget:
        yield row
        return
    base = _text_size({**keys, "props": {}}, escape)
    part: dict[str, Any] = {}
    used = base
    for key, value in props.items():
        cost = len(key) + 4 + _text_size(value, escape)
        if base + cost > budget:
            value = _cut(value, budget - base - len(key) - 4, escape)
            notes[f"property {key!r} longer than batch_bytes={budget} was truncated"] += 1
            cost = len(key) + 4 + _text_size(value, escape)
        if used + cost > budget and part:
            yield {**keys, "props": part}
            part, used = {}, base
        part[key] = value
        used += cost
    if part:
        yield {**keys, "props": part}


def paste_safe(value: Any) -> Any:
    r"""``value`` with ``\`` and ``'`` escaped in every string, for a server that pastes parameters (FalkorDB).

    Use it on the parameters of your own queries to FalkorDB's Bolt port, too.

    >>> print(paste_safe({"name": "it's a\\b"})["name"])
    it\'s a\\b
    """
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("'", "\\'")
    if isinstance(value, list):
        return [paste_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: paste_safe(v) for k, v in value.items()}
    return value


# ---- statements ----------------------------------------------------------------------------------------------

class _Batches:
    """Rows collected per statement into batches bounded by ``rows`` and ``size`` bytes; a batch is handed out as
    soon as it is full, so rows of many labels may arrive interleaved and only one open batch per statement is held."""

    def __init__(self, kind: str, rows: int, size: int, escape: bool) -> None:
        self.kind, self.rows, self.size, self.escape = kind, rows, size, escape
        self.open: dict[str, tuple[list[dict[str, Any]], int, str]] = {}

    def add(self, query: str, row: dict[str, Any], label: str = "") -> Iterator[Batch]:
        current, used, _ = self.open.get(query, ([], _BATCH_OVERHEAD, label))
        size = _text_size(row, self.escape) + 2
        if current and (len(current) >= self.rows or used + size > self.size):
            yield Batch(query, current, self.kind, label)
            current, used = [], _BATCH_OVERHEAD
        current.append(paste_safe(row) if self.escape else row)
        self.open[query] = (current, used + size, label)

    def rest(self) -> Iterator[Batch]:
        for query in sorted(self.open):
            rows, _, label = self.open[query]
            yield Batch(query, rows, self.kind, label)
        self.open = {}


def generate_neo4j(G: GraphLike, batch_rows: int = DEFAULT_BATCH_ROWS, batch_bytes: int = DEFAULT_BATCH_BYTES,
                   escape_strings: bool = False) -> Iterator[Batch]:
    """The MERGE statements that load ``G``: every node batch (one statement per label), then every edge batch
    (one per type and labels); a batch goes out when full, the last of each statement after all rows.

    ``batch_bytes`` bounds the parameters of each statement, measured as UTF-8 Cypher literals.
    ``escape_strings`` pre-escapes strings for servers that paste parameters into the query (FalkorDB).

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("method:a", label="Method", name="A")
    >>> G.add_node("dataset:b", label="Dataset", name="B")
    >>> G.add_edge("method:a", "dataset:b", key="EVALUATED_ON", type="EVALUATED_ON", papers=1)
    'EVALUATED_ON'
    >>> [(b.kind, len(b.rows)) for b in generate_neo4j(G)]
    [('node', 1), ('node', 1), ('edge', 1)]
    >>> print(list(generate_neo4j(G))[-1].query)
    UNWIND $rows AS row MATCH (a:Method {id: row.src}) MATCH (b:Dataset {id: row.dst}) MERGE (a)-[r:EVALUATED_ON]->(b) SET r += row.props
    """
    if batch_rows < 1 or batch_bytes < _MIN_BATCH_BYTES:
        raise ValueError(f"batch_rows must be >= 1 and batch_bytes >= {_MIN_BATCH_BYTES}, "
                         f"got {batch_rows} and {batch_bytes}")
    notes: Counter[str] = Counter()
    room = batch_bytes - _BATCH_OVERHEAD - 2  # what one row may take
    batches = _Batches("node", batch_rows, batch_bytes, escape_strings)
    for node, label, props in node_rows(G):
        query = f"UNWIND $rows AS row MERGE (n:{_label(label, node)} {{id: row.id}}) SET n += row.props"
        for row in _fit({"id": node}, _clean(props, node, escape_strings, notes), room, escape_strings, notes):
            yield from batches.add(query, row, label)
    yield from batches.rest()

    batches = _Batches("edge", batch_rows, batch_bytes, escape_strings)
    for src, dst, edge_type, props in edge_rows(G):
        edge_type = _edge_type(edge_type, src, dst)
        src_label, dst_label = node_label(G, src), node_label(G, dst)
        query = (f"UNWIND $rows AS row MATCH (a:{src_label} {{id: row.src}}) MATCH (b:{dst_label} {{id: row.dst}}) "
                 f"MERGE (a)-[r:{edge_type}]->(b) SET r += row.props")
        props = _clean(props, f"{src}-[{edge_type}]->{dst}", escape_strings, notes)
        for row in _fit({"src": src, "dst": dst}, props, room, escape_strings, notes):
            yield from batches.add(query, row)
    yield from batches.rest()
    for note, count in notes.items():
        warnings.warn(f"Neo4j sink: {note} ({count}x)", stacklevel=2)


# ---- the server side -----------------------------------------------------------------------------------------

def _pastes_parameters(session: Any) -> bool:
    """True when the server reads parameters as Cypher text: a backslash does not come back unchanged."""
    from neo4j.exceptions import Neo4jError

    probe = "kgbuild\\b"
    try:
        return session.run("RETURN $p AS p", p=probe).single()["p"] != probe
    except Neo4jError:  # the server failed on a plain string parameter: it surely pastes it
        return True


def _indexed_labels(session: Any) -> set[str]:
    """Labels with an index on ``id`` already, from ``db.indexes()`` (FalkorDB, Neo4j 4); empty where it is gone."""
    from neo4j.exceptions import Neo4jError

    try:
        rows = session.run("CALL db.indexes()").data()
    except Neo4jError:
        return set()  # Neo4j 5 has SHOW INDEXES instead; its IF NOT EXISTS makes the check unneeded
    found = set()
    for row in rows:
        labels = row.get("label") or row.get("labelsOrTypes") or []
        for label in [labels] if isinstance(labels, str) else labels:
            if "id" in (row.get("properties") or []):
                found.add(label)
    return found


def _create_schema(session: Any, labels: Iterable[str]) -> list[str]:
    """Run the first statement the server accepts per label that has no index yet; return those that ran.

    Each refused statement costs a round trip and a reset, so the form that worked for one label goes first
    for the next.
    """
    from neo4j.exceptions import Neo4jError

    done: list[str] = []
    first = 0
    existing = _indexed_labels(session)
    for attempts in schema_statements(set(labels) - existing):
        order = list(range(first, len(attempts))) + list(range(first))
        for i in order:
            try:
                session.run(attempts[i]).consume()
            except Neo4jError:
                continue  # refused (FalkorDB has no constraints, no IF NOT EXISTS) or already there
            done.append(attempts[i])
            first = i
            break
    return done


def _run_batch(tx: Any, query: str, rows: list[dict[str, Any]]) -> None:
    tx.run(query, rows=rows).consume()


def _still_loaded(session: Any, first: Batch) -> bool:
    """After a reconnect: does the server still hold the first node loaded (of the ``first`` batch)? A server
    restarted without persistence (FalkorDB by default) comes back empty, and the load must start over."""
    query = f"MATCH (n:{_label(first.label, '(check)')} {{id: $id}}) RETURN count(n) AS c"
    return session.run(query, id=first.rows[0]["id"]).single()["c"] > 0     # pasted-safe already when escaped


def write_neo4j(G: GraphLike, uri: str | None = None, user: str | None = None, password: str | None = None,
                database: str | None = None, *, driver: Any = None, batch_rows: int = DEFAULT_BATCH_ROWS,
                batch_bytes: int = DEFAULT_BATCH_BYTES, escape_strings: bool | None = None,
                create_schema: bool = True, retries: int = 5, retry_wait: float = 1.0,
                driver_factory: Callable[[], Any] | None = None) -> Neo4jLoad:
    """MERGE ``G`` into a Neo4j (or FalkorDB) database; loading twice leaves the same nodes and relationships.

    Parameters
    ----------
    uri, user, password, database
        Default to ``NEO4J_URI`` (else ``bolt://localhost:7687``), ``NEO4J_USER`` (``neo4j``), ``NEO4J_PASSWORD``
        and ``NEO4J_DATABASE`` (the server's default). No user and no password means no authentication.
    driver
        An open ``neo4j.Driver`` to use instead (it is not closed); FalkorDB's Bolt port serves one connection
        per server lifetime, so share one driver with ``max_connection_pool_size=1``.
    batch_rows, batch_bytes
        Bounds of one statement: rows, and UTF-8 bytes of its parameters written as Cypher literals.
    escape_strings
        ``None`` probes the server; ``True`` pre-escapes strings for servers that paste parameters into the
        query (FalkorDB), which also lowers ``batch_bytes`` to ``PASTING_SERVER_MAX_BYTES`` with a warning.
    create_schema
        Create a uniqueness constraint on ``id`` per label first, or an index where the server has no constraints.
    retries, retry_wait
        When a connection that worked is lost (the server stopped or restarted), wait ``retry_wait`` seconds,
        doubling each time (1 + 2 + … + 16 s by default, for a server restart), open a new driver and resume at the
        first batch not known to be committed, up to ``retries`` times in all. Batches are MERGEs, so one sent
        twice changes nothing; a server that came back empty is loaded again from the start.
    driver_factory
        Makes the driver for each (re)connection, for settings of your own; by default a driver for ``uri``. A
        given ``driver`` is used first and never closed; drivers the factory makes are closed.

    Each batch runs in ``session.execute_write``, which retries transient errors with backoff. Errors from the
    driver are raised as ``SinkError`` naming the server and the statement.

    Examples
    --------
    >>> write_neo4j(kg.graph, "bolt://localhost:7687", "neo4j", "secret")  # doctest: +SKIP
    Neo4jLoad(nodes=65, edges=130, statements=26, seconds=0.4)
    """
    import neo4j
    from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable, SessionExpired

    start = time.perf_counter()
    uri = uri or os.environ.get("NEO4J_URI") or "bolt://localhost:7687"
    database = database or os.environ.get("NEO4J_DATABASE") or None
    if driver_factory is None and driver is None:
        user = user or os.environ.get("NEO4J_USER")
        password = password or os.environ.get("NEO4J_PASSWORD")
        auth = (user or "neo4j", password or "") if (user or password) else None
        driver_factory = lambda: neo4j.GraphDatabase.driver(uri, auth=auth)  # noqa: E731
    own = driver is None
    target = f"{uri}" + (f" (database {database})" if database else "")
    nodes = G.number_of_nodes()
    edges = G.number_of_edges()
    statements = 0  # batches committed, in the order generate_neo4j yields them
    reconnects = 0
    connected = False  # a server never reached is a wrong address or a server down: no retry
    schema_done = False
    batch: Batch | None = None
    first: Batch | None = None    # the first batch generate_neo4j gives: the first committed
    try:
        while True:
            try:
                if driver is None:
                    driver = driver_factory()
                with driver.session(database=database) as session:
                    if escape_strings is None:
                        escape_strings = _pastes_parameters(session)
                    else:
                        session.run("RETURN 1").consume()
                    connected = True
                    if escape_strings and batch_bytes > PASTING_SERVER_MAX_BYTES:
                        warnings.warn(f"Neo4j sink: {target} pastes parameters into queries (FalkorDB does) and "
                                      f"crashes on large ones; batch_bytes lowered from {batch_bytes} to "
                                      f"{PASTING_SERVER_MAX_BYTES}", stacklevel=2)
                        batch_bytes = PASTING_SERVER_MAX_BYTES
                    if statements and first is not None and not _still_loaded(session, first):
                        statements, schema_done = 0, False
                    if create_schema and not schema_done:
                        _create_schema(session, node_labels(G))
                        schema_done = True
                    for i, batch in enumerate(generate_neo4j(G, batch_rows, batch_bytes, escape_strings)):
                        first = batch if i == 0 else first
                        if i >= statements:
                            session.execute_write(_run_batch, batch.query, batch.rows)
                            statements += 1
                break
            except (ServiceUnavailable, SessionExpired, ConnectionError):  # the connection, not a statement
                if reconnects >= retries or not connected:
                    raise
                reconnects += 1
                time.sleep(retry_wait * 2 ** (reconnects - 1))
                if driver_factory is not None:  # else only a driver was given: its pool opens a new connection
                    if own:
                        _close_quietly(driver)
                    driver, own = None, True
    except (Neo4jError, DriverError, OSError) as e:
        during = f" while running {batch.query!r} ({len(batch.rows)} rows)" if batch is not None else ""
        again = f", {reconnects} reconnects" if reconnects else ""
        raise SinkError(f"{target}: loading failed after {statements} statements{again}{during}: {e} — check that "
                        "the server is up and the credentials (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD) are right; "
                        "for FalkorDB keep batch_bytes under 3000; loading again is safe (MERGE)") from e
    finally:
        if own and driver is not None:
            _close_quietly(driver)
    return Neo4jLoad(nodes, edges, statements, time.perf_counter() - start, reconnects)


def _close_quietly(driver: Any) -> None:
    try:
        driver.close()
    except Exception:  # noqa: BLE001 - a driver of a dead server may fail to close; the load goes on
        pass
