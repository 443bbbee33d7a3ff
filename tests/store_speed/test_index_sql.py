"""The embedded store's column read of the graph index (issue 17): JSON aggregates = the row read, exactly.

``index_sql.read_json`` must give the very lists ``index_sql.read_rows`` gives (same values, same
Python types, same float bits), with and without the properties, across chunk boundaries, for
reals no 15-digit JSON number can hold, and otherwise hand over to the row read.
"""

from __future__ import annotations

import math
import sqlite3
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store import index_sql
from stakegraph.store.embedded import EmbeddedStore
from stakegraph.store.graphindex import IndexRows, RowSink, build_index, index_from_rows, json_loads
from tests.store_speed.indexcheck import COLUMNS, assert_index_equals_records

KINDS = [("a", "b", "lends_to"), ("b", "c", "buys_from"), ("c", "p", "sponsors"), ("a", "p", "builds"),
         ("b", "a", "partner_of"), ("c", "a", "owns")]
NODES = [NodeRecord(i, "party", {"name": i.upper()}) for i in ("a", "b", "c")] + \
    [NodeRecord("p", "project", {"name": "P"})]
REALS = [0.1 + 0.2, 1 / 3, 123456789.12345678, 2.0**53 + 2, 5e-324, -0.0, 0.0, 1e300, -1e-300,
         2.2250738585072014e-308, 1.7976931348623157e308, 12.5]


def _read(store: EmbeddedStore, fn: Any, *, props: bool) -> IndexRows:
    sink = RowSink("v", "embedded", props=props)
    fn(store._db, sink, props=props, loads=json_loads())  # noqa: SLF001
    return sink.rows


def _same(a: IndexRows, b: IndexRows) -> None:
    """Equal lists value by value, with the same types and the same float bits (``-0.0`` ≠ ``0.0``)."""
    def bits(col: Any) -> list[Any]:
        return [(type(v), struct.pack("<d", v) if isinstance(v, float) else v) for v in col]

    for f in ("node_ids", "node_types", "edge_ids", "weight", "amount", "node_props", "edge_props"):
        x, y = getattr(a, f), getattr(b, f)
        assert (x is None) == (y is None), f
        if x is not None:
            assert bits(x) == bits(y) if f in ("weight", "amount") else list(x) == list(y), f
    for f in ("kinds", "status", "currency", "start", "end"):
        (xc, xt), (yc, yt) = a.coded[f], b.coded[f]
        assert list(xt) == list(yt) and [type(v) for v in xt] == [type(v) for v in yt], f
        assert np.array_equal(np.concatenate(xc), np.concatenate(yc)), f
    assert a.src is not None and b.src is not None and a.dst is not None and b.dst is not None
    assert np.array_equal(np.concatenate(a.src), np.concatenate(b.src))
    assert np.array_equal(np.concatenate(a.dst), np.concatenate(b.dst))


def _store(edges: list[EdgeRecord]) -> EmbeddedStore:
    store = EmbeddedStore(":memory:")
    store.write(NODES, edges)
    return store


def _edges(props: list[dict[str, Any]], ids: list[str] | None = None) -> list[EdgeRecord]:
    ids = ids or [f"e{i:03d}" for i in range(len(props))]
    return [EdgeRecord(eid, KINDS[i % len(KINDS)][2], KINDS[i % len(KINDS)][0], KINDS[i % len(KINDS)][1], p)
            for i, (eid, p) in enumerate(zip(ids, props, strict=True))]


@pytest.fixture(params=[1, 2, 7, index_sql.CHUNK])
def chunk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(index_sql, "CHUNK", request.param)
    return int(request.param)


