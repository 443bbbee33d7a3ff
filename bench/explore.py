"""The explorer (``/explore``) in headless Chromium: first paint, time to a stable layout, frame time
while panning, and search-to-result latency.

* **Drawing** — a synthetic graph of N nodes (clustered: 40 communities, ~2.5 edges a node, a few
  disconnected outliers; every node carries the server's JSON shape with metrics and a community) is
  pushed into the page with ``SG.addSubgraph`` (what an expansion or a shared link does).
  *First paint* is from that call to the end of sigma's first render; *stable* is until the
  ForceAtlas2 worker converges (``__explore.stable``; ``layoutEnd`` says converged or time cap).
  *Pan* moves the camera a little, frame after frame, and reports the mean time per frame (camera
  move to the frame after the library redrew; 2 animation frames ≥ 33 ms is the floor at 60 Hz)
  and the mean time of the library's own render (``beforeRender`` → ``afterRender``; vis-network:
  ``beforeDrawing`` → ``afterDrawing``), at the default zoom and zoomed in 8× (labels readable). The side-by-side floor is the old vis-network drawing (the views' library,
  physics off, positions given) of the same graph, panned the same way with ``moveTo``.
  The page's two ways of drawing camera moves (``SG.renderMode``) are timed side by side, interleaved on
  the same page and positions (medians of ``--pan-repeat`` runs): *classic* draws every frame with
  sigma; *moving* slides a copy of the last frame with a CSS transform and draws once the camera rests
  (*settle*: last move to the exact frame on screen). *Drag* is a person's mouse drag of the stage
  (animation-frame intervals while dragging, mean and p95).
* **Search** — a generated portfolio of 100,000 parties in the embedded store; ``GET
  /explore/search`` in process (TestClient), median and p95 over a few queries; and in the page,
  typing to results shown (``__explore.searchMs``: request sent to list rendered, after the
  120 ms typing debounce).

Run alone: ``python -m bench.explore [--sizes 2000 10000] [--parties 100000]`` (the system Chromium;
every request outside the fake origin is aborted).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import embedded_db, header, percentile, table
from bench.views import _chromium

ORIGIN = "http://bench.stakegraph.test"
MODES = ("classic", "moving")  # SG.renderMode: every frame drawn by sigma / the last frame slid
KINDS = ("bank", "corporate", "sovereign", "other")


def synthetic(n: int, seed: int = 1) -> dict[str, Any]:
    """``n`` nodes in 40 communities (dense inside, sparse across) plus 3 isolated outliers."""
    rnd = random.Random(seed)
    comms = 40
    nodes: list[dict[str, Any]] = [{"id": f"n{i}", "type": "party", "name": f"Party {i} {'银行' if i % 7 == 0 else 'Ltd'}",
              "kind": KINDS[i % 4], "country": ("CN", "SG", "VN", "ID")[i % 4], "status": None,
              "metrics": {"degree": 0, "exposure": rnd.lognormvariate(16, 2), "betweenness": rnd.random() ** 4},
              "community": {"id": i % comms, "name": f"C{i % comms} · Party {i % comms}", "size": n // comms}}
             for i in range(n - 3)]
    nodes += [{"id": f"out{i}", "type": "party", "name": f"Outlier {i}", "kind": "other", "metrics": {"degree": 0}}
              for i in range(3)]
    edges: list[dict[str, Any]] = []
    for i in range(n - 3):
        for _ in range(2 if rnd.random() < 0.5 else 3):
            j = rnd.randrange(i % comms, n - 3, comms) if rnd.random() < 0.9 else rnd.randrange(n - 3)
            if j != i:
                edges.append({"id": f"e{len(edges)}", "kind": "lends_to", "source": f"n{i}", "target": f"n{j}",
                              "color": "#2563eb", "status": "active", "amount": rnd.lognormvariate(15, 1)})
    for e in edges:
        nodes[int(e["source"][1:])]["metrics"]["degree"] += 1
        nodes[int(e["target"][1:])]["metrics"]["degree"] += 1
    return {"nodes": nodes, "edges": edges}


PAN_JS = """async ([ratio, frames, mode]) => {
  SG.renderMode(mode);
  const cam = SG.renderer.getCamera(), captor = SG.renderer.getMouseCaptor(), cost = [], gaps = [];
  const twoFrames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  cam.setState({x: 0.5, y: 0.5, ratio: ratio, angle: 0});
  await new Promise(r => setTimeout(r, 400)); await twoFrames();  /* a sliding frame settles first */
  let t = 0, drawn = 0;
  const before = () => { t = performance.now(); }, after = () => { cost.push(performance.now() - t); drawn = performance.now(); };
  SG.renderer.on('beforeRender', before); SG.renderer.on('afterRender', after);
  captor.isMoving = true;  /* as during a mouse drag of the stage (frame by frame: edges and labels wait above 3,000 edges) */
  let last = performance.now();
  for (let i = 0; i < frames; i++) {
    cam.setState({x: 0.5 + 0.002 * ratio * (i % 20 + 1), y: 0.5});  /* drawn or slid on its next frame */
    await twoFrames();
    const now = performance.now(); gaps.push(now - last); last = now;
  }
  captor.isMoving = false;
  /* settle: from the last move to the exact frame on screen (sliding: the one full draw after the pause) */
  const moved = performance.now(); drawn = 0;
  if (SG.renderMode() === 'moving') { while (!drawn) { await new Promise(r => setTimeout(r, 5)); } }
  else { SG.renderer.refresh(); }
  await twoFrames();
  const settle = performance.now() - moved;
  SG.renderer.off('beforeRender', before); SG.renderer.off('afterRender', after);
  const mean = a => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
  return [mean(gaps), mean(cost.slice(0, -1)), settle, SG.renderMode()];
}"""

DRAG_START_JS = """() => {
  window.__gaps = []; let last = performance.now();
  const tick = now => { window.__gaps.push(now - last); last = now; if (window.__gaps) { window.__raf = requestAnimationFrame(tick); } };
  window.__raf = requestAnimationFrame(tick);
}"""
DRAG_STOP_JS = """() => { cancelAnimationFrame(window.__raf); const g = window.__gaps.slice(1).sort((a, b) => a - b);
  window.__gaps = null; return [g.reduce((x, y) => x + y, 0) / g.length, g[Math.floor(g.length * 0.95)], g.length]; }"""


def drag(pg: Any, mode: str, steps: int) -> list[float]:
    """A person's drag of the stage (mouse down, ``steps`` moves, up): animation-frame intervals meanwhile."""
    pg.evaluate("(m) => { SG.renderMode(m); SG.renderer.getCamera().setState({x: 0.5, y: 0.5, ratio: 1, angle: 0}); }", mode)
    pg.wait_for_timeout(400)
    box = pg.locator("#canvas").bounding_box()
    x, y = box["x"] + 90, box["y"] + 50  # inside the stage padding: the stage, not a node
    pg.evaluate(DRAG_START_JS)
    pg.mouse.move(x, y)
    pg.mouse.down()
    for i in range(steps):
        pg.mouse.move(x + 4 * (i % 40) - 80, y + 2 * (i % 40) - 40)
    pg.mouse.up()
    out = pg.evaluate(DRAG_STOP_JS)
    pg.wait_for_timeout(400)
    return [float(v) for v in out]


