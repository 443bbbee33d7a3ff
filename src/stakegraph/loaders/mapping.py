"""Declarative YAML mappings: load any layout without code.

A mapping names its input files (by file-name glob, optionally a sheet), then
lists *entities*: each reads one file and makes one node type or one
relationship kind per row. Values come from a column, several columns joined,
a template, or a constant; they may be mapped (``map``, regex ``match``,
``default``), prefixed and hashed into stable ids. ``filters`` skip rows on
purpose (reported with their row numbers, never silently); ``on_duplicate``
says how rows that make the same id combine (``error``, ``first``, or ``sum``
the ``sum`` properties). The mapping is validated when read; every error names
the mapping key. See docs/mappings.md and ``src/stakegraph/loaders/mappings/worldbank.yml``.

Version 2 features (any mapping may use them): ``unmapped: keep`` (values not in ``map`` pass
through), ``match`` rules whose ``template`` uses the pattern's named groups, ``convert`` (``number``:
"1.2bn" → 1.2e9, ``percent``: "60%" → 60.0, ``year_to_date``/``year_end_date``), ``split`` (a
multi-valued cell → one record per part, the part's named groups usable as columns), ``unpivot``
(repeated columns → one record per column), ``extra`` (chosen columns kept as typed properties),
``merges_with`` (entities that make the same id on purpose). Constants are checked against the domain
when the mapping is read (one error per mistake); the rows are applied by
:mod:`stakegraph.loaders.converter`.
"""

from __future__ import annotations

import fnmatch
import re
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stakegraph.domain import DOMAIN, PROVENANCE, Prop, PropType
from stakegraph.errors import ValidationError as DomainValidationError
from stakegraph.loaders.bounds import current, setting
from stakegraph.loaders.compressed import plain_name
from stakegraph.loaders.errors import MappingError
from stakegraph.loaders.guards import check_regex, check_template, group_names, safe_yaml
from stakegraph.loaders.records import edge_decl, node_decl
from stakegraph.loaders.transforms import Conversion, extra_prop
from stakegraph.validate import coerce

_MAPPINGS = Path(__file__).parent / "mappings"
_PROVENANCE = {p.name for p in PROVENANCE}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class MatchRule(_Strict):
    """``pattern`` (a Python regular expression, searched) → ``value``, or ``template`` of its named groups."""

    pattern: str
    value: Any = None
    template: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        return check_regex(v)

    @field_validator("template")
    @classmethod
    def _safe_template(cls, v: str | None) -> str | None:
        return None if v is None else check_template(v)

    @model_validator(mode="after")
    def _one(self) -> MatchRule:
        if (self.value is None) == (self.template is None):
            raise ValueError("give exactly one of value or template")
        if self.template is not None:
            groups = group_names(self.pattern)
            unknown = [f for _, f, _, _ in string.Formatter().parse(self.template) if f and f not in groups]
            if unknown:
                raise ValueError(f"template field {{{unknown[0]}}} is not a named group of the pattern "
                                 f"(groups: {', '.join(groups) or 'none; write (?P<name>...)'})")
        return self


class ValueSpec(_Strict):
    """Where a value comes from: exactly one of ``column``, ``columns``, ``template``, ``value``."""

    column: str | None = None
    columns: list[str] | None = None
    sep: str = "|"
    template: str | None = None
    value: Any = None
    map: dict[str, Any] | None = None
    match: list[MatchRule] | None = None
    unmapped: Literal["error", "keep", "default", "blank"] | None = None
    default: Any = None
    convert: Conversion | None = None
    prefix: str = ""
    hash: bool = False

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"column": data}
        return data

    @field_validator("template")
    @classmethod
    def _safe_template(cls, v: str | None) -> str | None:
        return None if v is None else check_template(v)

    @model_validator(mode="after")
    def _one_source(self) -> ValueSpec:
        given = [k for k in ("column", "columns", "template") if getattr(self, k) is not None]
        if self.value is not None:
            given.append("value")
        if len(given) != 1:
            raise ValueError("give exactly one of column, columns, template, value"
                             + (f" (got {', '.join(given)})" if given else ""))
        if self.unmapped is not None and self.map is None and self.match is None:
            raise ValueError("unmapped says what happens to values not in map/match; give map or match too")
        if self.unmapped == "default" and self.default is None:
            raise ValueError("unmapped: default needs default")
        return self

    def needed_columns(self) -> list[str]:
        if self.column is not None:
            return [self.column]
        if self.columns is not None:
            return list(self.columns)
        if self.template is not None:
            return [f for _, f, _, _ in string.Formatter().parse(self.template) if f]
        return []


