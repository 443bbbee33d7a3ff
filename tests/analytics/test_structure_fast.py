"""The structure graph filled in one pass = ``selection.structural_graph``: nodes, neighbour order, pair attributes."""

from __future__ import annotations

import doctest
import random
from typing import Any

import networkx as nx
import numpy as np
import pytest

import stakegraph.analytics.structure_fast as fast_mod
from stakegraph.analyses.structure import shared_structure
from stakegraph.analytics import kernels as kn
from stakegraph.analytics.selection import structural_graph
from stakegraph.analytics.structure_fast import StructureGraph, structural_graph_fast
from stakegraph.domain import RELATIONSHIP_KINDS
from tests.analytics.audit_graphs import NAMES, graph

#: Odd stated values: text numbers, zero, negatives, NaN, infinities, booleans, huge ints (one beyond floats).
ODD_VALUES: tuple[Any, ...] = (None, 0, -1, 2, 2.5, "3.5", "x", float("nan"), float("inf"), True, 10**30, 10**400,
                               1e308, -0.0, 7)
ODD_STATUSES: tuple[Any, ...] = (None, "active", " Ended ", "REPAID", "recalled", 3, "", "inactive")


def odd_graph(seed: int, n: int = 40, fx: Any = None) -> nx.MultiDiGraph:
    """A projection-shaped graph with odd values: every kind and unknown ones, odd types, statuses, weights,
    currencies, int and repeated edge keys, parallel edges and self-loops (built in a random order)."""
    rnd = random.Random(seed)
    G = nx.MultiDiGraph(version=f"odd:{seed}")
    if fx is not None:
        G.graph.update(fx=fx, reporting_currency=rnd.choice(["USD", "CNY"]))
    types = ["party", "party", "project", "contract", None, "Party", "signal"]
    ids = [f"n{i:02d}" for i in range(n)]
    for i in ids:
        G.add_node(i, type=rnd.choice(types), replaceability=rnd.choice([None, 0.0, 0.5, 1.0, 2.0, -1.0, "0.25"]))
    kinds = [*RELATIONSHIP_KINDS, "unknown_kind", None]
    for j in range(n * 5):
        u, v = rnd.choice(ids), rnd.choice(ids)
        if rnd.random() < 0.05:
            v = u
        kind = rnd.choice(kinds)
        props: dict[str, Any] = {"kind": kind}
        if (s := rnd.choice(ODD_STATUSES)) is not None:
            props["status"] = s
        for attr in ("amount", "annual_revenue", "share_pct", "guarantee_cap"):
            if rnd.random() < 0.7:
                props[attr] = rnd.choice(ODD_VALUES)
        if rnd.random() < 0.6:
            props["currency"] = rnd.choice(["USD", "usd", "CNY", " cny", None])
        key: Any = rnd.choice([f"e{j}", j, f"dup{j % 7}"])
        G.add_edge(u, v, key=key, **props)
        for _ in range(rnd.choice([0, 0, 0, 1, 2])):  # parallels, same or other kind
            G.add_edge(u, v, key=f"e{j}p{rnd.random()}", kind=rnd.choice([kind, *kinds[:4]]),
                       amount=rnd.choice(ODD_VALUES))
    return G


def same_graph(A: nx.Graph, B: nx.Graph) -> None:
    """Equal as NetworkX reads them: class, graph attributes, node order, each node's neighbours in order,
    each pair's attributes in order (and ``distance`` last)."""
    assert type(A) is type(B) or (type(A) is StructureGraph and type(B) is nx.Graph)
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
    same_integer_form(A)


def same_integer_form(A: nx.Graph) -> None:
    """The integer form the fast path keeps (if any) is the one ``kernels.indexed`` builds from the dicts."""
    hit = A.__networkx_cache__.get(kn._CACHE_KEY)
    if hit is None:
        return
    key, ix = hit
    assert key == (A.graph.get("version"), len(A), A.is_directed())
    nodes, index, src, dst = kn._topology(A)
    assert ix.nodes == nodes and ix.index == index and ix.directed == A.is_directed()
    assert np.array_equal(ix.src, src) and np.array_equal(ix.dst, dst)
    assert ix.src.dtype == src.dtype and ix.dst.dtype == dst.dtype


