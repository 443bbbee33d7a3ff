"""Co-financing: lenders linked by the projects they finance together (syndicate analysis).

Variant: the weighted one-mode projection of the lender–project bipartite
graph (Newman 2001; ``networkx.bipartite.weighted_projected_graph`` gives the
same ``count``). For a pair of lenders ``a, b`` and their shared projects
``P``:

* ``count`` = |P|, the number of projects both finance;
* ``amount`` = Σ_{p∈P} (amount_a(p) + amount_b(p)) — the money the two put
  into their shared projects together (the syndicate volume they share);
* ``amount_overlap`` = Σ_{p∈P} min(amount_a(p), amount_b(p)) — the part
  matched on both sides (a pair with one large and one token ticket scores low).

A lender's amount in a project is the sum of its active edges of ``kinds`` into
it; edges without an amount count 0 (the project still counts). Amounts are
converted to the reporting currency at the FX rates of the graph's as-of date before they are
summed (:func:`stakegraph.measures.money_context`; a missing rate raises
:class:`stakegraph.errors.MissingRate`, never 1:1); the stamp says the currency.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import networkx as nx

from stakegraph.analytics.selection import check_kinds, iter_kind_edges, name_of
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.errors import ValidationError
from stakegraph.measures import money_context, money_stamp

REFERENCE = (
    "M. E. J. Newman (2001), 'Scientific collaboration networks. II', Phys. Rev. E 64:016132 "
    "(weighted one-mode projection); networkx.bipartite.weighted_projected_graph"
)


@dataclass(frozen=True)
class CofinancingPair:
    """Two lenders (``a`` < ``b`` by id) and the projects they finance together."""

    a: str
    b: str
    name_a: str
    name_b: str
    count: int
    amount: float
    amount_overlap: float
    projects: tuple[str, ...]


@dataclass(frozen=True)
class CofinancingResult:
    """Pairs sorted by count, then amount (both descending), then ids."""

    pairs: tuple[CofinancingPair, ...]
    lenders: int
    projects: int
    stamp: Stamp


def cofinancing(
    G: nx.MultiDiGraph,
    *,
    kinds: Iterable[str] = ("lends_to",),
    min_shared: int = 1,
    target_types: Iterable[str] = ("project",),
    top: int | None = None,
) -> CofinancingResult:
    """Lender pairs with the count and amount of the projects they finance together.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The projection.
    kinds : iterable of str
        Financing kinds (``lends_to`` by default; add ``invests_in``, ``guarantees`` …).
    min_shared : int
        Keep pairs sharing at least this many projects.
    target_types : iterable of str
        Node types counted as "projects" (add ``"party"`` for corporate borrowers).
    top : int, optional
        Keep only the first ``top`` pairs.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["b1", "b2"], type="party"); G.add_nodes_from(["p", "q"], type="project")
    >>> for b, p, a in [("b1", "p", 10), ("b2", "p", 30), ("b1", "q", 5), ("b2", "q", 5)]:
    ...     _ = G.add_edge(b, p, key=b + p, kind="lends_to", amount=a)
    >>> pr = cofinancing(G).pairs[0]
    >>> pr.a, pr.b, pr.count, pr.amount, pr.amount_overlap
    ('b1', 'b2', 2, 50.0, 15.0)

    References
    ----------
    .. [1] M. E. J. Newman, "Scientific collaboration networks. II. Shortest
       paths, weighted networks, and centrality", Phys. Rev. E 64, 016132, 2001.
    """
    kinds = check_kinds(kinds)
    if min_shared < 1:
        raise ValidationError(f"min_shared must be >= 1, not {min_shared}", field="min_shared",
                              value=min_shared, fix="use 1 to keep every pair")
    types = set(target_types)
    stake: dict[Any, dict[Any, float]] = defaultdict(lambda: defaultdict(float))  # project -> lender -> amount
    lenders: set[Any] = set()
    money = money_context(G)  # amounts in the reporting currency
    for u, v, _key, data in iter_kind_edges(G, kinds):
        if u == v or G.nodes[v].get("type") not in types:
            continue
        stake[v][u] += money.of(data, "amount") or 0.0
        lenders.add(u)
    acc: dict[tuple[Any, Any], list[Any]] = {}
    for p, by_lender in stake.items():
        for a, b in combinations(sorted(by_lender, key=str), 2):
            slot = acc.setdefault((a, b), [0, 0.0, 0.0, []])
            xa, xb = by_lender[a], by_lender[b]
            slot[0] += 1
            slot[1] += xa + xb
            slot[2] += min(xa, xb)
            slot[3].append(str(p))
    pairs = [
        CofinancingPair(str(a), str(b), name_of(G, a), name_of(G, b), n, amt, ov, tuple(sorted(ps)))
        for (a, b), (n, amt, ov, ps) in acc.items() if n >= min_shared
    ]
    pairs.sort(key=lambda x: (-x.count, -x.amount, x.a, x.b))
    stamp = Stamp("cofinancing",
                  "weighted bipartite projection: count of shared projects, amount = sum of both, overlap = sum of min",
                  {"kinds": list(kinds), "min_shared": min_shared, "target_types": sorted(types), "top": top,
                   **money_stamp(G)}, graph_version(G), REFERENCE)
    return CofinancingResult(tuple(pairs[:top] if top else pairs), len(lenders), len(stake), stamp)


def cofinancing_graph(result: CofinancingResult) -> nx.Graph:
    """The co-financing network for views: lenders as nodes, ``weight`` = count, plus amounts.

    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["b1", "b2"], type="party"); G.add_node("p", type="project")
    >>> _ = G.add_edge("b1", "p", key="1", kind="lends_to", amount=1)
    >>> _ = G.add_edge("b2", "p", key="2", kind="lends_to", amount=2)
    >>> H = cofinancing_graph(cofinancing(G))
    >>> dict(H["b1"]["b2"]) == {"weight": 1, "amount": 3.0, "amount_overlap": 1.0, "projects": ["p"]}
    True
    """
    H = nx.Graph()
    H.graph.update(version=result.stamp.graph_version, stamp=result.stamp)
    for p in result.pairs:
        H.add_node(p.a, name=p.name_a)
        H.add_node(p.b, name=p.name_b)
        H.add_edge(p.a, p.b, weight=p.count, amount=p.amount, amount_overlap=p.amount_overlap,
                   projects=list(p.projects))
    return H


@dataclass(frozen=True)
class CofinancingCentralityRow:
    """One lender's place in the co-financing network."""

    lender: str
    name: str
    partners: int
    shared_projects: int
    amount_overlap: float
    betweenness: float


