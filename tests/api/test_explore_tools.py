"""The explorer's tools over HTTP: /explore/paths and /explore/whatif (with compare=).

Proofs: on a five-party graph the paths are listed by hand (which kinds, which direction, how many
hops) and the losses are computed by hand for DebtRank (Battiston 2012: W_ij = min(1, A_ij / E_i)),
the threshold cascade (exposure x (1 - recovery)) and Eisenberg-Noe clearing; on the bundled sample the
numbers are those ``stakegraph analyze contagion … --json`` prints (the same catalogue analysis);
every bound is refused before any work with the error's status, message and fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stakegraph.cli.main import app as cli
from stakegraph.loaders import load
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.samples.sample import DEFAULT_DIR as SAMPLE
from stakegraph.settings import Settings
from stakegraph.store import EmbeddedStore
from stakegraph.web import explore_tools
from stakegraph.web.app import create_app

#: bank -> a (loan 10), c_lender -> bank (loan 4), a -> p (sponsors), bank -> p (loan), cust -> a (buys_from).
NODES = [
    NodeRecord("bank", "party", {"name": "Bank", "kind": "bank", "capital": 20.0, "external_assets": 1.0}),
    NodeRecord("a", "party", {"name": "A", "kind": "corporate", "capital": 2.0, "external_assets": 6.0}),
    NodeRecord("c_lender", "party", {"name": "C Lender", "kind": "bank", "capital": 10.0}),
    NodeRecord("cust", "party", {"name": "<img src=x onerror=alert(1)>", "kind": "corporate"}),
    NodeRecord("p", "project", {"name": "Plant"}),
    NodeRecord("alone", "party", {"name": "Alone", "kind": "corporate"}),
]
EDGES = [
    EdgeRecord("l_ba", "lends_to", "bank", "a", {"amount": 10.0, "currency": "USD"}),
    EdgeRecord("l_cb", "lends_to", "c_lender", "bank", {"amount": 4.0, "currency": "USD", "start_date": "2025-01-01"}),
    EdgeRecord("s_ap", "sponsors", "a", "p", {"share_pct": 100.0}),
    EdgeRecord("l_bp", "lends_to", "bank", "p", {"amount": 0.0, "currency": "USD"}),
    EdgeRecord("b_ca", "buys_from", "cust", "a", {"annual_revenue": 3.0}),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = EmbeddedStore(tmp_path_factory.mktemp("tools") / "tiny.sqlite")
    store.write(NODES, EDGES)
    with TestClient(create_app(Settings(_env_file=None), store), raise_server_exceptions=False) as c:  # type: ignore[call-arg]
        yield c
    store.close()


def get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    r = client.get(path, params=params)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def err(client: TestClient, path: str, status: int, **params: Any) -> dict[str, Any]:
    r = client.get(path, params=params)
    assert r.status_code == status, r.text
    e = r.json()["error"]
    assert e["message"] and e["fix"]
    return e  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- paths
def test_paths_by_hand(client: TestClient) -> None:
    r = get(client, "/explore/paths", **{"from": "a", "to": "bank"})
    assert [p["nodes"] for p in r["paths"]] == [["a", "bank"], ["a", "p", "bank"]]
    assert r["paths"][1]["edges"] == [["s_ap"], ["l_bp"]] and [p["hops"] for p in r["paths"]] == [1, 2]
    # nodes and edges in the neighbours endpoint's shapes, ready for the canvas
    assert {n["id"] for n in r["nodes"]} == {"a", "bank", "p"}
    shapes = get(client, "/explore/node/a/neighbours")
    assert set(r["nodes"][0]) == set(shapes["nodes"][0])
    assert {e["id"] for e in r["edges"]} == {"l_ba", "s_ap", "l_bp"}
    assert set(r["edges"][0]) == set(shapes["edges"][0])
    assert r["stamp"]["reference"].startswith("Yen (1971)")


def test_paths_kinds_direction_and_hops(client: TestClient) -> None:
    only_loans = get(client, "/explore/paths", **{"from": "a", "to": "bank", "kinds": "lends_to"})
    assert [p["nodes"] for p in only_loans["paths"]] == [["a", "bank"]] and only_loans["kinds"] == ["lends_to"]
    via_bank = get(client, "/explore/paths", **{"from": "a", "to": "p", "kinds": "lends_to"})
    assert via_bank["paths"] == [{"nodes": ["a", "bank", "p"], "edges": [["l_ba"], ["l_bp"]], "hops": 2}]
    # directed: relationships are followed from source to target only
    assert get(client, "/explore/paths", **{"from": "a", "to": "bank", "directed": "true"})["paths"] == []
    forward = get(client, "/explore/paths", **{"from": "bank", "to": "p", "directed": "true"})
    assert [p["nodes"] for p in forward["paths"]] == [["bank", "p"], ["bank", "a", "p"]]
    # hops: cust -> a -> bank is two relationships
    assert get(client, "/explore/paths", **{"from": "cust", "to": "bank", "hops": "1"})["paths"] == []
    assert len(get(client, "/explore/paths", **{"from": "cust", "to": "bank", "max": "1"})["paths"]) == 1
    # no path at all: both ends are still returned (the client shows them)
    none = get(client, "/explore/paths", **{"from": "alone", "to": "bank"})
    assert none["paths"] == [] and {n["id"] for n in none["nodes"]} == {"alone", "bank"}


def test_paths_bounds(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "max" in err(client, "/explore/paths", 400, **{"from": "a", "to": "bank", "max": "21"})["message"]
    assert "hops" in err(client, "/explore/paths", 400, **{"from": "a", "to": "bank", "hops": "9"})["message"]
    assert "unknown relationship kind" in err(client, "/explore/paths", 400, **{"from": "a", "to": "bank",
                                                                               "kinds": "lends_to,bnk"})["message"]
    assert "from=ID" in err(client, "/explore/paths", 400, to="bank")["message"]
    assert err(client, "/explore/paths", 404, **{"from": "nobody", "to": "bank"})["code"] == "NOT_FOUND"
    monkeypatch.setattr(explore_tools, "MAX_PATH_WORK", 10)
    e = err(client, "/explore/paths", 413, **{"from": "a", "to": "bank"})
    assert e["code"] == "LIMIT_EXCEEDED" and "fewer kinds" in e["fix"]


# ----------------------------------------------------------------------------- what-if
def rows(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {x["id"]: x for x in r["losses"]}


def test_debtrank_by_hand(client: TestClient) -> None:
    """Battiston 2012: h_bank = min(1, 10/20) x 1 = 0.5; h_c_lender = min(1, 4/10) x 0.5 = 0.2 (each
    distressed node propagates its loss once). Money: h x capital in the reporting currency (USD)."""
    r = get(client, "/explore/whatif", shock="default:a", method="debtrank")
    got = rows(r)
    assert got["a"]["value"] == 1.0 and got["a"]["defaulted"]
    assert got["bank"]["value"] == pytest.approx(0.5) and got["bank"]["money"] == pytest.approx(10.0)
    assert got["c_lender"]["value"] == pytest.approx(0.2) and got["c_lender"]["money"] == pytest.approx(2.0)
    assert [x["id"] for x in r["losses"]] == ["a", "bank", "c_lender"]
    assert r["unit"]["kind"] == "fraction" and r["unit"]["currency"] == "USD"
    assert r["transmission"]["edges"] == ["l_ba", "l_cb"]
    assert {e["id"] for e in r["edges"]} == {"l_ba", "l_cb"} and {n["id"] for n in r["nodes"]} == set(got)
    assert r["parameters"]["method"] == "debtrank" and r["stamp"]["algorithm"] == "debtrank"


def test_contract_cascade_and_clearing_by_hand(client: TestClient) -> None:
    # the bank loses its loan to A less the default recovery 0.4: 10 x 0.6 = 6 (below its capital of 20)
    for method in ("contract", "threshold", "cascade"):
        r = get(client, "/explore/whatif", shock="a", method=method)
        assert rows(r)["bank"]["value"] == pytest.approx(6.0), method
        assert not rows(r)["bank"]["defaulted"] and "l_ba" in r["transmission"]["edges"]
        assert r["unit"]["kind"] == "money" and r["unit"]["currency"] == "USD"  # every amount is in USD
    contract = get(client, "/explore/whatif", shock="a", method="contract")
    assert contract["transmission"]["paths"][0]["steps"][-1]["edge"] == "l_ba"
    # Eisenberg-Noe: A owes 10 and has 6 (pays 6, short 4); the bank owes 4 and has 1 + 6 (pays in full)
    clearing = get(client, "/explore/whatif", method="clearing")
    assert rows(clearing) == {"a": {"id": "a", "name": "A", "value": pytest.approx(4.0), "money": pytest.approx(4.0),
                                    "defaulted": True, "owes": 10.0, "pays": pytest.approx(6.0)}}
    assert clearing["transmission"]["edges"] == ["l_ba"] and clearing["unit"]["currency"] == "USD"


def test_compare_by_hand(client: TestClient) -> None:
    """A defaults (a=1, bank=0.5, c_lender=0.2) against C Lender defaulting (nobody lent to it: c_lender=1)."""
    r = get(client, "/explore/whatif", shock="a", method="debtrank", compare="c_lender")
    assert rows(r["a"])["bank"]["value"] == pytest.approx(0.5) and set(rows(r["b"])) == {"c_lender"}
    assert [(d["id"], round(d["difference"], 9)) for d in r["diff"]] == [("a", -1.0), ("c_lender", 0.8),
                                                                          ("bank", -0.5)]
    assert r["differing"] == 3 and r["unit"]["kind"] == "fraction"
    e = err(client, "/explore/whatif", 400, shock="a", method="debtrank", compare="a", compare_method="contract")
    assert "different values" in e["message"]


def test_as_of(client: TestClient) -> None:
    """C Lender's loan to the bank starts in 2025: as of 2024-06-30 the loss stops at the bank."""
    r = get(client, "/explore/whatif", shock="a", method="debtrank", as_of="2024-06-30")
    assert set(rows(r)) == {"a", "bank"} and r["transmission"]["edges"] == ["l_ba"]
    assert r["parameters"]["as_of"] == "2024-06-30" and r["stamp"]["parameters"]["as_of_rule"] == "given"
    assert "as_of must be an ISO date" in err(client, "/explore/whatif", 400, shock="a", as_of="June")["message"]


