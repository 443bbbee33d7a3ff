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

The undirected graph is a :class:`StructureGraph`: its nodes and integer form are filled at once, its pair
dicts (and the neighbour dicts holding them) when something first reads the adjacency — the kernels read
the integer form only, so an audit of a large graph never makes them.

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

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
from stakegraph.arrays import positions, unique_ints
from stakegraph.projection_graph import MadeWhenRead

__all__ = ["StructureGraph", "structural_graph_fast"]


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
    types_of = map(dict.get, G._node.values(), repeat("type"))  # noqa: SLF001 - ``t in wanted_types``, at C speed
    keep = np.fromiter(map(wanted_types.__contains__, types_of), dtype=bool, count=len(cols.nodes))
    src, dst = cols.src, cols.dst
    mask = cols.kind_mask(wanted) & keep[src] & keep[dst] & (src != dst)
    if active_only:
        mask &= cols.active
    plan = _plan(cols, wanted, directed, np.flatnonzero(mask))
    if directed:
        D = nx.DiGraph()
        D.graph.update(G.graph)
        _fill(D, cols.nodes, keep, _pair_dicts(plan), plan.ends, directed)
        return D
    H = StructureGraph()
    H.graph.update(G.graph)
    _fill(H, cols.nodes, keep, None, plan.ends, directed)  # nodes and integer form; the pair dicts on first use
    H._defer(_Deferred(plan, cols.nodes, keep))  # noqa: SLF001
    return H


class StructureGraph(MadeWhenRead, nx.Graph):
    """An undirected structure graph whose pair dicts are made when something first reads them.

    :func:`structural_graph_fast` gives the nodes and the integer form
    (:func:`stakegraph.analytics.kernels.indexed`) at once and keeps the pairs as arrays. The
    adjacency, with a dict per pair (``strength``, ``edges``, ``kinds``, ``distance``), is made
    the first time anything reads ``_adj``: ``H[u]``, ``H.edges``, ``H.adj``, a copy, or a pickle.
    It is then exactly the reference's adjacency. Cut points, centrality and the audit read the
    integer form only, so they never pay for those dicts: at 1,000,000 parties, 4.5 million pairs and
    about 3 GiB. :meth:`induced` and :meth:`pair_attributes` make only the pairs they return. Making
    the adjacency takes a lock, so two threads reading at once make it once.

    Examples
    --------
    >>> M = nx.MultiDiGraph()
    >>> M.add_nodes_from(["a", "b"], type="party")
    >>> _ = M.add_edge("a", "b", key="e", kind="lends_to", amount=2.0)
    >>> H = structural_graph_fast(M)
    >>> H.deferred, len(H), H["a"]["b"]["strength"], H.deferred
    (True, 2, 2.0, False)

    See Also
    --------
    structural_graph_fast : makes it.
    stakegraph.analytics.selection.structural_graph : the reference, a plain ``nx.Graph`` with equal content.
    """

    def __init__(self, incoming_graph_data: Any = None, **attr: Any) -> None:
        self.__dict__["_deferred"] = None
        self.__dict__["_make_lock"] = threading.Lock()
        super().__init__(incoming_graph_data, **attr)

    @property  # type: ignore[override]
    def _adj(self) -> dict[Any, dict[Any, dict[str, Any]]]:
        if self.__dict__["_deferred"] is not None:
            self._make()
        return self.__dict__["_adj_dicts"]  # type: ignore[no-any-return]

    @_adj.setter
    def _adj(self, value: dict[Any, dict[Any, dict[str, Any]]]) -> None:
        self.__dict__["_adj_dicts"] = value

    @property
    def deferred(self) -> bool:
        """True while the pair dicts are not made yet."""
        return self.__dict__["_deferred"] is not None

    def _defer(self, deferred: _Deferred) -> None:
        self.__dict__["_deferred"] = deferred

    def _make(self) -> None:
        with self.__dict__["_make_lock"]:
            deferred = self.__dict__["_deferred"]
            if deferred is not None:
                self.__dict__["_adj_dicts"].update(deferred.adjacency())
                self.__dict__["_deferred"] = None

    def induced(self, nodes: Iterable[Any]) -> StructureGraph:
        """The graph of ``nodes`` (those in ``H``) and the pairs between them, in ``H``'s node order and each
        node's neighbour order; the pair attributes equal ``H``'s. While the pair dicts are not made, only these
        nodes' pairs are made (a page that draws a few nodes of a large graph).

        Unlike ``H.subgraph(nodes)`` (a view) it is a graph of its own, in ``H``'s order: a NetworkX view
        of few nodes lists them in the order of a set.
        """
        wanted = {n for n in nodes if n in self._node}
        deferred = self.__dict__["_deferred"]
        if deferred is not None:
            return deferred.induced(self, wanted)
        small = StructureGraph()
        small.graph = self.graph
        adj = self._adj
        for n, d in self._node.items():
            if n in wanted:
                small._node[n] = d
                small._adj[n] = {v: a for v, a in adj[n].items() if v in wanted}
        return small

    def pair_attributes(self, pairs: Sequence[tuple[Any, Any]]) -> list[dict[str, Any]]:
        """``[H[u][v] for u, v in pairs]`` (each ``(u, v)`` a pair of ``H``, else ``KeyError``); while the pair
        dicts are not made, dicts equal to them made for these pairs only."""
        deferred = self.__dict__["_deferred"]
        if deferred is None or not pairs:
            return [self._adj[u][v] for u, v in pairs]
        return deferred.pairs(kn.indexed(self).index, pairs)



