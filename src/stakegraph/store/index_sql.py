"""The embedded store's reads for the columnar graph index: whole columns as SQL JSON aggregates.

Reading the index row by row (``fetchmany``) makes Python build one tuple and a dozen objects per
edge and then transpose them into columns — at 100k parties that was 3.6 of the index's 5 s. Here
each chunk of :data:`CHUNK` rows is one query whose result is one JSON array per column
(``json_group_array``, built by SQLite in C) parsed by ``orjson`` (in C): the columns arrive as
lists, with no per-row Python.

The read is exact, or it is not used:

* **Reals.** SQLite writes a REAL into JSON with 15 significant digits (``0.1 + 0.2`` becomes
  ``0.3``). The store marks a row ``typed = 2`` when each of its reals round-trips through 15
  significant digits (checked in Python when written, :func:`stakegraph.store.sqlite_schema.edge_columns`):
  those reals are taken from the JSON. In the other rows (``typed = 1``: a real such as
  ``0.30000000000000004``, or a row written before the mark) a real is the only value that arrives
  as a JSON float (SQLite always writes it with a ``.`` or an exponent; integers and quoted text
  never parse as floats), so the floats' positions are exactly the reals to read again, which a
  second query of the chunk fetches as Python floats. (Sending every real as an exact
  ``[mantissa, exponent]`` pair was tried: it cost more than it saved.)
* **Rows not typed** (``typed = 0``: a value SQLite cannot hold as such) are read from their JSON
  properties as the row read does, fetched by a second query of the chunk.
* **Order.** The aggregate's order is the subquery's ``ORDER BY id`` in SQLite's planner but is not
  a documented guarantee (before 3.44's ``ORDER BY`` inside aggregates); the ids read are checked
  strictly increasing across every chunk, and any other outcome raises :class:`NotAggregated`.
* **Anything else** SQLite refuses to put in JSON, or writes as JSON that does not parse (a BLOB
  written by another tool), raises :class:`NotAggregated` too. The caller then reads the
  same snapshot row by row (:func:`read_rows`), which is also the reference the fast read is
  tested against (``tests/store_speed/test_index_sql.py``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson

from stakegraph.arrays import strictly_increasing
from stakegraph.store.graphindex import RowSink, edge_values
from stakegraph.store.sqlite_schema import EDGE_COLUMNS, weights_of

__all__ = ["CHUNK", "NotAggregated", "read_json", "read_rows"]

#: rows per query (the JSON text of a chunk is ≈ 100 bytes a row)
CHUNK = 100_000
_RANGE = "WHERE id >= ? AND id <= ?"  # the ids of one chunk (its first and last)


class NotAggregated(Exception):  # noqa: N818 - a signal between two functions, never raised to a user
    """The JSON aggregates cannot reproduce the rows exactly; read them row by row instead."""


def _increasing(ids: list[str], after: str | None) -> bool:
    """``ids`` strictly increasing (and after ``after``) in SQLite's BINARY order: the byte order
    of UTF-8, which is the code-point order Python compares strings by."""
    if not ids:
        return True
    if after is not None and not after < ids[0]:
        return False
    return strictly_increasing(ids)


def _parse(text: str) -> Any:
    """One JSON array: ``orjson``, or the stdlib where orjson refuses a number (a real near the
    largest double, written with 15 digits, parses beyond it: ``inf``, a float, so read again)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            return json.loads(text)
        except ValueError as e:
            raise NotAggregated(str(e)) from e


def _chunks(db: sqlite3.Connection, table: str, columns: Sequence[str]) -> Any:
    """Yield ``(lists, ids)`` for each chunk of ``table`` in id order: one parsed JSON array per
    entry of ``columns`` (column names) plus the ids (the first array).

    A chunk is a primary-key range (its last id found first, by an index skip), so the aggregate
    reads the table's own order with no subquery to materialise (0.3 s less at 100k parties than
    ``ORDER BY id LIMIT`` in a subquery)."""
    aggregates = ", ".join(f"json_group_array({c})" for c in ("id", *columns))
    bound = f"SELECT id FROM {table} WHERE id > ? ORDER BY id LIMIT 1 OFFSET {CHUNK - 1}"  # noqa: S608
    ranged = f"SELECT {aggregates}, count(*) FROM {table} WHERE id > ? AND id <= ?"  # noqa: S608 - fixed names
    rest = f"SELECT {aggregates}, count(*) FROM {table} WHERE id > ?"  # noqa: S608 - fixed names
    after = ""
    previous: str | None = None
    while True:
        try:
            last = db.execute(bound, (after,)).fetchone()
            *texts, count = (db.execute(rest, (after,)) if last is None
                             else db.execute(ranged, (after, last[0]))).fetchone()
        except sqlite3.OperationalError as e:  # e.g. "JSON cannot hold BLOB values"
            raise NotAggregated(str(e)) from e
        if not count:
            return
        lists = [_parse(t) for t in texts]
        ids = lists[0]
        if len(ids) != count or not _increasing(ids, previous) or (last is not None and ids[-1] != last[0]):
            raise NotAggregated(f"{table}: the aggregate did not keep the id order")
        yield lists, ids
        if last is None:
            return
        after = previous = ids[-1]


