"""Bulk first load into an empty Neo4j database: ``neo4j-admin database import full`` from generated CSVs.

The load is validated exactly as ``stakegraph load`` validates it (the same
pipeline, :func:`stakegraph.loaders.load` with ``bulk=``); the validated records
are then streamed into import CSV files — one file per label (or relationship
type) and set of typed properties, so every value keeps the Python type a normal
load sends over Bolt (``long``, ``double``, ``boolean``, ``string``, arrays) — and:

* on the local server :mod:`stakegraph.devserver.neo4j` manages, the server is
  stopped, the files are imported into its default database (Neo4j Community
  imports only into a stopped database), the server is started again, the
  constraints and indexes a normal load creates are created and the graph version
  is set; records the CSV format cannot carry exactly (an empty list or text, a float that
  is not finite, a list whose text holds the array delimiter) are then written over
  Bolt by the store's normal write;
* on any other server the files and the exact ``neo4j-admin`` command are written
  and printed (the operator runs it where the database lives).

A database that holds any node or relationship is refused (:class:`BulkRefused`):
an import replaces the database.
"""

from __future__ import annotations

import csv
import math
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from stakegraph.domain import DOMAIN, Domain
from stakegraph.errors import Conflict, StoreError
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store import cypher
from stakegraph.store.neo4j import Neo4jStore

#: separates the items of a list property in a CSV field (ASCII unit separator: never in a loaded value)
ARRAY_DELIMITER = "\x1f"
_ARRAY_FLAG = "U+001F"

Log = Callable[[str], None] | None


class BulkRefused(StoreError, Conflict):
    """The bulk import cannot run here (a database that is not empty, a non-default database)."""

    exit_code = 1


class BulkImportFailed(StoreError):
    """``neo4j-admin database import`` or the server restart around it failed."""


@dataclass(frozen=True)
class ImportFiles:
    """The CSV files of one import and what ``neo4j-admin database import full`` needs to read them.

    Attributes
    ----------
    folder : pathlib.Path
        Where the files are.
    nodes : tuple of (str, pathlib.Path)
        ``("Entity:Party", file)`` per node file (header on its first line).
    relationships : tuple of (str, pathlib.Path)
        ``("LENDS_TO", file)`` per relationship file.
    multiline : bool
        Some text holds a line break (the import must read multi-line fields).
    n_nodes, n_edges : int
        Records in the files.
    """

    folder: Path
    nodes: tuple[tuple[str, Path], ...]
    relationships: tuple[tuple[str, Path], ...]
    multiline: bool
    n_nodes: int
    n_edges: int

    def args(self, database: str = "neo4j", *, overwrite: bool = False) -> list[str]:
        """Arguments of ``neo4j-admin database import full`` for these files into ``database``."""
        out = [f"--nodes={lab}={path}" for lab, path in self.nodes]
        out += [f"--relationships={rt}={path}" for rt, path in self.relationships]
        out += ["--id-type=string", f"--array-delimiter={_ARRAY_FLAG}", "--bad-tolerance=0",
                "--skip-bad-relationships=false", "--skip-duplicate-nodes=false", "--strict=true"]
        if self.multiline:
            out.append("--multiline-fields=true")
        if overwrite:
            out.append("--overwrite-destination=true")
        return [*out, database]

    def command(self, database: str = "neo4j") -> str:
        """The shell command an operator runs on the database server (database stopped)."""
        return "neo4j-admin database import full " + " ".join(shlex.quote(a) for a in self.args(database))


def _kind(v: Any) -> str | None:
    """The import column type of a value, or ``None`` when the CSV cannot carry it exactly."""
    t = type(v)
    if t is str:
        return "string" if v else None  # "" and a missing value are one to the importer's CSV reader
    if t is bool:
        return "boolean"
    if t is int:
        return "long" if -(1 << 63) <= v < (1 << 63) else None
    if t is float:
        return "double" if math.isfinite(v) else None
    if t is list or t is tuple:
        if not v:
            return None
        kinds = {_kind(x) for x in v}
        if len(kinds) != 1 or None in kinds:
            return None
        k = kinds.pop()
        if k == "string" and any(ARRAY_DELIMITER in x for x in v):  # "" items were refused above
            return None
        return None if k is None or k.endswith("]") else k + "[]"
    return None


