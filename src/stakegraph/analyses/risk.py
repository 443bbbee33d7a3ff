"""Risk analyses declared once: contagion (every method), damaging paths, health, lifecycle, segments, communities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx

from stakegraph.analyses.cells import num
from stakegraph.analyses.spec import Analysis, Param, Table
from stakegraph.analytics import health as hl
from stakegraph.analytics import health_columns as hc
from stakegraph.analytics import lifecycle as lc
from stakegraph.analytics import propagation as prop
from stakegraph.analytics.cascade import CascadeResult, threshold_cascade_graph
from stakegraph.analytics.clearing import ClearingResult, clearing_graph
from stakegraph.analytics.debtrank import DebtRankGraphResult, debtrank_graph
from stakegraph.errors import Invalid
from stakegraph.measures import resolve_as_of, to_h0

P = Mapping[str, Any]
METHODS = ("contract", "debtrank", "cascade", "clearing")
TOP = Param("top", "int", "Rows to show.", default=20, minimum=1, maximum=10_000)
AS_OF = Param("as_of", "date", "Date the analysis is for (yyyy-mm-dd); default: the latest interaction, "
              "signal or event date in the data.")
RECOVERY = Param("recovery", "float", "Recovery rate of loans without recovery_rate.", default=0.4,
                 minimum=0, maximum=1)
MARGIN = Param("margin", "float", "Share of a lost customer's annual revenue lost against capital.",
               default=1.0, minimum=0, maximum=1)


def _contagion(G: nx.MultiDiGraph, p: P) -> Any:
    method, shocks = p["method"], p["shocks"] or ()
    if method == "clearing":
        return clearing_graph(G)
    if not shocks:
        raise Invalid("no shock given", fix="name at least one shock, e.g. a_co, loss:b_bank:0.3, ends:EDGE_ID "
                                            "or missed:ID")
    if method == "debtrank":
        return debtrank_graph(G, to_h0(shocks), variant=p["variant"])
    if method == "cascade":
        if not all(isinstance(s, prop.PartyDefault) for s in shocks):
            raise Invalid("the threshold cascade takes default shocks only", fix="use method contract for others")
        return threshold_cascade_graph(G, [s.party for s in shocks], recovery_default=p["recovery"])
    return prop.propagate(G, list(shocks), rounds=p["rounds"], recovery_default=p["recovery"],
                          revenue_margin=p["margin"])


def _path_text(path: tuple[Any, ...]) -> str:
    parts = []
    for s in path:
        if s.clause == "shock":
            parts.append(f"[{s.note}: {s.source}" + (f" -> {s.target}" if s.target != s.source else "") + "]")
        else:
            parts.append(f"{s.source} -{s.clause}({s.kind} {s.edge_id}) {s.amount:,.0f}-> {s.target}")
    return "  ".join(parts)


def _contagion_tables(r: Any, p: P) -> list[Table]:
    top = p["top"]
    if isinstance(r, ClearingResult):
        order = sorted((i for i in range(len(r.nodes)) if r.p_bar[i] > 0), key=lambda i: -r.shortfall[i])
        return [Table(f"Eisenberg-Noe clearing: {len(r.defaulted)} defaulting",
                      ["party", "owes", "pays", "shortfall", "default"],
                      [[r.nodes[i], r.p_bar[i], r.p[i], r.shortfall[i], i in r.defaulted] for i in order][:top],
                      name="clearing")]
    if isinstance(r, DebtRankGraphResult):
        return [Table(f"DebtRank {r.debtrank:.4f} (total stress {r.total_stress:.4f}), "
                      f"{len(r.additional_defaults)} additional defaults",
                      ["party", "name", "h0", "h", "weight", "default"],
                      [[s.node, s.name, s.h0, num(s.h, ".4f"), num(s.weight, ".4f"), s.defaulted]
                       for s in r.nodes[:top]], name="debtrank")]
    if isinstance(r, CascadeResult):
        return [Table(f"Threshold cascade: {len(r.defaulted)} defaults in {len(r.rounds)} rounds", ["round", "defaults"],
                      [[i, ", ".join(r.nodes[j] for j in rnd)] for i, rnd in enumerate(r.rounds)], name="cascade")]
    out = [Table(f"Contagion: system loss {r.system_loss:,.2f}, {len(r.defaults)} defaults, {r.rounds} rounds",
                 ["party", "name", "loss", "called", "h", "default", "round"],
                 [[x.party, x.name, x.loss, x.called, num(x.h, ".3f"), x.defaulted,
                   x.default_round if x.defaulted else x.first_round] for x in r.parties[:top]], name="contagion"),
           Table("How the loss travelled (largest path per party)", ["party", "path"],
                 [[x.party, _path_text(x.paths[0])] for x in r.parties[:top] if x.paths], name="contagion paths")]
    if r.projects:
        out.append(Table("Affected projects", ["project", "name", "affected parties", "defaulted", "via"],
                         [[x.project, x.name, ", ".join(x.parties), ", ".join(x.defaulted_parties), ", ".join(x.kinds)]
                          for x in r.projects[:top]], name="contagion projects"))
    return out


CONTAGION = Analysis(
    name="contagion",
    title="Contagion of a scenario",
    help="Who loses what when parties default, lose equity, miss targets or a relationship ends. Methods: "
         "contract (clause-aware propagation), debtrank, cascade (threshold), clearing (Eisenberg-Noe, no shocks). "
         "Shocks: ID or default:ID, loss:PARTY:FRACTION, ends:EDGE_ID, missed:ID.",
    params=(
        Param("shocks", "shocks", "Shocks, comma-separated (or the option repeated): ID, default:ID, "
              "loss:PARTY:0.3, ends:EDGE_ID, missed:ID.", default=(), positional=True),
        Param("method", "choice", "contract, debtrank, cascade or clearing.", default="contract", choices=METHODS),
        Param("variant", "choice", "DebtRank variant.", default="battiston2012",
              choices=("battiston2012", "bardoscia2015")),
        RECOVERY, MARGIN,
        Param("rounds", "int", "Maximum rounds (contract).", default=50, minimum=1, maximum=10_000),
        TOP,
    ),
    compute=_contagion,
    result=prop.PropagationResult,
    tables=_contagion_tables,
    notes=lambda r: ([f"no capital (cannot default): {', '.join(r.missing_capital)}"]
                     if isinstance(r, prop.PropagationResult) and r.missing_capital else []),
    example="stakegraph analyze contagion b_bank --method debtrank",
    backends=("local", "spark"),  # spark: method debtrank
)
#: The result types the contagion methods return (a GraphQL union).
CONTAGION_RESULTS: tuple[type, ...] = (prop.PropagationResult, DebtRankGraphResult, CascadeResult, ClearingResult)

DAMAGING_PATHS = Analysis(
    name="damaging-paths",
    title="Most damaging paths",
    help="The k paths along which a loss at one party hurts another most (transmission = product of factors).",
    params=(
        Param("source", "node", "Party where the loss starts.", required=True, positional=True),
        Param("target", "node", "Party it reaches.", required=True, positional=True),
        Param("k", "int", "Number of paths.", default=3, minimum=1, maximum=100, short="-k"),
        RECOVERY, MARGIN,
    ),
    compute=lambda G, p: prop.k_damaging_paths(G, p["source"], p["target"], p["k"], recovery_default=p["recovery"],
                                               revenue_margin=p["margin"]),
    result=prop.DamagingPaths,
    tables=lambda r, p: [Table(
        f"{len(r.paths)} most damaging paths {p['source']} -> {p['target']}",
        ["#", "transmission", "path (kinds, exposure, factor)"],
        [[i + 1, num(x.transmission, ".4g"), "  ".join(
            f"{lk.source} -[{'/'.join(lk.kinds)} {lk.exposure:,.0f} x{lk.factor:.3f}]->" for lk in x.links)
          + f" {x.nodes[-1]}"] for i, x in enumerate(r.paths)], name=f"damaging paths {p['source']} {p['target']}")],
    example="stakegraph analyze damaging-paths a_co b_bank",
)

HEALTH = Analysis(
    needs_day=True,
    name="health",
    title="Relationship alerts",
    help="Relationships scoring below the threshold (0-100), ranked, with their reasons (early warning).",
    params=(AS_OF, Param("threshold", "float", "Alert below this score (0-100).", default=60.0, minimum=0,
                         maximum=100), TOP),
    compute=lambda G, p: hl.relationship_alerts(G, as_of=resolve_as_of(G, p["as_of"]), threshold=p["threshold"]),
    compute_on_day=lambda G, p: hl.alerts_from_health(hc.relationship_health_on_day(G, as_of=p["as_of"]),
                                                      threshold=p["threshold"]),
    result=hl.AlertsResult,
    tables=lambda r, p: [Table(
        f"{len(r.alerts)} alerts below {p['threshold']:g} as of {r.as_of}", ["#", "relationship", "score", "reasons"],
        [[x.rank, f"{x.source_name} -{x.kind}-> {x.target_name} ({x.edge_id})", x.score, "; ".join(x.reasons[:4])]
         for x in r.alerts[: p["top"]]], name="alerts")],
    example="stakegraph analyze health --as-of 2026-06-30",
)

HEALTH_SCORES = Analysis(
    needs_day=True,
    name="health-scores",
    title="Relationship health",
    help="Every relationship's health score 0-100 (weakest first) with each contribution.",
    params=(AS_OF, TOP),
    compute=lambda G, p: hl.relationship_health(G, as_of=resolve_as_of(G, p["as_of"])),
    compute_on_day=lambda G, p: hc.relationship_health_on_day(G, as_of=p["as_of"]),
    result=hl.HealthResult,
    tables=lambda r, p: [Table(
        f"Relationship health as of {r.as_of} (weakest first)", ["edge", "kind", "source", "target", "score",
                                                                  "main factor"],
        [[x.edge_id, x.kind, x.source_name, x.target_name, x.score,
          x.contributions[0].factor if x.contributions else ""] for x in r.relationships[: p["top"]]], name="health")],
    example="stakegraph analyze health-scores --top 50",
)

HEALTH_DETAIL = Analysis(
    needs_day=True,
    name="health-detail",
    title="Health of one relationship",
    help="One relationship's health score 0-100 with every contribution (factor, points, date, decay, reason).",
    params=(Param("edge", "text", "Id of the relationship.", required=True, positional=True), AS_OF),
    compute=lambda G, p: hl.relationship_health(G, as_of=resolve_as_of(G, p["as_of"])).of(p["edge"]),
    compute_on_day=lambda G, p: hc.relationship_health_on_day(G, as_of=p["as_of"]).of(p["edge"]),
    result=hl.RelationshipHealth,
    tables=lambda r, p: [Table(
        f"{r.source_name} -{r.kind}-> {r.target_name}: score {r.score:.1f} ({r.interactions} interactions, "
        f"{r.contacts} contacts)", ["factor", "points", "scope", "date", "magnitude", "decay", "reason"],
        [[c.factor, c.points, c.scope, c.date, num(c.magnitude, ".3f"), num(c.decay, ".3f"), c.reason]
         for c in r.contributions], name=f"health {r.edge_id}")],
    example="stakegraph analyze health-detail r_ab_loan",
)

LIFECYCLE = Analysis(
    needs_day=True,
    name="lifecycle",
    title="Lifecycle stage of a party",
    help="A party's lifecycle stage (acquisition ... churn) with the evidence and the rule that decided it.",
    params=(Param("node", "node", "Party id.", required=True, positional=True), AS_OF),
    compute=lambda G, p: lc.lifecycle_stage(G, p["node"], as_of=resolve_as_of(G, p["as_of"])),
    result=lc.LifecycleResult,
    tables=lambda r, p: [Table(f"{r.name} ({r.party}) as of {r.as_of}: {r.stage or 'unknown'}", ["evidence", "value"], [
        ["rule", r.rule], ["reason", r.reason],
        ["trend %", "" if r.trend_pct is None else f"{r.trend_pct:+.2f} ({r.trend_source})"],
        ["first / last interaction", f"{r.first_interaction or ''} / {r.last_interaction or ''}"],
        ["active / ended relationships", f"{r.active_relationships} / {r.ended_relationships}"],
        ["stated stage", r.stated_stage or ""]], name=f"lifecycle {r.party}")],
    example="stakegraph analyze lifecycle tech_co",
)

LIFECYCLE_BOOK = Analysis(
    needs_day=True,
    name="lifecycle-book",
    title="Lifecycle stages of every organisation",
    help="Every organisation's lifecycle stage as of one date, and how many are in each stage.",
    params=(AS_OF, TOP),
    compute=lambda G, p: lc.lifecycle_book(G, as_of=resolve_as_of(G, p["as_of"])),
    result=lc.LifecycleBook,
    tables=lambda r, p: [
        Table(f"Lifecycle stages as of {r.as_of}", ["stage", "parties"], [[s.stage, s.parties] for s in r.stages],
              name="lifecycle stages"),
        Table("Parties", ["party", "name", "stage", "reason"],
              [[x.party, x.name, x.stage or "unknown", x.reason] for x in r.parties[: p["top"]]],
              name="lifecycle parties")],
    example="stakegraph analyze lifecycle-book",
)

SEGMENTS = Analysis(
    name="segments",
    title="Segmentation",
    help="Parties by size, rating bucket and risk appetite.",
    params=(TOP,),
    compute=lambda G, p: lc.segmentation(G),
    result=lc.SegmentationResult,
    tables=lambda r, p: [
        *[Table(f"Parties by {title}", ["segment", "parties"],
                [[k, v] for k, v in sorted(counts.items(), key=lambda kv: -kv[1])])
          for title, counts in (("size", r.size_counts), ("rating", r.rating_counts),
                                ("risk appetite", r.risk_appetite_counts))],
        Table("Parties", ["party", "name", "size", "rating", "bucket", "appetite"],
              [[x.party, x.name, x.size, x.rating, x.rating_bucket, x.risk_appetite] for x in r.parties[: p["top"]]],
              name="segments")],
    example="stakegraph analyze segments",
)

COMMUNITIES = Analysis(
    name="communities",
    title="Communities",
    help="Louvain communities of the party/project structure graph with the partition's modularity.",
    params=(Param("seed", "int", "Louvain seed.", default=0, minimum=0),
            Param("resolution", "float", "Louvain resolution.", default=1.0, minimum=0.0001, maximum=100), TOP),
    compute=lambda G, p: lc.communities(G, p["seed"], resolution=p["resolution"]),
    result=lc.CommunitiesResult,
    tables=lambda r, p: [Table(
        f"{len(r.communities)} communities, modularity {r.modularity:.4f} ({r.isolated} isolated)",
        ["id", "size", "parties", "projects", "members"],
        [[x.id, x.size, x.parties, x.projects, ", ".join(x.members[:8]) + (" ..." if x.size > 8 else "")]
         for x in r.communities[: p["top"]]], name="communities")],
    example="stakegraph analyze communities --seed 0",
)

ANALYSES: tuple[Analysis, ...] = (CONTAGION, DAMAGING_PATHS, HEALTH, HEALTH_SCORES, HEALTH_DETAIL, LIFECYCLE, LIFECYCLE_BOOK,
                                  SEGMENTS, COMMUNITIES)