class ExtraSpec(ValueSpec):
    """A column kept as a property outside the domain, with its declared ``type``."""

    type: Literal["text", "number", "integer", "date", "bool"] = "text"


class SplitSpec(_Strict):
    """Split ``column`` on ``sep`` into parts: one record per part; ``pattern``'s named groups become columns."""

    column: str
    sep: str = ";"
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        return None if v is None else check_regex(v)

    @field_validator("sep")
    @classmethod
    def _sep(cls, v: str) -> str:
        if not v:
            raise ValueError("sep must not be empty")
        return v

    def names(self) -> list[str]:
        return [self.column] + (group_names(self.pattern) if self.pattern else [])


class UnpivotSpec(_Strict):
    """Columns whose name matches ``columns`` (whole name) → one record each; the cell is ``value``."""

    columns: str
    value: str = "value"
    keep_blank: bool = False

    @field_validator("columns")
    @classmethod
    def _compiles(cls, v: str) -> str:
        return check_regex(v)

    def names(self) -> list[str]:
        return [self.value, *group_names(self.columns)]


class FilterSpec(_Strict):
    """Keep a row only when ``column`` passes ``op``; the others are skipped and reported."""

    column: str
    op: Literal["nonblank", "nonzero", "equals", "not_equals", "in", "not_in", "matches"]
    value: Any = None
    reason: str | None = None

    @model_validator(mode="after")
    def _regex(self) -> FilterSpec:
        if self.op == "matches":
            check_regex(self.value)
        return self

    def describe(self) -> str:
        if self.reason:
            return self.reason
        return f"{self.column} fails {self.op}" + (f" {self.value!r}" if self.value is not None else "")


class FileSpec(_Strict):
    """An input file, matched by a glob on its name (``all_projects*.csv``), and a sheet for XLSX."""

    path: str
    sheet: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"path": data} if isinstance(data, str) else data


