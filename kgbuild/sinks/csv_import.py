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
from ..graph import edge_rows, node_rows
from ..vocab import EDGE_TYPES, NODE_LABELS
from .cypher_store import EDGE_PROPERTIES, NODE_PROPERTIES

__all__ = ["CsvTable", "CsvExport", "generate_csv", "import_script", "load_script", "write_csv"]

_HEADER_TYPES = {"string": "", "int": ":int", "float": ":double", "bool": ":boolean", "string[]": ":string[]"}
_CONVERSIONS = {"string": "{}", "int": "toInteger({})", "float": "toFloat({})", "bool": "toBoolean({})",
                "string[]": "split({}, '{delimiter}')"}
_DELIMITER_STANDIN = "\uff5c"  # FULLWIDTH VERTICAL LINE: looks like "|" to a reader


class CsvTable(NamedTuple):
    """One CSV file: its name, label or (type, source, target), the property columns and the data rows."""

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


def generate_csv(G: nx.MultiDiGraph, array_delimiter: str = "|") -> Iterator[CsvTable]:
    """The CSV tables of ``G``: nodes per label, then relationships per (type, source label, target label).

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("method:a", label="Method", name="A", aliases=["a1", "a2"], proposed=True)
    >>> table = next(generate_csv(G))
    >>> table.file, table.header[:3], table.rows[0][:3]
    ('nodes_Method.csv', ['id:ID', 'name', 'aliases:string[]'], ['method:a', 'A', 'a1|a2'])
    """
    if len(array_delimiter) != 1 or array_delimiter in ',"\n\r':
        raise ValueError(f"array_delimiter must be one character other than comma, quote or newline, "
                         f"got {array_delimiter!r}")
    notes: Counter[str] = Counter()
    labels: dict[str, str] = {}
    nodes: dict[str, list[list[str]]] = {}
    for node, label, props in node_rows(G):
        if label not in NODE_PROPERTIES:
            raise SinkError(f"node {node!r}: label {label!r} is not one of kgbuild.vocab.NODE_LABELS — "
                            "build the graph with kgbuild.graph.build_graph")
        labels[node] = label
        row = [node, *_cells(props, NODE_PROPERTIES[label], array_delimiter, node, notes), label]
        nodes.setdefault(label, []).append(row)
    edges: dict[tuple[str, str, str], list[list[str]]] = {}
    for src, dst, edge_type, props in edge_rows(G):
        sources, targets, _ = EDGE_TYPES.get(edge_type, ((), (), ""))
        if labels[src] not in sources or labels[dst] not in targets:
            raise SinkError(f"edge {src!r} -[{edge_type}]-> {dst!r}: kgbuild.vocab.EDGE_TYPES has no "
                            f"{edge_type} from {labels[src]} to {labels[dst]} — fix the graph or the vocabulary")
        where = f"{src}-[{edge_type}]->{dst}"
        row = [src, dst, edge_type, *_cells(props, EDGE_PROPERTIES, array_delimiter, where, notes)]
        edges.setdefault((edge_type, labels[src], labels[dst]), []).append(row)
    for label in NODE_LABELS:
        if label in nodes:
            yield CsvTable(f"nodes_{label}.csv", "nodes", (label,), NODE_PROPERTIES[label], nodes[label])
    for edge_type, (sources, targets, _) in EDGE_TYPES.items():
        for key in [(edge_type, s, t) for s in sources for t in targets]:
            if key in edges:
                yield CsvTable(f"relationships_{'_'.join(key)}.csv", "relationships", key, EDGE_PROPERTIES,
                               edges[key])
    for note, count in notes.items():
        warnings.warn(f"CSV sink: {note} ({count}x)", stacklevel=2)


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


def write_csv(G: nx.MultiDiGraph, out_dir: str | Path, *, array_delimiter: str = "|") -> CsvExport:
    """Write the CSV files, ``import.sh`` and ``load.cypher`` for ``G`` into ``out_dir`` (created if missing).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     export = write_csv(kg.graph, tmp)
    ...     sorted(p.name for p in export.files)[:3]
    ['import.sh', 'load.cypher', 'nodes_Dataset.csv']
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        tables = list(generate_csv(G, array_delimiter))
        files, multiline = [], False
        for table in tables:
            path = out / table.file
            with path.open("w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(table.header)
                writer.writerows(table.rows)
            multiline = multiline or any("\n" in cell or "\r" in cell for row in table.rows for cell in row)
            files.append(path)
        script = out / "import.sh"
        script.write_text(import_script(tables, array_delimiter, multiline), encoding="utf-8")
        script.chmod(0o755)
        (out / "load.cypher").write_text(load_script(tables, array_delimiter), encoding="utf-8")
    except OSError as e:
        raise SinkError(f"{out}: cannot write the CSV files ({e.strerror or e}) — choose a writable directory") from e
    return CsvExport(G.number_of_nodes(), G.number_of_edges(), files + [script, out / "load.cypher"])
