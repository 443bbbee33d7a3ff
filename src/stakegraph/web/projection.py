"""A projection of the store cached per graph version (for the views outside the API's own cache)."""

from __future__ import annotations

import threading
from typing import Any

import networkx as nx

from stakegraph.store.base import GraphStore

_lock = threading.Lock()
_cache: dict[int, tuple[str, nx.MultiDiGraph]] = {}


def projection(store: GraphStore) -> nx.MultiDiGraph:
    """``store.project()``, built at most once per ``store.graph_version()`` (per store object).

    Treat the result as read-only: it is shared between requests.
    """
    version = store.graph_version()
    with _lock:
        hit = _cache.get(id(store))
        if hit is not None and hit[0] == version:
            return hit[1]
    G = store.project()
    with _lock:
        if len(_cache) > 8:
            _cache.clear()
        _cache[id(store)] = (version, G)
    return G


def projection_of(state: Any) -> nx.MultiDiGraph:
    """The projection from an app state: the API's own cache (``projection_sync``) when it has one."""
    sync = getattr(state, "projection_sync", None)
    if callable(sync):
        G = sync()
        if isinstance(G, nx.MultiDiGraph):
            return G
    return projection(state.store)
