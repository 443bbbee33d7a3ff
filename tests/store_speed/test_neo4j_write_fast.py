"""The Neo4j store's write path without per-record Python (issue 17): what it stores and counts is
what the record-by-record rules give.

A created record is sent as it is (``SET x = row.props`` stores no ``null``; the driver sends a
tuple as a list; the id is set after the properties); an existing record is compared in place
(:func:`_unchanged` against the reference ``_merged(before, *_split_props(props)) == before``);
grouping and rounds work on id lists and sets. The unit tests pin the helpers against the earlier
record-by-record versions; the Neo4j tests compare the stored graph and the statistics with the
embedded store (a second implementation).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stakegraph.model import EdgeRecord, NodeRecord, edge_id
from stakegraph.store.base import GraphStore
from stakegraph.store.neo4j import _Batch, _grouped, _merged, _rounds, _split_props, _unchanged

T = TypeVar("T")
KEYS = ("id", "name", "amount", "tags", "load_id", "source_file", "source_row", "status")
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=False, width=16),
    st.sampled_from(["", "a", "b"]),
    st.lists(st.sampled_from(["x", "y"]), max_size=2), st.tuples(st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.tuples(st.integers(0, 1))),
)


def _stored(value: Any) -> Any:
    """A value as Neo4j holds it: tuples as lists, at any depth."""
    return [_stored(v) for v in value] if isinstance(value, (tuple, list)) else value


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS[1:]), VALUES.filter(lambda v: v is not None).map(_stored)),
       st.dictionaries(st.sampled_from(KEYS), VALUES))
def test_unchanged_is_the_merge_rule(before: dict[str, Any], props: dict[str, Any]) -> None:
    assert _unchanged(before, props) == (_merged(before, *_split_props(props)) == before)


def test_unchanged_on_the_cases_by_hand() -> None:
    before = {"name": "A", "amount": 1.0, "tags": [1, 2], "load_id": "L1"}
    assert _unchanged(before, {"name": "A", "amount": 1, "tags": (1, 2), "load_id": "L2", "id": "x", "status": None})
    assert not _unchanged(before, {"source_file": "f.csv"})  # provenance filled where absent
    assert not _unchanged(before, {"amount": 2.0})
    assert not _unchanged({"amount": float("nan")}, {"amount": float("nan")})  # as dict equality: nan != nan
    assert _unchanged({"amount": math.nan}, {"amount": math.nan})  # … unless it is the same object


def _rounds_by_record(rows: Sequence[T], key: Callable[[T], str]) -> list[list[T]]:
    """The earlier ``_rounds``: round k holds the k-th occurrence of each id."""
    if len({key(r) for r in rows}) == len(rows):
        return [list(rows)]
    seen: dict[str, int] = defaultdict(int)
    out: list[list[T]] = []
    for r in rows:
        k = seen[key(r)]
        seen[key(r)] += 1
        if k == len(out):
            out.append([])
        out[k].append(r)
    return out


def _grouped_by_record(records: Sequence[NodeRecord]) -> Sequence[NodeRecord]:
    """The earlier ``_grouped``: sorted by type unless an id appears under two types."""
    groups: dict[str, str] = {}
    for r in records:
        if groups.setdefault(r.id, r.type) != r.type:
            return records
    return sorted(records, key=lambda r: r.type)


RECORDS = st.lists(st.builds(lambda i, t, n: NodeRecord(f"n{i}", t, {"n": n}), st.integers(0, 6),
                             st.sampled_from(["party", "project", "contract"]), st.integers()), max_size=30)


@settings(max_examples=300, deadline=None)
@given(RECORDS)
def test_grouping_and_rounds_as_record_by_record(records: list[NodeRecord]) -> None:
    assert list(_grouped(records, lambda r: r.type)) == list(_grouped_by_record(records))
    got = _rounds(records, [r.id for r in records])
    assert [rnd for rnd, _ in got] == _rounds_by_record(records, lambda r: r.id)
    assert all(ids == [r.id for r in rnd] for rnd, ids in got)


def test_a_batch_prints_its_length_only() -> None:
    assert repr(_Batch([{"id": "a"}, {"id": "b"}])) == "<2 items>" and _Batch([1]) == [1]


# -- on both backends: the stored graph and the statistics -----------------------------------------
ODD_NODES = [
    NodeRecord("a", "party", {"name": "A", "capital": None, "tags": ("x", "y"), "load_id": "L1"}),
    NodeRecord("b", "party", MappingProxyType({"name": "B", "id": "not-b", "source_row": 3})),
    NodeRecord("c", "party", {"name": "C", "nums": (1, 2), "empty": ()}),
    NodeRecord("prj", "project", {"name": "P", "kind": None, "source_file": "projects.csv"}),
]
ODD_EDGES = [
    EdgeRecord(edge_id("lends_to", "a", "b"), "lends_to", "a", "b",
               {"amount": 1.0, "currency": None, "ids": ("1", "2"), "load_id": "L1"}),
    EdgeRecord("rel_1", "owns", "b", "c", MappingProxyType({"share_pct": 5.0, "id": "other"})),
    EdgeRecord("rel_2", "sponsors", "c", "prj", {"share_pct": None}),
]


def _graph(store: GraphStore) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """Nodes and edges in id order; an ``id`` among the properties left out (Neo4j holds the record's
    id there, the embedded store keeps the property as given)."""
    def bare(props: Any) -> dict[str, Any]:
        return {k: v for k, v in props.items() if k != "id"}

    return ([NodeRecord(n.id, n.type, bare(n.props)) for n in store.iter_nodes()],
            [EdgeRecord(e.id, e.kind, e.source, e.target, bare(e.props)) for e in store.iter_edges()])


@pytest.mark.parametrize("backend", [pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_created_records_are_stored_as_the_record_by_record_rules_store_them(make_store, backend: str) -> None:  # type: ignore[no-untyped-def]
    store, reference = make_store(backend), make_store("embedded")
    for s in (store, reference):
        stats = s.write(ODD_NODES, [])
        stats.merge(s.write([], ODD_EDGES))
        assert (stats.created, stats.updated, stats.unchanged) == (7, 0, 0)
    assert _graph(store) == _graph(reference)
    a = store.get_node("a")
    assert a is not None and a.props == {"name": "A", "tags": ["x", "y"], "load_id": "L1"}
    b = store.get_node("b")
    assert b is not None and b.props == {"name": "B", "source_row": 3}
    c = store.get_node("c")
    assert c is not None and c.props["nums"] == [1, 2] and c.props["empty"] == []
    e = store.get_edge("rel_1")
    assert e is not None and e.props == {"share_pct": 5.0}


@pytest.mark.parametrize("backend", [pytest.param("neo4j", marks=pytest.mark.neo4j)])
@pytest.mark.parametrize("batch_size", [2, 5000])
def test_rewrites_count_and_store_as_the_embedded_store(make_store, backend: str, batch_size: int) -> None:  # type: ignore[no-untyped-def]
    """Unchanged, updated (a tuple equal to the stored list is unchanged), provenance kept, an explicit
    id moving kind, on a fresh store and through another writer's store (no ledger: every id looked up)."""
    again_nodes = [
        NodeRecord("a", "party", {"name": "A", "tags": ("x", "y"), "load_id": "L2"}),  # unchanged
        NodeRecord("b", "party", {"name": "B2", "source_file": "f.csv"}),  # updated; provenance filled
        NodeRecord("c", "party", {"name": "C", "nums": (1, 2)}),  # unchanged
    ]
    again_edges = [
        EdgeRecord(edge_id("lends_to", "a", "b"), "lends_to", "a", "b", {"amount": 1, "ids": ["1", "2"]}),
        EdgeRecord("rel_1", "guarantees", "b", "c", {"guarantee_cap": 2.0}),  # moves kind
        EdgeRecord("rel_2", "sponsors", "a", "prj", {}),  # moves ends
    ]
    graphs, by_type = [], {}
    for s in (make_store(backend), make_store("embedded")):
        s.write(ODD_NODES, ODD_EDGES, batch_size=batch_size)
        stats = s.write(again_nodes, again_edges, batch_size=batch_size)
        graphs.append(_graph(s))
        if s.backend == "neo4j":
            by_type = {k: (v["created"], v["updated"], v["unchanged"]) for k, v in stats.by_type.items()}
            from stakegraph.store.neo4j import Neo4jStore

            other = Neo4jStore(s._driver, database=s.database)  # type: ignore[attr-defined]
            # a second store object: no ledger, every id looked up; nothing changes
            assert other.write(again_nodes, again_edges, batch_size=batch_size).unchanged == 6
    assert graphs[0] == graphs[1]
    # (the embedded store counts a tuple re-written over its stored list as updated)
    assert by_type == {"party": (0, 1, 2), "lends_to": (0, 0, 1), "guarantees": (0, 1, 0), "sponsors": (0, 1, 0)}
