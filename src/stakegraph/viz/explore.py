"""The explorer page (``/explore``): search, open, expand, filter, style, share and export on WebGL.

One self-contained page like the views (:mod:`stakegraph.viz.page`): the vendored sigma.js,
graphology and ForceAtlas2 (see ``assets/README.md``) and ``assets/explore.js`` are inline and
allowed by their SHA-256 hashes; nothing comes from the network (``connect-src 'self'`` lets the
script call the JSON endpoints of :mod:`stakegraph.web.explore`). ForceAtlas2 runs in a web worker
built from a ``blob:`` URL (``worker-src blob:``, the one widening over the views' policy).
``assets/explore-tools.js`` (paths and what-if, another module's add-on on the ``window.SG`` hook
API documented at the top of ``explore.js``) is inlined after it when the file exists.
Every text from data reaches the DOM through ``textContent``; node labels are drawn on the canvas.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from stakegraph.domain import MONEY_PROPS
from stakegraph.viz.network import EDGE_COLOURS, PARTY_COLOURS, TYPE_STYLE
from stakegraph.viz.page import ASSETS, CANVAS_FONT, CSS, json_for_script, sha256_source

EXPLORE_CSS = """
body { height: 100vh; display: flex; flex-direction: column; }
header { flex: none; }
header p { margin: 2px 0 6px; }
.explore { flex: 1 1 auto; display: flex; min-height: 0; }
.search { flex: 0 0 290px; padding: 10px; border-right: 1px solid #d9dee5; background: #fff; overflow: auto; }
.search input[type=search] { width: 100%; padding: 7px 9px; font-size: 14px; border: 1px solid #9aa5b1; border-radius: 4px; }
.search ul { list-style: none; padding: 0; margin: 8px 0; }
.search li { padding: 5px 6px; border-radius: 4px; cursor: pointer; }
.search li[aria-selected="true"], .search li:hover { background: #e0ecff; }
.search li .sub { display: block; font-size: 11px; color: #52606d; }
.search h3 { font-size: 11px; text-transform: uppercase; color: #7b8794; margin: 10px 0 2px; }
.search details { margin-top: 10px; border-top: 1px solid #e5e7eb; padding-top: 6px; }
.search summary { font-weight: 600; cursor: pointer; }
.search fieldset { border: 1px solid #e5e7eb; margin: 6px 0; padding: 4px 6px; max-height: 140px; overflow: auto; }
.search fieldset label { display: block; font-size: 12px; }
.search .amount input { width: 90px; }
.stage { flex: 1 1 auto; min-width: 0; display: flex; flex-direction: column; position: relative; }
.toolbar { flex: none; display: flex; flex-wrap: wrap; gap: 4px; padding: 4px 6px; border-bottom: 1px solid #e5e7eb; background: #f8fafc; }
.toolbar button[aria-pressed="true"] { background: #dbeafe; }
#canvas { flex: 1 1 auto; min-height: 0; background: #fff; position: relative; }
#legend { position: absolute; left: 8px; bottom: 8px; max-width: 340px; max-height: 35%; overflow-y: auto; background: rgba(255,255,255,.92);
  border: 1px solid #e5e7eb; border-radius: 4px; padding: 6px 8px; font-size: 12px; pointer-events: none; }
#legend .rule { font-weight: 600; margin: 2px 0; }
#legend .sw { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; }
#menu { position: fixed; z-index: 10; background: #fff; border: 1px solid #9aa5b1; border-radius: 4px;
  box-shadow: 0 2px 8px rgba(0,0,0,.15); padding: 4px; display: flex; flex-direction: column; max-height: 60vh; overflow: auto; }
#menu[hidden] { display: none; }
#menu button { text-align: left; border: 0; background: none; padding: 4px 8px; cursor: pointer; font-size: 13px; }
#menu button:hover { background: #e0ecff; }
#menu div { display: flex; flex-direction: column; border-top: 1px solid #e5e7eb; }
#panel { flex: 0 0 360px; padding: 10px 12px; border-left: 1px solid #d9dee5; background: #fff; overflow: auto; }
#panel h2 { font-size: 16px; margin: 0 0 4px; word-break: break-word; }
#panel h3 { font-size: 13px; margin: 12px 0 4px; }
#panel td { word-break: break-word; }
#panel td.link { color: #2563eb; cursor: pointer; }
.hint { font-size: 12px; color: #7b8794; }
"""

#: Colours the script uses (party kind, other types, relationship families).
STYLE: Mapping[str, Any] = {
    "party": dict(PARTY_COLOURS),
    "types": {k: {"color": c, "shape": s} for k, (c, s) in TYPE_STYLE.items()},
    "edges": dict(EDGE_COLOURS),
    "font": CANVAS_FONT,
}
#: The vendored libraries, in load order (``assets/README.md``).
VENDORED = ("graphology.umd.min.js", "sigma.min.js", "graphology-layout-forceatlas2.min.js")
#: The optional add-on loaded after ``explore.js`` when present (paths and what-if tools).
TOOLS = "explore-tools.js"


@lru_cache(maxsize=4)
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def explore_js() -> str:
    """The explorer's script (``assets/explore.js``)."""
    return _asset("explore.js")


def tools_js() -> str | None:
    """``assets/explore-tools.js`` when it exists (read each time: another module may add it)."""
    path = ASSETS / TOOLS
    return path.read_text(encoding="utf-8") if path.is_file() else None


def scripts() -> list[str]:
    """The page's inline scripts in order: the vendored libraries, the explorer, its add-on if any."""
    out = [_asset(name) for name in VENDORED] + [explore_js()]
    tools = tools_js()
    return out + ([tools] if tools is not None else [])


def explore_csp(*, header: bool = True) -> str:
    """Scripts only by hash, the layout worker from a ``blob:`` URL, calls only to this site."""
    hashes = " ".join(sha256_source(s) for s in scripts())
    parts = ["default-src 'none'", f"script-src {hashes}", "worker-src blob:",
             "style-src 'unsafe-inline'", "img-src 'self' data: blob:", "font-src 'self' data:", "connect-src 'self'",
             "base-uri 'none'", "form-action 'self'"]
    if header:
        parts.append("frame-ancestors 'none'")
    return "; ".join(parts)


TOOLBAR = (("b-undo", "Undo", "Undo (Ctrl+Z)"), ("b-redo", "Redo", "Redo (Ctrl+Shift+Z)"),
           ("b-fit", "Fit", "Fit the drawing to the window"), ("b-layout", "Layout", "Run or stop the layout"),
           ("b-group", "Group by community", "Cluster the drawing by Louvain community"),
           ("b-png", "PNG", "Export the view as PNG"), ("b-svg", "SVG", "Export the view as SVG"),
           ("b-csv", "CSV", "Export the visible nodes and edges as CSV"),
           ("b-link", "Link", "Put this view in the address bar to share it"))


def explore_page(*, start: str | None = None, graph_version: str = "") -> str:
    """The explorer's HTML; ``start`` is a node id to open first (from ``/explore?node=ID``)."""
    data = {"start": start, "style": STYLE, "version": graph_version, "money": sorted(MONEY_PROPS),
            "limits": {"neighbours": 25, "results": 20}}
    head = Markup(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="{}"><meta name="referrer" content="no-referrer">'
        '<link rel="icon" href="/favicon.ico" type="image/svg+xml">'
        "<title>Explorer · stakegraph</title><style>{}{}</style></head>\n"
    ).format(explore_csp(header=False), Markup(CSS), Markup(EXPLORE_CSS))
    toolbar = Markup("").join(
        Markup('<button type="button" id="{}" title="{}"{}>{}</button>').format(
            i, title, Markup(' aria-pressed="false"') if i == "b-group" else "", text)
        for i, text, title in TOOLBAR)
    body = Markup(
        '<body data-view="explore"><header><nav class="crumbs"><a href="/">Index</a><a href="/audit">Audit</a>'
        '<a href="/viz/network">Network</a><a href="/graphql">GraphiQL</a></nav><h1>Explorer</h1>'
        "<p>Search a name (any script) or an id; Enter or click opens it. Double-click a node to expand it "
        "(“and N more” for the next page), right-click for kinds and directions, collapse, pin or hide; drag "
        "to pin; Shift+click to select several; Ctrl+Z / Ctrl+Shift+Z undo and redo.</p></header>\n"
        '<div class="explore"><div class="search"><label for="q" class="hint">Search names and ids</label>'
        '<input id="q" type="search" autocomplete="off" spellcheck="false" placeholder="e.g. 银行, bank, b_bank" '
        'aria-controls="results"><div id="status" class="hint" role="status"></div>'
        '<div id="results" role="listbox"></div>'
        '<details id="filters" open><summary>Filter</summary><div id="filter-values"></div>'
        '<fieldset class="amount"><legend>Relationship amount <span id="amount-unit"></span></legend>'
        '<label>from <input id="amount-min" type="number" step="any"></label> '
        '<label>to <input id="amount-max" type="number" step="any"></label></fieldset></details>'
        '<details id="styling" open><summary>Style</summary>'
        '<label class="hint" for="size-by">Size by</label> <select id="size-by"></select><br>'
        '<label class="hint" for="colour-by">Colour by</label> <select id="colour-by"></select></details>'
        '<details id="views"><summary>Saved views</summary>'
        '<input id="view-name" type="text" placeholder="name" maxlength="80"> '
        '<button type="button" id="b-save">Save</button><br><select id="saved"></select> '
        '<button type="button" id="b-load">Open</button> <button type="button" id="b-delete">Delete</button>'
        "</details></div>"
        '<div class="stage"><div class="toolbar" role="toolbar">{}</div>'
        '<div id="canvas" role="img" aria-label="network drawing"></div><div id="legend" aria-live="polite"></div>'
        "</div>"
        '<aside id="panel"><div id="info"><p class="hint">Open a node to see its properties, provenance and '
        'relationships.</p></div><div id="tools"></div></aside></div>'
        '<div id="menu" role="menu" hidden></div>\n'
    ).format(toolbar)
    parts = [str(head), str(body), '<script type="application/json" id="sg-explore">', json_for_script(data),
             "</script>\n"]
    for script in scripts():
        parts += ["<script>", script, "</script>\n"]
    return "".join(parts + ["</body></html>\n"])
