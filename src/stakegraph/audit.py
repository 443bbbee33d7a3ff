"""The dependency audit as analysis: a pure function of the graph, :func:`build_audit`, returning an :class:`AuditReport`.

The audit runs the catalogue's analyses (:mod:`stakegraph.analyses`) with the parameters in
:data:`AUDIT_PARAMETERS`: the concentration, cut points, centrality, relationship health and
connected groups it shows are the answers ``stakegraph analyze NAME`` gives for the same parameters
(the parity suite checks it), and its as-of date follows the one rule of
:func:`stakegraph.measures.resolve_as_of`. :mod:`stakegraph.viz.audit` renders the report as a page.

Sections: summary and key findings; most concentrated parties (customers and lenders); central
dependencies with removal impact; contagion scenarios for the most central parties and for recalled
relationships; relationship alerts; connected groups and large-exposure checks. Every result keeps
the stamp of the analytics that produced it.

>>> from stakegraph.model import EdgeRecord, NodeRecord
>>> from stakegraph.store import EmbeddedStore
>>> with EmbeddedStore(":memory:") as s:
...     _ = s.write([NodeRecord("b", "party", {"name": "B", "kind": "bank"}),
...                  NodeRecord("c", "party", {"name": "C", "kind": "corporate"})],
...                 [EdgeRecord("l", "lends_to", "b", "c", {"amount": 5.0, "status": "recalled"})])
...     report = build_audit(s.project(), as_of="2026-01-31")
>>> report.as_of, [s.title for s in report.scenarios][:1]
('2026-01-31', ['lends_to B → C is recalled'])
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import json
import math
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import networkx as nx

from stakegraph.analyses import Answer, answer, get
from stakegraph.analyses.structure import shared_structure
from stakegraph.analytics import audit_columns, health
from stakegraph.analytics import concentration as conc
from stakegraph.analytics import dependencies as deps
from stakegraph.analytics import groups as grp
from stakegraph.analytics import propagation as prop
from stakegraph.analytics import timeline as tl
from stakegraph.analytics.kernels import prefetch_betweenness
from stakegraph.analytics.selection import STRUCTURAL_TYPES
from stakegraph.analytics.stamp import Stamp, to_jsonable
from stakegraph.errors import Invalid, NotFound
from stakegraph.measures import edge_count, money_stamp, resolve_as_of

__all__ = ["AuditReport", "ConcentrationRow", "Scenario", "SharedProvider", "audit_json", "build_audit",
           "centrality_parameters", "contagion_scenarios", "display_name", "findings", "fmt", "most_concentrated",
           "scope_graph", "shared_providers", "shared_providers_reference", "AUDIT_PARAMETERS", "ALERTS_SHOWN", "write_audit_json", "EXACT_BETWEENNESS_MAX",
           "BETWEENNESS_K", "BETWEENNESS_SEED", "OverTime", "over_time", "TREND_MEASURES", "TREND_PERIOD", "TREND_YEARS",
           "TREND_FULL_MAX_EDGES", "TREND_LARGE_PERIOD", "TREND_LARGE_MEASURES"]

#: Alerts the report lists: the first rows of the catalogue's ``health`` answer (threshold 60).
ALERTS_SHOWN = 25


def fmt(value: Any) -> str:
    """A number in a compact human form (1.2M, 86.76), anything else as text.

    >>> fmt(1234567.0), fmt(86.76), fmt(0.25), fmt("x")
    ('1.23M', '86.76', '0.25', 'x')
    """
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int | float):
        v = float(value)
        if math.isnan(v):
            return "n/a"
        a = abs(v)
        for unit, div in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("k", 1e3)):
            if a >= div * 10 or (unit != "k" and a >= div):
                return f"{v / div:.3g}{unit}"
        return f"{v:.4g}" if a < 1000 else f"{v:,.0f}"
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    return str(value)


def display_name(G: nx.MultiDiGraph, n: Any) -> str:
    """The node's name, with its English name in brackets when that differs (``B银行 (B Bank)``)."""
    if n not in G:
        return str(n)
    d = G.nodes[n]
    name = str(d.get("name") or n)
    en = d.get("name_en")
    return f"{name} ({en})" if en and str(en) != name else name


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


