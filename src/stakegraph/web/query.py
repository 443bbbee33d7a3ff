"""The Query root: look-ups, filtered and sorted lists (done by the store), search, neighbourhood and paths."""

from __future__ import annotations

from itertools import islice
from typing import Annotated, Any

import networkx as nx
import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from stakegraph.domain import Direction
from stakegraph.errors import DepthLimitError, Invalid, NotFound
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store.filters import EdgeFilter
from stakegraph.store.filters import NodeFilter as StoreFilter
from stakegraph.store.filters import Sort as StoreSort
from stakegraph.web.context import Context, DegreeKey
from stakegraph.web.enums import (
    ContractKind,
    DirectionEnum,
    InteractionKind,
    NodeTypeEnum,
    PartyKind,
    RelationshipKind,
    SignalKind,
    SortField,
    value,
)
from stakegraph.web.inputs import NodeFilter, RelationshipFilter, Sort
from stakegraph.web.metrics import _AMOUNT_PROP
from stakegraph.web.objects import (
    Contract,
    Interaction,
    Neighborhood,
    Node,
    Party,
    Path,
    Project,
    Relationship,
    Signal,
    to_node,
)
from stakegraph.web.pagination import (
    Connection,
    check_first,
    connection,
    lookahead_connection,
    window,
)
from stakegraph.web.selection import page_wants

MAX_DEPTH = 3
MAX_HOPS = 6
MAX_K = 10


def node_record(G: nx.MultiDiGraph, nid: str) -> NodeRecord:
    """The record of a projected node (projection attributes back to props)."""
    d = G.nodes[nid]
    return NodeRecord(nid, str(d["type"]), {k: v for k, v in d.items() if k not in ("type", "id")})


def edge_record(u: str, v: str, d: dict[str, Any]) -> EdgeRecord:
    """The record of a projected edge."""
    return EdgeRecord(str(d["id"]), str(d["kind"]), u, v, {k: x for k, x in d.items() if k not in ("kind", "id")})


#: The property a typed list's ``amountMin``/``amountMax`` and ``AMOUNT`` sort use (docs/api.md).
AMOUNT_PROP: dict[str, str] = dict(_AMOUNT_PROP)
#: The property a typed list's ``dateFrom``/``dateTo`` use.
DATE_PROP: dict[str, str] = {"project": "start_date", "contract": "signed_date", "interaction": "date", "signal": "date"}


def _typed_prop(table: dict[str, str], node_type: str | None, what: str) -> str:
    if node_type is None or node_type not in table:
        lists = ", ".join(sorted(f"{t} ({p})" for t, p in table.items()))
        raise Invalid(f"{what} needs a list of one node type with such a property; {node_type or 'nodes'} has none",
                      fix=f"use one of the lists {lists}, or name the property in ranges/dateRanges")
    return table[node_type]


def _ranges(flt: NodeFilter | RelationshipFilter, amount: str | None, date: str | None) -> tuple[
        tuple[tuple[str, float | None, float | None], ...], tuple[tuple[str, str | None, str | None], ...]]:
    """The store's ``prop_ranges`` and ``date_ranges`` for a GraphQL filter."""
    ranges = [(amount, flt.amount_min, flt.amount_max)] if amount else []
    dates = [(date, flt.date_from, flt.date_to)] if date else []
    ranges += [(r.property, r.min, r.max) for r in flt.ranges or []]
    dates += [(r.property, r.from_, r.to) for r in flt.date_ranges or []]
    return tuple(ranges), tuple(dates)


def _extras(flt: NodeFilter | RelationshipFilter) -> dict[str, Any]:
    """The store's ``extra_equals`` / ``extra_ranges`` for a GraphQL filter's ``extras``."""
    conds = flt.extras or []
    bad = next((c.property for c in conds if c.equals is None and c.min is None and c.max is None), None)
    if bad is not None:
        raise Invalid(f"extras: the condition on {bad!r} gives none of equals, min, max", fix="give equals or min/max")
    return {"extra_equals": tuple((c.property, c.equals) for c in conds if c.equals is not None),
            "extra_ranges": tuple((c.property, c.min, c.max) for c in conds if c.min is not None or c.max is not None)}


