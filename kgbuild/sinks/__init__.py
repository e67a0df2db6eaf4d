"""Sinks: one module per target, looked up by name in `SINKS` and imported on first use.

Every sink is ``write_<format>(graph, target, **options)`` over the rows of `kgbuild.graph.node_rows` /
`kgbuild.graph.edge_rows`. The sinks that need only rows (RDF N-Triples, the SPARQL and Cypher stores, CSV, Neo4j,
FalkorDB) also take a graph of rows (`kgbuild.spool.SpooledGraph`); Turtle, JSON-LD, Gephi and the report need the
networkx graph.
"""
from __future__ import annotations

from typing import Any

import networkx as nx

from ..registry import Registry

__all__ = ["SINKS", "write"]

SINKS = Registry(
    "sink",
    {
        "rdf": "kgbuild.sinks.rdf:write_rdf",
        "turtle": "kgbuild.sinks.rdf:write_turtle",
        "ntriples": "kgbuild.sinks.rdf:write_ntriples",
        "jsonld": "kgbuild.sinks.rdf:write_jsonld",
        "sparql-store": "kgbuild.sinks.sparql_store:write_sparql_store",
        "cypher-store": "kgbuild.sinks.cypher_store:write_cypher_store",
        "neo4j": "kgbuild.sinks.neo4j:write_neo4j",
        "falkordb": "kgbuild.sinks.falkordb:write_falkordb",
        "gexf": "kgbuild.sinks.gephi:write_gexf",
        "graphml": "kgbuild.sinks.gephi:write_graphml",
        "csv": "kgbuild.sinks.csv_import:write_csv",
    },
    aliases={
        "ttl": "turtle",
        "nt": "ntriples",
        "n-triples": "ntriples",
        "json-ld": "jsonld",
        "oxigraph": "sparql-store",
        "sparql": "sparql-store",
        "cypher": "cypher-store",
        "ladybug": "cypher-store",
        "bolt": "neo4j",
        "gephi": "gexf",
    },
)


def write(graph: Any, target: Any, format: str, **options: Any) -> Any:
    """Write ``graph`` (a MultiDiGraph, a KnowledgeGraph or a graph of rows, `kgbuild.graph.GraphRows`) to
    ``target`` with the sink named ``format``.

    >>> SINKS.canonical("ttl"), SINKS.canonical("GEXF")
    ('turtle', 'gexf')
    """
    # a KnowledgeGraph holds its MultiDiGraph in .graph (a networkx graph's own .graph is its attribute dict)
    if not isinstance(graph, nx.Graph):
        graph = getattr(graph, "graph", graph)
    return SINKS.get(format)(graph, target, **options)
