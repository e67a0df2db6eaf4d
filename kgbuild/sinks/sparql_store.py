"""Embedded SPARQL sink: the graph's RDF in an on-disk Oxigraph store, queried in-process with no server.

The store is bulk-loaded from the N-Triples of ``kgbuild.sinks.rdf`` (the stream, or the files a build wrote), so it
holds exactly the triples the RDF files hold. Queries take user values as bound variables, never as text spliced into the query.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..errors import SinkError
from ..graph import GraphLike
from ..iri import node_id
from .rdf import generate_ntriples

__all__ = [
    "QUESTIONS",
    "QUESTIONS_PATH",
    "Question",
    "parse_questions",
    "load_questions",
    "BULK_LOAD_BYTES",
    "load_store",
    "write_sparql_store",
    "open_store",
    "query_sparql",
]

QUESTIONS_PATH = Path(__file__).resolve().parents[2] / "examples" / "questions.sparql"

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {_XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger",
                                      "positiveInteger", "nonPositiveInteger", "negativeInteger",
                                      "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
_FLOAT_TYPES = {_XSD + t for t in ("decimal", "double", "float")}
_HEADER = re.compile(r"^\s*(?:#|//)\s*(name|question|params|columns)\s*:(.*)$")


@dataclass(frozen=True)
class Question:
    """One named question of a questions file: its id, what it asks, parameters, result columns and query text."""

    id: str
    question: str
    params: tuple[str, ...]
    columns: tuple[str, ...]
    query: str


def _names(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def parse_questions(text: str, source: str = "<string>") -> dict[str, Question]:
    """Split a questions file into ``Question`` records keyed by id.

    A question starts at a ``# name: <id>`` line (``// name:`` too, for Cypher files) followed by optional
    ``question:``, ``params:`` and ``columns:`` header lines; non-comment lines before the first question (SPARQL
    ``PREFIX`` declarations) are prepended to every query.

    Examples
    --------
    >>> qs = parse_questions("PREFIX ex: <http://e/>\\n# name: q\\n# params: a, b\\nSELECT ?x $a $b {}\\n")
    >>> qs["q"].params, qs["q"].query.splitlines()[0]
    (('a', 'b'), 'PREFIX ex: <http://e/>')
    """
    preamble: list[str] = []
    questions: dict[str, Question] = {}
    current: dict[str, Any] | None = None

    def finish() -> None:
        if current is None:
            return
        body = "\n".join(current["body"]).strip()
        if not body:
            raise ValueError(f"{source}:{current['line']}: question {current['name']!r} has no query — "
                             "write the query after its header lines")
        query = "\n".join(preamble + [body]) if preamble else body
        questions[current["name"]] = Question(current["name"], current.get("question", ""),
                                              current.get("params", ()), current.get("columns", ()), query + "\n")

    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header and header.group(1) == "name":
            finish()
            name = header.group(2).strip()
            if name in questions:
                raise ValueError(f"{source}:{number}: question {name!r} is defined twice — rename one")
            current = {"name": name, "line": number, "body": []}
        elif current is None:
            if line.strip() and not line.lstrip().startswith(("#", "//")):
                preamble.append(line)
        elif header and not current["body"]:
            key, value = header.group(1), header.group(2).strip()
            current[key] = value if key == "question" else _names(value)
        elif not line.lstrip().startswith(("#", "//")):
            current["body"].append(line)
    finish()
    return questions


def load_questions(path: str | Path = QUESTIONS_PATH) -> dict[str, Question]:
    """Read a questions file (default ``examples/questions.sparql``; the Cypher one has the same layout) into
    ``Question`` records keyed by id."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise SinkError(f"{path}: cannot read the questions file ({e.strerror or e}) — "
                        "pass the path of a questions file (.sparql or .cypher)") from e
    return parse_questions(text, source=str(path))


@cache
def _default_questions() -> Mapping[str, Question]:
    return load_questions()


