"""Domain meaning, defined once: numbers, edge size, exposure, the as-of date and the shock grammar.

Every door (CLI, GraphQL, pages, audit) and every analysis reads these definitions; none restates
them. ``docs/architecture.md`` ("One meaning") quotes this module.

* :func:`number` — a finite float or ``None``: missing, non-numeric, NaN and ±inf are all *absent*,
  never 0 and never infinite.
* :func:`edge_size` — an edge's size: its kind's declared weight property (``amount`` for loans,
  ``annual_revenue`` for sales, ``share_pct`` for ownership …); a kind with no declared weight counts 1.
* :func:`exposure` — **financing exposure**: the money on the node's *active* financing
  relationships (``lends_to``, ``invests_in``, ``sponsors``, ``guarantees``, ``insures``), in and out:
  ``amount`` (a guarantee's ``guarantee_cap`` when set). Commercial volume (sales, offtake) is a
  different measure, :func:`commercial_volume`, and is never called exposure.
* Money — every sum is in one currency: :func:`money_context` converts each amount from the
  currency the domain declares for it to the reporting currency at the rate in force on the
  as-of date (:mod:`stakegraph.money`); a missing rate is :class:`stakegraph.errors.MissingRate`.
* :func:`default_as_of` — the one as-of rule: a given date wins; else the latest observation date
  in the graph (interactions, signals, events); else today. Each answer stamps the date used and
  the rule that chose it.
* Shocks — one grammar: the text form ``default:ID`` (or a bare ``ID``), ``loss:PARTY:FRACTION``,
  ``ends:EDGE_ID``, ``missed:ID`` (comma-separated in URLs), parsed by :func:`parse_shocks`; the
  GraphQL ``ShockInput`` builds the same :mod:`stakegraph.analytics.propagation` objects, and
  :func:`to_h0` is the only place a shock becomes DebtRank's initial distress.

>>> number("1e3"), number(float("inf")), number(None), number(True)
(1000.0, None, None, None)
>>> edge_size({"kind": "lends_to", "amount": 5}), edge_size({"kind": "controls"})
(5.0, 1.0)
>>> [str(s) for s in parse_shocks("a_co, loss:b_bank:0.3, ends:r1")]
['default:a_co', 'loss:b_bank:0.3', 'ends:r1']
"""

from __future__ import annotations

import datetime as dt
import math
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

import networkx as nx

from stakegraph.domain import COMMERCIAL_KINDS, FINANCING_KINDS, MONEY_PROPS, RELATIONSHIP_KINDS
from stakegraph.errors import Invalid, LimitExceeded, MissingRate
from stakegraph.money import DEFAULT_REPORTING_CURRENCY, RATE_RULE, FxTable, normalise_currency
from stakegraph.projection_graph import ProjectionGraph, is_plain_multidigraph

__all__ = [
    "number", "edge_size", "money_of_edge", "exposure", "commercial_volume", "EXPOSURE_DEFINITION",
    "to_date", "default_as_of", "AS_OF_RULE", "resolve_as_of", "parse_shocks", "format_shock", "to_h0",
    "MAX_SHOCKS", "INACTIVE_STATUSES", "is_active", "declared_weight", "edges_exposure",
    "Money", "money_context", "local_money", "node_money", "money_stamp", "currencies_in", "reporting_currency",
    "edge_count",
]

#: Statuses of a relationship that has ended; such an edge carries no exposure (see docs).
INACTIVE_STATUSES: frozenset[str] = frozenset(
    {"ended", "terminated", "closed", "cancelled", "canceled", "expired", "repaid", "dropped", "inactive"}
)
#: How many shocks one scenario may name (checked before any work).
MAX_SHOCKS = 1000
EXPOSURE_DEFINITION = ("financing exposure: sum of amount (guarantee_cap for guarantees) over the node's active "
                       "lends_to, invests_in, sponsors, guarantees and insures relationships, in and out, in the "
                       "reporting currency (STAKEGRAPH_REPORTING_CURRENCY) at the FX rates of the as-of date")
AS_OF_RULE = "the given date; else the latest interaction/signal/event date in the graph; else today"


