"""The analyst views: ego network, project, concentration, dependencies, contagion, whole network.

Each function returns a :class:`stakegraph.viz.page.Page` (call ``.render()`` for the
self-contained HTML). Ego and network read the store / projection only; the
analytics views call :mod:`stakegraph.analytics` and show its stamp.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
from markupsafe import Markup

from stakegraph.analytics import concentration as conc
from stakegraph.analytics import dependencies as deps
from stakegraph.analytics import propagation as prop
from stakegraph.analytics.selection import structural_graph
from stakegraph.analytics.structure_fast import StructureGraph
from stakegraph.domain import RELATIONSHIP_KINDS
from stakegraph.measures import edge_size, exposure, money_context, number, parse_shocks
from stakegraph.store.base import GraphStore, to_networkx
from stakegraph.viz.charts import bar_chart
from stakegraph.viz.errors import BadViewRequest, UnknownNode
from stakegraph.viz.network import (
    HIGHLIGHT,
    PLACEHOLDER_COLOUR,
    Builder,
    add_graph_edge,
    add_graph_node,
    currency_of,
    display_name,
    edge_legend,
    fact_line,
    fmt,
    log_value,
    money_note,
    money_text,
    short,
    type_legend,
)
from stakegraph.viz.page import Graph, LegendEntry, Page, graph_html, stamp_html, table

MAX_EGO_NODES = 200
LAYOUT_THRESHOLD = 150
NETWORK_LIMIT = 2000

#: Stakeholder groups of the project view, built from the domain's ``RelKind.role``.
ROLE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Sponsors", ("sponsor",)),
    ("Lenders", ("lender",)),
    ("Investors & owners", ("investor", "owner", "controller")),
    ("EPC / O&M", ("epc", "om")),
    ("Offtakers & customers", ("offtaker", "customer")),
    ("Insurers & guarantors", ("insurer", "guarantor")),
    ("Government", ("government",)),
    ("Partners & suppliers", ("partner", "supplier")),
    ("Contract signatories", ("signatory",)),
    ("Contacts", ("contact",)),
)
BASES: Mapping[str, tuple[tuple[str, ...], str, str]] = {
    "customers": (("buys_from", "offtakes"), "in", "customers (share of sales)"),
    "lenders": (("lends_to",), "in", "lenders (share of borrowing)"),
    "suppliers": (("supplies",), "in", "suppliers (share of purchases)"),
    "investors": (("invests_in",), "in", "investors (share of equity raised)"),
}


def _links(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [("/", "Index"), ("/audit", "Audit"), ("/graphql", "GraphiQL"), *extra]


def _require(G: nx.MultiDiGraph, node: str, types: Iterable[str] | None = None) -> None:
    if node not in G:
        raise UnknownNode(f"no node with id {node!r}; look ids up with `stakegraph` queries or the GraphQL API")
    if types is not None and G.nodes[node].get("type") not in set(types):
        raise UnknownNode(f"{node!r} is a {G.nodes[node].get('type')}, not a {'/'.join(types)}")


def spring_positions(H: nx.Graph, *, scale: float | None = None, seed: int = 7,
                     min_dist: float = 56.0) -> dict[Any, tuple[float, float]]:
    """A deterministic force-directed layout in canvas units, nudged so that no two nodes overlap.

    Variant: Fruchterman–Reingold as implemented by igraph (C; ~0.2 s for
    2,000 nodes, where ``nx.spring_layout`` takes ~20 s) from a seeded random
    start (a ``random.Random(seed)`` given to igraph for the call), scaled to about 90 px per node side; then nodes closer than
    ``min_dist`` are pushed apart pair by pair (``scipy.spatial.cKDTree``),
    so a hub's leaves stay readable.

    >>> pos = spring_positions(nx.path_graph(3))
    >>> sorted(pos) == [0, 1, 2] and pos == spring_positions(nx.path_graph(3))
    True

    References
    ----------
    .. [1] T. M. J. Fruchterman and E. M. Reingold, "Graph drawing by force-directed placement",
       Software: Practice and Experience 21(11):1129-1164, 1991.
    """
    import random

    import igraph as ig
    from scipy.spatial import cKDTree

    if len(H) == 0:
        return {}
    nodes = list(H)
    index = {n: i for i, n in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in H.edges() if u != v], directed=False)
    rng = np.random.default_rng(seed)
    # igraph's default generator is per thread (its C core keeps it in thread-local storage):
    # only the thread that imported igraph draws from Python's `random`, any other (an API worker)
    # from an unseeded C one. So this thread's generator is set for the call, then set back.
    ig.set_random_number_generator(random.Random(seed))
    try:
        layout = g.layout_fruchterman_reingold(niter=500, grid="auto")
    finally:
        ig.set_random_number_generator(random)
    xy = np.array(layout.coords, dtype=np.float64)
    xy -= xy.mean(axis=0)
    span = float(np.abs(xy).max()) or 1.0
    xy *= (scale or max(300.0, 90.0 * math.sqrt(len(nodes)))) / span
    for _ in range(30):
        pairs = cKDTree(xy).query_pairs(min_dist, output_type="ndarray")
        if len(pairs) == 0:
            break
        i, j = pairs[:, 0], pairs[:, 1]
        d = xy[i] - xy[j]
        dist = np.hypot(d[:, 0], d[:, 1])
        tiny = dist < 1e-6
        d[tiny] = rng.normal(0.0, 1.0, (int(tiny.sum()), 2))
        dist[tiny] = np.hypot(d[tiny, 0], d[tiny, 1])
        shift = d * ((min_dist - dist) / (2.0 * dist))[:, None]
        np.add.at(xy, i, shift)
        np.add.at(xy, j, -shift)
    return {n: (float(x), float(y)) for n, (x, y) in zip(nodes, xy, strict=True)}


def _name(G: nx.MultiDiGraph, n: Any) -> str:
    return display_name(G, n)


# ----------------------------------------------------------------------------- ego
MAX_PLACEHOLDERS = 15


def _placeholder(b: Builder, pid: str, here: str, n: int, title: str,
                 positions: Mapping[Any, tuple[float, float]]) -> None:
    opts: dict[str, Any] = {}
    if positions:
        x, y = positions[here]
        opts = {"x": x + 30.0, "y": y + 30.0, "physics": False}
    b.node(pid, f"and {n} more", title=title, color=PLACEHOLDER_COLOUR, shape="box", placeholder=True,
           border="#94a3b8", **opts)
    b.edge(here, pid, title=title, color="#cbd5e1", dashes=True, width=1)

def ego_view(store: GraphStore, node_id: str, *, depth: int = 2, limit: int = MAX_EGO_NODES,
             kinds: Sequence[str] | None = None) -> Page:
    """A party's (or any node's) neighbourhood to ``depth`` 1–3, at most ``limit`` nodes.

    Nodes left out by the cap are summarised by "and N more" placeholders on
    the node they hang from, naming the relationship kinds left out.
    """
    if not 1 <= depth <= 3:
        raise BadViewRequest(f"depth must be 1, 2 or 3, not {depth}")
    if not 1 <= limit <= MAX_EGO_NODES:
        raise BadViewRequest(f"limit must be within 1..{MAX_EGO_NODES}, not {limit}")
    if kinds:
        bad = [k for k in kinds if k not in RELATIONSHIP_KINDS]
        if bad:
            raise BadViewRequest(f"unknown relationship kinds {bad}; use some of {', '.join(RELATIONSHIP_KINDS)}")
    centre = store.get_node(node_id)
    if centre is None:
        raise UnknownNode(f"no node with id {node_id!r}; look ids up with the GraphQL API or `stakegraph` queries")
    sub = store.neighbours(node_id, depth=depth, limit=limit, kinds=kinds)
    G = to_networkx(sub.nodes, sub.edges, version=store.graph_version(), **store.money_facts())
    # hop distance inside what is shown
    dist = {node_id: 0}
    queue = deque([node_id])
    U = G.to_undirected(as_view=True)
    while queue:
        x = queue.popleft()
        for y in U[x]:
            if y not in dist:
                dist[y] = dist[x] + 1
                queue.append(y)
    shown = set(G)
    left: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    if sub.truncated:
        inner = sorted(n for n in shown if dist.get(n, depth) < depth)
        for e in store.edges_of(inner, kinds=kinds):
            for here, there in ((e.source, e.target), (e.target, e.source)):
                if here in shown and there not in shown and dist.get(here, depth) < depth:
                    left[here][e.kind].add(there)
    b = Builder("ego", height=680)
    n_shown = len(shown)
    positions: dict[Any, tuple[float, float]] = {}
    if n_shown > LAYOUT_THRESHOLD:
        positions = spring_positions(G)
    for n in sorted(shown, key=lambda n: (dist.get(n, 9), n)):
        extra = [f"hops from {centre.name}: {dist.get(n, '?')}"]
        opts: dict[str, Any] = {}
        if n == node_id:
            opts.update(border=HIGHLIGHT, border_width=4)
        if positions:
            opts.update(x=positions[n][0], y=positions[n][1], physics=False)
        add_graph_node(b, G, n, extra=extra, **opts)
    for u, v, d in G.edges(data=True):
        add_graph_edge(b, G, u, v, d)
    ranked_left = sorted(left, key=lambda h: (-len(set().union(*left[h].values())), dist.get(h, 0), h))
    own, pooled = ranked_left[:MAX_PLACEHOLDERS], ranked_left[MAX_PLACEHOLDERS:]
    for here in own:
        by_kind = left[here]
        ids = set().union(*by_kind.values())
        detail = ", ".join(f"{len(v)} via {k}" for k, v in sorted(by_kind.items(), key=lambda kv: (-len(kv[1]), kv[0])))
        _placeholder(b, f"more:{here}", here, len(ids), f"{len(ids)} more neighbours of {_name(G, here)} not shown "
                     f"(cap {limit} nodes): {detail}", positions)
    if pooled:
        kinds_pooled: Counter[str] = Counter()
        ids_pooled: set[str] = set()
        for here in pooled:
            for k, v in left[here].items():
                kinds_pooled[k] += len(v)
                ids_pooled |= v
        detail = ", ".join(f"{n} via {k}" for k, n in kinds_pooled.most_common())
        _placeholder(b, "more:elsewhere", node_id, len(ids_pooled),
                     f"{len(ids_pooled)} more neighbours of {len(pooled)} other shown nodes not shown "
                     f"(cap {limit} nodes): {detail}", positions)
    facts = [("centre", centre.name), ("depth", str(depth)), ("nodes shown", str(n_shown)),
             ("left out by the cap", str(sub.truncated))]
    graph = b.graph(physics=not positions,
                    legend=type_legend(G, shown) + edge_legend({d["kind"] for _, _, d in G.edges(data=True)},
                                                               currency_of(G))
                    + [LegendEntry("and N more: nodes left out by the cap", PLACEHOLDER_COLOUR)],
                    facts=facts,
                    notes=["Hover a node or edge for its details. Red border = the centre.", money_note(G)],
                    edge_labels=n_shown <= 40)
    page = Page("ego", f"Ego network of {centre.name}",
                f"{centre.type} · {centre.kind or '-'} · depth {depth} · {n_shown} nodes shown"
                + (f", {sub.truncated} more left out" if sub.truncated else ""),
                links=_links(("/viz/network", "Whole network")),
                meta={"node": node_id, "depth": depth, "truncated": sub.truncated})
    page.graphs.append(graph)
    page.section("Network", graph_html(graph))
    rows = sorted(((_name(G, n), G.nodes[n].get("type"), G.nodes[n].get("kind") or "", dist.get(n, ""), n)
                   for n in shown if n != node_id), key=lambda r: (str(r[3]), str(r[0])))
    page.section("Nodes shown", table(["name", "type", "kind", "hops", "id"], rows[:300]))
    return page


# ----------------------------------------------------------------------------- project
def project_stakeholders(G: nx.MultiDiGraph, project: str) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    """Stakeholders of ``project`` by role group: ``{group: [(party, kind, edge data)]}`` (contracts included)."""
    _require(G, project, ("project",))
    role_to_group = {r: g for g, roles in ROLE_GROUPS for r in roles}
    out: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for u, _, d in G.in_edges(project, data=True):
        kind = str(d.get("kind"))
        rk = RELATIONSHIP_KINDS.get(kind)
        if rk is None or G.nodes[u].get("type") != "party" or rk.role is None:
            continue
        out[role_to_group.get(rk.role, "Partners & suppliers")].append((str(u), kind, dict(d)))
    for c, _, d in G.in_edges(project, data=True):
        if d.get("kind") != "contract_for":
            continue
        for p, _, pd in G.in_edges(c, data=True):
            if pd.get("kind") == "party_to" and G.nodes[p].get("type") == "party":
                out["Contract signatories"].append((str(p), "party_to", {**pd, "contract": str(c)}))
    return out


def project_view(G: nx.MultiDiGraph, project: str) -> Page:
    """Every stakeholder of a project grouped by role, with its contracts and their signatories."""
    groups = project_stakeholders(G, project)
    pdata = G.nodes[project]
    contracts = sorted(str(c) for c, _, d in G.in_edges(project, data=True) if d.get("kind") == "contract_for")
    signals = sorted(str(s) for s, _, d in G.in_edges(project, data=True) if G.nodes[s].get("type") == "signal")
    b = Builder("project", height=720)
    money = money_context(G)  # stakes, widths and tables in the reporting currency
    cur = money.reporting
    b.node(project, short(_name(G, project), 40), title="\n".join([_name(G, project), "project"] + [
        fact_line(k, pdata, money) for k in ("country", "sector", "status", "capacity_mw", "total_cost", "currency")
        if pdata.get(k) not in (None, "")] + [f"id: {project}"]), color="#eab308", shape="diamond", size=34,
        x=0.0, y=0.0, physics=False, border=HIGHLIGHT, border_width=3)
    order = [g for g, _ in ROLE_GROUPS if g in groups and g != "Contract signatories"]
    placed: dict[str, str] = {}
    members_of: dict[str, list[str]] = {}
    for gname in order:
        members_of[gname] = []
        for party, _kind, _d in groups[gname]:
            if party not in placed and party not in members_of[gname]:
                members_of[gname].append(party)
                placed[party] = gname
    # the party's stake in this project: money of its relationships to it (percent-only kinds count as none)
    stake: dict[str, float] = defaultdict(float)
    for gname in order:
        for party, kind, d in groups[gname]:
            if kind not in ("sponsors", "owns"):
                stake[party] += edge_size(d, money=money) or 0.0
    top_stake = max(stake.values(), default=0.0) or 1.0
    weights = [max(2, len(members_of[g])) for g in order]
    ring = 360.0 + 9.0 * max(0, max((len(m) for m in members_of.values()), default=0) - 6)
    a0 = -math.pi / 2
    for gname, w in zip(order, weights, strict=True):
        sector = 2 * math.pi * w / sum(weights)
        members = members_of[gname]
        mid = a0 + sector / 2
        b.node(f"group:{gname}", gname, title=f"{gname}: {len(members)}", color="#ffffff", shape="text",
               x=(ring + 170) * math.cos(mid), y=(ring + 170) * math.sin(mid),
               physics=False, decor=True, font={"size": 18, "color": "#111827", "bold": True})
        for mi, party in enumerate(members):
            a = a0 + sector * (mi + 1) / (len(members) + 1)
            r = ring + (70.0 if mi % 2 else 0.0)
            roles = sorted({k for g in groups.values() for p, k, _ in g if p == party})
            size = 10.0 + 22.0 * math.sqrt(stake[party] / top_stake) if stake.get(party) else 14.0
            add_graph_node(b, G, party, extra=[f"role group: {gname}", f"relationships: {', '.join(roles)}",
                                               f"stake in this project: {money_text(stake.get(party, 0.0), cur)}"],
                           x=r * math.cos(a), y=r * math.sin(a), physics=False, size=size, value=None)
        a0 += sector
    for ci, c in enumerate(contracts):
        a = 2 * math.pi * ci / max(1, len(contracts)) + math.pi / 7
        add_graph_node(b, G, c, x=170.0 * math.cos(a), y=170.0 * math.sin(a), physics=False, value=1.2)
        b.edge(c, project, title=f"{_name(G, c)} —contract_for→ {_name(G, project)}", color="#94a3b8", width=1)
    for si, s in enumerate(signals):
        add_graph_node(b, G, s, x=-420.0 + 45 * si, y=-470.0, physics=False, value=0.8)
        b.edge(s, project, title=f"signal {G.nodes[s].get('kind')} on {_name(G, project)}", color="#dc2626",
               width=1, dashes=True)
    sign_rows: list[tuple[Any, ...]] = []
    for party, _kind, d in groups.get("Contract signatories", []):
        c = d["contract"]
        if party not in b:
            add_graph_node(b, G, party, extra=["contract signatory"], x=520.0, y=-300.0 + 40 * len(sign_rows),
                           physics=False)
            placed.setdefault(party, "Contract signatories")
        add_graph_edge(b, G, party, c, d, label=str(d.get("role") or "party_to"))
        sign_rows.append((_name(G, c), G.nodes[c].get("kind") or "", _name(G, party), d.get("role") or "", c))
    for gname in order:
        for party, _kind, d in groups[gname]:
            add_graph_edge(b, G, party, project, d)
    facts = [("project", _name(G, project)), ("country", str(pdata.get("country") or "-")),
             ("stakeholders", str(len(placed))), ("contracts", str(len(contracts)))]
    graph = b.graph(physics=False, legend=type_legend(G, [project, *placed, *contracts, *signals])
                    + edge_legend(RELATIONSHIP_KINDS, cur), facts=facts,
                    notes=["Stakeholders are grouped by the role their relationship gives them (src/stakegraph/domain.py).",
                           money_note(G)],
                    edge_labels=True)
    page = Page("project", f"Project {_name(G, project)}",
                f"{len(placed)} stakeholders in {len(order)} role groups · {len(contracts)} contracts",
                links=_links(), meta={"node": project})
    page.graphs.append(graph)
    page.section("Stakeholders by role", graph_html(graph))
    rows = []
    for gname in order:
        for party, kind, d in groups[gname]:
            size_prop = RELATIONSHIP_KINDS[kind].weight if kind in RELATIONSHIP_KINDS else None
            stated = number(d.get(size_prop)) if size_prop else None
            rows.append((gname, _name(G, party), G.nodes[party].get("kind") or "", kind,
                         fmt(edge_size(d, money=money)), "" if stated is None else fmt(stated),
                         d.get("currency") or "", d.get("status") or "", party))
    page.section("Stakeholder table", table(["role", "party", "party kind", "relationship", f"amount ({cur})",
                                             "stated", "stated currency", "status", "id"], rows, numeric=(4, 5)),
                 Markup('<p class="muted">{}</p>').format(money_note(G)))
    crow = []
    for c in contracts:
        cd = G.nodes[c]
        terms = [k for k in ("cross_default_threshold", "guarantee_cap", "bet_on_target", "bet_on_buyback",
                             "repayment_adjustment", "covenants") if cd.get(k) not in (None, "", [])]
        crow.append((_name(G, c), cd.get("kind") or "", fmt(money.of(cd, "amount")), fmt(cd.get("amount")),
                     cd.get("currency") or "", cd.get("status") or "", "; ".join(fact_line(t, cd, money) for t in terms),
                     c))
    page.section("Contracts", table(["contract", "type", f"amount ({cur})", "stated", "stated currency", "status",
                                     "risk terms", "id"], crow, numeric=(2, 3)),
                 table(["contract", "type", "signatory", "role", "contract id"], sign_rows))
    return page


# ----------------------------------------------------------------------------- concentration
def concentration_view(G: nx.MultiDiGraph, node: str, *, basis: str | None = "customers", k: int = 5,
                       result: conc.ConcentrationResult | None = None, graph_id: str = "concentration") -> Page:
    """A party and its counterparties sized by share, HHI/CR-k/band legend, bar chart.

    ``result`` is the catalogue's ``concentration`` answer (any kinds and direction); without it the
    view computes the concentration of ``basis`` (customers, lenders, suppliers or investors).
    """
    if result is None and basis not in BASES:
        raise BadViewRequest(f"basis must be one of {', '.join(BASES)}, not {basis!r}",
                             fix="or give kinds=... and direction=in|out")
    _require(G, node)
    if result is None:
        kinds, direction, what = BASES[str(basis)]
        result = conc.concentration(G, node, kinds=kinds, direction=direction, k=k)
    r = result
    what = _what(r)
    graph = concentration_graph(G, r, what, graph_id=graph_id)
    page = Page("concentration", f"Concentration of {r.name}: {what}",
                f"HHI {r.hhi:,.0f} · CR-{r.k} {r.cr_k:.2f}% · {r.n} counterparties · "
                + (r.bands[1].band if r.bands else "no weighted relationships"),
                links=_links(("/viz/ego/" + node, "Ego network")),
                meta={"node": node, "kinds": list(r.kinds), "direction": r.direction})
    page.graphs.append(graph)
    page.section("Counterparties by share", graph_html(graph), stamp_html(r.stamp))
    if r.note:
        page.add(Markup('<p class="muted">{}</p>').format(r.note))
    page.section("Shares", Markup('<div class="chart">{}</div>').format(share_chart(r)))
    page.section("Share table", share_table(r))
    return page


def _what(r: conc.ConcentrationResult) -> str:
    """What the shares are of: the basis's words when the kinds are a basis's, else the kinds."""
    for kinds, direction, what in BASES.values():
        if tuple(r.kinds) == kinds and r.direction == direction:
            return what
    return f"{', '.join(r.kinds)} ({r.direction})"


def _unit(r: Any) -> str:
    """`` USD`` when an answer's stamp says its amounts are in a currency, else nothing (counts, percent)."""
    cur = r.stamp.parameters.get("currency")
    return f" {cur}" if cur else ""


