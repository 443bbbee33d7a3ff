"""Structural analyses declared once: concentration, structure, dependencies, centrality, groups, co-financing."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping
from typing import Any

import networkx as nx

from stakegraph.analyses.cells import money, money_text, num
from stakegraph.analyses.spec import Analysis, Param, Table
from stakegraph.analytics import cofinancing as cof
from stakegraph.analytics import concentration as conc
from stakegraph.analytics import dependencies as dep
from stakegraph.analytics import groups as grp
from stakegraph.analytics.selection import STRUCTURAL_KINDS
from stakegraph.analytics.structure_fast import structural_graph_fast

P = Mapping[str, Any]
_STRUCTURES: weakref.WeakKeyDictionary[nx.MultiDiGraph, dict[bool, nx.Graph]] = weakref.WeakKeyDictionary()
_STRUCTURES_LOCK = threading.Lock()


def shared_structure(G: nx.MultiDiGraph, directed: bool = False) -> nx.Graph:
    """The default structure graph of ``G``, built once per projection and shared read-only.

    Centrality and cut points (and the audit, which runs both) use the same one. Built by
    :func:`~stakegraph.analytics.structure_fast.structural_graph_fast` (equal to
    :func:`~stakegraph.analytics.selection.structural_graph`, one pass over the adjacency).
    """
    with _STRUCTURES_LOCK:
        hit = _STRUCTURES.get(G, {}).get(directed)
    if hit is not None:
        return hit
    H = structural_graph_fast(G, directed=directed)
    with _STRUCTURES_LOCK:
        _STRUCTURES.setdefault(G, {})[directed] = H
    return H

TOP = Param("top", "int", "Rows to return and show.", default=20, minimum=1, maximum=10_000)
K = Param("k", "int", "CR-k: the share of the k largest counterparties.", default=5, minimum=1, maximum=1000,
          short="-k")


def _summary_rows(r: conc.ConcentrationResult) -> list[list[Any]]:
    return [
        ["counterparties", r.n], ["total", money(r.total)],
        ["HHI (0-10,000)", num(r.hhi, ",.1f")], ["HHI (0-1)", num(r.hhi_unit, ".4f")],
        [f"CR-{r.k}", num(r.cr_k, ".2f", "%")], ["effective number", num(r.effective_number, ".2f")],
        *[[b.edition, b.band] for b in r.bands],
        ["unattributed", num(r.unattributed_pct, ".2f", "%")],
        ["edges without weight", len(r.unweighted_edges)],
        *([["note", r.note]] if r.note else []),
    ]


def _concentration_tables(r: conc.ConcentrationResult, p: P) -> list[Table]:
    who = f"{r.name} ({r.node})" if r.node else r.name
    return [
        Table(f"{who}: {', '.join(r.kinds)} ({r.direction}), total {money_text(r.total)}",
              ["counterparty", "name", "value", "share %", "major"],
              [[s.counterparty, s.name, s.value, s.pct, "yes" if conc.is_major(s.pct) else ""]
               for s in r.shares[: p.get("top") or None]],
              name=f"concentration {r.node or 'book'}"),
        Table("Summary", ["measure", "value"], _summary_rows(r), name=f"concentration summary {r.node or 'book'}"),
    ]


CONCENTRATION = Analysis(
    name="concentration",
    title="Concentration of one node",
    help="Shares, HHI, CR-k, DOJ/FTC bands (2010, 2023) and major (>= 10%) counterparties of one node's "
         "relationships. With no counterparties of the chosen kinds, the answer says which kinds the node has.",
    params=(
        Param("node", "node", "Id of the node whose relationships are measured.", required=True, positional=True),
        Param("kinds", "kinds", "Relationship kinds (comma-separated).", default=conc.CUSTOMER_KINDS),
        Param("direction", "choice", "'in': relationships pointing at the node (its customers, its lenders); "
              "'out': its own.", default="in", choices=("in", "out")),
        Param("weight", "text", "Property to weigh by (default: each kind's declared weight; 'count' = 1 each)."),
        Param("look_through", "choice", "Aggregate counterparties by ultimate 'owner' or connected 'group'.",
              choices=("owner", "group")),
        K,
        Param("total", "float", "Denominator, e.g. the node's full annual revenue (default: the sum).", minimum=0),
    ),
    compute=lambda G, p: conc.concentration(G, p["node"], kinds=p["kinds"], direction=p["direction"],
                                            weight=p["weight"], look_through=p["look_through"], k=p["k"],
                                            total=p["total"]),
    result=conc.ConcentrationResult,
    tables=_concentration_tables,
    example="stakegraph analyze concentration tech_co --kinds buys_from",
    backends=("local", "spark"),
)

PORTFOLIO_CONCENTRATION = Analysis(
    name="portfolio-concentration",
    title="Concentration of every node",
    help="Every node's HHI and CR-k over the chosen kinds, most concentrated first.",
    params=(
        Param("kinds", "kinds", "Relationship kinds (comma-separated).", default=conc.CUSTOMER_KINDS),
        Param("direction", "choice", "'in' or 'out' (as for concentration).", default="in", choices=("in", "out")),
        Param("weight", "text", "Property to weigh by (default: each kind's declared weight; 'count')."),
        Param("node_type", "choice", "Node type to list ('any' for all).", default="party",
              choices=("party", "project", "any")),
        Param("min_counterparties", "int", "Skip nodes with fewer counterparties.", default=1, minimum=1),
        Param("look_through", "choice", "Aggregate counterparties by 'owner' or 'group'.", choices=("owner", "group")),
        K,
        TOP,
    ),
    compute=lambda G, p: conc.portfolio_concentration(
        G, kinds=p["kinds"], direction=p["direction"], weight=p["weight"],
        node_type=None if p["node_type"] == "any" else p["node_type"], min_counterparties=p["min_counterparties"],
        look_through=p["look_through"], k=p["k"]),
    result=conc.PortfolioConcentration,
    tables=lambda r, p: [Table(
        f"Concentration of {', '.join(r.kinds)} ({r.direction}), most concentrated first",
        ["node", "name", "n", "HHI", f"CR-{p['k']}", "top", "top %", "band (2010 / 2023)"],
        [[x.node, x.name, x.n, num(x.hhi, ",.0f"), num(x.cr_k, ".2f"), x.top_counterparty, num(x.top_pct, ".2f"),
          f"{x.band_2010.split()[0]} / {x.band_2023.split()[0]}"] for x in r.rows[: p["top"]]],
        name="concentration portfolio")],
    example="stakegraph analyze portfolio-concentration --kinds lends_to",
    backends=("local", "spark"),
)

BOOK_CONCENTRATION = Analysis(
    name="book-concentration",
    title="Concentration of the whole book",
    help="Each party's share of ALL relationships of the chosen kinds (e.g. each lender's share of all "
         "lending): HHI, CR-k and bands of the whole book.",
    params=(
        Param("kinds", "kinds", "Relationship kinds (comma-separated).", default=("lends_to",)),
        Param("by", "choice", "Group by the relationship's 'source' (lenders for lends_to) or 'target'.",
              default="source", choices=("source", "target")),
        Param("weight", "text", "Property to weigh by (default: each kind's declared weight; 'count')."),
        K,
        TOP,
    ),
    compute=lambda G, p: conc.book_concentration(G, kinds=p["kinds"], by=p["by"], weight=p["weight"], k=p["k"]),
    result=conc.ConcentrationResult,
    tables=_concentration_tables,
    example="stakegraph analyze book-concentration --kinds lends_to --by source",
    backends=("local", "spark"),
)

STRUCTURE = Analysis(
    name="structure",
    title="Structure of the graph",
    help="Counts by node type and relationship kind, and the connected components of the party/project "
         "structure graph (how many, the largest, isolated nodes).",
    params=(Param("kinds", "kinds", "Kinds that tie the structure graph.", default=STRUCTURAL_KINDS),),
    compute=lambda G, p: dep.structure_summary(G, kinds=p["kinds"]),
    result=dep.StructureSummary,
    tables=lambda r, p: [
        Table("Structure", ["measure", "value"], [
            ["nodes", r.nodes], ["relationships", r.relationships],
            ["structure nodes (parties, projects)", r.structure_nodes], ["structure ties", r.structure_ties],
            ["components", r.components], ["largest component", r.largest_component],
            ["largest component %", num(r.largest_component_pct, ".2f", "%")], ["isolated", r.isolated]],
            name="structure"),
        Table("Nodes by type", ["type", "count"], [[c.name, c.count] for c in r.node_types], name="node types"),
        Table("Relationships by kind", ["kind", "count"], [[c.name, c.count] for c in r.relationship_kinds],
              name="relationship kinds"),
    ],
    example="stakegraph analyze structure",
)

DEPENDENCIES = Analysis(
    name="dependencies",
    title="Central dependencies",
    help="Providers ranked by the money they would strand x (1 - replaceability), with cut points.",
    params=(TOP, Param("kinds", "kinds", "Dependency kinds.", default=dep.DEPENDENCY_KINDS)),
    compute=lambda G, p: dep.central_dependencies(G, top=p["top"], kinds=p["kinds"]),
    result=dep.CentralDependencies,
    tables=lambda r, p: [Table(
        "Central dependencies, ranked by stranded money x (1 - replaceability)",
        ["party", "name", "stranded proj/parties", "stranded", "weighted", "all cut (w)", "cut pt"],
        [[x.impact.node, x.impact.name, f"{len(x.impact.stranded_projects)} / {len(x.impact.stranded_parties)}",
          x.impact.money_stranded, x.impact.weighted_stranded, x.impact.weighted_cut,
          "yes" if x.articulation_point else ""] for x in r.rows], name="central dependencies")],
    example="stakegraph analyze dependencies --top 10",
)

REMOVAL_IMPACT = Analysis(
    name="removal-impact",
    title="Removal impact of one party",
    help="What removing one party cuts off and strands, in money, with each dependant's alternatives.",
    params=(Param("node", "node", "Id of the party removed.", required=True, positional=True),
            Param("kinds", "kinds", "Dependency kinds.", default=dep.DEPENDENCY_KINDS)),
    compute=lambda G, p: dep.removal_impact(G, p["node"], kinds=p["kinds"]),
    result=dep.RemovalImpact,
    tables=lambda r, p: [
        Table(f"Removing {r.name} ({r.node}), replaceability {r.replaceability}",
              ["dependant", "name", "type", "loses its", "amount", "money", "providers", "sole"],
              [[x.node, x.name, x.type, x.role, x.amount, x.money, x.providers, "yes" if x.sole else ""]
               for x in r.dependants], name=f"removal impact {r.node}"),
        Table("Cut off", ["measure", "value"], [
            ["stranded projects", ", ".join(r.stranded_projects)],
            ["stranded parties", ", ".join(r.stranded_parties)],
            ["money cut", money(r.money_cut)], ["money stranded", money(r.money_stranded)],
            ["weighted cut (1 - r)", money(r.weighted_cut)], ["weighted stranded (1 - r)", money(r.weighted_stranded)],
        ], name=f"cut off {r.node}")],
    example="stakegraph analyze removal-impact epc_main",
)

FUNDING_DOMINATORS = Analysis(
    name="funding-dominators",
    title="Funding chokepoints of a project",
    help="The nodes every funding path into a project passes through (dominators), nearest first, and "
         "each funder's gateway.",
    params=(Param("node", "node", "Id of the project.", required=True, positional=True),),
    compute=lambda G, p: dep.funding_dominators(G, p["node"]),
    result=dep.FundingDominators,
    tables=lambda r, p: [
        Table(f"Funding into {r.name} ({r.project}): chokepoints nearest first", ["chokepoint"],
              [[c] for c in r.chokepoints], name=f"chokepoints {r.project}"),
        Table("Gateway of each funder", ["funder", "gateway"], [[f, g] for f, g in r.gateway.items()],
              name=f"gateways {r.project}")],
    example="stakegraph analyze funding-dominators p_energy_plant_1",
)

CENTRALITY = Analysis(
    name="centrality",
    title="Centrality",
    help="Betweenness (exact, or sampled with k sources), PageRank and k-core of the party/project "
         "structure graph.",
    params=(
        Param("weighted", "bool", "Weigh ties by their amounts.", default=False),
        Param("directed", "bool", "Follow edge direction.", default=False),
        Param("sample", "int", "Sample this many sources for betweenness (Brandes & Pich 2007); "
              "default exact.", minimum=1, maximum=100_000),
        Param("seed", "int", "Seed of the sample.", default=0, minimum=0),
        TOP,
    ),
    compute=lambda G, p: dep.centrality(G, weighted=p["weighted"], directed=p["directed"], k=p["sample"],
                                        seed=p["seed"], top=p["top"],
                                        structure=shared_structure(G, directed=p["directed"])),
    result=dep.CentralityResult,
    tables=lambda r, p: [Table(
        "Centrality (party/project structure graph)", ["node", "name", "type", "betweenness", "pagerank", "core"],
        [[x.node, x.name, x.type, num(x.betweenness, ".6f"), num(x.pagerank, ".6f"), x.core] for x in r.top],
        name="centrality")],
    example="stakegraph analyze centrality --top 10",
)

CUT_POINTS = Analysis(
    name="cut-points",
    title="Cut points and bridges",
    help="Articulation points (parties/projects whose loss splits the structure graph) and bridges.",
    params=(TOP,),
    compute=lambda G, p: dep.articulation_points_and_bridges(G, structure=shared_structure(G)),
    result=dep.CutResult,
    tables=lambda r, p: [
        Table("Articulation points", ["node", "name", "pieces", "cut off"],
              [[x.node, x.name, str(list(x.pieces)), len(x.separated)] for x in r.points[: p["top"]]],
              name="articulation points"),
        Table("Bridges", ["source", "target", "edges"],
              [[b.u, b.v, ", ".join(b.edges)] for b in r.bridges[: p["top"]]], name="bridges")],
    example="stakegraph analyze cut-points",
)

GROUPS = Analysis(
    name="groups",
    title="Connected counterparties",
    help="Groups of connected counterparties (Basel LEX10): control plus economic interdependence.",
    params=(
        Param("control_threshold", "float", "Ownership % above which a holder controls.", default=50.0,
              minimum=0, maximum=100),
        Param("interdependence_threshold", "float", "Receipts / guaranteed-debt % for interdependence.",
              default=50.0, minimum=0, maximum=100),
        TOP,
    ),
    compute=lambda G, p: grp.connected_groups(G, control_threshold=p["control_threshold"],
                                              interdependence_threshold=p["interdependence_threshold"]),
    result=grp.ConnectedGroupsResult,
    tables=lambda r, p: [Table(
        f"Connected groups ({len(r.groups)})", ["group", "members", "parents", "why (links)"],
        [[g.id, ", ".join(g.member_ids), ", ".join(g.parents),
          "; ".join(f"{lk.source}->{lk.target} {lk.basis}" + ("" if lk.value is None else f" {lk.value:.4g}%")
                    for lk in g.links)] for g in r.groups[: p["top"]]], name="connected groups")],
    example="stakegraph analyze groups",
    backends=("local", "spark"),
)

LARGE_EXPOSURES = Analysis(
    name="exposures",
    title="Large exposures of a lender",
    help="Large exposures of a lender to groups of connected counterparties vs its Tier 1 capital (Basel LEX).",
    params=(Param("node", "node", "Id of the bank (needs tier1_capital).", required=True, positional=True),
            TOP),
    compute=lambda G, p: grp.large_exposures(G, p["node"], top=p["top"]),
    result=grp.LargeExposuresResult,
    tables=lambda r, p: [Table(
        f"{r.name} ({r.lender}): Tier 1 {money_text(r.tier1_capital)}, {len(r.largest)} largest exposures",
        ["group", "name", "members", "amount", "% Tier 1", "limit %", "reportable", "breach"],
        [[e.group_id, e.name, len(e.members), e.amount, e.pct_tier1, e.limit_pct, "yes" if e.reportable else "",
          "BREACH" if e.breach else ""] for e in r.largest], name=f"large exposures {r.lender}")],
    example="stakegraph analyze exposures b_bank",
    backends=("local", "spark"),
)

COFINANCING = Analysis(
    name="cofinancing",
    title="Co-financing pairs",
    help="Lender pairs by the projects they finance together (count, amount, overlap).",
    params=(Param("kinds", "kinds", "Financing kinds.", default=("lends_to",)),
            Param("min_shared", "int", "Keep pairs sharing at least this many projects.", default=1, minimum=1),
            TOP),
    compute=lambda G, p: cof.cofinancing(G, kinds=p["kinds"], min_shared=p["min_shared"], top=p["top"]),
    result=cof.CofinancingResult,
    tables=lambda r, p: [Table(
        f"Co-financing: {len(r.pairs)} pairs among {r.lenders} lenders and {r.projects} projects",
        ["lender a", "lender b", "projects", "amount (both)", "overlap (min)"],
        [[f"{x.name_a} ({x.a})", f"{x.name_b} ({x.b})", x.count, x.amount, x.amount_overlap] for x in r.pairs],
        name="cofinancing")],
    example="stakegraph analyze cofinancing --min-shared 2",
    backends=("local", "spark"),
)

COFINANCING_CENTRALITY = Analysis(
    name="cofinancing-centrality",
    title="Co-financing centrality",
    help="Lenders ranked by betweenness in the co-financing network (who sits between syndicates).",
    params=(Param("kinds", "kinds", "Financing kinds.", default=("lends_to",)),
            Param("min_shared", "int", "Tie lenders sharing at least this many projects.", default=1, minimum=1),
            TOP),
    compute=lambda G, p: cof.cofinancing_centrality(G, kinds=p["kinds"], min_shared=p["min_shared"], top=p["top"]),
    result=cof.CofinancingCentrality,
    tables=lambda r, p: [Table(
        f"Co-financing centrality: {r.lenders} lenders, {r.pairs} ties",
        ["lender", "name", "partners", "shared projects", "overlap", "betweenness"],
        [[x.lender, x.name, x.partners, x.shared_projects, x.amount_overlap, num(x.betweenness, ".4f")]
         for x in r.rows], name="cofinancing centrality")],
    example="stakegraph analyze cofinancing-centrality",
    backends=("local", "spark"),
)

ANALYSES: tuple[Analysis, ...] = (
    CONCENTRATION, PORTFOLIO_CONCENTRATION, BOOK_CONCENTRATION, STRUCTURE, DEPENDENCIES, REMOVAL_IMPACT,
    FUNDING_DOMINATORS, CENTRALITY, CUT_POINTS, GROUPS, LARGE_EXPOSURES, COFINANCING, COFINANCING_CENTRALITY,
)