#: The book's measures the audit follows over time ("Change over time"), each at every period end.
TREND_MEASURES: tuple[str, ...] = ("hhi", "cr_k", "exposure", "counterparties", "cut_points")
#: Period of the audit's trends and how many years back from the as-of date they start.
TREND_PERIOD = "quarter"
TREND_YEARS = 2
#: Above this many relationships the over-time section is bounded (each period end re-reads the whole book as
#: of that day and recomputes every measure on it: at 10,000 parties it was two thirds of the audit): the
#: book's HHI and exposure at year ends (:data:`TREND_LARGE_PERIOD`) — CR-k and the counterparty count
#: repeat the HHI's concentration pass, the cut-point trend is an articulation-point pass per period end;
#: the page and the JSON say so. ``stakegraph analyze trend`` gives any other trend.
TREND_FULL_MAX_EDGES = 20_000
TREND_LARGE_PERIOD = "year"
TREND_LARGE_MEASURES: tuple[str, ...] = ("hhi", "exposure")


@dataclass(frozen=True)
class OverTime:
    """The book's measures at each period end up to the audit's as-of date, and what changed in the last period.

    Each trend is the catalogue's ``trend`` of the book (``stakegraph analyze trend --measure M --period
    quarter --from … --to …``); ``diff`` is ``stakegraph diff --from <previous period end> --to <as-of>``.
    """

    period: str
    from_date: str
    to_date: str
    #: The reporting currency of the exposure trend (``None``: the book states no currency).
    currency: str | None
    trends: tuple[tl.TrendResult, ...]
    diff: tl.DiffResult | None
    #: Why the section is narrower than :data:`TREND_MEASURES` per :data:`TREND_PERIOD` (``None``: it is not).
    note: str | None = None


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
    #: The catalogue answers the report is made of, by section label (see :data:`AUDIT_PARAMETERS`).
    answers: dict[str, Answer] = field(default_factory=dict)
    #: The book's measures over time ("Change over time"); ``None`` when not computed.
    over_time: OverTime | None = None


def scope_graph(G: nx.MultiDiGraph, scope: str, *, radius: int = 2) -> nx.MultiDiGraph:
    """The part of ``G`` an audit of ``scope`` covers: ``all``, or a party/project and its ``radius``-hop surroundings.

    Surroundings are counted over party/project relationships; the contracts,
    interactions and signals attached to those nodes come along.
    """
    if scope == "all":
        return G
    if scope not in G:
        raise NotFound(f"audit scope {scope!r} is neither 'all' nor a node id; pass a party or project id")
    if G.nodes[scope].get("type") not in ("party", "project"):
        raise Invalid(f"audit scope {scope!r} is a {G.nodes[scope].get('type')}; pass a party or project id")
    core_nodes = [n for n, t in G.nodes(data="type") if t in ("party", "project")]
    U = G.subgraph(core_nodes).to_undirected(as_view=True)
    keep = set(nx.single_source_shortest_path_length(U, scope, cutoff=radius))
    attached = {u for n in keep for u, _ in G.in_edges(n) if G.nodes[u].get("type") in ("contract", "signal",
                                                                                          "interaction")}
    attached |= {v for n in keep for _, v in G.out_edges(n) if G.nodes[v].get("type") == "contract"}
    S = G.subgraph(keep | attached).copy()
    S.graph.update(G.graph)
    return S


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


