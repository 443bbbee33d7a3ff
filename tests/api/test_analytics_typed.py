"""Analytics fields generated from the catalogue: one typed field per analysis, answering on the bundled
sample exactly what the Workspace answers (``graphql_json``), with one stamp and no JSON blob."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLUnionType

from stakegraph.analyses import CATALOGUE, CONTAGION_RESULTS
from stakegraph.store import EmbeddedStore
from stakegraph.web.app import create_app
from stakegraph.web.results import graphql_json, selection_for
from stakegraph.web.schema import build_schema
from tests.api.conftest import settings

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"

#: A sensible parameter set per analysis (ids of the bundled sample), as GraphQL arguments and as data.
PARAMS: dict[str, tuple[str, dict[str, Any]]] = {
    "concentration": ('node: "tech_co", kinds: [BUYS_FROM]', {"node": "tech_co", "kinds": ["buys_from"]}),
    "portfolio-concentration": ("kinds: [LENDS_TO], top: 5", {"kinds": ["lends_to"], "top": 5}),
    "book-concentration": ("kinds: [LENDS_TO], by: SOURCE", {"kinds": ["lends_to"], "by": "source"}),
    "structure": ("", {}),
    "dependencies": ("top: 5", {"top": 5}),
    "removal-impact": ('node: "epc_main"', {"node": "epc_main"}),
    "funding-dominators": ('node: "p_energy_plant_1"', {"node": "p_energy_plant_1"}),
    "centrality": ("top: 5", {"top": 5}),
    "cut-points": ("", {}),
    "groups": ("controlThreshold: 50", {"control_threshold": 50.0}),
    "exposures": ('node: "b_bank"', {"node": "b_bank"}),
    "cofinancing": ("kinds: [LENDS_TO], minShared: 1", {"kinds": ["lends_to"], "min_shared": 1}),
    "cofinancing-centrality": ("", {}),
    "contagion": ('shocks: [{kind: DEFAULT, party: "a_co"}], method: CONTRACT', {"shocks": ["a_co"]}),
    "damaging-paths": ('source: "a_co", target: "b_bank"', {"source": "a_co", "target": "b_bank"}),
    "health": ('asOf: "2026-06-30"', {"as_of": "2026-06-30"}),
    "health-scores": ("top: 5", {"top": 5}),
    "health-detail": ('edge: "r_ab_loan", asOf: "2023-04-10"', {"edge": "r_ab_loan", "as_of": "2023-04-10"}),
    "lifecycle": ('node: "tech_co"', {"node": "tech_co"}),
    "lifecycle-book": ("", {}),
    "segments": ("", {}),
    "communities": ("seed: 0", {"seed": 0}),
}
#: Every contagion method, through the union.
CONTAGION = {
    "debtrank": ('shocks: [{kind: EQUITY_LOSS, party: "b_bank", fraction: 0.5}], method: DEBTRANK',
                 {"shocks": ["loss:b_bank:0.5"], "method": "debtrank"}),
    "cascade": ('shocks: [{kind: DEFAULT, party: "a_co"}], method: CASCADE',
                {"shocks": ["a_co"], "method": "cascade"}),
    "clearing": ("method: CLEARING", {"method": "clearing"}),
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    from stakegraph.loaders.pipeline import load

    store = EmbeddedStore(tmp_path_factory.mktemp("typed") / "sample.sqlite")
    store.ensure_schema()
    load(SAMPLE, store)
    app = create_app(settings(), store)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, app.state.api.workspace  # type: ignore[attr-defined]
    store.close()


def _named(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def _any_fields(cls: type) -> set[str]:
    """Fields a dataclass declares as Any (the only ones allowed to be JSON), camelCase."""
    from strawberry.utils.str_converters import to_camel_case

    hints = typing.get_type_hints(cls)
    return {to_camel_case(f.name) for f in dataclasses.fields(cls) if hints.get(f.name) is Any}


def test_every_analysis_has_a_typed_field() -> None:
    schema = build_schema()._schema
    query = schema.query_type
    assert query is not None
    missing = [a.graphql_name for a in CATALOGUE.values() if a.graphql_name not in query.fields]
    assert not missing
    assert "analyticsResult" not in str(schema).lower()
    seen: set[str] = set()
    stack = []
    for a in CATALOGUE.values():
        ans = _named(query.fields[a.graphql_name].type)
        assert ans.name.endswith("Answer") and set(ans.fields) == {"analysis", "parameters", "stamp", "result"}
        assert _named(ans.fields["stamp"].type).name == "Stamp"
        stack.append(_named(ans.fields["result"].type))
    by_name = {c.__name__: c for c in CONTAGION_RESULTS}
    for a in CATALOGUE.values():
        by_name.setdefault(a.result.__name__, a.result)
    while stack:
        t = stack.pop()
        if t.name in seen:
            continue
        seen.add(t.name)
        if isinstance(t, GraphQLUnionType):
            stack.extend(t.types)
            continue
        if not isinstance(t, GraphQLObjectType):
            continue
        assert "stamp" not in t.fields, t.name
        allowed = _any_fields(by_name[t.name]) if t.name in by_name else set()
        for fname, f in t.fields.items():
            named = _named(f.type)
            assert named.name != "JSON" or fname in allowed, f"{t.name}.{fname} is JSON"
            assert fname == fname[0].lower() + fname[1:] and "_" not in fname, fname
            stack.append(named)
    assert {"ContagionResult", "PropagationResult", "DebtRankGraphResult", "CascadeResult", "ClearingResult",
            "ConcentrationResult", "Share", "FloatEntry"} <= seen


def _query(client: TestClient, name: str, args: str) -> dict[str, Any]:
    a = CATALOGUE[name]
    q = "{ " + a.graphql_name + (f"({args})" if args else "") + " " + selection_for(a) + " }"
    r = client.post("/graphql", json={"query": q})
    body = r.json()
    assert "errors" not in body, (name, body.get("errors"))
    return body["data"][a.graphql_name]  # type: ignore[no-any-return]


@pytest.mark.parametrize("name", list(CATALOGUE))
def test_field_answers_what_the_workspace_answers(name: str, sample: tuple[TestClient, Any]) -> None:
    client, ws = sample
    args, params = PARAMS.get(name, ("", {}))
    a = CATALOGUE[name]
    if name not in PARAMS:  # an analysis added to the catalogue: its required nodes from the sample
        ids = iter(["a_co", "b_bank"])
        node_params = [p for p in a.params if p.required and p.kind == "node"]
        params = {p.name: next(ids) for p in node_params}
        args = ", ".join(f'{p.camel}: "{params[p.name]}"' for p in node_params)
        if any(p.required and p.kind != "node" for p in a.params):
            pytest.skip(f"{name}: give it a parameter set in PARAMS")
    got = _query(client, name, args)
    want = graphql_json(ws.run(name, params))
    assert got == want
    assert "stamp" not in str(got["result"].keys() if isinstance(got["result"], dict) else "")
    assert got["stamp"]["graphVersion"] and got["analysis"] == name


@pytest.mark.parametrize("method", list(CONTAGION))
def test_every_contagion_method_through_the_union(method: str, sample: tuple[TestClient, Any]) -> None:
    client, ws = sample
    args, params = CONTAGION[method]
    got = _query(client, "contagion", args)
    assert got == graphql_json(ws.run("contagion", params))
    assert got["result"]["__typename"] == {"debtrank": "DebtRankGraphResult", "cascade": "CascadeResult",
                                           "clearing": "ClearingResult"}[method]
    assert got["parameters"]["method"] == method


def test_parameters_are_data_and_shocks_use_the_text_grammar(sample: tuple[TestClient, Any]) -> None:
    client, _ = sample
    got = _query(client, "contagion", 'shocks: [{kind: DEFAULT, party: "a_co"}, '
                                      '{kind: EQUITY_LOSS, party: "b_bank", fraction: 0.25}]')
    assert got["parameters"]["shocks"] == ["default:a_co", "loss:b_bank:0.25"]
    assert "PartyDefault(" not in str(got["stamp"]["parameters"])
    assert got["result"]["shocks"][0] == {"__typename": "PartyDefault", "party": "a_co"}


@pytest.mark.parametrize(("query", "code"), [
    ('{ concentration(node: "nope") { analysis } }', "NOT_FOUND"),
    ('{ lifecycle(node: "nope") { analysis } }', "NOT_FOUND"),
    ('{ damagingPaths(source: "a_co", target: "nope") { analysis } }', "NOT_FOUND"),
    ('{ health(asOf: "2026-13-45") { analysis } }', "INVALID"),
    ('{ concentration(node: "tech_co", k: 0) { analysis } }', "INVALID"),
    ('{ contagion(method: DEBTRANK) { analysis } }', "INVALID"),
    ('{ contagion(shocks: [{kind: EQUITY_LOSS, party: "b_bank"}]) { analysis } }', "INVALID"),
    ('{ contagion(shocks: [{kind: EQUITY_LOSS, party: "b_bank", fraction: 2}]) { analysis } }', "INVALID"),
])
def test_errors_are_typed(query: str, code: str, sample: tuple[TestClient, Any]) -> None:
    client, _ = sample
    body = client.post("/graphql", json={"query": query}).json()
    assert body["errors"][0]["extensions"]["code"] == code, body


def test_one_graph_version_read_per_request(sample: tuple[TestClient, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    _, ws = sample
    calls = []
    real = ws.store.graph_version

    def counted() -> str:
        calls.append(1)
        return real()  # type: ignore[no-any-return]

    monkeypatch.setattr(ws.store, "graph_version", counted)
    app = create_app(settings(response_cache_size=0), ws.store)  # no response cache: only the fields read it
    q = ('query One { a: structure(kinds: [OWNS]) { analysis } b: segments(top: 3) { analysis } '
         'c: communities(seed: 1) { analysis } }')
    with TestClient(app) as client:
        client.post("/graphql", json={"query": "{ structure { analysis } }"})  # builds the projection
        calls.clear()  # (building a projection reads the version it is of)
        body = client.post("/graphql", json={"query": q}).json()
    assert "errors" not in body, body
    assert len(calls) == 1
