"""``stakegraph analyze concentration|dependencies|groups|exposures|cofinancing``.

Each command opens the configured store, projects it to NetworkX, runs one pure
function of ``stakegraph.analytics`` and prints a readable table, or with ``--json``
exactly ``to_jsonable(result)`` (the numbers the API returns). ``--csv DIR`` / ``--xlsx FILE``
also save the printed tables (``src/stakegraph/cli/tables.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import typer

from stakegraph.cli.tables import CSV_OPTION, XLSX_OPTION, money, money_text, num, tables

_JSON = typer.Option(False, "--json", help="Print the full result as JSON instead of tables.")


def _project() -> nx.MultiDiGraph:
    from stakegraph.store import open_store

    with open_store() as store:
        return store.project()


def _kinds(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


def _emit_json(result: Any) -> None:
    from stakegraph.analytics.stamp import to_jsonable

    typer.echo(json.dumps(to_jsonable(result), ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    """Add the structural analytics commands to ``app`` (the ``analyze`` group)."""

    @app.command("concentration")
    def concentration_cmd(
        node: str = typer.Argument(None, help="Node id; omit for every node's HHI (portfolio view)."),
        kinds: str = typer.Option("buys_from,offtakes", help="Comma-separated relationship kinds."),
        direction: str = typer.Option("in", help="'in': relationships pointing at the node; 'out': its own."),
        weight: str = typer.Option(None, help="Property to weigh by (default: each kind's declared weight; 'count')."),
        look_through: str = typer.Option(None, "--look-through", help="Aggregate counterparties: 'owner' or 'group'."),
        k: int = typer.Option(5, "-k", help="CR-k."),
        total: float = typer.Option(None, help="Denominator, e.g. the node's full annual revenue."),
        node_type: str = typer.Option("party", help="Portfolio view: node type to list ('any' for all)."),
        min_counterparties: int = typer.Option(1, help="Portfolio view: skip nodes with fewer counterparties."),
        top: int = typer.Option(20, help="Portfolio view: rows to show."),
        as_json: bool = _JSON,
        csv_dir: Path | None = CSV_OPTION,
        xlsx: Path | None = XLSX_OPTION,
    ) -> None:
        """Shares, HHI, CR-k, DOJ/FTC bands (2010, 2023) and major (>= 10%) counterparties.

        Example: stakegraph analyze concentration tech_co --kinds buys_from
        """
        with tables(csv_dir, xlsx, as_json) as out:
            from stakegraph.analytics.concentration import concentration, portfolio_concentration

            G = _project()
            lt = look_through or None
            if node is None:
                p = portfolio_concentration(G, kinds=_kinds(kinds), direction=direction, weight=weight,
                                            node_type=None if node_type == "any" else node_type,
                                            min_counterparties=min_counterparties, look_through=lt,  # type: ignore[arg-type]
                                            k=k)
                if as_json:
                    _emit_json(p)
                    return
                out.table(f"Concentration of {', '.join(p.kinds)} ({p.direction}), most concentrated first",
                          ["node", "name", "n", "HHI", f"CR-{k}", "top", "top %", "band (2010 / 2023)"],
                          [[r.node, r.name, r.n, num(r.hhi, ",.0f"), num(r.cr_k, ".2f"), r.top_counterparty,
                            num(r.top_pct, ".2f"), f"{r.band_2010.split()[0]} / {r.band_2023.split()[0]}"]
                           for r in p.rows[:top]], p.stamp, name="concentration portfolio")
                return
            r = concentration(G, node, kinds=_kinds(kinds), direction=direction, weight=weight,
                              look_through=lt, k=k, total=total)  # type: ignore[arg-type]
            if as_json:
                _emit_json(r)
                return
            out.table(f"{r.name} ({r.node}): {', '.join(r.kinds)} ({r.direction}), total {money_text(r.total)}",
                      ["counterparty", "name", "value", "share %", "major"],
                      [[s.counterparty, s.name, s.value, s.pct, "yes" if s.pct >= 10 else ""] for s in r.shares],
                      name=f"concentration {r.node}")
            out.table("Summary", ["measure", "value"], [
                ["HHI (0-10,000)", num(r.hhi, ",.1f")], ["HHI (0-1)", num(r.hhi_unit, ".4f")],
                [f"CR-{r.k}", num(r.cr_k, ".2f", "%")],
                ["effective number", num(r.effective_number, ".2f")],
                *[[b.edition, b.band] for b in r.bands],
                ["unattributed", num(r.unattributed_pct, ".2f", "%")],
                ["edges without weight", num(len(r.unweighted_edges), "d")],
            ], r.stamp, name=f"concentration summary {r.node}")

    @app.command("dependencies")
    def dependencies_cmd(
        node: str = typer.Option(None, help="Removal impact of this party."),
        project: str = typer.Option(None, help="Funding dominators (chokepoints) of this project."),
        centrality_view: bool = typer.Option(False, "--centrality", help="Betweenness, PageRank, k-core, cut points."),
        kinds: str = typer.Option("lends_to,builds,offtakes,buys_from", help="Dependency kinds (removal impact)."),
        weighted: bool = typer.Option(False, help="Centrality: weigh ties by their amounts."),
        directed: bool = typer.Option(False, help="Centrality: follow edge direction."),
        k: int = typer.Option(None, "-k", help="Centrality: sample k sources (Brandes & Pich 2007)."),
        seed: int = typer.Option(0, help="Centrality: seed of the sample."),
        top: int = typer.Option(20, help="Rows to show."),
        as_json: bool = _JSON,
        csv_dir: Path | None = CSV_OPTION,
        xlsx: Path | None = XLSX_OPTION,
    ) -> None:
        """Central dependencies: who strands whom, in money; or one party's removal impact.

        Examples: stakegraph analyze dependencies; ... --node epc_main; ... --project p_energy_plant_1
        """
        with tables(csv_dir, xlsx, as_json) as out:
            from stakegraph.analytics import dependencies as dep

            G = _project()
            if project:
                d = dep.funding_dominators(G, project)
                if as_json:
                    _emit_json(d)
                    return
                out.table(f"Funding into {d.name} ({d.project}): chokepoints nearest first",
                          ["chokepoint", "name"], [[c, G.nodes[c].get("name", c)] for c in d.chokepoints], None,
                          name=f"chokepoints {d.project}")
                out.table("Gateway of each funder", ["funder", "gateway"],
                          [[f, g] for f, g in d.gateway.items()][:top], d.stamp, name=f"gateways {d.project}")
                return
            if node:
                r = dep.removal_impact(G, node, kinds=_kinds(kinds))
                if as_json:
                    _emit_json(r)
                    return
                out.table(f"Removing {r.name} ({r.node}), replaceability {r.replaceability}",
                          ["dependant", "name", "type", "loses its", "amount", "money", "providers", "sole"],
                          [[x.node, x.name, x.type, x.role, x.amount, x.money, x.providers, "yes" if x.sole else ""]
                           for x in r.dependants], None, name=f"removal impact {r.node}")
                out.table("Cut off", ["measure", "value"], [
                    ["stranded projects", ", ".join(r.stranded_projects)],
                    ["stranded parties", ", ".join(r.stranded_parties)],
                    ["money cut", money(r.money_cut)], ["money stranded", money(r.money_stranded)],
                    ["weighted cut (1 - r)", money(r.weighted_cut)],
                    ["weighted stranded (1 - r)", money(r.weighted_stranded)],
                ], r.stamp, name=f"cut off {r.node}")
                return
            if centrality_view:
                c = dep.centrality(G, weighted=weighted, directed=directed, k=k, seed=seed, top=top)
                cuts = dep.articulation_points_and_bridges(G)
                if as_json:
                    _emit_json({"centrality": c, "cuts": cuts})
                    return
                out.table("Centrality (party/project structure graph)",
                          ["node", "name", "type", "betweenness", "pagerank", "core"],
                          [[r.node, r.name, r.type, num(r.betweenness, ".6f"), num(r.pagerank, ".6f"), r.core]
                           for r in c.top], c.stamp, name="centrality")
                out.table("Articulation points", ["node", "name", "pieces", "cut off"],
                          [[p.node, p.name, str(list(p.pieces)), len(p.separated)] for p in cuts.points[:top]],
                          cuts.stamp)
                return
            cd = dep.central_dependencies(G, top=top, kinds=_kinds(kinds))
            if as_json:
                _emit_json(cd)
                return
            out.table("Central dependencies, ranked by stranded money x (1 - replaceability)",
                      ["party", "name", "stranded proj/parties", "stranded", "weighted", "all cut (w)", "cut pt"],
                      [[r.impact.node, r.impact.name,
                        f"{len(r.impact.stranded_projects)} / {len(r.impact.stranded_parties)}",
                        r.impact.money_stranded, r.impact.weighted_stranded, r.impact.weighted_cut,
                        "yes" if r.articulation_point else ""] for r in cd.rows], cd.stamp,
                      name="central dependencies")

    @app.command("groups")
    def groups_cmd(
        control_threshold: float = typer.Option(50.0, help="Ownership % above which a holder controls."),
        interdependence_threshold: float = typer.Option(50.0, help="Receipts / guaranteed-debt % for interdependence."),
        top: int = typer.Option(20, help="Groups to show."),
        as_json: bool = _JSON,
        csv_dir: Path | None = CSV_OPTION,
        xlsx: Path | None = XLSX_OPTION,
    ) -> None:
        """Groups of connected counterparties (Basel LEX10): control plus economic interdependence."""
        with tables(csv_dir, xlsx, as_json) as out:
            from stakegraph.analytics.groups import connected_groups

            r = connected_groups(_project(), control_threshold=control_threshold,
                                 interdependence_threshold=interdependence_threshold)
            if as_json:
                _emit_json(r)
                return
            out.table(f"Connected groups ({len(r.groups)})", ["group", "members", "parents", "why (links)"],
                      [[g.id, ", ".join(g.member_ids), ", ".join(g.parents),
                        "; ".join(f"{lk.source}->{lk.target} {lk.basis}"
                                  + ("" if lk.value is None else f" {lk.value:.4g}%") for lk in g.links)]
                       for g in r.groups[:top]], r.stamp, name="connected groups")

    @app.command("exposures")
    def exposures_cmd(
        lender: str = typer.Argument(..., help="Id of the bank (needs tier1_capital)."),
        as_json: bool = _JSON,
        csv_dir: Path | None = CSV_OPTION,
        xlsx: Path | None = XLSX_OPTION,
    ) -> None:
        """Large exposures of a lender to groups of connected counterparties vs its Tier 1 capital."""
        with tables(csv_dir, xlsx, as_json) as out:
            from stakegraph.analytics.groups import large_exposures

            r = large_exposures(_project(), lender)
            if as_json:
                _emit_json(r)
                return
            out.table(f"{r.name} ({r.lender}): Tier 1 {money_text(r.tier1_capital)}, 20 largest exposures",
                      ["group", "name", "members", "amount", "% Tier 1", "limit %", "reportable", "breach"],
                      [[e.group_id, e.name, len(e.members), e.amount, e.pct_tier1, e.limit_pct,
                        "yes" if e.reportable else "", "BREACH" if e.breach else ""] for e in r.largest], r.stamp,
                      name=f"large exposures {r.lender}")

    @app.command("cofinancing")
    def cofinancing_cmd(
        kinds: str = typer.Option("lends_to", help="Financing kinds, comma-separated."),
        min_shared: int = typer.Option(1, help="Keep pairs sharing at least this many projects."),
        top: int = typer.Option(20, help="Pairs to show."),
        as_json: bool = _JSON,
        csv_dir: Path | None = CSV_OPTION,
        xlsx: Path | None = XLSX_OPTION,
    ) -> None:
        """Lender pairs by the projects they finance together (count, amount)."""
        with tables(csv_dir, xlsx, as_json) as out:
            from stakegraph.analytics.cofinancing import cofinancing

            r = cofinancing(_project(), kinds=_kinds(kinds), min_shared=min_shared)
            if as_json:
                _emit_json(r)
                return
            out.table(f"Co-financing: {len(r.pairs)} pairs among {r.lenders} lenders and {r.projects} projects",
                      ["lender a", "lender b", "projects", "amount (both)", "overlap (min)"],
                      [[f"{p.name_a} ({p.a})", f"{p.name_b} ({p.b})", p.count, p.amount, p.amount_overlap]
                       for p in r.pairs[:top]], r.stamp, name="cofinancing")
