"""Tests of stakegraph.analytics; ``build`` makes a projection-shaped graph by hand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from stakegraph.model import EdgeRecord, NodeRecord, edge_id
from stakegraph.store.base import to_networkx


def build(
    nodes: Mapping[str, Mapping[str, Any] | str],
    edges: Iterable[tuple[Any, ...]],
    *,
    version: str = "test:1",
) -> nx.MultiDiGraph:
    """A projection from ``{id: type or props-with-type}`` and ``(source, kind, target[, props])`` rows.

    Goes through the real ``to_networkx`` so the shape is exactly what the stores give.
    """
    recs = []
    for nid, spec in nodes.items():
        props = {"type": spec} if isinstance(spec, str) else dict(spec)
        ntype = props.pop("type", "party")
        props.setdefault("name", nid)
        recs.append(NodeRecord(nid, ntype, props))
    erecs = []
    for row in edges:
        src, kind, dst = row[:3]
        props = dict(row[3]) if len(row) > 3 else {}
        eid = props.pop("id", None) or edge_id(kind, src, dst, props.get("ref"))
        erecs.append(EdgeRecord(eid, kind, src, dst, props))
    return to_networkx(recs, erecs, version=version, backend="test")


def seed_cli_store(data_dir: Any) -> None:
    """Write a small portfolio into the embedded store the CLI will open from ``data_dir``."""
    from pathlib import Path

    from stakegraph.store import EmbeddedStore

    Path(data_dir).mkdir(parents=True, exist_ok=True)
    nodes = [
        NodeRecord("tech_co", "party", {"name": "科技公司", "kind": "corporate"}),
        NodeRecord("bank", "party", {"name": "Bank", "kind": "bank", "tier1_capital": 100.0}),
        NodeRecord("bank2", "party", {"name": "Bank 2", "kind": "bank"}),
        NodeRecord("epc_main", "party", {"name": "EPC", "kind": "epc_contractor", "replaceability": 0.2}),
        NodeRecord("p1", "project", {"name": "Plant 1"}),
        NodeRecord("p2", "project", {"name": "Plant 2"}),
    ]
    edges = [
        EdgeRecord("l1", "lends_to", "bank", "p1", {"amount": 30.0}),
        EdgeRecord("l2", "lends_to", "bank2", "p1", {"amount": 20.0}),
        EdgeRecord("l3", "lends_to", "bank", "tech_co", {"amount": 12.0}),
        EdgeRecord("b1", "builds", "epc_main", "p1", {"amount": 70.0}),
        EdgeRecord("b2", "builds", "epc_main", "p2", {"amount": 50.0}),
        EdgeRecord("o1", "owns", "tech_cust_1", "tech_cust_2", {"share_pct": 60.0}),
    ]
    for i, rev in enumerate((30.0, 20.0, 15.0, 12.0, 9.76, 6.62, 6.62), start=1):
        nodes.append(NodeRecord(f"tech_cust_{i}", "party", {"name": f"客户{i}"}))
        edges.append(EdgeRecord(f"r{i}", "buys_from", f"tech_cust_{i}", "tech_co", {"annual_revenue": rev}))
    with EmbeddedStore(Path(data_dir) / "stakegraph.sqlite") as store:
        store.write(nodes, edges)


def run_cli(monkeypatch: Any, data_dir: Any, *args: str) -> Any:
    """Run ``stakegraph analyze ARGS`` in-process against the embedded store in ``data_dir``."""
    from typer.testing import CliRunner

    from stakegraph.cli.main import app

    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(data_dir))
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)
    result = CliRunner().invoke(app, ["analyze", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result
