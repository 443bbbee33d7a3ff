"""Shortest paths between two nodes through chosen relationship kinds only (the explorer's Paths tool).

The projection is reduced to a simple graph whose edges are the relationships of the chosen kinds
(parallel relationships of one pair become one hop that lists every relationship id), directed or
not; the ``k`` shortest simple paths in hops are then Yen's algorithm as networkx implements it
(:func:`networkx.shortest_simple_paths`), cut at ``max_hops``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.errors import NotFound

__all__ = ["KindPath", "KindPaths", "kind_graph", "shortest_paths_by_kind", "REFERENCE"]

REFERENCE = ("Yen (1971), Finding the K Shortest Loopless Paths in a Network, Management Science 17(11):712-716, "
             "doi:10.1287/mnsc.17.11.712 (networkx.shortest_simple_paths)")


@dataclass(frozen=True)
class KindPath:
    """One path: its nodes in order and, per hop, the ids of the relationships joining the two nodes."""

    nodes: tuple[str, ...]
    edges: tuple[tuple[str, ...], ...]

    @property
    def hops(self) -> int:
        return len(self.nodes) - 1


@dataclass(frozen=True)
class KindPaths:
    """The shortest paths from ``source`` to ``target`` (fewest hops first; ties by node ids)."""

    source: str
    target: str
    kinds: tuple[str, ...]
    directed: bool
    max_hops: int
    paths: tuple[KindPath, ...]
    stamp: Stamp


def kind_graph(G: nx.MultiDiGraph, kinds: Iterable[str] | None = None, *, directed: bool = False) -> nx.Graph:
    """A simple graph of ``G``'s relationships of ``kinds`` (all when ``None``); each edge's ``ids``
    lists the relationships it stands for (sorted). Self-loops are dropped.

    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("a", "b", key="l1", kind="lends_to"); G.add_edge("b", "a", key="s1", kind="sponsors")
    'l1'
    's1'
    >>> sorted(kind_graph(G).edges(data="ids"))
    [('a', 'b', ['l1', 's1'])]
    >>> sorted(kind_graph(G, ["lends_to"], directed=True).edges)
    [('a', 'b')]
    """
    chosen = None if kinds is None else set(kinds)
    H: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    for u, v, key, kind in G.edges(keys=True, data="kind"):
        if u == v or (chosen is not None and kind not in chosen):
            continue
        if H.has_edge(u, v):
            H[u][v]["ids"].append(str(key))
        else:
            H.add_edge(u, v, ids=[str(key)])
    for _, _, ids in H.edges(data="ids"):
        ids.sort()
    return H


def shortest_paths_by_kind(G: nx.MultiDiGraph, source: str, target: str, *, kinds: Iterable[str] | None = None,
                           k: int = 5, max_hops: int = 6, directed: bool = False,
                           H: nx.Graph | None = None) -> KindPaths:
    """The ``k`` shortest simple paths from ``source`` to ``target`` of at most ``max_hops`` hops,
    using only relationships of ``kinds`` (following their direction when ``directed``).

    Parameters
    ----------
    G : nx.MultiDiGraph
        The store's projection.
    source, target : str
        Node ids (any node type).
    kinds : iterable of str, optional
        Relationship kinds a path may use; ``None`` = every kind.
    k : int
        Most paths returned.
    max_hops : int
        Longest path returned, in relationships.
    directed : bool
        Follow relationships from source to target only.
    H : nx.Graph, optional
        :func:`kind_graph` of the same ``G``, kinds and direction, built beforehand (a cache).

    Returns
    -------
    KindPaths
        Fewest hops first; an empty ``paths`` when none is within ``max_hops``.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> for key, u, v, kind in [("l1", "bank", "a", "lends_to"), ("s1", "a", "p", "sponsors"),
    ...                         ("l2", "bank", "p", "lends_to"), ("b1", "c", "p", "buys_from")]:
    ...     _ = G.add_edge(u, v, key=key, kind=kind)
    >>> [p.nodes for p in shortest_paths_by_kind(G, "a", "bank").paths]
    [('a', 'bank'), ('a', 'p', 'bank')]
    >>> shortest_paths_by_kind(G, "a", "p", kinds=["lends_to"]).paths[0].edges
    (('l1',), ('l2',))
    >>> shortest_paths_by_kind(G, "a", "bank", directed=True).paths
    ()

    See Also
    --------
    stakegraph.analytics.propagation.k_damaging_paths : paths weighted by how much loss they carry.

    References
    ----------
    .. [1] Yen (1971), Management Science 17(11):712-716.
    """
    for n in (source, target):
        if n not in G:
            raise NotFound(f"no node with id {n[:80]!r}", fix="search for it by name in the explorer")
    kinds_t = None if kinds is None else tuple(sorted(set(kinds)))
    H = kind_graph(G, kinds_t, directed=directed) if H is None else H
    found: list[KindPath] = []
    if source != target and source in H and target in H:
        try:
            for nodes in nx.shortest_simple_paths(H, source, target):
                if len(nodes) - 1 > max_hops or len(found) >= k:
                    break
                edges = tuple(tuple(H[u][v]["ids"]) for u, v in zip(nodes, nodes[1:], strict=False))
                found.append(KindPath(tuple(str(n) for n in nodes), edges))
        except nx.NetworkXNoPath:
            pass
    stamp = Stamp("k_shortest_simple_paths", "yen1971, hops, kinds-filtered",
                  {"source": source, "target": target, "kinds": list(kinds_t) if kinds_t else "all",
                   "directed": directed, "k": k, "max_hops": max_hops}, graph_version(G), REFERENCE)
    return KindPaths(source, target, kinds_t or (), directed, max_hops, tuple(found), stamp)
