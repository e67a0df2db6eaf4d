"""The Python API entry: read papers, extract, resolve and build the graph in one call."""
from __future__ import annotations

from collections.abc import Iterable
from os import PathLike
from typing import TYPE_CHECKING, Literal

from .graph import KnowledgeGraph
from .overrides import OverridesLike, as_overrides
from .resolve import Lexicon, canonical_id

if TYPE_CHECKING:  # pragma: no cover
    from .readers import ReadReport

__all__ = ["build", "canonical_id", "KnowledgeGraph"]


def build(
    paths: str | PathLike[str] | Iterable[str | PathLike[str]],
    format: str | None = None,
    on_error: Literal["fail", "skip"] = "fail",
    workers: int = 1,
    *,
    report: ReadReport | None = None,
    lexicon: Lexicon | None = None,
    overrides: OverridesLike = None,
) -> KnowledgeGraph:
    """Build the knowledge graph of the abstracts in ``paths``.

    Parameters
    ----------
    paths : path or iterable of paths
        Files or directories of papers, in any format `kgbuild.readers` knows.
    format : str, optional
        Reader name forcing one format for all paths; detected per file by default.
    on_error : {"fail", "skip"}
        On an unreadable record, raise (default) or skip it and count it in ``report``.
    workers : int
        Extraction processes; 1 runs in this process.
    report : kgbuild.readers.ReadReport, optional
        Receives what was read and skipped.
    lexicon : Lexicon, optional
        Resolve against these data files instead of the shipped ``kgbuild/extract/data``.
    overrides : path, dict or Overrides, optional
        A TOML file of ``same`` and ``different`` name lists (`kgbuild.overrides`), applied after every rule.

    Returns
    -------
    KnowledgeGraph

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "papers.jsonl"
    ...     _ = path.write_text(json.dumps({"id": "p1", "title": "Faster decoding on MI250X",
    ...                                     "abstract": "We run Llama 2 7B on AMD MI250X GPUs."}) + "\\n")
    ...     graph = build(path)
    >>> graph.counts()["Paper"]
    1
    """
    if on_error not in ("fail", "skip"):
        raise ValueError(f"on_error={on_error!r} — use 'fail' or 'skip'")
    if workers < 1:
        raise ValueError(f"workers={workers} — use 1 or more")
    overrides = as_overrides(overrides)      # a bad file fails before any paper is read
    from .extract import extract
    from .readers import read_papers

    papers = read_papers(paths, format=format, on_error=on_error, report=report)
    return KnowledgeGraph.from_extractions(extract(papers, workers=workers), lexicon=lexicon, overrides=overrides)
