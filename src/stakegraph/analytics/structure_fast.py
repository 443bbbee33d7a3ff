"""The party/project structure graph built from the projection's edge columns.

:func:`structural_graph_fast` returns exactly :func:`stakegraph.analytics.selection.structural_graph`
(same nodes in the same order, same neighbours in the same order, same ``strength``, ``distance``,
``edges`` and ``kinds`` per pair: ``tests/analytics/test_structure_fast.py`` checks it on seeded
graphs, generated portfolios and the bundled sample). The reference walks ``G.edges(keys=True,
data=True)`` through NetworkX's views and calls ``has_edge``/``add_edge`` per edge. Here the edges come
from the shared edge table (:func:`stakegraph.analytics.timeline_fast.columns`, the projection's edges in
its own order) and the pairs are aggregated with NumPy:

* the edges kept are a mask (kind, active status, both ends of the kept types, not a self-loop);
* each pair is a code (the two node numbers, ordered for an undirected graph), the pairs are put in
  first-seen order (the order in which the reference adds them: it fixes each node's neighbour order);
* ``strength`` is a sequential ``np.bincount`` of the weights (the kind's declared weight as a number,
  1 when absent or not positive) in edge order: the reference's ``+=`` in the same order, the same bits;
* ``distance`` is ``1.0 / strength`` as one NumPy division (IEEE division, the bits of Python's ``1.0 / s``);
* every pair's dict is first built as if it had one edge (``[key]``, ``{kind}`` of its first edge: most
  pairs have one), then the pairs with more edges get their slices of the kept edges sorted (stably) by
  pair (edge order within a pair); the kinds set is built from its slice in edge order (the reference's
  ``add`` order);
* each node's neighbour dict is built at once, ``dict(zip(neighbours, pair dicts))``, from the pair ends
  grouped by node with a stable sort: first-seen pair order within a node, the order ``add_edge``
  inserted them (an undirected pair's dict is shared by both ends, as ``add_edge`` does).

A graph the table cannot read (node ids that are not text, kinds that are not text) takes the one-pass
loop over the adjacency (:func:`_structural_graph_loop`, equal to the reference as well); a graph that
is not a ``MultiDiGraph`` goes to the reference.

>>> M = nx.MultiDiGraph()
>>> M.add_node("a", type="party"); M.add_node("p", type="project")
>>> _ = M.add_edge("a", "p", key="e1", kind="lends_to", amount=4.0)
>>> H = structural_graph_fast(M)
>>> H["a"]["p"]["strength"], H["a"]["p"]["edges"]
(4.0, ['e1'])
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat
from typing import Any

import networkx as nx
import numpy as np

from stakegraph.analytics import kernels as kn
from stakegraph.analytics.first_seen import first_seen
from stakegraph.analytics.selection import (
    INACTIVE_STATUSES,
    STRUCTURAL_KINDS,
    STRUCTURAL_TYPES,
    check_kinds,
    declared_weight,
    number,
    structural_graph,
)
from stakegraph.analytics.timeline_fast import Columns, columns

__all__ = ["structural_graph_fast"]


def structural_graph_fast(
    G: nx.MultiDiGraph,
    *,
    kinds: Iterable[str] = STRUCTURAL_KINDS,
    types: Iterable[str] = STRUCTURAL_TYPES,
    directed: bool = False,
    active_only: bool = True,
) -> nx.Graph:
    """:func:`~stakegraph.analytics.selection.structural_graph`, the pairs aggregated from the edge columns.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection (another graph class goes to the reference).
    kinds : iterable of str
        Relationship kinds that tie two nodes.
    types : iterable of str
        Node types kept (every one of them, joined or not).
    directed : bool
        A ``DiGraph`` (pairs by direction) instead of a ``Graph``.
    active_only : bool
        Leave out edges whose status says they ended.

    Returns
    -------
    nx.Graph or nx.DiGraph
        Equal to the reference: nodes, neighbour order, pair attributes (``strength``, ``edges``,
        ``kinds``, ``distance`` in that order), graph attributes.

    Examples
    --------
    >>> M = nx.MultiDiGraph()
    >>> M.add_nodes_from(["a", "b"], type="party")
    >>> _ = M.add_edge("a", "b", key="1", kind="lends_to", amount=2.0)
    >>> _ = M.add_edge("b", "a", key="2", kind="builds")
    >>> H = structural_graph_fast(M)
    >>> H["a"]["b"]["strength"], H["a"]["b"]["distance"], H["a"]["b"]["edges"]
    (3.0, 0.3333333333333333, ['1', '2'])

    See Also
    --------
    stakegraph.analytics.selection.structural_graph : the reference (NetworkX calls per edge).
    stakegraph.analytics.timeline_fast.columns : the shared edge table read here.

    References
    ----------
    .. [1] A. Hagberg, D. Schult and P. Swart, "Exploring network structure, dynamics, and function
       using NetworkX", SciPy 2008 — the dict-of-dicts adjacency filled here.
    .. [2] C. R. Harris et al., "Array programming with NumPy", Nature 585 (2020) — ``unique``,
       ``bincount`` and stable ``argsort`` used for the pairs.
    """
    if not (G.is_multigraph() and G.is_directed()):
        return structural_graph(G, kinds=kinds, types=types, directed=directed, active_only=active_only)
    wanted_types = set(types)
    wanted = check_kinds(kinds)
    cols = columns(G)
    if cols is None or len(cols.nodes) ** 2 >= 2**62:  # not readable, or the pair codes would not fit
        return _structural_graph_loop(G, wanted, wanted_types, directed, active_only)
    H: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    H.graph.update(G.graph)
    types_of = map(dict.get, G._node.values(), repeat("type"))  # noqa: SLF001 - ``t in wanted_types``, at C speed
    keep = np.fromiter(map(wanted_types.__contains__, types_of), dtype=bool, count=len(cols.nodes))
    src, dst = cols.src, cols.dst
    mask = cols.kind_mask(wanted) & keep[src] & keep[dst] & (src != dst)
    if active_only:
        mask &= cols.active
    sel = np.flatnonzero(mask)
    pairs, ends = _pairs(cols, wanted, directed, sel)
    _fill(H, cols.nodes, keep, pairs, ends, directed)
    return H


def _pairs(cols: Columns, wanted: tuple[str, ...], directed: bool, sel: np.ndarray
           ) -> tuple[list[dict[str, Any]], tuple[np.ndarray, np.ndarray]]:
    """Each pair's attribute dict in first-seen order, and each pair's two ends (node numbers)."""
    empty = np.zeros(0, dtype=np.int64)
    if len(sel) == 0:
        return [], (empty, empty)
    src, dst = cols.src, cols.dst
    weight, _money = cols.weight(wanted)
    w = weight[sel]
    w = np.where(np.isnan(w) | (w <= 0), 1.0, w)  # ``1.0 if w is None or w <= 0 else w``
    u, v = src[sel], dst[sel]
    n_nodes = max(len(cols.nodes), 1)
    code = u * n_nodes + v if directed else np.minimum(u, v) * n_nodes + np.maximum(u, v)
    seen = first_seen(code)  # pairs in first-seen order: the reference's add_edge order
    n_pairs = len(seen.values)
    pair = seen.code  # each kept edge's pair, numbered in first-seen order
    strength = np.bincount(pair, weights=w, minlength=n_pairs)  # sequential, in edge order
    firsts = sel[seen.first]  # each pair's first edge: its ends as the reference saw them
    keys, kinds_of = cols.keys, cols.kinds
    # every pair as if it had one edge (most do), then the pairs with more get their slices
    pairs = [{"strength": s, "edges": [k], "kinds": {t}, "distance": d}
             for s, k, t, d in zip(strength.tolist(), map(keys.__getitem__, firsts.tolist()),
                                   map(kinds_of.__getitem__, cols.kind[firsts].tolist()),
                                   (1.0 / strength).tolist(), strict=True)]
    counts = np.bincount(pair, minlength=n_pairs)
    many = np.flatnonzero(counts > 1)
    if len(many):
        in_many = np.flatnonzero(counts[pair] > 1)
        grouped = sel[in_many[np.argsort(pair[in_many], kind="stable")]]  # by pair, edge order within
        ekeys = list(map(keys.__getitem__, grouped.tolist()))
        ekinds = list(map(kinds_of.__getitem__, cols.kind[grouped].tolist()))
        stops = np.cumsum(counts[many]).tolist()
        for p, a, b in zip(many.tolist(), [0, *stops[:-1]], stops, strict=True):
            attrs = pairs[p]
            attrs["edges"] = ekeys[a:b]
            attrs["kinds"] = set(ekinds[a:b])
    return pairs, (src[firsts], dst[firsts])


def _fill(H: nx.Graph, nodes: list[str], keep: np.ndarray, pairs: list[dict[str, Any]],
          ends: tuple[np.ndarray, np.ndarray], directed: bool) -> None:
    """Fill ``H``'s node and adjacency dicts: the kept nodes in node order, each one's neighbours in pair order.

    Each node's neighbour dict is built at once (``dict(zip(...))``) from its entries, the pair ends grouped
    by node with a stable sort (pair order within a node): the order in which ``add_edge`` inserted them.
    The same walk gives ``H``'s integer form (:func:`stakegraph.analytics.kernels.indexed`: ``H.edges()``
    order), kept in ``H``'s cache so that the kernels need not walk the dicts again.
    """
    kept = np.flatnonzero(keep)
    names = list(map(nodes.__getitem__, kept.tolist()))
    a_end, b_end = ends
    n_pairs = len(pairs)
    position = np.full(len(nodes), -1, dtype=np.int64)
    position[kept] = np.arange(len(kept), dtype=np.int64)
    if directed:
        out, walk = _adjacency(nodes, kept, a_end, b_end, np.arange(n_pairs), pairs)
        into, _ = _adjacency(nodes, kept, b_end, a_end, np.arange(n_pairs), pairs)
        H._pred.update(zip(names, into, strict=True))  # type: ignore[attr-defined]  # noqa: SLF001
        src, dst = position[walk[0]], position[walk[1]]
    else:
        at = np.empty(2 * n_pairs, dtype=np.int64)  # pair p's ends at 2p (a: b) and 2p + 1 (b: a)
        to = np.empty(2 * n_pairs, dtype=np.int64)
        at[0::2], at[1::2], to[0::2], to[1::2] = a_end, b_end, b_end, a_end
        out, walk = _adjacency(nodes, kept, at, to, np.arange(2 * n_pairs) >> 1, pairs)
        src, dst = position[walk[0]], position[walk[1]]
        once = dst >= src  # ``H.edges()`` yields a pair from the end that comes first in node order
        src, dst = src[once], dst[once]
    # the adjacency filled directly, as add_nodes_from/add_edge
    H._adj.update(zip(names, out, strict=True))  # noqa: SLF001
    H._node.update(zip(names, [{} for _ in names], strict=True))  # noqa: SLF001
    kn.seed_indexed(H, kn.IndexedGraph(names, dict(zip(names, range(len(names)), strict=True)), src, dst, directed))


def _adjacency(nodes: list[str], kept: np.ndarray, at: np.ndarray, to: np.ndarray, which: np.ndarray,
               pairs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], tuple[np.ndarray, np.ndarray]]:
    """Each kept node's neighbour dict: ``{nodes[to[i]]: pairs[which[i]]}`` over the entries ``i`` at it, in order;
    and the entries' (node, neighbour) numbers in that walk (node order, then entry order)."""
    by_node = np.argsort(at, kind="stable")
    walk_to = to[by_node]
    nbrs = list(map(nodes.__getitem__, walk_to.tolist()))
    attrs = list(map(pairs.__getitem__, which[by_node].tolist()))
    stops = np.cumsum(np.bincount(at, minlength=len(nodes))[kept]).tolist()
    return ([dict(zip(nbrs[a:b], attrs[a:b], strict=True)) for a, b in zip([0, *stops][:-1], stops, strict=True)],
            (at[by_node], walk_to))


