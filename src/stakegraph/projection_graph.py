"""The projection as a ``MultiDiGraph`` whose adjacency is made when something first reads it.

:meth:`stakegraph.store.graphindex.GraphIndex.to_networkx` with ``release=True`` returns a
:class:`ProjectionGraph`: the nodes and their attribute dicts are there at once; the adjacency (a neighbour dict per node and
direction, a key dict per node pair) is made when something reads it, and with it the attribute dicts
of the edges it reaches (a store's read keeps the edge properties as columns,
:mod:`stakegraph.store.edge_props`, and makes each edge's dict once, when first read):

* one node's neighbours (``G[u]``, ``G.in_edges(u)``, ``G.edges[u, v, k]``, a degree, a small
  subgraph view) make that node's neighbour dict only, from a CSR of the edge ends made on the
  first such read; the key dict of a node pair is made once and shared by both of its ends, as
  NetworkX shares it;
* anything that walks every node's neighbours (``G.edges``, ``G.adj.items()``, a copy, a pickle,
  or reading many nodes one by one: :data:`SINGLE_READS_SHARE`) or changes the graph makes the
  whole adjacency first, exactly as an eager build makes it.

Both are the adjacency of an eager build (``tests/analytics/test_projection_lazy.py``). The
analytics that read the graph as columns (:func:`stakegraph.store.graphindex.projected`) read
it for a few nodes or not at all: at 1,000,000 parties the dependency audit runs without those
13 million dicts (about 2.4 GiB and a third of the build). Making the whole adjacency takes a
lock, so two threads reading at once make it once.
"""

from __future__ import annotations

import threading
import weakref
from bisect import bisect_left
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from stakegraph.arrays import first_seen, strictly_increasing

__all__ = ["AdjacencyPlan", "MadeWhenRead", "ProjectionGraph", "SINGLE_READS_MIN", "SINGLE_READS_SHARE", "is_plain_multidigraph",
           "pair_numbers"]

#: A side's nodes read one by one before the whole adjacency is made instead: at least
#: :data:`SINGLE_READS_MIN`, else one node in :data:`SINGLE_READS_SHARE` (a loop over every node's
#: neighbours costs a Python step per edge one node at a time, a C-level ``map`` whole).
SINGLE_READS_MIN = 4096
SINGLE_READS_SHARE = 16

_SET_ADJ = nx.DiGraph.__dict__["_adj"].__set__  # NetworkX's setters reset the cached views
_SET_PRED = nx.DiGraph.__dict__["_pred"].__set__


