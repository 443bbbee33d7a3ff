"""Central dependencies of a whole book: providers ranked from the edge columns, removal impacts built for the top rows only.

:func:`central_dependencies_fast` returns exactly
:func:`stakegraph.analytics.dependencies.central_dependencies_reference` (same rows, same order, same
floats, same stamp: ``tests/analytics/test_dependencies_fast.py`` checks it on generated portfolios,
the bundled sample and seeded graphs). The reference builds a
:class:`~stakegraph.analytics.dependencies.RemovalImpact` — a dataclass per dependant, names, sorted
tuples — for every provider of the book (58,000 at 100,000 parties) and keeps the first ``top``.
Here:

* the provider index — (dependant, kind) → provider → [amount, edge ids] — is aggregated with NumPy
  from the shared edge table (:func:`stakegraph.analytics.timeline_fast.columns`, the projection's edges
  in its own order): the active edges of the kinds (not self-loops) are a mask, each (dependant, kind,
  provider) a group code, the groups put in first-seen order (the reference's dict insertion order),
  the amounts converted to the reporting currency with the factor :class:`~stakegraph.measures.Money`
  uses (``value * factor``, as ``Money.amount``) and summed by a sequential ``np.bincount`` in edge order
  (the reference's ``+=`` in the same order: the same bits);
* each provider's ranking key — weighted stranded and weighted cut money — is computed from those
  arrays with the reference's arithmetic in the reference's order (dependants sorted as the reference
  sorts them by ``np.lexsort``, summed per money class by a sequential ``np.bincount``, then the
  classes summed in their first-seen order), so the floats are the same bits; the providers are then
  sorted by Python's own sort on the reference's key, in the reference's order;
* the :class:`~stakegraph.analytics.dependencies.RemovalImpact` of the ``top`` providers only is
  built, by the reference's own code, from the index entries those providers touch.

A graph the table cannot read (node ids or kinds that are not text), or whose amounts need a rate the
FX table lacks (the reference raises :class:`~stakegraph.errors.MissingRate` there), takes the one-pass
loop over the adjacency (:func:`_provider_index_loop`, then the dict-based ranking), equal as well.

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_nodes_from(["epc", "bank"], type="party"); G.add_node("p", type="project")
>>> _ = G.add_edge("epc", "p", key="1", kind="builds", amount=10.0)
>>> _ = G.add_edge("bank", "p", key="2", kind="lends_to", amount=50.0)
>>> [r.impact.node for r in central_dependencies_fast(G).rows]
['bank', 'epc']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import networkx as nx
import numpy as np

from stakegraph.analytics import dependencies as dep
from stakegraph.analytics.first_seen import first_seen
from stakegraph.analytics.selection import INACTIVE_STATUSES, declared_weight, number
from stakegraph.analytics.timeline_fast import Columns, columns
from stakegraph.arrays import unique_ints
from stakegraph.measures import money_context

__all__ = ["central_dependencies_fast", "provider_index"]

Index = dict[tuple[Any, str], dict[Any, list[Any]]]


@dataclass
class _Groups:
    """The provider index as arrays: one row per (dependant, kind, provider), rows in the index's order
    (dependant-and-kind in first-seen order, then providers in first-seen order)."""

    cols: Columns
    dep: np.ndarray  # the dependant's node number
    kind: np.ndarray  # the kind's code (into cols.kinds)
    prov: np.ndarray  # the provider's node number
    amount: np.ndarray  # the summed amount in the reporting currency
    outer: np.ndarray  # the (dependant, kind) entry's number, non-decreasing
    size: np.ndarray  # per entry: its providers
    start: np.ndarray  # per entry: its first row
    edges: np.ndarray  # the kept edges' positions, grouped by row (edge order within a row)
    edge_start: np.ndarray  # per row: the start of its edges in ``edges``
    edge_end: np.ndarray  # per row: their end

    def entries(self, outers: np.ndarray | None = None) -> Index:
        """The index entries ``outers`` (entry numbers, increasing; ``None``: all), each provider → [amount,
        edge ids], in the index's order."""
        if outers is None:
            rows, start, size = np.arange(len(self.prov)), self.start, self.size
        else:
            size = self.size[outers]
            start = np.cumsum(size) - size  # where each entry's rows start among the rows picked
            rows = np.repeat(self.start[outers] - start, size) + np.arange(int(size.sum()))
        nodes, kinds, keys = self.cols.nodes, self.cols.kinds, self.cols.keys
        e_start, e_end = self.edge_start[rows], self.edge_end[rows]
        count = e_end - e_start
        picked = np.repeat(e_start - (np.cumsum(count) - count), count) + np.arange(int(count.sum()))
        ekeys = [keys[i] for i in self.edges[picked].tolist()]
        ends = np.cumsum(count).tolist()
        slots = [[a, ekeys[s:e]] for a, s, e in zip(self.amount[rows].tolist(), [0, *ends][: len(ends)], ends,
                                                    strict=True)]
        provs = [nodes[p] for p in self.prov[rows].tolist()]
        first = rows[start]
        heads = [(nodes[d], kinds[c]) for d, c in zip(self.dep[first].tolist(), self.kind[first].tolist(), strict=True)]
        return {h: dict(zip(provs[a:b], slots[a:b], strict=True))
                for h, a, b in zip(heads, start.tolist(), (start + size).tolist(), strict=True)}


