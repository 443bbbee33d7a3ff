"""The storage interface every backend implements (embedded SQLite, Neo4j).

One contract-test suite (``tests/contract/``) runs the same assertions against
every implementation. Methods are synchronous; the API calls them from a
thread pool.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from stakegraph.domain import DOMAIN, Direction, Domain
from stakegraph.errors import Invalid
from stakegraph.model import EdgeRecord, NodeRecord, Subgraph, WriteStats
from stakegraph.money import FxRate, FxTable, normalise_currency
from stakegraph.store.filters import EdgeFilter, NodeFilter, Sort

__all__ = ["GraphStore", "NodeFilter", "EdgeFilter", "Sort", "to_networkx", "fx_rows", "fx_rate", "MatchDecision",
           "DECISIONS", "decision_rows"]

#: What a reviewer can decide about a proposed pair of parties (:mod:`stakegraph.resolve`).
DECISIONS = ("accept", "reject", "split")


@dataclass(frozen=True)
class MatchDecision:
    """A reviewer's decision that parties ``a`` and ``b`` are (``accept``) or are not (``reject``,
    ``split``) the same entity. Keyed by the pair (``a < b``); ``at`` is when it was last changed."""

    a: str
    b: str
    decision: str
    score: float | None = None
    note: str = ""
    at: str = ""

_ANY_NODE = NodeFilter()
_ANY_EDGE = EdgeFilter()


class GraphStore(abc.ABC):
    """A graph store: idempotent batched upserts, lookups, traversal and projection.

    Writes are upserts keyed by the deterministic ``id``: writing the same
    records twice leaves the store unchanged (second ``WriteStats`` says all
    unchanged). ``write`` is atomic on the embedded store and atomic per batch on
    Neo4j (re-running a failed load completes it, because every batch is
    idempotent).
    """

    backend: str = "abstract"
    domain: Domain = DOMAIN
    #: The currency projections report money in (``None``: ``STAKEGRAPH_REPORTING_CURRENCY``).
    reporting_currency: str | None = None

    # -- lifecycle ---------------------------------------------------------
    @abc.abstractmethod
    def ping(self) -> bool:
        """True when the store answers a trivial query."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections and files."""

    @abc.abstractmethod
    def ensure_schema(self) -> None:
        """Create constraints / tables / indexes if they do not exist (idempotent)."""

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes ------------------------------------------------------------
    @abc.abstractmethod
    def write(
        self,
        nodes: Sequence[NodeRecord] = (),
        edges: Sequence[EdgeRecord] = (),
        *,
        batch_size: int = 5000,
    ) -> WriteStats:
        """Upsert nodes then edges. Edge endpoints must exist (in the store or in ``nodes``).

        Raises :class:`stakegraph.errors.DanglingEdge` naming the missing ids, before
        writing anything, when an endpoint is missing, and
        :class:`stakegraph.errors.TypeConflict` (``details``: ``id``, ``existing``, ``new``)
        when a node's id already names a node of another type: a node never changes type,
        and nothing of the batch holding the conflict is written.
        """

    def loading(self) -> contextlib.AbstractContextManager[None]:
        """A context for the many ``write`` batches of one load (the loader's pass 2).

        Each batch is still its own transaction; a backend may make a large load cheaper inside
        it (the embedded store builds its secondary indexes once at the end of a load into an empty
        store). Here: nothing.
        """
        return contextlib.nullcontext()

    def upsert_nodes(self, nodes: Sequence[NodeRecord], *, batch_size: int = 5000) -> WriteStats:
        return self.write(nodes, (), batch_size=batch_size)

    def upsert_edges(self, edges: Sequence[EdgeRecord], *, batch_size: int = 5000) -> WriteStats:
        return self.write((), edges, batch_size=batch_size)

    @abc.abstractmethod
    def delete_load(self, load_id: str) -> WriteStats:
        """Remove every node and edge whose ``load_id`` is ``load_id`` (nodes detached)."""

    @abc.abstractmethod
    def delete_nodes(self, ids: Sequence[str]) -> WriteStats:
        """Detach-delete the nodes with these ids (missing ids are ignored)."""

    @abc.abstractmethod
    def delete_edges(self, ids: Sequence[str]) -> WriteStats:
        """Delete the edges with these ids (missing ids are ignored)."""

    @abc.abstractmethod
    def clear(self) -> None:
        """Remove everything (tests and ``stakegraph reset``)."""

    # -- reads ---------------------------------------------------------------
    @abc.abstractmethod
    def get_nodes(self, ids: Sequence[str]) -> list[NodeRecord | None]:
        """Nodes by id, in the order asked, ``None`` where missing (one round trip)."""

    def get_node(self, id: str) -> NodeRecord | None:
        return self.get_nodes([id])[0]

    @abc.abstractmethod
    def get_edges(self, ids: Sequence[str]) -> list[EdgeRecord | None]:
        """Edges by id, in the order asked, ``None`` where missing."""

    def get_edge(self, id: str) -> EdgeRecord | None:
        return self.get_edges([id])[0]

    @abc.abstractmethod
    def find_nodes(
        self, flt: NodeFilter = _ANY_NODE, *, sort: Sort | None = None, limit: int = 100, offset: int = 0
    ) -> list[NodeRecord]:
        """Nodes matching ``flt``, by name then id unless ``sort`` says otherwise (then ties by id).

        Raises :class:`stakegraph.errors.Invalid` (naming the valid keys or properties) for a
        sort key, range or date range the domain does not declare, or an unparseable date;
        see :mod:`stakegraph.store.filters` for the matching rules.
        """

    @abc.abstractmethod
    def count_nodes(self, flt: NodeFilter = _ANY_NODE) -> int:
        """How many nodes match ``flt`` (as many as :meth:`find_nodes` would return unpaged)."""

    @abc.abstractmethod
    def find_edges(
        self, flt: EdgeFilter = _ANY_EDGE, *, sort: Sort | None = None, limit: int = 100, offset: int = 0
    ) -> list[EdgeRecord]:
        """Edges matching ``flt``, by id unless ``sort`` says otherwise (then ties by id).

        Refuses what the domain does not declare (kinds, properties, sort keys) with
        :class:`stakegraph.errors.Invalid`, like :meth:`find_nodes`.
        """

    @abc.abstractmethod
    def count_edges(self, flt: EdgeFilter = _ANY_EDGE) -> int:
        """How many edges match ``flt``."""

    @abc.abstractmethod
    def edges_of(
        self,
        ids: Sequence[str],
        *,
        direction: Direction = Direction.BOTH,
        kinds: Iterable[str] | None = None,
    ) -> list[EdgeRecord]:
        """Edges touching any of ``ids`` (OUT: ids are sources; IN: targets), ordered by id."""

    def edge_ends(
        self,
        ids: Sequence[str],
        *,
        direction: Direction = Direction.BOTH,
        kinds: Iterable[str] | None = None,
    ) -> list[tuple[str, str, str]]:
        """``(edge id, source, target)`` of the edges :meth:`edges_of` would return, ordered by id.

        Traversals need only the ends; backends override this with a query that reads no
        properties (the default derives it from :meth:`edges_of`).
        """
        return [(e.id, e.source, e.target) for e in self.edges_of(ids, direction=direction, kinds=kinds)]

    def degrees(
        self,
        ids: Sequence[str],
        *,
        direction: Direction = Direction.BOTH,
        kinds: Iterable[str] | None = None,
    ) -> dict[str, int]:
        """How many edges of ``kinds`` touch each of ``ids`` (a self-loop counts once; 0 if none).

        Backends override this with a counting query (no edge is read); the default counts
        :meth:`edge_ends`.
        """
        d = Direction(direction)
        out = dict.fromkeys(ids, 0)
        for _, s, t in self.edge_ends(list(out), direction=d, kinds=kinds):
            for end in {s, t}:
                if end in out and (d is Direction.BOTH or end == (s if d is Direction.OUT else t)):
                    out[end] += 1
        return out

    def neighbours(
        self,
        id: str,
        *,
        direction: Direction = Direction.BOTH,
        kinds: Iterable[str] | None = None,
        depth: int = 1,
        limit: int | None = None,
    ) -> Subgraph:
        """The node, the nodes within ``depth`` hops and the edges among them.

        At most ``limit`` nodes (nearest first, then by id) are returned;
        ``truncated`` counts those left out. Breadth-first, one ring per hop
        (:meth:`_ring`), cut at the limit while traversing: once the nodes found
        reach ``limit`` the nodes kept are known, and the rings beyond are only
        counted (:meth:`_ring_count` for the last, which a backend answers without
        returning the ring). Then one :meth:`get_nodes` and one :meth:`get_edges`
        for what is kept.
        """
        d = Direction(direction)
        kinds = list(kinds) if kinds is not None else None
        if self.get_node(id) is None:
            return Subgraph.of((), ())
        dist: dict[str, int] = {id: 0}
        frontier = [id]
        beyond = 0  # nodes of the rings past the one where the limit was reached
        for hop in range(1, max(depth, 0) + 1):
            if limit is not None and len(dist) >= limit:
                beyond = self._rings_count(frontier, set(dist), d, kinds, depth - hop + 1)
                break
            nxt = self._ring(frontier, d, kinds) - dist.keys()
            for n in nxt:
                dist[n] = hop
            frontier = sorted(nxt)
            if not frontier:
                break
        ordered = sorted(dist, key=lambda n: (dist[n], n))
        truncated = beyond
        if limit is not None and len(ordered) > limit:
            truncated += len(ordered) - limit
            ordered = ordered[:limit]
        keep = set(ordered)
        edge_ids = [eid for eid, _, t in self.edge_ends(ordered, direction=Direction.OUT, kinds=kinds) if t in keep]
        nodes = [n for n in self.get_nodes(ordered) if n is not None]
        edges = [e for e in self.get_edges(edge_ids) if e is not None]
        return Subgraph.of(nodes, edges, truncated)

    def _ring(self, frontier: Sequence[str], direction: Direction, kinds: list[str] | None) -> set[str]:
        """The nodes one hop from ``frontier`` along ``direction`` (``frontier`` nodes included when
        they link to each other); the caller removes those already seen. Default: :meth:`edge_ends`."""
        here = set(frontier)
        out: set[str] = set()
        for _, s, t in self.edge_ends(frontier, direction=direction, kinds=kinds):
            if direction is not Direction.IN and s in here:
                out.add(t)
            if direction is not Direction.OUT and t in here:
                out.add(s)
        return out

    def _ring_count(self, frontier: Sequence[str], seen: set[str], direction: Direction,
                    kinds: list[str] | None) -> int:
        """How many nodes one hop from ``frontier`` are not in ``seen`` (a backend may count them
        without returning them). Default: :meth:`_ring`."""
        return len(self._ring(frontier, direction, kinds) - seen)

    def _rings_count(self, frontier: Sequence[str], seen: set[str], direction: Direction,
                     kinds: list[str] | None, hops: int) -> int:
        """How many nodes the next ``hops`` rings around ``frontier`` hold beyond ``seen`` (updated)."""
        n = 0
        for hop in range(hops):
            if not frontier:
                break
            if hop == hops - 1:
                return n + self._ring_count(frontier, seen, direction, kinds)
            nxt = self._ring(frontier, direction, kinds) - seen
            seen |= nxt
            n += len(nxt)
            frontier = sorted(nxt)
        return n

    def subgraph(self, ids: Sequence[str], *, depth: int = 0) -> Subgraph:
        """The nodes ``ids`` (plus ``depth`` hops) and every edge among them."""
        seen: dict[str, NodeRecord] = {}
        for node in self.get_nodes(list(ids)):
            if node is not None:
                seen[node.id] = node
        if depth > 0:
            for nid in list(seen):
                for n in self.neighbours(nid, depth=depth).nodes:
                    seen.setdefault(n.id, n)
        keep = set(seen)
        edges = [e for e in self.edges_of(sorted(keep), direction=Direction.OUT) if e.target in keep]
        return Subgraph.of(sorted(seen.values(), key=lambda n: n.id), edges)

    @abc.abstractmethod
    def iter_nodes(self, types: Iterable[str] | None = None) -> Iterable[NodeRecord]:
        """Every node (of ``types``), streamed."""

    @abc.abstractmethod
    def iter_edges(self, kinds: Iterable[str] | None = None) -> Iterable[EdgeRecord]:
        """Every edge (of ``kinds``), streamed."""

    @abc.abstractmethod
    def counts(self) -> dict[str, dict[str, int]]:
        """``{"nodes": {type: n}, "edges": {kind: n}}`` with every domain type present (0 allowed)."""

    @abc.abstractmethod
    def graph_version(self) -> str:
        """An opaque token that changes whenever the graph changes (cache key)."""

    # -- FX rates ------------------------------------------------------------------
    @abc.abstractmethod
    def write_fx_rates(self, rates: Sequence[FxRate]) -> int:
        """Upsert FX rates keyed by (date, currency, base); how many were created or changed.

        Idempotent: writing the same rates again changes nothing and returns 0. A change
        bumps the graph version (projections convert money with these rates).
        """

    @abc.abstractmethod
    def fx_rates(self) -> list[FxRate]:
        """Every FX rate held, by base, currency and date (with its ``source``)."""

    def fx_table(self) -> FxTable | None:
        """The FX rates as an :class:`stakegraph.money.FxTable`, ``None`` when none are loaded."""
        rates = self.fx_rates()
        return FxTable(rates) if rates else None

    def _stated_currencies(self) -> set[str]:
        """Upper-case currencies stated on financing edges (backends override with one query)."""
        from stakegraph.store.filters import EXPOSURE_KINDS

        return {c for e in self.iter_edges(EXPOSURE_KINDS) if (c := normalise_currency(e.props.get("currency")))}

    def _latest_date(self) -> str | None:
        """The latest ``date`` of any node (the default as-of rule); backends override with one query."""
        dates = [str(n.props["date"])[:10] for n in self.iter_nodes() if n.props.get("date")]
        return max(dates) if dates else None

    def exposure_factors(self) -> dict[str, float]:
        """Per stated currency, the factor to the reporting currency for sorting by exposure.

        The rule of :func:`stakegraph.measures.money_context` applied to the store: rates in force
        on the default as-of date; without FX rates, one currency needs none and several raise
        :class:`stakegraph.errors.MissingRate`.
        """
        currencies = self._stated_currencies()
        fx = self.fx_table()
        if fx is None and len(currencies) <= 1:
            return {}
        target = self._reporting_currency()
        if not currencies - {target}:
            return {}
        latest = self._latest_date()
        try:
            day = dt.date.fromisoformat(latest) if latest else dt.date.today()
        except ValueError:
            day = dt.date.today()
        table = fx or FxTable()
        return {c: table.quote(c, target, day)[0] for c in sorted(currencies) if c != target}

    def money_facts(self) -> dict[str, Any]:
        """``fx`` and ``reporting_currency`` for :func:`to_networkx` (a projection that sums money)."""
        return {"fx": self.fx_table(), "reporting_currency": self._reporting_currency()}

    def _reporting_currency(self) -> str:
        if self.reporting_currency:
            return self.reporting_currency
        from stakegraph.settings import load_settings

        # only the reporting currency is read (this store may not be the one the settings name)
        return load_settings(neo4j_uri=None).reporting_currency.upper()

    # -- entity-resolution decisions ----------------------------------------------------------
    @abc.abstractmethod
    def write_match_decisions(self, decisions: Sequence[MatchDecision]) -> int:
        """Upsert decisions keyed by the pair; how many were created or changed (bumps the graph version).

        Idempotent: the same decisions again change nothing and return 0. ``clear`` removes them.
        """

    @abc.abstractmethod
    def match_decisions(self) -> list[MatchDecision]:
        """Every decision held, by ``a`` then ``b``."""

    # -- projection ------------------------------------------------------------
    def project(
        self, *, types: Iterable[str] | None = None, kinds: Iterable[str] | None = None
    ) -> nx.MultiDiGraph:
        """The graph (or the part of ``types``/``kinds``) as a NetworkX ``MultiDiGraph``.

        Node key = id, attributes = ``type`` plus all properties. Edge key = edge
        id, attributes = ``kind``, ``id`` plus all properties. ``G.graph`` holds
        ``version`` and ``store`` (backend name), ``fx`` (the store's FX rates, or ``None``) and
        ``reporting_currency`` (see :func:`stakegraph.measures.money_context`). Edges whose
        endpoints are outside ``types`` are left out.
        """
        version = self.graph_version()
        return to_networkx(
            self.iter_nodes(types), self.iter_edges(kinds), version=version, backend=self.backend,
            **self.money_facts(),
        )