def build_audit(G: nx.MultiDiGraph, *, scope: str = "all", as_of: str | None = None, top: int = 10,
                scenarios: int = 3, exact_betweenness_max: int = EXACT_BETWEENNESS_MAX,
                betweenness_k: int = BETWEENNESS_K, seed: int = BETWEENNESS_SEED,
                timings: dict[str, float] | None = None, pause_gc: bool = True) -> AuditReport:
    """Run the analytics the audit needs on ``scope`` of ``G``.

    Betweenness (which central parties get a contagion scenario) is exact up to
    ``exact_betweenness_max`` party/project nodes and sampled above (``betweenness_k``
    sources, ``seed``); :attr:`AuditReport.centrality_stamp` names the variant that ran. Where the sampled
    run takes the compiled sums (structure graphs of 50,000 nodes or more), it starts in a background thread
    right after the edge table and is taken after the other analyses
    (:func:`stakegraph.analytics.kernels.prefetch_betweenness`): the same numbers, on the second core.
    Pass a dict as ``timings`` to receive the wall seconds of each phase. ``pause_gc`` pauses
    Python's cyclic garbage collector while the audit runs (see :func:`_gc_paused`).
    """
    with _gc_paused(pause_gc):
        return _build_audit(G, scope, as_of, top, scenarios, exact_betweenness_max, betweenness_k, seed, timings)


@contextlib.contextmanager
def _gc_paused(pause: bool) -> Iterator[None]:
    """Pause Python's cyclic garbage collector (reference counting goes on) and restore it after.

    The projection holds millions of container objects; every full collection walks all of them, and
    the audit's allocations trigger many (40% of the audit's time at 10,000 parties). On the way out the
    objects allocated meanwhile join the oldest generation (``gc.freeze()`` then ``gc.unfreeze()``,
    unless something else froze objects) instead of being walked at once by the first young
    collection; cyclic garbage made meanwhile is collected by the next full collection.
    """
    was_enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause and was_enabled:
            if gc.get_freeze_count() == 0:  # nobody froze objects on purpose (a pre-fork server may)
                # Move what the audit allocated to the oldest generation: re-enabled as is, the collector
                # would at once walk every object allocated meanwhile (1.6 s at 100,000 parties).
                gc.freeze()
                gc.unfreeze()
            gc.enable()


#: The catalogue analyses the audit runs and their parameters (``top`` and ``as_of`` filled in per run):
#: ``stakegraph analyze NAME`` with the same parameters gives the same numbers.
AUDIT_PARAMETERS: Mapping[str, tuple[str, Mapping[str, Any]]] = {
    "customer concentration": ("portfolio-concentration", {"kinds": conc.CUSTOMER_KINDS, "direction": "in",
                                                           "min_counterparties": 2}),
    "lender concentration": ("portfolio-concentration", {"kinds": ("lends_to",), "direction": "in",
                                                         "min_counterparties": 2}),
    "cut points": ("cut-points", {}),
    "centrality": ("centrality", {}),
    "health": ("health-scores", {}),
    "groups": ("groups", {}),
}


def _run(S: nx.MultiDiGraph, answers: dict[str, Answer], label: str, name: str, params: Mapping[str, Any]) -> Any:
    """Answer a catalogue analysis on the audited graph; keep the answer under ``label``."""
    ans = answer(S, get(name), params)
    answers[label] = ans
    return ans.result


def most_concentrated(pc: conc.PortfolioConcentration, basis: str, *, top: int = 10) -> list[ConcentrationRow]:
    """Parties whose HHI is highly concentrated (DOJ/FTC 2023, > 1,800), most money in the top k first.

    ``pc`` is the catalogue's ``portfolio-concentration`` answer. "Money at stake" = total × CR-k / 100:
    a large firm that depends on five customers ranks above a tiny one with three.
    """
    rows = [ConcentrationRow(r.node, r.name, basis, r.n, r.total, r.hhi, r.cr_k, r.total * r.cr_k / 100.0,
                             r.band_2010, r.band_2023)
            for r in pc.rows if r.band_2023 == "highly concentrated"]
    rows.sort(key=lambda r: (-r.at_stake, -r.hhi, r.node))
    return rows[:top]


def centrality_parameters(S: nx.MultiDiGraph, *, top: int, exact_max: int = EXACT_BETWEENNESS_MAX,
                          k: int = BETWEENNESS_K, seed: int = BETWEENNESS_SEED) -> dict[str, Any]:
    """Parameters of the catalogue's ``centrality`` that ranks the central parties: exact betweenness up to
    ``exact_max`` party/project nodes, else the Brandes & Pich (2007) estimate from ``k`` sources drawn
    with ``seed`` (the variant, ``k`` and ``seed`` are in the result's stamp)."""
    table = audit_columns.edge_table(S)  # its node_struct marks the same nodes, at C speed
    n = int(table.node_struct.sum()) if table is not None else sum(
        1 for _, t in S.nodes(data="type") if t in STRUCTURAL_TYPES)
    sampled = n > exact_max and k < n
    return {"sample": k if sampled else None, "seed": seed, "top": top}