VIS_PAN_JS = """async ([scale, frames]) => {
  const net = window.__net, cost = [], gaps = [];
  net.moveTo({position: {x: 0, y: 0}, scale: scale});
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  let t = 0;
  net.on('beforeDrawing', () => { t = performance.now(); });
  net.on('afterDrawing', () => { cost.push(performance.now() - t); });
  let last = performance.now();
  for (let i = 0; i < frames; i++) {
    net.moveTo({position: {x: (i % 20 + 1) * 5 / scale, y: 0}, scale: scale});  /* redraws on its next frame */
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const now = performance.now(); gaps.push(now - last); last = now;
  }
  const mean = a => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
  return [mean(gaps), mean(cost)];
}"""


def _route(ctx: Any, pages: dict[str, tuple[str, str]], client: Any = None) -> None:
    def handle(r: Any) -> None:
        url = r.request.url
        path = url[len(ORIGIN):].split("#")[0]
        if not url.startswith(ORIGIN + "/"):
            r.abort()
        elif path in pages:
            body, csp = pages[path]
            r.fulfill(status=200, body=body, headers={"content-type": "text/html; charset=utf-8",
                                                      "content-security-policy": csp})
        elif client is not None:
            resp = client.get(url)
            r.fulfill(status=resp.status_code, body=resp.content,
                      headers={"content-type": resp.headers.get("content-type", "application/json")})
        else:
            r.fulfill(status=404, body=b'{"error": {"message": "none"}}', headers={"content-type": "application/json"})

    ctx.route("**/*", handle)