def number(value: Any) -> float | None:
    """A finite float from ``value``, or ``None`` (missing numbers are absent, never 0 or infinite).

    >>> number("2.5"), number("x"), number(float("nan"))
    (2.5, None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return x if math.isfinite(x) else None


def is_active(data: Mapping[str, Any]) -> bool:
    """True unless the edge's ``status`` is one of :data:`INACTIVE_STATUSES`.

    >>> is_active({"status": "ended"}), is_active({"status": "recalled"}), is_active({})
    (False, True, True)
    """
    status = data.get("status")
    return not (isinstance(status, str) and status.strip().lower() in INACTIVE_STATUSES)


def declared_weight(kind: str) -> str | None:
    """The property the domain declares as the size of a ``kind`` (``None``: it counts 1)."""
    return RELATIONSHIP_KINDS[kind].weight if kind in RELATIONSHIP_KINDS else None


def edge_size(data: Mapping[str, Any], weight: str | None = None, *, money: Money | None = None) -> float | None:
    """Size of one edge.

    ``weight=None`` reads the kind's declared weight property; a kind with no declared weight
    counts 1. ``weight="count"`` counts every edge as 1. Any other string names the property.
    ``None`` when the property is absent or not a finite number. A money property (``amount``,
    ``annual_revenue`` …) is converted to the reporting currency by ``money`` (from
    :func:`money_context`); without ``money`` it is read as stated, in the edge's own currency.

    >>> edge_size({"kind": "lends_to"}) is None, edge_size({"kind": "lends_to"}, "count")
    (True, 1.0)
    """
    if weight == "count":
        return 1.0
    attr = weight if weight is not None else declared_weight(str(data.get("kind")))
    if attr is None:
        return 1.0
    return money.of(data, attr) if money is not None else number(data.get(attr))


def money_of_edge(data: Mapping[str, Any], *, money: Money | None = None) -> float | None:
    """The money a financing edge carries: ``guarantee_cap`` for guarantees when set, else ``amount``.

    Converted to the reporting currency by ``money`` when given (else as stated).

    >>> money_of_edge({"kind": "guarantees", "amount": 9, "guarantee_cap": 4}), money_of_edge({"amount": 3})
    (4.0, 3.0)
    """
    read = money.of if money is not None else (lambda d, p: number(d.get(p)))
    if data.get("kind") == "guarantees":
        cap = read(data, "guarantee_cap")
        if cap is not None:
            return cap
    return read(data, "amount")


def _touching(G: nx.MultiDiGraph, node: Any) -> Iterable[Mapping[str, Any]]:
    """The node's edges in and out, a self-loop once."""
    if node not in G:
        return ()
    return [d for u, _, d in G.in_edges(node, data=True) if u != node] + [d for _, _, d in G.out_edges(node, data=True)]


def exposure(G: nx.MultiDiGraph, node: Any) -> float:
    """Financing exposure of ``node`` (see :data:`EXPOSURE_DEFINITION`).

    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("bank", "co", kind="lends_to", amount=100.0)
    0
    >>> G.add_edge("gov", "co", kind="guarantees", amount=80.0, guarantee_cap=50.0)
    0
    >>> G.add_edge("co", "buyer", kind="buys_from", annual_revenue=30.0)
    0
    >>> exposure(G, "co"), exposure(G, "bank"), commercial_volume(G, "co")
    (150.0, 100.0, 30.0)
    """
    return edges_exposure(_touching(G, node), money=money_context(G))


def edges_exposure(edges: Iterable[Mapping[str, Any]], *, money: Money | None = None) -> float:
    """:func:`exposure` over given edge data (one node's edges, e.g. from the store).

    Without ``money`` the edges must share one currency (the sum is in it); edges in several
    currencies raise :class:`stakegraph.errors.MissingRate`: no FX table is at hand here.
    """
    rows = [d for d in edges if d.get("kind") in FINANCING_KINDS and is_active(d)]
    m = money if money is not None else local_money(rows)
    return sum((money_of_edge(d, money=m) or 0.0 for d in rows), 0.0)


def commercial_volume(G: nx.MultiDiGraph, node: Any) -> float:
    """Sales and offtake volume on the node's active commercial relationships (their declared weight)."""
    total = 0.0
    money = money_context(G)
    for d in _touching(G, node):
        if d.get("kind") in COMMERCIAL_KINDS and is_active(d):
            w = declared_weight(str(d.get("kind")))
            total += (money.of(d, w) if w else None) or 0.0
    return total


# --- money: every sum in one currency ---------------------------------------------------------


