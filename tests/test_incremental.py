"""Incremental and resumable builds: a re-run extracts only new or changed papers and builds the graph a full
build would; a build killed with SIGKILL and started again loses and duplicates nothing."""
from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kgbuild.job import run_build
from kgbuild.models import Extraction
from kgbuild.readers import read_papers
from kgbuild.shards import read_manifest
from kgbuild.state import STATE_FILE, ExtractionStore

_spec = importlib.util.spec_from_file_location("make_corpus", Path(__file__).parents[1] / "scripts" / "make_corpus.py")
make_corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_corpus)


def write_corpus(path: Path, n: int, *, seed: int = 5, edits: dict[int, str] | None = None,
                 drop: set[int] = frozenset()) -> Path:
    """``n`` synthetic papers as JSONL; ``edits`` replaces abstracts by index, ``drop`` leaves papers out."""
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            if i in drop:
                continue
            record = make_corpus.make_paper(seed, i)
            if edits and i in edits:
                record["abstract"] = edits[i]
            fh.write(json.dumps(record) + "\n")
    return path


def build(src: Path, out: Path, **options):
    options = {"sinks": ["rdf"], "whole_rdf_max_triples": 0, "shard_size": 25, "shard_rows": 5_000, **options}
    return run_build([src], out, **options)


def ntriples(out: Path) -> list[str]:
    """Every N-Triples line of the shards the manifest lists, sorted."""
    lines: list[str] = []
    for entry in read_manifest(out)["outputs"]["ntriples"]:
        lines += (out / entry["file"]).read_text(encoding="utf-8").splitlines()
    return sorted(lines)


def live_lines(out: Path) -> list[str]:
    return [e.model_dump_json() for e in ExtractionStore(out).extractions()]


EDIT = ("We propose QuietSpec, a speculative decoding method. On NVIDIA H100 GPUs, QuietSpec achieves a 3.1x "
        "speedup over vLLM on MMLU with Llama 2 7B.")


def test_rerun_extracts_only_new_and_changed_papers_and_equals_a_full_build(tmp_path):
    out = tmp_path / "out"
    first = build(write_corpus(tmp_path / "a.jsonl", 60), out)
    assert (first.extracted, first.reused, first.papers) == (60, 0, 60)
    again = build(tmp_path / "a.jsonl", out)
    assert (again.extracted, again.reused) == (0, 60)
    before = ntriples(out)

    grown = write_corpus(tmp_path / "b.jsonl", 80, edits={3: EDIT, 7: EDIT.replace("3.1x", "2.2x")})
    third = build(grown, out)
    assert (third.extracted, third.reused, third.papers) == (22, 58, 80)
    full = build(grown, tmp_path / "full", full=True)
    assert full.extracted == 80
    assert ntriples(out) == ntriples(tmp_path / "full") != before
    assert any("QuietSpec" in line for line in ntriples(out))
    assert sorted(live_lines(out)) == sorted(live_lines(tmp_path / "full"))


def test_removed_papers_leave_the_graph(tmp_path):
    out = tmp_path / "out"
    build(write_corpus(tmp_path / "a.jsonl", 50), out)
    fewer = write_corpus(tmp_path / "b.jsonl", 50, drop={0, 1, 2, 30})
    summary = build(fewer, out)
    assert (summary.extracted, summary.papers) == (0, 46)
    build(fewer, tmp_path / "full")
    assert ntriples(out) == ntriples(tmp_path / "full")


def test_superseded_extractions_are_compacted_away(tmp_path):
    out = tmp_path / "out"
    build(write_corpus(tmp_path / "a.jsonl", 30), out)
    for round in (1, 2):
        edits = {i: f"{EDIT} Round {round}, paper {i}." for i in range(30)}
        edited = write_corpus(tmp_path / "a.jsonl", 30, edits=edits)
        build(edited, out)
    store = ExtractionStore(out)
    assert store.stored == 30, "three generations of 30 papers were compacted to the live 30"
    on_disk = sorted(p.name for p in (out / "extractions").iterdir())
    assert on_disk == sorted(n for s in store.shards for n in (Path(s.file).name, Path(s.index).name))
    build(edited, tmp_path / "full")
    assert ntriples(out) == ntriples(tmp_path / "full")


def test_a_changed_extractor_extracts_everything_again(tmp_path, monkeypatch):
    out = tmp_path / "out"
    src = write_corpus(tmp_path / "a.jsonl", 20)
    build(src, out)
    old = {p.name for p in (out / "extractions").iterdir()}
    import kgbuild.state

    monkeypatch.setattr(kgbuild.state, "extractor_fingerprint", lambda: "another extractor")
    summary = build(src, out)
    assert (summary.extracted, summary.reused) == (20, 0)
    assert not old & {p.name for p in (out / "extractions").iterdir()}, "the old shards are gone"
    assert json.loads((out / STATE_FILE).read_text())["fingerprint"] == "another extractor"


def test_store_loads_are_idempotent(tmp_path):
    from kgbuild.sinks.cypher_store import query_cypher
    from kgbuild.sinks.sparql_store import query_sparql

    src, out = write_corpus(tmp_path / "a.jsonl", 15), tmp_path / "out"
    counts = []
    for _ in range(2):
        build(src, out, sinks=["rdf", "sparql-store", "cypher-store"])
        triples = query_sparql(out / "sparql-store", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")[0]["n"]
        nodes = query_cypher(out / "cypher-store", "MATCH (n) RETURN count(n) AS n")[0]["n"]
        counts.append((triples, nodes))
    assert counts[0] == counts[1]
    assert counts[0][0] == len(set(ntriples(out)))


def test_sigkill_mid_build_loses_and_duplicates_nothing(tmp_path):
    src, out = write_corpus(tmp_path / "big.jsonl", 1200, seed=11), tmp_path / "out"
    cmd = [sys.executable, "-m", "kgbuild.cli", "build", str(src), "--out", str(out), "--to", "gexf",
           "--shard-size", "50"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ,
                            "PYTHONPATH": str(Path(__file__).parents[1])})
    deadline = time.monotonic() + 60
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            committed = len(json.loads((out / STATE_FILE).read_text())["shards"])
        except (OSError, ValueError, KeyError):
            committed = 0
        if committed >= 2:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, f"the build should be killed mid-run: {proc.stderr.read()[-2000:]}"
    killed = ExtractionStore(out)
    assert 0 < len(killed.papers) < 1200, "killed after some shards and before the end"

    resumed = run_build([src], out, sinks=[], shard_size=50)
    assert resumed.reused >= len(killed.papers) and resumed.extracted + resumed.reused == 1200
    assert not list((out / "extractions").glob("*.tmp")), "no temporary left"
    store = ExtractionStore(out)
    lines = [line for s in store.shards for line in (out / s.file).read_text(encoding="utf-8").splitlines()]
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == len(set(ids)) == 1200, "every paper stored exactly once"

    from kgbuild.extract import extract

    expected = sorted(e.model_dump_json() for e in extract(read_papers([src])))
    assert sorted(Extraction.model_validate_json(line).model_dump_json() for line in lines) == expected
