"""security.md item 27 (GraphQL half), issue 8 item 4: generated queries never give a 5xx or an unmasked exception.

hypothesis-graphql generates valid (POSITIVE) and invalid (NEGATIVE) operations from the
exported SDL ``src/stakegraph/web/schema.graphql``; each is posted to the app. Every answer must be a
4xx or a 200 whose errors are typed refusals (validation, limits, page sizes, field
errors) — never a 5xx, never ``INTERNAL`` (a resolver crash, even masked), never a
traceback, file path or Bolt URI in the body.

Examples: about 200 in CI; ``HYPOTHESIS_PROFILE=nightly`` runs ≥ 10,000 queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import graphql
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from stakegraph.store.base import GraphStore
from stakegraph.web.app import create_app
from tests.security.conftest import API_KEYS, NIGHTLY, auth
from tests.security.conftest import settings as app_settings

pytestmark = pytest.mark.security

ROOT = Path(__file__).resolve().parents[2]
SDL = (ROOT / "src" / "stakegraph" / "web" / "schema.graphql").read_text(encoding="utf-8")
_SCHEMA = graphql.build_schema(SDL)
assert _SCHEMA.query_type is not None and _SCHEMA.mutation_type is not None
QUERY_FIELDS = sorted(_SCHEMA.query_type.fields)
MUTATION_FIELDS = sorted(_SCHEMA.mutation_type.fields)
QUERIES = 10_000 if NIGHTLY else 150
MUTATIONS = 2_000 if NIGHTLY else 40
NEGATIVE = 2_000 if NIGHTLY else 40
LEAKS = re.compile(r"Traceback|File \"|bolt://|neo4j://|sqlite3\.|site-packages|\.py\", line")

# JSON scalar inputs (props): a few shapes, some hostile
_JSON_LITERALS = ['{}', '{note: "=1+1"}', '{name: "<script>alert(1)</script>"}', '"text"', '42', 'null',
                  '{nested: {deeper: [1, 2, {x: "y"}]}}', '[1, "two", null]']
CUSTOM = {"JSON": st.sampled_from(_JSON_LITERALS).map(graphql.parse_value)}
def fuzz(n: int) -> settings:
    """Hypothesis settings for ``n`` examples: no deadline, no example database, derandomised in CI."""
    return settings(max_examples=n, deadline=None, derandomize=not NIGHTLY,
                    database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much])


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from stakegraph.store import EmbeddedStore
    from tests.security.conftest import fill

    store: GraphStore = fill(EmbeddedStore(tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite"))
    app = create_app(app_settings(api_keys=API_KEYS, resolver_timeout_s=10.0), store)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    store.close()


def check_answer(r: Any, query: str) -> None:
    """The property: a 4xx, or a JSON body whose errors are typed refusals."""
    assert r.status_code < 500, f"{r.status_code} for {query!r}: {r.text[:500]}"
    leak = next((m.group(0) for m in LEAKS.finditer(r.text) if m.group(0) not in query), None)
    assert leak is None, f"internals ({leak}) leaked for {query!r}: {r.text[:500]}"
    if r.status_code >= 400:
        return
    body = r.json()
    assert "data" in body or "errors" in body, body
    for err in body.get("errors") or []:
        code = (err.get("extensions") or {}).get("code")
        assert code != "INTERNAL", f"resolver crashed (masked) for {query!r}: {err}"
        assert err.get("message"), err


@fuzz(QUERIES)
@given(query=from_schema(_SCHEMA, custom_scalars=CUSTOM, fields=QUERY_FIELDS, mode=Mode.POSITIVE))
def test_27_generated_queries_never_5xx(client: TestClient, query: str) -> None:
    r = client.post("/graphql", json={"query": query}, headers=auth("read"))
    check_answer(r, query)


@fuzz(MUTATIONS)
@given(query=from_schema(_SCHEMA, custom_scalars=CUSTOM, fields=MUTATION_FIELDS, mode=Mode.POSITIVE))
def test_27_generated_mutations_never_5xx(client: TestClient, query: str) -> None:
    r = client.post("/graphql", json={"query": query}, headers=auth("admin"))
    check_answer(r, query)


@fuzz(NEGATIVE)
@given(query=from_schema(_SCHEMA, custom_scalars=CUSTOM, mode=Mode.NEGATIVE))
def test_27_invalid_operations_are_refused_not_crashed(client: TestClient, query: str) -> None:
    r = client.post("/graphql", json={"query": query}, headers=auth("admin"))
    check_answer(r, query)
    if r.status_code == 200:
        assert r.json().get("errors"), f"an invalid operation was accepted: {query!r}"


@fuzz(30 if not NIGHTLY else 1_000)
@given(body=st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    st.builds(lambda q, v: f'{{"query": {q!r}, "variables": {v}}}', st.text(max_size=80),
              st.sampled_from(["null", "[]", "1", '"x"', "{}", '{"a": {"b": [1]}}'])),
))
def test_27_garbage_bodies_get_4xx(client: TestClient, body: str) -> None:
    r = client.post("/graphql", content=body.encode("utf-8", "surrogatepass"),
                    headers={"Content-Type": "application/json", **auth("read")})
    check_answer(r, body)
