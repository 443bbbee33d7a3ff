"""WriteStats exact on mixed writes, on both backends, and the Neo4j store's fresh-load ledger.

The Neo4j store decides created / updated / unchanged in Python from one look-up
per kind, skips the look-ups it knows cannot find anything (a ledger of the ids
it wrote since it saw the graph empty, valid while the graph version is the one
its last write left), and ``CREATE``s new records. These tests pin the outcome
counts by hand and compare the resulting graph with the embedded store (a second
implementation), including the cases the ledger must not get wrong: another
writer between two batches, a cleared graph, an id that moves to another kind.
"""

from __future__ import annotations

import pytest

from stakegraph.errors import DanglingEdge, TypeConflict
from stakegraph.model import EdgeRecord, NodeRecord, WriteStats, edge_id
from stakegraph.store.base import GraphStore
from stakegraph.store.embedded import EmbeddedStore

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def party(pid: str, **props: object) -> NodeRecord:
    return NodeRecord(pid, "party", {"name": pid.upper(), "kind": "corporate", **props})


def edge(kind: str, s: str, t: str, eid: str | None = None, **props: object) -> EdgeRecord:
    return EdgeRecord(eid or edge_id(kind, s, t), kind, s, t, props)


def counts(stats: WriteStats) -> dict[str, tuple[int, int, int]]:
    """(created, updated, unchanged) per type/kind, leaving out empty buckets."""
    return {
        k: (b["created"], b["updated"], b["unchanged"])
        for k, b in sorted(stats.by_type.items())
        if b["created"] or b["updated"] or b["unchanged"]
    }


def graph(store: GraphStore) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    return list(store.iter_nodes()), list(store.iter_edges())


def other_writer(store: GraphStore) -> GraphStore:
    """A second store on the same data (its own ledger, for Neo4j); the caller does not close it."""
    if store.backend == "neo4j":
        from stakegraph.store.neo4j import Neo4jStore

        return Neo4jStore(store._driver, database=store.database)  # type: ignore[attr-defined]
    assert isinstance(store, EmbeddedStore)
    return EmbeddedStore(store.path)


BASE_NODES = [party(f"p{i}", country="CN", load_id="L1") for i in range(8)] + [
    NodeRecord("prj", "project", {"name": "Plant", "kind": "project", "load_id": "L1"}),
]
BASE_EDGES = [
    edge("lends_to", "p0", "p1", amount=1.0, load_id="L1"),
    edge("lends_to", "p0", "p2", amount=2.0, load_id="L1"),
    edge("supplies", "p3", "p1", annual_revenue=5.0, load_id="L1"),
    edge("buys_from", "p4", "p1", annual_revenue=6.0, load_id="L1"),
    edge("owns", "p5", "p1", "rel_x", share_pct=10.0, load_id="L1"),  # explicit id: may move kind
    edge("sponsors", "p6", "prj", "rel_y", share_pct=50.0, load_id="L1"),  # explicit id: may move ends
    edge("builds", "p7", "prj", amount=3.0),
]

# One mixed write: every outcome, several kinds, a repeated id, an id moving kind and one moving ends.
MIXED_NODES = [
    party("p0", country="CN", load_id="L2"),  # unchanged (provenance only differs)
    party("p1", country="FR"),  # updated
    party("p8", country="DE"),  # created
    party("p8", country="DE", capital=9.0),  # updated (second occurrence)
    NodeRecord("prj", "project", {"name": "Plant 2", "kind": "project"}),  # updated (a type change is refused)
]
MIXED_EDGES = [
    edge("lends_to", "p0", "p1", amount=1.0),  # unchanged
    edge("lends_to", "p0", "p2", amount=20.0),  # updated
    edge("supplies", "p3", "p1", annual_revenue=5.0, load_id="L9"),  # unchanged
    edge("buys_from", "p4", "p1", currency="EUR"),  # updated (new prop)
    edge("guarantees", "p5", "p1", "rel_x", guarantee_cap=4.0),  # rel_x moves owns -> guarantees: updated
    edge("sponsors", "p7", "prj", "rel_y"),  # rel_y moves to other ends: updated, keeps share_pct
    edge("lends_to", "p8", "p3", amount=7.0),  # created
    edge("lends_to", "p8", "p3", amount=7.0),  # unchanged (second occurrence)
    edge("owns", "p8", "p4", share_pct=1.0),  # created
    edge("owns", "p8", "p4", share_pct=2.0),  # updated (second occurrence)
]
EXPECTED = {
    "party": (1, 2, 1),
    "project": (0, 1, 0),
    "lends_to": (1, 1, 2),
    "supplies": (0, 0, 1),
    "buys_from": (0, 1, 0),
    "guarantees": (0, 1, 0),
    "sponsors": (0, 1, 0),
    "owns": (1, 1, 0),
}