@dataclass(frozen=True)
class CofinancingCentrality:
    """Lenders ranked by how central they are among co-financiers (betweenness, then partners)."""

    rows: tuple[CofinancingCentralityRow, ...]
    lenders: int
    pairs: int
    stamp: Stamp


def centrality_rows(H: nx.Graph) -> list[CofinancingCentralityRow]:
    """Each lender of the co-financing graph ``H`` (:func:`cofinancing_graph`) with its partners, shared
    projects, amount overlap and exact normalised betweenness (Brandes 2001), most central first."""
    bc = nx.betweenness_centrality(H, normalized=True) if H.number_of_nodes() else {}
    rows = [
        CofinancingCentralityRow(
            str(n), str(H.nodes[n].get("name") or n), H.degree(n), int(H.degree(n, weight="weight")),
            float(sum(d.get("amount_overlap", 0.0) for _, _, d in H.edges(n, data=True))), float(bc.get(n, 0.0)))
        for n in H.nodes
    ]
    rows.sort(key=lambda r: (-r.betweenness, -r.partners, -r.shared_projects, r.lender))
    return rows


def cofinancing_centrality(
    G: nx.MultiDiGraph,
    *,
    kinds: Iterable[str] = ("lends_to",),
    min_shared: int = 1,
    top: int | None = None,
) -> CofinancingCentrality:
    """Centrality of lenders in the co-financing network (who sits between syndicates).

    Variant: exact unweighted betweenness (Brandes 2001, normalised, NetworkX) of the lender
    graph from :func:`cofinancing_graph` (two lenders tied when they finance a project together),
    with each lender's number of partners (degree), shared projects (weighted degree) and
    overlap amount.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["p1", "p2"], type="project")
    >>> for i, (b, p) in enumerate((("a", "p1"), ("hub", "p1"), ("hub", "p2"), ("c", "p2"))):
    ...     _ = G.add_edge(b, p, key=str(i), kind="lends_to", amount=1.0)
    >>> r = cofinancing_centrality(G)
    >>> [(x.lender, x.partners, x.betweenness) for x in r.rows]
    [('hub', 2, 1.0), ('a', 1, 0.0), ('c', 1, 0.0)]

    See Also
    --------
    cofinancing : the pairs themselves.

    References
    ----------
    .. [1] Brandes, U. (2001). A faster algorithm for betweenness centrality. J. Math. Sociol. 25(2).
    """
    base = cofinancing(G, kinds=kinds, min_shared=min_shared)
    H = cofinancing_graph(base)
    rows = centrality_rows(H)
    stamp = Stamp("cofinancing_centrality", "exact normalised betweenness (Brandes 2001) of the co-financing graph",
                  {"kinds": list(base.stamp.parameters.get("kinds", [])), "min_shared": min_shared, "top": top,
                   **money_stamp(G)},
                  graph_version(G), "Brandes (2001); " + REFERENCE)
    return CofinancingCentrality(tuple(rows[:top] if top else rows), H.number_of_nodes(), H.number_of_edges(), stamp)
