"""Relay-style connections: ``first``/``after`` cursors, ``offset`` for tables, ``totalCount``."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import strawberry

from stakegraph.errors import Invalid, PageSizeError

T = TypeVar("T")
DEFAULT_PAGE = 20
MAX_PAGE = 100
_PREFIX = "cursor:"


def encode_cursor(index: int) -> str:
    """Opaque cursor of the item at ``index`` (0-based) of a list."""
    return base64.b64encode(f"{_PREFIX}{index}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The index a cursor points at; a malformed cursor is a :class:`PageSizeError`."""
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        if not text.startswith(_PREFIX):
            raise ValueError(text)
        index = int(text[len(_PREFIX):])
        if index < 0:
            raise ValueError(text)
        return index
    except (ValueError, UnicodeDecodeError) as e:
        raise Invalid(f"after: {cursor!r} is not a cursor from this API; pass an endCursor you received") from e


@dataclass(frozen=True)
class Window:
    """Which slice of a list a page covers."""

    start: int
    size: int


def check_first(first: int | None, *, name: str = "first", default: int = DEFAULT_PAGE,
                maximum: int = MAX_PAGE) -> int:
    """The page size asked for, refusing anything outside 1…``maximum``."""
    if first is None:
        return default
    if first < 1 or first > maximum:
        raise PageSizeError(
            f"{name} must be between 1 and {maximum} (got {first}); fetch more with after/offset"
        )
    return first


def window(first: int | None, after: str | None, offset: int | None) -> Window:
    """The slice for ``first``/``after``/``offset`` (``after`` and ``offset`` are exclusive)."""
    size = check_first(first)
    if after is not None and offset is not None:
        raise Invalid("give either after or offset, not both")
    if offset is not None and offset < 0:
        raise Invalid(f"offset must be ≥ 0 (got {offset})")
    start = decode_cursor(after) + 1 if after is not None else (offset or 0)
    return Window(start, size)


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="One item of a connection with its cursor.")
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list: edges with cursors, page info and the total count.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int

    @strawberry.field(description="The items of this page (same as edges.node).")
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


def connection(items: Sequence[T], total: int, win: Window) -> Connection[T]:
    """A connection for ``items`` (already sliced) starting at ``win.start`` of ``total``."""
    edges = [Edge(cursor=encode_cursor(win.start + i), node=item) for i, item in enumerate(items)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=win.start + len(items) < total,
            has_previous_page=win.start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


def lookahead_connection(fetched: Sequence[T], win: Window, total: int | None = None) -> Connection[T]:
    """A connection from the items read from ``win.start`` on: up to ``win.size + 1`` when
    ``total`` is ``None``, else up to ``win.size``.

    Without a total, the item past the page only says that a next page exists, so a list needs
    no count when ``totalCount`` is not asked for; ``totalCount`` then holds the number of items
    known so far (a lower bound that the response never shows).

    >>> page = lookahead_connection(["a", "b", "c"], Window(0, 2))
    >>> [e.node for e in page.edges], page.page_info.has_next_page
    (['a', 'b'], True)
    """
    items = fetched[: win.size]
    if total is not None:
        return connection(items, total, win)
    page = connection(items, win.start + len(fetched), win)
    page.page_info.has_next_page = len(fetched) > win.size
    return page


def slice_connection(items: Sequence[T], win: Window) -> Connection[T]:
    """A connection from a full in-memory list."""
    return connection(items[win.start : win.start + win.size], len(items), win)
