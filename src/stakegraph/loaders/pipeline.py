"""The load pipeline: read → validate every row → check ids and endpoints → write in batches.

Pass 1 streams every row once, converts it (canonical CSV/TSV a batch at a time,
column by column: :mod:`stakegraph.loaders.columnar`; any other layout or mapping
row by row), collects every problem and keeps the good records: the first
``_IN_MEMORY`` lines of each spill in memory, the rest in temporary marshal
batches (memory then holds one batch and the id index). Then duplicate ids and relationship
endpoints are checked (endpoints missing from the files are looked up in the
store). In strict mode any problem stops here: nothing is written. Otherwise
pass 2 writes nodes, then edges, in batches of ``batch_size`` (each batch one
idempotent upsert), or, for a dry run, compares them with the store.
"""

from __future__ import annotations

import bisect
import contextlib
import gc
import hashlib
import json
import marshal
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from stakegraph.domain import DOMAIN, PROVENANCE
from stakegraph.errors import GraphError, TypeConflict
from stakegraph.loaders import fx
from stakegraph.loaders.bounds import Bounds, current, using
from stakegraph.loaders.canonical import (
    CanonicalConverter,
    FastRecord,
    role_from_header,
    role_from_name,
)
from stakegraph.loaders.columnar import batch_converter, csv_batches
from stakegraph.loaders.compressed import data_suffix
from stakegraph.loaders.converter import EntityConverter, probe
from stakegraph.loaders.errors import FileFormatError, InputError, LoaderStoreError, MappingError
from stakegraph.loaders.formats import _EXT, RawRow, Table, open_tables, read_header
from stakegraph.loaders.mapping import Mapping, load_mapping
from stakegraph.loaders.records import Converted, Item, id_issues
from stakegraph.loaders.report import LoadReport, RowError, SkippedRow
from stakegraph.loaders.structure_checks import CONTROL_KINDS, structure_warnings
from stakegraph.model import EdgeRecord, NodeRecord, WriteStats
from stakegraph.store.base import GraphStore

#: records per store transaction; 20,000 was the fastest Neo4j load in bench/load_neo4j.py (docs/benchmarks.md)
DEFAULT_BATCH = 20_000
_PROV = tuple(p.name for p in PROVENANCE)
_LOOKUP_CHUNK = 1000


@dataclass(frozen=True)
class LoadProgress:
    """What the progress callback receives: phase (``validate``/``write``), rows done, total if known."""

    phase: str
    done: int
    total: int | None = None
    file: str = ""


ProgressFn = Callable[[LoadProgress], None]
#: a validated node as a bulk writer receives it: ``(id, type, props)`` (props with provenance)
NodeRow = tuple[str, str, dict[str, Any]]
#: a validated relationship: ``(id, kind, source, target, props)``
EdgeRow = tuple[str, str, str, str, dict[str, Any]]


class BulkWriter(Protocol):
    """Receives a load's validated records instead of the store's batched upserts (``load(bulk=…)``).

    Called once, only when the load writes (not in a dry run, not after a strict
    load found errors), with the nodes and then the relationships as iterators
    (each may be read once), the load's FX rates and its report (count what is
    written in it).
    """

    def __call__(self, nodes: Iterator[NodeRow], edges: Iterator[EdgeRow], rates: list[Any],
                 report: LoadReport) -> None: ...


# -- inputs ---------------------------------------------------------------------------
def _walk(folder: Path, follow_symlinks: bool) -> Iterator[Path]:
    """Every file under ``folder`` (sorted); a symlink inside it is refused unless ``follow_symlinks``."""
    for root, dirs, names in os.walk(folder, followlinks=follow_symlinks):
        dirs.sort()
        for name in sorted(dirs + names):
            f = Path(root) / name
            if f.is_symlink() and not follow_symlinks and not name.startswith((".", "_")):
                raise InputError(f"{f}: is a symbolic link (to {os.readlink(f)}); symlinks in an input folder are "
                                 "not followed", fix="copy the file into the folder, or pass --follow-symlinks "
                                 "(follow_symlinks=True) if you trust the link")
        for name in sorted(names):
            yield Path(root) / name


