"""Every view in headless Chromium with the network blocked: draws, counts, no console error, payloads stay text.

Pages are served through the real router (``TestClient``) behind a fake origin
that Playwright fulfils, so the served Content-Security-Policy header is in
force; every other request is aborted and recorded — none may be attempted.
Screenshots go to ``tests/artifacts/viz/``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import networkx as nx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store import EmbeddedStore
from stakegraph.store.base import to_networkx
from stakegraph.viz import views
from stakegraph.web.pages import router
from stakegraph.workspace import Workspace
from tests.viz.conftest import HREF, XSS

# security: proves requirements of docs/security.md (make check-security)
pytestmark = [pytest.mark.browser, pytest.mark.security]
ORIGIN = "http://stakegraph.test"
#: A second origin serving a three-node data set (no connected groups, no lender with capital).
SMALL = "http://small.stakegraph.test"

CANVAS_INK = """() => {
  const out = [];
  for (const c of document.querySelectorAll('.graph canvas')) {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 16) {
      if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) ink++;
    }
    out.push(ink);
  }
  return out;
}"""
VIS_COUNTS = """() => Object.entries(window.__stakegraph.networks).map(([id, n]) =>
  [id, n.body.data.nodes.length, n.body.data.edges.length])"""
#: After drawing: repeated ids, and every section heading / table not on top where it is drawn.
COVERED = """() => {
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  const hidden = [];
  for (const s of document.querySelectorAll('main > section')) {
    const h = s.querySelector(':scope > h2');
    if (!h) { hidden.push('section without heading'); continue; }
    for (const el of [h, ...s.querySelectorAll('table')]) {
      el.scrollIntoView({block: 'center'});
      const r = el.getBoundingClientRect();
      const top = document.elementFromPoint(Math.max(r.left, 0) + Math.min(20, r.width / 2),
                                           Math.max(r.top, 0) + Math.min(8, r.height / 2));
      if (!r.width || !r.height || !top || !(el === top || el.contains(top))) {
        hidden.push(h.textContent + ' / ' + el.tagName + ' under ' + (top ? top.tagName + '.' + top.className : '-'));
      }
    }
  }
  window.scrollTo(0, 0);
  return {repeated, hidden, sections: document.querySelectorAll('main > section').length};
}"""
INJECTED = """() => document.querySelectorAll('img[src="x"], a[href^="javascript"], .vis-tooltip *:not(br)').length"""


@dataclass
class Visit:
    console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def client(xss_store: EmbeddedStore) -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.state.workspace = Workspace(xss_store)
    return TestClient(app)


@pytest.fixture(scope="module")
def small_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = EmbeddedStore(tmp_path_factory.mktemp("viz_small") / "small.sqlite")
    store.ensure_schema()
    store.write([NodeRecord("a", "party", {"name": "银行 A", "kind": "bank", "country": "CN"}),
                 NodeRecord("b", "party", {"name": "B Co", "kind": "corporate"}),
                 NodeRecord("p", "project", {"name": "Plant"})],
                [EdgeRecord("e1", "lends_to", "a", "b", {"amount": 100.0}),
                 EdgeRecord("e2", "sponsors", "b", "p", {"share_pct": 50.0})])
    app = FastAPI()
    app.include_router(router)
    app.state.workspace = Workspace(store)
    yield TestClient(app)
    store.close()


@pytest.fixture(scope="module")
def page(browser: Any, client: TestClient, small_client: TestClient) -> Iterator[tuple[Any, Visit]]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, device_scale_factor=1)
    visit = Visit()

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith((ORIGIN + "/", SMALL + "/")):
            parts = urlsplit(url)
            served = small_client if url.startswith(SMALL + "/") else client
            resp = served.get(parts.path + (f"?{parts.query}" if parts.query else ""))
            r.fulfill(status=resp.status_code, body=resp.content,
                      headers={k: v for k, v in resp.headers.items() if k.lower() != "content-length"})
        else:
            visit.blocked.append(url)
            r.abort()

    ctx.route("**/*", route)
    pg = ctx.new_page()
    pg.on("console", lambda m: visit.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: visit.console.append(f"pageerror: {e}"))

    def on_dialog(d: Any) -> None:
        visit.dialogs.append(d.message)
        d.dismiss()

    pg.on("dialog", on_dialog)
    yield pg, visit
    ctx.close()


def open_view(pg: Any, visit: Visit, path: str, timeout: float = 60.0, origin: str = ORIGIN) -> dict[str, Any]:
    visit.console.clear()
    resp = pg.goto(origin + path, wait_until="load")
    assert resp is not None and resp.status == 200, path
    assert "content-security-policy" in resp.headers
    deadline = time.monotonic() + timeout
    while not pg.evaluate("() => !!(window.__stakegraph && window.__stakegraph.ready)"):
        assert time.monotonic() < deadline, f"{path}: never drew (console: {visit.console})"
        time.sleep(0.1)
    return pg.evaluate("() => ({page: window.__stakegraph.page, views: window.__stakegraph.views})")


def check_page(pg: Any, visit: Visit, name: str, artifacts: Path, state: dict[str, Any]) -> None:
    assert visit.console == [], f"{name}: console errors {visit.console}"
    assert visit.dialogs == [], f"{name}: a dialog fired — script ran from data: {visit.dialogs}"
    assert visit.blocked == [], f"{name}: tried to reach the network: {visit.blocked}"
    ink = pg.evaluate(CANVAS_INK)
    assert ink and all(n > 200 for n in ink), f"{name}: blank canvas {ink}"
    for (vid, n_nodes, n_edges), v in zip(pg.evaluate(VIS_COUNTS), state["views"], strict=True):
        assert vid == v["id"] and n_nodes == v["nodes"] and n_edges == v["edges"], name
    assert pg.evaluate(INJECTED) == 0, name
    pg.screenshot(path=str(artifacts / f"{name}.png"), full_page=False)


def hover_node(pg: Any, graph_id: str, node_id: str) -> str:
    """Move the mouse onto a node and return the tooltip's text."""
    pg.evaluate("([g, n]) => { const net = window.__stakegraph.networks[g]; net.focus(n, {scale: 3, animation: false}); }",
                [graph_id, node_id])
    box = pg.locator(f"#{graph_id}").bounding_box()
    xy = pg.evaluate("([g, n]) => { const net = window.__stakegraph.networks[g];"
                     " return net.canvasToDOM(net.getPosition(n)); }", [graph_id, node_id])
    pg.mouse.move(box["x"] + xy["x"] + 1, box["y"] + xy["y"] + 1)
    tip = pg.locator("div.vis-tooltip")
    tip.wait_for(state="visible", timeout=5000)
    return str(tip.inner_text())


