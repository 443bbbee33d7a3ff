"""Central dependencies: hand-computed centralities, igraph = NetworkX, cut points, dominators, removal impact."""

from __future__ import annotations

import random
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stakegraph.analytics.dependencies import (
    articulation_points_and_bridges,
    central_dependencies,
    centrality,
    funding_dominators,
    removal_impact,
)
from stakegraph.analytics.kernels import betweenness, betweenness_igraph, pagerank
from stakegraph.analytics.selection import structural_graph
from stakegraph.errors import ValidationError
from tests.analytics import build


def chain(names: str, kind: str = "lends_to"):
    return build({n: "party" for n in names}, [(a, kind, b, {"amount": 1}) for a, b in zip(names, names[1:], strict=False)])


def test_path_betweenness_by_hand() -> None:
    # a-b-c-d undirected: b lies on (a,c),(a,d); c on (a,d),(b,d); normalised by (n-1)(n-2)/2 = 3
    r = centrality(chain("abcd"), normalized=False, backend="networkx")
    assert r.betweenness == {"a": 0.0, "b": 2.0, "c": 2.0, "d": 0.0}
    rn = centrality(chain("abcd"), normalized=True)
    assert rn.betweenness["b"] == pytest.approx(2 / 3)
    # directed a->b->c->d: b on (a,c),(a,d); normalised by (n-1)(n-2) = 6
    rd = centrality(chain("abcd"), directed=True)
    assert rd.betweenness["b"] == pytest.approx(2 / 6)
    assert rd.core == {"a": 1, "b": 1, "c": 1, "d": 1}


def test_star_and_core_by_hand() -> None:
    G = build({n: "party" for n in ("hub", "x", "y", "z", "w")},
              [("hub", "lends_to", n, {"amount": 5}) for n in "xyzw"] + [("x", "buys_from", "y", {"annual_revenue": 1}),
                                                                       ("y", "buys_from", "x", {"annual_revenue": 1})])
    r = centrality(G, normalized=False)
    # pairs through hub: all 6 pairs of {x,y,z,w} except (x,y) which are adjacent
    assert r.betweenness["hub"] == pytest.approx(5)
    assert r.core["hub"] == 2 and r.core["x"] == 2 and r.core["z"] == 1
    assert r.top[0].node == "hub"
    assert sum(r.pagerank.values()) == pytest.approx(1)


def pagerank_by_power_iteration(H: nx.Graph, alpha: float = 0.85) -> dict:
    """Independent PageRank: dense power iteration with dangling mass spread uniformly."""
    import numpy as np

    nodes = list(H)
    n = len(nodes)
    idx = {v: i for i, v in enumerate(nodes)}
    A = np.zeros((n, n))
    for u, v in H.edges():
        A[idx[u], idx[v]] += 1
        if not H.is_directed():
            A[idx[v], idx[u]] += 1
    out = A.sum(axis=1)
    x = np.full(n, 1 / n)
    for _ in range(2000):
        nxt = alpha * (x[out > 0] / out[out > 0]) @ A[out > 0] + alpha * x[out == 0].sum() / n + (1 - alpha) / n
        if np.abs(nxt - x).sum() < 1e-15:
            break
        x = nxt
    return {v: float(x[idx[v]]) for v in nodes}


@pytest.mark.parametrize("directed", [False, True])
def test_pagerank_equals_power_iteration(directed: bool) -> None:
    H = nx.gnm_random_graph(60, 200, seed=3, directed=directed)
    got = pagerank(H)
    want = pagerank_by_power_iteration(H)
    assert max(abs(got[v] - want[v]) for v in H) < 1e-9