class Money:
    """How one graph's amounts become one currency: the reporting currency, FX table and day.

    Built by :func:`money_context` (never by hand in analytics). :meth:`of` reads a money property
    of a node or edge and converts it from the currency the domain declares for it
    (:data:`stakegraph.domain.MONEY_PROPS`) at the rate in force on :attr:`day`
    (:data:`stakegraph.money.RATE_RULE`). An amount with no currency is in the reporting currency.
    A missing rate raises :class:`stakegraph.errors.MissingRate`, never converts 1:1.
    """

    def __init__(self, reporting: str, fx: FxTable | None, day: Callable[[], dt.date],
                 currencies: Iterable[str] = ()) -> None:
        self.reporting = reporting
        self.fx = fx if fx is not None else FxTable()
        self._day_fn = day
        self._day: dt.date | None = None
        self.currencies = frozenset(currencies)
        self._factor: dict[str, float] = {}

    @property
    def day(self) -> dt.date:
        """The date whose rates convert (the graph's as-of date)."""
        if self._day is None:
            self._day = self._day_fn()
        return self._day

    def amount(self, value: float, currency: Any) -> float:
        """``value`` stated in ``currency`` (``None``: the reporting currency), in the reporting currency."""
        cur = normalise_currency(currency)
        if cur is None or cur == self.reporting:
            return value
        f = self._factor.get(cur)
        if f is None:
            f = self._factor[cur] = self.fx.quote(cur, self.reporting, self.day)[0]
        return value * f

    def of(self, data: Mapping[str, Any], prop: str) -> float | None:
        """The property ``prop`` of a record as a number, converted when the domain says it is money."""
        value = number(data.get(prop))
        field = MONEY_PROPS.get(prop)
        if value is None or field is None:
            return value
        return self.amount(value, data.get(field))

    def stamp(self) -> dict[str, Any]:
        """What every money answer says about its currency: ``currency`` and, when any conversion
        applies, the rule, the date, each currency's rate (date and source) or ``missing``."""
        out: dict[str, Any] = {"currency": self.reporting}
        others = sorted(c for c in self.currencies if c != self.reporting)
        if not others:
            return out
        rates: dict[str, Any] = {}
        for c in others:
            try:
                factor, used = self.fx.quote(c, self.reporting, self.day)
            except MissingRate:
                rates[c] = "missing"
                continue
            rates[c] = {"to_reporting": factor,
                        "rates": [f"{r.rate:g} {r.currency} per {r.base} on {r.day.isoformat()}" for r in used],
                        "source": sorted({r.source for r in used if r.source})}
        out.update(fx_as_of=self.day.isoformat(), fx_rule=RATE_RULE, fx_rates=rates)
        return out


_CONTEXTS: weakref.WeakKeyDictionary[Any, tuple[tuple[Any, ...], Money]] = weakref.WeakKeyDictionary()
_CONTEXTS_LOCK = threading.Lock()


def currencies_in(records: Iterable[Mapping[str, Any]]) -> set[str]:
    """The stated currencies of records that carry money (upper-case)."""
    fields = tuple(set(MONEY_PROPS.values()))
    out: set[str] = set()
    seen: set[tuple[type, Any]] = set()  # each distinct stated value normalised once (a book states a handful)
    for d in records:
        for f in fields:
            v = d.get(f)
            if v is None:
                continue
            try:
                if (type(v), v) in seen:
                    continue
                seen.add((type(v), v))
            except TypeError:  # an unhashable value: normalised every time
                pass
            c = normalise_currency(v)
            if c is not None:
                out.add(c)
    return out


def reporting_currency(fx: FxTable | None, stated: str, present: Iterable[str]) -> str:
    """The currency a graph's money is reported in: ``stated`` (the graph's ``reporting_currency``), except
    that a book without an FX table whose amounts all share one currency is reported in it.

    >>> reporting_currency(None, "USD", {"CNY"}), reporting_currency(None, "USD", {"CNY", "EUR"})
    ('CNY', 'USD')
    """
    cur = set(present)
    return next(iter(cur)) if fx is None and len(cur) == 1 else stated


def _graph_day(G: nx.Graph) -> dt.date:
    given = G.graph.get("as_of")
    return to_date(given) if given not in (None, "") else default_as_of(G)