@pytest.mark.parametrize("directed", [False, True])
def test_the_integer_form_is_kept(directed: bool) -> None:
    H = structural_graph_fast(graph("generated-200-3"), directed=directed)
    assert kn._CACHE_KEY in H.__networkx_cache__
    same_integer_form(H)


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


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("directed", [False, True])
def test_odd_values_equal_the_reference(seed: int, directed: bool) -> None:
    G = odd_graph(seed)
    for kw in ({}, {"active_only": False}, {"types": ("party", None, "Party")}, {"kinds": ("owns", "lends_to")}):
        same_graph(structural_graph_fast(G, directed=directed, **kw),  # type: ignore[arg-type]
                   structural_graph(G, directed=directed, **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["sample", "generated-500-11", "seeded-2"])
def test_the_columns_answer(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The edge table is read (the loop is not run) and its answer is the reference's."""
    G = graph(name)

    def no_loop(*a: Any) -> None:
        raise AssertionError("the loop ran")

    monkeypatch.setattr(fast_mod, "_structural_graph_loop", no_loop)
    for directed in (False, True):
        same_graph(structural_graph_fast(G, directed=directed), structural_graph(G, directed=directed))


@pytest.mark.parametrize("name", ["sample", "generated-200-3", "seeded-1", "seeded-3"])
def test_the_loop_answers_when_the_columns_cannot(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_mod, "columns", lambda G: None)
    G = graph(name)
    for directed in (False, True):
        same_graph(structural_graph_fast(G, directed=directed), structural_graph(G, directed=directed))
    G = odd_graph(5)
    same_graph(structural_graph_fast(G, active_only=False), structural_graph(G, active_only=False))


def test_node_ids_not_text_take_the_loop() -> None:
    G = nx.relabel_nodes(odd_graph(3), {f"n{i:02d}": i for i in range(0, 40, 3)})
    same_graph(structural_graph_fast(G), structural_graph(G))
    same_graph(structural_graph_fast(G, directed=True), structural_graph(G, directed=True))


def test_strength_is_summed_in_edge_order() -> None:
    """Sums whose value depends on the order (1e16 + 1 + 1 ≠ 1e16 + 2): the reference's order, not NumPy's."""
    G = nx.MultiDiGraph()
    G.add_nodes_from(["a", "b", "c"], type="party")
    for i, x in enumerate([1e16, 1.0, 1.0, 3.0, 1e-3, 2.0**-30]):
        G.add_edge("a" if i % 2 else "b", "b" if i % 2 else "a", key=f"l{i}", kind="lends_to", amount=x)
    G.add_edge("c", "a", key="x", kind="partner_of")
    H, R = structural_graph_fast(G), structural_graph(G)
    same_graph(H, R)
    assert H["a"]["b"]["strength"] == sum([1e16, 1.0, 1.0, 3.0, 1e-3, 2.0**-30])
    assert list(H["a"]) == ["b", "c"]
    assert np.isfinite(H["a"]["b"]["distance"])


def test_no_pairs() -> None:
    G = nx.MultiDiGraph()
    same_graph(structural_graph_fast(G), structural_graph(G))
    G.add_node("a", type="party")
    G.add_edge("a", "a", key="s", kind="lends_to", amount=1.0)
    G.add_edge("a", "x", key="t", kind="lends_to", amount=1.0)
    same_graph(structural_graph_fast(G), structural_graph(G))
    same_graph(structural_graph_fast(G, directed=True), structural_graph(G, directed=True))


def pair_dicts(H: nx.Graph) -> list[dict[str, Any]]:
    """Each pair's attribute dict once (an undirected pair's dict is shared by both ends)."""
    return list({id(attrs): attrs for _, _, attrs in H.edges(data=True)}.values())


def assert_not_shared(H: nx.Graph) -> None:
    """Every pair has its own ``edges`` list and ``kinds`` set, as the reference's ``add_edge`` makes them."""
    pairs = pair_dicts(H)
    assert len({id(a["edges"]) for a in pairs}) == len(pairs)
    assert len({id(a["kinds"]) for a in pairs}) == len(pairs)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("directed", [False, True])
def test_every_pair_has_one_edge(seed: int, directed: bool) -> None:
    """Only the one-edge path runs: each pair's ``[key]`` and ``{kind}`` from its only edge."""
    rnd = random.Random(seed)
    G = nx.MultiDiGraph(version=f"single:{seed}")
    ids = [f"n{i:03d}" for i in range(60)]
    for i in ids:
        G.add_node(i, type=rnd.choice(["party", "project", "contract"]))
    seen: set[frozenset[str]] = set()
    for j in range(300):
        u, v = rnd.sample(ids, 2)
        if frozenset((u, v)) in seen:
            continue
        seen.add(frozenset((u, v)))
        G.add_edge(u, v, key=f"e{j}", kind=rnd.choice(["lends_to", "builds", "owns", "guarantees"]),
                   amount=rnd.choice([None, 0, 3.5, 1e-300, 2.0]))
    H = structural_graph_fast(G, directed=directed)
    same_graph(H, structural_graph(G, directed=directed))
    assert H.number_of_edges() > 50 and all(len(a["edges"]) == 1 for a in pair_dicts(H))
    assert_not_shared(H)


@pytest.mark.parametrize("directed", [False, True])
def test_some_pairs_have_many_edges(directed: bool) -> None:
    """Pairs with many edges (both directions, mixed kinds, inactive ones) among one-edge pairs, isolated
    nodes and nodes of other types: each many-edge pair's slices in edge order."""
    rnd = random.Random(7)
    G = nx.MultiDiGraph()
    ids = [f"n{i:02d}" for i in range(30)]
    for i in ids:
        G.add_node(i, type=rnd.choice(["party", "party", "project", "signal"]))
    G.add_nodes_from(["alone1", "alone2"], type="party")
    kinds = ["lends_to", "builds", "owns", "guarantees", "partner_of", "mentions"]
    for j in range(400):
        if j % 3 == 0:  # the hub pairs: many edges each
            u, v = rnd.choice([("n00", "n01"), ("n01", "n00"), ("n02", "n03"), ("n05", "n04")])
        else:
            u, v = rnd.sample(ids, 2)
        G.add_edge(u, v, key=f"e{j}", kind=rnd.choice(kinds), amount=rnd.choice([None, 1.0, 2.5, -1.0]),
                   status=rnd.choice([None, "active", "ended"]))
    for kw in ({}, {"active_only": False}, {"kinds": ("lends_to",)}, {"types": ("party",)}, {"types": ()}):
        H = structural_graph_fast(G, directed=directed, **kw)  # type: ignore[arg-type]
        same_graph(H, structural_graph(G, directed=directed, **kw))  # type: ignore[arg-type]
        assert_not_shared(H)
    H = structural_graph_fast(G, directed=directed)
    sizes = sorted(len(a["edges"]) for a in pair_dicts(H))
    assert sizes[0] == 1 and sizes[-1] > 10
    assert list(H["alone1"]) == [] and "n00" in H