def random_weighted(seed: int, directed: bool, n: int = 30, m: int = 80) -> nx.Graph:
    H = nx.gnm_random_graph(n, m, seed=seed, directed=directed)
    rnd = random.Random(seed)
    for u, v in H.edges():
        H[u][v]["distance"] = float(rnd.randint(1, 4))  # integers: ties are exact in both libraries
    return H


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("weight", [None, "distance"])
@pytest.mark.parametrize("normalized", [False, True])
@pytest.mark.parametrize("k", [None, 7])
def test_igraph_betweenness_equals_networkx(seed, directed, weight, normalized, k) -> None:
    H = random_weighted(seed, directed)
    want = nx.betweenness_centrality(H, k=k, normalized=normalized, weight=weight, seed=seed)
    got = betweenness_igraph(H, weight=weight, normalized=normalized, k=k, seed=seed)
    assert set(got) == set(want)
    assert max(abs(got[v] - want[v]) for v in H) < 1e-9


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 25), st.integers(0, 60), st.integers(0, 10_000), st.booleans())
def test_igraph_equals_networkx_property(n: int, m: int, seed: int, directed: bool) -> None:
    H = random_weighted(seed, directed, n=n, m=min(m, n * (n - 1) // (1 if directed else 2)))
    want = nx.betweenness_centrality(H, weight="distance")
    got, used = betweenness(H, weight="distance", backend="igraph")
    assert used == "igraph" and max(abs(got[v] - want[v]) for v in H) < 1e-9


def test_kernel_threshold_and_errors() -> None:
    H = nx.path_graph(5)
    assert betweenness(H, threshold=3)[1] == "igraph" and betweenness(H)[1] == "networkx"
    with pytest.raises(ValidationError):
        betweenness(nx.MultiGraph(H))
    with pytest.raises(ValidationError):
        betweenness(H, backend="rust")  # type: ignore[arg-type]


def test_centrality_uses_igraph_above_threshold_with_same_numbers() -> None:
    G = chain("abcdefgh")
    a = centrality(G, weighted=True, backend="networkx")
    b = centrality(G, weighted=True, backend="igraph")
    assert a.backend == "networkx" and b.backend == "igraph"
    assert all(abs(a.betweenness[v] - b.betweenness[v]) < 1e-9 for v in a.betweenness)
    s1 = centrality(G, k=4, seed=1)
    s2 = centrality(G, k=4, seed=1, backend="igraph")
    assert s1.betweenness == pytest.approx(s2.betweenness)


def test_bridge_between_two_triangles() -> None:
    edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "f"), ("f", "d")]
    G = build({n: "party" for n in "abcdef"}, [(u, "supplies", v, {"annual_revenue": 1}) for u, v in edges])
    r = articulation_points_and_bridges(G)
    assert sorted(p.node for p in r.points) == ["c", "d"]
    c = next(p for p in r.points if p.node == "c")
    assert c.pieces == (3, 2) and c.separated == ("a", "b")
    assert [(br.u, br.v, br.kinds, br.separated) for br in r.bridges] == [("c", "d", ("supplies",), ("a", "b", "c"))]


def random_structure(seed: int, n: int, m: int):
    rnd = random.Random(seed)
    names = [f"n{i}" for i in range(n)]
    edges = []
    for j in range(m):
        a, b = rnd.sample(names, 2)
        edges.append((a, rnd.choice(["lends_to", "builds", "buys_from"]), b, {"amount": 1, "ref": str(j)}))
    return build({x: "party" for x in names}, edges)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 30), st.integers(0, 45))
def test_removing_an_articulation_point_disconnects_what_it_reports(seed: int, n: int, m: int) -> None:
    G = random_structure(seed, n, m)
    H = structural_graph(G)
    r = articulation_points_and_bridges(G)
    assert {p.node for p in r.points} == set(nx.articulation_points(H))
    for p in r.points:
        comp = nx.node_connected_component(H, p.node)
        K = H.subgraph(comp - {p.node})
        pieces = sorted((len(c) for c in nx.connected_components(K)), reverse=True)
        assert list(p.pieces) == pieces and len(pieces) >= 2
        assert p.separated and len(p.separated) == sum(pieces) - pieces[0]
        rest = set(comp) - {p.node} - set(p.separated)
        for x in p.separated:
            assert not (nx.node_connected_component(K, x) & rest)
    assert {frozenset((b.u, b.v)) for b in r.bridges} == {frozenset(e) for e in nx.bridges(H)}
    for b in r.bridges:
        K = H.copy()
        K.remove_edge(b.u, b.v)
        side = nx.node_connected_component(K, b.separated[0])
        assert side == set(b.separated)


