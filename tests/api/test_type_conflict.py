"""Through the API a node never changes type (issue #13): ``upsertProject`` on a party's id answers CONFLICT.

Regression: ``upsertProject(input: {id: "b_bank", ...})`` turned the bank into a project that kept its
bank properties and its ``lends_to`` edges.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.store.base import GraphStore
from tests.api.conftest import fill, gql

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

MUTATIONS = [
    ("upsertProject", 'upsertProject(input: {id: "b_bank", name: "B Bank Plant"})', "party", "project"),
    ("upsertParty", 'upsertParty(input: {id: "p_plant", name: "Plant Co"})', "project", "party"),
    ("upsertContract", 'upsertContract(input: {id: "a_co", name: "A Co loan", projectId: "p_plant"})',
     "party", "contract"),
]


@pytest.mark.parametrize("backend", [pytest.param("embedded"), pytest.param("neo4j", marks=pytest.mark.neo4j)])
@pytest.mark.parametrize(("field", "call", "existing", "new"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_an_upsert_that_would_change_a_type_answers_conflict(
    make_store: Callable[[str], GraphStore], make_client: Callable[..., TestClient],
    backend: str, field: str, call: str, existing: str, new: str,
) -> None:
    store = fill(make_store(backend))
    before = (list(store.iter_nodes()), list(store.iter_edges()), store.graph_version())
    d: dict[str, Any] = gql(make_client(store), f"mutation {{ {call} {{ ok }} }}")
    assert d["data"] is None or d["data"][field] is None
    (err,) = d["errors"]
    assert err["extensions"]["code"] == "CONFLICT"
    nid = call.split('id: "')[1].split('"')[0]
    for word in (repr(nid), existing, new, "another id"):
        assert word in err["message"]
    assert (list(store.iter_nodes()), list(store.iter_edges()), store.graph_version()) == before
    node = store.get_node(nid)
    assert node is not None and node.type == existing


def test_the_same_type_is_still_an_update(client: TestClient, graph_store: GraphStore) -> None:
    d = gql(client, 'mutation { upsertProject(input: {id: "p_plant", name: "Plant One"}) { ok updated } }')
    assert d["data"]["upsertProject"] == {"ok": True, "updated": 1}
    node = graph_store.get_node("p_plant")
    assert node is not None and node.type == "project" and node.props["name"] == "Plant One"