def _groups(G: nx.MultiDiGraph, kinds: tuple[str, ...]) -> _Groups | None:
    """The provider index of ``G`` as :class:`_Groups` (``None``: the columns cannot reproduce it)."""
    if not (G.is_multigraph() and G.is_directed()):
        return None
    cols = columns(G)
    if cols is None:
        return None
    n, k = max(len(cols.nodes), 1), max(len(cols.kinds), 1)
    if n * n * k >= 2**62:  # the group codes would not fit
        return None
    src, dst = cols.src, cols.dst
    sel = np.flatnonzero(cols.kind_mask(kinds) & cols.active & (src != dst))
    money = money_context(G)
    weight, is_money = cols.weight(kinds)
    value, cur = weight[sel], cols.currency[sel]
    conv = is_money[sel] & ~np.isnan(value) & (cur >= 0)
    factor = cols.factors(money, unique_ints(cur[conv]).tolist())
    f = factor[np.maximum(cur, 0)]
    if np.isnan(f[conv]).any():
        return None  # the reference raises MissingRate on the first such edge: the loop does the same
    with np.errstate(over="ignore", invalid="ignore"):  # as Python's float product: inf, no warning
        w = np.where(np.isnan(value), 0.0, np.where(conv, value * f, value))  # ``money.of(data, attr) or 0.0``
    d, kc, u = dst[sel], cols.kind[sel], src[sel]
    outer_code = d * k + kc
    outer_seen = first_seen(outer_code)
    _g, g_first, g_inv = unique_ints(outer_code * n + u, return_index=True, return_inverse=True)
    g_outer = outer_seen.code[g_first]
    perm = np.lexsort((g_first, g_outer))  # entries in first-seen order, then providers in first-seen order
    g_rank = np.empty(len(perm), dtype=np.int64)
    g_rank[perm] = np.arange(len(perm), dtype=np.int64)
    row = g_rank[g_inv.ravel()]  # each kept edge's row
    amount = np.bincount(row, weights=w, minlength=len(perm))  # sequential, in edge order: the reference's +=
    first = g_first[perm]
    outer = g_outer[perm]
    size = np.bincount(outer, minlength=len(outer_seen.values))
    count = np.bincount(row, minlength=len(perm))
    edge_end = np.cumsum(count)
    return _Groups(cols, d[first], kc[first], u[first], amount, outer, size, np.cumsum(size) - size,
                   sel[np.argsort(row, kind="stable")], edge_end - count, edge_end)


def provider_index(G: nx.MultiDiGraph, kinds: tuple[str, ...]) -> Index:
    """(dependant, kind) → provider → [amount in the reporting currency, edge ids] over active edges:
    the reference's ``_provider_index(G, kinds)`` (same keys, same insertion order, same sums).

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.
    kinds : tuple of str
        Dependency kinds (checked by the caller).

    Returns
    -------
    dict
        Equal to the reference's (plain dicts instead of its ``defaultdict``): aggregated from the edge
        columns (:func:`_groups`), else from one pass over the adjacency (:func:`_provider_index_loop`).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("b", "c", key="l1", kind="lends_to", amount=2.0)
    >>> _ = G.add_edge("b", "c", key="l2", kind="lends_to", amount=3.0, status="repaid")
    >>> provider_index(G, ("lends_to",))
    {('c', 'lends_to'): {'b': [2.0, ['l1']]}}

    See Also
    --------
    stakegraph.analytics.dependencies._provider_index : the reference (NetworkX's edge view).

    References
    ----------
    .. [1] stakegraph, ``docs/analytics/structure.md``, "Removal impact".
    """
    groups = _groups(G, kinds)
    if groups is None:
        return _provider_index_loop(G, kinds)
    return groups.entries()


