"""The explorer's per-node metrics (web/explore_metrics.py) equal their NetworkX references on the
sample, and the style panel sizes and colours by them with a legend naming the rule and the unit
(headless Chromium, network blocked, no console errors)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from stakegraph.analytics.concentration import portfolio_concentration
from stakegraph.analytics.health import relationship_health
from stakegraph.analytics.lifecycle import communities
from stakegraph.asof import graph_as_of
from stakegraph.measures import default_as_of, exposure
from stakegraph.store import EmbeddedStore
from stakegraph.web import explore_metrics
from stakegraph.workspace import Workspace
from tests.viz.served import route_to
from tests.viz.test_explore import GL_NOTE, ORIGIN, explore_app


@pytest.fixture(scope="module")
def metrics(xss_store: EmbeddedStore) -> dict[str, Any]:
    ws = Workspace(xss_store)
    return explore_metrics.node_metrics(ws, ws.graph_version())


def test_degree_exposure_and_properties_equal_networkx(metrics: dict[str, Any], xss_graph: nx.MultiDiGraph) -> None:
    G = xss_graph
    assert set(metrics["nodes"]) == {str(n) for n in G}
    for n in G:
        m = metrics["nodes"][str(n)]
        assert m["degree"] == G.degree(n)
        assert m["exposure"] == pytest.approx(exposure(G, n), rel=1e-12, abs=1e-9)
    assert metrics["currency"] and metrics["as_of"] and "HHI" in metrics["units"]["hhi"]
    assert metrics["currency"] in metrics["units"]["exposure"]


@pytest.mark.parametrize("sample", [25, 100_000])
def test_betweenness_equals_networkx(xss_store: EmbeddedStore, xss_graph: nx.MultiDiGraph, sample: int,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Sampled (Brandes & Pich, the sources NetworkX draws with seed 0) and exact (a sample above the size)."""
    monkeypatch.setattr(explore_metrics, "BETWEENNESS_SAMPLE", sample)
    ws = Workspace(xss_store)
    got = explore_metrics.node_metrics(ws, ws.graph_version())["nodes"]
    simple = nx.Graph(xss_graph.to_undirected(as_view=True))
    simple.remove_edges_from(nx.selfloop_edges(simple))
    k = None if sample >= len(simple) else sample
    want = nx.betweenness_centrality(simple, k=k, seed=0)
    assert len(simple) > 25
    for n, b in want.items():
        assert got[str(n)]["betweenness"] == pytest.approx(round(b, 6), abs=2e-6), n


def test_hhi_and_health_equal_the_analytics(metrics: dict[str, Any], xss_graph: nx.MultiDiGraph) -> None:
    G = xss_graph
    rows = {r.node: r.hhi for r in portfolio_concentration(G).rows}
    assert rows
    for n in G:
        assert metrics["nodes"][str(n)].get("hhi") == rows.get(str(n))
    scores: dict[str, list[float]] = defaultdict(list)
    day = default_as_of(G)  # the catalogue runs a dated analysis on the graph as it stood that day
    for r in relationship_health(graph_as_of(G, day), as_of=day).relationships:
        scores[r.source].append(r.score)
        if r.target != r.source:
            scores[r.target].append(r.score)
    assert scores
    for n in G:
        m = metrics["nodes"][str(n)]
        s = scores.get(str(n))
        if not s:
            assert "health" not in m
            continue
        assert m["health"] == min(s) and m["health_mean"] == pytest.approx(sum(s) / len(s)) and m["health_n"] == len(s)


def test_communities_equal_louvain(xss_store: EmbeddedStore, xss_graph: nx.MultiDiGraph) -> None:
    """Computed apart, in the background: the catalogue's partition when it arrives."""
    ws = Workspace(xss_store)
    v = ws.graph_version()
    job = explore_metrics.communities_job(ws, v)
    assert explore_metrics.communities_job(ws, v) is job  # one computation per version
    got = job.result(timeout=60)
    cr = communities(xss_graph)
    assert got == explore_metrics.communities(ws, v)
    for c in cr.communities:
        assert all(got["communities"][m] == c.id for m in c.members)
        assert got["names"][c.id]["size"] == c.size
    assert set(got["communities"]) == {m for c in cr.communities for m in c.members}


