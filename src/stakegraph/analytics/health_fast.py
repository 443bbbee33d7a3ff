"""Relationship health for a whole book: the events grouped once, the relationships without any scored in bulk.

:func:`relationship_health_fast` returns exactly :func:`stakegraph.analytics.health.relationship_health_reference`
(same rows, same order, same floats: ``tests/analytics/test_health_fast.py`` checks it on seeded
graphs). The reference looks every relationship's events up one relationship at a time (three
dictionary probes and a ``frozenset`` per relationship, for signals and for interactions) and
formats its contributions anew. Here:

* one pass over the edges collects the edge ids, the contract groups, the contact persons and the
  candidate relationships (dates parsed once per distinct text);
* the events (signals, interactions) are grouped by relationship, pair and party once, and the
  relationships touched by any of them are known as sets — a relationship outside them (most of a
  large book) has a score that depends only on the contact counts at its two ends, so its
  contributions and score are computed once per distinct pair of counts and shared;
* more generally a relationship's score is a function of the signals attached by its edge, its pair
  and each end's party, of the ages of the interactions so attached and of the contact counts: each
  part is computed once per distinct combination (a lender's party-level signals reach all its loans
  alike) and the whole once per distinct parts, with the reference's arithmetic
  (:class:`~stakegraph.analytics.health_parts.Parts`, :func:`~stakegraph.analytics.health.factors`).

>>> from stakegraph.store.base import to_networkx
>>> from stakegraph.model import NodeRecord, EdgeRecord
>>> G = to_networkx([NodeRecord("b", "party", {}), NodeRecord("a", "party", {})],
...                 [EdgeRecord("l", "lends_to", "b", "a", {})])
>>> relationship_health_fast(G, as_of="2026-01-01").of("l").score
85.0
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict
from typing import Any

import networkx as nx

from stakegraph.analytics.health import (
    REFERENCES,
    HealthResult,
    HealthWeights,
    RelationshipHealth,
    _Index,
    maybe_date,
    to_date,
)
from stakegraph.analytics.health_parts import Parts
from stakegraph.analytics.selection import STRUCTURAL_KINDS
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.measures import is_active

__all__ = ["relationship_health_fast"]

_WEIGHTS = HealthWeights()


class _Dates:
    """:func:`~stakegraph.analytics.health.maybe_date` memoised per distinct stored value."""

    def __init__(self) -> None:
        self.seen: dict[Any, dt.date | None] = {}

    def __call__(self, value: Any) -> dt.date | None:
        try:
            return self.seen[value]
        except KeyError:
            out = self.seen[value] = maybe_date(value)
            return out
        except TypeError:  # unhashable: not memoised
            return maybe_date(value)


def relationship_health_fast(
    G: nx.MultiDiGraph,
    *,
    as_of: dt.date | str,
    weights: HealthWeights = _WEIGHTS,
    kinds: tuple[str, ...] = STRUCTURAL_KINDS,
    include_ended: bool = False,
) -> HealthResult:
    """Every relationship's health, as :func:`~stakegraph.analytics.health.relationship_health_reference`.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.
    as_of : date or ISO text
        The day the score is for; later events are ignored.
    weights : HealthWeights
        Points and scales (formula: :mod:`stakegraph.analytics.health`).
    kinds : tuple of str
        Relationship kinds scored.
    include_ended : bool
        Also score relationships whose status says they ended.

    Returns
    -------
    HealthResult
        Equal to the reference's (``==``), weakest first.

    Examples
    --------
    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {}), NodeRecord("a", "party", {}),
    ...                  NodeRecord("s", "signal", {"kind": "dispute", "date": "2026-01-01", "party_id": "a"})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {})])
    >>> [(r.edge_id, r.score) for r in relationship_health_fast(G, as_of="2026-01-01").relationships]
    [('l', 75.0)]

    See Also
    --------
    stakegraph.analytics.health.relationship_health_reference : one relationship at a time (the reference).

    References
    ----------
    .. [1] stakegraph docs/analytics/risk.md, "Relationship health" (formula and worked example).
    """
    day = to_date(as_of)
    wanted = set(kinds)
    dates = _Dates()
    node_data: dict[Any, dict[str, Any]] = G._node  # noqa: SLF001 - read only, as G.nodes(data=True)
    edge_ids: set[str] = set()
    by_contract: dict[str, list[str]] = defaultdict(list)
    contact_sets: dict[str, set[str]] = defaultdict(set)
    candidates: list[tuple[Any, Any, str, dict[str, Any]]] = []
    for u, nbrs in G._succ.items():  # noqa: SLF001 - G.edges(keys=True, data=True) order, without the views
        from_party = node_data[u].get("type") == "party"
        for v, keydict in nbrs.items():
            scored_pair = from_party and u != v and node_data[v].get("type") in ("party", "project")
            for key, d in keydict.items():
                edge = str(key)
                edge_ids.add(edge)
                kind = d.get("kind")
                if d.get("contract_id"):
                    by_contract[str(d["contract_id"])].append(edge)
                if kind == "contact_of" and is_active(d):
                    start, end = dates(d.get("start_date")), dates(d.get("end_date"))
                    if (start is None or start <= day) and (end is None or end > day):
                        contact_sets[str(v)].add(str(u))
                if not scored_pair or kind not in wanted:
                    continue
                if not include_ended and not is_active(d):
                    continue
                start = dates(d.get("start_date"))
                if start is not None and start > day:
                    continue
                candidates.append((u, v, edge, d))
    contacts = {k: len(s) for k, s in contact_sets.items()}
    signals = _Index(G, day, "signal", (edge_ids, by_contract))
    interactions = _Index(G, day, "interaction", (edge_ids, by_contract))

    def touched(index: _Index) -> tuple[set[str], set[tuple[str, str]], set[str]]:
        pairs: set[tuple[str, str]] = set()
        for pair in index.by_pair:
            ends = sorted(pair)
            pairs.update(((ends[0], ends[-1]), (ends[-1], ends[0])))
        return set(index.by_edge), pairs, set(index.by_party)

    s_edges, s_pairs, s_parties = touched(signals)
    i_edges, i_pairs, i_parties = touched(interactions)

    ends_of: dict[Any, tuple[str, str, tuple[int, ...]]] = {}  # id text, name, contact count of an end

    def end_of(x: Any) -> tuple[str, str, tuple[int, ...]]:
        try:
            return ends_of[x]
        except KeyError:
            dx = node_data[x]
            sx = str(x)
            count = (contacts.get(sx, 0),) if dx.get("type") == "party" and dx.get("kind") != "person" else ()
            out = ends_of[x] = (sx, str(dx.get("name") or x), count)
            return out

    # The attached signals of a relationship are those of its edge, its pair and each end's party: the key
    # names the ones that hold any (the rest attach nothing); likewise for interactions.
    parts = Parts(day, weights, {})
    by_keys: dict[tuple[Any, ...], Any] = {}
    rows: list[RelationshipHealth] = []
    append = rows.append
    for u, v, edge, d in candidates:
        su, nu, cu = ends_of.get(u) or end_of(u)
        sv, nv, cv = ends_of.get(v) or end_of(v)
        s_key = (edge if edge in s_edges else None, (su, sv) if (su, sv) in s_pairs else None,
                 su if su in s_parties else None, sv if sv in s_parties else None)
        i_key = (edge if edge in i_edges else None, (su, sv) if (su, sv) in i_pairs else None,
                 su if su in i_parties else None, sv if sv in i_parties else None)
        keys = (s_key, i_key, cu + cv)  # the parts' own keys name the whole too
        f = by_keys.get(keys)
        if f is None:
            sig = parts.signal_parts.get(s_key)
            if sig is None:  # from the signals of each source, each source's sorted once
                pieces = []
                if s_key[0] is not None:
                    pieces.append(parts.signals(("edge", edge), [(e, "relationship") for e in signals.by_edge[edge]]))
                if s_key[1] is not None:
                    pair = frozenset((su, sv))
                    pieces.append(parts.signals(("pair", pair), [(e, "pair") for e in signals.by_pair[pair]]))
                for p in dict.fromkeys(x for x in s_key[2:] if x is not None):
                    pieces.append(parts.signals(("party", p), [(e, "party") for e in signals.by_party[p]]))
                sig = parts.combined(s_key, pieces)
            ages = parts.age_parts.get(i_key)
            if ages is None:
                ages = parts.ages(i_key, interactions.attached(edge, su, sv))
            f = by_keys[keys] = parts.whole(sig, ages, cu + cv)
        append(RelationshipHealth(edge, str(d.get("kind")), su, sv, nu, nv, *f))
    rows.sort(key=lambda r: (r.score, r.edge_id))
    stamp = Stamp("relationship_health", "additive penalties, exponential decay",
                  {"as_of": day.isoformat(), "weights": asdict(weights), "kinds": list(kinds),
                   "include_ended": include_ended}, graph_version(G), REFERENCES)
    return HealthResult(day.isoformat(), tuple(rows), weights, stamp)
