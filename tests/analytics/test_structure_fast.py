"""The structure graph filled in one pass = ``selection.structural_graph``: nodes, neighbour order, pair attributes."""

from __future__ import annotations

import doctest

import networkx as nx
import pytest

import stakegraph.analytics.structure_fast as fast_mod
from stakegraph.analyses.structure import shared_structure
from stakegraph.analytics.selection import structural_graph
from stakegraph.analytics.structure_fast import structural_graph_fast
from tests.analytics.audit_graphs import NAMES, graph


def same_graph(A: nx.Graph, B: nx.Graph) -> None:
    """Equal as NetworkX reads them: class, graph attributes, node order, each node's neighbours in order,
    each pair's attributes in order (and ``distance`` last)."""
    assert type(A) is type(B)
    assert A.graph == B.graph
    assert list(A._node.items()) == list(B._node.items())
    assert list(A._adj) == list(B._adj)
    for n in A._adj:
        assert list(A._adj[n]) == list(B._adj[n]), n
        for v, attrs in A._adj[n].items():
            other = B._adj[n][v]
            assert list(attrs) == list(other)
            assert attrs == other and attrs["edges"] == other["edges"]
            assert [type(x) for x in attrs.values()] == [type(x) for x in other.values()]
    if A.is_directed():
        assert [list(A._pred[n]) for n in A] == [list(B._pred[n]) for n in B]
        for n in A:
            for v in A._pred[n]:
                assert A._pred[n][v] is A._succ[v][n]
    else:
        for n in A:
            for v in A._adj[n]:
                assert A._adj[n][v] is A._adj[v][n]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("directed", [False, True])
def test_equals_the_reference(name: str, directed: bool) -> None:
    G = graph(name)
    same_graph(structural_graph_fast(G, directed=directed), structural_graph(G, directed=directed))


@pytest.mark.parametrize("name", ["seeded-1", "seeded-2", "generated-200-3"])
def test_other_kinds_types_and_inactive(name: str) -> None:
    G = graph(name)
    for kw in ({"kinds": ("lends_to", "builds")}, {"types": ("party",)}, {"active_only": False},
               {"types": ("party", "project", "contract"), "kinds": ("lends_to", "owns", "guarantees")}):
        same_graph(structural_graph_fast(G, **kw), structural_graph(G, **kw))  # type: ignore[arg-type]


def test_the_shared_structure_is_the_reference() -> None:
    G = graph("generated-200-3").copy()
    same_graph(shared_structure(G), structural_graph(G))
    same_graph(shared_structure(G, directed=True), structural_graph(G, directed=True))


def test_a_simple_graph_goes_to_the_reference() -> None:
    D = nx.DiGraph()
    D.add_node("a", type="party")
    D.add_node("b", type="party")
    D.add_edge("a", "b", kind="lends_to", amount=3.0)
    with pytest.raises(TypeError):  # the reference's own error (no keys on a simple graph)
        structural_graph(D)
    with pytest.raises(TypeError):
        structural_graph_fast(D)


def test_doctests() -> None:
    assert doctest.testmod(fast_mod).failed == 0
