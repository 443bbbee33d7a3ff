"""``stakegraph export --parquet`` writes the same dataset from either backend (issue 18, item 1).

The Spark backend reads the graph from this export (the Neo4j Connector for Apache Spark has no
release for Spark 4 on Maven Central; docs/spark.md). So the export from Neo4j must hold exactly what
the export from the embedded store holds: every node and edge row (ids, types, kinds, typed columns,
provenance, the rest as JSON), the manifest's counts and the graph attributes — only the graph
version and the ``store`` attribute differ (they name the backend).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stakegraph.loaders import load
from stakegraph.spark.frames import write_parquet
from stakegraph.store.base import GraphStore

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _export(store: GraphStore, folder: Path) -> dict[str, Any]:
    import pyarrow.dataset as ds

    load(SAMPLE, store)
    G = store.project()
    out = write_parquet(G, folder, version=store.graph_version())
    tables = {}
    for name, part, key in (("nodes", "type", "id"), ("edges", "kind", "id")):
        rows = ds.dataset(out / name, format="parquet", partitioning="hive").to_table().to_pylist()
        tables[name] = sorted(({k: v for k, v in r.items() if k != part} | {part: str(r[part])} for r in rows),
                              key=lambda r: r[key])
    manifest = json.loads((out / "manifest.json").read_text())
    attrs = json.loads((out / "graph.json").read_text())
    for doc in (manifest, attrs):
        doc.pop("version", None)
        doc.pop("store", None)
    return {"tables": tables, "manifest": manifest, "graph": attrs}


@pytest.mark.neo4j
def test_export_from_neo4j_equals_export_from_embedded(make_store: Callable[[str], GraphStore],
                                                      tmp_path: Path) -> None:
    embedded = _export(make_store("embedded"), tmp_path / "embedded")
    neo4j = _export(make_store("neo4j"), tmp_path / "neo4j")
    assert neo4j["manifest"] == embedded["manifest"]
    assert neo4j["manifest"]["counts"]["edge_rows"] > 6000
    assert neo4j["graph"] == embedded["graph"]
    for name in ("nodes", "edges"):
        assert len(neo4j["tables"][name]) == len(embedded["tables"][name])
        for a, b in zip(neo4j["tables"][name], embedded["tables"][name], strict=True):
            assert a == b, (name, a["id"])
