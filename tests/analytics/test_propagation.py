"""Contract-aware propagation: one hand-computed case per rule, the A Co. recall scenario, paths, properties."""

from __future__ import annotations

import doctest
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stakegraph.analytics.propagation as prop_mod
from stakegraph.analytics.cascade import threshold_cascade_graph
from stakegraph.analytics.propagation import (
    EquityLoss,
    PartyDefault,
    RelationshipEnds,
    TargetMissed,
    k_damaging_paths,
    propagate,
)
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.errors import NotFound, ValidationError
from stakegraph.model import EdgeRecord, NodeRecord
from tests.analytics import build, run_cli


def party(capital: float | None = None, **props):
    d = {"type": "party", **props}
    if capital is not None:
        d["capital"] = capital
    return d


def test_docstring_examples_run() -> None:
    result = doctest.testmod(prop_mod)
    assert result.attempted > 0 and result.failed == 0


# -- rule 1: loan loss ---------------------------------------------------------------------


def test_loan_loss_uses_edge_recovery_else_default() -> None:
    G = build({"l1": party(100), "l2": party(100), "b": party(10)},
              [("l1", "lends_to", "b", {"id": "x1", "amount": 50.0, "recovery_rate": 0.3}),
               ("l2", "lends_to", "b", {"id": "x2", "amount": 50.0})])
    r = propagate(G, [PartyDefault("b")])
    assert r.party("l1").loss == pytest.approx(35.0)  # 50 x (1 - 0.3)
    assert r.party("l2").loss == pytest.approx(30.0)  # 50 x (1 - 0.4 default)
    assert r.party("l1").first_round == 1 and not r.party("l1").defaulted
    assert r.party("b").default_round == 0 and r.party("b").h == 1.0
    assert propagate(G, [PartyDefault("b")], recovery_default=0.0).party("l2").loss == pytest.approx(50.0)
    assert r.system_loss == pytest.approx(10 + 35 + 30)  # b's wiped capital + lenders' losses


def test_default_when_loss_reaches_capital_exactly() -> None:
    G = build({"l": party(30), "b": party(1)}, [("l", "lends_to", "b", {"amount": 50.0})])
    r = propagate(G, [PartyDefault("b")])  # 50 x 0.6 = 30 = capital
    assert r.party("l").defaulted and r.party("l").default_round == 1
    assert r.default_rounds == (("b",), ("l",))


# -- rule 2: guarantees ----------------------------------------------------------------------


def test_guarantee_call_capped_and_relief_pro_rata() -> None:
    G = build({"l1": party(1000), "l2": party(1000), "g": party(1000), "b": party(1)},
              [("l1", "lends_to", "b", {"id": "x1", "amount": 100.0, "recovery_rate": 0.0}),
               ("l2", "lends_to", "b", {"id": "x2", "amount": 50.0, "recovery_rate": 0.0}),
               ("g", "guarantees", "b", {"id": "gx", "guarantee_cap": 30.0, "amount": 999.0})])
    r = propagate(G, [PartyDefault("b")])
    assert r.party("g").loss == pytest.approx(30.0)
    assert r.party("l1").loss == pytest.approx(100 - 20)  # relief 30 x 100/150
    assert r.party("l2").loss == pytest.approx(50 - 10)
    call = next(s for s in r.steps if s.clause == "guarantee_call")
    assert (call.source, call.target, call.edge_id, call.kind) == ("b", "g", "gx", "guarantees")


def test_guarantee_with_contract_covers_only_that_loan_and_reads_its_cap() -> None:
    G = build({"l1": party(1000), "l2": party(1000), "g": party(1000), "b": party(1),
               "k2": {"type": "contract", "guarantee_cap": 25.0}},
              [("l1", "lends_to", "b", {"amount": 100.0, "recovery_rate": 0.0}),
               ("l2", "lends_to", "b", {"amount": 50.0, "recovery_rate": 0.0, "contract_id": "k2"}),
               ("g", "guarantees", "b", {"contract_id": "k2"})])
    r = propagate(G, [PartyDefault("b")])
    assert r.party("g").loss == pytest.approx(25.0)
    assert r.party("l2").loss == pytest.approx(25.0) and r.party("l1").loss == pytest.approx(100.0)


