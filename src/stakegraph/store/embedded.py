"""The embedded default store: one SQLite file, no server.

Why SQLite: it ships with Python, a committed transaction survives a crash or a
``kill -9`` (write-ahead log with ``synchronous=FULL``), and one file is easy to
copy and back up. The graph is kept as two tables (nodes, edges) with the
properties as canonical JSON, plus the edge values the graph index reads as typed
columns written at load time (:mod:`stakegraph.store.sqlite_schema`, which also
migrates older files); traversal is done with indexed look-ups per hop.
Each :meth:`EmbeddedStore.write` is one transaction: all of it or none of it.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from stakegraph.domain import DOMAIN, Direction, PropType
from stakegraph.errors import DanglingEdge, DomainError, StoreError, StoreUnavailable
from stakegraph.measures import INACTIVE_STATUSES
from stakegraph.model import EdgeRecord, NodeRecord, WriteStats
from stakegraph.money import FxRate
from stakegraph.store.base import GraphStore, MatchDecision, decision_rows, match_decision
from stakegraph.store.base import fx_rate as _fx_rate
from stakegraph.store.base import fx_rows as _fx_rows
from stakegraph.store.filters import (
    EXPOSURE_KINDS,
    DateRange,
    EdgeFilter,
    ExtraEquals,
    NodeFilter,
    Range,
    Sort,
    check_edge_query,
    check_node_query,
    extra_types,
    type_conflict,
)
from stakegraph.store.sqlite_schema import INDEXES, edge_columns, migrate, weights_of
from stakegraph.store.sqlite_schema import SCHEMA as _SCHEMA  # noqa: F401 - bench/load.py reads it
from stakegraph.store.write_ledger import NodeLedger

PROVENANCE_KEYS = ("source_file", "source_row", "load_id")
_ANY = NodeFilter()
_first = itemgetter(0)
_ANY_EDGE = EdgeFilter()
_CHUNK = 500  # ids per IN (...) query, below SQLite's variable limit
_PAGE = 10_000  # rows per page of iter_nodes / iter_edges


_orjson_dumps = orjson.dumps
#: sorted keys; a subclass of a builtin, a date or a dataclass is refused (the stdlib encoder then decides, as before)
_ORJSON_OPTS = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME
                | orjson.OPT_PASSTHROUGH_DATACLASS)
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _dumps(props: dict[str, Any]) -> str:
    """Canonical JSON of the properties: keys sorted, compact, UTF-8 text.

    orjson (≈ 5× the stdlib encoder) first; the stdlib encoder when orjson refuses a value (an int
    beyond 64 bits, a lone surrogate, a non-text key, a subclass of a builtin type, a date) or when
    its text holds ``null``: orjson writes a float that is not finite as ``null``, the stdlib encoder
    as ``NaN``/``Infinity``, which is what is stored, so it reads back as the same value.

    >>> _dumps({"b": 1.5, "a": "x"})
    '{"a":"x","b":1.5}'
    >>> _dumps({"x": float("nan")})
    '{"x":NaN}'
    """
    try:
        out = _orjson_dumps(props, option=_ORJSON_OPTS)
    except TypeError:  # orjson.JSONEncodeError
        return _ENCODER.encode(props)
    if b"null" in out:  # a null (or a non-finite float orjson made one), or the text "null" in a value
        return _ENCODER.encode(props)
    return out.decode()


def _search_text(nid: str, props: dict[str, Any]) -> str:
    return " ".join(str(props.get(k) or "") for k in ("name", "name_en")).lower() + " " + nid.lower()


def _node_row(nid: str, ntype: str, props: dict[str, Any]) -> tuple[Any, ...]:
    """The ``nodes`` row of a node whose stored properties will be ``props``."""
    get = props.get
    return (nid, ntype, get("kind"), get("name"), _search_text(nid, props), get("country"), get("load_id"),
            _dumps(props))


def _present(props: Any) -> dict[str, Any]:
    """``props`` without ``None`` values: itself when it has none (read only), else a cleaned copy."""
    if type(props) is dict:
        for v in props.values():
            if v is None:
                break
        else:
            return props
    return {k: v for k, v in props.items() if v is not None}


def _merge(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Properties after an upsert: new values over old; provenance kept from the creator."""
    if old is None:
        return dict(new)
    merged = {**old, **{k: v for k, v in new.items() if k not in PROVENANCE_KEYS}}
    for k in PROVENANCE_KEYS:
        if k not in merged and k in new:
            merged[k] = new[k]
    return merged


def _clean(props: Any) -> dict[str, Any]:
    """Incoming properties without ``None`` values (a missing value never erases a stored one)."""
    return {k: v for k, v in props.items() if v is not None}


def _check_type(node_type: str) -> None:
    if node_type not in DOMAIN.node_types:
        raise DomainError(
            f"node type {node_type!r} is not in the domain; use one of {', '.join(DOMAIN.node_types)}"
        )


def _check_kind(kind: str) -> None:
    if kind not in DOMAIN.rel_kinds:
        raise DomainError(
            f"relationship kind {kind!r} is not in the domain; use one of {', '.join(DOMAIN.rel_kinds)}"
        )


def _chunks(seq: Sequence[str], n: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def _json_array(ids: Sequence[str]) -> str | None:
    """``ids`` as one JSON array for ``json_each(?)`` (a whole batch in one query); ``None`` when
    orjson refuses one (a lone surrogate): the caller then asks in chunks of :data:`_CHUNK`."""
    try:
        return _orjson_dumps(ids).decode() if all(type(i) is str for i in ids) else None
    except TypeError:
        return None


def _lower(value: Any) -> str | None:
    """``sg_lower`` in SQL: Unicode lower case of text (SQLite's own ``lower`` is ASCII only)."""
    return value.lower() if isinstance(value, str) else None


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values)) or "NULL"


