"""Shared check: the columnar index read from the typed columns equals the one read record by record."""

from __future__ import annotations

from typing import Any

import numpy as np

from stakegraph.store.graphindex import build_index, index_from_rows, rows_from_records

COLUMNS = ("node_type", "src", "dst", "kind", "status", "active", "currency", "weight", "amount", "start", "end")


def assert_index_equals_records(store: Any) -> None:
    """:func:`build_index` (typed columns) = the index of ``iter_nodes``/``iter_edges`` (JSON decoded)."""
    fast = build_index(store)
    slow = index_from_rows(rows_from_records(store, props=False))
    assert fast.version == slow.version
    assert fast.node_ids == slow.node_ids and fast.edge_ids == slow.edge_ids
    for col in COLUMNS:
        a, b = getattr(fast, col), getattr(slow, col)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind in "fM"), col
    assert (fast.types, fast.kinds, fast.statuses, fast.currencies) == \
        (slow.types, slow.kinds, slow.statuses, slow.currencies)
