"""A graph too large for memory, spooled to SQLite: the rows of `kgbuild.graph`, built one paper at a time.

`spool_graph` resolves and assembles each paper with the in-memory graph's code (`kgbuild.assembly`) and keeps in
memory only what papers share: the entity nodes' tallies. What a paper adds alone (its Paper and SpeedupClaim nodes
and their edges, its claims, its merge-log records) and its support of edges between entities go to a temporary
SQLite database. After the last paper the grouping the graph needs is done there with ORDER BY (edges between
entities, Findings, the merge log), and `SpooledGraph` reads the rows back, as often as the sinks ask, without ever
holding them all. The nodes, edges, properties and merge log are those `kgbuild.graph.build_graph` gives; only the
order of the rows differs.
"""
from __future__ import annotations

import marshal
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from .assembly import (
    SHARED_EDGES, ClaimInfo, EdgeTally, NodeTally, assemble_paper, baseline_finder, catalogue_edges, edge_attrs,
    finding_supports, link_claim, named_nodes,
)
from .canonical import paper_node_id
from .findings import ClaimLink, finding_key, group_claims
from .graph import Row, clean_props
from .lexicon_index import Lexicon, default_lexicon
from .merge_log import best_records, log_row
from .models import Extraction
from .overrides import Overrides, OverridesLike, as_overrides
from .resolve import resolve_paper

__all__ = ["SPOOL_FILE", "SpooledGraph", "spool_graph"]

#: The spool's name in a build folder; it is removed when the build ends.
SPOOL_FILE = ".graph-spool.sqlite"

_SCHEMA = """
CREATE TABLE nodes (id TEXT, label TEXT, paper BLOB, props BLOB);
CREATE TABLE edges (src TEXT, dst TEXT, type TEXT, owner TEXT, tally BLOB);
CREATE TABLE shared (src TEXT, dst TEXT, type TEXT, tally BLOB);
CREATE TABLE claims (info BLOB);
CREATE TABLE hardware (ids BLOB);
CREATE TABLE merges (node_id TEXT, surface BLOB, rule TEXT, best BLOB);
CREATE TABLE links (key TEXT, link BLOB);
CREATE TABLE log (row BLOB);
"""
_INSERT = {"nodes": "INSERT INTO nodes VALUES (?, ?, ?, ?)", "edges": "INSERT INTO edges VALUES (?, ?, ?, ?, ?)",
           "shared": "INSERT INTO shared VALUES (?, ?, ?, ?)", "claims": "INSERT INTO claims VALUES (?)",
           "hardware": "INSERT INTO hardware VALUES (?)", "merges": "INSERT INTO merges VALUES (?, ?, ?, ?)",
           "links": "INSERT INTO links VALUES (?, ?)", "log": "INSERT INTO log VALUES (?)"}
_BATCH = 20_000           # rows buffered per table before an executemany
_LOOKUPS = 1 << 16        # node labels remembered by SpooledGraph.node_label


def _text(value: str) -> bytes:
    """Text as UTF-8 bytes that sort as Python sorts the str (code points), lone surrogates included."""
    return value.encode("utf-8", "surrogatepass")


_dump = marshal.dumps   # tuples, dicts and lists of str/int/float/bool/None, exactly and fast
_load = marshal.loads


class SpooledGraph:
    """The rows of a spooled graph, read from its SQLite file; see `kgbuild.graph.GraphRows`.

    Each call to `node_rows`, `edge_rows` or `merge_log` reads the file again; nothing is kept but the counts.
    """

    def __init__(self, conn: sqlite3.Connection, labels: set[str], nodes: int, edges: int,
                 overrides: Overrides) -> None:
        self._conn = conn
        self._labels = labels
        self._nodes, self._edges = nodes, edges
        #: the user's overrides the graph was resolved with
        self.overrides = overrides
        self.node_label = lru_cache(maxsize=_LOOKUPS)(self._node_label)

    def __repr__(self) -> str:
        return f"<SpooledGraph: {self._nodes} nodes, {self._edges} edges>"

    def node_rows(self) -> Iterator[tuple[str, str, Row]]:
        for node_id, label, props in self._conn.execute("SELECT id, label, props FROM nodes"):
            yield node_id, label, _load(props)

    def edge_rows(self) -> Iterator[tuple[str, str, str, Row]]:
        for src, dst, type, tally in self._conn.execute("SELECT src, dst, type, tally FROM edges"):
            yield src, dst, type, clean_props(edge_attrs(type, *_load(tally)), "type")

    def merge_log(self) -> Iterator[dict[str, Any]]:
        """The merge log's rows, sorted as `kgbuild.merge_log.merge_log` sorts them."""
        for (row,) in self._conn.execute("SELECT row FROM log ORDER BY rowid"):
            yield _load(row)

    def _node_label(self, node_id: str) -> str | None:
        found = self._conn.execute("SELECT label FROM nodes WHERE id = ? LIMIT 1", (node_id,)).fetchone()
        return found[0] if found else None

    def labels(self) -> set[str]:
        return set(self._labels)

    def number_of_nodes(self) -> int:
        return self._nodes

    def number_of_edges(self) -> int:
        return self._edges


