"""Scale: the synthetic corpus, sharded outputs with their manifest, and the same graph from one process, local
worker processes and a Dask cluster."""
from __future__ import annotations

import hashlib
import io
import json

import pytest

from kgbuild.errors import KgbuildError
from kgbuild.job import run_build
from kgbuild.readers import ReadReport, read_papers
from kgbuild.readers.daily import parse_daily
from kgbuild.readers.jsonl import parse_jsonl
from kgbuild.shards import read_manifest
from kgbuild.state import ExtractionStore
from test_incremental import build, make_corpus, ntriples, write_corpus


def corpus_text(n: int, **options) -> str:
    buffer = io.StringIO()
    make_corpus.write_corpus(n, buffer, **options)
    return buffer.getvalue()


def test_synthetic_corpus_is_deterministic_prefix_stable_and_partly_malformed():
    text = corpus_text(400, seed=3, bad_rate=0.05)
    assert text == corpus_text(400, seed=3, bad_rate=0.05) != corpus_text(400, seed=4, bad_rate=0.05)
    prefix = corpus_text(150, seed=3, bad_rate=0.05).splitlines()
    assert text.splitlines()[:150] == prefix, "a smaller corpus is a prefix of a larger one"
    report = ReadReport()
    papers = list(read_papers_from(text, report))
    assert 300 < len(papers) < 400 and report.skipped > 5
    claims = sum("faster" in p.abstract or "speedup" in p.abstract or "%" in p.abstract for p in papers)
    assert claims > len(papers) / 2, "most abstracts carry a speed claim"

    daily = list(parse_daily(corpus_text(200, seed=3, format="daily", bad_rate=0.05), "d.txt",
                             handle_error=lambda e: None))
    assert 170 < len(daily) <= 200
    assert {p.title for p in daily} <= {p.title for p in parse_jsonl(corpus_text(200, seed=3, bad_rate=0))}


def read_papers_from(text: str, report: ReadReport):
    return parse_jsonl(text, "corpus.jsonl", handle_error=report.record_skip)


def test_outputs_are_sharded_and_listed_with_counts_and_sha256(tmp_path):
    src, out = write_corpus(tmp_path / "a.jsonl", 40), tmp_path / "out"
    summary = build(src, out, shard_size=15, shard_rows=2_000)
    manifest = read_manifest(out)
    shards = manifest["outputs"]["ntriples"]
    assert len(shards) > 2 and all(e["file"].startswith("graph-") for e in shards)
    assert sum(e["records"] for e in shards) == summary.triples == manifest["triples"]
    assert [e["records"] for e in manifest["outputs"]["extractions"]] == [40]
    assert [s.records for s in ExtractionStore(out).shards] == [15, 15, 10], "committed 15 papers at a time"
    for entries in manifest["outputs"].values():
        for entry in entries:
            data = (out / entry["file"]).read_bytes()
            assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["bytes"], entry["sha256"])
    lines = ntriples(out)

    build(src, out, shard_rows=1_000_000)
    assert [e["file"] for e in read_manifest(out)["outputs"]["ntriples"]] == ["graph.nt"]
    assert not list(out.glob("graph-*.nt")), "the numbered shards of the previous build are removed"
    assert ntriples(out) == lines


def test_a_damaged_shard_is_detected(tmp_path):
    src, out = write_corpus(tmp_path / "a.jsonl", 10), tmp_path / "out"
    build(src, out)
    shard = out / "extractions" / "part-000001.jsonl"
    shard.write_text(shard.read_text().replace('"title"', '"title" ', 1))
    with pytest.raises(KgbuildError, match="part-000001.jsonl: contents differ .* --full"):
        build(src, out)
    assert build(src, out, full=True).extracted == 10
    (out / "state.json").write_text('{"format": 1, "shards": [')  # a state cut short by hand
    with pytest.raises(KgbuildError, match="state.json: cannot read the build state .* --full"):
        build(src, out)
    assert build(src, out, full=True).extracted == 10
    assert sorted(p.name for p in (out / "extractions").iterdir()) == ["part-000001.ids.json", "part-000001.jsonl"]


def test_local_workers_give_the_same_graph(tmp_path):
    src = write_corpus(tmp_path / "a.jsonl", 60)
    build(src, tmp_path / "one")
    two = build(src, tmp_path / "two", workers=2)
    assert two.extracted == 60
    assert ntriples(tmp_path / "two") == ntriples(tmp_path / "one")


def test_dask_cluster_gives_the_same_graph(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    import kgbuild.engines

    src = write_corpus(tmp_path / "a.jsonl", 50)
    build(src, tmp_path / "local")
    monkeypatch.setattr(kgbuild.engines, "DASK_CHUNK", 8)  # several tasks, several in flight
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        summary = build(src, tmp_path / "dask", engine="dask", scheduler=cluster.scheduler_address)
    assert summary.extracted == 50
    assert ntriples(tmp_path / "dask") == ntriples(tmp_path / "local")
    lines = (tmp_path / "dask" / "extractions" / "part-000001.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == sorted(json.loads(line)["id"] for line in lines), \
        "extractions keep input order"


def test_unknown_engine_is_a_clear_error(tmp_path):
    with pytest.raises(KgbuildError, match="--engine 'spark'.*local, dask"):
        build(write_corpus(tmp_path / "a.jsonl", 2), tmp_path / "out", engine="spark")
