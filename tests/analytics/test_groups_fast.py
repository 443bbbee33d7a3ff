"""Connected groups with the link edges read in one pass = the reference (each link function reads its own)."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pytest

from stakegraph.analytics import groups as grp
from stakegraph.analytics import groups_fast as gf
from stakegraph.analytics.selection import STRUCTURAL_TYPES, iter_kind_edges
from stakegraph.analytics.stamp import to_jsonable
from tests.analytics.audit_graphs import NAMES, graph, outcome


@pytest.mark.parametrize("name", NAMES)
def test_equals_the_reference(name: str) -> None:
    G = graph(name)
    for kw in ({}, {"control_threshold": 20.0, "interdependence_threshold": 10.0},
               {"control_threshold": 75.0, "interdependence_threshold": 90.0}):
        got, want = outcome(grp.connected_groups, G, **kw), outcome(grp.connected_groups_reference, G, **kw)
        assert got == want
        if not isinstance(got, tuple):
            assert to_jsonable(got) == to_jsonable(want)
            assert [g.id for g in got.groups] == [g.id for g in want.groups]


@pytest.mark.parametrize("name", NAMES)
def test_the_one_pass_read_is_the_two_passes(name: str) -> None:
    G = graph(name)
    types = set(STRUCTURAL_TYPES)

    def kept(kinds: tuple[str, ...]) -> list[tuple[object, ...]]:
        return [e for e in iter_kind_edges(G, kinds) if e[0] != e[1] and G.nodes[e[0]].get("type") in types
                and G.nodes[e[1]].get("type") in types]

    control, dependence = grp._link_edges(G)
    assert control == kept(grp._CONTROL_KINDS)
    assert dependence == kept(grp._DEPENDENCE_KINDS)


def test_groups_exist_in_the_generated_portfolio() -> None:
    r = grp.connected_groups(graph("generated-1000-29"))
    assert len(r.groups) > 10 and any(len(g.members) > 2 for g in r.groups)


@pytest.mark.parametrize("name", NAMES)
def test_a_lenders_edges_read_from_the_adjacency_are_the_views(name: str) -> None:
    G = graph(name)
    for n in G:
        assert grp._out_edges(G, n) == [(v, k, d) for _, v, k, d in G.out_edges(n, keys=True, data=True)]


# --- the edge-table path (groups_fast) against the references ---------------------------------------------

THRESHOLDS = ({}, {"control_threshold": 20.0, "interdependence_threshold": 10.0},
              {"control_threshold": 75, "interdependence_threshold": 90}, {"interdependence_threshold": 0.0},
              {"control_threshold": 0, "interdependence_threshold": 100})


def _result(fn: Any, *a: Any, **kw: Any) -> Any:
    """The result, or the error's type and text."""
    try:
        return fn(*a, **kw)
    except Exception as e:  # noqa: BLE001 - the same error is part of the equality
        return ("raised", type(e), str(e))


@pytest.mark.parametrize("name", NAMES)
def test_the_table_read_equals_the_reference(name: str) -> None:
    G = graph(name)
    for kw in THRESHOLDS:
        want = _result(grp.connected_groups_reference, G, **kw)
        fast = _result(gf.connected_groups_columns, G, **kw)
        if fast is None:  # a missing rate: the loop runs and raises
            assert isinstance(want, tuple)
        else:
            assert fast == want
        got = _result(grp.connected_groups, G, **kw)
        assert got == want
        if not isinstance(got, tuple):
            assert to_jsonable(got) == to_jsonable(want)
            assert [(g.id, g.member_ids, g.parents) for g in got.groups] == [
                (g.id, g.member_ids, g.parents) for g in want.groups]
            assert [[(lk.source, lk.target, lk.value, lk.edges, lk.note) for lk in g.links] for g in got.groups] == [
                [(lk.source, lk.target, lk.value, lk.edges, lk.note) for lk in g.links] for g in want.groups]
            assert list(got.group_of.items()) == list(want.group_of.items())


