"""first_seen equals a dict filled in a loop (the references' order), on random arrays."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from stakegraph.analytics.first_seen import first_seen


@given(st.lists(st.integers(-5, 5), max_size=60))
def test_first_seen_is_a_dicts_order(items: list[int]) -> None:
    groups: dict[int, int] = {}
    first: dict[int, int] = {}
    for i, x in enumerate(items):
        groups.setdefault(x, len(groups))
        first.setdefault(x, i)
    fs = first_seen(np.array(items, dtype=np.int64))
    assert fs.values.tolist() == list(groups)
    assert fs.first.tolist() == list(first.values())
    assert fs.code.tolist() == [groups[x] for x in items]


def test_sums_per_group_add_in_element_order() -> None:
    w = [0.1, 1e16, 0.2, -1e16, 0.3]
    keys = np.array([7, 3, 7, 3, 7])
    fs = first_seen(keys)
    sums = np.bincount(fs.code, weights=w, minlength=len(fs.values)).tolist()
    assert sums == [0.1 + 0.2 + 0.3, 1e16 + -1e16]
