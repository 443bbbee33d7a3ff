"""Declarative YAML mappings: load any layout without code.

A mapping names its input files (by file-name glob, optionally a sheet), then
lists *entities*: each reads one file and makes one node type or one
relationship kind per row. Values come from a column, several columns joined,
a template, or a constant; they may be mapped (``map``, regex ``match``,
``default``), prefixed and hashed into stable ids. ``filters`` skip rows on
purpose (reported with their row numbers, never silently); ``on_duplicate``
says how rows that make the same id combine (``error``, ``first``, or ``sum``
the ``sum`` properties). The mapping is validated when read; every error names
the mapping key. See docs/loading.md and ``src/stakegraph/loaders/mappings/worldbank.yml``.
"""

from __future__ import annotations

import fnmatch
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stakegraph.domain import DOMAIN, PROVENANCE, PropType
from stakegraph.loaders.bounds import current, setting
from stakegraph.loaders.compressed import plain_name
from stakegraph.loaders.errors import MappingError
from stakegraph.loaders.formats import RawRow
from stakegraph.loaders.guards import check_regex, check_template, safe_yaml, search
from stakegraph.loaders.records import (
    Converted,
    Issue,
    Item,
    check_kind,
    check_props,
    edge_decl,
    node_decl,
    text_id,
)
from stakegraph.model import EdgeRecord, NodeRecord, edge_id, stable_id
from stakegraph.validate import is_blank

_MAPPINGS = Path(__file__).parent / "mappings"
_PROVENANCE = {p.name for p in PROVENANCE}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class MatchRule(_Strict):
    """``pattern`` (a Python regular expression, searched) → ``value``."""

    pattern: str
    value: Any

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, v: str) -> str:
        return check_regex(v)


class ValueSpec(_Strict):
    """Where a value comes from: exactly one of ``column``, ``columns``, ``template``, ``value``."""

    column: str | None = None
    columns: list[str] | None = None
    sep: str = "|"
    template: str | None = None
    value: Any = None
    map: dict[str, Any] | None = None
    match: list[MatchRule] | None = None
    default: Any = None
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
        return self

    def needed_columns(self) -> list[str]:
        if self.column is not None:
            return [self.column]
        if self.columns is not None:
            return list(self.columns)
        if self.template is not None:
            return [f for _, f, _, _ in string.Formatter().parse(self.template) if f]
        return []


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

    @model_validator(mode="after")
    def _shape(self) -> EntitySpec:
        prov = sorted(_PROVENANCE.intersection((*self.props, *self.constants)))
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
        return self


class Mapping(_Strict):
    """A whole mapping file."""

    version: Literal[1] = 1
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
        return self

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


def parse_mapping(text: str, source: str = "mapping") -> Mapping:
    """Parse and validate a mapping; errors raise :class:`MappingError` naming the key."""
    data = safe_yaml(text, source)
    if not isinstance(data, dict):
        raise MappingError(f"{source}: a mapping must be a YAML object with name, files and entities",
                           fix="start from src/stakegraph/loaders/mappings/worldbank.yml")
    try:
        return Mapping.model_validate(data)
    except ValidationError as e:
        lines = []
        for err in e.errors():
            loc = tuple(x for x in err["loc"] if not str(x).startswith(("function-after", "function-before")))
            msg = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"  {_where(loc, data)}: {msg}")
        raise MappingError(f"{source}: invalid mapping:\n" + "\n".join(lines),
                           fix="correct the keys named above (docs/loading.md, 'Mappings')") from e


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


# -- applying an entity to rows -------------------------------------------------------
def _hash_key(text: str) -> str:
    return stable_id(" ".join(text.split()).casefold())


