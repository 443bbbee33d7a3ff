"""The dependency-audit report: one page (or JSON) an auditor can hand over.

Sections: summary and key findings; most concentrated parties (customers and
lenders); central dependencies with removal impact; contagion scenarios for
the most central parties and for recalled relationships; relationship alerts;
connected groups and large-exposure checks. Every section carries the stamp of
the analytics that produced it (algorithm, variant, parameters, graph version,
reference) and an embedded view or chart.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from markupsafe import Markup

from stakegraph.analytics import concentration as conc
from stakegraph.analytics import dependencies as deps
from stakegraph.analytics import groups as grp
from stakegraph.analytics import health
from stakegraph.analytics import propagation as prop
from stakegraph.analytics.selection import STRUCTURAL_TYPES, structural_graph
from stakegraph.analytics.stamp import Stamp, to_jsonable
from stakegraph.viz.charts import bar_chart
from stakegraph.viz.errors import BadViewRequest, UnknownNode
from stakegraph.viz.network import HIGHLIGHT, Builder, add_graph_node, display_name, fmt
from stakegraph.viz.page import Graph, LegendEntry, Page, graph_html, stamp_html, table
from stakegraph.viz.views import (
    concentration_graph,
    contagion_graph,
    dependency_graph,
    dependency_table,
    describe_shock,
    impact_table,
    paths_table,
    share_chart,
)


@dataclass(frozen=True)
class ConcentrationRow:
    """A concentrated party: HHI band (2023) highly concentrated, ranked by money in its top-k relationships."""

    node: str
    name: str
    basis: str
    n: int
    total: float
    hhi: float
    cr_k: float
    at_stake: float
    band_2010: str
    band_2023: str


@dataclass(frozen=True)
class Scenario:
    """A contagion scenario and its result."""

    title: str
    why: str
    result: prop.PropagationResult


@dataclass
class AuditReport:
    """Everything the audit shows, as analytics results (JSON via :func:`audit_json`)."""

    scope: str
    graph_version: str
    as_of: str
    counts: dict[str, dict[str, int]]
    findings: list[str]
    concentrated: list[ConcentrationRow]
    concentration_stamp: Stamp
    concentration_details: list[conc.ConcentrationResult]
    central: deps.CentralDependencies
    shared: list[SharedProvider]
    cuts: deps.CutResult
    scenarios: list[Scenario]
    alerts: health.AlertsResult
    weakest: health.HealthResult
    groups: grp.ConnectedGroupsResult
    exposures: list[grp.LargeExposuresResult]
    notes: list[str] = field(default_factory=list)
    centrality_stamp: Stamp | None = None


def scope_graph(G: nx.MultiDiGraph, scope: str, *, radius: int = 2) -> nx.MultiDiGraph:
    """The part of ``G`` an audit of ``scope`` covers: ``all``, or a party/project and its ``radius``-hop surroundings.

    Surroundings are counted over party/project relationships; the contracts,
    interactions and signals attached to those nodes come along.
    """
    if scope == "all":
        return G
    if scope not in G:
        raise UnknownNode(f"audit scope {scope!r} is neither 'all' nor a node id; pass a party or project id")
    if G.nodes[scope].get("type") not in ("party", "project"):
        raise BadViewRequest(f"audit scope {scope!r} is a {G.nodes[scope].get('type')}; pass a party or project id")
    core_nodes = [n for n, t in G.nodes(data="type") if t in ("party", "project")]
    U = G.subgraph(core_nodes).to_undirected(as_view=True)
    keep = set(nx.single_source_shortest_path_length(U, scope, cutoff=radius))
    attached = {u for n in keep for u, _ in G.in_edges(n) if G.nodes[u].get("type") in ("contract", "signal",
                                                                                          "interaction")}
    attached |= {v for n in keep for _, v in G.out_edges(n) if G.nodes[v].get("type") == "contract"}
    S = G.subgraph(keep | attached).copy()
    S.graph.update(G.graph)
    return S


def latest_event_date(G: nx.MultiDiGraph) -> str:
    """The latest ``date`` of an interaction or signal (the natural "as of" of a data set), else today."""
    dates = [str(d) for _, d in G.nodes(data="date") if d]
    return max(dates)[:10] if dates else dt.date.today().isoformat()


def most_concentrated(G: nx.MultiDiGraph, *, basis: str = "customers", top: int = 10,
                      min_counterparties: int = 2) -> tuple[list[ConcentrationRow], Stamp]:
    """Parties whose HHI is highly concentrated (DOJ/FTC 2023, > 1,800), most money in the top k first.

    "Money at stake" = total × CR-k / 100: a large firm that depends on five
    customers ranks above a tiny one with three.
    """
    kinds, direction = {"customers": (conc.CUSTOMER_KINDS, "in"), "lenders": (("lends_to",), "in")}[basis]
    pc = conc.portfolio_concentration(G, kinds=kinds, direction=direction, min_counterparties=min_counterparties)
    rows = [ConcentrationRow(r.node, r.name, basis, r.n, r.total, r.hhi, r.cr_k, r.total * r.cr_k / 100.0,
                             r.band_2010, r.band_2023)
            for r in pc.rows if r.band_2023 == "highly concentrated"]
    rows.sort(key=lambda r: (-r.at_stake, -r.hhi, r.node))
    return rows[:top], pc.stamp


#: Above this many party/project nodes the audit ranks parties by *sampled* betweenness (exact is O(n·m)).
EXACT_BETWEENNESS_MAX = 5_000
#: Sources sampled (Brandes & Pich 2007) when betweenness is sampled.
BETWEENNESS_K = 128
#: Seed of the source sample (NetworkX's draw, so the same sources whichever backend runs).
BETWEENNESS_SEED = 0


class _Phases:
    """Wall time of each audit phase into ``timings`` (the caller's dict; nothing printed)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.t = time.perf_counter()

    def done(self, phase: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[phase] = self.timings.get(phase, 0.0) + now - self.t
        self.t = now


def audit_centrality(S: nx.MultiDiGraph, *, top: int, exact_max: int = EXACT_BETWEENNESS_MAX,
                     k: int = BETWEENNESS_K, seed: int = BETWEENNESS_SEED,
                     structure: nx.Graph | None = None) -> deps.CentralityResult:
    """Centrality used to pick the central parties' scenarios: exact up to ``exact_max`` party/project
    nodes, else the Brandes & Pich (2007) estimate from ``k`` sources drawn with ``seed`` (the variant,
    ``k`` and ``seed`` are in the result's stamp)."""
    n = sum(1 for _, t in S.nodes(data="type") if t in STRUCTURAL_TYPES)
    sampled = n > exact_max and k < n
    return deps.centrality(S, top=top, k=k if sampled else None, seed=seed, structure=structure)


def build_audit(G: nx.MultiDiGraph, *, scope: str = "all", as_of: str | None = None, top: int = 10,
                scenarios: int = 3, exact_betweenness_max: int = EXACT_BETWEENNESS_MAX,
                betweenness_k: int = BETWEENNESS_K, seed: int = BETWEENNESS_SEED,
                timings: dict[str, float] | None = None, pause_gc: bool = True) -> AuditReport:
    """Run the analytics the audit needs on ``scope`` of ``G``.

    Betweenness (which central parties get a contagion scenario) is exact up to
    ``exact_betweenness_max`` party/project nodes and sampled above (``betweenness_k``
    sources, ``seed``); :attr:`AuditReport.centrality_stamp` names the variant that ran.
    Pass a dict as ``timings`` to receive the wall seconds of each phase. ``pause_gc`` pauses
    Python's cyclic garbage collector while the audit runs (see :func:`_gc_paused`).
    """
    with _gc_paused(pause_gc):
        return _build_audit(G, scope, as_of, top, scenarios, exact_betweenness_max, betweenness_k, seed, timings)


@contextlib.contextmanager
def _gc_paused(pause: bool) -> Iterator[None]:
    """Pause Python's cyclic garbage collector (reference counting goes on) and restore it after.

    The projection holds millions of container objects; every full collection walks all of them, and
    the audit's allocations trigger many (40% of the audit's time at 10,000 parties). Cyclic garbage
    made meanwhile is collected after the audit, as usual.
    """
    was_enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause and was_enabled:
            gc.enable()


def _build_audit(G: nx.MultiDiGraph, scope: str, as_of: str | None, top: int, scenarios: int,
                 exact_betweenness_max: int, betweenness_k: int, seed: int,
                 timings: dict[str, float] | None) -> AuditReport:
    ph = _Phases(timings)
    S = scope_graph(G, scope)
    as_of = as_of or latest_event_date(S)
    ph.done("scope")
    cust, cstamp = most_concentrated(S, basis="customers", top=top)
    lend, _ = most_concentrated(S, basis="lenders", top=top)
    details = [conc.concentration(S, r.node) for r in cust[:3]]
    if scope != "all" and S.nodes[scope].get("type") == "party" and all(d.node != scope for d in details):
        details.insert(0, conc.concentration(S, scope))
    ph.done("concentration")
    H = structural_graph(S)  # built once: cut points and centrality both read it
    ph.done("structure graph")
    cuts = deps.articulation_points_and_bridges(S, structure=H)
    ph.done("cut points")
    central = _with_cuts(deps.central_dependencies(S, top=top, cut_points=False), cuts)
    ph.done("central dependencies")
    ranking = audit_centrality(S, top=3 * scenarios + 5, exact_max=exact_betweenness_max, k=betweenness_k,
                               seed=seed, structure=H)
    ph.done("centrality")
    scen = contagion_scenarios(S, central, n=scenarios, ranking=ranking)
    ph.done("contagion")
    weakest = health.relationship_health(S, as_of=as_of)
    alerts = health.alerts_from_health(weakest, top=25)
    ph.done("health and alerts")
    groups = grp.connected_groups(S)
    ph.done("connected groups")
    lenders = sorted(n for n, d in S.nodes(data=True) if d.get("type") == "party" and d.get("tier1_capital"))
    indexed = _IndexedGroups(groups.groups, groups.group_of, groups.stamp,
                             {g.id: _Group(g.id, g.name, g.members, g.parents, g.links, g.member_ids)
                              for g in reversed(groups.groups)})
    exposures = [grp.large_exposures(S, n, groups=indexed) for n in lenders]
    exposures.sort(key=lambda r: (-len(r.breaches), -r.total_exposure, r.lender))
    ph.done("large exposures")
    counts = {"nodes": dict(sorted(Counter(str(t) for _, t in S.nodes(data="type")).items())),
              "edges": dict(sorted(Counter(str(k) for *_, k in S.edges(data="kind")).items()))}
    report = AuditReport(scope, str(G.graph.get("version", "")), as_of, counts, [], cust + lend, cstamp, details,
                         central, shared_providers(S), cuts, scen, alerts, weakest, groups, exposures,
                         centrality_stamp=ranking.stamp)
    report.findings = findings(S, report)
    ph.done("shared providers, counts, findings")
    return report


@dataclass(frozen=True)
class _Group(grp.ConnectedGroup):
    """A group whose ``member_ids`` is built once (the base property rebuilds the tuple on every call)."""

    ids: tuple[str, ...] = ()

    @property
    def member_ids(self) -> tuple[str, ...]:
        return self.ids


@dataclass(frozen=True)
class _IndexedGroups(grp.ConnectedGroupsResult):
    """The same groups with ``group(id)`` a dict lookup (the base class scans the tuple: O(groups) per call,
    which made the large-exposure pass O(lenders × groups)), returning :class:`_Group`."""

    by_id: dict[str, grp.ConnectedGroup] = field(default_factory=dict)

    def group(self, group_id: str) -> grp.ConnectedGroup | None:
        return self.by_id.get(group_id)


def _with_cuts(central: deps.CentralDependencies, cuts: deps.CutResult) -> deps.CentralDependencies:
    """``central_dependencies(cut_points=True)`` without a second articulation-point pass: flag the rows
    from the audit's own cut points (same values, same stamp)."""
    sep = {p.node: len(p.separated) for p in cuts.points}
    stamp = dataclasses.replace(central.stamp, parameters={**central.stamp.parameters, "cut_points": True})
    rows = tuple(dataclasses.replace(r, impact=dataclasses.replace(r.impact, stamp=stamp),
                                     articulation_point=r.impact.node in sep, separated=sep.get(r.impact.node, 0))
                 for r in central.rows)
    return deps.CentralDependencies(rows, stamp)


@dataclass(frozen=True)
class SharedProvider:
    """One provider serves every project of a sponsor in one role (the sponsor's single-provider dependency)."""

    sponsor: str
    provider: str
    kind: str
    projects: tuple[str, ...]


#: Roles checked for a sponsor's portfolio-wide single provider.
SHARED_KINDS: tuple[str, ...] = ("builds", "operates", "offtakes", "insures")


def shared_providers(G: nx.MultiDiGraph, *, min_projects: int = 2) -> list[SharedProvider]:
    """Sponsors with ``min_projects`` or more projects whose every project has the same EPC / O&M / offtaker / insurer.

    A sponsor whose every plant is built by one contractor carries that
    contractor's failure across its whole portfolio.
    """
    out = []
    for sponsor, d in G.nodes(data=True):
        if d.get("type") != "party":
            continue
        projects = sorted({str(v) for _, v, e in G.out_edges(sponsor, data=True)
                           if e.get("kind") == "sponsors" and G.nodes[v].get("type") == "project"})
        if len(projects) < min_projects:
            continue
        for kind in SHARED_KINDS:
            providers = [{str(u) for u, _, e in G.in_edges(p, data=True) if e.get("kind") == kind} for p in projects]
            if all(providers):
                common = set.intersection(*providers)
                for prov in sorted(common):
                    out.append(SharedProvider(str(sponsor), prov, kind, tuple(projects)))
    out.sort(key=lambda x: (-len(x.projects), x.sponsor, x.kind, x.provider))
    return out


def contagion_scenarios(G: nx.MultiDiGraph, central: deps.CentralDependencies, *, n: int = 3,
                        ranking: deps.CentralityResult | None = None) -> list[Scenario]:
    """Recalled relationships (and their borrower's default), then defaults of the most central parties.

    ``ranking`` = the centrality that ranks the parties (default: :func:`audit_centrality`).
    """
    out: list[Scenario] = []
    seen: set[str] = set()
    for u, v, key, d in sorted(G.edges(keys=True, data=True), key=lambda e: str(e[2])):
        if d.get("status") == "recalled" and G.nodes[v].get("type") == "party":
            out.append(Scenario(f"{d.get('kind')} {_nm(G, u)} → {_nm(G, v)} is recalled",
                                "a relationship with status 'recalled'", prop.propagate(G, [prop.RelationshipEnds(
                                    str(key))])))
            if v not in seen:
                seen.add(str(v))
                out.append(Scenario(f"{_nm(G, v)} defaults after the recall",
                                    f"borrower of the recalled {d.get('kind')}",
                                    prop.propagate(G, [prop.PartyDefault(str(v))])))
    if ranking is None:
        ranking = audit_centrality(G, top=3 * n + 5)
    ranked = [r.node for r in ranking.top if r.type == "party"]
    for node in [r.impact.node for r in central.rows[:1]] + ranked:
        if len([s for s in out if s.why.startswith("central")]) >= n:
            break
        if node in seen:
            continue
        seen.add(node)
        out.append(Scenario(f"{_nm(G, node)} defaults", "central party (top removal impact or betweenness)",
                            prop.propagate(G, [prop.PartyDefault(node)])))
    return out


def _nm(G: nx.MultiDiGraph, n: Any) -> str:
    return display_name(G, n)


def findings(G: nx.MultiDiGraph, r: AuditReport) -> list[str]:
    """Plain-language key findings (text, escaped when rendered)."""
    out = []
    for c in r.concentration_details[:3]:
        majors = ", ".join(f"{s.name} {s.pct:.2f}%" for s in c.major_counterparties[:5])
        out.append(f"{_nm(G, c.node)}: its {min(c.k, c.n)} largest customers make {c.cr_k:.2f}% of its sales "
                   f"(CR-{c.k}; HHI {c.hhi:,.0f}, {c.bands[1].band if c.bands else '-'}); major customers: "
                   f"{majors or 'none'}.")
    for sp in r.shared[:3]:
        role = {"builds": "EPC contractor", "operates": "O&M operator", "offtakes": "offtaker",
                "insures": "insurer"}[sp.kind]
        out.append(f"{_nm(G, sp.sponsor)}: one {role}, {_nm(G, sp.provider)}, serves every one of its "
                   f"{len(sp.projects)} projects ({', '.join(sp.projects[:8])}{' …' if len(sp.projects) > 8 else ''})"
                   f" — a single {role} dependency across the portfolio.")
    for row in r.central.rows[:3]:
        ri = row.impact
        if ri.stranded_projects:
            roles = sorted({d.role for d in ri.dependants if d.sole})
            out.append(f"{_nm(G, ri.node)} is the only {'/'.join(roles)} of {len(ri.stranded_projects)} projects "
                       f"({', '.join(ri.stranded_projects[:6])}{' …' if len(ri.stranded_projects) > 6 else ''}): "
                       f"removing it strands {fmt(ri.money_stranded)} — a single-provider dependency.")
    for s in r.scenarios[:4]:
        res = s.result
        steps = sorted((st for st in res.steps if st.clause != "shock" and st.amount > 0),
                       key=lambda st: (st.round, -st.amount))
        picked, clauses = [], set()
        for st in steps:
            if (st.clause, st.kind) not in clauses:
                clauses.add((st.clause, st.kind))
                picked.append(st)
        hops = "; ".join(f"{_nm(G, st.source)} —{st.kind}/{st.clause} {fmt(st.amount)}→ {_nm(G, st.target)}"
                         + (" (defaults)" if st.target in res.defaults else "") for st in picked[:6])
        out.append(f"Contagion '{s.title}': {len(res.defaults)} defaults, system loss {fmt(res.system_loss)}"
                   + (f"; transmits: {hops}" if hops else "; nothing transmits beyond the first party") + ".")
    if r.alerts.alerts:
        a = r.alerts.alerts[0]
        out.append(f"Weakest relationship: {a.source_name} —{a.kind}→ {a.target_name} scores {a.score:.0f}: "
                   f"{a.reasons[0] if a.reasons else ''}.")
    breaches = [(e.name, b) for e in r.exposures for b in e.breaches]
    if breaches:
        out.append(f"{len(breaches)} large-exposure limit breaches (Basel LEX, > 25% of Tier 1), first: "
                   f"{breaches[0][0]} → {breaches[0][1]}.")
    return out


# ----------------------------------------------------------------------------- JSON
def audit_json(r: AuditReport) -> dict[str, Any]:
    """The report as JSON-ready data (same content as the page)."""
    return {
        "scope": r.scope, "graph_version": r.graph_version, "as_of": r.as_of, "counts": r.counts,
        "findings": r.findings,
        "concentration": {"rows": to_jsonable(r.concentrated), "stamp": to_jsonable(r.concentration_stamp),
                          "details": to_jsonable(r.concentration_details)},
        "central_dependencies": to_jsonable(r.central),
        "shared_providers": to_jsonable(r.shared),
        "cut_points": {"points": to_jsonable(r.cuts.points[:50]), "bridges": len(r.cuts.bridges),
                       "stamp": to_jsonable(r.cuts.stamp)},
        "contagion": [{"title": s.title, "why": s.why, "defaults": list(s.result.defaults),
                       "system_loss": s.result.system_loss, "rounds": s.result.rounds,
                       "parties": to_jsonable(s.result.parties[:30]), "stamp": to_jsonable(s.result.stamp)}
                      for s in r.scenarios],
        "contagion_centrality": to_jsonable(r.centrality_stamp),
        "alerts": to_jsonable(r.alerts),
        "weakest_relationships": {"relationships": to_jsonable(r.weakest.relationships[:15]),
                                  "stamp": to_jsonable(r.weakest.stamp)},
        "groups": {"groups": [{"id": g.id, "name": g.name, "members": list(g.member_ids), "parents": list(g.parents)}
                              for g in r.groups.groups], "stamp": to_jsonable(r.groups.stamp)},
        "large_exposures": to_jsonable([e for e in r.exposures if e.reportable or e.breaches]),
        "notes": r.notes,
    }


# ----------------------------------------------------------------------------- page
def audit_page(G: nx.MultiDiGraph, r: AuditReport) -> Page:
    """The self-contained audit page."""
    S = scope_graph(G, r.scope)
    page = Page("audit", "Dependency audit" + ("" if r.scope == "all" else f": {_nm(G, r.scope)}"),
                f"scope {r.scope} · graph version {r.graph_version} · as of {r.as_of}",
                links=[("/", "Index"), ("/viz/network", "Network"), ("/viz/dependencies", "Dependencies"),
                       ("/graphql", "GraphiQL")], meta={"scope": r.scope, "as_of": r.as_of})
    cards = [("parties", r.counts["nodes"].get("party", 0)), ("projects", r.counts["nodes"].get("project", 0)),
             ("relationships", sum(r.counts["edges"].values())),
             ("highly concentrated", len(r.concentrated)), ("cut points", len(r.cuts.points)),
             ("alerts", len(r.alerts.alerts)), ("LEX breaches", sum(len(e.breaches) for e in r.exposures))]
    card_html = Markup('<div class="cards">{}</div>').format(Markup("").join(
        Markup('<div class="card"><b>{}</b>{}</div>').format(v, k) for k, v in cards))
    find_html = Markup("<ol>{}</ol>").format(Markup("").join(Markup("<li>{}</li>").format(f) for f in r.findings))
    page.section("Summary", card_html, Markup("<h3>Key findings</h3>"), find_html, anchor="summary")

    # concentration
    parts: list[Markup] = [table(
        ["party", "basis", "counterparties", "HHI", "CR-5 %", "money in top 5", "band 2010", "band 2023", "id"],
        [(c.name, c.basis, c.n, f"{c.hhi:,.0f}", f"{c.cr_k:.2f}", fmt(c.at_stake), c.band_2010, c.band_2023, c.node)
         for c in r.concentrated], numeric=(2, 3, 4, 5)), stamp_html(r.concentration_stamp)]
    for i, c in enumerate(r.concentration_details):
        g = concentration_graph(S, c, "customers (share of sales)", graph_id=f"conc{i}")
        g.height = 460
        page.graphs.append(g)
        parts += [Markup("<h3>{} — CR-{} {:.2f}%, HHI {:,.0f}</h3>").format(c.name, c.k, c.cr_k, c.hhi),
                  graph_html(g), Markup('<div class="chart">{}</div>').format(share_chart(c, top=12)),
                  stamp_html(c.stamp)]
    page.section("Most concentrated parties", *parts, anchor="concentration")

    # dependencies
    only: set[str] = set()
    for row in r.central.rows[:5]:
        only.add(row.impact.node)
        only.update(d.node for d in row.impact.dependants)
    for sp in r.shared[:3]:
        only.update((sp.sponsor, sp.provider, *sp.projects))
    dg, _H = dependency_graph(S, r.cuts, r.central, graph_id="deps", only=only)
    dg.height = 560
    page.graphs.append(dg)
    shared_rows = [(_nm(S, sp.sponsor), sp.kind, _nm(S, sp.provider), len(sp.projects), ", ".join(sp.projects))
                   for sp in r.shared]
    page.section("Central dependencies and removal impact", graph_html(dg), dependency_table(S, r.central),
                 Markup("<h3>One provider for a sponsor's whole portfolio</h3>"),
                 table(["sponsor", "role", "provider", "projects", "project ids"], shared_rows, numeric=(3,)),
                 stamp_html(r.central.stamp), stamp_html(r.cuts.stamp), anchor="dependencies")

    # contagion
    parts = []
    for i, s in enumerate(r.scenarios):
        g = contagion_graph(S, s.result, graph_id=f"contagion{i}")
        g.height = 420
        page.graphs.append(g)
        parts += [Markup("<h3>{}</h3><p class=\"muted\">{} · shocks: {}</p>").format(
            s.title, s.why, ", ".join(describe_shock(S, x) for x in s.result.shocks)),
            graph_html(g), impact_table(s.result, top=15), paths_table(S, s.result, top=8), stamp_html(s.result.stamp)]
    if r.centrality_stamp is not None:
        parts += [Markup('<p class="muted">Central parties ranked by:</p>'), stamp_html(r.centrality_stamp)]
    page.section("Contagion scenarios", *parts, anchor="contagion")

    # alerts
    rows = [(a.rank, a.source_name, a.kind, a.target_name, f"{a.score:.1f}", "; ".join(a.reasons[:3]), a.edge_id)
            for a in r.alerts.alerts]
    weak = r.weakest.relationships[:15]
    chart = bar_chart([(f"{w.source_name} → {w.target_name}", w.score, w.score < r.alerts.threshold) for w in weak],
                      title=f"Health score (0-100) of the 15 weakest relationships as of {r.as_of}; "
                            f"red = alert (< {r.alerts.threshold:g})", marker=r.alerts.threshold)
    weak_rows = [(w.source_name, w.kind, w.target_name, f"{w.score:.1f}",
                  "; ".join(f"{c.reason}" if hasattr(c, "reason") else str(c) for c in w.contributions[:2]), w.edge_id)
                 for w in weak]
    page.section("Relationship alerts", Markup('<div class="chart">{}</div>').format(chart),
                 Markup("<h3>Alerts (score below {:g})</h3>").format(r.alerts.threshold),
                 table(["#", "source", "kind", "target", "score", "reasons", "edge id"], rows, numeric=(0, 4)),
                 stamp_html(r.alerts.stamp), Markup("<h3>Weakest relationships</h3>"),
                 table(["source", "kind", "target", "score", "largest contributions", "edge id"], weak_rows,
                       numeric=(3,)), stamp_html(r.weakest.stamp), anchor="alerts")

    # groups and large exposures
    gg = groups_graph(S, r.groups)
    page.graphs.append(gg)
    grows = [(g.name, len(g.members), ", ".join(_nm(S, p) for p in g.parents[:3]),
              ", ".join(sorted({link.basis for link in g.links})), g.id) for g in r.groups.groups[:20]]
    erows = []
    for e in r.exposures:
        for x in e.reportable:
            erows.append((e.name, x.name, len(x.members), fmt(x.amount), f"{x.pct_tier1:.1f}", f"{x.limit_pct:g}",
                          "BREACH" if x.breach else "reportable"))
    chart_rows: list[tuple[str, float, bool]] = []
    if r.exposures and r.exposures[0].largest:
        top_lender = r.exposures[0]
        chart_rows = [(x.name, x.pct_tier1, x.breach) for x in top_lender.largest[:12]]
    echart = (bar_chart(chart_rows, title=f"{r.exposures[0].name}: exposures as % of Tier 1 capital (limit 25%)",
                        unit="%", marker=25.0) if chart_rows else Markup('<p class="muted">No lender with Tier 1 '
                                                                         'capital in scope.</p>'))
    page.section("Connected groups and large exposures", graph_html(gg),
                 table(["group", "members", "parents", "links by", "id"], grows, numeric=(1,)),
                 stamp_html(r.groups.stamp), Markup('<div class="chart">{}</div>').format(echart),
                 table(["lender", "group / counterparty", "members", "exposure", "% of Tier 1", "limit %", "status"],
                       erows, numeric=(2, 3, 4, 5)),
                 *([stamp_html(r.exposures[0].stamp)] if r.exposures else []), anchor="groups")
    return page


def groups_graph(G: nx.MultiDiGraph, groups: grp.ConnectedGroupsResult, *, top: int = 6) -> Graph:
    """The largest connected groups: members and the control / interdependence links that join them."""
    b = Builder("groups", height=480)
    palette = ["#2563eb", "#059669", "#7c3aed", "#ea580c", "#0d9488", "#be185d"]
    shown: list[grp.ConnectedGroup] = [g for g in groups.groups[:top]]
    for gi, g in enumerate(shown):
        for m in g.members[:60]:
            if m.id in G:
                add_graph_node(b, G, m.id, extra=[f"group: {g.name}"], border=palette[gi % len(palette)],
                               border_width=4 if m.id in g.parents else 2)
        for link in g.links:
            if link.source in b and link.target in b:
                b.edge(link.source, link.target, title=f"{_nm(G, link.source)} → {_nm(G, link.target)}\n"
                       f"{link.reason} ({link.basis}{'' if link.value is None else f' {link.value:.4g}%'})\n{link.note}",
                       color=HIGHLIGHT if link.reason == "control" else "#f59e0b", width=2)
    legend = [LegendEntry("red link = control", HIGHLIGHT, "line", 18),
              LegendEntry("amber link = economic interdependence", "#f59e0b", "line", 18),
              LegendEntry("thick border = group parent", "#111827")]
    return b.graph(physics=True, legend=legend, facts=[("groups", str(len(groups.groups))),
                                                       ("shown", f"largest {len(shown)}")])


def render_audit(G: nx.MultiDiGraph, *, scope: str = "all", as_of: str | None = None) -> tuple[str, AuditReport]:
    """Build the report and render its page; returns ``(html, report)``."""
    r = build_audit(G, scope=scope, as_of=as_of)
    return audit_page(G, r).render(), r


__all__: Sequence[str] = ("AuditReport", "audit_json", "audit_page", "build_audit", "render_audit", "scope_graph")