def _provider_index_loop(G: nx.MultiDiGraph, kinds: tuple[str, ...]) -> Index:
    """The reference's index from one pass over the adjacency dicts (graphs the edge columns cannot read)."""
    if not (G.is_multigraph() and G.is_directed()):
        return dep._provider_index(G, kinds)  # noqa: SLF001 - the reference
    wanted = set(kinds)
    attr_of = {k: declared_weight(k) for k in wanted}
    money = money_context(G)
    of = money.of
    inactive = INACTIVE_STATUSES
    index: Index = {}
    for u, nbrs in G._succ.items():  # noqa: SLF001 - G.edges(keys=True, data=True) order, without the views
        for v, keydict in nbrs.items():
            if u == v:
                continue
            for key, data in keydict.items():
                kind = data.get("kind")
                if kind not in wanted:
                    continue
                status = data.get("status")
                if isinstance(status, str) and status.strip().lower() in inactive:
                    continue
                attr = attr_of[kind]
                w = 1.0 if attr is None else of(data, attr)
                provs = index.get((v, kind))
                if provs is None:
                    provs = index[(v, kind)] = {}
                slot = provs.get(u)
                if slot is None:
                    slot = provs[u] = [0.0, []]
                slot[0] += w or 0.0
                slot[1].append(str(key))
    return index


def _weighted(G: nx.MultiDiGraph, node: Any, index: Mapping[tuple[Any, str], Mapping[Any, list[Any]]],
              provided: Iterable[tuple[Any, str]]) -> tuple[float, float]:
    """(weighted stranded, weighted cut) of ``node``: the reference's ``_impact_from_index`` arithmetic
    (dependants in its order, money summed per class then over the classes) without its dataclasses."""
    r = number(G.nodes[node].get("replaceability"))
    factor = 1.0 - (min(1.0, max(0.0, r)) if r is not None else 0.0)
    money_class = dep._MONEY_CLASS  # noqa: SLF001
    rows = []
    for d, kind in provided:
        provs = index[(d, kind)]
        amount = float(provs[node][0])
        sole = len(provs) == 1
        rows.append((not sole, -amount, str(d), kind, amount, money_class.get(kind, "other"), sole))
    rows.sort(key=lambda x: x[:4])
    cut: dict[str, float] = {}
    stranded: dict[str, float] = {}
    for *_, amount, money, sole in rows:
        cut[money] = cut.get(money, 0.0) + amount
        if sole:
            stranded[money] = stranded.get(money, 0.0) + amount
    return factor * sum(stranded.values()), factor * sum(cut.values())


