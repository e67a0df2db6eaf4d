"""CSV sink for Neo4j's bulk loader: ``neo4j-admin database import`` files, its command line and a LOAD CSV script.

One nodes file per label (``nodes_<Label>.csv``: ``id:ID,name,...,:LABEL``) and one relationships file per type
and (source, target) label pair (``relationships_<TYPE>_<Source>_<Target>.csv``: ``:START_ID,:END_ID,:TYPE,...``),
so ``load.cypher`` can MATCH both ends by label and use the ``id`` index. Columns and their header types
(``papers:int``, ``value:double``, ``aliases:string[]``) come from ``cypher_store.NODE_PROPERTIES`` /
``EDGE_PROPERTIES``; ``value`` is ``double`` because the loader's ``float`` is 32-bit. List items are joined with
``array_delimiter`` (``|`` by default; an item holding it gets ``｜`` instead, with a warning). Empty values are
empty fields, which both loaders read as absent. File names come from ``kgbuild.vocab`` only, never from text.
"""
from __future__ import annotations

import csv
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import networkx as nx

from ..errors import SinkError
from ..graph import GraphLike, edge_rows, node_label, node_rows
from ..vocab import EDGE_TYPES, NODE_LABELS
from .cypher_store import EDGE_PROPERTIES, NODE_PROPERTIES

__all__ = ["CsvTable", "CsvExport", "generate_csv", "import_script", "load_script", "write_csv"]

_HEADER_TYPES = {"string": "", "int": ":int", "float": ":double", "bool": ":boolean", "string[]": ":string[]"}
_CONVERSIONS = {"string": "{}", "int": "toInteger({})", "float": "toFloat({})", "bool": "toBoolean({})",
                "string[]": "split({}, '{delimiter}')"}
_DELIMITER_STANDIN = "\uff5c"  # FULLWIDTH VERTICAL LINE: looks like "|" to a reader


class CsvTable(NamedTuple):
    """One CSV file: its name, label or (type, source, target), the property columns and the data rows (empty
    when `write_csv` streamed them to the file)."""

    file: str
    kind: str  # "nodes" or "relationships"
    labels: tuple[str, ...]
    columns: dict[str, str]
    rows: list[list[str]]

    @property
    def header(self) -> list[str]:
        first = ["id:ID"] if self.kind == "nodes" else [":START_ID", ":END_ID", ":TYPE"]
        last = [":LABEL"] if self.kind == "nodes" else []
        return first + [key + _HEADER_TYPES[kind] for key, kind in self.columns.items()] + last


class CsvExport(NamedTuple):
    """What ``write_csv`` wrote: node and edge rows and every file (CSVs, import.sh, load.cypher)."""

    nodes: int
    edges: int
    files: list[Path]


def _cell(value: Any, kind: str, delimiter: str, where: str, notes: Counter[str]) -> str:
    if value is None or value == "" or value == []:
        return ""
    if kind == "string[]":
        items = [str(v) for v in value]
        if any(delimiter in item for item in items):
            notes[f"list items holding the array delimiter {delimiter!r} (e.g. on {where}) had it replaced "
                  f"by {_DELIMITER_STANDIN!r}"] += 1
            items = [item.replace(delimiter, _DELIMITER_STANDIN) for item in items]
        return delimiter.join(items)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "float":
        return repr(float(value))
    return str(int(value)) if kind == "int" else str(value)


def _cells(props: dict[str, Any], columns: dict[str, str], delimiter: str, where: str,
           notes: Counter[str]) -> list[str]:
    for key in props:
        if key not in columns:
            notes[f"property {key!r} (e.g. on {where}) has no CSV column and was not written"] += 1
    return [_cell(props.get(key), kind, delimiter, where, notes) for key, kind in columns.items()]


def _check_delimiter(array_delimiter: str) -> None:
    if len(array_delimiter) != 1 or array_delimiter in ',"\n\r':
        raise ValueError(f"array_delimiter must be one character other than comma, quote or newline, "
                         f"got {array_delimiter!r}")


