"""GraphQL output types: nodes of every domain type, relationships, and the links between them.

Property fields are generated from the domain declaration (``src/stakegraph/domain.py``):
every declared property of a node type or relationship kind becomes a typed,
camelCased field (``total_assets`` → ``totalAssets``). ``props`` returns all of
them (and any extra columns kept as text) as one JSON object.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Optional

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from stakegraph.domain import (
    COMMON_EDGE_PROPS,
    NODE_TYPES,
    PROVENANCE,
    RELATIONSHIP_KINDS,
    Direction,
    Prop,
    PropType,
)
from stakegraph.measures import EXPOSURE_DEFINITION, edges_exposure, money_context
from stakegraph.measures import number as as_float
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.web.context import Context, DegreeKey
from stakegraph.web.enums import DirectionEnum, NodeTypeEnum, RelationshipKind, value
from stakegraph.web.pagination import Connection, slice_connection, window
from stakegraph.web.plain_resolvers import plain

_PY_TYPES: dict[PropType, Any] = {
    PropType.STR: Optional[str],  # noqa: UP045 - evaluated at run time by strawberry
    PropType.FLOAT: Optional[float],  # noqa: UP045
    PropType.INT: Optional[int],  # noqa: UP045
    PropType.DATE: Optional[str],  # noqa: UP045
    PropType.BOOL: Optional[bool],  # noqa: UP045
    PropType.LIST: Optional[list[str]],  # noqa: UP045
}
_RESERVED = {"name", "kind", "id", "type"}


def _convert(p: Prop, v: Any) -> Any:
    if v is None:
        return None
    if p.type is PropType.FLOAT:
        return as_float(v)
    if p.type is PropType.INT:
        f = as_float(v)
        return int(f) if f is not None and f.is_integer() else None
    if p.type is PropType.BOOL:
        return v if isinstance(v, bool) else str(v).lower() in ("true", "1", "yes")
    if p.type is PropType.LIST:
        return [str(x) for x in v] if isinstance(v, list | tuple) else [s for s in str(v).split(";") if s]
    return str(v)


def _prop_field(p: Prop) -> Any:
    @plain(lambda root, info: _convert(p, root.props.get(p.name)))
    def resolve(root: Any) -> Any:
        return _convert(p, root.props.get(p.name))

    resolve.__annotations__ = {"root": Any, "return": _PY_TYPES[p.type]}
    resolve.__name__ = p.name
    return strawberry.field(resolver=resolve, description=p.doc or None)


def with_props(props: Iterable[Prop]) -> Callable[[type], type]:
    """Class decorator adding one typed field per declared property (before ``strawberry.type``)."""

    def deco(cls: type) -> type:
        for p in props:
            if p.name in _RESERVED or p.name in cls.__dict__ or p in PROVENANCE:
                continue
            setattr(cls, p.name, _prop_field(p))
        return cls

    return deco


def degree_key(node_id: str, kinds: Iterable[Any] | None, direction: Any) -> DegreeKey:
    """The :data:`~stakegraph.web.context.DegreeKey` of ``relationshipCount(kinds, direction)`` on a node."""
    wanted = tuple(sorted({str(value(k)) for k in kinds})) if kinds is not None else None
    return (node_id, wanted, Direction(str(value(direction))))


def _viz(info: Info[Context, None], path: str) -> str:
    return f"{info.context.settings.public_url.rstrip('/')}{path}"


@strawberry.type(description="Where a record came from.")
class Provenance:
    source_file: str | None
    source_row: int | None
    load_id: str | None


def _provenance(props: dict[str, Any]) -> Provenance:
    row = as_float(props.get("source_row"))
    return Provenance(
        source_file=props.get("source_file"),
        source_row=int(row) if row is not None else None,
        load_id=props.get("load_id"),
    )


def _filter_edges(edges: list[EdgeRecord], node_id: str, kinds: list[RelationshipKind] | None,
                  direction: DirectionEnum) -> list[EdgeRecord]:
    want = {value(k) for k in kinds} if kinds else None
    d = value(direction)
    out = []
    for e in edges:
        if want is not None and e.kind not in want:
            continue
        if d == "out" and e.source != node_id:
            continue
        if d == "in" and e.target != node_id:
            continue
        out.append(e)
    return out


@strawberry.interface(description="Any node of the graph: party, project, contract, interaction or signal.")
class Node:
    id: strawberry.ID
    name: str
    kind: str | None = strawberry.field(description="Subtype: organisation type, contract type, event kind.")
    rec: strawberry.Private[NodeRecord]

    @property
    def props(self) -> Mapping[str, Any]:  # read by the generated property fields (no copy)
        return self.rec.props

    @strawberry.field(name="type", description="The node's domain type.")
    @plain(lambda root, info: NodeTypeEnum(root.rec.type))
    def node_type(self) -> NodeTypeEnum:
        return NodeTypeEnum(self.rec.type)

    @strawberry.field(name="props", description="All properties as one JSON object.")
    def all_props(self) -> JSON:
        return JSON(dict(self.rec.props))

    @strawberry.field(description="File, row and load that created the node.")
    def provenance(self) -> Provenance:
        return _provenance(dict(self.rec.props))

    @strawberry.field(description="The node's relationships, filtered by kind and direction.")
    async def relationships(
        self,
        info: Info[Context, None],
        kinds: list[RelationshipKind] | None = None,
        direction: DirectionEnum = DirectionEnum.BOTH,  # type: ignore[attr-defined]
        first: int | None = None,
        after: str | None = None,
        offset: int | None = None,
    ) -> Connection[Relationship]:
        win = window(first, after, offset)
        edges = _filter_edges(await info.context.edges_of.load(self.rec.id), self.rec.id, kinds, direction)
        return slice_connection([Relationship.of(e) for e in edges], win)

    @strawberry.field(description="How many relationships of these kinds and direction the node has.")
    @plain(lambda root, info, kinds=None, direction=Direction.BOTH:
           info.context.degree(degree_key(root.rec.id, kinds, direction)))
    def relationship_count(
        self,
        info: Info[Context, None],
        kinds: list[RelationshipKind] | None = None,
        direction: DirectionEnum = DirectionEnum.BOTH,  # type: ignore[attr-defined]
    ) -> int:
        # synchronous: a list resolver reads the counts of its page in one store call (no asyncio
        # task per row); any other node gets an awaitable batched by the degrees DataLoader
        return info.context.degree(degree_key(self.rec.id, kinds, direction))  # type: ignore[return-value]

    async def _others(self, info: Info[Context, None], kind: str, incoming: bool) -> list[Node]:
        edges = await info.context.edges_of.load(self.rec.id)
        ids = [e.source if incoming else e.target for e in edges
               if e.kind == kind and (e.target if incoming else e.source) == self.rec.id]
        recs = await info.context.nodes.load_many(ids)
        return [to_node(r) for r in recs if r is not None]


def to_node(rec: NodeRecord) -> Node:
    """The GraphQL object for a node record."""
    cls = _NODE_CLASSES[rec.type]
    return cls(id=strawberry.ID(rec.id), name=rec.name, kind=rec.kind, rec=rec)  # type: ignore[call-arg]


EXPOSURE_CURRENCY = ("The currency `exposure` is in: the reporting currency (STAKEGRAPH_REPORTING_CURRENCY), or the "
                     "one currency the book shares when no FX rates are loaded.")


async def _exposure_currency(info: Info[Context, None]) -> str:
    """The currency of :func:`_exposure`'s figure (the projection's money context)."""
    return money_context(await info.context.state.projection(await info.context.version())).reporting


async def _exposure(info: Info[Context, None], node_id: str) -> float:
    """Exposure in the reporting currency (the projection's FX table and as-of date convert it)."""
    edges = await info.context.edges_of.load(node_id)
    money = money_context(await info.context.state.projection(await info.context.version()))
    return edges_exposure(({"kind": e.kind, **e.props} for e in edges), money=money)


@strawberry.type(description="An organisation or person.")
@with_props(NODE_TYPES["party"].props)
class Party(Node):
    @strawberry.field(description="Financing exposure: " + EXPOSURE_DEFINITION + ".")
    async def exposure(self, info: Info[Context, None]) -> float:
        return await _exposure(info, self.rec.id)

    @strawberry.field(description=EXPOSURE_CURRENCY)
    async def exposure_currency(self, info: Info[Context, None]) -> str:
        return await _exposure_currency(info)

    @strawberry.field(description="Interactions involving the party.")
    async def interactions(self, info: Info[Context, None]) -> list[Interaction]:
        return sorted(await self._others(info, "involves", True), key=_by_date)  # type: ignore[return-value,arg-type]

    @strawberry.field(description="Signals concerning the party.")
    async def signals(self, info: Info[Context, None]) -> list[Signal]:
        return sorted(await self._others(info, "concerns", True), key=_by_date)  # type: ignore[return-value,arg-type]

    @strawberry.field(description="Ego-network view (HTML) of the party.")
    def viz_url(self, info: Info[Context, None]) -> str:
        return _viz(info, f"/viz/ego/{self.rec.id}")

    @strawberry.field(description="Concentration view (HTML) of the party.")
    def concentration_viz_url(self, info: Info[Context, None]) -> str:
        return _viz(info, f"/viz/concentration/{self.rec.id}")


def _by_date(n: Node) -> tuple[str, str]:
    return (str(n.rec.props.get("date") or ""), n.rec.id)


@strawberry.type(description="A party with the relationship that makes it a stakeholder.")
class Stakeholder:
    party: Node
    relationship: Relationship


@strawberry.type(description="A project's stakeholders playing one role (lender, sponsor, epc, …).")
class StakeholderGroup:
    role: str
    members: list[Stakeholder]


@strawberry.type(description="A financed project.")
@with_props(NODE_TYPES["project"].props)
class Project(Node):
    @strawberry.field(description="Stakeholders grouped by the role of their relationship kind (RelKind.role).")
    async def stakeholders(self, info: Info[Context, None]) -> list[StakeholderGroup]:
        edges = [e for e in await info.context.edges_of.load(self.rec.id)
                 if e.target == self.rec.id and RELATIONSHIP_KINDS[e.kind].role
                 and e.kind not in ("involves", "concerns", "contract_for")]
        recs = await info.context.nodes.load_many([e.source for e in edges])
        groups: dict[str, list[Stakeholder]] = defaultdict(list)
        for e, r in zip(edges, recs, strict=True):
            if r is not None:
                groups[str(RELATIONSHIP_KINDS[e.kind].role)].append(
                    Stakeholder(party=to_node(r), relationship=Relationship.of(e)))
        return [StakeholderGroup(role=role, members=groups[role]) for role in sorted(groups)]

    @strawberry.field(description="Contracts for this project.")
    async def contracts(self, info: Info[Context, None]) -> list[Contract]:
        return await self._others(info, "contract_for", True)  # type: ignore[return-value]

    @strawberry.field(description="Signals concerning the project.")
    async def signals(self, info: Info[Context, None]) -> list[Signal]:
        return sorted(await self._others(info, "concerns", True), key=_by_date)  # type: ignore[return-value,arg-type]

    @strawberry.field(description="Financing exposure: " + EXPOSURE_DEFINITION + ".")
    async def exposure(self, info: Info[Context, None]) -> float:
        return await _exposure(info, self.rec.id)

    @strawberry.field(description=EXPOSURE_CURRENCY)
    async def exposure_currency(self, info: Info[Context, None]) -> str:
        return await _exposure_currency(info)

    @strawberry.field(description="Project view (HTML).")
    def viz_url(self, info: Info[Context, None]) -> str:
        return _viz(info, f"/viz/project/{self.rec.id}")


@strawberry.type(description="A party to a contract in a role.")
class ContractParty:
    role: str | None
    party: Node
    relationship: Relationship


@strawberry.type(description="The risk terms of a contract.")
@with_props(NODE_TYPES["contract"].props)
class ContractTerms:
    props: strawberry.Private[dict[str, Any]]


@strawberry.type(description="A contract with its parties, project and terms.")
@with_props(NODE_TYPES["contract"].props)
class Contract(Node):
    @strawberry.field(description="Parties that signed the contract (party_to) with their role.")
    async def parties(self, info: Info[Context, None]) -> list[ContractParty]:
        edges = [e for e in await info.context.edges_of.load(self.rec.id)
                 if e.kind == "party_to" and e.target == self.rec.id]
        recs = await info.context.nodes.load_many([e.source for e in edges])
        return [ContractParty(role=e.props.get("role"), party=to_node(r), relationship=Relationship.of(e))
                for e, r in zip(edges, recs, strict=True) if r is not None]

    @strawberry.field(description="Amount, dates, cross-default, guarantee cap, bet-on and repayment terms.")
    def terms(self) -> ContractTerms:
        return ContractTerms(props=dict(self.rec.props))

    @strawberry.field(description="The project the contract is for (contract_for).")
    async def project(self, info: Info[Context, None]) -> Project | None:
        found = await self._others(info, "contract_for", False)
        return found[0] if found else None  # type: ignore[return-value]


async def _event_links(self: Node, info: Info[Context, None], prop: str) -> Node | None:
    pid = self.rec.props.get(prop)
    if not pid:
        return None
    rec = await info.context.nodes.load(str(pid))
    return to_node(rec) if rec is not None else None


@strawberry.type(description="A dated contact: meeting, call, report, complaint.")
@with_props(NODE_TYPES["interaction"].props)
class Interaction(Node):
    @strawberry.field(description="The party the interaction is with.")
    async def party(self, info: Info[Context, None]) -> Node | None:
        return await _event_links(self, info, "party_id")

    @strawberry.field(description="The other side (optional).")
    async def counterparty(self, info: Info[Context, None]) -> Node | None:
        return await _event_links(self, info, "counterparty_id")

    @strawberry.field(description="The relationship it concerns (optional).")
    async def relationship(self, info: Info[Context, None]) -> Relationship | None:
        rid = self.rec.props.get("relationship_id")
        e = await info.context.edges.load(str(rid)) if rid else None
        return Relationship.of(e) if e is not None else None


@strawberry.type(description="A dated early-warning signal.")
@with_props(NODE_TYPES["signal"].props)
class Signal(Node):
    @strawberry.field(description="The party the signal is about.")
    async def party(self, info: Info[Context, None]) -> Node | None:
        return await _event_links(self, info, "party_id")

    @strawberry.field(description="The other side (optional).")
    async def counterparty(self, info: Info[Context, None]) -> Node | None:
        return await _event_links(self, info, "counterparty_id")

    @strawberry.field(description="The relationship it concerns (optional).")
    async def relationship(self, info: Info[Context, None]) -> Relationship | None:
        rid = self.rec.props.get("relationship_id")
        e = await info.context.edges.load(str(rid)) if rid else None
        return Relationship.of(e) if e is not None else None


_EDGE_PROPS: tuple[Prop, ...] = tuple(
    {p.name: p for k in RELATIONSHIP_KINDS.values() for p in COMMON_EDGE_PROPS + k.props}.values()
)


@strawberry.type(description="A relationship (edge) with its properties and provenance.")
@with_props(_EDGE_PROPS)
class Relationship:
    id: strawberry.ID
    source_id: str
    target_id: str
    rec: strawberry.Private[EdgeRecord]

    @staticmethod
    def of(e: EdgeRecord) -> Relationship:
        return Relationship(id=strawberry.ID(e.id), source_id=e.source, target_id=e.target, rec=e)

    @property
    def props(self) -> Mapping[str, Any]:  # read by the generated property fields (no copy)
        return self.rec.props

    @strawberry.field(description="The relationship kind.")
    @plain(lambda root, info: RelationshipKind(root.rec.kind))
    def kind(self) -> RelationshipKind:
        return RelationshipKind(self.rec.kind)

    @strawberry.field(description="The stakeholder role the source plays towards the target (domain RelKind.role).")
    def stakeholder_role(self) -> str | None:
        return RELATIONSHIP_KINDS[self.rec.kind].role

    @strawberry.field(description="financing, commercial, control, contract, people or event.")
    def category(self) -> str:
        return RELATIONSHIP_KINDS[self.rec.kind].category

    @strawberry.field(name="props", description="All properties as one JSON object.")
    def all_props(self) -> JSON:
        return JSON(dict(self.rec.props))

    @strawberry.field(description="File, row and load that created the relationship.")
    def provenance(self) -> Provenance:
        return _provenance(dict(self.rec.props))

    @strawberry.field(description="The source node.")
    async def source(self, info: Info[Context, None]) -> Node | None:
        rec = await info.context.nodes.load(self.rec.source)
        return to_node(rec) if rec is not None else None

    @strawberry.field(description="The target node.")
    async def target(self, info: Info[Context, None]) -> Node | None:
        rec = await info.context.nodes.load(self.rec.target)
        return to_node(rec) if rec is not None else None

    @strawberry.field(description="The contract governing the relationship (contract_id).")
    async def contract(self, info: Info[Context, None]) -> Contract | None:
        cid = self.rec.props.get("contract_id")
        rec = await info.context.nodes.load(str(cid)) if cid else None
        return to_node(rec) if rec is not None and rec.type == "contract" else None  # type: ignore[return-value]


_NODE_CLASSES: dict[str, type[Node]] = {
    "party": Party,
    "project": Project,
    "contract": Contract,
    "interaction": Interaction,
    "signal": Signal,
}
assert set(_NODE_CLASSES) == set(NODE_TYPES), "every domain node type needs a GraphQL type"

NODE_CLASSES = tuple(_NODE_CLASSES.values())


@strawberry.type(description="Nodes and edges around a node; andMore counts nodes left out by the limit.")
class Neighborhood:
    center: Node | None
    nodes: list[Node]
    edges: list[Relationship]
    and_more: int


@strawberry.type(description="A path between two nodes.")
class Path:
    length: int
    nodes: list[Node]
    edges: list[Relationship]