def edge_count(G: nx.Graph) -> int:
    """``G.number_of_edges()``, for a directed multigraph counted at C speed over the adjacency (NetworkX's
    sums a degree view: a Python step per node).

    >>> G = nx.MultiDiGraph(); _ = G.add_edge("a", "b"); _ = G.add_edge("a", "b"); _ = G.add_edge("b", "a")
    >>> edge_count(G), edge_count(nx.path_graph(3))
    (3, 2)
    """
    if not (G.is_multigraph() and G.is_directed()) or (isinstance(G, ProjectionGraph) and G.deferred):
        return int(G.number_of_edges())
    return sum(map(len, chain.from_iterable(map(dict.values, G._adj.values()))))  # noqa: SLF001 - each pair's keys


def _stated_currencies(G: nx.Graph) -> set[str]:
    """:func:`currencies_in` of every node and edge of ``G``: read from the shared edge table
    (:func:`stakegraph.analytics.timeline_fast.built_columns`) when it is already built for ``G`` and holds
    its edges — its currency columns are ``normalise_currency`` of the same ``currency`` fields, the one
    currency field of :data:`~stakegraph.domain.MONEY_PROPS` —, else scanned (the table is never built here).

    >>> G = nx.MultiDiGraph(); G.add_node("a", currency="cny"); _ = G.add_edge("a", "b", currency=" eur")
    >>> sorted(_stated_currencies(G))
    ['CNY', 'EUR']
    """
    tables = sys.modules.get("stakegraph.analytics.timeline_fast")  # loaded: a fast path may have built one
    if tables is not None and is_plain_multidigraph(G) and set(MONEY_PROPS.values()) == {"currency"}:
        cols = tables.built_columns(G)
        if cols is not None and len(cols.props) == edge_count(G):
            return set(cols.currencies)
    return currencies_in(d for _, d in G.nodes(data=True)) | currencies_in(d for *_, d in G.edges(data=True))


def money_context(G: nx.Graph, day: dt.date | str | None = None) -> Money:
    """The :class:`Money` of a projection (built once per graph, then reused).

    ``G.graph["fx"]`` (an :class:`stakegraph.money.FxTable`, set by the store's projection) converts
    to ``G.graph["reporting_currency"]`` (default USD) at the rates of ``G.graph["as_of"]`` (else
    :func:`default_as_of`). Without an FX table a book whose amounts all share one currency is
    reported in it; a book in several currencies raises :class:`stakegraph.errors.MissingRate`
    on the first amount that needs converting. ``day`` (an analysis's own as-of date, e.g.
    lifecycle's) converts at that date's rates instead of the graph's.
    """
    if day is not None:
        d = to_date(day)
        if str(G.graph.get("as_of") or "")[:10] != d.isoformat():
            base = money_context(G)
            return Money(base.reporting, base.fx, lambda: d, base.currencies)
    fx = G.graph.get("fx") or None
    reporting = normalise_currency(G.graph.get("reporting_currency")) or DEFAULT_REPORTING_CURRENCY
    key = (id(fx), reporting, str(G.graph.get("as_of") or ""), len(G))
    with _CONTEXTS_LOCK:
        hit = _CONTEXTS.get(G)
    if hit is not None and hit[0] == key:
        return hit[1]
    present = _stated_currencies(G)
    reporting = reporting_currency(fx, reporting, present)
    # the context is kept in a weak-key map: it must not hold the graph strongly (it would never be freed)
    graph = weakref.ref(G)
    m = Money(reporting, fx, lambda: _graph_day(graph() or nx.Graph()), present)
    with _CONTEXTS_LOCK:
        _CONTEXTS[G] = (key, m)
    return m


def local_money(records: Iterable[Mapping[str, Any]]) -> Money:
    """A :class:`Money` for records outside a projection (no FX table): one currency, or MissingRate."""
    rows = list(records)
    present = currencies_in(rows)
    reporting = next(iter(present)) if len(present) == 1 else DEFAULT_REPORTING_CURRENCY
    return Money(reporting, None, dt.date.today, present)


def node_money(G: nx.Graph, node: Any, prop: str) -> float | None:
    """A node's money property (``tier1_capital``, ``total_assets`` …) in the graph's reporting currency."""
    return money_context(G).of(G.nodes[node], prop)


def money_stamp(G: nx.Graph) -> dict[str, Any]:
    """The currency facts an answer on ``G`` stamps (see :meth:`Money.stamp`)."""
    return money_context(G).stamp()


