"""The graph as Parquet datasets and Spark DataFrames: what every Spark job reads.

:func:`write_parquet` writes a projection (``nx.MultiDiGraph``, as built by
``stakegraph.store.base``) to a folder::

    FOLDER/
      nodes/type=party/part-0.parquet ...     one row per node, partitioned by type
      edges/kind=lends_to/part-0.parquet ...  one row per edge, partitioned by kind
      graph.json                              graph attributes: version, reporting currency, as-of, FX rates
      manifest.json                           version, schema version, counts by type and kind

Columns (schema :data:`SCHEMA_VERSION`): ids, ``type`` / ``kind``, ``name``, ``country``,
``currency``, ``status``; every numeric property the domain declares (``amount``, ``annual_revenue``,
``share_pct``, ``capital`` …) as a ``double`` column and every declared date (``start_date``,
``end_date``, ``date`` …) as a ``date`` column; provenance ``source_file``, ``source_row``,
``load_id``; every other property (and a value that does not fit its typed column, e.g. a date that is
not ``yyyy-mm-dd``) in the JSON text column ``props``. ``ord`` (nodes) and ``ord_out`` / ``ord_in``
(edges) keep the graph's iteration order (``G.nodes``, ``G.edges``, ``G.in_edges``), so a job can add
floats in the order the local analysis adds them and return the same bits.

:func:`graph_frames` reads such a folder — or an in-memory graph, for tests — into
:class:`GraphFrames`: the two DataFrames, the version and the graph attributes the jobs need to
convert money exactly as :func:`stakegraph.measures.money_context` does (:meth:`GraphFrames.money`).

Node ids and edge keys are written as text; integer property values come back as floats
(:func:`stakegraph.measures.number` reads them alike).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from stakegraph.domain import NODE_TYPES, RELATIONSHIP_KINDS, PropType
from stakegraph.errors import DataError, NotFound
from stakegraph.measures import Money, currencies_in, default_as_of, to_date
from stakegraph.money import (
    DEFAULT_REPORTING_CURRENCY,
    FxTable,
    normalise_currency,
    table_from_rows,
)

if TYPE_CHECKING:  # pragma: no cover - pyarrow and pyspark are imported where used
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SCHEMA_VERSION", "GraphFrames", "write_parquet", "graph_frames", "graph_tables", "NODE_COLUMNS",
           "EDGE_COLUMNS"]

#: Bumped whenever a column is added, removed or changes type.
SCHEMA_VERSION = 1

_TEXT = ("name", "country", "currency", "status")
_PROVENANCE = ("source_file", "load_id")


def _declared(props: Iterable[Any], kind: PropType) -> tuple[str, ...]:
    return tuple(sorted({p.name for p in props if p.type == kind} - {"source_row"}))


_NODE_PROPS = [p for t in NODE_TYPES.values() for p in t.props]
_EDGE_PROPS = [p for k in RELATIONSHIP_KINDS.values() for p in k.all_props]
NODE_NUMBERS = _declared(_NODE_PROPS, PropType.FLOAT) + _declared(_NODE_PROPS, PropType.INT)
NODE_DATES = _declared(_NODE_PROPS, PropType.DATE)
EDGE_NUMBERS = _declared(_EDGE_PROPS, PropType.FLOAT) + _declared(_EDGE_PROPS, PropType.INT)
EDGE_DATES = _declared(_EDGE_PROPS, PropType.DATE)

#: Node columns in order (``type`` is the partition column).
NODE_COLUMNS: tuple[str, ...] = ("id", "ord", "type", "kind", *_TEXT, *NODE_NUMBERS, *NODE_DATES,
                                 *_PROVENANCE, "source_row", "props")
#: Edge columns in order (``kind`` is the partition column).
EDGE_COLUMNS: tuple[str, ...] = ("key", "id", "src", "dst", "ord_out", "ord_in", "kind", *_TEXT[2:],
                                 *EDGE_NUMBERS, *EDGE_DATES, *_PROVENANCE, "source_row", "props")


@dataclass(frozen=True)
class GraphFrames:
    """The graph as two Spark DataFrames, its version and the attributes money conversion needs.

    ``graph`` holds ``reporting_currency``, ``as_of`` (given, or ``None``), ``latest_date`` (the latest
    observation date, the default as-of), ``currencies`` (stated anywhere in the graph) and the other
    JSON-able graph attributes; ``fx`` the FX table (``None`` when the graph had none).
    """

    nodes: DataFrame
    edges: DataFrame
    version: str
    graph: Mapping[str, Any] = field(default_factory=dict)
    fx: FxTable | None = None

    def money(self) -> Money:
        """The :class:`~stakegraph.measures.Money` :func:`~stakegraph.measures.money_context` builds on the graph.

        Same reporting currency, FX table, day and currencies, so the same factors and the same stamp.
        """
        present = frozenset(self.graph.get("currencies") or ())
        reporting = normalise_currency(self.graph.get("reporting_currency")) or DEFAULT_REPORTING_CURRENCY
        if self.fx is None and len(present) == 1:
            reporting = next(iter(present))
        given, latest = self.graph.get("as_of"), self.graph.get("latest_date")

        def day() -> dt.date:
            if given not in (None, ""):
                return to_date(given)
            return dt.date.fromisoformat(latest) if latest else dt.date.today()

        return Money(reporting, self.fx, day, present)


# --- the graph as Arrow tables ----------------------------------------------------------------------


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _iso_date(value: Any) -> dt.date | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            d = dt.date.fromisoformat(value)
        except ValueError:
            return None
        return d if d.isoformat() == value else None
    return None


def _json_default(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _split(data: Mapping[str, Any], text: tuple[str, ...], numbers: tuple[str, ...], dates: tuple[str, ...],
           skip: frozenset[str], row: dict[str, list[Any]]) -> None:
    """Put one record's attributes in their typed columns and the rest in ``props`` (JSON)."""
    rest: dict[str, Any] = {}
    filled: set[str] = set()
    for k, v in data.items():
        if k in skip:
            continue
        if k in text and isinstance(v, str) or k in numbers and _number(v) or k in _PROVENANCE and isinstance(v, str):
            row[k].append(float(v) if k in numbers else v)
        elif k in dates and (d := _iso_date(v)) is not None:
            row[k].append(d)
        elif k == "source_row" and isinstance(v, int) and not isinstance(v, bool):
            row[k].append(v)
        else:
            rest[k] = v
            continue
        filled.add(k)
    for k in (*text, *numbers, *dates, *_PROVENANCE, "source_row"):
        if k not in filled:
            row[k].append(None)
    row["props"].append(json.dumps(rest, ensure_ascii=False, sort_keys=True, default=_json_default,
                                   allow_nan=True) if rest else None)


