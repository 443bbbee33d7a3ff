"""GraphQL enums generated from the declared domain (``src/stakegraph/domain.py``), never re-listed by hand."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from stakegraph.domain import (
    CONTRACT_TYPES,
    INTERACTION_KINDS,
    NODE_TYPES,
    ORG_TYPES,
    RELATIONSHIP_KINDS,
    SIGNAL_KINDS,
    Direction,
)


def _enum(name: str, values: tuple[str, ...] | list[str], doc: str) -> Any:
    """A strawberry enum whose GraphQL names are the upper-cased domain names, values the domain names."""
    py = Enum(name, {v.upper(): v for v in values}, type=str)  # type: ignore[misc]
    return strawberry.enum(py, description=doc)


if TYPE_CHECKING:  # mypy sees plain enums; at run time they are generated from the domain
    class NodeTypeEnum(Enum): ...
    class PartyKind(Enum): ...
    class ContractKind(Enum): ...
    class InteractionKind(Enum): ...
    class SignalKind(Enum): ...
    class RelationshipKind(Enum): ...
    class DirectionEnum(Enum): ...
else:
    NodeTypeEnum = _enum("NodeType", list(NODE_TYPES), "Node types of the domain (src/stakegraph/domain.py NODE_TYPES).")
    PartyKind = _enum("PartyKind", ORG_TYPES, "Organisation types of a party (src/stakegraph/domain.py ORG_TYPES).")
    ContractKind = _enum("ContractKind", CONTRACT_TYPES, "Contract types (src/stakegraph/domain.py CONTRACT_TYPES).")
    InteractionKind = _enum("InteractionKind", INTERACTION_KINDS, "Interaction kinds (src/stakegraph/domain.py).")
    SignalKind = _enum("SignalKind", SIGNAL_KINDS, "Early-warning signal kinds (src/stakegraph/domain.py).")
    RelationshipKind = _enum(
        "RelationshipKind", list(RELATIONSHIP_KINDS), "Relationship kinds (src/stakegraph/domain.py RELATIONSHIP_KINDS)."
    )
    DirectionEnum = _enum(
        "Direction", [d.value for d in Direction], "OUT: the node is the source; IN: the target; BOTH: either."
    )


@strawberry.enum(description="Sort order of a list.")
class SortField(Enum):
    NAME = "name"
    AMOUNT = "amount"
    RELATIONSHIPS = "relationships"
    EXPOSURE = "exposure"


def value(member: Any) -> str | None:
    """The domain string of an enum member (or ``None``)."""
    if member is None:
        return None
    return str(member.value if isinstance(member, Enum) else member)
