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


@strawberry.input(description="A range over a declared numeric property (either bound may be left open).")
class RangeInput:
    property: str = strawberry.field(description="A numeric property the domain declares, e.g. total_assets.")
    min: float | None = strawberry.field(default=None, description="Value ≥ this.")
    max: float | None = strawberry.field(default=None, description="Value ≤ this.")


@strawberry.input(description="A range over a declared date property (ISO dates yyyy-mm-dd, both ends included).")
class DateRangeInput:
    property: str = strawberry.field(description="A date property the domain declares, e.g. start_date.")
    from_: str | None = strawberry.field(default=None, name="from", description="Date ≥ this (yyyy-mm-dd).")
    to: str | None = strawberry.field(default=None, description="Date ≤ this (yyyy-mm-dd).")


@strawberry.input(
    description="A condition on an extra property (a column a mapping kept with extra:, outside the domain): "
    "equals, and for a numeric extra min/max. Only properties the stored data holds are accepted."
)
class ExtraFilterInput:
    property: str = strawberry.field(description="The extra property, e.g. fossil_score.")
    equals: str | None = strawberry.field(
        default=None,
        description="Equal to this, read as the property's type: a number (3 equals 3.0), true/false, or exact text.",
    )
    min: float | None = strawberry.field(default=None, description="Value ≥ this (numeric extras only).")
    max: float | None = strawberry.field(default=None, description="Value ≤ this (numeric extras only).")


@strawberry.input(description="Filters on nodes; every given filter must match (the store does the filtering).")
class NodeFilter:
    country: str | None = strawberry.field(default=None, description="Country, case-insensitive (cn finds CN).")
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of name, English name or id (any script, e.g. 银行)."
    )
    amount_min: float | None = strawberry.field(
        default=None,
        description="The type's amount ≥ this: party total_assets, project total_cost, contract amount, signal "
        "value (needs a typed list).",
    )
    amount_max: float | None = strawberry.field(default=None, description="The type's amount ≤ this.")
    status: str | None = strawberry.field(default=None, description="Status, case-insensitive.")
    date_from: str | None = strawberry.field(
        default=None,
        description="The type's date ≥ this (yyyy-mm-dd): project start_date, contract signed_date, event date.",
    )
    date_to: str | None = strawberry.field(default=None, description="The type's date ≤ this (yyyy-mm-dd).")
    ranges: list[RangeInput] | None = strawberry.field(
        default=None, description="Ranges over declared numeric properties; all must hold."
    )
    date_ranges: list[DateRangeInput] | None = strawberry.field(
        default=None, description="Ranges over declared date properties; all must hold."
    )
    extras: list[ExtraFilterInput] | None = strawberry.field(
        default=None, description="Conditions on extra properties (mapping extra: columns); all must hold (at most 16)."
    )


@strawberry.input(description="Filters on relationships; every given filter must match (the store does the filtering).")
class RelationshipFilter:
    kinds: list[RelationshipKind] | None = strawberry.field(default=None, description="Any of these kinds.")
    status: str | None = strawberry.field(default=None, description="Status, case-insensitive.")
    currency: str | None = strawberry.field(default=None, description="Currency, case-insensitive.")
    amount_min: float | None = strawberry.field(default=None, description="amount ≥ this.")
    amount_max: float | None = strawberry.field(default=None, description="amount ≤ this.")
    date_from: str | None = strawberry.field(default=None, description="start_date ≥ this (yyyy-mm-dd).")
    date_to: str | None = strawberry.field(default=None, description="start_date ≤ this (yyyy-mm-dd).")
    active_from: str | None = strawberry.field(
        default=None,
        description="Active on or after this date: end_date missing or ≥ it (yyyy-mm-dd). With activeTo: the "
        "active period overlaps.",
    )
    active_to: str | None = strawberry.field(
        default=None, description="Active on or before this date: start_date missing or ≤ it (yyyy-mm-dd)."
    )
    source_id: str | None = strawberry.field(default=None, description="The source node's id.")
    target_id: str | None = strawberry.field(default=None, description="The target node's id.")
    node_id: str | None = strawberry.field(default=None, description="A node at either end.")
    ranges: list[RangeInput] | None = strawberry.field(
        default=None, description="Ranges over declared numeric properties (amount, share_pct, …); all must hold."
    )
    date_ranges: list[DateRangeInput] | None = strawberry.field(
        default=None, description="Ranges over declared date properties (start_date, end_date); all must hold."
    )
    extras: list[ExtraFilterInput] | None = strawberry.field(
        default=None, description="Conditions on extra properties (mapping extra: columns); all must hold (at most 16)."
    )


@strawberry.input(description="Sort order; ties are broken by id, records without the value come last.")
class Sort:
    field: SortField = strawberry.field(
        default=SortField.NAME,
        description="NAME (relationships: id), AMOUNT (the type's amount), RELATIONSHIPS or EXPOSURE (nodes).",
    )
    descending: bool = False
    property: str | None = strawberry.field(
        default=None, description="Sort by this declared property instead of field (an undeclared one is refused)."
    )


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
