"""The bundled sample tells its six stories where an analyst would look (shared/reference/domain.md).

The sample (data/sample) is loaded once with ``stakegraph.loaders.load`` into the embedded store and projected;
each test runs the analytics an analyst would run and checks the answer against a hand computation
from the scenario's declared values (src/stakegraph/samples/scenarios.py, read here from the CSV text or the
graph's attributes, never from the analytics' own output). The sample's "today" is
``scenarios.AS_OF`` = 2026-06-30, the date of its last event (docs/sample-data.md).
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from stakegraph.analytics import cofinancing as cof
from stakegraph.analytics import concentration as conc
from stakegraph.analytics import dependencies as deps
from stakegraph.analytics import groups as grp
from stakegraph.analytics import health
from stakegraph.analytics import lifecycle as life
from stakegraph.analytics import propagation as prop
from stakegraph.loaders import load
from stakegraph.samples.sample import DEFAULT_DIR as SAMPLE
from stakegraph.samples.scenarios import (
    A_CROSS_DEFAULT,
    A_WC_LOAN,
    AS_OF,
    ENERGY_LENDERS,
    ENERGY_PLANTS,
)
from stakegraph.store import EmbeddedStore

PLANTS = tuple(f"p_energy_plant_{p[0]}" for p in ENERGY_PLANTS)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose embedded store holds the sample (what ``stakegraph load data/sample`` leaves)."""
    d = tmp_path_factory.mktemp("scenarios")
    with EmbeddedStore(d / "stakegraph.sqlite") as store:
        report = load(SAMPLE, store)
        assert not report.errors
    return d


@pytest.fixture(scope="module")
def G(data_dir: Path) -> nx.MultiDiGraph:
    with EmbeddedStore(data_dir / "stakegraph.sqlite") as store:
        return store.project()


