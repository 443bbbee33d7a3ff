"""What a list field's query asks of its page: ``totalCount`` or not, and which ``relationshipCount``s.

A list resolver reads these before it calls the store, so that one store call (in one worker
thread) answers the page: the count is skipped when nobody asked for it, and the relationship
counts of the page's nodes are read with the page instead of through one awaitable per row.
Anything this module cannot read with certainty (a variable it cannot map, an unknown name)
is left to the ordinary resolvers, which answer it (or refuse it) as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from stakegraph.domain import RELATIONSHIP_KINDS, Direction
from stakegraph.web.enums import DirectionEnum, RelationshipKind

#: (relationship kinds or ``None`` for any, direction) of one ``relationshipCount`` selection.
CountArgs = tuple[tuple[str, ...] | None, Direction]


@dataclass(frozen=True)
class PageWants:
    """What the selection of a connection field asks for.

    ``total``: ``totalCount`` is selected (the list must be counted);
    ``counts``: the argument sets of the ``relationshipCount`` fields selected on its nodes.
    """

    total: bool
    counts: tuple[CountArgs, ...]


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection set, fragments (inline or named) flattened."""
    for s in selections:
        if isinstance(s, SelectedField):
            yield s
        elif isinstance(s, InlineFragment | FragmentSpread):
            yield from _fields(s.selections)


def _name(v: Any, names: Any, values: Iterable[str]) -> str | None:
    """The domain string of an enum argument given as a member, a GraphQL name or a domain value."""
    if isinstance(v, Enum):
        return str(v.value)
    if isinstance(v, str):
        member = names.__members__.get(v)
        if member is not None:
            return str(member.value)
        if v in values:
            return v
    return None


def count_args(arguments: dict[str, Any]) -> CountArgs | None:
    """The (kinds, direction) of a ``relationshipCount`` field's arguments, or ``None`` when they
    are not plainly readable (the field's own resolver then answers it).

    >>> count_args({})
    (None, <Direction.BOTH: 'both'>)
    >>> count_args({"kinds": ["OWNS", "BUYS_FROM"], "direction": "OUT"})
    (('buys_from', 'owns'), <Direction.OUT: 'out'>)
    """
    if set(arguments) - {"kinds", "direction"}:
        return None
    raw_dir = arguments.get("direction", "BOTH")
    d = _name(raw_dir, DirectionEnum, [x.value for x in Direction])
    if d is None:
        return None
    raw_kinds = arguments.get("kinds")
    if raw_kinds is None:
        return None, Direction(d)
    if not isinstance(raw_kinds, list | tuple):
        raw_kinds = [raw_kinds]  # GraphQL list input coercion: a single value is a list of one
    kinds = [_name(k, RelationshipKind, RELATIONSHIP_KINDS) for k in raw_kinds]
    if any(k is None for k in kinds):
        return None
    return tuple(sorted({str(k) for k in kinds})), Direction(d)


def page_wants(selected: Iterable[Selection]) -> PageWants:
    """What the connection field(s) ``selected`` (``info.selected_fields``) ask for.

    >>> from strawberry.types.nodes import SelectedField as F
    >>> node = F("node", {}, {}, [F("id", {}, {}, []), F("relationshipCount", {}, {}, [])])
    >>> page_wants([F("parties", {}, {}, [F("edges", {}, {}, [node])])])
    PageWants(total=False, counts=((None, <Direction.BOTH: 'both'>),))
    """
    total = False
    nodes: list[SelectedField] = []
    for field in _fields(selected):
        for part in _fields(field.selections):
            if part.name == "totalCount":
                total = True
            elif part.name == "nodes":
                nodes.append(part)
            elif part.name == "edges":
                nodes.extend(f for f in _fields(part.selections) if f.name == "node")
    counts: dict[CountArgs, None] = {}
    for node in nodes:
        for f in _fields(node.selections):
            if f.name == "relationshipCount":
                args = count_args(f.arguments)
                if args is not None:
                    counts[args] = None
    return PageWants(total, tuple(counts))
