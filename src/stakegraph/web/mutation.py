"""The Mutation root: validated upserts, recorded events and deletes (provenance ``load_id = "api"``).

Every mutation validates all of its input with :mod:`stakegraph.validate` before it
writes, then writes its nodes and edges in one ``store.write`` call: bad input
returns ``errors`` naming the field and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from stakegraph.domain import NODE_TYPES, RELATIONSHIP_KINDS
from stakegraph.errors import DanglingEdge, DomainError, NotAllowed, ValidationError
from stakegraph.model import EdgeRecord, NodeRecord, WriteStats, edge_id, stable_id
from stakegraph.validate import edge_props, node_props
from stakegraph.web.context import Context
from stakegraph.web.enums import value
from stakegraph.web.inputs import (
    ContractInput,
    InteractionInput,
    PartyInput,
    ProjectInput,
    RelationshipInput,
    SignalInput,
)
from stakegraph.web.objects import Node, Relationship, to_node

LOAD_ID = "api"
_TOP = {"id", "name", "kind", "country", "date", "party_id", "counterparty_id", "relationship_id",
        "channel", "note", "value", "severity", "project_id", "source_id", "target_id", "ref"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _field(name: str | None) -> str:
    if not name:
        return "input"
    return _camel(name) if name in _TOP else f"props.{name}"


@strawberry.type(description="A problem with one input field; nothing was written.")
class FieldError:
    field: str
    message: str
    fix: str | None = None


@strawberry.type(description="What a mutation did: the record written, or the errors (then nothing was written).")
class MutationResult:
    ok: bool
    errors: list[FieldError]
    node: Node | None = None
    relationship: Relationship | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


class _Invalid(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def _fail(field: str, message: str, fix: str | None = None) -> _Invalid:
    return _Invalid([FieldError(field=field, message=message, fix=fix)])


def _props(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise _fail("props", "props must be a JSON object of property name → value",
                    "send e.g. {\"total_assets\": 1.2e9}")
    return dict(raw)


def _node(ntype: str, nid: str, raw: dict[str, Any]) -> NodeRecord:
    if not nid.strip():
        raise _fail("id", "id is empty", "give a non-empty id")
    try:
        props = node_props(NODE_TYPES[ntype], {k: v for k, v in raw.items() if v is not None})
    except ValidationError as e:
        raise _fail(_field(e.field), e.reason, e.fix or None) from e
    props["load_id"] = LOAD_ID
    return NodeRecord(nid.strip(), ntype, props)


def _result(stats: WriteStats, node: NodeRecord | None = None, edge: EdgeRecord | None = None) -> MutationResult:
    return MutationResult(
        ok=True, errors=[], node=to_node(node) if node else None,
        relationship=Relationship.of(edge) if edge else None,
        created=stats.created, updated=stats.updated, unchanged=stats.unchanged, deleted=stats.deleted,
    )


def _require(info: Info[Context, None], role: str) -> None:
    order = {"read": 0, "write": 1, "admin": 2}
    have = info.context.role
    if have is None or order.get(have, -1) < order[role]:
        if info.context.response is not None:
            info.context.response.status_code = 403
        raise NotAllowed(f"this operation needs an API key with the {role} role")


async def _existing(info: Info[Context, None], ids: dict[str, str]) -> dict[str, NodeRecord]:
    """Look up endpoint nodes; a missing one is an error naming its input field."""
    recs = await info.context.call(info.context.store.get_nodes, list(ids.values()))
    out: dict[str, NodeRecord] = {}
    errors = []
    for (field, nid), rec in zip(ids.items(), recs, strict=True):
        if rec is None:
            errors.append(FieldError(field=field, message=f"no node with id {nid!r}",
                                     fix="create it first or fix the id"))
        else:
            out[field] = rec
    if errors:
        raise _Invalid(errors)
    return out


async def _write(info: Info[Context, None], nodes: list[NodeRecord], edges: list[EdgeRecord]) -> WriteStats:
    try:
        return await info.context.call(info.context.store.write, nodes, edges)
    except DanglingEdge as e:
        raise _fail("input", str(e), "create the missing nodes first") from e


async def _guarded(info: Info[Context, None], role: str, coro: Any) -> MutationResult:
    try:
        _require(info, role)
        return await coro  # type: ignore[no-any-return]
    except _Invalid as e:
        return MutationResult(ok=False, errors=e.errors)
    finally:
        if hasattr(coro, "close"):
            coro.close()


async def _event(info: Info[Context, None], ntype: str, link: str, inp: InteractionInput | SignalInput,
                 extra: dict[str, Any]) -> MutationResult:
    raw: dict[str, Any] = {
        "kind": value(inp.kind), "date": inp.date, "party_id": inp.party_id,
        "counterparty_id": inp.counterparty_id, "relationship_id": inp.relationship_id, "note": inp.note,
        **extra,
    }
    nid = str(inp.id) if inp.id else stable_id(ntype, raw["kind"], inp.party_id, inp.date,
                                                inp.counterparty_id, inp.relationship_id, inp.note,
                                                prefix=ntype[0] + "_")
    rec = _node(ntype, nid, raw)
    ids = {"partyId": inp.party_id}
    if inp.counterparty_id:
        ids["counterpartyId"] = inp.counterparty_id
    await _existing(info, ids)
    if inp.relationship_id:
        e = await info.context.call(info.context.store.get_edge, inp.relationship_id)
        if e is None:
            raise _fail("relationshipId", f"no relationship with id {inp.relationship_id!r}", "fix the id")
    edges = [EdgeRecord(edge_id(link, nid, target), link, nid, target, {"load_id": LOAD_ID})
             for target in dict.fromkeys(ids.values())]
    stats = await _write(info, [rec], edges)
    return _result(stats, node=rec)


@strawberry.type(description="Change the graph (needs an API key with the write role; delete needs admin).")
class Mutation:
    @strawberry.mutation(description="Create or update a party.")
    async def upsert_party(self, info: Info[Context, None], input: PartyInput) -> MutationResult:
        async def run() -> MutationResult:
            raw = {**_props(input.props), "name": input.name, "kind": value(input.kind), "country": input.country}
            rec = _node("party", str(input.id), raw)
            return _result(await _write(info, [rec], []), node=rec)

        return await _guarded(info, "write", run())

    @strawberry.mutation(description="Create or update a project.")
    async def upsert_project(self, info: Info[Context, None], input: ProjectInput) -> MutationResult:
        async def run() -> MutationResult:
            raw = {**_props(input.props), "name": input.name, "country": input.country}
            rec = _node("project", str(input.id), raw)
            return _result(await _write(info, [rec], []), node=rec)

        return await _guarded(info, "write", run())

    @strawberry.mutation(description="Create or update a contract (projectId adds a contract_for link).")
    async def upsert_contract(self, info: Info[Context, None], input: ContractInput) -> MutationResult:
        async def run() -> MutationResult:
            raw = {**_props(input.props), "name": input.name, "kind": value(input.kind)}
            rec = _node("contract", str(input.id), raw)
            edges = []
            if input.project_id:
                found = await _existing(info, {"projectId": input.project_id})
                if found["projectId"].type != "project":
                    raise _fail("projectId", f"{input.project_id!r} is a {found['projectId'].type}, not a project")
                edges.append(EdgeRecord(edge_id("contract_for", rec.id, input.project_id), "contract_for",
                                        rec.id, input.project_id, {"load_id": LOAD_ID}))
            return _result(await _write(info, [rec], edges), node=rec)

        return await _guarded(info, "write", run())

    @strawberry.mutation(description="Create or update a relationship between existing nodes.")
    async def upsert_relationship(self, info: Info[Context, None], input: RelationshipInput) -> MutationResult:
        async def run() -> MutationResult:
            kind = RELATIONSHIP_KINDS[str(value(input.kind))]
            ends = await _existing(info, {"sourceId": input.source_id, "targetId": input.target_id})
            for field, allowed in (("sourceId", kind.sources), ("targetId", kind.targets)):
                if ends[field].type not in allowed:
                    raise _fail(field, f"{kind.name} needs a {' or '.join(allowed)} here, "
                                       f"got a {ends[field].type}", f"use a {' or '.join(allowed)} id")
            raw = _props(input.props)
            if input.ref:
                raw["ref"] = input.ref
            try:
                props = edge_props(kind, raw)
            except (ValidationError, DomainError) as e:
                f = getattr(e, "field", None)
                raise _fail(_field(f), getattr(e, "reason", str(e)), getattr(e, "fix", None) or None) from e
            props["load_id"] = LOAD_ID
            eid = str(input.id) if input.id else edge_id(kind.name, input.source_id, input.target_id, input.ref)
            rec = EdgeRecord(eid, kind.name, input.source_id, input.target_id, props)
            return _result(await _write(info, [], [rec]), edge=rec)

        return await _guarded(info, "write", run())

    @strawberry.mutation(description="Record a dated interaction with a party.")
    async def record_interaction(self, info: Info[Context, None], input: InteractionInput) -> MutationResult:
        extra = {"channel": input.channel, "name": input.name}
        return await _guarded(info, "write", _event(info, "interaction", "involves", input, extra))

    @strawberry.mutation(description="Record a dated early-warning signal about a party.")
    async def record_signal(self, info: Info[Context, None], input: SignalInput) -> MutationResult:
        extra = {"value": input.value, "severity": input.severity}
        return await _guarded(info, "write", _event(info, "signal", "concerns", input, extra))

    @strawberry.mutation(description="Delete a node and every relationship touching it (admin role).")
    async def delete_node(self, info: Info[Context, None], id: strawberry.ID) -> MutationResult:
        async def run() -> MutationResult:
            stats = await info.context.call(info.context.store.delete_nodes, [str(id)])
            if not stats.deleted:
                raise _fail("id", f"no node with id {id!r}", "fix the id")
            return _result(stats)

        return await _guarded(info, "admin", run())

    @strawberry.mutation(description="Delete a relationship.")
    async def delete_relationship(self, info: Info[Context, None], id: strawberry.ID) -> MutationResult:
        async def run() -> MutationResult:
            stats = await info.context.call(info.context.store.delete_edges, [str(id)])
            if not stats.deleted:
                raise _fail("id", f"no relationship with id {id!r}", "fix the id")
            return _result(stats)

        return await _guarded(info, "write", run())


__all__ = ["Mutation", "MutationResult", "FieldError", "JSON"]