def _prop(name: str) -> str:
    """A JSON path argument for ``json_extract(props, ?)`` (names come from the domain only)."""
    return f'$."{name}"'


def _extra_where(clauses: list[str], args: list[Any], equals: tuple[ExtraEquals, ...]) -> None:
    """Typed equality on extra properties (names checked against the store's extras; typed values)."""
    for prop, value in equals:
        if isinstance(value, bool):
            clauses.append("json_type(props, ?) = ?")
            args += [_prop(prop), "true" if value else "false"]
        elif isinstance(value, (int, float)):
            clauses.append("typeof(json_extract(props, ?)) IN ('integer', 'real') AND json_extract(props, ?) = ?")
            args += [_prop(prop), _prop(prop), value]
        else:
            clauses.append("typeof(json_extract(props, ?)) = 'text' AND json_extract(props, ?) = ?")
            args += [_prop(prop), _prop(prop), value]


def _common_where(
    clauses: list[str], args: list[Any], status: str | None, ranges: tuple[Range, ...], dates: tuple[DateRange, ...],
    equals: tuple[ExtraEquals, ...] = (),
) -> None:
    _extra_where(clauses, args, equals)
    if status is not None:
        clauses.append("sg_lower(json_extract(props, ?)) = ?")
        args += [_prop("status"), status]
    for prop, lo, hi in ranges:
        clauses.append("typeof(json_extract(props, ?)) IN ('integer', 'real')")
        args.append(_prop(prop))
        for op, bound in ((">=", lo), ("<=", hi)):
            if bound is not None:
                clauses.append(f"json_extract(props, ?) {op} ?")
                args += [_prop(prop), bound]
    for dprop, dlo, dhi in dates:
        clauses.append("typeof(json_extract(props, ?)) = 'text'")
        args.append(_prop(dprop))
        for op, day in ((">=", dlo), ("<=", dhi)):
            if day is not None:
                clauses.append(f"json_extract(props, ?) {op} ?")
                args += [_prop(dprop), day]


