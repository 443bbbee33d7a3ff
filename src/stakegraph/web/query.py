"""The Query root: look-ups, filtered and sorted lists, search, neighbourhood and paths."""

from __future__ import annotations

from itertools import islice
from typing import Annotated, Any

import networkx as nx
import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from stakegraph.domain import Direction
from stakegraph.errors import DepthLimitError, Invalid
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store.base import NodeFilter as StoreFilter
from stakegraph.web.context import Context
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
from stakegraph.web.metrics import as_float, exposure, in_range, node_amount, node_date
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
from stakegraph.web.pagination import Connection, check_first, connection, slice_connection, window

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


def _needs_projection(flt: NodeFilter | None, sort: Sort | None) -> bool:
    if sort is not None and (sort.field is not SortField.NAME or sort.descending):
        return True
    if flt is None:
        return False
    return any(x is not None for x in (flt.amount_min, flt.amount_max, flt.status, flt.date_from, flt.date_to))


async def list_nodes(
    info: Info[Context, None], node_type: str | None, kind: str | None, flt: NodeFilter | None,
    sort: Sort | None, first: int | None, after: str | None, offset: int | None,
) -> Connection[Node]:
    """A page of nodes: store-paginated when sorted by name, else filtered/sorted on the projection."""
    win = window(first, after, offset)
    ctx = info.context
    text = flt.name_contains if flt and flt.name_contains else None
    country = flt.country if flt else None
    if not _needs_projection(flt, sort):
        sf = StoreFilter(type=node_type, kind=kind, country=country, text=text)
        total = await ctx.call(ctx.store.count_nodes, sf)
        recs = await ctx.call(ctx.store.find_nodes, sf, limit=win.size, offset=win.start) if total else []
        return connection([to_node(r) for r in recs], total, win)
    G = await ctx.state.projection()
    assert flt is not None or sort is not None
    needle = text.lower() if text else None
    rows: list[tuple[str, dict[str, Any]]] = []
    for nid, d in G.nodes(data=True):
        if node_type is not None and d.get("type") != node_type:
            continue
        if kind is not None and d.get("kind") != kind:
            continue
        if flt is not None:
            if country is not None and d.get("country") != country:
                continue
            if needle is not None:
                hay = f"{d.get('name') or ''} {d.get('name_en') or ''} {nid}".lower()
                if needle not in hay:
                    continue
            if flt.status is not None and d.get("status") != flt.status:
                continue
            if not in_range(node_amount(str(d.get("type")), d), flt.amount_min, flt.amount_max):
                continue
            if not in_range(node_date(d), flt.date_from, flt.date_to):
                continue
        rows.append((nid, d))
    field = sort.field if sort else SortField.NAME
    desc = bool(sort and sort.descending)

    def metric(nid: str, d: dict[str, Any]) -> Any:
        if field is SortField.AMOUNT:
            return node_amount(str(d.get("type")), d)
        if field is SortField.RELATIONSHIPS:
            return float(G.degree(nid))
        if field is SortField.EXPOSURE:
            return exposure(G, nid)
        return None

    if field is SortField.NAME:
        rows.sort(key=lambda r: (str(r[1].get("name") or r[0]), r[0]), reverse=desc)
    else:
        keyed = [(metric(n, d), n, d) for n, d in rows]
        keyed.sort(key=lambda t: (t[0] is None, -(t[0] or 0.0) if desc else (t[0] or 0.0),
                                  str(t[2].get("name") or t[1]), t[1]))
        rows = [(n, d) for _, n, d in keyed]
    page = rows[win.start : win.start + win.size]
    return connection([to_node(node_record(G, n)) for n, _ in page], len(rows), win)


def _edge_matches(e: EdgeRecord, f: RelationshipFilter | None) -> bool:
    if f is None:
        return True
    if f.kinds and e.kind not in {value(k) for k in f.kinds}:
        return False
    p = e.props
    if f.status is not None and p.get("status") != f.status:
        return False
    if f.currency is not None and p.get("currency") != f.currency:
        return False
    if f.source_id is not None and e.source != f.source_id:
        return False
    if f.target_id is not None and e.target != f.target_id:
        return False
    if not in_range(as_float(p.get("amount")), f.amount_min, f.amount_max):
        return False
    start = p.get("start_date")
    return in_range(str(start) if start else None, f.date_from, f.date_to)


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

    @strawberry.field(description="Relationships, filtered; sort AMOUNT (or NAME = by id).")
    async def relationships(
        self, info: Info[Context, None], filter: RelationshipFilter | None = None, sort: Sort | None = None,
        first: int | None = None, after: str | None = None, offset: int | None = None,
    ) -> Connection[Relationship]:
        win = window(first, after, offset)
        G = await info.context.state.projection()
        edges = [edge_record(u, v, d) for u, v, d in G.edges(data=True)]
        edges = [e for e in edges if _edge_matches(e, filter)]
        if sort is not None and sort.field is not SortField.NAME:
            edges.sort(key=lambda e: (as_float(e.props.get("amount")) is None,
                                      -(as_float(e.props.get("amount")) or 0.0) if sort.descending
                                      else (as_float(e.props.get("amount")) or 0.0), e.id))
        else:
            edges.sort(key=lambda e: e.id, reverse=bool(sort and sort.descending))
        return slice_connection([Relationship.of(e) for e in edges], win)

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
        G = await ctx.state.projection()
        S = await ctx.state.simple()
        a, b = str(from_), str(to)
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
