"""Apply one mapping entity (:class:`stakegraph.loaders.mapping.EntitySpec`) to the rows of one table.

A row is first expanded into records (``unpivot``: one per matching column; ``split``: one per part
of a multi-valued cell), each record's filters are checked, then every value spec is applied:
source (column, columns, template, constant) → ``map``/``match`` (``unmapped`` decides what values
neither knows become) → ``convert`` → ``prefix``/``hash``. Every issue carries the mapping key it
came from, so :func:`probe` can tell a mapping mistake (every one of the first rows fails the same
key) from bad rows.
"""

from __future__ import annotations

import dataclasses
from collections import ChainMap
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from collections.abc import Mapping as Row
from typing import Any, cast

from stakegraph.domain import DOMAIN
from stakegraph.loaders.errors import MappingError
from stakegraph.loaders.formats import RawRow
from stakegraph.loaders.guards import find
from stakegraph.loaders.mapping import FilterSpec, Mapping, MatchRule, ValueSpec
from stakegraph.loaders.records import Converted, Issue, Item, check_kind, check_props, text_id
from stakegraph.loaders.transforms import CONVERSIONS
from stakegraph.model import EdgeRecord, NodeRecord, edge_id, stable_id
from stakegraph.validate import is_blank

_Mut = MutableMapping[str, Any]
#: Rows converted by :func:`probe` before a load; a key failing on every one is a mapping mistake.
PROBE_ROWS = 20
#: Fewer converted rows than this never make a mapping mistake (a tiny file's bad rows stay row errors).
PROBE_MIN = 3


def _hash_key(text: str) -> str:
    return stable_id(" ".join(text.split()).casefold())


@dataclasses.dataclass(frozen=True)
class _Value:
    value: Any
    column: str
    shown: str = ""  # the file's text before prefix/hash (for messages)
    issue: Issue | None = None


