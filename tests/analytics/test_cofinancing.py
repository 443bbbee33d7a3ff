"""Co-financing: counts equal networkx's weighted bipartite projection; amounts by hand."""

from __future__ import annotations

import random
from typing import Any

import networkx as nx
import pytest
from networkx.algorithms import bipartite

from stakegraph.analytics.cofinancing import cofinancing, cofinancing_graph
from stakegraph.errors import ValidationError
from tests.analytics import build


def syndicate():
    nodes: dict[str, Any] = {b: {"type": "party", "kind": "bank"} for b in ("dev_bank_1", "policy_bank_1", "bank_a", "bank_b")}
    nodes.update({p: "project" for p in ("p1", "p2", "p3")})
    nodes["corp"] = "party"
    edges = [
        ("dev_bank_1", "lends_to", "p1", {"amount": 100}), ("policy_bank_1", "lends_to", "p1", {"amount": 60}),
        ("bank_a", "lends_to", "p1", {"amount": 10}),
        ("dev_bank_1", "lends_to", "p2", {"amount": 80}), ("policy_bank_1", "lends_to", "p2", {"amount": 20, "ref": "t1"}),
        ("policy_bank_1", "lends_to", "p2", {"amount": 20, "ref": "t2"}),
        ("bank_b", "lends_to", "p3", {"amount": 5}), ("bank_a", "lends_to", "p3", {"amount": 7, "status": "ended"}),
        ("bank_a", "lends_to", "corp", {"amount": 1}), ("bank_b", "lends_to", "corp", {"amount": 1}),
        ("bank_b", "invests_in", "p1", {"amount": 3}),
    ]
    return build(nodes, edges)


def test_hand_computed_pairs() -> None:
    r = cofinancing(syndicate())
    got = [(p.a, p.b, p.count, p.amount, p.amount_overlap, p.projects) for p in r.pairs]
    assert got == [
        # p1: 100+60, min 60; p2: 80+(20+20), min 40
        ("dev_bank_1", "policy_bank_1", 2, 280.0, 100.0, ("p1", "p2")),
        ("bank_a", "dev_bank_1", 1, 110.0, 10.0, ("p1",)),
        ("bank_a", "policy_bank_1", 1, 70.0, 10.0, ("p1",)),
    ]
    assert r.lenders == 4 and r.projects == 3
    assert [p.count for p in cofinancing(syndicate(), min_shared=2).pairs] == [2]
    with_equity = cofinancing(syndicate(), kinds=("lends_to", "invests_in"))
    assert len(with_equity.pairs) == 6
    corporate = cofinancing(syndicate(), target_types=("party",))
    assert [(p.a, p.b) for p in corporate.pairs] == [("bank_a", "bank_b")]
    assert cofinancing(syndicate(), top=1).pairs[0].a == "dev_bank_1"
    with pytest.raises(ValidationError):
        cofinancing(syndicate(), min_shared=0)


@pytest.mark.parametrize("seed", range(6))
def test_counts_equal_networkx_weighted_projected_graph(seed: int) -> None:
    rnd = random.Random(seed)
    lenders = [f"L{i}" for i in range(12)]
    projects = [f"P{i}" for i in range(20)]
    nodes = {**{x: "party" for x in lenders}, **{p: "project" for p in projects}}
    edges, B = [], nx.Graph()
    B.add_nodes_from(lenders, bipartite=0)
    B.add_nodes_from(projects, bipartite=1)
    stake: dict = {}
    for j in range(70):
        lender, project = rnd.choice(lenders), rnd.choice(projects)
        amt = rnd.randint(1, 50)
        edges.append((lender, "lends_to", project, {"amount": amt, "ref": str(j)}))
        B.add_edge(lender, project)
        stake.setdefault(project, {}).setdefault(lender, 0)
        stake[project][lender] += amt
    r = cofinancing(build(nodes, edges))
    W = bipartite.weighted_projected_graph(B, [x for x in lenders if B.degree(x)])
    assert {frozenset((p.a, p.b)): p.count for p in r.pairs} == {frozenset((u, v)): d["weight"]
                                                                 for u, v, d in W.edges(data=True)}
    # amounts: independent loop over pairs of lenders
    for p in r.pairs:
        shared = [q for q in stake if p.a in stake[q] and p.b in stake[q]]
        assert p.amount == sum(stake[q][p.a] + stake[q][p.b] for q in shared)
        assert p.amount_overlap == sum(min(stake[q][p.a], stake[q][p.b]) for q in shared)
    keys = [(-p.count, -p.amount) for p in r.pairs]
    assert keys == sorted(keys)
    assert all(a < b for a, b in ((p.a, p.b) for p in r.pairs))


def test_graph_builder_for_views() -> None:
    r = cofinancing(syndicate())
    H = cofinancing_graph(r)
    assert H["dev_bank_1"]["policy_bank_1"]["weight"] == 2
    assert H["dev_bank_1"]["policy_bank_1"]["amount"] == 280
    assert H.nodes["bank_a"]["name"] == "bank_a" and H.number_of_edges() == len(r.pairs)
    assert H.graph["version"] == "test:1"


def test_cli_cofinancing(tmp_path, monkeypatch) -> None:
    import json

    from tests.analytics import run_cli, seed_cli_store

    seed_cli_store(tmp_path)
    data = json.loads(run_cli(monkeypatch, tmp_path, "cofinancing", "--json").output)["result"]
    assert [(p["a"], p["b"], p["count"], p["amount"], p["amount_overlap"]) for p in data["pairs"]] == [
        ("bank", "bank2", 1, 50.0, 20.0)]
    assert "Bank 2" in run_cli(monkeypatch, tmp_path, "cofinancing").output
