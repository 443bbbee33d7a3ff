"""Fast kernels = NetworkX: cut structure, core number, PageRank (SciPy), the conversion cache.

Betweenness equality (exact, sampled, weighted, directed) is in test_dependencies.py; here it is
re-checked through the conversion cache (a mutated graph must not reuse a stale conversion).
"""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stakegraph.analytics import kernels
from stakegraph.analytics.kernels import (
    articulation_points,
    betweenness,
    bridges,
    core_number,
    cut_structure,
    indexed,
    pagerank,
    pagerank_scipy,
)
from stakegraph.errors import ValidationError


def messy_graph(seed: int, n: int, m: int, *, loops: int = 2, isolated: int = 2) -> nx.Graph:
    """A seeded undirected graph with self-loops, isolated nodes, string and int node ids."""
    H = nx.gnm_random_graph(n, m, seed=seed)
    rnd = random.Random(seed)
    for _ in range(loops):
        v = rnd.randrange(n)
        H.add_edge(v, v)
    H.add_nodes_from(f"iso{i}" for i in range(isolated))
    return nx.relabel_nodes(H, {i: (f"v{i}" if i % 3 else i) for i in range(n)})


# ----------------------------------------------------------------------------- cut structure
@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40), st.integers(0, 70))
def test_cut_structure_igraph_equals_networkx(seed: int, n: int, m: int) -> None:
    H = messy_graph(seed, n, min(m, n * (n - 1) // 2))
    got = cut_structure(H, backend="igraph")
    assert got.backend == "igraph"
    assert got.points == set(nx.articulation_points(H))
    assert set(got.blocks) == {frozenset(b) for b in nx.biconnected_components(H)}
    assert len(got.blocks) == len(set(got.blocks))
    assert {frozenset(e) for e in got.bridges} == {frozenset(e) for e in nx.bridges(H)}
    assert set(articulation_points(H, backend="igraph")) == got.points
    assert {frozenset(e) for e in bridges(H, backend="igraph")} == {frozenset(e) for e in got.bridges}
    ref = cut_structure(H, backend="networkx")
    assert ref.backend == "networkx" and ref.points == got.points and set(ref.blocks) == set(got.blocks)


def test_cut_structure_by_hand() -> None:
    # two triangles joined by the bridge c-d, a pendant e-x, an isolated node and a self-loop
    H = nx.Graph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "f"), ("f", "d"),
                  ("e", "x"), ("a", "a")])
    H.add_node("alone")
    c = cut_structure(H, backend="igraph")
    assert c.points == {"c", "d", "e"}
    assert set(c.blocks) == {frozenset("abc"), frozenset("cd"), frozenset("def"), frozenset("ex")}
    assert {frozenset(e) for e in c.bridges} == {frozenset("cd"), frozenset("ex")}


def test_cut_kernels_refuse_directed_and_multigraphs() -> None:
    for fn in (cut_structure, articulation_points, bridges):
        with pytest.raises(ValidationError):
            fn(nx.DiGraph([(0, 1)]))
        with pytest.raises(ValidationError):
            fn(nx.MultiGraph([(0, 1)]))
        with pytest.raises(ValidationError):
            fn(nx.path_graph(3), backend="rust")  # type: ignore[arg-type]


def test_auto_threshold() -> None:
    H = nx.path_graph(6)
    assert cut_structure(H).backend == "networkx"
    assert cut_structure(H, threshold=5).backend == "igraph"


# ----------------------------------------------------------------------------- core number
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("directed", [False, True])
def test_core_number_igraph_equals_networkx(seed: int, directed: bool) -> None:
    H = nx.gnm_random_graph(80, 60 + 40 * seed, seed=seed, directed=directed)
    H.add_node("isolated")
    assert core_number(H, backend="igraph") == nx.core_number(H)
    assert core_number(H, threshold=10) == nx.core_number(H)


def test_core_number_with_self_loops_fails_like_networkx() -> None:
    with pytest.raises(nx.NetworkXNotImplemented):
        core_number(nx.Graph([(0, 1), (1, 1)]), backend="igraph")