class _Spool:
    """Assembles papers into the spool's tables; `finish` does the grouping and returns the `SpooledGraph`."""

    def __init__(self, conn: sqlite3.Connection, lex: Lexicon, ov: Overrides) -> None:
        self.conn, self.lex, self.ov = conn, lex, ov
        self.nodes: dict[str, NodeTally] = {}
        self.labels: set[str] = set()
        self.pending: dict[str, list[tuple]] = {table: [] for table in _INSERT}

    def _put(self, table: str, row: tuple) -> None:
        rows = self.pending[table]
        rows.append(row)
        if len(rows) >= _BATCH:
            self._flush(table)

    def _flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.pending):
            if self.pending[name]:
                self.conn.executemany(_INSERT[name], self.pending[name])
                self.pending[name] = []

    def _node(self, node_id: str, row: dict[str, Any], paper_id: str | None = None) -> None:
        self.labels.add(row["label"])
        self._put("nodes", (node_id, row["label"], None if paper_id is None else _text(paper_id),
                            _dump(clean_props(row, "label"))))

    def add(self, extraction: Extraction) -> None:
        """Resolve and assemble one paper (each paper id once)."""
        rp = resolve_paper(extraction, lexicon=self.lex, overrides=self.ov)
        part = assemble_paper(rp, self.nodes, self.lex)
        for node_id, row in part.nodes:
            self._node(node_id, row, part.paper_id)
        for (src, dst, type), (first, mentions) in part.edges.items():
            if type in SHARED_EDGES:
                self._put("shared", (src, dst, type, _dump((1, first, mentions))))
            else:
                self._put("edges", (src, dst, type, part.node_id, _dump((1, first, mentions))))
        for claim in part.claims:
            self._put("claims", (_dump(tuple(claim)),))
        if part.hardware:
            self._put("hardware", (_dump(part.hardware),))
        for (node_id, surface, rule), (_, best) in best_records(rp.merges).items():
            self._put("merges", (node_id, _text(surface), rule, _dump(best)))

    # ---- after the last paper ------------------------------------------------------------------------------
    def finish(self) -> SpooledGraph:
        self._flush()
        self._link_claims()
        hardware = (_load(ids) for (ids,) in self.conn.execute("SELECT ids FROM hardware"))
        for (src, dst, type), papers in catalogue_edges(self.nodes, self.lex, hardware).items():
            self._put("edges", (src, dst, type, "", _dump((papers, None, 0))))
        names = {}
        for node_id, n in self.nodes.items():
            row = n.row()
            names[node_id] = row["name"]
            self._node(node_id, row)
        self.nodes = {}
        self._findings(names)
        self._shared_edges()
        self._merge_log()
        self._flush()
        for table in ("shared", "claims", "hardware", "merges", "links"):
            self.conn.execute(f"DROP TABLE {table}")
        self.conn.execute("CREATE INDEX nodes_id ON nodes(id)")
        self._one_row_per_node()
        nodes, = self.conn.execute("SELECT COUNT(*) FROM nodes").fetchone()
        edges, = self.conn.execute("SELECT COUNT(*) FROM edges").fetchone()
        self.conn.execute("COMMIT")
        return SpooledGraph(self.conn, self.labels, nodes, edges, self.ov)

    def _link_claims(self) -> None:
        """OVER edges, now that every named node is known, and each claim's link keyed by its Finding."""
        find = baseline_finder(named_nodes(self.nodes), self.lex, self.ov)
        for (info,) in self.conn.execute("SELECT info FROM claims"):
            claim = ClaimInfo(*_load(info))
            target, link = link_claim(claim, find)
            if target:
                owner = paper_node_id(claim.paper_id)
                self._put("edges", (claim.claim_id, target, "OVER", owner, _dump((1, claim.span, 1))))
            self._put("links", (finding_key(link), _dump(tuple(link))))
        self._flush()

    def _findings(self, names: dict[str, str]) -> None:
        rows = self.conn.execute("SELECT key, link FROM links ORDER BY key")
        for _, group in groupby(rows, key=itemgetter(0)):
            finding, = group_claims([ClaimLink(*_load(link)) for _, link in group], names)
            self._node(finding.node_id, finding.row())
            for claim_id, papers in finding_supports(finding).items():
                self._put("edges", (claim_id, finding.node_id, "SUPPORTS", "", _dump((papers, None, 0))))

    def _shared_edges(self) -> None:
        rows = self.conn.execute("SELECT src, dst, type, tally FROM shared ORDER BY src, dst, type")
        for key, group in groupby(rows, key=itemgetter(0, 1, 2)):
            self._put("edges", (*key, "", _merged(tally for *_, tally in group)))

    def _merge_log(self) -> None:
        """One row per form: papers that resolved it so (one spooled row each) and the earliest shown record."""
        rows = self.conn.execute("SELECT node_id, surface, rule, best FROM merges ORDER BY node_id, surface, rule")
        for _, group in groupby(rows, key=itemgetter(0, 1, 2)):
            papers, best = 0, None
            for *_, candidate in group:
                papers, candidate = papers + 1, _load(candidate)
                best = candidate if best is None or candidate[0] < best[0] else best
            self._put("log", (_dump(log_row(best[1], papers)),))

    def _one_row_per_node(self) -> None:
        """Papers whose ids differ only in case share a node (`paper_node_id`), as in the in-memory graph: the
        largest paper id's rows win, and the edges of both papers are tallied together."""
        shared = [node_id for (node_id,) in self.conn.execute(
            "SELECT id FROM nodes GROUP BY id HAVING COUNT(*) > 1")]
        for node_id in shared:
            rows = sorted(self.conn.execute("SELECT paper, rowid FROM nodes WHERE id = ?", (node_id,)))
            if rows[-1][0] == rows[-2][0]:
                raise ValueError(f"paper {rows[-1][0].decode('utf-8', 'surrogatepass')!r} was given twice — give "
                                 "spool_graph each paper once")
            self.conn.executemany("DELETE FROM nodes WHERE rowid = ?", [(rowid,) for _, rowid in rows[:-1]])
        owners = sorted(node_id for node_id in shared if node_id.startswith("paper:"))
        for start in range(0, len(owners), 500):
            chunk = owners[start:start + 500]
            rows = sorted(self.conn.execute(
                f"SELECT src, dst, type, rowid, tally FROM edges WHERE owner IN ({','.join('?' * len(chunk))})",
                chunk))
            for _, group in groupby(rows, key=itemgetter(0, 1, 2)):
                group = list(group)
                self.conn.execute("UPDATE edges SET tally = ? WHERE rowid = ?",
                                  (_merged(row[4] for row in group), group[0][3]))
                self.conn.executemany("DELETE FROM edges WHERE rowid = ?", [(row[3],) for row in group[1:]])


