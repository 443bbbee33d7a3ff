"""Eisenberg–Noe clearing: who can pay what when everyone pays pro rata.

``L[i, j]`` is i's nominal liability to j; ``p̄_i = Σ_j L_ij + ℓ_i`` where ``ℓ_i``
are external liabilities ranking *pari passu* with the interbank ones (external
creditors are paid their share Π_i,ext = ℓ_i / p̄_i and do not pay back into
the network); ``Π_ij = L_ij / p̄_i``; ``e_i`` external assets. A clearing vector
solves ``p_i = min(p̄_i, e_i + Σ_j Π_ji p_j)``; i defaults when ``p_i < p̄_i``.
All three methods return the **greatest** clearing vector (Eisenberg & Noe
2001, Theorem 1 and Lemma 4); with e > 0 it is unique.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linprog

from stakegraph.analytics.selection import is_active
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.errors import GraphError, ValidationError
from stakegraph.measures import money_context

Method = Literal["fictitious_default", "fixed_point", "lp"]
METHODS: tuple[Method, ...] = ("fictitious_default", "fixed_point", "lp")
REFERENCES = ("Eisenberg & Noe (2001), Systemic Risk in Financial Systems, Management Science 47(2):236-249 "
              "(fictitious default algorithm, Sec. 3; LP characterisation, Lemma 4)")


@dataclass(frozen=True)
class ClearingResult:
    """The clearing vector ``p`` (index order of ``L``), what was owed, who defaulted.

    ``equity_i = e_i + Σ_j Π_ji p_j − p_i`` (≥ 0; 0 for defaulters);
    ``shortfall_i = p̄_i − p_i``; ``rounds`` counts the method's iterations
    (fictitious default: at most n).
    """

    p: tuple[float, ...]
    p_bar: tuple[float, ...]
    defaulted: tuple[int, ...]
    default_rounds: tuple[tuple[int, ...], ...]
    shortfall: tuple[float, ...]
    equity: tuple[float, ...]
    rounds: int
    nodes: tuple[str, ...]
    stamp: Stamp


class ClearingError(GraphError):
    """The clearing problem could not be solved (LP failure); the message says why."""


def _inputs(L: ArrayLike, e: ArrayLike, ext: ArrayLike | None) -> tuple[NDArray[np.float64], ...]:
    lm = np.asarray(L, dtype=float)
    ea = np.asarray(e, dtype=float)
    n = ea.shape[0] if ea.ndim == 1 else -1
    xl = np.zeros(n) if ext is None else np.asarray(ext, dtype=float)
    if lm.shape != (n, n) or xl.shape != (n,):
        raise ValidationError(f"shapes do not fit: L {lm.shape}, e {ea.shape}, external {xl.shape}", field="L",
                              fix="pass an n x n liability matrix and length-n vectors")
    if np.any(lm < 0) or np.any(ea < 0) or np.any(xl < 0):
        raise ValidationError("liabilities and external assets must be >= 0", field="L", fix="drop negative values")
    return lm, ea, xl


def relative_liabilities(L: ArrayLike, external_liabilities: ArrayLike | None = None) -> tuple[
        NDArray[np.float64], NDArray[np.float64]]:
    """``(Π, p̄)``: relative liabilities and total obligations (rows with p̄ = 0 are zero).

    >>> Pi, p_bar = relative_liabilities([[0, 2], [1, 0]], [2, 0])
    >>> Pi.tolist(), p_bar.tolist()
    ([[0.0, 0.5], [1.0, 0.0]], [4.0, 1.0])
    """
    lm = np.asarray(L, dtype=float)
    ext = np.zeros(lm.shape[0]) if external_liabilities is None else np.asarray(external_liabilities, dtype=float)
    p_bar = lm.sum(axis=1) + ext
    with np.errstate(divide="ignore", invalid="ignore"):
        Pi = np.where(p_bar[:, None] > 0, lm / p_bar[:, None], 0.0)
    return Pi, p_bar


def clearing_vector(
    L: ArrayLike,
    e: ArrayLike,
    *,
    external_liabilities: ArrayLike | None = None,
    method: Method = "fictitious_default",
    tol: float = 1e-12,
    max_iter: int = 1_000_000,
    nodes: tuple[str, ...] = (),
) -> ClearingResult:
    """Greatest Eisenberg–Noe clearing payment vector.

    Parameters
    ----------
    L : (n, n) array
        ``L[i, j]`` nominal liability of i to j.
    e : (n,) array
        External (non-network) assets, ≥ 0.
    external_liabilities : (n,) array, optional
        Liabilities to creditors outside the network, pari passu with ``L``.
    method : {"fictitious_default", "fixed_point", "lp"}
        ``fictitious_default``: Eisenberg–Noe's algorithm, each round assumes
        the current defaulters pay what they receive and solves that linear
        system (at most n rounds). ``fixed_point``: Picard iteration
        ``p ← min(p̄, e + Πᵀp)`` from ``p̄`` (decreases monotonically to the
        greatest fixed point). ``lp``: maximise Σ p subject to
        ``p ≤ p̄``, ``p ≤ e + Πᵀp``, ``p ≥ 0`` (scipy ``linprog``, HiGHS).

    Examples
    --------
    1 owes 2 ten and holds 4 outside; 2 owes nothing:

    >>> r = clearing_vector([[0, 10], [0, 0]], [4, 0])
    >>> r.p, r.defaulted
    ((4.0, 0.0), (0,))

    References
    ----------
    .. [1] Eisenberg, L., Noe, T. H. (2001). Systemic Risk in Financial Systems.
       Management Science 47(2):236–249.
    """
    if method not in METHODS:
        raise ValidationError(f"unknown clearing method {method!r}", field="method", value=method,
                              fix=f"use one of {', '.join(METHODS)}")
    lm, ea, xl = _inputs(L, e, external_liabilities)
    Pi, p_bar = relative_liabilities(lm, xl)
    waves: list[tuple[int, ...]] = []
    if method == "fictitious_default":
        p, rounds, waves = _fictitious_default(Pi, p_bar, ea)
    elif method == "fixed_point":
        p, rounds = _fixed_point(Pi, p_bar, ea, tol, max_iter)
    else:
        p, rounds = _lp(Pi, p_bar, ea)
    inflow = ea + Pi.T @ p
    scale = max(1.0, float(p_bar.max(initial=0.0)))
    defaulted = tuple(int(i) for i in np.flatnonzero(p < p_bar - 1e-9 * scale))
    if method != "fictitious_default":
        waves = [defaulted] if defaulted else []
    equity = np.maximum(inflow - p, 0.0)
    stamp = Stamp("eisenberg_noe", method, {"n": int(len(ea)), "tol": tol,
                                            "external_liabilities": bool(np.any(xl > 0))}, "", REFERENCES)
    return ClearingResult(tuple(float(x) for x in p), tuple(float(x) for x in p_bar), defaulted, tuple(waves),
                          tuple(float(x) for x in p_bar - p), tuple(float(x) for x in equity), rounds,
                          nodes, stamp)


def _fictitious_default(Pi: NDArray[np.float64], p_bar: NDArray[np.float64], e: NDArray[np.float64]) -> tuple[
        NDArray[np.float64], int, list[tuple[int, ...]]]:
    n = len(e)
    D = np.zeros(n, dtype=bool)
    p = p_bar.copy()
    waves: list[tuple[int, ...]] = []
    rounds = 0
    scale = max(1.0, float(p_bar.max(initial=0.0)))
    while True:
        rounds += 1
        new_default = (e + Pi.T @ p < p_bar - 1e-12 * scale) & ~D
        if not np.any(new_default):
            return p, rounds, waves
        waves.append(tuple(int(i) for i in np.flatnonzero(new_default)))
        D |= new_default
        # solve p_D = e_D + Π[:, D]ᵀ p with p_N = p̄_N
        N = ~D
        M = np.eye(int(D.sum())) - Pi[np.ix_(D, D)].T
        rhs = e[D] + Pi[np.ix_(N, D)].T @ p_bar[N]
        try:
            pD = np.linalg.solve(M, rhs)
        except np.linalg.LinAlgError:  # a closed ring of defaulters: take the greatest solution by iteration
            pD = _fixed_point(Pi, p_bar, e, 1e-13, 10_000_000)[0][D]
        p = p_bar.copy()
        p[D] = np.clip(pD, 0.0, p_bar[D])
        if rounds > n + 1:  # cannot happen for a valid system (at most n new defaulters)
            return p, rounds, waves


def _fixed_point(Pi: NDArray[np.float64], p_bar: NDArray[np.float64], e: NDArray[np.float64], tol: float,
                 max_iter: int) -> tuple[NDArray[np.float64], int]:
    p = p_bar.copy()
    scale = max(1.0, float(p_bar.max(initial=0.0)))
    for it in range(1, max_iter + 1):
        nxt = np.minimum(p_bar, e + Pi.T @ p)
        if float(np.max(np.abs(nxt - p), initial=0.0)) <= tol * scale:
            return nxt, it
        p = nxt
    return p, max_iter


def _lp(Pi: NDArray[np.float64], p_bar: NDArray[np.float64], e: NDArray[np.float64]) -> tuple[
        NDArray[np.float64], int]:
    n = len(e)
    if n == 0:
        return np.zeros(0), 0
    res = linprog(-np.ones(n), A_ub=np.eye(n) - Pi.T, b_ub=e, bounds=list(zip(np.zeros(n), p_bar, strict=True)),
                  method="highs")
    if not res.success:
        raise ClearingError(f"the clearing LP failed: {res.message}; check that L and e are finite and >= 0")
    return np.clip(np.asarray(res.x, dtype=float), 0.0, p_bar), int(res.nit)


def clearing_graph(G: nx.MultiDiGraph, *, method: Method = "fictitious_default") -> ClearingResult:
    """Eisenberg–Noe on the projection's parties.

    ``L[borrower, lender]`` = sum of active ``lends_to`` amounts lender → borrower
    (party borrowers only); ``e`` = each party's ``external_assets`` (missing = 0);
    external liabilities = ``external_liabilities`` (missing = 0). Node order is
    ``result.nodes`` (ids sorted).

    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("bank", "party", {}), NodeRecord("firm", "party", {"external_assets": 3.0})],
    ...                 [EdgeRecord("l", "lends_to", "bank", "firm", {"amount": 5.0})])
    >>> r = clearing_graph(G)
    >>> r.nodes, r.p
    (('bank', 'firm'), (0.0, 3.0))
    """
    nodes = tuple(sorted((n for n, t in G.nodes(data="type") if t == "party"), key=str))
    index = {n: i for i, n in enumerate(nodes)}
    L = np.zeros((len(nodes), len(nodes)))
    money = money_context(G)  # every amount in the reporting currency
    for u, v, data in G.edges(data=True):
        if data.get("kind") == "lends_to" and u in index and v in index and u != v and is_active(data):
            L[index[v], index[u]] += money.of(data, "amount") or 0.0
    e = np.array([money.of(G.nodes[n], "external_assets") or 0.0 for n in nodes])
    xl = np.array([money.of(G.nodes[n], "external_liabilities") or 0.0 for n in nodes])
    r = clearing_vector(L, e, external_liabilities=xl, method=method, nodes=nodes)
    stamp = Stamp(r.stamp.algorithm, r.stamp.variant, {**r.stamp.parameters, **money.stamp()}, graph_version(G),
                  REFERENCES)
    return ClearingResult(r.p, r.p_bar, r.defaulted, r.default_rounds, r.shortfall, r.equity, r.rounds, nodes, stamp)
