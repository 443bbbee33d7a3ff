"""Parity, generated from the catalogue: every analysis answers the same through every door.

For each analysis of :data:`stakegraph.analyses.CATALOGUE` and a parameter set on the bundled sample
and on a seeded generated portfolio, the answer of

(a) the Python :meth:`Workspace.run`,
(b) the CLI ``stakegraph analyze NAME … --json``,
(c) the page ``/viz/analysis/NAME?…&format=json`` (and its HTML shows the first table's first row),
(d) the GraphQL field of the same name (``stakegraph.web.results``),

is the same JSON, number for number (floats exactly: it is the same function). (e) The audit's
concentration, cut points, centrality, health and groups are the catalogue answers for the audit's
parameters, and its as-of date is the one every other door uses.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from markupsafe import escape
from typer.testing import CliRunner

from stakegraph import audit as audit_core
from stakegraph.analyses import CATALOGUE, Analysis, Param, get, parse_params
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.measures import default_as_of, parse_shocks
from stakegraph.viz.analysis import cell_text
from tests.parity.conftest import GENERATED_EXTRA, SAMPLE_EXTRA, Portfolio

CASES = [("sample", n) for n in [*CATALOGUE, *SAMPLE_EXTRA]] + [("generated", n) for n in [*CATALOGUE,
                                                                                             *GENERATED_EXTRA]]


def _case(pf: Portfolio, key: str) -> tuple[Analysis, dict[str, Any]]:
    name = key.split("#")[0]
    a = get(name)
    params = pf.extra.get(key) if "#" in key else pf.params.get(name)
    if params is None:
        required = [p.name for p in a.params if p.required]
        assert not required, (f"{name} is new in the catalogue: add a parameter set with {', '.join(required)} "
                              f"to tests/parity/conftest.py ({pf.name})")
        params = {}
    return a, params


def _text(v: Any) -> str:
    return ",".join(v) if isinstance(v, list) else str(v)


# ----------------------------------------------------------------------------- the doors
def python_door(pf: Portfolio, a: Analysis, params: Mapping[str, Any]) -> dict[str, Any]:
    return pf.workspace.run(a.name, dict(params)).to_json()


def cli_args(a: Analysis, params: Mapping[str, Any]) -> list[str]:
    """``stakegraph analyze NAME`` arguments: positional node ids (and shocks), ``--kebab-case`` options."""
    args = ["analyze", a.name]
    for p in a.params:
        if p.name not in params:
            continue
        v = params[p.name]
        if p.kind == "shocks":
            args += list(v) if isinstance(v, list) else [v]
        elif p.positional:
            args.append(_text(v))
        elif p.kind == "bool":
            args.append(p.cli_flag if str(v).lower() in ("1", "true", "yes") else "--no-" + p.cli_flag[2:])
        else:
            args += [p.cli_flag, _text(v)]
    return [*args, "--json"]


def cli_door(pf: Portfolio, a: Analysis, params: Mapping[str, Any]) -> dict[str, Any]:
    from stakegraph.cli.main import app

    r = CliRunner().invoke(app, cli_args(a, params), env=pf.cli_env)
    assert r.exit_code == 0, (cli_args(a, params), r.output[-2000:])
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def page_query(params: Mapping[str, Any]) -> dict[str, str]:
    return {k: _text(v) for k, v in params.items()}


def page_door(pf: Portfolio, a: Analysis, params: Mapping[str, Any]) -> dict[str, Any]:
    r = pf.client.get(f"/viz/analysis/{a.name}", params={**page_query(params), "format": "json"})
    assert r.status_code == 200, r.text[:2000]
    return r.json()  # type: ignore[no-any-return]


def _gql_value(p: Param, v: Any) -> str:
    if p.kind == "shocks":
        items = []
        for s in parse_shocks(v if isinstance(v, list) else [v]):
            kind = type(s).__name__
            if kind == "PartyDefault":
                items.append(f'{{kind: DEFAULT, party: {json.dumps(s.party)}}}')
            elif kind == "EquityLoss":
                items.append(f'{{kind: EQUITY_LOSS, party: {json.dumps(s.party)}, fraction: {s.fraction!r}}}')
            elif kind == "RelationshipEnds":
                items.append(f'{{kind: RELATIONSHIP_ENDS, relationshipId: {json.dumps(s.edge_id)}}}')
            else:
                items.append(f'{{kind: TARGET_MISSED, party: {json.dumps(s.party)}}}')
        return "[" + ", ".join(items) + "]"
    if p.kind == "kinds":
        return "[" + ", ".join(k.strip().upper() for k in _text(v).split(",")) + "]"
    if p.kind == "choice":
        return str(v).upper()
    if p.kind in ("int", "float"):
        return str(v)
    if p.kind == "bool":
        return "true" if str(v).lower() in ("1", "true", "yes") else "false"
    return json.dumps(str(v))


def graphql_door(pf: Portfolio, a: Analysis, params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(what GraphQL answers, graphql_json(the Python answer))`` for the same parameters."""
    try:
        from stakegraph.web.results import graphql_json, selection_for
    except ImportError as e:  # the typed GraphQL fields are being generated from the catalogue (issue #12)
        pytest.xfail(f"stakegraph.web.results is not there yet: {e}")
    args = ", ".join(f"{p.camel}: {_gql_value(p, params[p.name])}" for p in a.params if p.name in params)
    q = "{ " + a.graphql_name + (f"({args})" if args else "") + " " + selection_for(a) + " }"
    body = pf.client.post("/graphql", json={"query": q}).json()
    assert "errors" not in body, (q, body.get("errors"))
    return body["data"][a.graphql_name], graphql_json(pf.workspace.run(a.name, dict(params)), a)


