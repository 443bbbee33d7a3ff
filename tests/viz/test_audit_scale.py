"""The audit's scale changes keep small results identical: one health pass, one cut-point pass, indexed
groups and sampled betweenness only above the threshold (with the variant, k and seed in the report)."""

from __future__ import annotations

import gc

import networkx as nx
import pytest

from stakegraph import audit as audit_mod
from stakegraph.analytics import dependencies as deps
from stakegraph.analytics import groups as grp
from stakegraph.analytics import health
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.asof import graph_as_of
from stakegraph.measures import default_as_of
from stakegraph.viz.audit import audit_page


def reference_parts(S: nx.MultiDiGraph, as_of: str, *, top: int = 10, scenarios: int = 3) -> dict:
    """What the audit computed before the scale work, each analytic called on its own (the second implementation)."""
    central = deps.central_dependencies(S, top=top)  # runs its own articulation-point pass
    ranking = deps.centrality(S, top=3 * scenarios + 5)  # exact betweenness
    groups = grp.connected_groups(S)
    lenders = sorted(n for n, d in S.nodes(data=True) if d.get("type") == "party" and d.get("tier1_capital"))
    exposures = [grp.large_exposures(S, n, groups=groups) for n in lenders]
    exposures.sort(key=lambda r: (-len(r.breaches), -r.total_exposure, r.lender))
    return {
        "central": central,
        "cuts": deps.articulation_points_and_bridges(S),
        # health is dated: it runs on the graph as it stood that day (stakegraph.asof, the one rule)
        "alerts": health.relationship_alerts(graph_as_of(S, as_of), as_of=as_of, top=25),
        "weakest": health.relationship_health(graph_as_of(S, as_of), as_of=as_of),
        "scenarios": audit_mod.contagion_scenarios(S, central, n=scenarios, ranking=ranking),
        "groups": groups,
        "exposures": exposures,
        "centrality_stamp": ranking.stamp,
    }


def test_audit_equals_the_analytics_called_one_by_one(sample_graph: nx.MultiDiGraph) -> None:
    timings: dict[str, float] = {}
    report = audit_mod.build_audit(sample_graph, timings=timings)
    ref = reference_parts(sample_graph, report.as_of)
    for name, expected in ref.items():
        assert to_jsonable(getattr(report, name)) == to_jsonable(expected), name
    assert report.centrality_stamp is not None and report.centrality_stamp.variant.startswith("exact")
    assert report.centrality_stamp.parameters["k"] is None
    assert set(timings) >= {"centrality", "contagion", "health and alerts", "large exposures"}
    assert all(t >= 0 for t in timings.values())
    assert audit_mod.audit_json(report)["contagion_centrality"]["variant"].startswith("exact")


def test_sampled_betweenness_above_the_threshold_is_named(sample_graph: nx.MultiDiGraph) -> None:
    report = audit_mod.build_audit(sample_graph, exact_betweenness_max=0, betweenness_k=7, seed=3)
    stamp = report.centrality_stamp
    assert stamp is not None and stamp.variant.startswith("sampled Brandes & Pich 2007")
    assert stamp.parameters["k"] == 7 and stamp.parameters["seed"] == 3
    expected = deps.centrality(sample_graph, top=14, k=7, seed=3)
    assert to_jsonable(stamp) == to_jsonable(expected.stamp)
    ranked = [r.node for r in expected.top if r.type == "party"]
    central_picks = [s.title for s in report.scenarios if s.why.startswith("central")]
    assert central_picks and all(any(audit_mod.display_name(sample_graph, n) in t for n in
                                     [report.central.rows[0].impact.node, *ranked]) for t in central_picks)
    assert "sampled" in audit_page(sample_graph, report).render()