def concentration_graph(G: nx.MultiDiGraph, r: conc.ConcentrationResult, what: str, *,
                        graph_id: str = "concentration") -> Graph:
    b = Builder(graph_id, height=560)
    unit = _unit(r)
    b.node(r.node, short(r.name, 40), title=f"{r.name}\nHHI {r.hhi:,.1f}\nCR-{r.k} {r.cr_k:.2f}%\nid: {r.node}",
           color="#059669", size=30, border=HIGHLIGHT, border_width=3, x=0.0, y=0.0, physics=False)
    n = max(1, len(r.shares))
    for i, s in enumerate(r.shares):
        a = 2 * math.pi * i / n - math.pi / 2
        rad = 260.0 + (70.0 if i % 2 and n > 12 else 0.0)
        major = s.pct >= conc.MAJOR_PCT
        extra = [f"share: {s.pct:.2f}%", f"value: {fmt(s.value)}{unit}"] + (
            ["MAJOR (>= 10%, ASC 280-10-50-42)"] if major else [])
        if s.counterparty in G:
            add_graph_node(b, G, s.counterparty, label=f"{short(s.name)}\n{s.pct:.2f}%", value=max(s.pct, 0.3),
                           extra=extra, x=rad * math.cos(a), y=rad * math.sin(a), physics=False,
                           border=HIGHLIGHT if major else None, border_width=4 if major else 1)
        else:
            b.node(s.counterparty, f"{short(s.name)}\n{s.pct:.2f}%", title="\n".join([s.name, *extra]),
                   color="#a3a3a3", value=max(s.pct, 0.3), x=rad * math.cos(a), y=rad * math.sin(a), physics=False)
        b.edge(s.counterparty, r.node, title=f"{s.name} → {r.name}\nshare {s.pct:.2f}% of {what}\n"
                                             f"value {fmt(s.value)}{unit}\nedges: {', '.join(s.edges)}",
               color=HIGHLIGHT if major else "#16a34a", value=max(s.pct, 0.3),
               label=f"{s.pct:.1f}%")
    if r.unattributed_pct > 0.005:
        b.node("unattributed", f"not in graph\n{r.unattributed_pct:.2f}%", title="share of the total not in the graph",
               color="#e5e7eb", shape="box", decor=True, x=0.0, y=-380.0, physics=False)
    band_2010 = r.bands[0].band if r.bands else "-"
    band_2023 = r.bands[1].band if len(r.bands) > 1 else "-"
    facts = [("HHI", f"{r.hhi:,.0f} (0–10,000)"), (f"CR-{r.k}", f"{r.cr_k:.2f}%"),
             ("effective number", fmt(r.effective_number) if r.effective_number else "-"),
             ("band (DOJ/FTC 2010)", band_2010), ("band (DOJ/FTC 2023)", band_2023),
             ("major (>= 10%)", str(len(r.major_counterparties))), ("counterparties", str(r.n)),
             ("total", f"{fmt(r.total)}{unit}")]
    legend = [LegendEntry("node size = share", "#16a34a"),
              LegendEntry("red border / edge = major counterparty (>= 10%)", HIGHLIGHT)]
    notes = [f"Shares of {what}; relationships of kinds {', '.join(r.kinds)}."]
    if unit:
        notes.append(money_note(G))
    return b.graph(physics=False, legend=legend, facts=facts, edge_labels=len(r.shares) <= 30, notes=notes)


