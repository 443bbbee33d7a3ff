"""The explorer page (``/explore``): search as you type, open a node, double-click to expand, inspect.

One self-contained page like the views (:mod:`stakegraph.viz.page`): the vendored vis-network and
``assets/explore.js`` are inline and allowed by their SHA-256 hashes, nothing comes from the network
(``connect-src 'self'`` lets the script call the JSON endpoints of :mod:`stakegraph.web.explore`).
Every text from data reaches the DOM through ``textContent`` (or vis-network's canvas labels and
plain-string tooltips), never as HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from stakegraph.viz.network import EDGE_COLOURS, PARTY_COLOURS, TYPE_STYLE
from stakegraph.viz.page import ASSETS, CANVAS_FONT, CSS, json_for_script, sha256_source, vis_js

EXPLORE_CSS = """
body { height: 100vh; display: flex; flex-direction: column; }
header { flex: none; }
.explore { flex: 1 1 auto; display: flex; min-height: 0; }
.search { flex: 0 0 300px; padding: 10px; border-right: 1px solid #d9dee5; background: #fff; overflow: auto; }
.search input { width: 100%; padding: 7px 9px; font-size: 14px; border: 1px solid #9aa5b1; border-radius: 4px; }
.search ul { list-style: none; padding: 0; margin: 8px 0; }
.search li { padding: 5px 6px; border-radius: 4px; cursor: pointer; }
.search li[aria-selected="true"], .search li:hover { background: #e0ecff; }
.search li .sub { display: block; font-size: 11px; color: #52606d; }
.search h3 { font-size: 11px; text-transform: uppercase; color: #7b8794; margin: 10px 0 2px; }
#canvas { flex: 1 1 auto; min-width: 0; background: #fff; }
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


@lru_cache(maxsize=1)
def explore_js() -> str:
    """The explorer's script (``assets/explore.js``)."""
    return (ASSETS / "explore.js").read_text(encoding="utf-8")


def explore_csp(*, header: bool = True) -> str:
    """Scripts only by hash (vis-network and the explorer), calls only to this site."""
    parts = ["default-src 'none'", f"script-src {sha256_source(vis_js())} {sha256_source(explore_js())}",
             "style-src 'unsafe-inline'", "img-src 'self' data:", "font-src 'self' data:", "connect-src 'self'",
             "base-uri 'none'", "form-action 'self'"]
    if header:
        parts.append("frame-ancestors 'none'")
    return "; ".join(parts)


def explore_page(*, start: str | None = None, graph_version: str = "") -> str:
    """The explorer's HTML; ``start`` is a node id to open first (from ``/explore?node=ID``)."""
    data = {"start": start, "style": STYLE, "version": graph_version,
            "limits": {"neighbours": 25, "results": 20}}
    head = Markup(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="{}"><meta name="referrer" content="no-referrer">'
        '<link rel="icon" href="/favicon.ico" type="image/svg+xml">'
        "<title>Explorer · stakegraph</title><style>{}{}</style></head>\n"
    ).format(explore_csp(header=False), Markup(CSS), Markup(EXPLORE_CSS))
    body = Markup(
        '<body data-view="explore"><header><nav class="crumbs"><a href="/">Index</a><a href="/audit">Audit</a>'
        '<a href="/viz/network">Network</a><a href="/graphql">GraphiQL</a></nav><h1>Explorer</h1>'
        "<p>Search a name (any script) or an id; Enter or click opens it; double-click a node to expand its "
        "neighbours, double-click “and N more” for the next page.</p></header>\n"
        '<div class="explore"><div class="search"><label for="q" class="hint">Search names and ids</label>'
        '<input id="q" type="search" autocomplete="off" spellcheck="false" placeholder="e.g. 银行, bank, b_bank" '
        'aria-controls="results"><div id="status" class="hint" role="status"></div>'
        '<div id="results" role="listbox"></div></div>'
        '<div id="canvas" role="img" aria-label="network drawing"></div>'
        '<aside id="panel"><p class="hint">Open a node to see its properties, provenance and relationships.'
        "</p></aside></div>\n"
    )
    return "".join([str(head), str(body), '<script type="application/json" id="sg-explore">',
                    json_for_script(data), "</script>\n<script>", vis_js(), "</script>\n<script>", explore_js(),
                    "</script>\n</body></html>\n"])
