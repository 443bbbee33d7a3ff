"""The canonical CSV layout a batch at a time: records read in batches, values coerced column by column.

:func:`csv_batches` yields what :func:`stakegraph.loaders.formats.csv_records` yields, in batches,
with the structural checks (blank rows, extra values, length bounds) done on the whole batch in C
and repeated row by row only for a batch where one of them fires. :func:`batch_converter` makes of
a batch of records exactly what :func:`stakegraph.loaders.canonical.fast_converter` makes of each
(which is what the per-row converter makes of a valid row), coercing each column with one ``map``
and deferring (``None``) every row the per-row fast path would defer; those rows then take the
per-row converter and get its issues, byte for byte. ``tests/loaders/test_columnar.py`` holds the
three to each other.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator, Sequence
from itertools import compress, islice
from operator import itemgetter
from typing import Any

from stakegraph.domain import DOMAIN, PropType
from stakegraph.loaders.bounds import current, setting
from stakegraph.loaders.canonical import (
    NODE_OF_ROLE,
    CanonicalConverter,
    FastRecord,
    normalise_column,
    row_records,
)
from stakegraph.loaders.errors import FileFormatError
from stakegraph.loaders.formats import (
    RawRow,
    Table,
    _blank,
    _header,
    _lines,
    _open_text,
    check_values,
)
from stakegraph.loaders.records import (
    ALL_EDGE_PROPS,
    PROVENANCE_NAMES,
    NotFast,
    edge_decl,
    fast_coercer,
    node_decl,
)
from stakegraph.model import edge_id
from stakegraph.validate import MAX_ABS_NUMBER

#: records per batch (a batch's columns are held in memory at once)
BATCH = 4096
#: ``(row, values, problem or None)``, as :func:`stakegraph.loaders.formats.csv_records` yields them
Record = tuple[int, list[str], RawRow | None]
BatchFn = Callable[[list[list[str]]], "list[list[FastRecord] | None]"]


# -- reading ---------------------------------------------------------------------------------------
def csv_batches(table: Table, size: int = BATCH) -> Iterator[list[Record]]:
    """:func:`~stakegraph.loaders.formats.csv_records` in lists of up to ``size`` records (same rows,
    numbers, problems and errors; an unreadable row raises after the rows before it were yielded)."""
    b = current()
    limit = b.max_field_chars
    row_limit = b.max_row_bytes
    small = min(limit, row_limit)
    with _open_text(table) as f:
        reader = csv.reader(_lines(f, table), delimiter=table.delimiter)
        header: list[str] | None = None
        width = start = n = 0
        buf: list[list[str]] = []
        failed: Exception | None = None
        old_limit = csv.field_size_limit(limit)
        try:
            for rec in reader:  # up to the header
                n += 1
                if not _blank(rec):
                    header = _header(rec, table.name)
                    table.header = header
                    width = len(header)
                    start = n + 1
                    break
            while header is not None:  # a batch at a time; on an error, buf keeps the records read before it
                buf.extend(islice(reader, size))
                n = start - 1 + len(buf)
                if not buf:
                    break
                got, buf = buf, []
                yield _checked(got, start, header, width, small, limit, row_limit)
                start += len(got)
        except csv.Error as e:
            if header is not None:  # the records of the batch read before the error
                n = start - 1 + len(buf)
            failed = FileFormatError(f"unreadable CSV at row {n + 1}: {e}", file=table.name, row=n + 1,
                                     fix="quote values that contain delimiters or newlines; fields over "
                                         f"{limit:,} characters are refused ({setting('max_field_chars')})")
            failed.__cause__ = e
        except Exception as e:  # raised below, after the rows read before it
            failed = e
        finally:
            csv.field_size_limit(old_limit)
        if buf:  # the rows before a failure are handed over first, as csv_records does
            yield _checked(buf, start, header or [], width, small, limit, row_limit)
        if failed is not None:
            raise failed
        if header is None:
            raise FileFormatError("has no header row (only blank lines)", file=table.name,
                                  fix="put the column names on the first line")


def _checked(recs: list[list[str]], start: int, header: list[str], width: int, small: int, limit: int,
             row_limit: int) -> list[Record]:
    """The batch's records numbered from ``start``, blank ones dropped, each with its problem."""
    joined = list(map("".join, recs))
    if (max(map(len, joined)) <= small and max(map(len, recs)) <= width and all(joined)
            and not any(map(str.isspace, joined))):
        return list(zip(range(start, start + len(recs)), recs, [None] * len(recs), strict=True))
    out: list[Record] = []
    for n, rec, text in zip(range(start, start + len(recs)), recs, joined, strict=True):
        if not text.strip():  # a blank row
            continue
        if len(rec) > width and not _blank(rec[width:]):
            out.append((n, rec, RawRow(n, dict(zip(header, rec, strict=False)),
                                       f"row has {len(rec):,} values but the header has {width:,} columns "
                                       "(a delimiter or quote inside a value?)")))
            continue
        lens = list(map(len, rec))
        if sum(lens) > row_limit or max(lens) > limit:
            values = dict(zip(header, rec, strict=False))
            bad = check_values(values)
            out.append((n, rec, (RawRow(n, values, bad[0], bad[1], bad[2]) if bad else None)))
            continue
        out.append((n, rec, None))
    return out