def _rows(G: GraphLike, array_delimiter: str) -> Iterator[tuple[tuple[str, ...], list[str]]]:
    """Every node, then every edge, as ``(label,)`` or ``(type, source label, target label)`` and its CSV row."""
    notes: Counter[str] = Counter()
    for node, label, props in node_rows(G):
        if label not in NODE_PROPERTIES:
            raise SinkError(f"node {node!r}: label {label!r} is not one of kgbuild.vocab.NODE_LABELS — "
                            "build the graph with kgbuild.graph.build_graph")
        yield (label,), [node, *_cells(props, NODE_PROPERTIES[label], array_delimiter, node, notes), label]
    for src, dst, edge_type, props in edge_rows(G):
        sources, targets, _ = EDGE_TYPES.get(edge_type, ((), (), ""))
        source, target = node_label(G, src), node_label(G, dst)
        if source not in sources or target not in targets:
            raise SinkError(f"edge {src!r} -[{edge_type}]-> {dst!r}: kgbuild.vocab.EDGE_TYPES has no "
                            f"{edge_type} from {source} to {target} — fix the graph or the vocabulary")
        where = f"{src}-[{edge_type}]->{dst}"
        yield (edge_type, source, target), [src, dst, edge_type, *_cells(props, EDGE_PROPERTIES, array_delimiter,
                                                                          where, notes)]
    for note, count in notes.items():
        warnings.warn(f"CSV sink: {note} ({count}x)", stacklevel=3)


def _table(labels: tuple[str, ...], rows: list[list[str]]) -> CsvTable:
    if len(labels) == 1:
        return CsvTable(f"nodes_{labels[0]}.csv", "nodes", labels, NODE_PROPERTIES[labels[0]], rows)
    return CsvTable(f"relationships_{'_'.join(labels)}.csv", "relationships", labels, EDGE_PROPERTIES, rows)


