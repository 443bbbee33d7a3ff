"""Lifecycle stages on hand-made timelines, segmentation buckets, seeded Louvain communities, CLI."""

from __future__ import annotations

import doctest
import json
from typing import Any

import networkx as nx
import pytest

import stakegraph.analytics.lifecycle as lc_mod
from stakegraph.analytics.lifecycle import (
    LifecycleRules,
    SizeThresholds,
    communities,
    lifecycle_stage,
    rating_bucket,
    segmentation,
)
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.errors import NotFound
from stakegraph.model import EdgeRecord, NodeRecord
from tests.analytics import build, run_cli

AS_OF = "2026-01-01"


def test_docstring_examples_run() -> None:
    result = doctest.testmod(lc_mod)
    assert result.attempted > 0 and result.failed == 0


def timeline(edges=(), events=()):
    nodes: dict[str, Any] = {"us": "party", "c": {"type": "party", "name": "Client", "lifecycle_stage": "maturity"},
             "s": "party"}
    for i, (typ, kind, date, extra) in enumerate(events):
        nodes[f"e{i}"] = {"type": typ, "kind": kind, "date": date, "party_id": "c", **extra}
    return build(nodes, list(edges))


def test_acquisition_first_contact_no_revenue() -> None:
    G = timeline(events=[("interaction", "meeting", "2025-09-01", {}), ("interaction", "call", "2025-12-01", {})])
    r = lifecycle_stage(G, "c", as_of=AS_OF)
    assert (r.stage, r.rule) == ("acquisition", "new_no_revenue")
    assert r.first_interaction == "2025-09-01" and r.days_since_interaction == 31


def test_development_rising_orders() -> None:
    G = timeline([("us", "lends_to", "c", {"amount": 10.0, "start_date": "2023-01-01"})],
                 [("interaction", "meeting", "2025-12-01", {}),
                  ("signal", "order_volume_change", "2025-06-01", {"value": 10.0}),
                  ("signal", "order_volume_change", "2025-11-01", {"value": 20.0}),
                  ("signal", "order_volume_change", "2024-06-01", {"value": -90.0})])  # outside the window
    r = lifecycle_stage(G, "c", as_of=AS_OF)
    assert (r.stage, r.trend_pct, r.trend_source) == ("development", 15.0, "order_volume_change")


def test_decline_from_buys_from_history() -> None:
    # one year ago the client bought 100 + 50 from s; a 50 contract ended in 2025 -> revenue 100 now: -33%
    G = timeline([("c", "buys_from", "s", {"annual_revenue": 100.0, "start_date": "2020-01-01"}),
                  ("c", "buys_from", "s", {"ref": "2", "annual_revenue": 50.0, "start_date": "2020-01-01",
                                          "end_date": "2025-06-30"})],
                 [("interaction", "meeting", "2025-12-01", {})])
    r = lifecycle_stage(G, "c", as_of=AS_OF)
    assert r.stage == "decline" and r.trend_pct == pytest.approx(-100 / 3) and r.trend_source == "buys_from"
    assert r.active_relationships == 1 and r.ended_relationships == 1


def test_maturity_stable_and_established() -> None:
    G = timeline([("c", "buys_from", "s", {"annual_revenue": 100.0, "start_date": "2020-01-01"})],
                 [("interaction", "meeting", "2025-12-01", {})])
    r = lifecycle_stage(G, "c", as_of=AS_OF)
    assert (r.stage, r.rule, r.trend_pct) == ("maturity", "stable", 0.0)
    G2 = timeline([("us", "lends_to", "c", {"amount": 10.0, "start_date": "2019-01-01"})])
    assert lifecycle_stage(G2, "c", as_of=AS_OF).rule == "established"
    G3 = timeline([("us", "lends_to", "c", {"amount": 10.0, "start_date": "2025-01-01"})])
    assert lifecycle_stage(G3, "c", as_of=AS_OF).stage == "development"


def test_churn_all_ended_or_silent() -> None:
    G = timeline([("c", "buys_from", "s", {"annual_revenue": 100.0, "status": "ended"})],
                 [("interaction", "meeting", "2025-12-01", {})])
    assert lifecycle_stage(G, "c", as_of=AS_OF).rule == "all_ended"
    G2 = timeline([("us", "lends_to", "c", {"amount": 10.0})], [("interaction", "meeting", "2024-06-01", {})])
    r = lifecycle_stage(G2, "c", as_of=AS_OF)
    assert (r.stage, r.rule, r.days_since_interaction) == ("churn", "silent", 579)
    # a shorter churn window is a parameter
    assert lifecycle_stage(G2, "c", as_of="2024-07-01", rules=LifecycleRules(churn_days=10)).stage == "churn"


def test_no_data_and_unknown_party() -> None:
    r = lifecycle_stage(timeline(), "c", as_of=AS_OF)
    assert r.stage is None and r.stated_stage == "maturity"
    with pytest.raises(NotFound):
        lifecycle_stage(timeline(), "zz", as_of=AS_OF)