def _build_audit(G: nx.MultiDiGraph, scope: str, as_of: str | None, top: int, scenarios: int,
                 exact_betweenness_max: int, betweenness_k: int, seed: int,
                 timings: dict[str, float] | None) -> AuditReport:
    ph = _Phases(timings)
    day = resolve_as_of(G, as_of)  # the one as-of rule, on the whole graph as every other door
    S = scope_graph(G, scope)
    ph.done("scope")
    audit_columns.edge_table(S)  # read by most phases below: built once here, so its cost shows as its own phase
    ph.done("edge table")
    ranked_by = centrality_parameters(S, top=3 * scenarios + 5, exact_max=exact_betweenness_max,
                                      k=betweenness_k, seed=seed)
    if ranked_by["sample"]:  # the sampled betweenness runs on the other core while the phases below run
        prefetch_betweenness(shared_structure(S), k=ranked_by["sample"], seed=ranked_by["seed"])
    ph.done("structure graph")
    answers: dict[str, Answer] = {}
    pc_c = _run(S, answers, "customer concentration", *AUDIT_PARAMETERS["customer concentration"])
    pc_l = _run(S, answers, "lender concentration", *AUDIT_PARAMETERS["lender concentration"])
    cust = most_concentrated(pc_c, "customers", top=top)
    lend = most_concentrated(pc_l, "lenders", top=top)
    focus = [r.node for r in cust[:3]]
    if scope != "all" and S.nodes[scope].get("type") == "party" and scope not in focus:
        focus.insert(0, scope)
    details = [_run(S, answers, f"concentration {n}", "concentration", {"node": n}) for n in focus]
    ph.done("concentration")
    cuts = _run(S, answers, "cut points", "cut-points", {})
    ph.done("cut points")
    central = _with_cuts(deps.central_dependencies(S, top=top, cut_points=False), cuts)
    ph.done("central dependencies")
    weakest = _run(S, answers, "health", "health-scores", {"as_of": day})
    alerts = health.alerts_from_health(weakest, top=ALERTS_SHOWN)  # = the catalogue's ``health``, first rows
    ph.done("health and alerts")
    groups = _run(S, answers, "groups", "groups", {})
    ph.done("connected groups")
    lenders = sorted(n for n, d in S.nodes(data=True) if d.get("type") == "party" and d.get("tier1_capital"))
    indexed = _IndexedGroups(groups.groups, groups.group_of, groups.stamp,
                             {g.id: _Group(g.id, g.name, g.members, g.parents, g.links, g.member_ids)
                              for g in reversed(groups.groups)})
    exposures = [grp.large_exposures(S, n, groups=indexed) for n in lenders]
    exposures.sort(key=lambda r: (-len(r.breaches), -r.total_exposure, r.lender))
    ph.done("large exposures")
    changes = over_time(S, answers, day)  # its own phase: the counts and shared providers below are not timed in it
    ph.done("change over time")
    ranking = _run(S, answers, "centrality", "centrality", ranked_by)  # last: its betweenness ran meanwhile
    ph.done("centrality")
    scen = contagion_scenarios(S, central, n=scenarios, ranking=ranking)
    ph.done("contagion")
    order = [k for k in answers if k != "centrality"]  # the answers in the catalogue's order, as before
    order.insert(order.index("cut points") + 1, "centrality")
    answers = {k: answers[k] for k in order}
    counts = {"nodes": dict(sorted(Counter(str(d.get("type")) for d in S._node.values()).items())),  # noqa: SLF001
              "edges": _edge_kind_counts(S)}
    report = AuditReport(scope, str(G.graph.get("version", "")), day.isoformat(), counts, [], cust + lend,
                         pc_c.stamp, details, central, shared_providers(S), cuts, scen, alerts, weakest, groups,
                         exposures, centrality_stamp=ranking.stamp, answers=answers)
    report.over_time = changes
    report.findings = findings(S, report)
    ph.done("shared providers, counts, findings")
    return report


