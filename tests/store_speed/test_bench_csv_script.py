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