def __getattr__(name: str) -> Any:
    # QUESTIONS is read on first use so importing the sink never depends on the examples file being present.
    if name == "QUESTIONS":
        return _default_questions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: N-Triples bytes per call of Oxigraph's bulk loader. It holds what it is given in memory until it writes (about
#: 1 KB per triple: ~900 MB for a million-line shard), so a graph is loaded in pieces of ~250,000 triples.
BULK_LOAD_BYTES = 32 << 20


def _pieces_of_lines(lines: Iterable[str], size: int = BULK_LOAD_BYTES) -> Iterator[bytes]:
    piece: list[str] = []
    used = 0
    for line in lines:
        piece.append(line)
        used += len(line) + 1
        if used >= size:
            yield ("\n".join(piece) + "\n").encode("utf-8")
            piece, used = [], 0
    if piece:
        yield ("\n".join(piece) + "\n").encode("utf-8")


def _pieces_of_files(paths: Iterable[str | Path], size: int = BULK_LOAD_BYTES) -> Iterator[bytes]:
    """Each file in blocks of about ``size`` bytes, cut after a newline."""
    for path in paths:
        with open(path, "rb") as fh:
            rest = b""
            while block := fh.read(size):
                block = rest + block
                cut = block.rfind(b"\n") + 1
                if cut:
                    yield block[:cut]
                rest = block[cut:]
            if rest:
                yield rest


def load_store(G: GraphLike | None, store: ox.Store | None = None, *,
               ntriples: Iterable[str | Path] | None = None) -> ox.Store:
    """Bulk-load the graph's N-Triples into ``store`` (default: a new in-memory store) and return it.

    ``ntriples`` names files already holding them (the shards of a build's RDF sink), read instead of generating
    the triples again; ``G`` is then not read. Either way the loader gets pieces of `BULK_LOAD_BYTES`.

    Examples
    --------
    >>> len(load_store(small_graph)) > 0
    True
    """
    store = ox.Store() if store is None else store
    pieces = _pieces_of_files(ntriples) if ntriples is not None else _pieces_of_lines(generate_ntriples(G))
    for piece in pieces:
        store.bulk_load(piece, format=ox.RdfFormat.N_TRIPLES)
    return store


def write_sparql_store(G: GraphLike | None, path: str | Path, overwrite: bool = False, *,
                       ntriples: Iterable[str | Path] | None = None) -> Path:
    """Bulk-load the graph's RDF into an Oxigraph store directory at ``path`` and return the path.

    An existing store there is replaced only with ``overwrite=True``; any other non-empty directory is refused.
    ``ntriples``: the graph's N-Triples files, when they are written already (see `load_store`).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     store = write_sparql_store(small_graph, Path(tmp) / "store")
    ...     query_sparql(store, "q5_vendors_by_claims")[0]["vendor"]
    'AMD'
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise SinkError(f"{path}: is a file — a SPARQL store is a directory; choose another path")
    if path.is_dir() and any(path.iterdir()):
        if not (path / "CURRENT").is_file():
            raise SinkError(f"{path}: directory is not empty and holds no SPARQL store — choose a new path")
        if not overwrite:
            raise SinkError(f"{path}: a SPARQL store is already there — pass overwrite=True to replace it, "
                            "or choose a new path")
    try:
        store = ox.Store(str(path))
        if overwrite:
            store.clear()
        load_store(G, store, ntriples=ntriples)
        store.flush()
    except OSError as e:
        raise SinkError(f"{path}: cannot write the SPARQL store ({e}) — is another process holding it open?") from e
    except SyntaxError as e:  # pragma: no cover - generate_ntriples escapes everything it writes
        raise SinkError(f"{path}: the generated N-Triples did not parse ({e}) — please report this bug") from e
    del store  # release RocksDB's lock now so readers can open the directory
    return path


def open_store(path: str | Path, read_only: bool = True) -> ox.Store:
    """Open an Oxigraph store written by ``write_sparql_store``; read-only by default so readers can share it."""
    path = Path(path)
    if not (path / "CURRENT").is_file():
        raise SinkError(f"{path}: no SPARQL store here — build one with write_sparql_store(graph, path)")
    try:
        return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except OSError as e:
        raise SinkError(f"{path}: cannot open the SPARQL store ({e}) — is another process writing it?") from e


def _term(value: Any) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A caller's value as an RDF term: pyoxigraph terms pass through, Python scalars become typed literals."""
    if isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal)):
        return value
    if isinstance(value, (str, bool, int, float)):
        return ox.Literal(value)
    raise TypeError(f"cannot bind {value!r} ({type(value).__name__}) — pass a str, int, float, bool or a "
                    "pyoxigraph term")