class EntitySpec(_Strict):
    """One node type or relationship kind made from each row of one file."""

    name: str
    from_: str = Field(alias="from")
    node: str | None = None
    edge: str | None = None
    id: ValueSpec | None = None
    source: ValueSpec | None = None
    target: ValueSpec | None = None
    ref: ValueSpec | None = None
    props: dict[str, ValueSpec] = Field(default_factory=dict)
    constants: dict[str, Any] = Field(default_factory=dict)
    filters: list[FilterSpec] = Field(default_factory=list)
    on_duplicate: Literal["error", "first", "sum"] = "error"
    sum: list[str] = Field(default_factory=list)
    split: SplitSpec | None = None
    unpivot: UnpivotSpec | None = None
    extra: dict[str, ExtraSpec] = Field(default_factory=dict)
    merges_with: list[str] = Field(default_factory=list)

    @field_validator("extra", mode="before")
    @classmethod
    def _extra_shorthand(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: {"column": x} if isinstance(x, str) else x for k, x in v.items()}
        return v

    def declared(self) -> dict[str, Prop]:
        """The typed properties of this entity (domain ones and ``extra``)."""
        if self.node is not None:
            base = node_decl(DOMAIN.node_types[self.node])
        else:
            base = edge_decl(DOMAIN.rel_kinds[self.edge or ""])
        return base | {k: extra_prop(k, x.type) for k, x in self.extra.items()}

    @model_validator(mode="after")
    def _shape(self) -> EntitySpec:
        prov = sorted(_PROVENANCE.intersection((*self.props, *self.constants, *self.extra)))
        if prov:
            raise ValueError(f"{', '.join(prov)} is provenance, written only by stakegraph; remove it from "
                             "props/constants")
        if (self.node is None) == (self.edge is None):
            raise ValueError("give exactly one of node (a node type) or edge (a relationship kind)")
        if self.node is not None:
            if self.node not in DOMAIN.node_types:
                raise ValueError(f"node {self.node!r} is not a node type; use one of {', '.join(DOMAIN.node_types)}")
            if self.id is None:
                raise ValueError("a node entity needs id")
            if self.source or self.target:
                raise ValueError("source/target belong to edge entities")
            ntype = DOMAIN.node_types[self.node]
            known = {p.name: p for p in ntype.props} | {"kind": None}
            for key in (*self.props, *self.constants):
                if key not in known:
                    raise ValueError(f"{key!r} is not a {self.node} property; use one of {', '.join(known)}")
            if "kind" in self.constants and self.constants["kind"] not in ntype.kinds:
                raise ValueError(f"constants.kind {self.constants['kind']!r} is not a {self.node} kind; "
                                 f"use one of {', '.join(ntype.kinds)}")
            typed = {k: p for k, p in known.items() if p is not None}
        else:
            if self.edge is None or self.edge not in DOMAIN.rel_kinds:
                raise ValueError(f"edge {self.edge!r} is not a relationship kind; use one of {', '.join(DOMAIN.rel_kinds)}")
            if self.source is None or self.target is None:
                raise ValueError("an edge entity needs source and target")
            typed = edge_decl(DOMAIN.rel_kinds[self.edge])
            for key in (*self.props, *self.constants):
                if key not in typed:
                    raise ValueError(f"{key!r} is not a {self.edge} property; use one of {', '.join(typed)}")
        for key in self.sum:
            p = typed.get(key)
            if p is None or p.type not in (PropType.FLOAT, PropType.INT):
                raise ValueError(f"sum: {key!r} is not a numeric property of this entity")
        if self.sum and self.on_duplicate != "sum":
            raise ValueError("sum is only used with on_duplicate: sum")
        if self.on_duplicate == "sum" and not self.sum:
            raise ValueError("on_duplicate: sum needs the list of properties to add (sum: [amount])")
        for key in self.extra:
            if key in typed or key in ("id", "kind", "type", "source", "target"):
                raise ValueError(f"extra.{key} is a declared property; map it under props instead")
            if not _NAME.match(key):
                raise ValueError(f"extra.{key}: a property name is lower-case letters, digits and _ "
                                 "(e.g. fossil_score)")
        return self


class Mapping(_Strict):
    """A whole mapping file."""

    version: Literal[1, 2] = 1
    name: str
    description: str = ""
    files: dict[str, FileSpec]
    entities: list[EntitySpec]

    @model_validator(mode="after")
    def _refs(self) -> Mapping:
        names: set[str] = set()
        for e in self.entities:
            if e.from_ not in self.files:
                raise ValueError(f"entity {e.name!r}: from {e.from_!r} is not one of files: {', '.join(self.files)}")
            if e.name in names:
                raise ValueError(f"entity name {e.name!r} is used twice")
            names.add(e.name)
        for e in self.entities:
            for other in e.merges_with:
                if other not in names or other == e.name:
                    raise ValueError(f"entity {e.name!r}: merges_with {other!r} is not another entity "
                                     f"(entities: {', '.join(sorted(names))})")
        return self

    def merge_pairs(self) -> set[frozenset[str]]:
        """Pairs of entities that make the same ids on purpose (``merges_with``, either way round)."""
        return {frozenset((e.name, o)) for e in self.entities for o in e.merges_with}

    def files_for(self, alias: str, candidates: Sequence[str]) -> list[str]:
        """The candidate file labels matching ``files[alias].path`` (glob on the name or relative path).

        A compressed file also matches without its extension: ``a.csv.xz`` matches ``*.csv``.
        """
        pat = self.files[alias].path
        return [c for c in candidates
                if any(fnmatch.fnmatch(x, pat) or fnmatch.fnmatch(x.rsplit("/", 1)[-1], pat) for x in (c, plain_name(c)))]