@pytest.mark.parametrize("name", ["sample", "generated-1000-29", "generated-500-11-cny", "seeded-1-one", "seeded-4-one"])
def test_the_table_answers_the_readable_graphs(name: str) -> None:
    assert gf.connected_groups_columns(graph(name)) is not None


@pytest.mark.parametrize("name", NAMES)
def test_the_loop_without_the_table_equals_the_reference(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    G = graph(name)
    monkeypatch.setattr(gf, "columns", lambda G: None)
    for kw in THRESHOLDS[:3]:
        assert _result(grp.connected_groups, G, **kw) == _result(grp.connected_groups_reference, G, **kw)
        lenders = [n for n, d in G.nodes(data=True) if d.get("tier1_capital")][:5]
        for n in lenders:
            assert _result(grp.large_exposures, G, n) == _result(grp.large_exposures_reference, G, n)


def _lenders(G: nx.MultiDiGraph) -> list[str]:
    """Every party with a tier1_capital, and a few without (both paths raise the same)."""
    parties = [n for n, d in G.nodes(data=True) if d.get("type") == "party"]
    return [n for n in parties if G.nodes[n].get("tier1_capital")] + parties[:3]


@pytest.mark.parametrize("name", NAMES)
def test_large_exposures_equal_the_reference(name: str) -> None:
    G = graph(name)
    groups = _result(grp.connected_groups_reference, G)
    given = None if isinstance(groups, tuple) else groups
    for kw in ({}, {"top": 0}, {"top": 1}, {"top": 3}, {"top": -2}, {"kinds": ("lends_to",)},
               {"kinds": ["guarantees", "invests_in", "owns"], "top": 5}):
        for n in _lenders(G):
            want = _result(grp.large_exposures_reference, G, n, groups=given, **kw)
            got = _result(grp.large_exposures, G, n, groups=given, **kw)
            assert got == want, (n, kw)
            if not isinstance(got, tuple):
                assert to_jsonable(got) == to_jsonable(want)
                assert got.total_exposure == want.total_exposure
                assert [e.group_id for e in got.largest] == [e.group_id for e in want.largest]
    for n in _lenders(G)[:4]:  # groups computed inside
        assert _result(grp.large_exposures, G, n) == _result(grp.large_exposures_reference, G, n)


def _money_graph() -> nx.MultiDiGraph:
    """Sellers with and without revenue, a project paid by its offtakers, stated shares, parallel edges,
    guarantees with and without a stated share, loans in two currencies, inactive and self-loop edges."""
    G = nx.MultiDiGraph(version="t", reporting_currency="USD")
    G.add_node("bank", type="party", tier1_capital=100.0, gsib=True)
    G.add_node("bank2", type="party", tier1_capital=40.0)
    G.add_node("s", type="party", annual_revenue=100.0)
    G.add_node("s0", type="party", annual_revenue=0.0)
    G.add_node("p", type="project")
    G.add_node("x", type="party", gsib=True, name="X Corp")
    G.add_node("y", type="party")
    G.add_node("z", type="party")
    G.add_node("k", type="contract")
    edges = [
        ("x", "s", "r1", {"kind": "buys_from", "annual_revenue": 30.0}),
        ("x", "s", "r2", {"kind": "buys_from", "annual_revenue": 25.0}),
        ("y", "s", "r3", {"kind": "buys_from", "annual_revenue": 10.0, "revenue_share_pct": 55}),
        ("s0", "z", "r4", {"kind": "supplies", "annual_revenue": 5.0}),
        ("x", "p", "o1", {"kind": "offtakes", "annual_revenue": 70.0}),
        ("y", "p", "o2", {"kind": "offtakes", "annual_revenue": 30.0}),
        ("z", "p", "o3", {"kind": "offtakes", "annual_revenue": 50.0, "status": "ended"}),
        ("s", "s", "self", {"kind": "buys_from", "annual_revenue": 99.0}),
        ("k", "s", "c1", {"kind": "buys_from", "annual_revenue": 99.0}),
        ("bank", "z", "l1", {"kind": "lends_to", "amount": 40.0}),
        ("bank", "z", "l2", {"kind": "lends_to", "amount": 20.0, "currency": "usd"}),
        ("bank", "x", "l3", {"kind": "lends_to", "amount": 12.0}),
        ("bank", "y", "l4", {"kind": "lends_to", "amount": "7.5"}),
        ("bank", "p", "l5", {"kind": "invests_in", "amount": 3.0, "status": "Terminated "}),
        ("bank", "s", "l6", {"kind": "lends_to"}),
        ("bank", "k", "l7", {"kind": "lends_to", "amount": 9.0}),
        ("y", "z", "g1", {"kind": "guarantees", "amount": 30.0}),
        ("x", "z", "g2", {"kind": "guarantees", "guaranteed_share_of_debt": 50}),
        ("x", "y", "g3", {"kind": "guarantees", "amount": 5.0}),
        ("x", "y", "w1", {"kind": "owns", "share_pct": 60}),
        ("bank2", "z", "m1", {"kind": "invests_in", "amount": 10.0, "currency": "EUR"}),
    ]
    for u, v, k, d in edges:
        G.add_edge(u, v, key=k, **d)
    return G


def test_hand_made_money_graph() -> None:
    G = _money_graph()
    for kw in THRESHOLDS:
        assert _result(grp.connected_groups, G, **kw) == _result(grp.connected_groups_reference, G, **kw)
    r = grp.connected_groups(G)
    assert gf.connected_groups_columns(G) == r
    basis = {(lk.source, lk.target): (lk.basis, lk.value) for g in r.groups for lk in g.links}
    assert basis[("y", "s")] == ("receipts", 55.0) and basis[("x", "s")] == ("receipts", 55.0)
    assert basis[("x", "p")] == ("receipts", 70.0)  # 70 / (70 + 30): the project's own receipts
    for lender in ("bank", "bank2", "s"):  # bank2's EUR loan has no rate; s has no tier1_capital
        for kw in ({}, {"top": 1}):
            assert _result(grp.large_exposures, G, lender, **kw) == _result(
                grp.large_exposures_reference, G, lender, **kw)
    assert gf.large_exposures_columns(G, "bank2") is None  # the reference raises MissingRate
    assert isinstance(_result(grp.large_exposures, G, "bank2"), tuple)
    e = grp.large_exposures(G, "bank")
    assert e.breaches == ("group:x",) and e.total_exposure == 40.0 + 20.0 + 12.0 + 7.5 + 9.0
    assert [(x.group_id, x.limit_pct, x.edges) for x in e.largest] == [
        ("group:x", 15.0, ("l1", "l2", "l3", "l4")), ("k", 25.0, ("l7",))]  # y guarantees half of z's debt


def test_odd_values_go_to_the_reference() -> None:
    G = _money_graph()
    G.edges["bank", "x", "l3"]["currency"] = 840  # not text: that lender takes the reference
    assert gf.large_exposures_columns(G, "bank") is None
    assert _result(grp.large_exposures, G, "bank") == _result(grp.large_exposures_reference, G, "bank")
    H = nx.relabel_nodes(_money_graph(), {"z": 7})  # a node id that is not text: no table
    assert gf.connected_groups_columns(H) is None and gf.large_exposures_columns(H, "bank") is None
    assert _result(grp.connected_groups, H) == _result(grp.connected_groups_reference, H)
    assert _result(grp.large_exposures, H, "bank") == _result(grp.large_exposures_reference, H, "bank")
    assert gf.connected_groups_columns(nx.DiGraph(_money_graph())) is None
    for bad in ({"control_threshold": 101}, {"interdependence_threshold": -1}, {"control_threshold": "x"}):
        assert _result(grp.connected_groups, G, **bad) == _result(grp.connected_groups_reference, G, **bad)
