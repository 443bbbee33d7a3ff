"""Cheap uncached reads (issue 17, item 4) give the same answers as before.

* lists read their page in one store call (no count unless ``totalCount`` is asked for, the page's
  relationship counts read with it) and answer ``relationshipCount`` synchronously;
* ``store.neighbours`` cuts at the limit while traversing (the rings past the limit are only counted).

Each fast path is compared with the reference on seeded random graphs: the store's own answer for
the API, and the breadth-first traversal as it was (``reference_neighbours`` below) for the store.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.domain import Direction
from stakegraph.model import EdgeRecord, NodeRecord, Subgraph, edge_id
from stakegraph.store.base import GraphStore, NodeFilter
from stakegraph.store.embedded import EmbeddedStore
from stakegraph.web.app import create_app
from tests.api.conftest import settings

KINDS = ("lends_to", "buys_from", "supplies", "owns", "guarantees")
SEEDS = (1, 2, 3)


def random_graph(seed: int, n: int = 60, m: int = 260) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """``n`` parties and ``m`` random relationships, one hub (``pty_000``) with many of them, a few self-loops."""
    rng = random.Random(seed)
    ids = [f"pty_{i:03d}" for i in range(n)]
    nodes = [NodeRecord(i, "party", {"name": f"Party {i}", "kind": rng.choice(["bank", "corporate", "supplier"]),
                                     "country": rng.choice(["CN", "PK", "VN", None])}) for i in ids]
    edges: dict[str, EdgeRecord] = {}
    for j in range(m):
        s = ids[0] if j % 4 == 0 else rng.choice(ids)
        t = rng.choice(ids) if j % 29 else s
        kind = rng.choice(KINDS)
        ref = str(j)
        edges[edge_id(kind, s, t, ref)] = EdgeRecord(edge_id(kind, s, t, ref), kind, s, t, {"amount": float(j)})
    return nodes, list(edges.values())


def reference_neighbours(store: GraphStore, id: str, *, direction: Direction = Direction.BOTH,
                         kinds: list[str] | None = None, depth: int = 1, limit: int | None = None) -> Subgraph:
    """``GraphStore.neighbours`` as it was before the cut at the limit: every ring walked, then cut."""
    d = Direction(direction)
    if store.get_node(id) is None:
        return Subgraph.of((), ())
    dist: dict[str, int] = {id: 0}
    frontier = [id]
    for hop in range(1, max(depth, 0) + 1):
        here = set(frontier)
        nxt: set[str] = set()
        for _, s, t in store.edge_ends(frontier, direction=d, kinds=kinds):
            if d is not Direction.IN and s in here and t not in dist:
                nxt.add(t)
            if d is not Direction.OUT and t in here and s not in dist:
                nxt.add(s)
        for n in nxt:
            dist[n] = hop
        frontier = sorted(nxt)
        if not frontier:
            break
    ordered = sorted(dist, key=lambda n: (dist[n], n))
    truncated = 0
    if limit is not None and len(ordered) > limit:
        truncated = len(ordered) - limit
        ordered = ordered[:limit]
    keep = set(ordered)
    edge_ids = [eid for eid, _, t in store.edge_ends(ordered, direction=Direction.OUT, kinds=kinds) if t in keep]
    return Subgraph.of([n for n in store.get_nodes(ordered) if n is not None],
                       [e for e in store.get_edges(edge_ids) if e is not None], truncated)


class GenericRings(EmbeddedStore):
    """The embedded store walking rings with the backend-neutral :class:`GraphStore` code (what Neo4j runs)."""

    _ring = GraphStore._ring
    _ring_count = GraphStore._ring_count


@pytest.fixture(params=SEEDS)
def seeded(request: pytest.FixtureRequest, tmp_path: Any) -> tuple[int, EmbeddedStore, GenericRings]:
    nodes, edges = random_graph(request.param)
    fast = EmbeddedStore(tmp_path / "fast.db")
    fast.write(nodes, edges)
    generic = GenericRings(tmp_path / "generic.db")
    generic.write(nodes, edges)
    return request.param, fast, generic


@pytest.mark.parametrize("direction", list(Direction))
def test_neighbours_cut_while_traversing_equals_reference(
        seeded: tuple[int, EmbeddedStore, GenericRings], direction: Direction) -> None:
    seed, fast, generic = seeded
    rng = random.Random(seed * 7 + len(direction.value))
    centres = ["pty_000", *rng.sample([f"pty_{i:03d}" for i in range(1, 60)], 4), "nobody"]
    cut = 0
    for centre in centres:
        for depth in (0, 1, 2, 3):
            for limit in (None, 1, 2, 5, 17, 100):
                for kinds in (None, ["lends_to", "owns"], []):
                    want = reference_neighbours(fast, centre, direction=direction, kinds=kinds, depth=depth,
                                                limit=limit)
                    for store in (fast, generic):
                        got = store.neighbours(centre, direction=direction, kinds=kinds, depth=depth, limit=limit)
                        assert got == want, (store.backend, centre, depth, limit, kinds)
                    cut += want.truncated > 0
    assert cut > 50  # the cut (and the counted rings past it) was exercised


GQL_PAGE = """{ parties(first: %d, offset: %d, sort: {field: NAME}) {
  %s edges { cursor node { id name kind country relationshipCount
    out: relationshipCount(direction: OUT) lends: relationshipCount(kinds: [LENDS_TO, OWNS], direction: IN)
    none: relationshipCount(kinds: []) ... on Party { again: relationshipCount } } }
  pageInfo { hasNextPage hasPreviousPage endCursor } } }"""


@pytest.fixture
def seeded_client(make_store: Callable[[str], GraphStore]) -> Any:
    clients = []

    def make(seed: int) -> tuple[GraphStore, TestClient]:
        nodes, edges = random_graph(seed)
        store = make_store("embedded")
        store.write(nodes, edges)
        c = TestClient(create_app(settings(response_cache_size=0), store))
        clients.append(c.__enter__())
        return store, c

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def _post(client: TestClient, query: str) -> dict[str, Any]:
    body = client.post("/graphql", json={"query": query}).json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("seed", SEEDS)
def test_page_with_counts_equals_the_store(seeded_client: Any, seed: int) -> None:
    store, client = seeded_client(seed)
    flt = NodeFilter(type="party")
    total = store.count_nodes(flt)
    for first, offset in ((100, 0), (7, 0), (7, 49), (20, 55), (5, 60)):
        for with_total in (False, True):
            data = _post(client, GQL_PAGE % (first, offset, "totalCount" if with_total else ""))["parties"]
            recs = store.find_nodes(flt, limit=first, offset=offset)
            ids = [r.id for r in recs]
            both = store.degrees(ids, direction=Direction.BOTH)
            out = store.degrees(ids, direction=Direction.OUT)
            lends = store.degrees(ids, direction=Direction.IN, kinds=["lends_to", "owns"])
            assert [e["node"] for e in data["edges"]] == [
                {"id": r.id, "name": r.name, "kind": r.kind, "country": r.props.get("country"),
                 "relationshipCount": both[r.id], "out": out[r.id], "lends": lends[r.id], "none": 0,
                 "again": both[r.id]} for r in recs]
            assert data["pageInfo"]["hasNextPage"] == (offset + len(recs) < total)
            assert data["pageInfo"]["hasPreviousPage"] == (offset > 0)
            if with_total:
                assert data["totalCount"] == total
            if recs:
                assert data["pageInfo"]["endCursor"] == data["edges"][-1]["cursor"]


@pytest.mark.parametrize("seed", SEEDS)
def test_single_nodes_and_variables_count_as_lists_do(seeded_client: Any, seed: int) -> None:
    """relationshipCount outside a list (the DataLoader path) and with variables (the list path) agree."""
    store, client = seeded_client(seed)
    q = ('query($k: [RelationshipKind!], $d: Direction!) { parties(first: 30) { nodes { id '
         'a: relationshipCount(kinds: $k, direction: $d) } } }')
    body = client.post("/graphql", json={"query": q, "variables": {"k": ["SUPPLIES"], "d": "OUT"}}).json()
    assert "errors" not in body, body
    for row in body["data"]["parties"]["nodes"]:
        one = _post(client, f'{{ node(id: "{row["id"]}") {{ relationshipCount(kinds: [SUPPLIES], direction: OUT) '
                            "c: relationshipCount } }")["node"]
        assert one["relationshipCount"] == row["a"] == store.degrees([row["id"]], direction=Direction.OUT,
                                                                     kinds=["supplies"])[row["id"]]
        assert one["c"] == store.degrees([row["id"]])[row["id"]]


@pytest.mark.parametrize("seed", SEEDS)
def test_neighbourhood_equals_the_store(seeded_client: Any, seed: int) -> None:
    store, client = seeded_client(seed)
    for centre, depth, limit in (("pty_000", 2, 100), ("pty_000", 2, 10), ("pty_007", 3, 25), ("pty_013", 1, 3)):
        data = _post(client, f'{{ neighborhood(id: "{centre}", depth: {depth}, limit: {limit}) {{ andMore '
                             "center { id } nodes { id name type } edges { id kind sourceId targetId } } }")
        sub = store.neighbours(centre, depth=depth, limit=limit)
        assert data["neighborhood"] == {
            "andMore": sub.truncated, "center": {"id": centre},
            "nodes": [{"id": n.id, "name": n.name, "type": n.type.upper()} for n in sub.nodes],
            "edges": [{"id": e.id, "kind": e.kind.upper(), "sourceId": e.source, "targetId": e.target}
                      for e in sub.edges]}
    body = client.post("/graphql", json={"query": '{ neighborhood(id: "nobody") { andMore } }'}).json()
    assert "no node with id 'nobody'" in body["errors"][0]["message"]
