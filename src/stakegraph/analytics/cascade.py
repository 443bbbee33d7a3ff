"""Threshold default cascade (Gai & Kapadia 2010 style), round by round.

A node defaults when the losses it takes from defaulted counterparties,
``Σ_{j defaulted} A[i, j] · (1 − R)``, **exceed** its capital buffer ``E[i]``
(strictly, as in Gai & Kapadia: a bank with exactly zero loss and zero capital
stays up). Recovery R is fixed (no fire-sale or price feedback); iterate until
no new default. The variant here is the deterministic cascade on a given
network (Gai & Kapadia study its expectation on random graphs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from stakegraph.analytics.exposure import capital_of
from stakegraph.analytics.selection import is_active, number
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.errors import NotFound, ValidationError
from stakegraph.measures import money_context, money_stamp

REFERENCES = ("Gai & Kapadia (2010), Contagion in financial networks, Proc. R. Soc. A 466:2401-2423; "
              "loss = exposure x (1 - recovery) against capital")


@dataclass(frozen=True)
class CascadeResult:
    """Defaults by round (round 0 = the initial set) and each node's final loss.

    Indices refer to the input arrays; ``nodes`` names them when the cascade ran
    on a graph.
    """

    rounds: tuple[tuple[int, ...], ...]
    defaulted: tuple[int, ...]
    default_round: tuple[int | None, ...]
    losses: tuple[float, ...]
    capital: tuple[float, ...]
    nodes: tuple[str, ...]
    stamp: Stamp


def threshold_cascade(
    A: ArrayLike,
    E: ArrayLike,
    defaulted: Iterable[int],
    *,
    recovery: float | ArrayLike = 0.0,
    nodes: tuple[str, ...] = (),
) -> CascadeResult:
    """Run the cascade from an initial set of defaulted nodes.

    Parameters
    ----------
    A : (n, n) array
        ``A[i, j]`` = i's exposure to j.
    E : (n,) array
        Capital buffers (``inf`` = cannot default).
    defaulted : iterable of int
        Indices that default at round 0.
    recovery : float, (n,) or (n, n) array
        Recovery rate 0–1: one for all, per defaulting debtor j, or per exposure (i, j).

    Examples
    --------
    A chain c → b → a (c lent 10 to b, b lent 10 to a), capital 4 each, recovery 0.5:
    a's default costs b 5 > 4, b's default then costs c 5 > 4.

    >>> r = threshold_cascade([[0, 10, 0], [0, 0, 10], [0, 0, 0]], [4, 4, 4], [2], recovery=0.5)
    >>> r.rounds
    ((2,), (1,), (0,))

    References
    ----------
    .. [1] Gai, P., Kapadia, S. (2010). Contagion in financial networks. Proc. R. Soc. A 466:2401–2423.
    """
    a = np.asarray(A, dtype=float)
    e = np.asarray(E, dtype=float)
    n = e.shape[0]
    if a.shape != (n, n):
        raise ValidationError(f"A is {a.shape}, E has {n} entries", field="A", fix="pass an n x n matrix")
    rec = np.asarray(recovery, dtype=float)
    if np.any(rec < 0) or np.any(rec > 1):
        raise ValidationError("recovery must be within 0..1", field="recovery", value=rec.tolist(),
                              fix="0.4 = 40% of the exposure is recovered")
    if rec.ndim == 0:
        lgd: NDArray[np.float64] = a * (1.0 - float(rec))
    elif rec.shape == (n,):
        lgd = a * (1.0 - rec[None, :])
    elif rec.shape == (n, n):
        lgd = a * (1.0 - rec)
    else:
        raise ValidationError(f"recovery has shape {rec.shape}", field="recovery",
                              fix="pass a number, one per node, or an n x n matrix")
    start = sorted({int(i) for i in defaulted})
    if any(i < 0 or i >= n for i in start):
        raise ValidationError("initial defaults must be node indices 0..n-1", field="defaulted", value=start)
    is_def = np.zeros(n, dtype=bool)
    is_def[start] = True
    when: list[int | None] = [0 if is_def[i] else None for i in range(n)]
    rounds: list[tuple[int, ...]] = [tuple(start)]
    loss = lgd[:, is_def].sum(axis=1)
    r = 0
    while True:
        new = (loss > e) & ~is_def
        if not np.any(new):
            break
        r += 1
        idx = tuple(int(i) for i in np.flatnonzero(new))
        rounds.append(idx)
        for i in idx:
            when[i] = r
        is_def |= new
        loss = lgd[:, is_def].sum(axis=1)
    stamp = Stamp("threshold_cascade", "gai_kapadia2010", {"recovery": rec.tolist(), "initial": start}, "",
                  REFERENCES)
    return CascadeResult(tuple(rounds), tuple(int(i) for i in np.flatnonzero(is_def)), tuple(when),
                         tuple(float(x) for x in loss), tuple(float(x) for x in e), nodes, stamp)


def threshold_cascade_graph(G: nx.MultiDiGraph, defaulted: Iterable[str], *, recovery_default: float = 0.0,
                            include_equity: bool = True) -> CascadeResult:
    """The cascade on the projection's parties and projects.

    Losses per edge: ``lends_to`` amount × (1 − the edge's ``recovery_rate``,
    else ``recovery_default``); ``invests_in`` amount × 1 (equity recovers
    nothing) when ``include_equity``. Capital as in
    :func:`stakegraph.analytics.exposure.capital_of` (missing = cannot default).
    Amounts and capital are in the reporting currency at the FX rates of the graph's as-of date
    (:func:`stakegraph.measures.money_context`; a missing rate raises
    :class:`stakegraph.errors.MissingRate`); the stamp says the currency.

    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {"capital": 5.0}), NodeRecord("a", "party", {"capital": 1.0})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {"amount": 10.0, "recovery_rate": 0.4})])
    >>> r = threshold_cascade_graph(G, ["a"])
    >>> [r.nodes[i] for i in r.defaulted], r.losses
    (['a', 'b'], (0.0, 6.0))
    """
    names = tuple(sorted((n for n, t in G.nodes(data="type") if t in ("party", "project")), key=str))
    index = {n: i for i, n in enumerate(names)}
    start = list(defaulted)
    for s in start:
        if s not in index:
            raise NotFound(f"no party or project {s!r} in the graph; check the id")
    lgd = np.zeros((len(names), len(names)))
    money = money_context(G)  # amounts and capital in the reporting currency
    for u, v, data in G.edges(data=True):
        if u not in index or v not in index or u == v or not is_active(data):
            continue
        if data.get("kind") not in ("lends_to", "invests_in"):
            continue
        amount = money.of(data, "amount")
        if amount is None:
            continue
        if data.get("kind") == "lends_to":
            rr = number(data.get("recovery_rate"))
            lgd[index[u], index[v]] += amount * (1.0 - (recovery_default if rr is None else rr))
        elif data.get("kind") == "invests_in" and include_equity:
            lgd[index[u], index[v]] += amount
    cap = np.array([np.inf if (c := capital_of(G.nodes[n], money)) is None else c for n in names])
    r = threshold_cascade(lgd, cap, [index[s] for s in start], recovery=0.0, nodes=names)
    stamp = Stamp("threshold_cascade", "gai_kapadia2010",
                  {"initial": start, "recovery_default": recovery_default, "include_equity": include_equity,
                   **money_stamp(G)},
                  graph_version(G), REFERENCES)
    return CascadeResult(r.rounds, r.defaulted, r.default_round, r.losses, r.capital, names, stamp)