def _merged(tallies: Iterable[bytes]) -> bytes:
    """One edge's spooled tallies (one per paper) as one."""
    e = EdgeTally()
    for tally in tallies:
        e.add(*_load(tally))
    return _dump((e.papers, e.first, e.mentions))


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
        leftover.unlink(missing_ok=True)


@contextmanager
def spool_graph(extractions: Iterable[Extraction], path: str | Path, *, lexicon: Lexicon | None = None,
                overrides: OverridesLike = None) -> Iterator[SpooledGraph]:
    """Build the graph of ``extractions`` (each paper id once) into a SQLite file at ``path``, removed on exit.

    Memory holds the entity nodes only, never the papers, claims or their edges; the file takes about 1 KB per
    paper. The graph has the nodes, edges, properties and merge log `kgbuild.graph.build_graph` gives.

    Examples
    --------
    >>> import tempfile
    >>> from kgbuild.graph import node_rows
    >>> from kgbuild.models import Entity, Extraction
    >>> paper = Extraction(id="p1", title="Faster decoding", entities=[
    ...     Entity(name="SpecX", type="Method", proposed=True), Entity(name="MMLU", type="Dataset")])
    >>> with tempfile.TemporaryDirectory() as tmp, spool_graph([paper], Path(tmp) / "spool.sqlite") as graph:
    ...     print(graph, sorted(label for _, label, _ in node_rows(graph)))
    <SpooledGraph: 3 nodes, 3 edges> ['Dataset', 'Method', 'Paper']
    """
    lex, ov = lexicon or default_lexicon(), as_overrides(overrides)    # a bad overrides file fails first
    path = Path(path)
    _remove(path)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "locking_mode = EXCLUSIVE",
                       "cache_size = -65536"):
            conn.execute(f"PRAGMA {pragma}")
        conn.executescript(_SCHEMA)
        conn.execute("BEGIN")
        spool = _Spool(conn, lex, ov)
        for extraction in extractions:
            spool.add(extraction)
        yield spool.finish()
    finally:
        conn.close()
        _remove(path)
