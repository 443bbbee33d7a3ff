"""Regression tests for issue #12's "Why" list: one meaning behind every door.

Each test names the inconsistency it guards; each failed on the code before the application layer
(three exposures, two as-of defaults, a case-sensitive country filter, three shock grammars, three
number coercions, two projection caches, wrong error codes, a silent empty concentration, Python
reprs in stamps).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stakegraph import measures
from stakegraph.analyses import run
from stakegraph.errors import Invalid
from stakegraph.store import EmbeddedStore
from stakegraph.web.app import create_app
from stakegraph.workspace import Workspace
from tests.api.conftest import fill, gql, settings


@pytest.fixture
def app_client(tmp_path: Path) -> TestClient:
    store = fill(EmbeddedStore(tmp_path / "s.sqlite"))
    return TestClient(create_app(settings(), store), raise_server_exceptions=False)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)
    with EmbeddedStore(tmp_path / "stakegraph.sqlite") as s:
        fill(s)
    return tmp_path


def cli_json(*args: str) -> dict[str, Any]:
    from stakegraph.cli.main import app

    res = CliRunner().invoke(app, ["analyze", *args, "--json"])
    assert res.exit_code == 0, (res.output, res.exception)
    return json.loads(res.stdout)  # type: ignore[no-any-return]


# -- "exposure": one name, one number -----------------------------------------------------------------------

def test_exposure_is_one_definition_everywhere(app_client: TestClient, tmp_path: Path) -> None:
    G = fill(EmbeddedStore(tmp_path / "x.sqlite")).project()
    # by hand: a_co borrows CNY 500,000 (recalled, still owed) + CNY 200,000 and sponsors p_plant (no amount);
    # its supplier's annual_revenue (commercial) is not exposure. In USD at the fixture's 8 CNY per USD:
    assert measures.exposure(G, "a_co") == 700_000.0 / 8
    assert measures.exposure(G, "b_bank") == 500_000.0 / 8 + 2e7  # CNY and USD loans, both in USD
    d = gql(app_client, '{ party(id: "a_co") { exposure } b: party(id: "b_bank") { exposure } }')["data"]
    assert d["party"]["exposure"] == measures.exposure(G, "a_co")
    assert d["b"]["exposure"] == measures.exposure(G, "b_bank")
    from stakegraph.viz import network, views

    assert views.exposure is measures.exposure and network.exposure is measures.exposure  # the views size by it
    assert measures.commercial_volume(G, "a_co") == 1e5  # the other measure has another name


def test_ended_relationships_carry_no_exposure() -> None:
    G = nx.MultiDiGraph()
    G.add_edge("bank", "co", kind="lends_to", amount=100.0, status="repaid")
    G.add_edge("bank", "co", kind="lends_to", amount=40.0)
    assert measures.exposure(G, "co") == 40.0


# -- one as-of rule ------------------------------------------------------------------------------------------

def test_alerts_use_one_as_of_default_in_every_door(app_client: TestClient, cli_env: Path) -> None:
    with Workspace(EmbeddedStore(cli_env / "stakegraph.sqlite")) as ws:
        G = ws.projection()
        default = measures.default_as_of(G)
        assert default == dt.date(2024, 3, 1) != dt.date.today()  # the latest observation in the data
        py = ws.run("health")
    assert py.parameters["as_of"] == default.isoformat()
    assert py.stamp.parameters["as_of_rule"] == measures.AS_OF_RULE
    cli = cli_json("health")
    assert cli["parameters"]["as_of"] == default.isoformat()
    assert cli["result"] == py.to_json()["result"]


def test_an_unparseable_date_is_refused_not_read_as_no_results() -> None:
    with pytest.raises(Invalid, match="ISO date"):
        measures.to_date("31/12/2024")
    G = nx.MultiDiGraph()
    with pytest.raises(Invalid):
        run(G, "health", as_of="yesterday")


# -- one shock grammar, one h0 ---------------------------------------------------------------------------------

def test_shock_grammar_round_trips_and_builds_h0_once() -> None:
    shocks = measures.parse_shocks("a_co, default:b_bank, loss:c_bank:0.25, ends:r1, missed:d_co")
    assert [str(s) for s in shocks] == ["default:a_co", "default:b_bank", "loss:c_bank:0.25", "ends:r1",
                                        "missed:d_co"]
    assert measures.parse_shocks([str(s) for s in shocks]) == shocks
    assert measures.to_h0(shocks[:3]) == {"a_co": 1.0, "b_bank": 1.0, "c_bank": 0.25}
    with pytest.raises(Invalid, match="DebtRank takes default and loss"):
        measures.to_h0(shocks)
    for bad in ("loss:a_co", "loss:a_co:1.5", "explode:a_co"):
        with pytest.raises(Invalid):
            measures.parse_shocks(bad)


def test_stamps_carry_shocks_as_data_not_reprs(cli_env: Path) -> None:
    ans = cli_json("contagion", "a_co")
    text = json.dumps(ans)
    assert "PartyDefault(" not in text
    assert ans["parameters"]["shocks"] == ["default:a_co"]
    assert ans["stamp"]["parameters"]["shocks"] == ["default:a_co"]
    assert "stamp" not in ans["result"]  # one stamp per answer


# -- one number coercion ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [("1e3", 1000.0), (float("inf"), None), (float("nan"), None),
                                             ("x", None), (True, None), (None, None), ("1e400", None)])
def test_number_is_one_function(value: Any, expected: float | None) -> None:
    from stakegraph.analytics import selection
    from stakegraph.web import metrics

    assert selection.number is measures.number and metrics.as_float is measures.number
    assert measures.number(value) == expected


def test_edge_size_is_one_function() -> None:
    from stakegraph.analytics import selection

    assert selection.edge_weight is measures.edge_size
    assert measures.edge_size({"kind": "controls"}) == 1.0  # a kind without a declared size counts 1
    assert measures.edge_size({"kind": "lends_to"}) is None  # a missing amount is absent, never 0


# -- one projection cache ------------------------------------------------------------------------------------

def test_pages_and_graphql_share_one_projection(app_client: TestClient) -> None:
    state = app_client.app.state.api  # type: ignore[attr-defined]
    assert gql(app_client, '{ parties(first: 1) { totalCount } }')["data"]
    r = app_client.get("/viz/ego/a_co?depth=1")
    assert r.status_code == 200, r.text
    before = state.workspace.projections_built
    assert app_client.get("/viz/ego/b_bank?depth=1").status_code == 200
    assert state.workspace.projections_built == before <= 1


# -- error codes say what went wrong ------------------------------------------------------------------------------

@pytest.mark.parametrize("query, code", [
    ('{ neighborhood(id: "a_co", depth: 99) { center { id } } }', "DEPTH_LIMIT"),
    ('{ paths(from: "a_co", to: "b_bank", maxHops: 99) { length } }', "DEPTH_LIMIT"),
    ('{ parties(first: 5, after: "not-a-cursor") { totalCount } }', "INVALID"),
    ('{ parties(first: 5, after: "YXJyYXljb25uZWN0aW9uOjA=", offset: 1) { totalCount } }', "INVALID"),
    ('{ parties(first: 500) { totalCount } }', "PAGE_SIZE"),
])
def test_error_codes_name_the_problem(app_client: TestClient, query: str, code: str) -> None:
    errors = gql(app_client, query).get("errors")
    assert errors, query
    assert errors[0]["extensions"]["code"] == code, errors


def test_unknown_ids_in_paths_and_neighborhood_are_not_found(app_client: TestClient) -> None:
    for q in ('{ neighborhood(id: "nobody", depth: 1) { center { id } } }',
              '{ paths(from: "nobody", to: "b_bank", maxHops: 3) { length } }'):
        errors = gql(app_client, q).get("errors")
        assert errors and errors[0]["extensions"]["code"] == "NOT_FOUND", (q, errors)


def test_country_filter_is_case_insensitive(app_client: TestClient) -> None:
    up = gql(app_client, '{ parties(filter: {country: "CN"}) { totalCount } }')["data"]["parties"]["totalCount"]
    low = gql(app_client, '{ parties(filter: {country: "cn"}) { totalCount } }')["data"]["parties"]["totalCount"]
    assert up == low == 3


# -- answers that help ---------------------------------------------------------------------------------------------

def test_empty_concentration_says_so_and_names_the_kinds(cli_env: Path) -> None:
    ans = cli_json("concentration", "a_co")  # default kinds are customers; a_co is a borrower
    r = ans["result"]
    assert r["n"] == 0
    assert "no active buys_from, offtakes relationships" in r["note"]
    assert "lends_to (in) x2" in r["note"] and "kinds lends_to, direction in" in r["note"]
    assert math.isclose(cli_json("concentration", "a_co", "--kinds", "lends_to")["result"]["cr_k"], 100.0)


def test_whole_book_concentration_and_structure_counts(cli_env: Path) -> None:
    book = cli_json("book-concentration", "--kinds", "lends_to")["result"]
    # by hand, in USD (the CNY loans at the fixture's 8 CNY per USD): b_bank 62,500 + 2e7; c_bank 25,000 + 5e6
    total = 500_000 / 8 + 2e7 + 200_000 / 8 + 5e6
    assert book["total"] == pytest.approx(total)
    assert [s["counterparty"] for s in book["shares"]] == ["b_bank", "c_bank"]
    pct = [100 * (500_000 / 8 + 2e7) / total, 100 * (200_000 / 8 + 5e6) / total]
    assert book["hhi"] == pytest.approx(pct[0] ** 2 + pct[1] ** 2)
    st = cli_json("structure")["result"]
    assert st["components"] >= 1 and st["largest_component"] <= st["structure_nodes"]


def test_store_sorts_by_the_same_exposure(store: Any) -> None:
    """The stores' ``Sort("exposure")`` (SQL / Cypher) orders by :func:`measures.exposure` (both backends)."""
    from stakegraph.model import EdgeRecord, NodeRecord
    from stakegraph.store import NodeFilter
    from stakegraph.store.filters import Sort

    nodes = [NodeRecord(i, "party", {"name": i, "kind": "corporate"}) for i in ("a", "b", "c", "bank", "gov")]
    edges = [
        EdgeRecord("l1", "lends_to", "bank", "a", {"amount": 100.0, "status": "repaid"}),  # ended: not exposure
        EdgeRecord("l2", "lends_to", "bank", "b", {"amount": 60.0}),
        EdgeRecord("g1", "guarantees", "gov", "c", {"amount": 500.0, "guarantee_cap": 50.0}),  # the cap counts
        EdgeRecord("s1", "buys_from", "a", "b", {"annual_revenue": 1e6}),  # commercial: not exposure
    ]
    store.write(nodes, edges)
    G = store.project()
    got = [n.id for n in store.find_nodes(NodeFilter(type="party"), sort=Sort("exposure", descending=True))]
    want = sorted(G.nodes, key=lambda n: (-measures.exposure(G, n), n))
    assert [measures.exposure(G, n) for n in want] == [60.0, 60.0, 50.0, 50.0, 0.0]
    assert got == want
