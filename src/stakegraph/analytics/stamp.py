"""The stamp every analytics result carries: how it was computed and on which graph."""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx


@dataclass(frozen=True)
class Stamp:
    """Algorithm, variant, parameters, graph version and the reference it follows.

    >>> Stamp("hhi", "shares in percent", {"kinds": ["buys_from"]}, "embedded:3", "DOJ/FTC 2023").algorithm
    'hhi'
    """

    algorithm: str
    variant: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    graph_version: str = ""
    reference: str = ""


def graph_version(G: nx.Graph) -> str:
    """The version token the store put on the projection (empty for hand-built graphs)."""
    return str(G.graph.get("version", ""))


def to_jsonable(obj: Any) -> Any:
    """Turn analytics results (frozen dataclasses, enums, tuples, NaN) into JSON-ready values.

    >>> to_jsonable(Stamp("a", "b"))["algorithm"]
    'a'
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, set | frozenset) or (  # any other sequence too, e.g. HealthRows
            isinstance(obj, Sequence) and not isinstance(obj, str | bytes | bytearray)):
        items = [to_jsonable(v) for v in obj]
        return sorted(items, key=str) if isinstance(obj, set | frozenset) else items
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return obj.item()
    return obj
