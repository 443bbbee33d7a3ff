"""The per-graph-version response cache: hits for repeated reads, never stale after a write,
never shared across roles, never for mutations or errors, off when its size is 0."""

from __future__ import annotations

from typing import Any

from stakegraph.model import NodeRecord
from stakegraph.web.response_cache import ResponseCache, cache_key
from tests.api.conftest import fill, gql
from tests.api.test_queries import CountingStore

PAGE = "{ parties(first: 100) { totalCount nodes { id name relationshipCount } } }"


def _data_calls(store: CountingStore) -> list[str]:
    return [c for c in store.calls if c != "graph_version"]


def test_repeated_read_is_answered_from_the_cache(make_client: Any, make_store: Any) -> None:
    counting = CountingStore(fill(make_store("embedded")))
    client = make_client(store=counting)
    first = gql(client, PAGE)
    assert _data_calls(counting)  # the first answer read the store
    counting.calls.clear()
    assert gql(client, PAGE) == first
    assert _data_calls(counting) == []  # the second only asked for the graph version
    state_cache = client.app.state.api.responses  # type: ignore[attr-defined]
    assert state_cache.hits == 1
    # other variables are another entry
    counting.calls.clear()
    gql(client, "query($n: Int) { parties(first: $n) { nodes { id } } }", {"n": 2})
    assert _data_calls(counting)


def test_a_write_invalidates(make_client: Any, make_store: Any) -> None:
    store = fill(make_store("embedded"))
    client = make_client(store=store)
    before = gql(client, PAGE)["data"]["parties"]["totalCount"]
    gql(client, PAGE)
    # a mutation through the API and a write straight into the store both move the version
    d = gql(client, 'mutation { upsertParty(input: {id: "new_1", name: "New One", kind: BANK}) { ok } }')
    assert d["data"]["upsertParty"]["ok"] is True
    assert gql(client, PAGE)["data"]["parties"]["totalCount"] == before + 1
    store.write([NodeRecord("new_2", "party", {"name": "New Two", "kind": "bank"})])
    assert gql(client, PAGE)["data"]["parties"]["totalCount"] == before + 2


def test_mutations_errors_and_roles_are_not_shared(make_client: Any, make_store: Any) -> None:
    store = fill(make_store("embedded"))
    client = make_client(store=store, api_keys="rk:read,wk:write")
    cache = client.app.state.api.responses  # type: ignore[attr-defined]
    read = {"Authorization": "Bearer rk"}
    write = {"Authorization": "Bearer wk"}
    gql(client, PAGE, headers=read)
    gql(client, PAGE, headers=write)
    assert cache.hits == 0  # one entry per role
    gql(client, PAGE, headers=read)
    assert cache.hits == 1
    # a refused mutation (read role) is an error: never cached, refused again
    m = 'mutation { upsertParty(input: {id: "x1", name: "X", kind: BANK}) { ok } }'
    for _ in range(2):
        r = client.post("/graphql", json={"query": m}, headers=read).json()
        assert r.get("errors"), r
    hits = cache.hits
    for _ in range(2):
        assert gql(client, m, headers=write)["data"]["upsertParty"]["ok"] is True
    assert cache.hits == hits  # mutations never come from the cache
    bad = "{ parties(first: 1000) { nodes { id } } }"  # page-size limit
    for _ in range(2):
        assert client.post("/graphql", json={"query": bad}, headers=read).json()["errors"]
    assert cache.hits == hits


def test_size_zero_turns_it_off(make_client: Any, make_store: Any) -> None:
    counting = CountingStore(fill(make_store("embedded")))
    client = make_client(store=counting, response_cache_size=0)
    gql(client, PAGE)
    counting.calls.clear()
    gql(client, PAGE)
    assert "find_nodes" in counting.calls and "graph_version" not in counting.calls


def test_cache_unit() -> None:
    c = ResponseCache(2)
    k = [cache_key("read", f"{{ q{i} }}", {"b": 1, "a": 2}, None) for i in range(3)]
    assert cache_key("read", "{ q }", {"a": 2, "b": 1}, None) == cache_key("read", "{ q }", {"b": 1, "a": 2}, None)
    assert cache_key("read", "{ q }", {"a": object()}, None) is None
    from strawberry.types import ExecutionResult
    for i, key in enumerate(k):
        assert key is not None
        c.put("v1", key, ExecutionResult(data={"i": i}, errors=None))
    assert c.get("v1", k[0]) is None  # least recently used went first (size 2)
    assert c.get("v1", k[2]).data == {"i": 2}  # type: ignore[union-attr]
    assert c.get("v2", k[2]) is None  # new version: everything older is gone
    c.put("v1", k[1], ExecutionResult(data={}, errors=None))  # a late put for an old version is dropped
    c.put("v2", k[1], ExecutionResult(data={}, errors=["boom"]))  # type: ignore[list-item]  # errors: never kept
    assert c.get("v2", k[1]) is None


def test_a_failing_store_is_not_a_500(make_client: Any, make_store: Any) -> None:
    """graph_version() failing (store down) must reach the client as the typed error, not a 500."""
    from stakegraph.errors import StoreUnavailable

    class Down(CountingStore):
        def __getattr__(self, name: str) -> Any:
            if name in ("graph_version", "find_nodes", "count_nodes"):
                def fail(*a: Any, **k: Any) -> Any:
                    raise StoreUnavailable("the test store is down")
                return fail
            return super().__getattr__(name)

    client = make_client(store=Down(fill(make_store("embedded"))))
    r = client.post("/graphql", json={"query": PAGE})
    assert r.status_code == 200, r.text
    assert r.json()["errors"][0]["extensions"]["code"] == "STORE_UNAVAILABLE"
