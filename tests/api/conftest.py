"""A small hand-built graph and clients for the API tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.model import EdgeRecord, NodeRecord, edge_id
from stakegraph.money import FxRate
from stakegraph.settings import Settings
from stakegraph.store.base import GraphStore
from stakegraph.web.app import create_app


def _e(kind: str, s: str, t: str, **props: Any) -> EdgeRecord:
    return EdgeRecord(edge_id(kind, s, t), kind, s, t, props)


NODES = [
    NodeRecord("b_bank", "party", {"name": "B Bank", "kind": "bank", "country": "CN", "total_assets": 9e9,
                                   "capital": 5e8, "tier1_capital": 4e8}),
    NodeRecord("c_bank", "party", {"name": "中国测试银行", "name_en": "China Test Bank", "kind": "bank",
                                   "country": "CN", "total_assets": 2e9, "capital": 1e8, "tier1_capital": 1e8}),
    NodeRecord("a_co", "party", {"name": "A Co.", "kind": "corporate", "country": "CN", "capital": 2e5,
                                 "total_assets": 1e6}),
    NodeRecord("a_supplier_1", "party", {"name": "A Supplier 1", "kind": "supplier", "country": "VN"}),
    NodeRecord("tech_co", "party", {"name": "Tech Co", "kind": "corporate", "country": "US"}),
    NodeRecord("tech_cust_1", "party", {"name": "Customer 1", "kind": "corporate"}),
    NodeRecord("tech_cust_2", "party", {"name": "Customer 2", "kind": "corporate"}),
    NodeRecord("p_plant", "project", {"name": "Plant 1", "country": "PK", "total_cost": 3e7,
                                      "start_date": "2021-05-01"}),
    NodeRecord("k_loan", "contract", {"name": "Loan 1", "kind": "loan_agreement", "amount": 500000.0,
                                      "repayment_adjustment": "rate reset yearly", "covenants": ["DSCR>=1.2"]}),
    NodeRecord("sig_1", "signal", {"name": "recall", "kind": "loan_recall", "date": "2024-03-01",
                                   "party_id": "a_co", "severity": 0.9}),
]
EDGES = [
    _e("lends_to", "b_bank", "a_co", amount=500000.0, currency="CNY", status="recalled", contract_id="k_loan",
       start_date="2022-01-01"),
    _e("lends_to", "c_bank", "a_co", amount=200000.0, currency="CNY", start_date="2023-01-01"),
    _e("lends_to", "b_bank", "p_plant", amount=2e7, currency="USD", start_date="2021-06-01"),
    _e("lends_to", "c_bank", "p_plant", amount=5e6, currency="USD", start_date="2021-06-01"),
    _e("sponsors", "a_co", "p_plant", share_pct=100.0),
    _e("supplies", "a_supplier_1", "a_co", annual_revenue=1e5),
    _e("buys_from", "tech_cust_1", "tech_co", annual_revenue=600.0),
    _e("buys_from", "tech_cust_2", "tech_co", annual_revenue=400.0),
    _e("party_to", "b_bank", "k_loan", role="lender"),
    _e("party_to", "a_co", "k_loan", role="borrower"),
    _e("contract_for", "k_loan", "p_plant"),
    _e("concerns", "sig_1", "a_co"),
]


#: One FX rate (a round test rate, 8 CNY per USD) so that the CNY and USD loans add up in USD.
FX_RATES = [FxRate(dt.date(2024, 1, 2), "CNY", 8.0, "USD", "test rate")]


def fill(store: GraphStore) -> GraphStore:
    store.write(NODES, EDGES)
    store.write_fx_rates(FX_RATES)
    return store


def settings(**over: Any) -> Settings:
    return Settings(_env_file=None, **over)  # type: ignore[call-arg]


@pytest.fixture
def graph_store(make_store: Callable[[str], GraphStore]) -> GraphStore:
    return fill(make_store("embedded"))


@pytest.fixture
def make_client(graph_store: GraphStore) -> Iterator[Callable[..., TestClient]]:
    opened: list[TestClient] = []

    def make(store: GraphStore | None = None, **over: Any) -> TestClient:
        c = TestClient(create_app(settings(**over), store or graph_store), raise_server_exceptions=False)
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def gql(client: TestClient, query: str, variables: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {})
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]