def _edge_kind_counts(S: nx.MultiDiGraph) -> dict[str, int]:
    """Edges per kind (``str(kind)``), sorted by kind: from the shared edge table when there is one."""
    fast = audit_columns.edge_kind_counts(S)
    if fast is not None:
        return fast
    return dict(sorted(Counter(str(e.get("kind")) for nbrs in S._succ.values()  # noqa: SLF001
                               for keydict in nbrs.values() for e in keydict.values()).items()))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def over_time(S: nx.MultiDiGraph, answers: dict[str, Answer], day: dt.date, *,
              measures: tuple[str, ...] | None = None, period: str | None = None, years: int = TREND_YEARS,
              full_max_edges: int = TREND_FULL_MAX_EDGES) -> OverTime:
    """The book's ``measures`` at each ``period`` end from ``years`` before ``day`` to ``day`` (catalogue
    ``trend``), and the catalogue ``diff`` of the last period; each answer is kept in ``answers``.

    Unless given, ``measures`` and ``period`` are :data:`TREND_MEASURES` per :data:`TREND_PERIOD` up to
    ``full_max_edges`` relationships, above that :data:`TREND_LARGE_MEASURES` per :data:`TREND_LARGE_PERIOD`
    (:attr:`OverTime.note` says so).
    """
    note = None
    edges = edge_count(S)
    if measures is None and period is None and edges > full_max_edges:
        measures, period = TREND_LARGE_MEASURES, TREND_LARGE_PERIOD
        left_out = [m for m in TREND_MEASURES if m not in measures]
        note = (f"Bounded for a large book ({edges:,} relationships > {full_max_edges:,}): "
                f"{period} ends instead of {TREND_PERIOD} ends"
                + (f", without {', '.join(left_out)}" if left_out else "")
                + "; `stakegraph analyze trend --measure M --period P --from … --to …` gives any other trend.")
    measures = TREND_MEASURES if measures is None else measures
    period = TREND_PERIOD if period is None else period
    start = _years_before(day, years)
    trends = tuple(_run(S, answers, f"trend {m}", "trend", {"measure": m, "period": period, "from_date": start,
                                                             "to_date": day}) for m in measures)
    ends: tuple[tl.TrendRow, ...] = trends[0].rows if trends else ()
    diff = (_run(S, answers, "diff", "diff", {"from_date": ends[-2].period_end, "to_date": ends[-1].period_end})
            if len(ends) >= 2 else None)
    currency = money_stamp(S).get("currency")
    return OverTime(period, start.isoformat(), day.isoformat(), None if currency is None else str(currency), trends,
                    diff, note)


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
    fast = audit_columns.sole_providers(G, SHARED_KINDS, min_projects=min_projects)
    out = ([SharedProvider(*row) for row in fast] if fast is not None
           else shared_providers_reference(G, min_projects=min_projects))
    out.sort(key=lambda x: (-len(x.projects), x.sponsor, x.kind, x.provider))
    return out


def shared_providers_reference(G: nx.MultiDiGraph, *, min_projects: int = 2) -> list[SharedProvider]:
    """:func:`shared_providers` by one walk of the adjacency (unsorted): the reference of
    :func:`stakegraph.analytics.audit_columns.sole_providers`, and the path for graphs it cannot read."""
    out = []
    nodes, succ, pred = G._node, G._succ, G._pred  # noqa: SLF001 - the edge views cost Python calls per edge
    for sponsor, d in nodes.items():
        if d.get("type") != "party":
            continue
        projects = sorted({str(v) for v, keydict in succ[sponsor].items() if nodes[v].get("type") == "project"
                           and any(e.get("kind") == "sponsors" for e in keydict.values())})
        if len(projects) < min_projects:
            continue
        for kind in SHARED_KINDS:
            providers = [{str(u) for u, keydict in pred[p].items() if any(e.get("kind") == kind for e in keydict.values())}
                         for p in projects]
            if all(providers):
                common = set.intersection(*providers)
                for prov in sorted(common):
                    out.append(SharedProvider(str(sponsor), prov, kind, tuple(projects)))
    return out


