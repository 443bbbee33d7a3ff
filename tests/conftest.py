"""Shared fixtures: a store per backend (embedded and the real Neo4j), paths to shared data.

The Neo4j server is started once per test session by ``tests/neo4j_fixture.py``
unless ``STAKEGRAPH_NEO4J_URI`` names one. Tests that need Neo4j never skip
under ``CI=true``: a server that cannot start fails the run with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from stakegraph.store import EmbeddedStore, GraphStore

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = ("embedded", "neo4j")


@pytest.fixture(scope="session")
def neo4j_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bolt URI of the session's Neo4j (started here when STAKEGRAPH_NEO4J_URI is unset)."""
    from tests.neo4j_fixture import neo4j_uri_for_session

    uri, stop = neo4j_uri_for_session(tmp_path_factory.mktemp("neo4j"))
    try:
        yield uri
    finally:
        stop()


def _neo4j_store(uri: str) -> GraphStore:
    from stakegraph.store.neo4j import Neo4jStore

    user = os.environ.get("STAKEGRAPH_NEO4J_USER", "neo4j")
    password = os.environ.get("STAKEGRAPH_NEO4J_PASSWORD")
    auth = (user, password) if password else None
    return Neo4jStore.connect(uri, auth=auth, database=os.environ.get("STAKEGRAPH_NEO4J_DATABASE", "neo4j"))


@pytest.fixture
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator:
    """Factory ``make_store(backend)`` giving an empty store of that backend."""
    opened: list[GraphStore] = []

    def make(backend: str) -> GraphStore:
        if backend == "embedded":
            s: GraphStore = EmbeddedStore(tmp_path / f"store{len(opened)}.sqlite")
        elif backend == "neo4j":
            s = _neo4j_store(request.getfixturevalue("neo4j_uri"))
            s.ensure_schema()
            s.clear()
        else:
            raise ValueError(backend)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, make_store) -> GraphStore:
    """An empty store, once per backend: the contract tests run against both."""
    return make_store(request.param)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository; in CI its absence is a failure, elsewhere a skip."""
    if not SHARED.is_dir():
        if IN_CI:
            pytest.fail(f"{SHARED} is missing: CI must run with shared/ beside the repository")
        pytest.skip(f"{SHARED} not present (outside CI)")
    return SHARED


#: Test files (outside tests/security and tests/resilience) that prove requirements listed in
#: docs/security.md; `make check-security` (pytest -m security) runs them with the security suite.
SECURITY_FILES = {
    "tests/api/test_security.py",
    "tests/contract/test_store_contract.py",
    "tests/loaders/test_canonical.py",
    "tests/loaders/test_formats_encodings.py",
    "tests/loaders/test_malformed.py",
    "tests/test_domain.py",
    "tests/test_embedded_crash.py",
    "tests/viz/test_browser.py",
    "tests/viz/test_pages.py",
    "tests/viz/test_routes_cli.py",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        rel = item.path.relative_to(ROOT).as_posix() if item.path.is_relative_to(ROOT) else ""
        if rel in SECURITY_FILES:
            item.add_marker(pytest.mark.security)
