"""The typed request context: store, settings, role, request id and per-request DataLoaders."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext
from strawberry.types.graphql import OperationType

from stakegraph.domain import Direction
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.settings import Settings
from stakegraph.store.base import GraphStore
from stakegraph.web.state import ApiState

T = TypeVar("T")
#: (node id, relationship kinds or ``None`` for any, direction) — one relationship count.
DegreeKey = tuple[str, tuple[str, ...] | None, Direction]


class Context(BaseContext):
    """What resolvers see as ``info.context``.

    DataLoaders batch the look-ups of one request: every node asked by id in one
    tick becomes one ``store.get_nodes`` call, every "edges of node" one
    ``store.edges_of`` call.
    """

    def __init__(self, state: ApiState, *, role: str | None, request_id: str) -> None:
        super().__init__()
        self.state = state
        self.role = role
        self.request_id = request_id
        self.operation_type: OperationType | None = None  # set by stakegraph.web.limits.operation_recorder
        self.nodes: DataLoader[str, NodeRecord | None] = DataLoader(load_fn=self._load_nodes)
        self.edges: DataLoader[str, EdgeRecord | None] = DataLoader(load_fn=self._load_edges)
        self.edges_of: DataLoader[str, list[EdgeRecord]] = DataLoader(load_fn=self._load_edges_of)
        self.degrees: DataLoader[DegreeKey, int] = DataLoader(load_fn=self._load_degrees)
        #: relationship counts a list resolver read with its page (``relationshipCount`` answers
        #: from here synchronously, without a DataLoader round trip)
        self.known_degrees: dict[DegreeKey, int] = {}
        self._version: asyncio.Future[str] | None = None

    @property
    def store(self) -> GraphStore:
        return self.state.store

    @property
    def settings(self) -> Settings:
        return self.state.settings

    async def version(self) -> str:
        """The store's graph version, read once per request (every analytics field of it shares the read)."""
        if self._version is None:
            self._version = asyncio.ensure_future(self.call(self.store.graph_version))
        return await self._version

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a synchronous store call in a worker thread."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def degree(self, key: DegreeKey) -> int | Awaitable[int]:
        """The relationship count of ``key``: the number when a list resolver already read it,
        else an awaitable batched by :attr:`degrees` (graphql-core awaits it)."""
        known = self.known_degrees.get(key)
        return known if known is not None else self.degrees.load(key)

    async def _load_nodes(self, ids: Sequence[str]) -> list[NodeRecord | None]:
        return await self.call(self.store.get_nodes, list(ids))

    async def _load_edges(self, ids: Sequence[str]) -> list[EdgeRecord | None]:
        return await self.call(self.store.get_edges, list(ids))

    async def _load_edges_of(self, ids: Sequence[str]) -> list[list[EdgeRecord]]:
        edges = await self.call(self.store.edges_of, list(ids), direction=Direction.BOTH)
        by_node: dict[str, list[EdgeRecord]] = defaultdict(list)
        for e in edges:
            by_node[e.source].append(e)
            if e.target != e.source:
                by_node[e.target].append(e)
        return [by_node.get(i, []) for i in ids]

    async def _load_degrees(self, keys: Sequence[DegreeKey]) -> list[int]:
        """One ``store.degrees`` call per distinct (kinds, direction) among the keys of this tick."""
        groups: dict[tuple[tuple[str, ...] | None, Direction], list[str]] = defaultdict(list)
        for nid, kinds, direction in keys:
            groups[(kinds, direction)].append(nid)
        found: dict[DegreeKey, int] = {}
        for (kinds, direction), ids in groups.items():
            counts = await self.call(self.store.degrees, ids, direction=direction, kinds=kinds)
            found.update({(nid, kinds, direction): n for nid, n in counts.items()})
        return [found[k] for k in keys]
