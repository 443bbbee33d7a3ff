"""Graphs the Spark parity tests share (built once per process) and the comparison they use.

* the bundled sample (``data/sample``) through the embedded store's projection;
* a seeded generated portfolio (:func:`stakegraph.samples.scale.generate`) through the same;
* the World Bank financiers (``data/worldbank``, the extract shipped with the repository, from
  ``../shared/data/worldbank``), built straight from the CSV — one party
  per financier, one project per project id, one ``lends_to`` edge per positive ``amount_usd`` row
  (several per pair, so sums of several edges are exercised) — loading 29k rows through the store
  would take minutes, and parity needs the same graph on both sides, not the loader.
"""

from __future__ import annotations

import csv
import functools
import lzma
import math
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from stakegraph.analyses import get
from stakegraph.analyses.spec import parse_params
from stakegraph.analytics.stamp import to_jsonable

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
WORLDBANK = ROOT / "data" / "worldbank"
GENERATED = (400, 18)  # parties, seed


def _projection(files: Path, **load_kw: Any) -> nx.MultiDiGraph:
    from stakegraph.loaders import load
    from stakegraph.store import EmbeddedStore
    from stakegraph.workspace import Workspace

    store = EmbeddedStore(Path(tempfile.mkdtemp(prefix="sg_spark_")) / "store.sqlite")
    report = load(files, store, **load_kw)
    assert report.ok, [str(e) for e in report.errors[:5]]
    G = Workspace(store).projection()
    store.close()
    return G


@functools.cache
def sample_graph() -> nx.MultiDiGraph:
    return _projection(SAMPLE)


@functools.cache
def generated_graph() -> nx.MultiDiGraph:
    from stakegraph.samples.scale import generate

    files = Path(tempfile.mkdtemp(prefix="sg_spark_gen_"))
    generate(GENERATED[0], GENERATED[1], files)
    return _projection(files)


@functools.cache
def worldbank_graph() -> nx.MultiDiGraph:
    path = WORLDBANK / "all_proj_financiers_2025.csv.xz"
    G = nx.MultiDiGraph(version="worldbank:financiers", reporting_currency="USD")
    with lzma.open(path, "rt", encoding="utf-8", newline="") as f:
        for row_no, r in enumerate(csv.DictReader(f), start=2):
            amount = float(r["amount_usd"]) if r["amount_usd"].strip() else 0.0
            if amount <= 0:
                continue
            lender, project = f"wb_fin_{r['financer_id']}", r["project_id"]
            if lender not in G:
                G.add_node(lender, id=lender, type="party", kind="bank", name=r["name"])
            if project not in G:
                G.add_node(project, id=project, type="project", kind="infrastructure", name=project)
            key = f"wb_{row_no}"
            G.add_edge(lender, project, key=key, id=key, kind="lends_to", amount=amount,
                       currency="USD", source_file=path.name, source_row=row_no)
    return G


_FRAMES: dict[int, Any] = {}


def frames_of(spark: Any, G: nx.MultiDiGraph) -> Any:
    """The graph's frames, read back from a Parquet folder written once per graph."""
    from stakegraph.spark.frames import graph_frames, write_parquet

    if id(G) not in _FRAMES:
        folder = write_parquet(G, Path(tempfile.mkdtemp(prefix="sg_spark_pq_")) / "graph",
                               version=str(G.graph.get("version", "")))
        _FRAMES[id(G)] = graph_frames(spark, folder)
    return _FRAMES[id(G)]


def assert_same(local: Any, spark: Any, path: str = "result") -> None:
    """Equal JSON forms: floats to 1e-9 (relative, or absolute near 0), everything else exactly."""
    if isinstance(local, float) or isinstance(spark, float):
        assert isinstance(local, int | float) and isinstance(spark, int | float), (path, local, spark)
        assert math.isclose(local, spark, rel_tol=1e-9, abs_tol=1e-9), (path, local, spark)
    elif isinstance(local, Mapping):
        assert isinstance(spark, Mapping) and set(local) == set(spark), (path, sorted(local), sorted(spark))
        for k in local:
            assert_same(local[k], spark[k], f"{path}.{k}")
    elif isinstance(local, list):
        assert isinstance(spark, list) and len(local) == len(spark), (path, len(local), spark)
        for i, (a, b) in enumerate(zip(local, spark, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    else:
        assert local == spark, (path, local, spark)


def check_parity(spark: Any, G: nx.MultiDiGraph, name: str, params: Mapping[str, Any]) -> Any:
    """Run ``name`` locally and as its Spark job on ``G``; assert the results are equal; return the local one."""
    from stakegraph.spark.jobs import jobs

    analysis = get(name)
    parsed = parse_params(analysis, dict(params))
    local = analysis.compute(G, parsed)
    remote = jobs()[name](frames_of(spark, G), parsed)
    assert type(remote) is type(local)
    a, b = to_jsonable(local), to_jsonable(remote)
    b["stamp"]["parameters"].pop("backend", None)
    assert_same(a, b)
    return local
