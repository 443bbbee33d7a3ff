"""GraphiQL served from the app itself: the vendored React, GraphiQL and explorer plugin, no CDN.

Strawberry's own GraphiQL page loads React 18.2.0, GraphiQL 3.8.3 and @graphiql/plugin-explorer
1.0.2 from unpkg; the same files (byte for byte: their ``integrity`` hashes are strawberry's) are
vendored in :mod:`stakegraph.viz.assets` and served at ``/assets/NAME`` (:data:`ASSET_TYPES`).
The page carries no inline script: the example tabs travel in a JSON island and ``graphiql.js``
(ours) boots the editor with them as ``defaultTabs`` — the first tab shows the first example and
Run runs it. A query in the address (``?query=…``) opens in the editor instead. When the browser is
signed in with a session cookie, the boot script sends the CSRF token of the ``sg_csrf`` cookie
as ``X-CSRF-Token`` (see :mod:`stakegraph.web.session`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache

from markupsafe import Markup

from stakegraph.viz.page import ASSETS, json_for_script

#: Files served at ``/assets/NAME`` and their media types (nothing else under that path).
ASSET_TYPES: Mapping[str, str] = {
    "react.production.min.js": "text/javascript; charset=utf-8",
    "react-dom.production.min.js": "text/javascript; charset=utf-8",
    "graphiql.min.js": "text/javascript; charset=utf-8",
    "graphiql.min.css": "text/css; charset=utf-8",
    "graphiql-plugin-explorer.umd.js": "text/javascript; charset=utf-8",
    "graphiql-plugin-explorer.css": "text/css; charset=utf-8",
    "graphiql.js": "text/javascript; charset=utf-8",
    "vis-network.min.js": "text/javascript; charset=utf-8",
    "explore.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}

#: Subresource-integrity hashes (the same as strawberry's template for the third-party files).
INTEGRITY: Mapping[str, str] = {
    "react.production.min.js": "sha384-tMH8h3BGESGckSAVGZ82T9n90ztNXxvdwvdM6UoR56cYcf+0iGXBliJ29D+wZ/x8",
    "react-dom.production.min.js": "sha384-bm7MnzvK++ykSwVJ2tynSE5TRdN+xL418osEVF2DE/L/gfWHj91J2Sphe582B1Bh",
    "graphiql.min.css": "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    "graphiql-plugin-explorer.css": "sha384-5DFJlDPW2tSATRbM8kzoP1j194jexLswuNmClWoRr2Q0x7R68JIQzPHZ02Faktwi",
    "graphiql.min.js": "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    "graphiql-plugin-explorer.umd.js": "sha384-2oonKe47vfHIZnmB6ZZ10vl7T0Y+qrHQF2cmNTaFDuPshpKqpUMGMc9jgj9MLDZ9",
}


@lru_cache(maxsize=16)
def asset(name: str) -> bytes | None:
    """The bytes of a vendored asset, or ``None`` when ``name`` is not one (no path is ever joined)."""
    if name not in ASSET_TYPES:
        return None
    return (ASSETS / name).read_bytes()


def graphiql_csp() -> str:
    """Scripts and styles only from the app; GraphiQL's own inline styles; fonts as data."""
    return "; ".join([
        "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:", "font-src 'self' data:", "connect-src 'self'", "base-uri 'none'",
        "form-action 'self'", "frame-ancestors 'none'",
    ])


def graphiql_page(tabs: Sequence[Mapping[str, str]], *, title: str = "stakegraph GraphiQL") -> str:
    """The GraphiQL page opening with ``tabs`` (``[{"query": ...}, ...]``)."""
    def css(name: str) -> Markup:
        return Markup('<link rel="stylesheet" href="/assets/{}" integrity="{}">').format(name, INTEGRITY[name])

    def js(name: str) -> Markup:
        if name in INTEGRITY:
            return Markup('<script src="/assets/{}" integrity="{}"></script>').format(name, INTEGRITY[name])
        return Markup('<script src="/assets/{}"></script>').format(name)

    return str(Markup(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{}</title>'
        '<link rel="icon" href="/favicon.ico" type="image/svg+xml">{}{}'
        "<style>body{{height:100%;margin:0;width:100%;overflow:hidden}}#graphiql{{height:100vh;display:flex}}"
        "</style></head>\n<body><div id=\"graphiql\" class=\"graphiql-container\">Loading…</div>\n"
        '<script type="application/json" id="sg-tabs">{}</script>\n{}{}{}{}{}</body></html>\n'
    ).format(title, css("graphiql.min.css"), css("graphiql-plugin-explorer.css"), Markup(json_for_script(list(tabs))),
             js("react.production.min.js"), js("react-dom.production.min.js"), js("graphiql.min.js"),
             js("graphiql-plugin-explorer.umd.js"), js("graphiql.js")))
