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

Scale: exposures and impacts are ``scipy.sparse`` CSR matrices and each round
is one sparse mat-vec, so one scenario costs O(nodes + exposures) per round
(100,000 parties fit in a few hundred MiB). :class:`DebtRankNetwork` builds the
impact matrix once for many scenarios (``rank`` = each node shocked alone).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeAlias

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse

from stakegraph.analytics.exposure import SparseExposureMatrix, sparse_exposure_matrix
from stakegraph.analytics.selection import name_of
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.errors import NotFound, ValidationError
from stakegraph.measures import money_stamp

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


#: A dense array-like or a ``scipy.sparse`` matrix/array.
AnyMatrix: TypeAlias = ArrayLike | sparse.sparray | sparse.spmatrix


def _check_shock(h: NDArray[np.float64]) -> None:
    if np.any(h < 0) or np.any(h > 1):
        raise ValidationError("initial shock h0 must be within 0..1 (relative equity loss)", field="h0",
                              value=h.tolist(), fix="1 = default, 0.1 = a 10% equity loss")


def _as_inputs(A: AnyMatrix, E: ArrayLike, w: ArrayLike, h0: ArrayLike) -> tuple[
        sparse.csr_array, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    if sparse.issparse(A):
        a = sparse.csr_array(A, dtype=float)
        a_shape: tuple[int, ...] = a.shape
    else:
        dense = np.asarray(A, dtype=float)
        a_shape = dense.shape
    e = np.asarray(E, dtype=float)
    wt = np.asarray(w, dtype=float)
    h = np.asarray(h0, dtype=float)
    n = e.shape[0] if e.ndim == 1 else -1
    if len(a_shape) != 2 or a_shape != (n, n) or wt.shape != (n,) or h.shape != (n,):
        raise ValidationError(
            f"shapes do not fit: A {a_shape}, E {e.shape}, w {wt.shape}, h0 {h.shape}", field="A",
            fix="pass an n x n exposure matrix and three length-n vectors (capital, weights, initial shock)",
        )
    if not sparse.issparse(A):
        a = sparse.csr_array(dense)
    if np.any(a.data < 0) or np.any(e < 0) or np.any(wt < 0):
        raise ValidationError("exposures, capital and weights must be >= 0", field="A",
                              fix="drop negative values (a liability is the transpose of an asset)")
    _check_shock(h)
    return a, e, wt, h


def _sparse_impact(a: sparse.csr_array, e: NDArray[np.float64], cap: bool) -> sparse.csr_array:
    """``W = A / E[row]`` on the stored entries only (same rules as the dense form)."""
    a = sparse.csr_array(a, dtype=float)
    a.sum_duplicates()
    rows = np.repeat(np.arange(a.shape[0]), np.diff(a.indptr))
    with np.errstate(divide="ignore", invalid="ignore"):
        data = np.where(a.data > 0, a.data / e[rows], 0.0)
    data = np.nan_to_num(data, nan=0.0, posinf=np.inf)
    if cap:
        data = np.minimum(data, 1.0)
    W = sparse.csr_array((data, a.indices.copy(), a.indptr.copy()), shape=a.shape)
    W.eliminate_zeros()
    return W


def impact_matrix(A: AnyMatrix, E: ArrayLike, *, cap: bool = True) -> NDArray[np.float64] | sparse.csr_array:
    """``W[i, j]`` = loss j's default inflicts on i relative to i's capital, A[i, j] / E[i].

    Capped at 1 (Battiston 2012: min(1, A_ij/E_i)) unless ``cap=False``
    (Bardoscia 2015 leverage Λ). A node with zero capital loses everything on any
    positive exposure (impact 1, or ``inf`` uncapped). A ``scipy.sparse`` ``A``
    gives a CSR ``W`` with the same values (only stored entries are divided);
    a dense ``A`` a dense ``W``.

    >>> impact_matrix([[0, 1], [10, 0]], [2, 5]).tolist()
    [[0.0, 0.5], [1.0, 0.0]]
    >>> impact_matrix(sparse.csr_array([[0, 1], [10, 0]]), [2, 5]).toarray().tolist()
    [[0.0, 0.5], [1.0, 0.0]]
    """
    e = np.asarray(E, dtype=float)
    if sparse.issparse(A):
        return _sparse_impact(sparse.csr_array(A), e, cap)
    a = np.asarray(A, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        W = np.where(a > 0, a / e[:, None], 0.0)
    W = np.nan_to_num(W, nan=0.0, posinf=np.inf)
    return np.minimum(W, 1.0) if cap else W


def debtrank(
    A: AnyMatrix,
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
    A : (n, n) array or scipy.sparse matrix
        ``A[i, j]`` = asset of i on j (what i loses, before recovery, if j defaults).
        Either way it is converted to CSR: every round is one sparse mat-vec,
        O(number of exposures), so memory and time grow with the edges, not n².
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
    _check_variant(variant)
    a, e, wt, h0a = _as_inputs(A, E, w, h0)
    W = impact_matrix(a, e, cap=variant == "battiston2012")
    return _result(_run(W, h0a, variant, max_rounds), h0a, _normalised(wt), variant, max_rounds)


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ValidationError(f"unknown DebtRank variant {variant!r}", field="variant", value=variant,
                              fix=f"use one of {', '.join(VARIANTS)}")


def _normalised(wt: NDArray[np.float64]) -> NDArray[np.float64]:
    total_w = wt.sum()
    return wt / total_w if total_w > 0 else np.full_like(wt, 1.0 / max(len(wt), 1))


def _run(W: sparse.csr_array, h0: NDArray[np.float64], variant: str,
         max_rounds: int) -> tuple[NDArray[np.float64], int]:
    if variant == "battiston2012":
        return _battiston2012(W, h0)
    return _bardoscia2015(W, h0, max_rounds)


def _result(run: tuple[NDArray[np.float64], int], h0a: NDArray[np.float64], wn: NDArray[np.float64],
            variant: str, max_rounds: int) -> DebtRankResult:
    h, rounds = run
    total = float(wn @ h)
    initial = float(wn @ h0a)
    defaulted = tuple(int(i) for i in np.flatnonzero(h >= 1 - _EPS))
    additional = sum(1 for i in defaulted if h0a[i] < 1 - _EPS)
    stamp = Stamp("debtrank", variant, {"n": int(len(h0a)), "max_rounds": max_rounds}, "", REFERENCES)
    return DebtRankResult(tuple(float(x) for x in h0a), tuple(float(x) for x in h), tuple(float(x) for x in wn),
                          total - initial, total, initial, defaulted, additional, rounds, stamp)


def _battiston2012(W: sparse.csr_array, h0: NDArray[np.float64]) -> tuple[NDArray[np.float64], int]:
    """Single-hit rule: the distressed nodes of a round push ``W[:, D] @ h[D]`` = ``W @ (h on D, 0 elsewhere)``."""
    undistressed, distressed, inactive = 0, 1, 2
    h = h0.copy()
    state = np.where(h > 0, distressed, undistressed)
    rounds = 0
    while np.any(state == distressed):
        rounds += 1
        d = state == distressed
        h_new = np.minimum(1.0, h + W @ np.where(d, h, 0.0))
        new_state = state.copy()
        new_state[d] = inactive
        new_state[(state == undistressed) & (h_new > 0)] = distressed
        h, state = h_new, new_state
    return h, rounds


def _bardoscia2015(L: sparse.csr_array, h0: NDArray[np.float64], max_rounds: int) -> tuple[NDArray[np.float64], int]:
    """Increments of active nodes pushed through the uncapped leverage; inf x 0 (zero capital, no increment) = 0."""
    rows = np.repeat(np.arange(L.shape[0]), np.diff(L.indptr))
    cols = L.indices
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
            terms = np.nan_to_num(L.data * delta[cols], nan=0.0, posinf=np.inf)
        push = np.bincount(rows, weights=terms, minlength=len(h))
        h_next = np.minimum(1.0, h + push)
        h_prev, h = h, h_next
    return h, rounds


@dataclass(frozen=True)
class DebtRankRow:
    """One node's DebtRank when it alone receives the shock (default by default)."""

    node: str
    name: str
    debtrank: float
    total_stress: float
    additional_defaults: int
    rounds: int


@dataclass(frozen=True)
class DebtRankRanking:
    """DebtRank of each listed node shocked alone, highest first (a systemic-importance ranking)."""

    rows: tuple[DebtRankRow, ...]
    missing_capital: tuple[str, ...]
    stamp: Stamp


class DebtRankNetwork:
    """The exposure network of a projection, built once (sparse), for any number of DebtRank scenarios.

    Building is O(nodes + edges) (:func:`stakegraph.analytics.exposure.sparse_exposure_matrix`);
    each scenario is a few sparse mat-vecs, O(exposures) per round. The
    impact matrix of each variant is built on first use and kept.

    Examples
    --------
    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {"capital": 5.0}), NodeRecord("a", "party", {"capital": 2.0})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {"amount": 10.0})])
    >>> net = DebtRankNetwork(G)
    >>> net.run(["a"]).additional_defaults, [r.node for r in net.rank(["a", "b"]).rows]
    (('b',), ['a', 'b'])
    """

    def __init__(self, G: nx.MultiDiGraph, *, include_equity: bool = True, include_guarantees: bool = False,
                 weight: str = "total_assets") -> None:
        self.G = G
        self.include_equity = include_equity
        self.include_guarantees = include_guarantees
        self.weight = weight
        self.exposures: SparseExposureMatrix = sparse_exposure_matrix(
            G, include_equity=include_equity, include_guarantees=include_guarantees, weight=weight)
        if np.any(self.exposures.E < 0) or np.any(self.exposures.w < 0):
            raise ValidationError("exposures, capital and weights must be >= 0", field="A",
                                  fix="drop negative values (a liability is the transpose of an asset)")
        self.weights = _normalised(self.exposures.w)
        self._impact: dict[bool, sparse.csr_array] = {}

    def impact(self, variant: Variant = "battiston2012") -> sparse.csr_array:
        """The (cached) impact matrix of ``variant``: capped for 2012, leverage for 2015."""
        _check_variant(variant)
        cap = variant == "battiston2012"
        if cap not in self._impact:
            self._impact[cap] = impact_matrix(self.exposures.A, self.exposures.E, cap=cap)
        return self._impact[cap]

    def _h0(self, shock_map: Mapping[str, float]) -> NDArray[np.float64]:
        m = self.exposures
        h0 = np.zeros(len(m.nodes))
        for node, x in shock_map.items():
            if node not in m.index:
                raise NotFound(f"no party {node!r} in the exposure network; shock a party id of the graph")
            h0[m.index[node]] = float(x)
        _check_shock(h0)
        return h0

    def run(self, shocks: Mapping[str, float] | Iterable[str], *,
            variant: Variant = "battiston2012", max_rounds: int = 10_000) -> DebtRankGraphResult:
        """DebtRank of one scenario (same result as :func:`debtrank_graph`)."""
        shock_map = dict(shocks) if isinstance(shocks, Mapping) else {s: 1.0 for s in shocks}
        h0 = self._h0(shock_map)
        h, rounds = _run(self.impact(variant), h0, variant, max_rounds)
        return self._graph_result(shock_map, h0, h, rounds, variant)

    def rank(self, nodes: Iterable[str] | None = None, *, variant: Variant = "battiston2012",
             shock: float = 1.0, max_rounds: int = 10_000) -> DebtRankRanking:
        """DebtRank of each of ``nodes`` (default: every node) receiving ``shock`` alone, highest first."""
        W = self.impact(variant)
        m = self.exposures
        wn = self.weights
        chosen = list(m.nodes) if nodes is None else list(dict.fromkeys(nodes))
        rows: list[DebtRankRow] = []
        for node in chosen:
            h0 = self._h0({node: shock})
            h, rounds = _run(W, h0, variant, max_rounds)
            total, initial = float(wn @ h), float(wn @ h0)
            extra = int(np.count_nonzero((h >= 1 - _EPS) & (h0 < 1 - _EPS)))
            rows.append(DebtRankRow(node, name_of(self.G, node), total - initial, total, extra, rounds))
        rows.sort(key=lambda r: (-r.debtrank, r.node))
        params = {"nodes": len(chosen), "shock": shock, "include_equity": self.include_equity,
                  "include_guarantees": self.include_guarantees, "weight": self.weight,
                  **money_stamp(self.G)}
        stamp = Stamp("debtrank_ranking", variant, params, graph_version(self.G), REFERENCES)
        return DebtRankRanking(tuple(rows), m.missing_capital, stamp)

    def _graph_result(self, shock_map: Mapping[str, float], h0: NDArray[np.float64], h: NDArray[np.float64],
                      rounds: int, variant: str) -> DebtRankGraphResult:
        m, wn, G = self.exposures, self.weights, self.G
        total, initial = float(wn @ h), float(wn @ h0)
        rows = [
            NodeStress(m.nodes[i], str(G.nodes[m.nodes[i]].get("name") or m.nodes[i]), float(h0[i]), float(h[i]),
                       float(wn[i]), bool(h[i] >= 1 - _EPS))
            for i in np.flatnonzero(h > 0)
        ]
        rows.sort(key=lambda s: (-s.h, -s.weight, s.node))
        extra = tuple(m.nodes[i] for i in np.flatnonzero((h >= 1 - _EPS) & (h0 < 1 - _EPS)))
        params = {"shocks": dict(shock_map), "include_equity": self.include_equity,
                  "include_guarantees": self.include_guarantees, "weight": self.weight, **money_stamp(G)}
        stamp = Stamp("debtrank", variant, params, graph_version(G), REFERENCES)
        return DebtRankGraphResult(dict(shock_map), total - initial, total, initial, extra,
                                   tuple(rows), m.missing_capital, rounds, stamp)


def debtrank_graph(
    G: nx.MultiDiGraph,
    shocks: Mapping[str, float] | Iterable[str],
    *,
    variant: Variant = "battiston2012",
    include_equity: bool = True,
    include_guarantees: bool = False,
    weight: str = "total_assets",
) -> DebtRankGraphResult:
    """DebtRank of a scenario on the projection (sparse exposures, :class:`DebtRankNetwork`).

    For many scenarios on one graph build a :class:`DebtRankNetwork` once and
    call its ``run`` / ``rank`` (this function builds it every time).

    Parameters
    ----------
    G : nx.MultiDiGraph
        The store's projection.
    shocks : mapping of party id to initial relative loss (0–1), or ids (each 1 = default)
    variant : {"battiston2012", "bardoscia2015"}
    include_equity, include_guarantees : bool
        Which exposures count besides loans (see :func:`stakegraph.analytics.exposure.exposure_matrix`).
    weight : str
        Node property used as economic weight (falls back as documented there).

    Examples
    --------
    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {"capital": 5.0}), NodeRecord("a", "party", {"capital": 2.0})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {"amount": 10.0})])
    >>> debtrank_graph(G, ["a"]).additional_defaults
    ('b',)

    References
    ----------
    .. [1] Battiston et al. (2012), Sci. Rep. 2:541. .. [2] Bardoscia et al. (2015), PLoS ONE 10(6):e0130406.
    """
    _check_variant(variant)
    net = DebtRankNetwork(G, include_equity=include_equity, include_guarantees=include_guarantees, weight=weight)
    return net.run(shocks, variant=variant)


def debtrank_each(A: AnyMatrix, E: ArrayLike, w: ArrayLike, *, variant: Variant = "battiston2012") -> tuple[
        DebtRankResult, ...]:
    """DebtRank of each node defaulting alone (h0 = e_i), in index order: a systemic-importance ranking.

    The impact matrix is built once and reused for every node.

    >>> [round(r.debtrank, 4) for r in debtrank_each([[0, 1, 0], [10, 0, 3], [3, 2, 0]], [2, 5, 2], [10, 100, 30])]
    [0.9286, 0.25, 0.6643]
    """
    _check_variant(variant)
    e = np.asarray(E, dtype=float)
    n = e.shape[0] if e.ndim == 1 else 0
    a, e, wt, _ = _as_inputs(A, e, w, np.zeros(n))
    W = impact_matrix(a, e, cap=variant == "battiston2012")
    wn = _normalised(wt)
    out: list[DebtRankResult] = []
    for i in range(n):
        h0 = np.zeros(n)
        h0[i] = 1.0
        out.append(_result(_run(W, h0, variant, 10_000), h0, wn, variant, 10_000))
    return tuple(out)
