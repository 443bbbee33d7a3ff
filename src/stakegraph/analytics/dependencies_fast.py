"""Central dependencies of a whole book: providers ranked by plain numbers, removal impacts built for the top rows only.

:func:`central_dependencies_fast` returns exactly
:func:`stakegraph.analytics.dependencies.central_dependencies_reference` (same rows, same order, same
floats, same stamp: ``tests/analytics/test_dependencies_fast.py`` checks it on generated portfolios,
the bundled sample and seeded graphs). The reference builds a
:class:`~stakegraph.analytics.dependencies.RemovalImpact` — a dataclass per dependant, names, sorted
tuples — for every provider of the book (58,000 at 100,000 parties) and keeps the first ``top``.
Here:

* the provider index is filled in one pass over the projection's adjacency (the reference goes
  through NetworkX's edge view and a generator per edge; same edges, same order, same sums);
* each provider's ranking key — weighted stranded and weighted cut money — is computed from plain
  tuples with the reference's arithmetic in the reference's order (dependants sorted as the
  reference sorts them, then summed per money class, then the classes summed), so the floats are
  the same bits;
* the :class:`~stakegraph.analytics.dependencies.RemovalImpact` of the ``top`` providers only is
  built, by the reference's own code.

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_nodes_from(["epc", "bank"], type="party"); G.add_node("p", type="project")
>>> _ = G.add_edge("epc", "p", key="1", kind="builds", amount=10.0)
>>> _ = G.add_edge("bank", "p", key="2", kind="lends_to", amount=50.0)
>>> [r.impact.node for r in central_dependencies_fast(G).rows]
['bank', 'epc']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from stakegraph.analytics import dependencies as dep
from stakegraph.analytics.selection import INACTIVE_STATUSES, declared_weight, number
from stakegraph.measures import money_context

__all__ = ["central_dependencies_fast", "provider_index"]


def provider_index(G: nx.MultiDiGraph, kinds: tuple[str, ...]) -> dict[tuple[Any, str], dict[Any, list[Any]]]:
    """(dependant, kind) → provider → [amount in the reporting currency, edge ids] over active edges:
    the reference's ``_provider_index(G, kinds)`` (same keys, same insertion order, same sums), one pass
    over the adjacency.

    >>> G = nx.MultiDiGraph()
    >>> _ = G.add_edge("b", "c", key="l1", kind="lends_to", amount=2.0)
    >>> _ = G.add_edge("b", "c", key="l2", kind="lends_to", amount=3.0, status="repaid")
    >>> provider_index(G, ("lends_to",))
    {('c', 'lends_to'): {'b': [2.0, ['l1']]}}
    """
    if not (G.is_multigraph() and G.is_directed()):
        return dep._provider_index(G, kinds)  # noqa: SLF001 - the reference
    wanted = set(kinds)
    attr_of = {k: declared_weight(k) for k in wanted}
    money = money_context(G)
    of = money.of
    inactive = INACTIVE_STATUSES
    index: dict[tuple[Any, str], dict[Any, list[Any]]] = {}
    for u, nbrs in G._succ.items():  # noqa: SLF001 - G.edges(keys=True, data=True) order, without the views
        for v, keydict in nbrs.items():
            if u == v:
                continue
            for key, data in keydict.items():
                kind = data.get("kind")
                if kind not in wanted:
                    continue
                status = data.get("status")
                if isinstance(status, str) and status.strip().lower() in inactive:
                    continue
                attr = attr_of[kind]
                w = 1.0 if attr is None else of(data, attr)
                provs = index.get((v, kind))
                if provs is None:
                    provs = index[(v, kind)] = {}
                slot = provs.get(u)
                if slot is None:
                    slot = provs[u] = [0.0, []]
                slot[0] += w or 0.0
                slot[1].append(str(key))
    return index


def _weighted(G: nx.MultiDiGraph, node: Any, index: Mapping[tuple[Any, str], Mapping[Any, list[Any]]],
              provided: Iterable[tuple[Any, str]]) -> tuple[float, float]:
    """(weighted stranded, weighted cut) of ``node``: the reference's ``_impact_from_index`` arithmetic
    (dependants in its order, money summed per class then over the classes) without its dataclasses."""
    r = number(G.nodes[node].get("replaceability"))
    factor = 1.0 - (min(1.0, max(0.0, r)) if r is not None else 0.0)
    money_class = dep._MONEY_CLASS  # noqa: SLF001
    rows = []
    for d, kind in provided:
        provs = index[(d, kind)]
        amount = float(provs[node][0])
        sole = len(provs) == 1
        rows.append((not sole, -amount, str(d), kind, amount, money_class.get(kind, "other"), sole))
    rows.sort(key=lambda x: x[:4])
    cut: dict[str, float] = {}
    stranded: dict[str, float] = {}
    for *_, amount, money, sole in rows:
        cut[money] = cut.get(money, 0.0) + amount
        if sole:
            stranded[money] = stranded.get(money, 0.0) + amount
    return factor * sum(stranded.values()), factor * sum(cut.values())


def central_dependencies_fast(
    G: nx.MultiDiGraph,
    *,
    top: int = 20,
    kinds: Iterable[str] = dep.DEPENDENCY_KINDS,
    node_type: str | None = "party",
    cut_points: bool = True,
) -> dep.CentralDependencies:
    """:func:`~stakegraph.analytics.dependencies.central_dependencies_reference`, ranking on plain numbers.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.
    top : int
        Rows returned.
    kinds : iterable of str
        Dependency kinds (each must carry money).
    node_type : str or None
        Providers of this node type only (``None``: any).
    cut_points : bool
        Flag the rows that are articulation points of the structure graph.

    Returns
    -------
    CentralDependencies
        Equal to the reference's (``==``).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("epc", type="party", replaceability=0.5); G.add_nodes_from(["p1", "p2"], type="project")
    >>> _ = G.add_edge("epc", "p1", key="1", kind="builds", amount=100.0)
    >>> _ = G.add_edge("epc", "p2", key="2", kind="builds", amount=60.0)
    >>> central_dependencies_fast(G).rows[0].impact.weighted_stranded
    80.0

    See Also
    --------
    stakegraph.analytics.dependencies.central_dependencies_reference : every provider's full removal impact.

    References
    ----------
    .. [1] stakegraph, ``docs/analytics/structure.md``, "Central dependencies".
    """
    from stakegraph.analytics.structure_fast import structural_graph_fast

    kinds = dep._check_dependency_kinds(kinds)  # noqa: SLF001
    index = provider_index(G, kinds)
    provided: dict[Any, list[tuple[Any, str]]] = {}
    for key, provs in index.items():
        for p in provs:
            provided.setdefault(p, []).append(key)
    cuts = ({p.node: len(p.separated) for p in dep.articulation_points_and_bridges(
        G, structure=structural_graph_fast(G)).points} if cut_points else {})
    stamp = dep._impact_stamp(G, kinds, {"top": top, "node_type": node_type, "cut_points": cut_points})  # noqa: SLF001
    nodes = G._node  # noqa: SLF001
    ranked = []
    for p, keys in provided.items():
        if node_type is None or nodes[p].get("type") == node_type:
            ws, wc = _weighted(G, p, index, keys)
            ranked.append((-ws, -wc, str(p), p, keys))
    ranked.sort(key=lambda x: x[:3])
    rows = tuple(
        dep.DependencyRow(
            dep._impact_from_index(G, p, index, sorted(keys, key=lambda t: (str(t[0]), t[1])), stamp),  # noqa: SLF001
            str(p) in cuts, cuts.get(str(p), 0))
        for *_, p, keys in ranked[:top])
    return dep.CentralDependencies(rows, stamp)
