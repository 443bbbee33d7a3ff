"""security.md item 27: schemathesis against the app's OpenAPI document and its GraphQL schema — never a 5xx.

Schemathesis (dev dependency) generates requests for every operation of
``/openapi.json`` (the GraphQL endpoint over GET/POST, the views, the audit) and,
from introspection of ``/graphql``, for every root field. Each request must be
answered below 500, without internals in the body, and GraphQL errors must never be
``INTERNAL`` (a resolver crash).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from stakegraph.store.base import GraphStore
from stakegraph.web.app import create_app
from tests.security.conftest import API_KEYS, KEYS, NIGHTLY, fill
from tests.security.conftest import settings as app_settings

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is a dev dependency: pip install schemathesis")

pytestmark = pytest.mark.security

LEAKS = re.compile(r"Traceback|File \"|bolt://|neo4j://|sqlite3\.|site-packages")
EXAMPLES = 300 if NIGHTLY else 6
_ST = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not NIGHTLY,
               suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from stakegraph.store import EmbeddedStore

    store: GraphStore = fill(EmbeddedStore(tmp_path_factory.mktemp("st") / "st.sqlite"))
    yield create_app(app_settings(api_keys=API_KEYS, resolver_timeout_s=10.0), store)
    store.close()


@pytest.fixture(scope="module")
def openapi_schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def graphql_schema(app: Any) -> Any:
    return schemathesis.graphql.from_asgi("/graphql", app)


HEADERS = {"Authorization": f"Bearer {KEYS['admin']}"}


def leaked(text: str, sent: str) -> str | None:
    """Internals in a response (a traceback, a path, a URI) that the request did not itself send."""
    for m in LEAKS.finditer(text):
        if m.group(0) not in sent:
            return m.group(0)
    return None


def _check(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{response.status_code} for {what[:300]}: {response.text[:400]}"
    assert leaked(response.text, what) is None, f"internals leaked for {what}: {response.text[:400]}"
    ctype = response.headers.get("content-type") or ""
    if isinstance(ctype, list):
        ctype = ctype[0] if ctype else ""
    if ctype.startswith("application/json"):
        body = response.json()
        if isinstance(body, dict):
            for err in body.get("errors") or []:
                assert (err.get("extensions") or {}).get("code") != "INTERNAL", f"resolver crashed for {what}: {err}"


def _run_all(schema: Any) -> list[str]:
    """Run every operation of ``schema`` through its hypothesis strategy (the pytest plugin of
    schemathesis 4.32 does not work with pytest 9, so the strategies are used directly)."""
    names: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        names.append(operation.label)

        @_ST
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            response = case.call(headers=HEADERS)
            sent = [str(x) for x in (case.body, case.query, case.path_parameters) if isinstance(x, dict | str) and x]
            _check(response, f"{case.operation.label}: {' '.join(sent)}")

        check()
    return names


def test_27_openapi_operations_never_5xx(openapi_schema: Any) -> None:
    names = _run_all(openapi_schema)
    assert "POST /graphql" in names and any(n.startswith("GET /viz/") for n in names), names


def test_27_graphql_operations_never_5xx(graphql_schema: Any) -> None:
    names = _run_all(graphql_schema)
    assert any("upsertParty" in n for n in names) and any("parties" in n for n in names), names
