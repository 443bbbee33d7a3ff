"""Spark ``groups`` and ``exposures`` equal the local analyses (floats to 1e-9, members, links and order exactly)."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pytest

from stakegraph.analytics.groups import connected_groups
from stakegraph.errors import ValidationError
from tests.spark.parity_data import (
    check_parity,
    frames_of,
    generated_graph,
    sample_graph,
    worldbank_graph,
)

pytestmark = pytest.mark.spark


def _control_web() -> nx.MultiDiGraph:
    """Aggregated holdings through a chain (z controls x controls b), a 50% tie, receipts and a guarantee."""
    G = nx.MultiDiGraph(version="t:groups")
    for n in ("z", "x", "b", "y", "w", "q", "s", "c", "o", "g", "bank"):
        G.add_node(n, type="party", name=n.upper())
    G.add_node("p", type="project", name="Plant")
    G.nodes["s"]["annual_revenue"] = 100.0
    G.nodes["bank"]["tier1_capital"] = 100.0
    G.add_edge("z", "x", key="e1", kind="owns", share_pct=51)
    G.add_edge("x", "b", key="e2", kind="owns", share_pct=60)
    G.add_edge("x", "y", key="e3", kind="owns", share_pct=20)
    G.add_edge("b", "y", key="e4", kind="owns", share_pct=20)
    G.add_edge("b", "y", key="e5", kind="owns", share_pct=15)   # x's side: 20 + 35 > 50
    G.add_edge("w", "y", key="e6", kind="owns", share_pct=45)
    G.add_edge("q", "w", key="e7", kind="owns", share_pct=50)   # exactly 50: not control
    G.add_edge("q", "w", key="e8", kind="controls", status="ended")
    G.add_edge("c", "s", key="e9", kind="buys_from", annual_revenue=50.0)  # 50% of receipts: interdependent
    G.add_edge("o", "p", key="e10", kind="offtakes", annual_revenue=30.0)
    G.add_edge("c", "p", key="e11", kind="offtakes", annual_revenue=10.0)
    G.add_edge("bank", "p", key="e12", kind="lends_to", amount=80.0)
    G.add_edge("g", "p", key="e13", kind="guarantees", amount=40.0)
    G.add_edge("bank", "y", key="e14", kind="lends_to", amount=12.0)
    G.add_edge("bank", "b", key="e15", kind="invests_in", amount=5.0)
    G.add_edge("bank", "q", key="e16", kind="lends_to", amount=11.0)
    return G


def test_aggregated_holdings_receipts_and_guarantees_on_a_hand_built_web(spark: Any) -> None:
    G = _control_web()
    r = check_parity(spark, G, "groups", {})
    assert {(lk.source, lk.target, lk.basis) for g in r.groups for lk in g.links} >= {
        ("x", "y", "aggregate_ownership"), ("c", "s", "receipts"), ("o", "p", "receipts"), ("g", "p", "guarantee")}
    e = check_parity(spark, G, "exposures", {"node": "bank"})
    assert e.breaches


def test_groups_and_exposures_on_the_sample(spark: Any) -> None:
    G = sample_graph()
    assert check_parity(spark, G, "groups", {"control_threshold": 30, "interdependence_threshold": 25}).groups
    assert check_parity(spark, G, "exposures", {"node": "b_bank", "top": 3}).largest


def test_groups_and_exposures_on_a_generated_portfolio(spark: Any) -> None:
    G = generated_graph()
    groups = check_parity(spark, G, "groups", {})
    assert groups.groups == connected_groups(G).groups
    lender = max((n for n, d in G.nodes(data=True) if d.get("tier1_capital")),
                 key=lambda n: (G.out_degree(n), n))
    check_parity(spark, G, "exposures", {"node": lender})


@pytest.mark.slow
def test_groups_and_exposures_on_the_world_bank_financiers(spark: Any) -> None:
    G = worldbank_graph()
    check_parity(spark, G, "groups", {})
    from stakegraph.spark.jobs import jobs

    lender = max((n for n, d in G.nodes(data=True) if d.get("type") == "party"), key=lambda n: (G.out_degree(n), n))
    with pytest.raises(ValidationError, match="tier1_capital"):
        jobs()["exposures"](frames_of(spark, G), {"node": lender, "top": 20})
