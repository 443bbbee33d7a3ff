"""Sampled betweenness over two halves of its sources, the first half in a forked process.

igraph's C core is single-threaded and keeps the GIL for a whole call, so a thread cannot share
one betweenness computation with another. Brandes's sums are additive over sources (the
dependency of each source is accumulated on its own, Brandes 2001, eq. 6): the betweenness from
sources ``S`` is the betweenness from ``S[:h]`` plus the betweenness from ``S[h:]``. Above
:data:`SPLIT_MIN_NODES` nodes a sampled run is therefore always computed as those two sums, added
in that order. Where the machine has a second core and can ``fork``, the child computes the
first half on the parent's igraph graph (copy-on-write, nothing pickled) while the parent computes
the second; elsewhere — one core, no ``fork``, a failed child — the parent computes both halves
itself. The numbers are the same in every case (the same two sums, added in the same order), so a
result never depends on the machine; they differ from one call over all the sources only by the
rounding of the order of addition (relative 1e-15, ``tests/analytics/test_halves.py``).

>>> import igraph as ig
>>> g = ig.Graph([(0, 1), (1, 2), (2, 3)])
>>> betweenness_halves(g, sources=[0, 3], directed=False, weights=None, min_nodes=0).tolist()
[0.0, 1.5, 1.5, 0.0]
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["SPLIT_MIN_NODES", "betweenness_halves", "second_core"]

#: Sampled betweenness on graphs of at least this many nodes runs as two halves of its sources
#: (100,000 parties: 3.6 s in one call, 1.9 s in two processes; 1,000,000: ≈ 69 s in one call).
SPLIT_MIN_NODES = 50_000


def second_core() -> bool:
    """Whether this process may run on two or more CPUs and can ``fork``."""
    if not hasattr(os, "fork"):
        return False
    try:
        return len(os.sched_getaffinity(0)) >= 2
    except AttributeError:  # pragma: no cover - no affinity call (macOS)
        return (os.cpu_count() or 1) >= 2


def _one(g: Any, sources: Sequence[int], directed: bool, weights: Sequence[float] | None) -> np.ndarray:
    return np.asarray(g.betweenness(directed=directed, weights=weights, sources=list(sources)), dtype=float)


def _forked(g: Any, sources: Sequence[int], directed: bool, weights: Sequence[float] | None
            ) -> tuple[int, int] | None:
    """Start a child computing :func:`_one` of ``sources``; (pid, read end of its pipe), or ``None``."""
    try:
        r, w = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:  # no memory for the page tables, a process limit: the parent computes it
        os.close(r)
        os.close(w)
        return None
    if pid == 0:  # the child: compute, write the raw doubles, leave without running any cleanup
        code = 1
        try:
            os.close(r)
            view = memoryview(_one(g, sources, directed, weights).tobytes())
            while view:
                view = view[os.write(w, view):]
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def _collect(pid: int, r: int, n: int) -> np.ndarray | None:
    """The child's ``n`` doubles, or ``None`` when it failed."""
    chunks = []
    try:
        while data := os.read(r, 1 << 20):
            chunks.append(data)
    finally:
        os.close(r)
        _, status = os.waitpid(pid, 0)
    raw = b"".join(chunks)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0 or len(raw) != 8 * n:
        return None
    return np.frombuffer(raw, dtype=float).copy()


def betweenness_halves(g: Any, *, sources: Sequence[int], directed: bool, weights: Sequence[float] | None,
                       min_nodes: int = SPLIT_MIN_NODES, fork: bool | None = None) -> np.ndarray:
    """igraph's betweenness of ``g`` from ``sources`` (vertex numbers), as two halves above ``min_nodes``.

    Parameters
    ----------
    g : igraph.Graph
        The graph (read only).
    sources : sequence of int
        The sampled sources; the first ``len(sources) // 2`` are one half, the rest the other.
    directed : bool
        Shortest paths follow edge direction.
    weights : sequence of float or None
        Edge lengths in ``g``'s edge order.
    min_nodes : int
        Graphs with fewer nodes (or fewer than two sources) run in one call, as before.
    fork : bool or None
        Compute the first half in a forked child; ``None``: when :func:`second_core`. The result is
        the same either way.

    Returns
    -------
    numpy.ndarray
        igraph's raw (unscaled) betweenness per vertex: ``first + second`` above ``min_nodes``.

    Examples
    --------
    >>> import igraph as ig
    >>> g = ig.Graph.Star(4)
    >>> betweenness_halves(g, sources=[1, 2, 3], directed=False, weights=None, min_nodes=0, fork=False).tolist()
    [3.0, 0.0, 0.0, 0.0]

    See Also
    --------
    stakegraph.analytics.kernels.betweenness_indexed : the scaling to NetworkX's values.

    References
    ----------
    .. [1] U. Brandes, "A faster algorithm for betweenness centrality", J. Math. Sociol. 25(2):163-177,
       2001 — the dependencies accumulated source by source.
    .. [2] U. Brandes and C. Pich, "Centrality estimation in large networks", Int. J. Bifurcation and
       Chaos 17(7):2303-2318, 2007 — the sampled sources.
    """
    if len(sources) < 2 or g.vcount() < min_nodes:
        return _one(g, sources, directed, weights)
    half = len(sources) // 2
    first, second = sources[:half], sources[half:]
    child = _forked(g, first, directed, weights) if (second_core() if fork is None else fork) else None
    try:
        mine = _one(g, second, directed, weights)
    except BaseException:
        if child is not None:  # stop the child at once (it would compute its half for nobody)
            os.kill(child[0], signal.SIGKILL)
            os.close(child[1])
            os.waitpid(child[0], 0)
        raise
    theirs = _collect(*child, g.vcount()) if child is not None else None
    if theirs is None:
        theirs = _one(g, first, directed, weights)
    return theirs + mine
