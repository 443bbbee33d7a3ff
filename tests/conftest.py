"""Shared fixtures: a store per backend (embedded and the real Neo4j), paths to shared data.

The Neo4j server is started once per test session by ``tests/neo4j_fixture.py``
unless ``STAKEGRAPH_NEO4J_URI`` names one. Tests that need Neo4j never skip
under ``CI=true``: a server that cannot start fails the run with the reason.

Markers sit where the need is: the ``neo4j`` mark is on the Neo4j parametrisation
(:data:`BACKEND_PARAMS`) and on tests using ``neo4j_uri`` / ``make_store("neo4j")``;
``security`` and the others are module-level ``pytestmark`` lines. So
``pytest -m "not neo4j"`` is the fast loop and starts no Neo4j; a test that reaches
Neo4j without the mark fails and says so.
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
#: Parametrise over both backends with this; the Neo4j case carries the ``neo4j`` mark.
BACKEND_PARAMS = [pytest.param("embedded", id="embedded"),
                  pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j)]
#: Fixtures that start or reach a Neo4j server: a test using them must carry the ``neo4j`` mark.
NEO4J_FIXTURES = frozenset({"neo4j_uri", "dedicated_neo4j", "local_server"})
UNMARKED = ("{test} needs Neo4j but has no `neo4j` mark: add @pytest.mark.neo4j (or "
            "pytest.param(\"neo4j\", marks=pytest.mark.neo4j)) so `pytest -m \"not neo4j\"` stays Neo4j-free")


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
            if request.node.get_closest_marker("neo4j") is None:
                pytest.fail(UNMARKED.format(test=request.node.nodeid), pytrace=False)
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


@pytest.fixture(params=BACKEND_PARAMS)
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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Refuse, before any fixture starts a server, a test that uses Neo4j without the ``neo4j`` mark."""
    if NEO4J_FIXTURES & set(getattr(item, "fixturenames", ())) and item.get_closest_marker("neo4j") is None:
        pytest.fail(UNMARKED.format(test=item.nodeid), pytrace=False)