def share_chart(r: conc.ConcentrationResult, *, top: int = 25) -> Markup:
    """Horizontal bar chart of shares (plain SVG, escaped labels)."""
    rows = [(s.name, s.pct, s.pct >= conc.MAJOR_PCT) for s in r.shares[:top]]
    rest = sum(s.pct for s in r.shares[top:])
    if rest > 0:
        rows.append((f"{len(r.shares) - top} others", rest, False))
    if r.unattributed_pct > 0.005:
        rows.append(("not in graph", r.unattributed_pct, False))
    return bar_chart(rows, title=f"Share of {r.name}'s total (%); red = major (>= 10%)", unit="%",
                     marker=conc.MAJOR_PCT)


def share_table(r: conc.ConcentrationResult) -> Markup:
    unit = _unit(r)
    return table(["#", "counterparty", "share %", f"value ({unit.strip()})" if unit else "value", "major", "id"],
                 [(i + 1, s.name, f"{s.pct:.2f}", fmt(s.value), "yes" if s.pct >= conc.MAJOR_PCT else "",
                   s.counterparty) for i, s in enumerate(r.shares)], numeric=(0, 2, 3))


# ----------------------------------------------------------------------------- dependencies
def dependency_view(G: nx.MultiDiGraph, *, top: int = 20, focus: str | None = None, radius: int = 2,
                    full: bool = False) -> Page:
    """Articulation points and bridges of the party/project structure, removal impact in the tooltips.

    By default only what matters is drawn: the cut points and their
    neighbours, the bridges' ends, and the ``top`` central providers with their
    dependants; ``full`` draws every party and project, ``focus`` one node's
    ``radius``-hop neighbourhood.
    """
    cuts = deps.articulation_points_and_bridges(G)
    central = deps.central_dependencies(G, top=top)
    only: set[str] | None = None
    if not full and focus is None:
        H0 = structural_graph(G)
        only = set()
        for p in cuts.points:
            only.add(p.node)
            only.update(map(str, H0[p.node]))
        for br in cuts.bridges:
            only.update((br.u, br.v))
        for row in central.rows:
            only.add(row.impact.node)
            only.update(d.node for d in row.impact.dependants)
    graph, H = dependency_graph(G, cuts, central, focus=focus, radius=radius, only=only)
    page = Page("dependencies", "Central dependencies" + (f" around {_name(G, focus)}" if focus else ""),
                f"{len(cuts.points)} articulation points · {len(cuts.bridges)} bridges · "
                f"{len(H)} parties and projects shown", links=_links(), meta={"focus": focus})
    page.graphs.append(graph)
    page.section("Cut points and bridges", graph_html(graph), stamp_html(cuts.stamp))
    page.section("Central dependencies (removal impact)", dependency_table(G, central), stamp_html(central.stamp))
    page.section("Articulation points", table(
        ["party / project", "separates", "pieces", "id"],
        [(p.name, len(p.separated), ", ".join(map(str, p.pieces)), p.node) for p in cuts.points[:50]],
        numeric=(1,)))
    return page


