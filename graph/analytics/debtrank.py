"""DebtRank: the additional stress a shock causes through balance-sheet exposures.

Two variants, named in every result's stamp:

* ``"battiston2012"`` (default) — Battiston et al. (2012): every distressed node
  propagates its *whole* relative equity loss **once**, then becomes inactive.
  Relative equity losses of all nodes (inactive ones included) keep being
  updated, exactly as the published recursion and the NetworkRiskMeasures R
  package do.
* ``"bardoscia2015"`` — Bardoscia et al. (2015): every node propagates each
  *increment* of its loss, repeatedly, with leverage Λ_ij = A_ij / E_i (not
  capped); a node stops transmitting once it has defaulted (h = 1).

Notation: ``A[i, j]`` is i's asset on j (i lent to j), ``E[i]`` i's capital
buffer, ``w`` economic weights (normalised to sum 1), ``h0`` the initial
relative equity loss (0–1). A node with h = 1 has defaulted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from graph.analytics.exposure import ExposureMatrix, exposure_matrix
from graph.analytics.stamp import Stamp, graph_version
from graph.errors import NotFound, ValidationError

Variant = Literal["battiston2012", "bardoscia2015"]
VARIANTS: tuple[Variant, ...] = ("battiston2012", "bardoscia2015")
REFERENCES = (
    "Battiston, Puliga, Kaushik, Tasca, Caldarelli (2012), DebtRank: Too Central to Fail?, Sci. Rep. 2:541, "
    "doi:10.1038/srep00541; Bardoscia, Battiston, Caccioli, Caldarelli (2015), DebtRank: a microscopic "
    "foundation for shock propagation, PLoS ONE 10(6):e0130406; test vector: Cinelli, NetworkRiskMeasures "
    "(R package, 2016) README"
)
_EPS = 1e-12


@dataclass(frozen=True)
class DebtRankResult:
    """Outcome of one DebtRank scenario on arrays (index order of the inputs).

    ``debtrank`` = Σ w_i h_i(T) − Σ w_i h_i(0) (the additional stress);
    ``total_stress`` = Σ w_i h_i(T); ``defaulted`` are the indices with h(T) = 1,
    ``additional_defaults`` those among them that had h(0) < 1.
    """

    h0: tuple[float, ...]
    h: tuple[float, ...]
    weights: tuple[float, ...]
    debtrank: float
    total_stress: float
    initial_stress: float
    defaulted: tuple[int, ...]
    additional_defaults: int
    rounds: int
    stamp: Stamp


@dataclass(frozen=True)
class NodeStress:
    """One party's stress in a graph scenario."""

    node: str
    name: str
    h0: float
    h: float
    weight: float
    defaulted: bool


@dataclass(frozen=True)
class DebtRankGraphResult:
    """DebtRank of a scenario on the projection, with each node's final stress (most stressed first)."""

    shocks: Mapping[str, float]
    debtrank: float
    total_stress: float
    initial_stress: float
    additional_defaults: tuple[str, ...]
    nodes: tuple[NodeStress, ...]
    missing_capital: tuple[str, ...]
    rounds: int
    stamp: Stamp


def _as_inputs(A: ArrayLike, E: ArrayLike, w: ArrayLike, h0: ArrayLike) -> tuple[NDArray[np.float64], ...]:
    a = np.asarray(A, dtype=float)
    e = np.asarray(E, dtype=float)
    wt = np.asarray(w, dtype=float)
    h = np.asarray(h0, dtype=float)
    n = e.shape[0] if e.ndim == 1 else -1
    if a.ndim != 2 or a.shape != (n, n) or wt.shape != (n,) or h.shape != (n,):
        raise ValidationError(
            f"shapes do not fit: A {a.shape}, E {e.shape}, w {wt.shape}, h0 {h.shape}", field="A",
            fix="pass an n x n exposure matrix and three length-n vectors (capital, weights, initial shock)",
        )
    if np.any(a < 0) or np.any(e < 0) or np.any(wt < 0):
        raise ValidationError("exposures, capital and weights must be >= 0", field="A",
                              fix="drop negative values (a liability is the transpose of an asset)")
    if np.any(h < 0) or np.any(h > 1):
        raise ValidationError("initial shock h0 must be within 0..1 (relative equity loss)", field="h0",
                              value=h.tolist(), fix="1 = default, 0.1 = a 10% equity loss")
    return a, e, wt, h


