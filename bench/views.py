"""Views: time for headless Chromium to reach a stable drawing, and the HTML size.

The network view of a generated portfolio limited to 500 and 2,000 nodes is built in Python
(``stakegraph.viz.views.network_view``: layout precomputed above 150 nodes, physics off), written to a file
and opened from disk in the system Chromium (``/usr/bin/chromium`` through Playwright, never
``playwright install``; every non-file request is aborted). "Stable" is the page's own flag
``window.__stakegraph.ready`` (every graph drawn and its physics stabilised). A physics-on ego view
(depth 2 around the busiest party) is measured too.

Run alone: ``python -m bench.views [--sizes 500 2000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import embedded_db, header, projection, table

DEFAULT_SIZES = (500, 2000)
CHROMIUM = "/usr/bin/chromium"
#: Portfolio whose network view is cut to each size (the view keeps the largest exposures).
PORTFOLIO_PARTIES = 2000


def _chromium() -> str:
    exe = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not exe:
        raise SystemExit(f"Chromium not found at {CHROMIUM}; install it with: apt-get install -y chromium")
    return exe


def time_to_stable(browser: Any, html: Path, *, timeout: float = 120.0) -> tuple[float, float, int]:
    """(seconds to the load event, seconds to ``__stakegraph.ready``, nodes drawn) for one page."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
    try:
        pg = ctx.new_page()
        t0 = time.perf_counter()
        pg.goto(html.as_uri(), wait_until="load")
        t_load = time.perf_counter() - t0
        pg.wait_for_function("() => !!(window.__stakegraph && window.__stakegraph.ready)", timeout=timeout * 1000,
                             polling=20)
        t_ready = time.perf_counter() - t0
        drawn = pg.evaluate("() => Object.values(window.__stakegraph.networks)"
                            ".reduce((a, n) => a + n.body.data.nodes.length, 0)")
        return t_load, t_ready, int(drawn)
    finally:
        ctx.close()


def pages(sizes: Sequence[int], out_dir: Path, parties: int = PORTFOLIO_PARTIES) -> list[tuple[str, int, Path, float]]:
    """(label, nodes requested, file, Python build seconds) for each page to open."""
    from stakegraph.store.embedded import EmbeddedStore
    from stakegraph.viz import views

    G = projection(parties)
    made = []
    for n in sizes:
        t0 = time.perf_counter()
        page = views.network_view(G, limit=n)
        page.links = []
        html = page.render()
        build = time.perf_counter() - t0
        f = out_dir / f"network_{n}.html"
        f.write_text(html, encoding="utf-8")
        made.append(("network view (precomputed layout, physics off)", n, f, build))
    busiest = max((v for v, d in G.nodes(data=True) if d.get("type") == "party"), key=lambda v: (G.degree(v), v))
    with EmbeddedStore(embedded_db(parties)) as store:
        t0 = time.perf_counter()
        page = views.ego_view(store, str(busiest), depth=2)
        page.links = []
        html = page.render()
        build = time.perf_counter() - t0
    f = out_dir / "ego.html"
    f.write_text(html, encoding="utf-8")
    made.append((f"ego view depth 2 of {busiest} (physics on)", 0, f, build))
    return made


def run(sizes: Sequence[int], *, repeat: int = 3, parties: int = PORTFOLIO_PARTIES, out: Any = print
        ) -> list[tuple[Any, ...]]:
    """Build, open and time every page; print a Markdown table through ``out``; return the rows."""
    from playwright.sync_api import sync_playwright

    rows: list[tuple[Any, ...]] = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        try:
            for label, _, f, build in pages(sizes, Path(tmp), parties):
                runs = [time_to_stable(browser, f) for _ in range(repeat)]
                rows.append((label, runs[0][2], round(f.stat().st_size / 1024), round(build, 2),
                             round(statistics.median(r[0] for r in runs), 2),
                             round(statistics.median(r[1] for r in runs), 2), round(min(r[1] for r in runs), 2)))
        finally:
            browser.close()
    out(f"\nPages from the {parties:,}-party generated portfolio, {repeat} opens each:\n")
    out(table(["page", "nodes drawn", "HTML KiB", "Python build s", "load event s (median)",
               "stable drawing s (median)", "stable drawing s (best)"], rows))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    p = argparse.ArgumentParser(prog="python -m bench.views", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="network view node limits")
    p.add_argument("--repeat", type=int, default=3, help="opens per page")
    p.add_argument("--parties", type=int, default=PORTFOLIO_PARTIES, help="generated portfolio size")
    args = p.parse_args(argv)
    print(header("Views in headless Chromium", "bench.views", list(argv if argv is not None else sys.argv[1:])))
    run(args.sizes, repeat=args.repeat, parties=args.parties)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