@pytest.mark.parametrize("batch_size", [1, 4, 5000])
def test_mixed_write_counts_every_outcome_exactly(store: GraphStore, make_store, batch_size: int) -> None:  # type: ignore[no-untyped-def]
    store.write(BASE_NODES, BASE_EDGES, batch_size=batch_size)
    v0 = store.graph_version()
    stats = store.write(MIXED_NODES, [], batch_size=batch_size)
    stats.merge(store.write([], MIXED_EDGES, batch_size=batch_size))
    assert counts(stats) == EXPECTED
    assert (stats.created, stats.updated, stats.unchanged) == (3, 8, 4)
    assert store.graph_version() != v0
    moved = store.get_edge("rel_x")
    assert moved is not None and moved.kind == "guarantees"
    assert moved.props == {"share_pct": 10.0, "guarantee_cap": 4.0, "load_id": "L1"}
    assert store.counts()["edges"]["owns"] == 1  # rel_x left OWNS; the new owns edge remains
    ends = store.get_edge("rel_y")
    assert ends is not None and (ends.source, ends.target, ends.props["share_pct"]) == ("p7", "prj", 50.0)
    reference = make_store("embedded")  # second implementation, one batch
    reference.write(BASE_NODES, BASE_EDGES)
    assert counts(reference.write(MIXED_NODES, MIXED_EDGES)) == EXPECTED
    assert graph(store) == graph(reference)
    # a re-run: everything unchanged but the repeated owns edge, whose two rows still disagree
    again = store.write(MIXED_NODES, MIXED_EDGES, batch_size=batch_size)
    assert counts(again) == {
        "party": (0, 0, 4), "project": (0, 0, 1), "lends_to": (0, 0, 4), "supplies": (0, 0, 1),
        "buys_from": (0, 0, 1), "guarantees": (0, 0, 1), "sponsors": (0, 0, 1), "owns": (0, 2, 0),
    }
    assert graph(store) == graph(reference)
    v1 = store.graph_version()
    assert store.write(MIXED_NODES[:2], MIXED_EDGES[:4], batch_size=batch_size).unchanged == 6
    assert store.graph_version() == v1


def test_other_writer_between_batches(store: GraphStore) -> None:
    """A second writer between two writes of a fresh load: ids it created count as existing."""
    store.write(BASE_NODES, [])  # fresh graph: the Neo4j store starts its ledger here
    other = other_writer(store)
    other.write([party("q1", country="US")], [edge("supplies", "p0", "p1", "rel_z", annual_revenue=1.0)])
    stats = store.write([party("q1", country="US"), party("q2")], [])
    assert counts(stats) == {"party": (1, 0, 1)}
    # rel_z was written by the other writer as supplies; here it is an owns edge: a move, not a new edge
    estats = store.write([], [edge("owns", "p0", "p1", "rel_z", share_pct=5.0)])
    assert counts(estats) == {"owns": (0, 1, 0)}
    assert store.counts()["edges"]["supplies"] == 0 and store.counts()["edges"]["owns"] == 1
    got = store.get_edge("rel_z")
    assert got is not None and got.props == {"annual_revenue": 1.0, "share_pct": 5.0}


def test_clear_then_same_write_creates_again(store: GraphStore) -> None:
    first = store.write(BASE_NODES, BASE_EDGES)
    store.clear()
    second = store.write(BASE_NODES, BASE_EDGES)
    assert counts(second) == counts(first)
    assert second.created == len(BASE_NODES) + len(BASE_EDGES)
    assert store.write(BASE_NODES, BASE_EDGES).unchanged == len(BASE_NODES) + len(BASE_EDGES)