def impact_matrix(A: ArrayLike, E: ArrayLike, *, cap: bool = True) -> NDArray[np.float64]:
    """``W[i, j]`` = loss j's default inflicts on i relative to i's capital, A[i, j] / E[i].

    Capped at 1 (Battiston 2012: min(1, A_ij/E_i)) unless ``cap=False``
    (Bardoscia 2015 leverage Λ). A node with zero capital loses everything on any
    positive exposure (impact 1, or ``inf`` uncapped).

    >>> impact_matrix([[0, 1], [10, 0]], [2, 5]).tolist()
    [[0.0, 0.5], [1.0, 0.0]]
    """
    a = np.asarray(A, dtype=float)
    e = np.asarray(E, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        W = np.where(a > 0, a / e[:, None], 0.0)
    W = np.nan_to_num(W, nan=0.0, posinf=np.inf)
    return np.minimum(W, 1.0) if cap else W


def debtrank(
    A: ArrayLike,
    E: ArrayLike,
    w: ArrayLike,
    h0: ArrayLike,
    *,
    variant: Variant = "battiston2012",
    max_rounds: int = 10_000,
) -> DebtRankResult:
    """DebtRank of an initial shock ``h0`` on the exposure network ``A``.

    Parameters
    ----------
    A : (n, n) array
        ``A[i, j]`` = asset of i on j (what i loses, before recovery, if j defaults).
    E : (n,) array
        Capital (equity) buffers.
    w : (n,) array
        Economic weights (e.g. total assets); normalised to sum 1 here.
    h0 : (n,) array
        Initial relative equity loss, 0–1 (1 = the node defaults).
    variant : {"battiston2012", "bardoscia2015"}
        ``battiston2012`` (default): single-hit rule of the original paper,
        impacts ``min(1, A_ij / E_i)``; each distressed node propagates its
        loss once. ``bardoscia2015``: loss increments propagate repeatedly with
        leverage ``A_ij / E_i``; defaulted nodes stop transmitting.
    max_rounds : int
        Safety bound on the number of rounds of the 2015 variant.

    Returns
    -------
    DebtRankResult
        Final stress ``h``, DebtRank (additional stress), defaults, rounds.

    Notes
    -----
    Battiston 2012 recursion (states U, D, I)::

        h_i(t) = min(1, h_i(t-1) + Σ_{j: s_j(t-1) = D} W_ij h_j(t-1))
        s_i(t) = I if s_i(t-1) = D; D if h_i(t) > 0 and s_i(t-1) = U; else s_i(t-1)

    Bardoscia 2015 recursion (h(-1) = 0)::

        h_i(t+1) = min(1, h_i(t) + Σ_{j: h_j(t-1) < 1} Λ_ij (h_j(t) - h_j(t-1)))

    Examples
    --------
    The NetworkRiskMeasures vector, node a defaulting alone:

    >>> r = debtrank([[0, 1, 0], [10, 0, 3], [3, 2, 0]], [2, 5, 2], [10, 100, 30], [1, 0, 0])
    >>> round(r.debtrank, 7), r.additional_defaults
    (0.9285714, 2)

    References
    ----------
    .. [1] Battiston, S., Puliga, M., Kaushik, R., Tasca, P., Caldarelli, G. (2012).
       DebtRank: Too Central to Fail? Scientific Reports 2:541.
    .. [2] Bardoscia, M., Battiston, S., Caccioli, F., Caldarelli, G. (2015). DebtRank:
       a microscopic foundation for shock propagation. PLoS ONE 10(6):e0130406.
    .. [3] Cinelli, C. (2016). NetworkRiskMeasures, R package (README test vector).
    """
    if variant not in VARIANTS:
        raise ValidationError(f"unknown DebtRank variant {variant!r}", field="variant", value=variant,
                              fix=f"use one of {', '.join(VARIANTS)}")
    a, e, wt, h0a = _as_inputs(A, E, w, h0)
    total_w = wt.sum()
    wn = wt / total_w if total_w > 0 else np.full_like(wt, 1.0 / max(len(wt), 1))
    if variant == "battiston2012":
        h, rounds = _battiston2012(impact_matrix(a, e), h0a)
    else:
        h, rounds = _bardoscia2015(impact_matrix(a, e, cap=False), h0a, max_rounds)
    total = float(wn @ h)
    initial = float(wn @ h0a)
    defaulted = tuple(int(i) for i in np.flatnonzero(h >= 1 - _EPS))
    additional = sum(1 for i in defaulted if h0a[i] < 1 - _EPS)
    stamp = Stamp("debtrank", variant, {"n": int(len(e)), "max_rounds": max_rounds}, "", REFERENCES)
    return DebtRankResult(tuple(float(x) for x in h0a), tuple(float(x) for x in h), tuple(float(x) for x in wn),
                          total - initial, total, initial, defaulted, additional, rounds, stamp)


def _battiston2012(W: NDArray[np.float64], h0: NDArray[np.float64]) -> tuple[NDArray[np.float64], int]:
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


def _bardoscia2015(L: NDArray[np.float64], h0: NDArray[np.float64], max_rounds: int) -> tuple[NDArray[np.float64], int]:
    h_prev = np.zeros_like(h0)  # h(t-1): who is still active, and the increment
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


def debtrank_graph(
    G: nx.MultiDiGraph,
    shocks: Mapping[str, float] | Iterable[str],
    *,
    variant: Variant = "battiston2012",
    include_equity: bool = True,
    include_guarantees: bool = False,
    weight: str = "total_assets",
) -> DebtRankGraphResult:
    """DebtRank of a scenario on the projection (exposures from :func:`exposure_matrix`).

    Parameters
    ----------
    G : nx.MultiDiGraph
        The store's projection.
    shocks : mapping of party id to initial relative loss (0–1), or ids (each 1 = default)
    variant : {"battiston2012", "bardoscia2015"}
    include_equity, include_guarantees : bool
        Which exposures count besides loans (see :func:`graph.analytics.exposure.exposure_matrix`).
    weight : str
        Node property used as economic weight (falls back as documented there).

    Examples
    --------
    >>> from graph.store.base import to_networkx
    >>> from graph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {"capital": 5.0}), NodeRecord("a", "party", {"capital": 2.0})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {"amount": 10.0})])
    >>> debtrank_graph(G, ["a"]).additional_defaults
    ('b',)

    References
    ----------
    .. [1] Battiston et al. (2012), Sci. Rep. 2:541. .. [2] Bardoscia et al. (2015), PLoS ONE 10(6):e0130406.
    """
    m = exposure_matrix(G, include_equity=include_equity, include_guarantees=include_guarantees, weight=weight)
    shock_map = dict(shocks) if isinstance(shocks, Mapping) else {s: 1.0 for s in shocks}
    h0 = np.zeros(len(m.nodes))
    for node, x in shock_map.items():
        if node not in m.index:
            raise NotFound(f"no party {node!r} in the exposure network; shock a party id of the graph")
        h0[m.index[node]] = float(x)
    r = debtrank(m.A, m.E, m.w, h0, variant=variant)
    return _graph_result(G, m, shock_map, r, variant, include_equity, include_guarantees, weight)


def _graph_result(G: nx.MultiDiGraph, m: ExposureMatrix, shock_map: Mapping[str, float], r: DebtRankResult,
                  variant: str, include_equity: bool, include_guarantees: bool, weight: str) -> DebtRankGraphResult:
    rows = [
        NodeStress(n, str(G.nodes[n].get("name") or n), r.h0[i], r.h[i], r.weights[i], r.h[i] >= 1 - _EPS)
        for i, n in enumerate(m.nodes)
        if r.h[i] > 0
    ]
    rows.sort(key=lambda s: (-s.h, -s.weight, s.node))
    extra = tuple(m.nodes[i] for i in r.defaulted if r.h0[i] < 1 - _EPS)
    params = {"shocks": dict(shock_map), "include_equity": include_equity,
              "include_guarantees": include_guarantees, "weight": weight}
    stamp = Stamp("debtrank", variant, params, graph_version(G), REFERENCES)
    return DebtRankGraphResult(dict(shock_map), r.debtrank, r.total_stress, r.initial_stress, extra,
                               tuple(rows), m.missing_capital, r.rounds, stamp)


def debtrank_each(A: ArrayLike, E: ArrayLike, w: ArrayLike, *, variant: Variant = "battiston2012") -> tuple[
        DebtRankResult, ...]:
    """DebtRank of each node defaulting alone (h0 = e_i), in index order: a systemic-importance ranking.

    >>> [round(r.debtrank, 4) for r in debtrank_each([[0, 1, 0], [10, 0, 3], [3, 2, 0]], [2, 5, 2], [10, 100, 30])]
    [0.9286, 0.25, 0.6643]
    """
    n = np.asarray(E).shape[0]
    out: list[DebtRankResult] = []
    for i in range(n):
        h0: Sequence[float] = [1.0 if j == i else 0.0 for j in range(n)]
        out.append(debtrank(A, E, w, h0, variant=variant))
    return tuple(out)
