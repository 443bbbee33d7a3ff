"""Connected groups and large exposures read from the projection's edge table.

:func:`stakegraph.analytics.groups.connected_groups` and
:func:`~stakegraph.analytics.groups.large_exposures` walk the projection's edges in Python (the
receipts and guarantee tests over every dependence edge, a lender's out-edges once per lender). Here
the edges come from the shared edge table (:func:`stakegraph.analytics.timeline_fast.columns`: the
projection's edges in its own order, its kinds, statuses and currencies as codes) and the group-bys are
NumPy ones that keep the reference's floats:

* the link edges are a mask (kind, active status, both ends parties or projects, not a self-loop) in
  edge order; the ``owns``/``controls`` edges go to the reference's :func:`~stakegraph.analytics.groups.
  control_links` as it reads them;
* the receipts are summed per (seller, payer) pair and the loans per obligor by a sequential
  ``np.bincount`` in edge order (the reference's ``+=`` in the same order: the same bits); amounts are
  converted to the reporting currency by the factor :class:`stakegraph.measures.Money` itself quotes;
* a project's receipts total is the sequential sum of its pairs in first-seen order (the reference's dict
  order); the sellers' own revenues are read from their node dicts and converted alike; the guarantees
  (few) are read in Python in the reference's order, so a missing FX rate there raises what the
  reference raises;
* the groups are the connected components of the links (SciPy; the order in which components are found
  does not matter: groups are sorted by size and id, members by id);
* a lender's exposures are summed per group in edge order from a table of the exposure edges built once
  per projection; only the exposures a result shows (the ``top`` largest and the reportable ones, which
  hold every breach) are built as :class:`~stakegraph.analytics.groups.Exposure`, the others give their
  amount to ``total_exposure`` (summed in the same sorted order).

Anything the table cannot reproduce — a graph that is not a ``MultiDiGraph``, node ids or kinds that are not
text, thresholds that are not plain numbers, an edge amount or a seller's revenue that needs a rate the FX
table lacks, an exposure edge whose currency is not text — returns ``None`` and the caller runs its own
loop (which raises what it raises). ``tests/analytics/test_groups_fast.py`` proves the equality on seeded
graphs, generated portfolios and the bundled sample.

>>> G = nx.MultiDiGraph()
>>> G.add_nodes_from(["h", "s"], type="party")
>>> _ = G.add_edge("h", "s", key="a", kind="owns", share_pct=60)
>>> [g.member_ids for g in connected_groups_columns(G).groups]
[('h', 's')]
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from stakegraph.analytics import groups as grp
from stakegraph.analytics.selection import check_kinds, name_of, number, require_node
from stakegraph.analytics.stamp import graph_version
from stakegraph.analytics.timeline_fast import Columns, columns, number_column
from stakegraph.arrays import unique_ints
from stakegraph.measures import Money, money_context

__all__ = ["connected_groups_columns", "large_exposures_columns"]


def _readable(G: nx.MultiDiGraph) -> Columns | None:
    """The edge table of ``G`` when it is a ``MultiDiGraph`` the table reads (else ``None``)."""
    if not (G.is_multigraph() and G.is_directed()):
        return None
    return columns(G)


def _factors(cols: Columns, money: Money) -> tuple[np.ndarray, np.ndarray]:
    """(per currency code: the factor to the reporting currency — NaN when no rate, :meth:`Columns.factors`
    —, whether it converts)."""
    return cols.factors(money), np.array([c != money.reporting for c in cols.currencies], dtype=bool)


def _converted(value: np.ndarray, cur: np.ndarray, conv: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    """``Money.amount`` of each stated ``value`` (NaN: absent) in the currency coded ``cur`` (-1: none); ``None``
    when one needs a rate the FX table lacks (the reference raises there)."""
    factor, converts = conv
    needs = ((cur >= 0) & converts[np.maximum(cur, 0)] if len(converts) else np.zeros(len(value), dtype=bool))
    needs &= ~np.isnan(value)
    f = factor[cur[needs]]
    if np.isnan(f).any():
        return None
    with np.errstate(over="ignore"):  # a product beyond float range is inf, as Python's float product
        value[needs] = value[needs] * f
    return value


def _money(cols: Columns, sel: np.ndarray, prop: str, conv: tuple[np.ndarray, np.ndarray]) -> np.ndarray | None:
    """``money.of(data, prop)`` of the edges ``sel`` (NaN: absent); ``None`` when one needs a missing rate."""
    value = (cols.amounts(sel) if prop == "amount" else  # a copy: ``_converted`` converts it in place
             number_column(cols.prop(prop, sel)))
    return _converted(value, cols.currency[sel], conv)


def _link_masks(cols: Columns) -> tuple[np.ndarray, np.ndarray]:
    """(edges both link functions read: active, parties/projects at both ends, no self-loop; their kinds)."""
    struct = cols.node_struct
    src, dst = cols.src, cols.dst
    return cols.active & struct[src] & struct[dst] & (src != dst), cols.kind


def _control_edges(cols: Columns, base: np.ndarray) -> list[grp.Edge]:
    """``_link_edges(G)[0]``: the ``owns``/``controls`` link edges, in edge order."""
    sel = np.flatnonzero(base & cols.kind_mask(grp._CONTROL_KINDS)).tolist()  # noqa: SLF001
    nodes, keys = cols.nodes, cols.keys
    src, dst = cols.src[sel].tolist(), cols.dst[sel].tolist()
    return [(nodes[u], nodes[v], keys[i], d) for u, v, i, d in zip(src, dst, sel, cols.dicts(sel), strict=True)]


def _interdependence_links(G: nx.MultiDiGraph, cols: Columns, base: np.ndarray,
                           threshold: float) -> list[grp.GroupLink] | None:
    """:func:`~stakegraph.analytics.groups.interdependence_links` (threshold checked) from the edge table."""
    money = money_context(G)
    conv = _factors(cols, money)
    n = max(len(cols.nodes), 1)
    # the loans into each obligor, summed in edge order (``debt[v] += money.of(data, "amount") or 0.0``)
    lend = np.flatnonzero(base & cols.kind_mask(("lends_to",)))
    amount = _money(cols, lend, "amount", conv)
    if amount is None:
        return None
    debt = np.bincount(cols.dst[lend], weights=np.where(np.isnan(amount), 0.0, amount), minlength=n)
    # receipts per (seller, payer)
    rec = np.flatnonzero(base & cols.kind_mask(grp._RECEIPT_KINDS))  # noqa: SLF001
    raw_revenue, raw_stated = cols.prop("annual_revenue", rec), cols.prop("revenue_share_pct", rec)
    revenue = _converted(number_column(raw_revenue), cols.currency[rec], conv)
    if revenue is None:
        return None
    links: list[grp.GroupLink] = []
    if len(rec):
        to_target = np.isin(cols.kind[rec], cols.kind_codes(k for k, t in grp._RECEIPT_KINDS.items() if t))  # noqa: SLF001
        seller = np.where(to_target, cols.dst[rec], cols.src[rec])
        payer = np.where(to_target, cols.src[rec], cols.dst[rec])
        _u, first, inverse = unique_ints(seller * n + payer, return_index=True, return_inverse=True)
        inverse = inverse.ravel()
        pairs = len(first)
        got = np.bincount(inverse, weights=np.where(np.isnan(revenue), 0.0, revenue), minlength=pairs)
        stated = number_column(raw_stated)
        has = ~np.isnan(stated)
        stated_sum = np.bincount(inverse[has], weights=stated[has], minlength=pairs)
        stated_any = np.bincount(inverse[has], minlength=pairs) > 0
        # pairs in first-seen order: each seller's payers in the reference's dict order
        order = np.argsort(first, kind="stable")
        sellers = unique_ints(seller)
        s_of_pair = np.searchsorted(sellers, seller[first])
        edge_sum = np.bincount(s_of_pair[order], weights=got[order], minlength=len(sellers))
        # each seller's total: its annual_revenue, a project's the sum of its receipts when it states none
        nodes, node_data = cols.nodes, G._node  # noqa: SLF001
        seller_data = [node_data[nodes[i]] for i in sellers.tolist()]
        own = _converted(number_column([d.get("annual_revenue") for d in seller_data]), cols.node_currency[sellers], conv)
        if own is None:
            return None
        is_project = np.fromiter((d.get("type") == "project" for d in seller_data), dtype=bool,
                                 count=len(seller_data))
        from_edges = (np.isnan(own) | (own == 0)) & is_project  # ``not total and type == "project"``
        total = np.where(from_edges, edge_sum, own)
        t_pair = total[s_of_pair]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratio = 100.0 * got / t_pair
        has_total = ~np.isnan(t_pair) & (t_pair != 0)
        pct = np.where(stated_any, stated_sum, ratio)
        emit = np.flatnonzero((stated_any | has_total) & (pct >= threshold))
        # each emitted pair's edge ids: the receipt edges grouped by pair (edge order within), sliced
        by_pair = np.argsort(inverse, kind="stable")
        size = np.bincount(inverse, minlength=pairs)
        ends = np.cumsum(size)
        keys = cols.keys
        pair_keys = [keys[i] for i in rec[by_pair].tolist()]
        how_total = ("annual_revenue", "sum of the project's receipt edges")
        first_emit = first[emit]
        for src, dst, pc, st, g, t, proj, b, k in zip(
                payer[first_emit].tolist(), seller[first_emit].tolist(), pct[emit].tolist(),
                stated_any[emit].tolist(), got[emit].tolist(), t_pair[emit].tolist(),
                from_edges[s_of_pair[emit]].tolist(), ends[emit].tolist(), size[emit].tolist(), strict=True):
            how = "revenue_share_pct" if st else f"{g:g} / {t:g} ({how_total[proj]})"
            links.append(grp.GroupLink(nodes[src], nodes[dst], "interdependence", "receipts", pc,
                                       tuple(sorted(pair_keys[b - k:b])),
                                       f"{pc:.4g}% of the seller's receipts from this payer ({how})"))
    # guarantees, in edge order, as the reference reads them
    nodes, keys = cols.nodes, cols.keys
    gsel = np.flatnonzero(base & cols.kind_mask(("guarantees",))).tolist()
    for i, u, v, data in zip(gsel, cols.src[gsel].tolist(), cols.dst[gsel].tolist(), cols.dicts(gsel), strict=True):
        share = number(data.get("guaranteed_share_of_debt"))
        how = "guaranteed_share_of_debt"
        if share is None:
            amt = money.of(data, "amount")
            d = float(debt[v])
            if amt is None or not d:
                continue
            share, how = 100.0 * amt / d, f"{amt:g} / {d:g} lent to the obligor"
        if share >= threshold:
            links.append(grp.GroupLink(nodes[u], nodes[v], "interdependence", "guarantee", share, (keys[i],),
                                       f"guarantees {share:.4g}% of the obligor's debt ({how})"))
    return sorted(links, key=lambda link: (link.source, link.target, link.basis))


def _plain(x: Any) -> bool:
    """Whether a threshold or count is a plain number (others go to the reference, which reads them itself)."""
    return type(x) in (int, float)


def connected_groups_columns(
    G: nx.MultiDiGraph,
    *,
    control_threshold: float = 50.0,
    interdependence_threshold: float = 50.0,
) -> grp.ConnectedGroupsResult | None:
    """:func:`~stakegraph.analytics.groups.connected_groups` from the edge table (``None``: run the loop).

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection (another graph class, or one the table cannot read, returns ``None``).
    control_threshold : float
        Ownership percentage above which a holder controls (strictly greater).
    interdependence_threshold : float
        Receipts / guaranteed-debt percentage at or above which two nodes are interdependent.

    Returns
    -------
    ConnectedGroupsResult or None
        Equal to :func:`~stakegraph.analytics.groups.connected_groups_reference`: the same links (same
        floats, notes, edge ids), groups, members, parents, order and stamp. ``None`` when an edge amount
        needs an FX rate that is missing (the reference raises :class:`~stakegraph.errors.MissingRate`).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("s", type="party", annual_revenue=100.0); G.add_node("c", type="party")
    >>> _ = G.add_edge("c", "s", key="e", kind="buys_from", annual_revenue=50.0)
    >>> r = connected_groups_columns(G)
    >>> r == grp.connected_groups_reference(G), [(l.source, l.target, l.value) for l in r.groups[0].links]
    (True, [('c', 's', 50.0)])

    See Also
    --------
    stakegraph.analytics.groups.connected_groups : the public function (falls back to a loop over G).
    stakegraph.analytics.timeline_fast.columns : the shared edge table read here.

    References
    ----------
    .. [1] Basel Committee on Banking Supervision, *Large exposures framework*, LEX10.9-10.20
       (connected counterparties), BIS, 2019.
    .. [2] C. R. Harris et al., "Array programming with NumPy", Nature 585 (2020) — ``unique`` and
       sequential ``bincount`` group-bys.
    """
    cols = _readable(G)
    if cols is None or not (_plain(control_threshold) and _plain(interdependence_threshold)):
        return None
    base, _kind = _link_masks(cols)
    control = grp.control_links(G, control_threshold=control_threshold, edges=_control_edges(cols, base))
    grp._check_threshold("interdependence_threshold", interdependence_threshold)  # noqa: SLF001 - before the money
    dependence = _interdependence_links(G, cols, base, interdependence_threshold)
    if dependence is None:
        return None
    return _groups(G, control + dependence, control_threshold, interdependence_threshold)


def _groups(G: nx.MultiDiGraph, links: list[grp.GroupLink], control_threshold: float,
            interdependence_threshold: float) -> grp.ConnectedGroupsResult:
    """:func:`~stakegraph.analytics.groups.groups_from_components` of the links' connected components (SciPy)."""
    ids: dict[str, int] = {}
    a = [ids.setdefault(link.source, len(ids)) for link in links]
    b = [ids.setdefault(link.target, len(ids)) for link in links]
    names = list(ids)
    k = len(names)
    n_comp, label = (connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(k, k)), directed=False)
                     if k else (0, np.zeros(0, dtype=np.int32)))
    labels = label.tolist()
    members_of: list[list[str]] = [[] for _ in range(n_comp)]
    for i in sorted(range(k), key=names.__getitem__):  # members sorted by id (text)
        members_of[labels[i]].append(names[i])
    by_node: dict[str, list[grp.GroupLink]] = defaultdict(list)
    links_of: list[list[grp.GroupLink]] = [[] for _ in range(n_comp)]
    for link, i in zip(links, a, strict=True):
        by_node[link.source].append(link)
        by_node[link.target].append(link)
        links_of[labels[i]].append(link)
    control = [link for link in links if link.reason == "control"]
    controlled = {link.target for link in control}
    controllers = {link.source for link in control}  # a member with a control link as its source
    node_data = G._node  # noqa: SLF001 - name_of without the view

    def name(n: str) -> str:
        return str((node_data.get(n) or {}).get("name") or n)

    groups: list[grp.ConnectedGroup] = []
    for members, comp_links in zip(members_of, links_of, strict=True):
        parents = tuple(m for m in members if m not in controlled and m in controllers)
        head = parents[0] if parents else members[0]
        groups.append(grp.ConnectedGroup(
            id=f"group:{head}", name=f"{name(head)} group",
            members=tuple(grp.GroupMember(m, name(m), tuple(by_node[m])) for m in members),
            parents=parents, links=tuple(comp_links)))
    groups.sort(key=lambda g: (-len(g.members), g.id))
    group_of = {m.id: g.id for g in groups for m in g.members}
    stamp = grp.groups_stamp(control_threshold, interdependence_threshold, graph_version(G))
    return grp.ConnectedGroupsResult(tuple(groups), group_of, stamp)