def impact_lines(ri: deps.RemovalImpact) -> list[str]:
    unit = _unit(ri)
    lines = [f"removal impact: cuts {fmt(ri.money_cut)}{unit}, strands {fmt(ri.money_stranded)}{unit}"]
    if ri.stranded_projects:
        lines.append(f"stranded projects ({len(ri.stranded_projects)}): {', '.join(ri.stranded_projects[:8])}"
                     + (" …" if len(ri.stranded_projects) > 8 else ""))
    if ri.stranded_parties:
        lines.append(f"stranded parties ({len(ri.stranded_parties)}): {', '.join(ri.stranded_parties[:8])}"
                     + (" …" if len(ri.stranded_parties) > 8 else ""))
    lines.append(f"replaceability: {fmt(ri.replaceability) if ri.replaceability is not None else 'n/a (taken as 0)'}")
    return lines


def dependency_table(G: nx.MultiDiGraph, central: deps.CentralDependencies) -> Markup:
    rows = []
    for row in central.rows:
        ri = row.impact
        rows.append((ri.name, ri.kind or "", fmt(ri.weighted_stranded), fmt(ri.money_stranded), fmt(ri.money_cut),
                     len(ri.stranded_projects), len(ri.stranded_parties), "yes" if row.articulation_point else "",
                     ", ".join(ri.stranded_projects[:6]) + (" …" if len(ri.stranded_projects) > 6 else ""), ri.node))
    unit = f" ({currency_of(G)})"
    return table(["provider", "kind", "weighted stranded", f"stranded{unit}", f"cut{unit}", "stranded projects",
                  "stranded parties", "cut point", "projects left without another provider", "id"], rows,
                 numeric=(2, 3, 4, 5, 6))


