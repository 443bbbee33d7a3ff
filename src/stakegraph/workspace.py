"""The application object: one store, its projection per graph version, and the result cache.

The CLI, the GraphQL API, the pages and the audit all hold a :class:`Workspace` (datasette passes
``datasette`` to every view the same way). A write to the store changes its graph version; the next
read builds the projection for the new version once, and results of older versions are dropped.

>>> from stakegraph.model import EdgeRecord, NodeRecord
>>> from stakegraph.store import EmbeddedStore
>>> ws = Workspace(EmbeddedStore(":memory:"))
>>> _ = ws.store.write([NodeRecord("s", "party", {"name": "S", "kind": "company"}),
...                     NodeRecord("c", "party", {"name": "C", "kind": "company"})],
...                    [EdgeRecord("e1", "buys_from", "c", "s", {"annual_revenue": 5.0})])
>>> ws.run("concentration", node="s").result.hhi
10000.0
>>> ws.projections_built
1
>>> ws.close()
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

import networkx as nx

from stakegraph.analyses import Answer, answer, cache_key, get, parse_params
from stakegraph.asof import cached_graph_as_of
from stakegraph.resolve.clusters import RAW, RESOLVED, resolved_graph
from stakegraph.settings import Settings
from stakegraph.store.base import GraphStore

__all__ = ["Workspace", "RESULT_CACHE_SIZE"]

T = TypeVar("T")
#: Results kept per graph version (least recently used dropped first).
RESULT_CACHE_SIZE = 256


class Workspace:
    """Owns the store, the projection per graph version and the result cache.

    Parameters
    ----------
    store : GraphStore
        An open store (its methods are synchronous; web doors call them in a thread).
    settings : Settings, optional
        The application's settings (default: read from the environment when needed).
    owns_store : bool
        Close the store with the workspace.
    """

    def __init__(self, store: GraphStore, settings: Settings | None = None, *, owns_store: bool = False) -> None:
        self.store = store
        self._settings = settings
        self.owns_store = owns_store
        self._lock = threading.RLock()
        self._build_lock = threading.Lock()
        self._version: str | None = None
        self._graph: nx.MultiDiGraph | None = None
        self._simple: nx.Graph | None = None
        self._resolved: nx.MultiDiGraph | None = None  # the projection with accepted clusters merged
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        self.projections_built = 0

    @classmethod
    def open(cls, settings: Settings | None = None) -> Workspace:
        """A workspace on the store the settings name (Neo4j when ``neo4j_uri`` is set, else embedded)."""
        from stakegraph.settings import load_settings
        from stakegraph.store import open_store

        s = settings or load_settings()
        return cls(open_store(s), s, owns_store=True)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from stakegraph.settings import load_settings

            self._settings = load_settings()
        return self._settings

    # -- versions and the projection ----------------------------------------------------------
    def graph_version(self) -> str:
        """The store's graph version (one read; pass it on to the other calls of the same request)."""
        return self.store.graph_version()

    def _adopt(self, version: str) -> None:
        if version != self._version:
            self._version = version
            self._graph = None
            self._simple = None
            self._resolved = None
            self._results.clear()

    def projection(self, version: str | None = None) -> nx.MultiDiGraph:
        """The NetworkX projection for ``version`` (read from the store when ``None``), built once.

        Treat it as read-only: it is shared by every request of that version.
        """
        v = version if version is not None else self.graph_version()
        with self._lock:
            self._adopt(v)
            if self._graph is not None:
                return self._graph
        with self._build_lock:  # one build at a time; the others wait for it
            with self._lock:
                if self._version == v and self._graph is not None:
                    return self._graph
            G = self.store.project()
            built = str(G.graph.get("version", v))
            with self._lock:
                self.projections_built += 1
                self._adopt(built)
                self._graph = G
            return G

    def resolved(self, version: str | None = None) -> nx.MultiDiGraph:
        """The projection with every accepted entity-resolution cluster merged (:mod:`stakegraph.resolve`),
        built once per version; the projection itself when nothing was accepted. Read-only."""
        G = self.projection(version)
        with self._lock:
            if self._resolved is not None and self._graph is G:
                return self._resolved
        decisions = [d for d in self.store.match_decisions() if d.decision == "accept"]
        R = resolved_graph(G, decisions) if decisions else G
        with self._lock:
            if self._graph is G:
                self._resolved = R
        return R

    def graph(self, which: str | None = None, version: str | None = None) -> nx.MultiDiGraph:
        """The ``raw`` projection or the ``resolved`` one (``None``: resolved when a match was accepted)."""
        return self.projection(version) if which == RAW else self.resolved(version)

    def simple(self, version: str | None = None) -> nx.Graph:
        """An undirected simple graph of the projection (one edge per node pair, lowest edge id)."""
        G = self.projection(version)
        with self._lock:
            if self._simple is None or self._graph is not G:
                S = nx.Graph()
                S.add_nodes_from(G.nodes)
                for u, v, key in sorted(G.edges(keys=True), key=lambda t: str(t[2])):
                    if u != v and not S.has_edge(u, v):
                        S.add_edge(u, v, id=key)
                self._simple = S
            return self._simple

    def as_of(self, day: dt.date | str, version: str | None = None) -> nx.MultiDiGraph:
        """The projection as it stood on ``day`` (:func:`stakegraph.asof.graph_as_of`), built once per
        (version, day) and dropped with the projection of that version. Read-only, like the projection.

        Every analysis given ``as_of`` runs on this graph (:func:`stakegraph.analyses.answer`).
        """
        return cached_graph_as_of(self.projection(version), day)

    def cached(self, key: Hashable, compute: Callable[[nx.MultiDiGraph], T], version: str | None = None,
               graph: str = RAW) -> T:
        """``compute(G)`` once per graph version, ``graph`` (raw or resolved) and ``key`` (an LRU of
        :data:`RESULT_CACHE_SIZE`)."""
        G = self.graph(graph, version)
        v = str(G.graph.get("version", version or ""))
        key = (graph, key) if graph != RAW else key
        with self._lock:
            if (v, key) in self._results:
                self._results.move_to_end((v, key))
                return self._results[(v, key)]  # type: ignore[no-any-return]
        out = compute(G)
        with self._lock:
            if self._graph is G or self._resolved is G:
                self._results[(v, key)] = out
                while len(self._results) > RESULT_CACHE_SIZE:
                    self._results.popitem(last=False)
        return out

    # -- analyses -----------------------------------------------------------------------------
    def run(self, name: str, params: Mapping[str, Any] | None = None, *, version: str | None = None,
            **kw: Any) -> Answer:
        """Answer the analysis ``name`` (see :mod:`stakegraph.analyses`), cached per version and parameters.

        Parameters are checked before the projection is built, so a bad value costs nothing. The common
        ``graph`` parameter picks the raw or the resolved projection (default: resolved when a match was
        accepted); the stamp says which, and a merged party's id names its canonical party.
        """
        analysis = get(name)
        raw = {**(params or {}), **kw}
        parsed = parse_params(analysis, raw)
        G = self.graph(parsed.get("graph"), version)
        which = parsed.get("graph") or (RESOLVED if G.graph.get("graph") == RESOLVED else RAW)
        aliases = G.graph.get("resolution", {}).get("aliases", {}) if which == RESOLVED else {}
        nodes = {p.name: aliases[raw[p.name]] for p in analysis.params
                 if p.kind == "node" and isinstance(raw.get(p.name), str) and raw[p.name] in aliases}
        raw = {**raw, **nodes, "graph": which}
        key = ("analysis", cache_key(analysis, {**parsed, **nodes, "graph": which}))
        return self.cached(key, lambda G: answer(G, analysis, raw), version, graph=which)

    # -- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        """Drop the caches; close the store when the workspace opened it."""
        with self._lock:
            self._graph = None
            self._simple = None
            self._results.clear()
        if self.owns_store:
            self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
