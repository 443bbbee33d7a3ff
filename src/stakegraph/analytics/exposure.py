"""The exposure matrix A[i, j], capital E and weights w read from the projection.

Convention (shared by DebtRank, the threshold cascade and Eisenberg–Noe):

* ``A[i, j]`` = i's asset on j = what i stands to lose, before recovery, if j
  defaults. It adds up, over **active** edges (``status`` not ended/terminated…;
  a ``recalled`` loan is still owed, so it counts):

  - ``lends_to`` i → j: ``amount`` (the loan principal);
  - ``invests_in`` i → j: ``amount`` (equity; on by default, ``include_equity``);
  - ``guarantees`` i → j: ``guarantee_cap`` (else ``amount``) — a *contingent*
    exposure: the guarantor pays when the obligor defaults. Off by default
    (``include_guarantees``) because it is not an asset until called.

* Nodes are parties and (``include_projects``, default on) projects, in id
  order. Projects hold no assets in the graph, so they can only transmit.
* ``E[i]`` = the node's ``capital``, else ``tier1_capital``. A party with
  neither cannot be stressed: its buffer is taken as infinite and it is listed
  in ``missing_capital`` (load the capital to include it).
* ``w[i]`` = the ``weight`` property (``total_assets`` by default), else a
  project's ``total_cost``, else the row sum of A (its assets in the network).
* Every amount and buffer is in the reporting currency: converted once by
  :func:`stakegraph.measures.money_context` (a missing FX rate raises ``MissingRate``).

Two forms of the same matrix: :func:`exposure_matrix` (dense ``numpy`` n × n,
for small networks and the clearing / cascade models) and
:func:`sparse_exposure_matrix` (``scipy.sparse`` CSR, O(edges) memory: the one
DebtRank uses, and the only one that fits at 100,000 parties).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from stakegraph.analytics.selection import is_active, number
from stakegraph.measures import Money, money_context

NODE_TYPES: tuple[str, ...] = ("party", "project")


@dataclass(frozen=True)
class ExposureMatrix:
    """Exposures, capital and weights with the node order they use (``index`` maps id → row)."""

    nodes: tuple[str, ...]
    index: dict[str, int]
    A: NDArray[np.float64]
    E: NDArray[np.float64]
    w: NDArray[np.float64]
    missing_capital: tuple[str, ...]
    edges: tuple[str, ...]


def capital_of(data: dict, money: Money | None = None) -> float | None:
    """A node's loss-absorbing buffer: ``capital``, else ``tier1_capital``, else ``None``.

    Converted to the reporting currency by ``money`` when given (else as stated).

    >>> capital_of({"capital": 5}), capital_of({"tier1_capital": 2.5}), capital_of({})
    (5.0, 2.5, None)
    """
    def read(prop: str) -> float | None:
        return money.of(data, prop) if money is not None else number(data.get(prop))

    c = read("capital")
    return c if c is not None else read("tier1_capital")


@dataclass(frozen=True)
class SparseExposureMatrix:
    """:class:`ExposureMatrix` with ``A`` as a ``scipy.sparse`` CSR array (same order, same values)."""

    nodes: tuple[str, ...]
    index: dict[str, int]
    A: sparse.csr_array
    E: NDArray[np.float64]
    w: NDArray[np.float64]
    missing_capital: tuple[str, ...]
    edges: tuple[str, ...]


def _scan(
    G: nx.MultiDiGraph, include_equity: bool, include_guarantees: bool, include_projects: bool,
) -> tuple[tuple[str, ...], dict[str, int], list[int], list[int], list[float], list[str]]:
    """Node order and the (row, column, value, edge id) of every counted exposure, in edge order."""
    types = NODE_TYPES if include_projects else ("party",)
    nodes = tuple(sorted((n for n, t in G.nodes(data="type") if t in types), key=str))
    index = {n: i for i, n in enumerate(nodes)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    used: list[str] = []
    money = money_context(G)
    for u, v, key, data in G.edges(keys=True, data=True):
        kind = data.get("kind")
        if kind == "lends_to" or (kind == "invests_in" and include_equity):
            prop = "amount"
        elif kind == "guarantees" and include_guarantees:
            prop = "guarantee_cap"
        else:
            continue
        if u not in index or v not in index or u == v or not is_active(data):
            continue
        value = money.of(data, prop)
        if value is None and prop == "guarantee_cap":
            value = money.of(data, "amount")
        if value is not None and value > 0:
            rows.append(index[u])
            cols.append(index[v])
            vals.append(value)
            used.append(str(key))
    return nodes, index, rows, cols, vals, used


def _buffers(
    G: nx.MultiDiGraph, index: dict[str, int], row_sums: NDArray[np.float64], weight: str,
) -> tuple[NDArray[np.float64], NDArray[np.float64], tuple[str, ...]]:
    n = len(index)
    E = np.empty(n)
    w = np.zeros(n)
    missing: list[str] = []
    money = money_context(G)
    for node, i in index.items():
        data = G.nodes[node]
        cap = capital_of(data, money)
        if cap is None:
            E[i] = np.inf
            if data.get("type") == "party":
                missing.append(node)
        else:
            E[i] = cap
        wv = money.of(data, weight)
        if wv is None and data.get("type") == "project":
            wv = money.of(data, "total_cost")
        w[i] = wv if wv is not None else row_sums[i]
    return E, w, tuple(missing)


def exposure_matrix(
    G: nx.MultiDiGraph,
    *,
    include_equity: bool = True,
    include_guarantees: bool = False,
    include_projects: bool = True,
    weight: str = "total_assets",
) -> ExposureMatrix:
    """Build dense ``A``, ``E``, ``w`` from the projection (see the module docstring for the rules).

    Memory is n² × 8 bytes; above a few thousand nodes use :func:`sparse_exposure_matrix`.

    Examples
    --------
    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("a", "party", {"capital": 2.0}), NodeRecord("b", "party", {})],
    ...                 [EdgeRecord("l", "lends_to", "a", "b", {"amount": 10.0}),
    ...                  EdgeRecord("g", "guarantees", "b", "a", {"guarantee_cap": 4.0})])
    >>> m = exposure_matrix(G, include_guarantees=True)
    >>> m.A.tolist(), m.E.tolist(), m.missing_capital
    ([[0.0, 10.0], [4.0, 0.0]], [2.0, inf], ('b',))
    """
    nodes, index, rows, cols, vals, used = _scan(G, include_equity, include_guarantees, include_projects)
    n = len(nodes)
    A = np.zeros((n, n))
    np.add.at(A, (np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)), np.asarray(vals, dtype=float))
    E, w, missing = _buffers(G, index, A.sum(axis=1), weight)
    return ExposureMatrix(nodes, index, A, E, w, missing, tuple(sorted(used)))


def sparse_exposure_matrix(
    G: nx.MultiDiGraph,
    *,
    include_equity: bool = True,
    include_guarantees: bool = False,
    include_projects: bool = True,
    weight: str = "total_assets",
) -> SparseExposureMatrix:
    """The same exposures as :func:`exposure_matrix`, with ``A`` a ``scipy.sparse`` CSR array.

    Memory and time are O(nodes + edges): parallel edges of one pair are summed
    into one stored entry (``scipy.sparse`` sums duplicates on conversion).

    Examples
    --------
    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("a", "party", {"capital": 2.0}), NodeRecord("b", "party", {})],
    ...                 [EdgeRecord("l1", "lends_to", "a", "b", {"amount": 10.0}),
    ...                  EdgeRecord("l2", "lends_to", "a", "b", {"amount": 5.0})])
    >>> m = sparse_exposure_matrix(G)
    >>> m.A.nnz, m.A.toarray().tolist(), m.w.tolist()
    (1, [[0.0, 15.0], [0.0, 0.0]], [15.0, 0.0])
    """
    nodes, index, rows, cols, vals, used = _scan(G, include_equity, include_guarantees, include_projects)
    n = len(nodes)
    A = sparse.csr_array((np.asarray(vals, dtype=float), (np.asarray(rows, dtype=np.intp),
                                                          np.asarray(cols, dtype=np.intp))), shape=(n, n))
    A.sum_duplicates()
    E, w, missing = _buffers(G, index, np.asarray(A.sum(axis=1), dtype=float).ravel(), weight)
    return SparseExposureMatrix(nodes, index, A, E, w, missing, tuple(sorted(used)))
