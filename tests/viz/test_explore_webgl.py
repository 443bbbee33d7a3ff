"""The explorer's WebGL drawing in headless Chromium, network blocked, driven as a person would: the
context menu (expand by kind and direction, collapse, pin), drag to pin, undo/redo by keyboard and
buttons, filters and rule-based styling with their legend, community clusters, outliers kept apart,
the view in the URL, saved views, PNG/SVG/CSV export (formula-safe), the ``window.SG`` hook API
and the add-on slot; payloads in names stay text everywhere (canvas labels, menu, legend, SVG)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from stakegraph.store import EmbeddedStore
from tests.viz.conftest import XSS
from tests.viz.served import route_to
from tests.viz.test_explore import INJECTED, explore_app, hover, note_console, note_dialog, wait

pytestmark = [pytest.mark.browser, pytest.mark.security]
ORIGIN = "http://webgl.stakegraph.test"
Seen = dict[str, list[str]]


@pytest.fixture(scope="module")
def client(xss_store: EmbeddedStore) -> TestClient:
    return TestClient(explore_app(xss_store))


@pytest.fixture(scope="module")
def context(browser: Any, client: TestClient) -> Iterator[tuple[Any, Seen]]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    seen: Seen = {"blocked": [], "console": [], "dialogs": []}
    route_to(ctx, client, ORIGIN, seen["blocked"])
    yield ctx, seen
    ctx.close()


def new_page(context: tuple[Any, Seen], path: str = "/explore") -> Any:
    ctx, seen = context
    pg = ctx.new_page()
    pg.on("console", lambda m: note_console(seen, m))
    pg.on("pageerror", lambda e: seen["console"].append(str(e)))
    pg.on("dialog", lambda d: note_dialog(seen, d))
    pg.goto(ORIGIN + path)
    wait(pg, "window.__explore && window.__explore.ready")
    return pg


def settle(pg: Any) -> None:
    """Wait for the requests and the layout to finish (the layout stops by itself when it converges)."""
    wait(pg, "window.__explore.pending === 0 && window.__explore.stable", timeout=30)


def clean(pg: Any, seen: Seen) -> None:
    assert seen == {"blocked": [], "console": [], "dialogs": []}, seen
    assert pg.evaluate("() => window.__explore.errors") == []
    assert pg.evaluate(INJECTED) == 0


def visible_nodes(pg: Any) -> list[str]:
    return list(pg.evaluate(
        "() => SG.graph.filterNodes(n => { const d = SG.renderer.getNodeDisplayData(n); return d && !d.hidden; })"))


def test_context_menu_collapse_pin_drag_undo_redo(context: tuple[Any, Seen], xss_graph: Any, artifacts: Any) -> None:
    pg = new_page(context, "/explore?node=b_bank")
    ctx, seen = context
    settle(pg)
    x, y = hover(pg, "b_bank")
    pg.mouse.click(x, y, button="right")
    pg.locator("#menu button[data-kind='lends_to'][data-direction='out']").wait_for(timeout=5000)
    assert not pg.locator("#menu").is_hidden()
    pg.screenshot(path=str(artifacts / "explore_menu.png"))
    pg.locator("#menu button[data-kind='lends_to'][data-direction='out']").click()
    settle(pg)
    borrowers = {v for _, v, k in xss_graph.out_edges("b_bank", keys=True)
                 if xss_graph.edges["b_bank", v, k].get("kind") == "lends_to"}
    shown = set(pg.evaluate("() => SG.graph.nodes()")) - {"b_bank"}
    assert shown == borrowers  # only b_bank's borrowers: lends_to, outgoing (fewer than a page)
    assert set(pg.evaluate("() => SG.graph.mapEdges((e, a) => a.data && a.data.kind)")) == {"lends_to"}
    # drag a borrower: it stays where dropped, pinned
    one = sorted(borrowers)[0]
    x, y = hover(pg, one)
    pg.mouse.down()
    pg.mouse.move(x + 40, y + 30, steps=5)
    pg.mouse.up()
    wait(pg, f"SG.graph.getNodeAttribute({one!r}, 'pinned') === true")
    # collapse from the menu: the borrowers hang only on b_bank, except the pinned one
    x, y = hover(pg, "b_bank")
    pg.mouse.click(x, y, button="right")
    pg.locator("#menu button", has_text="Collapse").click()
    wait(pg, "SG.graph.order === 2")
    assert set(pg.evaluate("() => SG.graph.nodes()")) == {"b_bank", one}
    # undo by keyboard brings them back, redo collapses again, the buttons do the same
    pg.locator("#canvas").click(position={"x": 5, "y": 5})
    pg.keyboard.press("Control+z")
    wait(pg, f"SG.graph.order === {len(borrowers) + 1}")
    pg.keyboard.press("Control+Shift+z")
    wait(pg, "SG.graph.order === 2")
    pg.locator("#b-undo").click()
    wait(pg, f"SG.graph.order === {len(borrowers) + 1}")
    pg.locator("#b-redo").click()
    wait(pg, "SG.graph.order === 2")
    # pin and unpin from the menu
    x, y = hover(pg, "b_bank")
    pg.mouse.click(x, y, button="right")
    pg.locator("#menu button", has_text="Pin").click()
    wait(pg, "SG.graph.getNodeAttribute('b_bank', 'pinned') === true")
    pg.keyboard.press("Escape")
    clean(pg, seen)
    pg.close()


def test_filters_styles_legend_and_communities(context: tuple[Any, Seen], artifacts: Any) -> None:
    pg = new_page(context, "/explore?node=b_bank")
    ctx, seen = context
    settle(pg)
    pg.evaluate("() => SG.expand('b_bank', {})")
    settle(pg)
    pg.evaluate("() => SG.expand('b_bank', {})")  # the next page
    settle(pg)
    total = len(visible_nodes(pg))
    interactions = pg.evaluate("() => SG.graph.filterNodes((n, a) => a.data && a.data.type === 'interaction').length")
    assert interactions > 0
    pg.locator("fieldset[data-dim='type'] input[value='interaction']").uncheck()
    wait(pg, f"SG.graph.filterNodes(n => !SG.renderer.getNodeDisplayData(n).hidden).length === {total - interactions}")
    # relationship kind filter hides edges, not nodes
    pg.locator("fieldset[data-dim='rel'] input[value='lends_to']").uncheck()
    hidden_edges = pg.evaluate("() => SG.graph.filterEdges(e => SG.renderer.getEdgeDisplayData(e).hidden)"
                               ".every(e => SG.graph.getEdgeAttribute(e, 'data').kind === 'lends_to' || "
                               "SG.graph.getEdgeAttribute(e, 'data').kind === 'involves')")
    assert hidden_edges
    pg.locator("fieldset[data-dim='rel'] input[value='lends_to']").check()
    # amount range: only edges whose converted amount lies inside stay drawn
    pg.locator("#amount-min").fill("1000000")
    pg.locator("#amount-min").press("Enter")
    pg.locator("#amount-min").dispatch_event("change")
    wait(pg, "SG.graph.filterEdges(e => !SG.renderer.getEdgeDisplayData(e).hidden)"
             ".every(e => SG.graph.getEdgeAttribute(e, 'data').amount >= 1000000)")
    assert "reporting currency" in pg.locator("#amount-unit").inner_text()
    # size by exposure: the legend says the rule, the currency and the range
    pg.locator("#size-by").select_option("exposure")
    currency = pg.evaluate("() => SG.money.currency")
    wait(pg, "document.getElementById('legend').textContent.includes('Size: exposure')")
    legend = pg.locator("#legend").inner_text()
    assert f"exposure — {currency}" in legend and "converted as of" in legend
    big = pg.evaluate("() => SG.graph.nodes().filter(n => SG.graph.getNodeAttribute(n, 'data'))"
                      ".sort((a, b) => (SG.graph.getNodeAttribute(b, 'data').metrics.exposure || 0) - "
                      "(SG.graph.getNodeAttribute(a, 'data').metrics.exposure || 0))[0]")
    sizes = pg.evaluate("() => SG.graph.nodes().map(n => SG.renderer.getNodeDisplayData(n).size)")
    assert pg.evaluate(f"() => SG.renderer.getNodeDisplayData({big!r}).size") == max(sizes)
    # colour by a numeric property, then by community: the legend names each community shown
    pg.locator("#colour-by").select_option("betweenness")
    wait(pg, "document.getElementById('legend').textContent.includes('Colour: betweenness')")
    pg.locator("#b-group").click()
    settle(pg)
    rows = pg.locator("#legend [data-community]").all_inner_texts()
    comms = pg.evaluate("() => [...new Set(SG.graph.filterNodes((n, a) => a.data && a.data.community)"
                        ".map(n => SG.graph.getNodeAttribute(n, 'data').community.name))]")
    assert rows and all(any(r.startswith(c) for r in rows) for c in comms[:14])
    assert all(r.split(" · ")[0].startswith("C") for r in rows)
    pg.screenshot(path=str(artifacts / "explore_communities.png"))
    clean(pg, seen)
    pg.close()


def test_outliers_do_not_squeeze_the_main_component(context: tuple[Any, Seen]) -> None:
    pg = new_page(context, "/explore?node=b_bank")
    ctx, seen = context
    settle(pg)
    pg.evaluate("() => SG.expand('b_bank', {})")
    settle(pg)
    pg.evaluate("""() => SG.addSubgraph({nodes: [
        {id: 'far1', type: 'party', name: 'Far one', kind: 'corporate'},
        {id: 'far2', type: 'party', name: 'Far two', kind: 'corporate'}], edges: []})""")
    settle(pg)
    ratio = pg.evaluate("""() => {
        const main = SG.graph.nodes().filter(n => !n.startsWith('far') && !n.startsWith('\\u0000'));
        const xs = main.map(n => SG.graph.getNodeAttribute(n, 'x')), ys = main.map(n => SG.graph.getNodeAttribute(n, 'y'));
        const all = SG.graph.nodes(), ax = all.map(n => SG.graph.getNodeAttribute(n, 'x')),
              ay = all.map(n => SG.graph.getNodeAttribute(n, 'y'));
        const span = (v) => Math.max(...v) - Math.min(...v);
        return Math.max(span(xs), span(ys)) / Math.max(span(ax), span(ay)); }""")
    assert ratio > 0.6, ratio  # the main component still fills most of the frame
    clean(pg, seen)
    pg.close()


def test_url_state_saved_views_and_exports(context: tuple[Any, Seen], artifacts: Any) -> None:
    pg = new_page(context, "/explore?node=xss_href")
    ctx, seen = context
    settle(pg)
    pg.evaluate("() => SG.expand('xss_href', {})")
    settle(pg)
    pg.locator("#colour-by").select_option("community")
    pg.locator("fieldset[data-dim='country'] input[value='CN']").uncheck()
    pg.evaluate("() => { SG.tools = {paths: {from: 'a_co'}}; }")
    pg.locator("#b-link").click()
    link = pg.evaluate("() => window.__explore.lastLink")
    state = json.loads(unquote(link.split("#view=")[1]))
    assert set(state["nodes"]) == set(pg.evaluate("() => SG.graph.nodes()")) and state["tools"] == {
        "paths": {"from": "a_co"}}
    assert state["style"]["color"] == "community" and state["filters"]["country"] == {"CN": True}
    # the link opens the same view in a fresh page
    other = ctx.new_page()
    other.goto(link)
    wait(other, "window.__explore && window.__explore.ready && window.__explore.opened === 'xss_href'")
    assert set(other.evaluate("() => SG.graph.nodes()")) == set(state["nodes"])
    assert other.evaluate("() => SG.getState().style.color") == "community"
    assert other.evaluate("() => SG.getState().tools") == {"paths": {"from": "a_co"}}
    assert other.locator("fieldset[data-dim='country'] input[value='CN']").is_checked() is False
    other.close()
    # a named view survives a reload
    pg.locator("#views summary").click()
    pg.locator("#view-name").fill("lender XSS")
    pg.locator("#b-save").click()
    pg.goto(ORIGIN + "/explore")
    wait(pg, "window.__explore.ready")
    assert pg.evaluate("() => SG.graph.order") == 0
    pg.locator("#views summary").click()
    pg.locator("#saved").select_option("lender XSS")
    pg.locator("#b-load").click()
    wait(pg, f"SG.graph.order === {len(state['nodes'])}")
    settle(pg)
    # exports: PNG, SVG (labels as escaped text), CSV (formula-safe, currency named); CN shown again
    pg.locator("fieldset[data-dim='country'] input[value='CN']").check()
    pg.evaluate("""() => SG.addSubgraph({nodes: [{id: 'formula', type: 'party', name: '=HYPERLINK("x")',
                   kind: 'corporate', metrics: {exposure: 5}}], edges: []})""")
    settle(pg)
    with pg.expect_download() as png:
        pg.locator("#b-png").click()
    assert png.value.suggested_filename == "explorer.png"
    png.value.save_as(str(artifacts / "explore_export.png"))
    assert (artifacts / "explore_export.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pg.expect_download() as svg:
        pg.locator("#b-svg").click()
    text = pg.evaluate("() => window.__explore.lastSVG")
    assert svg.value.suggested_filename == "explorer.svg" and "<svg" in text and "<img" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text or "Evil &lt;a" in text
    with pg.expect_download():
        pg.locator("#b-csv").click()
    nodes_csv = pg.evaluate("() => window.__explore.lastCSV.nodes")
    rows = list(csv.DictReader(io.StringIO(nodes_csv)))
    by_id = {r["id"]: r for r in rows}
    assert by_id["formula"]["name"] == "'=HYPERLINK(\"x\")"
    currency = pg.evaluate("() => SG.money.currency")
    assert f"exposure ({currency})" in rows[0]
    assert {r["id"] for r in rows} == set(pg.evaluate("() => window.__explore.lastCSVIds"))
    edges_csv = list(csv.DictReader(io.StringIO(pg.evaluate("() => window.__explore.lastCSV.edges"))))
    assert edges_csv and f"amount ({currency})" in edges_csv[0]
    clean(pg, seen)
    pg.close()


def test_hook_api(context: tuple[Any, Seen]) -> None:
    pg = new_page(context)
    ctx, seen = context
    events = pg.evaluate("""() => { window.__events = []; SG.on('select', ids => __events.push(['select', ids]));
        SG.on('open', n => __events.push(['open', n.id])); return typeof SG.graph.addNode; }""")
    assert events == "function"
    added = pg.evaluate("""() => SG.addSubgraph({nodes: [
        {id: 'b_bank', type: 'party', name: 'B', kind: 'bank'}, {id: 'a_co', type: 'party', name: 'A', kind: 'corporate'}],
        edges: [{id: 'e1', kind: 'lends_to', source: 'b_bank', target: 'a_co', color: '#123456'}]})""")
    assert added == ["b_bank", "a_co"] and pg.evaluate("() => SG.graph.size") == 1
    settle(pg)
    x, y = hover(pg, "a_co")
    pg.mouse.click(x, y)
    wait(pg, "window.__explore.opened === 'a_co'")
    assert pg.evaluate("() => SG.selected()") == ["a_co"]
    assert ["open", "a_co"] in pg.evaluate("() => __events") and ["select", ["a_co"]] in pg.evaluate("() => __events")
    x, y = hover(pg, "b_bank")
    pg.keyboard.down("Shift")
    pg.mouse.click(x, y)
    pg.keyboard.up("Shift")
    wait(pg, "SG.selected().length === 2")
    pg.evaluate("() => SG.setNodeStyle('a_co', {color: '#ff0000', size: 20, label: 'styled'})")
    d = pg.evaluate("() => SG.renderer.getNodeDisplayData('a_co')")
    assert (d["color"], d["size"], d["label"]) == ("#ff0000", 20, "styled")
    pg.evaluate("() => SG.highlight(['a_co'], [])")
    assert pg.evaluate("() => SG.renderer.getNodeDisplayData('b_bank').color") == "#e5e7eb"
    assert pg.evaluate("() => SG.renderer.getEdgeDisplayData('e1').color") == "#f1f5f9"
    pg.evaluate("() => { SG.highlight(null); SG.clearStyles(); }")
    assert pg.evaluate("() => SG.renderer.getNodeDisplayData('a_co').label") != "styled"
    pg.evaluate("() => SG.setState({tools: {whatif: {method: 'debtrank'}}})")
    assert pg.evaluate("() => SG.getState().tools") == {"whatif": {"method": "debtrank"}}
    assert pg.locator("#panel #tools").count() == 1
    clean(pg, seen)
    pg.close()


def test_tools_addon_is_inlined_after_explore_js(monkeypatch: pytest.MonkeyPatch, context: tuple[Any, Seen]) -> None:
    import stakegraph.viz.explore as page

    addon = "window.__addon = typeof window.SG.on === 'function' ? 'loaded after explore.js' : 'too early';"
    monkeypatch.setattr(page, "tools_js", lambda: addon)
    html = page.explore_page()
    assert html.index(addon) > html.index(page.explore_js()) and page.sha256_source(addon) in page.explore_csp()
    pg = new_page(context)
    assert pg.evaluate("() => window.__addon") == "loaded after explore.js"
    pg.close()
    monkeypatch.setattr(page, "tools_js", lambda: None)
    assert "__addon" not in page.explore_page()  # absent add-on: the page works without it


def test_payloads_stay_text_in_menu_legend_and_labels(context: tuple[Any, Seen], artifacts: Any) -> None:
    pg = new_page(context, "/explore?node=xss_img")
    ctx, seen = context
    settle(pg)
    pg.evaluate("() => SG.expand('xss_img', {})")
    settle(pg)
    assert pg.evaluate("() => SG.graph.getNodeAttribute('xss_img', 'label')") == (XSS if len(XSS) <= 28 else XSS[:27] + "\u2026")
    pg.locator("#colour-by").select_option("community")
    x, y = hover(pg, "xss_href")
    pg.mouse.click(x, y, button="right")
    pg.locator("#menu button[data-kind]").first.wait_for(timeout=5000)
    assert "Evil" not in pg.locator("#menu").inner_text()  # kinds and actions only
    pg.keyboard.press("Escape")
    x, y = hover(pg, "xss_href")
    pg.mouse.click(x, y)
    wait(pg, "window.__explore.opened === 'xss_href'")
    assert "Evil <a href" in pg.locator("#info h2").inner_text()
    pg.screenshot(path=str(artifacts / "explore_webgl_xss.png"))
    clean(pg, seen)
    pg.close()
