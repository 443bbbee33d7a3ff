"""Tests of graph.analytics; ``build`` makes a projection-shaped graph by hand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from graph.model import EdgeRecord, NodeRecord, edge_id
from graph.store.base import to_networkx


def build(
    nodes: Mapping[str, Mapping[str, Any] | str],
    edges: Iterable[tuple[Any, ...]],
    *,
    version: str = "test:1",
) -> nx.MultiDiGraph:
    """A projection from ``{id: type or props-with-type}`` and ``(source, kind, target[, props])`` rows.

    Goes through the real ``to_networkx`` so the shape is exactly what the stores give.
    """
    recs = []
    for nid, spec in nodes.items():
        props = {"type": spec} if isinstance(spec, str) else dict(spec)
        ntype = props.pop("type", "party")
        props.setdefault("name", nid)
        recs.append(NodeRecord(nid, ntype, props))
    erecs = []
    for row in edges:
        src, kind, dst = row[:3]
        props = dict(row[3]) if len(row) > 3 else {}
        eid = props.pop("id", None) or edge_id(kind, src, dst, props.get("ref"))
        erecs.append(EdgeRecord(eid, kind, src, dst, props))
    return to_networkx(recs, erecs, version=version, backend="test")