def _in_order(keys: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Nodes per label, then relationships per (type, source label, target label), in `kgbuild.vocab` order."""
    order = [(label,) for label in NODE_LABELS]
    order += [(t, s, d) for t, (sources, targets, _) in EDGE_TYPES.items() for s in sources for d in targets]
    present = set(keys)
    return [key for key in order if key in present]


def generate_csv(G: GraphLike, array_delimiter: str = "|") -> Iterator[CsvTable]:
    """The CSV tables of ``G``: nodes per label, then relationships per (type, source label, target label).

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("method:a", label="Method", name="A", aliases=["a1", "a2"], proposed=True)
    >>> table = next(generate_csv(G))
    >>> table.file, table.header[:3], table.rows[0][:3]
    ('nodes_Method.csv', ['id:ID', 'name', 'aliases:string[]'], ['method:a', 'A', 'a1|a2'])
    """
    _check_delimiter(array_delimiter)
    tables: dict[tuple[str, ...], list[list[str]]] = {}
    for key, row in _rows(G, array_delimiter):
        tables.setdefault(key, []).append(row)
    for key in _in_order(tables):
        yield _table(key, tables[key])


def import_script(tables: Iterable[CsvTable], array_delimiter: str = "|", multiline: bool = False) -> str:
    """``import.sh``: the ``neo4j-admin database import full`` command (Neo4j 5) for these files."""
    lines = [
        "#!/bin/sh",
        "# Bulk-load these CSV files into a NEW Neo4j 5 database (neo4j-admin refuses an existing one):",
        "#     ./import.sh [database]        (default: neo4j; run it where neo4j-admin is on PATH)",
        "# then CREATE DATABASE <name> (Enterprise) or restart Neo4j with it as the default database.",
        "# Unique ids: the loader rejects duplicate id:ID values; run load.cypher's CREATE CONSTRAINT lines after.",
        "set -eu",
        'cd "$(dirname "$0")"',
        'neo4j-admin database import full "${1:-neo4j}" \\',
        f"  --array-delimiter=U+{ord(array_delimiter):04X} --id-type=string \\",
    ]
    if multiline:
        lines.append("  --multiline-fields=true \\")
    files = list(tables)
    for i, table in enumerate(files):
        end = " \\" if i < len(files) - 1 else ""
        lines.append(f"  --{table.kind}={table.file}{end}")
    return "\n".join(lines) + "\n"


def load_script(tables: Iterable[CsvTable], array_delimiter: str = "|") -> str:
    """``load.cypher``: constraints, then one ``LOAD CSV`` statement per file, for cypher-shell on a live server.

    It has no parameters; ``file:///<name>`` URLs resolve in the server's import directory. Statements end with
    ``;`` on their own line ending.
    """
    files = list(tables)
    out = ["// Load the kgbuild CSV files into a running Neo4j: copy them into its import directory, then",
           "//     cypher-shell -u neo4j -p <password> -f load.cypher",
           "// Loading twice changes nothing (MERGE). Each statement is one transaction; for millions of rows",
           "// prefer import.sh (neo4j-admin, offline).", ""]
    for label in sorted({t.labels[0] for t in files if t.kind == "nodes"}):
        out.append(f"CREATE CONSTRAINT kgbuild_{label}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE;")
    for table in files:
        sets = ", ".join(
            f"x.`{key}` = " + _CONVERSIONS[kind].format(f"row.`{header}`", delimiter=array_delimiter)
            for (key, kind), header in zip(table.columns.items(), table.header[1 if table.kind == "nodes" else 3:]))
        out.append("")
        out.append(f"LOAD CSV WITH HEADERS FROM 'file:///{table.file}' AS row")
        if table.kind == "nodes":
            out.append(f"MERGE (x:{table.labels[0]} {{id: row.`id:ID`}})")
        else:
            edge_type, source, target = table.labels
            out.append(f"MATCH (a:{source} {{id: row.`:START_ID`}})")
            out.append(f"MATCH (b:{target} {{id: row.`:END_ID`}})")
            out.append(f"MERGE (a)-[x:{edge_type}]->(b)")
        out.append(f"SET {sets};")
    return "\n".join(out) + "\n"


def write_csv(G: GraphLike, out_dir: str | Path, *, array_delimiter: str = "|") -> CsvExport:
    """Write the CSV files, ``import.sh`` and ``load.cypher`` for ``G`` into ``out_dir`` (created if missing).

    Rows are written as they are read, one open file per table, so a graph of rows is never held in memory.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     export = write_csv(kg.graph, tmp)
    ...     sorted(p.name for p in export.files)[:3]
    ['import.sh', 'load.cypher', 'nodes_Dataset.csv']
    """
    _check_delimiter(array_delimiter)
    out = Path(out_dir)
    files: dict[tuple[str, ...], tuple[Any, Any]] = {}
    multiline, nodes, edges = False, 0, 0
    try:
        out.mkdir(parents=True, exist_ok=True)
        try:
            for key, row in _rows(G, array_delimiter):
                if key not in files:
                    fh = (out / _table(key, []).file).open("w", encoding="utf-8", newline="")
                    files[key] = (fh, csv.writer(fh, lineterminator="\n"))
                    files[key][1].writerow(_table(key, []).header)
                files[key][1].writerow(row)
                multiline = multiline or any("\n" in cell or "\r" in cell for cell in row)
                nodes, edges = (nodes + 1, edges) if len(key) == 1 else (nodes, edges + 1)
        finally:
            for fh, _ in files.values():
                fh.close()
        tables = [_table(key, []) for key in _in_order(files)]
        script = out / "import.sh"
        script.write_text(import_script(tables, array_delimiter, multiline), encoding="utf-8")
        script.chmod(0o755)
        (out / "load.cypher").write_text(load_script(tables, array_delimiter), encoding="utf-8")
    except OSError as e:
        raise SinkError(f"{out}: cannot write the CSV files ({e.strerror or e}) — choose a writable directory") from e
    return CsvExport(nodes, edges, [out / t.file for t in tables] + [script, out / "load.cypher"])
