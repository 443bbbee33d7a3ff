"""The explorer's tools in headless Chromium, network blocked: a person finds two nodes by search, uses
them as the ends of a path, ticks kinds, sees the path highlighted on the canvas and listed; shocks a
party, runs a DebtRank what-if, sees the canvas coloured by loss with a legend naming the unit and
currency and the losses listed; compares two scenarios side by side; payload names stay text."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from stakegraph.store import EmbeddedStore
from stakegraph.web.explore import router as explore_router
from stakegraph.web.explore_tools import router as tools_router
from stakegraph.web.pages import router as pages_router
from stakegraph.workspace import Workspace
from tests.viz.conftest import XSS
from tests.viz.served import route_to

pytestmark = [pytest.mark.browser, pytest.mark.security]
ORIGIN = "http://tools.stakegraph.test"
INJECTED = "() => document.querySelectorAll('img[src=\"x\"], a[href^=\"javascript\"], #tools script').length"
DIMMED = "#e5e7eb"  # explore.js draws nodes outside SG.highlight in this colour
DARKEST = "#7f1d1d"  # explore-tools.js colours the largest loss so
#: Chromium's software GL reports driver performance notes as console warnings; they are not the page's.
GL_NOTE = "GL Driver Message"


@pytest.fixture(scope="module")
def client(xss_store: EmbeddedStore) -> TestClient:
    app = FastAPI()
    app.include_router(pages_router)
    app.include_router(explore_router)
    app.include_router(tools_router)
    app.state.workspace = Workspace(xss_store)
    return TestClient(app)


@pytest.fixture(scope="module")
def page(browser: Any, client: TestClient) -> Iterator[tuple[Any, dict[str, list[str]]]]:
    ctx = browser.new_context(viewport={"width": 1500, "height": 1000})
    seen: dict[str, list[str]] = {"blocked": [], "console": [], "dialogs": []}
    route_to(ctx, client, ORIGIN, seen["blocked"])
    pg = ctx.new_page()
    pg.on("console", lambda m: seen["console"].append(m.text)
          if m.type in ("error", "warning") and GL_NOTE not in m.text else None)
    pg.on("pageerror", lambda e: seen["console"].append(str(e)))
    def dialog(d: Any) -> None:
        seen["dialogs"].append(d.message)
        d.dismiss()

    pg.on("dialog", dialog)
    pg.goto(ORIGIN + "/explore")
    wait(pg, "window.SG && window.__tools && window.__tools.ready && window.__explore.ready")
    yield pg, seen
    ctx.close()


def wait(pg: Any, condition: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = pg.evaluate(f"() => {condition}")
        if value:
            return value
        assert time.monotonic() < deadline, condition
        time.sleep(0.05)


def search_and_open(pg: Any, text: str, node_id: str) -> None:
    """Type an id into the search box, wait for the results, press Enter: the node opens (and is selected)."""
    pg.locator("#q").fill("")
    pg.locator("#q").press_sequentially(text, delay=20)
    pg.locator(f"#results li[data-id='{node_id}']").wait_for(timeout=5000)
    pg.locator("#q").press("Enter")  # the exact id comes first
    wait(pg, f"window.__explore.opened === {node_id!r} && window.SG.selected().indexOf({node_id!r}) >= 0")


def node_colour(pg: Any, node_id: str) -> str:
    return str(pg.evaluate("(id) => window.SG.renderer.getNodeDisplayData(id).color", node_id))


def settle(pg: Any) -> None:
    wait(pg, "window.__tools.pending === 0 && window.__explore.pending === 0")
    pg.evaluate("() => { window.SG.stopLayout(); window.SG.fit && window.SG.fit(); }")
    time.sleep(0.4)


def test_paths_picked_by_search_highlighted_and_listed(page: tuple[Any, dict[str, list[str]]], artifacts: Any) -> None:
    pg, seen = page
    search_and_open(pg, "a_new_investor", "a_new_investor")  # on the canvas, off every path below
    search_and_open(pg, "a_supplier_1", "a_supplier_1")
    pg.locator("#path-use").click()
    search_and_open(pg, "b_bank", "b_bank")
    pg.locator("#path-use").click()
    assert pg.locator("#path-from").input_value() == "a_supplier_1" and pg.locator("#path-to").input_value() == "b_bank"
    for kind in ("lends_to", "supplies"):
        pg.locator(f"#path-kind-{kind}").check()
    pg.locator("#path-max").fill("3")
    pg.locator("#path-run").click()
    wait(pg, "window.__tools.paths && window.__tools.pending === 0")
    r = pg.evaluate("() => window.__tools.paths")
    assert r["kinds"] == ["lends_to", "supplies"] and r["paths"]
    first = r["paths"][0]
    assert first["nodes"] == ["a_supplier_1", "a_co", "b_bank"]  # supplier -supplies-> A Co. <-lends_to- B Bank
    items = pg.locator("#path-list li").all_inner_texts()
    assert len(items) == len(r["paths"])
    assert "supplies" in items[0] and "lends_to" in items[0] and "(2 hops)" in items[0]
    assert "B银行" in items[0] and "A公司" in items[0]
    settle(pg)
    # on the canvas: the path's nodes and relationships stand out, the rest is dimmed
    on_path = {n for p in r["paths"] for n in p["nodes"]}
    assert all(node_colour(pg, n) != DIMMED for n in on_path)
    others = pg.evaluate("(keep) => window.SG.graph.nodes().filter(n => keep.indexOf(n) < 0)", sorted(on_path))
    assert "a_new_investor" in others and all(node_colour(pg, n) == DIMMED for n in others)
    sizes = pg.evaluate("(ids) => ids.map(id => window.SG.renderer.getEdgeDisplayData(id).size)",
                        [e for hop in first["edges"] for e in hop])
    assert all(s == 2.5 for s in sizes)
    assert pg.evaluate("() => window.SG.getState().tools.paths.kinds") == ["lends_to", "supplies"]
    pg.locator("#tool-paths").screenshot(path=str(artifacts / "explore_paths_panel.png"))
    pg.screenshot(path=str(artifacts / "explore_paths.png"))
    assert seen == {"blocked": [], "console": [], "dialogs": []}, seen
    assert pg.evaluate("() => window.__tools.errors.concat(window.__explore.errors)") == []


def test_debtrank_whatif_coloured_and_listed(page: tuple[Any, dict[str, list[str]]], artifacts: Any) -> None:
    pg, seen = page
    pg.locator("#whatif-clear").click()
    search_and_open(pg, "a_co", "a_co")
    pg.locator("#whatif-use").click()
    assert pg.locator("#whatif-shock").input_value() == "default:a_co"
    pg.locator("#whatif-method").select_option("debtrank")
    pg.locator("#whatif-run").click()
    wait(pg, "window.__tools.whatif && window.__tools.pending === 0")
    r = pg.evaluate("() => window.__tools.whatif")
    assert r["parameters"]["method"] == "debtrank" and r["losses"][0]["id"] == "a_co"
    legend = pg.locator("#whatif-legend").inner_text()
    assert "DebtRank h" in legend and r["unit"]["currency"] in legend
    rows = pg.locator("#whatif-table tr").all_inner_texts()
    assert len(rows) == len(r["losses"]) + 1 and rows[1].startswith("A公司")
    second = r["losses"][1]
    assert f"{second['value']:.4f}" in rows[2]
    settle(pg)
    assert node_colour(pg, "a_co") == DARKEST
    lit = pg.evaluate("(ids) => ids.map(id => window.SG.renderer.getEdgeDisplayData(id).size)",
                      r["transmission"]["edges"])
    assert lit and all(s == 2.5 for s in lit)
    assert pg.evaluate("() => window.SG.getState().tools.whatif") == {"shock": "default:a_co", "method": "debtrank",
                                                                       "as_of": "", "shown": True}
    pg.screenshot(path=str(artifacts / "explore_whatif.png"))
    assert seen == {"blocked": [], "console": [], "dialogs": []}, seen


def test_compare_two_scenarios(page: tuple[Any, dict[str, list[str]]], artifacts: Any) -> None:
    pg, seen = page
    pg.locator("#compare-a").fill("default:a_co")
    pg.locator("#compare-b").fill("default:b_bank")
    pg.locator("#compare-method").select_option("debtrank")
    pg.locator("#compare-run").click()
    wait(pg, "window.__tools.compare && window.__tools.pending === 0")
    r = pg.evaluate("() => window.__tools.compare")
    rows = pg.locator("#compare-table tr").all_inner_texts()
    assert rows[0].split("\t") == ["party", "A h", "B h", "B − A"]
    assert len(rows) == len(r["diff"]) + 1
    d = r["diff"][0]
    assert d["difference"] == pytest.approx(d["b"] - d["a"])
    cells = rows[1].split("\t")
    assert cells[1:] == [f"{d['a']:.4f}", f"{d['b']:.4f}", ("+" if d["difference"] > 0 else "") + f"{d['difference']:.4f}"]
    assert "Values: share of capital lost" in pg.locator("#compare-table").inner_text()
    pg.locator("#tool-compare").screenshot(path=str(artifacts / "explore_compare.png"))
    assert seen == {"blocked": [], "console": [], "dialogs": []}, seen


def test_payload_names_stay_text(page: tuple[Any, dict[str, list[str]]], artifacts: Any) -> None:
    pg, seen = page
    pg.locator("#path-from").fill("xss_img")
    pg.locator("#path-to").fill("xss_seller")
    pg.locator("#path-kind-lends_to").uncheck()
    pg.locator("#path-kind-supplies").uncheck()
    pg.locator("#path-run").click()
    wait(pg, "window.__tools.paths && window.__tools.paths.from === 'xss_img' && window.__tools.pending === 0")
    assert XSS in pg.locator("#path-list li").first.inner_text()
    pg.locator("#whatif-shock").fill("default:xss_img")
    pg.locator("#whatif-method").select_option("contract")
    pg.locator("#whatif-run").click()
    wait(pg, "window.__tools.whatif && window.__tools.whatif.parameters.shocks[0] === 'default:xss_img' "
             "&& window.__tools.pending === 0")
    assert XSS in pg.locator("#whatif-table").inner_text()
    assert pg.evaluate(INJECTED) == 0 and seen["dialogs"] == [] and seen["console"] == []
    pg.screenshot(path=str(artifacts / "explore_tools_xss.png"))


def test_shared_link_reruns_the_tools(page: tuple[Any, dict[str, list[str]]], artifacts: Any) -> None:
    """The tools' inputs are in the view's URL: a fresh page opened on it re-runs the what-if and paths."""
    pg, seen = page
    pg.locator("#whatif-shock").fill("default:a_co")
    pg.locator("#whatif-method").select_option("debtrank")
    pg.locator("#whatif-run").click()
    wait(pg, "window.__tools.whatif && window.__tools.whatif.parameters.method === 'debtrank' "
             "&& window.__tools.pending === 0")
    link = wait(pg, "decodeURIComponent(location.hash).indexOf('\"shock\":\"default:a_co\"') > 0 && location.href")
    other = pg.context.new_page()
    errors: list[str] = []
    other.on("pageerror", lambda e: errors.append(str(e)))
    other.goto(link)
    wait(other, "window.__tools && window.__tools.whatif && window.__tools.paths && window.__tools.pending === 0")
    assert other.locator("#whatif-shock").input_value() == "default:a_co"
    assert other.evaluate("() => window.__tools.whatif.losses[0].id") == "a_co"
    assert other.locator("#path-list li").count() == pg.locator("#path-list li").count() > 0
    other.screenshot(path=str(artifacts / "explore_tools_shared.png"))
    other.close()
    assert errors == [] and seen["console"] == []
