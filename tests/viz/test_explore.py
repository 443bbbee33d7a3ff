"""The explorer (/explore) in headless Chromium with the network blocked: type to search (any script),
Enter and click open a node, double-click expands (and "and N more" pages on), the side panel shows
properties, provenance and relationships; payloads in names stay text. Plus its JSON endpoints.
The WebGL drawing's other items (context menu, filters, styling, sharing, export, hook API) are in
``test_explore_webgl.py``; the helpers here are shared with it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from stakegraph.store import EmbeddedStore
from stakegraph.web.explore import router as explore_router
from stakegraph.web.pages import router as pages_router
from stakegraph.workspace import Workspace
from tests.viz.conftest import XSS
from tests.viz.served import route_to

pytestmark = [pytest.mark.security]
ORIGIN = "http://explore.stakegraph.test"
INJECTED = "() => document.querySelectorAll('img[src=\"x\"], a[href^=\"javascript\"], #panel script').length"
#: Chromium's software GL reports driver performance notes as console warnings; they are not the page's.
GL_NOTE = "GL Driver Message"


def explore_app(store: EmbeddedStore) -> FastAPI:
    """The pages, the explorer and (when present) its paths and what-if add-on, as ``serve`` mounts them."""
    app = FastAPI()
    app.include_router(pages_router)
    app.include_router(explore_router)
    try:
        from stakegraph.web.explore_tools import router as tools_router
    except ImportError:  # the add-on is optional: the explorer works without it
        pass
    else:
        app.include_router(tools_router)
    app.state.workspace = Workspace(store)
    return app


@pytest.fixture(scope="module")
def client(xss_store: EmbeddedStore) -> TestClient:
    return TestClient(explore_app(xss_store))


def test_search_and_node_endpoints(client: TestClient) -> None:
    r = client.get("/explore/search", params={"q": "银行"}).json()
    assert r["results"] and all("银行" in (x["name"] or "") + (x["name_en"] or "") for x in r["results"])
    first = client.get("/explore/search", params={"q": "b_bank"}).json()["results"][0]
    assert first["id"] == "b_bank"  # an exact id comes first
    assert client.get("/explore/search", params={"q": "x" * 201}).status_code == 400
    assert client.get("/explore/search", params={"q": "bank", "limit": "500"}).status_code == 400
    missing = client.get("/explore/node/nobody")
    assert missing.status_code == 404 and missing.json()["error"]["fix"]
    d = client.get("/explore/node/xss_img").json()
    assert d["node"]["name"] == XSS and d["total_relationships"] == len(d["relationships"]) > 0
    assert set(d["provenance"]) == {"source_file", "source_row", "load_id"} and "source_file" not in d["props"]
    page1 = client.get("/explore/node/b_bank/neighbours", params={"limit": "10"}).json()
    page2 = client.get("/explore/node/b_bank/neighbours", params={"limit": "10", "offset": "10"}).json()
    assert page1["next_offset"] == 10 and len(page1["nodes"]) == 10 and page1["total"] > 20
    assert not {n["id"] for n in page1["nodes"]} & {n["id"] for n in page2["nodes"]}
    assert all("b_bank" in (e["source"], e["target"]) for e in page1["edges"])
    html = client.get("/explore")
    csp = html.headers["content-security-policy"]
    assert "script-src 'sha256-" in csp and "worker-src blob:" in csp and "https://" not in html.text
    assert "'unsafe-eval'" not in csp and "'self'" not in csp.split("script-src")[1].split(";")[0]


def test_neighbours_by_kind_and_direction(client: TestClient, xss_graph: Any) -> None:
    """kind/direction pick the same neighbours as the projection's own edges (an independent count)."""
    G = xss_graph
    for kind, direction in (("lends_to", "out"), ("lends_to", "in"), ("involves", "both")):
        d = client.get("/explore/node/b_bank/neighbours",
                       params={"kind": kind, "direction": direction, "limit": "100"}).json()
        want = set()
        for _u, v, a in G.edges("b_bank", data=True) if direction != "in" else []:
            if a.get("kind") == kind:
                want.add(v)
        for u, _v, a in G.in_edges("b_bank", data=True) if direction != "out" else []:
            if a.get("kind") == kind:
                want.add(u)
        assert {n["id"] for n in d["nodes"]} == want - {"b_bank"} and d["total"] == len(want - {"b_bank"})
        assert all(e["kind"] == kind for e in d["edges"]) and d["currency"]
    assert client.get("/explore/node/b_bank/neighbours", params={"direction": "up"}).status_code == 400
    bad = client.get("/explore/node/b_bank/neighbours", params={"kind": "bnk"})
    assert bad.status_code == 400 and "lends_to" in bad.json()["error"]["fix"]


