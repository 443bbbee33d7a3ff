"""The columnar graph index: integer node keys and typed edge columns, one read per table.

A :class:`GraphIndex` is the graph of one version as arrays (the layout of CSR-based graph
libraries — igraph, graph-tool, cuGraph — before their adjacency is built):

* nodes ``0 … n-1`` in id order (the order of :meth:`GraphStore.iter_nodes`, so of the NetworkX
  projection), ``node_type`` as a code into ``types``;
* edges in id order with ``src``/``dst`` (node numbers), ``kind`` (code into ``kinds``),
  ``status`` (code into ``statuses``; ``active`` is the :func:`stakegraph.measures.is_active` mask),
  ``weight`` (the kind's declared weight read by :func:`stakegraph.measures.number`, NaN when absent;
  1 for kinds without one), ``amount``, ``currency`` (code into ``currencies``, -1 none),
  ``start``/``end`` (``datetime64[D]``, NaT when absent or not a date).

The embedded store fills it with one SQL query per table from the typed edge columns it writes
at load time (:mod:`stakegraph.store.sqlite_schema`; no JSON decoded, :meth:`RowSink.typed_edges`),
Neo4j with one Cypher query per table; any other store through ``iter_nodes``/``iter_edges``. With ``props=True`` the raw properties ride along so that
:meth:`GraphIndex.to_networkx` can build the full projection in bulk (the one every analysis
reads); the analytics with compiled kernels start from the arrays instead
(:mod:`stakegraph.analytics.fastpath`).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import networkx as nx
import numpy as np

from stakegraph.measures import declared_weight, is_active, number
from stakegraph.money import normalise_currency
from stakegraph.projection_graph import AdjacencyPlan, ProjectionGraph, pair_numbers
from stakegraph.store.edge_props import EdgeProps, PropColumns, PropsView
from stakegraph.store.shared_text import SharedText

__all__ = ["GraphIndex", "IndexRows", "Projected", "projected", "PROJECTED_KEY", "RowSink", "build_index", "index_from_rows", "date_column", "edge_values",
           "json_loads"]

_NAT = np.datetime64("NaT", "D")


@dataclass
class IndexRows:
    """What a store reads for the index: one list per column (edge columns raw, as stored)."""

    version: str
    backend: str
    node_ids: list[str]
    node_types: list[str]
    edge_ids: list[str]
    kinds: list[str]
    sources: list[str]
    targets: list[str]
    status: list[Any]
    weight: list[Any]
    amount: list[Any]
    currency: list[Any]
    start: list[Any]
    end: list[Any]
    #: per node / edge: a mapping of the properties (``None``: not read)
    node_props: list[Any] | None = None
    #: the edges' property dicts as columns (:mod:`stakegraph.store.edge_props`) or as a list
    edge_props: PropColumns | list[Any] | None = None
    money: dict[str, Any] = field(default_factory=dict)
    #: the edges' ends as node numbers, in chunks (``None``: map ``sources``/``targets`` instead)
    src: list[np.ndarray] | None = None
    dst: list[np.ndarray] | None = None
    #: columns already coded while read (:meth:`RowSink.typed_edges`): name of the list field →
    #: (int32 code chunks, value → code in first-seen order); the field's list then stays empty
    coded: dict[str, tuple[list[np.ndarray], dict[Any, int]]] = field(default_factory=dict)
    #: coded columns where a value that is not hashable (a list where a string belongs) was coded by its
    #: JSON text: their codes do not name the stored values themselves
    loose: set[str] = field(default_factory=set)


def _hashable(values: Sequence[Any]) -> list[Any]:
    """``values`` with each unhashable value (a list where a string belongs) as its JSON text."""
    return [v if isinstance(v, (str, int, float, type(None))) else json.dumps(v, sort_keys=True, default=str)
            for v in values]


def _codes(values: Sequence[Any]) -> tuple[np.ndarray, tuple[Any, ...]]:
    """(int32 code per value, distinct values in first-seen order); an unhashable value (a list
    where a string belongs) is coded by its JSON text."""
    table: dict[Any, int] = {}
    return _code_chunk(values, table), tuple(table)


def _code_chunk(values: Sequence[Any], table: dict[Any, int], *, exact: bool = False) -> np.ndarray:
    """Codes of one chunk against a running ``table`` (new values appended in first-seen order):
    chunk after chunk, the same codes and distinct values as :func:`_codes` of the whole column.
    ``exact``: raise ``TypeError`` on an unhashable value instead of coding its JSON text."""
    try:
        distinct = dict.fromkeys(values)
    except TypeError:  # an unhashable value (a list where a string belongs): coded by its JSON text
        if exact:
            raise
        values = _hashable(values)
        distinct = dict.fromkeys(values)
    for v in distinct:  # the chunk's distinct values only
        if v not in table:
            table[v] = len(table)
    if len(distinct) == 1:  # one value (a column absent from every row of the chunk, say)
        return np.full(len(values), table[next(iter(distinct))], dtype=np.int32)
    return np.fromiter(map(table.__getitem__, values), dtype=np.int32, count=len(values))


def _column(rows: IndexRows, name: str) -> tuple[np.ndarray, tuple[Any, ...]]:
    """(codes, distinct values) of a text column of ``rows``, coded while read or now."""
    if name in rows.coded:
        chunks, table = rows.coded[name]
        return (np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int32)), tuple(table)
    return _codes(getattr(rows, name))


def _floats(values: Sequence[Any]) -> np.ndarray:
    """Finite floats (NaN for absent / not a number), as :func:`stakegraph.measures.number` reads them."""
    try:
        if set(map(type, values)) <= {float, int, type(None)}:
            out = np.array(values, dtype=float)  # None → NaN
            out[~np.isfinite(out)] = np.nan
            return out
    except (TypeError, ValueError):
        pass
    return np.array([np.nan if (x := number(v)) is None else x for v in values], dtype=float)


def date_column(values: Sequence[Any]) -> np.ndarray:
    """:func:`parse_dates` of the distinct values only (a portfolio has a few thousand distinct days)."""
    return _dates(*_codes(values))


def _dates(codes: np.ndarray, distinct: Sequence[Any]) -> np.ndarray:
    return parse_dates(distinct)[codes] if len(codes) else np.array([], dtype="datetime64[D]")


def parse_dates(values: Sequence[Any]) -> np.ndarray:
    """``datetime64[D]`` of stored dates (their first 10 characters), NaT when absent or not a date.

    >>> parse_dates(["2024-01-31", None, "x", "2024-02-01T10:00"]).tolist()
    [datetime.date(2024, 1, 31), None, None, datetime.date(2024, 2, 1)]
    """
    from stakegraph.asof import _day  # the as-of rule's own reading of a stored date

    try:
        return np.array(values, dtype="datetime64[D]")  # the stored form, parsed in C (None → NaT)
    except (ValueError, TypeError):
        pass
    try:
        return np.array([v[:10] if isinstance(v, str) else None for v in values], dtype="datetime64[D]")
    except (ValueError, TypeError):
        days = []
        for v in values:
            d = _day(v)
            try:
                days.append(np.datetime64(d, "D") if d else _NAT)
            except ValueError:
                days.append(_NAT)
        return np.array(days, dtype="datetime64[D]")


@dataclass
class GraphIndex:
    """The graph of one version as integer keys and typed columns (see the module docstring)."""

    version: str
    backend: str
    node_ids: list[str]
    node_type: np.ndarray
    types: tuple[str, ...]
    edge_ids: list[str]
    src: np.ndarray
    dst: np.ndarray
    kind: np.ndarray
    kinds: tuple[str, ...]
    status: np.ndarray
    statuses: tuple[Any, ...]
    active: np.ndarray
    weight: np.ndarray
    amount: np.ndarray
    currency: np.ndarray
    currencies: tuple[str, ...]
    start: np.ndarray
    end: np.ndarray
    money: dict[str, Any] = field(default_factory=dict)
    node_props: list[Any] | None = field(default=None, repr=False)
    #: per edge: its property dict (made when read, :class:`~stakegraph.store.edge_props.EdgeProps`, or a list)
    edge_props: Sequence[Any] | None = field(default=None, repr=False)
    #: the stored values of ``status``, ``currency``, ``start_date`` and ``end_date`` as read, before they
    #: were typed: column name → (a code per edge, the distinct values in first-seen order); only where the
    #: store read them coded (:meth:`RowSink.typed_edges`)
    raw: dict[str, tuple[np.ndarray, tuple[Any, ...]]] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def m(self) -> int:
        """Number of edges."""
        return len(self.edge_ids)

    def type_mask(self, types: Iterable[str]) -> np.ndarray:
        """Boolean mask of the nodes whose type is one of ``types``."""
        codes = [i for i, t in enumerate(self.types) if t in set(types)]
        return np.isin(self.node_type, np.array(codes, dtype=np.int32))

    def kind_mask(self, kinds: Iterable[str]) -> np.ndarray:
        """Boolean mask of the edges whose kind is one of ``kinds``."""
        codes = [i for i, k in enumerate(self.kinds) if k in set(kinds)]
        return np.isin(self.kind, np.array(codes, dtype=np.int32))

    def nbytes(self) -> int:
        """Bytes held by the arrays (not the id strings nor the properties)."""
        return sum(int(getattr(self, a).nbytes) for a in ("node_type", "src", "dst", "kind", "status", "active",
                                                          "weight", "amount", "currency", "start", "end"))

    def to_networkx(self, *, types: Iterable[str] | None = None, kinds: Iterable[str] | None = None,
                    release: bool = False) -> nx.MultiDiGraph:
        """The projection of :meth:`stakegraph.store.base.GraphStore.project`, built in bulk.

        Same nodes, edges, keys, attributes and insertion order as ``to_networkx(iter_nodes(),
        iter_edges())`` (tests/analytics/test_kernels_index.py): the adjacency dicts are filled
        directly, in id order, instead of one ``add_edge`` call per edge. ``release=True`` drops
        the raw properties from the index afterwards (they now live in the graph) and returns a
        :class:`~stakegraph.projection_graph.ProjectionGraph`: its adjacency is made on first
        read, so analytics that read the graph as columns (:func:`projected`) never pay for it.
        """
        if self.node_props is None or self.edge_props is None:
            raise ValueError("this index was read without properties; build it with props=True")
        G = ProjectionGraph() if release else nx.MultiDiGraph()
        G.graph.update(version=self.version, store=self.backend, fx=self.money.get("fx"))
        if self.money.get("reporting_currency"):
            G.graph["reporting_currency"] = self.money["reporting_currency"]
        keep_node = np.ones(self.n, dtype=bool) if types is None else self.type_mask(types)
        node_ids, types_of = self.node_ids, self.types
        # the kept mappings become the graph's attribute dicts (copied unless released with the index)
        own = dict if not release else (lambda d: d)
        node_attr = G._node
        kept_nodes = np.flatnonzero(keep_node).tolist()
        for i in kept_nodes:
            d = own(self.node_props[i])
            nid = node_ids[i]
            d["type"] = types_of[self.node_type[i]]
            d["id"] = nid
            node_attr[nid] = d
        keep = keep_node[self.src] & keep_node[self.dst]
        if kinds is not None:
            keep &= self.kind_mask(kinds)
        kept = np.flatnonzero(keep)
        plan = AdjacencyPlan(node_ids, [node_ids[i] for i in kept_nodes], self.src[kept], self.dst[kept],
                             self.edge_ids, kept, _edge_dicts(self, kept, copy=not release))
        if isinstance(G, ProjectionGraph):  # the graph's dicts are the index's own: what analytics may read as columns
            G._defer(plan)  # the adjacency is made when read
            nx._clear_cache(G)
            G.__networkx_cache__[PROJECTED_KEY] = Projected(self, keep_node, keep, self.edge_props)
            self.node_props = self.edge_props = None
        else:
            plan.fill(G._succ, G._pred)
            nx._clear_cache(G)
        return G


#: Where :meth:`GraphIndex.to_networkx` leaves its :class:`Projected` in the graph's
#: ``__networkx_cache__`` (which NetworkX empties on every structural change of the graph).
PROJECTED_KEY = "stakegraph.projected"


@dataclass(frozen=True)
class Projected:
    """What :meth:`GraphIndex.to_networkx` knows of the graph it built, for analytics that read the graph
    as columns (:func:`stakegraph.analytics.timeline_fast.columns`): the index, the nodes and edges kept,
    and each index edge's property dict — the graph's own — by index edge number."""

    index: GraphIndex
    keep_node: np.ndarray
    keep_edge: np.ndarray
    props: Sequence[Any]

    def edge_order(self) -> np.ndarray:
        """The index edge numbers in the graph's ``G.edges(keys=True)`` order.

        :meth:`GraphIndex.to_networkx` adds the edges in index order, so the graph walks its sources in
        index order, each source's targets in the order of their first edge, and each pair's edges in
        index order.

        >>> ix = index_from_rows(IndexRows("v", "t", ["a", "b", "c"], ["party"] * 3, ["e1", "e2", "e3"],
        ...     ["owns"] * 3, ["b", "a", "a"], ["a", "c", "b"], [None] * 3, [None] * 3, [None] * 3,
        ...     [None] * 3, [None] * 3, [None] * 3, [{}, {}, {}], [{}, {}, {}]))
        >>> G = ix.to_networkx(release=True)
        >>> [ix.edge_ids[j] for j in projected(G).edge_order()], [k for *_, k in G.edges(keys=True)]
        (['e2', 'e3', 'e1'], ['e2', 'e3', 'e1'])
        """
        ix = self.index
        kept = np.flatnonzero(self.keep_edge)
        if not len(kept):
            return kept
        src = ix.src[kept]
        pair, first = pair_numbers(src, ix.dst[kept], ix.n)
        pair_first = kept[first][pair]  # each edge's pair's first edge
        return kept[np.lexsort((kept, pair_first, src))]


def projected(G: nx.MultiDiGraph) -> Projected | None:
    """The :class:`Projected` of a graph built by :meth:`GraphIndex.to_networkx` and not changed since in
    its structure, else ``None``."""
    cache = getattr(G, "__networkx_cache__", None)
    hit = cache.get(PROJECTED_KEY) if isinstance(cache, dict) else None
    return hit if isinstance(hit, Projected) else None


def _edge_dicts(ix: GraphIndex, kept: np.ndarray, *, copy: bool) -> Sequence[dict[str, Any]]:
    """The attribute dicts of the index edges ``kept`` (copies when ``copy``), each with ``kind`` and ``id`` set.

    Properties kept as columns (:class:`~stakegraph.store.edge_props.EdgeProps`) give a view whose dicts are
    made when read (or new dicts, when ``copy``); a list of dicts is changed in place, every dict store in a
    C-level ``map`` (no Python frame per edge)."""
    assert ix.edge_props is not None
    if isinstance(ix.edge_props, EdgeProps):
        props = ix.edge_props.named(ix.kind, ix.kinds, ix.edge_ids)
        return props.fresh(kept) if copy else PropsView(props, kept)
    at = kept.tolist()
    dicts = list(map(ix.edge_props.__getitem__, at))
    if copy:
        dicts = list(map(dict, dicts))
    kinds = list(map(ix.kinds.__getitem__, ix.kind[kept].tolist()))
    deque(map(dict.__setitem__, dicts, repeat("kind"), kinds), maxlen=0)
    deque(map(dict.__setitem__, dicts, repeat("id"), map(ix.edge_ids.__getitem__, at)), maxlen=0)
    return dicts


def _joined(chunks: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)


def _numbers(index: Mapping[str, int], ids: Sequence[str]) -> np.ndarray:
    """Node numbers of ``ids`` (-1 for an id not in ``index``)."""
    try:
        return np.fromiter(map(index.__getitem__, ids), dtype=np.int64, count=len(ids))
    except KeyError:
        return np.fromiter((index.get(i, -1) for i in ids), dtype=np.int64, count=len(ids))


def index_from_rows(rows: IndexRows) -> GraphIndex:
    """Type the columns a store read (see :class:`IndexRows`)."""
    if rows.src is not None and rows.dst is not None:
        src, dst = _joined(rows.src), _joined(rows.dst)
    else:
        index = {v: i for i, v in enumerate(rows.node_ids)}
        src, dst = _numbers(index, rows.sources), _numbers(index, rows.targets)
    node_type, types = _codes(rows.node_types)
    kind, kinds = _column(rows, "kinds")
    # the stored values' own codes, where the store read them coded and each is its own value
    exact = {"status", "currency", "start", "end"} & rows.coded.keys() - rows.loose
    raw: dict[str, tuple[np.ndarray, tuple[Any, ...]]] = {
        name: _column(rows, name) for name in ("currency", "start", "end") if name in exact}
    status, statuses = _column(rows, "status")
    active_of = np.array([is_active({"status": s}) for s in statuses], dtype=bool)
    raw_cur, raw_currencies = raw["currency"] if "currency" in raw else _column(rows, "currency")
    named = [normalise_currency(c) if isinstance(c, str) else None for c in raw_currencies]
    currencies = tuple(dict.fromkeys(c for c in named if c))
    remap = np.array([currencies.index(c) if c else -1 for c in named], dtype=np.int32)
    cur = remap[raw_cur] if len(raw_cur) else raw_cur
    weight = _floats(rows.weight)
    unweighted = np.array([declared_weight(k) is None for k in kinds], dtype=bool)
    if len(kind):
        weight[unweighted[kind]] = 1.0
    amount = _floats(rows.amount)
    start, end = (_dates(*(raw[c] if c in raw else _column(rows, c))) for c in ("start", "end"))
    edge_ids = rows.edge_ids
    edge_props: Sequence[Any] | None = rows.edge_props.props() if isinstance(rows.edge_props, PropColumns) else \
        rows.edge_props
    if (src < 0).any() or (dst < 0).any():  # an edge to a node not read (cannot happen in a store)
        keep = (src >= 0) & (dst >= 0)
        idx = np.flatnonzero(keep).tolist()
        edge_ids = [edge_ids[i] for i in idx]
        if isinstance(edge_props, EdgeProps):
            edge_props = edge_props.take(idx)
        elif edge_props is not None:
            edge_props = [edge_props[i] for i in idx]
        src, dst, kind, status, cur, weight = src[keep], dst[keep], kind[keep], status[keep], cur[keep], weight[keep]
        amount, start, end = amount[keep], start[keep], end[keep]
        raw, exact = {}, set()
    if "status" in exact:
        raw["status"] = (status, statuses)
    return GraphIndex(
        version=rows.version, backend=rows.backend, node_ids=rows.node_ids, node_type=node_type,
        types=tuple(types), edge_ids=edge_ids, src=src, dst=dst, kind=kind, kinds=tuple(kinds),
        status=status, statuses=statuses, active=active_of[status] if len(status) else np.ones(0, dtype=bool),
        weight=weight, amount=amount, currency=cur, currencies=tuple(currencies),
        start=start, end=end, money=rows.money, node_props=rows.node_props, edge_props=edge_props, raw=raw,
    )


def column_keys() -> tuple[str, ...]:
    """The property names the edge columns read (a record naming none of them needs no decoding)."""
    from stakegraph.domain import RELATIONSHIP_KINDS

    weights = {w for k in RELATIONSHIP_KINDS if (w := declared_weight(k))}
    return ("status", "amount", "currency", "start_date", "end_date", *sorted(weights - {"amount"}))


def json_loads() -> Any:
    """The fastest JSON decoder at hand: ``orjson.loads`` falling back to ``json.loads`` per record (the
    store writes ``NaN`` as ``json`` does, which orjson refuses)."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency
        return json.loads
    fast, slow = orjson.loads, json.loads

    def loads(text: str) -> Any:
        try:
            return fast(text)
        except orjson.JSONDecodeError:
            return slow(text)

    return loads