def contagion_scenarios(G: nx.MultiDiGraph, central: deps.CentralDependencies, *, n: int = 3,
                        ranking: deps.CentralityResult | None = None) -> list[Scenario]:
    """Recalled relationships (and their borrower's default), then defaults of the most central parties.

    ``ranking`` = the centrality that ranks the parties (default: :func:`centrality_parameters`).
    """
    out: list[Scenario] = []
    seen: set[str] = set()
    # filtered, then sorted: the same edges in the same order (a stable sort of a filtered sequence), without
    # sorting every edge of the book (sorted() of the edge view also walks it twice, once for its length)
    recalled = audit_columns.recalled_edges(G)  # the shared edge table; else one pass over the edges
    if recalled is None:
        recalled = [e for e in G.edges(keys=True, data=True) if e[3].get("status") == "recalled"]
    for u, v, key, d in sorted(recalled, key=lambda e: str(e[2])):
        if G.nodes[v].get("type") == "party":
            out.append(Scenario(f"{d.get('kind')} {_nm(G, u)} → {_nm(G, v)} is recalled",
                                "a relationship with status 'recalled'", prop.propagate(G, [prop.RelationshipEnds(
                                    str(key))])))
            if v not in seen:
                seen.add(str(v))
                out.append(Scenario(f"{_nm(G, v)} defaults after the recall",
                                    f"borrower of the recalled {d.get('kind')}",
                                    prop.propagate(G, [prop.PartyDefault(str(v))])))
    if ranking is None:
        ranking = answer(G, get("centrality"), centrality_parameters(G, top=3 * n + 5)).result
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


def audit_json(r: AuditReport) -> dict[str, Any]:
    """The report as JSON-ready data (same content as the page), lean: a result nested in another that
    carries the same stamp does not repeat it (a central dependency's removal impact has its table's stamp),
    and a large exposure to a connected group gives the group's ``member_count`` instead of its members
    (listed once under ``groups``; every lender's exposure to a large group repeated them: 33 MB of 35 at
    10,000 parties).

    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(version="v1")
    >>> G.add_node("a", type="party", name="A")
    >>> sorted(audit_json(build_audit(G, as_of="2026-01-31")))[:4]
    ['alerts', 'as_of', 'central_dependencies', 'concentration']
    """
    return {key: _whole(value) for key, value in _json_sections(r)}


class _Items:
    """A list of the JSON written one item at a time (:func:`write_audit_json`); ``list()`` of it in
    :func:`audit_json`."""

    def __init__(self, items: Iterator[Any]) -> None:
        self.items = items


def _whole(value: Any) -> Any:
    """``value`` with each :class:`_Items` in it (at its top or one dict level down) made a list."""
    if isinstance(value, _Items):
        return list(value.items)
    if isinstance(value, dict):
        return {k: list(v.items) if isinstance(v, _Items) else v for k, v in value.items()}
    return value


