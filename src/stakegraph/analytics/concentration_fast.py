"""Portfolio concentration read from the shared edge table instead of a walk over NetworkX's views.

:func:`portfolio_rows_fast` returns exactly the rows of
:func:`stakegraph.analytics.concentration.portfolio_concentration_reference` (same
:class:`~stakegraph.analytics.concentration.PortfolioRow` values, same floats, same order:
``tests/analytics/test_concentration_fast.py`` checks it on seeded graphs, generated portfolios in USD
and CNY and the bundled sample, with every weight, direction, look-through and node type).
The reference walks ``G.edges(keys=True, data=True)`` and, holder by holder, reads each edge's weight
through :meth:`stakegraph.measures.Money.of`. Here the edges come from
:func:`stakegraph.analytics.timeline_fast.columns` (the projection's edges in its own order):

* the edges kept are a mask (kind, active status as loaded, the holder's ``type``: read once per
  holder, as the reference reads it);
* each edge's size is the table's declared weight (:meth:`~stakegraph.analytics.timeline_fast.Columns.weight`:
  :func:`~stakegraph.measures.number` of the property, 1 for kinds without one), ``1`` for ``"count"``, or
  ``number`` of the named property; a money size is multiplied by its currency's factor, which is the
  reference's own :meth:`Money.amount <stakegraph.measures.Money.amount>` of 1 (the same product,
  ``value * factor``); edges without a size are left out, as the reference leaves them out;
* each (holder, counterparty) pair is a code; its value is a sequential ``np.bincount`` of the sizes in
  edge order (the reference's ``values[head] += w``, the same bits);
* the holder's total is the builtin ``sum`` of its pair values in first-seen order (the reference's
  ``sum(values.values())``, whatever ``sum`` does on the running Python), the shares
  ``100.0 * v / total`` elementwise, HHI and CR-k the builtin ``sum`` of the shares ranked by
  (value descending, counterparty id) — the reference's ``_summarise`` operations in its order.

Whenever the table cannot reproduce the answer exactly it returns ``None`` and the reference runs (and
raises what it raises): a graph the table cannot read, a money size whose currency has no rate
(:class:`~stakegraph.errors.MissingRate`), a size, total or share that is not finite, a holder ``type``
or look-through head that is not text, a ``k`` or ``min_counterparties`` that is not an ``int``.

>>> G = nx.MultiDiGraph()
>>> G.add_nodes_from(["s", "a", "b"], type="party")
>>> _ = G.add_edge("a", "s", key="1", kind="buys_from", annual_revenue=3)
>>> _ = G.add_edge("b", "s", key="2", kind="buys_from", annual_revenue=1)
>>> [(r.node, r.hhi, r.top_counterparty) for r in portfolio_rows_fast(G, ("buys_from",), "in", "party", 1, None,
...                                                                    {}, 5, True)]
[('s', 6250.0, 'a')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from itertools import repeat
from typing import Any

import networkx as nx
import numpy as np

from stakegraph.analytics import concentration as conc
from stakegraph.analytics.timeline_fast import Columns, columns
from stakegraph.arrays import unique_ints
from stakegraph.domain import MONEY_PROPS
from stakegraph.measures import money_context, number

__all__ = ["portfolio_rows_fast"]


def _sizes(G: nx.MultiDiGraph, cols: Columns, kinds: tuple[str, ...], sel: np.ndarray,
           weight: str | None) -> np.ndarray | None:
    """Each selected edge's size as :func:`~stakegraph.measures.edge_size` reads it with the graph's money
    (NaN: no size), or ``None`` when a money size lacks a rate (the reference raises)."""
    if weight == "count":
        return np.ones(len(sel))
    if weight is None:
        column, money_kind = cols.weight(kinds)
        w, is_money = column[sel], money_kind[sel]
    else:
        w = np.array([np.nan if (x := number(v)) is None else x for v in cols.prop(weight, sel)],
                     dtype=float)
        is_money = np.full(len(sel), weight in MONEY_PROPS)
    if len(sel) == 0:
        return w
    money = money_context(G)  # the reference builds it at its first holder: there is one here
    cur = cols.currency[sel]
    convert = is_money & ~np.isnan(w) & (cur >= 0)
    factor = cols.factors(money, unique_ints(cur[convert]).tolist())
    if np.isnan(factor[cur[convert]]).any():  # a missing rate: the reference raises it
        return None
    w = w.copy()
    with np.errstate(over="ignore"):  # an infinite size: the caller falls back, the reference answers
        w[convert] = w[convert] * factor[cur[convert]]
    return w


def _heads(cols: Columns, mapping: Mapping[str, str]) -> tuple[np.ndarray, list[str], np.ndarray] | None:
    """(each node's head code, the heads' ids, each head's rank in id order); ``None``: a head not text."""
    if not mapping:
        return np.arange(len(cols.nodes), dtype=np.int64), cols.nodes, cols.rank()
    heads = [mapping.get(n, n) for n in cols.nodes]
    if set(map(type, heads)) - {str}:
        return None
    table = {h: i for i, h in enumerate(dict.fromkeys(heads))}
    names = list(table)
    code = np.fromiter(map(table.__getitem__, heads), dtype=np.int64, count=len(heads))
    order = sorted(range(len(names)), key=names.__getitem__)
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.array(order, dtype=np.int64)] = np.arange(len(names), dtype=np.int64)
    return code, names, rank