@pytest.mark.parametrize("props", [False, True])
def test_reals_no_json_number_holds_read_exactly(chunk: int, props: bool) -> None:
    """0.1 + 0.2 written by SQLite's JSON is 0.3; the column read must still give the exact double."""
    assert sqlite3.connect(":memory:").execute("SELECT json_array(0.1 + 0.2)").fetchone() == ("[0.3]",)
    edges = _edges([{"amount": x, "currency": "EUR", "status": "active"} for x in REALS]
                   + [{"amount": 7}, {"amount": 2**63 - 1}, {"amount": "1,000"}, {}])
    store = _store(edges)
    fast, slow = _read(store, index_sql.read_json, props=props), _read(store, index_sql.read_rows, props=props)
    _same(fast, slow)
    got = {e: a for e, a in zip(fast.edge_ids, fast.amount, strict=True)}
    assert [struct.pack("<d", got[f"e{i:03d}"]) for i in range(len(REALS))] == [struct.pack("<d", x) for x in REALS]
    store.close()


def test_rows_the_columns_cannot_hold_come_from_their_json(chunk: int) -> None:
    odd = [{"status": True, "amount": 1.5}, {"amount": [1, 2]}, {"amount": math.nan}, {"amount": 2**70},
           {"currency": {"code": "EUR"}}, {"status": ["a", "b"]}]
    store = _store(_edges(odd + [{"amount": 0.1 + 0.2, "status": "ended"}] * 3))
    for props in (False, True):
        _same(_read(store, index_sql.read_json, props=props), _read(store, index_sql.read_rows, props=props))
    assert_index_equals_records(store)
    store.close()


_scalar = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**64), max_value=2**64),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
                    st.sampled_from(["2024-01-31", "2025-02-01T10:00", "EUR", " usd", "Ended", "active"]))
_props = st.dictionaries(st.sampled_from(["status", "amount", "currency", "start_date", "end_date", "share_pct",
                                          "volume", "name"]), _scalar, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.text(min_size=1, max_size=4), _props), min_size=1, max_size=25,
                unique_by=lambda t: t[0]))
def test_any_values_and_ids_read_as_the_row_read(chunk: int, rows: list[tuple[str, dict[str, Any]]]) -> None:
    """Random properties (reals of every size, 64-bit and larger integers, text, booleans, NaN) and
    unicode ids (SQLite's byte order = Python's code-point order): the same lists as the row read."""
    store = _store(_edges([{k: v for k, v in p.items() if v is not None} for _, p in rows],
                          ids=[f"e{eid}" for eid, _ in rows]))
    for props in (False, True):
        _same(_read(store, index_sql.read_json, props=props), _read(store, index_sql.read_rows, props=props))
    store.close()


def test_a_blob_sqlite_cannot_put_in_json_hands_over_to_the_row_read(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "s.db")
    store.write(NODES, _edges([{"status": "active", "amount": 0.1 + 0.2}] * 4))
    store._db.execute("UPDATE edges SET status = x'00ff' WHERE id = 'e001'")  # noqa: SLF001 - another tool wrote it
    with pytest.raises(index_sql.NotAggregated):
        _read(store, index_sql.read_json, props=False)
    ix = build_index(store)  # index_rows falls back to the row read of the same snapshot
    sink = RowSink(ix.version, "embedded", props=False)
    index_sql.read_rows(store._db, sink, props=False, loads=json_loads())  # noqa: SLF001
    ref = index_from_rows(sink.rows)
    for col in COLUMNS:
        assert np.array_equal(getattr(ix, col), getattr(ref, col), equal_nan=getattr(ix, col).dtype.kind in "fM"), col
    assert ix.statuses == ref.statuses and b"\x00\xff" in ix.statuses
    store.close()


def test_an_aggregate_out_of_order_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert index_sql._increasing(["a", "b", "z\u20ac", "é", "\U0001f600"], None)  # noqa: SLF001
    assert not index_sql._increasing(["a", "a"], None)  # noqa: SLF001
    assert not index_sql._increasing(["b"], "b")  # noqa: SLF001
    store = EmbeddedStore(tmp_path / "s.db")
    store.write(NODES, _edges([{"amount": 1.5}] * 5))
    expect = build_index(store)
    monkeypatch.setattr(index_sql, "_increasing", lambda ids, after: False)
    got = build_index(store)  # refused, so read row by row: the same index
    assert got.edge_ids == expect.edge_ids
    for col in COLUMNS:
        assert np.array_equal(getattr(got, col), getattr(expect, col), equal_nan=getattr(got, col).dtype.kind in "fM")
    store.close()