def test_rating_buckets() -> None:
    assert [rating_bucket(x) for x in ("AAA", "BBB-", "Baa3", "A1", "BB+", "Ba1", "B-", "CCC+", "Ca", "SD")] == [
        "investment_grade", "investment_grade", "investment_grade", "investment_grade", "speculative",
        "speculative", "speculative", "distressed", "distressed", "distressed"]
    assert rating_bucket("") == "unrated" and rating_bucket("WR") == "unrated"


def test_segmentation_thresholds_and_counts() -> None:
    G = build({"small": {"type": "party", "total_assets": 10e6, "risk_appetite": "conservative"},
               "mid": {"type": "party", "annual_revenue": 100e6, "credit_rating": "BBB"},
               "big": {"type": "party", "total_assets": 5e9, "credit_rating": "AA", "risk_appetite": "aggressive"},
               "stated": {"type": "party", "size_segment": "large"},
               "who": {"type": "party", "kind": "person"}}, [])
    s = segmentation(G)
    by = {p.party: p for p in s.parties}
    assert "who" not in by
    assert [(by[n].size, by[n].size_source) for n in ("small", "mid", "big", "stated")] == [
        ("sme", "total_assets"), ("mid", "annual_revenue"), ("large", "total_assets"), ("large", "size_segment")]
    assert s.size_counts == {"sme": 1, "mid": 1, "large": 2}
    assert s.rating_counts == {"unrated": 2, "investment_grade": 2}
    assert s.risk_appetite_counts["unknown"] == 2
    tuned = {p.party: p.size for p in segmentation(G, thresholds=SizeThresholds(assets_sme=1e6)).parties}
    assert tuned["small"] == "mid"


def two_triangles():
    nodes = {n: "party" for n in "abcxyz"}
    nodes["lonely"] = "party"
    edges = [(u, "partner_of", v) for u, v in [("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z"),
                                                ("x", "z"), ("c", "x")]]
    return build(nodes, edges)


def test_communities_two_triangles_modularity_by_hand() -> None:
    r = communities(two_triangles(), seed=7)
    assert [c.members for c in r.communities] == [("a", "b", "c"), ("x", "y", "z")]
    # m = 7 edges; each community: 3 internal edges, degree sum 7 -> Q = 2 (3/7 - (7/14)^2)
    assert r.modularity == pytest.approx(2 * (3 / 7 - 0.25))
    H = nx.Graph([(u, v) for u, v, _ in two_triangles().edges(data=True)])
    assert r.modularity == pytest.approx(nx.community.modularity(H, [set("abc"), set("xyz")]))
    assert r.isolated == 1 and r.community_of("y") == 1
    assert to_jsonable(r)["stamp"]["parameters"]["seed"] == 7


def test_communities_same_seed_same_partition() -> None:
    G = nx.MultiDiGraph(nx.les_miserables_graph())
    nx.set_node_attributes(G, "party", "type")
    for u, v, k in G.edges(keys=True):
        G.edges[u, v, k]["kind"] = "partner_of"
    a, b = communities(G, seed=3), communities(G, seed=3)
    assert [c.members for c in a.communities] == [c.members for c in b.communities]
    assert a.modularity == pytest.approx(b.modularity) and a.modularity > 0.5


def test_cli_lifecycle(tmp_path, monkeypatch) -> None:
    from stakegraph.store import EmbeddedStore

    G = two_triangles()
    nodes = [NodeRecord(n, d["type"], {k: v for k, v in d.items() if k not in ("type", "id")})
             for n, d in G.nodes(data=True)]
    nodes.append(NodeRecord("i1", "interaction", {"kind": "meeting", "date": "2025-12-01", "party_id": "lonely"}))
    edges = [EdgeRecord(k, d["kind"], u, v, {}) for u, v, k, d in G.edges(keys=True, data=True)]
    with EmbeddedStore(tmp_path / "stakegraph.sqlite") as s:
        s.write(nodes, edges)
    one = json.loads(run_cli(monkeypatch, tmp_path, "lifecycle", "lonely", "--as-of", AS_OF, "--json").output)["result"]
    assert one["stage"] == "acquisition"
    assert "acquisition" in run_cli(monkeypatch, tmp_path, "lifecycle-book", "--as-of", AS_OF).output
    com = json.loads(run_cli(monkeypatch, tmp_path, "communities", "--seed", "7", "--json").output)["result"]
    assert com["modularity"] == pytest.approx(2 * (3 / 7 - 0.25))
    assert "unrated" in run_cli(monkeypatch, tmp_path, "segments").output


def test_sponsor_without_amounts_is_not_in_acquisition() -> None:
    G = build({"sp": "party", "p": "project"}, [("sp", "sponsors", "p", {"share_pct": 60.0, "start_date": "2018-01-01"})])
    assert lifecycle_stage(G, "sp", as_of=AS_OF).stage == "maturity"
