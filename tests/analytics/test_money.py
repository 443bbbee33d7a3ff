"""Money: a mixed CNY/EUR/USD book worked by hand at two dates, and a missing rate that stops every sum.

Rates (units per 1 USD, chosen so that every conversion is exact in binary floating point):

==========  ===  ===  =========================================
date        CNY  EUR  so 1 CNY / 1 EUR in USD
==========  ===  ===  =========================================
2024-01-31  8    0.8  0.125 / 1.25
2024-06-30  4    0.5  0.25  / 2.0
==========  ===  ===  =========================================

The book: seller ``s`` has three customers (``buys_from``, annual_revenue) — c1 800 CNY, c2 80 EUR,
c3 100 USD (the raw sum would be 980 "units"). Borrower ``co`` has three lenders and a guarantor —
bank_cn 1,600 CNY, bank_eu 400 EUR, bank_us 500 USD, gov guarantees with a cap of 400 EUR. bank_cn
(a CNY bank, Tier 1 8,000 CNY) also lends 100 USD to ``other``.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from stakegraph import measures
from stakegraph.analytics.concentration import book_concentration, concentration
from stakegraph.analytics.debtrank import debtrank_graph
from stakegraph.analytics.dependencies import removal_impact
from stakegraph.analytics.exposure import exposure_matrix
from stakegraph.analytics.groups import large_exposures
from stakegraph.errors import DataError, MissingRate
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.money import FxRate, FxTable
from stakegraph.store import EmbeddedStore

D1, D2 = dt.date(2024, 1, 31), dt.date(2024, 6, 30)
RATES = [FxRate(D1, "CNY", 8.0, "USD", "hand"), FxRate(D1, "EUR", 0.8, "USD", "hand"),
         FxRate(D2, "CNY", 4.0, "USD", "hand"), FxRate(D2, "EUR", 0.5, "USD", "hand")]
NODES = [NodeRecord(n, "party", {"name": n.upper()}) for n in ("s", "c1", "c2", "c3", "co", "bank_eu", "bank_us",
                                                                "gov", "other")]
NODES.append(NodeRecord("bank_cn", "party", {"name": "BANK_CN", "currency": "CNY", "tier1_capital": 8000.0,
                                             "capital": 8000.0}))
EDGES = [
    EdgeRecord("r1", "buys_from", "c1", "s", {"annual_revenue": 800.0, "currency": "CNY"}),
    EdgeRecord("r2", "buys_from", "c2", "s", {"annual_revenue": 80.0, "currency": "eur"}),
    EdgeRecord("r3", "buys_from", "c3", "s", {"annual_revenue": 100.0, "currency": "USD"}),
    EdgeRecord("l1", "lends_to", "bank_cn", "co", {"amount": 1600.0, "currency": "CNY"}),
    EdgeRecord("l2", "lends_to", "bank_eu", "co", {"amount": 400.0, "currency": "EUR"}),
    EdgeRecord("l3", "lends_to", "bank_us", "co", {"amount": 500.0, "currency": "USD"}),
    EdgeRecord("g1", "guarantees", "gov", "co", {"amount": 1000.0, "guarantee_cap": 400.0, "currency": "EUR"}),
    EdgeRecord("l4", "lends_to", "bank_cn", "other", {"amount": 100.0, "currency": "USD"}),
]


def book(day: dt.date | None, *, rates: list[FxRate] | None = RATES) -> nx.MultiDiGraph:
    from stakegraph.store.base import to_networkx

    G = to_networkx(NODES, EDGES, fx=FxTable(rates) if rates else None, reporting_currency="USD")
    if day is not None:
        G.graph["as_of"] = day.isoformat()
    return G


# (per-customer USD at D1, at D2)
CUSTOMERS = {D1: {"c1": 100.0, "c2": 100.0, "c3": 100.0}, D2: {"c1": 200.0, "c2": 160.0, "c3": 100.0}}
CO_EXPOSURE = {D1: 200.0 + 500.0 + 500.0 + 500.0, D2: 400.0 + 800.0 + 500.0 + 800.0}  # CNY, EUR, USD loans; cap


@pytest.mark.parametrize("day", [D1, D2])
def test_sums_shares_and_hhi_by_hand(day: dt.date) -> None:
    G = book(day)
    want = CUSTOMERS[day]
    total = sum(want.values())  # 300 at D1, 460 at D2 (never the raw 980)
    r = concentration(G, "s", kinds=["buys_from"])
    assert r.total == total
    assert {s.counterparty: s.value for s in r.shares} == want
    shares = {cp: 100.0 * v / total for cp, v in want.items()}
    assert {s.counterparty: s.pct for s in r.shares} == pytest.approx(shares)
    assert r.hhi == pytest.approx(sum(p * p for p in shares.values()))
    assert r.hhi == pytest.approx(10_000 / 3 if day == D1 else 75_600 / 211_600 * 10_000)  # 3333.3 / 3572.8
    assert r.stamp.parameters["currency"] == "USD"
    assert r.stamp.parameters["fx_as_of"] == day.isoformat()
    assert r.stamp.parameters["fx_rates"]["CNY"]["rates"] == [f"{8 if day == D1 else 4:g} CNY per USD on {day}"]
    assert measures.exposure(G, "co") == CO_EXPOSURE[day]
    assert measures.commercial_volume(G, "s") == total


@pytest.mark.parametrize("day", [D1, D2])
def test_book_removal_matrices_and_large_exposures_convert(day: dt.date) -> None:
    G = book(day)
    cny = 0.125 if day == D1 else 0.25
    eur = 1.25 if day == D1 else 2.0
    lenders = book_concentration(G, kinds=["lends_to"], by="source")
    assert {s.counterparty: s.value for s in lenders.shares} == {
        "bank_cn": 1600 * cny + 100.0, "bank_eu": 400 * eur, "bank_us": 500.0}
    impact = removal_impact(G, "bank_eu")
    assert impact.money_cut == 400 * eur and impact.stamp.parameters["currency"] == "USD"
    m = exposure_matrix(G, include_guarantees=True)
    i, j = m.index["bank_cn"], m.index["co"]
    assert m.A[i, j] == 1600 * cny and m.A[m.index["gov"], j] == 400 * eur and m.E[i] == 8000 * cny
    lex = large_exposures(G, "bank_cn")
    assert lex.tier1_capital == 8000 * cny
    pct = {cp: e.pct_tier1 for e in lex.largest for cp in e.counterparties}
    # the CNY loan against CNY capital is 20% at any rate; the USD loan moves with the rate
    assert pct["co"] == pytest.approx(20.0)
    assert pct["other"] == pytest.approx(100 * 100.0 / (8000 * cny))  # 10% at D1, 5% at D2
    dr = debtrank_graph(G, ["co"])
    assert dr.stamp.parameters["currency"] == "USD"


def test_rate_rule_is_the_last_published_on_or_before() -> None:
    fx = FxTable(RATES)
    assert fx.rate("CNY", dt.date(2024, 6, 29)).day == D1  # D2 is not published yet
    assert fx.rate("CNY", dt.date(2030, 1, 1)).day == D2
    with pytest.raises(MissingRate, match=r"CNY.*2024-01-30.*stakegraph fx load"):
        fx.rate("CNY", dt.date(2024, 1, 30))  # before the first rate: missing, never 1:1
    G = book(None)
    G.add_node("sig", type="signal", date="2024-03-15")  # the default as-of rule: the latest observation
    assert measures.exposure(G, "co") == CO_EXPOSURE[D1]


def test_a_missing_rate_is_an_error_naming_currency_date_and_fix() -> None:
    G = book(D1)
    G.add_node("jp", type="party")
    G.add_edge("jp", "co", key="l5", kind="lends_to", amount=1000.0, currency="JPY")
    with pytest.raises(MissingRate) as e:
        measures.exposure(G, "co")
    assert isinstance(e.value, DataError) and e.value.exit_code == 1 and e.value.graphql_code == "MISSING_RATE"
    assert "JPY" in str(e.value) and "2024-01-31" in str(e.value) and "stakegraph fx load" in e.value.fix
    with pytest.raises(MissingRate, match="no FX rates are loaded"):
        concentration(book(D1, rates=None), "s", kinds=["buys_from"])  # several currencies, no table


def test_one_currency_or_none_needs_no_table_and_behaves_as_before() -> None:
    G = nx.MultiDiGraph()
    G.add_edge("a", "s", kind="buys_from", annual_revenue=30.0)
    G.add_edge("b", "s", kind="buys_from", annual_revenue=70.0)
    r = concentration(G, "s")
    assert (r.total, r.hhi, r.stamp.parameters["currency"]) == (100.0, 30.0**2 + 70.0**2, "USD")
    H = nx.MultiDiGraph()
    H.add_edge("a", "s", kind="buys_from", annual_revenue=30.0, currency="CNY")
    H.add_edge("b", "s", kind="buys_from", annual_revenue=70.0, currency="cny")
    r = concentration(H, "s")
    assert (r.total, r.stamp.parameters["currency"]) == (100.0, "CNY")  # a CNY-only book is reported in CNY


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stakegraph.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def test_cli_refuses_to_print_a_mixed_sum_until_rates_are_loaded(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "STAKEGRAPH_NEO4J_URI"}
    env.update(STAKEGRAPH_DATA_DIR=str(tmp_path), STAKEGRAPH_REPORTING_CURRENCY="USD")
    with EmbeddedStore(tmp_path / "stakegraph.sqlite") as s:
        s.write(NODES, EDGES)
        s.write([NodeRecord("sig", "signal", {"name": "x", "kind": "dispute", "date": "2024-07-01",
                                              "party_id": "s"})], [])
    out = _cli(env, "analyze", "concentration", "s", "--kinds", "buys_from")
    assert out.returncode == 1, out
    assert "no FX rate converts" in out.stderr and "stakegraph fx load" in out.stderr
    assert not any(ch.isdigit() for ch in out.stdout), out.stdout  # nothing printed as a number
    rates = tmp_path / "rates.csv"
    rates.write_text("date,currency,rate,base\n" + "".join(
        f"{r.day},{r.currency},{r.rate},{r.base}\n" for r in RATES), encoding="utf-8")
    loaded = _cli(env, "fx", "load", str(rates))
    assert loaded.returncode == 0 and "4 FX rates loaded" in loaded.stdout, loaded
    out = _cli(env, "analyze", "concentration", "s", "--kinds", "buys_from", "--json")
    assert out.returncode == 0, out.stderr
    import json

    ans = json.loads(out.stdout)
    assert ans["result"]["total"] == 460.0  # as of 2024-07-01: the 2024-06-30 rates
    assert ans["stamp"]["parameters"]["currency"] == "USD"
    assert ans["stamp"]["parameters"]["fx_as_of"] == "2024-07-01"
    bad = tmp_path / "bad.csv"
    bad.write_text("date,currency,rate,base\n2024-01-31,CNY,-3,USD\n", encoding="utf-8")
    refused = _cli(env, "fx", "load", str(bad))
    assert refused.returncode == 1 and "bad.csv, row 2, column rate" in refused.stderr


def test_fx_files_ecb_layout_and_the_shipped_sample_rates(tmp_path: Path) -> None:
    import io

    from stakegraph.loaders.fx import FxFileError, parse_fx, sample_rates_csv
    from stakegraph.loaders.pipeline import load

    ecb = parse_fx(io.StringIO("Date,USD,CNY,JPY,\n2024-01-03,1.0919,7.8057,N/A,\n2024-01-02,1.0956,7.8264,155.1,\n"),
                   "eurofxref-hist.csv")
    fx = FxTable(ecb)
    assert fx.bases == ("EUR",) and len(fx) == 5
    assert fx.convert(7.8057, "CNY", "USD", dt.date(2024, 1, 5)) == pytest.approx(1.0919)  # via EUR, 2024-01-03
    with pytest.raises(FxFileError, match=r"row 2, column CNY: 'x'"):
        parse_fx(io.StringIO("Date,USD,CNY\n2024-01-02,1.09,x\n"), "e.csv")
    root = Path(__file__).resolve().parents[2]
    assert (root / "data/sample/fx/sample_rates.csv").read_text(encoding="utf-8") == sample_rates_csv()
    store = EmbeddedStore(tmp_path / "s.sqlite")
    report = load(root / "data" / "sample", store)  # the fx/ folder loads with the sample
    assert report.ok and report.counts["fx_rate"]["created"] == len(store.fx_rates()) > 200
    G = store.project()
    assert measures.money_stamp(G)["currency"] == "USD" and "CNY" in measures.money_stamp(G)["fx_rates"]
    store.close()