def test_ego_view(page: tuple[Any, Visit], xss_store: EmbeddedStore, artifacts: Path) -> None:
    pg, visit = page
    state = open_view(pg, visit, "/viz/ego/xss_img?depth=1")
    edges = xss_store.edges_of(["xss_img"])
    expected = {e.source for e in edges} | {e.target for e in edges}
    assert state["views"][0]["dataNodes"] == len(expected) and state["views"][0]["placeholders"] == 0
    check_page(pg, visit, "ego_xss", artifacts, state)
    assert XSS in pg.locator("h1").inner_text()  # the heading shows the payload as text
    tip = hover_node(pg, "ego", "xss_href")
    assert HREF in tip  # the href title is text in the tooltip, not a link
    tip = hover_node(pg, "ego", "xss_img")
    assert XSS in tip
    assert pg.evaluate(INJECTED) == 0 and visit.dialogs == []


def test_ego_view_capped(page: tuple[Any, Visit], artifacts: Path) -> None:
    pg, visit = page
    state = open_view(pg, visit, "/viz/ego/b_bank?depth=2&limit=60")
    v = state["views"][0]
    assert v["dataNodes"] == 60 and v["placeholders"] >= 1
    check_page(pg, visit, "ego_capped", artifacts, state)


def test_project_view(page: tuple[Any, Visit], xss_graph: nx.MultiDiGraph, artifacts: Path) -> None:
    pg, visit = page
    state = open_view(pg, visit, "/viz/project/p_energy_plant_1")
    groups = views.project_stakeholders(xss_graph, "p_energy_plant_1")
    parties = {p for members in groups.values() for p, _, _ in members}
    contracts = {c for c, _, d in xss_graph.in_edges("p_energy_plant_1", data=True) if d["kind"] == "contract_for"}
    signals = {s for s, _, d in xss_graph.in_edges("p_energy_plant_1", data=True) if d["kind"] == "concerns"}
    assert state["views"][0]["dataNodes"] == 1 + len(parties | contracts | signals)
    assert "xss_img" in parties
    check_page(pg, visit, "project", artifacts, state)


def test_concentration_view(page: tuple[Any, Visit], artifacts: Path) -> None:
    pg, visit = page
    state = open_view(pg, visit, "/viz/concentration/xss_seller")
    assert state["views"][0]["dataNodes"] == 3  # the seller and its two customers (both payload names)
    check_page(pg, visit, "concentration_xss", artifacts, state)
    state = open_view(pg, visit, "/viz/concentration/tech_co")
    assert "CR-5 86.76%" in pg.locator("header p").inner_text()
    assert pg.locator(".chart svg rect").count() >= 5
    check_page(pg, visit, "concentration_tech_co", artifacts, state)


def test_dependency_view(page: tuple[Any, Visit], xss_store: EmbeddedStore, artifacts: Path) -> None:
    pg, visit = page
    state = open_view(pg, visit, "/viz/dependencies?full=true")
    expected = xss_store.count_nodes(views_filter("party")) + xss_store.count_nodes(views_filter("project"))
    assert state["views"][0]["dataNodes"] == expected
    check_page(pg, visit, "dependencies", artifacts, state)
    tip = hover_node(pg, "dependencies", "epc_main")
    assert "stranded projects (6)" in tip
    state = open_view(pg, visit, "/viz/dependencies")
    check_page(pg, visit, "dependencies_focused", artifacts, state)


