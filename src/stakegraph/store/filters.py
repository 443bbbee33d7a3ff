"""What a store can be asked for a list: node and edge filters, sort keys, and their checks.

Every backend calls :func:`check_node_query` / :func:`check_edge_query` first, so both refuse
the same requests with the same :class:`stakegraph.errors.Invalid` (naming what is valid),
before any query runs. Property names come only from :mod:`stakegraph.domain`; a range is
only over a declared numeric property, a date range only over a declared date property.

Matching rules (the same on every backend):

* ``country``, ``status`` and ``currency`` match case-insensitively (``"cn"`` finds ``"CN"``).
* a range ``(prop, lo, hi)`` keeps records whose ``prop`` is a number with ``lo ≤ value ≤ hi``
  (``None`` bound = open); a record without the property never matches a range.
* a date range compares ISO dates (``yyyy-mm-dd``), both ends inclusive.
* an edge's active period ``start_date … end_date`` overlaps ``active_from … active_to``; a
  missing ``start_date`` means "since always", a missing ``end_date`` "still active".
* sorting puts records without the sort property last (either direction), ties by id.

>>> check_node_query(NodeFilter(type="project", prop_ranges=(("total_cost", 1e6, None),)),
...                  Sort("start_date", descending=True)).type
'project'
>>> check_node_query(NodeFilter(type="project"), Sort("colour"))  # doctest: +ELLIPSIS
Traceback (most recent call last):
stakegraph.errors.Invalid: cannot sort project by 'colour'...
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from stakegraph.domain import DOMAIN, FINANCING_KINDS, PROVENANCE, Domain, Prop, PropType
from stakegraph.errors import Invalid, TypeConflict

__all__ = [
    "NodeFilter", "EdgeFilter", "Sort", "Range", "DateRange", "NODE_DERIVED_SORTS", "EXPOSURE_KINDS",
    "check_node_query", "check_edge_query", "node_sort_keys", "edge_sort_keys", "type_conflict",
]

Range = tuple[str, float | None, float | None]
DateRange = tuple[str, str | None, str | None]

#: Node sort keys that are not properties: edges touching the node (a self-loop once) and
#: ``exposure`` — :func:`stakegraph.measures.exposure` computed in the store: ``amount``
#: (``guarantee_cap`` for guarantees) over the *active* financing relationships touching it.
NODE_DERIVED_SORTS: tuple[str, ...] = ("relationships", "exposure")
EXPOSURE_KINDS: tuple[str, ...] = FINANCING_KINDS
_NUMERIC = (PropType.FLOAT, PropType.INT)


@dataclass(frozen=True)
class Sort:
    """Sort by ``key`` (a declared property, ``id``, ``name`` or a derived key), ties by id."""

    key: str = "name"
    descending: bool = False


@dataclass(frozen=True)
class NodeFilter:
    """Filters for :meth:`GraphStore.find_nodes`; ``None`` / empty means "any".

    ``text`` matches names case-insensitively as a substring (any script, e.g. 银行).
    ``prop_ranges`` holds ``(property, lo, hi)`` over declared numeric properties and
    ``date_ranges`` ``(property, from, to)`` over declared date properties.
    """

    type: str | None = None
    kind: str | None = None
    country: str | None = None
    text: str | None = None
    ids: tuple[str, ...] | None = None
    status: str | None = None
    prop_ranges: tuple[Range, ...] = ()
    date_ranges: tuple[DateRange, ...] = ()


@dataclass(frozen=True)
class EdgeFilter:
    """Filters for :meth:`GraphStore.find_edges`; ``None`` / empty means "any".

    ``node`` keeps edges with that node at either end; ``sources`` / ``targets`` restrict
    each end. ``active_from`` / ``active_to`` keep edges whose active period overlaps.
    """

    kinds: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    targets: tuple[str, ...] | None = None
    node: str | None = None
    status: str | None = None
    currency: str | None = None
    prop_ranges: tuple[Range, ...] = ()
    date_ranges: tuple[DateRange, ...] = ()
    active_from: str | None = None
    active_to: str | None = None


def _node_props(node_type: str | None, domain: Domain) -> dict[str, Prop]:
    known = node_type is not None and node_type in domain.node_types
    types = [domain.node_types[node_type]] if known and node_type is not None else list(domain.node_types.values())
    out: dict[str, Prop] = {}
    for t in types:
        for p in (*t.props, *PROVENANCE):
            out.setdefault(p.name, p)
    return out


def _edge_props(kinds: Iterable[str] | None, domain: Domain) -> dict[str, Prop]:
    names = list(kinds) if kinds is not None else list(domain.rel_kinds)
    out: dict[str, Prop] = {}
    for k in names:
        for p in domain.rel_kinds[k].all_props:
            out.setdefault(p.name, p)
    return out


def node_sort_keys(node_type: str | None = None, domain: Domain = DOMAIN) -> tuple[str, ...]:
    """Every key :meth:`GraphStore.find_nodes` can sort ``node_type`` (or any node) by."""
    props = [p.name for p in _node_props(node_type, domain).values() if p.type is not PropType.LIST]
    return tuple(dict.fromkeys(("name", "id", "kind", *NODE_DERIVED_SORTS, *sorted(props))))


def edge_sort_keys(kinds: Iterable[str] | None = None, domain: Domain = DOMAIN) -> tuple[str, ...]:
    """Every key :meth:`GraphStore.find_edges` can sort edges of ``kinds`` (or any) by."""
    props = [p.name for p in _edge_props(kinds, domain).values() if p.type is not PropType.LIST]
    return tuple(dict.fromkeys(("id", "kind", "source", "target", *sorted(props))))


def _what(node_type: str | None) -> str:
    return node_type if node_type else "nodes"


def _iso(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise Invalid(
            f"{name}: {value!r} is not a date", fix="write an ISO date yyyy-mm-dd, e.g. 2024-03-31"
        ) from None


def _ranges(ranges: Iterable[Range], props: dict[str, Prop], what: str) -> tuple[Range, ...]:
    numeric = sorted(n for n, p in props.items() if p.type in _NUMERIC)
    out = []
    for prop, lo, hi in ranges:
        if prop not in numeric:
            raise Invalid(f"{what} have no numeric property {prop!r} to filter a range on",
                          fix=f"use one of {', '.join(numeric)}")
        for b in (lo, hi):
            if b is not None and (isinstance(b, bool) or not isinstance(b, (int, float)) or not math.isfinite(b)):
                raise Invalid(f"range bound {b!r} for {prop!r} is not a finite number", fix="give a finite number")
        if lo is not None and hi is not None and lo > hi:
            raise Invalid(f"range for {prop!r}: minimum {lo} is above maximum {hi}", fix="swap the bounds")
        out.append((prop, None if lo is None else float(lo), None if hi is None else float(hi)))
    return tuple(out)


def _dates(ranges: Iterable[DateRange], props: dict[str, Prop], what: str) -> tuple[DateRange, ...]:
    dates = sorted(n for n, p in props.items() if p.type is PropType.DATE)
    out = []
    for prop, lo, hi in ranges:
        if prop not in dates:
            raise Invalid(f"{what} have no date property {prop!r} to filter dates on",
                          fix=f"use one of {', '.join(dates) or '(none)'}")
        a, b = _iso(lo, f"{prop} from"), _iso(hi, f"{prop} to")
        if a is not None and b is not None and a > b:
            raise Invalid(f"date range for {prop!r}: {a} is after {b}", fix="swap the dates")
        out.append((prop, a, b))
    return tuple(out)


def _sort(sort: Sort | None, valid: tuple[str, ...], what: str) -> None:
    if sort is not None and sort.key not in valid:
        raise Invalid(f"cannot sort {what} by {sort.key!r}", fix=f"sort by one of {', '.join(valid)}")


def _lower(text: str | None) -> str | None:
    return None if text is None else text.strip().lower()


def check_node_query(flt: NodeFilter, sort: Sort | None = None, domain: Domain = DOMAIN) -> NodeFilter:
    """``flt`` normalised (dates ISO, country/status lower-case), or :class:`Invalid` naming the fix."""
    props = _node_props(flt.type, domain)
    what = _what(flt.type)
    _sort(sort, node_sort_keys(flt.type, domain), what)
    return replace(
        flt, country=_lower(flt.country), status=_lower(flt.status),
        prop_ranges=_ranges(flt.prop_ranges, props, what), date_ranges=_dates(flt.date_ranges, props, what),
    )


def check_edge_query(flt: EdgeFilter, sort: Sort | None = None, domain: Domain = DOMAIN) -> EdgeFilter:
    """``flt`` normalised (kinds checked, dates ISO, status/currency lower-case), or :class:`Invalid`."""
    if flt.kinds is not None:
        bad = [k for k in flt.kinds if k not in domain.rel_kinds]
        if bad:
            raise Invalid(f"relationship kind(s) {', '.join(map(repr, bad))} are not in the domain",
                          fix=f"use one of {', '.join(domain.rel_kinds)}")
    props = _edge_props(flt.kinds, domain)
    what = "relationships" if flt.kinds is None else "/".join(flt.kinds) + " relationships"
    _sort(sort, edge_sort_keys(flt.kinds, domain), what)
    a, b = _iso(flt.active_from, "active_from"), _iso(flt.active_to, "active_to")
    if a is not None and b is not None and a > b:
        raise Invalid(f"active period: {a} is after {b}", fix="swap the dates")
    return replace(
        flt, kinds=None if flt.kinds is None else tuple(dict.fromkeys(flt.kinds)), status=_lower(flt.status),
        currency=_lower(flt.currency), prop_ranges=_ranges(flt.prop_ranges, props, what),
        date_ranges=_dates(flt.date_ranges, props, what), active_from=a, active_to=b,
    )


def type_conflict(node_id: str, existing: str, new: str) -> TypeConflict:
    """The error a store raises instead of changing a node's type (``details``: id, existing, new)."""
    return TypeConflict(
        f"node {node_id!r} is already a {existing}; writing it as a {new} would change its type, "
        "so nothing of this batch was written",
        fix=f"give the {new} another id, or delete the {existing} {node_id!r} first if it really is a {new}",
        id=node_id, existing=existing, new=new,
    )
