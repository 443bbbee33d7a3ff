"""``stakegraph load --bulk`` (``neo4j-admin database import full``) gives what a normal load gives.

Runs on a Neo4j server of its own (started here in a temporary home), since the
import stops and restarts the server it imports into.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stakegraph.devserver import neo4j as devserver
from stakegraph.loaders import load
from stakegraph.store import cypher
from stakegraph.store.neo4j import Neo4jStore
from stakegraph.store.neo4j_bulk import BulkRefused, bulk_load
from tests.conftest import ROOT
from tests.neo4j_fixture import READY_TIMEOUT

pytestmark = pytest.mark.neo4j
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def bulk_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(uri, home) of a Neo4j server only these tests use."""
    home = tmp_path_factory.mktemp("bulk") / "server"
    devserver.ensure_jars()
    handle = devserver.start(home, devserver.free_port(), wait=max(READY_TIMEOUT, 300), watch_parent=True)
    try:
        yield handle.uri, handle.home
    finally:
        devserver.stop(home)


def _export(store: Neo4jStore) -> tuple[list[Any], list[Any], list[Any]]:
    """Every node and edge with its properties and their Python types, and the FX rates."""
    def typed(props: dict[str, Any]) -> dict[str, Any]:
        return {k: (v, type(v).__name__) for k, v in props.items()}

    return ([(n.id, n.type, typed(dict(n.props))) for n in store.iter_nodes()],
            [(e.id, e.kind, e.source, e.target, typed(dict(e.props))) for e in store.iter_edges()],
            store.fx_rates())


def test_bulk_load_equals_a_normal_load(bulk_server: tuple[str, Path], tmp_path: Path) -> None:
    uri, home = bulk_server
    with Neo4jStore.connect(uri) as store:
        store.clear()
        normal = load(SAMPLE, store)
        expected = _export(store)
        store.clear()
        before = store.graph_version()
        report, result = bulk_load(SAMPLE, store, folder=tmp_path / "files", home=home)
        assert result is not None and result.imported
        assert report.written and not report.errors
        assert report.counts == normal.counts  # every record counted created, as a first normal load counts it
        assert _export(store) == expected  # ids, properties with their types, provenance, FX rates
        assert int(store.graph_version().split(":")[1]) > int(before.split(":")[1])
        names = {r["name"] for r in store._read(cypher.SCHEMA_NAMES)}
        assert {cypher.schema_name(q) for q in cypher.schema_statements()} <= names
        # a normal re-load afterwards finds every record unchanged
        again = load(SAMPLE, store)
        assert again.total("created") == again.total("updated") == 0


def test_bulk_load_refuses_a_non_empty_database(bulk_server: tuple[str, Path], tmp_path: Path) -> None:
    uri, home = bulk_server
    with Neo4jStore.connect(uri) as store:
        store.clear()
        load(SAMPLE / "parties.csv", store)
        counts = store.counts()
        pid = devserver.status(home)["pid"]
        with pytest.raises(BulkRefused, match="not empty") as info:
            bulk_load(SAMPLE, store, folder=tmp_path / "files", home=home)
        assert "without --bulk" in str(info.value)
        assert store.counts() == counts  # nothing written, the server not restarted
        assert devserver.status(home)["pid"] == pid
        assert not (tmp_path / "files").exists()
