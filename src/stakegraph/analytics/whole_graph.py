"""Whole-book analyses of the structure graph: connected components and PageRank.

Both read the party/project structure graph of
:func:`stakegraph.analytics.selection.structural_graph` and have a Spark job giving the same answer
(:mod:`stakegraph.spark.jobs.components`, :mod:`stakegraph.spark.jobs.pagerank`). Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from stakegraph.analytics.kernels import pagerank
from stakegraph.analytics.selection import (
    STRUCTURAL_KINDS,
    STRUCTURAL_TYPES,
    name_of,
    structural_graph,
)
from stakegraph.analytics.stamp import Stamp, graph_version

__all__ = ["Component", "ComponentsResult", "Ranked", "PagerankResult", "components", "pagerank_scores",
           "components_result", "pagerank_result", "COMPONENTS_VARIANT", "PAGERANK_VARIANT"]

#: What the stamp says about the components (the label of a component is its smallest node id).
COMPONENTS_VARIANT = "connected components of the undirected structure graph, labelled by their smallest node id"
#: What the stamp says about PageRank.
PAGERANK_VARIANT = ("power iteration on the structure graph; dangling rank spread uniformly; "
                    "stops when the L1 change < tol")


@dataclass(frozen=True)
class Component:
    """One connected component: its label (smallest member id), that member's name and its size."""

    id: str
    name: str
    size: int


@dataclass(frozen=True)
class ComponentsResult:
    """The connected components of the structure graph.

    ``labels`` maps every structure node to its component's label; ``sizes`` are the sizes, largest
    first; ``largest`` lists the ``top`` largest components (ties by label).
    """

    structure_nodes: int
    structure_ties: int
    components: int
    largest_size: int
    isolated: int
    sizes: tuple[int, ...]
    largest: tuple[Component, ...]
    labels: Mapping[str, str]
    kinds: tuple[str, ...]
    stamp: Stamp


@dataclass(frozen=True)
class Ranked:
    """One node's PageRank."""

    node: str
    name: str
    type: str
    pagerank: float


@dataclass(frozen=True)
class PagerankResult:
    """PageRank of every structure node (``scores``) and the ``top`` ranked (ties by id)."""

    nodes: int
    ties: int
    directed: bool
    weighted: bool
    alpha: float
    tol: float
    top: tuple[Ranked, ...]
    scores: Mapping[str, float]
    kinds: tuple[str, ...]
    stamp: Stamp


def components(G: nx.MultiDiGraph, *, kinds: Iterable[str] = STRUCTURAL_KINDS,
               types: Iterable[str] = STRUCTURAL_TYPES, top: int = 20) -> ComponentsResult:
    """Connected components of the party/project structure graph, each labelled by its smallest node id.

    Variant: weakly connected (edge direction ignored), active edges of ``kinds`` between nodes of
    ``types``; every such node is in a component (an isolated one is its own).

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.
    kinds, types : iterable of str
        Relationship kinds that tie the structure graph and the node types in it.
    top : int
        How many of the largest components to list.

    Returns
    -------
    ComponentsResult

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["a", "b", "c"], type="party")
    >>> _ = G.add_edge("b", "a", kind="lends_to", amount=1.0)
    >>> r = components(G)
    >>> r.components, r.sizes, dict(r.labels)
    (2, (2, 1), {'a': 'a', 'b': 'a', 'c': 'c'})

    See Also
    --------
    stakegraph.analytics.dependencies.structure_summary : the same count with node and kind tallies.
    stakegraph.spark.jobs.components.components_job : the same answer as a Spark job (large-star/small-star).

    References
    ----------
    .. [1] J. Hopcroft and R. Tarjan, "Algorithm 447: efficient algorithms for graph manipulation",
       CACM 16(6), 1973 (graph search, as NetworkX does it).
    """
    kinds, types = tuple(kinds), tuple(types)
    H = structural_graph(G, kinds=kinds, types=types)
    labels: dict[str, str] = {}
    for comp in nx.connected_components(H):
        members = [str(n) for n in comp]
        label = min(members)
        labels.update((m, label) for m in members)
    return components_result(labels, lambda n: _about(G, n), graph_version(G), structure_ties=H.number_of_edges(),
                             kinds=kinds, types=types, top=top)


def _about(G: nx.Graph, node: str) -> tuple[str, str]:
    return name_of(G, node), str(G.nodes[node].get("type", "")) if node in G else ""


About = Callable[[str], tuple[str, str]]


