"""Eisenberg–Noe: hand-solved 2-node cases and three-way agreement on random networks."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import stakegraph.analytics.clearing as clearing_mod
from stakegraph.analytics.clearing import (
    METHODS,
    clearing_graph,
    clearing_vector,
    relative_liabilities,
)
from stakegraph.errors import ValidationError
from tests.analytics import build


def test_docstring_examples_run() -> None:
    result = doctest.testmod(clearing_mod)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("L", "e", "ext", "p", "defaulted"), [
    # 0 owes 1 ten, holds 4: pays 4
    ([[0, 10], [0, 0]], [4, 0], None, [4, 0], (0,)),
    # mutual: p0 = min(10, 2 + p1), p1 = min(5, 1 + p0) -> p1 = 5 (1 + 7 >= 5), p0 = 7
    ([[0, 10], [5, 0]], [2, 1], None, [7, 5], (0,)),
    # a cycle that nets out: both pay in full
    ([[0, 10], [10, 0]], [1, 2], None, [10, 10], ()),
    # external liabilities pari passu: p̄0 = 6 + 4 = 10, pays 5; node 1 receives 0.6 x 5 = 3
    ([[0, 6], [0, 0]], [5, 0], [4, 0], [5, 0], (0,)),
    # both default: p̄ = 20, Π = 0.5 each way; p0 = 1 + 0.5 p1, p1 = 1 + 0.5 p0 -> p = (2, 2)
    ([[0, 10], [10, 0]], [1, 1], [10, 10], [2, 2], (0, 1)),
    # zero external assets in a ring: many solutions (any p0 = p1 <= 5); the greatest is full payment
    ([[0, 5], [5, 0]], [0, 0], None, [5, 5], ()),
])
def test_hand_solved_two_node_cases(method, L, e, ext, p, defaulted) -> None:
    r = clearing_vector(L, e, external_liabilities=ext, method=method)
    assert r.p == pytest.approx(p, abs=1e-7)
    assert r.defaulted == defaulted
    assert r.stamp.variant == method and "Eisenberg" in r.stamp.reference


def test_equity_and_shortfall() -> None:
    r = clearing_vector([[0, 6], [0, 0]], [5, 0], external_liabilities=[4, 0])
    assert r.equity == pytest.approx((0.0, 3.0))
    assert r.shortfall == pytest.approx((5.0, 0.0))
    assert r.p_bar == (10.0, 0.0)


def random_network(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    L = rng.uniform(0, 10, (n, n)) * (rng.random((n, n)) < 0.5)
    np.fill_diagonal(L, 0)
    e = rng.uniform(0, 6, n) * (rng.random(n) < 0.7)
    ext = rng.uniform(0, 6, n) * (rng.random(n) < 0.5)
    return L, e, ext


@pytest.mark.parametrize("seed", range(60))
def test_three_methods_agree_on_random_networks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    L, e, ext = random_network(rng, int(rng.integers(2, 16)))
    results = [clearing_vector(L, e, external_liabilities=ext, method=m) for m in METHODS]
    p = np.array(results[0].p)
    for r in results[1:]:
        assert np.allclose(r.p, p, atol=1e-6), (r.stamp.variant, r.p, p)
        assert set(r.defaulted) == set(results[0].defaulted)
    # it is a clearing vector: p = min(p̄, e + Πᵀp)
    Pi, p_bar = relative_liabilities(L, ext)
    assert np.allclose(p, np.minimum(p_bar, e + Pi.T @ p), atol=1e-8)
    assert results[0].rounds <= len(e) + 1
    # fictitious-default waves partition the defaulters
    assert sorted(i for w in results[0].default_rounds for i in w) == list(results[0].defaulted)


def test_graph_form_maps_loans_to_liabilities() -> None:
    G = build(
        {"bank": {"type": "party", "external_assets": 1.0},
         "firm": {"type": "party", "external_assets": 3.0, "external_liabilities": 5.0}},
        [("bank", "lends_to", "firm", {"amount": 5.0})],
    )
    r = clearing_graph(G, method="lp")
    # firm owes bank 5 and outsiders 5 pari passu, holds 3: pays 3, half (1.5) to the bank
    assert r.nodes == ("bank", "firm") and r.p == pytest.approx((0.0, 3.0))
    assert r.equity[0] == pytest.approx(2.5) and r.defaulted == (1,)
    assert r.stamp.graph_version == "test:1"


def test_validation() -> None:
    with pytest.raises(ValidationError, match="method"):
        clearing_vector([[0]], [1], method="nope")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=">= 0"):
        clearing_vector([[0, -1], [0, 0]], [1, 1])
    with pytest.raises(ValidationError, match="shapes"):
        clearing_vector([[0, 1]], [1, 1])
