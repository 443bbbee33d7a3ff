"""security.md item 12 for every operation: each mutation needs its role, protected reads need a key.

The fields are read from the live schema, so a mutation or query added later is covered
without editing this file. For each field hypothesis-graphql generates valid operations;
without a key, with a key of too low a role, or with a wrong key the answer carries no
data and the store's graph version does not move.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from stakegraph.store.base import GraphStore
from stakegraph.web.app import create_app
from stakegraph.web.schema import build_schema
from tests.security.conftest import API_KEYS, KEYS, NIGHTLY, auth, fill
from tests.security.conftest import settings as app_settings

pytestmark = pytest.mark.security

_SCHEMA = build_schema()._schema
assert _SCHEMA.mutation_type is not None and _SCHEMA.query_type is not None
MUTATIONS = sorted(_SCHEMA.mutation_type.fields)
QUERIES = sorted(_SCHEMA.query_type.fields)
#: the role each mutation needs; a mutation missing here fails test_every_mutation_has_a_declared_role
NEEDS = {"deleteNode": "admin", "deleteRelationship": "write", "upsertParty": "write", "upsertProject": "write",
         "upsertContract": "write", "upsertRelationship": "write", "recordInteraction": "write",
         "recordSignal": "write"}
BELOW = {"write": [None, "read"], "admin": [None, "read", "write"]}
EXAMPLES = 50 if NIGHTLY else 4
_AUTHZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not NIGHTLY,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                         HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    from stakegraph.store import EmbeddedStore

    s: GraphStore = fill(EmbeddedStore(tmp_path_factory.mktemp("authz") / "authz.sqlite"))
    yield s
    s.close()


@pytest.fixture(scope="module")
def open_reads(stores: GraphStore) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings(api_keys=API_KEYS), stores), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def locked(stores: GraphStore) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings(api_keys=API_KEYS, auth_required=True), stores),
                    raise_server_exceptions=False) as c:
        yield c


def test_every_mutation_has_a_declared_role() -> None:
    assert set(MUTATIONS) == set(NEEDS), "a mutation was added or removed: declare the role it needs in NEEDS"


def _refused(r: Any, status: int) -> None:
    assert r.status_code == status, r.text[:300]
    body = r.json()
    assert body.get("data") in (None, {}), body
    if "errors" in body:
        assert any("role" in e["message"] or "API key" in e["message"] for e in body["errors"]), body


@pytest.mark.parametrize("field", MUTATIONS)
def test_12_every_mutation_refused_below_its_role(field: str, open_reads: TestClient, stores: GraphStore) -> None:
    need = NEEDS[field]

    @_AUTHZ
    @given(op=from_schema(_SCHEMA, fields=[field]), role=st.sampled_from(BELOW[need]))
    def check(op: str, role: str | None) -> None:
        before = stores.graph_version()
        _refused(open_reads.post("/graphql", json={"query": op}, headers=auth(role)), 403)
        _refused(open_reads.post("/graphql", json={"query": op}, headers={"Authorization": "Bearer wrong"}), 401)
        assert stores.graph_version() == before, f"{field} wrote without the {need} role"

    check()


@pytest.mark.parametrize("field", MUTATIONS)
def test_12_every_mutation_is_refused_over_get(field: str, open_reads: TestClient, stores: GraphStore) -> None:
    @_AUTHZ
    @given(op=from_schema(_SCHEMA, fields=[field]))
    def check(op: str) -> None:
        before = stores.graph_version()
        r = open_reads.get("/graphql", params={"query": op}, headers=auth("admin"))
        assert 400 <= r.status_code < 500, r.text[:300]
        if r.headers.get("content-type", "").startswith("application/json"):
            assert not (r.json().get("data") or {}), r.text[:300]
        assert stores.graph_version() == before

    check()


@pytest.mark.parametrize("field", QUERIES)
def test_12_protected_reads_need_a_key(field: str, locked: TestClient) -> None:
    @_AUTHZ
    @given(op=from_schema(_SCHEMA, fields=[field]))
    def check(op: str) -> None:
        for headers, status in (({}, 401), ({"Authorization": "Bearer wrong"}, 401),
                                ({"Authorization": "Basic " + KEYS["read"]}, 401)):
            r = locked.post("/graphql", json={"query": op}, headers=headers)
            assert r.status_code == status, r.text[:300]
            assert "data" not in r.json()
        r = locked.post("/graphql", json={"query": op}, headers=auth("read"))
        assert r.status_code == 200 and "data" in r.json(), r.text[:300]

    check()


def test_12_a_key_with_the_role_is_accepted(open_reads: TestClient, stores: GraphStore) -> None:
    """The refusals above are about roles, not broken mutations: the same operations work with the role."""
    before = stores.graph_version()
    m = 'mutation { upsertParty(input: {id: "authz_ok", name: "Authz OK"}) { ok created } }'
    r = open_reads.post("/graphql", json={"query": m}, headers=auth("write"))
    assert r.json()["data"]["upsertParty"] == {"ok": True, "created": 1}
    assert stores.graph_version() != before