def dependency_graph(G: nx.MultiDiGraph, cuts: deps.CutResult, central: deps.CentralDependencies, *,
                     focus: str | None = None, radius: int = 2, graph_id: str = "dependencies",
                     only: Iterable[str] | None = None) -> tuple[Graph, nx.Graph]:
    # the projection's one structure graph (shared, read only), as the audit's cut points and centrality use
    from stakegraph.analyses.structure import shared_structure

    H = shared_structure(G)
    if focus is not None:
        _require(G, focus)
        H = nx.ego_graph(H, focus, radius=radius) if focus in H else H.subgraph([focus]).copy()
    if only is not None:  # a few nodes of a large graph: only their pairs are made (StructureGraph.induced)
        keep = [n for n in only if n in H]
        H = H.induced(keep) if isinstance(H, StructureGraph) else H.subgraph(keep).copy()
    aps = {p.node: p for p in cuts.points}
    bridges = {frozenset((br.u, br.v)): br for br in cuts.bridges}
    impacts = {row.impact.node: row.impact for row in central.rows}
    for node in aps:
        if node in H and node not in impacts:
            impacts[node] = deps.removal_impact(G, node)
    pos = spring_positions(H) if len(H) > LAYOUT_THRESHOLD else {}
    b = Builder(graph_id, height=700, directed=False)
    for n in H:
        extra: list[str] = []
        opts: dict[str, Any] = {}
        if n in aps:
            p = aps[n]
            extra.append(f"ARTICULATION POINT: removal separates {len(p.separated)} nodes (pieces "
                         f"{', '.join(map(str, p.pieces))})")
            opts.update(border=HIGHLIGHT, border_width=5)
        if n in impacts:
            extra.extend(impact_lines(impacts[n]))
            if n not in aps:
                opts.update(border="#f59e0b", border_width=5)
        if pos:
            opts.update(x=pos[n][0], y=pos[n][1], physics=False)
        value = log_value(exposure(G, n))
        if n in impacts:
            value = max(value, log_value(impacts[n].money_stranded or impacts[n].money_cut))
        add_graph_node(b, G, n, value=value, extra=extra, **opts)
    for u, v, a in H.edges(data=True):
        br = bridges.get(frozenset((u, v)))
        kinds = sorted(map(str, a.get("kinds", ())))
        title = (f"{_name(G, u)} — {_name(G, v)}\nkinds: {', '.join(kinds)}\nstrength: {fmt(a.get('strength'))}\n"
                 f"edges: {', '.join(map(str, a.get('edges', [])[:6]))}")
        if br is not None:
            title += f"\nBRIDGE: removal separates {len(br.separated)} nodes"
        b.edge(str(u), str(v), title=title, color=HIGHLIGHT if br is not None else "#cbd5e1",
               width=4 if br is not None else 1)
    legend = type_legend(G, H) + [
        LegendEntry("red border = articulation point (cut point)", HIGHLIGHT),
        LegendEntry("amber border = central provider (removal impact)", "#f59e0b"),
        LegendEntry("red edge = bridge", HIGHLIGHT, "line", 18),
    ]
    facts = [("articulation points", str(len(aps))), ("bridges", str(len(bridges))),
             ("shown", f"{len(H)} nodes, {H.number_of_edges()} links")]
    graph = b.graph(physics=not pos, legend=legend, facts=facts,
                    notes=["Undirected party–project structure (financing, commercial, control). Hover a node for "
                           "what its removal cuts off."])
    graph.options["edges"]["arrows"] = {"to": {"enabled": False}}
    return graph, H