def _cell(v: Any) -> Any:
    """A value as the csv writer writes it (text quoted, numbers bare, lists joined)."""
    t = type(v)
    if t is bool:
        return "true" if v else "false"
    if t is list or t is tuple:
        return ARRAY_DELIMITER.join(_cell(x) if type(x) is bool else str(x) if type(x) is not float else repr(x)
                                    for x in v)
    return v


#: the import column type of a scalar value by its exact Python type (see :func:`_kind`)
_SCALAR_KINDS: dict[type, str] = {str: "string", bool: "boolean", int: "long", float: "double"}
_LONG_MIN, _LONG_END = -(1 << 63), 1 << 63
Values = Callable[[Mapping[str, Any]], tuple[Any, ...]]


def _getter(keys: list[str]) -> Values:
    """The values of ``keys`` of a mapping, as a tuple (C-level for two keys or more)."""
    if len(keys) >= 2:
        return itemgetter(*keys)
    if keys:
        key = keys[0]
        return lambda d: (d[key],)
    return lambda d: ()


@dataclass
class _Plan:
    """How a record of one label (or type), one key order and one Python type per value becomes a row.

    Built once per such shape, for scalar values only (text, booleans, integers, floats; ``None``
    dropped). A record of the shape takes it when its text is not empty, its integers fit a long
    and its floats are finite — then its row and file are the ones :meth:`ImportWriter._signature`
    gives; any other record goes the record-by-record way, which also decides what is left over.
    """

    sig: tuple[tuple[str, str], ...]
    values: Values  # the values in column order
    texts: Values | None
    ints: Values | None
    floats: Values | None
    bools: tuple[int, ...]  # columns holding booleans (written "true" / "false")
    file: _File | None = None

    @classmethod
    def of(cls, keys: tuple[str, ...], types: tuple[type, ...]) -> _Plan | None:
        """The plan of a shape, or ``None`` when a value is not a scalar (a list, …)."""
        cols = sorted((k, t) for k, t in zip(keys, types, strict=True) if t is not type(None) and k != "id")
        if any(t not in _SCALAR_KINDS for _, t in cols):
            return None

        def of_type(*wanted: type) -> Values | None:
            names = [k for k, t in cols if t in wanted]
            return _getter(names) if names else None

        return cls(tuple((k, _SCALAR_KINDS[t]) for k, t in cols), _getter([k for k, _ in cols]),
                   of_type(str), of_type(int), of_type(float), tuple(i for i, (_, t) in enumerate(cols) if t is bool))

    def row(self, props: Mapping[str, Any]) -> tuple[list[Any], bool] | None:
        """(the record's cells, whether a text holds a line break), or ``None`` when a value needs the
        record-by-record way (empty text, an integer beyond a long, a float that is not finite)."""
        texts = self.texts(props) if self.texts else ()
        if not all(texts):
            return None
        if self.ints:
            ints = self.ints(props)
            if min(ints) < _LONG_MIN or max(ints) >= _LONG_END:
                return None
        if self.floats and not all(map(math.isfinite, self.floats(props))):
            return None
        cells = list(self.values(props))
        for i in self.bools:
            cells[i] = "true" if cells[i] else "false"
        joined = "".join(texts)
        return cells, "\n" in joined or "\r" in joined


