""":func:`stakegraph.analytics.health.factors` in parts, each shared by the relationships it is the same for.

A relationship's factors depend on three things only: the signals attached to it (their
contributions, largest first), the ages of the interactions attached to it (in attachment order:
warmth is summed in that order) and the contact counts at its ends. :class:`Parts` computes the
signal part once per distinct set of attached signals, the ages once per distinct set of attached
interactions, and the whole once per distinct (signals, ages, contacts) — with the reference's own
arithmetic, so that :func:`stakegraph.analytics.health_fast.relationship_health_fast` stays equal to
:func:`stakegraph.analytics.health.relationship_health_reference` (``tests/analytics/test_health_fast.py``,
``tests/analytics/test_health_bulk_portfolios.py``).

The contributions are sorted by ``(-points, factor, signal id)``; two different entries never share
a key unless they are the same contribution (a signal attaches once per relationship, ids are unique),
so the signals sorted once and the interaction and single-thread entries inserted after any equal
key (:func:`bisect.insort`) give the order of the reference's stable sort of the whole list.

>>> import datetime as dt
>>> from stakegraph.analytics.health import HealthWeights, factors
>>> parts = Parts(dt.date(2026, 1, 1), HealthWeights(), {})
>>> parts.whole((), (), (1,)) == factors([], [], [1], dt.date(2026, 1, 1), HealthWeights(), {})
True
"""

from __future__ import annotations

import datetime as dt
from bisect import insort
from operator import itemgetter
from typing import Any

from stakegraph.analytics.health import (
    Contribution,
    HealthWeights,
    _Event,
    _interaction_entry,
    _Keyed,
    _Points,
    _signal_entries,
    _single_thread_entry,
)

__all__ = ["Parts"]

_KEY = itemgetter(0)
Factors = tuple[float, tuple[Contribution, ...], int, float, int | None, int]


class Parts:
    """The memoised parts of the factors of one book on one day (see the module docstring)."""

    def __init__(self, day: dt.date, weights: HealthWeights, points: _Points) -> None:
        self.day, self.weights, self.points = day, weights, points
        self.signal_parts: dict[Any, tuple[_Keyed, ...]] = {}
        self.age_parts: dict[Any, tuple[int, ...]] = {}
        self.wholes: dict[tuple[Any, ...], tuple[tuple[_Keyed, ...], Factors]] = {}
        self.single = _single_thread_entry(weights)

    def signals(self, key: Any, attached: list[tuple[_Event, str]]) -> tuple[_Keyed, ...]:
        """The signal contributions (sort key, contribution) of ``attached``, largest first; kept under ``key``."""
        hit = self.signal_parts.get(key)
        if hit is not None:
            return hit
        keyed = _signal_entries(attached, self.day, self.weights, self.points)
        keyed.sort(key=_KEY)
        out = self.signal_parts[key] = tuple(keyed)
        return out

    def combined(self, key: Any, pieces: list[tuple[_Keyed, ...]]) -> tuple[_Keyed, ...]:
        """The signal part made of ``pieces`` (each from :meth:`signals`, of disjoint events: a relationship's
        edge, pair and each end's party), largest first; kept under ``key``. Equal to :meth:`signals` of
        the pieces' events together (the sort keys of distinct entries differ)."""
        if len(pieces) == 1:
            out = pieces[0]
        else:
            merged = [entry for piece in pieces for entry in piece]
            merged.sort(key=_KEY)  # sorted runs: a merge
            out = tuple(merged)
        self.signal_parts[key] = out
        return out

    def ages(self, key: Any, attached: list[tuple[_Event, str]]) -> tuple[int, ...]:
        """Ages in days of the distinct interactions of ``attached`` (first attachment order); kept under ``key``."""
        hit = self.age_parts.get(key)
        if hit is not None:
            return hit
        seen: dict[str, _Event] = {}
        for ev, _ in attached:
            seen[ev.id] = ev
        day = self.day
        out = self.age_parts[key] = tuple((day - ev.date).days for ev in seen.values())
        return out

    def whole(self, signals: tuple[_Keyed, ...], ages: tuple[int, ...], n_contacts: tuple[int, ...]) -> Factors:
        """``factors(...)`` of a relationship with these parts (kept per distinct parts; the signal part by
        identity — hashing its contributions on every call would cost more than it saves — and held)."""
        memo = (id(signals), ages, n_contacts)
        hit = self.wholes.get(memo)
        if hit is not None and hit[0] is signals:
            return hit[1]
        warmth, last, entry = _interaction_entry(ages, self.weights)
        keyed = list(signals)
        if entry is not None:
            insort(keyed, entry, key=_KEY)
        if 1 in n_contacts:
            insort(keyed, self.single, key=_KEY)
        contribs = tuple(c for _, c in keyed)
        score = max(0.0, 100.0 - sum([c.points for c in contribs]))
        out = (score, contribs, len(ages), warmth, last, max(n_contacts) if n_contacts else 0)
        self.wholes[memo] = (signals, out)
        return out
