"""Centrality's top rows ranked on plain tuples = every row built, then sorted (the former code, kept here)."""

from __future__ import annotations

import pytest

from stakegraph.analytics import dependencies as dep
from stakegraph.analytics.selection import name_of, structural_graph
from tests.analytics.audit_graphs import NAMES, graph


def reference_top(G, r: dep.CentralityResult, H, top: int) -> tuple[dep.CentralityRow, ...]:  # type: ignore[no-untyped-def]
    rows = sorted(
        (dep.CentralityRow(str(v), name_of(G, v), G.nodes[v].get("type"), r.betweenness.get(v, 0.0),
                           r.pagerank.get(v, 0.0), r.core.get(v, 0)) for v in H),
        key=lambda x: (-x.betweenness, -x.pagerank, x.node),
    )
    return tuple(rows[:top])


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("top", [1, 20, 10_000, 0, -3])
def test_top_rows_equal_the_reference(name: str, top: int) -> None:
    G = graph(name)
    H = structural_graph(G)
    for kw in ({}, {"k": 16, "seed": 3}, {"weighted": True}):
        r = dep.centrality(G, top=top, structure=H, **kw)  # type: ignore[arg-type]
        assert r.top == reference_top(G, r, H, top)
