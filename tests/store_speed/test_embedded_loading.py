"""The embedded store's ``loading()``: a load into an empty store builds its secondary indexes once at the end.

What must hold: after a load (finished, failed or interrupted) every index of the schema exists;
a store that holds anything keeps its indexes during a load; the data and the answers are the
same as without the context (the loader's own tests compare whole stores).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from stakegraph.loaders import load
from stakegraph.model import NodeRecord
from stakegraph.store.embedded import EmbeddedStore
from stakegraph.store.sqlite_schema import INDEXES

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"
NAMES = {name for name, _ in INDEXES}


def indexes(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL")}
    finally:
        con.close()


def test_the_schema_declares_the_indexes_the_store_has(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "s.db"):
        pass
    assert len(NAMES) == 8 and indexes(tmp_path / "s.db") == NAMES


def test_dropped_during_a_load_into_an_empty_store_and_built_after(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with EmbeddedStore(path) as store:
        with store.loading():
            assert indexes(path) == set()
            store.write([NodeRecord("p1", "party", {"name": "A"})])
        assert indexes(path) == NAMES
        assert store.get_nodes(["p1"])[0] is not None


def test_kept_when_the_store_holds_anything(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with EmbeddedStore(path) as store:
        store.write([NodeRecord("p1", "party", {"name": "A"})])
        with store.loading():
            assert indexes(path) == NAMES
            store.write([NodeRecord("p2", "party", {"name": "B"})])
        assert indexes(path) == NAMES


def test_built_again_when_the_load_fails(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with EmbeddedStore(path) as store:
        with pytest.raises(RuntimeError), store.loading():
            store.write([NodeRecord("p1", "party", {"name": "A"})])
            raise RuntimeError("a load that stops half way")
        assert indexes(path) == NAMES


def test_built_by_the_next_open_after_a_process_died_mid_load(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with EmbeddedStore(path) as store:
        store.write([NodeRecord("p1", "party", {"name": "A"})])
    con = sqlite3.connect(path)  # what loading() leaves when the process is killed before its end
    for name in NAMES:
        con.execute(f"DROP INDEX {name}")
    con.close()
    assert indexes(path) == set()
    with EmbeddedStore(path) as again:
        assert indexes(path) == NAMES
        assert again.get_nodes(["p1"])[0] is not None


def test_a_whole_load_leaves_every_index_and_the_same_graph(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "a.db") as a:
        load(SAMPLE, a)
        assert indexes(tmp_path / "a.db") == NAMES
        with EmbeddedStore(tmp_path / "b.db") as b:
            b.write(list(a.iter_nodes()), list(a.iter_edges()))  # the same records without loading()
            assert list(a.iter_nodes()) == list(b.iter_nodes())
            assert list(a.iter_edges()) == list(b.iter_edges())
            assert a.counts() == b.counts()