def pair_numbers(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(each edge's (source, target) pair numbered in first-seen order, each pair's first edge): the order in
    which a loop over the edges would meet the pairs (``n``: the number of nodes, above every end).

    >>> [a.tolist() for a in pair_numbers(np.array([1, 0, 1]), np.array([0, 1, 0]), 2)]
    [[0, 1, 0], [0, 1]]
    """
    seen = first_seen(src * max(n, 1) + dst)
    return seen.code, seen.first


@dataclass
class AdjacencyPlan:
    """The edges of a projection as arrays, enough to make its adjacency whole or one node at a time.

    Edge ``j`` runs ``names[u[j]] → names[v[j]]`` with key ``edge_ids[at[j]]`` and attributes ``dicts[j]``;
    ``nodes`` are the graph's nodes in order (each end of an edge is one of them).
    """

    names: Sequence[str]
    nodes: list[str]
    u: np.ndarray
    v: np.ndarray
    edge_ids: Sequence[str]
    at: np.ndarray
    dicts: Sequence[dict[str, Any]]
    _number: dict[str, int] | None = field(default=None, repr=False)
    _ordered: bool = field(default=False, repr=False)
    _csr: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _pairs: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def fill(self, succ: dict[str, Any], pred: dict[str, Any]) -> None:
        """Fill empty ``succ``/``pred`` as ``add_edge`` in edge order would: every node, in order; the key dicts
        of a pair hold its edges in order; each node's successors and predecessors come in the order of their
        pair's first edge. The pairs are numbered by NumPy and every dict store runs in a C-level ``map``."""
        for nid in self.nodes:
            succ[nid] = {}
            pred[nid] = {}
        if not len(self.u):
            return
        pair, first = pair_numbers(self.u, self.v, len(self.names))
        keydicts: list[dict[str, Any]] = [{} for _ in range(len(first))]
        ids = list(map(self.edge_ids.__getitem__, self.at.tolist()))
        deque(map(dict.__setitem__, map(keydicts.__getitem__, pair.tolist()), ids, self.dicts), maxlen=0)
        names = self.names
        sources = list(map(names.__getitem__, self.u[first].tolist()))
        targets = list(map(names.__getitem__, self.v[first].tolist()))
        deque(map(dict.__setitem__, map(succ.__getitem__, sources), targets, keydicts), maxlen=0)
        deque(map(dict.__setitem__, map(pred.__getitem__, targets), sources, keydicts), maxlen=0)

    def _order(self, side: str) -> tuple[np.ndarray, np.ndarray]:
        """(edges sorted by their ``side`` end, stably; where each node number's run starts), made once."""
        with self._lock:
            hit = self._csr.get(side)
            if hit is None:
                ends = self.u if side == "succ" else self.v
                order = np.argsort(ends, kind="stable").astype(np.int32 if len(ends) < 2**31 else np.int64)
                starts = np.zeros(len(self.names) + 1, dtype=np.int64)
                np.cumsum(np.bincount(ends, minlength=len(self.names)), out=starts[1:])
                hit = self._csr[side] = (order, starts)
        return hit

    def _position(self, node: str) -> int:
        """The node number of ``node`` (one of ``nodes``): a binary search when ``names`` are in order (a store's
        id order), else a dictionary made once."""
        with self._lock:
            if self._number is None:
                names = self.names
                ordered = strictly_increasing(names)
                self._number = {} if ordered else {n: i for i, n in enumerate(names)}
                self._ordered = ordered
        if self._ordered:
            i = bisect_left(self.names, node)
            if i == len(self.names) or self.names[i] != node:
                raise KeyError(node)
            return i
        return self._number[node]

    def neighbours(self, node: str, side: str) -> dict[str, dict[str, Any]]:
        """``succ[node]`` (``side="succ"``) or ``pred[node]`` of the whole adjacency, made for this node only;
        ``node`` must be one of ``nodes``."""
        with self._lock:  # a pair's key dict is complete before another reader sees it
            return self._neighbours(node, side)

    def _neighbours(self, node: str, side: str) -> dict[str, dict[str, Any]]:
        order, starts = self._order(side)
        i = self._position(node)
        js = order[starts[i]:starts[i + 1]]
        others = (self.v if side == "succ" else self.u)[js].tolist()
        names, ids, at, dicts, pairs = self.names, self.edge_ids, self.at, self.dicts, self._pairs
        out: dict[str, dict[str, Any]] = {}
        fresh: set[str] = set()
        for j, o in zip(js.tolist(), others, strict=True):
            name = names[o]
            kd = out.get(name)
            if kd is None:
                pk = (i, o) if side == "succ" else (o, i)
                kd = pairs.get(pk)
                if kd is None:  # this pair's first read: its edges are all among this node's
                    kd = pairs[pk] = {}
                    fresh.add(name)
                out[name] = kd
            if name in fresh:
                kd[ids[int(at[j])]] = dicts[j]
        return out


class _LazyAdjacency(Mapping[str, dict[str, Any]]):
    """``succ`` or ``pred`` of a :class:`ProjectionGraph` whose adjacency is not made: a node's neighbour dict
    is made when read; iterating makes the whole adjacency and reads it."""

    __slots__ = ("_graph", "_plan", "_side", "_made")

    def __init__(self, graph: ProjectionGraph, plan: AdjacencyPlan, side: str) -> None:
        self._graph = weakref.ref(graph)
        self._plan = plan
        self._side = side
        self._made: dict[str, dict[str, Any]] = {}

    def _whole(self) -> dict[str, Any]:
        G = self._graph()
        assert G is not None
        G._make()
        return G.__dict__["_adj" if self._side == "succ" else "_pred"]  # type: ignore[no-any-return]

    def __getitem__(self, node: str) -> dict[str, Any]:
        G = self._graph()
        if G is None or G.__dict__["_plan"] is None:
            return self._whole()[node]
        hit = self._made.get(node)
        if hit is None:
            if node not in G._node:
                raise KeyError(node)
            if len(self._made) >= max(SINGLE_READS_MIN, len(G._node) // SINGLE_READS_SHARE):
                return self._whole()[node]  # a walk over the nodes one by one: make it all at C speed
            hit = self._made.setdefault(node, self._plan.neighbours(node, self._side))
        return hit

    def __contains__(self, node: object) -> bool:
        G = self._graph()
        return G is not None and node in G._node

    def __len__(self) -> int:
        G = self._graph()
        return len(G._node) if G is not None else 0

    def __iter__(self) -> Iterator[str]:
        return iter(self._whole())


class MadeWhenRead:
    """For a graph class whose parts are made when first read (``_make()``, guarded by ``_make_lock``): a pickle
    or a deep copy makes them first and holds them whole; the lock is not pickled, a new one is made.

    See Also
    --------
    ProjectionGraph, stakegraph.analytics.structure_fast.StructureGraph : the two such graphs.
    """

    def _make(self) -> None:
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        self._make()
        state = dict(self.__dict__)
        del state["_make_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__["_make_lock"] = threading.Lock()


class ProjectionGraph(MadeWhenRead, nx.MultiDiGraph):
    """A ``MultiDiGraph`` whose adjacency is made when read (see the module).

    Examples
    --------
    >>> G = ProjectionGraph()
    >>> G.add_nodes_from(["a", "b"])
    >>> G._defer(AdjacencyPlan(["a", "b"], ["a", "b"], np.array([0]), np.array([1]), ["e"], np.array([0]),
    ...                        [{"kind": "owns", "id": "e"}]))
    >>> G.deferred, G.number_of_edges(), G["a"], G.deferred
    (True, 1, AdjacencyView({'b': {'e': {'kind': 'owns', 'id': 'e'}}}), True)
    >>> list(G.edges(keys=True)), G.deferred
    ([('a', 'b', 'e')], False)

    See Also
    --------
    stakegraph.store.graphindex.GraphIndex.to_networkx : makes it.
    stakegraph.analytics.structure_fast.StructureGraph : the same idea for the undirected structure graph.
    """

    def __init__(self, incoming_graph_data: Any = None, **attr: Any) -> None:
        self.__dict__["_plan"] = None
        self.__dict__["_make_lock"] = threading.Lock()
        super().__init__(incoming_graph_data, **attr)

    @property  # type: ignore[override]
    def _adj(self) -> Any:
        lazy = self.__dict__.get("_lazy") if self.__dict__["_plan"] is not None else None
        return lazy[0] if lazy is not None else self.__dict__["_adj"]  # (made meanwhile by another thread: whole)

    @_adj.setter
    def _adj(self, value: dict[Any, Any]) -> None:
        _SET_ADJ(self, value)

    _succ = _adj  # type: ignore[assignment]

    @property  # type: ignore[override]
    def _pred(self) -> Any:
        lazy = self.__dict__.get("_lazy") if self.__dict__["_plan"] is not None else None
        return lazy[1] if lazy is not None else self.__dict__["_pred"]

    @_pred.setter
    def _pred(self, value: dict[Any, Any]) -> None:
        _SET_PRED(self, value)

    @property
    def deferred(self) -> bool:
        """True while the whole adjacency is not made (single nodes' neighbours may be)."""
        return self.__dict__["_plan"] is not None

    def _defer(self, plan: AdjacencyPlan) -> None:
        """Make the adjacency from ``plan`` when read (the graph holds ``plan.nodes`` already, no edge)."""
        self.__dict__["_lazy"] = (_LazyAdjacency(self, plan, "succ"), _LazyAdjacency(self, plan, "pred"))
        self.__dict__["_plan"] = plan

    def _make(self) -> None:
        """Make the whole adjacency now (once; the single nodes' dicts made before are dropped)."""
        if self.__dict__["_plan"] is None:  # made (or never deferred): no lock per add_edge of a copy
            return
        with self.__dict__["_make_lock"]:
            plan = self.__dict__["_plan"]
            if plan is not None:
                succ, pred = self.__dict__["_adj"], self.__dict__["_pred"]
                succ.clear()
                pred.clear()
                plan.fill(succ, pred)
                self.__dict__["_plan"] = None
                self.__dict__.pop("_lazy", None)

    def number_of_edges(self, u: Any = None, v: Any = None) -> int:
        """NetworkX's; the total without making the adjacency."""
        plan = self.__dict__["_plan"]
        if u is None and plan is not None:
            return len(plan.u)
        return int(super().number_of_edges(u, v))

    def size(self, weight: str | None = None) -> int | float:
        """NetworkX's; the unweighted total without making the adjacency."""
        plan = self.__dict__["_plan"]
        if weight is None and plan is not None:
            return len(plan.u)
        return super().size(weight)  # type: ignore[no-any-return]


def _making_first(name: str) -> Any:
    base = getattr(nx.MultiDiGraph, name)

    def method(self: ProjectionGraph, *args: Any, **kwargs: Any) -> Any:
        self._make()
        return base(self, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"NetworkX's ``{name}``, after making the whole adjacency (a change reads it)."
    return method


for _name in ("add_node", "add_nodes_from", "remove_node", "remove_nodes_from", "add_edge", "add_edges_from",
              "add_weighted_edges_from", "remove_edge", "remove_edges_from", "update", "clear", "clear_edges"):
    setattr(ProjectionGraph, _name, _making_first(_name))


def is_plain_multidigraph(G: Any) -> bool:
    """True when ``G`` is a ``MultiDiGraph`` with NetworkX's own behaviour: the class itself or a
    :class:`ProjectionGraph` (what the column fast paths accept), not another subclass.

    >>> is_plain_multidigraph(nx.MultiDiGraph()), is_plain_multidigraph(ProjectionGraph()), is_plain_multidigraph(nx.DiGraph())
    (True, True, False)
    """
    return type(G) is nx.MultiDiGraph or type(G) is ProjectionGraph
