"""Coerce raw values (text from files, JSON from the API) to the domain's property types.

Every failure is a :class:`stakegraph.errors.ValidationError` whose message names the
property, the value and the fix. Loaders add the file, row and column.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from stakegraph.domain import DOMAIN, PROVENANCE, Domain, NodeType, Prop, PropType, RelKind
from stakegraph.errors import DomainError, ValidationError

_TRUE = {"true", "yes", "y", "1", "t", "是"}
_FALSE = {"false", "no", "n", "0", "f", "否"}
_NUM_CLEAN = re.compile(r"[,\s_]")
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2150, 12, 31)
#: Largest magnitude of any decimal property (money in any currency, capacities, undeclared numbers):
#: sums of many such values stay far from the float limit, so views and analytics never meet infinity.
MAX_ABS_NUMBER = 1e15
#: Whole numbers must fit a signed 64-bit integer (what Neo4j and SQLite store).
MAX_INT = 2**63 - 1
_SHOW = 60


def _show(value: object) -> str:
    """``repr(value)`` cut to a readable length (a 5,000-digit number is not echoed whole)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**_SHOW:
        return f"<a {value.bit_length()}-bit integer>"
    text = repr(value)
    return text if len(text) <= _SHOW else text[: _SHOW - 1] + "…"


def check_number(name: str, value: object) -> None:
    """Refuse a non-finite or out-of-range number (``bool`` and non-numbers pass).

    >>> try:
    ...     check_number("x", 2**70)
    ... except ValidationError as e:
    ...     print(e.reason)
    x: 1180591620717411303424 is outside the 64-bit integer range
    """
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            raise ValidationError(f"{name}: {_show(value)} is outside the 64-bit integer range", field=name,
                                  value=None, fix=f"use a whole number between -{MAX_INT} and {MAX_INT}")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{name}: {value!r} is not a finite number", field=name, value=None,
                                  fix="write a finite number, or leave the value empty")
        if abs(value) > MAX_ABS_NUMBER:
            raise ValidationError(f"{name}: {value:g} is beyond the bound of ±{MAX_ABS_NUMBER:g}", field=name,
                                  value=None, fix=f"use a value between -{MAX_ABS_NUMBER:g} and {MAX_ABS_NUMBER:g} "
                                  "(scale it, e.g. millions)")