def _where(loc: tuple[Any, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            label = str(key)
            if isinstance(node, list) and key < len(node) and isinstance(node[key], dict) and "name" in node[key]:
                label = str(node[key]["name"])
            parts[-1:] = [f"{parts[-1] if parts else ''}[{label}]"]
            node = node[key] if isinstance(node, list) and key < len(node) else None
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "mapping"


def _constant_problem(ntype_kinds: tuple[str, ...] | None, what: str, prop: Prop | None, value: Any) -> str:
    """Why ``value`` cannot be property ``prop`` (or a kind), or ``""``."""
    if ntype_kinds is not None:
        if str(value).strip() not in ntype_kinds:
            return f"{value!r} is not a {what} kind; use one of {', '.join(ntype_kinds)}"
        return ""
    if prop is None:
        return ""
    try:
        coerce(prop, value)
    except DomainValidationError as e:
        return e.reason + (f"; {e.fix}" if e.fix else "")
    return ""


def constant_problems(mapping: Mapping) -> list[str]:
    """One line per constant of the mapping that its property cannot hold (checked before any row is read).

    Constants are ``constants``, ``value:`` specs, ``map`` targets, ``match`` values and ``default``s
    (not those that are converted, prefixed or hashed afterwards).
    """
    out: list[str] = []
    for e in mapping.entities:
        key = f"entities[{e.name}]"
        decl = e.declared()
        kinds = DOMAIN.node_types[e.node].kinds if e.node is not None else None
        what = e.node or e.edge or ""
        specs: dict[str, ValueSpec] = {**e.props, **e.extra}
        for name, value in e.constants.items():
            if name == "kind" and kinds is not None:
                continue  # checked by the model (constants.kind)
            why = _constant_problem(None, what, decl.get(name), value)
            if why:
                out.append(f"{key}.constants.{name}: {why}")
        for name, vs in specs.items():
            if vs.convert or vs.hash or vs.prefix:
                continue
            k = kinds if name == "kind" else None
            cands: list[tuple[str, Any]] = []
            if vs.value is not None:
                cands.append(("value", vs.value))
            cands += [(f"map[{src!r}]", v) for src, v in (vs.map or {}).items() if v is not None]
            cands += [(f"match[{i}].value", r.value) for i, r in enumerate(vs.match or []) if r.value is not None]
            if vs.default is not None:
                cands.append(("default", vs.default))
            for where, value in cands:
                why = _constant_problem(k, what, decl.get(name), value)
                if why:
                    out.append(f"{key}.props.{name}.{where}: {why}" if name in e.props
                               else f"{key}.extra.{name}.{where}: {why}")
    return out


def parse_mapping(text: str, source: str = "mapping") -> Mapping:
    """Parse and validate a mapping; errors raise :class:`MappingError` naming the key."""
    data = safe_yaml(text, source)
    if not isinstance(data, dict):
        raise MappingError(f"{source}: a mapping must be a YAML object with name, files and entities",
                           fix="start from src/stakegraph/loaders/mappings/worldbank.yml")
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as e:
        lines = []
        for err in e.errors():
            loc = tuple(x for x in err["loc"] if not str(x).startswith(("function-after", "function-before")))
            msg = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"  {_where(loc, data)}: {msg}")
        raise MappingError(f"{source}: invalid mapping:\n" + "\n".join(lines),
                           fix="correct the keys named above (docs/loading.md, 'Mappings')") from e
    problems = constant_problems(mapping)
    if problems:
        raise MappingError(f"{source}: invalid mapping:\n" + "\n".join(f"  {p}" for p in problems),
                           fix="correct the keys named above (docs/loading.md, 'Mappings')")
    return mapping


def load_mapping(path: str | Path) -> tuple[Mapping, str]:
    """Read a mapping from a file, or a shipped one by name (``worldbank``); returns it and its text."""
    p = Path(path)
    if not p.exists() and (_MAPPINGS / f"{path}.yml").exists():
        p = _MAPPINGS / f"{path}.yml"
    try:
        limit = current().max_mapping_bytes
        if p.stat().st_size > limit:
            raise MappingError(f"{path}: the mapping has {p.stat().st_size:,} bytes, more than the bound of {limit:,} "
                               f"({setting('max_mapping_bytes')})", fix="shorten the mapping")
        text = p.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise MappingError(f"cannot read mapping {path}: {e}; give a readable UTF-8 YAML file") from e
    return parse_mapping(text, str(path)), text


