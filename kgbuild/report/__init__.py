"""The HTML report and figures of a knowledge graph: one self-contained page that works offline.

`write_report` writes the page, `write_figures` each chart as SVG and PNG, `load_graph_for_report` reads a graph
written earlier (GraphML, node-link JSON, or an extractions JSONL).
"""
from __future__ import annotations

from .data import ReportTables, report_tables
from .figures import write_figures
from .graph_files import load_graph_for_report, read_graph_json, write_graph_json
from .html import write_report

__all__ = [
    "write_report",
    "write_figures",
    "load_graph_for_report",
    "write_graph_json",
    "read_graph_json",
    "report_tables",
    "ReportTables",
]
