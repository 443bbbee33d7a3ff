"""HTTP guards (issue #13): body and variable limits, nested JSON, auth on every route, headers,
per-client concurrency, STORE_UNAVAILABLE when a timeout is the store's fault."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from stakegraph.store import EmbeddedStore
from stakegraph.store.base import GraphStore
from stakegraph.web import query as query_module
from stakegraph.web.app import create_app
from tests.security.conftest import API_KEYS, auth, fill, settings

pytestmark = pytest.mark.security
Q = "{ parties { totalCount } }"


@pytest.fixture
def store(tmp_path: Path) -> GraphStore:
    return fill(EmbeddedStore(tmp_path / "guards.sqlite"))


@pytest.fixture
def make(store: GraphStore) -> Iterator[Any]:
    opened: list[TestClient] = []

    def build(**over: Any) -> TestClient:
        c = TestClient(create_app(settings(**over), store), raise_server_exceptions=False)
        opened.append(c)
        return c

    yield build
    for c in opened:
        c.close()


def test_body_limit_from_content_length(make: Any) -> None:
    c = make(max_body_bytes=4096)
    r = c.post("/graphql", json={"query": Q, "variables": {"pad": "x" * 5000}})
    assert r.status_code == 413
    err = r.json()["error"]
    assert err["code"] == "LIMIT_EXCEEDED" and err["limit"] == 4096 and err["setting"] == "max_body_bytes"
    assert "STAKEGRAPH_MAX_BODY_BYTES" in err["message"]


def test_body_limit_while_streaming(make: Any) -> None:
    c = make(max_body_bytes=4096)

    def chunks() -> Iterator[bytes]:
        yield b'{"query": "{ graphVersion }", "variables": {"pad": "'
        for _ in range(20):
            yield b"x" * 1000
        yield b'"}}'

    r = c.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["setting"] == "max_body_bytes"


def test_default_body_limit_is_one_mib(make: Any) -> None:
    c = make()
    r = c.post("/graphql", content=b"{" + b" " * (1 << 20) + b"}", headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["limit"] == 1 << 20


def test_deeply_nested_json_is_400_not_500(make: Any) -> None:
    c = make()
    for depth in (40, 5000, 100_000):
        body = '{"query": "{ graphVersion }", "variables": {"x": ' + "[" * depth + "]" * depth + "}}"
        r = c.post("/graphql", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, (depth, r.text[:200])
        assert r.json()["error"]["setting"] == "max_json_depth"
    r = c.get("/graphql", params={"query": "{ graphVersion }", "variables": "[" * 5000 + "]" * 5000})
    assert r.status_code == 400


def test_variables_size_and_list_length(make: Any) -> None:
    c = make(max_variables_bytes=1000, max_list_items=50)
    q = "query($s: [ShockInput!]) { contagion(shocks: $s) { summary } }"
    r = c.post("/graphql", json={"query": q, "variables": {"s": [{"node": "a_co"}] * 200}})
    assert r.status_code == 413 and r.json()["error"]["setting"] == "max_variables_bytes"
    r = c.post("/graphql", json={"query": q, "variables": {"s": [1] * 60}})
    assert r.status_code == 413 and r.json()["error"]["setting"] == "max_list_items"
    assert "STAKEGRAPH_MAX_LIST_ITEMS" in r.json()["error"]["message"]


def test_security_headers_on_every_response(make: Any) -> None:
    c = make()
    responses = [c.get("/healthz"), c.post("/graphql", json={"query": Q}), c.get("/"),
                 c.post("/graphql", content=b"{" * 10, headers={"Content-Type": "application/json"}),
                 make(max_body_bytes=1024).post("/graphql", json={"query": "x" * 2000})]
    for r in responses:
        assert r.headers["x-content-type-options"] == "nosniff", r.url
        assert r.headers["cache-control"] == "no-store", r.url
        assert r.headers["referrer-policy"] == "no-referrer", r.url
    assert "content-security-policy" in c.get("/").headers  # the pages' own CSP stays


@pytest.mark.parametrize("path", ["/", "/audit", "/viz/network", "/viz/ego/a_co", "/graphql?query={graphVersion}"])
def test_wrong_key_is_401_everywhere_even_with_open_reads(make: Any, path: str) -> None:
    c = make(api_keys=API_KEYS, auth_required=False)
    r = c.get(path, headers={"Authorization": "Bearer wrong-key"})
    assert r.status_code == 401 and r.json() == {"detail": "unknown API key"}
    assert r.headers["www-authenticate"] == "Bearer"
    assert c.get(path, headers={"Authorization": "Basic abc"}).status_code == 401
    # no key: open reads; the right key: in (what the page then answers is not the guards' business)
    assert c.get(path).status_code not in (401, 403)
    assert c.get(path, headers=auth("read")).status_code not in (401, 403)


@pytest.mark.parametrize("path", ["/", "/audit", "/viz/network", "/graphql?query={graphVersion}"])
def test_auth_required_on_pages_as_on_graphql(make: Any, path: str) -> None:
    c = make(api_keys=API_KEYS, auth_required=True)
    assert c.get(path).status_code in (401, 303, 307)  # 401, or a page redirected to sign-in
    assert c.get(path, headers=auth("read")).status_code not in (401, 403)
    assert c.get("/healthz").status_code == 200  # probes need no key


def test_concurrency_per_client(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(settings(max_concurrent_per_client=2), store)

    async def slow(*a: Any, **k: Any) -> Any:
        await asyncio.sleep(0.5)
        return [], 0

    monkeypatch.setattr(query_module, "list_nodes", slow)

    async def run() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            posts = [client.post("/graphql", json={"query": Q}) for _ in range(3)]
            other = client.post("/graphql", json={"query": Q}, headers={"Authorization": "Bearer x"})
            health = client.get("/healthz")
            return list(await asyncio.gather(*posts, other, health))

    rs = asyncio.run(run())
    codes = sorted(r.status_code for r in rs[:3])
    assert codes == [200, 200, 429], [r.text for r in rs]
    refused = next(r for r in rs[:3] if r.status_code == 429)
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["error"]["code"] == "TOO_MANY_REQUESTS"
    assert refused.json()["error"]["setting"] == "max_concurrent_per_client"
    assert rs[4].status_code == 200  # /healthz is never queued


def test_timeout_caused_by_the_store_is_store_unavailable(make: Any, store: GraphStore,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    c = make(resolver_timeout_s=0.2)

    async def hang(*a: Any, **k: Any) -> Any:
        await asyncio.sleep(5)

    def down() -> bool:
        raise ConnectionError("bolt://db:7687 unreachable")

    monkeypatch.setattr(query_module, "list_nodes", hang)
    monkeypatch.setattr(store, "ping", down)
    r = c.post("/graphql", json={"query": Q}, headers={"X-Request-ID": "s1"})
    err = r.json()["errors"][0]
    assert err["extensions"]["code"] == "STORE_UNAVAILABLE" and err["extensions"]["retryAfter"] == 5


def test_good_requests_pass(make: Any) -> None:
    c = make(api_keys=API_KEYS)
    r = c.post("/graphql", json={"query": "query($n: Int) { parties(first: $n) { totalCount } }",
                                 "variables": {"n": 5}}, headers=auth("read"))
    assert r.status_code == 200 and r.json()["data"]["parties"]["totalCount"] > 0
    r = c.post("/graphql", content=b"not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400  # strawberry's own answer for a body that is not JSON
    assert json.loads(c.get("/healthz").text) == {"status": "ok"}