def _schema(columns: tuple[str, ...], numbers: tuple[str, ...], dates: tuple[str, ...]) -> pa.Schema:
    import pyarrow as pa

    def typ(c: str) -> pa.DataType:
        if c in numbers:
            return pa.float64()
        if c in dates:
            return pa.date32()
        if c in ("ord", "ord_out", "ord_in", "source_row"):
            return pa.int64()
        return pa.string()

    return pa.schema([pa.field(c, typ(c)) for c in columns])


def graph_tables(G: nx.MultiDiGraph) -> tuple[pa.Table, pa.Table, dict[str, Any]]:
    """``(nodes, edges, graph attributes)``: the projection as two Arrow tables (columns as in the module doc).

    >>> G = nx.MultiDiGraph(version="t:1")
    >>> G.add_node("b", type="party", name="Bank", capital=5.0, note="x")
    >>> _ = G.add_edge("b", "p", key="e1", kind="lends_to", amount=2.0, currency="USD", start_date="2024-01-31")
    >>> nodes, edges, attrs = graph_tables(G)
    >>> nodes.column("props").to_pylist(), edges.column("amount").to_pylist(), attrs["currencies"]
    (['{"note": "x"}', None], [2.0], ['USD'])
    """
    import pyarrow as pa

    node_row: dict[str, list[Any]] = {c: [] for c in NODE_COLUMNS}
    for i, (n, data) in enumerate(G.nodes(data=True)):
        node_row["id"].append(str(n))
        node_row["ord"].append(i)
        node_row["type"].append(data.get("type") if isinstance(data.get("type"), str) else None)
        node_row["kind"].append(data.get("kind") if isinstance(data.get("kind"), str) else None)
        skip = frozenset(k for k in ("type", "kind") if isinstance(data.get(k), str)) | (
            {"id"} if data.get("id") == n and isinstance(n, str) else frozenset())
        _split(data, _TEXT, NODE_NUMBERS, NODE_DATES, skip, node_row)
    in_ord = {(u, v, k): i for i, (u, v, k) in enumerate(G.in_edges(keys=True))}
    edge_row: dict[str, list[Any]] = {c: [] for c in EDGE_COLUMNS}
    for i, (u, v, k, data) in enumerate(G.edges(keys=True, data=True)):
        edge_row["key"].append(str(k))
        edge_row["src"].append(str(u))
        edge_row["dst"].append(str(v))
        edge_row["ord_out"].append(i)
        edge_row["ord_in"].append(in_ord[(u, v, k)])
        eid, kind = data.get("id"), data.get("kind")
        edge_row["id"].append(eid if isinstance(eid, str) else None)
        edge_row["kind"].append(kind if isinstance(kind, str) else None)
        skip = frozenset(x for x, val in (("id", eid), ("kind", kind)) if isinstance(val, str))
        _split(data, _TEXT[2:], EDGE_NUMBERS, EDGE_DATES, skip, edge_row)
    nodes = pa.Table.from_pydict(node_row, schema=_schema(NODE_COLUMNS, NODE_NUMBERS, NODE_DATES))
    edges = pa.Table.from_pydict(edge_row, schema=_schema(EDGE_COLUMNS, EDGE_NUMBERS, EDGE_DATES))
    return nodes, edges, _graph_attrs(G)


