"""Health rows made on reading (``HealthRows``) are the reference's tuple: the same rows in the same order,
equal and hashed as that tuple, sliced, indexed, pickled and serialised alike, at every door."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

import stakegraph.analytics.health_rows as hr
from stakegraph.analytics.health import (
    HealthResult,
    alerts_from_health,
    relationship_health_reference,
)
from stakegraph.analytics.health_columns import relationship_health_on_day
from stakegraph.analytics.health_rows import HealthRows
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.asof import graph_as_of
from tests.analytics.test_health_fast import seeded_graph

DAYS = ("2024-06-30", "2026-01-01")


def _pair(seed: int, day: str) -> tuple[HealthResult, HealthResult]:
    G = seeded_graph(seed)
    got = relationship_health_on_day(G, as_of=day)
    want = relationship_health_reference(graph_as_of(G, day), as_of=day)
    return got, want


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("day", DAYS)
def test_rows_are_the_reference_tuple(seed: int, day: str) -> None:
    got, want = _pair(seed, day)
    rows, ref = got.relationships, want.relationships
    assert isinstance(rows, HealthRows) and isinstance(ref, tuple)
    assert len(rows) == len(ref) > 0
    assert rows == ref and ref == rows and not rows != ref and tuple(rows) == ref
    assert got == want and hash(rows) == hash(ref)
    assert list(reversed(rows)) == list(reversed(ref))
    for s in (slice(None, 15), slice(3, None, 2), slice(-4, None), slice(5, 2)):
        assert rows[s] == ref[s]
    assert rows[0] == ref[0] and rows[-1] == ref[-1] and rows[len(ref) // 2] == ref[len(ref) // 2]
    assert rows.index(ref[-1]) == len(ref) - 1 and ref[0] in rows
    with pytest.raises(IndexError):
        rows[len(ref)]
    with pytest.raises(IndexError):
        rows[-len(ref) - 1]
    assert to_jsonable(got) == to_jsonable(want)
    assert pickle.loads(pickle.dumps(got)) == want
    assert alerts_from_health(got, top=5) == alerts_from_health(want, top=5)
    first = ref[0]
    assert rows != (*ref[:-1], first) and rows != ref[:-1] and rows != list(ref)
    assert got.of(ref[-1].edge_id) == ref[-1]


def test_chunked_iteration_crosses_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Iteration in steps of ``_CHUNK`` rows gives every row once, in order, whatever the step."""
    got, want = _pair(1, "2026-01-01")
    for step in (1, 2, 7, len(want.relationships), len(want.relationships) + 1):
        monkeypatch.setattr(hr, "_CHUNK", step)
        assert list(got.relationships) == list(want.relationships)


def test_rows_made_by_the_class_equal_the_shortcut() -> None:
    """The shortcut that sets each row's ``__dict__`` at once makes the rows the class's ``__init__`` makes."""
    got, _ = _pair(2, "2026-01-01")
    rows: Any = got.relationships
    args = [(rows._edge_ids[o], rows._kinds[o], rows._ends[rows._source[o]], rows._ends[rows._target[o]],  # noqa: SLF001
             rows._factors[rows._group[o]]) for o in rows._order.tolist()]  # noqa: SLF001
    fast = [hr._fast_make(*a) for a in args]  # noqa: SLF001
    called = [hr._called(*a) for a in args]  # noqa: SLF001
    assert fast == called == list(rows)
    assert [list(vars(r).items()) for r in fast] == [list(vars(r).items()) for r in called]


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        HealthRows(["a"], ["lends_to"], [("x", "X")], [0], [0], [(1.0, (), 0, 0.0, None, 0)], [0], [0, 0])


@pytest.mark.parametrize("seed", range(8))
def test_the_row_order_is_the_references_sort(seed: int) -> None:
    """``_order`` sorts by (score, edge id) as Python sorts (score ties broken by the ids' code points), for any
    text: ASCII, accents, CJK, emoji, prefixes of each other, a lone surrogate (NumPy's text then)."""
    import random

    from stakegraph.analytics.health_columns import _order

    rnd = random.Random(seed)
    alphabet = ["a", "b", "Z", "0", "é", "ß", "中", "文", "😀", "\U0010ffff", "\u00ff", "~"]
    if seed == 7:
        alphabet.append("\ud800")
    ids = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 4))) for _ in range(300)]
    scores = [rnd.choice([0.0, -0.0, 12.5, 85.0, 100.0]) for _ in ids]
    want = sorted(range(len(ids)), key=lambda i: (scores[i], ids[i]))
    assert _order(scores, ids) == want


@pytest.mark.parametrize("seed", range(5))
def test_membership_by_binary_search_is_isin(seed: int) -> None:
    import numpy as np

    from stakegraph.arrays import positions

    rng = np.random.default_rng(seed)
    values = rng.integers(-5, 50, 400, dtype=np.int64)
    for codes in (np.zeros(0, dtype=np.int64), rng.integers(-5, 50, 7, dtype=np.int64), values[:3],
                  np.array([2**62, -(2**62)], dtype=np.int64)):
        assert np.array_equal(positions(values, codes) >= 0, np.isin(values, codes))