def test_deleted_by_another_writer_is_created_again(store: GraphStore) -> None:
    store.write(BASE_NODES, BASE_EDGES)
    other = other_writer(store)
    other.delete_edges([BASE_EDGES[0].id])
    other.delete_nodes(["p7"])  # detaches builds
    stats = store.write([BASE_NODES[7]], [BASE_EDGES[0], BASE_EDGES[6]])
    assert counts(stats) == {"builds": (1, 0, 0), "lends_to": (1, 0, 0), "party": (1, 0, 0)}


def test_edge_to_a_node_another_writer_deleted_is_refused(store: GraphStore) -> None:
    """The ledger of a fresh load must not vouch for a node another writer removed since."""
    store.write(BASE_NODES, [])
    other_writer(store).delete_nodes(["p7"])
    with pytest.raises(DanglingEdge):
        store.write([], [edge("builds", "p7", "prj")])
    assert store.counts()["edges"]["builds"] == 0


def test_edge_to_a_node_another_writer_created_is_accepted(store: GraphStore) -> None:
    store.write(BASE_NODES, [])
    other_writer(store).write([party("q9")], [])
    assert counts(store.write([], [edge("supplies", "q9", "p1")])) == {"supplies": (1, 0, 0)}


def test_fresh_load_still_refuses_a_type_change_and_a_dangling_edge(store: GraphStore) -> None:
    """Within one handle's fresh load (the ledger trusted): a node id reused for another type and an
    edge to an id never written are refused, and nothing of the refused write is kept."""
    store.write(BASE_NODES, [])
    with pytest.raises(TypeConflict):
        store.write([NodeRecord("p1", "project", {"name": "P1"})], [])
    with pytest.raises(DanglingEdge):
        store.write([party("p9")], [edge("lends_to", "p9", "nobody")])
    assert store.get_nodes(["p9"]) == [None]
    assert counts(store.write([party("p9")], [edge("lends_to", "p9", "p1")])) == {
        "lends_to": (1, 0, 0), "party": (1, 0, 0)}


@pytest.mark.neo4j
def test_neo4j_race_with_a_concurrent_creation_is_retried(make_store) -> None:  # type: ignore[no-untyped-def]
    """The ledger trusted at the moment another writer creates the same id: the constraint
    refuses the second CREATE, the batch runs again with look-ups and counts it as existing."""
    from stakegraph.store.neo4j import _Ledger, _Seen

    store = make_store("neo4j")
    store.write(BASE_NODES, [])
    other = other_writer(store)
    other.write([party("r1", country="US")], [edge("lends_to", "p0", "p3", amount=1.0)])
    # simulate the race window: our ledger still believes the graph is at the version it left
    assert store._ledger is not None
    store._ledger.version = int(store.graph_version().split(":")[1])
    stats = store.write([party("r1", country="US")], [])
    assert counts(stats) == {"party": (0, 0, 1)}
    assert store._ledger is None  # dropped after the conflict
    store._ledger = _Ledger(int(store.graph_version().split(":")[1]), _Seen())  # one that never saw the edge
    estats = store.write([], [edge("lends_to", "p0", "p3", amount=2.0)])
    assert counts(estats) == {"lends_to": (0, 1, 0)}
    assert store.count_nodes() == len(BASE_NODES) + 1 and store.counts()["edges"]["lends_to"] == 1


def test_seen_filter_has_no_false_negatives() -> None:
    from stakegraph.store.neo4j import _Seen

    seen = _Seen(capacity=100)  # grows through several chained filters
    ids = [f"id_{i}" for i in range(20_000)]
    seen.add(ids[:10_000])
    seen.add(ids[10_000:])
    assert all(seen.might_contain(ids)) and seen.total == 20_000
    others = [f"other_{i}" for i in range(20_000)]
    assert sum(seen.might_contain(others)) / len(others) < 0.02
    assert seen.might_contain([]) == []