def test_node_metrics_community_and_subgraph(client: TestClient, xss_graph: Any) -> None:
    from stakegraph.analytics.lifecycle import communities
    from stakegraph.measures import exposure

    d = client.get("/explore/node/b_bank").json()
    m = d["node"]["metrics"]
    assert m["degree"] == xss_graph.degree("b_bank") and m["exposure"] == pytest.approx(exposure(xss_graph, "b_bank"))
    assert d["currency"] and d["as_of"] and sum(v["out"] + v["in"] for v in d["kinds"].values()) == d[
        "total_relationships"]
    cr = communities(xss_graph)
    assert d["node"]["community"]["id"] == cr.community_of("b_bank")
    assert d["node"]["community"]["name"].startswith(f"C{cr.community_of('b_bank')} · ")
    sub = client.get("/explore/subgraph", params={"ids": "b_bank,xss_href,a_co,nobody"}).json()
    assert {n["id"] for n in sub["nodes"]} == {"b_bank", "xss_href", "a_co"} and sub["missing"] == ["nobody"]
    assert {e["id"] for e in sub["edges"]} >= {"xss_e7"}
    assert all({e["source"], e["target"]} <= {"b_bank", "xss_href", "a_co"} for e in sub["edges"])
    too_many = ",".join(f"n{i}" for i in range(2001))
    assert client.get("/explore/subgraph", params={"ids": too_many}).status_code == 413


@pytest.fixture(scope="module")
def explorer(browser: Any, client: TestClient) -> Iterator[tuple[Any, dict[str, list[str]]]]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    seen: dict[str, list[str]] = {"blocked": [], "console": [], "dialogs": []}
    route_to(ctx, client, ORIGIN, seen["blocked"])
    pg = ctx.new_page()
    pg.on("console", lambda m: note_console(seen, m))
    pg.on("pageerror", lambda e: seen["console"].append(str(e)))
    pg.on("dialog", lambda d: note_dialog(seen, d))
    pg.goto(ORIGIN + "/explore")
    wait(pg, "window.__explore && window.__explore.ready")
    yield pg, seen
    ctx.close()


def note_console(seen: dict[str, list[str]], m: Any) -> None:
    """Keep the page's console errors and warnings (not the software GL driver's notes)."""
    if m.type in ("error", "warning") and GL_NOTE not in m.text:
        seen["console"].append(m.text)


def note_dialog(seen: dict[str, list[str]], d: Any) -> None:
    seen["dialogs"].append(d.message)
    d.dismiss()