def test_defaulted_guarantor_pays_nothing() -> None:
    G = build({"l": party(1000), "g": party(10), "b": party(1)},
              [("l", "lends_to", "b", {"amount": 100.0, "recovery_rate": 0.0}),
               ("g", "guarantees", "b", {"guarantee_cap": 40.0})])
    r = propagate(G, [PartyDefault("b"), PartyDefault("g")])
    assert r.party("l").loss == pytest.approx(100.0)
    assert not any(s.clause == "guarantee_call" for s in r.steps)


# -- rule 3: equity --------------------------------------------------------------------------


def test_equity_marked_down_then_written_off() -> None:
    G = build({"i": party(1000), "f": party(10)}, [("i", "invests_in", "f", {"amount": 50.0})])
    r = propagate(G, [EquityLoss("f", 0.3)])
    assert r.party("f").loss == pytest.approx(3.0) and r.party("f").h == pytest.approx(0.3)
    assert r.party("i").loss == pytest.approx(15.0)  # 50 x 0.3
    r2 = propagate(G, [PartyDefault("f")])
    assert r2.party("i").loss == pytest.approx(50.0)


# -- rule 4: recall and cross-default ------------------------------------------------------------


def cross_default_graph(threshold_on_contract: bool = False, clause: bool = True):
    l2 = {"id": "x2", "amount": 100.0}
    nodes = {"l1": party(1000), "l2": party(1000), "l3": party(1000), "b": party(200)}
    if clause and threshold_on_contract:
        l2["contract_id"] = "k2"
        nodes["k2"] = {"type": "contract", "cross_default_threshold": 100.0}
    elif clause:
        l2["cross_default_threshold"] = 100.0
    return build(nodes, [("l1", "lends_to", "b", {"id": "x1", "amount": 150.0}),
                         ("l2", "lends_to", "b", l2),
                         ("l3", "lends_to", "b", {"id": "x3", "amount": 80.0, "cross_default_threshold": 500.0})])


@pytest.mark.parametrize("on_contract", [False, True])
def test_recall_triggers_cross_default_below_threshold(on_contract: bool) -> None:
    r = propagate(cross_default_graph(on_contract), [RelationshipEnds("x1")])
    b = r.party("b")
    # recalled 150 (< capital 200) + cross-default on x2 (threshold 100 < 150) = 250 >= 200 -> default in round 0
    assert b.called == pytest.approx(250.0) and b.defaulted and b.default_round == 0
    clauses = {(s.clause, s.edge_id) for s in r.steps}
    assert ("recall", "x1") in clauses and ("cross_default", "x2") in clauses
    assert ("cross_default", "x3") not in clauses  # threshold 500 is above the 150 in default
    # insolvency puts every loan in default: lenders lose 60% of principal
    assert r.party("l1").loss == pytest.approx(90.0)
    assert r.party("l2").loss == pytest.approx(60.0)
    assert r.party("l3").loss == pytest.approx(48.0)
    cd = next(s for s in r.steps if s.clause == "cross_default")
    assert r.steps[cd.causes[0]].clause == "recall"


def test_recall_without_cross_default_is_survived() -> None:
    r = propagate(cross_default_graph(clause=False), [RelationshipEnds("x1")])
    assert r.defaults == () and r.party("b").called == pytest.approx(150.0)
    assert r.system_loss == 0.0


# -- rule 5: bet-on ------------------------------------------------------------------------------


def test_target_missed_calls_buyback() -> None:
    def g(buyback: float):
        return build({"c": party(1000), "d": party(50)},
                     [("c", "invests_in", "d", {"id": "eq", "amount": 100.0, "bet_on_buyback": buyback})])

    r = propagate(g(60.0), [TargetMissed("d")])
    assert r.party("d").called == pytest.approx(60.0) and r.party("d").default_round == 0  # 60 >= 50
    assert r.party("c").loss == pytest.approx(100.0)  # equity written off next round
    bet = next(s for s in r.steps if s.clause == "bet_on")
    assert (bet.source, bet.target, bet.edge_id) == ("c", "d", "eq")
    r2 = propagate(g(30.0), [TargetMissed("d")])
    assert r2.defaults == () and r2.party("d").called == pytest.approx(30.0)