# ----------------------------------------------------------------------------- PageRank
def pagerank_linear_solve(H: nx.Graph, weight: str | None, alpha: float,
                          personalization: dict | None = None, dangling: dict | None = None) -> dict:
    """Independent reference: the exact stationary vector of the Google matrix by a dense solve.

    x = alpha (x P + (x·d) w) + (1 - alpha) p with sum(x) = 1, i.e. x (I - alpha M) = (1 - alpha) p
    where M = P with the dangling rows replaced by w.
    """
    nodes = list(H)
    n = len(nodes)
    idx = {v: i for i, v in enumerate(nodes)}
    W = np.zeros((n, n))
    for u, v, w in H.edges(data=weight, default=1.0):
        W[idx[u], idx[v]] += w
        if not H.is_directed() and u != v:
            W[idx[v], idx[u]] += w
    out = W.sum(axis=1)

    def vec(d: dict | None, default: np.ndarray) -> np.ndarray:
        if d is None:
            return default
        a = np.array([float(d.get(v, 0)) for v in nodes])
        return a / a.sum()

    p = vec(personalization, np.full(n, 1 / n))
    wd = vec(dangling, p)
    M = np.where(out[:, None] > 0, W / np.where(out > 0, out, 1)[:, None], wd[None, :])
    x = np.linalg.solve((np.eye(n) - alpha * M).T, (1 - alpha) * p)
    return {v: float(x[idx[v]]) for v in nodes}


