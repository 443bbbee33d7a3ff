"""GraphQL input types: filters, sorting and mutation inputs."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from stakegraph.web.enums import (
    ContractKind,
    InteractionKind,
    PartyKind,
    RelationshipKind,
    SignalKind,
    SortField,
)


@strawberry.input(description="Filters on nodes; every given filter must match.")
class NodeFilter:
    country: str | None = None
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of name or English name (any script, e.g. 银行)."
    )
    amount_min: float | None = strawberry.field(default=None, description="Amount ≥ this (see docs/api.md).")
    amount_max: float | None = None
    status: str | None = None
    date_from: str | None = strawberry.field(default=None, description="ISO date; the node's date ≥ this.")
    date_to: str | None = None


@strawberry.input(description="Filters on relationships; every given filter must match.")
class RelationshipFilter:
    kinds: list[RelationshipKind] | None = None
    status: str | None = None
    currency: str | None = None
    amount_min: float | None = None
    amount_max: float | None = None
    date_from: str | None = strawberry.field(default=None, description="start_date ≥ this (ISO date).")
    date_to: str | None = None
    source_id: str | None = None
    target_id: str | None = None


@strawberry.input(description="Sort order.")
class Sort:
    field: SortField = SortField.NAME
    descending: bool = False


@strawberry.input(description="A party to create or update (properties not given are kept).")
class PartyInput:
    id: strawberry.ID
    name: str
    kind: PartyKind | None = None
    country: str | None = None
    props: JSON | None = strawberry.field(default=None, description="Other declared properties, by name.")


@strawberry.input(description="A project to create or update.")
class ProjectInput:
    id: strawberry.ID
    name: str
    country: str | None = None
    props: JSON | None = None


@strawberry.input(description="A contract to create or update; projectId adds a contract_for link.")
class ContractInput:
    id: strawberry.ID
    name: str
    kind: ContractKind | None = None
    project_id: str | None = None
    props: JSON | None = None


@strawberry.input(description="A relationship to create or update; id defaults to edge_id(kind, source, target, ref).")
class RelationshipInput:
    kind: RelationshipKind
    source_id: str
    target_id: str
    id: strawberry.ID | None = None
    ref: str | None = None
    props: JSON | None = None


@strawberry.input(description="An interaction to record; involves edges go to partyId (and counterpartyId).")
class InteractionInput:
    kind: InteractionKind
    date: str
    party_id: str
    id: strawberry.ID | None = None
    counterparty_id: str | None = None
    relationship_id: str | None = None
    channel: str | None = None
    name: str | None = None
    note: str | None = None


@strawberry.input(description="A signal to record; concerns edges go to partyId (and counterpartyId).")
class SignalInput:
    kind: SignalKind
    date: str
    party_id: str
    id: strawberry.ID | None = None
    counterparty_id: str | None = None
    relationship_id: str | None = None
    value: float | None = None
    severity: float | None = None
    note: str | None = None
