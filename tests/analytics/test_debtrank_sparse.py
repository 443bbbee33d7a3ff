"""Sparse DebtRank against a second implementation: the dense code it replaced, kept here as the reference.

The dense functions below are the pre-sparse ``stakegraph.analytics.debtrank`` code verbatim (n × n numpy
matrices, ``W[:, D] @ h[D]`` and an elementwise product with ``nan`` → 0 for the 2015 variant). The sparse
code must give the same final stress, DebtRank, defaults and rounds on seeded random networks, including
zero capital (infinite leverage), missing capital (infinite buffer) and zero weights.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import sparse

from stakegraph.analytics.debtrank import (
    DebtRankNetwork,
    debtrank,
    debtrank_each,
    debtrank_graph,
    impact_matrix,
)
from stakegraph.analytics.exposure import exposure_matrix
from stakegraph.errors import ValidationError
from tests.analytics import build

_EPS = 1e-12


# ----------------------------------------------------------------------------- dense reference (old code)
def dense_impact(a: NDArray[np.float64], e: NDArray[np.float64], cap: bool) -> NDArray[np.float64]:
    with np.errstate(divide="ignore", invalid="ignore"):
        W = np.where(a > 0, a / e[:, None], 0.0)
    W = np.nan_to_num(W, nan=0.0, posinf=np.inf)
    return np.minimum(W, 1.0) if cap else W


def dense_battiston(W: NDArray[np.float64], h0: NDArray[np.float64]) -> tuple[NDArray[np.float64], int]:
    undistressed, distressed, inactive = 0, 1, 2
    h = h0.copy()
    state = np.where(h > 0, distressed, undistressed)
    rounds = 0
    while np.any(state == distressed):
        rounds += 1
        d = state == distressed
        h_new = np.minimum(1.0, h + W[:, d] @ h[d])
        new_state = state.copy()
        new_state[d] = inactive
        new_state[(state == undistressed) & (h_new > 0)] = distressed
        h, state = h_new, new_state
    return h, rounds


def dense_bardoscia(L: NDArray[np.float64], h0: NDArray[np.float64], max_rounds: int = 10_000) -> tuple[
        NDArray[np.float64], int]:
    h_prev = np.zeros_like(h0)
    h = h0.copy()
    rounds = 0
    while rounds < max_rounds:
        delta = h - h_prev
        active = h_prev < 1 - _EPS
        delta[~active] = 0.0
        if not np.any(delta > _EPS):
            break
        rounds += 1
        with np.errstate(invalid="ignore"):
            push = np.nan_to_num(L * delta[None, :], nan=0.0, posinf=np.inf).sum(axis=1)
        h_next = np.minimum(1.0, h + push)
        h_prev, h = h, h_next
    return h, rounds


def dense_debtrank(a, e, w, h0, variant):
    a, e, w, h0 = (np.asarray(x, dtype=float) for x in (a, e, w, h0))
    wn = w / w.sum() if w.sum() > 0 else np.full_like(w, 1.0 / len(w))
    if variant == "battiston2012":
        h, rounds = dense_battiston(dense_impact(a, e, True), h0)
    else:
        h, rounds = dense_bardoscia(dense_impact(a, e, False), h0)
    return h, rounds, float(wn @ h) - float(wn @ h0)


# ----------------------------------------------------------------------------- random networks
def random_network(seed: int, n: int, density: float) -> tuple[NDArray[np.float64], ...]:
    rng = np.random.default_rng(seed)
    a = rng.lognormal(2.0, 1.0, (n, n)) * (rng.random((n, n)) < density)
    np.fill_diagonal(a, 0.0)
    e = rng.lognormal(3.0, 1.0, n)
    e[rng.random(n) < 0.05] = 0.0  # zero capital: infinite leverage in the 2015 variant
    e[rng.random(n) < 0.05] = np.inf  # missing capital: cannot be stressed
    w = rng.lognormal(4.0, 1.0, n)
    w[rng.random(n) < 0.05] = 0.0
    return a, e, w


def shocks(seed: int, n: int) -> list[NDArray[np.float64]]:
    rng = np.random.default_rng(seed + 1000)
    single = np.zeros(n)
    single[rng.integers(n)] = 1.0
    partial = np.where(rng.random(n) < 0.1, rng.random(n), 0.0)
    return [single, partial, np.full(n, 0.1)]


@pytest.mark.parametrize("variant", ["battiston2012", "bardoscia2015"])
@pytest.mark.parametrize(("seed", "n", "density"), [(s, n, d) for s in range(6) for n, d in ((8, 0.4), (60, 0.05),
                                                                                               (300, 0.01))])
def test_sparse_equals_dense_reference(variant: str, seed: int, n: int, density: float) -> None:
    a, e, w = random_network(seed, n, density)
    for h0 in shocks(seed, n):
        h_ref, rounds_ref, dr_ref = dense_debtrank(a, e, w, h0, variant)
        for A in (a, sparse.csr_array(a), sparse.coo_array(a)):
            r = debtrank(A, e, w, h0, variant=variant)  # type: ignore[arg-type]
            assert np.allclose(r.h, h_ref, rtol=0, atol=1e-12)
            assert r.debtrank == pytest.approx(dr_ref, abs=1e-12)
            assert r.rounds == rounds_ref
            assert r.defaulted == tuple(int(i) for i in np.flatnonzero(h_ref >= 1 - _EPS))


def test_random_networks_exercise_cascades() -> None:
    """The seeded networks above are not trivial: shocks spread over several rounds and cause defaults."""
    seen_rounds, seen_defaults = 0, 0
    for seed in range(6):
        a, e, w = random_network(seed, 300, 0.01)
        for variant in ("battiston2012", "bardoscia2015"):
            for h0 in shocks(seed, 300):
                h, rounds, _ = dense_debtrank(a, e, w, h0, variant)
                seen_rounds = max(seen_rounds, rounds)
                seen_defaults = max(seen_defaults, int(np.sum((h >= 1 - _EPS) & (h0 < 1))))
    assert seen_rounds >= 4 and seen_defaults >= 5


@pytest.mark.parametrize("cap", [True, False])
def test_sparse_impact_matrix_equals_dense(cap: bool) -> None:
    a, e, _ = random_network(7, 80, 0.05)
    W = impact_matrix(sparse.csr_array(a), e, cap=cap)
    assert sparse.issparse(W) and W.format == "csr"
    assert np.array_equal(W.toarray(), dense_impact(a, e, cap))
    assert W.nnz <= np.count_nonzero(a)  # nothing stored beyond the exposures (inf capital -> dropped zeros)


def test_each_reuses_the_matrix_and_matches_one_by_one() -> None:
    a, e, w = random_network(3, 40, 0.08)
    each = debtrank_each(sparse.csr_array(a), e, w, variant="bardoscia2015")
    for i, r in enumerate(each):
        h0 = np.eye(40)[i]
        assert r.debtrank == pytest.approx(dense_debtrank(a, e, w, h0, "bardoscia2015")[2], abs=1e-12)


def test_sparse_validation() -> None:
    with pytest.raises(ValidationError, match=">= 0"):
        debtrank(sparse.csr_array(np.array([[0.0, -1.0], [0.0, 0.0]])), [1, 1], [1, 1], [1, 0])
    with pytest.raises(ValidationError, match="shapes"):
        debtrank(sparse.csr_array(np.zeros((3, 3))), [1, 1], [1, 1], [1, 0])


# ----------------------------------------------------------------------------- graph form
def random_graph(seed: int, n: int):
    rng = np.random.default_rng(seed)
    nodes: dict[str, dict] = {}
    for i in range(n):
        props: dict = {"type": "project" if i % 7 == 6 else "party"}
        r = rng.random()
        if props["type"] == "party" and r < 0.8:
            props["capital" if r < 0.6 else "tier1_capital"] = float(rng.lognormal(3, 1)) if r > 0.05 else 0.0
        if rng.random() < 0.7:
            props["total_assets"] = float(rng.lognormal(5, 1))
        nodes[f"n{i:03d}"] = props
    ids = list(nodes)
    edges = []
    for k in range(3 * n):
        u, v = rng.choice(ids, 2, replace=False)
        kind = ["lends_to", "lends_to", "invests_in", "guarantees", "buys_from"][int(rng.integers(5))]
        props = {"amount": float(rng.lognormal(2, 1)), "ref": str(k)}
        if rng.random() < 0.1:
            props["status"] = "repaid"
        edges.append((str(u), kind, str(v), props))
    return build(nodes, edges)


@pytest.mark.parametrize("variant", ["battiston2012", "bardoscia2015"])
@pytest.mark.parametrize("seed", range(4))
def test_graph_form_equals_dense_reference(variant: str, seed: int) -> None:
    G = random_graph(seed, 70)
    m = exposure_matrix(G, include_guarantees=True)
    net = DebtRankNetwork(G, include_guarantees=True)
    parties = [n for n in m.nodes if G.nodes[n]["type"] == "party"][:12]
    for shock in parties:
        h0 = np.zeros(len(m.nodes))
        h0[m.index[shock]] = 1.0
        h_ref, rounds_ref, dr_ref = dense_debtrank(m.A, m.E, m.w, h0, variant)
        r = debtrank_graph(G, [shock], variant=variant, include_guarantees=True)  # type: ignore[arg-type]
        assert r.debtrank == pytest.approx(dr_ref, abs=1e-12) and r.rounds == rounds_ref
        assert {s.node: s.h for s in r.nodes} == pytest.approx(
            {m.nodes[i]: float(h_ref[i]) for i in np.flatnonzero(h_ref > 0)}, abs=1e-12)
        assert r.additional_defaults == tuple(m.nodes[i] for i in np.flatnonzero(h_ref >= 1 - _EPS) if h0[i] < 1)
        assert r.missing_capital == m.missing_capital
        assert net.run([shock], variant=variant) == r  # type: ignore[arg-type]
    ranking = net.rank(parties, variant=variant)  # type: ignore[arg-type]
    by_node = {row.node: row for row in ranking.rows}
    for shock in parties:
        single = debtrank_graph(G, [shock], variant=variant, include_guarantees=True)  # type: ignore[arg-type]
        assert by_node[shock].debtrank == pytest.approx(single.debtrank, abs=1e-15)
        assert by_node[shock].additional_defaults == len(single.additional_defaults)
    assert [row.debtrank for row in ranking.rows] == sorted((row.debtrank for row in ranking.rows), reverse=True)
    assert ranking.stamp.variant == variant and ranking.stamp.parameters["nodes"] == len(parties)


def test_network_keeps_one_impact_matrix_per_variant() -> None:
    net = DebtRankNetwork(random_graph(1, 30))
    assert net.impact() is net.impact("battiston2012")
    assert net.impact("bardoscia2015") is not net.impact()
    with pytest.raises(ValidationError, match="variant"):
        net.impact("nope")  # type: ignore[arg-type]