def random_digraph(seed: int, n: int = 60, m: int = 150, *, weighted: bool, multi: bool = False) -> nx.DiGraph:
    """Directed, with dangling nodes (some nodes get no out-edge), a self-loop, some weights missing."""
    rnd = random.Random(seed)
    H: nx.DiGraph = nx.MultiDiGraph() if multi else nx.DiGraph()
    H.add_nodes_from(range(n))
    sinks = set(rnd.sample(range(n), n // 6))
    for _ in range(m):
        u, v = rnd.randrange(n), rnd.randrange(n)
        if u in sinks:
            continue
        attrs = {"w": rnd.uniform(0.1, 5.0)} if weighted and rnd.random() < 0.9 else {}
        H.add_edge(u, v, **attrs)
    assert any(H.out_degree(v) == 0 for v in H)
    return H


CASES = [
    ("directed", lambda s: random_digraph(s, weighted=False), None),
    ("directed weighted", lambda s: random_digraph(s, weighted=True), "w"),
    ("multidigraph weighted", lambda s: random_digraph(s, weighted=True, multi=True), "w"),
    ("undirected with loops", lambda s: messy_graph(s, 50, 90), None),
]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize(("name", "make", "weight"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("alpha", [0.85, 0.5])
def test_pagerank_scipy_equals_networkx(seed, name, make, weight, alpha) -> None:
    H = make(seed)
    n = len(H)
    rnd = random.Random(seed)
    pers = {v: rnd.random() for v in rnd.sample(list(H), n // 3)} | {"not-a-node": 5.0}
    dang = {v: rnd.random() for v in rnd.sample(list(H), n // 4)}
    for personalization, dangling in ((None, None), (pers, None), (pers, dang), (None, dang)):
        want = nx.pagerank(H, alpha=alpha, weight=weight, tol=1e-13 / n, max_iter=10_000,
                           personalization=personalization, dangling=dangling)
        got = pagerank_scipy(H, alpha=alpha, weight=weight, tol=1e-13, max_iter=10_000,
                             personalization=personalization, dangling=dangling)
        assert list(got) == list(want)
        assert max(abs(got[v] - want[v]) for v in H) < 1e-14  # the same iteration, to rounding
        exact = pagerank_linear_solve(H, weight, alpha, personalization, dangling)
        assert max(abs(got[v] - exact[v]) for v in H) < 1e-11
        # the public entry point at the default tolerance, both backends
        a = pagerank(H, alpha=alpha, weight=weight, personalization=personalization, dangling=dangling,
                     backend="scipy")
        b = pagerank(H, alpha=alpha, weight=weight, personalization=personalization, dangling=dangling,
                     backend="networkx")
        assert max(abs(a[v] - b[v]) for v in H) < 1e-12
        assert max(abs(a[v] - exact[v]) for v in H) < 1e-9


def test_pagerank_failures_match_networkx() -> None:
    H = random_digraph(0, weighted=False)
    with pytest.raises(nx.PowerIterationFailedConvergence):
        pagerank(H, max_iter=2, backend="scipy")
    with pytest.raises(nx.PowerIterationFailedConvergence):
        pagerank(H, max_iter=2, backend="networkx")
    for backend in ("scipy", "networkx"):
        with pytest.raises(ZeroDivisionError):
            pagerank(H, personalization={"not-a-node": 1.0}, backend=backend)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        pagerank(H, backend="igraph")  # type: ignore[arg-type]
    assert pagerank(nx.Graph(), backend="scipy") == {} == pagerank_scipy(nx.DiGraph())


def test_pagerank_auto_uses_scipy_above_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = kernels.pagerank_scipy

    def spy(H: nx.Graph, **kw: object) -> dict:
        calls.append(len(H))
        return real(H, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(kernels, "pagerank_scipy", spy)
    H = nx.gnm_random_graph(40, 80, seed=1, directed=True)
    a = pagerank(H, threshold=39)
    b = pagerank(H)
    assert calls == [40] and max(abs(a[v] - b[v]) for v in H) < 1e-12


# ----------------------------------------------------------------------------- conversion cache
def test_conversion_is_cached_and_cleared_by_networkx_on_change() -> None:
    H = nx.Graph([("a", "b"), ("b", "c")])
    ix = indexed(H)
    assert indexed(H) is ix and ix.igraph() is ix.igraph()
    H.add_edge("c", "d")  # NetworkX clears H.__networkx_cache__ on every structural change
    ix2 = indexed(H)
    assert ix2 is not ix and ix2.edges == [(0, 1), (1, 2), (2, 3)]
    H.remove_edge("a", "b")
    assert indexed(H).edges == [(1, 2), (2, 3)]
    ix3 = indexed(H)
    assert indexed(H) is ix3
    H.graph["version"] = 8  # a new graph version is a new graph
    assert indexed(H) is not ix3


def test_views_and_frozen_graphs_are_not_cached() -> None:
    H = nx.DiGraph([(0, 1), (1, 2)])
    U = H.to_undirected(as_view=True)
    assert indexed(U) is not indexed(U)
    H.add_edge(2, 0)  # the view follows its base graph
    assert len(indexed(U).edges) == 3


def test_kernels_see_mutations_after_a_cached_run() -> None:
    H = nx.gnm_random_graph(40, 70, seed=5)
    for u, v in H.edges():
        H[u][v]["d"] = 1.0
    betweenness(H, backend="igraph")
    cut_structure(H, backend="igraph")
    H.remove_edges_from(list(H.edges())[:10])
    H.add_edge(0, 39, d=3.0)
    for u, v in list(H.edges())[:5]:
        H[u][v]["d"] = 2.0  # attribute change without structural change: weights are read afresh
    got, _ = betweenness(H, weight="d", backend="igraph")
    want = nx.betweenness_centrality(H, weight="d")
    assert max(abs(got[v] - want[v]) for v in H) < 1e-9
    assert cut_structure(H, backend="igraph").points == set(nx.articulation_points(H))
    pr = pagerank(H, weight="d", backend="scipy")
    ref = nx.pagerank(H, weight="d", tol=1e-10 / len(H), max_iter=1000)
    assert max(abs(pr[v] - ref[v]) for v in H) < 1e-12


@pytest.mark.parametrize("make", [
    lambda: messy_graph(3, 40, 90),
    lambda: random_digraph(4, weighted=False),
    lambda: random_digraph(5, weighted=True, multi=True),
    lambda: nx.MultiGraph([(0, 1), (0, 1), (1, 1), (2, 1)]),
    lambda: nx.Graph(),
], ids=["undirected with loops", "directed", "multidigraph", "multigraph", "empty"])
def test_integer_edges_follow_networkx_edge_order(make) -> None:
    H = make()
    ix = indexed(H)
    assert ix.nodes == list(H)
    assert ix.edges == [(ix.index[u], ix.index[v]) for u, v in H.edges()]
    g = ix.igraph()
    assert g.vcount() == len(H) and g.get_edgelist() == ix.edges and g.is_directed() == H.is_directed()