@dataclass(frozen=True)
class _Deferred:
    """What a :class:`StructureGraph` needs to make its adjacency (no reference to the projection)."""

    plan: _Plan
    nodes: list[str]
    keep: np.ndarray

    def adjacency(self) -> list[tuple[str, dict[str, Any]]]:
        """Every kept node's neighbour dict, in node order."""
        return _neighbour_dicts(self.nodes, self.keep, _pair_dicts(self.plan), self.plan.ends)

    def pairs(self, index: dict[Any, int], pairs: Sequence[tuple[Any, Any]]) -> list[dict[str, Any]]:
        """The attribute dicts of ``pairs`` (node ids; ``index`` numbers the kept nodes as the integer form)."""
        kept = np.flatnonzero(self.keep)
        n = max(len(self.nodes), 1)
        try:
            u = kept[np.array([index[x] for x, _ in pairs], dtype=np.int64)]
            v = kept[np.array([index[y] for _, y in pairs], dtype=np.int64)]
        except KeyError as e:
            raise KeyError(e.args[0]) from None
        want = np.minimum(u, v) * n + np.maximum(u, v)
        a_end, b_end = self.plan.ends
        codes = np.minimum(a_end, b_end) * n + np.maximum(a_end, b_end)
        where = positions(want, codes)
        missing = np.flatnonzero(where < 0)
        if len(missing):
            raise KeyError(pairs[int(missing[0])][1])  # as ``H[u][v]``: the neighbour is not there
        distinct, back = unique_ints(where, return_inverse=True)
        made = _pair_dicts(self.plan, distinct)
        return [made[i] for i in back.reshape(-1).tolist()]

    def induced(self, H: StructureGraph, wanted: set[Any]) -> StructureGraph:
        """The graph of the nodes ``wanted`` (nodes of ``H``) and the pairs between them, in ``H``'s order."""
        keep = self.keep & np.fromiter(map(wanted.__contains__, self.nodes), dtype=bool, count=len(self.nodes))
        a_end, b_end = self.plan.ends
        which = np.flatnonzero(keep[a_end] & keep[b_end])
        small = StructureGraph()
        small.graph = H.graph
        _fill(small, self.nodes, keep, _pair_dicts(self.plan, which), (a_end[which], b_end[which]), False)
        return small