def test_funding_dominators_spv_diamond_and_chain() -> None:
    G = build({"b1": "party", "b2": "party", "spv": "party", "hold": "party", "sp": "party",
               "p": "project", "q": "project"},
              [("b1", "lends_to", "hold", {}), ("b2", "lends_to", "hold", {}),
               ("hold", "invests_in", "spv", {}), ("spv", "invests_in", "p", {}),
               ("sp", "sponsors", "q", {}), ("b1", "lends_to", "q", {}), ("b2", "guarantees", "q", {})])
    r = funding_dominators(G, "p")
    assert r.chokepoints == ("spv", "hold")
    assert r.gateway == {"b1": "hold", "b2": "hold", "hold": "spv", "spv": "p"}
    assert r.ultimate_funders == ("b1", "b2")
    q = funding_dominators(G, "q")  # two independent funders, guarantees are not funding
    assert q.chokepoints == () and q.funders == ("b1", "sp") and q.gateway == {"b1": "q", "sp": "q"}
    lone = funding_dominators(G, "b1")
    assert lone.funders == () and lone.chokepoints == ()


def energy_group():
    nodes: dict[str, Any] = {"energy_group": {"type": "party", "kind": "corporate"},
             "epc_main": {"type": "party", "kind": "epc_contractor", "replaceability": 0.2},
             "dev_bank_1": {"type": "party", "kind": "development_bank"},
             "bank_1": {"type": "party", "kind": "bank", "replaceability": 1.0},
             "off_1": "party", "off_2": "party"}
    edges = []
    for i, amt in enumerate((100.0, 250.0, 400.0), start=1):
        nodes[f"p_energy_plant_{i}"] = "project"
        edges += [("energy_group", "sponsors", f"p_energy_plant_{i}", {"share_pct": 100}),
                  ("epc_main", "builds", f"p_energy_plant_{i}", {"amount": amt}),
                  ("dev_bank_1", "lends_to", f"p_energy_plant_{i}", {"amount": 2 * amt})]
    edges += [("bank_1", "lends_to", "p_energy_plant_1", {"amount": 50.0}),
              ("off_1", "offtakes", "p_energy_plant_1", {"annual_revenue": 30.0}),
              ("off_2", "offtakes", "p_energy_plant_2", {"annual_revenue": 40.0}),
              ("off_2", "offtakes", "p_energy_plant_3", {"annual_revenue": 45.0, "status": "terminated"})]
    return build(nodes, edges)


def test_single_epc_removal_impact() -> None:
    r = removal_impact(energy_group(), "epc_main")
    assert r.stranded_projects == ("p_energy_plant_1", "p_energy_plant_2", "p_energy_plant_3")
    assert r.money_stranded == 100 + 250 + 400 and r.cut_by_money == {"contract": 750.0}
    assert r.weighted_stranded == pytest.approx((1 - 0.2) * 750)
    assert all(d.role == "EPC contractor" and d.sole for d in r.dependants)


def test_lender_removal_sole_and_shared() -> None:
    G = energy_group()
    r = removal_impact(G, "dev_bank_1")
    # plant 1 keeps bank_1; plants 2 and 3 lose their only lender
    assert r.stranded_projects == ("p_energy_plant_2", "p_energy_plant_3")
    assert r.money_cut == 200 + 500 + 800 and r.money_stranded == 500 + 800
    assert r.replaceability is None and r.weighted_stranded == r.money_stranded  # missing r = 0
    shared = next(d for d in r.dependants if d.node == "p_energy_plant_1")
    assert not shared.sole and shared.providers == 2
    b = removal_impact(G, "bank_1")
    assert b.money_cut == 50 and b.weighted_cut == 0  # replaceability 1: easily replaced
    off = removal_impact(G, "off_2")  # the terminated offtake does not count
    assert [(d.node, d.amount, d.money) for d in off.dependants] == [("p_energy_plant_2", 40.0, "revenue")]
    with pytest.raises(ValidationError):
        removal_impact(G, "epc_main", kinds=("partner_of",))


