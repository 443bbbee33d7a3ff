"""The compiled Brandes sums from given sources equal igraph's and NetworkX's sampled betweenness."""

from __future__ import annotations

import igraph as ig
import networkx as nx
import numpy as np
import pytest

from stakegraph.analytics import halves, kernels
from stakegraph.analytics.brandes import brandes_sources


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_equals_igraph_from_the_same_sources(directed: bool, seed: int) -> None:
    """Random graphs (some disconnected, with self-loops): igraph's raw values, to rounding."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 300))
    H = nx.gnm_random_graph(n, int(rng.integers(0, 3 * n)), seed=seed, directed=directed)
    H.add_edges_from((v, v) for v in range(0, n, 17))
    ix = kernels.indexed(H)
    g = ig.Graph(n=n, edges=list(zip(ix.src.tolist(), ix.dst.tolist(), strict=True)), directed=directed)
    sources = rng.choice(n, size=min(n, 40), replace=False).tolist()
    want = np.asarray(g.betweenness(directed=directed, sources=sources), dtype=float)
    for threads in (1, 2):
        got = brandes_sources(ix.src, ix.dst, n, sources, directed=directed, threads=threads)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-9)


def test_by_hand_on_a_path() -> None:
    """a–b–c–d from a and d. Undirected: b lies on a→c, a→d and d→a (3), c on a→d, d→b, d→a (3), halved.
    Directed a→b→c→d: only a reaches anything; b on a→c and a→d, c on a→d."""
    src, dst = np.array([0, 1, 2]), np.array([1, 2, 3])
    assert brandes_sources(src, dst, 4, [0, 3], directed=False).tolist() == [0.0, 1.5, 1.5, 0.0]
    assert brandes_sources(src, dst, 4, [0, 3], directed=True).tolist() == [0.0, 2.0, 1.0, 0.0]


def test_same_numbers_in_one_thread_or_two() -> None:
    H = nx.barabasi_albert_graph(2_000, 3, seed=4)
    ix = kernels.indexed(H)
    sources = list(range(0, 2_000, 37))
    one = brandes_sources(ix.src, ix.dst, 2_000, sources, directed=False, threads=1)
    two = brandes_sources(ix.src, ix.dst, 2_000, sources, directed=False, threads=2)
    assert np.array_equal(one, two)


def test_numbers_out_of_range_are_refused_before_the_compiled_loop() -> None:
    with pytest.raises(ValueError, match="a source"):
        brandes_sources(np.array([0]), np.array([1]), 2, [0, 5], directed=False)
    with pytest.raises(ValueError, match="an edge end"):
        brandes_sources(np.array([0]), np.array([2]), 2, [0], directed=False)


def test_an_error_in_the_other_thread_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    from stakegraph.analytics import brandes

    def fails_on_the_first_half(ptr, ind, rptr, rind, part, n):  # type: ignore[no-untyped-def]
        if part.tolist() == [0]:
            raise MemoryError("first half")
        return np.zeros(n)

    monkeypatch.setattr(brandes, "_dependencies", fails_on_the_first_half)
    with pytest.raises(MemoryError, match="first half"):
        brandes_sources(np.array([0]), np.array([1]), 2, [0, 1], directed=False)


@pytest.mark.parametrize("directed", [False, True])
def test_the_kernel_path_equals_networkx(monkeypatch: pytest.MonkeyPatch, directed: bool) -> None:
    """Above ``SPLIT_MIN_NODES`` an unweighted sampled run is these sums: NetworkX's sampled betweenness (same
    seeded sources), scaled as NetworkX scales it; prefetched or not, the same values."""
    monkeypatch.setattr(kernels, "SPLIT_MIN_NODES", 0)
    H = nx.gnm_random_graph(400, 1100, seed=8, directed=directed)
    want = nx.betweenness_centrality(H, k=50, seed=2)
    got = kernels.betweenness_igraph(H, k=50, seed=2)
    np.testing.assert_allclose([got[v] for v in H], [want[v] for v in H], rtol=1e-9, atol=1e-12)
    assert kernels.prefetch_betweenness(H, k=50, seed=2)
    assert kernels.indexed(H)._pending  # started, waiting to be taken
    assert kernels.betweenness_igraph(H, k=50, seed=2) == got
    assert not kernels.indexed(H)._pending  # taken
    assert kernels.betweenness(H, k=50, seed=2, backend="igraph")[1] == "numba"  # named in the stamp
    assert kernels.betweenness(H, k=50, seed=2, weight="w", backend="igraph")[1] == "igraph"


def test_prefetch_runs_only_where_the_compiled_sums_would(monkeypatch: pytest.MonkeyPatch) -> None:
    H = nx.gnm_random_graph(60, 120, seed=1)
    assert not kernels.prefetch_betweenness(H, k=5, seed=0)  # below SPLIT_MIN_NODES
    monkeypatch.setattr(kernels, "SPLIT_MIN_NODES", 0)
    assert not kernels.prefetch_betweenness(H, k=60, seed=0)  # every node: exact, not sampled
    assert kernels.prefetch_betweenness(H, k=5, seed=0)
    assert kernels.prefetch_betweenness(H, k=5, seed=0)  # already started: not twice
    assert len(kernels.indexed(H)._pending) == 1


def test_a_failed_prefetch_raises_where_the_result_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from stakegraph.analytics import brandes

    monkeypatch.setattr(kernels, "SPLIT_MIN_NODES", 0)
    monkeypatch.setattr(brandes, "brandes_sources", lambda *a, **kw: (_ for _ in ()).throw(MemoryError("bg")))
    H = nx.gnm_random_graph(60, 120, seed=1)
    assert kernels.prefetch_betweenness(H, k=5, seed=0)
    with pytest.raises(MemoryError, match="bg"):
        kernels.betweenness_igraph(H, k=5, seed=0)


def test_igraph_halves_keep_weighted_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Weighted (distance) betweenness stays with igraph's halves above the threshold."""
    calls: list[int] = []
    real = halves.betweenness_halves
    monkeypatch.setattr(kernels, "SPLIT_MIN_NODES", 0)
    monkeypatch.setattr(kernels, "betweenness_halves", lambda g, **kw: calls.append(1) or real(g, **kw))
    H = nx.gnm_random_graph(80, 200, seed=3)
    nx.set_edge_attributes(H, 2.0, "distance")
    kernels.betweenness_igraph(H, k=10, seed=1, weight="distance")
    assert calls == [1]