def test_an_infinity_another_tool_wrote_hands_over_to_the_row_read(tmp_path: Path) -> None:
    """SQLite holds ``inf`` in a REAL column (the store never writes one: typed = 0) and writes it into
    JSON as ``Inf``, which no JSON parser reads: the row read takes over, with the same index."""
    store = EmbeddedStore(tmp_path / "s.db")
    store.write(NODES, _edges([{"amount": 2.5}] * 3))
    store._db.execute("UPDATE edges SET amount = 9e999 WHERE id = 'e001'")  # noqa: SLF001
    with pytest.raises(index_sql.NotAggregated):
        _read(store, index_sql.read_json, props=False)
    ix = build_index(store)
    assert np.isnan(ix.amount[1]) and ix.amount[0] == 2.5  # not a finite number: NaN, as measures.number reads it
    store.close()


def test_the_largest_doubles_read_exactly(tmp_path: Path) -> None:
    """Written with 15 digits, the largest doubles parse beyond the range (orjson refuses them): the
    stdlib parses them as infinities, which are floats, so their rows are read again exactly."""
    store = EmbeddedStore(tmp_path / "s.db")
    big = [1.7976931348623157e308, -1.7976931348623157e308, 1.7976931348623155e308]
    store.write(NODES, _edges([{"amount": x} for x in big]))
    fast, slow = _read(store, index_sql.read_json, props=False), _read(store, index_sql.read_rows, props=False)
    _same(fast, slow)
    assert fast.amount == big
    store.close()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(min_value=1, max_value=10**15 - 1), st.integers(min_value=-290, max_value=275),
                          st.booleans()), min_size=1, max_size=200))
def test_sqlite_prints_the_reals_marked_exact_exactly(decimals: list[tuple[int, int, bool]]) -> None:
    """The promise ``typed = 2`` rests on: a double that round-trips through 15 significant digits
    (Python's correctly rounded formatting) comes back from SQLite's JSON as the same double."""
    from stakegraph.store.sqlite_schema import edge_columns

    xs = [float(f"{'-' if neg else ''}{m}e{e}") for m, e, neg in decimals]
    xs = [x for x in xs if edge_columns({"amount": x}, None)[0] == 2]
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t(i INTEGER PRIMARY KEY, x REAL)")
    con.executemany("INSERT INTO t(x) VALUES (?)", [(x,) for x in xs])
    (text,) = con.execute("SELECT json_group_array(x) FROM (SELECT x FROM t ORDER BY i)").fetchone()
    got = index_sql._parse(text)  # noqa: SLF001
    assert [struct.pack("<d", v) for v in got] == [struct.pack("<d", x) for x in xs]
    assert all(type(v) is float for v in got)


def test_rows_marked_exact_are_not_read_again(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reals written exactly in 15 digits come from the JSON; only the others are read again."""
    store = _store(_edges([{"amount": 12.5}, {"amount": 0.1 + 0.2}, {"amount": 7}, {"amount": 1e12}]))
    queries: list[str] = []
    store._db.set_trace_callback(queries.append)  # noqa: SLF001
    fast = _read(store, index_sql.read_json, props=False)
    store._db.set_trace_callback(None)  # noqa: SLF001
    assert fast.amount == [12.5, 0.1 + 0.2, 7, 1e12]
    again = [q for q in queries if "typeof(amount)" in q]
    assert len(again) == 1  # for the one chunk holding 0.30000000000000004
    assert chunk != 1 or "id >= 'e001' AND id <= 'e001'" in again[0]
    _same(fast, _read(store, index_sql.read_rows, props=False))
    store.close()


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_the_cheap_exactness_test_never_says_exact_wrongly(x: float) -> None:
    """``_short`` may refuse an exact value, never accept an inexact one: what it accepts round-trips
    through 15 significant digits (Python's correctly rounded formatting) and is not ``-0.0``."""
    from stakegraph.store.sqlite_schema import _short

    if _short(x):
        assert float(f"{x:.15g}") == x and str(x) != "-0.0"
