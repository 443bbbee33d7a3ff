"""Values the API filters and sorts by: a node's amount, date, status, exposure, relationship count.

Definitions (documented in docs/api.md):

* amount — contract ``amount``; project ``total_cost``; party ``total_assets``;
  signal ``value``; relationship ``amount``.
* date — ``date`` (events), ``signed_date`` (contracts), ``start_date`` (projects, relationships).
* exposure — :func:`stakegraph.measures.exposure` (financing exposure; one definition everywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stakegraph.measures import exposure
from stakegraph.measures import number as as_float

__all__ = ["as_float", "exposure", "in_range", "node_amount", "node_date"]

_AMOUNT_PROP = {"contract": "amount", "project": "total_cost", "party": "total_assets", "signal": "value"}
_DATE_PROPS = ("date", "signed_date", "start_date")




def node_amount(node_type: str, props: Mapping[str, Any]) -> float | None:
    prop = _AMOUNT_PROP.get(node_type)
    return as_float(props.get(prop)) if prop else None


def node_date(props: Mapping[str, Any]) -> str | None:
    for p in _DATE_PROPS:
        if props.get(p):
            return str(props[p])
    return None




def in_range(v: float | str | None, lo: float | str | None, hi: float | str | None) -> bool:
    """True when ``lo ≤ v ≤ hi`` (missing bounds are open; a missing value fails any bound)."""
    if lo is None and hi is None:
        return True
    if v is None:
        return False
    if lo is not None and v < lo:  # type: ignore[operator]
        return False
    return not (hi is not None and v > hi)  # type: ignore[operator]
