"""Sharded output files written atomically, and the manifest that lists them with counts and sha256.

A shard is written to ``<name>.tmp``, flushed to disk and renamed into place, so a reader (or a build started again
after a crash) sees either the whole shard or none of it. ``manifest.json`` in the output folder names every file a
build wrote, with its record count and sha256.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from .errors import SinkError

__all__ = [
    "MANIFEST_FILE",
    "ShardRecord",
    "AtomicFile",
    "open_for_write",
    "commit_file",
    "write_atomic",
    "ShardWriter",
    "write_shards",
    "sha256_file",
    "shard_name",
    "read_manifest",
    "manifest_files",
    "write_manifest",
    "output_error",
]

MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class ShardRecord:
    """One file of an output: its path relative to the output folder, records (lines or rows), bytes, sha256."""

    file: str
    records: int | None
    bytes: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def open_for_write(path: Path) -> IO[bytes]:
    """Open ``path`` for writing bytes; every shard and state file goes through here (tests swap it to fail)."""
    return open(path, "wb")


def output_error(path: Path, e: OSError, what: str) -> SinkError:
    """A `SinkError` naming the file that failed (``e.filename``, else ``path``) and the fix for a full disk or an
    unwritable folder."""
    path = Path(e.filename) if e.filename else path
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free disk space (or choose another --out), then run the same command again: it resumes"
    elif e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "make the folder writable or choose another --out, then run the same command again: it resumes"
    else:
        fix = "choose a writable --out folder, then run the same command again: it resumes"
    return SinkError(f"{path}: cannot write {what} ({e.strerror or e}) — {fix}")


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (no-op where directories cannot be opened, as on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def commit_file(tmp: Path, final: Path) -> None:
    """Rename a fully written, fsynced ``tmp`` over ``final`` and make the rename durable."""
    os.replace(tmp, final)
    fsync_dir(final.parent)


class AtomicFile:
    """A file written under ``<name>.tmp`` while its bytes are counted and hashed; `commit` fsyncs and renames it."""

    def __init__(self, final: Path) -> None:
        self.final = final
        self.tmp = final.with_name(final.name + ".tmp")
        self.sha = hashlib.sha256()
        self.size = 0
        self.records = 0
        self.fh = self._named(open_for_write, self.tmp)

    def _named(self, call: Any, *args: Any) -> Any:
        """Run ``call``; an OSError without a file name gets this file's, so messages say which file failed."""
        try:
            return call(*args)
        except OSError as e:
            if e.filename is None:
                e.filename = str(self.tmp)
            raise

    def write(self, data: bytes, records: int = 1) -> None:
        self._named(self.fh.write, data)
        self.sha.update(data)
        self.size += len(data)
        self.records += records

    def commit(self, final: Path | None = None, root: Path | None = None) -> ShardRecord:
        final = final or self.final
        self._named(self.fh.flush)
        self._named(os.fsync, self.fh.fileno())
        self._named(self.fh.close)
        commit_file(self.tmp, final)
        name = final.relative_to(root).as_posix() if root else final.name
        return ShardRecord(name, self.records, self.size, self.sha.hexdigest())

    def abort(self) -> None:
        try:
            self.fh.close()
        except OSError:
            pass
        self.tmp.unlink(missing_ok=True)


