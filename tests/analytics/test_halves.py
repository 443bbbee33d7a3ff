"""Sampled betweenness in two halves (``stakegraph.analytics.halves``): the same numbers forked or not,
equal to one igraph call up to the order of addition, and to NetworkX's sampled betweenness."""

from __future__ import annotations

import os
import random

import igraph as ig
import networkx as nx
import numpy as np
import pytest

from stakegraph.analytics import halves, kernels


def _graph(n: int = 400, m: int = 1200, seed: int = 7, directed: bool = False) -> ig.Graph:
    rng = random.Random(seed)
    edges = {(rng.randrange(n), rng.randrange(n)) for _ in range(m)}
    return ig.Graph(n=n, edges=[e for e in edges if e[0] != e[1]], directed=directed)


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_forked_equals_in_process_and_one_call(directed: bool, weighted: bool) -> None:
    g = _graph(directed=directed)
    w = [float(1 + (i * 7) % 5) for i in range(g.ecount())] if weighted else None
    sources = random.Random(1).sample(range(g.vcount()), 41)
    forked = halves.betweenness_halves(g, sources=sources, directed=directed, weights=w, min_nodes=0, fork=True)
    alone = halves.betweenness_halves(g, sources=sources, directed=directed, weights=w, min_nodes=0, fork=False)
    assert np.array_equal(forked, alone)  # the same two sums, added in the same order
    one = np.asarray(g.betweenness(directed=directed, weights=w, sources=sources), dtype=float)
    np.testing.assert_allclose(forked, one, rtol=1e-12, atol=1e-9)
    first = np.asarray(g.betweenness(directed=directed, weights=w, sources=sources[:20]), dtype=float)
    second = np.asarray(g.betweenness(directed=directed, weights=w, sources=sources[20:]), dtype=float)
    assert np.array_equal(alone, first + second)


def test_below_the_threshold_one_call() -> None:
    g = _graph()
    sources = [3, 5, 8]
    got = halves.betweenness_halves(g, sources=sources, directed=False, weights=None)
    assert np.array_equal(got, np.asarray(g.betweenness(directed=False, sources=sources), dtype=float))


def test_failed_fork_and_failed_child_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    g = _graph()
    sources = list(range(0, 400, 9))
    want = halves.betweenness_halves(g, sources=sources, directed=False, weights=None, min_nodes=0, fork=False)

    def no_fork() -> int:
        raise OSError("cannot fork")

    with monkeypatch.context() as m:
        m.setattr(os, "fork", no_fork)
        assert np.array_equal(halves.betweenness_halves(g, sources=sources, directed=False, weights=None,
                                                        min_nodes=0, fork=True), want)
    parent, real = os.getpid(), halves._one
    with monkeypatch.context() as m:  # a child that dies before writing: the parent computes its half
        m.setattr(halves, "_one", lambda *a: os._exit(3) if os.getpid() != parent else real(*a))
        assert np.array_equal(halves.betweenness_halves(g, sources=sources, directed=False, weights=None,
                                                        min_nodes=0, fork=True), want)


def test_kernel_above_the_threshold_matches_networkx(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scaled values through ``kernels.betweenness_igraph`` with the split on equal NetworkX's sampled
    betweenness (same seeded sources)."""
    monkeypatch.setattr(halves, "SPLIT_MIN_NODES", 0)
    monkeypatch.setattr(halves.betweenness_halves, "__defaults__", (0, None))
    H = nx.gnm_random_graph(300, 900, seed=3)
    got = kernels.betweenness_igraph(H, k=40, seed=5)
    want = nx.betweenness_centrality(H, k=40, seed=5)
    assert got.keys() == want.keys()
    np.testing.assert_allclose([got[v] for v in H], [want[v] for v in H], rtol=1e-9, atol=1e-12)