# ----------------------------------------------------------------------------- contagion
def loss_colour(h: float | None) -> str:
    """White → amber → red by relative loss ``h`` (0–1); grey when unknown (no capital).

    >>> loss_colour(0.0), loss_colour(1.0), loss_colour(None)
    ('#fff7e6', '#b91c1c', '#9ca3af')
    """
    if h is None:
        return "#9ca3af"
    t = min(1.0, max(0.0, h))
    stops = [(0.0, (255, 247, 230)), (0.5, (245, 158, 11)), (1.0, (185, 28, 28))]
    for (t0, c0), (t1, c1) in zip(stops, stops[1:], strict=False):
        if t <= t1:
            f = (t - t0) / (t1 - t0)
            return "#{:02x}{:02x}{:02x}".format(*(round(a + (b_ - a) * f) for a, b_ in zip(c0, c1, strict=True)))
    return "#b91c1c"


def contagion_view(G: nx.MultiDiGraph, shocks: str | Sequence[str] | Sequence[prop.Shock] = (), *,
                   result: prop.PropagationResult | None = None, **kwargs: Any) -> Page:
    """Shocked parties, loss as colour, defaults marked, transmitting steps with their relationship and clause.

    ``shocks`` in the one shock grammar (:func:`stakegraph.measures.parse_shocks`) or as shock objects;
    ``result`` an already computed contagion (the catalogue's ``contagion`` answer, method contract).
    """
    if result is None:
        texts = [shocks] if isinstance(shocks, str) else [x for x in shocks if isinstance(x, str)]
        shock_list: list[prop.Shock] = [*parse_shocks(texts), *(x for x in shocks if not isinstance(x, str))]
        if not shock_list:
            raise BadViewRequest("give at least one shock", fix="e.g. a_co, loss:b_bank:0.3, ends:EDGE_ID or "
                                                                "missed:ID")
        result = prop.propagate(G, shock_list, **kwargs)
    r = result
    graph = contagion_graph(G, r)
    page = Page("contagion", "Contagion: " + ", ".join(describe_shock(G, s) for s in r.shocks),
                f"{len(r.parties)} parties affected · {len(r.defaults)} defaults · "
                f"system loss {fmt(r.system_loss)}{_unit(r)} "
                f"· {r.rounds} rounds", links=_links(("/viz/dependencies", "Dependencies")),
                meta={"shocks": [str(s) for s in r.shocks]})
    page.graphs.append(graph)
    page.section("Transmission", graph_html(graph), stamp_html(r.stamp))
    page.section("Parties affected", impact_table(r))
    page.section("Transmitting paths", paths_table(G, r))
    return page