def _structural_graph_loop(G: nx.MultiDiGraph, wanted_kinds: tuple[str, ...], wanted_types: set[Any],
                           directed: bool, active_only: bool) -> nx.Graph:
    """The reference's result from one pass over the adjacency dicts (graphs the edge table cannot read)."""
    wanted = set(wanted_kinds)
    attr_of = {k: declared_weight(k) for k in wanted}
    H: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    H.graph.update(G.graph)
    node: dict[Any, Any] = H._node  # noqa: SLF001 - one-pass build of the adjacency, as add_nodes_from/add_edge
    succ: dict[Any, Any] = H._adj  # noqa: SLF001
    pred: dict[Any, Any] = H._pred if directed else succ  # type: ignore[attr-defined]  # noqa: SLF001
    for n, d in G._node.items():  # noqa: SLF001
        if d.get("type") in wanted_types and n not in node:
            succ[n] = {}
            if directed:
                pred[n] = {}
            node[n] = {}
    inactive = INACTIVE_STATUSES
    pairs: list[dict[str, Any]] = []
    for u, nbrs in G._succ.items():  # noqa: SLF001
        if u not in node:
            continue
        su = succ[u]
        for v, keydict in nbrs.items():
            if v == u or v not in node:
                continue
            for key, data in keydict.items():
                kind = data.get("kind")
                if kind not in wanted:
                    continue
                if active_only:
                    status = data.get("status")
                    if isinstance(status, str) and status.strip().lower() in inactive:
                        continue
                attr = attr_of[kind]
                if attr is None:
                    w: float | None = 1.0
                else:
                    w = number(data.get(attr))
                    if w is None or w <= 0:
                        w = 1.0
                attrs = su.get(v)
                if attrs is not None:
                    attrs["strength"] += w
                    attrs["edges"].append(str(key))
                    attrs["kinds"].add(kind)
                else:
                    attrs = {"strength": w, "edges": [str(key)], "kinds": {kind}}
                    su[v] = attrs
                    pred[v][u] = attrs
                    pairs.append(attrs)
    for attrs in pairs:
        attrs["distance"] = 1.0 / attrs["strength"]
    return H
