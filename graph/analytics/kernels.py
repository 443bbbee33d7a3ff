"""Fast kernels behind the NetworkX model: igraph betweenness, proved equal to NetworkX.

NetworkX stays the model (its definitions and scaling are the reference); the
heavy loop runs in igraph's C core above :data:`IGRAPH_THRESHOLD` nodes. The
tests in ``tests/analytics/test_dependencies.py`` check equality with
``networkx.betweenness_centrality`` to 1e-9 on seeded random graphs, exact and
sampled, weighted and unweighted, directed and undirected.

Scaling (NetworkX 3.x ``_rescale``, ``endpoints=False``): igraph returns the
sum of pair dependencies over unordered pairs (undirected) or ordered pairs
(directed) for the chosen sources. With ``N = n - 1``, ``k'`` = number of
sources excluding the node itself (``N`` when exact; ``k - 1`` for a sampled
source, ``k`` for a non-source) and ``c`` = 2 undirected / 1 directed::

    unnormalised = igraph · N / k'
    normalised   = igraph · c / (k' · (N - 1))

Sampled sources are drawn exactly as NetworkX draws them
(``random.Random(seed).sample(list(G.nodes()), k)``), so the seeded sample is
the same set in both.
"""

from __future__ import annotations

import random
from typing import Any, Literal

import networkx as nx

from graph.errors import ValidationError

#: Above this many nodes :func:`betweenness` uses igraph when ``backend="auto"``.
IGRAPH_THRESHOLD = 500
Backend = Literal["auto", "networkx", "igraph"]


def _check(H: nx.Graph) -> None:
    if H.is_multigraph():
        raise ValidationError(
            "betweenness kernels take a simple Graph/DiGraph, not a multigraph", field="G",
            fix="collapse parallel edges first with graph.analytics.select.structural_graph",
        )


def sample_sources(H: nx.Graph, k: int | None, seed: int | None) -> list[Any] | None:
    """The sources NetworkX samples for ``betweenness_centrality(k=k, seed=seed)`` (``None`` = all)."""
    if k is None or k >= len(H):
        return None
    if k < 1:
        raise ValidationError(f"k must be >= 1, not {k}", field="k", value=k, fix="pass a sample size or None")
    return random.Random(seed).sample(list(H.nodes()), k)


def betweenness_igraph(
    H: nx.Graph, *, weight: str | None = None, normalized: bool = True,
    k: int | None = None, seed: int | None = None,
) -> dict[Any, float]:
    """Betweenness (Brandes 2001; sampled: Brandes & Pich 2007) computed by igraph, scaled as NetworkX.

    ``weight`` names the edge attribute used as *distance*. Ties between float
    path lengths are compared with a tolerance by igraph and exactly by
    NetworkX, so equality is guaranteed for integer (or exactly representable)
    distances.

    Examples
    --------
    >>> betweenness_igraph(nx.path_graph(3), normalized=False)
    {0: 0.0, 1: 1.0, 2: 0.0}

    References
    ----------
    .. [1] U. Brandes, "A faster algorithm for betweenness centrality",
       J. Math. Sociol. 25(2):163-177, 2001.
    .. [2] U. Brandes and C. Pich, "Centrality estimation in large networks",
       Int. J. Bifurcation and Chaos 17(7):2303-2318, 2007.
    .. [3] G. Csárdi and T. Nepusz, "The igraph software package for complex
       network research", InterJournal Complex Systems 1695, 2006.
    """
    import igraph as ig

    _check(H)
    nodes = list(H.nodes())
    n = len(nodes)
    if n == 0:
        return {}
    index = {v: i for i, v in enumerate(nodes)}
    directed = H.is_directed()
    g = ig.Graph(n=n, edges=[(index[u], index[v]) for u, v in H.edges()], directed=directed)
    weights = None
    if weight is not None:
        weights = [float(d.get(weight, 1.0)) for _, _, d in H.edges(data=True)]
    sources = sample_sources(H, k, seed)
    if sources is None:
        raw = g.betweenness(directed=directed, weights=weights)
    else:
        raw = g.betweenness(directed=directed, weights=weights, sources=[index[s] for s in sources])
    N = n - 1
    if N < 2:
        return {v: 0.0 for v in nodes}
    c = 1.0 if directed else 2.0
    in_sample = set(sources or ())
    out: dict[Any, float] = {}
    for v, b in zip(nodes, raw, strict=True):
        kk = N if sources is None else (len(sources) - 1 if v in in_sample else len(sources))
        if kk <= 0:
            out[v] = float("nan")
        elif normalized:
            out[v] = float(b) * c / (kk * (N - 1))
        else:
            out[v] = float(b) * N / kk
    return out


def betweenness(
    H: nx.Graph, *, weight: str | None = None, normalized: bool = True,
    k: int | None = None, seed: int | None = None, backend: Backend = "auto",
    threshold: int = IGRAPH_THRESHOLD,
) -> tuple[dict[Any, float], str]:
    """Betweenness by NetworkX or igraph (same numbers); returns the values and the backend used.

    ``backend="auto"`` uses igraph when ``H`` has more than ``threshold`` nodes.

    >>> betweenness(nx.star_graph(3), normalized=False, backend="networkx")
    ({0: 3.0, 1: 0.0, 2: 0.0, 3: 0.0}, 'networkx')
    """
    _check(H)
    if backend not in ("auto", "networkx", "igraph"):
        raise ValidationError(f"unknown backend {backend!r}", field="backend", value=backend,
                              fix="use 'auto', 'networkx' or 'igraph'")
    use_igraph = backend == "igraph" or (backend == "auto" and len(H) > threshold)
    if use_igraph:
        return betweenness_igraph(H, weight=weight, normalized=normalized, k=k, seed=seed), "igraph"
    kk = None if k is None or k >= len(H) else k
    values = nx.betweenness_centrality(H, k=kk, normalized=normalized, weight=weight, seed=seed)
    return {v: float(b) for v, b in values.items()}, "networkx"


def pagerank(H: nx.Graph, *, weight: str | None = None, alpha: float = 0.85, tol: float = 1e-10,
             max_iter: int = 1000) -> dict[Any, float]:
    """PageRank with an absolute L1 tolerance ``tol``.

    ``networkx.pagerank`` stops when the L1 change is below ``n * tol``; this
    passes ``tol / n`` so that the stopping rule is ``tol`` whatever the size.

    >>> round(sum(pagerank(nx.cycle_graph(4)).values()), 12)
    1.0

    References
    ----------
    .. [1] S. Brin and L. Page, "The anatomy of a large-scale hypertextual Web
       search engine", Computer Networks 30:107-117, 1998.
    """
    n = max(1, len(H))
    if len(H) == 0:
        return {}
    return {v: float(p) for v, p in nx.pagerank(H, alpha=alpha, weight=weight, tol=tol / n,
                                                 max_iter=max_iter).items()}