def node_query(node_type: str | None, kind: str | None, flt: NodeFilter | None,
               sort: Sort | None) -> tuple[StoreFilter, StoreSort | None]:
    """The store filter and sort of a node list (checked by the store, which refuses what is undeclared)."""
    store_sort: StoreSort | None = None
    if sort is not None:
        if sort.property is not None:
            store_sort = StoreSort(sort.property, sort.descending)
        elif sort.field is SortField.AMOUNT:
            store_sort = StoreSort(_typed_prop(AMOUNT_PROP, node_type, "sort AMOUNT"), sort.descending)
        elif sort.field is not SortField.NAME or sort.descending:
            store_sort = StoreSort(str(sort.field.value), sort.descending)
    if flt is None:
        return StoreFilter(type=node_type, kind=kind), store_sort
    amount = (_typed_prop(AMOUNT_PROP, node_type, "amountMin/amountMax")
              if flt.amount_min is not None or flt.amount_max is not None else None)
    date = (_typed_prop(DATE_PROP, node_type, "dateFrom/dateTo")
            if flt.date_from is not None or flt.date_to is not None else None)
    ranges, dates = _ranges(flt, amount, date)
    text = flt.name_contains if flt.name_contains else None
    return StoreFilter(type=node_type, kind=kind, country=flt.country, text=text, status=flt.status,
                       prop_ranges=ranges, date_ranges=dates, **_extras(flt)), store_sort


async def list_nodes(
    info: Info[Context, None], node_type: str | None, kind: str | None, flt: NodeFilter | None,
    sort: Sort | None, first: int | None, after: str | None, offset: int | None,
) -> Connection[Node]:
    """A page of nodes, filtered, sorted and paged by the store (no projection is built).

    One worker-thread call reads what the query asks of the page: the count only when
    ``totalCount`` is selected (else one item past the page says whether a next page exists),
    and the ``relationshipCount``s of the page's nodes (one ``store.degrees`` call per argument
    set), which the nodes then answer synchronously.
    """
    win = window(first, after, offset)
    ctx = info.context
    sf, store_sort = node_query(node_type, kind, flt, sort)
    wants = page_wants(info.selected_fields)
    store = ctx.store

    def read() -> tuple[int | None, list[NodeRecord], dict[DegreeKey, int]]:
        total = store.count_nodes(sf) if wants.total else None
        if total == 0:
            return total, [], {}
        size = win.size if total is not None else win.size + 1
        recs = store.find_nodes(sf, sort=store_sort, limit=size, offset=win.start)
        ids = [r.id for r in recs[: win.size]]
        known: dict[DegreeKey, int] = {}
        for kinds, direction in wants.counts if ids else ():
            counts = store.degrees(ids, direction=direction, kinds=kinds)
            known.update({(nid, kinds, direction): n for nid, n in counts.items()})
        return total, recs, known

    total, recs, known = await ctx.call(read)
    ctx.known_degrees.update(known)
    return lookahead_connection([to_node(r) for r in recs], win, total)


def edge_query(flt: RelationshipFilter | None, sort: Sort | None) -> tuple[EdgeFilter, StoreSort | None]:
    """The store filter and sort of a relationship list."""
    store_sort: StoreSort | None = None
    if sort is not None:
        if sort.property is not None:
            store_sort = StoreSort(sort.property, sort.descending)
        elif sort.field is SortField.AMOUNT:
            store_sort = StoreSort("amount", sort.descending)
        elif sort.field is SortField.NAME:
            store_sort = StoreSort("id", sort.descending) if sort.descending else None
        else:
            raise Invalid(f"cannot sort relationships by {sort.field.name}",
                          fix="sort relationships by NAME (their id), AMOUNT or a declared property")
    if flt is None:
        return EdgeFilter(), store_sort
    amount = "amount" if flt.amount_min is not None or flt.amount_max is not None else None
    date = "start_date" if flt.date_from is not None or flt.date_to is not None else None
    ranges, dates = _ranges(flt, amount, date)
    return EdgeFilter(
        kinds=tuple(str(value(k)) for k in flt.kinds) if flt.kinds else None,
        sources=(flt.source_id,) if flt.source_id is not None else None,
        targets=(flt.target_id,) if flt.target_id is not None else None,
        node=flt.node_id, status=flt.status, currency=flt.currency, prop_ranges=ranges, date_ranges=dates,
        active_from=flt.active_from, active_to=flt.active_to, **_extras(flt),
    ), store_sort