@pytest.fixture(scope="module")
def G_cny(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The sample reported in CNY: the Chinese scenarios are told (and worked by hand) in yuan. The sample's
    parties state no currency, so their capital is read in the reporting currency (stakegraph.money)."""
    H = G.copy()
    H.graph["reporting_currency"] = "CNY"
    return H


def csv_rows(role: str) -> list[dict[str, str]]:
    with (SAMPLE / f"{role}.csv").open(encoding="utf-8", newline="") as f:
        return [{k: v for k, v in row.items() if v != ""} for row in csv.DictReader(f)]


def out_edges(G: nx.MultiDiGraph, node: str, kind: str) -> list[tuple[str, str, str, dict]]:
    return [(u, v, k, d) for u, v, k, d in G.out_edges(node, keys=True, data=True) if d.get("kind") == kind]


def decay(date: str, as_of: str = AS_OF) -> float:
    """The health score's signal decay 0.5^(age / 365 days), by hand."""
    from datetime import date as day

    return float(0.5 ** ((day.fromisoformat(as_of) - day.fromisoformat(date[:10])).days / 365))


# -- "today" -----------------------------------------------------------------------------------------------

def test_as_of_is_the_last_event_date() -> None:
    dates = [r["date"] for role in ("interactions", "signals") for r in csv_rows(role)]
    assert max(dates) == AS_OF


# -- scenario 3: customer concentration ---------------------------------------------------------------------

def test_tech_co_cr5_is_86_76_and_it_leads_the_portfolio_by_money_at_stake(G: nx.MultiDiGraph) -> None:
    edges = [r for r in csv_rows("relationships") if r["kind"] == "buys_from" and r["target_id"] == "tech_co"
             and r["status"] == "active"]
    values = sorted((Decimal(r["annual_revenue"]) for r in edges), reverse=True)
    assert sum(values[:5]) / sum(values) == Decimal("0.8676")  # exact, on the file text
    r = conc.concentration(G, "tech_co", kinds=("buys_from",))
    assert r.cr_k == pytest.approx(86.76, abs=1e-9)
    assert [s.counterparty for s in r.shares[:5]] == [f"tech_cust_{i}" for i in range(1, 6)]
    hhi = sum((v * 100 / sum(values)) ** 2 for v in values)  # hand HHI on the same figures
    assert r.hhi == pytest.approx(float(hhi), rel=1e-12)
    assert r.bands[-1].band == "highly concentrated"  # 2023 guidelines: > 1,800
    # across the portfolio: the same numbers, and among the top three by money at stake (total x CR-5)
    pc = conc.portfolio_concentration(G, kinds=("buys_from",), min_counterparties=2)
    row = next(x for x in pc.rows if x.node == "tech_co")
    assert (row.cr_k, row.hhi) == (pytest.approx(86.76, abs=1e-9), pytest.approx(r.hhi))
    at_stake = sorted(pc.rows, key=lambda x: (-x.total * x.cr_k, x.node))
    assert "tech_co" in [x.node for x in at_stake[:3]]


# -- scenario 1: B Bank's recall spreads to A Co.'s partners -----------------------------------------------------

def test_b_bank_recall_defaults_a_co_through_cross_default_and_spreads_to_its_suppliers(G_cny: nx.MultiDiGraph) -> None:
    G = G_cny
    assert G.edges["b_bank", "a_co", "r_ab_loan"]["status"] == "recalled"
    r = prop.propagate(G, [prop.RelationshipEnds("r_ab_loan")])
    by = {p.party: p for p in r.parties}
    # by hand: 500,000 falls due; A Co.'s debt in default (500,000) is above the 300,000 threshold of its other
    # loan, so that 450,000 falls due too: 950,000 >= capital 900,000 -> A Co. defaults in round 0
    capital = G.nodes["a_co"]["capital"]
    assert 500_000 < capital <= 500_000 + A_WC_LOAN and A_CROSS_DEFAULT < 500_000
    assert by["a_co"].called == 500_000 + A_WC_LOAN and by["a_co"].defaulted and by["a_co"].default_round == 0
    clauses = {(s.edge_id, s.clause, s.amount) for s in r.steps}
    assert {("r_ab_loan", "recall", 500_000), ("r_a_wc_loan", "cross_default", A_WC_LOAN)} <= clauses
    # the lenders lose amount x (1 - recovery 0.4)
    assert by["b_bank"].loss == pytest.approx(500_000 * 0.6) and by["a_rural_bank"].loss == pytest.approx(A_WC_LOAN * 0.6)
    # A Co.'s suppliers lose a year of sales to it (revenue_margin 1) against their own capital
    for sup, _, key, d in [e for s in ("a_supplier_1", "a_supplier_2", "a_supplier_3") for e in out_edges(G, s, "supplies")]:
        p = by[sup]
        assert p.revenue_lost == d["annual_revenue"]
        assert p.defaulted == (d["annual_revenue"] >= G.nodes[sup]["capital"]), sup
        # the contagion path names the recalled relationship and the supply relationship it travelled on
        path = p.paths[0]
        assert ("r_ab_loan", "recall") in [(s.edge_id, s.clause) for s in path]
        assert (path[-1].edge_id, path[-1].clause, path[-1].source, path[-1].target) == (key, "revenue_loss", "a_co", sup)
    assert set(r.defaults) == {"a_co", "a_supplier_1", "a_supplier_3"}  # 3.2m > 2.34m, 0.65m > 0.35m; 1.1m < 1.78m
    assert r.default_rounds == (("a_co",), ("a_supplier_1", "a_supplier_3"))


# -- scenario 2: the bet-on clause --------------------------------------------------------------------------------

def test_c_fund_d_tech_dispute_and_bet_on_buyback(G_cny: nx.MultiDiGraph) -> None:
    G = G_cny
    disputes = [n for n, d in G.nodes(data=True) if d.get("type") == "signal" and d.get("kind") == "dispute"
                and d.get("party_id") == "d_tech" and d.get("counterparty_id") == "c_fund"]
    assert {G.nodes[n]["relationship_id"] for n in disputes} == {"r_cd"} and len(disputes) >= 2
    assert any(v == "k_bet_on_cd" for n in disputes for _, v, d in G.out_edges(n, data=True) if d["kind"] == "concerns")
    buyback = G.nodes["k_bet_on_cd"]["bet_on_buyback"]
    r = prop.propagate(G, [prop.TargetMissed("d_tech")])
    [step] = [s for s in r.steps if s.clause == "bet_on"]
    assert (step.source, step.target, step.edge_id, step.amount, step.effect) == ("c_fund", "d_tech", "r_cd", buyback, "call")
    d_tech = next(p for p in r.parties if p.party == "d_tech")
    # 23,000,000 falls due (a call, not a loss: h stays 0) against 72,000,000 of capital: no default
    assert d_tech.called == 23_000_000 < G.nodes["d_tech"]["capital"]
    assert (d_tech.loss, d_tech.h, d_tech.defaulted) == (0, 0, False)


# -- scenario 4: energy_group's dependencies -------------------------------------------------------------------------

def test_energy_group_depends_on_one_epc_contractor(G: nx.MultiDiGraph) -> None:
    ri = deps.removal_impact(G, "epc_main")
    assert ri.stranded_projects == PLANTS
    assert all(d.sole and d.role == "EPC contractor" for d in ri.dependants)
    money = sum(round(p[6] * 0.8) for p in ENERGY_PLANTS)  # EPC amount = 80 % of each plant's cost
    assert ri.money_stranded == money and ri.weighted_stranded == pytest.approx((1 - 0.1) * money)
    top = deps.central_dependencies(G, top=5, cut_points=False)
    assert "epc_main" in [r.impact.node for r in top.rows[:3]]  # among the three largest stranded sums


def test_energy_group_depends_on_the_development_bank_facility(G: nx.MultiDiGraph) -> None:
    lenders = {lid for lid, *_ in ENERGY_LENDERS}
    dev_share = sum(share for _, _, kind, _, share in ENERGY_LENDERS if kind in ("development_bank", "policy_bank"))
    for plant in PLANTS:
        fd = deps.funding_dominators(G, plant)
        assert set(fd.funders) == lenders | {"energy_group"}  # the facility's seven lenders and the sponsor
        assert fd.chokepoints == () and set(fd.gateway.values()) == {plant}  # each funds the plant directly
        c = conc.concentration(G, plant, kinds=("lends_to",))
        dev = sum(s.pct for s in c.shares if G.nodes[s.counterparty]["kind"] in ("development_bank", "policy_bank"))
        assert dev == pytest.approx(dev_share * 100, abs=1e-4)  # 25 + 15 + 20 = 60 % of every plant's debt
        assert {G.edges[u, plant, k]["contract_id"] for u, _, k in G.in_edges(plant, keys=True)
                if G.edges[u, plant, k]["kind"] == "lends_to"} == {"k_energy_facility"}
    pairs = {(p.a, p.b): p for p in cof.cofinancing(G, min_shared=2).pairs}
    for a in lenders:
        for b in lenders:
            if a < b:
                assert set(PLANTS) <= set(pairs[a, b].projects)  # every pair of the facility co-finances all six


# -- scenario 5: management changes -------------------------------------------------------------------------------------

def test_mgmt_client_management_changes_drive_its_loan_health_down(G: nx.MultiDiGraph) -> None:
    changes = [d for _, d in G.nodes(data=True) if d.get("type") == "signal" and d.get("kind") == "management_change"
               and d.get("party_id") == "mgmt_client"]
    assert len(changes) >= 7 and len({d["date"][:4] for d in changes}) >= 6
    assert {d["relationship_id"] for d in changes} == {"r_mgmt_loan"}
    by_hand = sum(10 * d["severity"] * decay(d["date"]) for d in changes)  # weight 10 x severity x decay, scope 1
    h = health.relationship_health(G, as_of=AS_OF).of("r_mgmt_loan")
    calm = health.relationship_health(G, as_of=AS_OF, weights=dataclasses.replace(
        health.HealthWeights(), management_change=0.0)).of("r_mgmt_loan")
    assert calm.score - h.score == pytest.approx(by_hand, rel=1e-9) and by_hand > 10
    assert h.contributions[0].factor == "management_change"  # the largest single reason
    assert G.nodes["mgmt_client"]["debt_to_asset"] < 0.5 and G.nodes["mgmt_client"]["net_margin"] > 0


# -- scenario 6: renegotiable repayment ----------------------------------------------------------------------------------

def test_comm_equip_loan_carries_repayment_adjustment(G: nx.MultiDiGraph) -> None:
    [(_, _, key, loan)] = [e for e in out_edges(G, "policy_bank_1", "lends_to") if e[1] == "comm_equip"]
    k = G.nodes[loan["contract_id"]]
    assert loan["contract_id"] == "k_comm_equip_loan" and k["type"] == "contract"
    assert "schedule" in k["repayment_adjustment"] and "rate" in k["repayment_adjustment"]
    assert loan["repayment_adjustment"] == k["repayment_adjustment"]
    assert any(d.get("relationship_id") == key and d.get("value", 0) < -20 for _, d in G.nodes(data=True)
               if d.get("type") == "signal" and d.get("kind") == "order_volume_change")  # the trigger


# -- alerts, lifecycle, revenue and groups across the sample --------------------------------------------------------------

def test_scenario_relationships_lead_the_alerts(G: nx.MultiDiGraph) -> None:
    alerts = health.relationship_alerts(G, as_of=AS_OF)
    assert [a.edge_id for a in alerts.alerts[:3]] == ["r_ab_loan", "r_cd", "r_tech_chip_supply"]
    # b_bank -> a_co by hand: payment delay 150 days (magnitude 1) and the dispute (severity 0.8), both on the loan
    a = alerts.alerts[0]
    assert a.reasons[0].startswith("payment delay: 150 days late")
    h = health.relationship_health(G, as_of=AS_OF).of("r_ab_loan")
    pts = {c.signal_id: c.points for c in h.contributions}
    assert pts["s_a_recall_overdue"] == pytest.approx(25 * 1 * decay("2026-05-31"))
    assert pts["s_a_recall_dispute"] == pytest.approx(20 * 0.8 * decay("2026-06-18"))
    # the lost key customer has ended, so alerts leave it out; scored with ended relationships it is among the weakest
    assert "r_tech_cust_lost" not in {x.edge_id for x in alerts.alerts}
    weakest = health.relationship_health(G, as_of=AS_OF, include_ended=True).relationships
    assert "r_tech_cust_lost" in [x.edge_id for x in weakest[:5]]
    lost = next(x for x in weakest if x.edge_id == "r_tech_cust_lost")
    assert lost.contributions[0].factor == "contract_termination"


def test_lifecycle_stages_are_a_realistic_mix_and_keep_the_stories(G: nx.MultiDiGraph) -> None:
    orgs = [n for n, d in G.nodes(data=True) if d.get("type") == "party" and d.get("kind") != "person"]
    stages = {n: life.lifecycle_stage(G, n, as_of=AS_OF) for n in orgs}
    count = Counter(r.stage for r in stages.values())
    assert {"acquisition", "development", "maturity", "decline", "churn"} <= set(count)
    assert count["churn"] < 0.2 * len(orgs) and count["maturity"] < 0.8 * len(orgs)
    for party in ("a_co", "tech_co", "d_tech"):  # after the recall, the lost customer, the missed targets
        assert stages[party].stage == "decline", (party, stages[party].reason)
    assert stages["a_co"].trend_pct == -35  # its one order signal of the last year
    assert stages["tech_co"].trend_pct == pytest.approx((-6 - 9 - 4 - 12 - 8) / 5)
    assert stages["mgmt_client"].stage == "maturity"  # sound business, whatever its management does


def test_no_seller_receives_more_than_its_revenue_and_groups_stay_small(G: nx.MultiDiGraph) -> None:
    receipts: dict[str, float] = defaultdict(float)
    for r in csv_rows("relationships"):
        if r["kind"] in ("buys_from", "supplies") and r["status"] == "active":
            receipts[r["target_id"] if r["kind"] == "buys_from" else r["source_id"]] += float(r["annual_revenue"])
    parties = {r["id"]: r for r in csv_rows("parties")}
    for seller, total in receipts.items():
        if seller in parties:
            assert total <= float(parties[seller]["annual_revenue"]), seller
    groups = grp.connected_groups(G)
    assert 10 <= len(groups.groups) and max(len(g.members) for g in groups.groups) <= 25
    assert groups.group_of["a_supplier_3"] == groups.group_of["a_co"]  # A Co. buys 55 % of its sales
    le = grp.large_exposures(G, "b_bank", groups=groups)
    assert le.breaches == () and max(e.pct_tier1 for e in le.largest) <= 25


# -- the audit report ------------------------------------------------------------------------------------------

def test_audit_json_names_the_textbook_findings(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stakegraph.cli.main import app

    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(data_dir))
    monkeypatch.setenv("STAKEGRAPH_REPORTING_CURRENCY", "CNY")  # the scenarios' amounts, as worked by hand
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)
    res = CliRunner().invoke(app, ["audit", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["as_of"] == AS_OF  # the latest event: the sample's documented "today"
    text = "\n".join(data["findings"])
    assert "科技公司 (Tech Co.): its 5 largest customers make 86.76% of its sales" in text
    epc = next(f for f in data["findings"] if "single EPC contractor dependency" in f)
    assert "中远建设工程集团" in epc and "国际能源集团" in epc and all(p in epc for p in PLANTS)
    recall = next(f for f in data["findings"] if f.startswith("Contagion 'lends_to B银行 (B Bank) → A公司"))
    assert "B银行 (B Bank) —lends_to/recall 500k→ A公司 (A Co., Ltd.) (defaults)" in recall
    assert "—supplies/revenue_loss 3.2M→ 精工钢材有限公司" in recall
    # the recalled balance is still owed (no end date; B Bank's credit line ended on the recall): it leads the alerts
    assert [a["edge_id"] for a in data["alerts"]["alerts"][:3]] == ["r_ab_loan", "r_cd", "r_tech_chip_supply"]
