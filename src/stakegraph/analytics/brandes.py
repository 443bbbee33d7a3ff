"""Betweenness from given sources by Brandes's algorithm on compressed adjacency arrays, compiled by Numba.

igraph's betweenness holds the GIL for the whole call, so it can share a machine's second core only from
a forked process (:mod:`stakegraph.analytics.halves`). The same sums compiled here release the GIL: they
run on a second core from a thread — beside the rest of an audit (:func:`stakegraph.analytics.kernels.
prefetch_betweenness`) or as two halves of the sources at once — with no process and no copy of the
graph. A vertex's parents are not listed: they are its neighbours one step nearer the source, found again
while the dependencies are accumulated (Brandes 2008, §3). The two halves of the sources are summed on
their own and added first half first, whatever the machine, so the numbers never depend on it; they
differ from igraph's by the rounding of another order of addition (relative 1e-14,
``tests/analytics/test_brandes.py``).

Unweighted shortest paths only (breadth-first search); weighted betweenness stays with igraph.

>>> import numpy as np
>>> brandes_sources(np.array([0, 1, 2]), np.array([1, 2, 3]), 4, [0, 3], directed=False).tolist()
[0.0, 1.5, 1.5, 0.0]
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from numba import njit

__all__ = ["brandes_sources"]


@njit(nogil=True)
def _dependencies(indptr: np.ndarray, indices: np.ndarray, rptr: np.ndarray, rind: np.ndarray,
                  sources: np.ndarray, n: int) -> np.ndarray:  # pragma: no cover - compiled
    """Σ over ``sources`` of each vertex's dependency δ_s(v), v ≠ s (Brandes 2001, eq. 6)."""
    bc = np.zeros(n)
    sigma = np.zeros(n)
    delta = np.zeros(n)
    dist = np.full(n, -1, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    for s in sources:
        dist[s] = 0
        sigma[s] = 1.0
        order[0] = s
        head, tail = 0, 1
        while head < tail:  # breadth first: each vertex's count of shortest paths from s
            v = order[head]
            head += 1
            dv, sv = dist[v] + 1, sigma[v]
            for k in range(indptr[v], indptr[v + 1]):
                w = indices[k]
                if dist[w] < 0:
                    dist[w] = dv
                    order[tail] = w
                    tail += 1
                if dist[w] == dv:
                    sigma[w] += sv
        for i in range(tail - 1, 0, -1):  # farthest first: δ(v) += σ_v / σ_w · (1 + δ(w)) for each parent v of w
            w = order[i]
            coeff = (1.0 + delta[w]) / sigma[w]
            dw = dist[w] - 1
            for k in range(rptr[w], rptr[w + 1]):
                v = rind[k]
                if dist[v] == dw:
                    delta[v] += sigma[v] * coeff
            bc[w] += delta[w]
        for i in range(tail):
            w = order[i]
            dist[w] = -1
            sigma[w] = 0.0
            delta[w] = 0.0
    return bc


def _csr(tail: np.ndarray, head: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row pointers and neighbours of the arcs ``tail → head``, each row in arc order."""
    order = np.argsort(tail, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=ptr[1:])
    return ptr, np.ascontiguousarray(head[order], dtype=np.int64)


def brandes_sources(src: np.ndarray, dst: np.ndarray, n: int, sources: Sequence[int], *, directed: bool,
                    threads: int = 2) -> np.ndarray:
    """Unweighted betweenness of the ``n``-vertex graph with edges ``src[j] – dst[j]`` from ``sources``, as
    igraph's ``betweenness(sources=...)`` gives it (undirected: halved).

    Parameters
    ----------
    src, dst : numpy.ndarray
        The edges as vertex numbers (a simple graph: no parallel edges; self-loops lie on no shortest path).
    n : int
        Number of vertices.
    sources : sequence of int
        The source vertices; the first ``len(sources) // 2`` are one half, the rest the other.
    directed : bool
        Paths follow the edges' direction.
    threads : int
        Two: the halves at once, one in a second thread; one: one after the other. The numbers are the same.

    Returns
    -------
    numpy.ndarray
        Σ_s δ_s(v) per vertex (first half + second half), halved when undirected.

    Examples
    --------
    >>> import numpy as np
    >>> brandes_sources(np.array([0, 0, 0]), np.array([1, 2, 3]), 4, [1, 2, 3], directed=False).tolist()
    [3.0, 0.0, 0.0, 0.0]

    See Also
    --------
    stakegraph.analytics.kernels.betweenness_indexed : the caller, and the scaling to NetworkX's values.
    stakegraph.analytics.halves.betweenness_halves : igraph's two halves (weighted paths).

    References
    ----------
    .. [1] U. Brandes, "A faster algorithm for betweenness centrality", J. Math. Sociol. 25(2):163-177, 2001.
    .. [2] U. Brandes, "On variants of shortest-path betweenness centrality and their generic computation",
       Social Networks 30(2):136-145, 2008.
    .. [3] U. Brandes and C. Pich, "Centrality estimation in large networks", Int. J. Bifurcation and Chaos
       17(7):2303-2318, 2007 — the sampled sources.
    .. [4] S. K. Lam, A. Pitrou and S. Seibert, "Numba: a LLVM-based Python JIT compiler", LLVM-HPC 2015.
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    todo = np.asarray(sources, dtype=np.int64)
    for what, a in (("an edge end", src), ("an edge end", dst), ("a source", todo)):
        if len(a) and (int(a.min()) < 0 or int(a.max()) >= n):  # the compiled loops do not check bounds
            raise ValueError(f"{what} is not a vertex number in 0..{n - 1}")
    if not directed:
        src, dst = np.concatenate((src, dst)), np.concatenate((dst, src))
    ptr, ind = _csr(src, dst, n)
    rptr, rind = _csr(dst, src, n) if directed else (ptr, ind)
    half = len(todo) // 2
    parts = (todo[:half], todo[half:])
    sums: list[np.ndarray | BaseException | None] = [None, None]

    def run(i: int) -> None:
        try:
            sums[i] = _dependencies(ptr, ind, rptr, rind, parts[i], n)
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread below
            sums[i] = e

    if threads > 1 and half:
        other = threading.Thread(target=run, args=(0,), name="stakegraph-brandes", daemon=True)
        other.start()
        run(1)
        other.join()
    else:
        run(0)
        run(1)
    for part in sums:
        if isinstance(part, BaseException):
            raise part
    first, second = sums
    assert isinstance(first, np.ndarray) and isinstance(second, np.ndarray)
    total = first + second
    return total if directed else total / 2.0