@dataclass
class _ExposureEdges:
    """The exposure edges of one projection (active, of ``kinds``, with an amount), in edge order, grouped by
    source: node ``i``'s edges are ``start[i]:end[i]``, with their target, key, kind, amount in the reporting
    currency and stated currency (``str`` of it, ``None`` when empty). ``lacking``: the sources the table
    cannot answer for (an amount that needs a missing rate, a currency that is not text)."""

    cols: Columns
    money: Money
    kinds: tuple[str, ...]
    start: list[int]
    end: list[int]
    target: list[str]
    key: list[Any]
    kind: list[str]
    amount: list[float]
    currency: list[str | None]
    lacking: set[int]
    money_stamp: dict[str, Any] | None = None  # money.stamp(), the same for every lender: read on first use
    #: per group (of the groups result ``about[0]``): its name, members and whether one is a G-SIB (``None``:
    #: not read yet), shared by every lender exposed to it
    about: tuple[Any, dict[str, list[Any]]] | None = None


_TABLES: weakref.WeakKeyDictionary[nx.MultiDiGraph, list[_ExposureEdges]] = weakref.WeakKeyDictionary()
_TABLES_LOCK = threading.Lock()


def _exposure_edges(G: nx.MultiDiGraph, cols: Columns, money: Money, kinds: tuple[str, ...]) -> _ExposureEdges:
    """The exposure edges of ``G`` for ``kinds`` (kept per projection, its table and money context)."""
    with _TABLES_LOCK:
        kept = [t for t in _TABLES.get(G, []) if t.cols is cols and t.money is money]
        hit = next((t for t in kept if t.kinds == kinds), None)
    if hit is not None:
        return hit
    sel = np.flatnonzero(cols.kind_mask(kinds) & cols.active)
    keys = cols.raw_keys
    coded = cols.coded("currency")
    if coded is not None:  # every stated currency is text or None: the amounts and currencies from the columns
        raw_key = list(map(keys.__getitem__, sel.tolist()))
        value = cols.amounts(sel)
        raw_cur: list[Any] = list(map(coded[1].__getitem__, coded[0][sel].tolist()))
    else:  # one read of each edge's dict: its key, amount and stated currency
        raw_key = list(map(keys.__getitem__, sel.tolist()))
        raw_amount, raw_cur = cols.prop("amount", sel), cols.prop("currency", sel)
        value = number_column(raw_amount)
    factor, converts = _factors(cols, money)
    cur = cols.currency[sel]
    needs = ((cur >= 0) & converts[np.maximum(cur, 0)] if len(converts) else np.zeros(len(sel), dtype=bool))
    keep = ~np.isnan(value)
    f = np.where(needs, factor[np.maximum(cur, 0)] if len(factor) else 1.0, 1.0)
    odd = (np.zeros(len(raw_cur), dtype=bool) if coded is not None else
           np.fromiter((not (c is None or type(c) is str) for c in raw_cur), dtype=bool, count=len(raw_cur)))
    lacking = set(cols.src[sel[keep & ((needs & np.isnan(f)) | odd)]].tolist())
    value = np.where(needs, value * f, value)  # Money.amount: value, or value * factor
    at = np.flatnonzero(keep)
    edge = sel[at]
    src = cols.src[edge]
    n = len(cols.nodes)
    count = np.bincount(src, minlength=n)
    start = np.zeros(n, dtype=np.int64)
    uniq, first = unique_ints(src, return_index=True)  # a source's edges are contiguous (the adjacency's order)
    start[uniq] = first
    nodes, kinds_of = cols.nodes, cols.kinds
    pos = at.tolist()
    table = _ExposureEdges(
        cols, money, kinds, start.tolist(), (start + count).tolist(),
        target=[nodes[i] for i in cols.dst[edge].tolist()], key=[raw_key[i] for i in pos],
        kind=[kinds_of[c] for c in cols.kind[edge].tolist()], amount=value[at].tolist(),
        currency=[c if c and type(c) is str else None for c in map(raw_cur.__getitem__, pos)], lacking=lacking)
    with _TABLES_LOCK:
        _TABLES[G] = [*kept, table][-4:]
    return table