class _File:
    __slots__ = ("fh", "path", "writer")

    def __init__(self, path: Path, header: list[str]) -> None:
        self.path = path
        self.fh: IO[str] = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self.writer = csv.writer(self.fh, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        csv.writer(self.fh, lineterminator="\n").writerow(header)


@dataclass
class ImportWriter:
    """Streams validated records into import CSVs: one file per label or type and property signature.

    The properties a record gets are the ones :meth:`Neo4jStore.write` would store: ``None``
    values dropped, tuples as lists, ``id`` added. A record the format cannot carry exactly
    is kept aside in :attr:`leftover_nodes` / :attr:`leftover_edges` for a normal write.
    """

    folder: Path
    domain: Domain = DOMAIN
    leftover_nodes: list[NodeRecord] = field(default_factory=list)
    leftover_edges: list[EdgeRecord] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    _files: dict[tuple[bool, str, tuple[tuple[str, str], ...]], _File] = field(default_factory=dict)
    _plans: dict[tuple[bool, str, tuple[str, ...], tuple[type, ...]], _Plan | None] = field(default_factory=dict)
    _names: dict[tuple[bool, str], str] = field(default_factory=dict)
    _multiline: bool = False
    _n_nodes: int = 0
    _n_edges: int = 0

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def _signature(self, props: dict[str, Any]) -> tuple[tuple[tuple[str, str], ...], list[Any]] | None:
        keys = sorted(k for k, v in props.items() if v is not None and k != "id")
        sig = []
        vals = []
        for k in keys:
            v = props[k]
            kind = _kind(v)
            if kind is None:
                return None
            if kind == "string" and ("\n" in v or "\r" in v):
                self._multiline = True
            elif kind == "string[]" and any("\n" in x or "\r" in x for x in v):
                self._multiline = True
            sig.append((k, kind))
            vals.append(_cell(v))
        return tuple(sig), vals

    def _file(self, edge: bool, name: str, sig: tuple[tuple[str, str], ...]) -> _File:
        key = (edge, name, sig)
        f = self._files.get(key)
        if f is None:
            cols = [f"{k}:{t}" for k, t in sig]
            header = [":START_ID", ":END_ID", "id:string", *cols] if edge else ["id:ID", *cols]
            n = sum(1 for e, nm, _ in self._files if e == edge and nm == name)
            path = self.folder / f"{'rels' if edge else 'nodes'}_{name.lower()}_{n}.csv"
            f = self._files[key] = _File(path, header)
        return f

    def _fast_row(self, edge: bool, name: str, props: dict[str, Any]) -> tuple[_File, list[Any]] | None:
        """(file, cells) of a record through the plan of its shape, or ``None`` (the record-by-record way)."""
        key = (edge, name, tuple(props), tuple(map(type, props.values())))
        try:
            plan = self._plans[key]
        except KeyError:
            plan = self._plans[key] = _Plan.of(key[2], key[3])
        if plan is None:
            return None
        got = plan.row(props)
        if got is None:
            return None
        cells, multiline = got
        if multiline:
            self._multiline = True
        if plan.file is None:  # the file is opened by the first record written to it, as record by record
            plan.file = self._file(edge, name, plan.sig)
        return plan.file, cells

    def _name(self, edge: bool, of: str) -> str:
        """The label of a node type or the relationship type of a kind (checked once each)."""
        name = self._names.get((edge, of))
        if name is None:
            name = self._names[(edge, of)] = (cypher.rel_type if edge else cypher.label)(of, self.domain)
        return name

    def node(self, nid: str, ntype: str, props: dict[str, Any]) -> None:
        """Add a node of domain type ``ntype`` (its properties with provenance)."""
        lab = self._name(False, ntype)
        self.counts[ntype] = self.counts.get(ntype, 0) + 1
        fast = self._fast_row(False, lab, props)
        if fast is not None:
            fast[0].writer.writerow([nid, *fast[1]])
            self._n_nodes += 1
            return
        got = self._signature(props)
        if got is None:
            self.leftover_nodes.append(NodeRecord(nid, ntype, props))
            return
        sig, vals = got
        self._file(False, lab, sig).writer.writerow([nid, *vals])
        self._n_nodes += 1

    def edge(self, eid: str, kind: str, source: str, target: str, props: dict[str, Any]) -> None:
        """Add a relationship of domain kind ``kind``."""
        rt = self._name(True, kind)
        self.counts[kind] = self.counts.get(kind, 0) + 1
        fast = self._fast_row(True, rt, props)
        if fast is not None:
            fast[0].writer.writerow([source, target, eid, *fast[1]])
            self._n_edges += 1
            return
        got = self._signature(props)
        if got is None:
            self.leftover_edges.append(EdgeRecord(eid, kind, source, target, props))
            return
        sig, vals = got
        self._file(True, rt, sig).writer.writerow([source, target, eid, *vals])
        self._n_edges += 1

    def close(self) -> ImportFiles:
        """Close every file; what the import needs to read them."""
        nodes, rels = [], []
        for (edge, name, _), f in self._files.items():
            f.fh.close()
            if edge:
                rels.append((name, f.path))
            else:
                nodes.append((f"{cypher.ENTITY}:{name}", f.path))
        return ImportFiles(self.folder, tuple(nodes), tuple(rels), self._multiline, self._n_nodes, self._n_edges)


def write_import_files(nodes: Iterator[tuple[str, str, dict[str, Any]]],
                       edges: Iterator[tuple[str, str, str, str, dict[str, Any]]], folder: Path,
                       domain: Domain = DOMAIN) -> tuple[ImportFiles, ImportWriter]:
    """Stream ``nodes`` and ``edges`` (the loader's validated rows) into import CSVs in ``folder``."""
    w = ImportWriter(folder, domain)
    for nid, ntype, props in nodes:
        w.node(nid, ntype, props)
    for eid, kind, src, tgt, props in edges:
        w.edge(eid, kind, src, tgt, props)
    return w.close(), w


# -- the database side -----------------------------------------------------------------------------
def check_empty(store: Neo4jStore) -> None:
    """:class:`BulkRefused` unless ``store``'s database holds no node and no relationship
    (the graph-version marker aside)."""
    n = store.content_count()
    if n:
        raise BulkRefused(
            f"the Neo4j database {store.database!r} at {store.uri} is not empty ({n:,} nodes and relationships); "
            "a bulk import replaces a database and only runs into an empty one",
            fix="load without --bulk (an idempotent upsert into the existing graph), or empty the database "
                "first (Python: stakegraph.open_store(...).clear(), or a new database) and re-run with --bulk")


def local_home(store: Neo4jStore, home: Path | None = None) -> Path | None:
    """The home of the local server (:mod:`stakegraph.devserver.neo4j`) ``store`` talks to, or ``None``."""
    from stakegraph.devserver import neo4j as devserver

    info = devserver.status(home)
    if not info["running"] or not info["port"]:
        return None
    u = urlparse(store.uri)
    if u.hostname not in ("127.0.0.1", "localhost", "::1") or u.port != int(info["port"]):
        return None
    return Path(info["home"])


@dataclass(frozen=True)
class BulkResult:
    """What :func:`bulk_import` did: the files, whether it imported them (local) and the command."""

    files: ImportFiles
    imported: bool
    command: str
    leftover: int = 0
    output: str = ""


def import_local(store: Neo4jStore, home: Path, files: ImportFiles, writer: ImportWriter, *,
                 log: Log = None) -> BulkResult:
    """Stop the local server in ``home``, import ``files`` into ``neo4j``, start it, create the schema.

    The emptiness is checked again right before the stop; the graph version goes on from the one
    the database had (caches keyed by it never see an old version again).
    """
    from stakegraph.devserver import neo4j as devserver

    if store.database != "neo4j":
        raise BulkRefused(f"the local Neo4j Community server has one database, 'neo4j', not {store.database!r}",
                          fix="set STAKEGRAPH_NEO4J_DATABASE=neo4j, or import on the server with the printed command")
    check_empty(store)
    version = int(store.graph_version().split(":", 1)[1])
    state = devserver.server_state(home)
    store.forget()
    try:
        devserver.stop(home, log=log)
        try:
            out = devserver.admin_import(home, files.args("neo4j", overwrite=True), log=log)
        finally:
            devserver.start_like(home, state, log=log)
    except devserver.Neo4jServerError as e:
        raise BulkImportFailed(f"the bulk import into the local Neo4j in {home} failed: {e}",
                               fix="fix what the message names and re-run `stakegraph load --bulk` (the "
                                   "database is empty or holds a partial import: clear it first)") from e
    store.after_bulk_import(version, log)
    if writer.leftover_nodes or writer.leftover_edges:
        if log:
            log(f"Writing {len(writer.leftover_nodes) + len(writer.leftover_edges)} record(s) the import files "
                "cannot carry ...")
        store.write(writer.leftover_nodes, writer.leftover_edges)
    return BulkResult(files, True, files.command(), len(writer.leftover_nodes) + len(writer.leftover_edges), out)


def bulk_load(paths: Any, store: Neo4jStore, *, folder: Path, home: Path | None = None, log: Log = None,
              **load_options: Any) -> tuple[Any, BulkResult | None]:
    """Validate ``paths`` as :func:`stakegraph.loaders.load` does, then import them in bulk.

    Parameters
    ----------
    paths : path or list of paths
        What ``stakegraph load`` takes.
    store : Neo4jStore
        The (empty) target database.
    folder : pathlib.Path
        Where the import CSVs are written (a new or empty folder; kept for a remote server).
    home : pathlib.Path, optional
        Home of the local server to manage (default: the devserver's default home); when
        ``store`` does not talk to that server, the files and the command are left for the operator.
    log : callable, optional
        Receives progress messages.
    **load_options
        ``mapping``, ``mode``, ``load_id``, ``progress``, ``follow_symlinks``, ``bounds``, ``report_dir``.

    Returns
    -------
    (LoadReport, BulkResult or None)
        The load's report (counts, errors) and what the import did (``None`` when nothing was
        written: a strict load with errors).

    Raises
    ------
    BulkRefused
        The database is not empty (checked before validation and again before the import), or a
        record cannot be carried by the CSV format for a remote import.
    BulkImportFailed
        The import or the restart failed.
    """
    from stakegraph.loaders import load

    check_empty(store)
    if folder.exists() and any(folder.iterdir()):
        raise BulkRefused(f"{folder} is not empty; the import files go into a new or empty folder",
                          fix="give another --bulk-dir or remove that folder")
    local = local_home(store, home)
    done: list[BulkResult] = []

    def sink(nodes: Iterator[Any], edges: Iterator[Any], rates: list[Any], report: Any) -> None:
        files, writer = write_import_files(nodes, edges, folder, store.domain)
        if local is None:
            left = len(writer.leftover_nodes) + len(writer.leftover_edges)
            if left:
                raise BulkRefused(f"{left} record(s) hold values the import CSV cannot carry exactly (an empty "
                                  "list, a number that is not finite)", fix="load without --bulk")
            done.append(BulkResult(files, False, files.command(store.database)))
            if rates:
                report.warnings.append(f"{len(rates)} FX rate(s) are not in the import files: after the import, "
                                       "load the FX rate file(s) without --bulk")
        else:
            done.append(import_local(store, local, files, writer, log=log))
            from stakegraph.loaders import fx

            if log and rates:
                log(f"Writing {len(rates)} FX rate(s) ...")
            fx.write_rates(store, rates, report)
            report.written = True
        for key, n in writer.counts.items():
            report.count(key, "created", n)

    report = load(paths, store, bulk=sink, **load_options)
    return report, (done[0] if done else None)


__all__ = ["bulk_load", "ARRAY_DELIMITER", "BulkImportFailed", "BulkRefused", "BulkResult", "ImportFiles", "ImportWriter",
           "check_empty", "import_local", "local_home", "write_import_files"]
