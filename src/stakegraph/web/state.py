"""Per-application state: the store, the settings, and caches keyed by graph version.

The NetworkX projection is built once per graph version and reused; analytics
results are cached per (graph version, field, parameters). A write changes the
store's version, so the next read rebuilds the projection and drops old results.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import networkx as nx

from stakegraph.settings import Settings
from stakegraph.store.base import GraphStore
from stakegraph.web.response_cache import ResponseCache

T = TypeVar("T")


class ApiState:
    """What every request shares: store, settings, projection and analytics caches.

    Parameters
    ----------
    store : GraphStore
        The open graph store (its methods are synchronous; call them in a thread).
    settings : Settings
        The application's settings.
    """

    def __init__(self, store: GraphStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self._lock = threading.Lock()
        self._version: str | None = None
        self._graph: nx.MultiDiGraph | None = None
        self._simple: nx.Graph | None = None
        self._results: dict[Hashable, Any] = {}
        self.projections_built = 0
        self.responses = ResponseCache(settings.response_cache_size)

    def _sync_version(self) -> str:
        version = self.store.graph_version()
        if version != self._version:
            self._version = version
            self._graph = None
            self._simple = None
            self._results = {}
        return version

    def projection_sync(self) -> nx.MultiDiGraph:
        """The projection for the store's current graph version (built at most once per version)."""
        with self._lock:
            self._sync_version()
            if self._graph is None:
                self._graph = self.store.project()
                self.projections_built += 1
            return self._graph

    def simple_sync(self) -> nx.Graph:
        """An undirected simple graph of the projection (one edge per node pair, lowest edge id)."""
        G = self.projection_sync()
        with self._lock:
            if self._simple is None:
                S = nx.Graph()
                S.add_nodes_from(G.nodes)
                for u, v, key in sorted(G.edges(keys=True), key=lambda t: str(t[2])):
                    if u != v and not S.has_edge(u, v):
                        S.add_edge(u, v, id=key)
                self._simple = S
            return self._simple

    def cached_sync(self, key: Hashable, compute: Callable[[nx.MultiDiGraph], T]) -> T:
        """``compute(G)`` once per graph version and ``key``."""
        G = self.projection_sync()
        with self._lock:
            if key in self._results:
                return self._results[key]  # type: ignore[no-any-return]
        out = compute(G)
        with self._lock:
            if self._version == str(G.graph.get("version", self._version)):
                self._results[key] = out
        return out

    async def projection(self) -> nx.MultiDiGraph:
        return await asyncio.to_thread(self.projection_sync)

    async def simple(self) -> nx.Graph:
        return await asyncio.to_thread(self.simple_sync)

    async def cached(self, key: Hashable, compute: Callable[[nx.MultiDiGraph], T]) -> T:
        return await asyncio.to_thread(self.cached_sync, key, compute)
