"""Reads: look-ups, links, connections, filters, sorting, search, neighbourhood, paths, DataLoaders."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from stakegraph.model import NodeRecord
from stakegraph.store.base import GraphStore
from stakegraph.web.pagination import encode_cursor
from tests.api.conftest import EDGES, gql


def test_party_with_relationships_by_kind_and_direction(client: TestClient) -> None:
    d = gql(client, """{ party(id: "b_bank") { name kind totalAssets vizUrl concentrationVizUrl
        out: relationshipCount(direction: OUT) all: relationshipCount
        loans: relationships(kinds: [LENDS_TO], direction: OUT) { totalCount nodes { targetId amount } } } }""")
    p = d["data"]["party"]
    assert p["name"] == "B Bank" and p["kind"] == "bank" and p["totalAssets"] == 9e9
    assert p["vizUrl"] == "/viz/ego/b_bank" and p["concentrationVizUrl"] == "/viz/concentration/b_bank"
    assert p["out"] == 3 and p["all"] == 3  # 2 loans + party_to, all outgoing
    assert sorted((n["targetId"], n["amount"]) for n in p["loans"]["nodes"]) == [("a_co", 500000.0),
                                                                                ("p_plant", 2e7)]


def test_project_stakeholders_grouped_by_role(client: TestClient) -> None:
    d = gql(client, """{ project(id: "p_plant") { vizUrl stakeholders { role members { party { id } } }
        contracts { id terms { amount repaymentAdjustment covenants } } } }""")
    p = d["data"]["project"]
    groups = {g["role"]: sorted(m["party"]["id"] for m in g["members"]) for g in p["stakeholders"]}
    assert groups == {"lender": ["b_bank", "c_bank"], "sponsor": ["a_co"]}
    assert p["vizUrl"] == "/viz/project/p_plant"
    assert p["contracts"] == [{"id": "k_loan", "terms": {"amount": 500000.0, "repaymentAdjustment": "rate reset yearly",
                                                         "covenants": ["DSCR>=1.2"]}}]


def test_contract_parties_and_relationship_links(client: TestClient) -> None:
    d = gql(client, """{ contract(id: "k_loan") { parties { role party { id } } project { id } }
        party(id: "a_co") { signals { kind severity party { id } } } }""")
    c = d["data"]["contract"]
    assert sorted((x["role"], x["party"]["id"]) for x in c["parties"]) == [("borrower", "a_co"), ("lender", "b_bank")]
    assert c["project"] == {"id": "p_plant"}
    assert d["data"]["party"]["signals"] == [{"kind": "loan_recall", "severity": 0.9, "party": {"id": "a_co"}}]


def test_pages_first_after_offset_total(client: TestClient) -> None:
    q = "query($after: String, $offset: Int) { parties(first: 2, after: $after, offset: $offset) { totalCount " \
        "pageInfo { hasNextPage endCursor } nodes { id } } }"
    first = gql(client, q)["data"]["parties"]
    assert first["totalCount"] == 7  # parties ordered by name, then id
    assert [n["id"] for n in first["nodes"]] == ["a_co", "a_supplier_1"]
    second = gql(client, q, {"after": first["pageInfo"]["endCursor"]})["data"]["parties"]
    assert [n["id"] for n in second["nodes"]] == ["b_bank", "tech_cust_1"]
    by_offset = gql(client, q, {"offset": 2})["data"]["parties"]
    assert by_offset["nodes"] == second["nodes"]
    last = gql(client, q, {"after": encode_cursor(5)})["data"]["parties"]
    assert [n["id"] for n in last["nodes"]] == ["c_bank"] and not last["pageInfo"]["hasNextPage"]


def test_filters_chinese_name_amount_status_dates(client: TestClient) -> None:
    ids = lambda d, k: sorted(n["id"] for n in d["data"][k]["nodes"])  # noqa: E731
    assert ids(gql(client, '{ parties(filter: {nameContains: "测试"}) { nodes { id } } }'), "parties") == ["c_bank"]
    assert ids(gql(client, '{ parties(kind: BANK, filter: {amountMin: 5e9}) { nodes { id } } }'), "parties") \
        == ["b_bank"]
    d = gql(client, '{ relationships(filter: {status: "recalled"}) { nodes { sourceId targetId } } }')
    assert d["data"]["relationships"]["nodes"] == [{"sourceId": "b_bank", "targetId": "a_co"}]
    d = gql(client, '{ relationships(filter: {kinds: [LENDS_TO], dateFrom: "2022-01-01", dateTo: "2023-12-31"}) '
                    "{ totalCount } }")
    assert d["data"]["relationships"]["totalCount"] == 2
    d = gql(client, '{ relationships(filter: {kinds: [LENDS_TO], amountMin: 300000, amountMax: 6e6}) { totalCount } }')
    assert d["data"]["relationships"]["totalCount"] == 2  # 500,000 and 5,000,000


def test_sort_by_exposure_and_relationships(client: TestClient) -> None:
    d = gql(client, "{ parties(sort: {field: EXPOSURE, descending: true}, first: 3) { nodes { id exposure } } }")
    # hand sums of financing amounts touching each party, in USD (CNY at the fixture's 8 per USD)
    assert d["data"]["parties"]["nodes"] == [
        {"id": "b_bank", "exposure": 500000.0 / 8 + 2e7},
        {"id": "c_bank", "exposure": 200000.0 / 8 + 5e6},
        {"id": "a_co", "exposure": (500000.0 + 200000.0) / 8},  # sponsors carries no amount
    ]
    d = gql(client, '{ party(id: "b_bank") { exposure exposureCurrency } }')  # the figure says its currency
    assert d["data"]["party"] == {"exposure": 500000.0 / 8 + 2e7, "exposureCurrency": "USD"}
    d = gql(client, "{ parties(sort: {field: RELATIONSHIPS, descending: true}, first: 1) "
                    "{ nodes { id relationshipCount } } }")
    assert d["data"]["parties"]["nodes"] == [{"id": "a_co", "relationshipCount": 6}]
    d = gql(client, "{ relationships(sort: {field: AMOUNT, descending: true}, first: 1) { nodes { amount } } }")
    assert d["data"]["relationships"]["nodes"] == [{"amount": 2e7}]


def test_search_neighborhood_paths(client: TestClient) -> None:
    d = gql(client, '{ search(text: "bank") { totalCount nodes { id } } }')
    assert sorted(n["id"] for n in d["data"]["search"]["nodes"]) == ["b_bank", "c_bank"]
    d = gql(client, '{ neighborhood(id: "a_co", depth: 1, limit: 3) { andMore center { id } nodes { id } } }')
    n = d["data"]["neighborhood"]
    # a_co's neighbours: b_bank, c_bank, p_plant, a_supplier_1, k_loan, sig_1 → 7 nodes, 3 kept
    assert n["center"] == {"id": "a_co"} and len(n["nodes"]) == 3 and n["andMore"] == 4
    d = gql(client, '{ paths(from: "a_supplier_1", to: "b_bank", maxHops: 3, k: 5) { length nodes { id } } }')
    paths = [(p["length"], [x["id"] for x in p["nodes"]]) for p in d["data"]["paths"]]
    assert paths[0] == (2, ["a_supplier_1", "a_co", "b_bank"])
    assert all(length <= 3 for length, _ in paths)
    assert (3, ["a_supplier_1", "a_co", "p_plant", "b_bank"]) in paths


class CountingStore:
    """Wraps a store and counts calls to its methods."""

    def __init__(self, inner: GraphStore) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if callable(attr):
            def wrapped(*a: Any, **k: Any) -> Any:
                self.calls.append(name)
                return attr(*a, **k)
            return wrapped
        return attr


def test_dataloaders_make_store_calls_independent_of_page_size(make_client: Any, make_store: Any) -> None:
    store = make_store("embedded")
    store.write([NodeRecord(f"p{i:03}", "party", {"name": f"P {i:03}", "kind": "bank"}) for i in range(120)])
    counting = CountingStore(store)
    client = make_client(store=counting)
    d = gql(client, "{ parties(first: 100) { nodes { id relationshipCount "
                    "relationships(first: 5) { totalCount nodes { source { id } } } } } }")
    assert len(d["data"]["parties"]["nodes"]) == 100
    data_calls = [c for c in counting.calls if c != "graph_version"]  # graph_version: the response cache
    assert counting.calls.count("edges_of") == 1 and counting.calls.count("degrees") == 1
    assert len(data_calls) <= 4, counting.calls  # count_nodes, find_nodes, degrees, edges_of
    # relationship counts alone are counted by the store: no edge is read
    counting.calls.clear()
    gql(client, "{ parties(first: 100, offset: 5) { nodes { id relationshipCount(direction: OUT) } } }")
    assert "edges_of" not in counting.calls and counting.calls.count("degrees") == 1, counting.calls


def test_relationship_provenance_and_props(client: TestClient) -> None:
    e = EDGES[0]
    d = gql(client, f'{{ relationship(id: "{e.id}") {{ kind stakeholderRole category currency props '
                    "provenance { loadId } contract { id } source { id ... on Party { kind } } } }")
    r = d["data"]["relationship"]
    assert r["kind"] == "LENDS_TO" and r["stakeholderRole"] == "lender" and r["category"] == "financing"
    assert r["props"]["status"] == "recalled" and r["contract"] == {"id": "k_loan"}
    assert r["source"] == {"id": "b_bank", "kind": "bank"}
