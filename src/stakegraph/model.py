"""Plain records exchanged between loaders, stores, analytics, API and views."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Props = dict[str, Any]


def stable_id(*parts: object, prefix: str = "") -> str:
    """A deterministic id from its parts (SHA-1 of the ``|``-joined text, 16 hex digits).

    >>> stable_id("lends_to", "b_bank", "a_co", prefix="r_") == stable_id("lends_to", "b_bank", "a_co", prefix="r_")
    True
    """
    text = "|".join("" if p is None else str(p) for p in parts)
    return prefix + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def edge_id(kind: str, source: str, target: str, ref: str | None = None) -> str:
    """The deterministic id of an edge: same kind, endpoints and ``ref`` → same id."""
    return stable_id(kind, source, target, ref or "", prefix="r_")


@dataclass(frozen=True)
class NodeRecord:
    """A node: its id, domain type (``party`` …), and flat properties (``kind``, ``name`` …)."""

    id: str
    type: str
    props: Mapping[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.props.get("name") or self.id)

    @property
    def kind(self) -> str | None:
        k = self.props.get("kind")
        return None if k is None else str(k)


@dataclass(frozen=True)
class EdgeRecord:
    """A relationship from ``source`` to ``target`` of a domain ``kind`` with flat properties."""

    id: str
    kind: str
    source: str
    target: str
    props: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class WriteStats:
    """What a write did: counts by outcome and by type/kind."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, key: str, outcome: str, n: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + n)
        bucket = self.by_type.setdefault(key, {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0})
        bucket[outcome] += n

    def merge(self, other: WriteStats) -> WriteStats:
        for key, bucket in other.by_type.items():
            for outcome, n in bucket.items():
                if n:
                    self.add(key, outcome, n)
        return self

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


@dataclass(frozen=True)
class Subgraph:
    """Nodes and edges around some seed nodes; ``truncated`` counts nodes left out by a limit."""

    nodes: tuple[NodeRecord, ...]
    edges: tuple[EdgeRecord, ...]
    truncated: int = 0

    @staticmethod
    def of(nodes: Iterable[NodeRecord], edges: Iterable[EdgeRecord], truncated: int = 0) -> Subgraph:
        return Subgraph(tuple(nodes), tuple(edges), truncated)