def vis_page(sub: dict[str, Any]) -> str:
    """The old drawing: vis-network with physics off and the sigma layout's positions given."""
    from stakegraph.viz.page import vis_js

    data = json.dumps(sub).replace("<", "\\u003c")
    return ("<!DOCTYPE html><html><body style='margin:0'><div id='c' style='width:1100px;height:800px'></div>"
            f"<script>{vis_js()}</script><script>const d = {data};"
            "window.__net = new vis.Network(document.getElementById('c'), {nodes: new vis.DataSet(d.nodes),"
            " edges: new vis.DataSet(d.edges)}, {physics: false, edges: {smooth: false, arrows: 'to'},"
            " nodes: {shape: 'dot'}, layout: {improvedLayout: false}});"
            "window.__net.once('afterDrawing', () => { window.__drawn = true; });</script></body></html>")


def drawing(browser: Any, n: int, frames: int, reps: int = 3) -> dict[str, Any]:
    from stakegraph.viz.explore import explore_csp, explore_page

    sub = synthetic(n)
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    _route(ctx, {"/explore": (explore_page(), explore_csp())})
    try:
        pg = ctx.new_page()
        pg.goto(ORIGIN + "/explore")
        pg.wait_for_function("() => window.__explore && window.__explore.ready")
        pg.evaluate("(s) => { window.__sub = s; }", sub)
        first = pg.evaluate("""() => new Promise(ok => { const t0 = performance.now();
            SG.renderer.once('afterRender', () => ok(performance.now() - t0)); SG.addSubgraph(window.__sub); })""")
        t0 = time.perf_counter()
        pg.wait_for_function("() => window.__explore.stable", timeout=120_000, polling=50)
        stable_ms = (time.perf_counter() - t0) * 1000 + first
        end = pg.evaluate("() => window.__explore.layoutEnd")
        gl = pg.evaluate("() => window.__explore.glRenderer")
        pg.evaluate("() => { window.__sub = null; }")
        pan: dict[str, dict[str, list[Any]]] = {m: {"default": [], "zoomed": [], "drag": []} for m in MODES}
        for _ in range(reps):  # interleaved: frame by frame, then sliding, on the same page and positions
            for m in MODES:
                pan[m]["default"].append(pg.evaluate(PAN_JS, [1.0, frames, m]))
                pan[m]["zoomed"].append(pg.evaluate(PAN_JS, [0.125, frames, m]))
                pan[m]["drag"].append(drag(pg, m, frames))
        pg.evaluate("() => SG.renderMode('auto')")
        auto = pg.evaluate("() => SG.renderMode()")
        med = {m: {k: [statistics.median(r[i] for r in v) for i in range(3)] for k, v in pan[m].items()} for m in MODES}
        default, zoomed = med[auto]["default"][:2], med[auto]["zoomed"][:2]
        labels = pg.evaluate("() => SG.renderer.getCamera().ratio")
        positions = pg.evaluate("() => SG.graph.mapNodes((n, a) => [n, a.x, a.y])")
        pg.close()
        # the old drawing of the same graph, at the positions sigma's layout found
        pos = {i: (x, y) for i, x, y in positions}
        vis_sub = {"nodes": [{"id": v["id"], "label": v["name"], "x": pos[v["id"]][0] * 20, "y": pos[v["id"]][1] * 20}
                             for v in sub["nodes"]],
                   "edges": [{"id": e["id"], "from": e["source"], "to": e["target"]} for e in sub["edges"]]}
        _route(ctx, {"/vis": (vis_page(vis_sub), "default-src 'self' 'unsafe-inline' data:")})
        vp = ctx.new_page()
        t1 = time.perf_counter()
        vp.goto(ORIGIN + "/vis")
        vp.wait_for_function("() => window.__drawn === true", timeout=300_000, polling=50)
        vis_first = (time.perf_counter() - t1) * 1000
        vis_default = vp.evaluate(VIS_PAN_JS, [0.1, max(10, frames // 3)])
        vis_zoomed = vp.evaluate(VIS_PAN_JS, [0.8, max(10, frames // 3)])
        vp.close()
        del labels
        return {"n": n, "edges": len(sub["edges"]), "first": first, "stable": stable_ms, "end": end,
                "default": default, "zoomed": zoomed, "pan": med, "auto": auto, "gl": gl, "vis_first": vis_first, "vis_default": vis_default,
                "vis_zoomed": vis_zoomed}
    finally:
        ctx.close()


def search(browser: Any, parties: int, repeat: int) -> dict[str, Any]:
    """The index search (``GET /explore/search``) and, interleaved query by query, its floor before the index:
    the store's substring scan (``find_nodes(NodeFilter(text=q))`` plus the exact id), then the page."""
    from fastapi.testclient import TestClient

    from stakegraph.search import search_index
    from stakegraph.store.base import NodeFilter
    from stakegraph.store.embedded import EmbeddedStore
    from tests.viz.test_explore import explore_app

    db = embedded_db(parties)
    store = EmbeddedStore(db)
    app = explore_app(store)
    client = TestClient(app)
    ws = app.state.workspace
    version = ws.graph_version()
    ws.projection(version)
    t = time.perf_counter()
    search_index(ws, version)
    build_s = time.perf_counter() - t
    queries = ["bank", "银行", "energy", "co_000123", "holdings", "xyz-none"]
    times: list[float] = []
    scan: list[float] = []
    for _ in range(max(3, repeat)):
        for q in queries:
            t = time.perf_counter()
            r = client.get("/explore/search", params={"q": q})
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text
            t = time.perf_counter()
            store.get_node(q)
            store.find_nodes(NodeFilter(text=q), limit=20)
            scan.append((time.perf_counter() - t) * 1000)
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    from stakegraph.viz.explore import explore_csp, explore_page

    _route(ctx, {"/explore": (explore_page(), explore_csp())}, client)
    page_ms: list[float] = []
    try:
        pg = ctx.new_page()
        pg.goto(ORIGIN + "/explore")
        pg.wait_for_function("() => window.__explore && window.__explore.ready")
        for _ in range(repeat):
            for q in queries[:4]:
                pg.locator("#q").fill("")
                pg.evaluate("() => { window.__explore.searchMs = null; }")
                pg.locator("#q").fill(q)
                pg.wait_for_function("() => window.__explore.searchMs !== null && window.__explore.searchMs !== undefined",
                                     timeout=60_000, polling=10)
                page_ms.append(float(pg.evaluate("() => window.__explore.searchMs")))
    finally:
        ctx.close()
        store.close()
    return {"parties": parties, "server": times, "scan": scan, "page": page_ms, "build_s": build_s}


def metrics_first(parties: int) -> dict[str, float]:
    """Seconds of the explorer's first metrics request (every node's metrics, once per version) on the
    generated portfolio, after the projection: as served (Louvain in the background: the request waits
    at most ``COMMUNITY_WAIT`` for it), when the communities arrive, and the heaviest parts (a second,
    fresh workspace)."""
    from stakegraph.store.embedded import EmbeddedStore
    from stakegraph.web import explore as web_explore
    from stakegraph.web import explore_metrics as em
    from stakegraph.workspace import Workspace

    out: dict[str, float] = {}
    with EmbeddedStore(embedded_db(parties)) as store:
        ws = Workspace(store)
        v = ws.graph_version()
        t = time.perf_counter()
        ws.projection(v)
        ws.index(v)
        out["projection + index"] = time.perf_counter() - t
        t = time.perf_counter()
        served = web_explore._metrics(ws, v)
        out["first metrics request as served (communities " + ("pending" if served["pending"] else "included") + ")"] = (
            time.perf_counter() - t)
        em.communities_job(ws, v).result()
        out["communities arrive (background Louvain), from the request"] = time.perf_counter() - t
        ws = Workspace(store)
        ws.projection(v)
        ws.index(v)
        parts = [("betweenness (igraph on the index, k=300)", lambda: em._betweenness(ws.index(v))),
                 ("exposure (one edge pass)", lambda: em._exposures(ws.projection(v))),
                 ("hhi (portfolio-concentration)", lambda: ws.run("portfolio-concentration", version=v)),
                 ("health (health-scores)", lambda: ws.run("health-scores", version=v)),
                 ("communities (Louvain, NetworkX, and naming)", lambda: em.communities(ws, v)),
                 ("node_metrics (catalogue answers now cached)", lambda: em.node_metrics(ws, v))]
        for name, fn in parts:
            t = time.perf_counter()
            fn()
            out["  part: " + name] = time.perf_counter() - t
        # node_metrics recomputes betweenness and exposure: the rest is degree, properties and assembly
        rest = max(0.0, out.pop("  part: " + parts[-1][0]) - out["  part: " + parts[0][0]] - out["  part: " + parts[1][0]])
        out["  part: the rest: degree, properties, assembly"] = rest
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[2000, 10000])
    ap.add_argument("--parties", type=int, default=100_000)
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pan-repeat", type=int, default=3, help="interleaved classic/moving pan runs (medians)")
    ap.add_argument("--metrics", type=int, nargs="*", default=[],
                    help="also time the first metrics request at these party counts (e.g. 10000)")
    args = ap.parse_args(argv)
    print(header("Explorer (sigma.js WebGL) in headless Chromium", "bench.explore", argv))
    for n in args.metrics:
        print(f"\n### First metrics request at {n:,} parties (s)\n")
        print(table(["step", "s"], [[k, f"{v:.2f}"] for k, v in metrics_first(n).items()]))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"])
        try:
            rows, pans, gl = [], [], ""
            for n in args.sizes:
                r = drawing(b, n, args.frames, args.pan_repeat)
                gl = r["gl"]
                for m in MODES:
                    p = r["pan"][m]
                    pans.append([f"{r['n']:,}", m + (" (page default)" if m == r["auto"] else ""),
                                 f"{p['default'][0]:.1f}", f"{p['zoomed'][0]:.1f}",
                                 f"{p['drag'][0]:.1f} / {p['drag'][1]:.1f}",
                                 f"{p['default'][1]:.1f}", f"{p['default'][2]:.0f} / {p['zoomed'][2]:.0f}"])
                c, s_ = r["pan"]["classic"], r["pan"]["moving"]
                pans.append([f"{r['n']:,}", "ratio classic / moving", f"{c['default'][0] / s_['default'][0]:.1f}×",
                             f"{c['zoomed'][0] / s_['zoomed'][0]:.1f}×", f"{c['drag'][0] / s_['drag'][0]:.1f}×", "", ""])
                rows.append([f"{r['n']:,} / {r['edges']:,}", f"{r['first']:.0f}", f"{r['vis_first']:.0f}",
                             f"{r['stable'] / 1000:.1f} ({r['end']})",
                             f"{r['default'][0]:.1f} / {r['default'][1]:.1f}",
                             f"{r['vis_default'][0]:.1f} / {r['vis_default'][1]:.1f}",
                             f"{r['zoomed'][0]:.1f} / {r['zoomed'][1]:.1f}",
                             f"{r['vis_zoomed'][0]:.1f} / {r['vis_zoomed'][1]:.1f}"])
                print(f"  {n:,} nodes done", file=sys.stderr)
            print("\n### Drawing (ms unless said; pan = mean ms per frame / mean ms in the library's render)\n")
            print(table(["nodes / edges", "first paint sigma", "first paint vis-network", "stable layout s",
                         "pan default sigma", "pan default vis", "pan zoomed 8× sigma", "pan zoomed vis"], rows))
            print(f"\n### Pan: every frame drawn (classic) vs the last frame slid until the camera rests (moving)\n\n"
                  f"WebGL renderer: {gl}. Medians of {args.pan_repeat} interleaved runs of {args.frames} camera "
                  "steps (a step = camera moved, then two animation frames: 33 ms is the 60 Hz floor) and of a mouse "
                  "drag of the stage (animation-frame intervals while dragging: 16.7 ms floor; mean and 95th percentile); render = sigma's own "
                  "render call; settle = last move to the exact frame on screen.\n")
            print(table(["nodes", "drawing", "pan default ms/step", "pan zoomed 8× ms/step", "drag frame mean / p95",
                         "render ms", "settle ms default / zoomed"], pans))
            if args.parties:
                s = search(b, args.parties, args.repeat)
                print(f"\n### Search at {s['parties']:,} parties (ms; index built once per version in "
                      f"{s['build_s']:.2f} s)\n")
                ratio = statistics.median(s["scan"]) / statistics.median(s["server"])
                print(table(["measure", "median", "p95", "max", "n"], [
                    ["GET /explore/search (index, in process)", f"{statistics.median(s['server']):.1f}",
                     f"{percentile(s['server'], 95):.1f}", f"{max(s['server']):.1f}", len(s["server"])],
                    ["floor before: store substring scan (find_nodes + exact id)", f"{statistics.median(s['scan']):.1f}",
                     f"{percentile(s['scan'], 95):.1f}", f"{max(s['scan']):.1f}", len(s["scan"])],
                    ["page: request sent → list shown", f"{statistics.median(s['page']):.1f}",
                     f"{percentile(s['page'], 95):.1f}", f"{max(s['page']):.1f}", len(s["page"])],
                ]))
                print(f"\nscan / index (medians): {ratio:.1f}×")
                print("\n(the page waits 120 ms after the last keystroke before it asks; Enter asks at once)")
        finally:
            b.close()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main(sys.argv[1:])
