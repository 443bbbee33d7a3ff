"""Relationship health (0–100) and early-warning alerts from signals, interactions and contacts.

Score formula (all points tunable in :class:`HealthWeights`)::

    score = max(0, 100 − Σ_signals points_s − interaction_penalty − single_thread_penalty)
    points_s = weight[kind] × magnitude_s × 0.5 ** (age_days / signal_half_life_days) × scope_factor
    interaction_penalty = no_interaction × max(0, 1 − warmth / interaction_target)
    warmth = Σ_interactions 0.5 ** (age_days / interaction_half_life_days)

* **magnitude**: ``payment_delay`` → min(1, days late / ``payment_delay_full_days``);
  ``order_volume_change`` → min(1, fall in % / ``order_drop_full_pct``) (rises score 0);
  other kinds → the signal's ``severity`` (0–1), else 1.
* **scope**: a signal attaches to a relationship by its ``relationship_id`` (the
  edge id, or a contract id whose edges carry that ``contract_id``; factor 1),
  else to every relationship between ``party_id`` and ``counterparty_id``
  (``pair_scope_factor``, 1), else — naming the party alone — to every
  relationship of that party (``party_scope_factor``, 0.5: it is about the party,
  not this relationship). Interactions attach the same way (or through their
  ``involves`` edges), each counting fully.
* **warmth** is an exponentially decayed interaction count: an interaction today
  counts 1, one ``interaction_half_life_days`` ago 0.5. It captures both the days
  since the last interaction and the frequency: ``interaction_target`` (4)
  recent interactions mean no penalty, none ever means the full ``no_interaction``.
* **single-threaded**: an organisation at either end with exactly one contact
  person (``contact_of`` active on ``as_of``) costs ``single_threaded`` points (no
  contact recorded: no penalty, reported as ``contacts = 0``).

Worked example (also a test): a loan, as of 2026-01-01, with a 45-day payment
delay on it dated 2025-01-01 (25 × 0.5 × 0.5 = 6.25), a management change at the
borrower today (10 × 1 × 1 × 0.5 = 5), one meeting 90 days ago (warmth 0.5 →
15 × (1 − 0.5/4) = 13.125) and one contact person (5): score 100 − 29.375 = 70.625.

Signals after ``as_of`` are ignored (no wall clock: ``as_of`` is a parameter).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from typing import Any

import networkx as nx

from stakegraph.analytics.selection import STRUCTURAL_KINDS, is_active, number
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.domain import SIGNAL_KINDS
from stakegraph.errors import NotFound, ValidationError

REFERENCES = (
    "stakegraph relationship-health score (additive penalty model; exponential time decay with half-lives); "
    "early-warning KPIs per shared/reference/domain.md"
)


@dataclass(frozen=True)
class HealthWeights:
    """Points each signal kind can cost (at magnitude 1, age 0) and the scale parameters."""

    payment_delay: float = 25.0
    order_volume_change: float = 20.0
    missed_milestone: float = 15.0
    management_change: float = 10.0
    dispute: float = 20.0
    funds_diverted: float = 30.0
    statement_irregularity: float = 30.0
    contract_termination: float = 40.0
    loan_recall: float = 30.0
    no_interaction: float = 15.0
    single_threaded: float = 5.0
    payment_delay_full_days: float = 90.0
    order_drop_full_pct: float = 50.0
    signal_half_life_days: float = 365.0
    interaction_half_life_days: float = 90.0
    interaction_target: float = 4.0
    party_scope_factor: float = 0.5
    pair_scope_factor: float = 1.0

    def weight(self, kind: str) -> float:
        """Points of a signal kind (0 for a kind without a weight)."""
        return float(getattr(self, kind, 0.0)) if kind in SIGNAL_KINDS else 0.0


@dataclass(frozen=True)
class Contribution:
    """One factor that lowered a relationship's score, and by how many points."""

    factor: str
    points: float
    signal_id: str | None = None
    scope: str = ""
    date: str | None = None
    value: float | None = None
    magnitude: float = 1.0
    decay: float = 1.0
    weight: float = 0.0
    reason: str = ""


@dataclass(frozen=True)
class RelationshipHealth:
    """Score of one relationship with the contributions that made it (largest first)."""

    edge_id: str
    kind: str
    source: str
    target: str
    source_name: str
    target_name: str
    score: float
    contributions: tuple[Contribution, ...]
    interactions: int
    warmth: float
    days_since_interaction: int | None
    contacts: int