def test_first_request_does_not_wait_for_louvain(xss_store: EmbeddedStore, xss_graph: nx.MultiDiGraph,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """While Louvain runs, the explorer's answers carry every other metric and say communities are pending;
    /explore/communities then gives the catalogue's partition."""
    import threading

    from stakegraph.web import explore as web_explore

    gate = threading.Event()
    slow = explore_metrics.communities

    def held(ws: Workspace, version: str) -> dict[str, Any]:
        gate.wait(30)
        return slow(ws, version)

    monkeypatch.setattr(explore_metrics, "communities", held)
    monkeypatch.setattr(web_explore, "COMMUNITY_WAIT", 0.05)
    client = TestClient(explore_app(xss_store))
    d = client.get("/explore/node/b_bank").json()
    assert d["pending"] == ["communities"] and "community" not in d["node"]
    assert d["node"]["metrics"]["degree"] == xss_graph.degree("b_bank")
    assert client.get("/explore/communities", params={"ids": "b_bank"}).json() == {"ready": False, "communities": {}}
    gate.set()
    cr = communities(xss_graph)
    for _ in range(600):
        r = client.get("/explore/communities", params={"ids": "b_bank,nobody"}).json()
        if r["ready"]:
            break
        gate.wait(0.05)
    assert r["communities"]["b_bank"]["id"] == cr.community_of("b_bank") and r["communities"]["nobody"] is None
    d = client.get("/explore/node/b_bank").json()
    assert d["pending"] == [] and d["node"]["community"] == r["communities"]["b_bank"]
    too_many = ",".join(f"n{i}" for i in range(2001))
    assert client.get("/explore/communities", params={"ids": too_many}).status_code == 413


# ----------------------------------------------------------------------------- the style panel
@pytest.fixture(scope="module")
def page(browser: Any, xss_store: EmbeddedStore, artifacts: Any) -> Iterator[Any]:
    client = TestClient(explore_app(xss_store))
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    blocked: list[str] = []
    route_to(ctx, client, ORIGIN, blocked)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" and GL_NOTE not in m.text else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(ORIGIN + "/explore?node=tech_co")  # a party with customers (HHI) and scored relationships (health)
    pg.wait_for_function("() => window.__explore && window.__explore.ready && window.__explore.opened === 'tech_co'")
    pg.locator("#expand").click()
    pg.wait_for_function("() => SG.graph.order > 3 && window.__explore.pending === 0")
    yield pg
    pg.screenshot(path=str(artifacts / "explore-metrics.png"))
    ctx.close()
    assert not errors, errors
    assert all(not u.startswith(ORIGIN) for u in blocked)


def _legend(pg: Any, text: str) -> str:
    pg.wait_for_function("(t) => document.getElementById('legend').textContent.includes(t)", arg=text)
    return str(pg.locator("#legend").inner_text())


def test_size_and_colour_by_hhi_and_health(page: Any) -> None:
    pg = page
    options = pg.locator("#colour-by option").evaluate_all("os => os.map(o => o.value)")
    assert {"hhi", "health", "exposure", "betweenness"} <= set(options)
    pg.locator("#size-by").select_option("hhi")
    legend = _legend(pg, "Size: HHI")
    assert "0-10,000" in legend and "linear" in legend
    pg.locator("#colour-by").select_option("health")
    legend = _legend(pg, "Colour: health")
    assert "weakest relationship" in legend and "0-100" in legend and "no value" in legend
    # health is drawn on a linear 0-100 ramp from red (weak) to green (healthy): the colour is the value's
    looks = pg.evaluate("""() => SG.graph.filterNodes((n, a) => a.data && a.data.metrics && typeof a.data.metrics.health === 'number')
        .map(n => [SG.graph.getNodeAttribute(n, 'data').metrics.health, SG.renderer.getNodeDisplayData(n).color])""")
    assert looks
    for health, colour in looks:
        t = health / 100
        want = [round(a + (b - a) * t) for a, b in zip((185, 28, 28), (22, 163, 74), strict=True)]
        assert colour == "rgb({},{},{})".format(*want), (health, colour)
    pg.locator("#colour-by").select_option("exposure")
    legend = _legend(pg, "Colour: exposure")
    currency = pg.evaluate("() => SG.money.currency")
    assert currency and currency in legend
    state = pg.evaluate("() => SG.getState().style")
    assert state == {"size": "hhi", "color": "exposure"}


@pytest.mark.browser
def test_page_fills_in_communities_when_ready(browser: Any, xss_store: EmbeddedStore, xss_graph: nx.MultiDiGraph,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Nodes drawn before the server's Louvain finished get their community once it has (the page asks
    /explore/communities), and colouring by community then names them in the legend."""
    import threading

    from stakegraph.web import explore as web_explore

    gate = threading.Event()
    slow = explore_metrics.communities
    monkeypatch.setattr(explore_metrics, "communities", lambda ws, v: (gate.wait(60), slow(ws, v))[1])
    monkeypatch.setattr(web_explore, "COMMUNITY_WAIT", 0.05)
    client = TestClient(explore_app(xss_store))
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    blocked: list[str] = []
    route_to(ctx, client, ORIGIN, blocked)
    try:
        pg = ctx.new_page()
        errors: list[str] = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(ORIGIN + "/explore?node=b_bank")
        pg.wait_for_function("() => window.__explore.ready && window.__explore.opened === 'b_bank'")
        pg.locator("#expand").click()
        pg.wait_for_function("() => SG.graph.order > 2 && window.__explore.pending === 0")
        assert pg.evaluate("() => window.__explore.communitiesPending") is True
        assert pg.evaluate("() => SG.graph.filterNodes((n, a) => a.data && a.data.community !== undefined).length") == 0
        gate.set()
        pg.wait_for_function("() => window.__explore.communitiesPending === false", timeout=60_000)
        cr = communities(xss_graph)
        got = pg.evaluate("() => SG.graph.mapNodes((n, a) => [n, a.data && a.data.community ? a.data.community.id : null])")
        want = {m: c.id for c in cr.communities for m in c.members}
        assert got and any(cid is not None for _, cid in got) and all(cid == want.get(n) for n, cid in got)
        pg.locator("#colour-by").select_option("community")
        assert "C" in _legend(pg, "Colour: Louvain community")
        assert not errors, errors
    finally:
        ctx.close()