# -- converting ----------------------------------------------------------------------------------
_ColPlan = list[tuple[int, str, Callable[[list[str]], list[Any]] | None, Callable[[str], Any] | None]]


def column_coercer(fn: Callable[[str], Any], prop: Any) -> Callable[[list[str]], list[Any]]:
    """``fn`` over a whole column (non-blank text): the values, or :class:`NotFast` when any value
    would be deferred by ``fn`` (the caller then tries value by value).

    >>> from stakegraph.domain import DOMAIN
    >>> share = next(p for p in DOMAIN.rel_kinds["owns"].all_props if p.name == "share_pct")
    >>> shares = column_coercer(fast_coercer(share), share)
    >>> shares(["60", " 40.5"])
    [60.0, 40.5]
    >>> shares(["60", "150"])  # above 100: the caller retries value by value, the row is deferred
    Traceback (most recent call last):
    ...
    stakegraph.loaders.records.NotFast
    """
    if fn is str.strip:
        return lambda vals: list(map(str.strip, vals))
    if prop is not None and prop.type is PropType.FLOAT and prop.choices is None:  # fn is records' number
        lo = -MAX_ABS_NUMBER if prop.minimum is None else max(-MAX_ABS_NUMBER, prop.minimum)
        hi = MAX_ABS_NUMBER if prop.maximum is None else min(MAX_ABS_NUMBER, prop.maximum)

        def numbers(vals: list[str]) -> list[Any]:
            try:
                fs = list(map(float, vals))
            except ValueError:
                raise NotFast from None
            if any(map(math.isnan, fs)) or min(fs) < lo or max(fs) > hi:
                raise NotFast
            return fs

        return numbers
    return lambda vals: list(map(fn, vals))


def _col_plan(where: dict[str, int], skip: set[str], decl: dict[str, Any], fallback: dict[str, Any]) -> _ColPlan:
    """``(column index, property, column coercion, value coercion)`` per property column, in header
    order; both coercions ``None`` for a provenance column (a value there defers the row)."""
    out: _ColPlan = []
    for key, i in sorted(where.items(), key=lambda kv: kv[1]):
        if key in skip:
            continue
        if key in PROVENANCE_NAMES:
            out.append((i, key, None, None))
            continue
        prop = decl.get(key) or fallback.get(key)
        fn = fast_coercer(prop)
        out.append((i, key, column_coercer(fn, prop), fn))
    return out


def _fill(cols: Sequence[Sequence[str]], n: int, plan: _ColPlan, required: list[str], bad: set[int]
          ) -> list[dict[str, Any]]:
    """Each row's properties, column by column (only non-blank cells); rows the per-row fast path
    would defer are added to ``bad``."""
    props: list[dict[str, Any]] = [{} for _ in range(n)]
    for i, key, whole, one in plan:
        col = cols[i]
        idx = list(compress(range(n), col))
        if not idx:
            continue
        vals = list(compress(col, col))
        if any(map(str.isspace, vals)):
            keep = [not v.isspace() for v in vals]
            idx, vals = list(compress(idx, keep)), list(compress(vals, keep))
            if not idx:
                continue
        if whole is None or one is None:
            bad.update(idx)
            continue
        try:
            got = whole(vals)
        except NotFast:
            got = []
            kept = []
            for j, v in zip(idx, vals, strict=True):
                try:
                    got.append(one(v))
                    kept.append(j)
                except NotFast:
                    bad.add(j)
            idx = kept
        for j, v in zip(idx, got, strict=True):
            props[j][key] = v
    for name in required:
        bad.update(j for j in range(n) if name not in props[j])
    return props


def _padded(recs: list[list[str]], width: int) -> list[list[str]]:
    """The records with exactly ``width`` values (shorter ones padded with ``""``, longer ones cut:
    their extra values are blank, or the row was refused before)."""
    if any(len(r) != width for r in recs):
        pad = [""] * width
        return [r if len(r) == width else (r + pad)[:width] for r in recs]
    return recs


def _columns(recs: list[list[str]]) -> list[tuple[str, ...]]:
    """The columns of records of one width."""
    return list(zip(*recs, strict=True))


