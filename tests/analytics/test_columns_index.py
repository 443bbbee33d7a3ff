"""The edge table from the columnar index = the edge table read from the graph's dicts.

``stakegraph.analytics.timeline_fast.columns`` of a projection built by ``GraphIndex.to_networkx``
takes the edge fields from the index arrays (``_edges_from_index``) instead of one pass over every
edge's dict (``_edges_from_dicts``). Here both are built for the same graph and compared field by
field (codes, coded values, dates, currencies, keys, the very dicts of ``props``): on the seeded
records of ``test_kernels_index`` (every kind, odd statuses, currencies in several spellings,
parallel edges and self-loops), a generated portfolio, the bundled sample and stored values that
are not text (which keep the pass over the dicts).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from stakegraph.analytics import timeline_fast as tf
from stakegraph.loaders import load
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store import EmbeddedStore
from stakegraph.store.graphindex import PROJECTED_KEY, projected
from tests.analytics.test_kernels_index import seeded_records

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _pair(G: nx.MultiDiGraph) -> tuple[tf.Columns, tf.Columns, bool]:
    """(columns from the index, columns from the dicts, whether the index was used)."""
    assert projected(G) is not None
    used = tf._edges_from_index(projected(G), len(G)) is not None
    tf._CACHE.pop(G, None)
    fast = tf.columns(G)
    assert projected(G) is None  # read once, then let go
    G.__networkx_cache__.pop(PROJECTED_KEY, None)
    tf._CACHE.pop(G, None)
    slow = tf.columns(G)
    assert fast is not None and slow is not None
    return fast, slow, used


def _same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b), where
    elif isinstance(a, tf.Dates):
        _same(a.rank, b.rank, where + ".rank")
        assert a.days == b.days, where
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _same(a[k], b[k], f"{where}[{k}]")
    elif isinstance(a, tuple | list) and a and isinstance(a[0], np.ndarray):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def assert_same_columns(fast: tf.Columns, slow: tf.Columns) -> None:
    fast.coded("currency")  # coded with the table from the index; the dict path codes it on first use
    slow.coded("currency")
    for f in dataclasses.fields(tf.Columns):
        if f.name in ("_lock", "_days", "_index_numbers"):
            continue
        if f.name == "key_rank":  # known from an index with distinct text ids only: the ids' code-point order
            assert slow.key_rank is None
            if fast.key_rank is not None:
                assert [fast.keys[i] for i in np.argsort(fast.key_rank).tolist()] == sorted(fast.keys)
            continue
        if f.name == "props":  # a view whose dicts are made when read (the index keeps them as columns)
            keys = {k for d in slow.props for k in d}
            assert all(fast.prop(k) == [d.get(k) for d in slow.props] for k in keys)
            assert list(fast.props) == list(slow.props)
            continue
        _same(getattr(fast, f.name), getattr(slow, f.name), f.name)
    # the props are the graph's own dicts, not copies; the raw keys are the keys (text here)
    assert all(x is y for x, y in zip(fast.props, slow.props, strict=True))
    assert fast.raw_keys == fast.keys
    # the weight and money columns: from the index's numbers (a guarantee's cap from its dict) = from the dicts
    kinds = [str(k) for k in slow.kinds]
    for a, b in zip(fast.weight(kinds), slow.weight(kinds), strict=True):
        assert np.array_equal(a, b, equal_nan=True)
    assert np.array_equal(fast.money(kinds), slow.money(kinds), equal_nan=True)
    # the stated amounts, every kind (guarantees too): the index's numbers = number_column of the dicts
    every = np.arange(len(slow.kind))
    assert slow._index_numbers is None  # noqa: SLF001 - (fast's too where the index could not be read)
    assert np.array_equal(fast.amounts(every), slow.amounts(every), equal_nan=True)
    assert np.array_equal(fast.amounts(every[::3]), slow.amounts(every[::3]), equal_nan=True)


@pytest.mark.parametrize("seed", range(6))
def test_seeded_records(seed: int, tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite")
    store.write(*seeded_records(seed, n=60))
    fast, slow, used = _pair(store.project())
    assert used
    assert_same_columns(fast, slow)


def test_generated_portfolio_and_sample(tmp_path: Path) -> None:
    from stakegraph.samples.scale import generate

    generate(300, 11, tmp_path / "gen")
    for name, files in (("gen", tmp_path / "gen"), ("sample", SAMPLE)):
        store = EmbeddedStore(tmp_path / f"{name}.sqlite")
        load(sorted(files.glob("*.csv")), store)
        G = store.project()
        fast, slow, used = _pair(G)
        assert used, name
        assert_same_columns(fast, slow)
        assert len(fast.props) == G.number_of_edges() > 0


def test_a_subgraph_projection(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite")
    store.write(*seeded_records(3, n=60))
    fast, slow, used = _pair(store.project(types=("party", "project"), kinds=("lends_to", "owns", "builds")))
    assert used
    assert_same_columns(fast, slow)


@pytest.mark.parametrize("odd", [{"status": 3}, {"status": ["active"]}, {"start_date": 20240101},
                                 {"currency": True}, {"end_date": ["2024-01-01"]}])
def test_values_that_are_not_text_keep_the_pass_over_the_dicts(odd: dict[str, Any], tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite")
    nodes, edges = seeded_records(1)
    e = edges[0]
    edges[0] = EdgeRecord(e.id, e.kind, e.source, e.target, {**e.props, **odd})
    store.write(nodes, edges)
    fast, slow, used = _pair(store.project())
    assert not used
    assert_same_columns(fast, slow)


def test_a_changed_graph_forgets_its_index(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite")
    store.write([NodeRecord("a", "party", {}), NodeRecord("b", "party", {})],
                [EdgeRecord("e1", "owns", "a", "b", {"status": "active"})])
    G = store.project()
    assert projected(G) is not None
    G.add_edge("b", "a", key="e2", kind="owns")
    assert projected(G) is None
    assert tf.columns(G).keys == ["e1", "e2"]


@pytest.mark.parametrize("odd", [{"amount": "12.5"}, {"amount": True}, {"amount": float("nan")},
                                 {"amount": 10**30}, {"amount": 0.1 + 0.2}, {"tenor_years": "7"}])
def test_odd_numbers_read_from_the_index_equal_the_dicts(odd: dict[str, Any], tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.sqlite")
    nodes, edges = seeded_records(2)
    edges = [EdgeRecord(e.id, e.kind, e.source, e.target, {**e.props, **odd}) if i % 3 == 0 else e
             for i, e in enumerate(edges)]
    store.write(nodes, edges)
    fast, slow, used = _pair(store.project())
    assert used
    assert_same_columns(fast, slow)
