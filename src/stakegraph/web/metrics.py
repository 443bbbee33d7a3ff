"""Values the API filters and sorts by: a node's amount, date, status, exposure, relationship count.

Definitions (documented in docs/api.md):

* amount — contract ``amount``; project ``total_cost``; party ``total_assets``;
  signal ``value``; relationship ``amount``.
* date — ``date`` (events), ``signed_date`` (contracts), ``start_date`` (projects, relationships).
* exposure — sum of ``amount`` over the financing relationships (``FINANCING_KINDS``:
  lends_to, invests_in, sponsors, guarantees, insures) touching the node, either direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from stakegraph.domain import FINANCING_KINDS

_AMOUNT_PROP = {"contract": "amount", "project": "total_cost", "party": "total_assets", "signal": "value"}
_DATE_PROPS = ("date", "signed_date", "start_date")


def as_float(v: Any) -> float | None:
    """``v`` as a float, ``None`` when absent or not a number."""
    if v is None or isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def node_amount(node_type: str, props: Mapping[str, Any]) -> float | None:
    prop = _AMOUNT_PROP.get(node_type)
    return as_float(props.get(prop)) if prop else None


def node_date(props: Mapping[str, Any]) -> str | None:
    for p in _DATE_PROPS:
        if props.get(p):
            return str(props[p])
    return None


def exposure(G: nx.MultiDiGraph, node: str) -> float:
    """Total ``amount`` on financing relationships touching ``node`` (in and out)."""
    total = 0.0
    for _, _, d in G.out_edges(node, data=True):
        if d.get("kind") in FINANCING_KINDS:
            total += as_float(d.get("amount")) or 0.0
    for _, _, d in G.in_edges(node, data=True):
        if d.get("kind") in FINANCING_KINDS:
            total += as_float(d.get("amount")) or 0.0
    return total


def in_range(v: float | str | None, lo: float | str | None, hi: float | str | None) -> bool:
    """True when ``lo ≤ v ≤ hi`` (missing bounds are open; a missing value fails any bound)."""
    if lo is None and hi is None:
        return True
    if v is None:
        return False
    if lo is not None and v < lo:  # type: ignore[operator]
        return False
    return not (hi is not None and v > hi)  # type: ignore[operator]
