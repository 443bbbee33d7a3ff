"""Whole-response cache for read queries, keyed by graph version.

A front-end asks the same pages again and again (a table re-rendered, a user paging back);
between two writes the answer cannot change. The cache keeps the result of a *query*
operation (never a mutation) under ``(graph version, role, query text, variables,
operation name)``, so any write — which changes :meth:`GraphStore.graph_version` — makes
every older entry unreachable; the whole cache is dropped when the version moves. Results
with errors are never kept, and a result is kept only if the version was the same before
and after it was computed (a write racing the query cannot poison the cache).

Bounded (LRU, ``STAKEGRAPH_RESPONSE_CACHE_SIZE`` entries; 0 turns it off). Each request
still passes authentication; a cached text has passed the depth/alias/token/cost limits
with the same variables (they depend only on the text and the variables).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from strawberry.types import ExecutionResult

Key = tuple[Hashable, ...]


def cache_key(role: str | None, query: str, variables: dict[str, Any] | None,
              operation_name: str | None) -> Key | None:
    """The key of one request, or ``None`` when the variables cannot be keyed (not JSON)."""
    try:
        var_text = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return (role, query, var_text, operation_name)


class ResponseCache:
    """An LRU of :class:`ExecutionResult` per graph version (thread-safe).

    Examples
    --------
    >>> c = ResponseCache(2)
    >>> c.put("v1", ("admin", "{ a }", "{}", None), ExecutionResult(data={"a": 1}, errors=None))
    >>> c.get("v1", ("admin", "{ a }", "{}", None)).data
    {'a': 1}
    >>> c.get("v2", ("admin", "{ a }", "{}", None)) is None   # a write moved the version
    True
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._version: str | None = None
        self._items: OrderedDict[Key, ExecutionResult] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, version: str, key: Key) -> ExecutionResult | None:
        with self._lock:
            if version != self._version:
                self._version, self._items = version, OrderedDict()
            hit = self._items.get(key)
            if hit is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return hit

    def put(self, version: str, key: Key, result: ExecutionResult) -> None:
        if self.size <= 0 or result.errors:
            return
        with self._lock:
            if self._version is None:
                self._version = version
            if version != self._version:  # computed for a version that is no longer current
                return
            self._items[key] = result
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
