"""`kgbuild build` on the bundled sample corpus: every embedded sink written, readable and consistent."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from rdflib import Graph

from kgbuild.cli import main
from kgbuild.sinks.rdf import validate_rdf


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    out = tmp_path_factory.mktemp("kg-out")
    assert main(["build", "--sample", "--out", str(out), "--to", "rdf,sparql-store,cypher-store,gexf,graphml,csv"]) == 0
    return out


def test_summary_counts_match_the_files(out):
    summary = json.loads((out / "summary.json").read_text())
    lines = (out / "extractions.jsonl").read_text().splitlines()
    assert summary["papers"] == len(lines) >= 28
    assert summary["claims"] == sum(len(json.loads(line)["speedups"]) for line in lines) > 30
    with (out / "graph.nt").open() as fh:
        assert summary["triples"] == sum(1 for _ in fh)


def test_rdf_parses_and_passes_shacl(out):
    g = Graph().parse(out / "graph.ttl")
    assert len(g) == len(Graph().parse(out / "graph.nt")) > 1000
    conforms, report = validate_rdf(g)
    assert conforms, report


def test_gephi_files_parse_strictly(out):
    for name in ("graph.gexf", "graph.graphml"):
        ET.parse(out / name)  # strict XML
    G = nx.read_gexf(out / "graph.gexf")
    types = {d.get("type") for _, d in G.nodes(data=True)}
    assert {"Paper", "Method", "Model", "Dataset", "Hardware", "Vendor"} <= types


def test_query_command_answers_from_both_stores(out, capsys):
    for engine in ("sparql", "cypher"):
        assert main(["query", str(out), "--question", "q1_vendor_speedups", "--engine", engine,
                     "--param", "vendor=AMD", "--json"]) == 0
        rows = json.loads(capsys.readouterr().out)
        assert rows and all(r["hardware"] for r in rows)
        assert {r["hardware"] for r in rows} <= {"MI250X", "MI300X", "MI210", "MI100", "MI325X"}


def test_unknown_sink_is_a_clear_error(tmp_path, capsys):
    assert main(["build", "--sample", "--out", str(tmp_path), "--to", "rdf,parquet"]) == 2
    assert "unknown sink parquet" in capsys.readouterr().err


def test_build_applies_overrides_and_keeps_a_copy_for_explain(tmp_path, capsys):
    rules = tmp_path / "ov.toml"
    rules.write_text('different = [["MI250X", "AMD MI250X"]]\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", "--sample", "--out", str(out), "--to", "rdf", "--overrides", str(rules)]) == 0
    assert (out / "overrides.toml").read_text(encoding="utf-8") == rules.read_text(encoding="utf-8")
    merges = [json.loads(line) for f in sorted(out.glob("merges*.jsonl")) + sorted(out.glob("merges/*.jsonl"))
              for line in f.read_text().splitlines()]
    assert any(m["rule"] == "manual" and m["surface"] == "AMD MI250X" for m in merges)
    capsys.readouterr()
    assert main(["explain", "MI250X", "--out", str(out), "--json"]) == 0
    nodes = {n["id"]: n for n in json.loads(capsys.readouterr().out)["nodes"]}
    forms = {a["surface"] for a in nodes["hardware:mi250x"]["aliases"]}
    assert "AMD MI250X" not in forms and "MI250X" in forms


def test_bad_overrides_fail_before_reading(tmp_path, capsys):
    rules = tmp_path / "ov.toml"
    rules.write_text('same = [["A", "B"]]\ndifferent = [["b", "a"]]\n', encoding="utf-8")
    assert main(["build", "--sample", "--out", str(tmp_path / "out"), "--overrides", str(rules)]) == 2
    assert "ov.toml:2" in capsys.readouterr().err
    assert not (tmp_path / "out" / "state.json").exists()
