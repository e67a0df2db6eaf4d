"""Where extraction runs: in this process, in local worker processes, or on a Dask cluster.

Every engine yields one JSON line per paper (an `Extraction`, as `kgbuild extract` writes it) in input order, and
holds only a bounded number of papers at a time, so the shards it feeds are the same whatever ran the work. Workers
send back text, not pydantic objects: unpickling Extractions cost the main process more than the extraction saved.
The unit of work is a chunk of papers, extracted by `extract_chunk` exactly as one process would.
"""
from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from .errors import KgbuildError
from .models import Paper

__all__ = ["ENGINES", "LOCAL_CHUNK", "DASK_CHUNK", "extract_chunk", "extract_lines"]

ENGINES = ("local", "dask")
#: Papers per task for local worker processes (the extraction pipeline's batch).
LOCAL_CHUNK = 64
#: Papers per Dask task: big enough to amortise scheduling, small enough to keep tasks light (~0.5 MB).
DASK_CHUNK = 256


def extract_chunk(papers: list[Paper]) -> list[str]:
    """Extract one chunk of papers in the calling process: one JSON line (no newline) per paper, in order."""
    from .extract import extract

    return [e.model_dump_json(exclude_none=True) for e in extract(papers, workers=1)]


def _chunks(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    it = iter(papers)
    while chunk := list(islice(it, size)):
        yield chunk


def extract_lines(papers: Iterable[Paper], engine: str = "local", *, workers: int = 1, scheduler: str | None = None,
                  chunk: int | None = None) -> Iterator[str]:
    """Extract ``papers`` on ``engine``; yield one JSON line per paper in input order.

    Parameters
    ----------
    engine : {"local", "dask"}
        ``local`` runs in this process (``workers`` = 1) or in ``workers`` forked processes; ``dask`` sends chunks
        of ``chunk`` papers (default `DASK_CHUNK`) to the Dask scheduler at ``scheduler`` (``tcp://host:8786``),
        or to a LocalCluster of ``workers`` processes started for the run when no address is given.
    workers : int
        Local processes, or the LocalCluster's size; on a remote scheduler, tasks in flight are 2 × its workers.

    Examples
    --------
    >>> from kgbuild.models import Extraction, Paper
    >>> line, = extract_lines([Paper(id="p1", title="T", abstract="We use an A100 GPU.")])
    >>> [e.name for e in Extraction.model_validate_json(line).entities]
    ['A100']
    """
    if engine not in ENGINES:
        raise KgbuildError(f"--engine {engine!r}: unknown — choose one of {', '.join(ENGINES)}")
    if workers < 1:
        raise KgbuildError(f"--workers {workers}: use 1 or more")
    if engine == "dask":
        return _extract_on_dask(papers, workers=workers, scheduler=scheduler, chunk=chunk or DASK_CHUNK)
    return _extract_locally(papers, workers=workers, chunk=chunk or LOCAL_CHUNK)


def _extract_locally(papers: Iterable[Paper], *, workers: int, chunk: int) -> Iterator[str]:
    if workers == 1:
        for part in _chunks(papers, chunk):
            yield from extract_chunk(part)
        return
    methods = mp.get_all_start_methods()
    if "fork" in methods:  # workers inherit the loaded pipeline instead of each loading spaCy again
        from .extract.pipeline import load_pipeline

        load_pipeline()
    ctx = mp.get_context("fork" if "fork" in methods else None)
    with ctx.Pool(workers) as pool:
        # imap takes tasks as the workers free up: only a few chunks are ever in flight
        for lines in pool.imap(extract_chunk, _chunks(papers, chunk), chunksize=1):
            yield from lines


def _extract_on_dask(papers: Iterable[Paper], *, workers: int, scheduler: str | None,
                     chunk: int) -> Iterator[str]:
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise KgbuildError("--engine dask needs dask.distributed — pip install 'kgbuild[dask]'") from e
    cluster: Any = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
    except (OSError, TimeoutError) as e:
        where = scheduler or "a LocalCluster"
        raise KgbuildError(f"--engine dask: cannot reach {where} ({e}) — check the --scheduler address "
                           "(tcp://host:8786) and that `dask scheduler` runs there") from e
    try:
        in_flight = max(2, 2 * len(client.scheduler_info().get("workers", {})))
        pending: deque[Any] = deque()
        for part in _chunks(papers, chunk):
            pending.append(client.submit(extract_chunk, part, pure=False))
            if len(pending) >= in_flight:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