class RowSink:
    """Collects :class:`IndexRows` from records read in chunks (ids, kinds/types, ends, properties).

    The edge columns are read from each record's properties here, once, by the rules of
    :mod:`stakegraph.measures`; the properties are kept only with ``props=True``.
    """

    def __init__(self, version: str, backend: str, *, props: bool) -> None:
        self._edge_props = PropColumns() if props else None  # shares the edges' repeated text itself
        self.rows = IndexRows(version, backend, [], [], [], [], [], [], [], [], [], [], [], [],
                              [] if props else None, self._edge_props)
        self._wattr: dict[str, str | None] = {}
        self._index: dict[str, int] | None = None
        self._node_text = SharedText()  # the nodes' repeated text values: one object each

    def nodes(self, ids: Sequence[str], types: Sequence[str], props: Sequence[Any] | None = None) -> None:
        """Add a chunk of nodes (``props``: decoded mappings, needed only when kept)."""
        r = self.rows
        r.node_ids.extend(ids)
        r.node_types.extend(types)
        if r.node_props is not None and props is not None:
            self._node_text.share(props)
            r.node_props.extend(props)

    def edges(self, ids: Sequence[str], kinds: Sequence[str], sources: Sequence[str], targets: Sequence[str],
              props: Sequence[Mapping[str, Any]]) -> None:
        """Add a chunk of edges with their decoded properties."""
        r = self.rows
        wattr = self._wattr
        for k in set(kinds) - wattr.keys():
            wattr[k] = declared_weight(k)
        r.edge_ids.extend(ids)
        r.kinds.extend(kinds)
        r.sources.extend(sources)
        r.targets.extend(targets)
        get = dict.get
        for col, key in ((r.status, "status"), (r.amount, "amount"), (r.currency, "currency"),
                         (r.start, "start_date"), (r.end, "end_date")):
            col.extend(map(get, props, repeat(key)))  # type: ignore[arg-type]  # C-level loop, no frame per record
        r.weight.extend([p.get(w) if (w := wattr[k]) else None for k, p in zip(kinds, props, strict=True)])
        if self._edge_props is not None:
            self._edge_props.add(props)  # type: ignore[arg-type]  # decoded dicts

    def typed_edges(self, ids: Sequence[str], kinds: Sequence[str], sources: Sequence[str],
                    targets: Sequence[str], columns: Sequence[Sequence[Any]],
                    props: Sequence[Mapping[str, Any]] | None = None) -> None:
        """Add a chunk of edges whose columns a store read already typed, in the order of
        :func:`edge_values` (``status, weight, amount, currency, start_date, end_date``): nothing is
        decoded. The ends become node numbers and the texts (kinds, statuses, currencies, days) codes
        here (:attr:`IndexRows.coded`), so that a chunk's strings are freed as soon as it is read."""
        r = self.rows
        if self._index is None:
            self._index = {v: i for i, v in enumerate(r.node_ids)}
            r.src, r.dst = [], []
        assert r.src is not None and r.dst is not None
        r.edge_ids.extend(ids)
        r.src.append(_numbers(self._index, sources))
        r.dst.append(_numbers(self._index, targets))
        coded = r.coded
        for name, values in (("kinds", kinds), ("status", columns[0]), ("currency", columns[3]),
                             ("start", columns[4]), ("end", columns[5])):
            chunks, table = coded.setdefault(name, ([], {}))
            try:
                chunks.append(_code_chunk(values, table, exact=True))
            except TypeError:
                r.loose.add(name)
                chunks.append(_code_chunk(values, table))
        r.weight.extend(columns[1])
        r.amount.extend(columns[2])
        if self._edge_props is not None and props is not None:
            self._edge_props.add(props)  # type: ignore[arg-type]  # decoded dicts