def test_bet_on_triggered_by_distress_and_read_from_contract() -> None:
    G = build({"c": party(1000), "d": party(50), "k_bet": {"type": "contract", "bet_on_buyback": 30.0}},
              [("c", "invests_in", "d", {"amount": 100.0, "contract_id": "k_bet"})])
    r = propagate(G, [EquityLoss("d", 0.6)])
    # round 0: d loses 30 (h 0.6 >= 0.5); round 1: c marked down 60, buy-back 30 falls due -> 30 + 30 >= 50
    d = r.party("d")
    assert d.called == pytest.approx(30.0) and d.default_round == 1
    assert r.party("c").loss == pytest.approx(100.0)  # 60 marked down + the remaining 40 at default
    r2 = propagate(G, [EquityLoss("d", 0.6)], bet_on_trigger=None)
    assert r2.defaults == () and r2.party("c").loss == pytest.approx(60.0)


# -- rule 6: revenue -------------------------------------------------------------------------------


def test_customer_leaving_is_revenue_loss_for_the_seller() -> None:
    G = build({"cust": party(1000), "s": party(100), "buyer": party(1000), "sup": party(100)},
              [("cust", "buys_from", "s", {"id": "bf", "annual_revenue": 80.0}),
               ("sup", "supplies", "buyer", {"id": "sp", "annual_revenue": 40.0})])
    r = propagate(G, [RelationshipEnds("bf"), RelationshipEnds("sp")])
    assert r.party("s").loss == pytest.approx(80.0) and r.party("s").revenue_lost == pytest.approx(80.0)
    assert r.party("sup").loss == pytest.approx(40.0)
    assert propagate(G, [RelationshipEnds("bf")], revenue_margin=0.25).party("s").loss == pytest.approx(20.0)
    G2 = build({"cust": party(1000), "s": party(50)}, [("cust", "buys_from", "s", {"id": "bf", "annual_revenue": 80.0})])
    assert propagate(G2, [RelationshipEnds("bf")]).defaults == ("s",)


def test_missing_capital_takes_losses_but_never_defaults() -> None:
    G = build({"l": party(), "b": party(1)}, [("l", "lends_to", "b", {"amount": 1e9})])
    r = propagate(G, [PartyDefault("b")])
    assert r.party("l").loss == pytest.approx(6e8) and not r.party("l").defaulted and r.party("l").h is None
    assert r.missing_capital == ("l",)


def test_shock_validation() -> None:
    G = build({"a": party(), "b": party(10)}, [])
    with pytest.raises(NotFound):
        propagate(G, [PartyDefault("zz")])
    with pytest.raises(NotFound):
        propagate(G, [RelationshipEnds("nope")])
    with pytest.raises(ValidationError, match="capital"):
        propagate(G, [EquityLoss("a", 0.5)])
    with pytest.raises(ValidationError, match="0..1"):
        propagate(G, [EquityLoss("b", 1.5)])
    with pytest.raises(ValidationError):
        propagate(G, [PartyDefault("b")], recovery_default=2.0)


# -- the A Co. scenario -------------------------------------------------------------------------


def a_co_graph():
    return build(
        {"b_bank": party(1_000_000, name="B Bank"), "a_co": party(200_000, name="A Co."),
         "a_supplier_1": party(50_000), "a_supplier_2": party(1_000_000), "a_customer_1": party(1_000_000),
         "a_new_investor": party(1_000_000), "p_line": {"type": "project", "name": "line"}},
        [("b_bank", "lends_to", "a_co", {"id": "loan", "amount": 500_000.0, "currency": "CNY", "status": "recalled",
                                         "recovery_rate": 0.2}),
         ("a_co", "buys_from", "a_supplier_1", {"id": "s1", "annual_revenue": 80_000.0}),
         ("a_supplier_2", "supplies", "a_co", {"id": "s2", "annual_revenue": 30_000.0}),
         ("a_customer_1", "buys_from", "a_co", {"id": "c1", "annual_revenue": 300_000.0}),
         ("a_new_investor", "invests_in", "a_co", {"id": "eq", "amount": 100_000.0}),
         ("a_supplier_1", "builds", "p_line", {"id": "bl"})],
    )


