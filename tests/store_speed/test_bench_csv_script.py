"""The csv script of ``bench.load_neo4j`` (issue 17's floor) writes what the loader writes: the same nodes
and as many relationships, read from the canonical CSV files with the ``csv`` module alone."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench import common
from bench.load_neo4j import csv_rows
from stakegraph.loaders import load
from stakegraph.store.embedded import EmbeddedStore


def test_csv_script_rows_match_the_loader(tmp_path: Path) -> None:
    folder = common.portfolio(100, relationships=300)
    nodes, edges = csv_rows(folder)
    with EmbeddedStore(tmp_path / "s.db") as store:
        load(folder, store)
        loaded_nodes = {n.id: n.type for n in store.iter_nodes()}
        loaded_kinds = Counter(e.kind for e in store.iter_edges())
    assert {r["id"]: t for t, rows in nodes.items() for r in rows} == loaded_nodes
    assert Counter({k: len(rows) for k, rows in edges.items()}) == loaded_kinds
    row = nodes["party"][0]
    assert row["props"]["id"] == row["id"] and row["props"]["source_file"] == "parties.csv"
    assert all(type(v) is str for rows in nodes.values() for r in rows for v in r["props"].values())


def test_bulk_phases_follow_the_progress_messages() -> None:
    from bench.load_neo4j import bulk_phases

    marks = [("Stopping Neo4j (pid 1) ...", 7.0), ("Neo4j stopped.", 10.0), ("Running neo4j-admin database import", 10.0),
             ("Starting Neo4j 5.26.30 on bolt://x ...", 33.0), ("Neo4j 5.26.30 ready at bolt://x (pid 2).", 50.0),
             ("Creating 51 constraints and indexes ...", 50.5), ("Setting the graph version ...", 62.0)]
    got = bulk_phases(marks, 65.0)
    assert got == {"validate+csv": 7.0, "stop": 3.0, "import": 23.0, "JVM start until Bolt answers": 17.0,
                   "constraints+indexes": 12.0, "await indexes": 0.0, "version, leftovers, FX": 3.0}
    assert sum(bulk_phases(marks[:2], 12.0).values()) == 12.0