def large_exposures_columns(
    G: nx.MultiDiGraph,
    lender: str,
    *,
    groups: grp.ConnectedGroupsResult | None = None,
    kinds: tuple[str, ...] = grp.EXPOSURE_KINDS,
    top: int = 20,
) -> grp.LargeExposuresResult | None:
    """:func:`~stakegraph.analytics.groups.large_exposures` from a table of the exposure edges (``None``: run
    the reference).

    The lender's edges are a slice of a table built once per projection (active edges of ``kinds`` with an
    amount, converted to the reporting currency as :meth:`stakegraph.measures.Money.of` converts it); their
    amounts are summed per group in edge order (the reference's ``+=``). The exposures are sorted as the
    reference sorts them and ``total_exposure`` is the same sequential sum; only those the result lists —
    the ``top`` largest and the reportable ones (every breach is reportable: ``pct > 15`` implies
    ``pct >= 10``) — are built, from their edges in edge order.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.
    lender : str
        Node id of the bank (checked by the caller); it must carry ``tier1_capital`` > 0.
    groups : ConnectedGroupsResult, optional
        Groups of connected counterparties (computed when absent).
    kinds : tuple of str
        Relationship kinds counted as exposure, already checked (:func:`~stakegraph.analytics.selection.
        check_kinds`).
    top : int
        How many of the largest exposures to list regardless of size.

    Returns
    -------
    LargeExposuresResult or None
        Equal to :func:`~stakegraph.analytics.groups.large_exposures_reference`; ``None`` when the table
        cannot read ``G`` or one of the lender's amounts needs a missing FX rate.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("bank", type="party", tier1_capital=100.0)
    >>> G.add_nodes_from(["h", "s"], type="party")
    >>> _ = G.add_edge("h", "s", key="o", kind="owns", share_pct=80)
    >>> _ = G.add_edge("bank", "h", key="l1", kind="lends_to", amount=15.0)
    >>> _ = G.add_edge("bank", "s", key="l2", kind="lends_to", amount=12.0)
    >>> r = large_exposures_columns(G, "bank")
    >>> r == grp.large_exposures_reference(G, "bank"), [(e.group_id, e.amount) for e in r.reportable]
    (True, [('group:h', 27.0)])

    See Also
    --------
    stakegraph.analytics.groups.large_exposures : the public function.
    stakegraph.analytics.timeline_fast.columns : the shared edge table read here.

    References
    ----------
    .. [1] Basel Committee on Banking Supervision, *Large exposures framework*, LEX20 (limits, reporting
       at 10% of Tier 1) and LEX30 (measurement), BIS, 2019.
    """
    cols = _readable(G)
    if cols is None or type(top) is not int or not isinstance(lender, str):
        return None
    require_node(G, lender)
    kinds = check_kinds(kinds)
    money = money_context(G)
    lender_data = G._node[lender]  # noqa: SLF001
    tier1 = money.of(lender_data, "tier1_capital")
    if not tier1 or tier1 <= 0:
        return None  # the reference raises its ValidationError
    at = cols.index.get(lender)
    if at is None:
        return None
    table = _exposure_edges(G, cols, money, kinds)
    if at in table.lacking:
        return None
    if groups is None:
        groups = grp.connected_groups(G)
    lender_gsib = bool(lender_data.get("gsib"))
    group_of = groups.group_of
    target, amount = table.target, table.amount
    edges_of: dict[str, list[int]] = {}
    for j in range(table.start[at], table.end[at]):
        v = target[j]
        edges_of.setdefault(group_of.get(v, v), []).append(j)
    gids = list(edges_of)
    sums: list[float] = []
    for js in edges_of.values():
        s = 0.0
        for j in js:
            s += amount[j]
        sums.append(s)
    order = sorted(range(len(gids)), key=lambda i: (-sums[i], gids[i]))
    pct = [100.0 * s / tier1 for s in sums]
    shown = {i: _exposure(G, table, groups, gids[i], edges_of[gids[i]], sums[i], pct[i], lender_gsib)
             for i in dict.fromkeys((*order[:top], *(i for i in order if pct[i] >= 10.0)))}
    reportable = tuple(shown[i] for i in order if pct[i] >= 10.0)
    if table.money_stamp is None:  # where the reference reads it (its quotes may raise what they raise)
        table.money_stamp = money.stamp()
    stamp = grp.exposures_stamp(G, lender, kinds, top, groups, table.money_stamp)
    return grp.LargeExposuresResult(
        lender=lender,
        name=name_of(G, lender),
        tier1_capital=tier1,
        gsib=lender_gsib,
        total_exposure=sum(sums[i] for i in order),
        reportable=reportable,
        largest=tuple(shown[i] for i in order[:top]),
        breaches=tuple(e.group_id for e in reportable if e.breach),
        stamp=stamp,
    )


