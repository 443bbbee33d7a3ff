"""Money in the scenario analytics: a mixed CNY/EUR/USD book worked by hand at two dates.

Same rates as ``test_money.py`` (units per 1 USD, exact in binary floating point):

==========  ===  ===  =========================================
date        CNY  EUR  so 1 CNY / 1 EUR in USD
==========  ===  ===  =========================================
2024-01-31  8    0.8  0.125 / 1.25
2024-06-30  4    0.5  0.25  / 2.0
==========  ===  ===  =========================================

The book (amounts as stated; USD at D1 / D2 by hand):

* ``co`` borrows 800 CNY from ``bank_us`` (capital 150, no currency: USD) — 100 / 200 USD — and
  150 USD from ``bank_eu`` (capital 80 EUR — 100 / 160 USD); both loans recover nothing.
* ``gov`` guarantees ``other`` with a cap of 40 EUR — 50 / 80 USD.
* ``c_cn`` buys 800 CNY a year from ``s`` (capital 1,000 USD) — 100 / 200 USD.
* Co-financing: ``l_cn`` lends 1,600 CNY to project ``p`` and 800 CNY to ``q``, ``l_eu`` 400 EUR to
  ``p``, ``l_us`` 100 USD to ``q``.
* Lifecycle: ``seller2`` sells 800 CNY a year to ``cust_a`` since 2020 and 20 USD to ``cust_b`` since
  2024-03-01; ``big`` has total assets of 320M CNY.

Read as stated (1:1) every answer below would differ; a JPY amount with no rate stops each one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from stakegraph.analyses import run
from stakegraph.analytics.cascade import threshold_cascade_graph
from stakegraph.analytics.cofinancing import cofinancing, cofinancing_centrality
from stakegraph.analytics.lifecycle import lifecycle_stage, segmentation
from stakegraph.analytics.propagation import (
    PartyDefault,
    RelationshipEnds,
    k_damaging_paths,
    loss_flow_graph,
    propagate,
)
from stakegraph.errors import MissingRate
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.money import FxRate, FxTable
from stakegraph.store import EmbeddedStore
from stakegraph.viz import views
from stakegraph.viz.network import log_value

D1, D2 = dt.date(2024, 1, 31), dt.date(2024, 6, 30)
RATES = [FxRate(D1, "CNY", 8.0, "USD", "hand"), FxRate(D1, "EUR", 0.8, "USD", "hand"),
         FxRate(D2, "CNY", 4.0, "USD", "hand"), FxRate(D2, "EUR", 0.5, "USD", "hand")]
CNY = {D1: 0.125, D2: 0.25}
EUR = {D1: 1.25, D2: 2.0}


def _party(i: str, **props: object) -> NodeRecord:
    return NodeRecord(i, "party", {"name": i.upper(), "kind": "corporate", **props})


NODES = [
    _party("co", capital=10.0), _party("bank_us", capital=150.0), _party("bank_eu", capital=80.0, currency="EUR"),
    _party("gov"), _party("other"), _party("s", capital=1000.0), _party("c_cn"),
    _party("l_cn"), _party("l_eu"), _party("l_us"),
    NodeRecord("p", "project", {"name": "P"}), NodeRecord("q", "project", {"name": "Q"}),
    _party("seller2"), _party("cust_a"), _party("cust_b"),
    _party("big", total_assets=320e6, currency="CNY"),
]
EDGES = [
    EdgeRecord("l_us_co", "lends_to", "bank_us", "co", {"amount": 800.0, "currency": "CNY", "recovery_rate": 0.0}),
    EdgeRecord("l_eu_co", "lends_to", "bank_eu", "co", {"amount": 150.0, "currency": "USD", "recovery_rate": 0.0}),
    EdgeRecord("g_other", "guarantees", "gov", "other", {"amount": 90.0, "guarantee_cap": 40.0, "currency": "EUR"}),
    EdgeRecord("r_s", "buys_from", "c_cn", "s", {"annual_revenue": 800.0, "currency": "CNY"}),
    EdgeRecord("cp1", "lends_to", "l_cn", "p", {"amount": 1600.0, "currency": "CNY"}),
    EdgeRecord("cp2", "lends_to", "l_eu", "p", {"amount": 400.0, "currency": "EUR"}),
    EdgeRecord("cq1", "lends_to", "l_cn", "q", {"amount": 800.0, "currency": "CNY"}),
    EdgeRecord("cq2", "lends_to", "l_us", "q", {"amount": 100.0, "currency": "USD"}),
    EdgeRecord("ra", "buys_from", "cust_a", "seller2", {"annual_revenue": 800.0, "currency": "CNY",
                                                        "start_date": "2020-01-01"}),
    EdgeRecord("rb", "buys_from", "cust_b", "seller2", {"annual_revenue": 20.0, "currency": "USD",
                                                        "start_date": "2024-03-01"}),
]


def book(day: dt.date | None, *, rates: list[FxRate] | None = RATES, jpy: bool = False) -> nx.MultiDiGraph:
    from stakegraph.store.base import to_networkx

    edges = EDGES + ([EdgeRecord("l_jp", "lends_to", "bank_us", "co", {"amount": 1000.0, "currency": "JPY"})]
                     if jpy else [])
    G = to_networkx(NODES, edges, fx=FxTable(rates) if rates else None, reporting_currency="USD")
    if day is not None:
        G.graph["as_of"] = day.isoformat()
    return G


def _stamped(stamp: object, day: dt.date) -> None:
    params = stamp.parameters  # type: ignore[attr-defined]
    assert params["currency"] == "USD" and params["fx_as_of"] == day.isoformat()
    assert params["fx_rates"]["CNY"]["rates"] == [f"{1 / CNY[day]:g} CNY per USD on {day}"]


@pytest.mark.parametrize("day", [D1, D2])
def test_threshold_cascade_converts_loans_and_capital(day: dt.date) -> None:
    G = book(day)
    r = threshold_cascade_graph(G, ["co"])
    loss = dict(zip(r.nodes, r.losses, strict=True))
    cap = dict(zip(r.nodes, r.capital, strict=True))
    assert loss["bank_us"] == 800 * CNY[day]  # 100 USD at D1, 200 at D2
    assert loss["bank_eu"] == 150.0
    assert cap["bank_us"] == 150.0 and cap["bank_eu"] == 80 * EUR[day]  # 100 / 160 USD
    # a default when the loss exceeds the capital (strictly): bank_eu at D1 (150 > 100), bank_us at D2 (200 > 150)
    want = {"co", "bank_eu"} if day == D1 else {"co", "bank_us"}
    assert {r.nodes[i] for i in r.defaulted} == want  # read 1:1, both banks would default (800 > 150, 150 > 80)
    _stamped(r.stamp, day)


@pytest.mark.parametrize("day", [D1, D2])
def test_contract_contagion_converts_losses_caps_and_revenue(day: dt.date) -> None:
    G = book(day)
    r = propagate(G, [PartyDefault("co")])
    assert r.party("bank_us").loss == 800 * CNY[day]
    assert r.party("bank_eu").loss == 150.0 and r.party("bank_eu").capital == 80 * EUR[day]
    # default when loss + called >= capital: bank_eu at D1 (150 >= 100), bank_us at D2 (200 >= 150)
    assert set(r.defaults) == ({"co", "bank_eu"} if day == D1 else {"co", "bank_us"})
    _stamped(r.stamp, day)
    lost = propagate(G, [RelationshipEnds("r_s")])  # the customer leaves: a year of its 800 CNY
    assert lost.party("s").loss == 800 * CNY[day] and lost.party("s").revenue_lost == 800 * CNY[day]
    F = loss_flow_graph(G)
    assert F["co"]["bank_us"]["exposure"] == 800 * CNY[day] * (1 - 0.0)
    assert F["other"]["gov"]["exposure"] == 40 * EUR[day]  # the guarantee's cap: 50 / 80 USD
    assert F["co"]["bank_us"]["factor"] == pytest.approx(min(1.0, 800 * CNY[day] / 150.0))
    paths = k_damaging_paths(G, "co", "bank_us", 1)
    assert paths.paths[0].links[0].exposure == 800 * CNY[day]
    _stamped(paths.stamp, day)


@pytest.mark.parametrize("day", [D1, D2])
def test_cofinancing_sums_converted_amounts(day: dt.date) -> None:
    G = book(day)
    r = cofinancing(G)
    got = {(x.a, x.b): (x.count, x.amount, x.amount_overlap) for x in r.pairs}
    cn_p, eu_p, cn_q = 1600 * CNY[day], 400 * EUR[day], 800 * CNY[day]  # D1: 200, 500, 100; D2: 400, 800, 200
    assert got == {("l_cn", "l_eu"): (1, cn_p + eu_p, min(cn_p, eu_p)),
                   ("l_cn", "l_us"): (1, cn_q + 100.0, min(cn_q, 100.0))}
    assert got[("l_cn", "l_eu")][1:] == ((700.0, 200.0) if day == D1 else (1200.0, 400.0))
    assert [(x.a, x.b) for x in r.pairs][0] == ("l_cn", "l_eu")  # the larger syndicate first
    _stamped(r.stamp, day)
    c = cofinancing_centrality(G)
    overlap = {x.lender: x.amount_overlap for x in c.rows}
    assert overlap["l_cn"] == min(cn_p, eu_p) + min(cn_q, 100.0)
    assert c.stamp.parameters["currency"] == "USD"


def test_lifecycle_trend_and_segments_convert_at_the_as_of_date() -> None:
    # at D2 the window starts 2023-07-01: then 800 CNY = 200 USD; now 200 + 20 = 220 USD: +10% (development).
    # Read 1:1 it would be 820 / 800 = +2.5% (maturity).
    for G in (book(D2), book(None)):  # the lifecycle's own as_of sets the rates, with or without a graph date
        r = lifecycle_stage(G, "seller2", as_of=D2)
        assert (r.trend_source, r.trend_pct, r.stage) == ("buys_from", pytest.approx(10.0), "development")
    r1 = lifecycle_stage(book(D1), "seller2", as_of=D1)  # cust_b has not started: no change
    assert (r1.trend_pct, r1.stage) == (0.0, "maturity")
    # 320M CNY = 40M USD at D1 (sme, below 50M) and 80M USD at D2 (mid); read 1:1 it is 320M (mid)
    for day, size in ((D1, "sme"), (D2, "mid")):
        s = segmentation(book(day))
        assert next(p.size for p in s.parties if p.party == "big") == size
        assert s.stamp.parameters["currency"] == "USD"


@pytest.mark.parametrize("day", [D1, D2])
def test_views_size_edges_and_say_the_currency(day: dt.date) -> None:
    G = book(day)
    g = views.network_view(G).graphs[0]
    edge = next(e for e in g.edges if e["id"] == "cp1")
    assert edge["value"] == log_value(1600 * CNY[day])  # the width is the converted amount
    assert f"amount: 1,600 CNY = {1600 * CNY[day]:,.0f} USD" in edge["title"]
    node = next(n for n in g.nodes if n["id"] == "bank_eu")
    assert "exposure: 150 USD (node size)" in node["title"]
    assert f"capital: 80 EUR = {80 * EUR[day]:,.0f} USD" in node["title"]
    assert any("width = amount in USD" in x.label for x in g.legend)
    assert any(f"converted at the FX rates in force on {day}" in n for n in g.notes)
    page = views.contagion_view(G, "co")
    bank = next(n for n in page.graphs[0].nodes if n["id"] == "bank_us")
    assert f"loss: {800 * CNY[day]:,.0f} USD" in bank["title"]


def test_a_missing_rate_stops_every_scenario_analytic() -> None:
    G = book(D1, jpy=True)  # 1,000 JPY with no JPY rate
    for call in (lambda: threshold_cascade_graph(G, ["co"]), lambda: propagate(G, [PartyDefault("co")]),
                 lambda: loss_flow_graph(G), lambda: views.network_view(G)):
        with pytest.raises(MissingRate, match=r"JPY.*2024-01-31"):
            call()
    H = book(D1, rates=None)  # several currencies and no table: never 1:1
    for call in (lambda: cofinancing(H), lambda: lifecycle_stage(H, "seller2", as_of=D2),
                 lambda: segmentation(H)):
        with pytest.raises(MissingRate, match="no FX rates are loaded"):
            call()


def test_the_catalogue_answers_as_of_each_date_at_that_dates_rates() -> None:
    """``as_of`` picks the rates as well as the records: one graph, two dates, two answers."""
    G = book(None)
    for day in (D1, D2):
        a = run(G, "cofinancing", {"as_of": day.isoformat()})
        pair = a.result.pairs[0]
        assert (pair.a, pair.b, pair.amount) == ("l_cn", "l_eu", 1600 * CNY[day] + 400 * EUR[day])
        c = run(G, "contagion", {"shocks": ["co"], "method": "cascade", "as_of": day.isoformat()})
        assert c.result.losses[c.result.nodes.index("bank_us")] == 800 * CNY[day]


def test_cli_prints_no_number_when_a_rate_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "STAKEGRAPH_NEO4J_URI"}
    env.update(STAKEGRAPH_DATA_DIR=str(tmp_path), STAKEGRAPH_REPORTING_CURRENCY="USD")
    with EmbeddedStore(tmp_path / "stakegraph.sqlite") as s:
        s.write(NODES, EDGES)
        s.write_fx_rates(RATES[:1] + RATES[2:3])  # CNY only: the EUR loan and capital cannot convert

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "stakegraph.cli.main", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    for args in (("cofinancing",), ("contagion", "co", "--method", "cascade"),
                 ("contagion", "co")):
        out = cli("analyze", *args, "--as-of", D2.isoformat())
        assert out.returncode == 1, (args, out)
        assert "no FX rate converts EUR" in out.stderr and "2024-06-30" in out.stderr, out.stderr
        assert "stakegraph fx load" in out.stderr
        assert not any(ch.isdigit() for ch in out.stdout), out.stdout  # nothing printed as a number
    with EmbeddedStore(tmp_path / "stakegraph.sqlite") as s:
        s.write_fx_rates(RATES)
    out = cli("analyze", "cofinancing", "--as-of", D2.isoformat(), "--json")
    assert out.returncode == 0, out.stderr
    ans = json.loads(out.stdout)
    assert ans["result"]["pairs"][0]["amount"] == 1200.0 and ans["stamp"]["parameters"]["currency"] == "USD"
