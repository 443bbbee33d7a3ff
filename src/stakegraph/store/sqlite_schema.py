"""The embedded store's SQLite schema, its version, and the migration of older files.

Schema 2 (issue 17) adds typed edge columns written at load time — ``status``, ``weight`` (the
value of the kind's declared weight property), ``amount``, ``currency``, ``start_date``,
``end_date`` — so that the columnar graph index (:mod:`stakegraph.store.graphindex`) reads them
without decoding any JSON. The columns have no type affinity: each holds the property's value as
stored (text, integer or real), so the index reads exactly what decoding the JSON would give.
``typed`` says the row's columns are filled; a value SQLite cannot hold as such (a boolean, a
list, a non-finite number, an integer beyond 64 bits) leaves it 0 and readers fall back to the
JSON properties of that row, so a row is never misread. ``typed = 2`` (since 2026-12) also says
every real in the row prints exactly in the 15 significant digits SQLite's JSON functions write,
so the index's column read takes them from JSON; rows written earlier say 1 and their reals are
read as REALs (slower, as exact).

A file written before schema 2 is migrated when it is opened: the columns are added and filled
from the JSON in one transaction (a crash leaves the old file intact). The fill also runs when
the domain's declared weight properties changed since the file was written (``meta.edge_columns``).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from stakegraph.errors import StoreError

__all__ = ["INDEXES", "SCHEMA", "SCHEMA_VERSION", "EDGE_COLUMNS", "edge_columns", "migrate", "weights_of"]

#: Version of the layout below, kept in ``meta.schema``.
SCHEMA_VERSION = 2
#: The typed edge columns, in the order :func:`edge_columns` returns them.
EDGE_COLUMNS = ("status", "weight", "amount", "currency", "start_date", "end_date")

SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, kind TEXT, name TEXT, search TEXT,
  country TEXT, load_id TEXT, props TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS edges (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL,
  load_id TEXT, props TEXT NOT NULL,
  typed INTEGER NOT NULL DEFAULT 0, status, weight, amount, currency, start_date, end_date
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS fx_rates (
  date TEXT NOT NULL, currency TEXT NOT NULL, base TEXT NOT NULL, rate REAL NOT NULL, source TEXT NOT NULL,
  PRIMARY KEY (date, currency, base)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS match_decisions (
  a TEXT NOT NULL, b TEXT NOT NULL, decision TEXT NOT NULL, score REAL, note TEXT NOT NULL, at TEXT NOT NULL,
  PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nodes_type_name ON nodes(type, name, id);
CREATE INDEX IF NOT EXISTS nodes_kind ON nodes(kind);
CREATE INDEX IF NOT EXISTS nodes_country ON nodes(country);
CREATE INDEX IF NOT EXISTS nodes_load ON nodes(load_id);
DROP INDEX IF EXISTS edges_source;
DROP INDEX IF EXISTS edges_target;
CREATE INDEX IF NOT EXISTS edges_source_ends ON edges(source, kind, target);
CREATE INDEX IF NOT EXISTS edges_target_ends ON edges(target, kind, source);
CREATE INDEX IF NOT EXISTS edges_kind ON edges(kind);
CREATE INDEX IF NOT EXISTS edges_load ON edges(load_id);
"""

_INT64 = 2**63
#: ``(name, CREATE INDEX statement)`` of every secondary index in :data:`SCHEMA`
INDEXES = tuple((m.group(1), m.group(0)) for m in re.finditer(r"CREATE INDEX IF NOT EXISTS (\w+) ON [^;]+;", SCHEMA))


def weights_of(kinds: Iterable[str]) -> dict[str, str | None]:
    """``kind -> declared weight property`` (:func:`stakegraph.measures.declared_weight`)."""
    from stakegraph.measures import declared_weight

    return {k: declared_weight(k) for k in kinds}


def edge_columns(props: Mapping[str, Any], weight: str | None) -> tuple[Any, ...]:
    """``(typed, status, weight, amount, currency, start_date, end_date)`` of one edge's properties.

    ``weight`` names the kind's declared weight property (``None``: none). ``typed`` is 0, and the
    columns ``None``, when a value is not one SQLite holds as the very value JSON decoding gives
    (``None``, text, a 64-bit int, a finite float; not a bool): readers then decode the JSON.
    ``typed`` is 2 when every real among the values is written exactly by 15 significant digits —
    what SQLite's JSON functions print — so the index's column read (:mod:`stakegraph.store.index_sql`)
    takes those reals from the JSON; 1 when one is not (``0.1 + 0.2``) and must be read as a REAL.
    The test (:func:`_short`) is cheap and errs on the safe side: a value that fails it may still be
    exact, and is then merely read as a REAL.

    >>> edge_columns({"amount": 5.0, "currency": "EUR", "status": "active"}, "amount")
    (2, 'active', 5.0, 5.0, 'EUR', None, None)
    >>> edge_columns({"amount": 0.1 + 0.2}, None)[0]  # 0.30000000000000004 needs 17 digits
    1
    >>> edge_columns({"status": True}, None)
    (0, None, None, None, None, None, None)
    """
    get = props.get
    vals = (get("status"), get(weight) if weight else None, get("amount"), get("currency"),
            get("start_date"), get("end_date"))
    typed = 2
    for v in vals:  # once per edge of a load: inline, no call per value
        t = type(v)
        if t is str or v is None or (t is int and -_INT64 <= v < _INT64):
            continue
        if t is float and v - v == 0.0:
            if typed == 2 and not (v and -1e9 < v < 1e9 and round(v * 1e6) / 1e6 == v) and not _short(v):
                typed = 1  # (the first test is _short's common case, inline: once per real of a load)
            continue
        return _UNTYPED
    return (typed, *vals)


