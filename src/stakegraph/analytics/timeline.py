"""Change over time: a measure at each period end (trend) and what changed between two dates (diff).

Both run the existing analytics on :func:`stakegraph.asof.graph_as_of` of each date — the one as-of
rule — so a trend's point at ``D`` is exactly ``stakegraph analyze … --as-of D``. The book's HHI, CR-k,
counterparties and exposure, the cut points and the diff are computed from masks over the projection's
columns instead (:mod:`stakegraph.analytics.timeline_fast`: no timeslice built, the same answers, proved
against :func:`trend_reference` and :func:`diff_reference`, which build the timeslices).

* :func:`trend` — HHI, CR-k, counterparties, financing exposure, mean health score or cut points
  of one node (or of the whole book) at each month / quarter / year end between two dates, with
  the periods where the HHI crossed a DOJ/FTC band (2023: above 1,800 is highly concentrated;
  2010: 1,500 and 2,500) or a counterparty crossed the 10 % major-counterparty line flagged.
* :func:`diff` — relationships started and ended between two dates, parties whose concentration
  band or cut-point status changed, and the signals dated in between.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx
import numpy as np

from stakegraph.analytics import concentration as conc
from stakegraph.analytics import timeline_fast as tf
from stakegraph.analytics.dependencies import articulation_points_and_bridges
from stakegraph.analytics.health import relationship_health
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.asof import cached_graph_as_of, graph_as_of
from stakegraph.domain import FINANCING_KINDS
from stakegraph.errors import Invalid, LimitExceeded, NotFound
from stakegraph.measures import (
    Money,
    edges_exposure,
    exposure,
    is_active,
    money_context,
    money_of_edge,
    money_stamp,
    number,
    to_date,
)
from stakegraph.money import RATE_RULE

__all__ = ["MEASURES", "PERIODS", "MAX_PERIODS", "period_ends", "TrendRow", "TrendResult", "trend",
           "trend_reference", "RelationshipChange", "BandChange", "CutPointChange", "Observation", "DiffResult",
           "diff", "diff_reference"]

Measure = Literal["hhi", "cr_k", "counterparties", "exposure", "health", "cut_points"]
Period = Literal["month", "quarter", "year"]
#: The measures a trend follows.
MEASURES: tuple[str, ...] = ("hhi", "cr_k", "counterparties", "exposure", "health", "cut_points")
#: Concentration measures (they carry bands and major counterparties).
CONCENTRATION_MEASURES = frozenset({"hhi", "cr_k", "counterparties"})
PERIODS: tuple[str, ...] = ("month", "quarter", "year")
#: Most periods one trend computes (checked before any graph is built).
MAX_PERIODS = 400
GraphAt = Callable[[nx.MultiDiGraph, dt.date], nx.MultiDiGraph]
_REFERENCES = ("U.S. DOJ & FTC, Merger Guidelines (2023), section 2.1 (HHI > 1,800); Horizontal Merger Guidelines "
               "(2010), section 5.3; FASB ASC 280-10-50-42 (10% major customer); Snodgrass (ed.), The TSQL2 "
               "Temporal Query Language (1995): valid-time timeslices")


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def period_ends(start: dt.date, end: dt.date, period: str = "quarter") -> tuple[dt.date, ...]:
    """Every month, quarter or year end from ``start`` to ``end`` (inclusive), then ``end`` itself.

    ``end`` closes the list when it is not a period end (the period to date).

    >>> [d.isoformat() for d in period_ends(dt.date(2024, 2, 10), dt.date(2024, 12, 1), "quarter")]
    ['2024-03-31', '2024-06-30', '2024-09-30', '2024-12-01']
    >>> [d.isoformat() for d in period_ends(dt.date(2023, 1, 1), dt.date(2024, 12, 31), "year")]
    ['2023-12-31', '2024-12-31']
    """
    if period not in PERIODS:
        raise Invalid(f"period must be one of {', '.join(PERIODS)}, not {period!r}", fix="e.g. quarter")
    if start > end:
        raise Invalid(f"from {start} is after to {end}", fix="give the earlier date first")
    step = {"month": 1, "quarter": 3, "year": 12}[period]
    months = (end.year - start.year) * 12 + end.month - start.month
    if months // step + 2 > MAX_PERIODS:
        raise LimitExceeded(f"{months // step + 1} {period}s from {start} to {end}; at most {MAX_PERIODS}",
                            fix="shorten the window or use a longer period")
    y, m = start.year, start.month
    while (m - 1) % step != step - 1:  # the first month that ends a period
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    out: list[dt.date] = []
    while True:
        d = _month_end(y, m)
        if d > end:
            break
        if d >= start:
            out.append(d)
        m += step
        while m > 12:
            y, m = y + 1, m - 12
    if not out or out[-1] < end:
        out.append(end)
    return tuple(out)


@dataclass(frozen=True)
class TrendRow:
    """The measure at one period end, its DOJ/FTC bands, the major counterparties and what crossed a line."""

    period_end: str
    value: float | None
    #: DOJ/FTC bands of the HHI (concentration measures; ``None`` without counterparties).
    band_2010: str | None
    band_2023: str | None
    #: Counterparties with >= 10 % (concentration measures).
    majors: tuple[str, ...]
    #: What changed since the previous period: a band crossed, a counterparty crossing 10 %, a cut point.
    flags: tuple[str, ...]


@dataclass(frozen=True)
class TrendResult:
    """A measure of one node (or the book, ``node=None``) at each period end, oldest first."""

    measure: str
    node: str | None
    name: str
    kinds: tuple[str, ...]
    direction: str
    period: str
    from_date: str
    to_date: str
    rows: tuple[TrendRow, ...]
    #: Periods with at least one flag.
    flagged: int
    stamp: Stamp


def _name(G: nx.MultiDiGraph, n: str) -> str:
    return str(G.nodes[n].get("name", n)) if n in G else n


def _default_kinds(node: str | None, kinds: Iterable[str] | None) -> tuple[str, ...]:
    if kinds:
        return tuple(kinds)
    return tuple(conc.CUSTOMER_KINDS) if node is not None else ("lends_to",)


def _point(G: nx.MultiDiGraph, H: nx.MultiDiGraph, day: dt.date, measure: str, node: str | None,
           kinds: tuple[str, ...], direction: str, k: int) -> tuple[float | None, Any, bool | None]:
    """(value, concentration result or None, is-cut-point or None) of one period."""
    if measure in CONCENTRATION_MEASURES:
        r = (conc.concentration(H, node, kinds=kinds, direction=direction, k=k) if node is not None
             else conc.book_concentration(H, kinds=kinds, by="source", k=k))
        return _concentration_value(measure, r), r, None
    if measure == "exposure":
        return (exposure(H, node) if node is not None
                else edges_exposure((d for _, _, d in H.edges(data=True)), money=money_context(H))), None, None
    if measure == "health":
        scores = [x.score for x in relationship_health(H, as_of=day).relationships
                  if node is None or node in (x.source, x.target)]
        return (sum(scores) / len(scores) if scores else None), None, None
    return _cut_value({p.node for p in articulation_points_and_bridges(H).points}, node)


def _concentration_value(measure: str, r: Any) -> float | None:
    return float(r.n) if measure == "counterparties" else (
        None if not r.shares else float(r.hhi if measure == "hhi" else r.cr_k))


def _cut_value(points: set[str], node: str | None) -> tuple[float | None, Any, bool | None]:
    if node is None:
        return float(len(points)), None, None
    return float(node in points), None, node in points


def _fast_points(G: nx.MultiDiGraph, days: tuple[dt.date, ...], measure: str, node: str | None,
                 kinds: tuple[str, ...], k: int) -> list[tuple[float | None, Any, bool | None]] | None:
    """:func:`_point` of every day from the projection's columns (:mod:`.timeline_fast`), without the
    timeslices; ``None`` when the measure has no such path (then :func:`_point` runs)."""
    book = node is None and measure in CONCENTRATION_MEASURES | {"exposure"}
    if not (book or measure == "cut_points"):
        return None
    cols = tf.columns(G)
    if cols is None:
        return None
    out: list[tuple[float | None, Any, bool | None]] = []
    for day in days:
        at = tf.day_masks(cols, day)
        if measure == "cut_points":
            out.append(_cut_value(tf.cut_points(cols, at), node))
        elif measure == "exposure":
            value = tf.book_exposure(cols, at, FINANCING_KINDS)
            if value is None:
                return None
            out.append((value, None, None))
        else:
            r = tf.book_point(cols, at, kinds, k)
            if r is None:
                return None
            out.append((_concentration_value(measure, r), r, None))
    return out


def _flags(prev: TrendRow | None, band_2010: str | None, band_2023: str | None, r: Any,
           cut: bool | None, prev_cut: bool | None) -> tuple[str, ...]:
    if prev is None:
        return ()
    out: list[str] = []
    if band_2023 != prev.band_2023 and band_2023 is not None and prev.band_2023 is not None:
        out.append("HHI crossed 1,800 (DOJ/FTC 2023): highly concentrated" if band_2023.startswith("highly")
                   else "HHI fell to 1,800 or below (DOJ/FTC 2023): not highly concentrated")
    if band_2010 != prev.band_2010 and band_2010 is not None and prev.band_2010 is not None:
        out.append(f"DOJ/FTC 2010 band: {prev.band_2010} -> {band_2010}")
    if r is not None:
        pct = {s.counterparty: s.pct for s in r.shares}
        now = {s.counterparty for s in r.major_counterparties}
        for cp in sorted(now - set(prev.majors)):
            out.append(f"{cp} crossed the 10% major line ({pct[cp]:.2f}%)")
        for cp in sorted(set(prev.majors) - now):
            out.append(f"{cp} fell below the 10% major line ("
                       + (f"{pct[cp]:.2f}%)" if cp in pct else "gone)"))
    if cut is not None and prev_cut is not None and cut != prev_cut:
        out.append("became a cut point" if cut else "no longer a cut point")
    return tuple(out)


def trend(
    G: nx.MultiDiGraph,
    measure: str = "hhi",
    node: str | None = None,
    *,
    start: dt.date | str,
    end: dt.date | str,
    period: str = "quarter",
    kinds: Iterable[str] | None = None,
    direction: str = "in",
    k: int = 5,
    graph_at: GraphAt = cached_graph_as_of,
    fast: bool = True,
) -> TrendResult:
    """A measure of one node (or the whole book) at each period end between two dates, crossings flagged.

    Each period end ``D`` is computed on ``graph_at(G, D)`` — :func:`stakegraph.asof.graph_as_of`
    (kept per projection and day) — so a point equals the analysis run ``--as-of D``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The projection (every record, dated).
    measure : {"hhi", "cr_k", "counterparties", "exposure", "health", "cut_points"}
        ``hhi``, ``cr_k``, ``counterparties``: concentration of the node's relationships of
        ``kinds`` (``direction``), or of the book (each ``kinds`` source's share of all, e.g. each
        lender's share of all lending). ``exposure``: financing exposure of the node
        (:func:`stakegraph.measures.exposure`) or of the book (every active financing edge once).
        ``health``: mean relationship health score (0–100) of the node's relationships, or of all,
        as of the period end. ``cut_points``: 1 if the node is an articulation point, else 0; for
        the book, how many there are.
    node : str, optional
        The node; ``None`` for the whole book.
    start, end : datetime.date or str
        The window (inclusive); ``end`` is the last point even when it is not a period end.
    period : {"month", "quarter", "year"}
        The period whose ends are measured.
    kinds : iterable of str, optional
        Relationship kinds of the concentration measures (default: customers ``buys_from``,
        ``offtakes`` for a node; ``lends_to`` for the book).
    direction : {"in", "out"}
        As in :func:`stakegraph.analytics.concentration.concentration`.
    k : int
        CR-k.
    graph_at : callable
        ``graph_at(G, day)`` — the graph on a day (default: the cached :func:`~stakegraph.asof.graph_as_of`).
    fast : bool
        With ``graph_at`` the as-of rule's own (the default), the book's HHI, CR-k, counterparties and
        exposure and the cut points are read from masks over the projection's columns
        (:mod:`stakegraph.analytics.timeline_fast`, proved equal), without building each timeslice;
        ``False`` (:func:`trend_reference`) builds them.

    Returns
    -------
    TrendResult
        One row per period end (oldest first) with the value, the HHI's DOJ/FTC bands and major
        counterparties (concentration measures), and flags: a band crossed since the previous
        period, a counterparty crossing the 10 % line either way, a node becoming or ceasing to be
        a cut point.

    Examples
    --------
    >>> G = nx.MultiDiGraph(version="v")
    >>> G.add_node("co", type="party", name="Co")
    >>> G.add_edge("b1", "co", kind="lends_to", amount=90.0, start_date="2023-01-01")
    0
    >>> G.add_edge("b2", "co", kind="lends_to", amount=10.0, start_date="2023-05-01")
    0
    >>> r = trend(G, "hhi", "co", kinds=["lends_to"], start="2023-01-01", end="2023-06-30")
    >>> [(x.period_end, x.value, x.band_2023) for x in r.rows]
    [('2023-03-31', 10000.0, 'highly concentrated'), ('2023-06-30', 8200.0, 'highly concentrated')]
    >>> r.rows[1].flags
    ('b2 crossed the 10% major line (10.00%)',)

    References
    ----------
    .. [1] U.S. Department of Justice and Federal Trade Commission, *Merger Guidelines*, 2023,
       section 2.1 (markets with HHI above 1,800 are highly concentrated).
    .. [2] U.S. DOJ and FTC, *Horizontal Merger Guidelines*, 2010, section 5.3.
    .. [3] FASB ASC 280-10-50-42: a customer with 10 % or more of revenues is disclosed (major customer).
    """
    if measure not in MEASURES:
        raise Invalid(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}", fix="e.g. hhi")
    if node is not None and node not in G:
        raise NotFound(f"no node {node!r}", fix="give the id of a party or project in the graph")
    days = period_ends(to_date(start, field_name="from_date"), to_date(end, field_name="to_date"), period)
    ks = _default_kinds(node, kinds)
    rows: list[TrendRow] = []
    prev_cut: bool | None = None
    points = (_fast_points(G, days, measure, node, ks, k)
              if fast and graph_at in (cached_graph_as_of, graph_as_of) else None)
    for i, day in enumerate(days):
        value, r, cut = (points[i] if points is not None
                         else _point(G, graph_at(G, day), day, measure, node, ks, direction, k))
        b2010 = r.bands[0].band if r is not None and r.bands else None
        b2023 = r.bands[1].band if r is not None and r.bands else None
        majors = tuple(s.counterparty for s in r.major_counterparties) if r is not None else ()
        flags = _flags(rows[-1] if rows else None, b2010, b2023, r, cut, prev_cut)
        rows.append(TrendRow(day.isoformat(), value, b2010, b2023, majors, flags))
        prev_cut = cut
    params = {"measure": measure, "node": node, "kinds": list(ks), "direction": direction, "k": k,
              "period": period, "from_date": days[0].isoformat() if days else None, "to_date": days[-1].isoformat()}
    if measure == "exposure":  # money: each period's value at the FX rates in force on its period end
        params.update(currency=money_context(G).reporting, fx_as_of="each period end", fx_rule=RATE_RULE)
    return TrendResult(
        measure, node, _name(G, node) if node is not None else "book", ks, direction, period,
        to_date(start).isoformat(), to_date(end).isoformat(), tuple(rows), sum(1 for x in rows if x.flags),
        Stamp("trend", f"{measure} at each {period} end on the graph as of that day", params, graph_version(G),
              _REFERENCES))


@dataclass(frozen=True)
class RelationshipChange:
    """A relationship that started or ended between the two dates."""

    edge_id: str
    kind: str
    source: str
    target: str
    start_date: str | None
    end_date: str | None
    status: str | None
    amount: float | None


@dataclass(frozen=True)
class BandChange:
    """A node whose concentration band (DOJ/FTC 2010 or 2023) changed; ``None`` = no counterparties then."""

    node: str
    name: str
    hhi_from: float | None
    hhi_to: float | None
    band_2010_from: str | None
    band_2010_to: str | None
    band_2023_from: str | None
    band_2023_to: str | None


@dataclass(frozen=True)
class CutPointChange:
    """A party or project that became, or ceased to be, a cut point (articulation point)."""

    node: str
    name: str
    change: str


@dataclass(frozen=True)
class Observation:
    """A signal dated between the two dates (after ``from``, up to ``to``)."""

    id: str
    kind: str
    date: str
    party: str | None
    relationship: str | None
    value: float | None
    note: str | None


@dataclass(frozen=True)
class DiffResult:
    """What changed from one date to another, on the graph as of each."""

    from_date: str
    to_date: str
    kinds: tuple[str, ...]
    direction: str
    started: tuple[RelationshipChange, ...]
    ended: tuple[RelationshipChange, ...]
    band_changes: tuple[BandChange, ...]
    cut_point_changes: tuple[CutPointChange, ...]
    signals: tuple[Observation, ...]
    interactions: int
    stamp: Stamp


_TIES = ("party", "project")


def _relationships(H: nx.MultiDiGraph) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Active relationships between parties and projects, by edge id."""
    types = H.nodes(data="type")
    return {str(key): (u, v, d) for u, v, key, d in H.edges(keys=True, data=True)
            if types[u] in _TIES and types[v] in _TIES and is_active(d)}


def _change(G: nx.MultiDiGraph, money: Money, key: str, u: str, v: str,
            own: dict[str, Any] | None = None) -> RelationshipChange:
    """The relationship as loaded (its status as stated, not as it read on either date): ``own``, its dict in
    ``G`` when the caller holds it, else ``G.edges[u, v, key]``; its amount in the reporting currency of
    ``money``."""
    def s(x: Any) -> str | None:
        return None if x is None else str(x)

    d = own if own is not None else G.edges[u, v, key]
    return RelationshipChange(key, str(d.get("kind")), u, v, s(d.get("start_date")), s(d.get("end_date")),
                              s(d.get("status")), money_of_edge(d, money=money))


def diff(
    G: nx.MultiDiGraph,
    start: dt.date | str,
    end: dt.date | str,
    *,
    kinds: Iterable[str] = conc.CUSTOMER_KINDS,
    direction: str = "in",
    graph_at: GraphAt = cached_graph_as_of,
    fast: bool = True,
) -> DiffResult:
    """What changed between two dates: relationships started and ended, bands and cut points, signals.

    Both dates are read through :func:`stakegraph.asof.graph_as_of`. A relationship *started* when
    it is active (between parties and projects) on ``end`` but not on ``start``; it *ended* the
    other way round. A node's band changed when its HHI over ``kinds`` (``direction``) falls in a
    different DOJ/FTC 2010 or 2023 band, or it has counterparties on one date only. Signals dated
    after ``start`` up to ``end`` are listed; interactions are counted. Amount changes are not
    reported: a relationship carries one amount, not its history. The amounts of the relationships
    started and ended are in the reporting currency at the FX rates in force on ``end``; the stamp
    says the currency.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The projection.
    start, end : datetime.date or str
        The two dates (``start`` <= ``end``).
    kinds : iterable of str
        Relationship kinds of the concentration compared (default customers).
    direction : {"in", "out"}
        As in :func:`stakegraph.analytics.concentration.portfolio_concentration`.
    graph_at : callable
        ``graph_at(G, day)`` (default: the cached :func:`~stakegraph.asof.graph_as_of`).
    fast : bool
        With ``graph_at`` the as-of rule's own (the default), both dates are masks over the
        projection's columns (:mod:`stakegraph.analytics.timeline_fast`, proved equal) instead of
        two timeslices; ``False`` (:func:`diff_reference`) builds them.

    Returns
    -------
    DiffResult

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> for n in ("b1", "b2", "co"):
    ...     G.add_node(n, type="party", name=n)
    >>> G.add_edge("b1", "co", key="l1", kind="lends_to", amount=5.0, start_date="2022-01-01",
    ...            end_date="2023-03-31", status="repaid")
    'l1'
    >>> G.add_edge("b2", "co", key="l2", kind="lends_to", amount=5.0, start_date="2023-02-01")
    'l2'
    >>> r = diff(G, "2022-12-31", "2023-12-31", kinds=["lends_to"])
    >>> [c.edge_id for c in r.started], [c.edge_id for c in r.ended], r.band_changes
    (['l2'], ['l1'], ())

    References
    ----------
    .. [1] Snodgrass (ed.), *The TSQL2 Temporal Query Language*, 1995 — comparing two valid-time timeslices.
    .. [2] U.S. DOJ and FTC, *Merger Guidelines*, 2023, section 2.1; *Horizontal Merger Guidelines*, 2010, 5.3.
    """
    d0, d1 = to_date(start, field_name="from_date"), to_date(end, field_name="to_date")
    if d0 > d1:
        raise Invalid(f"from {d0} is after to {d1}", fix="give the earlier date first")
    ks = tuple(kinds)
    if fast and graph_at in (cached_graph_as_of, graph_as_of):
        done = _diff_fast(G, d0, d1, ks, direction)
        if done is not None:
            return done
    H0, H1 = graph_at(G, d0), graph_at(G, d1)
    r0, r1 = _relationships(H0), _relationships(H1)
    money = money_context(H1)  # amounts at the rates of the later date
    started = tuple(_change(G, money, key, *r1[key][:2]) for key in sorted(set(r1) - set(r0)))
    ended = tuple(_change(G, money, key, *r0[key][:2]) for key in sorted(set(r0) - set(r1)))
    p0 = {x.node: (x.hhi, x.band_2010, x.band_2023)
          for x in conc.portfolio_concentration(H0, kinds=ks, direction=direction, node_type=None).rows}
    p1 = {x.node: (x.hhi, x.band_2010, x.band_2023)
          for x in conc.portfolio_concentration(H1, kinds=ks, direction=direction, node_type=None).rows}
    c0 = {p.node for p in articulation_points_and_bridges(H0).points}
    c1 = {p.node for p in articulation_points_and_bridges(H1).points}
    return _diff_result(G, d0, d1, ks, direction, started, ended, p0, p1, c0, c1,
                        G.nodes(data=True), lambda: money_stamp(H1))


def _diff_fast(G: nx.MultiDiGraph, d0: dt.date, d1: dt.date, ks: tuple[str, ...], direction: str
               ) -> DiffResult | None:
    """:func:`diff` from masks over the projection's columns; ``None`` when it cannot be (then the reference)."""
    cols = tf.columns(G)
    if cols is None or not cols.keys_unique:
        return None
    at0, at1 = tf.day_masks(cols, d0), tf.day_masks(cols, d1)
    p0 = tf.band_rows(cols, at0, ks, direction)
    p1 = tf.band_rows(cols, at1, ks, direction) if p0 is not None else None
    if p0 is None or p1 is None:
        return None
    r0, r1 = tf.relationship_mask(cols, at0), tf.relationship_mask(cols, at1)
    nodes, keys, src, dst = cols.nodes, cols.keys, cols.src, cols.dst

    def changes(mask: np.ndarray) -> tuple[RelationshipChange, ...]:
        picked = sorted((keys[i], nodes[src[i]], nodes[dst[i]], i) for i in np.flatnonzero(mask).tolist())
        props = cols.props  # each edge's own dict in G: no read of G's adjacency
        return tuple(_change(G, at1.money, key, u, v, props[i]) for key, u, v, i in picked)

    started, ended = changes(r1 & ~r0), changes(r0 & ~r1)
    return _diff_result(G, d0, d1, ks, direction, started, ended, p0, p1, tf.cut_points(cols, at0),
                        tf.cut_points(cols, at1), tf.dated_between(cols, d0.isoformat(), d1.isoformat()),
                        at1.money.stamp)


def _diff_result(G: nx.MultiDiGraph, d0: dt.date, d1: dt.date, ks: tuple[str, ...], direction: str,
                 started: tuple[RelationshipChange, ...], ended: tuple[RelationshipChange, ...],
                 p0: dict[str, tuple[float, str, str]], p1: dict[str, tuple[float, str, str]],
                 c0: set[str], c1: set[str], nodes: Iterable[tuple[Any, dict[str, Any]]],
                 money_facts: Callable[[], dict[str, Any]]) -> DiffResult:
    """The diff from its parts: each node's (HHI, 2010 band, 2023 band) and the cut points on both dates."""
    bands: list[BandChange] = []
    for n in sorted(set(p0) | set(p1)):
        a, b = p0.get(n), p1.get(n)
        pair_2010 = (a[1] if a else None, b[1] if b else None)
        pair_2023 = (a[2] if a else None, b[2] if b else None)
        if pair_2010[0] != pair_2010[1] or pair_2023[0] != pair_2023[1]:
            bands.append(BandChange(n, _name(G, n), a[0] if a else None, b[0] if b else None,
                                    *pair_2010, *pair_2023))
    cuts = tuple([CutPointChange(n, _name(G, n), "became a cut point") for n in sorted(c1 - c0)]
                 + [CutPointChange(n, _name(G, n), "no longer a cut point") for n in sorted(c0 - c1)])
    lo, hi = d0.isoformat(), d1.isoformat()
    signals: list[Observation] = []
    interactions = 0
    for n, d in nodes:
        t, when = d.get("type"), str(d.get("date") or "")[:10]
        if t not in ("signal", "interaction") or not lo < when <= hi:
            continue
        if t == "interaction":
            interactions += 1
            continue
        signals.append(Observation(str(n), str(d.get("kind", "")), when, d.get("party_id"),
                                   d.get("relationship_id"), number(d.get("value")), d.get("note")))
    signals.sort(key=lambda o: (o.date, o.id))
    return DiffResult(
        lo, hi, ks, direction, started, ended, tuple(bands), cuts, tuple(signals), interactions,
        Stamp("diff", "two timeslices of the graph (graph_as_of) compared",
              {"from_date": lo, "to_date": hi, "kinds": list(ks), "direction": direction,
               **(money_facts() if started or ended else {})}, graph_version(G),
              "Snodgrass (ed.), The TSQL2 Temporal Query Language (1995); DOJ/FTC Merger Guidelines (2023, 2010)"))


def trend_reference(G: nx.MultiDiGraph, measure: str = "hhi", node: str | None = None, **kwargs: Any) -> TrendResult:
    """:func:`trend` on the timeslices themselves (``fast=False``): the reference the fast path is proved against."""
    return trend(G, measure, node, fast=False, **kwargs)


def diff_reference(G: nx.MultiDiGraph, start: dt.date | str, end: dt.date | str, **kwargs: Any) -> DiffResult:
    """:func:`diff` on the two timeslices themselves (``fast=False``): the reference of the fast path."""
    return diff(G, start, end, fast=False, **kwargs)
