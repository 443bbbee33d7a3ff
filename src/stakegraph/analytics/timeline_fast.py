"""Trend and diff measures from masks over the projection's columns, without building the timeslices.

:func:`stakegraph.analytics.timeline.trend` and :func:`~stakegraph.analytics.timeline.diff` read each
date through :func:`stakegraph.asof.graph_as_of`: a new ``MultiDiGraph`` per date, then the measures
on it (a fresh structural graph for the cut points, a rescan of every edge for the currencies …).
Here the projection is read **once** into columns (:class:`Columns`: node and edge arrays in the
projection's own order, dates as the as-of rule reads them, statuses, kinds, weights, currencies),
and a date is a pair of masks (:class:`Day`) that apply the same rule:

* a node exists on ``D`` unless its ``date`` (or a contract's ``signed_date``) is after ``D``;
* an edge exists unless its ``start_date`` is after ``D`` or its ``end_date`` before it, and both
  its ends exist; it reads active when its status is active or it has an ``end_date`` (on or after
  ``D``: a status that says it ended reads ``active`` then).

The table is read from the adjacency at C speed where it can (``chain``/``map``/``zip``), and each column
of stored values is coded in one pass (:func:`_distinct`: each value's first position by ``dict.setdefault``,
its code the rank of that position: the codes and first-seen order of ``dict.fromkeys``). Statuses and dates
stay coded per distinct stored value (:meth:`Columns.coded`) for analyses with date rules of their own
(:func:`stakegraph.analytics.health_columns.relationship_health_on_day`).

The measures are then sums and group-bys over the masked columns in the timeslice's edge order (a
timeslice keeps the projection's order), with the same floating-point operations in the same order
as the reference (sequential sums, not NumPy's pairwise ones), and the cut points are the compiled
kernel's (:func:`stakegraph.analytics.kernels.articulation_points_indexed`, proved equal to
NetworkX). Anything the columns cannot reproduce exactly — node ids or edge ids that are not unique
text, a rate missing for a converted amount, an invalid parameter — returns ``None`` and the caller
runs the reference (which raises what it raises). ``tests/analytics/test_timeline_fast.py`` proves
the equality on seeded portfolios and the bundled sample.

>>> G = nx.MultiDiGraph(version="v")
>>> G.add_node("b1", type="party"); G.add_node("co", type="party")
>>> G.add_edge("b1", "co", key="l1", kind="lends_to", amount=90.0, start_date="2023-01-01")
'l1'
>>> day = day_masks(columns(G), "2022-12-31")
>>> int(day.edge_ok.sum()), int(day_masks(columns(G), "2023-06-30").edge_ok.sum())
(0, 1)
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain, count, repeat
from typing import Any, NamedTuple

import networkx as nx
import numpy as np

from stakegraph.analytics import concentration as conc
from stakegraph.analytics import kernels as kn
from stakegraph.analytics.first_seen import first_seen
from stakegraph.analytics.selection import (
    STRUCTURAL_KINDS,
    STRUCTURAL_TYPES,
    check_kinds,
    check_side,
)
from stakegraph.arrays import strictly_increasing, unique_ints
from stakegraph.asof import _day
from stakegraph.domain import MONEY_PROPS
from stakegraph.errors import MissingRate
from stakegraph.measures import (
    Money,
    declared_weight,
    is_active,
    number,
    reporting_currency,
    to_date,
)
from stakegraph.money import DEFAULT_REPORTING_CURRENCY, normalise_currency
from stakegraph.store.edge_props import EdgeProps, PropsView, prop_dicts, prop_values
from stakegraph.store.graphindex import PROJECTED_KEY, Projected, projected

__all__ = ["Columns", "Dates", "Day", "columns", "built_columns", "day_masks", "BookShare", "BookPoint", "book_point",
           "book_exposure", "cut_points", "relationship_mask", "band_rows", "dated_between", "number_column",
           "DAYS_KEPT"]

#: Days whose masks are kept per projection.
DAYS_KEPT = 16
_TIES = ("party", "project")


def _distinct(values: Sequence[Any]) -> tuple[np.ndarray, list[Any], bool]:
    """(a code per value, the coded values, whether they are its distinct values): distinct when every value
    is text or ``None`` (other values may be equal without being alike, ``1 == 1.0 == True``: then each value
    is its own code)."""
    n = len(values)
    first: dict[Any, int] = {}
    try:  # one pass: each value's first position (its first occurrence keeps it, as dict.fromkeys)
        at = np.fromiter(map(first.setdefault, values, count()), dtype=np.int64, count=n)
    except TypeError:  # an unhashable value
        first = {}
    if first and set(map(type, first)) <= {str, type(None)}:
        # the first positions rise in first-seen order: a value's code is the rank of its first position
        firsts = np.fromiter(first.values(), dtype=np.int64, count=len(first))
        return np.searchsorted(firsts, at), list(first), True
    return np.arange(n, dtype=np.int64), list(values), not values  # none: distinct too


def _read(values: Sequence[Any], fn: Callable[[Any], Any]) -> tuple[np.ndarray, list[Any]]:
    """(an index per value, ``fn`` of the indexed values): ``fn`` runs once per distinct value when every value
    is text or ``None`` (see :func:`_distinct`), else once per value."""
    codes, coded, _ = _distinct(values)
    return codes, [fn(v) for v in coded]


def _memo(values: Sequence[Any], fn: Callable[[Any], Any]) -> list[Any]:
    """``fn`` of each value (see :func:`_read`)."""
    codes, read = _read(values, fn)
    return list(map(read.__getitem__, codes.tolist()))


def _codes(values: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """(code per value, distinct values in first-seen order); values here are hashable (mapped first)."""
    first: dict[Any, int] = {}
    at = np.fromiter(map(first.setdefault, values, count()), dtype=np.int64, count=len(values))
    return np.searchsorted(np.fromiter(first.values(), dtype=np.int64, count=len(first)), at), list(first)


def number_column(values: Sequence[Any]) -> np.ndarray:
    """:func:`stakegraph.measures.number` of each value as floats (NaN: absent); plain numbers and ``None``
    in one NumPy conversion (an int beyond float range, or a non-finite value, reads absent, as ``number``).

    >>> number_column([1, None, 2.5, "3"]).tolist()
    [1.0, nan, 2.5, 3.0]
    """
    if set(map(type, values)) <= {float, int, type(None)}:
        try:
            out = np.array(values, dtype=float)  # None → NaN
        except OverflowError:  # an int beyond float range: number() says absent
            pass
        else:
            out[~np.isfinite(out)] = np.nan
            return out
    return np.array([np.nan if (x := number(v)) is None else x for v in values], dtype=float)


@dataclass
class Dates:
    """Stored dates as the as-of rule reads them (:func:`stakegraph.asof._day`, compared as text), kept as
    ranks into their sorted distinct values; an absent date ranks below every day (``low``) or above it."""

    rank: np.ndarray
    days: list[str]

    def after(self, day: str) -> np.ndarray:
        """Dates after ``day`` (``date > day``)."""
        return self.rank >= bisect_right(self.days, day)

    def before(self, day: str) -> np.ndarray:
        """Dates before ``day`` (``date < day``)."""
        return self.rank < bisect_left(self.days, day)

    def present(self) -> np.ndarray:
        """Dates that are there (read as a date)."""
        return (self.rank >= 0) & (self.rank < len(self.days))


def _days(values: Sequence[Any], *, low: bool) -> Dates:
    """:class:`Dates` of stored values; absent ones rank ``-1`` (``low``) or ``len(days)``."""
    codes, coded, _ = _distinct(values)
    return _ranked(codes, coded, low=low)


def _ranked(codes: np.ndarray, coded: list[Any], *, low: bool) -> Dates:
    """:class:`Dates` of values coded by :func:`_distinct`."""
    read = [_day(v) for v in coded]
    days = sorted({d for d in read if d is not None})
    at = {d: i for i, d in enumerate(days)}
    absent = -1 if low else len(days)
    table = np.array([absent if d is None else at[d] for d in read] or [absent], dtype=np.int32)
    return Dates(table[codes], days)


@dataclass
class Columns:
    """One projection as columns, nodes and edges in its own order (``G.nodes``, ``G.edges(keys=True)``)."""

    nodes: list[str]
    index: dict[str, int]
    node_date: Dates  # the node exists on D unless its date is after D
    node_signed: Dates  # a contract's signed_date (absent for other nodes)
    node_tie: np.ndarray  # party or project (the diff's relationships)
    node_struct: np.ndarray  # of STRUCTURAL_TYPES (the cut points)
    node_currency: np.ndarray  # code into currencies, -1 none
    src: np.ndarray
    dst: np.ndarray
    keys: list[str]
    keys_unique: bool
    kind: np.ndarray  # code into kinds
    kinds: list[Any]
    active: np.ndarray  # is_active(data) as loaded
    start: Dates
    end: Dates
    currency: np.ndarray  # code into currencies, -1 none
    currencies: list[str]
    #: each edge's properties (the projection's own dicts; a view that makes them when read where the
    #: projection keeps them as columns): read a key over many edges with :meth:`prop`, which makes none
    props: Sequence[dict[str, Any]]
    raw_keys: list[Any]  # each edge's key as the graph holds it (``keys`` is their text; the same list when text)
    signals: list[tuple[Any, dict[str, Any]]]  # signal and interaction nodes, in node order
    signal_when: np.ndarray | None  # their date as the diff reads it (``str(date or "")[:10]``); None: read each
    fx: Any
    reporting: str
    _days: OrderedDict[str, Day] = field(default_factory=OrderedDict, repr=False)
    _rank: np.ndarray | None = field(default=None, repr=False)
    _structure: tuple[list[str], np.ndarray] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _weight: np.ndarray | None = field(default=None, repr=False)
    _money: np.ndarray | None = field(default=None, repr=False)
    _read: dict[str, set[int]] = field(default_factory=lambda: {"weight": set(), "money": set()}, repr=False)
    _coded: dict[str, tuple[np.ndarray, list[Any]] | None] = field(default_factory=dict, repr=False)
    #: (declared weight, amount) of every edge as the columnar index read them, in edge order (None: not
    #: built from an index): what ``_fill`` would read from the dicts, except a guarantee's cap
    _index_numbers: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    #: each edge's rank among the keys in code-point order (``None``: not known): the index's edge numbers, where
    #: the table was built from an index whose ids are distinct text in id order
    key_rank: np.ndarray | None = field(default=None, repr=False)

    def coded(self, name: str) -> tuple[np.ndarray, list[Any]] | None:
        """(a code per edge, the distinct stored values it indexes) of the edge property ``name`` as stored
        (``dict.get``), or ``None`` when a value is not text or ``None`` (values that may be equal without being
        alike, or unhashable). ``status``, ``start_date`` and ``end_date`` are coded once with the table (and
        ``currency`` when the table comes from the index); any other property on first use (one read of the edges)."""
        with self._lock:
            if name not in self._coded:
                values = self.prop(name)
                codes, coded, distinct = _distinct(values)
                self._coded[name] = (codes, coded) if distinct else None
            return self._coded[name]

    def amounts(self, sel: np.ndarray) -> np.ndarray:
        """The stated ``amount`` of the edges ``sel`` as numbers (NaN: absent or not a number), as
        :func:`number_column` reads them from the dicts; from the index's numbers when the table was built from
        one (the same values: ``tests/analytics/test_columns_index.py``)."""
        if self._index_numbers is not None:
            return self._index_numbers[1][sel]
        return number_column(self.prop("amount", sel))

    def prop(self, key: str, sel: np.ndarray | None = None) -> list[Any]:
        """``[props[i].get(key) for i in sel]`` (every edge when ``None``), with no edge dict made."""
        return prop_values(self.props, key, sel)

    def dicts(self, sel: np.ndarray | list[int]) -> list[dict[str, Any]]:
        """Dicts equal to the edges' ``sel`` own, for a pass that reads and drops them: the dicts not made yet
        are made without being kept (:func:`~stakegraph.store.edge_props.prop_dicts`)."""
        return prop_dicts(self.props, sel)

    def kind_codes(self, kinds: Iterable[str]) -> list[int]:
        """The codes of ``kinds`` (those present)."""
        wanted = set(kinds)
        return [i for i, k in enumerate(self.kinds) if k in wanted]

    def kind_mask(self, kinds: Iterable[str]) -> np.ndarray:
        """Edges whose ``kind`` is one of ``kinds``."""
        return np.isin(self.kind, np.array(self.kind_codes(kinds), dtype=np.int64))

    def _fill(self, column: str, codes: list[int]) -> np.ndarray:
        """The ``weight`` or ``money`` column, read from the edges of kinds ``codes`` on first use."""
        with self._lock:
            if self._weight is None or self._money is None:
                self._weight, self._money = np.full(len(self.kind), np.nan), np.full(len(self.kind), np.nan)
            out = self._weight if column == "weight" else self._money
            done = self._read[column]
            for c in codes:
                if c in done:
                    continue
                idx = np.flatnonzero(self.kind == c)
                kind = self.kinds[c]
                if self._index_numbers is not None and (column == "weight" or kind != "guarantees"):
                    out[idx] = self._index_numbers[0 if column == "weight" else 1][idx]
                    done.add(c)
                    continue
                if column == "weight":
                    attr = declared_weight(str(kind))
                    out[idx] = 1.0 if attr is None else number_column(self.prop(attr, idx))
                else:
                    amount = number_column(self.prop("amount", idx))
                    cap = number_column(self.prop("guarantee_cap", idx)) if kind == "guarantees" else amount
                    out[idx] = np.where(np.isnan(cap), amount, cap)
                done.add(c)
            return out

    def weight(self, kinds: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """(each edge's declared weight as a number — NaN absent, 1 for kinds without one —, whether it is
        money), filled for the edges of ``kinds``."""
        codes = self.kind_codes(kinds)
        is_money = np.array([declared_weight(str(k)) in MONEY_PROPS for k in self.kinds], dtype=bool)
        return self._fill("weight", codes), is_money[self.kind] if len(self.kind) else np.zeros(0, dtype=bool)

    def money(self, kinds: Iterable[str]) -> np.ndarray:
        """Each edge's money as stated (``money_of_edge``: guarantee_cap for guarantees when set, else
        amount), filled for the edges of ``kinds``."""
        return self._fill("money", self.kind_codes(kinds))

    def factors(self, money: Money, codes: Iterable[int] | None = None) -> np.ndarray:
        """Per currency code, the factor ``money.amount`` multiplies an amount stated in that currency by
        (``money.amount(1.0, c)``: the same product as the reference's), for ``codes`` (default: every
        currency); 1 for the reporting currency and the codes not asked, NaN where the FX table has no
        rate (the reference raises :class:`~stakegraph.errors.MissingRate` there). At least one entry."""
        out = np.ones(max(len(self.currencies), 1))
        for c in range(len(self.currencies)) if codes is None else codes:
            if self.currencies[c] != money.reporting:
                try:
                    out[c] = money.amount(1.0, self.currencies[c])
                except MissingRate:
                    out[c] = np.nan
        return out

    def structure_nodes(self) -> tuple[list[str], np.ndarray]:
        """(the parties and projects in node order, each node's position among them)."""
        if self._structure is None:
            keep = np.flatnonzero(self.node_struct)
            self._structure = ([self.nodes[i] for i in keep.tolist()], np.cumsum(self.node_struct) - 1)
        return self._structure

    def rank(self) -> np.ndarray:
        """Each node's position in the sorted ids (text order, as Python sorts ``str``)."""
        if self._rank is None:
            order = sorted(range(len(self.nodes)), key=self.nodes.__getitem__)
            r = np.empty(len(order), dtype=np.int64)
            r[np.array(order, dtype=np.int64)] = np.arange(len(order), dtype=np.int64)
            self._rank = r
        return self._rank


def _build(G: nx.MultiDiGraph) -> Columns | None:
    node_map: dict[Any, dict[str, Any]] = G._node  # noqa: SLF001 - one pass over the adjacency, as graph_as_of
    nodes = list(node_map)
    if set(map(type, nodes)) - {str}:
        return None
    ndata = list(node_map.values())
    index = {n: i for i, n in enumerate(nodes)}
    types = list(map(dict.get, ndata, repeat("type")))
    dated = _days(list(map(dict.get, ndata, repeat("date"))), low=True)
    signed = _days([d.get("signed_date") if t == "contract" else None for d, t in zip(ndata, types, strict=True)],
                   low=True)
    cur_text = _memo(list(map(dict.get, ndata, repeat("currency"))), normalise_currency)
    proj = projected(G)
    edges = _edges_from_index(proj, len(nodes)) if proj is not None else None
    if proj is not None:  # read once: the index's arrays are not kept alive by the graph any longer
        G.__networkx_cache__.pop(PROJECTED_KEY, None)
    if edges is None:
        edges = _edges_from_dicts(G, index)
        if edges is None:
            return None
    cur_codes, cur_read = edges.pop("cur_codes"), edges.pop("cur_read")
    currencies = list(dict.fromkeys(c for c in (*dict.fromkeys(cur_text), *cur_read) if c is not None))
    cur_index: dict[str | None, int] = {c: i for i, c in enumerate(currencies)}
    cur_index[None] = -1
    signals = [(nodes[i], ndata[i]) for i, t in enumerate(types) if t in ("signal", "interaction")]
    return Columns(
        nodes=nodes, index=index, node_date=dated, node_signed=signed,
        node_tie=np.isin(np.array(types, dtype=object), np.array(_TIES, dtype=object)),
        node_struct=np.isin(np.array(types, dtype=object), np.array(STRUCTURAL_TYPES, dtype=object)),
        node_currency=np.fromiter(map(cur_index.__getitem__, cur_text), dtype=np.int64, count=len(cur_text)),
        currency=np.array([cur_index[c] for c in cur_read] or [-1], dtype=np.int64)[cur_codes],
        currencies=currencies, signals=signals, signal_when=_whens(signals),
        fx=G.graph.get("fx") or None,
        reporting=normalise_currency(G.graph.get("reporting_currency")) or DEFAULT_REPORTING_CURRENCY,
        **edges,
    )


def _edge_columns(keys_raw: list[Any], kind: np.ndarray, kinds: list[Any], status: tuple[np.ndarray, list[Any], bool],
                  start: tuple[np.ndarray, list[Any], bool], end: tuple[np.ndarray, list[Any], bool],
                  cur_codes: np.ndarray, cur_read: list[Any], *, unique_text: bool = False) -> dict[str, Any]:
    """The edge fields of :class:`Columns` from the coded columns (codes in first-seen order, as
    :func:`_distinct` gives them), however they were read (``unique_text``: the keys are known to be
    distinct text, so neither is checked again)."""
    keys = keys_raw if unique_text or not set(map(type, keys_raw)) - {str} else [str(k) for k in keys_raw]
    status_codes, status_coded, status_distinct = status
    status_active = [is_active({"status": s}) for s in status_coded]
    coded = {"status": (status_codes, status_coded) if status_distinct else None,
             "start_date": (start[0], start[1]) if start[2] else None,
             "end_date": (end[0], end[1]) if end[2] else None}
    return {"keys": keys, "raw_keys": keys_raw, "keys_unique": unique_text or len(set(keys)) == len(keys), "kind": kind, "kinds": kinds,
            "active": np.array(status_active or [True], dtype=bool)[status_codes],
            "start": _ranked(start[0], start[1], low=True), "end": _ranked(end[0], end[1], low=False),
            "cur_codes": cur_codes, "cur_read": cur_read, "_coded": coded}


def _edges_from_dicts(G: nx.MultiDiGraph, index: dict[str, int]) -> dict[str, Any] | None:
    """The edge fields read from the graph's own dicts, in ``G.edges(keys=True)`` order; ``None`` when a
    kind is not text."""
    succ: dict[Any, dict[Any, dict[Any, dict[str, Any]]]] = G._succ  # noqa: SLF001
    # the edges in G.edges(keys=True) order, read at C speed: pairs (u's neighbours), then each pair's keys
    pairs = list(chain.from_iterable(map(dict.values, succ.values())))  # each pair's key dict
    # (a list, then one conversion: faster than ``np.fromiter`` over a ``map``)
    per_pair = np.array(list(map(len, pairs)), dtype=np.int64)
    u_of_pair = np.repeat(np.array(list(map(index.__getitem__, succ)), dtype=np.int64),
                          np.array(list(map(len, succ.values())), dtype=np.int64))
    v_of_pair = np.array(list(map(index.__getitem__, chain.from_iterable(succ.values()))), dtype=np.int64)
    # one pass over the key dicts, one over the edges' dicts for the key and the five columns every date needs
    # (appended to six lists in one loop: each dict is read once while it is at hand, and no row tuples are
    # made, transposed and freed)
    keys_raw: list[Any] = list(chain.from_iterable(pairs))
    props: list[dict[str, Any]] = list(chain.from_iterable(map(dict.values, pairs)))
    raw_kinds: list[Any] = []
    raw_status: list[Any] = []
    raw_cur: list[Any] = []
    raw_start: list[Any] = []
    raw_end: list[Any] = []
    add_kind, add_status = raw_kinds.append, raw_status.append
    add_cur, add_start, add_end = raw_cur.append, raw_start.append, raw_end.append
    for d in props:
        add_kind(d.get("kind"))
        add_status(d.get("status"))
        add_cur(d.get("currency"))
        add_start(d.get("start_date"))
        add_end(d.get("end_date"))
    kind, kinds = _codes(raw_kinds)  # an unhashable kind raises TypeError here, as dict.fromkeys did
    if set(map(type, kinds)) - {str, type(None)}:
        return None
    out = _edge_columns(keys_raw, kind, kinds, _distinct(raw_status), _distinct(raw_start), _distinct(raw_end),
                        *_read(raw_cur, normalise_currency))
    out.update(src=np.repeat(u_of_pair, per_pair), dst=np.repeat(v_of_pair, per_pair), props=props)
    return out


def _first_codes(codes: np.ndarray, values: Sequence[Any]) -> tuple[np.ndarray, list[Any], bool]:
    """``_distinct`` of the values ``values[codes]`` (distinct text or ``None``), from their codes."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64), [], True
    fs = first_seen(codes)
    return fs.code, [values[c] for c in fs.values.tolist()], True


def _edges_from_index(proj: Projected, n_nodes: int) -> dict[str, Any] | None:
    """The edge fields from the columnar index the graph was built from (:class:`Projected`): the same
    fields :func:`_edges_from_dicts` reads from the graph's dicts (``tests/analytics/test_columns_index.py``),
    with no pass over them; ``None`` when the index did not keep a column's stored values, or one is not
    text or ``None`` (values that are equal without being alike are each their own code there)."""
    ix = proj.index
    raw = ix.raw
    names = ("status", "currency", "start", "end")
    if any(name not in raw for name in names) or int(proj.keep_node.sum()) != n_nodes:
        return None
    if any(set(map(type, raw[name][1])) - {str, type(None)} for name in names) or \
            set(map(type, ix.kinds)) - {str}:
        return None
    order = proj.edge_order()
    at = order.tolist()
    position = np.cumsum(proj.keep_node, dtype=np.int64) - 1  # index node -> the graph's node order
    kind = _first_codes(ix.kind[order], ix.kinds)
    cur_codes, cur_values, _ = _first_codes(raw["currency"][0][order], raw["currency"][1])
    keys = list(map(ix.edge_ids.__getitem__, at))
    status, start, end = (_first_codes(raw[c][0][order], raw[c][1]) for c in ("status", "start", "end"))
    # the index's ids come in id order: text strictly increasing is text and distinct (one pass, no set)
    unique_text = (not ix.edge_ids or type(ix.edge_ids[0]) is str) and strictly_increasing(ix.edge_ids)
    out = _edge_columns(keys, kind[0], kind[1], status, start, end, cur_codes,
                        [normalise_currency(v) for v in cur_values], unique_text=unique_text)
    out["_coded"]["currency"] = (cur_codes, cur_values)  # stored text or None (checked above), first-seen order
    out.update(src=position[ix.src[order]], dst=position[ix.dst[order]],
               props=PropsView(proj.props, order) if isinstance(proj.props, EdgeProps) else
               list(map(proj.props.__getitem__, at)),
               _index_numbers=(ix.weight[order], ix.amount[order]), key_rank=order if unique_text else None)
    return out


def _whens(signals: list[tuple[Any, dict[str, Any]]]) -> np.ndarray | None:
    """The diff's reading of each signal's date, as NumPy text (``None`` when one holds a NUL, which NumPy
    text would drop)."""
    whens = [str(d.get("date") or "")[:10] for _, d in signals]
    return None if any("\x00" in w for w in whens) else np.array(whens or [""], dtype="U10")[: len(whens)]


def dated_between(cols: Columns, lo: str, hi: str) -> list[tuple[Any, dict[str, Any]]]:
    """The signal and interaction nodes whose date (as the diff reads it) is after ``lo`` up to ``hi``."""
    if cols.signal_when is None:
        return cols.signals
    keep = np.flatnonzero((cols.signal_when > lo) & (cols.signal_when <= hi))
    return [cols.signals[i] for i in keep.tolist()]


_CACHE: weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple[Any, Columns | None]] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def _key(G: nx.MultiDiGraph) -> tuple[Any, ...]:
    """What the kept columns of ``G`` must match to be reused."""
    return (G.graph.get("version"), id(G.graph.get("fx")), G.graph.get("reporting_currency"), len(G))


def built_columns(G: nx.MultiDiGraph) -> Columns | None:
    """The columns of ``G`` when they are already built and current, else ``None``: never builds them (for
    :func:`stakegraph.measures.money_context`, which reads the currencies from them only when they are free)."""
    with _CACHE_LOCK:
        hit = _CACHE.get(G)
    return hit[1] if hit is not None and hit[0] == _key(G) else None


def columns(G: nx.MultiDiGraph) -> Columns | None:
    """The columns of ``G`` (kept per projection until it changes size); ``None`` when node ids are not text."""
    key = _key(G)
    with _CACHE_LOCK:
        hit = _CACHE.get(G)
    if hit is not None and hit[0] == key:
        return hit[1]
    cols = _build(G)
    with _CACHE_LOCK:
        _CACHE[G] = (key, cols)
    return cols


@dataclass
class Day:
    """The masks of one date: nodes and edges that existed then, edges that read active, and its money."""

    day: str
    node_ok: np.ndarray
    edge_ok: np.ndarray
    active: np.ndarray  # existed and reads active
    money: Money
    #: per currency code: the factor to the reporting currency (NaN: no rate; then nothing may need it)
    factor: np.ndarray

    def convert(self, cols: Columns, values: np.ndarray, edges: np.ndarray, is_money: np.ndarray | bool
                ) -> np.ndarray | None:
        """``values`` of ``edges`` (indices) in the reporting currency where ``is_money``; ``None`` when a
        stated amount lacks a rate (the reference raises :class:`~stakegraph.errors.MissingRate`)."""
        cur = cols.currency[edges]
        f = np.where(cur < 0, 1.0, self.factor[np.maximum(cur, 0)] if len(self.factor) else 1.0)
        conv = is_money & ~np.isnan(values) & (cur >= 0)
        if np.any(conv & np.isnan(f)):
            return None
        return np.where(conv, values * np.where(np.isnan(f), 1.0, f), values)


def day_masks(cols: Columns, day: Any) -> Day:
    """The masks of ``day`` (kept per projection, :data:`DAYS_KEPT` days)."""
    d = to_date(day, field_name="as_of")
    text = d.isoformat()
    with cols._lock:  # noqa: SLF001
        hit = cols._days.get(text)  # noqa: SLF001
        if hit is not None:
            cols._days.move_to_end(text)  # noqa: SLF001
            return hit
    node_ok = ~cols.node_date.after(text) & ~cols.node_signed.after(text)
    edge_ok = ~cols.start.after(text) & ~cols.end.before(text) & node_ok[cols.src] & node_ok[cols.dst]
    active = edge_ok & (cols.active | cols.end.present())
    present = {cols.currencies[c] for c in unique_ints(np.concatenate(
        (cols.node_currency[node_ok], cols.currency[edge_ok]))).tolist() if c >= 0}
    reporting = reporting_currency(cols.fx, cols.reporting, present)
    money = Money(reporting, cols.fx, lambda: d, present)
    factor = np.ones(len(cols.currencies))
    for i, c in enumerate(cols.currencies):
        if c != reporting:
            try:
                factor[i] = money.fx.quote(c, reporting, d)[0]
            except MissingRate:
                factor[i] = np.nan
    out = Day(text, node_ok, edge_ok, active, money, factor)
    with cols._lock:  # noqa: SLF001
        cols._days[text] = out  # noqa: SLF001
        while len(cols._days) > DAYS_KEPT:  # noqa: SLF001
            cols._days.popitem(last=False)  # noqa: SLF001
    return out


# --- measures ---------------------------------------------------------------------------------


class BookShare(NamedTuple):
    """A party's share of the book (what a trend row reads of a share)."""

    counterparty: str
    pct: float


class BookPoint(NamedTuple):
    """What a trend row reads of :func:`stakegraph.analytics.concentration.book_concentration`."""

    n: int
    hhi: float
    cr_k: float
    shares: tuple[BookShare, ...]
    major_counterparties: tuple[BookShare, ...]
    bands: tuple[conc.Band, ...]


def _weighted(cols: Columns, day: Day, kinds: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray] | None:
    """(edge positions, weights in the reporting money) of the active edges of the checked ``kinds`` on ``day``
    that carry their declared weight, in edge order (``None``: a rate is missing, the reference must run)."""
    conc._weights_used(kinds, None)  # noqa: SLF001 - the reference's own check (raises the same)
    sel = np.flatnonzero(day.active & cols.kind_mask(kinds))
    weight, is_money = cols.weight(kinds)
    w = day.convert(cols, weight[sel], sel, is_money[sel])
    if w is None:
        return None
    keep = ~np.isnan(w)
    return sel[keep], w[keep]


def book_point(cols: Columns, day: Day, kinds: tuple[str, ...], k: int) -> BookPoint | None:
    """``book_concentration(graph_as_of(G, day), kinds=kinds, by="source", k=k)``'s HHI, CR-k, shares and
    bands (``None``: the reference must run)."""
    if k < 1:
        return None
    kinds = check_kinds(kinds)
    weighted = _weighted(cols, day, kinds)
    if weighted is None:
        return None
    sel, w = weighted
    who = cols.src[sel]
    if len(who) == 0:
        return BookPoint(0, 0.0, 0.0, (), (), ())
    seen = first_seen(who)  # first-seen order: the reference's dict order
    sums = np.bincount(seen.code, weights=w, minlength=len(seen.values))  # sequential, in edge order
    nodes = cols.nodes
    values = {nodes[i]: s for i, s in zip(seen.values.tolist(), sums.tolist(), strict=True)}
    _denom, rows, _un, h, cr, _eff = conc._summarise(values, None, k)  # noqa: SLF001 - the reference's own sums
    shares = tuple(BookShare(cp, pct) for cp, _v, pct in rows)
    return BookPoint(len(shares), h, cr, shares, tuple(s for s in shares if conc.is_major(s.pct)), conc.bands(h))


def book_exposure(cols: Columns, day: Day, financing: Iterable[str]) -> float | None:
    """``edges_exposure`` of every edge of ``graph_as_of(G, day)`` in its money (``None``: the reference runs)."""
    financing = tuple(financing)
    sel = np.flatnonzero(day.active & cols.kind_mask(financing))
    m = day.convert(cols, cols.money(financing)[sel], sel, True)
    if m is None:
        return None
    m = np.where(np.isnan(m) | (m == 0.0), 0.0, m)  # ``money_of_edge(d) or 0.0``
    return sum(m.tolist(), 0.0)  # the reference's sequential sum, in edge order


def cut_points(cols: Columns, day: Day) -> set[str]:
    """The articulation points of ``structural_graph(graph_as_of(G, day))`` (igraph; the kernel proved equal
    to NetworkX). Parallel edges are kept (they cut nothing and join nothing new: the points are the same);
    every party and project is a vertex, joined or not (an isolated one is never a cut point)."""
    tie = cols.node_struct
    src, dst = cols.src, cols.dst
    mask = day.active & cols.kind_mask(STRUCTURAL_KINDS) & tie[src] & tie[dst] & (src != dst)
    if not mask.any():
        return set()
    nodes, pos = cols.structure_nodes()
    ix = kn.IndexedGraph(nodes, {}, pos[src[mask]], pos[dst[mask]], False)
    return set(kn.articulation_points_indexed(ix))


def relationship_mask(cols: Columns, day: Day) -> np.ndarray:
    """``_relationships(graph_as_of(G, day))``: active edges between parties and projects."""
    return day.active & cols.node_tie[cols.src] & cols.node_tie[cols.dst]


def band_rows(cols: Columns, day: Day, kinds: tuple[str, ...], direction: str
              ) -> dict[str, tuple[float, str, str]] | None:
    """``{node: (hhi, band_2010, band_2023)}`` of ``portfolio_concentration(graph_as_of(G, day), kinds=kinds,
    direction=direction, node_type=None)`` (``None``: the reference runs)."""
    kinds = check_kinds(kinds)
    side = check_side(direction)
    weighted = _weighted(cols, day, kinds)
    if weighted is None:
        return None
    sel, w = weighted
    holder, cp = (cols.dst[sel], cols.src[sel]) if side == "in" else (cols.src[sel], cols.dst[sel])
    if len(sel) == 0:
        return {}
    n = max(len(cols.nodes), 1)
    pair = holder * n + cp
    seen = first_seen(pair)  # first-seen order: each holder's dict order
    p_value = np.bincount(seen.code, weights=w, minlength=len(seen.values))  # per (holder, cp), in edge order
    p_holder, p_cp = seen.values // n, seen.values % n
    hs, h_inv = unique_ints(p_holder, return_inverse=True)
    known = np.bincount(h_inv.ravel(), weights=p_value, minlength=len(hs))  # sum(values.values()), in order
    denom = known[h_inv.ravel()]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(denom > 0, 100.0 * p_value / np.where(denom > 0, denom, 1.0), 0.0)
    # each holder's shares sorted by (-value, counterparty id), then HHI = sequential sum of pct²
    srt = np.lexsort((cols.rank()[p_cp], -p_value, h_inv.ravel()))
    h = np.bincount(h_inv.ravel()[srt], weights=pct[srt] * pct[srt], minlength=len(hs))
    # conc.bands per row: its thresholds (2010: < 1,500, <= 2,500; 2023: > 1,800), its labels
    un, not_high = (b.band for b in conc.bands(0.0))
    mod = conc.bands(1500.0)[0].band
    high_2010, high_2023 = (b.band for b in conc.bands(1e4))
    b2010 = np.where(h < 1500, un, np.where(h <= 2500, mod, high_2010))
    b2023 = np.where(h > 1800, high_2023, not_high)
    nodes = cols.nodes
    return {nodes[i]: (x, a, b) for i, x, a, b in zip(hs.tolist(), h.tolist(), b2010.tolist(), b2023.tolist(),
                                                       strict=True)}
