"""The structural analytics straight from the columnar graph index, without building NetworkX.

:func:`structure` is :func:`stakegraph.analytics.selection.structural_graph` computed as masks and
one ``np.unique`` over the index's arrays (:class:`stakegraph.store.graphindex.GraphIndex`): the
same nodes in the same order, the same node pairs, the same ``strength`` (summed declared weights,
1 for an edge without a positive one) and ``distance = 1 / strength``. The kernels of
:mod:`stakegraph.analytics.kernels` then run on it directly (igraph / SciPy), so betweenness,
PageRank, core number and the cut structure are the numbers of the NetworkX reference
(``tests/analytics/test_kernels_index.py`` proves it on seeded graphs).

>>> from stakegraph.model import EdgeRecord, NodeRecord
>>> from stakegraph.store import EmbeddedStore
>>> from stakegraph.store.graphindex import build_index
>>> with EmbeddedStore(":memory:") as store:
...     _ = store.write([NodeRecord(i, "party", {"name": i, "kind": "company"}) for i in "abc"],
...                     [EdgeRecord("e1", "lends_to", "a", "b", {"amount": 4.0}),
...                      EdgeRecord("e2", "lends_to", "b", "c", {"amount": 1.0})])
...     S = structure(build_index(store))
>>> S.nodes, S.pairs(), articulation_points(S)
(['a', 'b', 'c'], [('a', 'b'), ('b', 'c')], ['b'])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from stakegraph.analytics import kernels as kn
from stakegraph.analytics.selection import STRUCTURAL_KINDS, STRUCTURAL_TYPES, check_kinds
from stakegraph.arrays import unique_ints
from stakegraph.store.graphindex import GraphIndex

__all__ = ["Structure", "structure", "betweenness", "pagerank", "core_number", "cut_structure",
           "articulation_points", "bridges"]


@dataclass
class Structure:
    """The structural graph as integers: node ``i`` is ``nodes[i]``, pair ``j`` joins ``src[j]``–``dst[j]``.

    Undirected pairs have ``src < dst`` (node order), as ``networkx.Graph.edges()`` yields them.
    """

    nodes: list[str]
    src: np.ndarray
    dst: np.ndarray
    strength: np.ndarray
    directed: bool
    version: str = ""
    _ix: kn.IndexedGraph | None = field(default=None, repr=False)

    @property
    def distance(self) -> np.ndarray:
        """1 / strength per pair (strong ties are short)."""
        return 1.0 / self.strength

    def indexed(self) -> kn.IndexedGraph:
        """The kernels' integer graph (its igraph built once, on first use)."""
        if self._ix is None:
            self._ix = kn.IndexedGraph(self.nodes, {v: i for i, v in enumerate(self.nodes)}, self.src, self.dst,
                                       self.directed)
        return self._ix

    def pairs(self) -> list[tuple[str, str]]:
        """The joined pairs as node ids."""
        nodes = self.nodes
        return [(nodes[a], nodes[b]) for a, b in zip(self.src.tolist(), self.dst.tolist(), strict=True)]


def structure(index: GraphIndex, *, kinds: Iterable[str] = STRUCTURAL_KINDS,
              types: Iterable[str] = STRUCTURAL_TYPES, directed: bool = False, active_only: bool = True) -> Structure:
    """:func:`~stakegraph.analytics.selection.structural_graph` of the index's graph, from its arrays.

    Nodes of ``types`` (in projection order), joined by the ``kinds`` edges (active ones unless
    ``active_only=False``) between two of them; self-loops dropped; parallel edges collapsed
    with their weights summed (a missing, non-positive or non-numeric weight counts 1).
    """
    wanted = check_kinds(kinds)
    keep_node = index.type_mask(types)
    pos = np.cumsum(keep_node) - 1
    n = int(keep_node.sum())
    nodes = [index.node_ids[i] for i in np.flatnonzero(keep_node).tolist()]
    src, dst = index.src, index.dst
    mask = index.kind_mask(wanted) & keep_node[src] & keep_node[dst] & (src != dst)
    if active_only:
        mask &= index.active
    u, v = pos[src[mask]], pos[dst[mask]]
    w = index.weight[mask]
    w = np.where(np.isnan(w) | (w <= 0), 1.0, w)
    if not directed:
        u, v = np.minimum(u, v), np.maximum(u, v)
    key = u.astype(np.int64) * max(n, 1) + v
    uniq, inverse = unique_ints(key, return_inverse=True)
    strength = np.bincount(inverse.ravel(), weights=w, minlength=len(uniq))
    return Structure(nodes, uniq // max(n, 1), uniq % max(n, 1), strength, directed, index.version)


def betweenness(S: Structure, *, weighted: bool = False, normalized: bool = True, k: int | None = None,
                seed: int | None = None) -> dict[str, float]:
    """:func:`stakegraph.analytics.kernels.betweenness` (igraph; Brandes 2001, sampled Brandes & Pich 2007)
    of the structural graph; ``weighted`` uses distance = 1 / strength."""
    return kn.betweenness_indexed(S.indexed(), weights=S.distance if weighted else None, normalized=normalized,
                                  k=k, seed=seed)


def pagerank(S: Structure, *, weighted: bool = False, alpha: float = 0.85, tol: float = 1e-10,
             personalization: Mapping[str, float] | None = None) -> dict[str, float]:
    """:func:`stakegraph.analytics.kernels.pagerank` (NetworkX's SciPy power iteration; Brin & Page 1998);
    ``weighted`` uses the strength."""
    return kn.pagerank_indexed(S.indexed(), weights=S.strength if weighted else None, alpha=alpha, tol=tol,
                               personalization=personalization)


def core_number(S: Structure) -> dict[str, int]:
    """:func:`stakegraph.analytics.kernels.core_number` (Batagelj & Zaversnik 2003)."""
    return kn.core_number_indexed(S.indexed())


def cut_structure(S: Structure) -> kn.CutStructure:
    """:func:`stakegraph.analytics.kernels.cut_structure` (Hopcroft & Tarjan 1973) of the undirected structure."""
    _undirected(S)
    return kn.cut_structure_indexed(S.indexed())


def articulation_points(S: Structure) -> list[str]:
    """The cut vertices (:func:`stakegraph.analytics.kernels.articulation_points`)."""
    _undirected(S)
    return kn.articulation_points_indexed(S.indexed())


def bridges(S: Structure) -> list[tuple[str, str]]:
    """The bridges (:func:`stakegraph.analytics.kernels.bridges`)."""
    _undirected(S)
    return kn.bridges_indexed(S.indexed())


def _undirected(S: Structure) -> None:
    if S.directed:
        from stakegraph.errors import ValidationError

        raise ValidationError("the cut structure is defined on undirected graphs", field="directed",
                              fix="build the structure with directed=False")
