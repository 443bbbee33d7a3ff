"""Fast kernels behind the NetworkX model: betweenness, cut structure, core number and PageRank.

NetworkX stays the model (its definitions and scaling are the reference); above
:data:`IGRAPH_THRESHOLD` nodes the heavy loop runs in a compiled library:

* **betweenness** — igraph (Brandes 2001; sampled Brandes & Pich 2007), scaled
  as NetworkX (below);
* **articulation points, biconnected components, bridges** — igraph
  (Hopcroft & Tarjan 1973), the same sets as ``networkx.articulation_points``,
  ``networkx.biconnected_components`` and ``networkx.bridges``;
* **core number** — igraph ``coreness`` (Batagelj & Zaversnik 2003), equal to
  ``networkx.core_number``;
* **PageRank** — NetworkX's own SciPy power iteration (``_pagerank_scipy``:
  same matrix, same start, same update, same stopping rule), with the sparse
  matrix built from integer arrays instead of NetworkX's per-edge Python loop.
  It equals ``networkx.pagerank`` to rounding (~1e-16). igraph's PRPACK solves
  the stationary vector exactly but was 10× *slower* than NetworkX on the
  structure graph (bench/analytics.py), and rustworkx is not a runtime
  dependency (its ``pagerank`` is the same power iteration, returning the
  iterate before the last one).

The tests in ``tests/analytics/test_kernels.py`` and
``tests/analytics/test_dependencies.py`` check equality with NetworkX on
seeded random graphs (directed, undirected, weighted, with self-loops,
isolated and dangling nodes, personalization).

Conversion. The integer form of a graph (node order, edge index pairs and the
igraph graph) is built once and kept in the graph's ``__networkx_cache__``,
the cache NetworkX itself clears on every structural change (``add_edge``,
``remove_node`` …), so a second kernel on the same graph skips the
conversion. Edge *attributes* (weights) are always read afresh. Frozen graphs
and views are never cached (their base graph may change under them).

Betweenness scaling (NetworkX 3.x ``_rescale``, ``endpoints=False``): igraph
returns the sum of pair dependencies over unordered pairs (undirected) or
ordered pairs (directed) for the chosen sources. With ``N = n - 1``, ``k'`` =
number of sources excluding the node itself (``N`` when exact; ``k - 1`` for
a sampled source, ``k`` for a non-source) and ``c`` = 2 undirected / 1
directed::

    unnormalised = igraph · N / k'
    normalised   = igraph · c / (k' · (N - 1))

Sampled sources are drawn exactly as NetworkX draws them
(``random.Random(seed).sample(list(G.nodes()), k)``), so the seeded sample is
the same set in both. On graphs of
:data:`~stakegraph.analytics.halves.SPLIT_MIN_NODES` nodes or more the sampled
sum runs as two halves of the sources, on two cores where the machine has them
(:mod:`stakegraph.analytics.halves`; the same numbers on any machine).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from itertools import chain, pairwise
from typing import Any, Literal

import networkx as nx
import numpy as np

from stakegraph.analytics.halves import SPLIT_MIN_NODES, betweenness_halves, second_core
from stakegraph.errors import ValidationError

#: Above this many nodes the kernels use the compiled path when ``backend="auto"``.
IGRAPH_THRESHOLD = 500
Backend = Literal["auto", "networkx", "igraph"]
PagerankBackend = Literal["auto", "networkx", "scipy"]
_CACHE_KEY = "stakegraph.kernels.indexed"


def _check(H: nx.Graph) -> None:
    if H.is_multigraph():
        raise ValidationError(
            "graph kernels take a simple Graph/DiGraph, not a multigraph", field="G",
            fix="collapse parallel edges first with stakegraph.analytics.selection.structural_graph",
        )


def _check_undirected(H: nx.Graph, what: str) -> None:
    _check(H)
    if H.is_directed():
        raise ValidationError(
            f"{what} is defined on undirected graphs", field="G",
            fix="pass H.to_undirected() (NetworkX raises NetworkXNotImplemented here too)",
        )


def _use_compiled(H: nx.Graph, backend: str, threshold: int, fast: str, choices: tuple[str, ...]) -> bool:
    if backend not in choices:
        raise ValidationError(f"unknown backend {backend!r}", field="backend", value=backend,
                              fix="use " + ", ".join(repr(c) for c in choices))
    return backend == fast or (backend == "auto" and len(H) > threshold)


def uses_igraph(H: nx.Graph, backend: str, what: str, threshold: int = IGRAPH_THRESHOLD) -> bool:
    """Whether an undirected kernel (``what``, named in the error) runs on igraph for ``backend``: checks
    ``H`` as :func:`cut_structure` does, then the rule of every kernel (``"auto"``: above ``threshold``).

    >>> uses_igraph(nx.path_graph(3), "auto", "the cut structure"), uses_igraph(nx.path_graph(3), "igraph", "x")
    (False, True)
    """
    _check_undirected(H, what)
    return _use_compiled(H, backend, threshold, "igraph", ("auto", "networkx", "igraph"))


# ----------------------------------------------------------------------------- conversion
#: Edges handed to igraph as Python pairs at once when :meth:`IndexedGraph.igraph` builds a graph.
EDGE_CHUNK = 1 << 18


@dataclass
class IndexedGraph:
    """The topology of a NetworkX graph as integers: node ``i`` is ``nodes[i]``.

    Edge ``j`` (``src[j] → dst[j]``) is the ``j``-th edge of ``H.edges()``, so
    per-edge values read in ``H.edges(data=...)`` order line up with it, and
    it is edge ``j`` of :meth:`igraph`.
    """

    nodes: list[Any]
    index: dict[Any, int]
    src: np.ndarray
    dst: np.ndarray
    directed: bool
    _igraph: Any = field(default=None, repr=False)
    #: sampled betweenness started ahead (:func:`prefetch_betweenness`): (sources, directed) -> its future
    _pending: dict[tuple[tuple[int, ...], bool], Future[np.ndarray]] = field(default_factory=dict, repr=False)

    @property
    def has_selfloops(self) -> bool:
        """True when some edge joins a node to itself."""
        return bool(np.any(self.src == self.dst))

    @property
    def edges(self) -> list[tuple[int, int]]:
        """The edges as ``(source index, target index)`` pairs."""
        return list(zip(self.src.tolist(), self.dst.tolist(), strict=True))

    def igraph(self) -> Any:
        """The ``igraph.Graph`` (built on first use, then kept)."""
        if self._igraph is None:
            import igraph as ig

            # int pairs, read by igraph in C (a NumPy edge array takes its slow, erratic path) from an iterator
            # over a chunk at a time: a list of every pair would hold ~120 bytes per edge while igraph reads it
            self._igraph = ig.Graph(n=len(self.nodes), edges=self._pairs(), directed=self.directed)
        return self._igraph

    def _pairs(self) -> Iterator[tuple[int, int]]:
        """The edges as ``(source index, target index)`` pairs, made :data:`EDGE_CHUNK` at a time."""
        for lo in range(0, len(self.src), EDGE_CHUNK):
            yield from zip(self.src[lo:lo + EDGE_CHUNK].tolist(), self.dst[lo:lo + EDGE_CHUNK].tolist(), strict=True)


def _topology(H: nx.Graph) -> tuple[list[Any], dict[Any, int], np.ndarray, np.ndarray]:
    """Nodes, index map and edge arrays in ``H.edges()`` order, without a Python loop per edge.

    ``H.edges()`` walks the adjacency in node order and, undirected, yields
    ``(u, v)`` only when ``v`` comes at or after ``u``; the same walk is done
    here on whole arrays (C-level ``map`` over the adjacency).
    """
    nodes = list(H)
    index = {v: i for i, v in enumerate(nodes)}
    adj = H._adj  # NetworkX's adjacency dict-of-dicts, read directly (the views cost a Python call per node)
    n = len(nodes)
    if H.is_multigraph() or list(adj) != nodes:  # a multigraph repeats neighbours; keep NetworkX's own walk
        flat = np.fromiter((index[x] for e in H.edges() for x in e), dtype=np.int64, count=2 * H.number_of_edges())
        return nodes, index, flat[0::2].copy(), flat[1::2].copy()
    nbrs = list(adj.values())
    deg = np.fromiter(map(len, nbrs), dtype=np.int64, count=n)
    src = np.repeat(np.arange(n, dtype=np.int64), deg)
    dst = np.fromiter(map(index.__getitem__, chain.from_iterable(nbrs)), dtype=np.int64, count=int(deg.sum()))
    if not H.is_directed():
        keep = dst >= src
        src, dst = src[keep], dst[keep]
    return nodes, index, src, dst


def _kept(H: nx.Graph) -> tuple[dict[str, Any] | None, tuple[Any, ...]]:
    """(``H``'s cache, or ``None`` where nothing may be kept: frozen graphs and views; the key an integer
    form kept there must match)."""
    cache = getattr(H, "__networkx_cache__", None)
    if nx.is_frozen(H) or not isinstance(cache, dict):
        cache = None
    return cache, (H.graph.get("version"), len(H), H.is_directed())


def indexed(H: nx.Graph) -> IndexedGraph:
    """The integer form of ``H``, kept in ``H.__networkx_cache__`` until ``H`` changes.

    >>> H = nx.path_graph(["a", "b", "c"])
    >>> ix = indexed(H)
    >>> ix.nodes, ix.edges, indexed(H) is ix
    (['a', 'b', 'c'], [(0, 1), (1, 2)], True)
    """
    cache, key = _kept(H)
    if cache is not None:
        hit = cache.get(_CACHE_KEY)
        if hit is not None and hit[0] == key:
            return hit[1]  # type: ignore[no-any-return]
    ix = IndexedGraph(*_topology(H), H.is_directed())
    if cache is not None:
        cache[_CACHE_KEY] = (key, ix)
    return ix


def seed_indexed(H: nx.Graph, ix: IndexedGraph) -> None:
    """Keep ``ix`` as ``H``'s integer form (what :func:`indexed` would build), for a builder of ``H`` that
    has it at hand (:func:`stakegraph.analytics.structure_fast.structural_graph_fast`); ``H`` must be
    complete (its node count is part of the key)."""
    cache, key = _kept(H)
    if cache is not None:
        cache[_CACHE_KEY] = (key, ix)


def _edge_values(H: nx.Graph, attr: str, m: int) -> np.ndarray:
    """``attr`` of every edge in ``H.edges()`` order (1 where absent), as floats."""
    return np.fromiter((w for _, _, w in H.edges(data=attr, default=1.0)), dtype=float, count=m)


# ----------------------------------------------------------------------------- betweenness
def sample_sources(H: nx.Graph, k: int | None, seed: int | None) -> list[Any] | None:
    """The sources NetworkX samples for ``betweenness_centrality(k=k, seed=seed)`` (``None`` = all)."""
    return _sample(list(H.nodes()), k, seed)


def _sampled(n: int, k: int | None) -> bool:
    """Whether betweenness from ``k`` sources of ``n`` nodes samples them (else it is exact)."""
    return k is not None and k < n


def _sample(nodes: list[Any], k: int | None, seed: int | None) -> list[Any] | None:
    if not _sampled(len(nodes), k):
        return None
    assert k is not None  # for the type checker: a sample has a size
    if k < 1:
        raise ValidationError(f"k must be >= 1, not {k}", field="k", value=k, fix="pass a sample size or None")
    return random.Random(seed).sample(nodes, k)


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
    _check(H)
    if len(H) == 0:
        return {}
    ix = indexed(H)
    weights = None if weight is None else _edge_values(H, weight, len(ix.src))
    return betweenness_indexed(ix, weights=weights, normalized=normalized, k=k, seed=seed)


def betweenness_indexed(
    ix: IndexedGraph, *, weights: np.ndarray | None = None, normalized: bool = True,
    k: int | None = None, seed: int | None = None,
) -> dict[Any, float]:
    """:func:`betweenness_igraph` on an integer graph; ``weights`` (distances) in its edge order.

    The sampled sources are drawn from ``ix.nodes`` as NetworkX draws them from ``list(G)``.

    >>> ix = IndexedGraph([0, 1, 2], {0: 0, 1: 1, 2: 2}, np.array([0, 1]), np.array([1, 2]), False)
    >>> betweenness_indexed(ix, normalized=False)
    {0: 0.0, 1: 1.0, 2: 0.0}
    """
    nodes, directed = ix.nodes, ix.directed
    n = len(nodes)
    if n == 0:
        return {}
    w = None if weights is None else weights.tolist()
    sources = _sample(nodes, k, seed)
    if sources is None:
        raw = ix.igraph().betweenness(directed=directed, weights=w)
    elif _compiled_sums(n, True, weights):  # compiled breadth-first sums, two halves (brandes.py)
        raw = _brandes_raw(ix, [ix.index[s] for s in sources]).tolist()
    else:  # two halves of the sources on a large graph, on two cores where there are two (same numbers)
        raw = betweenness_halves(ix.igraph(), sources=[ix.index[s] for s in sources], directed=directed,
                                 weights=w).tolist()
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


def _compiled_sums(n: int, sampled: bool, weights: Any) -> bool:
    """Whether a betweenness of ``n`` nodes runs the compiled sums (:mod:`stakegraph.analytics.brandes`):
    sampled sources, no weights, at least :data:`~stakegraph.analytics.halves.SPLIT_MIN_NODES` nodes."""
    return sampled and weights is None and n >= SPLIT_MIN_NODES


def _brandes_raw(ix: IndexedGraph, sources: list[int]) -> np.ndarray:
    """The unscaled sampled betweenness of ``ix`` from ``sources`` (vertex numbers): the run
    :func:`prefetch_betweenness` started, when there is one, else one now on two cores where there are two."""
    from stakegraph.analytics.brandes import brandes_sources

    pending = ix._pending.pop((tuple(sources), ix.directed), None)
    if pending is not None:
        return pending.result()
    return brandes_sources(ix.src, ix.dst, len(ix.nodes), sources, directed=ix.directed,
                           threads=2 if second_core() else 1)


def prefetch_betweenness(H: nx.Graph, *, k: int, seed: int | None) -> bool:
    """Start the sampled betweenness of ``H`` (``k`` sources drawn with ``seed``, unweighted) in a background
    thread, for a later :func:`betweenness` of ``H`` with the same ``k`` and ``seed`` to take.

    Only where that call would run the compiled sums (:mod:`stakegraph.analytics.brandes`: ``H`` of at least
    :data:`~stakegraph.analytics.halves.SPLIT_MIN_NODES` nodes, ``k`` below its size); they release the GIL,
    so the caller goes on with other work on the other core. The values are the same as without it (the same
    halves, added in the same order). Returns whether a run was started.

    >>> prefetch_betweenness(nx.path_graph(10), k=3, seed=0)  # small: nothing to start
    False
    """
    _check(H)
    n = len(H)
    if not _compiled_sums(n, _sampled(n, k), None):
        return False
    ix = indexed(H)
    numbers = [ix.index[s] for s in _sample(ix.nodes, k, seed) or ()]
    key = (tuple(numbers), ix.directed)
    if key in ix._pending:
        return True
    from stakegraph.analytics.brandes import brandes_sources

    future: Future[np.ndarray] = Future()

    def run() -> None:
        try:
            future.set_result(brandes_sources(ix.src, ix.dst, n, numbers, directed=ix.directed, threads=1))
        except BaseException as e:  # noqa: BLE001 - raised where the result is read
            future.set_exception(e)

    ix._pending[key] = future
    threading.Thread(target=run, name="stakegraph-betweenness", daemon=True).start()
    return True


def betweenness(
    H: nx.Graph, *, weight: str | None = None, normalized: bool = True,
    k: int | None = None, seed: int | None = None, backend: Backend = "auto",
    threshold: int = IGRAPH_THRESHOLD,
) -> tuple[dict[Any, float], str]:
    """Betweenness by NetworkX or igraph (same numbers); returns the values and the backend used (``"numba"``
    where a large sampled unweighted run took the compiled sums of :mod:`stakegraph.analytics.brandes`).

    ``backend="auto"`` uses igraph when ``H`` has more than ``threshold`` nodes.

    >>> betweenness(nx.star_graph(3), normalized=False, backend="networkx")
    ({0: 3.0, 1: 0.0, 2: 0.0, 3: 0.0}, 'networkx')
    """
    _check(H)
    if _use_compiled(H, backend, threshold, "igraph", ("auto", "networkx", "igraph")):
        values = betweenness_igraph(H, weight=weight, normalized=normalized, k=k, seed=seed)
        return values, "numba" if _compiled_sums(len(H), _sampled(len(H), k), weight) else "igraph"
    kk = None if k is None or k >= len(H) else k
    values = nx.betweenness_centrality(H, k=kk, normalized=normalized, weight=weight, seed=seed)
    return {v: float(b) for v, b in values.items()}, "networkx"


# ----------------------------------------------------------------------------- cut structure
@dataclass(frozen=True)
class CutStructure:
    """Articulation points, biconnected components (blocks) and bridges of an undirected graph.

    Equal as sets to ``networkx.articulation_points``, ``biconnected_components``
    and ``bridges`` (a bridge's two ends may come in either order; the order
    of blocks and points is the library's).
    """

    points: frozenset[Any]
    blocks: tuple[frozenset[Any], ...]
    bridges: tuple[tuple[Any, Any], ...]
    backend: str


def cut_structure(H: nx.Graph, *, backend: Backend = "auto", threshold: int = IGRAPH_THRESHOLD) -> CutStructure:
    """Articulation points, blocks and bridges in one pass (Hopcroft & Tarjan 1973).

    ``backend="auto"`` uses igraph (``biconnected_components`` with articulation
    points, ``bridges``) above ``threshold`` nodes, NetworkX otherwise.

    Examples
    --------
    >>> c = cut_structure(nx.path_graph(3), backend="igraph")
    >>> sorted(c.points), sorted(map(sorted, c.blocks)), sorted(map(sorted, c.bridges)), c.backend
    ([1], [[0, 1], [1, 2]], [[0, 1], [1, 2]], 'igraph')

    References
    ----------
    .. [1] J. Hopcroft and R. Tarjan, "Algorithm 447: efficient algorithms for
       graph manipulation", Communications of the ACM 16(6):372-378, 1973.
    """
    if not uses_igraph(H, backend, "the cut structure", threshold):
        return CutStructure(frozenset(nx.articulation_points(H)),
                            tuple(frozenset(b) for b in nx.biconnected_components(H)),
                            tuple(nx.bridges(H)), "networkx")
    return cut_structure_indexed(indexed(H))


@dataclass(frozen=True)
class CutArrays:
    """:class:`CutStructure` of an :class:`IndexedGraph` as integer arrays (node numbers, edge numbers).

    ``points``: the articulation points (igraph's order); block ``i`` is
    ``vertex[ptr[i]:ptr[i + 1]]`` (ascending node numbers, igraph's block order); ``bridges``: the
    bridges' edge numbers, in the order of their blocks.
    """

    points: np.ndarray
    ptr: np.ndarray
    vertex: np.ndarray
    bridges: np.ndarray


def cut_arrays_indexed(ix: IndexedGraph) -> CutArrays:
    """Articulation points, blocks and bridges (igraph, Hopcroft & Tarjan 1973) of an undirected integer
    graph, as arrays: what :func:`cut_structure_indexed` turns into node ids.

    >>> ca = cut_arrays_indexed(indexed(nx.path_graph(3)))
    >>> ca.points.tolist(), ca.ptr.tolist(), ca.vertex.tolist(), sorted(ca.bridges.tolist())
    ([1], [0, 2, 4], [1, 2, 0, 1], [0, 1])
    """
    import igraph as ig

    g, n = ix.igraph(), len(ix.nodes)
    # the C call gives each block as the edge ids of a spanning tree; its vertices are read here
    # from the edge arrays in one NumPy pass (igraph's own wrapper loops over the edges in Python)
    trees, aps = ig.GraphBase.biconnected_components(g, True)
    vertex = np.zeros(0, dtype=np.int64)
    counts = np.zeros(0, dtype=np.int64)
    bridges = np.zeros(0, dtype=np.int64)
    if trees:
        sizes = np.fromiter(map(len, trees), dtype=np.int64, count=len(trees))
        eids = np.fromiter(chain.from_iterable(trees), dtype=np.int64, count=int(sizes.sum()))
        comp = np.repeat(np.arange(len(trees), dtype=np.int64), sizes) * n
        block_of, vertex = np.divmod(np.unique(np.concatenate((comp + ix.src[eids], comp + ix.dst[eids]))), n)
        counts = np.bincount(block_of, minlength=len(trees))
        # a bridge is a block of one edge (the graph is simple: a block of two nodes has one edge between them)
        bridges = eids[(np.cumsum(sizes) - sizes)[sizes == 1]]
    ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return CutArrays(np.asarray(aps, dtype=np.int64), ptr, vertex, bridges)


def cut_structure_indexed(ix: IndexedGraph) -> CutStructure:
    """:func:`cut_structure` (igraph) of an undirected integer graph."""
    ca, nodes = cut_arrays_indexed(ix), ix.nodes
    members = ca.vertex.tolist()
    bounds = ca.ptr.tolist()
    return CutStructure(
        frozenset(nodes[i] for i in ca.points.tolist()),
        tuple(frozenset(map(nodes.__getitem__, members[a:b])) for a, b in pairwise(bounds)),
        tuple((nodes[ix.src[e]], nodes[ix.dst[e]]) for e in ca.bridges.tolist()),
        "igraph",
    )


def articulation_points(H: nx.Graph, *, backend: Backend = "auto", threshold: int = IGRAPH_THRESHOLD) -> list[Any]:
    """The cut vertices of undirected ``H`` (the set of ``networkx.articulation_points``).

    >>> articulation_points(nx.path_graph(4), backend="igraph")
    [1, 2]
    """
    if not uses_igraph(H, backend, "articulation points", threshold):
        return list(nx.articulation_points(H))
    return articulation_points_indexed(indexed(H))


def articulation_points_indexed(ix: IndexedGraph) -> list[Any]:
    """:func:`articulation_points` (igraph) of an undirected integer graph, in node order."""
    return [ix.nodes[i] for i in sorted(ix.igraph().articulation_points())]


def bridges(H: nx.Graph, *, backend: Backend = "auto", threshold: int = IGRAPH_THRESHOLD) -> list[tuple[Any, Any]]:
    """The bridges of undirected ``H`` (the edges of ``networkx.bridges``, ends in ``H.edges()`` order).

    >>> bridges(nx.path_graph(3), backend="igraph")
    [(0, 1), (1, 2)]
    """
    if not uses_igraph(H, backend, "bridges", threshold):
        return list(nx.bridges(H))
    return bridges_indexed(indexed(H))


def bridges_indexed(ix: IndexedGraph) -> list[tuple[Any, Any]]:
    """:func:`bridges` (igraph) of an undirected integer graph, in edge order."""
    return [(ix.nodes[ix.src[e]], ix.nodes[ix.dst[e]]) for e in sorted(ix.igraph().bridges())]


# ----------------------------------------------------------------------------- core number
def core_number(H: nx.Graph, *, backend: Backend = "auto", threshold: int = IGRAPH_THRESHOLD) -> dict[Any, int]:
    """k-core number of every node (Batagelj & Zaversnik 2003), equal to ``networkx.core_number``.

    Directed graphs use in-degree + out-degree, as NetworkX does. A graph with
    self-loops goes to NetworkX, which refuses it with the fix to apply.

    >>> core_number(nx.complete_graph(4), backend="igraph")
    {0: 3, 1: 3, 2: 3, 3: 3}

    References
    ----------
    .. [1] V. Batagelj and M. Zaversnik, "An O(m) algorithm for cores
       decomposition of networks", arXiv:cs/0310049, 2003.
    """
    _check(H)
    if _use_compiled(H, backend, threshold, "igraph", ("auto", "networkx", "igraph")):
        ix = indexed(H)
        if not ix.has_selfloops:
            return core_number_indexed(ix)
    return {v: int(c) for v, c in nx.core_number(H).items()}


def core_number_indexed(ix: IndexedGraph) -> dict[Any, int]:
    """:func:`core_number` (igraph ``coreness``) of an integer graph without self-loops."""
    if ix.has_selfloops:
        raise nx.NetworkXNotImplemented("Input graph has self loops which is not permitted; "
                                        "Consider using G.remove_edges_from(nx.selfloop_edges(G)).")
    return dict(zip(ix.nodes, ix.igraph().coreness(mode="all"), strict=True))


# ----------------------------------------------------------------------------- PageRank
def pagerank_scipy(
    H: nx.Graph, *, weight: str | None = None, alpha: float = 0.85, tol: float = 1e-10,
    max_iter: int = 1000, personalization: Mapping[Any, float] | None = None,
    dangling: Mapping[Any, float] | None = None,
) -> dict[Any, float]:
    """NetworkX's SciPy PageRank iteration on a matrix built from integer edge arrays.

    The arguments mean what they mean in :func:`pagerank` (``tol`` is the
    absolute L1 tolerance). Undirected edges count in both directions and a
    self-loop once, missing weights are 1 and parallel directions are summed,
    exactly as ``networkx.to_scipy_sparse_array`` builds the matrix; dangling
    nodes (zero out-weight) spread their rank by ``dangling`` (default: the
    personalization vector). Parallel edges of a multigraph are summed, as in
    NetworkX. Raises ``networkx.PowerIterationFailedConvergence`` like NetworkX.

    >>> pr = pagerank_scipy(nx.DiGraph([(0, 1), (1, 2)]))
    >>> round(sum(pr.values()), 12), pr[2] > pr[1] > pr[0]
    (1.0, True)
    """
    if len(H) == 0:
        return {}
    ix = indexed(H)
    w = None if weight is None else _edge_values(H, weight, len(ix.src))
    return pagerank_indexed(ix, weights=w, alpha=alpha, tol=tol, max_iter=max_iter,
                            personalization=personalization, dangling=dangling)


def pagerank_indexed(
    ix: IndexedGraph, *, weights: np.ndarray | None = None, alpha: float = 0.85, tol: float = 1e-10,
    max_iter: int = 1000, personalization: Mapping[Any, float] | None = None,
    dangling: Mapping[Any, float] | None = None,
) -> dict[Any, float]:
    """:func:`pagerank_scipy` on an integer graph; ``weights`` in its edge order (``None``: 1)."""
    import scipy.sparse as sps

    nodes = ix.nodes
    N = len(nodes)
    if N == 0:
        return {}
    src, dst = ix.src, ix.dst
    w = np.ones(len(src)) if weights is None else weights
    if ix.directed:
        rows, cols, data = src, dst, w
    else:
        off = src != dst  # a self-loop is one entry on the diagonal
        rows, cols, data = (np.concatenate((src, dst[off])), np.concatenate((dst, src[off])),
                            np.concatenate((w, w[off])))
    A = sps.csr_array((data, (rows, cols)), shape=(N, N))
    S = np.asarray(A.sum(axis=1), dtype=float)
    nz = S != 0
    S[nz] = 1.0 / S[nz]
    A = sps.dia_array((S, 0), shape=A.shape).tocsr() @ A
    x = np.repeat(1.0 / N, N)
    if personalization is None:
        p = np.repeat(1.0 / N, N)
    else:
        p = np.array([personalization.get(v, 0) for v in nodes], dtype=float)
        if p.sum() == 0:
            raise ZeroDivisionError("personalization sums to 0 over the graph's nodes")
        p /= p.sum()
    if dangling is None:
        dw = p
    else:
        dw = np.array([dangling.get(v, 0) for v in nodes], dtype=float)
        dw /= dw.sum()
    is_dangling = np.flatnonzero(S == 0)
    AT = A.T  # ``x @ A`` is ``A.T @ x``: transposed once here, not once per iteration
    stop = N * (tol / N)  # NetworkX is called with tol / n and stops at err < n * tol
    for _ in range(max_iter):
        xlast = x
        x = alpha * (AT @ x + x[is_dangling].sum() * dw) + (1 - alpha) * p
        if np.absolute(x - xlast).sum() < stop:
            return dict(zip(nodes, x.tolist(), strict=True))
    raise nx.PowerIterationFailedConvergence(max_iter)


def pagerank(
    H: nx.Graph, *, weight: str | None = None, alpha: float = 0.85, tol: float = 1e-10,
    max_iter: int = 1000, personalization: Mapping[Any, float] | None = None,
    dangling: Mapping[Any, float] | None = None, backend: PagerankBackend = "auto",
    threshold: int = IGRAPH_THRESHOLD,
) -> dict[Any, float]:
    """PageRank (Brin & Page 1998) with an absolute L1 tolerance ``tol``.

    ``networkx.pagerank`` stops when the L1 change is below ``n * tol``; this
    passes ``tol / n`` so that the stopping rule is ``tol`` whatever the size.
    ``backend="auto"`` runs :func:`pagerank_scipy` (the same iteration, the
    matrix built from integer arrays) above ``threshold`` nodes and
    ``networkx.pagerank`` otherwise; both give the same numbers to rounding.

    >>> round(sum(pagerank(nx.cycle_graph(4)).values()), 12)
    1.0

    References
    ----------
    .. [1] S. Brin and L. Page, "The anatomy of a large-scale hypertextual Web
       search engine", Computer Networks 30:107-117, 1998.
    """
    use = _use_compiled(H, backend, threshold, "scipy", ("auto", "networkx", "scipy"))
    if len(H) == 0:
        return {}
    if use:
        return pagerank_scipy(H, weight=weight, alpha=alpha, tol=tol, max_iter=max_iter,
                              personalization=personalization, dangling=dangling)
    n = len(H)
    return {v: float(p) for v, p in nx.pagerank(
        H, alpha=alpha, weight=weight, tol=tol / n, max_iter=max_iter,
        personalization=dict(personalization) if personalization is not None else None,
        dangling=dict(dangling) if dangling is not None else None).items()}