def batch_converter(conv: CanonicalConverter, max_id: int) -> BatchFn | None:
    """A converter of a batch of CSV records giving, per record, what
    :func:`~stakegraph.loaders.canonical.fast_converter` gives (its records, or ``None`` to defer);
    ``None`` when the fast path is not used for this header."""
    keys = [normalise_column(h) for h in conv.header]
    if len(set(keys)) != len(keys):
        return None
    where = {k: i for i, k in enumerate(keys)}
    header = list(conv.header)
    if conv.role == "relationships":
        return _batch_relationship(where, header, max_id)
    return _batch_node(conv.role, where, header, max_id)


def _stripped(cols: list[tuple[str, ...]], i: int | None, n: int) -> list[str]:
    return list(map(str.strip, cols[i])) if i is not None else [""] * n


def _batch_node(role: str, where: dict[str, int], header: list[str], max_id: int) -> BatchFn:
    ntype = DOMAIN.node_types[NODE_OF_ROLE[role]]
    decl = node_decl(ntype)
    skip = {"id", "kind"} | ({"project_id"} if role == "contracts" else set())
    plan = _col_plan(where, skip, decl, {})
    required = [p.name for p in decl.values() if p.required]
    width = len(header)
    id_i, kind_i = where.get("id"), where.get("kind")
    id_col = header[id_i] if id_i is not None else "id"
    proj_i = where.get("project_id") if role == "contracts" else None
    proj_col = header[proj_i] if proj_i is not None else "project_id"
    kinds = frozenset(ntype.kinds)
    default_kind = ntype.default_kind
    tname = ntype.name
    ekind = {"interactions": "involves", "signals": "concerns"}.get(role) or ""
    ends = [(k, header[where[k]]) for k in ("party_id", "counterparty_id") if k in where] if ekind else []

    def convert(recs: list[list[str]]) -> list[list[FastRecord] | None]:
        n = len(recs)
        if not n:
            return []
        cols = _columns(_padded(recs, width))
        bad: set[int] = set()
        ids = _stripped(cols, id_i, n)
        if not all(ids) or max(map(len, ids)) > max_id:
            bad.update(j for j, v in enumerate(ids) if not v or len(v) > max_id)
        ks = _stripped(cols, kind_i, n)
        if not kinds.issuperset(ks):
            for j, k in enumerate(ks):
                if not k:
                    if default_kind:
                        ks[j] = default_kind
                    else:
                        bad.add(j)
                elif k not in kinds:
                    bad.add(j)
        props = _fill(cols, n, plan, required, bad)
        projects = _stripped(cols, proj_i, n) if proj_i is not None else None
        out: list[list[FastRecord] | None] = [None] * n
        for j in range(n):
            if j in bad:
                continue
            nid, p = ids[j], props[j]
            p["kind"] = ks[j]
            out[j] = row_records(nid, tname, p, projects[j] if projects is not None else "", ends, ekind,
                                 (id_col, proj_col), max_id)
        return out

    return convert


def _batch_relationship(where: dict[str, int], header: list[str], max_id: int) -> BatchFn:
    kind_i, src_i, tgt_i, id_i = (where.get(k) for k in ("kind", "source_id", "target_id", "id"))
    src_col = header[src_i] if src_i is not None else "source_id"
    tgt_col = header[tgt_i] if tgt_i is not None else "target_id"
    skip = {"kind", "source_id", "target_id", "id"}
    width = len(header)
    plans: dict[str, tuple[_ColPlan, list[str]]] = {}
    for rel in DOMAIN.rel_kinds.values():
        decl = edge_decl(rel)
        plans[rel.name] = (_col_plan(where, skip, decl, ALL_EDGE_PROPS),
                           [p.name for p in decl.values() if p.required])

    def convert(recs: list[list[str]]) -> list[list[FastRecord] | None]:
        n = len(recs)
        if not n:
            return []
        recs = _padded(recs, width)
        kinds = list(map(str.strip, map(itemgetter(kind_i), recs))) if kind_i is not None else [""] * n
        groups: dict[str, list[int]] = {}
        for j, k in enumerate(kinds):
            groups.setdefault(k, []).append(j)
        out: list[list[FastRecord] | None] = [None] * n
        for kind, rows in groups.items():
            got = plans.get(kind)
            if got is None:
                continue
            cols = _columns(recs if len(rows) == n else list(map(recs.__getitem__, rows)))
            m = len(rows)
            srcs, tgts, rids = _stripped(cols, src_i, m), _stripped(cols, tgt_i, m), _stripped(cols, id_i, m)
            bad: set[int] = set()
            props = _fill(cols, m, got[0], got[1], bad)
            for at, j in enumerate(rows):
                if at in bad:
                    continue
                src, tgt = srcs[at], tgts[at]
                if not src or not tgt or len(src) > max_id or len(tgt) > max_id:
                    continue
                p = props[at]
                rid = rids[at] or edge_id(kind, src, tgt, p.get("ref"))
                if len(rid) > max_id:
                    continue
                out[j] = [(True, rid, kind, src, tgt, p, src_col, tgt_col)]
        return out

    return convert