def _value(term: Any) -> Any:
    """A result term as a plain Python value: node IRIs as node ids, literals as int/float/bool/str."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        try:
            return node_id(term.value)
        except ValueError:
            return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGER_TYPES:
                return int(term.value)
            if datatype in _FLOAT_TYPES:
                return float(term.value)
        except ValueError:
            return term.value
        if datatype == _XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return str(term)


def _resolve(query: str | Question, bindings: Mapping[str, Any]) -> tuple[str, str]:
    return resolve_question(query, bindings, _default_questions, _looks_like_sparql, "SPARQL")


def resolve_question(query: str | Question, params: Mapping[str, Any], questions: Any, is_query: Any,
                     language: str) -> tuple[str, str]:
    """The query text and a name for messages, for SPARQL and Cypher alike: a string that is not a query is a
    question id; a question's parameters must all be bound, and only those."""
    if isinstance(query, str) and not is_query(query):
        known = questions()
        if query not in known:
            raise ValueError(f"{query!r} is neither a {language} query nor a question id — known ids: "
                             f"{', '.join(sorted(known))}")
        query = known[query]
    if isinstance(query, Question):
        missing = [p for p in query.params if p not in params]
        extra = [b for b in params if b not in query.params]
        if missing or extra:
            raise ValueError(f"question {query.id!r} takes parameters ({', '.join(query.params) or 'none'}); "
                             f"missing: {missing}, unexpected: {extra} — pass each as a keyword argument")
        return query.query, query.id
    return query, "query"


def _looks_like_sparql(text: str) -> bool:
    return bool(re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", text, re.IGNORECASE))


def query_sparql(store: str | Path | ox.Store, query: str | Question, **bindings: Any) -> list[dict[str, Any]]:
    """Run a SPARQL query (text, a ``Question`` or a question id) with ``bindings`` as bound variables.

    Each binding ``name=value`` binds ``?name`` (Oxigraph substitution: the variable must be projected by the
    query); the bound columns are left out of the rows. SELECT gives one dict per solution (unbound → None),
    ASK gives ``[{"ask": bool}]``, CONSTRUCT/DESCRIBE one ``{"subject", "predicate", "object"}`` per triple.

    Examples
    --------
    >>> rows = query_sparql(load_store(small_graph), "q3_fastest_on_hardware", hardware="H100")
    >>> [(r["method"], r["value"], r["unit"]) for r in rows]
    [('SpecDistill', 2.1, 'x')]
    """
    text, name = _resolve(query, bindings)
    substitutions = {ox.Variable(key): _term(value) for key, value in bindings.items()}
    opened = open_store(store) if isinstance(store, (str, Path)) else store
    try:
        result = opened.query(text, substitutions=substitutions)
        if isinstance(result, ox.QueryBoolean):
            return [{"ask": bool(result)}]
        if isinstance(result, ox.QueryTriples):
            return [{"subject": _value(t.subject), "predicate": _value(t.predicate), "object": _value(t.object)}
                    for t in result]
        columns = [v.value for v in result.variables if v.value not in bindings]
        return [{column: _value(solution[column]) for column in columns} for solution in result]
    except SyntaxError as e:
        raise SinkError(f"{name}: SPARQL syntax error: {e} — fix the query text") from e
    except (RuntimeError, OSError) as e:
        raise SinkError(f"{name}: SPARQL query failed: {e} — a bound variable must be in the SELECT "
                        "projection; check the query and its bindings") from e