def test_whatif_bounds(client: TestClient) -> None:
    many = ",".join(f"p{i}" for i in range(explore_tools.MAX_SHOCKS + 1))
    assert err(client, "/explore/whatif", 413, shock=many, method="debtrank")["code"] == "LIMIT_EXCEEDED"
    assert err(client, "/explore/whatif", 413, shock="a", compare=many)["code"] == "LIMIT_EXCEEDED"
    assert err(client, "/explore/whatif", 413, shock="a", top=str(explore_tools.MAX_ROWS + 1))
    assert "method must be one of" in err(client, "/explore/whatif", 400, shock="a", method="bad")["message"]
    assert "no shock" in err(client, "/explore/whatif", 400, method="debtrank")["message"]
    assert "loss:PARTY:FRACTION" in err(client, "/explore/whatif", 400, shock="loss:a:2")["message"]
    assert err(client, "/explore/whatif", 404, shock="nobody", method="debtrank")["code"] == "NOT_FOUND"
    assert err(client, "/explore/whatif", 400, shock="a", bogus="1")["message"].startswith("contagion has no")


def test_payload_names_are_data(client: TestClient) -> None:
    r = get(client, "/explore/paths", **{"from": "cust", "to": "a"})
    assert {n["name"] for n in r["nodes"]} >= {"<img src=x onerror=alert(1)>"}
    assert client.get("/explore/paths", params={"from": "cust", "to": "a"}).headers["content-type"] \
        .startswith("application/json")


