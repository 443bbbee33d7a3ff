"""Graph stores: the interface and its backends (embedded SQLite default, Neo4j)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stakegraph.store.base import GraphStore, to_networkx
from stakegraph.store.embedded import EmbeddedStore
from stakegraph.store.filters import EdgeFilter, NodeFilter, Sort

if TYPE_CHECKING:
    from stakegraph.settings import Settings

__all__ = ["GraphStore", "NodeFilter", "EdgeFilter", "Sort", "EmbeddedStore", "open_store", "to_networkx"]


def open_store(settings: Settings | None = None) -> GraphStore:
    """Open the store the settings name: Neo4j when ``neo4j_uri`` is set, else embedded."""
    from stakegraph.settings import load_settings

    s = settings or load_settings()
    if s.neo4j_uri:
        from stakegraph.store.neo4j import Neo4jStore

        return Neo4jStore.from_settings(s)
    return EmbeddedStore(s.embedded_path)