class EntityConverter:
    """Applies one :class:`EntitySpec` to the rows of one table (checked against its header)."""

    def __init__(self, mapping: Mapping, index: int, header: Sequence[str], file: str) -> None:
        self.spec = mapping.entities[index]
        self.key = f"entities[{self.spec.name}]"
        self.file = file
        s = self.spec
        cols = set(header)
        self.unpivot_cols: list[tuple[str, dict[str, str]]] = []
        if s.unpivot is not None:
            for h in header:
                groups = find(s.unpivot.columns, h, full=True)
                if groups is not None:
                    self.unpivot_cols.append((h, groups))
            if not self.unpivot_cols:
                raise MappingError(f"{self.key}.unpivot.columns {s.unpivot.columns!r} matches none of the columns "
                                   f"of {file} (columns: {', '.join(header)})",
                                   fix="write a pattern matching whole column names, e.g. 'amount_(?P<year>\\d{4})'")
            cols.update(s.unpivot.names())
        needed: list[tuple[str, str]] = []
        if s.split is not None:
            needed.append(("split.column", s.split.column))
            cols.update(s.split.names())
        for key, vs in self._specs():
            needed += [(key, c) for c in vs.needed_columns()]
        needed += [(f"filters[{i}]", f.column) for i, f in enumerate(s.filters)]
        missing = [(k, c) for k, c in needed if c not in cols]
        if missing:
            what = "; ".join(f"{self.key}.{k} names column {c!r}" for k, c in missing)
            raise MappingError(f"{what}, which {file} does not have (columns: {', '.join(header)})")
        self.type_key = s.node or s.edge or ""
        self.declared = s.declared()
        self.merges = frozenset(s.merges_with)

    def _specs(self) -> list[tuple[str, ValueSpec]]:
        s = self.spec
        out: list[tuple[str, ValueSpec]] = [
            (k, v) for k, v in (("id", s.id), ("source", s.source), ("target", s.target), ("ref", s.ref))
            if v is not None]
        return out + [(f"props.{k}", v) for k, v in s.props.items()] + [(f"extra.{k}", v) for k, v in s.extra.items()]

    # -- values -----------------------------------------------------------------------------
    def _issue(self, col: str, value: Any, reason: str, fix: str, key: str) -> _Value:
        return _Value(None, col, "", Issue(col, value, reason, fix, key=f"{self.key}.{key}"))

    def _value(self, vs: ValueSpec, row: Row[str, Any], key: str) -> _Value:
        if vs.value is not None:
            return _Value(vs.value, "", text_id(vs.value))
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
                return self._issue(col, "", f"template {vs.template!r} cannot format this row ({e})",
                                   f"correct {self.key}.{key}.template or the row's values", key)
        value = raw
        if vs.map is not None or vs.match is not None:
            text = "" if is_blank(raw) else text_id(raw)
            if vs.map is not None and text in vs.map:
                value = vs.map[text]
            elif vs.match and (hit := self._match(vs.match, text, col, key)) is not None:
                if isinstance(hit, _Value):
                    return hit
                value = hit[0]
            elif is_blank(raw):
                value = vs.default
            elif vs.unmapped == "keep":
                value = raw
            elif vs.unmapped == "blank":
                value = None
            elif vs.default is not None and vs.unmapped != "error":
                value = vs.default
            else:
                return self._issue(col, raw, f"{text!r} is not in the value map ({self.key}.{key}.map)",
                                   f"add it to {self.key}.{key}.map, set {self.key}.{key}.default, or let "
                                   f"unmapped values pass through (unmapped: keep)", key)
        elif is_blank(value) and vs.default is not None:
            value = vs.default
        if vs.convert is not None and not is_blank(value):
            try:
                value = CONVERSIONS[vs.convert](text_id(value))
            except ValueError as e:
                return self._issue(col, value, f"{e} ({self.key}.{key}.convert: {vs.convert})",
                                   f"correct the value, or {self.key}.{key}.convert", key)
        shown = "" if is_blank(value) else text_id(value)
        if (vs.hash or vs.prefix) and not is_blank(value):
            value = vs.prefix + (_hash_key(shown) if vs.hash else shown)
        return _Value(value, col, shown)

    def _match(self, rules: list[MatchRule], text: str, col: str, key: str) -> tuple[Any] | _Value | None:
        for i, m in enumerate(rules):
            try:
                groups = find(m.pattern, text)
            except TimeoutError:
                return self._issue(col, text[:200], f"regex {m.pattern!r} took too long on this value",
                                   f"simplify {self.key}.{key}.match", key)
            if groups is None:
                continue
            if m.template is None:
                return (m.value,)
            try:
                return (m.template.format_map(groups),)
            except (ValueError, KeyError, IndexError) as e:  # pragma: no cover - fields checked when read
                return self._issue(col, text, f"match[{i}].template cannot format {text!r} ({e})",
                                   f"correct {self.key}.{key}.match[{i}]", key)
        return None

    # -- rows ---------------------------------------------------------------------------------
    def _skip(self, row: Row[str, Any]) -> str:
        for f in self.spec.filters:
            if not _keeps(f, row.get(f.column)):
                return f.describe()
        return ""

    def _records(self, row: Row[str, Any]) -> tuple[list[tuple[str, Row[str, Any]]], list[Issue]]:
        """``(label, values)`` per record the row makes (``""`` label for a plain row), and split issues.

        A record is an overlay on the row (never a copy), so a wide row with many parts stays linear.
        """
        s = self.spec
        base: list[tuple[str, Row[str, Any]]] = [("", row)]
        if s.unpivot is not None:
            base = []
            for h, groups in self.unpivot_cols:
                cell = row.get(h)
                if is_blank(cell) and not s.unpivot.keep_blank:
                    continue
                base.append((h, ChainMap({**groups, s.unpivot.value: cell}, cast(_Mut, row))))
        if s.split is None:
            return base, []
        out: list[tuple[str, Row[str, Any]]] = []
        issues: list[Issue] = []
        sp = s.split
        for label, values in base:
            cell = values.get(sp.column)
            parts = [p.strip() for p in ("" if is_blank(cell) else text_id(cell)).split(sp.sep)]
            for n, part in enumerate((p for p in parts if p), start=1):
                where = f"{label} part {n}" if label else f"part {n}"
                found: dict[str, str] | None = {}
                if sp.pattern is not None:
                    try:
                        found = find(sp.pattern, part)
                    except TimeoutError:
                        found = None
                    if found is None:
                        issues.append(Issue(sp.column, part, f"{where} {part!r} does not match "
                                            f"{self.key}.split.pattern {sp.pattern!r}",
                                            "write the part like the pattern, or correct the pattern",
                                            key=f"{self.key}.split.pattern"))
                        continue
                out.append((where, ChainMap({sp.column: part, **(found or {})}, cast(_Mut, values))))
        return out, issues

    def convert(self, raw: RawRow) -> Converted:
        out = Converted(type_key=self.type_key)
        records, out.issues = self._records(raw.values)
        skips: list[str] = []
        for label, row in records:
            skip = self._skip(row)
            if skip:
                skips.append(skip)
                continue
            items, issues = self._one(row)
            out.items += items
            out.issues += [dataclasses.replace(i, reason=f"{label}: {i.reason}") if label else i for i in issues]
        if not out.items and not out.issues:
            out.skip = skips[0] if skips else (
                f"no value in {self.key}.unpivot columns" if self.spec.unpivot is not None
                else f"{self.key}.split.column {self.spec.split.column!r} is blank" if self.spec.split else "")
        if out.issues:
            out.items = []
        return out

    def _one(self, row: Row[str, Any]) -> tuple[list[Item], list[Issue]]:
        s = self.spec
        issues: list[Issue] = []
        ends: dict[str, tuple[str, str, str]] = {}
        for key in ("id", "source", "target", "ref"):
            vs = getattr(s, key)
            if vs is None:
                continue
            v = self._value(vs, row, key)
            if v.issue:
                issues.append(v.issue)
            elif is_blank(v.value) and key != "ref":
                issues.append(Issue(v.column, "", f"{key} is blank ({self.key}.{key})", f"fill in {v.column}",
                                    key=f"{self.key}.{key}"))
            elif not is_blank(v.value):
                ends[key] = (text_id(v.value), v.column, v.shown)
        values: dict[str, tuple[Any, str]] = {k: (v, "") for k, v in s.constants.items()}
        keys: dict[str, str] = {}
        for section, specs in (("props", s.props), ("extra", s.extra)):
            for name, vs in specs.items():
                v = self._value(vs, row, f"{section}.{name}")
                if v.issue:
                    issues.append(v.issue)
                else:
                    values[name] = (v.value, v.column or name)
                    keys[v.column or name] = f"{self.key}.{section}.{name}"
        kind: str | None = None
        if s.node is not None:
            ntype = DOMAIN.node_types[s.node]
            kind_v, kind_col = values.pop("kind", (None, "kind"))
            kind, kind_issues = check_kind(ntype, kind_v, kind_col or f"{self.key}.props.kind")
            issues += [dataclasses.replace(i, key=f"{self.key}.props.kind") for i in kind_issues]
        props, prop_issues = check_props(self.declared, values)
        issues += [Issue(i.column, i.value, f"{i.reason} ({self.key})", i.fix, key=keys.get(i.column, self.key))
                   for i in prop_issues]
        if issues:
            return [], issues
        if s.node is not None:
            if kind:
                props["kind"] = kind
            return [Item(NodeRecord(ends["id"][0], s.node, props), combine=s.on_duplicate, sum_props=tuple(s.sum),
                         origin=s.name)], []
        assert s.edge is not None
        src, src_col, src_text = ends["source"]
        tgt, tgt_col, tgt_text = ends["target"]
        ref = ends.get("ref", ("", "", ""))[0] or None
        if ref:
            props["ref"] = ref
        eid = ends["id"][0] if "id" in ends else edge_id(s.edge, src, tgt, ref)
        return [Item(EdgeRecord(eid, s.edge, src, tgt, props), source_col=src_col, target_col=tgt_col,
                     combine=s.on_duplicate, sum_props=tuple(s.sum), origin=s.name,
                     source_text=src_text, target_text=tgt_text)], []