def _node_where(flt: NodeFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = ["1=1"]
    args: list[Any] = []
    for col, val in (("type", flt.type), ("kind", flt.kind)):
        if val is not None:
            clauses.append(f"{col} = ?")
            args.append(val)
    if flt.country is not None:
        clauses.append("sg_lower(country) = ?")
        args.append(flt.country)
    if flt.text:
        esc = flt.text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append("search LIKE ? ESCAPE '\\'")
        args.append(f"%{esc}%")
    if flt.ids is not None:
        clauses.append(f"id IN ({_marks(flt.ids)})")
        args.extend(flt.ids)
    _common_where(clauses, args, flt.status, flt.prop_ranges, flt.date_ranges, flt.extra_equals)
    return " AND ".join(clauses), args


def _edge_where(flt: EdgeFilter) -> tuple[str, list[Any]]:
    clauses: list[str] = ["1=1"]
    args: list[Any] = []
    for col, vals in (("kind", flt.kinds), ("source", flt.sources), ("target", flt.targets)):
        if vals is not None:
            clauses.append(f"{col} IN ({_marks(vals)})")
            args.extend(vals)
    if flt.node is not None:
        clauses.append("(source = ? OR target = ?)")
        args += [flt.node, flt.node]
    if flt.currency is not None:
        clauses.append("sg_lower(json_extract(props, ?)) = ?")
        args += [_prop("currency"), flt.currency]
    if flt.active_from is not None:
        clauses.append("(json_extract(props, ?) IS NULL OR json_extract(props, ?) >= ?)")
        args += [_prop("end_date"), _prop("end_date"), flt.active_from]
    if flt.active_to is not None:
        clauses.append("(json_extract(props, ?) IS NULL OR json_extract(props, ?) <= ?)")
        args += [_prop("start_date"), _prop("start_date"), flt.active_to]
    _common_where(clauses, args, flt.status, flt.prop_ranges, flt.date_ranges, flt.extra_equals)
    return " AND ".join(clauses), args


_NUM = "typeof(json_extract(e.props, '$.{p}')) IN ('integer', 'real')"
#: money of one financing edge, as stakegraph.measures.money_of_edge (guarantee_cap for guarantees)
_AMOUNT = (f"CASE WHEN e.kind = 'guarantees' AND {_NUM.format(p='guarantee_cap')} "
           "THEN json_extract(e.props, '$.guarantee_cap') "
           f"WHEN {_NUM.format(p='amount')} THEN json_extract(e.props, '$.amount') ELSE 0 END")
_EXPOSURE_KINDS = _marks(EXPOSURE_KINDS)
_INACTIVE = sorted(INACTIVE_STATUSES)
#: active as stakegraph.measures.is_active: a text status that is not an ended one
_ACTIVE = (f"NOT (typeof(json_extract(e.props, '$.status')) = 'text' AND "
           f"lower(trim(json_extract(e.props, '$.status'))) IN ({_marks(_INACTIVE)}))")
#: derived node sort keys: edges touching the node (a self-loop once); exposure is in _node_order (converted)
_DERIVED: dict[str, tuple[str, list[Any]]] = {
    "relationships": (
        "(SELECT count(*) FROM edges e WHERE e.source = nodes.id) + (SELECT count(*) FROM edges e WHERE"
        " e.target = nodes.id) - (SELECT count(*) FROM edges e WHERE e.source = nodes.id AND e.target = nodes.id)",
        [],
    ),
}


def _fx_case(factors: dict[str, float]) -> tuple[str, list[Any]]:
    """SQL factor of an edge's stated currency to the reporting currency (1 when unstated or reporting)."""
    if not factors:
        return "", []
    whens = " ".join("WHEN ? THEN ?" for _ in factors)
    args: list[Any] = [x for item in factors.items() for x in item]
    return f" * (CASE upper(trim(json_extract(e.props, '$.currency'))) {whens} ELSE 1.0 END)", args


def _node_order(sort: Sort | None, factors: dict[str, float] | None = None) -> tuple[str, list[Any]]:
    if sort is None:
        return "name, id", []
    d = " DESC" if sort.descending else ""
    if sort.key == "id":
        return f"id{d}", []
    if sort.key == "name":
        return f"coalesce(name, ''){d}, id", []
    if sort.key == "exposure":
        fx, fx_args = _fx_case(factors or {})
        expr = (f"(SELECT coalesce(sum(({_AMOUNT}){fx}), 0) FROM edges e WHERE"  # noqa: S608 - fixed fragments
                f" (e.source = nodes.id OR e.target = nodes.id) AND e.kind IN ({_EXPOSURE_KINDS}) AND {_ACTIVE})")
        return f"{expr}{d}, id", [*fx_args, *EXPOSURE_KINDS, *_INACTIVE]
    if sort.key in _DERIVED:
        expr, args = _DERIVED[sort.key]
        return f"{expr}{d}, id", list(args)
    return f"json_extract(props, ?) IS NULL, json_extract(props, ?){d}, id", [_prop(sort.key)] * 2


def _edge_order(sort: Sort | None) -> tuple[str, list[Any]]:
    if sort is None:
        return "id", []
    d = " DESC" if sort.descending else ""
    if sort.key == "id":
        return f"id{d}", []
    if sort.key in ("kind", "source", "target"):
        return f"{sort.key}{d}, id", []
    return f"json_extract(props, ?) IS NULL, json_extract(props, ?){d}, id", [_prop(sort.key)] * 2


class EmbeddedStore(GraphStore):
    """A :class:`GraphStore` in one SQLite file (``":memory:"`` for a throw-away store).

    Parameters
    ----------
    path : str or Path
        Database file; its folder is created.
    """

    backend = "embedded"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=OFF")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.create_function("sg_lower", 1, _lower, deterministic=True)
        except sqlite3.Error as e:
            raise StoreUnavailable(
                f"cannot open the embedded store at {self.path}: {e}; check the path and its permissions "
                "(STAKEGRAPH_DATA_DIR)"
            ) from e
        self._lock = threading.RLock()
        self._ledger = NodeLedger()  # node ids this handle wrote since it saw the store empty
        self._extras_cache: dict[tuple[str, bool, tuple[str, ...] | None], dict[str, PropType]] = {}
        self.ensure_schema()

    # -- lifecycle -----------------------------------------------------------
    def ping(self) -> bool:
        try:
            with self._lock:
                return self._db.execute("SELECT 1").fetchone() == (1,)
        except sqlite3.Error:
            return False

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def ensure_schema(self) -> None:
        """Create the tables, or migrate an older file (:func:`stakegraph.store.sqlite_schema.migrate`)."""
        from stakegraph.store.graphindex import json_loads

        with self._lock:
            migrate(self._db, self.path, json_loads())

    def integrity_check(self) -> bool:
        """SQLite's own integrity check plus "every edge has both endpoints"."""
        with self._lock:
            ok = self._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            dangling = self._db.execute(
                "SELECT COUNT(*) FROM edges e WHERE NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id=e.source)"
                " OR NOT EXISTS (SELECT 1 FROM nodes n WHERE n.id=e.target)"
            ).fetchone()[0]
        return ok and dangling == 0

    # -- writes ----------------------------------------------------------------
    def write(
        self,
        nodes: Sequence[NodeRecord] = (),
        edges: Sequence[EdgeRecord] = (),
        *,
        batch_size: int = 5000,
    ) -> WriteStats:
        for n in nodes:
            _check_type(n.type)
        for e in edges:
            _check_kind(e.kind)
        stats = WriteStats()
        with self._lock:
            with self._transaction("embedded store write failed", "nothing was written"):
                known = self._ledger.known(self._version(), self._empty)
                self._check_endpoints(nodes, edges, known)
                self._write_nodes(nodes, stats, known)
                self._write_edges(edges, stats)
                if stats.changed:
                    self._bump_version()
                version = self._version()
            self._ledger.committed(known, (n.id for n in nodes), version)
        return stats

    @contextlib.contextmanager
    def _transaction(self, failed: str, after: str) -> Iterator[None]:
        """One write transaction under the store's lock: committed when the block ends, rolled back
        when it raises; an SQLite error becomes a :class:`StoreError` ``"{failed}: {error}; {after}"``."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as e:
                raise StoreError(f"{failed}: {e}; {after}") from e

    @contextlib.contextmanager
    def loading(self) -> Iterator[None]:
        """One load's write batches. Into an empty store, the secondary indexes are dropped for the
        load and built once at its end (sorting once costs less than inserting into eight B-trees row by
        row: the write path of a 10,000-party load about a fifth faster, bench/load.py).

        Every batch is still its own transaction, and the ids and endpoints a write checks use the
        primary keys, so nothing the store promises changes; readers meanwhile get the same answers,
        more slowly. The indexes are built again when the load ends, fails or is interrupted, and by
        the next open of the store if the process died (its schema script creates missing indexes).
        A store that holds anything keeps its indexes.
        """
        dropped = False
        with self._transaction("embedded store: cannot prepare the load", "nothing was written"):
            if self._empty():
                for name, _ in INDEXES:
                    self._db.execute(f"DROP INDEX IF EXISTS {name}")
                dropped = True
        try:
            yield
        finally:
            if dropped:
                with self._transaction("embedded store: building its indexes after the load failed",
                                       "the data is written; open the store again (any stakegraph command) "
                                       "to build them"):
                    for _, create in INDEXES:
                        self._db.execute(create)

    def _version(self) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        return str(row[0]) if row else "0"

    def _empty(self) -> bool:
        return not self._db.execute(
            "SELECT EXISTS(SELECT 1 FROM nodes) OR EXISTS(SELECT 1 FROM edges)").fetchone()[0]

    def _check_endpoints(self, nodes: Sequence[NodeRecord], edges: Sequence[EdgeRecord],
                         known: set[str] | None = None) -> None:
        """:class:`DanglingEdge` unless every endpoint is in ``nodes`` or stored (``known``: the stored
        node ids when the ledger knows them all, so nothing is looked up)."""
        if not edges:
            return
        ends = {e.source for e in edges}
        ends.update(e.target for e in edges)
        absent = ends.difference(n.id for n in nodes)  # not in the batch: stored, or missing
        if known is not None:  # the ledger holds every stored node id: no query
            absent = absent.difference(known)  # iterates absent, not the (large) ledger
        elif absent and (array := _json_array(sorted(absent))) is not None:  # one query: the stored ones
            absent.difference_update(r[0] for r in self._db.execute(
                "SELECT n.id FROM json_each(?) j JOIN nodes n ON n.id = j.value", (array,)))
        else:
            for part in _chunks(sorted(absent)):
                q = f"SELECT id FROM nodes WHERE id IN ({','.join('?' * len(part))})"  # noqa: S608 - placeholders only
                absent.difference_update(r[0] for r in self._db.execute(q, list(part)))
        if absent:
            missing = [e for e in edges if e.source in absent or e.target in absent]
            ids = sorted(absent)
            raise DanglingEdge(
                f"{len(missing)} edge(s) name missing endpoint(s): {', '.join(ids[:10])}"
                f"{' …' if len(ids) > 10 else ''}; load those nodes first or fix the ids"
            )

    def _existing(self, table: str, expr: str, ids: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(id -> stored properties, id -> expr)`` of the stored rows among ``ids``, in one query per
        chunk (``expr``: a node's type, an edge's kind and ends)."""
        from stakegraph.store.graphindex import json_loads

        loads = json_loads()
        props: dict[str, Any] = {}
        other: dict[str, Any] = {}
        if (array := _json_array(ids)) is not None:
            queries: Iterable[tuple[str, Sequence[Any]]] = [(
                f"SELECT t.id, {expr}, t.props FROM json_each(?) j JOIN {table} t ON t.id = j.value",  # noqa: S608
                (array,))]
        else:
            queries = ((f"SELECT id, {expr}, props FROM {table} WHERE id IN ({','.join('?' * len(part))})",  # noqa: S608
                        list(part)) for part in _chunks(ids))
        for q, args in queries:
            for rid, x, text in self._db.execute(q, args):
                props[rid] = loads(text)
                other[rid] = x
        return props, other

    def _write_nodes(self, nodes: Sequence[NodeRecord], stats: WriteStats, known: set[str] | None = None) -> None:
        ids = [n.id for n in nodes]
        ask = ids if known is None else [i for i in ids if i in known]  # the ledger: no other id is stored
        old, types = self._existing("nodes", "t.type", ask) if ask else ({}, {})
        if not old and len(set(ids)) == len(ids):  # every record new (a fresh load): no merge, no comparison
            for key, k in Counter(n.type for n in nodes).items():
                stats.add(key, "created", k)
            rows = [_node_row(n.id, n.type, _present(n.props)) for n in nodes]
            self._insert_nodes(rows)
            return
        rows = []
        outcomes: dict[tuple[str, str], int] = {}
        for n in nodes:
            before = old.get(n.id)
            if before is None:
                after = {k: v for k, v in n.props.items() if v is not None}
                outcome = "created"
            else:
                if types.get(n.id) != n.type:
                    raise type_conflict(n.id, types[n.id], n.type)
                after = _merge(before, _clean(n.props))
                outcome = "unchanged" if after == before else "updated"
            outcomes[(n.type, outcome)] = outcomes.get((n.type, outcome), 0) + 1
            if outcome != "unchanged":
                old[n.id] = after
                types[n.id] = n.type
                rows.append(_node_row(n.id, n.type, after))
        for (key, outcome), k in outcomes.items():
            stats.add(key, outcome, k)
        self._insert_nodes(rows)

    def _insert_nodes(self, rows: list[tuple[Any, ...]]) -> None:
        rows.sort(key=_first)  # key order fills the primary-key B-tree page by page (≈ 10 % less work);
        # stable, so a record given twice in one batch is still written last as given
        self._db.executemany(
            "INSERT INTO nodes(id,type,kind,name,search,country,load_id,props) VALUES (?,?,?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET type=excluded.type, kind=excluded.kind, name=excluded.name,"
            " search=excluded.search, country=excluded.country, load_id=excluded.load_id, props=excluded.props",
            rows,
        )

    def _write_edges(self, edges: Sequence[EdgeRecord], stats: WriteStats) -> None:
        ids = [e.id for e in edges]
        old, where = self._existing("edges", "t.kind || char(0) || t.source || char(0) || t.target", ids)
        weights = weights_of({e.kind for e in edges})
        if not old and len(set(ids)) == len(ids):  # every record new: no merge, no comparison
            for key, k in Counter(e.kind for e in edges).items():
                stats.add(key, "created", k)
            self._insert_edges([
                (e.id, e.kind, e.source, e.target, p.get("load_id"), _dumps(p), *edge_columns(p, weights[e.kind]))
                for e in edges for p in (_present(e.props),)])
            return
        rows = []
        outcomes: dict[tuple[str, str], int] = {}
        for e in edges:
            before = old.get(e.id)
            if before is None:
                after = {k: v for k, v in e.props.items() if v is not None}
                outcome = "created"
            else:
                after = _merge(before, _clean(e.props))
                same = after == before and where.get(e.id) == f"{e.kind}\0{e.source}\0{e.target}"
                outcome = "unchanged" if same else "updated"
            outcomes[(e.kind, outcome)] = outcomes.get((e.kind, outcome), 0) + 1
            if outcome != "unchanged":
                old[e.id] = after
                where[e.id] = f"{e.kind}\0{e.source}\0{e.target}"
                rows.append((e.id, e.kind, e.source, e.target, after.get("load_id"), _dumps(after),
                             *edge_columns(after, weights[e.kind])))
        for (key, outcome), k in outcomes.items():
            stats.add(key, outcome, k)
        self._insert_edges(rows)

    def _insert_edges(self, rows: list[tuple[Any, ...]]) -> None:
        rows.sort(key=_first)
        self._db.executemany(
            "INSERT INTO edges(id,kind,source,target,load_id,props,typed,status,weight,amount,currency,start_date,"
            "end_date) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET kind=excluded.kind, source=excluded.source,"
            " target=excluded.target, load_id=excluded.load_id, props=excluded.props, typed=excluded.typed,"
            " status=excluded.status, weight=excluded.weight, amount=excluded.amount, currency=excluded.currency,"
            " start_date=excluded.start_date, end_date=excluded.end_date",
            rows,
        )

    def _bump_version(self) -> None:
        self._db.execute(
            "INSERT INTO meta(key,value) VALUES ('version','1') ON CONFLICT(key) DO UPDATE "
            "SET value=CAST(CAST(value AS INTEGER)+1 AS TEXT)"
        )

    def _delete(
        self, where_nodes: str, node_args: Sequence[Any], where_edges: str, edge_args: Sequence[Any]
    ) -> WriteStats:
        stats = WriteStats()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                node_rows = self._db.execute(f"SELECT id, type FROM nodes WHERE {where_nodes}", node_args).fetchall()  # noqa: S608
                node_ids = [r[0] for r in node_rows]
                edge_rows = self._db.execute(f"SELECT id, kind FROM edges WHERE {where_edges}", edge_args).fetchall()  # noqa: S608
                edge_ids = {r[0]: r[1] for r in edge_rows}
                for part in _chunks(node_ids):
                    marks = ",".join("?" * len(part))
                    q = f"SELECT id, kind FROM edges WHERE source IN ({marks}) OR target IN ({marks})"  # noqa: S608
                    edge_ids.update(dict(self._db.execute(q, list(part) * 2).fetchall()))
                for part in _chunks(sorted(edge_ids)):
                    self._db.execute(f"DELETE FROM edges WHERE id IN ({','.join('?' * len(part))})", list(part))  # noqa: S608
                for part in _chunks(node_ids):
                    self._db.execute(f"DELETE FROM nodes WHERE id IN ({','.join('?' * len(part))})", list(part))  # noqa: S608
                for _, kind in edge_ids.items():
                    stats.add(kind, "deleted")
                for _, ntype in node_rows:
                    stats.add(ntype, "deleted")
                if stats.changed:
                    self._bump_version()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return stats

    def delete_load(self, load_id: str) -> WriteStats:
        return self._delete("load_id = ?", [load_id], "load_id = ?", [load_id])

    def delete_nodes(self, ids: Sequence[str]) -> WriteStats:
        stats = WriteStats()
        for part in _chunks(list(ids)):
            marks = ",".join("?" * len(part))
            stats.merge(self._delete(f"id IN ({marks})", list(part), "0", []))
        return stats

    def delete_edges(self, ids: Sequence[str]) -> WriteStats:
        stats = WriteStats()
        for part in _chunks(list(ids)):
            marks = ",".join("?" * len(part))
            stats.merge(self._delete("0", [], f"id IN ({marks})", list(part)))
        return stats

    def clear(self) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM edges")
            self._db.execute("DELETE FROM nodes")
            self._db.execute("DELETE FROM fx_rates")
            self._db.execute("DELETE FROM match_decisions")
            self._bump_version()
            self._db.execute("COMMIT")

    def _upsert_many(self, sql: str, rows: list[tuple[Any, ...]], what: str) -> int:
        """Run one upsert over ``rows`` in a single transaction; bump the graph version if anything changed.

        All or nothing: a failure rolls back and is a :class:`StoreError` naming ``what``.
        """
        with self._transaction(f"embedded store write of {what} failed", "nothing was written"):
            before = self._db.total_changes
            self._db.executemany(sql, rows)
            changed = self._db.total_changes - before
            if changed:
                self._bump_version()
        return changed

    # -- FX rates ------------------------------------------------------------------
    def write_fx_rates(self, rates: Sequence[FxRate]) -> int:
        return self._upsert_many(
            "INSERT INTO fx_rates(date,currency,base,rate,source) VALUES (?,?,?,?,?)"
            " ON CONFLICT(date,currency,base) DO UPDATE SET rate=excluded.rate, source=excluded.source"
            " WHERE rate IS NOT excluded.rate OR source IS NOT excluded.source",
            [(r["date"], r["currency"], r["base"], r["rate"], r["source"]) for r in _fx_rows(rates)],
            "FX rates")

    # -- entity-resolution decisions -------------------------------------------------------------
    def write_match_decisions(self, decisions: Sequence[MatchDecision]) -> int:
        return self._upsert_many(
            "INSERT INTO match_decisions(a,b,decision,score,note,at) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(a,b) DO UPDATE SET decision=excluded.decision, score=excluded.score,"
            " note=excluded.note, at=excluded.at"
            " WHERE decision IS NOT excluded.decision OR note IS NOT excluded.note",
            [(r["a"], r["b"], r["decision"], r["score"], r["note"], r["at"]) for r in decision_rows(decisions)],
            "match decisions")

    def match_decisions(self) -> list[MatchDecision]:
        cols = ("a", "b", "decision", "score", "note", "at")
        with self._lock:
            rows = self._db.execute(f"SELECT {','.join(cols)} FROM match_decisions ORDER BY a, b").fetchall()  # noqa: S608
        return [match_decision(dict(zip(cols, r, strict=True))) for r in rows]

    def _stated_currencies(self) -> set[str]:
        q = (f"SELECT DISTINCT upper(trim(json_extract(props, '$.currency'))) FROM edges "  # noqa: S608
             f"WHERE kind IN ({_EXPOSURE_KINDS}) AND json_extract(props, '$.currency') IS NOT NULL")
        with self._lock:
            return {r[0] for r in self._db.execute(q, list(EXPOSURE_KINDS)).fetchall() if r[0]}

    def _latest_date(self) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT max(substr(json_extract(props, '$.date'), 1, 10)) FROM nodes "
                                   "WHERE json_extract(props, '$.date') IS NOT NULL").fetchone()
        return str(row[0]) if row and row[0] else None

    def fx_rates(self) -> list[FxRate]:
        with self._lock:
            rows = self._db.execute(
                "SELECT date, currency, base, rate, source FROM fx_rates ORDER BY base, currency, date").fetchall()
        return [_fx_rate(dict(zip(("date", "currency", "base", "rate", "source"), r, strict=True))) for r in rows]

    # -- reads -------------------------------------------------------------------
    @staticmethod
    def _node(row: tuple[str, str, str]) -> NodeRecord:
        return NodeRecord(row[0], row[1], json.loads(row[2]))

    @staticmethod
    def _edge(row: tuple[str, str, str, str, str]) -> EdgeRecord:
        return EdgeRecord(row[0], row[1], row[2], row[3], json.loads(row[4]))

    def extra_props(self, *, edges: bool = False, scope: Sequence[str] | None = None) -> dict[str, PropType]:
        """Properties outside the domain the stored nodes (of types ``scope``) or edges (of kinds
        ``scope``) carry, typed by their values (:func:`stakegraph.store.filters.extra_types`).

        One scan of the records' JSON, cached per graph version.
        """
        table, col = ("edges", "kind") if edges else ("nodes", "type")
        key = (self.graph_version(), edges, None if scope is None else tuple(sorted(scope)))
        cache = self._extras_cache
        if key not in cache:
            if any(k[0] != key[0] for k in cache):
                cache.clear()
            where, args = "", []
            if scope is not None:
                where, args = f" WHERE t.{col} IN ({_marks(list(scope))})", list(scope)
            q = f"SELECT DISTINCT j.key, j.type FROM {table} t, json_each(t.props) j{where}"  # noqa: S608
            with self._lock:
                rows = self._db.execute(q, args).fetchall()
            cache[key] = extra_types(rows, self.domain)
        return dict(cache[key])

    def _node_extras(self, flt: NodeFilter) -> Any:
        return lambda: self.extra_props(scope=None if flt.type is None else (flt.type,))

    def _edge_extras(self, flt: EdgeFilter) -> Any:
        return lambda: self.extra_props(edges=True, scope=flt.kinds)

    def get_nodes(self, ids: Sequence[str]) -> list[NodeRecord | None]:
        found: dict[str, NodeRecord] = {}
        with self._lock:
            for part in _chunks(list(dict.fromkeys(ids))):
                q = f"SELECT id, type, props FROM nodes WHERE id IN ({','.join('?' * len(part))})"  # noqa: S608
                for row in self._db.execute(q, list(part)):
                    found[row[0]] = self._node(row)
        return [found.get(i) for i in ids]

    def get_edges(self, ids: Sequence[str]) -> list[EdgeRecord | None]:
        found: dict[str, EdgeRecord] = {}
        with self._lock:
            for part in _chunks(list(dict.fromkeys(ids))):
                q = f"SELECT id, kind, source, target, props FROM edges WHERE id IN ({','.join('?' * len(part))})"  # noqa: S608
                for row in self._db.execute(q, list(part)):
                    found[row[0]] = self._edge(row)
        return [found.get(i) for i in ids]

    def find_nodes(
        self, flt: NodeFilter = _ANY, *, sort: Sort | None = None, limit: int = 100, offset: int = 0
    ) -> list[NodeRecord]:
        where, args = _node_where(check_node_query(flt, sort, self.domain, self._node_extras(flt)))
        factors = self.exposure_factors() if sort is not None and sort.key == "exposure" else None
        order, oargs = _node_order(sort, factors)
        q = f"SELECT id, type, props FROM nodes WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?"  # noqa: S608
        with self._lock:
            return [self._node(r) for r in self._db.execute(q, [*args, *oargs, limit, max(offset, 0)])]

    def count_nodes(self, flt: NodeFilter = _ANY) -> int:
        where, args = _node_where(check_node_query(flt, None, self.domain, self._node_extras(flt)))
        with self._lock:
            return int(self._db.execute(f"SELECT COUNT(*) FROM nodes WHERE {where}", args).fetchone()[0])  # noqa: S608

    def find_edges(
        self, flt: EdgeFilter = _ANY_EDGE, *, sort: Sort | None = None, limit: int = 100, offset: int = 0
    ) -> list[EdgeRecord]:
        where, args = _edge_where(check_edge_query(flt, sort, self.domain, self._edge_extras(flt)))
        order, oargs = _edge_order(sort)
        q = f"SELECT id, kind, source, target, props FROM edges WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?"  # noqa: S608
        with self._lock:
            return [self._edge(r) for r in self._db.execute(q, [*args, *oargs, limit, max(offset, 0)])]

    def count_edges(self, flt: EdgeFilter = _ANY_EDGE) -> int:
        where, args = _edge_where(check_edge_query(flt, None, self.domain, self._edge_extras(flt)))
        with self._lock:
            return int(self._db.execute(f"SELECT COUNT(*) FROM edges WHERE {where}", args).fetchone()[0])  # noqa: S608

    def edges_of(
        self, ids: Sequence[str], *, direction: Direction = Direction.BOTH, kinds: Iterable[str] | None = None
    ) -> list[EdgeRecord]:
        kinds = list(kinds) if kinds is not None else None
        out: dict[str, EdgeRecord] = {}
        cols = {Direction.OUT: ("source",), Direction.IN: ("target",), Direction.BOTH: ("source", "target")}[
            Direction(direction)
        ]
        with self._lock:
            for part in _chunks(list(dict.fromkeys(ids))):
                for col in cols:
                    q, args = self._edge_query("id, kind, source, target, props", col, part, kinds)
                    for row in self._db.execute(q, args):
                        out[row[0]] = self._edge(row)
        return [out[k] for k in sorted(out)]

    def _edge_query(self, select: str, col: str, part: Sequence[str], kinds: list[str] | None,
                    extra: str = "", group: str = "") -> tuple[str, list[Any]]:
        q = f"SELECT {select} FROM edges WHERE {col} IN ({','.join('?' * len(part))}){extra}"  # noqa: S608
        args: list[Any] = list(part)
        if kinds is not None:
            q += f" AND kind IN ({','.join('?' * len(kinds)) or 'NULL'})"
            args += kinds
        return q + group, args

    def edge_ends(
        self, ids: Sequence[str], *, direction: Direction = Direction.BOTH, kinds: Iterable[str] | None = None
    ) -> list[tuple[str, str, str]]:
        kinds = list(kinds) if kinds is not None else None
        cols = {Direction.OUT: ("source",), Direction.IN: ("target",), Direction.BOTH: ("source", "target")}[
            Direction(direction)
        ]
        out: dict[str, tuple[str, str, str]] = {}
        with self._lock:
            for part in _chunks(list(dict.fromkeys(ids))):
                for col in cols:
                    q, args = self._edge_query("id, source, target", col, part, kinds)
                    for row in self._db.execute(q, args):
                        out[row[0]] = (row[0], row[1], row[2])
        return [out[k] for k in sorted(out)]

    @staticmethod
    def _ring_sql(array: str, direction: Direction, kinds: list[str] | None) -> tuple[str, list[Any]]:
        """One query (and its arguments) for the distinct nodes one hop from the ids of ``array``."""
        cond, kargs = "", []
        if kinds is not None:
            cond, kargs = f" AND e.kind IN ({','.join('?' * len(kinds)) or 'NULL'})", list(kinds)
        sides = {Direction.OUT: (("target", "source"),), Direction.IN: (("source", "target"),),
                 Direction.BOTH: (("target", "source"), ("source", "target"))}[direction]
        parts = [f"SELECT e.{far} AS n FROM json_each(?) j JOIN edges e ON e.{near} = j.value{cond}"  # noqa: S608
                 for far, near in sides]
        return " UNION ".join(parts), [a for _ in sides for a in (array, *kargs)]

    def _ring(self, frontier: Sequence[str], direction: Direction, kinds: list[str] | None) -> set[str]:
        """The ring as one SQL ``UNION`` of the frontier's far ends (distinct in SQLite, ids only)."""
        if (array := _json_array(list(frontier))) is None:
            return super()._ring(frontier, direction, kinds)
        q, args = self._ring_sql(array, direction, kinds)
        with self._lock:
            return {r[0] for r in self._db.execute(q, args)}

    def _ring_count(self, frontier: Sequence[str], seen: set[str], direction: Direction,
                    kinds: list[str] | None) -> int:
        """The ring's size beyond ``seen``, counted by SQLite (no row comes back)."""
        array, known = _json_array(list(frontier)), _json_array(sorted(seen))
        if array is None or known is None:
            return super()._ring_count(frontier, seen, direction, kinds)
        q, args = self._ring_sql(array, direction, kinds)
        q = f"SELECT COUNT(DISTINCT n) FROM ({q}) WHERE n NOT IN (SELECT value FROM json_each(?))"  # noqa: S608
        with self._lock:
            return int(self._db.execute(q, [*args, known]).fetchone()[0])

    def degrees(
        self, ids: Sequence[str], *, direction: Direction = Direction.BOTH, kinds: Iterable[str] | None = None
    ) -> dict[str, int]:
        kinds = list(kinds) if kinds is not None else None
        d = Direction(direction)
        out = dict.fromkeys(ids, 0)
        plan: list[tuple[str, str, int]] = []  # (column, extra condition, sign)
        if d is not Direction.IN:
            plan.append(("source", "", 1))
        if d is not Direction.OUT:
            plan.append(("target", "", 1))
        if d is Direction.BOTH:
            plan.append(("source", " AND source = target", -1))
        with self._lock:
            for part in _chunks(list(out)):
                for col, extra, sign in plan:
                    q, args = self._edge_query(f"{col}, count(*)", col, part, kinds, extra, f" GROUP BY {col}")
                    for nid, n in self._db.execute(q, args):
                        out[nid] += sign * n
        return out

    def iter_nodes(self, types: Iterable[str] | None = None) -> Iterator[NodeRecord]:
        """Every node (of ``types``) in id order, read in pages of :data:`_PAGE` rows."""
        types = list(types) if types is not None else None
        where, args = "", []
        if types is not None:
            where, args = f"type IN ({','.join('?' * len(types)) or 'NULL'})", types
        return (self._node(r) for r in self._paged("SELECT id, type, props FROM nodes", where, args))

    def iter_edges(self, kinds: Iterable[str] | None = None) -> Iterator[EdgeRecord]:
        """Every edge (of ``kinds``) in id order, read in pages of :data:`_PAGE` rows."""
        kinds = list(kinds) if kinds is not None else None
        where, args = "", []
        if kinds is not None:
            where, args = f"kind IN ({','.join('?' * len(kinds)) or 'NULL'})", kinds
        return (self._edge(r) for r in self._paged("SELECT id, kind, source, target, props FROM edges", where, args))

    def _paged(self, select: str, where: str, args: list[Any]) -> Iterator[Any]:
        """Keyset pages (``id > last``) so a million rows are never held at once; the lock is
        held per page only, so other threads can use the store between pages."""
        cond = f"({where}) AND id > ?" if where else "id > ?"
        after = ""
        while True:
            with self._lock:
                rows = self._db.execute(f"{select} WHERE {cond} ORDER BY id LIMIT ?", [*args, after, _PAGE]).fetchall()  # noqa: S608
            yield from rows
            if len(rows) < _PAGE:
                return
            after = rows[-1][0]

    def counts(self) -> dict[str, dict[str, int]]:
        nodes = dict.fromkeys(self.domain.node_types, 0)
        edges = dict.fromkeys(self.domain.rel_kinds, 0)
        with self._lock:
            nodes.update(dict(self._db.execute("SELECT type, COUNT(*) FROM nodes GROUP BY type").fetchall()))
            edges.update(dict(self._db.execute("SELECT kind, COUNT(*) FROM edges GROUP BY kind").fetchall()))
        return {"nodes": nodes, "edges": edges}

    def graph_version(self) -> str:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        return f"embedded:{row[0] if row else 0}"



    # -- projection (the columnar graph index, stakegraph.store.graphindex) ------------------
    def index_rows(self, *, props: bool = False) -> Any:
        """:class:`stakegraph.store.graphindex.IndexRows`: whole columns per chunk (:mod:`stakegraph.store.index_sql`) in one read transaction
        (a consistent version). The edge columns are the typed columns written at load time
        (:mod:`stakegraph.store.sqlite_schema`): no JSON is decoded for them, only for the rare row
        whose values SQLite could not hold as such (``typed = 0``) and, with ``props=True``, for the
        properties kept. A file store is read on a connection of its own (WAL snapshot), so other
        threads keep using the store meanwhile."""
        from stakegraph.store import index_sql
        from stakegraph.store.graphindex import RowSink, json_loads

        loads = json_loads()
        own = self.path != ":memory:"
        db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False,
                             isolation_level=None) if own else self._db
        with contextlib.nullcontext() if own else self._lock:
            try:
                db.execute("BEGIN")
                row = db.execute("SELECT value FROM meta WHERE key='version'").fetchone()
                sink = RowSink(f"embedded:{row[0] if row else 0}", self.backend, props=props)
                try:
                    index_sql.read_json(db, sink, props=props, loads=loads)
                except index_sql.NotAggregated:  # the snapshot row by row instead (same transaction)
                    sink = RowSink(sink.rows.version, self.backend, props=props)
                    index_sql.read_rows(db, sink, props=props, loads=loads)
                db.execute("COMMIT")
            except sqlite3.Error as e:
                raise StoreError(f"cannot read the graph index from {self.path}: {e}") from e
            finally:
                if own:
                    db.close()
        sink.rows.money = self.money_facts()
        return sink.rows

    def project(self, *, types: Iterable[str] | None = None, kinds: Iterable[str] | None = None) -> Any:
        """:meth:`GraphStore.project` from the columnar index (one query per table, bulk build)."""
        from stakegraph.store.graphindex import index_from_rows

        return index_from_rows(self.index_rows(props=True)).to_networkx(types=types, kinds=kinds, release=True)