def edge_values(props: Mapping[str, Any], weight: str | None) -> tuple[Any, ...]:
    """``(status, weight, amount, currency, start_date, end_date)`` of an edge's properties, as
    :class:`RowSink` reads them (``weight``: the kind's declared weight property)."""
    get = props.get
    return (get("status"), get(weight) if weight else None, get("amount"), get("currency"), get("start_date"),
            get("end_date"))


def rows_from_records(store: Any, *, props: bool = True) -> IndexRows:
    """:class:`IndexRows` through ``iter_nodes``/``iter_edges`` (any store; the generic path)."""
    sink = RowSink(store.graph_version(), store.backend, props=props)
    nodes = list(store.iter_nodes())
    sink.nodes([n.id for n in nodes], [n.type for n in nodes], [dict(n.props) for n in nodes])
    edges = list(store.iter_edges())
    sink.edges([e.id for e in edges], [e.kind for e in edges], [e.source for e in edges],
               [e.target for e in edges], [dict(e.props) for e in edges])
    sink.rows.money = store.money_facts()
    return sink.rows


def build_index(store: Any, *, props: bool = False) -> GraphIndex:
    """The :class:`GraphIndex` of the store's current version (one read per table where the store can).

    ``props=True`` keeps the raw properties for :meth:`GraphIndex.to_networkx`.
    """
    reader = getattr(store, "index_rows", None)
    rows = reader(props=props) if reader is not None else rows_from_records(store, props=props)
    return index_from_rows(rows)