def _graph_attrs(G: nx.MultiDiGraph) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for k, v in G.graph.items():
        if k == "fx":
            continue
        if isinstance(v, dt.date):
            v = v.isoformat()
        if v is None or isinstance(v, str | int | float | bool):
            attrs[k] = v
    present = currencies_in(d for _, d in G.nodes(data=True)) | currencies_in(d for *_, d in G.edges(data=True))
    latest = default_as_of(G) if any(d for _, d in G.nodes(data="date")) else None
    attrs.update(version=str(G.graph.get("version", "")), currencies=sorted(present),
                 latest_date=latest.isoformat() if latest else None,
                 as_of=str(G.graph["as_of"]) if G.graph.get("as_of") not in (None, "") else None)
    fx = G.graph.get("fx")
    attrs["fx"] = [r.as_row() for r in fx.rows()] if isinstance(fx, FxTable) else None
    return attrs


# --- Parquet ----------------------------------------------------------------------------------------


def write_parquet(G: nx.MultiDiGraph, folder: str | Path, *, version: str) -> Path:
    """Write the graph to ``folder`` as Parquet (``nodes/``, ``edges/``, ``graph.json``, ``manifest.json``).

    Atomic: everything is written to a temporary folder beside ``folder`` and renamed into place, so a
    reader sees the old folder or the new one, never half of one (an existing ``folder`` is replaced).

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The projection.
    folder : str or Path
        Where the dataset goes.
    version : str
        The graph version written to the manifest (the store's ``graph_version()``).

    Returns
    -------
    Path
        ``folder``.

    Examples
    --------
    >>> import tempfile
    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("b", "p", key="e1", kind="lends_to", amount=2.0)
    >>> out = write_parquet(G, Path(tempfile.mkdtemp()) / "g", version="t:1")
    >>> json.loads((out / "manifest.json").read_text())["counts"]["edges"]
    {'lends_to': 1}

    See Also
    --------
    graph_frames : read it back as Spark DataFrames.
    """
    import pyarrow.dataset as ds

    target = Path(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    nodes, edges, attrs = graph_tables(G)
    attrs["version"] = version
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for name, table, part in (("nodes", nodes, "type"), ("edges", edges, "kind")):
            ds.write_dataset(table, tmp / name, format="parquet", partitioning=[part], partitioning_flavor="hive",
                             basename_template="part-{i}.parquet", existing_data_behavior="error")
        (tmp / "graph.json").write_text(json.dumps(attrs, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        manifest = {
            "version": version, "schema_version": SCHEMA_VERSION,
            "counts": {"nodes": dict(sorted(Counter(str(t) for t in nodes.column("type").to_pylist()).items())),
                       "edges": dict(sorted(Counter(str(k) for k in edges.column("kind").to_pylist()).items())),
                       "node_rows": nodes.num_rows, "edge_rows": edges.num_rows},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, sort_keys=True, indent=1), encoding="utf-8")
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a folder written by :func:`write_parquet` (schema version checked)."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise NotFound(f"{folder} holds no stakegraph Parquet graph (no manifest.json)",
                       fix="write one with stakegraph.spark.frames.write_parquet")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise DataError(f"{folder} has Parquet schema {manifest.get('schema_version')}, this stakegraph reads "
                        f"{SCHEMA_VERSION}", fix="write the graph again with this version of stakegraph")
    return manifest


def _spark_schema(columns: tuple[str, ...], numbers: tuple[str, ...], dates: tuple[str, ...]) -> Any:
    from pyspark.sql import types as T

    def typ(c: str) -> Any:
        if c in numbers:
            return T.DoubleType()
        if c in dates:
            return T.DateType()
        if c in ("ord", "ord_out", "ord_in", "source_row"):
            return T.LongType()
        return T.StringType()

    return T.StructType([T.StructField(c, typ(c), True) for c in columns])


NODE_SCHEMA_ARGS = (NODE_COLUMNS, NODE_NUMBERS, NODE_DATES)
EDGE_SCHEMA_ARGS = (EDGE_COLUMNS, EDGE_NUMBERS, EDGE_DATES)


def graph_frames(spark: SparkSession, source: nx.MultiDiGraph | str | Path) -> GraphFrames:
    """The graph as Spark DataFrames: from a folder written by :func:`write_parquet`, or from a graph.

    Examples
    --------
    >>> from stakegraph.spark.session import get_spark  # doctest: +SKIP
    >>> G = nx.MultiDiGraph(); _ = G.add_edge("b", "p", kind="lends_to", amount=2.0)
    >>> graph_frames(get_spark(), G).edges.count()  # doctest: +SKIP
    1

    See Also
    --------
    write_parquet : the folder layout and columns.
    """
    if isinstance(source, nx.Graph):
        nodes, edges, attrs = graph_tables(source)
        ndf = spark.createDataFrame(nodes)  # Arrow straight in: the schema is the tables'
        edf = spark.createDataFrame(edges)
    else:
        folder = Path(source)
        manifest = read_manifest(folder)
        attrs = json.loads((folder / "graph.json").read_text(encoding="utf-8"))
        attrs["version"] = manifest["version"]
        ndf = spark.read.schema(_spark_schema(*NODE_SCHEMA_ARGS)).parquet(str(folder / "nodes"))
        edf = spark.read.schema(_spark_schema(*EDGE_SCHEMA_ARGS)).parquet(str(folder / "edges"))
        ndf = ndf.select(*NODE_COLUMNS)
        edf = edf.select(*EDGE_COLUMNS)
    rows = attrs.pop("fx", None)
    fx = table_from_rows(rows) if rows is not None else None
    return GraphFrames(ndf, edf, str(attrs.get("version", "")), attrs, fx)


def to_graph(frames: GraphFrames) -> nx.MultiDiGraph:
    """The graph back from its frames (collects everything to the driver: for tests and small graphs).

    Nodes and edges come back in the graph's order (``G.nodes``, ``G.edges``); the order of
    ``G.in_edges`` follows the original only as far as the edges' insertion order allows (``ord_in``
    keeps the original).
    """
    G = nx.MultiDiGraph()
    G.graph.update({k: v for k, v in frames.graph.items()
                    if k not in ("currencies", "latest_date") and not (k == "as_of" and v is None)})
    if frames.fx is not None:
        G.graph["fx"] = frames.fx
    for node in sorted((r.asDict() for r in frames.nodes.collect()), key=lambda r: r["ord"]):
        G.add_node(node["id"], **_attrs(node, ("id", "ord", "props"), "id", node["id"]))
    rows = [r.asDict() for r in frames.edges.collect()]
    for r in sorted(rows, key=lambda r: r["ord_out"]):
        if r["src"] not in G or r["dst"] not in G:
            G.add_nodes_from(n for n in (r["src"], r["dst"]) if n not in G)
        G.add_edge(r["src"], r["dst"], key=r["key"],
                   **_attrs(r, ("key", "src", "dst", "ord_out", "ord_in", "props"), "id", None))
    return G


def _attrs(row: Mapping[str, Any], skip: tuple[str, ...], idcol: str, node_id: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if k in skip or v is None:
            continue
        out[k] = v.isoformat() if isinstance(v, dt.date) else v
    if node_id is not None:
        out[idcol] = node_id if "id" not in out else out["id"]
    if row.get("props"):
        extra = json.loads(row["props"])
        out.update(extra)
    return out


def money_factors(money: Money, currencies: Iterable[str]) -> dict[str, float]:
    """Factor per stated currency to the reporting currency (``MissingRate`` when one has no rate).

    >>> money_factors(Money("USD", None, dt.date.today), ["USD"])
    {'USD': 1.0}
    """
    out: dict[str, float] = {}
    for c in currencies:
        cur = normalise_currency(c)
        if cur is not None:
            out[cur] = money.amount(1.0, cur) if cur != money.reporting else 1.0
    return out

