"""GraphQL lists are filtered, sorted and paged by the store (never a projection); refusals say what to do.

Regressions from issue #12: ``country: "cn"`` found nothing (the views found the parties), unknown ids in
``paths`` / ``neighborhood`` answered ``[]`` / ``center: null``, an unparseable date read as "no results",
an invalid sort was not refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.store.base import GraphStore
from tests.api.conftest import gql
from tests.api.test_queries import CountingStore

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _ids(d: dict[str, Any], field: str) -> list[str]:
    assert "errors" not in d, d
    return [n["id"] for n in d["data"][field]["nodes"]]


def _error(d: dict[str, Any]) -> dict[str, Any]:
    assert d.get("errors"), d
    return d["errors"][0]  # type: ignore[no-any-return]


def test_country_is_case_insensitive(client: TestClient) -> None:
    want = ["a_co", "b_bank", "c_bank"]
    for spelling in ("cn", "CN", "Cn"):
        assert sorted(_ids(gql(client, f'{{ parties(filter: {{country: "{spelling}"}}) {{ nodes {{ id }} }} }}'),
                           "parties")) == want


def test_ranges_date_ranges_and_status(client: TestClient) -> None:
    q = '{ parties(filter: {ranges: [{property: "capital", min: 1e8}]}, sort: {property: "capital"}) { nodes { id } } }'
    assert _ids(gql(client, q), "parties") == ["c_bank", "b_bank"]
    q = '{ projects(filter: {dateRanges: [{property: "start_date", from: "2021-01-01", to: "2021-12-31"}]}) { nodes { id } } }'
    assert _ids(gql(client, q), "projects") == ["p_plant"]
    q = '{ projects(filter: {dateFrom: "2022-01-01"}) { totalCount } }'
    assert gql(client, q)["data"]["projects"]["totalCount"] == 0
    q = '{ signals(filter: {ranges: [{property: "severity", min: 0.5, max: 1}]}) { nodes { id } } }'
    assert _ids(gql(client, q), "signals") == ["sig_1"]


def test_relationship_filters_and_sorts(client: TestClient) -> None:
    d = gql(client, '{ relationships(filter: {nodeId: "p_plant", kinds: [LENDS_TO]}, sort: {field: AMOUNT}) '
                    "{ totalCount nodes { sourceId amount } } }")
    assert d["data"]["relationships"]["nodes"] == [{"sourceId": "c_bank", "amount": 5e6},
                                                   {"sourceId": "b_bank", "amount": 2e7}]
    d = gql(client, '{ relationships(filter: {currency: "cny", status: "RECALLED"}) { nodes { targetId } } }')
    assert d["data"]["relationships"]["nodes"] == [{"targetId": "a_co"}]
    d = gql(client, '{ relationships(filter: {kinds: [LENDS_TO], activeTo: "2021-12-31"}) { totalCount } }')
    assert d["data"]["relationships"]["totalCount"] == 2  # the two loans that started in 2021
    d = gql(client, '{ relationships(filter: {sourceId: "b_bank", ranges: [{property: "amount", max: 1e6}]}) '
                    "{ nodes { targetId } } }")
    assert d["data"]["relationships"]["nodes"] == [{"targetId": "a_co"}]
    d = gql(client, '{ relationships(filter: {kinds: [BUYS_FROM]}, sort: {property: "annual_revenue", '
                    "descending: true}) { nodes { sourceId } } }")
    assert [n["sourceId"] for n in d["data"]["relationships"]["nodes"]] == ["tech_cust_1", "tech_cust_2"]


@pytest.mark.parametrize(("query", "words"), [
    ('{ parties(sort: {property: "colour"}) { totalCount } }', ["colour", "total_assets"]),
    ('{ projects(sort: {property: "total_assets"}) { totalCount } }', ["total_assets", "total_cost"]),
    ("{ nodes(sort: {field: AMOUNT}) { totalCount } }", ["AMOUNT", "project (total_cost)"]),
    ('{ relationships(sort: {field: EXPOSURE}) { totalCount } }', ["EXPOSURE", "AMOUNT"]),
    ('{ relationships(sort: {property: "name"}) { totalCount } }', ["'name'", "amount"]),
    ('{ parties(filter: {ranges: [{property: "name", min: 1}]}) { totalCount } }', ["'name'", "capital"]),
    ('{ projects(filter: {dateFrom: "last year"}) { totalCount } }', ["'last year'", "yyyy-mm-dd"]),
    ('{ relationships(filter: {dateTo: "2024-13-01"}) { totalCount } }', ["2024-13-01", "yyyy-mm-dd"]),
    ('{ relationships(filter: {activeFrom: "soon"}) { totalCount } }', ["'soon'"]),
    ('{ parties(filter: {dateFrom: "2020-01-01"}) { totalCount } }', ["party", "dateFrom"]),
])
def test_invalid_sorts_filters_and_dates_are_refused(client: TestClient, query: str, words: list[str]) -> None:
    err = _error(gql(client, query))
    assert err["extensions"]["code"] == "INVALID"
    for w in words:
        assert w in err["message"], err["message"]


@pytest.mark.parametrize("query", [
    '{ neighborhood(id: "nobody") { center { id } } }',
    '{ paths(from: "nobody", to: "b_bank") { length } }',
    '{ paths(from: "a_co", to: "nobody") { length } }',
])
def test_unknown_ids_are_not_found(client: TestClient, query: str) -> None:
    err = _error(gql(client, query))
    assert err["extensions"]["code"] == "NOT_FOUND" and "'nobody'" in err["message"]


def test_lists_never_build_a_projection(make_client: Any, graph_store: GraphStore) -> None:
    counting = CountingStore(graph_store)
    client = make_client(store=counting)
    for q in (
        "{ parties(sort: {field: EXPOSURE, descending: true}, first: 2) { totalCount nodes { id } } }",
        "{ parties(sort: {field: RELATIONSHIPS, descending: true}) { nodes { id } } }",
        '{ projects(filter: {amountMin: 1, status: "x", dateFrom: "2020-01-01"}) { totalCount } }',
        "{ relationships(sort: {field: AMOUNT, descending: true}, first: 3, offset: 1) { totalCount nodes { id } } }",
    ):
        assert "errors" not in gql(client, q)
    assert not {"iter_nodes", "iter_edges", "project"} & set(counting.calls), counting.calls
    assert {"find_nodes", "count_nodes", "find_edges", "count_edges"} <= set(counting.calls)
