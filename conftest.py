"""Doctest namespace for every module: ``kg`` is the KnowledgeGraph of the six-paper fixture corpus and
``small_graph`` its MultiDiGraph (a fresh copy per doctest, so a doctest may change it).

It lives at the root because ``tests/conftest.py`` does not reach the doctests in ``kgbuild/``; both read the same
fixture files under ``tests/fixtures/graph/``.
"""
from __future__ import annotations

from pathlib import Path

import pytest

_FIXTURES = Path(__file__).parent / "tests" / "fixtures" / "graph"


@pytest.fixture(scope="session")
def _doctest_kg():
    from kgbuild.graph import KnowledgeGraph
    from kgbuild.models import Extraction
    from kgbuild.resolve import Lexicon

    with (_FIXTURES / "small_extractions.jsonl").open(encoding="utf-8") as f:
        records = [Extraction.model_validate_json(line) for line in f if line.strip()]
    return KnowledgeGraph.from_extractions(records, lexicon=Lexicon.from_dir(_FIXTURES / "lexicon"))


@pytest.fixture(autouse=True)
def _add_doctest_names(request, doctest_namespace):
    # only doctests need the graph; building it for every test would import the whole pipeline for nothing
    if request.node.__class__.__name__ == "DoctestItem":
        kg = request.getfixturevalue("_doctest_kg")
        doctest_namespace["kg"] = kg
        doctest_namespace["small_graph"] = kg.graph.copy()


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    """A rule module installed compiled (see setup.py) is imported as its extension module, which pytest's doctest
    collector refuses to pair with the ``.py``; `tests/test_compiled.py` runs those doctests from the source."""
    if collection_path.suffix == ".py" and collection_path.parent.name == "extract":
        if any(collection_path.parent.glob(collection_path.stem + ".*.so")):
            return True
    return None