def _class_totals(prov: np.ndarray, cls: np.ndarray, amount: np.ndarray, n_cls: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(providers, their total): rows (in the reference's order) summed per (provider, money class) in row
    order, then each provider's class sums in the order the classes first appear (``sum(d.values())``)."""
    code = prov * n_cls + cls
    uq, first, inv = unique_ints(code, return_index=True, return_inverse=True)
    sub = np.bincount(inv.ravel(), weights=amount, minlength=len(uq))  # sequential, in row order
    owner = uq // n_cls
    o = np.lexsort((first, owner))
    provs, p_inv = unique_ints(owner[o], return_inverse=True)
    return provs, np.bincount(p_inv.ravel(), weights=sub[o], minlength=len(provs))


def _ranked(G: nx.MultiDiGraph, g: _Groups, node_type: str | None, top: int) -> list[tuple[float, float, str, int]]:
    """``(-weighted stranded, -weighted cut, id, node number)`` of the first ``top`` providers of ``node_type``,
    sorted as the reference sorts its rows (``sorted(...)[:top]``): :func:`_weighted`'s arithmetic on the
    arrays, in its order."""
    cols = g.cols
    kinds = cols.kinds
    money_class = dep._MONEY_CLASS  # noqa: SLF001
    classes = list(dict.fromkeys(money_class.get(k, "other") for k in kinds))  # type: ignore[call-overload]
    cls_of = np.array([classes.index(money_class.get(k, "other")) for k in kinds],  # type: ignore[call-overload]
                      dtype=np.int64)
    k_rank = np.empty(len(kinds), dtype=np.int64)
    k_rank[np.array(sorted(range(len(kinds)), key=lambda i: str(kinds[i])), dtype=np.int64)] = np.arange(len(kinds))
    sole = g.size[g.outer] == 1
    # each provider's dependants sorted by (not sole, -amount, dependant id, kind): the reference's sort key
    s = np.lexsort((k_rank[g.kind], cols.rank()[g.dep], -g.amount, ~sole, g.prov))
    p_s, c_s, a_s, sole_s = g.prov[s], cls_of[g.kind[s]], g.amount[s], sole[s]
    provs, cut = _class_totals(p_s, c_s, a_s, len(classes))
    st_provs, st = _class_totals(p_s[sole_s], c_s[sole_s], a_s[sole_s], len(classes))
    stranded = np.zeros(len(provs))
    stranded[np.searchsorted(provs, st_provs)] = st
    # the providers in the reference's order (first seen in the index), then its sort
    _u, p_first = unique_ints(g.prov, return_index=True)
    order = np.argsort(p_first, kind="stable")
    nodes, node_data = cols.nodes, G._node  # noqa: SLF001
    ranked = []
    for p, c, t in zip(provs[order].tolist(), cut[order].tolist(), stranded[order].tolist(), strict=True):
        data = node_data[nodes[p]]
        if node_type is None or data.get("type") == node_type:
            r = number(data.get("replaceability"))
            factor = 1.0 - (min(1.0, max(0.0, r)) if r is not None else 0.0)
            ranked.append((-(factor * t), -(factor * c), nodes[p], p))
    return dep._sorted_top(ranked, top, itemgetter(0, 1, 2))  # noqa: SLF001 - the reference's ranking


def central_dependencies_fast(
    G: nx.MultiDiGraph,
    *,
    top: int = 20,
    kinds: Iterable[str] = dep.DEPENDENCY_KINDS,
    node_type: str | None = "party",
    cut_points: bool = True,
) -> dep.CentralDependencies:
    """:func:`~stakegraph.analytics.dependencies.central_dependencies_reference`, ranking on plain numbers.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.
    top : int
        Rows returned.
    kinds : iterable of str
        Dependency kinds (each must carry money).
    node_type : str or None
        Providers of this node type only (``None``: any).
    cut_points : bool
        Flag the rows that are articulation points of the structure graph.

    Returns
    -------
    CentralDependencies
        Equal to the reference's (``==``).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("epc", type="party", replaceability=0.5); G.add_nodes_from(["p1", "p2"], type="project")
    >>> _ = G.add_edge("epc", "p1", key="1", kind="builds", amount=100.0)
    >>> _ = G.add_edge("epc", "p2", key="2", kind="builds", amount=60.0)
    >>> central_dependencies_fast(G).rows[0].impact.weighted_stranded
    80.0

    See Also
    --------
    stakegraph.analytics.dependencies.central_dependencies_reference : every provider's full removal impact.
    stakegraph.analytics.timeline_fast.columns : the shared edge table read here.

    References
    ----------
    .. [1] stakegraph, ``docs/analytics/structure.md``, "Central dependencies".
    """
    from stakegraph.analytics.structure_fast import structural_graph_fast

    kinds = dep._check_dependency_kinds(kinds)  # noqa: SLF001
    groups = _groups(G, kinds)
    index: Index = {}
    top_rows: list[tuple[Any, list[tuple[Any, str]]]] = []
    if groups is not None:
        nodes, kind_names = groups.cols.nodes, groups.cols.kinds
        outers = []
        for *_, p in _ranked(G, groups, node_type, top):
            mine = np.flatnonzero(groups.prov == p)  # its entries, in the index's order
            outers.append(groups.outer[mine])
            top_rows.append((nodes[p], [(nodes[d], kind_names[c]) for d, c in
                                        zip(groups.dep[mine].tolist(), groups.kind[mine].tolist(), strict=True)]))
        if outers:
            index = groups.entries(unique_ints(np.concatenate(outers)))  # the entries the top providers touch
    else:
        index = _provider_index_loop(G, kinds)
        provided: dict[Any, list[tuple[Any, str]]] = {}
        for key, provs in index.items():
            for p in provs:
                provided.setdefault(p, []).append(key)
        node_data = G._node  # noqa: SLF001
        ranked = []
        for p, keys in provided.items():
            if node_type is None or node_data[p].get("type") == node_type:
                ws, wc = _weighted(G, p, index, keys)
                ranked.append((-ws, -wc, str(p), p, keys))
        ranked.sort(key=lambda x: x[:3])
        top_rows = [(p, keys) for *_, p, keys in ranked[:top]]
    cuts = ({p.node: len(p.separated) for p in dep.articulation_points_and_bridges(
        G, structure=structural_graph_fast(G)).points} if cut_points else {})
    stamp = dep._impact_stamp(G, kinds, {"top": top, "node_type": node_type, "cut_points": cut_points})  # noqa: SLF001
    rows = tuple(
        dep.DependencyRow(
            dep._impact_from_index(G, p, index, sorted(keys, key=lambda t: (str(t[0]), t[1])), stamp),  # noqa: SLF001
            str(p) in cuts, cuts.get(str(p), 0))
        for p, keys in top_rows)
    return dep.CentralDependencies(rows, stamp)