def _exposure(G: nx.MultiDiGraph, table: _ExposureEdges, groups: grp.ConnectedGroupsResult, gid: str,
              js: list[int], amount: float, pct: float, lender_gsib: bool) -> grp.Exposure:
    """One exposure of :func:`large_exposures_columns`, built as the reference builds it from its edges."""
    by_kind: dict[str, float] = defaultdict(float)
    cur: set[str] = set()
    kind, amounts, currency = table.kind, table.amount, table.currency
    for j in js:  # the reference's loop, over the lender's edges of this group in edge order
        by_kind[kind[j]] += amounts[j]
        c = currency[j]
        if c is not None:
            cur.add(c)
    keys = list(map(table.key.__getitem__, js))
    cps = set(map(table.target.__getitem__, js))
    if table.about is None or table.about[0] is not groups:
        table.about = (groups, {})
    about = table.about[1].get(gid)
    if about is None:
        group = groups.group(gid) if gid.startswith("group:") else None
        about = table.about[1][gid] = [group.name if group else name_of(G, gid),
                                       group.member_ids if group else (gid,), None]
    name, members = about[0], about[1]
    if lender_gsib and about[2] is None:
        node = G._node  # noqa: SLF001 - read only
        about[2] = any(bool(node[m].get("gsib")) for m in members if m in node)
    gsib_pair = lender_gsib and bool(about[2])
    limit = 15.0 if gsib_pair else 25.0
    return grp.Exposure(
        group_id=gid,
        name=name,
        members=members,
        counterparties=tuple(sorted(cps)),
        amount=amount,
        by_kind=dict(sorted(by_kind.items())),
        edges=tuple(sorted(keys)),
        currencies=tuple(sorted(cur)),
        pct_tier1=pct,
        reportable=pct >= 10.0,
        limit_pct=limit,
        breach=pct > limit,
    )
