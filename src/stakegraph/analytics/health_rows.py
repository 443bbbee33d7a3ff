"""The rows of a health result, each made when it is read.

:func:`stakegraph.analytics.health_columns.relationship_health_columns` scores every relationship in
groups: the factors of a group are computed once and the order of the rows is a permutation. Making
every row object up front then costs most of the work on a large graph: 3.9 million
:class:`~stakegraph.analytics.health.RelationshipHealth` instances and about 1.6 GiB at 1,000,000
parties. Yet the audit, the page and the table read the first rows only. :class:`HealthRows` keeps
the columns and the permutation and makes a row when it is read. It holds the same values in the same
order as the tuple of the reference (``tests/analytics/test_health_rows.py``). It compares, hashes and
serialises as that tuple, so :class:`~stakegraph.analytics.health.HealthResult` answers stay equal
whichever path made them.

>>> from stakegraph.analytics.health_parts import Factors
>>> f: Factors = (85.0, (), 0, 0.0, None, 0)
>>> rows = HealthRows(["e2", "e1"], ["lends_to", "buys_from"], [("a", "A"), ("b", "B")],
...                   [0, 1], [1, 0], [f], [0, 0], [1, 0])
>>> len(rows), rows[0].edge_id, [r.source for r in rows]
(2, 'e1', ['b', 'a'])
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import fields
from typing import Any, overload

import numpy as np

from stakegraph.analytics.health import RelationshipHealth
from stakegraph.analytics.health_parts import Factors

__all__ = ["HealthRows", "make_row"]

_FIELDS = tuple(f.name for f in fields(RelationshipHealth))
_FACTOR_FIELDS = ("score", "contributions", "interactions", "warmth", "days_since_interaction", "contacts")


def _fast_make(e: str, k: str, u: tuple[str, str], v: tuple[str, str], f: Factors) -> RelationshipHealth:
    """``RelationshipHealth(e, k, u[0], v[0], u[1], v[1], *f)`` without its generated ``__init__`` (which
    sets each field in turn through ``object.__setattr__``, the class being frozen): a new instance whose
    ``__dict__`` is set at once to the fields in field order (``f`` as
    :data:`~stakegraph.analytics.health_parts.Factors`, the last six fields in order)."""
    o = object.__new__(RelationshipHealth)
    object.__setattr__(o, "__dict__", {
        "edge_id": e, "kind": k, "source": u[0], "target": v[0], "source_name": u[1], "target_name": v[1],
        "score": f[0], "contributions": f[1], "interactions": f[2], "warmth": f[3],
        "days_since_interaction": f[4], "contacts": f[5]})
    return o


def _called(e: str, k: str, u: tuple[str, str], v: tuple[str, str], f: Factors) -> RelationshipHealth:
    """The same row through the class's own ``__init__``."""
    return RelationshipHealth(e, k, u[0], v[0], u[1], v[1], *f)


def _row_maker() -> Any:
    """:func:`_fast_make`, or the class's own ``__init__`` when its fields are not the ones it sets or it has a
    ``__post_init__``/``__slots__`` (a test proves the rows equal field for field either way)."""
    if (hasattr(RelationshipHealth, "__post_init__") or hasattr(RelationshipHealth, "__slots__")
            or _FIELDS != ("edge_id", "kind", "source", "target", "source_name", "target_name", *_FACTOR_FIELDS)):
        return _called  # pragma: no cover - guards the shortcut
    return _fast_make


#: Make one row from (edge id, kind, (source id, name), (target id, name), factors).
make_row = _row_maker()


class HealthRows(Sequence[RelationshipHealth]):
    """Read-only sequence of :class:`~stakegraph.analytics.health.RelationshipHealth`, made on reading.

    Row ``i`` is relationship ``o = order[i]``: edge ``edge_ids[o]`` of kind ``kinds[o]`` from end
    ``ends[source[o]]`` to end ``ends[target[o]]`` (each end an ``(id, name)`` pair) with the factors
    ``factors[group[o]]``.

    Parameters
    ----------
    edge_ids, kinds : sequence of str
        Per relationship.
    ends : sequence of (str, str)
        The distinct ends, as (id, name).
    source, target, group : sequence of int
        Per relationship: its ends among ``ends`` and its factors among ``factors``.
    factors : sequence of Factors
        Per group: (score, contributions, interactions, warmth, days since interaction, contacts).
    order : sequence of int
        The relationships in row order.

    Notes
    -----
    A row is a new instance at each read (equal and with the same hash as before). The sequence equals
    any tuple or list of the same rows, hashes as that tuple and pickles as one (it is then a tuple).

    Examples
    --------
    >>> rows = HealthRows(["x"], ["builds"], [("a", "A"), ("p", "P")], [0], [1],
    ...                   [(100.0, (), 0, 0.0, None, 0)], [0], [0])
    >>> rows == (rows[0],), rows[-1].target_name, rows[:5][0].score
    (True, 'P', 100.0)

    See Also
    --------
    stakegraph.analytics.health.HealthResult : holds these rows (or a tuple of them).
    stakegraph.analytics.health_columns.relationship_health_columns : makes them.

    References
    ----------
    .. [1] Python Software Foundation, "collections.abc — Sequence", the interface kept here.
    """

    __slots__ = ("_edge_ids", "_kinds", "_ends", "_source", "_target", "_factors", "_group", "_order")

    def __init__(self, edge_ids: Sequence[str], kinds: Sequence[str], ends: Sequence[tuple[str, str]],
                 source: Sequence[int] | np.ndarray, target: Sequence[int] | np.ndarray, factors: Sequence[Factors],
                 group: Sequence[int] | np.ndarray, order: Sequence[int] | np.ndarray) -> None:
        columns = [np.asarray(x, dtype=np.int64) for x in (source, target, group, order)]
        if len({len(edge_ids), len(kinds), *map(len, columns)}) != 1:
            raise ValueError("HealthRows: the per-relationship columns and the order differ in length")
        self._edge_ids, self._kinds, self._ends, self._factors = edge_ids, kinds, ends, factors
        self._source, self._target, self._group, self._order = columns

    def __len__(self) -> int:
        return len(self._order)

    def _rows(self, at: np.ndarray) -> Iterator[RelationshipHealth]:
        """The rows of the relationships ``at`` (their numbers), in that order."""
        o = at.tolist()
        return map(make_row, map(self._edge_ids.__getitem__, o), map(self._kinds.__getitem__, o),
                   map(self._ends.__getitem__, self._source[at].tolist()),
                   map(self._ends.__getitem__, self._target[at].tolist()),
                   map(self._factors.__getitem__, self._group[at].tolist()))

    @overload
    def __getitem__(self, i: int) -> RelationshipHealth: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[RelationshipHealth, ...]: ...

    def __getitem__(self, i: int | slice) -> RelationshipHealth | tuple[RelationshipHealth, ...]:
        if isinstance(i, slice):
            return tuple(self._rows(self._order[i]))
        n = len(self._order)
        j = i.__index__()
        if not -n <= j < n:
            raise IndexError("HealthRows index out of range")
        j %= n
        return next(self._rows(self._order[j:j + 1]))

    def __iter__(self) -> Iterator[RelationshipHealth]:
        for a in range(0, len(self._order), _CHUNK):
            yield from self._rows(self._order[a:a + _CHUNK])

    def __eq__(self, other: object) -> bool:
        """Equal to a tuple (or another :class:`HealthRows`) of equal rows in the same order, as a tuple is."""
        if isinstance(other, HealthRows | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        return tuple, (tuple(self),)


#: Rows made per step of an iteration (bounds the temporary lists of a step).
_CHUNK = 65_536
