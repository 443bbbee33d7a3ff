"""What every request shares: the :class:`~stakegraph.workspace.Workspace` plus the web-only response cache.

The workspace owns the store, the projection per graph version and the analysis results; this
class only adds the GraphQL response cache and async wrappers (store calls run in a thread).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import networkx as nx

from stakegraph.analyses import Answer
from stakegraph.settings import Settings
from stakegraph.store.base import GraphStore
from stakegraph.web.response_cache import ResponseCache
from stakegraph.workspace import Workspace

T = TypeVar("T")


class ApiState:
    """The web app's state: one workspace and the response cache.

    Parameters
    ----------
    store : GraphStore
        The open graph store.
    settings : Settings
        The application's settings.
    """

    def __init__(self, store: GraphStore, settings: Settings) -> None:
        # A request waits at most half its limit for a projection being rebuilt after a write, then
        # answers from the previous version (its stamp says stale) — never a TIMEOUT for the rebuild.
        self.workspace = Workspace(store, settings, stale_wait_s=settings.resolver_timeout_s / 2)
        self.settings = settings
        self.responses = ResponseCache(settings.response_cache_size)

    @property
    def store(self) -> GraphStore:
        return self.workspace.store

    @property
    def projections_built(self) -> int:
        return self.workspace.projections_built

    def projection_sync(self, version: str | None = None) -> nx.MultiDiGraph:
        return self.workspace.projection(version)

    def simple_sync(self, version: str | None = None) -> nx.Graph:
        return self.workspace.simple(version)

    def cached_sync(self, key: Hashable, compute: Callable[[nx.MultiDiGraph], T], version: str | None = None) -> T:
        return self.workspace.cached(key, compute, version)

    async def projection(self, version: str | None = None) -> nx.MultiDiGraph:
        return await asyncio.to_thread(self.workspace.projection, version)

    async def simple(self, version: str | None = None) -> nx.Graph:
        return await asyncio.to_thread(self.workspace.simple, version)

    async def cached(self, key: Hashable, compute: Callable[[nx.MultiDiGraph], T], version: str | None = None) -> T:
        return await asyncio.to_thread(self.workspace.cached, key, compute, version)

    async def run(self, name: str, params: dict[str, Any], version: str | None = None) -> Answer:
        """Answer a catalogue analysis in a worker thread (see :meth:`Workspace.run`)."""
        return await asyncio.to_thread(self.workspace.run, name, params, version=version)
