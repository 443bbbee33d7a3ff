"""Groups of connected counterparties (Basel LEX10) and large exposures (LEX20/LEX30).

Control
-------
Control is decided **link by link** (Basel LEX10.12: "> 50% of the voting
rights", and control is transitive): ``X`` controls ``Y`` when

1. ``X -owns-> Y`` with ``share_pct > control_threshold`` (50 by default; exactly
   50 is *not* control), or
2. ``X -controls-> Y`` (board majority, significant influence), or
3. **aggregated holdings**: ``X`` and the entities ``X`` already controls
   together hold more than ``control_threshold`` percent of ``Y`` (e.g. ``X``
   holds 30% of ``Y`` directly and controls ``B`` which holds another 30%).

Rules 1–3 are closed transitively: a chain of > 50% links is control however
long it is, even though the *effective* (multiplied) economic interest along
the chain, e.g. 60% × 60% × 60% = 21.6%, is far below 50%. The multiplied
share is reported as information only (``GroupLink.value`` is always the direct
share of the link).

Economic interdependence
------------------------
(LEX10.18–10.19, simplified to what the graph records; ``≥ threshold`` so that
exactly 50% *is* interdependence):

* **receipts** — a seller receives ``≥ interdependence_threshold`` percent of its
  gross receipts from one payer: ``buys_from`` customer→seller and ``offtakes``
  offtaker→project (the seller's receipts are the edge's ``annual_revenue``),
  ``supplies`` supplier→buyer (the supplier's receipts). The share is the edge's
  ``revenue_share_pct`` when given, else receipts ÷ the seller's
  ``annual_revenue`` property; for a project (which declares no revenue), receipts
  ÷ the sum of its receipt edges. A party with neither figure is not tested (a
  partial list of its customers would overstate every share).
* **guarantee** — a guarantee covering ``≥ interdependence_threshold`` percent of
  the obligor's debt: the edge's ``guaranteed_share_of_debt``, else the
  guarantee ``amount`` ÷ the sum of active ``lends_to`` amounts into the obligor.

A group is a connected component (of two or more party/project nodes) of the
control-plus-interdependence graph. Inactive edges (``status`` ended,
terminated …; see :data:`stakegraph.analytics.selection.INACTIVE_STATUSES`) are ignored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from stakegraph.analytics.selection import (
    INACTIVE_STATUSES,
    STRUCTURAL_TYPES,
    check_kinds,
    is_active,
    iter_kind_edges,
    name_of,
    number,
    require_node,
)
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.domain import CONTROL_KINDS
from stakegraph.errors import ValidationError
from stakegraph.measures import money_context

LEX10 = (
    "Basel Committee on Banking Supervision, Large exposures framework, "
    "LEX10.9-10.20 (connected counterparties), version effective 2019-01-01"
)
LEX_LIMITS = "Basel LEX20.1 (25% of Tier 1), LEX20.2 (15% G-SIB to G-SIB), LEX20.1/LEX10.1 (report >= 10%), LEX30 (measurement)"

#: Kinds counted as exposure by :func:`large_exposures` by default.
EXPOSURE_KINDS: tuple[str, ...] = ("lends_to", "invests_in", "guarantees")
_RECEIPT_KINDS: dict[str, bool] = {"buys_from": True, "offtakes": True, "supplies": False}
"""kind -> True when the *target* is the seller (receives the money), False when the source is."""
_CONTROL_KINDS: tuple[str, ...] = CONTROL_KINDS  # declared once, by the domain
_DEPENDENCE_KINDS: tuple[str, ...] = (*_RECEIPT_KINDS, "lends_to", "guarantees")


@dataclass(frozen=True)
class GroupLink:
    """One reason two nodes are in the same group.

    ``reason`` is ``"control"`` or ``"interdependence"``; ``basis`` is ``owns``,
    ``controls``, ``aggregate_ownership``, ``receipts`` or ``guarantee``;
    ``value`` is the percentage that met the test (``None`` for ``controls``).
    ``source`` controls / pays / guarantees ``target``.
    """

    source: str
    target: str
    reason: str
    basis: str
    value: float | None
    edges: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class GroupMember:
    """A member with the links that put it in the group."""

    id: str
    name: str
    links: tuple[GroupLink, ...]


@dataclass(frozen=True)
class ConnectedGroup:
    """A group of connected counterparties; ``parents`` are members no other member controls."""

    id: str
    name: str
    members: tuple[GroupMember, ...]
    parents: tuple[str, ...]
    links: tuple[GroupLink, ...]

    @property
    def member_ids(self) -> tuple[str, ...]:
        return tuple(m.id for m in self.members)


@dataclass(frozen=True)
class ConnectedGroupsResult:
    """Every group of two or more members, largest first, and ``group_of`` (member → group id)."""

    groups: tuple[ConnectedGroup, ...]
    group_of: Mapping[str, str]
    stamp: Stamp

    def group(self, group_id: str) -> ConnectedGroup | None:
        return next((g for g in self.groups if g.id == group_id), None)


def _check_threshold(name: str, value: float) -> float:
    if not 0 <= value <= 100:
        raise ValidationError(f"{name} must be a percentage 0-100, not {value}", field=name, value=value,
                              fix="pass e.g. 50 for fifty percent")
    return float(value)


def control_links(G: nx.MultiDiGraph, *, control_threshold: float = 50.0,
                  edges: Iterable[tuple[Any, Any, str, Mapping[str, Any]]] | None = None) -> list[GroupLink]:
    """Every ``X controls Y`` link (rules 1–3 of the module docstring), direct links only.

    Transitivity is left to the caller (a chain of links is a path). The
    aggregated-holdings rule uses transitive control, so it iterates to a fixed
    point. ``edges``: the ``owns``/``controls`` edges already read, as
    ``iter_kind_edges(G, ("owns", "controls"))`` yields them (:func:`connected_groups` reads the
    edges of both link functions in one pass).

    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["x", "b", "y"], type="party")
    >>> _ = G.add_edge("x", "b", key="e1", kind="owns", share_pct=60)
    >>> _ = G.add_edge("x", "y", key="e2", kind="owns", share_pct=30)
    >>> _ = G.add_edge("b", "y", key="e3", kind="owns", share_pct=30)
    >>> [(l.source, l.target, l.basis, l.value) for l in control_links(G)]
    [('x', 'b', 'owns', 60.0), ('x', 'y', 'aggregate_ownership', 60.0)]
    """
    _check_threshold("control_threshold", control_threshold)
    types = set(STRUCTURAL_TYPES)
    holdings: dict[Any, dict[Any, tuple[float, list[str]]]] = defaultdict(dict)  # owned -> owner -> (pct, edges)
    links: dict[tuple[Any, Any], GroupLink] = {}
    nodes = G._node  # noqa: SLF001 - G.nodes[x], without the view
    for u, v, key, data in (iter_kind_edges(G, _CONTROL_KINDS) if edges is None else edges):
        if u == v or nodes[u].get("type") not in types or nodes[v].get("type") not in types:
            continue
        if data.get("kind") == "controls":
            links.setdefault((u, v), GroupLink(str(u), str(v), "control", "controls", None, (key,), "controls edge"))
            continue
        pct = number(data.get("share_pct"))
        if pct is None:
            continue
        old_pct, old_edges = holdings[v].get(u, (0.0, []))
        holdings[v][u] = (old_pct + pct, old_edges + [key])
    for v, owners in holdings.items():
        for u, (pct, keys) in owners.items():
            if pct > control_threshold and (u, v) not in links:
                links[(u, v)] = GroupLink(str(u), str(v), "control", "owns", pct, tuple(sorted(keys)),
                                          f"owns {pct:g}% > {control_threshold:g}%")
    # aggregated holdings through controlled entities, to a fixed point
    changed = True
    while changed:
        changed = False
        ctl = nx.DiGraph()
        ctl.add_edges_from(links)
        controlled = {t for (_s, t) in links}
        for v, owners in holdings.items():
            # a node already controlled (> threshold or ``controls``) cannot be controlled by an
            # aggregate of holders outside its controller's chain: they hold < 100 - threshold.
            if v in controlled or len(owners) < 2:
                continue
            votes: dict[Any, float] = defaultdict(float)
            via: dict[Any, list[Any]] = defaultdict(list)
            for o, (pct, _keys) in owners.items():
                holders = {o} | (nx.ancestors(ctl, o) if o in ctl else set())
                for x in holders:
                    votes[x] += pct
                    via[x].append(o)
            passing = {
                x for x, total in votes.items()
                if x != v and total > control_threshold and (x, v) not in links
                and not any((o, v) in links for o in via[x])  # already controlled through a holder
            }
            for x in sorted(passing, key=str):
                # the controllers of a passing candidate pass too; record only the lowest one,
                # transitivity gives the rest
                if x in ctl and any(z in passing for z in nx.descendants(ctl, x)):
                    continue
                total = votes[x]
                agg_keys = tuple(sorted(k for o in via[x] for k in owners[o][1]))
                parts = ", ".join(f"{o} {owners[o][0]:g}%" for o in sorted(via[x], key=str))
                links[(x, v)] = GroupLink(str(x), str(v), "control", "aggregate_ownership", total, agg_keys,
                                          f"holds {total:g}% > {control_threshold:g}% together with "
                                          f"entities it controls ({parts})")
                changed = True
    return sorted(links.values(), key=lambda link: (link.source, link.target))


def ultimate_owners(G: nx.MultiDiGraph, *, control_threshold: float = 50.0) -> dict[str, str]:
    """Map every controlled node to its ultimate controller (walk up control links to the top).

    When a node has several controllers (possible with ``controls`` edges or
    inconsistent data), the one with the largest share is followed
    (``controls`` counts as 100%), ties broken by id; cycles stop the walk.
    Nodes nobody controls are absent (they are their own ultimate owner).

    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["a", "b", "c"], type="party")
    >>> _ = G.add_edge("a", "b", key="1", kind="owns", share_pct=51)
    >>> _ = G.add_edge("b", "c", key="2", kind="controls")
    >>> ultimate_owners(G)
    {'b': 'a', 'c': 'a'}
    """
    parent: dict[str, tuple[float, str]] = {}
    for link in control_links(G, control_threshold=control_threshold):
        strength = 100.0 if link.value is None else link.value
        best = parent.get(link.target)
        if best is None or (-strength, link.source) < (-best[0], best[1]):
            parent[link.target] = (strength, link.source)
    out: dict[str, str] = {}
    for node in parent:
        seen = {node}
        top = node
        while top in parent and parent[top][1] not in seen:
            top = parent[top][1]
            seen.add(top)
        if top != node:
            out[node] = top
    return dict(sorted(out.items()))


def interdependence_links(G: nx.MultiDiGraph, *, interdependence_threshold: float = 50.0,
                          edges: Iterable[tuple[Any, Any, str, Mapping[str, Any]]] | None = None) -> list[GroupLink]:
    """Receipts and guarantee links at or above the threshold (see the module docstring).

    ``edges``: the receipt, ``lends_to`` and ``guarantees`` edges already read, as
    ``iter_kind_edges`` yields them (see :func:`control_links`).

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("s", type="party", annual_revenue=100.0); G.add_node("c", type="party")
    >>> _ = G.add_edge("c", "s", key="e", kind="buys_from", annual_revenue=50.0)
    >>> [(l.source, l.target, l.basis, l.value) for l in interdependence_links(G)]
    [('c', 's', 'receipts', 50.0)]
    """
    _check_threshold("interdependence_threshold", interdependence_threshold)
    types = set(STRUCTURAL_TYPES)
    receipts: dict[Any, dict[Any, list[Any]]] = defaultdict(lambda: defaultdict(lambda: [0.0, [], None]))
    debt: dict[Any, float] = defaultdict(float)
    guarantees: list[tuple[Any, Any, str, Mapping[str, Any]]] = []
    money = money_context(G)  # amounts and revenues in the reporting currency
    nodes = G._node  # noqa: SLF001 - G.nodes[x], without the view
    for u, v, key, data in (iter_kind_edges(G, _DEPENDENCE_KINDS) if edges is None else edges):
        if u == v or nodes[u].get("type") not in types or nodes[v].get("type") not in types:
            continue
        kind = data["kind"]
        if kind == "lends_to":
            debt[v] += money.of(data, "amount") or 0.0
        elif kind == "guarantees":
            guarantees.append((u, v, key, data))
        else:
            seller, payer = (v, u) if _RECEIPT_KINDS[kind] else (u, v)
            rec = receipts[seller][payer]
            rec[0] += money.of(data, "annual_revenue") or 0.0
            rec[1].append(key)
            stated = number(data.get("revenue_share_pct"))
            if stated is not None:
                rec[2] = (rec[2] or 0.0) + stated
    links: list[GroupLink] = []
    for seller, payers in receipts.items():
        total = money.of(G.nodes[seller], "annual_revenue")
        basis_total = "annual_revenue"
        if not total and G.nodes[seller].get("type") == "project":
            # projects declare no revenue: their receipts are their offtake / sales edges
            total, basis_total = sum(r[0] for r in payers.values()), "sum of the project's receipt edges"
        for payer, (amount, keys, stated) in payers.items():
            if stated is not None:
                pct, how = stated, "revenue_share_pct"
            elif total:
                pct, how = 100.0 * amount / total, f"{amount:g} / {total:g} ({basis_total})"
            else:
                continue
            if pct >= interdependence_threshold:
                links.append(GroupLink(str(payer), str(seller), "interdependence", "receipts", pct,
                                       tuple(sorted(keys)),
                                       f"{pct:.4g}% of the seller's receipts from this payer ({how})"))
    for u, v, key, data in guarantees:
        pct = number(data.get("guaranteed_share_of_debt"))
        how = "guaranteed_share_of_debt"
        if pct is None:
            amount = money.of(data, "amount")
            if amount is None or not debt.get(v):
                continue
            pct, how = 100.0 * amount / debt[v], f"{amount:g} / {debt[v]:g} lent to the obligor"
        if pct >= interdependence_threshold:
            links.append(GroupLink(str(u), str(v), "interdependence", "guarantee", pct, (key,),
                                   f"guarantees {pct:.4g}% of the obligor's debt ({how})"))
    return sorted(links, key=lambda link: (link.source, link.target, link.basis))


def connected_groups(
    G: nx.MultiDiGraph,
    *,
    control_threshold: float = 50.0,
    interdependence_threshold: float = 50.0,
) -> ConnectedGroupsResult:
    """Groups of connected counterparties: components of control plus economic interdependence.

    Variant: link-by-link transitive control (> ``control_threshold`` percent,
    ``controls`` edges, aggregated holdings of controlled entities) plus
    receipts / guarantee interdependence (≥ ``interdependence_threshold``); see
    the module docstring for every rule.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The projection (``store.project()``).
    control_threshold : float
        Ownership percentage above which a holder controls (strictly greater).
    interdependence_threshold : float
        Receipts / guaranteed-debt percentage at or above which two nodes are
        economically interdependent.

    Returns
    -------
    ConnectedGroupsResult
        Groups (largest first, then by id), each member with its links. Read from the shared edge
        table with NumPy group-bys (:func:`stakegraph.analytics.groups_fast.connected_groups_columns`);
        a graph the table cannot read takes one pass over the adjacency for the edges of both link
        functions. Both are equal to :func:`connected_groups_reference`.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["h", "s1", "s2", "z"], type="party")
    >>> _ = G.add_edge("h", "s1", key="a", kind="owns", share_pct=60)
    >>> _ = G.add_edge("s1", "s2", key="b", kind="owns", share_pct=60)
    >>> _ = G.add_edge("h", "z", key="c", kind="owns", share_pct=50)
    >>> r = connected_groups(G)
    >>> [g.member_ids for g in r.groups], r.groups[0].parents
    ([('h', 's1', 's2')], ('h',))

    References
    ----------
    .. [1] Basel Committee on Banking Supervision, *Large exposures framework*,
       LEX10.9–10.20 (connected counterparties), BIS, 2019.
    """
    from stakegraph.analytics.groups_fast import connected_groups_columns

    fast = connected_groups_columns(G, control_threshold=control_threshold,
                                    interdependence_threshold=interdependence_threshold)
    if fast is not None:
        return fast
    control, dependence = _link_edges(G)
    links = (control_links(G, control_threshold=control_threshold, edges=control)
             + interdependence_links(G, interdependence_threshold=interdependence_threshold, edges=dependence))
    return _groups_of_links(G, links, control_threshold, interdependence_threshold)


def connected_groups_reference(
    G: nx.MultiDiGraph,
    *,
    control_threshold: float = 50.0,
    interdependence_threshold: float = 50.0,
) -> ConnectedGroupsResult:
    """:func:`connected_groups` with each link function reading the edges itself (two passes through
    NetworkX's edge view): the reference the one-pass read is checked against
    (``tests/analytics/test_groups_fast.py``).

    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["h", "s"], type="party")
    >>> _ = G.add_edge("h", "s", key="a", kind="owns", share_pct=60)
    >>> connected_groups_reference(G) == connected_groups(G)
    True
    """
    links = control_links(G, control_threshold=control_threshold) + interdependence_links(
        G, interdependence_threshold=interdependence_threshold
    )
    return _groups_of_links(G, links, control_threshold, interdependence_threshold)


Edge = tuple[Any, Any, str, Mapping[str, Any]]


def _link_edges(G: nx.MultiDiGraph) -> tuple[list[Edge], list[Edge]]:
    """``list(iter_kind_edges(G, _CONTROL_KINDS))`` and ``list(iter_kind_edges(G, _DEPENDENCE_KINDS))`` in one
    pass over the adjacency (same edges, same order), self-loops and edges between non-structural nodes
    left out (both link functions skip them)."""
    if not (G.is_multigraph() and G.is_directed()) or set(_CONTROL_KINDS) & set(_DEPENDENCE_KINDS):
        return list(iter_kind_edges(G, _CONTROL_KINDS)), list(iter_kind_edges(G, _DEPENDENCE_KINDS))
    types = set(STRUCTURAL_TYPES)
    nodes = G._node  # noqa: SLF001
    control: list[Edge] = []
    dependence: list[Edge] = []
    route = {**dict.fromkeys(_CONTROL_KINDS, control), **dict.fromkeys(_DEPENDENCE_KINDS, dependence)}
    inactive = INACTIVE_STATUSES
    for u, nbrs in G._succ.items():  # noqa: SLF001 - G.edges(keys=True, data=True) order, without the views
        if nodes[u].get("type") not in types:
            continue
        for v, keydict in nbrs.items():
            if u == v or nodes[v].get("type") not in types:
                continue
            for key, data in keydict.items():
                into = route.get(data.get("kind"))
                if into is None:
                    continue
                status = data.get("status")  # is_active, inline
                if isinstance(status, str) and status.strip().lower() in inactive:
                    continue
                into.append((u, v, str(key), data))
    return control, dependence


def _out_edges(G: nx.MultiDiGraph, node: Any) -> list[tuple[Any, Any, Mapping[str, Any]]]:
    """``(target, key, data)`` of ``G.out_edges(node, keys=True, data=True)``, in its order, read from the
    adjacency (the view costs more than the few edges of a lender: it runs once per lender)."""
    if not (G.is_multigraph() and G.is_directed()):
        return [(v, key, data) for _, v, key, data in G.out_edges(node, keys=True, data=True)]
    return [(v, key, data) for v, keydict in G._succ[node].items() for key, data in keydict.items()]  # noqa: SLF001


def _groups_of_links(G: nx.MultiDiGraph, links: list[GroupLink], control_threshold: float,
                     interdependence_threshold: float) -> ConnectedGroupsResult:
    U = nx.Graph()
    for link in links:
        U.add_edge(link.source, link.target)
    return groups_from_components(links, nx.connected_components(U), lambda n: name_of(G, n),
                                  control_threshold=control_threshold,
                                  interdependence_threshold=interdependence_threshold, version=graph_version(G))


def groups_from_components(links: Sequence[GroupLink], components: Iterable[Iterable[str]],
                           name: Callable[[str], str], *, control_threshold: float,
                           interdependence_threshold: float, version: str) -> ConnectedGroupsResult:
    """The groups of :func:`connected_groups` from its links and their connected components, however found
    (NetworkX locally, large-star/small-star on Spark): each group's parents (controlling members no
    one controls), its head and name, its members with their links; largest first, then by id."""
    by_node: dict[str, list[GroupLink]] = defaultdict(list)
    for link in links:
        by_node[link.source].append(link)
        by_node[link.target].append(link)
    controlled = {link.target for link in links if link.reason == "control"}
    comps = [list(c) for c in components]
    comp_index = {n: i for i, comp in enumerate(comps) for n in comp}
    links_of: dict[int, list[GroupLink]] = defaultdict(list)
    for link in links:
        links_of[comp_index[link.source]].append(link)
    groups: list[ConnectedGroup] = []
    for i, comp in enumerate(comps):
        members = sorted(comp, key=str)
        parents = tuple(m for m in members if m not in controlled and any(
            link.source == m and link.reason == "control" for link in by_node[m]))
        head = parents[0] if parents else members[0]
        groups.append(ConnectedGroup(
            id=f"group:{head}",
            name=f"{name(head)} group",
            members=tuple(GroupMember(m, name(m), tuple(by_node[m])) for m in members),
            parents=parents,
            links=tuple(links_of[i]),
        ))
    groups.sort(key=lambda g: (-len(g.members), g.id))
    group_of = {m.id: g.id for g in groups for m in g.members}
    return ConnectedGroupsResult(tuple(groups), group_of,
                                 groups_stamp(control_threshold, interdependence_threshold, version))


def groups_stamp(control_threshold: float, interdependence_threshold: float, version: str) -> Stamp:
    """The stamp of :func:`connected_groups` (every way of computing the groups gives this one)."""
    return Stamp(
        "connected_groups",
        "link-by-link transitive control (> threshold, controls, aggregated holdings) + receipts/guarantee "
        "interdependence (>= threshold); groups = connected components",
        {"control_threshold": control_threshold, "interdependence_threshold": interdependence_threshold},
        version,
        LEX10,
    )


@dataclass(frozen=True)
class Exposure:
    """A lender's exposure to one group of connected counterparties (or one counterparty).

    ``limit_pct`` is 25, or 15 when lender and a member are both G-SIBs;
    ``breach`` means ``pct_tier1 > limit_pct``; ``reportable`` means ≥ 10%.
    """

    group_id: str
    name: str
    members: tuple[str, ...]
    counterparties: tuple[str, ...]
    amount: float
    by_kind: Mapping[str, float]
    edges: tuple[str, ...]
    currencies: tuple[str, ...]
    pct_tier1: float
    reportable: bool
    limit_pct: float
    breach: bool


@dataclass(frozen=True)
class LargeExposuresResult:
    """Reportable exposures (≥ 10% of Tier 1), the 20 largest regardless, and breaches."""

    lender: str
    name: str
    tier1_capital: float
    gsib: bool
    total_exposure: float
    reportable: tuple[Exposure, ...]
    largest: tuple[Exposure, ...]
    breaches: tuple[str, ...]
    stamp: Stamp


def large_exposures(
    G: nx.MultiDiGraph,
    lender: str,
    *,
    groups: ConnectedGroupsResult | None = None,
    kinds: Iterable[str] = EXPOSURE_KINDS,
    top: int = 20,
) -> LargeExposuresResult:
    """A lender's exposures to groups of connected counterparties against its Tier 1 capital.

    Variant (LEX30 simplified): the exposure value of each active edge of
    ``kinds`` from the lender is its ``amount`` as recorded — loans and equity
    at nominal (accounting) value, guarantees given at their full amount
    (credit-conversion factor 100%); no netting, no credit-risk mitigation
    substitution, no look-through of funds. Every amount and the Tier 1 capital are
    converted to the reporting currency at the rate in force on the as-of date
    (:func:`stakegraph.measures.money_context`); ``currencies`` lists the currencies
    as stated. Edges without an amount are
    skipped. Exposures to members of one group are added up (LEX10); a
    counterparty in no group is its own group (id = its node id).

    The lender's edges are read from a table of the projection's exposure edges built once
    (:func:`stakegraph.analytics.groups_fast.large_exposures_columns`), and only the exposures
    the result lists are built; a graph the table cannot read takes
    :func:`large_exposures_reference`. Both give the same result.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The projection.
    lender : str
        Node id of the bank; it must carry ``tier1_capital`` > 0.
    groups : ConnectedGroupsResult, optional
        Reuse groups computed by :func:`connected_groups` (computed when absent).
    kinds : iterable of str
        Relationship kinds counted as exposure.
    top : int
        How many of the largest exposures to list regardless of size (LEX: 20).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("bank", type="party", tier1_capital=100.0)
    >>> G.add_nodes_from(["h", "s"], type="party")
    >>> _ = G.add_edge("h", "s", key="o", kind="owns", share_pct=80)
    >>> _ = G.add_edge("bank", "h", key="l1", kind="lends_to", amount=15.0)
    >>> _ = G.add_edge("bank", "s", key="l2", kind="lends_to", amount=12.0)
    >>> r = large_exposures(G, "bank")
    >>> [(e.group_id, e.amount, e.pct_tier1, e.breach) for e in r.reportable]
    [('group:h', 27.0, 27.0, True)]

    See Also
    --------
    large_exposures_reference : the per-edge loop this is equal to.
    stakegraph.analytics.groups_fast.large_exposures_columns : the lender's edges read from a table.

    References
    ----------
    .. [1] Basel Committee on Banking Supervision, *Large exposures framework*,
       LEX10 (definitions, connected counterparties), LEX20 (limits: 25% of
       Tier 1, 15% between G-SIBs; reporting at 10%), LEX30 (measurement), 2019.
    """
    from stakegraph.analytics.groups_fast import large_exposures_columns

    require_node(G, lender)
    kinds = check_kinds(kinds)
    fast = large_exposures_columns(G, lender, groups=groups, kinds=kinds, top=top)
    if fast is not None:
        return fast
    return large_exposures_reference(G, lender, groups=groups, kinds=kinds, top=top)


def large_exposures_reference(
    G: nx.MultiDiGraph,
    lender: str,
    *,
    groups: ConnectedGroupsResult | None = None,
    kinds: Iterable[str] = EXPOSURE_KINDS,
    top: int = 20,
) -> LargeExposuresResult:
    """:func:`large_exposures` from the lender's out-edges read one by one, every exposure built: the
    reference the table read is checked against (``tests/analytics/test_groups_fast.py``).

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("bank", type="party", tier1_capital=100.0); G.add_node("c", type="party")
    >>> _ = G.add_edge("bank", "c", key="l", kind="lends_to", amount=30.0)
    >>> large_exposures_reference(G, "bank") == large_exposures(G, "bank")
    True
    """
    require_node(G, lender)
    kinds = check_kinds(kinds)
    money = money_context(G)
    tier1 = money.of(G.nodes[lender], "tier1_capital")
    if not tier1 or tier1 <= 0:
        raise ValidationError(
            f"party {lender!r} has no tier1_capital", field="tier1_capital", value=tier1,
            fix="add a positive tier1_capital to the lender's row in parties.csv and reload",
        )
    if groups is None:
        groups = connected_groups(G)
    lender_gsib = bool(G.nodes[lender].get("gsib"))
    acc: dict[str, dict[str, Any]] = {}
    for v, key, data in _out_edges(G, lender):
        if data.get("kind") not in kinds or not is_active(data):
            continue
        amount = money.of(data, "amount")
        if amount is None:
            continue
        gid = groups.group_of.get(str(v), str(v))
        slot = acc.setdefault(gid, {"amount": 0.0, "by_kind": defaultdict(float), "edges": [],
                                    "cps": set(), "cur": set()})
        slot["amount"] += amount
        slot["by_kind"][data["kind"]] += amount
        slot["edges"].append(key)
        slot["cps"].add(str(v))
        if data.get("currency"):
            slot["cur"].add(str(data["currency"]))
    exposures: list[Exposure] = []
    for gid, slot in acc.items():
        group = groups.group(gid) if gid.startswith("group:") else None
        members = group.member_ids if group else (gid,)
        gsib_pair = lender_gsib and any(bool(G.nodes[m].get("gsib")) for m in members if m in G)
        limit = 15.0 if gsib_pair else 25.0
        pct = 100.0 * slot["amount"] / tier1
        exposures.append(Exposure(
            group_id=gid,
            name=group.name if group else name_of(G, gid),
            members=members,
            counterparties=tuple(sorted(slot["cps"])),
            amount=slot["amount"],
            by_kind=dict(sorted(slot["by_kind"].items())),
            edges=tuple(sorted(slot["edges"])),
            currencies=tuple(sorted(slot["cur"])),
            pct_tier1=pct,
            reportable=pct >= 10.0,
            limit_pct=limit,
            breach=pct > limit,
        ))
    exposures.sort(key=lambda e: (-e.amount, e.group_id))
    stamp = exposures_stamp(G, lender, kinds, top, groups, money.stamp())
    return LargeExposuresResult(
        lender=lender,
        name=name_of(G, lender),
        tier1_capital=tier1,
        gsib=lender_gsib,
        total_exposure=sum(e.amount for e in exposures),
        reportable=tuple(e for e in exposures if e.reportable),
        largest=tuple(exposures[:top]),
        breaches=tuple(e.group_id for e in exposures if e.breach),
        stamp=stamp,
    )


def exposures_stamp(G: nx.MultiDiGraph, lender: str, kinds: tuple[str, ...], top: int,
                    groups: ConnectedGroupsResult, money: Mapping[str, Any]) -> Stamp:
    """The stamp of :func:`large_exposures` (every way of computing the exposures gives this one); ``money``
    is the money context's :meth:`~stakegraph.measures.Money.stamp`."""
    return Stamp(
        "large_exposures",
        "LEX30 simplified: nominal amounts, guarantees at CCF 100%, no CRM/netting; groups per connected_groups",
        {"lender": lender, "kinds": list(kinds), "top": top, "groups_stamp": groups.stamp.parameters,
         **money},
        graph_version(G),
        LEX_LIMITS,
    )