def test_central_dependencies_ranks_by_weighted_stranded_money() -> None:
    G = energy_group()
    rows = central_dependencies(G).rows
    order = [r.impact.node for r in rows]
    assert order[:2] == ["dev_bank_1", "epc_main"]  # 1300 vs 600 weighted stranded
    for r in rows:
        single = removal_impact(G, r.impact.node)
        assert r.impact.money_cut == single.money_cut and r.impact.stranded_projects == single.stranded_projects
    assert all(isinstance(r.articulation_point, bool) for r in rows)
    cut_nodes = {p.node for p in articulation_points_and_bridges(G).points}
    assert {r.impact.node for r in rows if r.articulation_point} == cut_nodes & set(order)
    fast = central_dependencies(G, cut_points=False).rows
    assert [r.impact.node for r in fast] == order and not any(r.articulation_point for r in fast)


def test_cli_dependencies(tmp_path, monkeypatch) -> None:
    import json

    from tests.analytics import run_cli, seed_cli_store

    seed_cli_store(tmp_path)
    ranked = json.loads(run_cli(monkeypatch, tmp_path, "dependencies", "--json").output)["result"]
    assert ranked["rows"][0]["impact"]["node"] == "epc_main"
    assert ranked["rows"][0]["impact"]["weighted_stranded"] == pytest.approx(0.8 * 120)
    out = run_cli(monkeypatch, tmp_path, "removal-impact", "epc_main").output
    assert "p1, p2" in out and "96.00" in out
    dom = json.loads(run_cli(monkeypatch, tmp_path, "funding-dominators", "p1", "--json").output)["result"]
    assert dom["gateway"] == {"bank": "p1", "bank2": "p1"} and dom["chokepoints"] == []
    cen = json.loads(run_cli(monkeypatch, tmp_path, "centrality", "--json").output)["result"]
    assert cen["top"][0]["node"] == "tech_co"
    cuts = json.loads(run_cli(monkeypatch, tmp_path, "cut-points", "--json").output)["result"]
    assert {p["node"] for p in cuts["points"]} >= {"tech_co", "bank", "epc_main"}
    assert "Articulation" in run_cli(monkeypatch, tmp_path, "cut-points").output
    assert "epc_main" in run_cli(monkeypatch, tmp_path, "dependencies").output
    assert "Gateway" in run_cli(monkeypatch, tmp_path, "funding-dominators", "p1").output


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 40), st.integers(0, 60))
def test_cut_points_and_bridges_same_from_igraph_and_networkx(seed: int, n: int, m: int) -> None:
    G = random_structure(seed, n, m)
    a = articulation_points_and_bridges(G, backend="networkx")
    b = articulation_points_and_bridges(G, backend="igraph")
    assert a == b


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_centrality_same_from_every_backend(directed: bool, weighted: bool) -> None:
    G = random_structure(7, 60, 110)
    a = centrality(G, directed=directed, weighted=weighted, backend="networkx")
    b = centrality(G, directed=directed, weighted=weighted, backend="igraph")
    assert a.core == b.core and set(a.pagerank) == set(b.pagerank)
    assert max(abs(a.pagerank[v] - b.pagerank[v]) for v in a.pagerank) < 1e-12
    assert max(abs(a.betweenness[v] - b.betweenness[v]) for v in a.betweenness) < 1e-9
    assert [r.node for r in a.top] == [r.node for r in b.top]


def test_prebuilt_structure_gives_the_same_results() -> None:
    """A caller may build the structure graph once and pass it to both analytics (the audit does)."""
    G = nx.MultiDiGraph()
    rng = random.Random(7)
    G.add_nodes_from((f"n{i}", {"type": "party" if i % 4 else "project"}) for i in range(60))
    for j in range(120):
        u, v = rng.sample(range(60), 2)
        G.add_edge(f"n{u}", f"n{v}", key=f"e{j}", kind=rng.choice(["lends_to", "supplies", "builds"]), amount=1.0 + j)
    H = structural_graph(G)
    before = nx.to_dict_of_dicts(H)
    assert centrality(G, structure=H) == centrality(G)
    assert articulation_points_and_bridges(G, structure=H) == articulation_points_and_bridges(G)
    assert nx.to_dict_of_dicts(H) == before  # read, never changed
