"""What a row becomes: node and edge records plus the problems found, column by column.

Shared by the canonical layout (:mod:`stakegraph.loaders.canonical`) and YAML mappings
(:mod:`stakegraph.loaders.mapping`). Values are coerced with :func:`stakegraph.validate.coerce`
so the rules (numbers, dates, ranges, choices) are the domain's, declared once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stakegraph.domain import DOMAIN, PROVENANCE, NodeType, Prop, PropType, RelKind
from stakegraph.errors import ValidationError
from stakegraph.loaders.bounds import current, setting
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.validate import MAX_ABS_NUMBER, MAX_DATE, MIN_DATE, check_number, coerce, is_blank

#: Every edge property declared by any kind (to type a column that belongs to another kind).
ALL_EDGE_PROPS: dict[str, Prop] = {}
for _k in DOMAIN.rel_kinds.values():
    for _p in _k.all_props:
        ALL_EDGE_PROPS.setdefault(_p.name, _p)
PROVENANCE_NAMES = frozenset(p.name for p in PROVENANCE)
_PROVENANCE_NAMES = PROVENANCE_NAMES


@dataclass(frozen=True)
class Issue:
    """A problem in one row: the column (as written in the file), the value, why, and the fix."""

    column: str
    value: Any
    reason: str
    fix: str
    key: str = ""  # the mapping key it came from (entities[x].props.y), for mapping mistakes


@dataclass
class Item:
    """A record produced from a row; for edges, the columns the endpoints came from."""

    record: NodeRecord | EdgeRecord
    source_col: str = ""
    target_col: str = ""
    combine: str = "error"  # what duplicates of this id do: error | first | sum
    sum_props: tuple[str, ...] = ()
    origin: str = ""  # the mapping entity that made it ("" for the canonical layout)
    source_text: str = ""  # the endpoints as written in the file (before prefix/hash)
    target_text: str = ""

    @property
    def is_edge(self) -> bool:
        return isinstance(self.record, EdgeRecord)

    @property
    def type_key(self) -> str:
        r = self.record
        return r.kind if isinstance(r, EdgeRecord) else r.type


@dataclass
class Converted:
    """The outcome of one row: items, issues, or a skip reason (a mapping filter)."""

    items: list[Item] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    skip: str = ""
    type_key: str = ""


def text_id(value: Any) -> str:
    """An id as text: ``12.0`` from a spreadsheet becomes ``"12"``; whitespace is stripped."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value).strip()


def check_kind(ntype: NodeType, value: Any, column: str) -> tuple[str | None, list[Issue]]:
    """The node's ``kind`` (default when blank), or an issue listing the valid kinds."""
    if is_blank(value):
        if ntype.default_kind:
            return ntype.default_kind, []
        return None, [Issue(column, "", f"kind is required for a {ntype.name}",
                            f"use one of {', '.join(ntype.kinds)}")]
    kind = str(value).strip()
    if kind not in ntype.kinds:
        return None, [Issue(column, value, f"{kind!r} is not a {ntype.name} kind",
                            f"use one of {', '.join(ntype.kinds)}")]
    return kind, []