_UNTYPED = (0, None, None, None, None, None, None)


def _short(v: float) -> bool:
    """``v`` (finite) is the double nearest a decimal of at most 15 significant digits (so SQLite's
    15-digit JSON gives it back exactly) — by a cheap sufficient test; ``False`` may be exact too.

    ``round(v · 10**k) / 10**k == v`` with ``|round(v · 10**k)| < 10**15`` says so: Python's int
    and IEEE division round correctly, so the quotient is the double nearest that decimal. Tried
    with k = 6 (rates, shares, most amounts), then 2 (amounts up to 10**13), else Python's shortest
    ``repr`` counted. ``-0.0`` is refused: SQLite prints it ``0.0``.

    >>> [_short(x) for x in (12.5, 0.0425, 1.5e9 + 0.25, 7.0, 0.1 + 0.2, -0.0, 1e300, 123456789012.345)]
    [True, True, True, True, False, False, False, True]
    """
    a = abs(v)
    if a < 1e9:
        if round(v * 1e6) / 1e6 == v:
            return v != 0.0 or str(v) == "0.0"
    elif a < 1e13 and round(v * 100.0) / 100.0 == v:
        return True
    r = repr(v)
    return "e" not in r and len(r) - (r[0] == "-") - (r[-2:] == ".0") <= 16 and r != "-0.0"


def _signature() -> str:
    """What the typed columns were computed from: the column keys and every kind's weight property."""
    from stakegraph.domain import RELATIONSHIP_KINDS

    return json.dumps({"columns": EDGE_COLUMNS, "weights": weights_of(sorted(RELATIONSHIP_KINDS))}, sort_keys=True)


def _meta(db: sqlite3.Connection, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return None if row is None else str(row[0])


def _fill(db: sqlite3.Connection, loads: Callable[[str], Any], *, everything: bool) -> int:
    """Compute the typed columns from the JSON of the rows not yet typed (every row with ``everything``)."""
    where = "" if everything else " WHERE typed = 0"
    rows = db.execute(f"SELECT id, kind, props FROM edges{where}").fetchall()  # noqa: S608 - fixed fragments
    weights = weights_of({r[1] for r in rows})
    update = [(*edge_columns(loads(p), weights[k]), i) for i, k, p in rows]
    db.executemany("UPDATE edges SET typed=?, status=?, weight=?, amount=?, currency=?, start_date=?, end_date=?"
                   " WHERE id=?", update)
    return len(update)


def migrate(db: sqlite3.Connection, path: str, loads: Callable[[str], Any]) -> int:
    """Bring the file on ``db`` (autocommit connection) to :data:`SCHEMA_VERSION`; rows filled.

    Creates a new file's tables; adds and fills the typed edge columns of a schema-1 file; refills
    them when the domain's weight properties changed. One transaction: all of it or none of it.
    Raises :class:`stakegraph.errors.StoreError` saying what to do when the file is newer than this
    stakegraph or cannot be written.
    """
    try:
        db.executescript(SCHEMA)
        version = _meta(db, "schema")
        if version is not None and int(version) > SCHEMA_VERSION:
            raise StoreError(
                f"the embedded store at {path} has schema {version}, newer than this stakegraph reads "
                f"({SCHEMA_VERSION}); upgrade stakegraph (pip install -U stakegraph) or point "
                "STAKEGRAPH_DATA_DIR at another folder")
        signature = _signature()
        if version is not None and _meta(db, "edge_columns") == signature:
            return 0
        db.execute("BEGIN IMMEDIATE")
        try:
            have = {r[1] for r in db.execute("PRAGMA table_info(edges)")}
            for col in ("typed", *EDGE_COLUMNS):
                if col not in have:
                    kind = " INTEGER NOT NULL DEFAULT 0" if col == "typed" else ""
                    db.execute(f"ALTER TABLE edges ADD COLUMN {col}{kind}")
            filled = _fill(db, loads, everything=version is not None)
            db.execute("INSERT INTO meta(key,value) VALUES ('schema',?), ('edge_columns',?) ON CONFLICT(key) DO "
                       "UPDATE SET value=excluded.value", (str(SCHEMA_VERSION), signature))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    except sqlite3.Error as e:
        raise StoreError(
            f"the embedded store at {path} needs a one-time upgrade to schema {SCHEMA_VERSION} (typed edge "
            f"columns) and it failed: {e}; open it once with write access and no other writer "
            "(e.g. `stakegraph info`), or restore it from a backup") from e
    return filled