def wait(pg: Any, condition: str, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = pg.evaluate(f"() => {condition}")
        if value:
            return value
        assert time.monotonic() < deadline, condition
        time.sleep(0.05)


def node_count(pg: Any) -> int:
    return int(pg.evaluate("() => SG.graph.order"))


def node_xy(pg: Any, node_id: str) -> tuple[float, float]:
    """Where ``node_id`` is drawn on the page, after the layout has stopped (so it stays there)."""
    pg.evaluate("() => SG.stopLayout()")
    wait(pg, "!SG.renderer.getCamera().isAnimated()")
    pg.evaluate("() => SG.refresh()")  # draws the picking layer too: the mouse finds nodes where they are drawn
    # the node's centre, or the nearest point of it that is not covered by another node (the layout
    # is stopped early, so a neighbour may lie on top of it): where a person would point at it. The
    # point must be the node's 3 px around as well: the mouse's own picking may round a pixel away.
    where = """(id) => new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(() => {
        const r = SG.renderer, c = r.framedGraphToViewport(r.getNodeDisplayData(id));
        const mine = (p) => [[0, 0], [3, 0], [-3, 0], [0, 3], [0, -3]].every(
          ([dx, dy]) => r.getNodeAtPosition({x: p.x + dx, y: p.y + dy}) === id);
        for (let d = 0; d <= 12; d += 1) {
          for (let k = 0; k < (d ? 16 : 1); k++) {
            const p = {x: c.x + d * Math.cos(k * Math.PI / 8), y: c.y + d * Math.sin(k * Math.PI / 8)};
            if (mine(p)) { return ok(p); }
          }
        }
        ok(c);
    })))"""
    xy = pg.evaluate(where, node_id)
    box = pg.locator("#canvas").bounding_box()
    if not (10 < xy["x"] < box["width"] - 10 and 10 < xy["y"] < box["height"] - 10):  # off screen: fit first
        pg.locator("#b-fit").click()
        wait(pg, "!SG.renderer.getCamera().isAnimated()")
        xy = pg.evaluate(where, node_id)
    return box["x"] + xy["x"], box["y"] + xy["y"]


def hover(pg: Any, node_id: str) -> tuple[float, float]:
    """Move the mouse onto ``node_id`` until the drawing says it is hovered; where it is."""
    for attempt in range(3):  # where it is drawn is read again each time: a camera or layout step may move it
        x, y = node_xy(pg, node_id)
        dx, dy = ((-40, -40), (40, 40), (-40, 40))[attempt]  # each attempt comes from another side
        pg.mouse.move(x + dx, y + dy)  # off the node first (a small node: a short move would stay on it)
        pg.mouse.move(x, y, steps=5)
        try:
            wait(pg, f"window.__explore.hovered === {node_id!r}", timeout=5.0)
            return x, y
        except AssertionError:
            if attempt == 2:
                box = pg.locator("#canvas").bounding_box()
                found = pg.evaluate("([x, y]) => [window.__explore.hovered, SG.renderer.getNodeAtPosition({x, y})]",
                                    [x - box["x"], y - box["y"]])
                raise AssertionError(f"{node_id} not hovered at ({x:.0f}, {y:.0f}): "
                                     f"hovered, found there = {found}") from None
            # a neighbour may lie over the whole node (the layout was stopped early): let the layout run a
            # little so that they part, then read where it is drawn again
            pg.evaluate("() => SG.startLayout()")
            time.sleep(0.5)
    raise AssertionError("unreachable")


def double_click_node(pg: Any, node_id: str) -> None:
    pg.mouse.dblclick(*hover(pg, node_id))


@pytest.mark.browser
def test_type_enter_click_and_expand(explorer: tuple[Any, dict[str, list[str]]], artifacts: Any) -> None:
    pg, seen = explorer
    pg.locator("#q").press_sequentially("银行", delay=30)
    pg.locator("#results li").first.wait_for(timeout=5000)
    names = pg.locator("#results li").all_inner_texts()
    assert names and all("银行" in n for n in names)
    pg.locator("#q").press("Enter")
    first = wait(pg, "window.__explore.opened")
    assert pg.locator("#info h2").inner_text() == names[0].split("\n")[0]
    assert pg.locator("#info h3", has_text="Provenance").count() == 1
    # a click on the second result opens it
    pg.locator("#results li").nth(1).click()
    wait(pg, f"window.__explore.opened && window.__explore.opened !== {first!r}")
    # search by id, Enter before the debounce fires, then double-click to expand and page on
    pg.locator("#q").fill("")
    pg.locator("#q").press_sequentially("b_bank")
    pg.locator("#q").press("Enter")
    wait(pg, "window.__explore.opened === 'b_bank'")
    assert pg.locator("#info tbody tr").count() > 10  # properties and relationships as rows
    before = node_count(pg)
    double_click_node(pg, "b_bank")
    wait(pg, f"SG.graph.order > {before}")
    more = "\\u0000more:b_bank||both"
    assert pg.evaluate(f"() => SG.graph.hasNode('{more}')")
    label = pg.evaluate(f"() => SG.graph.getNodeAttribute('{more}', 'label')")
    assert label.startswith("and ") and label.endswith(" more")
    n1 = node_count(pg)
    double_click_node(pg, "\u0000more:b_bank||both")
    wait(pg, f"SG.graph.order > {n1}")
    # a click on a relationship's other end opens that node
    pg.locator("#info span.link").first.click()
    wait(pg, "window.__explore.opened !== 'b_bank'")
    pg.screenshot(path=str(artifacts / "explore.png"))
    assert seen == {"blocked": [], "console": [], "dialogs": []}, seen
    assert pg.evaluate("() => window.__explore.errors") == []


@pytest.mark.browser
def test_payloads_stay_text(explorer: tuple[Any, dict[str, list[str]]], artifacts: Any) -> None:
    pg, seen = explorer
    pg.locator("#q").fill("")
    pg.locator("#q").press_sequentially("onerror")
    pg.locator("#results li[data-id='xss_img']").wait_for(timeout=5000)
    assert XSS in pg.locator("#results li[data-id='xss_img']").inner_text()
    pg.locator("#results li[data-id='xss_img']").click()
    wait(pg, "window.__explore.opened === 'xss_img'")
    assert pg.locator("#info h2").inner_text() == XSS
    double_click_node(pg, "xss_img")
    wait(pg, "SG.graph.hasNode('xss_href')")
    assert pg.evaluate(INJECTED) == 0 and seen["dialogs"] == [] and seen["console"] == []
    pg.screenshot(path=str(artifacts / "explore_xss.png"))
