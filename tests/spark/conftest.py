"""The Spark tests' shared pieces: ONE local[2] SparkSession for the whole run, and the graphs they compare on.

Every test here is marked ``spark``. Without pyspark or Java 17 the tests are skipped with the reason,
except in CI (``CI`` set), where that is a failure: CI installs the spark extra and must run them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
IN_CI = bool(os.environ.get("CI"))
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The run's SparkSession: local[2], two shuffle partitions (small data)."""
    from stakegraph.errors import SparkUnavailable

    try:
        from stakegraph.spark.session import get_spark

        session = get_spark("local[2]", partitions=2, memory="1g")
    except (ImportError, SparkUnavailable) as e:
        if IN_CI:
            pytest.fail(f"the Spark tests cannot run in CI: {e}")
        pytest.skip(f"Spark unavailable: {e}")
    yield session
    session.stop()


def _loaded(source: Path, **kw: Any) -> tuple[Any, nx.MultiDiGraph]:
    from stakegraph.loaders.pipeline import load
    from stakegraph.settings import Settings
    from stakegraph.store import EmbeddedStore
    from stakegraph.workspace import Workspace

    data_dir = Path(tempfile.mkdtemp(prefix="stakegraph-spark-test-"))
    store = EmbeddedStore(data_dir / "stakegraph.sqlite")
    store.ensure_schema()
    load(source, store, **kw)
    ws = Workspace(store, Settings(_env_file=None, data_dir=data_dir, neo4j_uri=None),  # type: ignore[call-arg]
                   owns_store=True)
    return ws, ws.projection()


@pytest.fixture(scope="session")
def sample_ws() -> Iterator[Any]:
    """A workspace on the bundled sample (embedded store in a temporary data dir)."""
    ws, _ = _loaded(SAMPLE)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def sample_graph() -> nx.MultiDiGraph:
    """The bundled sample's projection (:func:`tests.spark.parity_data.sample_graph`, built once)."""
    from tests.spark.parity_data import sample_graph

    return sample_graph()


@pytest.fixture(scope="session")
def generated_graph() -> nx.MultiDiGraph:
    """The parity suite's seeded generated portfolio (:func:`tests.spark.parity_data.generated_graph`)."""
    from tests.spark.parity_data import generated_graph

    return generated_graph()


@pytest.fixture(scope="session")
def worldbank_graph() -> nx.MultiDiGraph:
    """The World Bank financiers (:func:`tests.spark.parity_data.worldbank_graph`)."""
    from tests.spark.parity_data import worldbank_graph

    return worldbank_graph()
