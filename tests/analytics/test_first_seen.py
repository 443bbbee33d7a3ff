"""first_seen equals a dict filled in a loop (the references' order), on random arrays."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
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


@settings(deadline=None)
@given(st.lists(st.integers(-(2**40), 2**40), max_size=40), st.sampled_from(["int64", "int32", "uint16", "int8"]),
       st.integers(0, 3))
def test_the_table_over_a_span_equals_the_sort(items: list[int], dtype: str, spread: int) -> None:
    """Small spans take the table (``unique_ints``), wide ones the sort: the same three arrays."""
    info = np.iinfo(dtype)
    values = np.array([min(max(x >> (40 - 8 * spread), info.min), info.max) for x in items], dtype=dtype)
    got = first_seen(values)
    if len(values):
        uniq, first, inverse = np.unique(values, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        assert got.values.tolist() == uniq[order].tolist() and got.values.dtype == values.dtype
        assert got.first.tolist() == first[order].tolist()
        assert got.code.tolist() == rank[inverse.ravel()].tolist()
        by_sort = first_seen(values.astype(object))  # not an integer dtype: np.unique's sort
        assert [a.tolist() for a in by_sort] == [a.tolist() for a in got]


def test_a_large_array_of_few_codes_takes_the_table() -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(0, 30, 200_000)
    fs = first_seen(x)
    ref = first_seen(x.astype(float))  # floats take the sort
    assert fs.values.tolist() == ref.values.astype(int).tolist()
    assert np.array_equal(fs.first, ref.first) and np.array_equal(fs.code, ref.code)


@settings(deadline=None)
@given(st.lists(st.integers(-(2**40), 2**40), max_size=40), st.sampled_from(["int64", "int32", "uint8"]),
       st.integers(0, 3), st.booleans(), st.booleans())
def test_unique_ints_equals_numpy(items: list[int], dtype: str, spread: int, index: bool, inverse: bool) -> None:
    from stakegraph.arrays import unique_ints

    info = np.iinfo(dtype)
    values = np.array([min(max(x >> (40 - 8 * spread), info.min), info.max) for x in items], dtype=dtype)
    got = unique_ints(values, return_index=index, return_inverse=inverse)
    want = np.unique(values, return_index=index, return_inverse=inverse)
    got, want = (got, want) if index or inverse else ((got,), (want,))
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.tolist() == w.reshape(-1).tolist()
    assert got[0].dtype == values.dtype