def is_blank(value: object) -> bool:
    """True for None, NaN and empty or whitespace-only text."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def coerce(prop: Prop, value: object) -> Any:
    """Return ``value`` as ``prop``'s type, or ``None`` when blank.

    >>> from stakegraph.domain import Prop, PropType
    >>> coerce(Prop("amount", PropType.FLOAT, minimum=0), "1,500,000")
    1500000.0
    """
    if is_blank(value):
        if prop.required:
            raise ValidationError(f"{prop.name} is required", field=prop.name, value=value,
                                  fix=f"fill in {prop.name}")
        return None
    t = prop.type
    try:
        if t is PropType.STR:
            out: Any = str(value).strip()
        elif t is PropType.FLOAT:
            out = _to_float(value)
        elif t is PropType.INT:
            out = _to_int(value)
        elif t is PropType.BOOL:
            out = _to_bool(value)
        elif t is PropType.DATE:
            out = _to_date(value)
        elif t is PropType.LIST:
            out = _to_list(value)
        else:  # pragma: no cover - closed enum
            raise DomainError(f"unknown property type {t}")
    except (ValueError, TypeError, OverflowError) as e:
        raise ValidationError(
            f"{prop.name}: {_show(value)} is not a valid {t.value}", field=prop.name, value=value,
            fix=_FIX[t],
        ) from e
    check_number(prop.name, out)
    if prop.choices is not None and out not in prop.choices:
        raise ValidationError(
            f"{prop.name}: {value!r} is not one of {', '.join(prop.choices)}",
            field=prop.name, value=value, fix=f"use one of {', '.join(prop.choices)}",
        )
    if isinstance(out, float | int) and not isinstance(out, bool):
        if prop.minimum is not None and out < prop.minimum:
            raise ValidationError(f"{prop.name}: {out} is below {prop.minimum:g}", field=prop.name,
                                  value=value, fix=f"use a value ≥ {prop.minimum:g}")
        if prop.maximum is not None and out > prop.maximum:
            raise ValidationError(f"{prop.name}: {out} is above {prop.maximum:g}", field=prop.name,
                                  value=value, fix=f"use a value ≤ {prop.maximum:g}")
    return out


_FIX = {
    PropType.STR: "use text",
    PropType.FLOAT: "write a plain number such as 1500000 or 12.5 (no currency sign)",
    PropType.INT: "write a whole number",
    PropType.BOOL: "write true or false",
    PropType.DATE: f"write an ISO date yyyy-mm-dd between {MIN_DATE} and {MAX_DATE}",
    PropType.LIST: "write items separated by ';' or a JSON array of text",
}


def _to_float(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError("bool is not a number")
    if isinstance(value, int | float):
        f = float(value)
    else:
        text = _NUM_CLEAN.sub("", str(value))
        if text.endswith("%"):
            text = text[:-1]
        f = float(text)
    if math.isnan(f) or math.isinf(f):
        raise ValueError("not finite")
    return f


def _to_int(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _NUM_CLEAN.sub("", str(value)) if isinstance(value, str) else ""
    if text and len(text) <= 40 and text.lstrip("+-").isdigit():
        return int(text)  # exact (no float rounding); longer digit runs fail the range check below
    f = _to_float(value)
    if not f.is_integer():
        raise ValueError("not a whole number")
    return int(f)


def _to_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(text)


def _to_date(value: object) -> str:
    if isinstance(value, dt.datetime):
        d = value.date()
    elif isinstance(value, dt.date):
        d = value
    else:
        text = str(value).strip()
        text = text.replace("/", "-").replace(".", "-")
        if "T" in text:
            text = text.split("T", 1)[0]
        elif " " in text:
            text = text.split(" ", 1)[0]
        d = dt.date.fromisoformat(text)
    if not MIN_DATE <= d <= MAX_DATE:
        raise ValueError(f"date {d} out of range")
    return d.isoformat()


def _to_list(value: object) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if not is_blank(v)]
    text = str(value).strip()
    if text.startswith("["):
        data = json.loads(text)
        if not isinstance(data, list):
            raise ValueError("not a list")
        return [str(v).strip() for v in data if not is_blank(v)]
    return [part.strip() for part in text.split(";") if part.strip()]


def node_type(name: str, domain: Domain = DOMAIN) -> NodeType:
    """The node type called ``name``, or a :class:`DomainError` listing the valid ones."""
    try:
        return domain.node_types[name]
    except KeyError:
        raise DomainError(
            f"unknown node type {name!r}; use one of {', '.join(domain.node_types)}"
        ) from None


def rel_kind(name: str, domain: Domain = DOMAIN) -> RelKind:
    """The relationship kind called ``name``, or a :class:`DomainError` listing the valid ones."""
    try:
        return domain.rel_kinds[name]
    except KeyError:
        raise DomainError(
            f"unknown relationship kind {name!r}; use one of {', '.join(domain.rel_kinds)}"
        ) from None


def node_props(ntype: NodeType, raw: Mapping[str, Any], *, keep_unknown: bool = True) -> dict[str, Any]:
    """Coerce a node's raw properties; ``kind`` is checked against the type's kinds.

    Unknown properties are kept as text (``keep_unknown``) or refused.
    """
    out: dict[str, Any] = {}
    known = {p.name: p for p in ntype.props + PROVENANCE}
    for key, value in raw.items():
        if key in ("id", "type"):
            continue
        if key == "kind":
            if is_blank(value):
                continue
            kind = str(value).strip()
            if kind not in ntype.kinds:
                raise ValidationError(
                    f"kind: {kind!r} is not a {ntype.name} kind", field="kind", value=value,
                    fix=f"use one of {', '.join(ntype.kinds)}",
                )
            out["kind"] = kind
            continue
        prop = known.get(key)
        if prop is None:
            if not keep_unknown:
                raise ValidationError(f"{key} is not a {ntype.name} property", field=key, value=value,
                                      fix=f"use one of {', '.join(known)}")
            if not is_blank(value):
                check_number(key, value)
                out[key] = value if isinstance(value, int | float | bool) else str(value)
            continue
        v = coerce(prop, value)
        if v is not None:
            out[key] = v
    for prop in ntype.props:
        if prop.required and prop.name not in out:
            raise ValidationError(f"{prop.name} is required", field=prop.name, fix=f"fill in {prop.name}")
    if "kind" not in out and ntype.default_kind:
        out["kind"] = ntype.default_kind
    return out


def edge_props(kind: RelKind, raw: Mapping[str, Any], *, keep_unknown: bool = True) -> dict[str, Any]:
    """Coerce an edge's raw properties against its kind's declared properties."""
    out: dict[str, Any] = {}
    known = {p.name: p for p in kind.all_props}
    for key, value in raw.items():
        if key in ("id", "kind", "source", "target"):
            continue
        prop = known.get(key)
        if prop is None:
            if not keep_unknown:
                raise ValidationError(f"{key} is not a {kind.name} property", field=key, value=value,
                                      fix=f"use one of {', '.join(known)}")
            if not is_blank(value):
                check_number(key, value)
                out[key] = value if isinstance(value, int | float | bool) else str(value)
            continue
        v = coerce(prop, value)
        if v is not None:
            out[key] = v
    return out