def check_props(
    declared: Mapping[str, Prop],
    raw: Mapping[str, tuple[Any, str]],
    *,
    fallback: Mapping[str, Prop] | None = None,
) -> tuple[dict[str, Any], list[Issue]]:
    """Coerce ``raw`` (property → (value, column)) against ``declared``; collect every issue.

    Properties not declared are typed by ``fallback`` when it knows them, else kept as text.
    """
    props: dict[str, Any] = {}
    issues: list[Issue] = []
    for name, (value, column) in raw.items():
        if name in _PROVENANCE_NAMES:
            if not is_blank(value):
                issues.append(Issue(column, value, f"{name} is provenance, written only by stakegraph",
                                    f"remove the {column} column (stakegraph records the file, row and load)"))
            continue
        prop = declared.get(name) or (fallback or {}).get(name)
        if prop is None:
            if not is_blank(value):
                try:
                    check_number(name, value)
                except ValidationError as e:
                    issues.append(Issue(column, "", e.reason, e.fix))
                    continue
                props[name] = value if isinstance(value, int | float | bool) else text_id(value)
            continue
        if prop.type is PropType.DATE and isinstance(value, int | float) and not isinstance(value, bool):
            issues.append(Issue(column, value, f"{name}: {value!r} is a number, not a date",
                                "write an ISO date yyyy-mm-dd"))
            continue
        try:
            v = coerce(prop, value)
        except ValidationError as e:
            issues.append(Issue(column, value, e.reason, e.fix))
            continue
        if v is not None:
            props[name] = v
    for prop in declared.values():
        if prop.required and prop.name not in props and not any(i.reason.startswith(prop.name) for i in issues):
            col = raw.get(prop.name, (None, prop.name))[1]
            issues.append(Issue(col, "", f"{prop.name} is required", f"fill in {prop.name}"))
    return props, issues


def node_decl(ntype: NodeType) -> dict[str, Prop]:
    return {p.name: p for p in ntype.props}


def edge_decl(kind: RelKind) -> dict[str, Prop]:
    return {p.name: p for p in kind.all_props}


def id_issues(item: Item) -> list[Issue]:
    """Issues for ids of ``item`` longer than the bound (``STAKEGRAPH_LOAD_MAX_ID_CHARS``)."""
    limit = current().max_id_chars
    rec = item.record
    ids = [("id", rec.id)]
    if isinstance(rec, EdgeRecord):
        ids += [(item.source_col or "source", rec.source), (item.target_col or "target", rec.target)]
    return [Issue(col, v[:40] + "…", f"id has {len(v):,} characters, more than the bound of {limit:,}",
                  f"use shorter ids (a hash: mapping 'hash: true'), or raise {setting('max_id_chars')}")
            for col, v in ids if len(v) > limit]


# -- the fast path of the canonical layout ---------------------------------------------------------
class NotFast(Exception):
    """A value the fast path does not decide: the row goes through :func:`check_props` (same issues)."""


def fast_coercer(prop: Prop | None) -> Callable[[str], Any]:
    """A coercion of non-blank text to ``prop``'s type that returns exactly what :func:`coerce` returns,
    or raises :class:`NotFast` whenever it is not sure the value is valid (the slow path then reports it).

    ``None`` (an undeclared column) keeps the text, stripped (as :func:`check_props` does).
    """
    if prop is None:
        return str.strip
    lo, hi, choices = prop.minimum, prop.maximum, prop.choices
    if prop.type is PropType.STR and choices is None:
        return str.strip
    if prop.type is PropType.STR:
        allowed = frozenset(choices or ())

        def choice(v: str) -> Any:
            s = v.strip()
            if s in allowed:
                return s
            raise NotFast

        return choice
    if prop.type is PropType.FLOAT and choices is None:
        def number(v: str) -> Any:
            try:
                f = float(v)  # what _to_float gives when float() reads the text as written
            except ValueError:
                raise NotFast from None
            if not -MAX_ABS_NUMBER <= f <= MAX_ABS_NUMBER or (lo is not None and f < lo) or (hi is not None and f > hi):
                raise NotFast  # (NaN fails the first comparison)
            return f

        return number
    if prop.type is PropType.DATE and choices is None:
        def date(v: str) -> Any:
            if len(v) == 10 and v[4] == "-" and v[7] == "-":
                try:
                    d = dt.date.fromisoformat(v)
                except ValueError:
                    raise NotFast from None
                if MIN_DATE <= d <= MAX_DATE:
                    return d.isoformat()
            raise NotFast

        return date

    def generic(v: str) -> Any:
        try:
            return coerce(prop, v)
        except ValidationError:
            raise NotFast from None

    return generic
