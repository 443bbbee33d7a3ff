"""Panning and zooming the explorer in headless Chromium (software WebGL), driven with the mouse: while
the camera moves the last frame slides (``render=moving``, the page's choice for large drawings without
a GPU), and afterwards nodes are where they are seen — hovered, clicked, selected and dragged at the
right place — and labels are drawn again. No timing is asserted (speed is ``bench/explore.py``'s)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.store import EmbeddedStore
from tests.viz.served import route_to
from tests.viz.test_explore import explore_app, hover, note_console, note_dialog, wait

pytestmark = [pytest.mark.browser]
ORIGIN = "http://pan.stakegraph.test"
Seen = dict[str, list[str]]
#: Where ``id`` is on screen now, from the camera (not from the last frame drawn).
WHERE = """(id) => { const r = SG.renderer, d = r.getNodeDisplayData(id);
  return r.framedGraphToViewport(d, {cameraState: r.getCamera().getState()}); }"""


@pytest.fixture(scope="module")
def context(browser: Any, sample_store: EmbeddedStore) -> Iterator[tuple[Any, Seen]]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    seen: Seen = {"blocked": [], "console": [], "dialogs": []}
    route_to(ctx, TestClient(explore_app(sample_store)), ORIGIN, seen["blocked"])
    yield ctx, seen
    ctx.close()


def opened(context: tuple[Any, Seen], query: str) -> Any:
    """The explorer on b_bank and its neighbours, the layout stopped, the drawing fitted and still."""
    ctx, seen = context
    pg = ctx.new_page()
    pg.on("console", lambda m: note_console(seen, m))
    pg.on("pageerror", lambda e: seen["console"].append(str(e)))
    pg.on("dialog", lambda d: note_dialog(seen, d))
    pg.goto(ORIGIN + "/explore?node=b_bank" + query)
    wait(pg, "window.__explore.ready && window.__explore.opened === 'b_bank' && window.__explore.pending === 0")
    pg.evaluate("() => SG.expand('b_bank')")
    wait(pg, "SG.graph.order > 5 && window.__explore.pending === 0")
    pg.evaluate("() => SG.stopLayout()")
    pg.locator("#b-fit").click()
    rest(pg)
    return pg


def rest(pg: Any) -> None:
    """Wait for the camera to stop and the exact frame to be back on screen."""
    wait(pg, "!SG.renderer.getCamera().isAnimated() && !window.__explore.sliding")
    pg.evaluate("() => new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(ok)))")


def screen(pg: Any, node_id: str) -> tuple[float, float]:
    box = pg.locator("#canvas").bounding_box()
    xy = pg.evaluate(WHERE, node_id)
    return box["x"] + xy["x"], box["y"] + xy["y"]


def drag_stage(pg: Any, dx: float, dy: float, check: Any = None) -> None:
    """Press on the empty stage padding, move by (dx, dy), call ``check`` with the button held, release."""
    box = pg.locator("#canvas").bounding_box()
    x, y = box["x"] + 12, box["y"] + 12
    assert pg.evaluate("([x, y]) => SG.renderer.getNodeAtPosition({x, y})", [12, 12]) is None
    pg.mouse.move(x, y)
    pg.mouse.down()
    pg.mouse.move(x + dx, y + dy, steps=8)
    if check:
        check()
    pg.mouse.up()


def clean(pg: Any, seen: Seen) -> None:
    assert seen == {"blocked": [], "console": [], "dialogs": []}, seen
    assert pg.evaluate("() => window.__explore.errors") == []


def test_pan_then_click_select_and_drag_where_seen(context: tuple[Any, Seen], artifacts: Any) -> None:
    pg = opened(context, "&render=moving")
    _, seen = context
    assert pg.evaluate("() => SG.renderMode()") == "moving"
    target = "a_co"
    before = screen(pg, target)
    renders = pg.evaluate("() => { window.__renders = 0; SG.renderer.on('afterRender', () => window.__renders++); return 0; }")

    def held() -> None:  # the last frame slides under the held button: nothing is redrawn
        wait(pg, "window.__explore.sliding === true")
        assert pg.evaluate("() => window.__renders") == renders
        pg.screenshot(path=str(artifacts / "explore_pan_sliding.png"))

    drag_stage(pg, 160, 90, held)
    rest(pg)
    assert pg.evaluate("() => window.__renders") >= 1  # drawn once the camera rested
    after = screen(pg, target)
    assert after[0] - before[0] >= 150 and after[1] - before[1] >= 80  # moved with the mouse (and its inertia)
    assert pg.evaluate("() => SG.renderer.getNodeDisplayedLabels().size") > 0  # labels drawn again
    pg.screenshot(path=str(artifacts / "explore_pan_rested.png"))
    # the node is hovered and clicked where it is seen: it opens and is selected
    x, y = hover(pg, target)
    pg.mouse.click(x, y)
    wait(pg, f"window.__explore.opened === {target!r}")
    assert pg.evaluate("() => SG.selected()") == [target]
    # dragged after the pan: it is pinned where dropped
    x, y = hover(pg, target)
    pg.mouse.down()
    pg.mouse.move(x + 40, y + 30, steps=5)
    pg.mouse.up()
    wait(pg, f"SG.graph.getNodeAttribute({target!r}, 'pinned') === true")
    rest(pg)
    nx, ny = screen(pg, target)
    assert abs(nx - (x + 40)) < 3 and abs(ny - (y + 30)) < 3
    clean(pg, seen)
    pg.close()


def test_zoom_by_wheel_then_click_and_pick_while_sliding(context: tuple[Any, Seen]) -> None:
    pg = opened(context, "&render=moving")
    _, seen = context
    target = "b_bank"
    x, y = screen(pg, target)
    ratio = pg.evaluate("() => SG.renderer.getCamera().ratio")
    pg.mouse.move(x, y)
    pg.mouse.wheel(0, -240)  # zoom in on the node under the pointer
    rest(pg)
    assert pg.evaluate("() => SG.renderer.getCamera().ratio") < ratio
    x2, y2 = screen(pg, target)
    assert abs(x2 - x) < 3 and abs(y2 - y) < 3  # the point under the pointer stays put
    pg.mouse.click(*hover(pg, "a_co"))
    wait(pg, "window.__explore.opened === 'a_co'")
    # while the frame slides, picking maps the pointer back through the slide: what is seen is found
    found = pg.evaluate("""(id) => { const r = SG.renderer, cam = r.getCamera(), s = cam.getState();
        cam.setState({x: s.x + 0.05, y: s.y - 0.03, ratio: s.ratio * 0.8});
        const d = r.getNodeDisplayData(id), p = r.framedGraphToViewport(d, {cameraState: cam.getState()});
        return [window.__explore.sliding, r.getNodeAtPosition(p)]; }""", target)
    assert found == [True, target]
    rest(pg)
    clean(pg, seen)
    pg.close()


def test_classic_draws_every_frame_and_small_drawings_need_no_slide(context: tuple[Any, Seen]) -> None:
    pg = opened(context, "&render=classic")
    _, seen = context
    assert pg.evaluate("() => SG.renderMode()") == "classic"
    pg.evaluate("() => { window.__renders = 0; SG.renderer.on('afterRender', () => window.__renders++); }")
    drag_stage(pg, 120, 60, lambda: wait(pg, "window.__renders > 0"))
    rest(pg)
    assert pg.evaluate("() => window.__explore.sliding") in (None, False)
    pg.mouse.click(*hover(pg, "a_co"))
    wait(pg, "window.__explore.opened === 'a_co'")
    # the page's own choice: a drawing this small is drawn frame by frame, even without a GPU
    assert pg.evaluate("() => SG.renderMode('auto')") == "classic"
    clean(pg, seen)
    pg.close()