def describe_shock(G: nx.MultiDiGraph, s: prop.Shock) -> str:
    if isinstance(s, prop.PartyDefault):
        return f"{_name(G, s.party)} defaults"
    if isinstance(s, prop.EquityLoss):
        return f"{_name(G, s.party)} loses {s.fraction:.0%} of capital"
    if isinstance(s, prop.TargetMissed):
        return f"{_name(G, s.party)} misses its bet-on targets"
    for u, v, k, d in G.edges(keys=True, data=True):
        if str(k) == s.edge_id:
            return f"{d.get('kind')} {_name(G, u)} → {_name(G, v)} ends"
    return f"relationship {s.edge_id} ends"


def impact_table(r: prop.PropagationResult, top: int = 60) -> Markup:
    unit = f" ({_unit(r).strip()})" if _unit(r) else ""
    return table(["party", "type", f"loss{unit}", f"called{unit}", "relative loss h", "defaulted", "round",
                  f"revenue lost{unit}", "id"],
                 [(p.name, p.type, fmt(p.loss), fmt(p.called), "n/a" if p.h is None else f"{p.h:.3f}",
                   "DEFAULT" if p.defaulted else "", "" if p.default_round is None else p.default_round,
                   fmt(p.revenue_lost), p.party) for p in r.parties[:top]], numeric=(2, 3, 4, 7))


def paths_table(G: nx.MultiDiGraph, r: prop.PropagationResult, top: int = 30) -> Markup:
    rows = []
    for p in r.parties[:top]:
        for path in p.paths[:2]:
            rows.append((_name(G, p.party), path_text(G, path)))
    return table(["party", f"path (relationship / clause amount{_unit(r)})"], rows)


def path_text(G: nx.MultiDiGraph, path: Sequence[prop.Step]) -> str:
    """``A —kind/clause amount→ B —…→ C``; the scenario's own shock step is shown as where it starts."""
    out = ""
    for st in path:
        if st.clause == "shock" and st.source == st.target:
            out = f"{_name(G, st.source)} ({st.note or 'shock'})"
            continue
        if not out:
            out = _name(G, st.source)
        if st.clause == "shock":
            out += f" —{st.kind} ends→ {_name(G, st.target)}"
            continue
        out += f" —{st.kind}/{st.clause} {fmt(st.amount)}→ {_name(G, st.target)}"
    return out


def contagion_graph(G: nx.MultiDiGraph, r: prop.PropagationResult, *, graph_id: str = "contagion") -> Graph:
    shocked: set[str] = set()
    for s in r.shocks:
        if isinstance(s, prop.RelationshipEnds):
            for st in r.steps:
                if st.edge_id == s.edge_id and st.clause == "shock":
                    shocked.update((st.source, st.target))
        else:
            shocked.add(s.party)
    on_path: set[int] = {st.index for p in r.parties for path in p.paths for st in path}
    impacts = {p.party: p for p in r.parties}
    nodes = set(impacts) | shocked | {st.source for st in r.steps} | {st.target for st in r.steps}
    b = Builder(graph_id, height=640)
    unit = _unit(r)
    pos: dict[Any, tuple[float, float]] = {}
    if len(nodes) > LAYOUT_THRESHOLD:
        F = nx.DiGraph()
        F.add_nodes_from(nodes)
        F.add_edges_from((st.source, st.target) for st in r.steps if st.source != st.target)
        pos = spring_positions(F)
    for n in sorted(nodes):
        p = impacts.get(n)
        extra = []
        opts: dict[str, Any] = {}
        if p is not None:
            extra += [f"loss: {fmt(p.loss)}{unit}", f"called: {fmt(p.called)}{unit}",
                      f"relative loss h: {'n/a (no capital)' if p.h is None else f'{p.h:.3f}'}",
                      f"capital: {fmt(p.capital)}{unit if p.capital is not None else ''}"]
            if p.defaulted:
                extra.append(f"DEFAULTED in round {p.default_round}")
        if n in shocked:
            extra.append("SHOCKED (scenario start)")
        colour = loss_colour(p.h if p else 0.0)
        if p is not None and p.defaulted:
            opts.update(border="#111827", border_width=5, shape="star" if G.nodes[n].get("type") == "party" else None)
        elif n in shocked:
            opts.update(border="#7c3aed", border_width=5)
        if opts.get("shape") is None:
            opts.pop("shape", None)
        if pos:
            opts.update(x=pos[n][0], y=pos[n][1], physics=False)
        label = _name(G, n) + (" ✖ DEFAULT" if p is not None and p.defaulted else "")
        add_graph_node(b, G, n, label=label, value=log_value((p.loss + p.called) if p else 0.0) + 0.5,
                       color=colour, extra=extra, **opts)
    seen: set[tuple[str, str, str | None, str]] = set()
    for st in r.steps:
        if st.source == st.target:
            continue
        key = (st.source, st.target, st.edge_id, st.clause)
        if key in seen:
            continue
        seen.add(key)
        hot = st.index in on_path
        b.edge(st.source, st.target,
               title=(f"{_name(G, st.source)} → {_name(G, st.target)}\nround {st.round}\nrelationship: "
                      f"{st.kind or '-'} ({st.edge_id or '-'})\nclause: {st.clause}\n{st.effect}: {fmt(st.amount)}{unit}"
                      + (f"\n{st.note}" if st.note else "")),
               color=HIGHLIGHT if hot else "#f59e0b", value=log_value(st.amount) + (2 if hot else 0),
               label=f"{st.kind or ''} / {st.clause}", edge_id=f"step{st.index}")
    legend = [LegendEntry("relative loss 0", loss_colour(0.0)), LegendEntry("relative loss 0.5", loss_colour(0.5)),
              LegendEntry("relative loss 1 (capital gone)", loss_colour(1.0)),
              LegendEntry("no capital recorded", loss_colour(None)),
              LegendEntry("black border, star, ✖ = defaulted", "#111827"),
              LegendEntry("purple border = shocked", "#7c3aed"),
              LegendEntry("red edge = on a transmitting path", HIGHLIGHT, "line", 18),
              LegendEntry("amber edge = other transmission", "#f59e0b", "line", 18)]
    facts = [("shocks", str(len(r.shocks))), ("parties affected", str(len(r.parties))),
             ("defaults", str(len(r.defaults))), ("system loss", f"{fmt(r.system_loss)}{unit}"),
             ("cash called", f"{fmt(r.system_called)}{unit}"), ("rounds", str(r.rounds))]
    return b.graph(physics=not pos, legend=legend, facts=facts, edge_labels=len(seen) <= 60,
                   notes=["Each edge is one transmission: relationship kind / contract clause; "
                          f"width = amount{' in' + unit if unit else ''}.", money_note(G)])


