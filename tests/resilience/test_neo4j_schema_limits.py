"""security.md items 14 and 18 on the session's Neo4j: uniqueness constraints, transaction memory limit.

14. Every node key has a uniqueness constraint, created with ``IF NOT EXISTS`` (so
    ``ensure_schema`` can run on every start): read back from ``SHOW CONSTRAINTS``.
18. The test server runs with a transaction memory limit (``db.memory.transaction.max``,
    set by ``tools/neo4j/Launcher.java``) and the bundled sample, the largest shipped data
    set, loads with the default batch size; the counts equal those of the embedded store.

The Cypher here only inspects the server (the rule "Cypher only in src/stakegraph/store/cypher.py"
is for package code, see tests/test_domain.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import neo4j
import pytest

from stakegraph import loaders
from stakegraph.domain import DOMAIN
from stakegraph.store import EmbeddedStore, cypher
from stakegraph.store.base import GraphStore

pytestmark = [pytest.mark.security, pytest.mark.neo4j]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def driver(neo4j_uri: str) -> Iterator[neo4j.Driver]:
    user = os.environ.get("STAKEGRAPH_NEO4J_USER", "neo4j")
    password = os.environ.get("STAKEGRAPH_NEO4J_PASSWORD")
    with neo4j.GraphDatabase.driver(neo4j_uri, auth=(user, password) if password else None) as d:
        yield d


def test_14_uniqueness_constraint_on_every_node_key_if_not_exists(
    make_store: Callable[[str], GraphStore], driver: neo4j.Driver
) -> None:
    store = make_store("neo4j")  # ensure_schema has run
    store.ensure_schema()  # and runs again without error (IF NOT EXISTS)
    records, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties "
                                         "RETURN type, labelsOrTypes, properties")
    unique = {(r["labelsOrTypes"][0], tuple(r["properties"])) for r in records if r["type"] == "UNIQUENESS"}
    for t in DOMAIN.node_types:
        assert (cypher.label(t, DOMAIN), ("id",)) in unique, f"no uniqueness constraint on {t}.id"
    assert (cypher.ENTITY, ("id",)) in unique
    creates = [s for s in cypher.schema_statements(DOMAIN) if s.startswith("CREATE")]
    assert creates and all(" IF NOT EXISTS " in s for s in creates)
    before = len(records)
    store.ensure_schema()
    after, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN name")
    assert len(after) == before


def test_18_sample_loads_within_the_transaction_memory_limit(
    make_store: Callable[[str], GraphStore], driver: neo4j.Driver, tmp_path: Path
) -> None:
    records, _, _ = driver.execute_query(
        "SHOW SETTINGS YIELD name, value WHERE name = 'db.memory.transaction.max' RETURN value")
    limit = records[0]["value"] if records else "0"
    if os.environ.get("STAKEGRAPH_NEO4J_URI") is None:  # our launcher sets the limit (512m by default)
        assert limit not in ("0", "0B", ""), f"db.memory.transaction.max is unlimited ({limit!r})"
    store = make_store("neo4j")
    report = loaders.load(ROOT / "data" / "sample", store, batch_size=loaders.DEFAULT_BATCH)
    assert report.written and not report.errors
    with EmbeddedStore(tmp_path / "ref.sqlite") as ref:
        loaders.load(ROOT / "data" / "sample", ref)
        assert store.counts() == ref.counts()