@dataclass(frozen=True)
class HealthResult:
    """Health of every relationship, weakest first."""

    as_of: str
    # a tuple, or (the columnar path) a :class:`~stakegraph.analytics.health_rows.HealthRows` that makes each
    # row when it is read and equals the tuple of the same rows
    relationships: Sequence[RelationshipHealth]
    weights: HealthWeights
    stamp: Stamp

    def of(self, edge_id: str) -> RelationshipHealth:
        """The health of one relationship by edge id."""
        for r in self.relationships:
            if r.edge_id == edge_id:
                return r
        raise NotFound(f"no scored relationship with id {edge_id!r}",
                       fix="give the id of an active relationship (ended ones are not scored)")


@dataclass(frozen=True)
class Alert:
    """A relationship below the threshold, with the reasons in order of weight."""

    rank: int
    edge_id: str
    kind: str
    source: str
    target: str
    source_name: str
    target_name: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class AlertsResult:
    """Ranked alerts (lowest score first)."""

    as_of: str
    threshold: float
    alerts: tuple[Alert, ...]
    stamp: Stamp = field(default_factory=lambda: Stamp("relationship_alerts", ""))


def to_date(value: Any, *, field_name: str = "as_of") -> dt.date:
    """A ``datetime.date`` from a date, datetime or ISO text (``yyyy-mm-dd``).

    >>> to_date("2026-01-31"), to_date(dt.datetime(2026, 1, 31, 12))
    (datetime.date(2026, 1, 31), datetime.date(2026, 1, 31))
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError as e:
        raise ValidationError(f"{field_name} must be an ISO date yyyy-mm-dd, not {value!r}", field=field_name,
                              value=value, fix="e.g. 2026-01-31") from e


def maybe_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return to_date(value)
    except ValidationError:
        return None


@dataclass
class _Event:
    id: str
    type: str
    kind: str
    date: dt.date
    data: dict[str, Any]


class _Index:
    """Events (signals, interactions) up to ``as_of`` indexed by relationship, pair and party."""

    def __init__(self, G: nx.MultiDiGraph, as_of: dt.date, node_type: str,
                 edges: tuple[set[str], dict[str, list[str]]] | None = None,
                 nodes: Iterable[tuple[Any, dict[str, Any]]] | None = None) -> None:
        """``nodes``: ``G``'s nodes of ``node_type`` (and perhaps others) in node order, when the caller has them
        (the shared edge table's signal and interaction nodes); else every node of ``G``."""
        self.by_edge: dict[str, list[_Event]] = defaultdict(list)
        self.by_pair: dict[frozenset[str], list[_Event]] = defaultdict(list)
        self.by_party: dict[str, list[_Event]] = defaultdict(list)
        edge_ids, by_contract = edges if edges is not None else _edge_index(G)
        for n, d in (G.nodes(data=True) if nodes is None else nodes):
            if d.get("type") != node_type:
                continue
            when = maybe_date(d.get("date"))
            if when is None or when > as_of:
                continue
            ev = _Event(str(n), node_type, str(d.get("kind") or ""), when, d)
            rel = d.get("relationship_id")
            if rel and str(rel) in edge_ids:
                self.by_edge[str(rel)].append(ev)
                continue
            if rel and str(rel) in by_contract:
                for e in by_contract[str(rel)]:
                    self.by_edge[e].append(ev)
                continue
            party, other = d.get("party_id"), d.get("counterparty_id")
            if node_type == "interaction" and not party:
                involved = sorted(str(v) for _, v, ed in G.out_edges(n, data=True) if ed.get("kind") == "involves")
                party = involved[0] if involved else None
                other = involved[1] if len(involved) > 1 else other
            if party and other:
                self.by_pair[frozenset((str(party), str(other)))].append(ev)
            elif party:
                self.by_party[str(party)].append(ev)

    def attached(self, edge: str, u: str, v: str) -> list[tuple[_Event, str]]:
        out = [(e, "relationship") for e in self.by_edge.get(edge, ())]
        out += [(e, "pair") for e in self.by_pair.get(frozenset((u, v)), ())]
        out += [(e, "party") for p in dict.fromkeys((u, v)) for e in self.by_party.get(p, ())]
        return out


def _edge_index(G: nx.MultiDiGraph) -> tuple[set[str], dict[str, list[str]]]:
    """Every edge id, and the edge ids of each ``contract_id`` (in edge order)."""
    edge_ids: set[str] = set()
    by_contract: dict[str, list[str]] = defaultdict(list)
    for _, _, k, d in G.edges(keys=True, data=True):
        edge_ids.add(str(k))
        if d.get("contract_id"):
            by_contract[str(d["contract_id"])].append(str(k))
    return edge_ids, by_contract


def _contacts(G: nx.MultiDiGraph, day: dt.date) -> dict[str, int]:
    """Contact persons per organisation on ``day`` (``contact_of`` edges started and not ended)."""
    count: dict[str, set[str]] = defaultdict(set)
    for u, v, d in G.edges(data=True):
        if d.get("kind") != "contact_of" or not is_active(d):
            continue
        start, end = maybe_date(d.get("start_date")), maybe_date(d.get("end_date"))
        if (start is None or start <= day) and (end is None or end > day):
            count[str(v)].add(str(u))
    return {k: len(s) for k, s in count.items()}


def _signal_points(ev: _Event, scope: str, age: int, w: HealthWeights) -> Contribution | None:
    weight = w.weight(ev.kind)
    if weight <= 0:
        return None
    value = number(ev.data.get("value"))
    severity = number(ev.data.get("severity"))
    if ev.kind == "payment_delay" and value is not None:
        magnitude = min(1.0, max(0.0, value) / w.payment_delay_full_days)
        what = f"{value:g} days late"
    elif ev.kind == "order_volume_change":
        if value is None:
            magnitude, what = (severity if severity is not None else 0.0), "orders changed"
        else:
            magnitude = min(1.0, max(0.0, -value) / w.order_drop_full_pct)
            what = f"orders {value:+g}%"
    else:
        magnitude = severity if severity is not None else 1.0
        what = "severity " + (f"{severity:g}" if severity is not None else "n/a (1)")
    scope_factor = {"relationship": 1.0, "pair": w.pair_scope_factor, "party": w.party_scope_factor}[scope]
    decay = 0.5 ** (age / w.signal_half_life_days)
    points = weight * magnitude * decay * scope_factor
    if points <= 0:
        return None
    return Contribution(ev.kind, points, ev.id, scope, ev.date.isoformat(), value, magnitude, decay, weight,
                        f"{ev.kind.replace('_', ' ')}: {what}, {age} days ago ({scope}) -{points:.1f}")


#: A contribution with its sort key ``(-points, factor, signal id)``.
_Keyed = tuple[tuple[float, str, str], Contribution]
#: Memo of a signal's contribution by (event, scope): its points depend only on the signal, its scope and as_of
#: (a party-level signal is shared by every relationship of the party), kept with its sort key.
_Points = dict[tuple[int, str], "_Keyed | None"]


def _signal_entries(attached: Iterable[tuple[_Event, str]], day: dt.date, weights: HealthWeights,
                    points: _Points) -> list[_Keyed]:
    """The keyed contributions of the attached signals, in attachment order (memoised in ``points``)."""
    keyed: list[_Keyed] = []
    for ev, scope in attached:
        memo_key = (id(ev), scope)
        if memo_key in points:
            entry = points[memo_key]
        else:
            c = _signal_points(ev, scope, (day - ev.date).days, weights)
            entry = points[memo_key] = None if c is None else ((-c.points, c.factor, c.signal_id or ""), c)
        if entry is not None:
            keyed.append(entry)
    return keyed


def _interaction_entry(ages: Sequence[int], weights: HealthWeights) -> tuple[float, int | None, _Keyed | None]:
    """(warmth, days since the last interaction, the keyed ``no_interaction`` contribution or ``None``) of
    the ages in days of a relationship's distinct interactions (warmth summed in their order)."""
    warmth = sum(0.5 ** (a / weights.interaction_half_life_days) for a in ages)
    last = min(ages) if ages else None
    pen = weights.no_interaction * max(0.0, 1.0 - warmth / weights.interaction_target)
    if not pen > 0:
        return warmth, last, None
    return warmth, last, ((-pen, "no_interaction", ""), Contribution(
        "no_interaction", pen, None, "relationship", None, None if last is None else float(last),
        max(0.0, 1.0 - warmth / weights.interaction_target), 1.0, weights.no_interaction,
        ("no interaction recorded" if last is None else
         f"{len(ages)} interaction(s), last {last} days ago (warmth {warmth:.2f} of {weights.interaction_target:g})")
        + f" -{pen:.1f}"))


def _single_thread_entry(weights: HealthWeights) -> _Keyed:
    """The keyed ``single_threaded`` contribution (a relationship with one contact person at an end)."""
    return ((-weights.single_threaded, "single_threaded", ""), Contribution(
        "single_threaded", weights.single_threaded, None, "relationship", weight=weights.single_threaded,
        reason=f"single-threaded: one contact person -{weights.single_threaded:.1f}"))


def factors(attached_signals: list[tuple[_Event, str]], attached_interactions: list[tuple[_Event, str]],
            n_contacts: list[int], day: dt.date, weights: HealthWeights, points: _Points
            ) -> tuple[float, tuple[Contribution, ...], int, float, int | None, int]:
    """One relationship's (score, contributions largest first, interactions, warmth, days since the last
    interaction, contacts) from the events attached to it and the contact counts of its organisations."""
    keyed = _signal_entries(attached_signals, day, weights, points)
    seen: dict[str, _Event] = {}
    for ev, _ in attached_interactions:
        seen[ev.id] = ev
    ages = [(day - ev.date).days for ev in seen.values()]
    warmth, last, entry = _interaction_entry(ages, weights)
    if entry is not None:
        keyed.append(entry)
    if 1 in n_contacts:
        keyed.append(_single_thread_entry(weights))
    keyed.sort(key=itemgetter(0))
    contribs = tuple(c for _, c in keyed)
    score = max(0.0, 100.0 - sum(c.points for c in contribs))
    return score, contribs, len(ages), warmth, last, max(n_contacts) if n_contacts else 0


def relationship_health(
    G: nx.MultiDiGraph,
    *,
    as_of: dt.date | str,
    weights: HealthWeights = HealthWeights(),
    kinds: tuple[str, ...] = STRUCTURAL_KINDS,
    include_ended: bool = False,
) -> HealthResult:
    """Score every relationship between parties (or a party and a project) 0–100.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.
    as_of : date or ISO text
        The day the score is for; later events are ignored.
    weights : HealthWeights
        Points and scales (see the module docstring for the formula).
    kinds : tuple of str
        Relationship kinds scored (default: financing, commercial and control kinds).
    include_ended : bool
        Also score relationships whose status says they ended.

    Examples
    --------
    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {}), NodeRecord("a", "party", {}),
    ...                  NodeRecord("s1", "signal", {"kind": "dispute", "date": "2026-01-01", "party_id": "a",
    ...                                              "counterparty_id": "b"})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {})])
    >>> h = relationship_health(G, as_of="2026-01-01").of("l")
    >>> h.score, [c.factor for c in h.contributions]
    (65.0, ['dispute', 'no_interaction'])

    See Also
    --------
    relationship_health_reference : the same scores, one relationship at a time (the reference).
    stakegraph.analytics.health_columns.relationship_health_columns : the variant this runs (columns; proved
        equal to the reference, falls back to the bulk path).

    References
    ----------
    .. [1] stakegraph docs/analytics/risk.md, "Relationship health" (formula and worked example).
    """
    from stakegraph.analytics.health_columns import relationship_health_columns

    return relationship_health_columns(G, as_of=as_of, weights=weights, kinds=kinds, include_ended=include_ended)


def relationship_health_reference(
    G: nx.MultiDiGraph,
    *,
    as_of: dt.date | str,
    weights: HealthWeights = HealthWeights(),
    kinds: tuple[str, ...] = STRUCTURAL_KINDS,
    include_ended: bool = False,
) -> HealthResult:
    """:func:`relationship_health` relationship by relationship: the reference the fast path is checked against.

    Every relationship's events are looked up and scored one at a time (:func:`factors`);
    :func:`stakegraph.analytics.health_fast.relationship_health_fast` returns the same result
    (``tests/analytics/test_health_fast.py``).

    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {}), NodeRecord("a", "party", {})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {})])
    >>> relationship_health_reference(G, as_of="2026-01-01") == relationship_health(G, as_of="2026-01-01")
    True

    See Also
    --------
    relationship_health : the same scores, events grouped once per relationship set.
    """
    day = to_date(as_of)
    edge_index = _edge_index(G)
    signals = _Index(G, day, "signal", edge_index)
    interactions = _Index(G, day, "interaction", edge_index)
    contacts = _contacts(G, day)
    wanted = set(kinds)
    node_data: dict[Any, dict[str, Any]] = dict(G.nodes(data=True))
    points: _Points = {}
    rows: list[RelationshipHealth] = []
    for u, v, key, d in G.edges(keys=True, data=True):
        if d.get("kind") not in wanted or u == v:
            continue
        du, dv = node_data[u], node_data[v]
        if du.get("type") != "party" or dv.get("type") not in ("party", "project"):
            continue
        if not include_ended and not is_active(d):
            continue
        start = maybe_date(d.get("start_date"))
        if start is not None and start > day:
            continue
        edge, su, sv = str(key), str(u), str(v)
        n_contacts = [contacts.get(str(x), 0) for x, dx in ((u, du), (v, dv))
                      if dx.get("type") == "party" and dx.get("kind") != "person"]
        f = factors(signals.attached(edge, su, sv), interactions.attached(edge, su, sv), n_contacts, day, weights,
                    points)
        rows.append(RelationshipHealth(edge, str(d.get("kind")), su, sv, str(du.get("name") or u),
                                       str(dv.get("name") or v), *f))
    rows.sort(key=lambda r: (r.score, r.edge_id))
    stamp = Stamp("relationship_health", "additive penalties, exponential decay",
                  {"as_of": day.isoformat(), "weights": asdict(weights), "kinds": list(kinds),
                   "include_ended": include_ended}, graph_version(G), REFERENCES)
    return HealthResult(day.isoformat(), tuple(rows), weights, stamp)


def relationship_alerts(
    G: nx.MultiDiGraph,
    *,
    as_of: dt.date | str,
    threshold: float = 60.0,
    weights: HealthWeights = HealthWeights(),
    top: int | None = None,
    min_points: float = 0.5,
) -> AlertsResult:
    """Relationships scoring below ``threshold``, weakest first, each with its reasons.

    Reasons are the contributions worth at least ``min_points``, largest first.

    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {}), NodeRecord("a", "party", {}),
    ...                  NodeRecord("s", "signal", {"kind": "funds_diverted", "date": "2026-01-01",
    ...                                             "relationship_id": "l"})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {})])
    >>> a = relationship_alerts(G, as_of="2026-01-01", threshold=60).alerts[0]
    >>> a.score, a.reasons[0]
    (55.0, 'funds diverted: severity n/a (1), 0 days ago (relationship) -30.0')
    """
    h = relationship_health(G, as_of=as_of, weights=weights)
    return alerts_from_health(h, threshold=threshold, top=top, min_points=min_points)


def alerts_from_health(h: HealthResult, *, threshold: float = 60.0, top: int | None = None,
                       min_points: float = 0.5) -> AlertsResult:
    """The alerts of :func:`relationship_alerts` from an already computed :class:`HealthResult`.

    ``relationship_alerts(G, as_of=d, ...)`` equals
    ``alerts_from_health(relationship_health(G, as_of=d), ...)``; use this form when the
    health of every relationship is needed as well, so it is computed once.

    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {}), NodeRecord("a", "party", {})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {})])
    >>> h = relationship_health(G, as_of="2026-01-01")
    >>> alerts_from_health(h, threshold=90).alerts[0].score, alerts_from_health(h, threshold=60).alerts
    (85.0, ())
    """
    alerts: list[Alert] = []
    for r in h.relationships:
        if r.score >= threshold:
            break
        alerts.append(Alert(len(alerts) + 1, r.edge_id, r.kind, r.source, r.target, r.source_name, r.target_name,
                            r.score, tuple(c.reason for c in r.contributions if c.points >= min_points)))
        if top is not None and len(alerts) >= top:
            break
    stamp = Stamp("relationship_alerts", h.stamp.variant, {**h.stamp.parameters, "threshold": threshold,
                                                           "top": top, "min_points": min_points},
                  h.stamp.graph_version, REFERENCES)
    return AlertsResult(h.as_of, threshold, tuple(alerts), stamp)
