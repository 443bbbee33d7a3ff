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
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from graph.analytics.select import is_active, number

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


def capital_of(data: dict) -> float | None:
    """A node's loss-absorbing buffer: ``capital``, else ``tier1_capital``, else ``None``.

    >>> capital_of({"capital": 5}), capital_of({"tier1_capital": 2.5}), capital_of({})
    (5.0, 2.5, None)
    """
    c = number(data.get("capital"))
    return c if c is not None else number(data.get("tier1_capital"))


def exposure_matrix(
    G: nx.MultiDiGraph,
    *,
    include_equity: bool = True,
    include_guarantees: bool = False,
    include_projects: bool = True,
    weight: str = "total_assets",
) -> ExposureMatrix:
    """Build ``A``, ``E``, ``w`` from the projection (see the module docstring for the rules).

    Examples
    --------
    >>> from graph.store.base import to_networkx
    >>> from graph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("a", "party", {"capital": 2.0}), NodeRecord("b", "party", {})],
    ...                 [EdgeRecord("l", "lends_to", "a", "b", {"amount": 10.0}),
    ...                  EdgeRecord("g", "guarantees", "b", "a", {"guarantee_cap": 4.0})])
    >>> m = exposure_matrix(G, include_guarantees=True)
    >>> m.A.tolist(), m.E.tolist(), m.missing_capital
    ([[0.0, 10.0], [4.0, 0.0]], [2.0, inf], ('b',))
    """
    types = NODE_TYPES if include_projects else ("party",)
    nodes = tuple(sorted((n for n, t in G.nodes(data="type") if t in types), key=str))
    index = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    A = np.zeros((n, n))
    used: list[str] = []
    for u, v, key, data in G.edges(keys=True, data=True):
        if u not in index or v not in index or u == v or not is_active(data):
            continue
        kind = data.get("kind")
        value: float | None = None
        if kind == "lends_to" or (kind == "invests_in" and include_equity):
            value = number(data.get("amount"))
        elif kind == "guarantees" and include_guarantees:
            value = number(data.get("guarantee_cap"))
            value = number(data.get("amount")) if value is None else value
        if value is not None and value > 0:
            A[index[u], index[v]] += value
            used.append(str(key))
    E = np.empty(n)
    w = np.zeros(n)
    missing: list[str] = []
    for node, i in index.items():
        data = G.nodes[node]
        cap = capital_of(data)
        if cap is None:
            E[i] = np.inf
            if data.get("type") == "party":
                missing.append(node)
        else:
            E[i] = cap
        wv = number(data.get(weight))
        if wv is None and data.get("type") == "project":
            wv = number(data.get("total_cost"))
        w[i] = wv if wv is not None else A[i].sum()
    return ExposureMatrix(nodes, index, A, E, w, tuple(missing), tuple(sorted(used)))