def test_b_bank_recall_spreads_to_a_co_suppliers() -> None:
    r = propagate(a_co_graph(), [RelationshipEnds("loan")])
    # round 0: 500,000 falls due, A Co. holds 200,000 -> default
    assert r.party("a_co").defaulted and r.party("a_co").default_round == 0
    # round 1: B Bank loses 500,000 x 0.8; the investor its 100,000; suppliers a year of sales to A Co.
    assert r.party("b_bank").loss == pytest.approx(400_000.0)
    assert r.party("a_new_investor").loss == pytest.approx(100_000.0)
    assert r.party("a_supplier_1").loss == pytest.approx(80_000.0) and r.party("a_supplier_1").defaulted
    assert r.party("a_supplier_2").loss == pytest.approx(30_000.0)
    # A Co.'s customer loses a supplier, not money
    assert "a_customer_1" not in {p.party for p in r.parties}
    assert r.defaults == ("a_co", "a_supplier_1") and r.default_rounds == (("a_co",), ("a_supplier_1",))
    assert r.converged and r.rounds == 1  # losses land in round 1; the supplier's default moves nothing further
    assert not propagate(a_co_graph(), [RelationshipEnds("loan")], rounds=1).converged
    assert r.system_loss == pytest.approx(400_000 + 100_000 + 80_000 + 30_000)
    # the path that carried the loss to the supplier names the recall and the purchase relationship
    path = r.party("a_supplier_1").paths[0]
    assert [(s.clause, s.edge_id) for s in path] == [("shock", "loan"), ("recall", "loan"), ("revenue_loss", "s1")]
    assert path[-1].amount == pytest.approx(80_000.0) and path[1].amount == pytest.approx(500_000.0)
    # the project the defaulted supplier builds is affected
    assert [(p.project, p.defaulted_parties) for p in r.projects] == [("p_line", ("a_supplier_1",))]
    js = to_jsonable(r)
    assert js["stamp"]["graph_version"] == "test:1" and json.dumps(js)


# -- k most damaging paths --------------------------------------------------------------------


def test_k_damaging_paths_ordered_by_transmission() -> None:
    G = build({"a": party(1), "m": party(10), "t": party(50)},
              [("t", "lends_to", "a", {"id": "ta", "amount": 10.0, "recovery_rate": 0.5}),  # 5/50 = 0.1
               ("m", "lends_to", "a", {"id": "ma", "amount": 20.0, "recovery_rate": 0.0}),  # 20/10 -> 1
               ("t", "lends_to", "m", {"id": "tm", "amount": 40.0, "recovery_rate": 0.5})])  # 20/50 = 0.4
    r = k_damaging_paths(G, "a", "t", k=5)
    assert [p.nodes for p in r.paths] == [("a", "m", "t"), ("a", "t")]
    assert [p.transmission for p in r.paths] == pytest.approx([0.4, 0.1])
    assert r.paths[0].links[0].edges == ("ma",) and r.paths[0].links[0].kinds == ("lends_to",)
    assert k_damaging_paths(G, "a", "t", k=1).paths[0].nodes == ("a", "m", "t")
    assert k_damaging_paths(G, "t", "a").paths == ()  # loss does not flow from lender to borrower
    with pytest.raises(ValidationError):
        k_damaging_paths(G, "a", "t", k=0)


# -- second implementation and properties -------------------------------------------------------


def random_loan_graph(seed: int, n: int = 8):
    rng = random.Random(seed)
    nodes = {f"n{i}": party(rng.uniform(1, 20)) for i in range(n)}
    edges = []
    for i in range(n):
        for j in range(n):
            if i != j and rng.random() < 0.3:
                edges.append((f"n{i}", "lends_to", f"n{j}", {"amount": rng.uniform(1, 30),
                                                            "recovery_rate": rng.uniform(0, 0.9)}))
    return build(nodes, edges)