@dataclass(frozen=True)
class _Plan:
    """The kept edges aggregated by pair, as arrays (no dict yet): pairs in first-seen order."""

    strength: np.ndarray  # per pair, summed in edge order
    firsts: np.ndarray  # per pair, its first kept edge (row of the table)
    counts: np.ndarray  # per pair, its kept edges
    many: np.ndarray  # the pairs with more than one edge, ascending
    starts: np.ndarray  # per pair of ``many``, where its edges begin in ``grouped``
    grouped: np.ndarray  # the kept edges of ``many``, by pair, edge order within
    ends: tuple[np.ndarray, np.ndarray]  # per pair, its two ends (node numbers) as the first edge had them
    keys: list[str]  # the table's edge keys, kind codes and kind names (read by ``_pair_dicts``)
    kind: np.ndarray
    kinds: list[Any]

    def __len__(self) -> int:
        return len(self.strength)


def _plan(cols: Columns, wanted: tuple[str, ...], directed: bool, sel: np.ndarray) -> _Plan:
    """Aggregate the kept edges ``sel`` (rows of the table, in edge order) by pair."""
    empty = np.zeros(0, dtype=np.int64)
    if len(sel) == 0:
        return _Plan(np.zeros(0), empty, empty, empty, empty, empty, (empty, empty), cols.keys, cols.kind, cols.kinds)
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
    counts = np.bincount(pair, minlength=n_pairs)
    many = np.flatnonzero(counts > 1)
    in_many = np.flatnonzero(counts[pair] > 1)
    grouped = sel[in_many[np.argsort(pair[in_many], kind="stable")]]  # by pair, edge order within
    stops = np.cumsum(counts[many])
    return _Plan(strength, firsts, counts, many, stops - counts[many], grouped, (src[firsts], dst[firsts]),
                 cols.keys, cols.kind, cols.kinds)


def _pair_dicts(plan: _Plan, which: np.ndarray | None = None) -> list[dict[str, Any]]:
    """The attribute dicts of the pairs ``which`` (ascending; all when ``None``), in that order."""
    if which is None:
        which = np.arange(len(plan), dtype=np.int64)
    keys, kinds_of = plan.keys, plan.kinds
    firsts, strength = plan.firsts[which], plan.strength[which]
    # every pair as if it had one edge (most do), then the pairs with more get their slices
    pairs = [{"strength": s, "edges": [k], "kinds": {t}, "distance": d}
             for s, k, t, d in zip(strength.tolist(), map(keys.__getitem__, firsts.tolist()),
                                   map(kinds_of.__getitem__, plan.kind[firsts].tolist()),
                                   (1.0 / strength).tolist(), strict=True)]
    multi = np.flatnonzero(plan.counts[which] > 1)  # positions in ``which``
    if len(multi):
        lens = plan.counts[which[multi]]
        begin = plan.starts[np.searchsorted(plan.many, which[multi])]
        stops = np.cumsum(lens)
        at = np.arange(int(stops[-1]), dtype=np.int64) - np.repeat(stops - lens - begin, lens)
        rows = plan.grouped[at]  # the pairs' edges, pair after pair
        ekeys = list(map(keys.__getitem__, rows.tolist()))
        ekinds = list(map(kinds_of.__getitem__, plan.kind[rows].tolist()))
        stop_list = stops.tolist()
        for p, a, b in zip(multi.tolist(), [0, *stop_list[:-1]], stop_list, strict=True):
            attrs = pairs[p]
            attrs["edges"] = ekeys[a:b]
            attrs["kinds"] = set(ekinds[a:b])
    return pairs


