"""Opening an embedded store written before schema 2 (typed edge columns, issue 17) migrates it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from stakegraph.errors import StoreError
from stakegraph.store import sqlite_schema
from stakegraph.store.embedded import EmbeddedStore
from tests.store_speed.indexcheck import assert_index_equals_records

#: The schema before typed columns (stakegraph ≤ the wave of 2026-12-02), verbatim.
SCHEMA_1 = """
CREATE TABLE nodes (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, kind TEXT, name TEXT, search TEXT,
  country TEXT, load_id TEXT, props TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE edges (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,
  load_id TEXT, props TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX edges_source_ends ON edges(source, kind, target);
CREATE INDEX edges_target_ends ON edges(target, kind, source);
"""
EDGES = {
    "e1": ("lends_to", "a", "b", {"amount": 10.5, "currency": "EUR", "status": "active", "load_id": "L"}),
    "e2": ("buys_from", "b", "a", {"annual_revenue": 7, "start_date": "2024-01-31", "end_date": "2030-12-31"}),
    "e3": ("owns", "a", "b", {"share_pct": True}),  # a boolean: stays in the JSON (typed = 0)
    "e4": ("lends_to", "b", "a", {"amount": [1, 2], "status": "ended"}),
}


def _old_file(path: Path) -> Path:
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript(SCHEMA_1)
    for nid in ("a", "b"):
        con.execute("INSERT INTO nodes(id,type,name,props) VALUES (?,?,?,?)",
                    (nid, "party", nid.upper(), json.dumps({"name": nid.upper()})))
    for eid, (kind, s, t, props) in EDGES.items():
        con.execute("INSERT INTO edges(id,kind,source,target,load_id,props) VALUES (?,?,?,?,?,?)",
                    (eid, kind, s, t, props.get("load_id"), json.dumps(props, sort_keys=True)))
    con.execute("INSERT INTO meta VALUES ('version', '7')")
    con.close()
    return path


def _rows(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_an_old_file_is_migrated_on_open(tmp_path: Path) -> None:
    db = _old_file(tmp_path / "old.db")
    with EmbeddedStore(db) as store:
        assert store.graph_version() == "embedded:7"  # the graph did not change
        assert_index_equals_records(store)
        assert [e.id for e in store.iter_edges()] == list(EDGES)
    assert _rows(db, "SELECT value FROM meta WHERE key='schema'") == [(str(sqlite_schema.SCHEMA_VERSION),)]
    assert _rows(db, "SELECT id, typed, status, weight, amount, currency, start_date FROM edges ORDER BY id") == [
        ("e1", 2, "active", 10.5, 10.5, "EUR", None),
        ("e2", 2, None, 7, None, None, "2024-01-31"),
        ("e3", 0, None, None, None, None, None),
        ("e4", 0, None, None, None, None, None),
    ]
    with EmbeddedStore(db) as store:  # a second open finds it current and changes nothing
        assert store.graph_version() == "embedded:7"
        assert_index_equals_records(store)


def test_a_failed_migration_leaves_the_old_file_and_says_what_to_do(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db = _old_file(tmp_path / "old.db")

    def broken(*a: object, **k: object) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(sqlite_schema, "_fill", broken)
    with pytest.raises(StoreError, match="one-time upgrade.*open it once with write access"):
        EmbeddedStore(db)
    cols = [r[1] for r in _rows(db, "PRAGMA table_info(edges)")]
    assert "typed" not in cols  # rolled back: the file is as it was
    assert _rows(db, "SELECT count(*) FROM meta WHERE key='schema'") == [(0,)]
    monkeypatch.undo()
    with EmbeddedStore(db) as store:
        assert_index_equals_records(store)


def test_a_newer_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    EmbeddedStore(db).close()
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value='99' WHERE key='schema'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer than this stakegraph.*upgrade stakegraph"):
        EmbeddedStore(db)


def test_columns_are_refilled_when_the_domain_weights_change(tmp_path: Path) -> None:
    db = _old_file(tmp_path / "old.db")
    EmbeddedStore(db).close()
    con = sqlite3.connect(db)
    con.execute("UPDATE meta SET value='{}' WHERE key='edge_columns'")
    con.execute("UPDATE edges SET weight = 'stale'")
    con.commit()
    con.close()
    with EmbeddedStore(db) as store:
        assert_index_equals_records(store)
    assert _rows(db, "SELECT weight FROM edges WHERE id='e1'") == [(10.5,)]
