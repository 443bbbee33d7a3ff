"""The Neo4j store: the same contract as the embedded store, on a Neo4j 5.26 server.

Uses the official ``neo4j`` driver with managed transactions only
(``session.execute_read`` / ``execute_write``), so transient errors (leader
switch, deadlock) are retried by the driver; every transaction carries a
timeout. All Cypher lives in :mod:`stakegraph.store.cypher`.

A :meth:`Neo4jStore.write` checks every edge endpoint first (nothing is written
when one is missing), then writes nodes and then edges in transactions of
``batch_size`` rows. Each batch is idempotent, so re-running a load that failed
half way completes it. The graph version is bumped inside every transaction
that changes something.
"""

from __future__ import annotations

import heapq
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

import neo4j
import numpy as np
from neo4j import exceptions as nx_errors

from stakegraph.domain import Direction, PropType
from stakegraph.errors import DanglingEdge, StoreError, StoreUnavailable
from stakegraph.measures import INACTIVE_STATUSES
from stakegraph.model import EdgeRecord, NodeRecord, WriteStats, edge_id
from stakegraph.money import FxRate
from stakegraph.store import cypher
from stakegraph.store.base import (
    GraphStore,
    MatchDecision,
    decision_rows,
    fx_rate,
    fx_rows,
    match_decision,
)
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

if TYPE_CHECKING:
    from stakegraph.settings import Settings

T = TypeVar("T")
_ID_CHUNK = 5000  # ids per look-up query
_PAGE = 5000  # records per page when streaming
_DELETE_BATCH = 10_000  # items deleted per transaction
_NOT_BODY = frozenset(("id", *cypher.PROVENANCE_KEYS))
_PROVENANCE = frozenset(cypher.PROVENANCE_KEYS)
_CONFLICT_ATTEMPTS = 3  # a write batch raced by a concurrent creation of one of its ids
_ANY = NodeFilter()
_ANY_EDGE = EdgeFilter()
_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")
_ID, _TYPE, _KIND = attrgetter("id"), attrgetter("type"), attrgetter("kind")
_SOURCE, _TARGET, _PROPS = attrgetter("source"), attrgetter("target"), attrgetter("props")


def _as_stored(value: Any) -> Any:
    """``value`` as Neo4j gives it back (a tuple comes back a list), so a re-write compares equal."""
    return [_as_stored(v) for v in value] if isinstance(value, tuple) else value


