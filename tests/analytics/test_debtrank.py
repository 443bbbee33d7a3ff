"""DebtRank: the published NetworkRiskMeasures vector (both variants), graph form, exposure matrix, properties."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stakegraph.analytics.debtrank import debtrank, debtrank_each, debtrank_graph, impact_matrix
from stakegraph.analytics.exposure import exposure_matrix
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.errors import NotFound, ValidationError
from tests.analytics import build

# NetworkRiskMeasures README (Cinelli 2016): rows/cols a, b, c; A[i, j] = i's asset on j.
A = [[0, 1, 0], [10, 0, 3], [3, 2, 0]]
E = [2, 5, 2]
W = [10, 100, 30]


@pytest.mark.parametrize("module", ["debtrank", "exposure"])
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(f"stakegraph.analytics.{module}"))
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("shocked", "expected", "defaults"), [
    (0, 0.9285714, 2),  # a
    (2, 0.6642857, 0),  # c
    (1, 0.2500000, 1),  # b
])
def test_published_vector_single_default(shocked: int, expected: float, defaults: int) -> None:
    h0 = [1.0 if i == shocked else 0.0 for i in range(3)]
    r = debtrank(A, E, W, h0)
    assert r.debtrank == pytest.approx(expected, abs=1e-6)
    assert r.additional_defaults == defaults
    assert r.stamp.variant == "battiston2012" and "srep00541" in r.stamp.reference


def test_published_vector_hand_fractions() -> None:
    # a: everyone defaults -> 1 - 10/140 = 130/140; c: final h (0.3, 0.9, 1) -> (3 + 90)/140; b: h (0.5, 1, 1) -> 35/140
    assert debtrank(A, E, W, [1, 0, 0]).debtrank == pytest.approx(130 / 140, abs=1e-12)
    rc = debtrank(A, E, W, [0, 0, 1])
    assert rc.h == pytest.approx((0.3, 0.9, 1.0)) and rc.debtrank == pytest.approx(93 / 140, abs=1e-12)
    rb = debtrank(A, E, W, [0, 1, 0])
    assert rb.h == pytest.approx((0.5, 1.0, 1.0)) and rb.defaulted == (1, 2)


def test_published_vector_ten_percent_shock() -> None:
    r = debtrank(A, E, W, [0.1, 0.1, 0.1])
    assert r.h == pytest.approx((0.15, 0.26, 0.30), abs=1e-6)
    assert r.debtrank == pytest.approx(0.1607, abs=5e-5)  # published "16.07%"
    assert r.debtrank == pytest.approx((1.5 + 26 + 9) / 140 - 0.1, abs=1e-12)
    assert r.additional_defaults == 0 and r.rounds == 1


def test_bardoscia_agrees_for_a_and_b_and_differs_for_c() -> None:
    for i in (0, 1):
        h0 = [1.0 if j == i else 0.0 for j in range(3)]
        assert debtrank(A, E, W, h0, variant="bardoscia2015").debtrank == pytest.approx(
            debtrank(A, E, W, h0).debtrank, abs=1e-12)
    r = debtrank(A, E, W, [0, 0, 1], variant="bardoscia2015")
    # by hand with Λ = A/E uncapped: c's default -> b +0.6; b's increment -> a +0.3; a's increment -> b +0.6 (cap 1);
    # b's new increment 0.4 -> a +0.2: final (0.5, 1, 1) -> (5 + 100 + 30 - 30)/140
    assert r.h == pytest.approx((0.5, 1.0, 1.0))
    assert r.debtrank == pytest.approx(105 / 140, abs=1e-12)
    assert r.debtrank != pytest.approx(0.6642857, abs=1e-3)
    assert r.stamp.variant == "bardoscia2015"


def test_debtrank_each_ranks_nodes() -> None:
    assert [round(r.debtrank, 7) for r in debtrank_each(A, E, W)] == [0.9285714, 0.25, 0.6642857]


def test_impact_matrix_caps_and_zero_capital() -> None:
    V = impact_matrix(A, E)
    assert V.tolist() == [[0, 0.5, 0], [1, 0, 0.6], [1, 1, 0]]
    assert impact_matrix([[0, 1], [0, 0]], [0, 1]).tolist() == [[0, 1], [0, 0]]
    assert impact_matrix(A, E, cap=False)[1, 0] == pytest.approx(2.0)


def test_validation_errors() -> None:
    with pytest.raises(ValidationError, match="variant"):
        debtrank(A, E, W, [1, 0, 0], variant="nope")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="shapes"):
        debtrank(A, E[:2], W, [1, 0, 0])
    with pytest.raises(ValidationError, match="0..1"):
        debtrank(A, E, W, [2, 0, 0])


def nrm_graph():
    nodes = {n: {"type": "party", "capital": float(e), "total_assets": float(w)} for n, e, w in zip("abc", E, W, strict=True)}
    edges = [(i, "lends_to", j, {"amount": float(A[x][y])})
             for x, i in enumerate("abc") for y, j in enumerate("abc") if A[x][y]]
    return build(nodes, edges)


def test_graph_form_reproduces_the_vector() -> None:
    G = nrm_graph()
    r = debtrank_graph(G, ["a"])
    assert r.debtrank == pytest.approx(0.9285714, abs=1e-6)
    assert r.additional_defaults == ("b", "c")
    assert debtrank_graph(G, {"c": 1.0}).debtrank == pytest.approx(0.6642857, abs=1e-6)
    ten = debtrank_graph(G, {"a": 0.1, "b": 0.1, "c": 0.1})
    assert {s.node: s.h for s in ten.nodes} == pytest.approx({"a": 0.15, "b": 0.26, "c": 0.30})
    assert r.stamp.graph_version == "test:1"
    assert to_jsonable(r)["stamp"]["algorithm"] == "debtrank"
    with pytest.raises(NotFound):
        debtrank_graph(G, ["zz"])


def test_exposure_matrix_rules() -> None:
    G = build(
        {"bank": {"type": "party", "tier1_capital": 50.0}, "firm": {"type": "party", "capital": 10.0},
         "fund": {"type": "party"}, "p": {"type": "project", "total_cost": 99.0}},
        [("bank", "lends_to", "firm", {"amount": 30.0, "status": "recalled"}),
         ("bank", "lends_to", "firm", {"amount": 5.0, "ref": "2"}),
         ("bank", "lends_to", "firm", {"amount": 7.0, "ref": "old", "status": "repaid"}),
         ("fund", "invests_in", "firm", {"amount": 8.0}),
         ("fund", "guarantees", "firm", {"amount": 4.0}),
         ("bank", "lends_to", "p", {"amount": 20.0})],
    )
    m = exposure_matrix(G)
    i = m.index
    assert m.A[i["bank"], i["firm"]] == 35.0  # recalled still owed, repaid left out
    assert m.A[i["fund"], i["firm"]] == 8.0
    assert m.A[i["bank"], i["p"]] == 20.0
    assert m.E[i["bank"]] == 50.0 and np.isinf(m.E[i["fund"]]) and m.missing_capital == ("fund",)
    assert m.w[i["p"]] == 99.0 and m.w[i["bank"]] == 55.0  # fallbacks: total_cost, row sum
    assert exposure_matrix(G, include_guarantees=True).A[i["fund"], i["firm"]] == 12.0
    assert exposure_matrix(G, include_equity=False).A[i["fund"], i["firm"]] == 0.0
    assert "p" not in exposure_matrix(G, include_projects=False).index


@st.composite
def networks(draw):
    n = draw(st.integers(2, 6))
    vals = st.floats(0, 10, allow_nan=False)
    a = np.array(draw(st.lists(st.lists(vals, min_size=n, max_size=n), min_size=n, max_size=n)))
    np.fill_diagonal(a, 0)
    e = np.array(draw(st.lists(st.floats(0.1, 10), min_size=n, max_size=n)))
    w = np.array(draw(st.lists(st.floats(0.1, 10), min_size=n, max_size=n)))
    h0 = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    extra = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    return a, e, w, h0, extra


@settings(max_examples=150, deadline=None)
@given(networks())
def test_more_shock_never_less_loss_bardoscia(net) -> None:
    a, e, w, h0, extra = net
    h1 = np.minimum(1.0, h0 + extra)
    r0 = debtrank(a, e, w, h0, variant="bardoscia2015")
    r1 = debtrank(a, e, w, h1, variant="bardoscia2015")
    assert r1.total_stress >= r0.total_stress - 1e-9
    assert all(0 <= x <= 1 for x in r1.h) and all(x >= y - 1e-12 for x, y in zip(r1.h, h1, strict=True))


@settings(max_examples=150, deadline=None)
@given(networks())
def test_more_shock_never_less_loss_battiston_same_support(net) -> None:
    # The 2012 single-hit rule is monotone when the set of initially shocked nodes is fixed; adding a node to
    # that set can lower the total (it then propagates only its small initial loss once) - see docs/analytics/risk.md.
    a, e, w, h0, extra = net
    h1 = np.where(h0 > 0, np.minimum(1.0, h0 + extra), 0.0)
    r0 = debtrank(a, e, w, h0)
    r1 = debtrank(a, e, w, h1)
    assert r1.total_stress >= r0.total_stress - 1e-9
    assert all(0 <= x <= 1 for x in r1.h)