def views_filter(t: str) -> Any:
    from stakegraph.store.base import NodeFilter

    return NodeFilter(type=t)


def test_contagion_view(page: tuple[Any, Visit], xss_graph: nx.MultiDiGraph, artifacts: Path) -> None:
    from stakegraph.analytics import propagation as prop

    pg, visit = page
    state = open_view(pg, visit, "/viz/contagion?shocks=a_co")
    r = prop.propagate(xss_graph, [prop.PartyDefault("a_co")])
    expected = {p.party for p in r.parties} | {s.source for s in r.steps} | {s.target for s in r.steps}
    assert state["views"][0]["dataNodes"] == len(expected)
    check_page(pg, visit, "contagion", artifacts, state)
    state = open_view(pg, visit, "/viz/contagion?shock=xss_img")
    check_page(pg, visit, "contagion_xss", artifacts, state)


def test_network_view(page: tuple[Any, Visit], xss_store: EmbeddedStore, artifacts: Path) -> None:
    pg, visit = page
    state = open_view(pg, visit, "/viz/network")
    expected = xss_store.count_nodes(views_filter("party")) + xss_store.count_nodes(views_filter("project"))
    assert state["views"][0]["dataNodes"] == expected
    check_page(pg, visit, "network", artifacts, state)


def test_audit_page(page: tuple[Any, Visit], artifacts: Path) -> None:
    pg, visit = page
    state = open_view(pg, visit, "/audit")
    assert len(state["views"]) >= 5
    body = pg.locator("body").inner_text()
    assert "86.76%" in body and "B Bank" in body and "single EPC contractor dependency" in body
    check_page(pg, visit, "audit", artifacts, state)
    seen = pg.evaluate(COVERED)
    assert seen["sections"] == 7 and seen["repeated"] == [] and seen["hidden"] == [], seen  # 7th: change over time
    assert pg.locator("#groups h2").inner_text() == "Connected groups and large exposures"
    assert pg.locator("#groups table").count() == 2 and pg.locator("#groups-graph canvas").count() == 1
    pg.screenshot(path=str(artifacts / "audit_full.png"), full_page=True)


def test_audit_page_without_groups_is_ready(page: tuple[Any, Visit], artifacts: Path) -> None:
    pg, visit = page
    state = open_view(pg, visit, "/audit", timeout=30.0, origin=SMALL)
    assert all(v["id"] != "groups-graph" for v in state["views"])
    assert "No connected groups in scope" in pg.locator("#groups").inner_text()
    seen = pg.evaluate(COVERED)
    assert seen["repeated"] == [] and seen["hidden"] == [], seen
    assert visit.console == [] and visit.blocked == []
    pg.screenshot(path=str(artifacts / "audit_small.png"), full_page=True)


def test_index_page(page: tuple[Any, Visit], artifacts: Path) -> None:
    pg, visit = page
    resp = pg.goto(ORIGIN + "/")
    assert resp is not None and resp.status == 200
    assert pg.locator('a[href="/graphql"]').count() >= 1
    assert visit.console == [] and visit.blocked == []
    pg.screenshot(path=str(artifacts / "index.png"))


def test_2000_nodes_stay_usable(browser: Any, tmp_path: Path, artifacts: Path) -> None:
    """A 2,000-node network (precomputed layout, physics off) draws without errors from a file on disk."""
    H = nx.barabasi_albert_graph(2000, 2, seed=3)
    kinds = ("bank", "corporate", "epc_contractor", "fund", "government")
    nodes = [NodeRecord(f"n{i}", "party", {"name": f"公司{i}" if i % 2 else f"Party {i}", "kind": kinds[i % 5]})
             for i in H]
    edges = [EdgeRecord(f"e{j}", "lends_to", f"n{u}", f"n{v}", {"amount": float(1 + j % 97) * 1e5})
             for j, (u, v) in enumerate(H.edges())]
    G = to_networkx(nodes, edges, version="bench")
    page_ = views.network_view(G)
    assert page_.graphs[0].data_nodes == 2000 and page_.graphs[0].options["physics"]["enabled"] is False
    f = tmp_path / "n2000.html"
    page_.links = []
    f.write_text(page_.render(), encoding="utf-8")
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    blocked: list[str] = []
    errors: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    pg = ctx.new_page()
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(f.as_uri())
    deadline = time.monotonic() + 90
    while not pg.evaluate("() => !!(window.__stakegraph && window.__stakegraph.ready)"):
        assert time.monotonic() < deadline, errors
        time.sleep(0.2)
    assert pg.evaluate(VIS_COUNTS)[0][1] == 2000
    assert errors == [] and blocked == []
    assert all(n > 200 for n in pg.evaluate(CANVAS_INK))
    pg.screenshot(path=str(artifacts / "network_2000.png"))
    ctx.close()