def _split_props(props: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(properties without provenance, provenance); ``None`` values and ``id`` are dropped."""
    body = {
        k: _as_stored(v) if isinstance(v, tuple) else v
        for k, v in props.items()
        if v is not None and k not in _NOT_BODY
    }
    prov = {k: _as_stored(props[k]) for k in cypher.PROVENANCE_KEYS if props.get(k) is not None}
    return body, prov


class _Batch(list[Any]):
    """The rows (or ids) of one write statement. The driver formats every statement's parameters for
    its debug log even when that log is off (≈ 20 % of a fresh load's client CPU); a batch is shown
    by its length only."""

    def __repr__(self) -> str:
        return f"<{len(self)} items>"


def _plain(props: Mapping[str, Any]) -> dict[str, Any]:
    """A new record's properties for :func:`cypher.create_nodes` / :func:`cypher.create_edges`, as they
    are: ``SET x = $props[i]`` stores no ``null``, the driver sends a tuple as a list and the id is
    set after them, so the record gets ``{**body, **prov, "id": id}`` of :func:`_split_props` without
    a copy per record (only a mapping that is not a ``dict`` is copied, for the driver)."""
    return props if type(props) is dict else dict(props)


@dataclass
class _New:
    """The records one statement creates (of one type or kind), as parallel lists: the parameters of
    :func:`cypher.create_nodes` (``ids``, ``props``) or :func:`cypher.create_edges` (and ``sources``,
    ``targets``). Filled a group of records at a time, with no container per record."""

    ids: _Batch = field(default_factory=_Batch)
    props: _Batch = field(default_factory=_Batch)
    sources: _Batch = field(default_factory=_Batch)
    targets: _Batch = field(default_factory=_Batch)

    def add(self, records: Sequence[Any], *, edges: bool) -> None:
        self.ids.extend(map(_ID, records))
        self.props.extend(map(_plain, map(_PROPS, records)))
        if edges:
            self.sources.extend(map(_SOURCE, records))
            self.targets.extend(map(_TARGET, records))

    def params(self, *, edges: bool) -> dict[str, _Batch]:
        if edges:
            return {"ids": self.ids, "props": self.props, "sources": self.sources, "targets": self.targets}
        return {"ids": self.ids, "props": self.props}


def _new_by(records: Sequence[T], key: Callable[[T], str], old: Mapping[str, Any]) -> dict[str, list[T]]:
    """The ``records`` whose id is not in ``old``, by type (or kind), in order."""
    new = [r for r in records if r.id not in old] if old else records  # type: ignore[attr-defined]
    out: dict[str, list[T]] = {}
    for k, group in groupby(new, key):  # records come grouped by type: few, long groups
        out.setdefault(k, []).extend(group)
    return out


def _rounds(rows: Sequence[T], ids: list[str]) -> list[tuple[list[T], list[str]]]:
    """Split rows (whose ids are ``ids``) so that no id repeats within a round (round k = k-th
    occurrence of each id); each round with its ids."""
    if len(set(ids)) == len(ids):  # the usual case: every id once, one round
        return [(list(rows), ids)]
    seen: dict[str, int] = defaultdict(int)
    out: list[tuple[list[T], list[str]]] = []
    for r, i in zip(rows, ids, strict=True):
        k = seen[i]
        seen[i] += 1
        if k == len(out):
            out.append(([], []))
        out[k][0].append(r)
        out[k][1].append(i)
    return out


def _grouped(records: Sequence[T], key: Callable[[T], str]) -> Sequence[T]:
    """``records`` ordered by type (or kind), so that a batch holds few, long ``UNWIND`` statements.

    Stable, so repeated ids keep their order; left as given when an id appears
    under two types (or kinds), since the last one written must win.
    """
    if len(set(map(_ID, records))) != len(records):  # some id repeats: does it change its type?
        groups: dict[str, str] = {}
        for r in records:
            if groups.setdefault(r.id, key(r)) != key(r):  # type: ignore[attr-defined]
                return records
    return sorted(records, key=key)


def _merged(before: Mapping[str, Any], body: dict[str, Any], prov: dict[str, Any]) -> dict[str, Any]:
    """Properties after an upsert: ``body`` over ``before``; provenance ``prov`` only where absent.

    The rule the write statements apply in Neo4j (and the embedded store in SQLite).
    """
    after = {**before, **body}
    for k, v in prov.items():
        after.setdefault(k, v)
    return after


def _unchanged(before: Mapping[str, Any], props: Mapping[str, Any]) -> bool:
    """``_merged(before, *_split_props(props)) == before`` without building either dict: every property
    of ``props`` (``None`` and ``id`` aside) is in ``before``, and equal there unless it is provenance."""
    for k, v in props.items():
        if v is None or k == "id":
            continue
        if k not in before:
            return False
        if k in _PROVENANCE:
            continue
        old = before[k]
        if type(v) is tuple:
            v = _as_stored(v)
        if not (v is old or v == old):  # as dict equality compares values
            return False
    return True


def _count_outcomes(stats: WriteStats, outcomes: dict[str, list[int]]) -> None:
    """Add ``{type: [unchanged, updated]}`` to ``stats`` (types in the order they came)."""
    for key, (n_unchanged, n_updated) in outcomes.items():
        if n_unchanged:
            stats.add(key, "unchanged", n_unchanged)
        if n_updated:
            stats.add(key, "updated", n_updated)


def _raise_dangling(edges: Sequence[EdgeRecord], present: set[str]) -> None:
    """:class:`DanglingEdge` naming the endpoints of ``edges`` that are not in ``present``, if any."""
    if present.issuperset(map(_SOURCE, edges)) and present.issuperset(map(_TARGET, edges)):
        return
    missing = [e for e in edges if e.source not in present or e.target not in present]
    if missing:
        ids = sorted({x for e in missing for x in (e.source, e.target) if x not in present})
        raise DanglingEdge(
            f"{len(missing)} edge(s) name missing endpoint(s): {', '.join(ids[:10])}"
            f"{' …' if len(ids) > 10 else ''}; load those nodes first or fix the ids"
        )


def _ranges(
    ranges: tuple[Range, ...], dates: tuple[DateRange, ...], names: list[str], params: dict[str, Any],
    equals: tuple[ExtraEquals, ...] = (),
) -> None:
    """Add the ``ranges`` / ``dates`` / ``equals`` filters (property names already checked against the
    domain or the extras the store holds; passed as parameters, never interpolated)."""
    if equals:
        names.append("equals")
        params["equals"] = [{"prop": p, "value": v} for p, v in equals]
    if ranges:
        names.append("ranges")
        params["ranges"] = [{"prop": p, "lo": lo, "hi": hi} for p, lo, hi in ranges]
    if dates:
        names.append("dates")
        params["dates"] = [{"prop": p, "lo": lo, "hi": hi} for p, lo, hi in dates]


def _sort_params(sort: Sort | None, fixed: tuple[str, ...], domain: Any) -> tuple[str, dict[str, Any]]:
    """(order name in ``cypher.NODE_ORDER`` / ``EDGE_ORDER``, its parameters) for a checked ``sort``."""
    if sort is None:
        return "default", {}
    if sort.key == "exposure" and "exposure" in fixed:
        return "exposure", {"fin": [domain.rel_type(k) for k in EXPOSURE_KINDS],
                            "guarantees": domain.rel_type("guarantees"), "inactive": sorted(INACTIVE_STATUSES)}
    if sort.key in fixed:
        return sort.key, {}
    return "prop", {"sort": sort.key}


def _chunks(seq: Sequence[T], n: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


class _Seen:
    """Ids written since the graph was last seen empty: a scalable Bloom filter.

    ``might_contain`` never answers ``False`` for an added id (no false
    negatives); at most about 1 % of other ids answer ``True`` (then the store looks
    them up, as it would without the filter). Filters of doubling capacity are
    chained as ids arrive (Almeida et al., "Scalable Bloom Filters", 2007), 7
    hash positions per id by double hashing of Python's 64-bit ``hash``
    (Kirsch & Mitzenmacher, 2006), about 1.75 bytes per id.
    """

    _K = 7
    _BITS_PER_ID = 14

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._filters: list[np.ndarray[Any, np.dtype[np.uint8]]] = []
        self._capacity = capacity
        self._count = 0  # ids in the last filter
        self.total = 0
        self._grow()

    def _grow(self) -> None:
        if self._filters:
            self._capacity *= 2
        self._filters.append(np.zeros(self._capacity * self._BITS_PER_ID // 8 + 1, dtype=np.uint8))
        self._count = 0

    def _positions(self, ids: Sequence[str], n_bits: int) -> np.ndarray[Any, np.dtype[np.uint64]]:
        h = np.fromiter(map(hash, ids), dtype=np.int64, count=len(ids)).view(np.uint64)
        h1, h2 = h & np.uint64(0xFFFFFFFF), (h >> np.uint64(32)) | np.uint64(1)
        k = np.arange(self._K, dtype=np.uint64)
        return (h1[:, None] + k[None, :] * h2[:, None]) % np.uint64(n_bits)  # type: ignore[no-any-return]

    def add(self, ids: Sequence[str]) -> None:
        start = 0
        while start < len(ids):
            bits = self._filters[-1]
            take = ids[start : start + self._capacity - self._count]
            pos = self._positions(take, len(bits) * 8).ravel()
            np.bitwise_or.at(bits, pos >> np.uint64(3), np.left_shift(1, pos & np.uint64(7)).astype(np.uint8))
            self._count += len(take)
            self.total += len(take)
            start += len(take)
            if self._count >= self._capacity:
                self._grow()

    def might_contain(self, ids: Sequence[str]) -> list[bool]:
        out = np.zeros(len(ids), dtype=bool)
        if len(ids):
            for bits in self._filters:
                pos = self._positions(ids, len(bits) * 8)
                out |= ((bits[pos >> np.uint64(3)] >> (pos & np.uint64(7))) & 1).all(axis=1).astype(bool)
        return out.tolist()  # type: ignore[no-any-return]


@dataclass
class _Ledger:
    """What this store wrote since it last saw the graph empty, valid while the graph is at ``version``.

    Every write that changes the graph bumps its version in the same transaction,
    so a version equal to the one our last write left means nobody else wrote
    since: an id the ledger has not seen cannot be in the graph, and a fresh load
    skips looking its ids up before creating them.
    """

    version: int
    seen: _Seen = field(default_factory=_Seen)


#: ids at most in a ledger (≈ 1.75 bytes each); beyond, writes look every id up again
_LEDGER_MAX = 50_000_000


@dataclass
class _TxResult:
    """A write transaction's stats, and what the ledger learns from it once committed."""

    stats: WriteStats
    start: int  # graph version when the transaction began
    end: int  # graph version it left
    seen: _Seen | None  # the ledger's ids it trusted (None: it looked every id up)
    empty: bool  # the graph was empty when it began
    ids: list[str]  # ids that exist after it


#: write batches of a load are bulk work: they get this many times the query timeout
BATCH_TIMEOUT_FACTOR = 4.0


class Neo4jStore(GraphStore):
    """A :class:`GraphStore` on Neo4j 5.26 (Community or Enterprise).

    Parameters
    ----------
    driver : neo4j.Driver
        An open driver; the store closes it in :meth:`close`.
    database : str
        Database name.
    timeout_s : float
        Transaction timeout of every query, in seconds.
    uri : str, optional
        Shown in error messages.
    """

    backend = "neo4j"

    def __init__(
        self, driver: neo4j.Driver, database: str = "neo4j", timeout_s: float = 30.0, *, uri: str = ""
    ) -> None:
        self._driver = driver
        self.database = database
        self.timeout_s = timeout_s
        self.batch_timeout_s = timeout_s * BATCH_TIMEOUT_FACTOR
        self.uri = uri or "the Neo4j server"
        self._schema_ready = False
        self._ledger: _Ledger | None = None
        self._ledger_lock = threading.Lock()
        self._extras_cache: dict[tuple[str, bool, tuple[str, ...] | None], dict[str, PropType]] = {}

    @classmethod
    def connect(
        cls,
        uri: str,
        auth: tuple[str, str] | None = None,
        database: str = "neo4j",
        timeout_s: float = 30.0,
        max_retry_s: float | None = None,
    ) -> Neo4jStore:
        """Open a driver for ``uri`` (``bolt://…`` or ``neo4j://…``) and wrap it.

        ``max_retry_s`` bounds how long the driver retries a transaction after a
        transient error or an unreachable server (driver default: 30 s); set it
        below a caller's own deadline (e.g. the API's resolver timeout) so an
        outage surfaces as :class:`stakegraph.errors.StoreUnavailable` in time.
        """
        if not uri.startswith(_SCHEMES):
            raise StoreError(
                f"cannot use Neo4j URI {uri!r}: it must start with one of {', '.join(_SCHEMES)}; "
                "set STAKEGRAPH_NEO4J_URI to e.g. bolt://127.0.0.1:7687"
            )
        try:
            config: dict[str, Any] = {}
            if max_retry_s is not None:
                config["max_transaction_retry_time"] = max_retry_s
            driver = neo4j.GraphDatabase.driver(uri, auth=auth, **config)
        except (nx_errors.ConfigurationError, ValueError) as e:
            raise StoreError(
                f"cannot use Neo4j URI {uri!r}: {e}; set STAKEGRAPH_NEO4J_URI to bolt://host:port or neo4j://host:port"
            ) from e
        return cls(driver, database=database, timeout_s=timeout_s, uri=uri)

    @classmethod
    def from_settings(cls, settings: Settings) -> Neo4jStore:
        """The store that ``STAKEGRAPH_NEO4J_*`` settings name."""
        if not settings.neo4j_uri:
            raise StoreError("STAKEGRAPH_NEO4J_URI is not set; set it to the server's bolt:// URI")
        auth = None
        if settings.neo4j_auth:
            password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
            auth = (settings.neo4j_user, password)
        return cls.connect(
            settings.neo4j_uri, auth=auth, database=settings.neo4j_database, timeout_s=settings.neo4j_timeout_s,
            max_retry_s=settings.neo4j_max_retry_s,
        )

    # -- transactions ----------------------------------------------------------------
    def _wrap(self, e: Exception) -> StoreError:
        if isinstance(e, (nx_errors.ServiceUnavailable, nx_errors.SessionExpired)):
            return StoreUnavailable(
                f"Neo4j at {self.uri} is not reachable ({e}); start it with `stakegraph neo4j start` "
                "or set STAKEGRAPH_NEO4J_URI"
            )
        if isinstance(e, (nx_errors.AuthError, nx_errors.AuthConfigurationError)):
            return StoreError(
                f"Neo4j at {self.uri} refused the credentials ({e}); set STAKEGRAPH_NEO4J_USER and "
                "STAKEGRAPH_NEO4J_PASSWORD (or STAKEGRAPH_NEO4J_AUTH=false for a server without auth)"
            )
        return StoreError(f"Neo4j at {self.uri} (database {self.database!r}) failed: {e}")

    def _tx(self, fn: Callable[..., T], *args: Any, write: bool = False, timeout: float | None = None) -> T:
        """Run ``fn(tx, *args)`` in a managed transaction with the store's timeout (or ``timeout``)."""
        work = neo4j.unit_of_work(timeout=timeout or self.timeout_s)(fn)
        try:
            with self._driver.session(
                database=self.database, notifications_min_severity=neo4j.NotificationMinimumSeverity.OFF
            ) as session:
                if write:
                    return session.execute_write(work, *args)
                return session.execute_read(work, *args)
        except (nx_errors.Neo4jError, nx_errors.DriverError) as e:
            raise self._wrap(e) from e

    def _read(self, query: str, **params: Any) -> list[dict[str, Any]]:
        def fn(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return [r.data() for r in tx.run(query, params)]

        return self._tx(fn)

    # -- lifecycle ----------------------------------------------------------------------
    def ping(self) -> bool:
        try:
            return self._read(cypher.PING) == [{"ok": 1}]
        except StoreError:
            return False

    def close(self) -> None:
        self._driver.close()

    def ensure_schema(self, log: Callable[[str], None] | None = None) -> None:
        """Create the missing constraints and indexes (one transaction each), then wait for the
        indexes to come online; ``log`` receives a message before each of the two steps."""
        present = {r["name"] for r in self._read(cypher.SCHEMA_NAMES)}
        statements = cypher.legacy_schema_drops(present, self.domain)
        statements += [q for q in cypher.schema_statements(self.domain) if cypher.schema_name(q) not in present]

        def fn(tx: neo4j.ManagedTransaction, query: str) -> None:
            tx.run(query).consume()

        if log and statements:
            log(f"Creating {len(statements)} constraints and indexes ...")
        # One transaction each: a uniqueness constraint builds its index at commit whether or not
        # it shares the transaction (measured after a bulk import: no faster in one), and the plain
        # indexes populate in the background meanwhile.
        for q in statements:
            self._tx(fn, q, write=True)
        if statements:
            if log:
                log("Waiting for the indexes to come online ...")
            self._tx(lambda tx: tx.run(cypher.AWAIT_INDEXES, seconds=int(self.timeout_s)).consume(), write=True)
        self._schema_ready = True

    # -- bulk import (stakegraph.store.neo4j_bulk) ------------------------------------------------
    def content_count(self) -> int:
        """Nodes (the graph-version marker aside) plus relationships in the database."""
        return int(self._read(cypher.CONTENT_COUNT)[0]["n"])

    def forget(self) -> None:
        """Drop what the store knows of the database (the write ledger, the schema, cached extras):
        the database is about to be replaced behind its back."""
        with self._ledger_lock:
            self._ledger = None
        self._schema_ready = False
        self._extras_cache.clear()

    def after_bulk_import(self, version: int, log: Callable[[str], None] | None = None) -> None:
        """Create the schema on an imported database and set its graph version past ``version``
        (the version before the import), so no cache keyed by a version sees an old one again;
        ``log`` receives progress messages."""
        self.forget()
        self.ensure_schema(log)
        if log:
            log("Setting the graph version ...")
        self._tx(lambda tx: tx.run(cypher.SET_VERSION, key=cypher.META_KEY, version=version + 1).consume(),
                 write=True)

    def _ensure(self) -> None:
        if not self._schema_ready:
            self.ensure_schema()

    # -- writes -------------------------------------------------------------------------------
    def write(
        self,
        nodes: Sequence[NodeRecord] = (),
        edges: Sequence[EdgeRecord] = (),
        *,
        batch_size: int = 5000,
    ) -> WriteStats:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        for t in dict.fromkeys(map(_TYPE, nodes)):  # each type once, the first unknown one named
            cypher.label(t, self.domain)
        for k in dict.fromkeys(map(_KIND, edges)):
            cypher.rel_type(k, self.domain)
        # One transaction for everything (edges only, one batch): the write statements count what
        # they wrote and the transaction rolls back on a dangling edge, so no separate look-up.
        if nodes or len(edges) > batch_size:
            self._check_endpoints(nodes, edges)
        self._ensure()
        stats = WriteStats()
        for part in _chunks(_grouped(nodes, _TYPE), batch_size):
            stats.merge(self._write_batch(self._write_nodes_tx, part))
        for epart in _chunks(_grouped(edges, _KIND), batch_size):
            stats.merge(self._write_batch(self._write_edges_tx, epart))
        return stats

    def _write_batch(self, fn: Callable[..., _TxResult], part: Sequence[Any]) -> WriteStats:
        """One batch in one write transaction; again when a concurrent writer created one of its ids first.

        A batch ``CREATE``s the ids it found absent (or that the ledger says cannot
        exist); a concurrent creation of the same id violates the id's uniqueness
        constraint and rolls the batch back. Run again without the ledger, it finds
        that record.
        """
        for attempt in range(_CONFLICT_ATTEMPTS):
            with self._ledger_lock:
                ledger = self._ledger
            try:
                res = self._tx(fn, part, ledger, write=True, timeout=self.batch_timeout_s)
            except StoreError as e:
                with self._ledger_lock:
                    self._ledger = None
                if attempt == _CONFLICT_ATTEMPTS - 1 or not isinstance(e.__cause__, nx_errors.ConstraintError):
                    raise
                continue
            self._learn(res)
            return res.stats
        raise AssertionError("unreachable")  # pragma: no cover

    def _learn(self, res: _TxResult) -> None:
        """Carry the ledger over a committed write (or drop it when the graph moved under it)."""
        with self._ledger_lock:
            cur = self._ledger
            if res.seen is not None and cur is not None and cur.version == res.start and cur.seen is res.seen:
                base: _Ledger | None = cur
            elif res.seen is not None and res.empty:
                base = _Ledger(res.start, res.seen)
            else:
                base = None
            if base is not None:
                base.seen.add(res.ids)
                base.version = res.end
                if base.seen.total > _LEDGER_MAX:
                    base = None
            self._ledger = base

    @staticmethod
    def _head(tx: neo4j.ManagedTransaction, ledger: _Ledger | None) -> tuple[int, _Seen | None, bool]:
        """(graph version, the ids that may exist — ``None``: any may —, graph empty) at a write's start."""
        head = tx.run(cypher.WRITE_HEAD, key=cypher.META_KEY).single(strict=True)
        version = int(head["version"])
        empty = int(head["nodes"]) == 0 and int(head["rels"]) == 0
        if ledger is not None and ledger.version == version:
            return version, ledger.seen, empty
        return version, (_Seen() if empty else None), empty

    @staticmethod
    def _existing_tx(tx: neo4j.ManagedTransaction, ids: Sequence[str]) -> set[str]:
        """The ids among ``ids`` that name a node."""
        found: set[str] = set()
        for part in _chunks(ids, _ID_CHUNK):
            found.update(tx.run(cypher.EXISTING_IDS, ids=_Batch(part)).single(strict=True)["ids"])
        return found

    def _existing_node_ids(self, ids: Sequence[str]) -> set[str]:
        return self._tx(self._existing_tx, ids)

    def _check_endpoints(self, nodes: Sequence[NodeRecord], edges: Sequence[EdgeRecord]) -> None:
        if not edges:
            return
        present = set(map(_ID, nodes))
        wanted = sorted(set(map(_SOURCE, edges)).union(map(_TARGET, edges)) - present)
        present |= self._existing_node_ids(wanted)
        _raise_dangling(edges, present)

    @staticmethod
    def _bump(tx: neo4j.ManagedTransaction) -> int:
        return int(tx.run(cypher.BUMP_VERSION, key=cypher.META_KEY).single(strict=True)["version"])

    @staticmethod
    def _maybe(ids: list[str], seen: _Seen | None, here: set[str]) -> list[str]:
        """The ``ids`` that may be in the graph: all without a ledger, else those it (or this transaction) saw."""
        if seen is None:
            return ids
        return [i for i, m in zip(ids, seen.might_contain(ids), strict=True) if m or i in here]

    def _write_nodes_tx(
        self, tx: neo4j.ManagedTransaction, nodes: Sequence[NodeRecord], ledger: _Ledger | None = None
    ) -> _TxResult:
        version, seen, empty = self._head(tx, ledger)
        stats = WriteStats()
        here: set[str] = set()
        for rnd, ids in _rounds(nodes, list(map(_ID, nodes))):
            old: dict[str, NodeRecord] = {}
            for part in _chunks(self._maybe(ids, seen, here), _ID_CHUNK):
                for row in tx.run(cypher.GET_NODE_ROWS, ids=_Batch(part)).single(strict=True)["rows"]:
                    old[row[0]] = self._node_row(row)
            update: dict[str, _Batch] = defaultdict(_Batch)
            outcomes: dict[str, list[int]] = {}  # type: [unchanged, updated]
            for n in rnd if old else ():
                before = old.get(n.id)
                if before is None:
                    continue
                if before.type != n.type:
                    raise type_conflict(n.id, before.type, n.type)  # the transaction rolls back
                counts = outcomes.get(n.type) or outcomes.setdefault(n.type, [0, 0])
                if _unchanged(before.props, n.props):
                    counts[0] += 1
                else:
                    body, prov = _split_props(n.props)
                    update[n.type].append({"id": n.id, "props": body, "prov": prov})
                    counts[1] += 1
            _count_outcomes(stats, outcomes)
            for ntype, group in _new_by(rnd, _TYPE, old).items():
                new = _New()
                new.add(group, edges=False)
                stats.add(ntype, "created", len(group))
                tx.run(cypher.create_nodes(ntype, self.domain), new.params(edges=False)).consume()
            for ntype, rows in update.items():
                tx.run(cypher.upsert_nodes(ntype, self.domain), rows=rows).consume()
            here.update(ids)
        end = self._bump(tx) if stats.changed else version
        return _TxResult(stats, version, end, seen, empty, list(here))

    def _fetch_edges_tx(
        self, tx: neo4j.ManagedTransaction, anywhere: list[str], kinds: dict[str, list[str]] | None = None
    ) -> dict[str, EdgeRecord]:
        """The stored edges among ``kinds[kind]`` (that kind only) and among ``anywhere`` (any kind).

        An id listed in both is looked up under its kind first and under the other kinds only
        when not found there: one index seek per id and kind.
        """
        found: dict[str, EdgeRecord] = {}
        kinds = kinds or {}
        for kind, ids in kinds.items():
            self._fetch_kind_tx(tx, kind, ids, found)
        rest = [i for i in anywhere if i not in found]
        if rest:
            looked = {i: k for k, ids in kinds.items() for i in ids}
            self._fetch_elsewhere_tx(tx, [(i, looked.get(i)) for i in rest], found)
        return found

    def _fetch_kind_tx(self, tx: neo4j.ManagedTransaction, kind: str, ids: list[str],
                       found: dict[str, EdgeRecord]) -> None:
        """Add the stored ``kind`` edges among ``ids`` to ``found``."""
        for part in _chunks(ids, _ID_CHUNK):
            for row in tx.run(cypher.get_edges(kind, self.domain), ids=_Batch(part)).single(strict=True)["rows"]:
                found[row[0]] = self._edge_row(row, kind)

    def _fetch_elsewhere_tx(self, tx: neo4j.ManagedTransaction, ids: Sequence[tuple[str, str | None]],
                            found: dict[str, EdgeRecord]) -> None:
        """Add the stored edges among ``ids`` (``(id, kind already looked up under, or None)``) to
        ``found``, looked up under every other kind."""
        for kind in self.domain.rel_kinds:
            self._fetch_kind_tx(tx, kind, [i for i, looked in ids if looked != kind], found)

    def _write_edges_tx(
        self, tx: neo4j.ManagedTransaction, edges: Sequence[EdgeRecord], ledger: _Ledger | None = None
    ) -> _TxResult:
        version, seen, empty = self._head(tx, ledger)
        stats = WriteStats()
        here: set[str] = set()
        for rnd, ids in _rounds(edges, list(map(_ID, edges))):
            # Every id that may exist is looked up under its own kind. A deterministic id
            # (stakegraph.model.edge_id) encodes kind and endpoints, so that is all; only an id chosen
            # by the caller can name another kind than it did before: when not found, it is
            # looked up under every kind.
            maybe = set(self._maybe(ids, seen, here))
            old: dict[str, EdgeRecord] = {}
            if maybe:
                mine = [e for e in rnd if e.id in maybe]
                by_kind: dict[str, list[str]] = defaultdict(list)
                for e in mine:
                    by_kind[e.kind].append(e.id)
                for kind, kind_ids in by_kind.items():
                    self._fetch_kind_tx(tx, kind, kind_ids, old)
                explicit = [(e.id, e.kind) for e in mine if e.id not in old
                            and e.id != edge_id(e.kind, e.source, e.target, e.props.get("ref"))]
                if explicit:
                    self._fetch_elsewhere_tx(tx, explicit, old)
            gone: dict[str, list[str]] = defaultdict(list)
            moved: dict[str, list[EdgeRecord]] = defaultdict(list)
            update: dict[str, _Batch] = defaultdict(_Batch)
            outcomes: dict[str, list[int]] = {}  # kind: [unchanged, updated]
            for e in rnd if old else ():
                before = old.get(e.id)
                if before is None:
                    continue
                counts = outcomes.get(e.kind) or outcomes.setdefault(e.kind, [0, 0])
                if (before.kind, before.source, before.target) != (e.kind, e.source, e.target):
                    # the id now names other endpoints or another kind: remove the old edge, keep its
                    # props (same rule as the embedded store: moved counts as updated)
                    gone[before.kind].append(e.id)
                    after = _merged(before.props, *_split_props(e.props))
                    moved[e.kind].append(EdgeRecord(e.id, e.kind, e.source, e.target, after))
                    counts[1] += 1
                elif _unchanged(before.props, e.props):
                    counts[0] += 1
                else:
                    body, prov = _split_props(e.props)
                    update[e.kind].append(
                        {"id": e.id, "source": e.source, "target": e.target, "props": body, "prov": prov}
                    )
                    counts[1] += 1
            _count_outcomes(stats, outcomes)
            create: dict[str, _New] = defaultdict(_New)
            for kind, group in _new_by(rnd, _KIND, old).items():
                create[kind].add(group, edges=True)
                stats.add(kind, "created", len(group))
            for kind, records in moved.items():
                create[kind].add(records, edges=True)
            for kind, gone_ids in gone.items():
                tx.run(cypher.delete_edges_by_id(kind, self.domain), ids=gone_ids).consume()
            sent = written = 0
            for kind, new in create.items():
                q = cypher.create_edges(kind, self.domain)
                written += tx.run(q, new.params(edges=True)).single(strict=True)["n"]
                sent += len(new.ids)
            for kind, rows in update.items():
                written += tx.run(cypher.upsert_edges(kind, self.domain), rows=rows).single(strict=True)["n"]
                sent += len(rows)
            if written != sent:  # an endpoint is missing: this raises, and the transaction rolls back
                ends = sorted(set(map(_SOURCE, edges)).union(map(_TARGET, edges)))
                _raise_dangling(edges, self._existing_tx(tx, ends))
                raise StoreError(  # pragma: no cover - every endpoint exists but a write was lost
                    f"Neo4j at {self.uri} wrote {written} of {sent} edges; re-run the write"
                )
            here.update(ids)
        end = self._bump(tx) if stats.changed else version
        return _TxResult(stats, version, end, seen, empty, list(here))

    # -- deletes ----------------------------------------------------------------------------------
    def _detach_delete_tx(self, tx: neo4j.ManagedTransaction, ids: list[str]) -> WriteStats:
        stats = WriteStats()
        for rec in tx.run(cypher.DETACH_RELS, ids=ids):
            stats.add(self.domain.kind_of_rel_type(rec["type"]), "deleted", rec["n"])
        for rec in tx.run(cypher.DELETE_NODES, ids=ids):
            stats.add(self._type_of(rec["labels"]), "deleted")
        if stats.changed:
            self._bump(tx)
        return stats

    def delete_nodes(self, ids: Sequence[str]) -> WriteStats:
        stats = WriteStats()
        for part in _chunks(list(dict.fromkeys(ids)), _DELETE_BATCH):
            stats.merge(self._tx(self._detach_delete_tx, list(part), write=True))
        return stats

    def delete_edges(self, ids: Sequence[str]) -> WriteStats:
        def fn(tx: neo4j.ManagedTransaction, part: list[str]) -> WriteStats:
            stats = WriteStats()
            for kind in self.domain.rel_kinds:
                n = tx.run(cypher.delete_edges_by_id(kind, self.domain), ids=part).single(strict=True)["deleted"]
                if n:
                    stats.add(kind, "deleted", n)
            if stats.changed:
                self._bump(tx)
            return stats

        stats = WriteStats()
        for part in _chunks(list(dict.fromkeys(ids)), _DELETE_BATCH):
            stats.merge(self._tx(fn, list(part), write=True))
        return stats

    def delete_load(self, load_id: str) -> WriteStats:
        """Delete the load's edges, then its nodes (detached), in transactions of 10,000 items."""

        def edges_fn(tx: neo4j.ManagedTransaction, kind: str) -> int:
            q = cypher.delete_load_edges(kind, self.domain)
            n = int(tx.run(q, load_id=load_id, limit=_DELETE_BATCH).single(strict=True)["deleted"])
            if n:
                self._bump(tx)
            return n

        stats = WriteStats()
        for kind in self.domain.rel_kinds:
            while n := self._tx(edges_fn, kind, write=True):
                stats.add(kind, "deleted", n)
        while ids := [r["id"] for r in self._read(cypher.LOAD_NODE_IDS, load_id=load_id, limit=_DELETE_BATCH)]:
            stats.merge(self._tx(self._detach_delete_tx, ids, write=True))
        return stats

    def clear(self) -> None:
        # relationships first, in bounded transactions: detach-deleting a batch of hub nodes in one
        # transaction exceeded db.memory.transaction.max on a 1M-relationship graph
        def some_rels(tx: neo4j.ManagedTransaction) -> int:
            n = int(tx.run(cypher.DELETE_SOME_RELS, limit=_DELETE_BATCH).single(strict=True)["n"])
            if n:
                self._bump(tx)  # every change moves the graph version (caches and the write ledger)
            return n

        while self._tx(some_rels, write=True):
            pass
        while ids := [r["id"] for r in self._read(cypher.SOME_NODE_IDS, limit=_DELETE_BATCH)]:
            self._tx(self._detach_delete_tx, ids, write=True)
        for q in (cypher.DELETE_SOME_FX, cypher.DELETE_SOME_DECISIONS):
            while self._tx(lambda tx, q=q: int(tx.run(q, limit=_DELETE_BATCH).single(strict=True)["n"]), write=True):
                pass
        self._tx(self._bump, write=True)

    # -- FX rates ------------------------------------------------------------------------------
    def write_fx_rates(self, rates: Sequence[FxRate]) -> int:
        self._ensure()
        rows = fx_rows(rates)

        def fn(tx: neo4j.ManagedTransaction, part: list[dict[str, Any]]) -> int:
            n = int(tx.run(cypher.UPSERT_FX_RATES, rows=part).single(strict=True)["changed"])
            if n:
                self._bump(tx)
            return n

        return sum(self._tx(fn, list(part), write=True) for part in _chunks(rows, 5000))

    # -- entity-resolution decisions -------------------------------------------------------------
    def write_match_decisions(self, decisions: Sequence[MatchDecision]) -> int:
        self._ensure()
        rows = decision_rows(decisions)

        def fn(tx: neo4j.ManagedTransaction, part: list[dict[str, Any]]) -> int:
            n = int(tx.run(cypher.UPSERT_MATCH_DECISIONS, rows=part).single(strict=True)["changed"])
            if n:
                self._bump(tx)
            return n

        return sum(self._tx(fn, list(part), write=True) for part in _chunks(rows, 5000))

    def match_decisions(self) -> list[MatchDecision]:
        return [match_decision(r) for r in self._read(cypher.MATCH_DECISIONS)]

    def _stated_currencies(self) -> set[str]:
        fin = [self.domain.rel_type(k) for k in EXPOSURE_KINDS]
        return {r["currency"] for r in self._read(cypher.STATED_CURRENCIES, fin=fin) if r["currency"]}

    def _latest_date(self) -> str | None:
        rows = self._read(cypher.LATEST_DATE)
        return str(rows[0]["latest"]) if rows and rows[0]["latest"] else None

    def fx_rates(self) -> list[FxRate]:
        return [fx_rate(r) for r in self._read(cypher.FX_RATES)]

    # -- reads --------------------------------------------------------------------------------------
    def _type_of(self, labels: Iterable[str]) -> str:
        for lab in labels:
            if lab != cypher.ENTITY:
                try:
                    return self.domain.type_of_label(lab)
                except KeyError:
                    continue
        raise StoreError(f"a node in Neo4j at {self.uri} has no domain label ({list(labels)}); was it written by stakegraph?")

    def _node(self, rec: neo4j.Record | dict[str, Any]) -> NodeRecord:
        props = dict(rec["props"])
        props.pop("id", None)
        return NodeRecord(rec["id"], self._type_of(rec["labels"]), props)

    def _node_row(self, row: list[Any]) -> NodeRecord:
        """A node from a ``[id, labels, props]`` row (:data:`cypher.GET_NODE_ROWS`)."""
        nid, labels, props = row
        props.pop("id", None)
        return NodeRecord(nid, self._type_of(labels), props)

    @staticmethod
    def _edge_row(row: list[Any], kind: str) -> EdgeRecord:
        """An edge of ``kind`` from a ``[id, source, target, props]`` row (:func:`cypher.get_edges`)."""
        eid, source, target, props = row
        props.pop("id", None)
        return EdgeRecord(eid, kind, source, target, props)

    def _edge(self, rec: neo4j.Record | dict[str, Any]) -> EdgeRecord:
        props = dict(rec["props"])
        props.pop("id", None)
        return EdgeRecord(rec["id"], self.domain.kind_of_rel_type(rec["type"]), rec["source"], rec["target"], props)

    def extra_props(self, *, edges: bool = False, scope: Sequence[str] | None = None) -> dict[str, PropType]:
        """Properties outside the domain the stored nodes (of types ``scope``) or edges (of kinds
        ``scope``) carry, typed by their values (:func:`stakegraph.store.filters.extra_types`).

        One scan (``keys`` / ``valueType``), cached per graph version.
        """
        key = (self.graph_version(), edges, None if scope is None else tuple(sorted(scope)))
        cache = self._extras_cache
        if key not in cache:
            if any(k[0] != key[0] for k in cache):
                cache.clear()
            seen: list[tuple[str, str]] = []
            for node_type in ([None] if edges or scope is None else list(scope)):
                q = cypher.property_types(node_type, scope if edges else None, edges=edges, domain=self.domain)
                for rec in self._read(q):
                    vt = str(rec["t"]).split(" ")[0]
                    seen.append((str(rec["k"]), {"INTEGER": "integer", "FLOAT": "real", "BOOLEAN": "true",
                                                 "STRING": "text"}.get(vt, vt.lower())))
            cache[key] = extra_types(seen, self.domain)
        return dict(cache[key])

    def get_nodes(self, ids: Sequence[str]) -> list[NodeRecord | None]:
        found: dict[str, NodeRecord] = {}
        for part in _chunks(list(dict.fromkeys(ids)), _ID_CHUNK):
            for rec in self._read(cypher.GET_NODES, ids=list(part)):
                found[rec["id"]] = self._node(rec)
        return [found.get(i) for i in ids]

    def get_edges(self, ids: Sequence[str]) -> list[EdgeRecord | None]:
        found: dict[str, EdgeRecord] = {}
        for part in _chunks(list(dict.fromkeys(ids)), _ID_CHUNK):
            found.update(self._tx(self._fetch_edges_tx, list(part)))
        return [found.get(i) for i in ids]

    def _filter(self, flt: NodeFilter, sort: Sort | None = None) -> tuple[str | None, list[str], dict[str, Any]] | None:
        """(type, filter names, params), or ``None`` when nothing can match."""
        if flt.type is not None and flt.type not in self.domain.node_types:
            check_node_query(flt, sort, self.domain)
            return None
        flt = check_node_query(flt, sort, self.domain,
                               lambda: self.extra_props(scope=None if flt.type is None else (flt.type,)))
        names: list[str] = []
        params: dict[str, Any] = {}
        for name, val in (("kind", flt.kind), ("country", flt.country), ("status", flt.status)):
            if val is not None:
                names.append(name)
                params[name] = val
        if flt.text:
            names.append("text")
            params["text"] = flt.text.lower()
        if flt.ids is not None:
            names.append("ids")
            params["ids"] = list(flt.ids)
        _ranges(flt.prop_ranges, flt.date_ranges, names, params, flt.extra_equals)
        return flt.type, names, params

    def find_nodes(
        self, flt: NodeFilter = _ANY, *, sort: Sort | None = None, limit: int = 100, offset: int = 0
    ) -> list[NodeRecord]:
        f = self._filter(flt, sort)
        if f is None or limit <= 0:
            return []
        ntype, names, params = f
        order, extra = _sort_params(sort, ("id", "name", "relationships", "exposure"), self.domain)
        if order == "exposure":
            extra["fx"] = self.exposure_factors()
        q = cypher.find_nodes(ntype, names, self.domain, order=order, descending=bool(sort and sort.descending))
        rows = self._read(q, limit=limit, offset=max(offset, 0), **params, **extra)
        return [self._node(r) for r in rows]

    def count_nodes(self, flt: NodeFilter = _ANY) -> int:
        f = self._filter(flt)
        if f is None:
            return 0
        ntype, names, params = f
        return int(self._read(cypher.count_nodes(ntype, names, self.domain), **params)[0]["n"])

    def _edge_filter(
        self, flt: EdgeFilter, sort: Sort | None = None
    ) -> tuple[tuple[str, ...] | None, str | None, list[str], dict[str, Any]] | None:
        """(kinds, anchor, filter names, params), or ``None`` when nothing can match."""
        flt = check_edge_query(flt, sort, self.domain, lambda: self.extra_props(edges=True, scope=flt.kinds))
        if flt.kinds == () or flt.sources == () or flt.targets == ():
            return None
        names: list[str] = []
        params: dict[str, Any] = {}
        for name, val in (("node", flt.node), ("status", flt.status), ("currency", flt.currency),
                          ("active_from", flt.active_from), ("active_to", flt.active_to)):
            if val is not None:
                names.append(name)
                params[name] = val
        for name, ids in (("sources", flt.sources), ("targets", flt.targets)):
            if ids is not None:
                names.append(name)
                params[name] = list(ids)
        _ranges(flt.prop_ranges, flt.date_ranges, names, params, flt.extra_equals)
        anchor = "node" if flt.node is not None else next((a for a in ("sources", "targets") if a in params), None)
        return flt.kinds, anchor, names, params

    def find_edges(
        self, flt: EdgeFilter = _ANY_EDGE, *, sort: Sort | None = None, limit: int = 100, offset: int = 0
    ) -> list[EdgeRecord]:
        f = self._edge_filter(flt, sort)
        if f is None or limit <= 0:
            return []
        kinds, anchor, names, params = f
        order, extra = _sort_params(sort, ("id", "kind", "source", "target"), self.domain)
        q = cypher.find_edges(kinds, anchor, names, self.domain, order=order,
                              descending=bool(sort and sort.descending))
        return [self._edge(r) for r in self._read(q, limit=limit, offset=max(offset, 0), **params, **extra)]

    def count_edges(self, flt: EdgeFilter = _ANY_EDGE) -> int:
        f = self._edge_filter(flt)
        if f is None:
            return 0
        kinds, anchor, names, params = f
        return int(self._read(cypher.count_edges(kinds, anchor, names, self.domain), **params)[0]["n"])

    def edges_of(
        self, ids: Sequence[str], *, direction: Direction = Direction.BOTH, kinds: Iterable[str] | None = None
    ) -> list[EdgeRecord]:
        types = self._types(kinds)
        if types == []:
            return []
        d = Direction(direction)
        dirs = {Direction.OUT: ("out",), Direction.IN: ("in",), Direction.BOTH: ("out", "in")}[d]
        out: dict[str, EdgeRecord] = {}

        def fn(tx: neo4j.ManagedTransaction, part: list[str]) -> None:
            for dname in dirs:
                for rec in tx.run(cypher.edges_of(dname), ids=part, types=types):
                    e = self._edge(rec)
                    out[e.id] = e

        for part in _chunks(list(dict.fromkeys(ids)), _ID_CHUNK):
            self._tx(fn, list(part))
        return [out[k] for k in sorted(out)]

    def edge_ends(
        self, ids: Sequence[str], *, direction: Direction = Direction.BOTH, kinds: Iterable[str] | None = None
    ) -> list[tuple[str, str, str]]:
        types = self._types(kinds)
        if types == []:
            return []
        dirs = {Direction.OUT: ("out",), Direction.IN: ("in",), Direction.BOTH: ("out", "in")}[Direction(direction)]
        out: dict[str, tuple[str, str, str]] = {}

        def fn(tx: neo4j.ManagedTransaction, part: list[str]) -> None:
            for dname in dirs:
                for rec in tx.run(cypher.edges_of(dname, ends_only=True), ids=part, types=types):
                    out[rec["id"]] = (rec["id"], rec["source"], rec["target"])

        for part in _chunks(list(dict.fromkeys(ids)), _ID_CHUNK):
            self._tx(fn, list(part))
        return [out[k] for k in sorted(out)]

    def degrees(
        self, ids: Sequence[str], *, direction: Direction = Direction.BOTH, kinds: Iterable[str] | None = None
    ) -> dict[str, int]:
        d = Direction(direction)
        out = dict.fromkeys(ids, 0)
        types = self._types(kinds)
        if types == []:
            return out

        def fn(tx: neo4j.ManagedTransaction, part: list[str]) -> None:
            for rec in tx.run(cypher.DEGREES, ids=part, types=types):
                n_out, n_in, loops = int(rec["out"]), int(rec["inc"]), int(rec["loops"])
                out[rec["id"]] = {Direction.OUT: n_out, Direction.IN: n_in, Direction.BOTH: n_out + n_in - loops}[d]

        for part in _chunks(list(out), _ID_CHUNK):
            self._tx(fn, list(part))
        return out

    def _types(self, kinds: Iterable[str] | None) -> list[str] | None:
        """Relationship types of the domain ``kinds`` (``None`` = any; ``[]`` = none can match)."""
        if kinds is None:
            return None
        return [self.domain.rel_type(k) for k in kinds if k in self.domain.rel_kinds]

    def _pages(self, query: str, convert: Callable[[neo4j.Record], T], page: int = _PAGE) -> Iterator[T]:
        """Keyset paging on the id index: each page is one read transaction of ``page`` records."""

        def fn(tx: neo4j.ManagedTransaction, after: str) -> list[T]:
            return [convert(r) for r in tx.run(query, after=after, limit=page)]

        after = ""
        while True:
            rows = self._tx(fn, after)
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].id  # type: ignore[attr-defined]

    def iter_nodes(self, types: Iterable[str] | None = None) -> Iterator[NodeRecord]:
        """Every node in id order, fetched in pages of 5,000 per type and merged."""
        names = list(self.domain.node_types) if types is None else [t for t in types if t in self.domain.node_types]
        streams = [self._pages(cypher.node_page(t, self.domain), self._node) for t in dict.fromkeys(names)]
        return heapq.merge(*streams, key=lambda n: n.id)

    def iter_edges(self, kinds: Iterable[str] | None = None) -> Iterator[EdgeRecord]:
        """Every edge in id order, fetched in pages of 5,000 per kind and merged."""
        names = list(self.domain.rel_kinds) if kinds is None else [k for k in kinds if k in self.domain.rel_kinds]
        streams = [self._pages(cypher.edge_page(k, self.domain), self._edge) for k in dict.fromkeys(names)]
        return heapq.merge(*streams, key=lambda e: e.id)

    def counts(self) -> dict[str, dict[str, int]]:
        def fn(tx: neo4j.ManagedTransaction) -> dict[str, dict[str, int]]:
            nodes = {t: int(tx.run(cypher.count_label(t, self.domain)).single(strict=True)["n"]) for t in self.domain.node_types}
            edges = {k: int(tx.run(cypher.count_rel(k, self.domain)).single(strict=True)["n"]) for k in self.domain.rel_kinds}
            return {"nodes": nodes, "edges": edges}

        return self._tx(fn)

    def graph_version(self) -> str:
        return f"neo4j:{self._read(cypher.GET_VERSION, key=cypher.META_KEY)[0]['version']}"

    # -- projection (the columnar graph index, stakegraph.store.graphindex) ------------------
    def index_rows(self, *, props: bool = False) -> Any:
        """:class:`stakegraph.store.graphindex.IndexRows` read in one transaction (a consistent
        version): one Cypher query for the nodes, one for the relationships (``cypher.INDEX_*``)."""
        from stakegraph.store.graphindex import RowSink

        types: dict[tuple[str, ...], str] = {}
        kinds: dict[str, str] = {}

        def fn(tx: neo4j.ManagedTransaction) -> RowSink:
            version = tx.run(cypher.GET_VERSION, key=cypher.META_KEY).single(strict=True)["version"]
            sink = RowSink(f"neo4j:{version}", self.backend, props=props)
            ids, tps, nprops = [], [], []
            for rec in tx.run(cypher.INDEX_NODES):
                nid, labels, p = rec.values()
                key = tuple(labels)
                t = types.get(key) or types.setdefault(key, self._type_of(labels))
                p.pop("id", None)
                ids.append(nid)
                tps.append(t)
                nprops.append(p)
            sink.nodes(ids, tps, nprops if props else None)
            eids, eks, srcs, dsts, eprops = [], [], [], [], []
            for rec in tx.run(cypher.INDEX_EDGES):
                eid, rt, a, b, p = rec.values()
                p.pop("id", None)
                eids.append(eid)
                eks.append(kinds.get(rt) or kinds.setdefault(rt, self.domain.kind_of_rel_type(rt)))
                srcs.append(a)
                dsts.append(b)
                eprops.append(p)
            sink.edges(eids, eks, srcs, dsts, eprops)
            return sink

        sink = self._tx(fn, timeout=max(self.timeout_s, 300.0))
        sink.rows.money = self.money_facts()
        return sink.rows

    def project(self, *, types: Iterable[str] | None = None, kinds: Iterable[str] | None = None) -> Any:
        """:meth:`GraphStore.project` from the columnar index (one Cypher query per table, bulk build)."""
        from stakegraph.store.graphindex import index_from_rows

        return index_from_rows(self.index_rows(props=True)).to_networkx(types=types, kinds=kinds, release=True)


__all__ = ["Neo4jStore"]