async def _known(info: Info[Context, None], *ids: str) -> None:
    """:class:`NotFound` naming the ids that are not in the graph."""
    recs = await info.context.call(info.context.store.get_nodes, list(ids))
    missing = [i for i, r in zip(ids, recs, strict=True) if r is None]
    if missing:
        raise NotFound(f"no node with id {', '.join(map(repr, missing))}",
                       fix="check the id, or find it with search(text: ...)")


async def _typed(info: Info[Context, None], id: str, node_type: str) -> Node | None:
    rec = await info.context.nodes.load(id)
    return to_node(rec) if rec is not None and rec.type == node_type else None


@strawberry.type(description="Read the stakeholder graph.")
class Query:
    @strawberry.field(description="The store's graph version (changes on every write).")
    async def graph_version(self, info: Info[Context, None]) -> str:
        return await info.context.call(info.context.store.graph_version)

    @strawberry.field(description="Node counts by type and edge counts by kind.")
    async def counts(self, info: Info[Context, None]) -> JSON:
        return JSON(await info.context.call(info.context.store.counts))

    @strawberry.field(description="Any node by id.")
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> Node | None:
        rec = await info.context.nodes.load(str(id))
        return to_node(rec) if rec is not None else None

    @strawberry.field(description="A party by id.")
    async def party(self, info: Info[Context, None], id: strawberry.ID) -> Party | None:
        return await _typed(info, str(id), "party")  # type: ignore[return-value]

    @strawberry.field(description="A project by id.")
    async def project(self, info: Info[Context, None], id: strawberry.ID) -> Project | None:
        return await _typed(info, str(id), "project")  # type: ignore[return-value]

    @strawberry.field(description="A contract by id.")
    async def contract(self, info: Info[Context, None], id: strawberry.ID) -> Contract | None:
        return await _typed(info, str(id), "contract")  # type: ignore[return-value]

    @strawberry.field(description="A relationship by id.")
    async def relationship(self, info: Info[Context, None], id: strawberry.ID) -> Relationship | None:
        e = await info.context.edges.load(str(id))
        return Relationship.of(e) if e is not None else None

    @strawberry.field(description="Nodes of any type (default page 20, max 100).")
    async def nodes(
        self, info: Info[Context, None], type: NodeTypeEnum | None = None, filter: NodeFilter | None = None,
        sort: Sort | None = None, first: int | None = None, after: str | None = None, offset: int | None = None,
    ) -> Connection[Node]:
        return await list_nodes(info, value(type), None, filter, sort, first, after, offset)

    @strawberry.field(description="Parties (default page 20, max 100).")
    async def parties(
        self, info: Info[Context, None], kind: PartyKind | None = None, filter: NodeFilter | None = None,
        sort: Sort | None = None, first: int | None = None, after: str | None = None, offset: int | None = None,
    ) -> Connection[Party]:
        return await list_nodes(info, "party", value(kind), filter, sort, first, after, offset)  # type: ignore[return-value]

    @strawberry.field(description="Projects (default page 20, max 100).")
    async def projects(
        self, info: Info[Context, None], filter: NodeFilter | None = None,
        sort: Sort | None = None, first: int | None = None, after: str | None = None, offset: int | None = None,
    ) -> Connection[Project]:
        return await list_nodes(info, "project", None, filter, sort, first, after, offset)  # type: ignore[return-value]

    @strawberry.field(description="Contracts (default page 20, max 100).")
    async def contracts(
        self, info: Info[Context, None], kind: ContractKind | None = None, filter: NodeFilter | None = None,
        sort: Sort | None = None, first: int | None = None, after: str | None = None, offset: int | None = None,
    ) -> Connection[Contract]:
        return await list_nodes(info, "contract", value(kind), filter, sort, first, after, offset)  # type: ignore[return-value]

    @strawberry.field(description="Interactions (default page 20, max 100).")
    async def interactions(
        self, info: Info[Context, None], kind: InteractionKind | None = None, filter: NodeFilter | None = None,
        sort: Sort | None = None, first: int | None = None, after: str | None = None, offset: int | None = None,
    ) -> Connection[Interaction]:
        return await list_nodes(info, "interaction", value(kind), filter, sort, first, after, offset)  # type: ignore[return-value]

    @strawberry.field(description="Signals (default page 20, max 100).")
    async def signals(
        self, info: Info[Context, None], kind: SignalKind | None = None, filter: NodeFilter | None = None,
        sort: Sort | None = None, first: int | None = None, after: str | None = None, offset: int | None = None,
    ) -> Connection[Signal]:
        return await list_nodes(info, "signal", value(kind), filter, sort, first, after, offset)  # type: ignore[return-value]

    @strawberry.field(description="Relationships (default page 20, max 100); sort NAME (= id), AMOUNT or a property.")
    async def relationships(
        self, info: Info[Context, None], filter: RelationshipFilter | None = None, sort: Sort | None = None,
        first: int | None = None, after: str | None = None, offset: int | None = None,
    ) -> Connection[Relationship]:
        win = window(first, after, offset)
        ctx = info.context
        ef, store_sort = edge_query(filter, sort)
        total = await ctx.call(ctx.store.count_edges, ef)
        recs = (await ctx.call(ctx.store.find_edges, ef, sort=store_sort, limit=win.size, offset=win.start)
                if total else [])
        return connection([Relationship.of(e) for e in recs], total, win)

    @strawberry.field(description="Nodes whose name, English name or id contains the text (any script).")
    async def search(
        self, info: Info[Context, None], text: str, type: NodeTypeEnum | None = None,
        first: int | None = None, after: str | None = None, offset: int | None = None,
    ) -> Connection[Node]:
        if not text.strip():
            raise Invalid("search text is empty; give at least one character")
        return await list_nodes(info, value(type), None, NodeFilter(name_contains=text.strip()), None,
                                first, after, offset)

    @strawberry.field(description="The node, its neighbours within depth (≤ 3) hops and the edges among them.")
    async def neighborhood(
        self, info: Info[Context, None], id: strawberry.ID, depth: int = 1,
        kinds: list[RelationshipKind] | None = None,
        direction: DirectionEnum = DirectionEnum.BOTH,  # type: ignore[attr-defined]
        limit: int = 50,
    ) -> Neighborhood:
        if not 1 <= depth <= MAX_DEPTH:
            raise DepthLimitError(f"depth must be between 1 and {MAX_DEPTH} (got {depth})")
        limit = check_first(limit, name="limit")
        ctx = info.context
        sub = await ctx.call(ctx.store.neighbours, str(id), direction=Direction(str(value(direction))),
                             kinds=[value(k) for k in kinds] if kinds else None, depth=depth, limit=limit)
        if not sub.nodes:  # the centre is always kept (nearest first, limit ≥ 1): empty means unknown
            await _known(info, str(id))
        center = next((n for n in sub.nodes if n.id == str(id)), None)
        return Neighborhood(
            center=to_node(center) if center else None,
            nodes=[to_node(n) for n in sub.nodes],
            edges=[Relationship.of(e) for e in sub.edges],
            and_more=sub.truncated,
        )

    @strawberry.field(description="Up to k shortest paths (either direction) with at most maxHops edges.")
    async def paths(
        self, info: Info[Context, None], from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID, max_hops: int = 4, k: int = 3,
    ) -> list[Path]:
        if not 1 <= max_hops <= MAX_HOPS:
            raise DepthLimitError(f"maxHops must be between 1 and {MAX_HOPS} (got {max_hops})")
        k = check_first(k, name="k", maximum=MAX_K)
        ctx = info.context
        a, b = str(from_), str(to)
        await _known(info, *dict.fromkeys((a, b)))
        G = await ctx.state.projection()
        S = await ctx.state.simple()
        if a not in S or b not in S or a == b:
            return []

        def compute() -> list[list[str]]:
            try:
                gen = nx.shortest_simple_paths(S, a, b)
                return [p for p in islice(gen, k) if len(p) - 1 <= max_hops]
            except nx.NetworkXNoPath:
                return []

        found = await ctx.call(compute)
        out = []
        for p in found:
            edges = []
            for u, v in zip(p, p[1:], strict=False):
                eid = S.edges[u, v]["id"]
                src, dst = (u, v) if G.has_edge(u, v, eid) else (v, u)
                edges.append(Relationship.of(edge_record(src, dst, G.edges[src, dst, eid])))
            out.append(Path(length=len(p) - 1, nodes=[to_node(node_record(G, n)) for n in p], edges=edges))
        return out
