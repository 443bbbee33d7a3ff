"""Small shared helpers for the structural analytics: pick edges, weigh them, collapse them.

Everything here reads the projection described in ``src/stakegraph/store/base.py``
(``nx.MultiDiGraph``; node attrs ``type``, ``kind``, ``name`` and props; edge
key = edge id, edge attrs ``kind``, ``id`` and props). Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal

import networkx as nx

from stakegraph.domain import RELATIONSHIP_KINDS
from stakegraph.errors import DomainError, NotFound, ValidationError
from stakegraph.measures import INACTIVE_STATUSES, declared_weight, is_active, number
from stakegraph.measures import edge_size as edge_weight

Side = Literal["in", "out"]

__all__ = [
    "INACTIVE_STATUSES", "STRUCTURAL_KINDS", "STRUCTURAL_TYPES", "Side", "check_kinds", "check_side",
    "declared_weight", "edge_weight", "edges_at", "is_active", "iter_kind_edges", "name_of", "number",
    "require_node", "structural_graph",
]
# number, is_active, declared_weight, edge_weight and INACTIVE_STATUSES are defined once in
# stakegraph.measures (a ``recalled`` loan is still owed, so it stays active) and re-exported here.

#: Relationship kinds that make up the party/project "structure" graph used by
#: centrality, articulation points and groups (financing, commercial, control).
STRUCTURAL_KINDS: tuple[str, ...] = tuple(
    k for k, r in RELATIONSHIP_KINDS.items() if r.category in ("financing", "commercial", "control")
)
STRUCTURAL_TYPES: tuple[str, ...] = ("party", "project")


def check_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """The kinds as a tuple, each checked against the domain.

    >>> check_kinds(["lends_to"])
    ('lends_to',)
    """
    out = tuple(kinds)
    for k in out:
        if k not in RELATIONSHIP_KINDS:
            raise DomainError(
                f"unknown relationship kind {k!r}; use one of: {', '.join(RELATIONSHIP_KINDS)}"
            )
    return out


def check_side(direction: str) -> Side:
    """``"in"`` or ``"out"``, else a :class:`ValidationError` saying so."""
    if direction not in ("in", "out"):
        raise ValidationError(
            f"direction must be 'in' or 'out', not {direction!r}", field="direction", value=direction,
            fix="use 'in' for relationships pointing at the node (its customers, lenders), 'out' for its own",
        )
    return direction  # type: ignore[return-value]


def require_node(G: nx.Graph, node: str) -> None:
    """Raise :class:`NotFound` (with what to do) when ``node`` is not in ``G``."""
    if node not in G:
        raise NotFound(f"no node with id {node!r} in the graph; check the id (ids are case-sensitive)")


def name_of(G: nx.Graph, node: Any) -> str:
    """The node's display ``name`` (its id when it has none)."""
    data = G.nodes[node] if node in G else {}
    return str(data.get("name") or node)














def edges_at(
    G: nx.MultiDiGraph,
    node: Any,
    kinds: Iterable[str],
    direction: Side,
    *,
    active_only: bool = True,
) -> Iterator[tuple[Any, str, dict[str, Any]]]:
    """``(counterparty, edge_id, data)`` for the node's edges of ``kinds``.

    ``direction="in"``: edges pointing at ``node`` (counterparty = source);
    ``"out"``: edges leaving it (counterparty = target).
    """
    wanted = set(kinds)
    it = G.in_edges(node, keys=True, data=True) if direction == "in" else G.out_edges(node, keys=True, data=True)
    for u, v, key, data in it:
        if data.get("kind") in wanted and (not active_only or is_active(data)):
            yield (u if direction == "in" else v), str(key), data


def iter_kind_edges(
    G: nx.MultiDiGraph, kinds: Iterable[str], *, active_only: bool = True
) -> Iterator[tuple[Any, Any, str, dict[str, Any]]]:
    """``(source, target, edge_id, data)`` for every edge of ``kinds`` (one pass over ``G``)."""
    wanted = set(kinds)
    for u, v, key, data in G.edges(keys=True, data=True):
        if data.get("kind") in wanted and (not active_only or is_active(data)):
            yield u, v, str(key), data


def structural_graph(
    G: nx.MultiDiGraph,
    *,
    kinds: Iterable[str] = STRUCTURAL_KINDS,
    types: Iterable[str] = STRUCTURAL_TYPES,
    directed: bool = False,
    active_only: bool = True,
) -> nx.Graph:
    """Collapse the projection to a simple (Di)Graph of ``types`` nodes joined by ``kinds`` edges.

    Each pair keeps ``strength`` (sum of the edges' declared weights, 1 for an
    edge without one), ``distance`` = 1 / strength (strong ties are short, for
    weighted shortest paths), ``edges`` (the edge ids) and ``kinds``. Self-loops
    are dropped. Every node of ``types`` is kept, joined or not.

    >>> M = nx.MultiDiGraph()
    >>> M.add_node("a", type="party"); M.add_node("p", type="project")
    >>> _ = M.add_edge("a", "p", key="e1", kind="lends_to", amount=4.0)
    >>> _ = M.add_edge("a", "p", key="e2", kind="builds")
    >>> H = structural_graph(M)
    >>> H["a"]["p"]["strength"], H["a"]["p"]["distance"], sorted(H["a"]["p"]["edges"])
    (5.0, 0.2, ['e1', 'e2'])
    """
    wanted_types = set(types)
    H: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    H.graph.update(G.graph)
    H.add_nodes_from(n for n, t in G.nodes(data="type") if t in wanted_types)
    for u, v, key, data in iter_kind_edges(G, check_kinds(kinds), active_only=active_only):
        if u == v or u not in H or v not in H:
            continue
        w = edge_weight(data)
        w = 1.0 if w is None or w <= 0 else w
        if H.has_edge(u, v):
            attrs = H[u][v]
            attrs["strength"] += w
            attrs["edges"].append(key)
            attrs["kinds"].add(data.get("kind"))
        else:
            H.add_edge(u, v, strength=w, edges=[key], kinds={data.get("kind")})
    for _, _, attrs in H.edges(data=True):
        attrs["distance"] = 1.0 / attrs["strength"]
    return H
