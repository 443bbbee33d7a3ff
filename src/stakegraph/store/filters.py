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
* ``extra_equals`` / ``extra_ranges`` filter on properties outside the domain that the data
  carries (a mapping's ``extra:`` columns): the name must be one of the store's
  :func:`extra_types` (never interpolated into a query), equality is typed by the stored values
  (a number equals 3 or 3.0, a bool true/false, text exactly), ranges only over numeric extras;
  at most :data:`MAX_EXTRA_FILTERS` conditions.

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
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from stakegraph.domain import DOMAIN, FINANCING_KINDS, PROVENANCE, Domain, Prop, PropType
from stakegraph.errors import Invalid, TypeConflict

__all__ = [
    "NodeFilter", "EdgeFilter", "Sort", "Range", "DateRange", "NODE_DERIVED_SORTS", "EXPOSURE_KINDS",
    "check_node_query", "check_edge_query", "node_sort_keys", "edge_sort_keys", "type_conflict",
    "ExtraEquals", "MAX_EXTRA_FILTERS", "MAX_EXTRA_TEXT", "extra_types", "domain_prop_names",
]

Range = tuple[str, float | None, float | None]
DateRange = tuple[str, str | None, str | None]
#: ``(property, value)``: an extra property equal to ``value`` (text as given; typed by the check)
ExtraEquals = tuple[str, str | float | int | bool]
#: At most this many extra-property conditions per query (bounds checked before any query runs).
MAX_EXTRA_FILTERS = 16
#: The longest text an extra equality may compare with.
MAX_EXTRA_TEXT = 1000
_EXTRA_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

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
    extra_equals: tuple[ExtraEquals, ...] = ()
    extra_ranges: tuple[Range, ...] = ()


@dataclass(frozen=True)
class EdgeFilter:
    """Filters for :meth:`GraphStore.find_edges`; ``None`` / empty means "any".

    ``node`` keeps edges with that node at either end; ``sources`` / ``targets`` restrict
    each end. ``active_from`` / ``active_to`` keep edges whose active period overlaps.
    ``extra_equals`` / ``extra_ranges`` as for :class:`NodeFilter`.
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
    extra_equals: tuple[ExtraEquals, ...] = ()
    extra_ranges: tuple[Range, ...] = ()


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


Extras = Mapping[str, PropType] | Callable[[], Mapping[str, PropType]] | None


def domain_prop_names(domain: Domain = DOMAIN) -> frozenset[str]:
    """Every property name the domain declares (any type or kind), provenance and the record keys."""
    names = {p.name for t in domain.node_types.values() for p in t.props}
    names |= {p.name for k in domain.rel_kinds.values() for p in k.all_props}
    return frozenset(names | {p.name for p in PROVENANCE} | {"id", "type", "kind", "name", "source", "target"})


def extra_types(seen: Iterable[tuple[str, str]], domain: Domain = DOMAIN) -> dict[str, PropType]:
    """The extra properties and their types from ``(name, value type)`` pairs a store found.

    Value types are JSON's: ``integer``, ``real``, ``true``, ``false``, ``text`` (others, e.g.
    ``null`` or ``array``, are ignored). Names the domain declares, and names that are not
    ``[a-z][a-z0-9_]*``, are left out. A name whose values are all integers is ``INT``, all
    numbers ``FLOAT``, all booleans ``BOOL``, otherwise ``STR``.

    >>> extra_types([("fossil_score", "integer"), ("fossil_score", "real"), ("listed", "true"),
    ...              ("name", "text"), ("esg", "text"), ("esg", "integer")])
    {'esg': <PropType.STR: 'str'>, 'fossil_score': <PropType.FLOAT: 'float'>, 'listed': <PropType.BOOL: 'bool'>}
    """
    declared = domain_prop_names(domain)
    found: dict[str, set[str]] = {}
    for name, vtype in seen:
        if name in declared or not _EXTRA_NAME.match(name):
            continue
        kind = {"integer": "int", "real": "float", "true": "bool", "false": "bool", "text": "str"}.get(vtype)
        if kind is not None:
            found.setdefault(name, set()).add(kind)
    out: dict[str, PropType] = {}
    for name in sorted(found):
        kinds = found[name]
        out[name] = (PropType.INT if kinds == {"int"} else PropType.FLOAT if kinds <= {"int", "float"}
                     else PropType.BOOL if kinds == {"bool"} else PropType.STR)
    return out


def _typed(prop: str, ptype: PropType, value: object) -> str | float | int | bool:
    text = str(value).strip()
    if ptype in _NUMERIC:
        try:
            num = float(text) if not isinstance(value, (int, float)) or isinstance(value, bool) else float(value)
        except ValueError:
            num = math.nan
        if not math.isfinite(num):
            raise Invalid(f"extra property {prop!r} holds numbers; {value!r} is not a finite number",
                          fix="give a plain number such as 12.5")
        return num
    if ptype is PropType.BOOL:
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
        raise Invalid(f"extra property {prop!r} holds true/false; {value!r} is neither", fix="give true or false")
    if len(str(value)) > MAX_EXTRA_TEXT:
        raise Invalid(f"the value for extra property {prop!r} has {len(str(value)):,} characters, more than "
                      f"{MAX_EXTRA_TEXT:,}", fix="compare with a shorter value")
    return str(value)


def _extras(equals: tuple[ExtraEquals, ...], ranges: tuple[Range, ...], extras: Extras, what: str,
            domain: Domain) -> tuple[tuple[ExtraEquals, ...], tuple[Range, ...]]:
    """Extra-property conditions checked against the declared extras (typed), or :class:`Invalid`."""
    if not equals and not ranges:
        return (), ()
    n = len(equals) + len(ranges)
    if n > MAX_EXTRA_FILTERS:
        raise Invalid(f"{n} extra-property conditions are more than the {MAX_EXTRA_FILTERS} a query may have",
                      fix=f"give at most {MAX_EXTRA_FILTERS}")
    names = [p for p, _ in equals] + [p for p, _, _ in ranges]
    declared = domain_prop_names(domain)
    for prop in names:
        if not isinstance(prop, str) or not _EXTRA_NAME.match(prop):
            raise Invalid(f"{str(prop)[:80]!r} is not a property name",
                          fix="an extra property is lower-case letters, digits and _ (e.g. fossil_score)")
        if prop in declared:
            raise Invalid(f"{prop!r} is a declared property, not an extra one",
                          fix="filter it with ranges/dateRanges or the typed filters (amountMin, status, …)")
    known = dict((extras() if callable(extras) else extras) or {})
    for prop in names:
        if prop not in known:
            raise Invalid(f"{what} have no extra property {prop!r}",
                          fix=f"use one of {', '.join(sorted(known))}" if known else
                          "keep the column with extra: in the mapping (docs/mappings.md) and load it")
    eq = tuple((p, _typed(p, known[p], v)) for p, v in equals)
    numeric = {p: t for p, t in known.items() if t in _NUMERIC}
    for prop, _, _ in ranges:
        if prop not in numeric:
            held = {PropType.BOOL: "true/false", PropType.STR: "text"}.get(known[prop], str(known[prop].value))
            raise Invalid(f"extra property {prop!r} holds {held} values; a range needs numbers",
                          fix=f"filter it by equality, or a range over one of {', '.join(sorted(numeric)) or '(none)'}")
    return eq, _ranges(ranges, {p: Prop(p, t, "") for p, t in numeric.items()}, what)


def check_node_query(flt: NodeFilter, sort: Sort | None = None, domain: Domain = DOMAIN,
                     extras: Extras = None) -> NodeFilter:
    """``flt`` normalised (dates ISO, country/status lower-case), or :class:`Invalid` naming the fix.

    ``extras``: the extra properties the store holds for ``flt.type`` (or a function computing
    them, called only when ``flt`` has extra conditions). Extra ranges are checked and moved to
    ``prop_ranges`` (a backend handles both alike); ``extra_equals`` values are typed.
    """
    props = _node_props(flt.type, domain)
    what = _what(flt.type)
    _sort(sort, node_sort_keys(flt.type, domain), what)
    eq, xr = _extras(flt.extra_equals, flt.extra_ranges, extras, what, domain)
    return replace(
        flt, country=_lower(flt.country), status=_lower(flt.status),
        prop_ranges=_ranges(flt.prop_ranges, props, what) + xr, date_ranges=_dates(flt.date_ranges, props, what),
        extra_equals=eq, extra_ranges=(),
    )


def check_edge_query(flt: EdgeFilter, sort: Sort | None = None, domain: Domain = DOMAIN,
                     extras: Extras = None) -> EdgeFilter:
    """``flt`` normalised (kinds checked, dates ISO, status/currency lower-case), or :class:`Invalid`.

    ``extras`` as for :func:`check_node_query` (the extras of edges of ``flt.kinds``).
    """
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
    eq, xr = _extras(flt.extra_equals, flt.extra_ranges, extras, what, domain)
    return replace(
        flt, kinds=None if flt.kinds is None else tuple(dict.fromkeys(flt.kinds)), status=_lower(flt.status),
        currency=_lower(flt.currency), prop_ranges=_ranges(flt.prop_ranges, props, what) + xr,
        date_ranges=_dates(flt.date_ranges, props, what), active_from=a, active_to=b,
        extra_equals=eq, extra_ranges=(),
    )


def type_conflict(node_id: str, existing: str, new: str) -> TypeConflict:
    """The error a store raises instead of changing a node's type (``details``: id, existing, new)."""
    return TypeConflict(
        f"node {node_id!r} is already a {existing}; writing it as a {new} would change its type, "
        "so nothing of this batch was written",
        fix=f"give the {new} another id, or delete the {existing} {node_id!r} first if it really is a {new}",
        id=node_id, existing=existing, new=new,
    )