def to_date(value: Any, *, field_name: str = "as_of") -> dt.date:
    """A ``datetime.date`` from a date, datetime or ISO text (``yyyy-mm-dd``); anything else is refused.

    >>> to_date("2026-01-31")
    datetime.date(2026, 1, 31)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) <= 32 else dt.date.fromisoformat("x")
    except ValueError as e:
        raise Invalid(f"{field_name} must be an ISO date yyyy-mm-dd, not {text[:40]!r}",
                      fix="e.g. 2026-01-31", field=field_name) from e


def default_as_of(G: nx.Graph) -> dt.date:
    """The latest observation date in the graph (interactions, signals, events), else today."""
    best = ""
    for _, d in G.nodes(data="date"):
        if d:
            s = str(d)[:10]
            if s > best:
                best = s
    if best:
        try:
            return dt.date.fromisoformat(best)
        except ValueError:
            pass
    return dt.date.today()


def resolve_as_of(G: nx.Graph, value: Any | None) -> dt.date:
    """The as-of date an analysis uses: ``value`` when given, else :func:`default_as_of` (see :data:`AS_OF_RULE`)."""
    return to_date(value) if value not in (None, "") else default_as_of(G)


# --- shocks ---------------------------------------------------------------------------------


def _shock_classes() -> Any:
    from stakegraph.analytics import propagation as p

    return p


def format_shock(shock: Any) -> str:
    """The text form of a shock object (inverse of :func:`parse_shocks`; the shocks' own ``str``)."""
    p = _shock_classes()
    if not isinstance(shock, p.PartyDefault | p.EquityLoss | p.RelationshipEnds | p.TargetMissed):
        raise Invalid(f"not a shock: {type(shock).__name__}")
    return str(shock)


def parse_shocks(text: str | Sequence[str]) -> tuple[Any, ...]:
    """Shock objects from the text grammar (comma-separated, or a sequence of texts).

    ``ID`` or ``default:ID`` — the party defaults; ``loss:PARTY:FRACTION`` — it loses that fraction
    (0–1) of its capital; ``ends:EDGE_ID`` — the relationship ends; ``missed:ID`` — the party
    misses its bet-on (valuation-adjustment) targets.
    """
    p = _shock_classes()
    parts = [t.strip() for t in (text.split(",") if isinstance(text, str) else
                                 [x for item in text for x in str(item).split(",")]) if t.strip()]
    if len(parts) > MAX_SHOCKS:
        raise LimitExceeded(f"{len(parts)} shocks given; at most {MAX_SHOCKS} per scenario",
                            fix="split the scenario")
    out: list[Any] = []
    for t in parts:
        head, sep, rest = t.partition(":")
        if not sep:
            out.append(p.PartyDefault(t))
        elif head == "default" and rest:
            out.append(p.PartyDefault(rest))
        elif head == "ends" and rest:
            out.append(p.RelationshipEnds(rest))
        elif head == "missed" and rest:
            out.append(p.TargetMissed(rest))
        elif head == "loss":
            party, sep2, frac = rest.rpartition(":")
            f = number(frac) if sep2 else None
            if not party or f is None or not 0.0 <= f <= 1.0:
                raise Invalid(f"shock {t!r}: write loss:PARTY:FRACTION with a fraction from 0 to 1",
                              fix="e.g. loss:b_bank:0.3")
            out.append(p.EquityLoss(party, f))
        else:
            raise Invalid(f"shock {t!r} is not in the shock grammar",
                          fix="use ID, default:ID, loss:PARTY:0.3, ends:EDGE_ID or missed:ID")
    return tuple(out)


def to_h0(shocks: Iterable[Any]) -> dict[str, float]:
    """DebtRank's initial distress from shocks: a default is 1, an equity loss its fraction.

    Relationship and target shocks have no DebtRank meaning and are refused.

    >>> to_h0(parse_shocks("a, loss:b:0.25"))
    {'a': 1.0, 'b': 0.25}
    """
    p = _shock_classes()
    h0: dict[str, float] = {}
    for s in shocks:
        if isinstance(s, p.PartyDefault):
            h0[s.party] = 1.0
        elif isinstance(s, p.EquityLoss):
            h0[s.party] = max(h0.get(s.party, 0.0), float(s.fraction))
        else:
            raise Invalid(f"DebtRank takes default and loss shocks only, not {format_shock(s)}",
                          fix="use the contract method for relationship and target shocks")
    return h0