def fx_rows(rates: Iterable[FxRate]) -> list[dict[str, Any]]:
    """Canonical rows of FX rates for a store write (currencies upper-case, date ISO); checked."""
    out = []
    for r in rates:
        cur, base = normalise_currency(r.currency), normalise_currency(r.base)
        if not isinstance(r.day, dt.date) or not cur or not base:
            raise Invalid(f"FX rate {r!r} needs a date, a currency and a base", fix="see docs/money-and-time.md")
        out.append({"date": r.day.isoformat(), "currency": cur, "base": base, "rate": float(r.rate),
                    "source": r.source or ""})
    return out


def fx_rate(row: Mapping[str, Any]) -> FxRate:
    """An :class:`FxRate` from a stored row."""
    return FxRate(dt.date.fromisoformat(str(row["date"])[:10]), str(row["currency"]), float(row["rate"]),
                  str(row["base"]), str(row.get("source") or ""))


def decision_rows(decisions: Iterable[MatchDecision]) -> list[dict[str, Any]]:
    """Canonical rows of decisions for a store write (pair ordered, decision checked, ``at`` stamped)."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for d in decisions:
        a, b = sorted((str(d.a), str(d.b)))
        if d.decision not in DECISIONS or not a or a == b:
            raise Invalid(f"decision {d!r} needs two different party ids and one of {', '.join(DECISIONS)}",
                          fix="see docs/resolving-entities.md")
        out[(a, b)] = {"a": a, "b": b, "decision": d.decision, "score": None if d.score is None else float(d.score),
                       "note": d.note or "", "at": d.at or now}
    return list(out.values())


def match_decision(row: Mapping[str, Any]) -> MatchDecision:
    """A :class:`MatchDecision` from a stored row."""
    score = row.get("score")
    return MatchDecision(str(row["a"]), str(row["b"]), str(row["decision"]), None if score is None else float(score),
                         str(row.get("note") or ""), str(row.get("at") or ""))


def to_networkx(
    nodes: Iterable[NodeRecord], edges: Iterable[EdgeRecord], *, version: str = "", backend: str = "",
    fx: FxTable | None = None, reporting_currency: str | None = None,
) -> nx.MultiDiGraph:
    """Build the projection used by ``stakegraph.analytics`` from records (with the money facts)."""
    G = nx.MultiDiGraph()
    G.graph.update(version=version, store=backend, fx=fx)
    if reporting_currency:
        G.graph["reporting_currency"] = reporting_currency
    for n in nodes:
        G.add_node(n.id, **dict(n.props), type=n.type, id=n.id)
    for e in edges:
        if e.source in G and e.target in G:
            G.add_edge(e.source, e.target, key=e.id, **dict(e.props), kind=e.kind, id=e.id)
    return G