def test_keys_apply(tmp_path: Path) -> None:
    """With STAKEGRAPH_AUTH_REQUIRED the tools answer only with a key (the app's one guard)."""
    store = EmbeddedStore(tmp_path / "locked.sqlite")
    store.write(NODES, EDGES)
    locked = Settings(_env_file=None, api_keys="r3ad:read", auth_required=True)  # type: ignore[call-arg]
    with TestClient(create_app(locked, store), raise_server_exceptions=False) as c:
        for path, params in (("/explore/paths", {"from": "a", "to": "bank"}), ("/explore/whatif", {"shock": "a"})):
            assert c.get(path, params=params).status_code == 401
            assert c.get(path, params=params, headers={"Authorization": "Bearer r3ad"}).status_code == 200
    store.close()


# ----------------------------------------------------------------------------- parity with the CLI
@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    d = tmp_path_factory.mktemp("tools_sample")
    store = EmbeddedStore(d / "stakegraph.sqlite")
    assert not load(SAMPLE, store).errors
    with TestClient(create_app(Settings(_env_file=None), store), raise_server_exceptions=False) as c:  # type: ignore[call-arg]
        yield c, d
    store.close()


@pytest.mark.parametrize(("method", "field"), [("debtrank", "h"), ("contract", "loss"), ("cascade", "losses")])
def test_same_numbers_as_the_cli(sample: tuple[TestClient, Path], method: str, field: str,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    client, data_dir = sample
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(data_dir))
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)
    res = CliRunner().invoke(cli, ["analyze", "contagion", "a_co", "--method", method, "--json"])
    assert res.exit_code == 0, res.output
    cli_answer = json.loads(res.output)
    web = get(client, "/explore/whatif", shock="a_co", method=method, top="500")
    assert web["stamp"] == cli_answer["stamp"] | {"parameters": web["stamp"]["parameters"]}
    result = cli_answer["result"]
    if method == "debtrank":
        expected = {x["node"]: x["h"] for x in result["nodes"]}
    elif method == "contract":
        expected = {x["party"]: x["loss"] for x in result["parties"] if x["loss"] > 0 or x["defaulted"]}
    else:
        dead = {result["nodes"][i] for i in result["defaulted"]}
        expected = {n: x for n, x in zip(result["nodes"], result["losses"], strict=True) if x > 0 or n in dead}
    assert {x["id"]: x["value"] for x in web["losses"]} == expected
    assert web["affected"] == len(expected) and len(expected) > 1


def test_paths_agree_with_graphql(sample: tuple[TestClient, Path]) -> None:
    """Every kind, either direction: the same paths as GraphQL's ``paths`` (both Yen's algorithm; compared
    as sets, since equal-length paths may come in another order), on a pair with fewer paths than k."""
    client, _ = sample
    r = client.post("/graphql", json={"query": '{ paths(from: "a_new_investor", to: "a_rural_bank", maxHops: 3, k: 10) '
                                                "{ length nodes { id } } }"})
    assert r.status_code == 200, r.text
    expected = {tuple(n["id"] for n in p["nodes"]) for p in r.json()["data"]["paths"]}
    web = get(client, "/explore/paths", **{"from": "a_new_investor", "to": "a_rural_bank", "hops": "3", "max": "10"})
    assert 0 < len(expected) < 10 and {tuple(p["nodes"]) for p in web["paths"]} == expected
