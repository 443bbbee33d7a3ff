"""NumPy helpers for the fast paths: :func:`first_seen`, :func:`positions` and :func:`strictly_increasing`.

Distinct values numbered in the order they first appear: the order of a dict filled in a loop.

Below the store and the analytics alike (it imports NumPy only): the store's columnar index numbers its
edge pairs with it when it builds a projection (:mod:`stakegraph.store.graphindex`), and the analytics'
fast paths group their columns with it (``stakegraph.analytics.first_seen`` re-exports it).

The fast paths reproduce references that fill dicts edge by edge (``d.setdefault(pair, ...)``,
``add_edge``), so their groups must come out in first-seen order, not sorted. :func:`first_seen`
is that step once: ``np.unique`` with the first index of each value, the values reordered by it
(a stable sort), and every element's group number in that order. Integers within a span not much
larger than the array (codes, node numbers) skip the sort of the elements: :func:`unique_ints` reads
them through a table over the span (:data:`DENSE_SPAN`).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from itertools import islice
from typing import Any, NamedTuple

import numpy as np

__all__ = ["FirstSeen", "first_seen", "positions", "strictly_increasing", "unique_ints"]


class FirstSeen(NamedTuple):
    """``values[j]`` is the ``j``-th distinct value to appear, first at ``first[j]``; ``code[i]`` is
    element ``i``'s group number (``values[code[i]] == input[i]``)."""

    values: np.ndarray
    first: np.ndarray
    code: np.ndarray


def first_seen(values: np.ndarray) -> FirstSeen:
    """Group the elements of a 1-D array by value, the groups numbered in first-seen order.

    Sums per group with ``np.bincount(code, weights=w)`` add each group's elements in element
    order (the order a loop adds them), whatever the numbering.

    Examples
    --------
    >>> fs = first_seen(np.array([30, 10, 30, 20, 10]))
    >>> fs.values.tolist(), fs.first.tolist(), fs.code.tolist()
    ([30, 10, 20], [0, 1, 3], [0, 1, 0, 2, 1])

    See Also
    --------
    unique_ints : the sorted grouping this reorders (``np.unique``, or a table over a small span).

    References
    ----------
    .. [1] C. R. Harris et al., "Array programming with NumPy", Nature 585 (2020) — ``unique`` with
       ``return_index``/``return_inverse`` and the stable ``argsort``.
    """
    uniq, first, inverse = unique_ints(values, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return FirstSeen(uniq[order], first[order], rank[inverse])


#: Integers spanning fewer than ``2 * len(values) + DENSE_SPAN`` values are grouped by a table over the span.
DENSE_SPAN = 1 << 16


def unique_ints(values: np.ndarray, *, return_index: bool = False,
                return_inverse: bool = False) -> Any:
    """``np.unique(values, return_index=..., return_inverse=...)`` of a 1-D array; integers within a span not
    much larger than the array (node numbers, codes) by a table over the span, without sorting the elements.

    Returns what ``np.unique`` returns: the sorted distinct values, then (when asked) each one's first index
    and each element's position among them (1-D).

    >>> u, first, inv = unique_ints(np.array([7, 3, 7, 5]), return_index=True, return_inverse=True)
    >>> u.tolist(), first.tolist(), inv.tolist()
    ([3, 5, 7], [1, 3, 0], [2, 0, 2, 1])
    """
    n = len(values)
    if n and values.ndim == 1 and np.issubdtype(values.dtype, np.integer):
        lo, hi = int(values.min()), int(values.max())
        if hi - lo < 2 * n + DENSE_SPAN:
            at = values.astype(np.int64, copy=False)
            if lo:
                at = at - lo
            span = hi - lo + 1
            if return_index:
                first = np.full(span, n, dtype=np.int64)
                np.minimum.at(first, at, np.arange(n, dtype=np.int64))
                present = first < n
            else:
                present = np.bincount(at, minlength=span) > 0
            where = np.flatnonzero(present)
            out: list[np.ndarray] = [(where + lo).astype(values.dtype)]
            if return_index:
                out.append(first[where])
            if return_inverse:
                out.append((np.cumsum(present, dtype=np.int64) - 1)[at])
            return out[0] if len(out) == 1 else tuple(out)
    got: Any = np.unique(values, return_index=return_index, return_inverse=return_inverse)  # type: ignore[call-overload]
    if return_inverse:  # 1-D, whatever NumPy's version shapes it as
        got = (*got[:-1], got[-1].reshape(-1))
    return got


def positions(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Each of ``values``'s position in ``codes`` (distinct integers), or -1 where it is not there.

    A binary search in the sorted ``codes``: ``np.isin`` would sort the many ``values`` as well.
    ``positions(values, codes) >= 0`` is ``np.isin(values, codes)``.

    Examples
    --------
    >>> positions(np.array([7, 3, 9, 7]), np.array([9, 7])).tolist()
    [1, -1, 0, 1]

    See Also
    --------
    numpy.isin : the membership test this answers as well.

    References
    ----------
    .. [1] C. R. Harris et al., "Array programming with NumPy", Nature 585 (2020) — ``searchsorted``.
    """
    out = np.full(len(values), -1, dtype=np.int64)
    if len(codes) == 0:
        return out
    order = np.argsort(codes, kind="stable")
    at = order[np.minimum(np.searchsorted(codes[order], values), len(order) - 1)]
    found = codes[at] == values
    out[found] = at[found]
    return out


def strictly_increasing(values: Sequence[Any]) -> bool:
    """Each value below the next (so all distinct): for text, code-point order, which is the byte order of
    UTF-8 and so SQLite's ``BINARY`` order of a store's ids. One C-level pass comparing neighbours (16× a
    ``sorted`` copy and a ``set`` of 3 million ids). Values that do not compare (text beside a number) are
    not increasing.

    >>> strictly_increasing(["a", "b", "é"]), strictly_increasing(["a", "a"]), strictly_increasing(["a", 1])
    (True, False, False)
    """
    try:
        return all(map(operator.lt, values, islice(values, 1, None)))
    except TypeError:
        return False
