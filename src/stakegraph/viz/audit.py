"""The dependency-audit page: an :class:`~stakegraph.audit.AuditReport` rendered as one self-contained page.

The analysis lives in :mod:`stakegraph.audit` (:func:`~stakegraph.audit.build_audit`, a pure function
of the graph over the catalogue's analyses); this module only draws it: summary and key findings,
concentration, central dependencies, contagion scenarios, relationship alerts, connected groups and
large exposures, each with its view or chart and the stamp of how it was computed.

Element ids: a section's id is its anchor (``summary``, ``concentration``, ``dependencies``,
``contagion``, ``alerts``, ``groups``, ``over-time`` — stable URL fragments); a drawing's id names the drawing
(``conc0``, ``deps``, ``contagion0``, ``groups-graph``). :func:`~stakegraph.viz.page.render` refuses
a page whose ids repeat (vis-network draws into the element of its id, so a repeated id would have it
draw over that section).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx
from markupsafe import Markup

from stakegraph.analytics import groups as grp
from stakegraph.audit import (
    AuditReport,
    OverTime,
    _gc_paused,
    audit_json,
    build_audit,
    display_name,
    scope_graph,
)
from stakegraph.viz.charts import bar_chart, trend_chart
from stakegraph.viz.network import HIGHLIGHT, Builder, add_graph_node, fmt
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

#: At most this many nodes in the audit's dependency drawing (a browser draws a few hundred nodes legibly;
#: the tables carry the rest). The page says when it drew fewer than it selected.
DRAW_MAX_NODES = 250


def _nm(G: nx.MultiDiGraph, n: Any) -> str:
    return display_name(G, n)


# ----------------------------------------------------------------------------- page
def audit_page(G: nx.MultiDiGraph, r: AuditReport) -> Page:
    """The self-contained audit page, built with the cyclic collector paused (as the audit and its JSON):
    its tables allocate millions of short-lived strings, and a full collection triggered meanwhile would
    walk the whole projection (2.3 s at 100,000 parties, against 0.75 s for the page itself)."""
    with _gc_paused(True):
        return _audit_page(G, r)


def _audit_page(G: nx.MultiDiGraph, r: AuditReport) -> Page:
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
    wanted: dict[str, None] = {}  # most important first: the central providers, then whom they serve
    for row in r.central.rows[:5]:
        wanted[row.impact.node] = None
    for sp in r.shared[:3]:
        wanted.update(dict.fromkeys((sp.sponsor, sp.provider)))
    for row in r.central.rows[:5]:
        wanted.update(dict.fromkeys(d.node for d in row.impact.dependants))
    for sp in r.shared[:3]:
        wanted.update(dict.fromkeys(sp.projects))
    only = list(wanted)[:DRAW_MAX_NODES]
    dg, _H = dependency_graph(S, r.cuts, r.central, graph_id="deps", only=only)
    dg.height = 560
    if len(wanted) > len(only):
        dg.notes.append(f"Drawn: the first {len(only):,} of {len(wanted):,} nodes (the central providers, the "
                        f"shared providers and their sponsors, then the parties and projects they serve); the "
                        f"tables list them all.")
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
    if gg.nodes:
        page.graphs.append(gg)
        group_drawing = graph_html(gg)
    else:
        group_drawing = Markup('<p class="muted">No connected groups in scope: nothing to draw.</p>')
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
    page.section("Connected groups and large exposures", group_drawing,
                 table(["group", "members", "parents", "links by", "id"], grows, numeric=(1,)),
                 stamp_html(r.groups.stamp), Markup('<div class="chart">{}</div>').format(echart),
                 table(["lender", "group / counterparty", "members", "exposure", "% of Tier 1", "limit %", "status"],
                       erows, numeric=(2, 3, 4, 5)),
                 *([stamp_html(r.exposures[0].stamp)] if r.exposures else []), anchor="groups")

    if r.over_time is not None:
        page.section("Change over time", *over_time_parts(S, r.over_time), anchor="over-time")
    return page


def _measure_label(measure: str, kinds: Sequence[str], currency: str | None) -> str:
    what = "/".join(kinds)
    return {"hhi": f"HHI ({what}, by source)", "cr_k": f"CR-5 % ({what})",
            "exposure": f"exposure ({currency or 'unstated currency'})", "counterparties": f"counterparties ({what})",
            "cut_points": "cut points", "health": "mean health (0-100)"}.get(measure, measure)


def _value_text(measure: str, v: float | None) -> str:
    if v is None:
        return ""
    return {"hhi": f"{v:,.1f}", "cr_k": f"{v:.2f}", "exposure": fmt(v)}.get(measure, f"{v:,.0f}")


def over_time_parts(G: nx.MultiDiGraph, ot: OverTime) -> list[Markup]:
    """The "Change over time" section: the book's measures per period (chart and table, crossings flagged)
    and what changed in the last period (the catalogue's ``diff``)."""
    head = [Markup('<p class="muted">{}</p>').format(ot.note)] if ot.note else []
    if not ot.trends or not ot.trends[0].rows:
        return head + [Markup('<p class="muted">No period ends between {} and {}.</p>').format(ot.from_date,
                                                                                            ot.to_date)]
    periods = [x.period_end for x in ot.trends[0].rows]
    labels = [_measure_label(t.measure, t.kinds, ot.currency) for t in ot.trends]
    chart = trend_chart(periods, [(label, [x.value for x in t.rows], ["; ".join(x.flags) for x in t.rows])
                                  for label, t in zip(labels, ot.trends, strict=True)],
                        title=f"The book at each {ot.period} end, {ot.from_date} to {ot.to_date}; red = a line crossed")
    flags = [sorted({f for t in ot.trends for f in t.rows[i].flags}) for i in range(len(periods))]
    bands = next((t for t in ot.trends if t.measure == "hhi"), None)
    rows = [(p, *(_value_text(t.measure, t.rows[i].value) for t in ot.trends),
             bands.rows[i].band_2023 or "" if bands else "", "; ".join(flags[i])) for i, p in enumerate(periods)]
    parts = [*head, Markup('<div class="chart" id="trend-chart">{}</div>').format(chart),
             table(["period end", *labels, "band 2023 (HHI)", "flags"], rows,
                   numeric=tuple(range(1, len(labels) + 1)))]
    parts += [stamp_html(t.stamp) for t in ot.trends[:1]]
    d = ot.diff
    if d is not None:
        parts.append(Markup("<h3>Last period: {} → {}</h3><p>{} relationship(s) started, {} ended; {} concentration "
                            "band change(s), {} cut-point change(s); {} signal(s) and {} interaction(s) dated in "
                            "between.</p>").format(d.from_date, d.to_date, len(d.started), len(d.ended),
                                                   len(d.band_changes), len(d.cut_point_changes), len(d.signals),
                                                   d.interactions))
        changes = [("ended", c) for c in d.ended] + [("started", c) for c in d.started]
        parts.append(table(["change", "relationship", "kind", "source", "target", "start", "end", "status",
                            f"amount ({ot.currency or 'as stated'})"],
                           [(what, c.edge_id, c.kind, _nm(G, c.source), _nm(G, c.target), c.start_date or "",
                             c.end_date or "", c.status or "", fmt(c.amount) if c.amount is not None else "")
                            for what, c in changes[:20]], numeric=(8,)))
        if d.band_changes:
            parts.append(table(["node", "HHI from", "HHI to", "2023 band from", "2023 band to"],
                               [(b.name, _value_text("hhi", b.hhi_from), _value_text("hhi", b.hhi_to),
                                 b.band_2023_from or "", b.band_2023_to or "") for b in d.band_changes[:15]],
                               numeric=(1, 2)))
        parts.append(stamp_html(d.stamp))
    return parts


def groups_graph(G: nx.MultiDiGraph, groups: grp.ConnectedGroupsResult, *, top: int = 6) -> Graph:
    """The largest connected groups: members and the control / interdependence links that join them."""
    b = Builder("groups-graph", height=480)
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
    """Build the report (:func:`stakegraph.audit.build_audit`) and render its page; returns ``(html, report)``."""
    r = build_audit(G, scope=scope, as_of=as_of)
    return audit_page(G, r).render(), r


__all__: Sequence[str] = ("AuditReport", "audit_json", "audit_page", "groups_graph", "render_audit")
