"""The sparse exposure matrix holds exactly the dense one's values (a second construction of the same data)."""

from __future__ import annotations

import numpy as np
import pytest

from stakegraph.analytics.exposure import exposure_matrix, sparse_exposure_matrix
from tests.analytics import build
from tests.analytics.test_debtrank_sparse import random_graph


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("equity", "guarantees", "projects"), [(True, False, True), (False, True, True),
                                                                (True, True, False)])
def test_sparse_equals_dense(seed: int, equity: bool, guarantees: bool, projects: bool) -> None:
    G = random_graph(seed, 60)
    d = exposure_matrix(G, include_equity=equity, include_guarantees=guarantees, include_projects=projects)
    s = sparse_exposure_matrix(G, include_equity=equity, include_guarantees=guarantees, include_projects=projects)
    assert s.nodes == d.nodes and s.index == d.index and s.edges == d.edges
    assert s.missing_capital == d.missing_capital
    assert np.allclose(s.A.toarray(), d.A, rtol=1e-15, atol=0)
    assert s.A.nnz == np.count_nonzero(d.A)  # one stored entry per lending pair
    assert np.array_equal(s.E, d.E)
    assert np.allclose(s.w, d.w, rtol=1e-15, atol=0)


def test_hand_built_rules_hold_in_sparse_form() -> None:
    # the rules of tests/analytics/test_debtrank.py::test_exposure_matrix_rules, by hand
    G = build(
        {"bank": {"type": "party", "tier1_capital": 50.0}, "firm": {"type": "party", "capital": 10.0},
         "fund": {"type": "party"}, "p": {"type": "project", "total_cost": 99.0}},
        [("bank", "lends_to", "firm", {"amount": 30.0, "status": "recalled"}),
         ("bank", "lends_to", "firm", {"amount": 5.0, "ref": "2"}),
         ("bank", "lends_to", "firm", {"amount": 7.0, "ref": "old", "status": "repaid"}),
         ("fund", "invests_in", "firm", {"amount": 8.0}),
         ("fund", "guarantees", "firm", {"guarantee_cap": 4.0, "amount": 100.0}),
         ("bank", "lends_to", "p", {"amount": 20.0})],
    )
    m = sparse_exposure_matrix(G, include_guarantees=True)
    i = m.index
    A = m.A.toarray()
    assert A[i["bank"], i["firm"]] == 35.0 and A[i["bank"], i["p"]] == 20.0
    assert A[i["fund"], i["firm"]] == 12.0  # equity 8 + guarantee cap 4 (not the amount)
    assert m.A.nnz == 3
    assert m.E[i["bank"]] == 50.0 and np.isinf(m.E[i["fund"]]) and m.missing_capital == ("fund",)
    assert m.w[i["p"]] == 99.0 and m.w[i["bank"]] == 55.0