def test_indexed_groups_answer_as_the_result_does(sample_graph: nx.MultiDiGraph) -> None:
    groups = grp.connected_groups(sample_graph)
    assert groups.groups, "the sample has connected groups"
    indexed = audit_mod._IndexedGroups(groups.groups, groups.group_of, groups.stamp,
                                       {g.id: audit_mod._Group(g.id, g.name, g.members, g.parents, g.links,
                                                               g.member_ids) for g in reversed(groups.groups)})
    for g in groups.groups:
        got = indexed.group(g.id)
        assert got is not None and got.member_ids == g.member_ids and got.name == g.name
    assert indexed.group("group:nobody") is None and groups.group("group:nobody") is None


def test_alerts_from_health_equals_relationship_alerts(sample_graph: nx.MultiDiGraph) -> None:
    as_of = default_as_of(sample_graph).isoformat()
    h = health.relationship_health(sample_graph, as_of=as_of)
    for threshold, top in ((60.0, 25), (90.0, None), (101.0, 3)):
        assert to_jsonable(health.alerts_from_health(h, threshold=threshold, top=top)) == to_jsonable(
            health.relationship_alerts(sample_graph, as_of=as_of, threshold=threshold, top=top))


def test_signal_points_are_the_per_relationship_computation(sample_graph: nx.MultiDiGraph) -> None:
    """Memoised signal points equal ``_signal_points`` evaluated for each relationship separately."""
    as_of = default_as_of(sample_graph).isoformat()
    day = health.to_date(as_of)
    h = health.relationship_health(sample_graph, as_of=as_of)
    index = health._Index(sample_graph, day, "signal")
    checked = 0
    for r in h.relationships:
        expected = [c for ev, scope in index.attached(r.edge_id, r.source, r.target)
                    if (c := health._signal_points(ev, scope, (day - ev.date).days, health.HealthWeights()))]
        got = [c for c in r.contributions if c.signal_id is not None]
        key = lambda c: (c.signal_id, c.scope)  # noqa: E731
        assert sorted(got, key=key) == sorted(expected, key=key)
        checked += len(expected)
    assert checked > 10


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_state_is_restored(sample_graph: nx.MultiDiGraph, enabled: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        audit_mod.build_audit(sample_graph, scope="a_co")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_edge_lookup_falls_back_to_every_edge(sample_graph: nx.MultiDiGraph) -> None:
    """Contagion's lazy edge index: met edges answer directly, any other id fills the full index once."""
    from stakegraph.analytics.propagation import _EdgeLookup

    lookup = _EdgeLookup(sample_graph)
    u, v, k, d = next(iter(sample_graph.edges(keys=True, data=True)))
    lookup.add(str(k), u, v, d)
    assert lookup[str(k)] == (u, v, d) and not lookup.complete
    full = {str(kk): (a, b, dd) for a, b, kk, dd in sample_graph.edges(keys=True, data=True)}
    other = sorted(full)[-1]
    assert lookup[other] == full[other] and lookup.complete
    assert "no-such-edge" not in lookup and lookup.known == full


def test_the_betweenness_run_beside_the_other_phases_gives_the_same_report(
        sample_graph: nx.MultiDiGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the compiled sums run (above ``SPLIT_MIN_NODES``, lowered here to the sample's size), the audit
    starts them before the other phases and takes them after: the same ranking as the analysis called on
    its own, and the answers in the catalogue's order."""
    from stakegraph.analytics import kernels

    monkeypatch.setattr(kernels, "SPLIT_MIN_NODES", 0)
    started: list[int] = []
    real = kernels.prefetch_betweenness
    monkeypatch.setattr(audit_mod, "prefetch_betweenness", lambda H, **kw: started.append(1) or real(H, **kw))
    timings: dict[str, float] = {}
    report = audit_mod.build_audit(sample_graph, exact_betweenness_max=0, betweenness_k=7, seed=3, timings=timings)
    assert started == [1]
    expected = deps.centrality(sample_graph, top=14, k=7, seed=3)
    assert to_jsonable(report.answers["centrality"].result) == to_jsonable(expected)
    labels = list(report.answers)
    assert labels.index("centrality") == labels.index("cut points") + 1
    assert "structure graph" in timings