# ----------------------------------------------------------------------------- the tests
@pytest.mark.parametrize(("data", "key"), CASES)
def test_cli_and_page_answer_what_python_answers(data: str, key: str, request: pytest.FixtureRequest) -> None:
    pf: Portfolio = request.getfixturevalue(data)
    a, params = _case(pf, key)
    expected = python_door(pf, a, params)
    assert expected["analysis"] == a.name and "stamp" not in json.dumps(expected["result"])
    assert cli_door(pf, a, params) == expected, "the CLI differs"
    assert page_door(pf, a, params) == expected, "the page's JSON differs"


@pytest.mark.parametrize(("data", "key"), CASES)
def test_html_page_shows_the_first_row(data: str, key: str, request: pytest.FixtureRequest) -> None:
    pf: Portfolio = request.getfixturevalue(data)
    a, params = _case(pf, key)
    r = pf.client.get(f"/viz/analysis/{a.name}", params=page_query(params))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), r.text[:500]
    ans = pf.workspace.run(a.name, dict(params))
    tables = a.tables(ans.result, {**ans.parameters, **parse_params(a, params)})
    assert str(escape(tables[0].title)) in r.text
    first = next((t.rows[0] for t in tables if t.rows), None)
    if first is None:
        assert ">none<" in r.text
    for cell in first or ():
        assert str(escape(cell_text(cell))) in r.text, (cell, cell_text(cell))
    assert f'"graph_version":"{ans.stamp.graph_version}"' in r.text.replace(": ", ":") or \
        ans.stamp.graph_version in r.text


@pytest.mark.parametrize(("data", "key"), CASES)
def test_graphql_answers_what_python_answers(data: str, key: str, request: pytest.FixtureRequest) -> None:
    pf: Portfolio = request.getfixturevalue(data)
    a, params = _case(pf, key)
    got, expected = graphql_door(pf, a, params)
    assert got == expected


# ----------------------------------------------------------------------------- (e) the audit
def _graph_free(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without its ``graph`` choice: the audit runs on the graph it is given (``None``), a
    workspace names the graph it chose (``raw`` when no match is accepted); the numbers must agree."""
    out = dict(answer)
    out["parameters"] = {k: v for k, v in answer["parameters"].items() if k != "graph"}
    stamp = dict(answer["stamp"])
    if isinstance(stamp.get("parameters"), dict):
        stamp["parameters"] = {k: v for k, v in stamp["parameters"].items() if k != "graph"}
    stamp.pop("graph", None)
    out["stamp"] = stamp
    return out


def test_audit_sections_are_the_catalogue_answers(portfolio: Portfolio) -> None:
    ws = portfolio.workspace
    G = ws.projection()
    report = audit_core.build_audit(G)
    assert report.as_of == default_as_of(G).isoformat()
    # the one as-of rule: the audit's date is the date every door's health answer uses by default
    assert report.as_of == ws.run("health").parameters["as_of"] == portfolio.client.get(
        "/viz/analysis/health", params={"format": "json"}).json()["parameters"]["as_of"]
    runs: dict[str, tuple[str, dict[str, Any]]] = {
        label: (name, dict(params)) for label, (name, params) in audit_core.AUDIT_PARAMETERS.items()}
    runs["health"][1]["as_of"] = report.as_of
    runs["centrality"] = ("centrality", audit_core.centrality_parameters(G, top=3 * 3 + 5))
    for d in report.concentration_details:
        runs[f"concentration {d.node}"] = ("concentration", {"node": d.node})
    ot = report.over_time  # "Change over time": the catalogue's trend of the book per measure, and diff
    assert ot is not None
    for m in audit_core.TREND_MEASURES:
        runs[f"trend {m}"] = ("trend", {"measure": m, "period": audit_core.TREND_PERIOD, "from_date": ot.from_date,
                                        "to_date": ot.to_date})
    if ot.diff is not None:
        runs["diff"] = ("diff", {"from_date": ot.diff.from_date, "to_date": ot.diff.to_date})
    assert set(runs) == set(report.answers)
    for label, (name, params) in runs.items():
        assert _graph_free(report.answers[label].to_json()) == _graph_free(ws.run(name, params).to_json()), label
    assert to_jsonable(report.cuts) == to_jsonable(ws.run("cut-points").result)
    assert to_jsonable(report.groups) == to_jsonable(ws.run("groups").result)
    alerts = ws.run("health", as_of=report.as_of).result
    assert to_jsonable(report.alerts.alerts) == to_jsonable(alerts.alerts[: audit_core.ALERTS_SHOWN])
    shown = {(r.node, r.basis): r for r in report.concentrated}
    for basis, label in (("customers", "customer concentration"), ("lenders", "lender concentration")):
        rows = {r.node: r for r in ws.run(*runs[label]).result.rows}
        for (node, b), row in shown.items():
            if b == basis:
                assert (row.hhi, row.cr_k, row.n, row.total) == (rows[node].hhi, rows[node].cr_k, rows[node].n,
                                                                 rows[node].total)


def test_every_catalogue_analysis_has_a_parameter_set() -> None:
    from tests.parity.conftest import GENERATED_PARAMS, SAMPLE_PARAMS

    for name, a in CATALOGUE.items():
        if any(p.required for p in a.params):
            assert name in SAMPLE_PARAMS and name in GENERATED_PARAMS, name