def _from_json(columns: Sequence[list[Any]], kinds: Sequence[str], rows: Sequence[int], props: Iterable[Any],
               weights: dict[str, str | None]) -> None:
    """Set the typed columns of ``rows`` (rows not typed) from their decoded ``props``, as
    :func:`stakegraph.store.graphindex.edge_values` reads them (``weights``: kind → weight property,
    filled as kinds are met)."""
    for j, p in zip(rows, props, strict=True):
        k = kinds[j]
        w = weights[k] if k in weights else weights.setdefault(k, weights_of([k])[k])
        for c, v in zip(columns, edge_values(p, w), strict=True):
            c[j] = v


def _reals_at(column: list[Any], rows: list[int]) -> list[int]:
    """Positions among ``rows`` where ``column`` holds a JSON float (a real)."""
    return [j for j in rows if column[j].__class__ is float]


def read_json(db: sqlite3.Connection, sink: RowSink, *, props: bool, loads: Callable[[str], Any]) -> None:
    """Fill ``sink`` with the nodes and edges of ``db`` by column (see the module docstring).

    Raises :class:`NotAggregated` when the aggregates cannot be exact; ``sink`` is then partly filled
    and must be discarded.
    """
    for (_, types, *texts), ids in _chunks(db, "nodes", ("type", *(("props",) if props else ()))):
        sink.nodes(ids, types, list(map(loads, texts[0])) if props else None)
    columns = ("kind", "source", "target", "typed", *EDGE_COLUMNS, *(("props",) if props else ()))
    weights: dict[str, str | None] = {}
    for lists, ids in _chunks(db, "edges", columns):
        _, kinds, sources, targets, typed, *cols = lists
        texts = cols.pop() if props else None
        marks = set(typed)
        exact = marks <= {2}  # every real of the chunk round-trips through its JSON
        loose = [] if exact else [j for j, t in enumerate(typed) if t and t != 2]
        at = {i: f for i, col in enumerate(cols) if (f := _reals_at(col, loose))}
        if at:  # the rows holding a real not written exactly, read again for the columns where one occurs
            rows_at = sorted(set().union(*at.values()))
            names = [EDGE_COLUMNS[i] for i in at]
            real = " OR ".join(f"typeof({c}) = 'real'" for c in names)
            rows = db.execute(f"SELECT {', '.join(names)} FROM edges {_RANGE} AND typed NOT IN (0, 2) "  # noqa: S608
                              f"AND ({real}) ORDER BY id", (ids[0], ids[-1])).fetchall()
            if len(rows) != len(rows_at):
                raise NotAggregated("edges: the rows holding reals changed between two reads")
            for i, values in zip(at, zip(*rows, strict=True), strict=True):
                col = cols[i]  # a row's other values are the JSON's own (the same text, integer or NULL)
                for j, v in zip(rows_at, values, strict=True):
                    col[j] = v
        decoded = list(map(loads, texts)) if texts is not None else None
        if 0 in marks:  # columns of the rows not typed: from their JSON (as the row read does)
            untyped = [j for j, t in enumerate(typed) if not t]
            if decoded is None:
                found = db.execute(f"SELECT props FROM edges {_RANGE} AND NOT typed ORDER BY id",  # noqa: S608
                                   (ids[0], ids[-1])).fetchall()
                if len(found) != len(untyped):
                    raise NotAggregated("edges: the rows not typed changed between two reads")
                own = [loads(t) for (t,) in found]
            else:
                own = [decoded[j] for j in untyped]
            _from_json(cols, kinds, untyped, own, weights)
        sink.typed_edges(ids, kinds, sources, targets, cols, decoded)


#: edges for the row read: ends, the typed columns, and the JSON ({props}) where it is needed
_INDEX_EDGES = ("SELECT id, kind, source, target, typed, status, weight, amount, currency, start_date, end_date,"
                " {props} FROM edges ORDER BY id")


def read_rows(db: sqlite3.Connection, sink: RowSink, *, props: bool, loads: Callable[[str], Any]) -> None:
    """Fill ``sink`` row by row (``fetchmany``): the reference and the fallback of :func:`read_json`."""
    cur = db.execute("SELECT id, type, props FROM nodes ORDER BY id" if props
                     else "SELECT id, type FROM nodes ORDER BY id")
    while chunk := cur.fetchmany(CHUNK):
        cols = list(zip(*chunk, strict=True))
        sink.nodes(cols[0], cols[1], list(map(loads, cols[2])) if props else None)
    cur = db.execute(_INDEX_EDGES.format(props="props" if props else "CASE WHEN typed THEN NULL ELSE props END"))
    weights: dict[str, str | None] = {}
    while chunk := cur.fetchmany(CHUNK):
        ids, kinds, sources, targets, typed, *rest, texts = zip(*chunk, strict=True)
        columns: list[Any] = rest
        decoded = list(map(loads, texts)) if props else None
        if not all(typed):  # columns of the rows not typed: from their JSON
            columns = [list(c) for c in columns]
            untyped = [j for j, t in enumerate(typed) if not t]
            _from_json(columns, kinds, untyped,
                       (decoded[j] if decoded is not None else loads(texts[j]) for j in untyped), weights)
        sink.typed_edges(ids, kinds, sources, targets, columns, decoded)
