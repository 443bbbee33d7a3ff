"""The audit's own passes over the projection, read from the shared edge table.

The dependency audit (:mod:`stakegraph.audit`) needs three things no catalogue analysis gives: the
relationships whose status is ``recalled`` (its first contagion scenarios), the count of edges per
kind (its summary) and the sponsors whose every project has the same provider in one role. Each was
a pass over ``G.edges(keys=True, data=True)`` through NetworkX's views (about 3.5 s together at
100,000 parties). Here they read :func:`stakegraph.analytics.timeline_fast.columns` — the projection's
edges in its own order, built once per projection and shared with the other fast paths — and give
exactly what the passes in :mod:`stakegraph.audit` give (``tests/analytics/test_audit_columns.py``
proves it on the audit's seeded graphs, generated portfolios and the bundled sample). Each returns
``None`` when the table cannot be built (node ids that are not text); the caller then runs its own pass.

>>> G = nx.MultiDiGraph(version="v")
>>> G.add_node("b", type="party"); G.add_node("c", type="party")
>>> _ = G.add_edge("b", "c", key="l", kind="lends_to", status="recalled")
>>> recalled_edges(G), edge_kind_counts(G)
([('b', 'c', 'l', {'kind': 'lends_to', 'status': 'recalled'})], {'lends_to': 1})
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np

from stakegraph.analytics.timeline_fast import Columns, columns
from stakegraph.projection_graph import is_plain_multidigraph

__all__ = ["edge_table", "recalled_edges", "edge_kind_counts", "sole_providers"]


def edge_table(G: nx.MultiDiGraph) -> Columns | None:
    """The shared edge table of ``G`` (:func:`stakegraph.analytics.timeline_fast.columns`), built now if it
    is not yet; ``None`` for another graph class or when the table cannot be built.

    >>> G = nx.MultiDiGraph(version="v")
    >>> G.add_node("a", type="party")
    >>> edge_table(G).nodes, edge_table(nx.DiGraph()) is None
    (['a'], True)
    """
    return columns(G) if is_plain_multidigraph(G) else None


def recalled_edges(G: nx.MultiDiGraph) -> list[tuple[Any, Any, Any, dict[str, Any]]] | None:
    """``[e for e in G.edges(keys=True, data=True) if e[3].get("status") == "recalled"]``, from the table.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.

    Returns
    -------
    list of (u, v, key, data) or None
        In ``G``'s edge order, ``data`` the edge's own dict; ``None`` when the table is not available.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["a", "b"], type="party")
    >>> _ = G.add_edge("a", "b", key="x", kind="lends_to", status="active")
    >>> recalled_edges(G)
    []

    See Also
    --------
    stakegraph.audit.contagion_scenarios : the reference pass and its user.

    References
    ----------
    .. [1] A. Hagberg, D. Schult and P. Swart, "Exploring network structure, dynamics, and function
       using NetworkX", SciPy 2008 — the edge order read here.
    """
    cols = edge_table(G)
    if cols is None:
        return None
    nodes, src, dst, keys, props = cols.nodes, cols.src, cols.dst, cols.raw_keys, cols.props
    coded = cols.coded("status")
    if coded is None:  # a status that is not text: each edge's own value compared
        picked = [i for i, s in enumerate(cols.prop("status")) if s == "recalled"]
    else:  # statuses coded once with the table: only the recalled edges are opened
        codes, values = coded
        picked = np.flatnonzero(np.isin(codes, [c for c, v in enumerate(values) if v == "recalled"])).tolist()
    return [(nodes[src[i]], nodes[dst[i]], keys[i], props[i]) for i in picked]


def edge_kind_counts(G: nx.MultiDiGraph) -> dict[str, int] | None:
    """``Counter(str(kind) of every edge)`` as a dict sorted by kind, from the table's kind codes.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.

    Returns
    -------
    dict or None
        ``{str(kind): edges}`` sorted by kind (an absent kind counts as ``"None"``); ``None`` when the
        table is not available.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["a", "b"], type="party")
    >>> _ = G.add_edge("a", "b", kind="lends_to"); _ = G.add_edge("b", "a")
    >>> edge_kind_counts(G)
    {'None': 1, 'lends_to': 1}

    See Also
    --------
    stakegraph.audit.build_audit : the summary's counts.

    References
    ----------
    .. [1] NumPy ``bincount``: one count per code, https://numpy.org/doc/stable/reference/generated/numpy.bincount.html
    """
    cols = edge_table(G)
    if cols is None:
        return None
    out: Counter[str] = Counter()
    for code, n in enumerate(np.bincount(cols.kind, minlength=len(cols.kinds)).tolist()):
        if n:
            out[str(cols.kinds[code])] += n
    return dict(sorted(out.items()))


def sole_providers(G: nx.MultiDiGraph, kinds: Iterable[str], *, min_projects: int = 2
                   ) -> list[tuple[str, str, str, tuple[str, ...]]] | None:
    """(sponsor, provider, kind, projects) for each sponsor whose every project has ``provider`` in ``kind``.

    The rule of :func:`stakegraph.audit.shared_providers` (whatever the relationships' status): a
    sponsor is a ``party`` with a ``sponsors`` edge to each of its ``min_projects`` or more ``project``
    nodes; a provider of a project in a kind is the source of an edge of that kind into it; a row for
    each provider common to all the sponsor's projects. Only the edges of those kinds are read.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.
    kinds : iterable of str
        The provider roles checked (relationship kinds into a project).
    min_projects : int
        Fewest projects a sponsor must have.

    Returns
    -------
    list of (sponsor, provider, kind, projects) or None
        Unordered (the caller sorts); ``projects`` sorted; ``None`` when the table is not available.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("s", type="party"); G.add_node("e", type="party")
    >>> G.add_nodes_from(["p1", "p2"], type="project")
    >>> for p in ("p1", "p2"):
    ...     _ = G.add_edge("s", p, kind="sponsors"); _ = G.add_edge("e", p, kind="builds")
    >>> sole_providers(G, ["builds", "operates"])
    [('s', 'e', 'builds', ('p1', 'p2'))]

    See Also
    --------
    stakegraph.audit.shared_providers : the reference and its ranking.

    References
    ----------
    .. [1] E. R. Yescombe, *Principles of Project Finance*, 2nd ed., Academic Press, 2014, ch. 8 —
       the project contracts (EPC, O&M, offtake, insurance) whose counterparty risk this finds.
    """
    cols = edge_table(G)
    if cols is None:
        return None
    roles = list(dict.fromkeys(kinds))
    node_data = G._node  # noqa: SLF001 - read only
    nodes = cols.nodes
    types = [node_data[n].get("type") for n in nodes]
    party = np.array([t == "party" for t in types] or [False], dtype=bool)[: len(types)]
    project = np.array([t == "project" for t in types] or [False], dtype=bool)[: len(types)]
    src, dst = cols.src, cols.dst
    into_project = project[dst] if len(dst) else np.zeros(0, dtype=bool)
    sponsored: dict[int, set[int]] = {}
    none = np.zeros(0, dtype=np.int64)
    pick = np.flatnonzero(cols.kind_mask(["sponsors"]) & party[src] & into_project) if len(dst) else none
    for s, p in zip(src[pick].tolist(), dst[pick].tolist(), strict=True):
        sponsored.setdefault(s, set()).add(p)
    providers: dict[tuple[int, str], set[int]] = {}
    for role in roles:
        pick = np.flatnonzero(cols.kind_mask([role]) & into_project) if len(dst) else none
        for s, p in zip(src[pick].tolist(), dst[pick].tolist(), strict=True):
            providers.setdefault((p, role), set()).add(s)
    out: list[tuple[str, str, str, tuple[str, ...]]] = []
    for sponsor, projects in sponsored.items():
        if len(projects) < min_projects:
            continue
        named = tuple(sorted(nodes[p] for p in projects))
        for role in roles:
            sets = [providers.get((p, role)) for p in projects]
            if all(sets):
                common = set.intersection(*sets)  # type: ignore[arg-type]
                out.extend((nodes[sponsor], nodes[prov], role, named) for prov in common)
    return out