class EntityConverter:
    """Applies one :class:`EntitySpec` to the rows of one table (checked against its header)."""

    def __init__(self, mapping: Mapping, index: int, header: Sequence[str], file: str) -> None:
        self.spec = mapping.entities[index]
        self.key = f"entities[{self.spec.name}]"
        cols = set(header)
        needed: list[tuple[str, str]] = []
        for key, vs in self._specs():
            needed += [(key, c) for c in vs.needed_columns()]
        needed += [(f"filters[{i}]", f.column) for i, f in enumerate(self.spec.filters)]
        missing = [(k, c) for k, c in needed if c not in cols]
        if missing:
            what = "; ".join(f"{self.key}.{k} names column {c!r}" for k, c in missing)
            raise MappingError(f"{what}, which {file} does not have (columns: {', '.join(header)})")
        self.type_key = self.spec.node or self.spec.edge or ""

    def _specs(self) -> list[tuple[str, ValueSpec]]:
        s = self.spec
        out = [(k, v) for k, v in (("id", s.id), ("source", s.source), ("target", s.target), ("ref", s.ref))
               if v is not None]
        return out + [(f"props.{k}", v) for k, v in s.props.items()]

    def _value(self, vs: ValueSpec, row: dict[str, Any], key: str) -> tuple[Any, str, Issue | None]:
        if vs.value is not None:
            return vs.value, "", None
        if vs.column is not None:
            col, raw = vs.column, row.get(vs.column)
        elif vs.columns is not None:
            col = "+".join(vs.columns)
            parts = [row.get(c) for c in vs.columns]
            raw = None if all(is_blank(p) for p in parts) else vs.sep.join("" if is_blank(p) else text_id(p) for p in parts)
        else:
            assert vs.template is not None
            col = vs.template
            fields = {c: "" if is_blank(row.get(c)) else text_id(row.get(c)) for c in vs.needed_columns()}
            try:
                raw = vs.template.format_map(fields)
            except (ValueError, KeyError, IndexError) as e:
                return None, col, Issue(col, "", f"template {vs.template!r} cannot format this row ({e})",
                                        f"correct {self.key}.{key}.template or the row's values")
        value = raw
        if vs.map is not None or vs.match is not None:
            text = "" if is_blank(raw) else text_id(raw)
            if vs.map is not None and text in vs.map:
                value = vs.map[text]
            elif vs.match and (hit := self._match(vs.match, text, col, key)) is not None:
                if isinstance(hit, Issue):
                    return None, col, hit
                value = hit.value
            elif vs.default is not None:
                value = vs.default
            elif is_blank(raw):
                value = None
            else:
                return None, col, Issue(col, raw, f"{text!r} is not in the value map ({self.key}.{key}.map)",
                                        f"add it to {self.key}.{key}.map or set {self.key}.{key}.default")
        elif is_blank(value) and vs.default is not None:
            value = vs.default
        if (vs.hash or vs.prefix) and not is_blank(value):
            text = text_id(value)
            value = vs.prefix + (_hash_key(text) if vs.hash else text)
        return value, col, None

    def _match(self, rules: list[MatchRule], text: str, col: str, key: str) -> MatchRule | Issue | None:
        for m in rules:
            try:
                if search(m.pattern, text):
                    return m
            except TimeoutError:
                return Issue(col, text[:200], f"regex {m.pattern!r} took too long on this value",
                             f"simplify {self.key}.{key}.match")
        return None

    def _skip(self, row: dict[str, Any]) -> str:
        for f in self.spec.filters:
            v = row.get(f.column)
            text = "" if is_blank(v) else text_id(v)
            keep = True
            if f.op == "nonblank":
                keep = bool(text)
            elif f.op == "nonzero":
                try:
                    keep = bool(text) and float(text.replace(",", "")) != 0
                except ValueError:
                    keep = True  # not a number: validation reports it
            elif f.op == "equals":
                keep = text == str(f.value)
            elif f.op == "not_equals":
                keep = text != str(f.value)
            elif f.op == "in":
                keep = text in [str(x) for x in (f.value or [])]
            elif f.op == "not_in":
                keep = text not in [str(x) for x in (f.value or [])]
            elif f.op == "matches":
                try:
                    keep = search(str(f.value), text)
                except TimeoutError:
                    keep = True  # kept: the row is then validated as usual
            if not keep:
                return f.describe()
        return ""

    def convert(self, raw: RawRow) -> Converted:
        s = self.spec
        out = Converted(type_key=self.type_key)
        row = raw.values
        skip = self._skip(row)
        if skip:
            out.skip = skip
            return out
        ends: dict[str, tuple[str, str]] = {}
        for key in ("id", "source", "target", "ref"):
            vs = getattr(s, key)
            if vs is None:
                continue
            v, col, issue = self._value(vs, row, key)
            if issue:
                out.issues.append(issue)
            elif is_blank(v) and key != "ref":
                out.issues.append(Issue(col, "", f"{key} is blank ({self.key}.{key})", f"fill in {col}"))
            elif not is_blank(v):
                ends[key] = (text_id(v), col)
        values: dict[str, tuple[Any, str]] = {k: (v, "") for k, v in s.constants.items()}
        for name, vs in s.props.items():
            v, col, issue = self._value(vs, row, f"props.{name}")
            if issue:
                out.issues.append(issue)
            else:
                values[name] = (v, col or name)
        if s.node is not None:
            ntype = DOMAIN.node_types[s.node]
            kind_v, kind_col = values.pop("kind", (None, "kind"))
            kind, issues = check_kind(ntype, kind_v, kind_col or f"{self.key}.props.kind")
            out.issues += issues
            props, issues = check_props(node_decl(ntype), values)
        else:
            assert s.edge is not None
            props, issues = check_props(edge_decl(DOMAIN.rel_kinds[s.edge]), values)
        out.issues += [Issue(i.column, i.value, f"{i.reason} ({self.key})", i.fix) for i in issues]
        if out.issues:
            return out
        if s.node is not None:
            if kind:
                props["kind"] = kind
            out.items.append(Item(NodeRecord(ends["id"][0], s.node, props), combine=s.on_duplicate,
                                  sum_props=tuple(s.sum)))
        else:
            assert s.edge is not None
            src, src_col = ends["source"]
            tgt, tgt_col = ends["target"]
            ref = ends.get("ref", ("", ""))[0] or None
            if ref:
                props["ref"] = ref
            eid = ends["id"][0] if "id" in ends else edge_id(s.edge, src, tgt, ref)
            out.items.append(Item(EdgeRecord(eid, s.edge, src, tgt, props), source_col=src_col,
                                  target_col=tgt_col, combine=s.on_duplicate, sum_props=tuple(s.sum)))
        return out