def portfolio_rows_fast(
    G: nx.MultiDiGraph, kinds: tuple[str, ...], side: str, node_type: str | None, min_counterparties: int,
    weight: str | None, mapping: Mapping[str, str], k: int, active_only: bool,
) -> list[conc.PortfolioRow] | None:
    """The rows of :func:`~stakegraph.analytics.concentration.portfolio_concentration` from the edge table.

    Variant: the reference's per-holder shares, HHI, CR-k and bands, computed with NumPy group-bys over
    the shared edge table in the reference's order of floating-point operations (see the module
    docstring for why each sum is the same); unsorted (the caller sorts them as the reference does).

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection (a plain ``MultiDiGraph``: the caller checks).
    kinds : tuple of str
        Checked relationship kinds.
    side : {"in", "out"}
        Checked direction: ``"in"`` holds the target of each edge, ``"out"`` its source.
    node_type : str or None
        Holders' ``type`` (``None``: any).
    min_counterparties : int
        Holders with fewer counterparties are left out.
    weight : str or None
        ``None`` (declared weights), ``"count"`` or a property name.
    mapping : mapping of str to str
        Look-through heads (empty: none).
    k : int
        CR-k.
    active_only : bool
        Ignore ended relationships.

    Returns
    -------
    list of PortfolioRow or None
        The rows (unsorted), or ``None`` when the reference must run.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["s", "a"], type="party")
    >>> _ = G.add_edge("a", "s", key="1", kind="lends_to", amount=5.0)
    >>> [(r.node, r.n, r.total) for r in portfolio_rows_fast(G, ("lends_to",), "in", None, 1, None, {}, 5, True)]
    [('s', 1, 5.0)]

    See Also
    --------
    stakegraph.analytics.concentration.portfolio_concentration_reference : the reference (one walk over ``G``).
    stakegraph.analytics.timeline_fast.columns : the shared edge table.

    References
    ----------
    .. [1] U.S. DOJ & FTC, *Merger Guidelines*, 2023, §2.1 (HHI of percentage shares).
    """
    if type(k) is not int or type(min_counterparties) is not int or not (weight is None or isinstance(weight, str)):
        return None
    if set(MONEY_PROPS.values()) - {"currency"}:  # the table reads the ``currency`` field only
        return None
    cols = columns(G)
    if cols is None:
        return None
    heads = _heads(cols, mapping)
    if heads is None:
        return None
    head_code, head_names, head_rank = heads
    mask = cols.kind_mask(kinds)
    if active_only:
        mask &= cols.active
    sel = np.flatnonzero(mask)
    holder = (cols.dst if side == "in" else cols.src)[sel]
    node_data: dict[Any, dict[str, Any]] = G._node  # noqa: SLF001 - each holder's properties, read once
    nodes = cols.nodes
    if node_type is not None and len(sel):
        held = np.flatnonzero(np.bincount(holder, minlength=len(nodes))).tolist()  # ascending, as np.unique
        types = list(map(dict.get, map(node_data.__getitem__, map(nodes.__getitem__, held)), repeat("type")))
        if set(map(type, types)) - {str, type(None)}:
            return None
        ok = np.zeros(len(nodes), dtype=bool)
        ok[held] = [t == node_type for t in types]
        keep = ok[holder]
        sel, holder = sel[keep], holder[keep]
    w = _sizes(G, cols, kinds, sel, weight)
    if w is None:
        return None
    sized = ~np.isnan(w)
    if not np.all(np.isfinite(w[sized])):
        return None
    sel, holder, w = sel[sized], holder[sized], w[sized]
    if len(sel) == 0:
        return []
    head = head_code[(cols.src if side == "in" else cols.dst)[sel]]
    pair = holder * np.int64(len(head_names)) + head
    uniq, first, inverse = unique_ints(pair, return_index=True, return_inverse=True)
    value = np.bincount(inverse.ravel(), weights=w, minlength=len(uniq))  # sequential, in edge order
    p_holder, p_head = uniq // len(head_names), uniq % len(head_names)  # grouped by holder (sorted codes)
    starts = np.flatnonzero(np.r_[True, p_holder[1:] != p_holder[:-1]])
    bounds = np.r_[starts, len(uniq)].tolist()
    count = np.diff(np.r_[starts, len(uniq)])
    # each holder's total: the builtin sum of its values in first-seen order (the reference's dict order)
    seen = value[np.lexsort((first, p_holder))].tolist()
    totals = [sum(seen[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    total = np.array(totals, dtype=float)
    if not np.all(np.isfinite(total)):
        return None
    denom = np.repeat(total, count)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pct = np.where(denom > 0, 100.0 * value / np.where(denom > 0, denom, 1.0), 0.0)
    if not np.all(np.isfinite(pct * pct)):
        return None
    ranked = np.lexsort((head_rank[p_head], -value, p_holder))  # each holder's shares by (-value, id)
    r_pct = pct[ranked].tolist()
    r_sq = (pct * pct)[ranked].tolist()
    r_head = p_head[ranked].tolist()
    wanted = max(1, min_counterparties)
    kept = [g for g, n in enumerate(count.tolist()) if n >= wanted]
    hs = [float(sum(r_sq[bounds[g]:bounds[g + 1]])) for g in kept]  # conc.hhi: the builtin sum of s * s, ranked
    b2010, b2023 = _bands(np.array(hs, dtype=float))
    holders = p_holder[starts].tolist()
    ids = [nodes[holders[g]] for g in kept]
    data = list(map(node_data.__getitem__, ids))
    columns_ = (
        ids, [str(d.get("name") or n) for d, n in zip(data, ids, strict=True)], list(map(dict.get, data, repeat("kind"))),
        [bounds[g + 1] - bounds[g] for g in kept], [totals[g] for g in kept], hs, [k] * len(kept),
        [sum(r_pct[bounds[g]:bounds[g + 1]][:k]) for g in kept], [10_000.0 / h if h > 0 else None for h in hs],
        [head_names[r_head[bounds[g]]] for g in kept], [r_pct[bounds[g]] for g in kept], b2010, b2023,
    )
    return _rows(columns_)


_FIELDS = tuple(f.name for f in fields(conc.PortfolioRow))


def _rows(cols: tuple[Iterable[Any], ...]) -> list[conc.PortfolioRow]:
    """``list(map(PortfolioRow, *cols))`` without the generated ``__init__``, which sets each field of the frozen
    class through ``object.__setattr__``: the same fields are put in each instance's ``__dict__`` at once, in
    field order (the class has no ``__post_init__``: the instances are equal, field for field)."""
    cls = conc.PortfolioRow
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__"):
        return list(map(cls, *cols))  # pragma: no cover - guards the shortcut
    new, names = object.__new__, _FIELDS
    out: list[conc.PortfolioRow] = []
    append = out.append
    for values in zip(*cols, strict=True):
        row = new(cls)
        row.__dict__.update(zip(names, values, strict=True))
        append(row)
    return out


def _bands(h: np.ndarray) -> tuple[list[str], list[str]]:
    """:func:`~stakegraph.analytics.concentration.bands` of each HHI (2010 and 2023 labels): its thresholds
    (2010: < 1,500, <= 2,500; 2023: > 1,800) and its own labels.

    >>> _bands(np.array([0.0, 1500.0, 1800.5, 2500.0, 2500.5]))[0][1:3]
    ['moderately concentrated', 'moderately concentrated']
    """
    un, not_high = (b.band for b in conc.bands(0.0))
    moderate = conc.bands(1500.0)[0].band
    high_2010, high_2023 = (b.band for b in conc.bands(1e4))
    b2010 = np.where(h < 1500, un, np.where(h <= 2500, moderate, high_2010))
    b2023 = np.where(h > 1800, high_2023, not_high)
    return b2010.tolist(), b2023.tolist()