def _fill(H: nx.Graph, nodes: list[str], keep: np.ndarray, pairs: list[dict[str, Any]] | None,
          ends: tuple[np.ndarray, np.ndarray], directed: bool) -> None:
    """Fill ``H``'s node and adjacency dicts: the kept nodes in node order, each one's neighbours in pair order.

    Each node's neighbour dict is built at once (``dict(zip(...))``) from its entries, the pair ends grouped
    by node with a stable sort (pair order within a node): the order in which ``add_edge`` inserted them.
    The same walk gives ``H``'s integer form (:func:`stakegraph.analytics.kernels.indexed`: ``H.edges()``
    order), kept in ``H``'s cache so that the kernels need not walk the dicts again. ``pairs=None``
    (undirected only) fills the nodes and the integer form: a :class:`StructureGraph` makes its adjacency
    on first use (:func:`_neighbour_dicts`).
    """
    kept = np.flatnonzero(keep)
    names = list(map(nodes.__getitem__, kept.tolist()))
    a_end, b_end = ends
    n_pairs = len(a_end)
    position = np.full(len(nodes), -1, dtype=np.int64)
    position[kept] = np.arange(len(kept), dtype=np.int64)
    if directed:
        assert pairs is not None
        out, walk = _adjacency(nodes, kept, a_end, b_end, np.arange(n_pairs), pairs)
        into, _ = _adjacency(nodes, kept, b_end, a_end, np.arange(n_pairs), pairs)
        H._pred.update(zip(names, into, strict=True))  # type: ignore[attr-defined]  # noqa: SLF001
        H._adj.update(zip(names, out, strict=True))  # noqa: SLF001 - the adjacency filled directly, as add_edge
        src, dst = position[walk[0]], position[walk[1]]
    else:
        out, walk = _adjacency(nodes, kept, *_both_ways(ends), pairs)
        if pairs is not None:
            H._adj.update(zip(names, out, strict=True))  # noqa: SLF001
        src, dst = position[walk[0]], position[walk[1]]
        once = dst >= src  # ``H.edges()`` yields a pair from the end that comes first in node order
        src, dst = src[once], dst[once]
    H._node.update(zip(names, [{} for _ in names], strict=True))  # noqa: SLF001
    kn.seed_indexed(H, kn.IndexedGraph(names, dict(zip(names, range(len(names)), strict=True)), src, dst, directed))


def _both_ways(ends: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An undirected pair's two entries: pair ``p``'s ends at ``2p`` (a: b) and ``2p + 1`` (b: a); and each
    entry's pair."""
    a_end, b_end = ends
    n_pairs = len(a_end)
    at = np.empty(2 * n_pairs, dtype=np.int64)
    to = np.empty(2 * n_pairs, dtype=np.int64)
    at[0::2], at[1::2], to[0::2], to[1::2] = a_end, b_end, b_end, a_end
    return at, to, np.arange(2 * n_pairs) >> 1


def _neighbour_dicts(nodes: list[str], keep: np.ndarray, pairs: list[dict[str, Any]],
                     ends: tuple[np.ndarray, np.ndarray]) -> list[tuple[str, dict[str, Any]]]:
    """The undirected adjacency of :func:`_fill`: (node, its neighbour dict) for every kept node, in node order."""
    kept = np.flatnonzero(keep)
    out, _ = _adjacency(nodes, kept, *_both_ways(ends), pairs)
    return list(zip(map(nodes.__getitem__, kept.tolist()), out, strict=True))


def _adjacency(nodes: list[str], kept: np.ndarray, at: np.ndarray, to: np.ndarray, which: np.ndarray,
               pairs: list[dict[str, Any]] | None) -> tuple[list[dict[str, Any]], tuple[np.ndarray, np.ndarray]]:
    """Each kept node's neighbour dict: ``{nodes[to[i]]: pairs[which[i]]}`` over the entries ``i`` at it, in order
    (none when ``pairs`` is ``None``); and the entries' (node, neighbour) numbers in that walk (node order,
    then entry order)."""
    by_node = np.argsort(at, kind="stable")
    walk_to = to[by_node]
    walk = (at[by_node], walk_to)
    if pairs is None:
        return [], walk
    nbrs = list(map(nodes.__getitem__, walk_to.tolist()))
    attrs = list(map(pairs.__getitem__, which[by_node].tolist()))
    stops = np.cumsum(np.bincount(at, minlength=len(nodes))[kept]).tolist()
    return ([dict(zip(nbrs[a:b], attrs[a:b], strict=True)) for a, b in zip([0, *stops][:-1], stops, strict=True)],
            walk)


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
