"""The graph's vocabulary: node labels, edge types and their attributes, shared by the graph and every sink.

The in-memory graph is a networkx ``MultiDiGraph`` and every sink reads it through
``kgbuild.graph.node_rows`` / ``kgbuild.graph.edge_rows``:

* node id: a canonical id ``"<kind>:<slug>"`` from ``kgbuild.resolve`` (kinds: paper, method, model, dataset,
  hardware, vendor, class, claim, finding);
* node attributes: ``label`` (one of ``NODE_LABELS``), ``name`` (display), ``aliases`` (list of surface forms),
  ``papers`` and ``mentions`` (support counts); Paper: ``title``, ``date``, ``source``; entity nodes: ``proposed``;
  Hardware: ``vendor``, ``family``, ``architecture``, ``hw_class``; Model: ``family``, ``size``; SpeedupClaim:
  ``value``, ``unit``, ``metric``, ``qualifier``, ``method``, ``baseline``, ``hardware``, ``evidence`` plus the
  ``PROVENANCE_KEYS``; Finding (claims sharing method, baseline, hardware, metric and unit): ``method``,
  ``baseline``, ``hardware``, ``metric``, ``unit``, ``value_min``, ``value_median``, ``value_max``, ``papers`` and
  ``mentions`` (the number of claims);
* edges: key and ``type`` attribute are an ``EDGE_TYPES`` name; edges read from text carry ``PROVENANCE_KEYS`` of
  their first mention and ``papers``/``weight`` support counts;
* graph attributes: ``merge_log`` (the rows of ``merges.jsonl``) and ``overrides`` (the manual same/different rules).
"""
from __future__ import annotations

__all__ = ["NODE_LABELS", "EDGE_TYPES", "ENTITY_LABELS", "PROVENANCE_KEYS"]

#: Node labels, as they appear in networkx (`label` attribute), Neo4j, RDF classes and Gephi.
ENTITY_LABELS: tuple[str, ...] = ("Method", "Model", "Dataset", "Hardware")
NODE_LABELS: tuple[str, ...] = ENTITY_LABELS + ("Paper", "Vendor", "HardwareClass", "SpeedupClaim", "Finding")

#: Edge type -> (source labels, target labels, meaning).
EDGE_TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "PROPOSES": (("Paper",), ENTITY_LABELS, "the paper introduces the entity"),
    "MENTIONS": (("Paper",), ENTITY_LABELS, "the paper names the entity without introducing it"),
    "EVALUATED_ON": (("Model", "Method"), ("Dataset",), "a paper evaluates the model or method on the dataset"),
    "REPORTS": (("Paper",), ("SpeedupClaim",), "the paper states the speedup figure"),
    "ACHIEVED_BY": (("SpeedupClaim",), ("Method", "Model"), "the faster side of the claim"),
    "OVER": (("SpeedupClaim",), ENTITY_LABELS, "the baseline of the claim, when it names a known entity"),
    "MEASURED_ON": (("SpeedupClaim",), ("Hardware",), "the device the figure was measured on"),
    "MADE_BY": (("Hardware",), ("Vendor",), "the hardware vendor"),
    "IS_A": (("Hardware",), ("HardwareClass",), "the hardware class"),
    "VARIANT_OF": (("Model", "Hardware"), ("Model", "Hardware"), "a sized variant of a model family"),
    "SUPPORTS": (("SpeedupClaim",), ("Finding",), "the claim is one of the finding's figures"),
}

#: Attributes every edge read from text carries.
PROVENANCE_KEYS: tuple[str, ...] = ("paper_id", "field", "sentence", "start", "end", "extractor")
