"""Security requirements 1–12 of ../shared/reference/security.md: each offending request and its refusal."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.errors import StoreUnavailable
from stakegraph.web import query as query_module
from tests.api.conftest import gql

pytestmark = pytest.mark.security


def _msg(d: dict[str, Any]) -> str:
    return d["errors"][0]["message"]


def _nested(depth: int) -> str:
    inner = "id"
    for _ in range(depth):
        inner = f"relationships(first: 1) {{ nodes {{ source {{ {inner} }} }} }}"
    return inner


def test_1_depth_limit_also_through_fragments(make_client: Any) -> None:
    client = make_client(max_depth=4)
    d = gql(client, f'{{ party(id: "a_co") {{ {_nested(2)} }} }}')
    assert _msg(d) == "'anonymous' exceeds maximum operation depth of 4"
    d = gql(client, f'query Q {{ party(id: "a_co") {{ ...F }} }} fragment F on Party {{ {_nested(2)} }}')
    assert _msg(d) == "'Q' exceeds maximum operation depth of 4"
    assert d["data"] is None


def test_2_aliases_counted_inside_fragments(make_client: Any) -> None:
    client = make_client(max_aliases=3)
    d = gql(client, "query { ...F } fragment F on Query { a: graphVersion b: graphVersion c: graphVersion "
                    "d: graphVersion }")
    assert _msg(d) == "4 aliases found. Allowed: 3"


def test_3_tokens(make_client: Any) -> None:
    client = make_client(max_tokens=20)
    d = gql(client, "{ " + " ".join(["graphVersion"] * 30) + " }")
    assert _msg(d) == "Syntax Error: Document contains more than 20 tokens. Parsing aborted."
    assert d["data"] is None


def test_4_cost_limit_before_any_store_call(make_client: Any, graph_store: Any, monkeypatch: Any) -> None:
    client = make_client(max_cost=1000)
    calls: list[str] = []
    def record(name: str) -> Any:
        def fn(*a: Any, **k: Any) -> Any:
            calls.append(name)
            return 0 if name == "count_nodes" else []
        return fn

    monkeypatch.setattr(graph_store, "find_nodes", record("find_nodes"))
    monkeypatch.setattr(graph_store, "count_nodes", record("count_nodes"))
    d = gql(client, "{ parties(first: 50) { nodes { relationships(first: 50) { nodes { id } } } } }")
    # cost = 50 (parties) + 50 × 50 (relationships of each) = 2,550
    assert _msg(d) == ("query cost 2550 is above the limit of 1000 (cost = sum over lists of the product of nested "
                       "page sizes); ask for smaller pages (first) or fewer nested lists")
    assert d["errors"][0]["extensions"] == {"code": "COST_LIMIT", "cost": 2550, "limit": 1000}
    assert calls == []
    # variables count too; 10 + 10 × 10 = 110 passes
    d = gql(client, "query($n: Int) { parties(first: $n) { nodes { relationships(first: $n) { totalCount } } } }",
            {"n": 10})
    assert "errors" not in d


def test_5_page_size_max_100(client: TestClient) -> None:
    d = gql(client, "{ parties(first: 101) { totalCount } }")
    assert _msg(d) == "parties: first must be between 1 and 100 (got 101); fetch more with after/offset"
    d = gql(client, "query($n: Int) { parties(first: $n) { totalCount } }", {"n": 0})
    assert _msg(d) == "parties: first must be between 1 and 100 (got 0); fetch more with after/offset"
    d = gql(client, '{ neighborhood(id: "a_co", limit: 500) { andMore } }')
    assert _msg(d) == "limit must be between 1 and 100 (got 500); fetch more with after/offset"
    d = gql(client, "{ parties { totalCount nodes { id } } }")
    assert len(d["data"]["parties"]["nodes"]) == 7  # default page 20 ≥ 7


def test_6_batching_is_off(client: TestClient) -> None:
    r = client.post("/graphql", json=[{"query": "{ graphVersion }"}, {"query": "{ graphVersion }"}])
    assert r.status_code == 400
    assert "Batching is not enabled" in r.text


def test_7_introspection_and_graphiql(make_client: Any) -> None:
    dev = make_client()
    assert gql(dev, "{ __schema { queryType { name } } }")["data"]["__schema"]["queryType"]["name"] == "Query"
    page = dev.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower() and "fundingDominators" in page.text
    prod = make_client(mode="production", api_keys="k:read")
    h = {"Authorization": "Bearer k"}
    d = gql(prod, "{ __schema { queryType { name } } }", headers=h)
    assert _msg(d) == "GraphQL introspection has been disabled, but the requested query contained the field '__schema'."
    assert prod.get("/graphql", headers={"Accept": "text/html", **h}).status_code == 404


def test_8_no_suggestions_in_production(make_client: Any) -> None:
    prod = make_client(mode="production", api_keys="k:read")
    h = {"Authorization": "Bearer k"}
    bad = ['{ partyy(id: "a") { id } }', '{ party(idd: "a") { id } }', "query($x: Sting) { graphVersion }",
           "{ parties(kind: BANKK) { totalCount } }"]
    for q in bad:
        d = gql(prod, q, headers=h)
        assert d["errors"] and all("Did you mean" not in e["message"] for e in d["errors"]), d
    dev = make_client()
    assert "Did you mean" in _msg(gql(dev, '{ party(idd: "a") { id } }'))


def test_9_resolver_exception_masked_with_logged_request_id(client: TestClient, graph_store: Any, monkeypatch: Any,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    def boom(*a: Any, **k: Any) -> Any:
        raise RuntimeError("cannot reach bolt://admin:s3cret@db:7687")

    monkeypatch.setattr(graph_store, "get_nodes", boom)
    with caplog.at_level(logging.ERROR, logger="stakegraph.api"):
        r = client.post("/graphql", json={"query": '{ party(id: "a_co") { id } }'},
                        headers={"X-Request-ID": "req-123"})
    body = r.json()
    assert body["errors"][0]["message"] == "Internal error (request id req-123); the server log has the details"
    assert "s3cret" not in r.text and "bolt" not in r.text
    assert any("req-123" in rec.getMessage() for rec in caplog.records)
    # validation errors keep their text
    assert _msg(gql(client, "{ zzqq }")) == "Cannot query field 'zzqq' on type 'Query'."


def test_9_store_unavailable_becomes_retry_hint(client: TestClient, graph_store: Any, monkeypatch: Any) -> None:
    def down(*a: Any, **k: Any) -> Any:
        raise StoreUnavailable("Neo4j at bolt://x:7687 does not answer")

    monkeypatch.setattr(graph_store, "count_nodes", down)
    r = client.post("/graphql", json={"query": "{ parties { totalCount } }"}, headers={"X-Request-ID": "r1"})
    err = r.json()["errors"][0]
    assert err["message"] == "the graph store is unavailable; retry in 5 seconds (request id r1)"
    assert err["extensions"] == {"code": "STORE_UNAVAILABLE", "retryAfter": 5, "requestId": "r1"}


def test_10_transport_refusals(client: TestClient) -> None:
    m = "mutation { deleteRelationship(id: \"x\") { ok } }"
    r = client.get("/graphql", params={"query": m})
    assert r.status_code == 400 and r.text == "mutations are not allowed when using GET"
    r = client.post("/graphql", content="{ graphVersion }", headers={"Content-Type": "text/plain"})
    assert r.status_code == 400 and r.text == "Unsupported content type"
    r = client.post("/graphql", files={"operations": (None, '{"query": "{ graphVersion }"}')})
    assert r.status_code == 400 and r.text == "Unsupported content type"


def test_11_resolver_timeout(make_client: Any, graph_store: Any, monkeypatch: Any) -> None:
    client = make_client(resolver_timeout_s=0.2)

    async def slow(*a: Any, **k: Any) -> Any:
        await asyncio.sleep(5)

    monkeypatch.setattr(query_module, "list_nodes", slow)
    start = time.monotonic()
    r = client.post("/graphql", json={"query": "{ parties { totalCount } }"}, headers={"X-Request-ID": "t1"})
    assert time.monotonic() - start < 4  # cancelled, not waited out (not a speed assertion)
    err = r.json()["errors"][0]
    assert err["message"] == ("the request ran longer than the 0.2 s limit (STAKEGRAPH_RESOLVER_TIMEOUT_S) and was "
                              "cancelled (request id t1); ask for less: smaller pages, fewer hops")
    assert err["extensions"]["code"] == "TIMEOUT"


def test_12_api_keys_and_roles(make_client: Any) -> None:
    keys = "r3ad:read,wr1te:write,adm1n:admin"
    open_reads = make_client(api_keys=keys)
    locked = make_client(api_keys=keys, auth_required=True)
    q = "{ parties { totalCount } }"
    # reads: open unless auth_required; a wrong key is always 401
    assert gql(open_reads, q)["data"]["parties"]["totalCount"] == 7
    r = locked.post("/graphql", json={"query": q})
    assert r.status_code == 401 and "data" not in r.json()
    r = locked.post("/graphql", json={"query": q}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json() == {"detail": "unknown API key"}
    assert gql(locked, q, headers={"Authorization": "Bearer r3ad"})["data"]["parties"]["totalCount"] == 7
    # writes need write; delete needs admin
    m = 'mutation { upsertParty(input: {id: "x1", name: "X"}) { ok } }'
    for hdr, status in (({}, 403), ({"Authorization": "Bearer r3ad"}, 403)):
        r = open_reads.post("/graphql", json={"query": m}, headers=hdr)
        assert r.status_code == status and r.json()["data"] is None
        assert r.json()["errors"][0]["message"] == "this operation needs an API key with the write role"
    r = open_reads.post("/graphql", json={"query": m}, headers={"Authorization": "Bearer wr1te"})
    assert r.status_code == 200 and r.json()["data"]["upsertParty"]["ok"] is True
    d = 'mutation { deleteNode(id: "x1") { ok deleted } }'
    r = open_reads.post("/graphql", json={"query": d}, headers={"Authorization": "Bearer wr1te"})
    assert r.status_code == 403
    assert r.json()["errors"][0]["message"] == "this operation needs an API key with the admin role"


def test_12_admin_can_delete(make_client: Any) -> None:
    client = make_client(api_keys="adm1n:admin")
    h = {"Authorization": "Bearer adm1n"}
    r = client.post("/graphql", json={"query": 'mutation { deleteNode(id: "a_co") { ok deleted } }'}, headers=h)
    assert r.json()["data"]["deleteNode"] == {"ok": True, "deleted": 7}  # a_co + its 6 relationships


def test_cors_from_settings(make_client: Any) -> None:
    client = make_client(cors_origins="https://ui.example")
    ok = client.options("/graphql", headers={"Origin": "https://ui.example", "Access-Control-Request-Method": "POST"})
    assert ok.headers.get("access-control-allow-origin") == "https://ui.example"
    bad = client.options("/graphql", headers={"Origin": "https://evil.example",
                                              "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in bad.headers
