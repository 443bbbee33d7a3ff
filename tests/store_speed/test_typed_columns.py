"""The embedded store's typed edge columns (issue 17): written at load time, read without JSON."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store.embedded import EmbeddedStore, _dumps
from stakegraph.store.sqlite_schema import edge_columns
from tests.store_speed.indexcheck import assert_index_equals_records

NODES = [NodeRecord(i, "party", {"name": i.upper()}) for i in ("a", "b", "c")] + \
    [NodeRecord("p", "project", {"name": "P"})]
ODD = {  # values SQLite cannot hold as such: the row falls back to its JSON
    "bool status": {"status": True, "amount": 1.0},
    "list amount": {"amount": [1, 2], "currency": "EUR"},
    "inf amount": {"amount": math.inf},
    "nan amount": {"amount": math.nan},
    "huge int": {"amount": 2**70},
    "dict currency": {"currency": {"code": "EUR"}},
}
PLAIN = {
    "text everything": {"status": "Ended ", "amount": "1,000", "currency": "eur", "start_date": "2024-01-31",
                        "end_date": "2025-02-01T10:00"},
    "numbers": {"amount": 12, "currency": "USD", "status": "active"},
    "int status": {"status": 3, "amount": -0.0},
    "odd dates": {"start_date": "2024", "end_date": "not a day"},
    "nothing": {},
}


def _edges(cases: dict[str, dict]) -> list[EdgeRecord]:
    ends = [("a", "b", "lends_to"), ("b", "c", "buys_from"), ("c", "p", "sponsors"), ("a", "p", "builds"),
            ("b", "a", "partner_of"), ("c", "a", "owns")]
    return [EdgeRecord(f"e{i}", ends[i % len(ends)][2], ends[i % len(ends)][0], ends[i % len(ends)][1], dict(p))
            for i, p in enumerate(cases.values())]


def _typed(store: EmbeddedStore) -> dict[str, int]:
    return dict(store._db.execute("SELECT id, typed FROM edges").fetchall())


def test_plain_values_are_typed_and_read_without_json(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.db")
    store.write(NODES, _edges(PLAIN))
    # 2: every real prints exactly in 15 digits; the -0.0 of "int status" does not (SQLite writes 0.0)
    assert _typed(store) == {f"e{i}": 1 if name == "int status" else 2 for i, name in enumerate(PLAIN)}
    row = store._db.execute("SELECT status, amount, currency, start_date FROM edges WHERE id='e0'").fetchone()
    assert row == ("Ended ", "1,000", "eur", "2024-01-31")  # as stored, no affinity conversion
    assert_index_equals_records(store)
    store.close()


def test_odd_values_fall_back_to_json_and_read_the_same(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.db")
    store.write(NODES, _edges({**ODD, **PLAIN}))
    typed = _typed(store)
    assert [typed[f"e{i}"] for i in range(len(ODD))] == [0] * len(ODD)
    assert {typed[f"e{i}"] for i in range(len(ODD), len(ODD) + len(PLAIN))} == {1, 2}
    assert_index_equals_records(store)
    store.close()


def test_an_update_rewrites_the_columns(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.db")
    store.write(NODES, _edges({"x": {"status": True, "amount": 5}}))
    assert _typed(store) == {"e0": 0}
    store.write((), [EdgeRecord("e0", "lends_to", "a", "b", {"status": "ended"})])
    row = store._db.execute("SELECT typed, status, amount, weight FROM edges").fetchone()
    assert row == (2, "ended", 5, 5)
    assert_index_equals_records(store)
    store.close()


def test_memory_store_reads_the_same() -> None:
    store = EmbeddedStore(":memory:")
    store.write(NODES, _edges({**PLAIN, **ODD}))
    assert_index_equals_records(store)


def test_columns_rule() -> None:
    assert edge_columns({"annual_revenue": 7, "amount": 1}, "annual_revenue") == (2, None, 7, 1, None, None, None)
    assert edge_columns({"share_pct": False}, "share_pct")[0] == 0
    assert edge_columns({"share_pct": False}, None)[0] == 2  # not a column of this kind: not read
    # 2 only when every real prints exactly in the 15 significant digits of SQLite's JSON
    assert [edge_columns({"amount": x}, None)[0] for x in (12.5, 0.1, 1e12, 0.0, 123456789012345.0, 0.0425,
                                                          -2.5e9 + 0.01)] == [2] * 7
    # not exact in 15 digits, or (1e15, 1e-7: the cheap test errs on the safe side) not shown to be
    assert [edge_columns({"amount": x}, None)[0] for x in (0.1 + 0.2, 1 / 3, -0.0, 5e-324, 1e300, 1e15, 1e-7)] \
        == [1] * 7
    assert edge_columns({"amount": 12.5, "status": 0.1 + 0.2}, None)[0] == 1


_scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(),
                     st.text(max_size=8))
_values = st.one_of(_scalars, st.lists(_scalars, max_size=3))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), _values, max_size=6))
def test_dumps_reads_back_as_the_stdlib_encoding(props: dict) -> None:
    """The orjson fast path and the stdlib encoder store the same values (NaN included)."""
    props = {k: v for k, v in props.items() if v is not None}
    expect = json.dumps(props, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    got = _dumps(props)
    assert json.dumps(json.loads(got), sort_keys=True) == json.dumps(json.loads(expect), sort_keys=True)
    assert list(json.loads(got)) == sorted(props)


def test_a_batch_naming_an_edge_twice_keeps_the_last(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.db")
    twice = [EdgeRecord("e", "lends_to", "a", "b", {"amount": 1}), EdgeRecord("e", "lends_to", "a", "b", {"amount": 2})]
    store.write(NODES, twice)
    assert store.get_edge("e").props["amount"] == 2
    assert sqlite3.connect(tmp_path / "s.db").execute("SELECT amount FROM edges").fetchone() == (2,)
    store.close()


@pytest.mark.parametrize("props", [{"amount": 1}, {"amount": "2"}])
def test_reload_is_unchanged(tmp_path: Path, props: dict) -> None:
    store = EmbeddedStore(tmp_path / "s.db")
    store.write(NODES, [EdgeRecord("e", "lends_to", "a", "b", props)])
    again = store.write(NODES, [EdgeRecord("e", "lends_to", "a", "b", props)])
    assert again.changed == 0
    store.close()