# ----------------------------------------------------------------------------- whole network
def network_view(G: nx.MultiDiGraph, *, types: Sequence[str] = ("party", "project"), kind: str | None = None,
                 country: str | None = None, community: int | None = None, limit: int = NETWORK_LIMIT,
                 communities: Any = None) -> Page:
    """The whole network (or a filtered part): precomputed layout above a few hundred nodes, physics off."""
    from stakegraph.domain import NODE_TYPES

    bad = [t for t in types if t not in NODE_TYPES]
    if bad:
        raise BadViewRequest(f"unknown node types {bad}; use some of {', '.join(NODE_TYPES)}")
    if not 1 <= limit <= 5000:
        raise BadViewRequest(f"limit must be within 1..5000, not {limit}")
    keep = [n for n, d in G.nodes(data=True) if d.get("type") in types
            and (kind is None or d.get("kind") == kind)
            and (country is None or str(d.get("country") or "").lower() == country.lower())]
    comm_stamp = None
    if community is not None:
        from stakegraph.analytics.lifecycle import communities as louvain

        cr = communities or louvain(G)
        comm_stamp = cr.stamp
        members = next((set(c.members) for c in cr.communities if c.id == community), None)
        if members is None:
            raise BadViewRequest(f"no community {community}; ids run 0..{len(cr.communities) - 1}")
        keep = [n for n in keep if n in members]
    keep_set = set(keep)
    ranked = sorted(keep, key=lambda n: (-exposure(G, n), str(n)))
    shown = set(ranked[:limit])
    left_out = len(keep) - len(shown)
    S = G.subgraph(shown)
    pos = spring_positions(S) if len(S) > LAYOUT_THRESHOLD else {}
    b = Builder("network", height=760)
    for n in sorted(shown, key=str):
        opts: dict[str, Any] = {}
        if pos:
            opts.update(x=pos[n][0], y=pos[n][1], physics=False)
        add_graph_node(b, G, n, **opts)
    kinds_seen = set()
    for u, v, d in S.edges(data=True):
        kinds_seen.add(str(d.get("kind")))
        add_graph_edge(b, G, u, v, d)
    if left_out:
        b.node("more:network", f"and {left_out} more", title=f"{left_out} more nodes match the filter but exceed the "
               f"limit of {limit} (smallest exposure left out)", color=PLACEHOLDER_COLOUR, shape="box",
               placeholder=True, x=0.0, y=0.0, physics=False)
    filt = ", ".join(x for x in (f"types={'/'.join(types)}", f"kind={kind}" if kind else "",
                                  f"country={country}" if country else "",
                                  f"community={community}" if community is not None else "") if x)
    facts = [("filter", filt), ("matching nodes", str(len(keep_set))), ("shown", str(len(shown))),
             ("relationships", str(S.number_of_edges())),
             ("layout", "Fruchterman-Reingold (igraph, seed 7), precomputed, physics off" if pos
              else "physics, then off once stable")]
    cur = currency_of(G)
    graph = b.graph(physics=not pos, legend=type_legend(G, shown) + edge_legend(kinds_seen, cur), facts=facts,
                    notes=[f"Node size = exposure (money in its financing relationships, {cur}); "
                           f"edge width = amount ({cur}).", money_note(G)],
                    edge_labels=False)
    page = Page("network", "Stakeholder network", f"{len(shown)} nodes · {S.number_of_edges()} relationships · {filt}",
                links=_links(("/viz/dependencies", "Dependencies")),
                meta={"filter": {"types": list(types), "kind": kind, "country": country, "community": community}})
    page.graphs.append(graph)
    page.section("Network", graph_html(graph), *([stamp_html(comm_stamp)] if comm_stamp else []))
    top_rows = [(i + 1, _name(G, n), G.nodes[n].get("type"), G.nodes[n].get("kind") or "",
                 G.nodes[n].get("country") or "", fmt(exposure(G, n)), n) for i, n in enumerate(ranked[:25])]
    page.section("Largest exposures shown", table(["#", "name", "type", "kind", "country", f"exposure ({cur})", "id"],
                                                  top_rows, numeric=(0, 5)))
    counts = Counter(str(G.nodes[n].get("kind") or G.nodes[n].get("type")) for n in shown)
    page.section("Composition", table(["kind", "nodes"], sorted(counts.items(), key=lambda kv: -kv[1]),
                                      numeric=(1,)))
    return page