@pytest.mark.parametrize("seed", range(25))
def test_loans_only_matches_threshold_cascade(seed: int) -> None:
    G = random_loan_graph(seed)
    r = propagate(G, [PartyDefault("n0")], rounds=100)
    c = threshold_cascade_graph(G, ["n0"])
    assert set(r.defaults) == {c.nodes[i] for i in c.defaulted}
    losses = dict(zip(c.nodes, c.losses, strict=True))
    for p in r.parties:
        if p.party != "n0" and not p.defaulted:
            assert p.loss == pytest.approx(losses[p.party])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 100_000), st.floats(0, 1), st.floats(0, 1))
def test_more_shock_never_less_loss(seed: int, f1: float, f2: float) -> None:
    lo, hi = sorted((f1, f2))
    rng = random.Random(seed)
    n = 6
    nodes = {f"n{i}": party(rng.uniform(1, 20)) for i in range(n)}
    edges = []
    kinds = ["lends_to", "invests_in", "buys_from", "guarantees"]
    for i in range(n):
        for j in range(n):
            if i != j and rng.random() < 0.35:
                kind = rng.choice(kinds)
                props = {"amount": rng.uniform(1, 20), "annual_revenue": rng.uniform(1, 10)}
                if kind == "invests_in" and rng.random() < 0.5:
                    props["bet_on_buyback"] = rng.uniform(1, 10)
                edges.append((f"n{i}", kind, f"n{j}", props))
    G = build(nodes, edges)
    a = propagate(G, [EquityLoss("n0", lo)])
    b = propagate(G, [EquityLoss("n0", hi)])
    assert b.system_loss >= a.system_loss - 1e-6
    assert set(a.defaults) <= set(b.defaults)
    assert all(p.h is None or 0 <= p.h <= 1 for p in b.parties)


# -- both stores and the CLI --------------------------------------------------------------------


def a_co_records():
    G = a_co_graph()
    nodes = [NodeRecord(n, d["type"], {k: v for k, v in d.items() if k not in ("type", "id")})
             for n, d in G.nodes(data=True)]
    edges = [EdgeRecord(k, d["kind"], u, v, {x: y for x, y in d.items() if x not in ("kind", "id")})
             for u, v, k, d in G.edges(keys=True, data=True)]
    return nodes, edges


def test_same_result_from_the_store(store) -> None:
    nodes, edges = a_co_records()
    store.write(nodes, edges)
    r = propagate(store.project(), [RelationshipEnds("loan")])
    ref = propagate(a_co_graph(), [RelationshipEnds("loan")])
    assert r.defaults == ref.defaults
    assert {p.party: p.loss for p in r.parties} == pytest.approx({p.party: p.loss for p in ref.parties})


def test_cli_contagion(tmp_path, monkeypatch) -> None:
    from stakegraph.store import EmbeddedStore

    nodes, edges = a_co_records()
    with EmbeddedStore(tmp_path / "stakegraph.sqlite") as s:
        s.write(nodes, edges)
    out = json.loads(run_cli(monkeypatch, tmp_path, "contagion", "ends:loan", "--json").output)["result"]
    assert out["defaults"] == ["a_co", "a_supplier_1"] and out["system_loss"] == pytest.approx(610_000)
    text = run_cli(monkeypatch, tmp_path, "contagion", "ends:loan").output
    assert "a_supplier_1" in text and "recall" in text and "p_line" in text
    dr = json.loads(run_cli(monkeypatch, tmp_path, "contagion", "a_co", "--method", "debtrank", "--json").output)
    assert dr["stamp"]["algorithm"] == "debtrank"
    kp = json.loads(run_cli(monkeypatch, tmp_path, "damaging-paths", "a_co", "b_bank", "--json").output)["result"]
    assert kp["paths"][0]["nodes"] == ["a_co", "b_bank"]
    assert "defaulting" in run_cli(monkeypatch, tmp_path, "contagion", "--method", "clearing").output
    assert "cascade" in run_cli(monkeypatch, tmp_path, "contagion", "a_co", "--method", "cascade").output
