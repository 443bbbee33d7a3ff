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
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx

from stakegraph.domain import COMMERCIAL_KINDS, FINANCING_KINDS, RELATIONSHIP_KINDS
from stakegraph.errors import Invalid, LimitExceeded

__all__ = [
    "number", "edge_size", "money_of_edge", "exposure", "commercial_volume", "EXPOSURE_DEFINITION",
    "to_date", "default_as_of", "AS_OF_RULE", "resolve_as_of", "parse_shocks", "format_shock", "to_h0",
    "MAX_SHOCKS", "INACTIVE_STATUSES", "is_active", "declared_weight", "edges_exposure",
]

#: Statuses of a relationship that has ended; such an edge carries no exposure (see docs).
INACTIVE_STATUSES: frozenset[str] = frozenset(
    {"ended", "terminated", "closed", "cancelled", "canceled", "expired", "repaid", "dropped", "inactive"}
)
#: How many shocks one scenario may name (checked before any work).
MAX_SHOCKS = 1000
EXPOSURE_DEFINITION = ("financing exposure: sum of amount (guarantee_cap for guarantees) over the node's active "
                       "lends_to, invests_in, sponsors, guarantees and insures relationships, in and out")
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


def edge_size(data: Mapping[str, Any], weight: str | None = None) -> float | None:
    """Size of one edge.

    ``weight=None`` reads the kind's declared weight property; a kind with no declared weight
    counts 1. ``weight="count"`` counts every edge as 1. Any other string names the property.
    ``None`` when the property is absent or not a finite number.

    >>> edge_size({"kind": "lends_to"}) is None, edge_size({"kind": "lends_to"}, "count")
    (True, 1.0)
    """
    if weight == "count":
        return 1.0
    attr = weight if weight is not None else declared_weight(str(data.get("kind")))
    if attr is None:
        return 1.0
    return number(data.get(attr))


def money_of_edge(data: Mapping[str, Any]) -> float | None:
    """The money a financing edge carries: ``guarantee_cap`` for guarantees when set, else ``amount``.

    >>> money_of_edge({"kind": "guarantees", "amount": 9, "guarantee_cap": 4}), money_of_edge({"amount": 3})
    (4.0, 3.0)
    """
    if data.get("kind") == "guarantees":
        cap = number(data.get("guarantee_cap"))
        if cap is not None:
            return cap
    return number(data.get("amount"))


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
    return edges_exposure(_touching(G, node))


def edges_exposure(edges: Iterable[Mapping[str, Any]]) -> float:
    """:func:`exposure` over given edge data (one node's edges, e.g. from the store)."""
    total = 0.0
    for d in edges:
        if d.get("kind") in FINANCING_KINDS and is_active(d):
            total += money_of_edge(d) or 0.0
    return total


def commercial_volume(G: nx.MultiDiGraph, node: Any) -> float:
    """Sales and offtake volume on the node's active commercial relationships (their declared weight)."""
    total = 0.0
    for d in _touching(G, node):
        if d.get("kind") in COMMERCIAL_KINDS and is_active(d):
            w = declared_weight(str(d.get("kind")))
            total += (number(d.get(w)) if w else None) or 0.0
    return total


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