def write_atomic(path: str | Path, data: bytes | str, root: Path | None = None) -> ShardRecord:
    """Write ``data`` to ``path`` through a temporary file, fsync and rename; return its `ShardRecord`.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     write_atomic(Path(d) / "a.txt", "one\\ntwo\\n").records
    2
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    writer = AtomicFile(path)
    try:
        writer.write(raw, records=raw.count(b"\n"))
        return writer.commit(root=root)
    except OSError:
        writer.abort()
        raise


def shard_name(stem: str, suffix: str, index: int, single: bool) -> str:
    """``graph.nt`` for the only shard of an output, ``graph-00003.nt`` when there are several.

    >>> shard_name("graph", ".nt", 0, True), shard_name("graph", ".nt", 3, False)
    ('graph.nt', 'graph-00003.nt')
    """
    return f"{stem}{suffix}" if single else f"{stem}-{index:05d}{suffix}"


_LINES_PER_WRITE = 4096


class ShardWriter:
    """Lines into shards of at most ``per_shard`` lines, each committed atomically; ``records`` lists them at close.

    One shard keeps the plain name (``graph.nt``); more are numbered (``graph-00000.nt``, ``graph-00001.nt`` …), so
    a shard is committed once the next one starts, or at `close`. ``header``, when given, opens every shard and is
    not counted. Nothing but the shard being written is held in memory; no lines still make one empty shard.
    """

    def __init__(self, folder: str | Path, stem: str, suffix: str, per_shard: int, *, header: str | None = None,
                 root: Path | None = None) -> None:
        if per_shard < 1:
            raise ValueError(f"per_shard={per_shard} — use 1 or more")
        self.folder, self.stem, self.suffix, self.per_shard = Path(folder), stem, suffix, per_shard
        self.header, self.root = header, root
        self.records: list[ShardRecord] = []
        self.folder.mkdir(parents=True, exist_ok=True)
        self._full: AtomicFile | None = None  # a filled shard waiting to learn whether it is the only one
        self._pending: list[str] = []
        self._current = self._open(0)

    def _open(self, index: int) -> AtomicFile:
        shard = AtomicFile(self.folder / shard_name(self.stem, self.suffix, index, False))
        if self.header is not None:
            shard.write((self.header + "\n").encode("utf-8"), records=0)
        return shard

    def write(self, line: str) -> None:
        """Append one line (without its newline)."""
        if self._current.records + len(self._pending) >= self.per_shard:
            self._flush()
            self._commit_full()
            self._full, self._current = self._current, self._open(len(self.records) + 1)
        self._pending.append(line)
        if len(self._pending) >= _LINES_PER_WRITE:
            self._flush()

    def _flush(self) -> None:
        """Lines go to the file, the hash and the counts a few thousand at a time: per line, those calls were
        a third of the time of writing N-Triples."""
        if self._pending:
            self._current.write(("\n".join(self._pending) + "\n").encode("utf-8"), records=len(self._pending))
            self._pending.clear()

    def _commit_full(self) -> None:
        if self._full is not None:
            self.records.append(self._full.commit(root=self.root))
            self._full = None

    def close(self) -> list[ShardRecord]:
        """Commit what is left and return the records of every shard."""
        self._flush()
        single = self._full is None and not self.records
        self._commit_full()
        index = len(self.records)
        self.records.append(self._current.commit(self.folder / shard_name(self.stem, self.suffix, index, single),
                                                 self.root))
        return self.records

    def abort(self) -> None:
        """Remove the uncommitted temporaries (after an error)."""
        self._pending.clear()
        for shard in (self._full, self._current):
            if shard is not None:
                shard.abort()


def write_shards(lines: Iterable[str], folder: str | Path, stem: str, suffix: str, per_shard: int, *,
                 header: str | None = None, root: Path | None = None) -> list[ShardRecord]:
    """Stream ``lines`` (no trailing newline) through a `ShardWriter`; return the records of its shards.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     [(r.file, r.records) for r in write_shards(map(str, range(5)), d, "n", ".txt", 2)]
    [('n-00000.txt', 2), ('n-00001.txt', 2), ('n-00002.txt', 1)]
    """
    writer = ShardWriter(folder, stem, suffix, per_shard, header=header, root=root)
    try:
        for line in lines:
            writer.write(line)
        return writer.close()
    except BaseException:
        writer.abort()
        raise


def sha256_file(path: str | Path) -> tuple[int, str]:
    """``(bytes, sha256 hex)`` of a file, read in 1 MiB blocks."""
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            sha.update(block)
            size += len(block)
    return size, sha.hexdigest()


def read_manifest(out: str | Path) -> dict[str, Any]:
    """The manifest of an output folder, or an empty one when there is none (or it is damaged)."""
    try:
        data = json.loads((Path(out) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"outputs": {}}
    return data if isinstance(data, dict) and isinstance(data.get("outputs"), dict) else {"outputs": {}}


def manifest_files(manifest: dict[str, Any], keys: Iterable[str] | None = None) -> set[str]:
    """Every file a manifest names (under the output names ``keys``, default all), relative to its folder."""
    outputs = manifest.get("outputs", {})
    return {entry["file"] for key, entries in outputs.items() if keys is None or key in keys
            for entry in entries if isinstance(entry, dict) and "file" in entry}


def write_manifest(out: str | Path, outputs: dict[str, list[ShardRecord]], *, keep: tuple[str, ...] = (),
                   **facts: Any) -> Path:
    """Write ``manifest.json`` atomically, then remove files of the outputs written again that are gone from it.

    Only files the previous manifest named under an output of this one (``ntriples`` shards when their number
    shrank, say) are removed, never those under the folders in ``keep``; outputs this build did not write are left
    on disk and out of the manifest.
    """
    out = Path(out)
    data = {**facts, "outputs": {name: [r.as_dict() for r in records] for name, records in outputs.items()}}
    stale = manifest_files(read_manifest(out), keys=outputs) - manifest_files(data)
    stale = {name for name in stale if not name.startswith(tuple(f"{k}/" for k in keep))}
    write_atomic(out / MANIFEST_FILE, json.dumps(data, indent=1, sort_keys=True) + "\n")
    root = out.resolve()
    for name in sorted(stale):
        path = (out / name).resolve()
        if root in path.parents:
            path.unlink(missing_ok=True)
    return out / MANIFEST_FILE