def _json_sections(r: AuditReport) -> Iterator[tuple[str, Any]]:
    """The sections of :func:`audit_json`, each made when reached; the long lists (connected groups, large
    exposures) as :class:`_Items`, so that a writer holds one section — or one item of a long list — at a time."""
    yield from (("scope", r.scope), ("graph_version", r.graph_version), ("as_of", r.as_of), ("counts", r.counts),
                ("findings", r.findings))
    yield "concentration", {"rows": to_jsonable(r.concentrated), "stamp": to_jsonable(r.concentration_stamp),
                            "details": to_jsonable(r.concentration_details)}
    yield "central_dependencies", _lean(to_jsonable(r.central))
    yield "shared_providers", to_jsonable(r.shared)
    yield "cut_points", {"points": to_jsonable(r.cuts.points[:50]), "bridges": len(r.cuts.bridges),
                         "stamp": to_jsonable(r.cuts.stamp)}
    yield "contagion", [{"title": s.title, "why": s.why, "defaults": list(s.result.defaults),
                         "system_loss": s.result.system_loss, "rounds": s.result.rounds,
                         "parties": to_jsonable(s.result.parties[:30]), "stamp": to_jsonable(s.result.stamp)}
                        for s in r.scenarios]
    yield "contagion_centrality", to_jsonable(r.centrality_stamp)
    yield "alerts", to_jsonable(r.alerts)
    yield "weakest_relationships", {"relationships": to_jsonable(r.weakest.relationships[:15]),
                                    "stamp": to_jsonable(r.weakest.stamp)}
    yield "groups", {"groups": _Items({"id": g.id, "name": g.name, "members": list(g.member_ids),
                                       "parents": list(g.parents)} for g in r.groups.groups),
                     "stamp": to_jsonable(r.groups.stamp)}
    groups = {g.id for g in r.groups.groups}
    yield "large_exposures", _Items(_lean_exposures(e, groups) for e in r.exposures if e.reportable or e.breaches)
    yield "over_time", _lean(to_jsonable(r.over_time))
    yield "notes", r.notes


def _lean_exposures(e: grp.LargeExposuresResult, groups: set[str]) -> dict[str, Any]:
    """One lender's large exposures as JSON, a group's members replaced by their count (see :func:`audit_json`)."""
    out = to_jsonable(dataclasses.replace(e, reportable=(), largest=()))
    for key in ("reportable", "largest"):
        rows = []
        for x in getattr(e, key):
            if x.group_id in groups:
                row = to_jsonable(dataclasses.replace(x, members=()))
                del row["members"]
                row["member_count"] = len(x.members)
            else:
                row = to_jsonable(x)
            rows.append(row)
        out[key] = rows
    return dict(out)


def _lean(data: Any, stamp: Any = None) -> Any:
    """``data`` with every ``stamp`` equal to the stamp of a result it is nested in left out."""
    if isinstance(data, list):
        return [_lean(x, stamp) for x in data]
    if not isinstance(data, dict):
        return data
    own = data.get("stamp")
    return {k: _lean(v, own if own is not None else stamp) for k, v in data.items()
            if not (k == "stamp" and stamp is not None and v == stamp)}


def write_audit_json(r: AuditReport, out: IO[str], *, indent: int | None = None) -> int:
    """Write :func:`audit_json` to ``out`` one section at a time, the connected groups and large exposures one
    item at a time (neither the whole text nor the whole data is ever held in memory); returns the characters
    written. Without ``indent`` each section's text is ``json.dumps`` of its value.

    >>> import io
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(version="v1")
    >>> G.add_node("a", type="party", name="A")
    >>> buf = io.StringIO()
    >>> n = write_audit_json(build_audit(G, as_of="2026-01-31"), buf)
    >>> n == len(buf.getvalue()), json.loads(buf.getvalue())["as_of"]
    (True, '2026-01-31')
    """
    written = 0
    sep = "{"

    def put(text: str) -> None:
        nonlocal written
        out.write(text)
        written += len(text)

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, indent=indent, default=str)

    def put_items(items: _Items) -> None:  # as json.dumps writes a list without indent: "[a, b]"
        put("[")
        for i, item in enumerate(items.items):
            put((", " if i else "") + dump(item))
        put("]")

    with _gc_paused(True):  # plain data, no cycles: no collection should walk the projection meanwhile
        for key, value in _json_sections(r):
            put(f"{sep}\n{json.dumps(key)}: ")
            sep = ","
            if indent is not None:  # pretty text: each section whole
                put(dump(_whole(value)))
            elif isinstance(value, _Items):
                put_items(value)
            elif not (isinstance(value, dict) and any(isinstance(v, _Items) for v in value.values())):
                put(dump(value))
            else:
                put("{")
                for i, (k, v) in enumerate(value.items()):
                    put((", " if i else "") + json.dumps(k) + ": ")
                    if isinstance(v, _Items):
                        put_items(v)
                    else:
                        put(dump(v))
                put("}")
    out.write("\n}\n")
    return written + 3