def components_result(labels: Mapping[str, str], about: About, version: str, *, structure_ties: int,
                      kinds: tuple[str, ...], types: tuple[str, ...], top: int,
                      backend: str = "networkx") -> ComponentsResult:
    """The :class:`ComponentsResult` of a node -> label map (shared by the local and the Spark paths);
    ``about(node)`` is the node's ``(name, type)``, asked only for the listed components."""
    size: dict[str, int] = {}
    for label in labels.values():
        size[label] = size.get(label, 0) + 1
    ranked = sorted(size.items(), key=lambda t: (-t[1], t[0]))
    sizes = tuple(s for _, s in ranked)
    return ComponentsResult(
        structure_nodes=len(labels), structure_ties=structure_ties, components=len(size),
        largest_size=sizes[0] if sizes else 0, isolated=sum(1 for s in sizes if s == 1), sizes=sizes,
        largest=tuple(Component(lb, about(lb)[0], s) for lb, s in ranked[:top]),
        labels=dict(sorted(labels.items())), kinds=kinds,
        stamp=Stamp("connected_components", COMPONENTS_VARIANT,
                    {"kinds": list(kinds), "types": list(types), "backend": backend}, version,
                    "Hopcroft & Tarjan (1973)" if backend == "networkx" else
                    "Kiveris et al. (2014), large-star/small-star"),
    )


def pagerank_scores(G: nx.MultiDiGraph, *, kinds: Iterable[str] = STRUCTURAL_KINDS,
                    types: Iterable[str] = STRUCTURAL_TYPES, directed: bool = False, weighted: bool = False,
                    alpha: float = 0.85, tol: float = 1e-10, max_iter: int = 1000, top: int = 20) -> PagerankResult:
    """PageRank of every node of the party/project structure graph.

    Variant: Brin & Page with damping ``alpha`` and a uniform teleport; a node with no out-ties
    (dangling) spreads its rank uniformly; undirected ties count both ways; ``weighted`` uses each
    tie's ``strength`` (the summed declared weights of its edges, 1 for an edge without one); the
    iteration stops when the L1 change of the vector is below ``tol`` (absolute, whatever the size),
    as :func:`stakegraph.analytics.kernels.pagerank` — the variant the ``centrality`` analysis reports.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.
    kinds, types : iterable of str
        Relationship kinds that tie the structure graph and the node types in it.
    directed, weighted : bool
        Follow edge direction; weigh ties by their strength.
    alpha, tol, max_iter : float, float, int
        Damping, L1 stopping tolerance and the most iterations.
    top : int
        How many of the highest ranked to list.

    Returns
    -------
    PagerankResult

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["a", "b", "c"], type="party")
    >>> _ = G.add_edge("b", "a", kind="lends_to", amount=1.0)
    >>> _ = G.add_edge("c", "a", kind="lends_to", amount=1.0)
    >>> r = pagerank_scores(G)
    >>> r.top[0].node, round(sum(r.scores.values()), 12)
    ('a', 1.0)

    See Also
    --------
    stakegraph.analytics.dependencies.centrality : PageRank next to betweenness and k-core.
    stakegraph.spark.jobs.pagerank.pagerank_job : the same iteration as Spark joins.

    References
    ----------
    .. [1] S. Brin and L. Page, "The anatomy of a large-scale hypertextual Web search engine",
       Computer Networks 30:107-117, 1998.
    """
    kinds, types = tuple(kinds), tuple(types)
    H = structural_graph(G, kinds=kinds, types=types, directed=directed)
    scores = pagerank(H, weight="strength" if weighted else None, alpha=alpha, tol=tol, max_iter=max_iter)
    return pagerank_result({str(k): float(v) for k, v in scores.items()}, lambda n: _about(G, n), graph_version(G),
                           ties=H.number_of_edges(),
                           directed=directed, weighted=weighted, alpha=alpha, tol=tol, kinds=kinds, types=types,
                           top=top)


def pagerank_result(scores: Mapping[str, float], about: About, version: str, *, ties: int, directed: bool, weighted: bool,
                    alpha: float, tol: float, kinds: tuple[str, ...], types: tuple[str, ...], top: int,
                    backend: str = "networkx") -> PagerankResult:
    """The :class:`PagerankResult` of a node -> score map (shared by the local and the Spark paths);
    ``about(node)`` is the node's ``(name, type)``, asked only for the listed nodes."""
    ranked = sorted(scores.items(), key=lambda t: (-round(t[1], 12), t[0]))[:top]  # ties (to rounding) by id
    return PagerankResult(
        nodes=len(scores), ties=ties, directed=directed, weighted=weighted, alpha=alpha, tol=tol,
        top=tuple(Ranked(n, *about(n), s) for n, s in ranked),
        scores=dict(sorted(scores.items())), kinds=kinds,
        stamp=Stamp("pagerank", PAGERANK_VARIANT,
                    {"kinds": list(kinds), "types": list(types), "directed": directed, "weighted": weighted,
                     "alpha": alpha, "tol": tol, "backend": backend}, version, "Brin & Page (1998)"),
    )
