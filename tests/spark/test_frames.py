"""The graph to Parquet and back: every node and edge attribute, the order, the manifest, atomic writes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow.dataset as ds
import pytest

from stakegraph.errors import DataError, NotFound
from stakegraph.measures import money_context
from stakegraph.money import FxRate, FxTable
from stakegraph.spark.frames import (
    SCHEMA_VERSION,
    graph_frames,
    graph_tables,
    to_graph,
    write_parquet,
)
from tests.spark.parity_data import sample_graph

pytestmark = pytest.mark.spark


def _odd_graph() -> nx.MultiDiGraph:
    """Every kind of value a projection may hold, including ones that do not fit their typed column."""
    fx = FxTable([FxRate(dt.date(2025, 1, 31), "CNY", 7.0, "USD", "test")])
    G = nx.MultiDiGraph(version="t:7", reporting_currency="USD", fx=fx, store="embedded")
    G.add_node("b", id="b", type="party", kind="bank", name="Bank 银行", capital=5.0, currency="CNY",
               covenants=["a", "b"], gsib=True, date="2025-03-01")
    G.add_node("p", id="p", type="project", kind="power", total_cost=float("inf"), start_date="not a date",
               capacity_mw=3, note=None)
    G.add_node("x", id="x")  # no type, no kind
    G.add_edge("b", "p", key="e1", id="e1", kind="lends_to", amount=2.5, currency="CNY", start_date="2024-01-31",
               status="active", source_file="r.csv", source_row=2, load_id="l1")
    G.add_edge("b", "p", key="e2", id="e2", kind="lends_to", amount="12", tenor_years=True, end_date="2024-13-01")
    G.add_edge("p", "b", key="e3", id="e3", kind="owns", share_pct=51.0, role=["x"])
    G.add_edge("x", "b", key="e4", kind="controls")
    return G


def _same(G: nx.MultiDiGraph, H: nx.MultiDiGraph) -> None:
    assert list(H.nodes) == list(G.nodes)
    assert list(H.edges(keys=True)) == list(G.edges(keys=True))
    for n, d in G.nodes(data=True):
        want = {**d, "id": n}
        assert dict(H.nodes[n]) == want, n
    for u, v, k, d in G.edges(keys=True, data=True):
        assert H[u][v][k] == d, k
    assert H.graph["version"] == G.graph["version"]


def test_arrow_tables_keep_typed_columns_and_the_rest_in_props() -> None:
    nodes, edges, attrs = graph_tables(_odd_graph())
    e = {r["key"]: r for r in edges.to_pylist()}
    assert e["e1"]["amount"] == 2.5 and e["e1"]["start_date"] == dt.date(2024, 1, 31) and e["e1"]["props"] is None
    assert json.loads(e["e2"]["props"]) == {"amount": "12", "end_date": "2024-13-01", "tenor_years": True}
    n = {r["id"]: r for r in nodes.to_pylist()}
    assert n["p"]["capacity_mw"] == 3.0 and n["p"]["start_date"] is None and n["x"]["type"] is None
    assert attrs["currencies"] == ["CNY"] and attrs["latest_date"] == "2025-03-01" and len(attrs["fx"]) == 1
    assert [r["ord_in"] for r in edges.to_pylist()] == [2, 3, 0, 1]  # in-edge order: b's in-edges first


def test_parquet_round_trip_of_odd_values(spark: Any, tmp_path: Path) -> None:
    G = _odd_graph()
    out = write_parquet(G, tmp_path / "g", version="t:7")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["schema_version"] == SCHEMA_VERSION and manifest["version"] == "t:7"
    assert manifest["counts"]["edges"] == {"controls": 1, "lends_to": 2, "owns": 1}
    assert sorted(p.name for p in (out / "edges").iterdir()) == ["kind=controls", "kind=lends_to", "kind=owns"]
    frames = graph_frames(spark, out)
    H = to_graph(frames)
    G.nodes["p"]["capacity_mw"] = 3.0  # integers come back as floats
    _same(G, H)
    m, m2 = money_context(G), frames.money()
    assert (m.reporting, m.day, m.currencies, m.stamp()) == (m2.reporting, m2.day, m2.currencies, m2.stamp())


def test_sample_round_trips_from_parquet_and_from_memory(spark: Any, tmp_path: Path) -> None:
    G = sample_graph()
    out = write_parquet(G, tmp_path / "sample", version=str(G.graph["version"]))
    assert ds.dataset(out / "edges", partitioning="hive").count_rows() == G.number_of_edges()
    for frames in (graph_frames(spark, out), graph_frames(spark, G)):
        assert frames.version == G.graph["version"]
        _same(G, to_graph(frames))
        assert money_context(G).stamp() == frames.money().stamp()
        in_order = [(r["src"], r["dst"], r["key"]) for r in frames.edges.orderBy("ord_in").collect()]
        assert in_order == [(str(u), str(v), str(k)) for u, v, k in G.in_edges(keys=True)]


def test_write_is_atomic_and_replaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    G = _odd_graph()
    out = write_parquet(G, tmp_path / "g", version="v1")
    import pyarrow.dataset as pads

    def boom(*a: Any, **k: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pads, "write_dataset", boom)
    with pytest.raises(OSError):
        write_parquet(G, tmp_path / "g", version="v2")
    monkeypatch.undo()
    assert json.loads((out / "manifest.json").read_text())["version"] == "v1"
    assert [p.name for p in tmp_path.iterdir()] == ["g"]  # no temporary folder left behind
    write_parquet(G, tmp_path / "g", version="v2")
    assert json.loads((out / "manifest.json").read_text())["version"] == "v2"
    assert [p.name for p in tmp_path.iterdir()] == ["g"]


def test_reading_a_folder_that_is_not_a_graph_says_what_to_do(spark: Any, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="write_parquet"):
        graph_frames(spark, tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"schema_version": 0, "version": "x"}))
    with pytest.raises(DataError, match="write the graph again"):
        graph_frames(spark, tmp_path)
