"""Mutations (validated, atomic) and analytics fields (same JSON as the CLI, cached per graph version)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stakegraph.cli.main import app as cli_app
from stakegraph.store import EmbeddedStore
from stakegraph.web.examples import EXAMPLES
from tests.api.conftest import fill, gql


def test_upsert_and_validation_errors_write_nothing(client: TestClient, graph_store: Any) -> None:
    before = graph_store.graph_version()
    d = gql(client, 'mutation { upsertParty(input: {id: "z", name: "Z", props: {total_assets: "lots"}}) '
                    "{ ok errors { field message fix } } }")
    assert d["data"]["upsertParty"] == {"ok": False, "errors": [{
        "field": "props.total_assets", "message": "total_assets: 'lots' is not a valid float",
        "fix": "write a plain number such as 1500000 or 12.5 (no currency sign)"}]}
    d = gql(client, 'mutation { upsertRelationship(input: {kind: LENDS_TO, sourceId: "b_bank", targetId: "k_loan"}) '
                    "{ ok errors { field message } } }")
    assert d["data"]["upsertRelationship"]["errors"] == [
        {"field": "targetId", "message": "lends_to needs a party or project here, got a contract"}]
    d = gql(client, 'mutation { recordSignal(input: {kind: DISPUTE, date: "2025-02-30", partyId: "a_co"}) '
                    "{ ok errors { field } } }")
    assert d["data"]["recordSignal"]["errors"] == [{"field": "date"}]
    d = gql(client, 'mutation { upsertContract(input: {id: "k2", name: "K2", projectId: "nope"}) '
                    "{ ok errors { field } } }")
    assert d["data"]["upsertContract"]["errors"] == [{"field": "projectId"}]
    assert graph_store.graph_version() == before
    assert graph_store.get_node("z") is None and graph_store.get_node("k2") is None


def test_upserts_record_events_with_provenance(client: TestClient, graph_store: Any) -> None:
    d = gql(client, EXAMPLES["upsertParty"].replace("demo_bank", "d1"))
    assert d["data"]["upsertParty"]["ok"] is True
    assert graph_store.get_node("d1").props == {"name": "示例银行", "kind": "bank", "country": "CN",
                                                "total_assets": 1.5e9, "load_id": "api"}
    d = gql(client, 'mutation { upsertRelationship(input: {kind: LENDS_TO, sourceId: "d1", targetId: "a_co", '
                    'props: {amount: "1,000", status: "active"}}) { ok relationship { id amount provenance { loadId } } } }')
    rel = d["data"]["upsertRelationship"]["relationship"]
    assert rel["amount"] == 1000.0 and rel["provenance"] == {"loadId": "api"}
    d = gql(client, EXAMPLES["recordSignal"])
    sid = d["data"]["recordSignal"]["node"]["id"]
    d = gql(client, '{ party(id: "a_co") { signals { id kind value } } }')
    assert {"id": sid, "kind": "payment_delay", "value": 30.0} in d["data"]["party"]["signals"]
    d = gql(client, 'mutation { recordInteraction(input: {kind: MEETING, date: "2025-01-10", partyId: "a_co", '
                    'counterpartyId: "b_bank", channel: "in person"}) { ok created } }')
    assert d["data"]["recordInteraction"] == {"ok": True, "created": 3}  # node + two involves edges


ANALYTICS_VS_CLI = [
    ("concentration", ["concentration", "tech_co", "--kinds", "buys_from"]),
    ("dependencies", ["dependencies", "--top", "10"]),
    ("contagion", ["contagion", "a_co", "--method", "debtrank", "--variant", "battiston2012"]),
    ("health", ["health", "--as-of", "2026-06-30", "--threshold", "60"]),
    ("lifecycle", ["lifecycle", "tech_co", "--as-of", "2026-06-30"]),
    ("groups", ["groups"]),
    ("exposures", ["exposures", "b_bank"]),
    ("cofinancing", ["cofinancing", "--kinds", "lends_to"]),
    ("centrality", ["centrality", "--top", "5"]),
    ("structure", ["structure"]),
    ("fundingDominators", ["funding-dominators", "p_plant"]),
]


def _norm(key: str) -> str:
    return key.replace("_", "").lower()


def _within(gql_value: Any, cli_value: Any, where: str = "result") -> None:
    """Every value the GraphQL example selected equals the CLI's (camelCase vs snake_case, entries vs maps)."""
    if isinstance(gql_value, list) and isinstance(cli_value, dict):  # {key, value} entries of a mapping
        assert {e["key"]: e["value"] for e in gql_value} == cli_value, where
    elif isinstance(gql_value, dict):
        assert isinstance(cli_value, dict), where
        cli = {_norm(k): v for k, v in cli_value.items()}
        for k, v in gql_value.items():
            if k != "__typename":
                assert _norm(k) in cli, f"{where}.{k} not in the CLI answer"
                _within(v, cli[_norm(k)], f"{where}.{k}")
    elif isinstance(gql_value, list):
        assert isinstance(cli_value, list) and len(gql_value) == len(cli_value), where
        for i, (a, b) in enumerate(zip(gql_value, cli_value, strict=True)):
            _within(a, b, f"{where}[{i}]")
    else:
        assert gql_value == cli_value, f"{where}: {gql_value!r} != {cli_value!r}"


@pytest.mark.parametrize(("field", "argv"), ANALYTICS_VS_CLI, ids=[f for f, _ in ANALYTICS_VS_CLI])
def test_analytics_field_equals_cli_json(field: str, argv: list[str], tmp_path: Path,
                                         make_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    store = fill(EmbeddedStore(tmp_path / "stakegraph.sqlite"))
    client = make_client(store=store)
    d = gql(client, EXAMPLES[field].replace("p_energy_plant_1", "p_plant"))
    assert "errors" not in d, d
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)
    out = CliRunner().invoke(cli_app, ["analyze", *argv, "--json"])
    assert out.exit_code == 0, out.output
    cli = json.loads(out.output)
    got = d["data"][field]
    assert "stamp" not in json.dumps(got["result"])  # one stamp per answer
    _within(got["result"], cli["result"])
    if "parameters" in got:
        assert got["parameters"] == cli["parameters"]
    if "stamp" in got:
        _within(got["stamp"], cli["stamp"], "stamp")


def test_analytics_cached_per_graph_version(client: TestClient, graph_store: Any) -> None:
    state = client.app.state.api  # type: ignore[attr-defined]
    q = EXAMPLES["concentration"]
    first = gql(client, q)["data"]["concentration"]
    again = gql(client, q)["data"]["concentration"]
    assert first == again and state.projections_built == 1
    shares = {s["counterparty"]: s["pct"] for s in first["result"]["shares"]}
    assert shares == {"tech_cust_1": 60.0, "tech_cust_2": 40.0}  # 600 / 1000, 400 / 1000
    assert first["result"]["hhi"] == pytest.approx(60.0**2 + 40.0**2)
    gql(client, 'mutation { upsertRelationship(input: {kind: BUYS_FROM, sourceId: "a_co", targetId: "tech_co", '
                "props: {annual_revenue: 1000}}) { ok } }")
    after = gql(client, q)["data"]["concentration"]
    assert state.projections_built == 2 and after["stamp"]["graphVersion"] != first["stamp"]["graphVersion"]
    assert {s["counterparty"]: s["pct"] for s in after["result"]["shares"]}["a_co"] == 50.0
