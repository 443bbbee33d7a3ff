"""A node never changes type silently (issue #13): writing an id that names a node of another type is refused.

Regression: loading ``projects.csv`` with ``id=b_bank`` turned the bank into a Project that kept its bank
properties and its ``lends_to`` edges, reporting "updated 1", on both backends.
"""

from __future__ import annotations

import pytest

from stakegraph.errors import Conflict, TypeConflict
from stakegraph.model import EdgeRecord, NodeRecord, edge_id
from stakegraph.store.base import GraphStore
from stakegraph.store.filters import EdgeFilter, NodeFilter

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BANK = NodeRecord("b_bank", "party", {"name": "B Bank", "kind": "bank", "country": "CN", "total_assets": 9e9})
BORROWER = NodeRecord("a_co", "party", {"name": "A Co", "kind": "corporate"})
PLANT = NodeRecord("p_plant", "project", {"name": "Plant", "kind": "project"})
LOANS = [
    EdgeRecord(edge_id("lends_to", "b_bank", t), "lends_to", "b_bank", t, {"amount": 1e6}) for t in ("a_co", "p_plant")
]


def _loaded(store: GraphStore) -> tuple[list[NodeRecord], list[EdgeRecord], str]:
    store.write([BANK, BORROWER, PLANT], LOANS)
    return list(store.iter_nodes()), list(store.iter_edges()), store.graph_version()


def test_an_id_of_another_type_is_refused_and_nothing_changes(store: GraphStore) -> None:
    nodes, edges, version = _loaded(store)
    flip = NodeRecord("b_bank", "project", {"name": "B Bank Plant", "kind": "project", "total_cost": 1e6})
    with pytest.raises(TypeConflict) as err:
        store.write([flip])
    e = err.value
    assert isinstance(e, Conflict) and e.graphql_code == "CONFLICT" and e.http_status == 409
    assert (e.details["id"], e.details["existing"], e.details["new"]) == ("b_bank", "party", "project")
    for word in ("'b_bank'", "party", "project", "another id"):
        assert word in str(e)
    assert e.fix
    assert (list(store.iter_nodes()), list(store.iter_edges())) == (nodes, edges)
    assert store.graph_version() == version
    assert store.count_nodes(NodeFilter(type="project")) == 1
    assert store.count_edges(EdgeFilter(node="b_bank")) == 2


@pytest.mark.parametrize("batch_size", [1, 5000])
def test_a_batch_with_a_conflict_writes_nothing_of_that_batch(store: GraphStore, batch_size: int) -> None:
    nodes, edges, version = _loaded(store)
    new = NodeRecord("n_new", "party", {"name": "New"})
    changed = NodeRecord("a_co", "party", {"name": "A Co renamed", "kind": "corporate"})
    flip = NodeRecord("p_plant", "party", {"name": "Plant Co"})
    with pytest.raises(TypeConflict):
        store.write([new, changed, flip], batch_size=max(batch_size, 3))
    assert (list(store.iter_nodes()), list(store.iter_edges())) == (nodes, edges)
    assert store.graph_version() == version


def test_one_id_under_two_types_within_a_write_is_refused(store: GraphStore) -> None:
    twice = [NodeRecord("x1", "party", {"name": "X"}), NodeRecord("x1", "contract", {"name": "X"})]
    with pytest.raises(TypeConflict) as err:
        store.write(twice)
    assert err.value.details == {"id": "x1", "existing": "party", "new": "contract"}
    assert store.get_node("x1") is None


def test_same_type_is_still_an_upsert(store: GraphStore) -> None:
    _loaded(store)
    stats = store.write([NodeRecord("b_bank", "party", {"name": "B Bank", "capital": 1e8})])
    assert stats.updated == 1
    node = store.get_node("b_bank")
    assert node is not None and node.type == "party" and node.props["capital"] == 1e8


def test_after_a_delete_the_id_may_take_another_type(store: GraphStore) -> None:
    _loaded(store)
    store.delete_nodes(["b_bank"])
    assert store.write([NodeRecord("b_bank", "project", {"name": "Now a plant"})]).created == 1
    node = store.get_node("b_bank")
    assert node is not None and node.type == "project"
