"""The incremental state of an output folder: which papers were extracted, from what content, into which shard.

Extractions live in append-only JSONL shards under ``extractions/``; each shard has a sidecar ``.ids.json`` mapping
its paper ids to content hashes. ``state.json`` lists the committed shards in order and is replaced atomically after
each shard is on disk, so a build killed at any moment leaves a state that names only complete shards: the next run
deletes uncommitted files, extracts what is missing and never counts a paper twice. A paper later in the shard list
supersedes its earlier extraction; `ExtractionStore.compact` rewrites the shards when most lines are superseded.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import KgbuildError
from .models import EXTRACTOR_VERSION, Extraction, Paper
from .shards import ShardRecord, AtomicFile, output_error, write_atomic

__all__ = ["STATE_FILE", "EXTRACTIONS_DIR", "extractor_fingerprint", "content_hash", "ExtractionStore"]

STATE_FILE = "state.json"
EXTRACTIONS_DIR = "extractions"
_FORMAT = 1
_SHARD = re.compile(r"^part-(\d{6})\.(jsonl|ids\.json)(\.tmp)?$")


@lru_cache(maxsize=1)
def extractor_fingerprint() -> str:
    """sha256 of the extractor's version, code and data files: when any changes, every paper is extracted again."""
    root = Path(__file__).resolve().parent / "extract"
    sha = hashlib.sha256(EXTRACTOR_VERSION.encode())
    for path in sorted([*root.glob("*.py"), *(root / "data").glob("*.jsonl")]):
        sha.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def content_hash(paper: Paper) -> str:
    """What an extraction depends on: the extractor fingerprint and the paper's text fields (not where it was read).

    >>> a = Paper(id="p1", title="T", abstract="A.", source="a.jsonl:1")
    >>> content_hash(a) == content_hash(a.model_copy(update={"source": "b.jsonl:9"}))
    True
    """
    fields = paper.model_dump(exclude={"source"})
    data = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((extractor_fingerprint() + "\0" + data).encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass
class _Shard:
    number: int
    records: int
    sha256: str

    @property
    def file(self) -> str:
        return f"{EXTRACTIONS_DIR}/part-{self.number:06d}.jsonl"

    @property
    def index(self) -> str:
        return f"{EXTRACTIONS_DIR}/part-{self.number:06d}.ids.json"


def _entry(shard: int, digest: str) -> bytes:
    """A paper's shard number and content hash in one bytes object: a tuple of an int and a str took ~250 bytes a
    paper, 242 MiB for the state of a million papers.

    >>> e = _entry(12, "9f2c"); (_shard_of(e), _digest(e))
    (12, '9f2c')
    """
    return shard.to_bytes(4, "big") + digest.encode("utf-8", "surrogatepass")


def _shard_of(entry: bytes) -> int:
    return int.from_bytes(entry[:4], "big")


def _digest(entry: bytes) -> str:
    return entry[4:].decode("utf-8", "surrogatepass")


class ExtractionStore:
    """The extraction shards and state of one output folder.

    Examples
    --------
    >>> import tempfile
    >>> from kgbuild.models import Extraction
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = ExtractionStore(d)
    ...     with store.writer(shard_size=2) as w:
    ...         for i in range(3):
    ...             w.add(Extraction(id=f"p{i}", title="T"), f"h{i}")
    ...     [e.id for e in ExtractionStore(d).extractions({"p0", "p2"})]
    ['p0', 'p2']
    """

    def __init__(self, out: str | Path, *, fresh: bool = False) -> None:
        self.out = Path(out)
        self.folder = self.out / EXTRACTIONS_DIR
        self.shards: list[_Shard] = []
        #: paper id -> shard number and content hash of its current extraction, packed by `_entry`
        self.papers: dict[str, bytes] = {}
        self.next_number = 1
        try:
            state = self._read_state()
        except KgbuildError:
            if not fresh:
                raise
            state = {}  # starting over: a damaged state only means its files are removed as uncommitted
        shards = [_Shard(int(e["number"]), int(e["records"]), str(e["sha256"])) for e in state.get("shards", [])]
        #: shards of a state that cannot be reused (``fresh``, or the extractor changed): removed at the next commit
        self.obsolete: list[_Shard] = []
        if fresh or state.get("fingerprint") not in (None, extractor_fingerprint()):
            self.obsolete, shards = shards, []
        for shard in shards:
            self.shards.append(shard)
            for pid, digest in self._read_index(shard).items():
                self.papers[pid] = _entry(shard.number, digest)
        self.next_number = max([s.number for s in shards + self.obsolete], default=0) + 1

    # ---- reading the state -------------------------------------------------------------------------------------
    def _read_state(self) -> dict[str, Any]:
        path = self.out / STATE_FILE
        if not path.exists():
            return {}
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            if state.get("format") != _FORMAT:
                raise ValueError(f"format {state.get('format')!r}, expected {_FORMAT}")
            return state
        except (OSError, ValueError, AttributeError) as e:
            raise KgbuildError(f"{path}: cannot read the build state ({e}) — run `kgbuild build --full` to "
                               "extract everything again") from e

    def _read_index(self, shard: _Shard) -> dict[str, str]:
        path = self.out / shard.index
        try:
            index = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise KgbuildError(f"{path}: cannot read the shard index ({e}) — run `kgbuild build --full` to "
                               "extract everything again") from e
        return index

    def remove_uncommitted(self) -> None:
        """Delete shard files a killed run left behind: temporaries and shards the state does not list.

        Call it only while holding the folder (as `kgbuild.job.run_build` does): a build running there would lose
        the shard it is writing.
        """
        if not self.folder.is_dir():
            return
        committed = {s.number for s in self.shards + self.obsolete}
        for path in self.folder.iterdir():
            match = _SHARD.match(path.name)
            if match and (match.group(3) or int(match.group(1)) not in committed):
                path.unlink(missing_ok=True)

    # ---- what to extract -----------------------------------------------------------------------------------------
    def is_current(self, paper_id: str, digest: str) -> bool:
        """True when ``paper_id`` was extracted from content with this hash."""
        entry = self.papers.get(paper_id)
        return entry is not None and _digest(entry) == digest

    @property
    def stored(self) -> int:
        """Extraction lines in all shards, superseded ones included."""
        return sum(s.records for s in self.shards)

    # ---- writing -------------------------------------------------------------------------------------------------
    def writer(self, shard_size: int) -> _ShardSequence:
        """A context manager taking ``add(extraction, content_hash)``; commits a shard every ``shard_size`` papers."""
        if shard_size < 1:
            raise ValueError(f"shard_size={shard_size} — use 1 or more")
        return _ShardSequence(self, shard_size)

    def _commit(self, added: list[tuple[_Shard, dict[str, str]]], replace: bool = False) -> None:
        """Record written shards: their index files first, then the state naming them (the commit point).

        ``replace`` makes them the only shards (compaction); otherwise they follow the committed ones.
        """
        for shard, index in added:
            write_atomic(self.out / shard.index, json.dumps(index, ensure_ascii=False, separators=(",", ":")))
        shards = ([] if replace else list(self.shards)) + [shard for shard, _ in added]
        state = {"format": _FORMAT, "extractor": EXTRACTOR_VERSION, "fingerprint": extractor_fingerprint(),
                 "shards": [{"number": s.number, "file": s.file, "index": s.index, "records": s.records,
                             "sha256": s.sha256} for s in shards]}
        write_atomic(self.out / STATE_FILE, json.dumps(state, indent=1) + "\n")
        self.shards = shards
        for shard in self.obsolete:
            (self.out / shard.file).unlink(missing_ok=True)
            (self.out / shard.index).unlink(missing_ok=True)
        self.obsolete = []
        if replace:
            self.papers = {}
        for shard, index in added:
            for pid, digest in index.items():
                self.papers[pid] = _entry(shard.number, digest)

    # ---- reading the extractions ---------------------------------------------------------------------------------
    def _lines(self, shard: _Shard) -> Iterator[bytes]:
        path = self.out / shard.file
        sha = hashlib.sha256()
        try:
            with open(path, "rb") as fh:
                for line in fh:
                    sha.update(line)
                    yield line
        except OSError as e:
            raise KgbuildError(f"{path}: cannot read committed extractions ({e.strerror or e}) — run "
                               "`kgbuild build --full` to extract everything again") from e
        if sha.hexdigest() != shard.sha256:
            raise KgbuildError(f"{path}: contents differ from the sha256 in {STATE_FILE} (the file was changed or "
                               "damaged) — run `kgbuild build --full` to extract everything again")

    def live_lines(self, ids: set[str] | None = None) -> Iterator[tuple[str, bytes]]:
        """``(paper id, JSONL line)`` of the current extraction of each paper in ``ids`` (default: all)."""
        for shard in self.shards:
            for line in self._lines(shard):
                pid = json.loads(line)["id"]
                entry = self.papers.get(pid)
                if entry is not None and _shard_of(entry) == shard.number and (ids is None or pid in ids):
                    yield pid, line

    def extractions(self, ids: set[str] | None = None) -> Iterator[Extraction]:
        """Stream the current extraction of each paper in ``ids`` (default: every paper in the state)."""
        for _, line in self.live_lines(ids):
            yield Extraction.model_validate_json(line)

    def compact(self, shard_size: int, ids: set[str] | None = None) -> bool:
        """Rewrite the shards with only current lines (of ``ids``) when over half the stored lines are dead.

        Returns True when it rewrote them. The new shards replace the old in one state write; a crash before it
        leaves the old state in force (the new files are then removed as uncommitted).
        """
        live = len(self.papers) if ids is None else sum(1 for pid in ids if pid in self.papers)
        if not self.shards or self.stored <= 2 * max(live, 1):
            return False
        old = list(self.shards)
        entries = dict(self.papers)   # the commits below replace self.papers
        with _ShardSequence(self, shard_size, replace=True) as w:
            for pid, line in self.live_lines(ids):
                w.add_line(pid, line, _digest(entries[pid]))
        for shard in old:
            (self.out / shard.file).unlink(missing_ok=True)
            (self.out / shard.index).unlink(missing_ok=True)
        return True


class _ShardSequence:
    """Writes extractions into numbered shards, committing each to the state as it fills (or all at the end)."""

    def __init__(self, store: ExtractionStore, shard_size: int, replace: bool = False) -> None:
        self.store = store
        self.shard_size = shard_size
        self.replace = replace
        self.number = store.next_number
        self.writer: AtomicFile | None = None
        self.index: dict[str, str] = {}
        self.pending: list[tuple[_Shard, dict[str, str]]] = []
        self.written: list[ShardRecord] = []

    def __enter__(self) -> _ShardSequence:
        return self

    def add(self, extraction: Extraction, digest: str) -> None:
        """Append one paper's extraction with the content hash it was extracted from."""
        line = (extraction.model_dump_json(exclude_none=True) + "\n").encode("utf-8", "surrogatepass")
        self.add_line(extraction.id, line, digest)

    def add_line(self, paper_id: str, line: bytes, digest: str) -> None:
        """Append one raw JSONL line (ending in a newline) for ``paper_id``."""
        if self.writer is None:
            try:
                self.store.folder.mkdir(parents=True, exist_ok=True)
                self.writer = AtomicFile(self.store.out / f"{EXTRACTIONS_DIR}/part-{self.number:06d}.jsonl")
            except OSError as e:
                raise output_error(self.store.folder, e, "extractions") from e
        try:
            self.writer.write(line)
        except OSError as e:
            raise output_error(self.writer.tmp, e, "extractions") from e
        self.index[paper_id] = digest
        if self.writer.records >= self.shard_size:
            self._close()

    def _close(self) -> None:
        writer, store = self.writer, self.store
        assert writer is not None
        self.writer = None
        try:
            record = writer.commit(root=store.out)
        except OSError as e:
            writer.abort()
            raise output_error(writer.final, e, "extractions") from e
        self.pending.append((_Shard(self.number, record.records, record.sha256), self.index))
        if not self.replace:
            try:
                store._commit(self.pending)
            except OSError as e:
                raise output_error(store.out / STATE_FILE, e, "the build state") from e
            self.pending = []
        self.written.append(record)
        self.index = {}
        self.number += 1
        store.next_number = self.number

    def __exit__(self, kind: Any, value: Any, tb: Any) -> None:
        if kind is not None:  # an error: leave no temporary behind; committed shards stay
            if self.writer is not None:
                self.writer.abort()
                self.writer = None
            return
        if self.writer is not None:
            self._close()
        if self.replace:
            try:
                self.store._commit(self.pending, replace=True)
            except OSError as e:
                raise output_error(self.store.out / STATE_FILE, e, "the build state") from e
