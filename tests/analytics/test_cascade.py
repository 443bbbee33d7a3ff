"""Threshold cascade: hand-computed chains, recovery forms, strict threshold, graph form, monotonicity."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stakegraph.analytics.cascade as cascade_mod
from stakegraph.analytics.cascade import threshold_cascade, threshold_cascade_graph
from stakegraph.errors import NotFound, ValidationError
from tests.analytics import build


def test_docstring_examples_run() -> None:
    result = doctest.testmod(cascade_mod)
    assert result.attempted > 0 and result.failed == 0


def test_hand_computed_chain() -> None:
    # d -> c -> b -> a lend 10 each; a defaults; recovery 0.5 -> each lender loses 5.
    A = np.zeros((4, 4))
    A[1, 0] = A[2, 1] = A[3, 2] = 10
    E = [1, 4, 4, 6]  # b (4) < 5 defaults, c (4) < 5 defaults, d (6) > 5 survives
    r = threshold_cascade(A, E, [0], recovery=0.5)
    assert r.rounds == ((0,), (1,), (2,))
    assert r.defaulted == (0, 1, 2)
    assert r.default_round == (0, 1, 2, None)
    assert r.losses == pytest.approx((0, 5, 5, 5))
    assert r.stamp.variant == "gai_kapadia2010"


def test_losses_add_up_across_defaulted_debtors() -> None:
    # c lent 3 to a and 3 to b (recovery 0); capital 5: one default (3) is fine, both (6) are not
    A = [[0, 0, 0], [0, 0, 0], [3, 3, 0]]
    assert threshold_cascade(A, [1, 1, 5], [0]).defaulted == (0,)
    assert threshold_cascade(A, [1, 1, 5], [0, 1]).defaulted == (0, 1, 2)


def test_threshold_is_strict() -> None:
    # loss exactly equal to capital: Gai & Kapadia default only when losses exceed capital
    assert threshold_cascade([[0, 4], [0, 0]], [4, 1], [1]).defaulted == (1,)
    assert threshold_cascade([[0.0, 4.001], [0.0, 0.0]], [4, 1], [1]).defaulted == (0, 1)


def test_recovery_per_debtor_and_per_exposure() -> None:
    A = [[0, 10, 10], [0, 0, 0], [0, 0, 0]]
    # per debtor: b recovers 0.8 (loss 2), c recovers 0.2 (loss 8)
    r = threshold_cascade(A, [100, 1, 1], [1, 2], recovery=[0.0, 0.8, 0.2])
    assert r.losses[0] == pytest.approx(10.0)
    r2 = threshold_cascade(A, [100, 1, 1], [1], recovery=np.full((3, 3), 0.5))
    assert r2.losses[0] == pytest.approx(5.0)
    with pytest.raises(ValidationError):
        threshold_cascade(A, [1, 1, 1], [1], recovery=1.5)
    with pytest.raises(ValidationError):
        threshold_cascade(A, [1, 1, 1], [7])


def test_graph_form_reads_recovery_and_equity() -> None:
    G = build(
        {"bank": {"type": "party", "capital": 5.0}, "fund": {"type": "party", "capital": 3.0},
         "firm": {"type": "party", "capital": 1.0}, "nocap": "party"},
        [("bank", "lends_to", "firm", {"amount": 10.0, "recovery_rate": 0.6}),  # loss 4 < 5
         ("fund", "invests_in", "firm", {"amount": 4.0}),  # loss 4 > 3
         ("nocap", "lends_to", "firm", {"amount": 100.0})],
    )
    r = threshold_cascade_graph(G, ["firm"], recovery_default=0.0)
    names = [r.nodes[i] for i in r.defaulted]
    assert names == ["firm", "fund"]
    assert dict(zip(r.nodes, r.losses, strict=True))["bank"] == pytest.approx(4.0)
    assert dict(zip(r.nodes, r.losses, strict=True))["nocap"] == pytest.approx(100.0)  # no capital: never defaults
    assert [r.nodes[i] for i in threshold_cascade_graph(G, ["firm"], include_equity=False).defaulted] == ["firm"]
    with pytest.raises(NotFound):
        threshold_cascade_graph(G, ["zz"])


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000), st.integers(3, 7))
def test_more_initial_defaults_never_fewer_defaults(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    A = rng.uniform(0, 10, (n, n)) * (rng.random((n, n)) < 0.5)
    np.fill_diagonal(A, 0)
    E = rng.uniform(0, 8, n)
    r1 = threshold_cascade(A, E, [0], recovery=0.3)
    r2 = threshold_cascade(A, E, [0, 1], recovery=0.3)
    assert set(r1.defaulted) <= set(r2.defaulted)
    assert all(x >= y - 1e-12 for x, y in zip(r2.losses, r1.losses, strict=True))