def _keeps(f: FilterSpec, v: Any) -> bool:
    from stakegraph.loaders.guards import search

    text = "" if is_blank(v) else text_id(v)
    if f.op == "nonblank":
        return bool(text)
    if f.op == "nonzero":
        try:
            return bool(text) and float(text.replace(",", "")) != 0
        except ValueError:
            return True  # not a number: validation reports it
    if f.op == "equals":
        return text == str(f.value)
    if f.op == "not_equals":
        return text != str(f.value)
    if f.op == "in":
        return text in [str(x) for x in (f.value or [])]
    if f.op == "not_in":
        return text not in [str(x) for x in (f.value or [])]
    try:
        return search(str(f.value), text)
    except TimeoutError:
        return True  # kept: the row is then validated as usual


def probe(rows: Iterable[RawRow], converters: Sequence[Callable[[RawRow], Converted]], file: str) -> list[str]:
    """One line per mapping key that fails on every one of the first :data:`PROBE_ROWS` converted rows.

    Such a key is a mistake in the mapping (a wrong constant, column or conversion), reported once
    before the load instead of once per row. Rows that are skipped or structurally broken do not count.
    """
    fails: dict[str, list[tuple[int, Issue]]] = {}
    seen = 0
    for raw in rows:
        if raw.problem:
            continue
        results = [conv(raw) for conv in converters]
        if all(r.skip for r in results):
            continue
        seen += 1
        keys_here: dict[str, Issue] = {}
        for r in results:
            for i in r.issues:
                if i.key:
                    keys_here.setdefault(i.key, i)
        if seen == 1:
            fails = {k: [(raw.row, i)] for k, i in keys_here.items()}
        else:
            fails = {k: v + [(raw.row, keys_here[k])] for k, v in fails.items() if k in keys_here}
        if not fails or seen >= PROBE_ROWS:
            break
    if seen < PROBE_MIN:
        return []
    out = []
    for key, hits in fails.items():
        row, issue = hits[0]
        entity = key.split(".", 1)[0]
        reason = issue.reason.removesuffix(f" ({entity})")
        out.append(f"{key}: fails on each of the first {seen} rows of {file} (row {row}, column "
                   f"{issue.column or '-'}: {reason}; {issue.fix})")
    return out
