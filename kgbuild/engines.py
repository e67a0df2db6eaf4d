"""Where extraction runs: in this process, in local worker processes, or on a Dask cluster.

Every engine yields the Extractions in input order and holds only a bounded number of papers at a time, so the
shards it feeds are the same whatever ran the work. The unit of work on Dask is a chunk of papers, extracted by
`extract_chunk` exactly as the local engine would.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from .errors import KgbuildError
from .models import Extraction, Paper

__all__ = ["ENGINES", "DASK_CHUNK", "extract_chunk", "extract_with"]

ENGINES = ("local", "dask")
#: Papers per Dask task: big enough to amortise scheduling, small enough to keep tasks light (~0.5 MB).
DASK_CHUNK = 256


def extract_chunk(papers: list[Paper]) -> list[Extraction]:
    """Extract one chunk of papers in the calling process (the task a Dask worker runs)."""
    from .extract import extract

    return list(extract(papers, workers=1))


def _chunks(papers: Iterable[Paper], size: int) -> Iterator[list[Paper]]:
    it = iter(papers)
    while chunk := list(islice(it, size)):
        yield chunk


def extract_with(papers: Iterable[Paper], engine: str = "local", *, workers: int = 1, scheduler: str | None = None,
                 chunk: int | None = None) -> Iterator[Extraction]:
    """Extract ``papers`` in input order on ``engine``.

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
    >>> from kgbuild.models import Paper
    >>> [e.id for e in extract_with([Paper(id="p1", title="T", abstract="We use a GPU.")])]
    ['p1']
    """
    if engine not in ENGINES:
        raise KgbuildError(f"--engine {engine!r}: unknown — choose one of {', '.join(ENGINES)}")
    if workers < 1:
        raise KgbuildError(f"--workers {workers}: use 1 or more")
    if engine == "local":
        from .extract import extract

        return extract(papers, workers=workers)
    return _extract_on_dask(papers, workers=workers, scheduler=scheduler, chunk=chunk or DASK_CHUNK)


def _extract_on_dask(papers: Iterable[Paper], *, workers: int, scheduler: str | None,
                     chunk: int) -> Iterator[Extraction]:
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