def collect_files(paths: Iterable[str | Path], *, follow_symlinks: bool = False) -> list[tuple[str, Path]]:
    """``(label, path)`` for every data file named or inside a named folder (sorted, hidden files skipped)."""
    out: list[tuple[str, Path]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for f in sorted(_walk(p, follow_symlinks)):
                rel = f.relative_to(p)
                if f.is_file() and data_suffix(f) in _EXT and not any(x.startswith((".", "_")) for x in rel.parts):
                    out.append((rel.as_posix(), f))
        elif p.is_file():
            out.append((p.name, p))
        else:
            raise InputError(f"{raw}: no such file or folder; give a CSV/TSV/JSON/JSONL/XLSX file or a folder of them")
    if not out:
        raise InputError("no data files found in " + ", ".join(map(str, paths))
                         + "; expected .csv, .tsv, .json, .jsonl or .xlsx files (text ones may be .gz or .xz)")
    labels = [lab for lab, _ in out]
    dup = sorted({lab for lab in labels if labels.count(lab) > 1})
    if dup:
        raise InputError(f"two inputs have the same name {', '.join(dup)}; put them in one folder or rename one")
    return out


def default_load_id(files: Sequence[tuple[str, Path]], mapping_text: str = "") -> str:
    """``load_`` + 16 hex of SHA-256 over the mapping text and every file's bytes (sorted by name)."""
    h = hashlib.sha256(mapping_text.encode("utf-8"))
    for _label, path in sorted(files):
        h.update(b"\0file\0")
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    return "load_" + h.hexdigest()[:16]


Converter = Callable[[RawRow], Converted]


def _plan(files: Sequence[tuple[str, Path]], mapping: Mapping | None, report: LoadReport
          ) -> list[tuple[Table, list[Converter]]]:
    plan: list[tuple[Table, list[Converter]]] = []
    paths = dict(files)
    if mapping is None:
        for label, path in files:
            try:
                tables = open_tables(path, label)
                for t in tables:
                    header = read_header(t)
                    role = role_from_name(t.sheet or label) or (role_from_name(label) if t.sheet else None) \
                        or role_from_header(header)
                    if role is None:
                        raise FileFormatError(
                            f"cannot tell what it holds (columns: {', '.join(header) or 'none'})", file=t.name,
                            fix="name it parties/projects/contracts/relationships/interactions/signals.csv, "
                                "use the canonical columns (docs/data-format.md), or give a --mapping")
                    plan.append((t, [CanonicalConverter(role, header).convert]))
            except FileFormatError as e:
                _file_error(report, e)
        return plan
    used: set[str] = set()
    by_table: dict[tuple[str, str | None], tuple[Table, list[Converter]]] = {}
    for i, ent in enumerate(mapping.entities):
        spec = mapping.files[ent.from_]
        matched = mapping.files_for(ent.from_, list(paths))
        if not matched:
            raise InputError(f"mapping files.{ent.from_} (path {spec.path!r}) matches none of the inputs "
                             f"({', '.join(paths)}); give that file too")
        for label in matched:
            used.add(label)
            key = (label, spec.sheet)
            try:
                if key not in by_table:
                    tables = open_tables(paths[label], label, sheets=[spec.sheet] if spec.sheet else None)
                    by_table[key] = (tables[0], [])
                table, convs = by_table[key]
                convs.append(EntityConverter(mapping, i, read_header(table), table.name).convert)
            except FileFormatError as e:
                _file_error(report, e)
    for label in paths:
        if label not in used:
            report.warnings.append(f"{label}: not named by the mapping; ignored")
    mistakes: list[str] = []
    for table, convs in by_table.values():
        rows = table.rows()
        try:
            mistakes += probe(rows, convs, table.name)
        except FileFormatError:
            pass  # reported when the file is read
        finally:
            getattr(rows, "close", lambda: None)()
    if mistakes:
        raise MappingError("the mapping does not fit the files (nothing was loaded):\n"
                           + "\n".join(f"  {m}" for m in mistakes),
                           fix="correct the mapping keys named above (docs/loading.md, 'Mappings')")
    plan.extend(by_table.values())
    return plan


def _file_error(report: LoadReport, e: FileFormatError) -> None:
    report.add_error(RowError(e.file, e.row, "", "", e.reason, e.fix))
    report.count("file", "rejected")


# -- pass 1 ------------------------------------------------------------------------------
_SPILL_BATCH = 4096
#: lines of each spill (nodes, relationships, relationship ends) kept in memory before spilling to disk:
#: a load of ~100,000 records never round-trips them through marshal, a larger one holds at most this many
#: (≈ 80 MB for the relationships of bench/load.py's portfolios)
_IN_MEMORY = 100_000
_PLAIN = (str, int, float, bool, type(None))


def _plain(props: dict[str, Any]) -> bool:
    """True when a JSON round trip would give ``props`` back unchanged (the values the loaders make)."""
    for v in props.values():
        if type(v) in _PLAIN:
            continue
        if type(v) is list and all(type(x) in _PLAIN for x in v):
            continue
        return False
    return True


class _Spill:
    """Records validated in pass 1: the first :data:`_IN_MEMORY` kept as they are, the rest on disk in
    marshal batches (memory holds one batch of those)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.f = open(path, "wb")  # noqa: SIM115
        self.mem: list[list[Any]] = []
        self.buf: list[list[Any]] = []

    def add(self, line: list[Any]) -> None:
        self.extend([line])

    def extend(self, lines: list[list[Any]]) -> None:
        room = _IN_MEMORY - len(self.mem)
        if room > 0:
            self.mem.extend(lines[:room])
            lines = lines[room:]
            if not lines:
                return
        self.buf.extend(lines)
        while len(self.buf) >= _SPILL_BATCH:
            self._dump()

    def _dump(self) -> None:
        blob = marshal.dumps(self.buf[:_SPILL_BATCH])
        self.f.write(len(blob).to_bytes(8, "little"))
        self.f.write(blob)
        del self.buf[:_SPILL_BATCH]

    def close(self) -> None:
        if self.buf:
            self._dump()
        self.f.close()

    def lines(self) -> Iterator[list[Any]]:
        """Every line in the order added (after :meth:`close`); the kept ones are not copies (read only)."""
        yield from self.mem
        yield from _read_spill(self.path)


class _Pass1:
    def __init__(self, report: LoadReport, load_id: str, tmp: Path, progress: ProgressFn | None,
                 mode: str = "strict", merges: set[frozenset[str]] | None = None) -> None:
        self.report = report
        self.mode = mode
        self.merges = merges or set()
        self.origin: dict[tuple[bool, str], str] = {}
        self.load_id = load_id
        self.progress = progress
        self.files: list[str] = []
        self.node_spill = _Spill(tmp / "nodes.bin")
        self.edge_spill = _Spill(tmp / "edges.bin")
        # the same edges without id and properties (but an owns share), for the endpoint and structure checks
        self.edge_keys = _Spill(tmp / "edgekeys.bin")
        # each row's raw values once (a row making many records — split, unpivot — is not repeated):
        # a CSV record of the fast path as its list of values (marshal batches; the header is kept per file),
        # any other row as a JSON line
        self.row_spill = open(tmp / "rows.bin", "w+b")  # noqa: SIM115
        self.raw_at: dict[tuple[int, int], int] = {}
        # the CSV records of the fast path are not kept: per file, the rows whose records add_batch kept,
        # and the file (with its header), read again only when an error report needs one of them (raw_of)
        self.kept: dict[int, list[int]] = {}
        self.tables: dict[int, Table] = {}
        # per file read again: its kept rows and the (offset, size) of their marshal batches in row_spill
        self.rec_rows: dict[int, tuple[list[int], list[tuple[int, int]]]] = {}
        self.node_types: dict[str, str] = {}
        self.first: dict[tuple[bool, str], tuple[int, int]] = {}
        self.dups: dict[tuple[bool, str], list[tuple[int, int]]] = {}
        self.combined: dict[tuple[bool, str], list[Any]] = {}
        self.rejected: set[tuple[int, int]] = set()
        self.n_nodes = self.n_edges = 0
        self.rows = 0

    def file_index(self, name: str) -> int:
        if name not in self.files:
            self.files.append(name)
        return self.files.index(name)

    def reject(self, fi: int, row: int, type_key: str, raw: dict[str, Any], errs: list[RowError]) -> None:
        first_time = (fi, row) not in self.rejected
        self.rejected.add((fi, row))
        for e in errs:
            self.report.add_error(e)
        if first_time:
            self.report.count(type_key, "rejected")
        self.report.quarantine.setdefault(self.files[fi], []).append((row, raw, [str(e) for e in errs]))

    def run(self, table: Table, converters: list[Converter]) -> None:
        fi = self.file_index(table.name)
        conv = getattr(converters[0], "__self__", None) if len(converters) == 1 else None
        fast = None
        if isinstance(conv, CanonicalConverter) and table.format in ("csv", "tsv"):
            fast = batch_converter(conv, current().max_id_chars)
        if fast is None:
            for raw in table.rows():
                self.rows += 1
                if self.progress and self.rows % 1000 == 0:
                    self.progress(LoadProgress("validate", self.rows, None, table.name))
                self.row(fi, table, raw, converters)
            return
        self.tables[fi] = table
        for batch in csv_batches(table):
            # the batch's structurally sound records converted column by column, then every row in order
            self.add_batch(fi, table, converters, batch, fast([rec for _, rec, bad in batch if bad is None]))

    def add_batch(self, fi: int, table: Table, converters: list[Converter], batch: list[tuple[int, list[str], Any]],
                  made: list[list[FastRecord] | None]) -> None:
        """Every row of a batch in order: the fast path's records (no origin, a
        repeated id is a duplicate) into lists spilled together, :meth:`row` for the others (a structural problem, or a row the fast
        path defers)."""
        first, dups, node_types = self.first, self.dups, self.node_types
        fname, lid = self.files[fi], self.load_id
        nodes: list[list[Any]] = []
        edges: list[list[Any]] = []
        keys: list[list[Any]] = []
        kept_rows: list[int] = []
        progress = self.progress
        at = 0
        for n, rec, bad in batch:
            self.rows += 1
            if progress and self.rows % 1000 == 0:
                progress(LoadProgress("validate", self.rows, None, table.name))
            if bad is None:
                got = made[at]
                at += 1
                if got is not None:
                    added = False
                    for is_edge, rid, what, src, tgt, props, src_col, tgt_col in got:
                        key = (is_edge, rid)
                        if key in first:
                            dups.setdefault(key, [first[key]]).append((fi, n))
                            continue
                        first[key] = (fi, n)
                        props["source_file"] = fname
                        props["source_row"] = n
                        props["load_id"] = lid
                        added = True
                        if is_edge:
                            edges.append([fi, n, rid, what, src, tgt, props, src_col, tgt_col, "", "", None])
                            share = props.get("share_pct") if what == "owns" else None
                            keys.append([fi, n, None, what, src, tgt, {} if share is None else {"share_pct": share},
                                         src_col, tgt_col, "", ""])
                        else:
                            node_types[rid] = what
                            nodes.append([fi, n, rid, what, props, None])
                    if added:
                        kept_rows.append(n)
                    continue
            if nodes or edges or kept_rows:  # what came before goes first (the spills keep the rows' order)
                self._spill_batch(fi, nodes, edges, keys, kept_rows)
                nodes, edges, keys, kept_rows = [], [], [], []
            self.row(fi, table, bad or RawRow(n, dict(zip(table.header, rec, strict=False))), converters)
        self._spill_batch(fi, nodes, edges, keys, kept_rows)

    def _spill_batch(self, fi: int, nodes: list[list[Any]], edges: list[list[Any]], keys: list[list[Any]],
                     kept_rows: list[int]) -> None:
        self.n_nodes += len(nodes)
        self.n_edges += len(edges)
        self.node_spill.extend(nodes)
        self.edge_spill.extend(edges)
        self.edge_keys.extend(keys)
        if kept_rows:  # rows in file order (raw_of finds one by bisection)
            self.kept.setdefault(fi, []).extend(kept_rows)

    def _read_again(self, fi: int) -> tuple[list[int], list[tuple[int, int]]]:
        """The kept CSV records of file ``fi`` read again from the file into marshal batches in row_spill:
        ``(rows, (offset, size) of each batch)``. Once per file, and only for an error report: a load
        without errors never keeps its raw records."""
        wanted = set(self.kept.get(fi, ()))
        rows: list[int] = []
        recs: list[list[str]] = []
        with contextlib.suppress(FileFormatError, OSError):  # pass 1 reported it; the rows before it count
            for batch in csv_batches(self.tables[fi]):
                for n, rec, bad in batch:
                    if bad is None and n in wanted:
                        rows.append(n)
                        recs.append(rec)
        blobs = []
        for k in range(0, len(recs), _SPILL_BATCH):
            blob = marshal.dumps(recs[k: k + _SPILL_BATCH])
            self.row_spill.seek(0, os.SEEK_END)
            blobs.append((self.row_spill.tell(), len(blob)))
            self.row_spill.write(blob)
        self.rec_rows[fi] = (rows, blobs)
        return rows, blobs

    def row(self, fi: int, table: Table, raw: RawRow, converters: list[Converter]) -> None:
        """One row through the converters (every layout; the canonical fast path's fallback)."""
        if raw.problem:
            self.reject(fi, raw.row, "row", raw.values,
                        [RowError(table.name, raw.row, raw.column, "", raw.problem, raw.fix)])
            return
        for conv in converters:
            res = conv(raw)
            if res.skip:
                self.report.skipped.append(SkippedRow(table.name, raw.row, res.skip))
                continue
            if res.issues:
                self.reject(fi, raw.row, res.type_key, raw.values, [
                    RowError(table.name, raw.row, i.column, "" if i.value is None else str(i.value)[:200],
                             i.reason, i.fix) for i in res.issues])
                continue
            long_ids = [i for item in res.items for i in id_issues(item)]
            if long_ids:
                self.reject(fi, raw.row, res.type_key, raw.values, [
                    RowError(table.name, raw.row, i.column, str(i.value), i.reason, i.fix) for i in long_ids])
                continue
            for item in res.items:
                self.add(fi, raw, item)

    def add(self, fi: int, raw: RawRow, item: Item) -> None:
        rec = item.record
        key = (item.is_edge, rec.id)
        where = (fi, raw.row)
        if key in self.first:
            prev = self.origin.get(key, "")
            if prev != item.origin and prev and frozenset((prev, item.origin)) not in self.merges:
                self._collision(key, prev, item, where)
                return
            if prev != item.origin:
                return  # merges_with: the first entity's record stands
            if item.combine == "first":
                return
            if item.combine == "sum":
                entry = self.combined[key]
                props = entry[0]
                for p in item.sum_props:
                    if p in rec.props:
                        props[p] = props.get(p, 0.0) + rec.props[p]
                return
            self.dups.setdefault(key, [self.first[key]]).append(where)
            return
        self.first[key] = where
        if item.origin:
            self.origin[key] = item.origin
        props = {**rec.props, "source_file": self.files[fi], "source_row": raw.row, "load_id": self.load_id}
        if isinstance(rec, NodeRecord):
            self.node_types[rec.id] = rec.type
        if item.combine == "sum":
            self.combined[key] = [props, fi, raw.row, rec, item, raw.values]
            return
        self._spill(fi, raw.row, rec, props, item, raw.values)

    def _collision(self, key: tuple[bool, str], prev: str, item: Item, where: tuple[int, int]) -> None:
        fi0, row0 = self.first[key]
        fi, row = where
        what = "relationship" if item.is_edge else "node"
        msg = (f"{what} id {key[1]!r} is made by entities[{prev}] ({self.files[fi0]}:{row0}) and by "
               f"entities[{item.origin}] ({self.files[fi]}:{row})")
        fix = (f"give the two entities distinct ids (a prefix), or add merges_with: [{prev}] to "
               f"entities[{item.origin}] if they are the same {what}")
        if self.mode == "strict":
            self.reject(fi, row, item.type_key, {}, [RowError(self.files[fi], row, "id", key[1],
                                                              f"id collision: {msg}", fix)])
        else:
            self.report.warnings.append(f"id collision: {msg}; kept the first, dropped the second ({fix})")

    def _spill(self, fi: int, row: int, rec: NodeRecord | EdgeRecord, props: dict[str, Any], item: Item,
               raw: dict[str, Any]) -> None:
        if (fi, row) not in self.raw_at:
            self.row_spill.seek(0, os.SEEK_END)
            self.raw_at[(fi, row)] = self.row_spill.tell()
            self.row_spill.write(json.dumps(raw, ensure_ascii=False, default=str).encode("utf-8") + b"\n")
        if isinstance(rec, NodeRecord):
            self.n_nodes += 1
            line: list[Any] = [fi, row, rec.id, rec.type, props, None]
        else:
            self.n_edges += 1
            line = [fi, row, rec.id, rec.kind, rec.source, rec.target, props, item.source_col, item.target_col,
                    item.source_text, item.target_text, None]
        if not _plain(props):  # what the JSON spill made of it (text for dates and other objects)
            line = json.loads(json.dumps(line, ensure_ascii=False, default=str))
        if isinstance(rec, NodeRecord):
            self.node_spill.add(line)
        else:
            self.edge_spill.add(line)
            self.edge_keys.add([*line[:2], None, *line[3:6], _share(line[3], line[6]), *line[7:11]])

    def finish(self) -> None:
        for props, fi, row, rec, item, raw in self.combined.values():
            self._spill(fi, row, rec, props, item, raw)
        self.combined.clear()
        self.node_spill.close()
        self.edge_spill.close()
        self.edge_keys.close()
        self.row_spill.flush()

    def raw_of(self, fi: int, row: int) -> dict[str, Any]:
        """The raw values of a spilled row (``{}`` when none of its records was spilled)."""
        at = self.raw_at.get((fi, row))
        if at is not None:
            self.row_spill.seek(at)
            return dict(json.loads(self.row_spill.readline()))
        if fi not in self.kept:
            return {}
        rows, blobs = self.rec_rows.get(fi) or self._read_again(fi)
        k = bisect.bisect_left(rows, row)
        if k >= len(rows) or rows[k] != row:
            return {}
        offset, size = blobs[k // _SPILL_BATCH]
        self.row_spill.seek(offset)
        rec = marshal.loads(self.row_spill.read(size))[k % _SPILL_BATCH]
        return dict(zip(self.tables[fi].header, rec, strict=False))

    def close(self) -> None:
        self.row_spill.close()


def _share(kind: str, props: dict[str, Any]) -> dict[str, Any]:
    """The only property the structure checks read (an ``owns`` share)."""
    share = props.get("share_pct") if kind == "owns" else None
    return {} if share is None else {"share_pct": share}


def _read_spill(path: Path) -> Iterator[list[Any]]:
    with open(path, "rb") as f:
        while size := f.read(8):
            yield from marshal.loads(f.read(int.from_bytes(size, "little")))


def _check_duplicates(p1: _Pass1, tmp: Path) -> None:
    if not p1.dups:
        return
    for (is_edge, rid), rows in p1.dups.items():
        where = ", ".join(f"{p1.files[f]}:{r}" for f, r in rows)
        what = "relationship" if is_edge else "node"
        for fi, row in rows:
            p1.reject(fi, row, "duplicate", p1.raw_of(fi, row), [RowError(
                p1.files[fi], row, "id", rid, f"duplicate {what} id {rid!r} (rows {where})",
                "give each row its own id" + (" (or a distinct ref)" if is_edge else "")
                + ", or remove the repeated rows")])
        if not is_edge:
            p1.node_types.pop(rid, None)


def _check_endpoints(p1: _Pass1, tmp: Path, store: GraphStore) -> list[list[Any]]:
    """Reject relationships whose endpoint is missing (from the files and the store) or of a type their kind
    does not allow. Returns the ownership/control lines seen (the structure checks read only those, so the
    relationships are not read again for them)."""
    pending: list[list[Any]] = []
    unknown: set[str] = set()
    control: list[list[Any]] = []
    rejected, node_types = p1.rejected, p1.node_types
    ends = {k: (frozenset(r.sources), frozenset(r.targets)) for k, r in DOMAIN.rel_kinds.items()}
    for line in p1.edge_keys.lines():
        if rejected and (line[0], line[1]) in rejected:
            continue
        if line[3] in CONTROL_KINDS:
            control.append(line)
        src, tgt = node_types.get(line[4]), node_types.get(line[5])
        if src is not None and tgt is not None:
            allowed = ends[line[3]]
            if src not in allowed[0] or tgt not in allowed[1]:
                _check_types(p1, line, node_types)
        else:
            pending.append(line)
            unknown.update(x for x in (line[4], line[5]) if x not in node_types)
    if not pending:
        return control
    in_store: dict[str, str] = {}
    ids = sorted(unknown)
    try:
        for i in range(0, len(ids), _LOOKUP_CHUNK):
            for n in store.get_nodes(ids[i: i + _LOOKUP_CHUNK]):
                if n is not None:
                    in_store[n.id] = n.type
    except GraphError as e:
        raise LoaderStoreError(f"could not look up relationship endpoints in the {store.backend} store: {e}") from e
    types = {**in_store, **p1.node_types}
    for line in pending:
        if (line[0], line[1]) in p1.rejected:
            continue
        errs = []
        for end, col, text, side in ((line[4], line[7], line[9], "source"), (line[5], line[8], line[10], "target")):
            if end in types:
                continue
            if text and text != end:
                errs.append(RowError(p1.files[line[0]], line[1], col, text,
                                     f"{line[3]} {side} {text!r} (id {end!r}) is not in the files (or its row was "
                                     "rejected) nor in the store",
                                     f"add a row making {text!r} (the entity that makes {side} ids, with the same "
                                     "prefix/hash) or correct the value"))
            else:
                errs.append(RowError(p1.files[line[0]], line[1], col, end,
                                     f"{line[3]} endpoint {end!r} is not in the files (or its row was rejected) "
                                     "nor in the store",
                                     "add a row for that node (parties/projects/contracts) or correct the id"))
        if errs:
            p1.reject(line[0], line[1], line[3], p1.raw_of(line[0], line[1]), errs)
        else:
            _check_types(p1, line, types)
    return control


def _check_node_types(p1: _Pass1, tmp: Path, store: GraphStore) -> None:
    """Reject rows whose node id already names a node of another type in the store (never changed silently)."""
    try:
        if not any(store.counts().get("nodes", {}).values()):
            return
        ids = sorted(p1.node_types)
        stored: dict[str, str] = {}
        for i in range(0, len(ids), _LOOKUP_CHUNK):
            for n in store.get_nodes(ids[i: i + _LOOKUP_CHUNK]):
                if n is not None and n.type != p1.node_types.get(n.id):
                    stored[n.id] = n.type
    except GraphError as e:
        raise LoaderStoreError(f"could not look up node types in the {store.backend} store: {e}") from e
    if not stored:
        return
    for line in p1.node_spill.lines():
        old = stored.get(line[2])
        if old is not None and (line[0], line[1]) not in p1.rejected:
            p1.reject(line[0], line[1], line[3], p1.raw_of(line[0], line[1]), [RowError(
                p1.files[line[0]], line[1], "id", line[2],
                f"id {line[2]!r} is already a {old} in the store; a node's type is never changed",
                f"use another id for this {line[3]}, or unload/remove the {old} first")])


def _check_types(p1: _Pass1, line: list[Any], types: dict[str, str]) -> None:
    rel = DOMAIN.rel_kinds[line[3]]
    errs = []
    for end, col, allowed, side in ((line[4], line[7], rel.sources, "source"), (line[5], line[8], rel.targets, "target")):
        if types[end] not in allowed:
            errs.append(RowError(p1.files[line[0]], line[1], col, end,
                                 f"{rel.name} {side} {end!r} is a {types[end]}; a {rel.name} {side} must be a "
                                 f"{' or '.join(allowed)}", f"check the id and the direction of the {rel.name} row"))
    if errs:
        p1.reject(line[0], line[1], line[3], p1.raw_of(line[0], line[1]), errs)


# -- pass 2 ----------------------------------------------------------------------------------
def _edge_lines(p1: _Pass1, lines: Iterable[list[Any]]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """``(kind, source, target, share)`` of the ``lines`` whose rows were not rejected."""
    rejected = p1.rejected
    for line in lines:
        if not rejected or (line[0], line[1]) not in rejected:
            yield line[3], line[4], line[5], line[6]


def _records(p1: _Pass1, tmp: Path, edges: bool) -> Iterator[NodeRecord | EdgeRecord]:
    rejected = p1.rejected
    for line in (p1.edge_spill if edges else p1.node_spill).lines():
        if rejected and (line[0], line[1]) in rejected:
            continue
        if edges:
            yield EdgeRecord(line[2], line[3], line[4], line[5], line[6])
        else:
            yield NodeRecord(line[2], line[3], line[4])


def node_rows(p1: _Pass1, tmp: Path) -> Iterator[NodeRow]:
    """The validated nodes as plain tuples (no record objects)."""
    rejected = p1.rejected
    for line in p1.node_spill.lines():
        if not rejected or (line[0], line[1]) not in rejected:
            yield line[2], line[3], line[4]


def edge_rows(p1: _Pass1, tmp: Path) -> Iterator[EdgeRow]:
    """The validated relationships as plain tuples (no record objects)."""
    rejected = p1.rejected
    for line in p1.edge_spill.lines():
        if not rejected or (line[0], line[1]) not in rejected:
            yield line[2], line[3], line[4], line[5], line[6]


def _prefetched(batches: Iterator[list[Any]], depth: int = 2) -> Iterator[list[Any]]:
    """``batches``, read ahead by a thread while the caller writes the previous one.

    Reading the spill and building records is Python work; a store write mostly waits
    on the server (the GIL released), so the next batch is ready when the write returns.
    An error in the reader is raised here; leaving early stops the reader.
    """
    q: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for b in batches:
                if not put(("batch", b)):
                    return
            put(("end", None))
        except BaseException as e:  # handed to the consumer, raised there
            put(("error", e))

    t = threading.Thread(target=run, name="stakegraph-load-prefetch", daemon=True)
    t.start()
    try:
        while True:
            what, item = q.get()
            if what == "end":
                return
            if what == "error":
                raise item
            yield item
    finally:
        stop.set()
        t.join()


def _batches(items: Iterable[Any], n: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for it in items:
        batch.append(it)
        if len(batch) >= n:
            yield batch
            batch = []
    if batch:
        yield batch


def _merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = {**old, **{k: v for k, v in new.items() if k not in _PROV}}
    for k in _PROV:
        if k not in merged and k in new:
            merged[k] = new[k]
    return merged


def _diff(store: GraphStore, batch: list[Any], edges: bool) -> WriteStats:
    stats = WriteStats()
    ids = [r.id for r in batch]
    found = store.get_edges(ids) if edges else store.get_nodes(ids)
    for rec, old in zip(batch, found, strict=True):
        key = rec.kind if edges else rec.type
        if old is None:
            stats.add(key, "created")
        else:
            same = _merged(dict(old.props), dict(rec.props)) == dict(old.props)
            stats.add(key, "unchanged" if same else "updated")
    return stats


def _pass2(p1: _Pass1, tmp: Path, store: GraphStore, report: LoadReport, *, dry_run: bool, batch_size: int,
           progress: ProgressFn | None) -> None:
    with contextlib.nullcontext() if dry_run else store.loading():
        _write_all(p1, tmp, store, report, dry_run=dry_run, batch_size=batch_size, progress=progress)


def _write_all(p1: _Pass1, tmp: Path, store: GraphStore, report: LoadReport, *, dry_run: bool, batch_size: int,
               progress: ProgressFn | None) -> None:
    total = p1.n_nodes + p1.n_edges
    done = 0
    written = 0
    for edges in (False, True):
        for batch in _prefetched(_batches(_records(p1, tmp, edges), batch_size)):
            try:
                if dry_run:
                    stats = _diff(store, batch, edges)
                elif edges:
                    stats = store.write((), batch, batch_size=batch_size)
                else:
                    stats = store.write(batch, (), batch_size=batch_size)
            except TypeConflict as e:
                raise LoaderStoreError(
                    f"the {store.backend} store refused a node type change after {written} of {total} records "
                    f"were written: {e}", fix="another writer changed the store during the load; re-run the "
                    "same load to see the conflicting rows") from e
            except GraphError as e:
                raise LoaderStoreError(
                    f"the {store.backend} store failed after {written} of {total} records were written: {e}; "
                    "re-run the same load to complete it (every batch is an idempotent upsert)") from e
            if not dry_run:
                report.written = True
            written += len(batch)
            for key, bucket in stats.by_type.items():
                for outcome in ("created", "updated", "unchanged"):
                    if bucket.get(outcome):
                        report.count(key, outcome, bucket[outcome])
            done += len(batch)
            if progress:
                progress(LoadProgress("dry-run" if dry_run else "write", done, total))


# -- entry points ------------------------------------------------------------------------------
def load(
    paths: str | Path | Sequence[str | Path],
    store: GraphStore,
    *,
    mapping: str | Path | Mapping | None = None,
    mode: Literal["strict", "lenient"] = "strict",
    dry_run: bool = False,
    load_id: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: ProgressFn | None = None,
    report_dir: str | Path | None = None,
    follow_symlinks: bool = False,
    bounds: Bounds | None = None,
    bulk: BulkWriter | None = None,
) -> LoadReport:
    """Load files (canonical layout, or any layout through a YAML ``mapping``) into ``store``.

    Parameters
    ----------
    paths : path or list of paths
        Files (CSV, TSV, JSON array, JSON Lines, XLSX) or folders of them.
    store : GraphStore
        Where to write (embedded or Neo4j).
    mapping : path, shipped mapping name (``"worldbank"``) or :class:`stakegraph.loaders.mapping.Mapping`, optional
        Without it the canonical layout of docs/data-format.md is expected.
    mode : {"strict", "lenient"}
        Strict writes nothing when any row is bad; lenient writes the good rows and quarantines the bad.
    dry_run : bool
        Validate and count what would be created/updated/unchanged, writing nothing.
    load_id : str, optional
        Recorded on every node and edge; defaults to a hash of the files' contents and the mapping,
        so re-running the same load changes nothing.
    batch_size : int
        Records per store write (one transaction each).
    progress : callable, optional
        Called with :class:`LoadProgress` while validating and writing.
    report_dir : path, optional
        When given, ``report.json`` and quarantine CSVs are written there (never over existing files).
    follow_symlinks : bool
        Follow symbolic links found inside input folders (refused by default).
    bounds : Bounds, optional
        The size bounds (default: the ``STAKEGRAPH_LOAD_*`` settings; docs/loading.md, "Bounds").
    bulk : BulkWriter, optional
        Receives the validated records instead of the store's batched upserts (the Neo4j bulk
        import, :func:`stakegraph.store.neo4j_bulk.bulk_load`); validation is the same.

    Returns
    -------
    LoadReport
        Counts per type and outcome, every rejected row, skipped rows; ``written`` says whether the
        store was touched.

    Raises
    ------
    InputError, MappingError, LoaderStoreError, ReportError
        A missing path or refused symlink, an invalid mapping, a store failure (re-run to complete),
        an unwritable report folder.
    """
    with using(bounds or Bounds.from_settings()), _collector_paused():
        return _load(paths, store, mapping=mapping, mode=mode, dry_run=dry_run, load_id=load_id,
                     batch_size=batch_size, progress=progress, report_dir=report_dir,
                     follow_symlinks=follow_symlinks, bulk=bulk)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the load, back on after (if it was on).

    A load makes millions of short-lived containers and keeps an index of every id; none of them
    forms a reference cycle, so reference counting frees them all, and the collector's passes over
    the live ones found nothing while costing about a fifth of a load's CPU (bench/load.py).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _load(paths: str | Path | Sequence[str | Path], store: GraphStore, *, mapping: str | Path | Mapping | None,
          mode: str, dry_run: bool, load_id: str | None, batch_size: int, progress: ProgressFn | None,
          report_dir: str | Path | None, follow_symlinks: bool, bulk: BulkWriter | None = None) -> LoadReport:
    if mode not in ("strict", "lenient"):
        raise ValueError(f"mode must be 'strict' or 'lenient', not {mode!r}")
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    plist = [paths] if isinstance(paths, str | Path) else list(paths)
    files = collect_files(plist, follow_symlinks=follow_symlinks)
    fx_files = [f for f in files if fx.is_fx_label(f[0])]  # FX rates load as rates (stakegraph.loaders.fx)
    files = [f for f in files if f not in fx_files]
    mapping_obj: Mapping | None
    mapping_text = ""
    if isinstance(mapping, Mapping):
        mapping_obj, mapping_text = mapping, mapping.model_dump_json()
    elif mapping is not None:
        mapping_obj, mapping_text = load_mapping(mapping)
    else:
        mapping_obj = None
    lid = load_id or default_load_id(files, mapping_text)
    report = LoadReport(load_id=lid, mode=mode, dry_run=dry_run, files=[lab for lab, _ in files])
    plan = _plan(files, mapping_obj, report)
    rates = fx.rates_for_load(fx_files, report)
    with tempfile.TemporaryDirectory(prefix="stakegraph-load-") as tmpd:
        tmp = Path(tmpd)
        p1 = _Pass1(report, lid, tmp, progress, mode, mapping_obj.merge_pairs() if mapping_obj else None)
        try:
            for table, convs in plan:
                try:
                    p1.run(table, convs)
                except FileFormatError as e:
                    _file_error(report, e)
        finally:
            p1.finish()
        report.rows_read = p1.rows
        if progress:
            progress(LoadProgress("validate", p1.rows, p1.rows))
        try:
            _check_duplicates(p1, tmp)
            control = _check_endpoints(p1, tmp, store)
            _check_node_types(p1, tmp, store)
        finally:
            p1.close()
        report.warnings.extend(structure_warnings(_edge_lines(p1, control)))
        if bulk is not None and not dry_run and not (report.errors and mode == "strict"):
            bulk(node_rows(p1, tmp), edge_rows(p1, tmp), rates, report)
        elif not (report.errors and mode == "strict"):
            _pass2(p1, tmp, store, report, dry_run=dry_run, batch_size=batch_size, progress=progress)
            if not dry_run:
                fx.write_rates(store, rates, report)
    if report_dir is not None:
        report.write_files(report_dir)
    return report


def unload(load_id: str, store: GraphStore) -> WriteStats:
    """Remove every node and edge the load ``load_id`` created (nodes are detached)."""
    try:
        return store.delete_load(load_id)
    except GraphError as e:
        raise LoaderStoreError(f"unload of {load_id} failed on the {store.backend} store: {e}; re-run it") from e
