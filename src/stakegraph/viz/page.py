"""The page template: escaping, the JSON data island, Content-Security-Policy, the shared script.

pyvis's own template is not used: it inserts its heading unescaped and puts a
node title containing ``href`` into ``innerHTML`` (pyvis issues 228/229), and
it loads vis-network and bootstrap from public CDNs. Here every text from data
is escaped with :mod:`markupsafe` before it reaches HTML, graph data travels in
a non-executable ``<script type="application/json">`` island whose ``<``, ``>``
and ``&`` are ``\\u``-escaped (so no value can close the element), titles stay
plain strings (vis-network >= 9 shows string titles with ``innerText``), and
the two inline scripts (the vendored vis-network and :data:`VIEW_JS`) are
allowed by their SHA-256 hashes — no ``unsafe-inline`` script, no network.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

ASSETS = Path(__file__).resolve().parent / "assets"

#: Latin first, then CJK faces (Debian ``fonts-noto-cjk`` provides "Noto Sans CJK SC").
FONT_STACK = (
    'system-ui, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", '
    '"PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", Arial, sans-serif'
)
#: The face vis-network hands to the canvas (``ctx.font``), CJK-capable.
CANVAS_FONT = '"Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif'

CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: @FONT@; color: #1f2933; background: #f7f8fa; font-size: 14px; }
header { padding: 14px 22px 8px; background: #fff; border-bottom: 1px solid #d9dee5; }
header h1 { margin: 0 0 4px; font-size: 20px; font-weight: 600; }
header p { margin: 0; color: #52606d; }
nav.crumbs { font-size: 12px; margin-bottom: 4px; }
nav.crumbs a { color: #2563eb; text-decoration: none; margin-right: 10px; }
main { padding: 12px 22px 30px; }
section { background: #fff; border: 1px solid #d9dee5; border-radius: 6px; margin: 0 0 16px; padding: 12px 16px; }
section h2 { font-size: 16px; margin: 0 0 8px; }
section h3 { font-size: 14px; margin: 12px 0 6px; }
.view { display: flex; gap: 12px; align-items: stretch; }
.graph { flex: 1 1 auto; min-width: 0; border: 1px solid #e4e7eb; border-radius: 4px; background: #fff; }
.legend { flex: 0 0 250px; font-size: 12px; }
.legend h3 { margin: 0 0 6px; font-size: 13px; }
.legend ul { list-style: none; padding: 0; margin: 0 0 8px; }
.legend li { margin: 2px 0; display: flex; align-items: center; gap: 6px; }
.legend dl { margin: 0 0 8px; display: grid; grid-template-columns: auto 1fr; gap: 2px 8px; }
.legend dt { color: #52606d; }
.legend dd { margin: 0; font-weight: 600; }
.sw { display: inline-block; width: 12px; height: 12px; border-radius: 50%; border: 1px solid #7b8794; flex: none; }
.sw.line { border-radius: 0; height: 4px; border: none; }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: 4px 0 8px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.flag { color: #b91c1c; font-weight: 600; }
.ok { color: #15803d; }
.muted { color: #7b8794; }
.stamp { font-size: 11px; color: #52606d; background: #f7f8fa; border: 1px dashed #cbd2d9; padding: 4px 8px;
         margin-top: 8px; white-space: pre-wrap; word-break: break-word; }
.chart svg { max-width: 100%; height: auto; font-family: @FONT@; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; }
.card { border: 1px solid #d9dee5; border-radius: 6px; padding: 8px 12px; min-width: 150px; background: #fbfcfd; }
.card b { display: block; font-size: 18px; }
div.vis-tooltip { white-space: pre-line; max-width: 420px; font-family: @FONT@; font-size: 12px; }
""".replace("@FONT@", FONT_STACK)

#: The one script every page runs: draws each graph of the data island and reports on ``window.__stakegraph``.
VIEW_JS = """(function () {
  "use strict";
  var island = document.getElementById("sg-data");
  var data = JSON.parse(island.textContent);
  var state = { page: data.page, views: [], ready: false, networks: {} };
  window.__stakegraph = state;
  function settle() {
    state.ready = state.views.every(function (v) { return v.drawn && v.stable; });
  }
  data.graphs.forEach(function (g) {
    var el = document.getElementById(g.id);
    var info = { id: g.id, nodes: g.nodes.length, edges: g.edges.length, dataNodes: g.counts.nodes,
                 placeholders: g.counts.placeholders, drawn: false, stable: false };
    state.views.push(info);
    var net = new vis.Network(el, { nodes: new vis.DataSet(g.nodes), edges: new vis.DataSet(g.edges) }, g.options);
    state.networks[g.id] = net;
    net.once("afterDrawing", function () { info.drawn = true; settle(); });
    if (!g.nodes.length) {
      info.drawn = true; info.stable = true;  /* nothing to lay out: no stabilisation event will come */
    } else if (g.options.physics && g.options.physics.enabled) {
      net.once("stabilizationIterationsDone", function () {
        net.setOptions({ physics: { enabled: false } });
        info.stable = true; settle();
      });
    } else {
      info.stable = true;
    }
    if (g.fit !== false) { net.once("afterDrawing", function () { net.fit({ animation: false }); }); }
  });
  settle();
})();
"""


def esc(value: Any) -> Markup:
    """HTML-escape any value (``None`` becomes empty).

    >>> str(esc('<img src=x onerror=alert(1)>'))
    '&lt;img src=x onerror=alert(1)&gt;'
    """
    return escape("" if value is None else str(value))


def json_for_script(obj: Any) -> str:
    """JSON that is safe inside ``<script type="application/json">``: ``<``, ``>``, ``&``, U+2028/9 escaped.

    >>> json_for_script({"name": "</script><b>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=str)
    for ch, rep in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, rep)
    return text


def sha256_source(script: str) -> str:
    """The CSP hash source of an inline script's exact text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


@lru_cache(maxsize=1)
def vis_js() -> str:
    """The vendored vis-network standalone build (see ``src/stakegraph/viz/assets/README.md``)."""
    return (ASSETS / "vis-network.min.js").read_text(encoding="utf-8")


def script_sources() -> tuple[str, ...]:
    """Hash sources of the two inline scripts every page carries."""
    return (sha256_source(vis_js()), sha256_source(VIEW_JS))


def csp(*, header: bool = True) -> str:
    """The Content-Security-Policy of every page: scripts only by hash, nothing from the network.

    ``style-src 'unsafe-inline'`` is needed because the vis-network standalone
    build injects its stylesheet at load; scripts never run inline without a hash.
    ``frame-ancestors`` is ignored in ``<meta>``, so it is only in the header.
    """
    parts = [
        "default-src 'none'",
        "script-src " + " ".join(script_sources()),
        "style-src 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
    if header:
        parts.append("frame-ancestors 'none'")
    return "; ".join(parts)


#: Headers the API sends with every page.
def security_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": csp(header=True),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


@dataclass
class LegendEntry:
    """A swatch and its label; ``shape`` is ``dot`` or ``line``."""

    label: str
    color: str
    shape: str = "dot"
    width: int = 12


@dataclass
class Graph:
    """One vis-network drawing: vis-ready nodes/edges/options, a legend, and counts the tests check."""

    id: str
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    options: dict[str, Any]
    legend: list[LegendEntry] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    height: int = 640

    @property
    def placeholders(self) -> int:
        """"and N more" nodes standing for what was left out."""
        return sum(1 for n in self.nodes if n.get("placeholder"))

    @property
    def data_nodes(self) -> int:
        """Nodes that are records of the graph (not placeholders, not group captions)."""
        return sum(1 for n in self.nodes if not n.get("placeholder") and not n.get("decor"))

    def payload(self) -> dict[str, Any]:
        return {
            "id": self.id, "nodes": self.nodes, "edges": self.edges, "options": self.options,
            "counts": {"nodes": self.data_nodes, "placeholders": self.placeholders,
                       "edges": len(self.edges)},
        }


def legend_html(g: Graph) -> Markup:
    """The legend panel of a graph: facts (label/value), swatches, notes — all escaped."""
    out = [Markup('<aside class="legend"><h3>Legend</h3>')]
    if g.facts:
        out.append(Markup("<dl>"))
        for k, v in g.facts:
            out.append(Markup("<dt>{}</dt><dd>{}</dd>").format(k, v))
        out.append(Markup("</dl>"))
    if g.legend:
        out.append(Markup("<ul>"))
        for e in g.legend:
            cls = "sw line" if e.shape == "line" else "sw"
            style = f"background:{e.color};width:{int(e.width)}px" if e.shape == "line" else f"background:{e.color}"
            out.append(Markup('<li><span class="{}" style="{}"></span>{}</li>').format(cls, style, e.label))
        out.append(Markup("</ul>"))
    for note in g.notes:
        out.append(Markup('<p class="muted">{}</p>').format(note))
    out.append(Markup("</aside>"))
    return Markup("").join(out)


def graph_html(g: Graph) -> Markup:
    """The drawing area and its legend."""
    return Markup(
        '<div class="view"><div class="graph" id="{}" style="height:{}px" data-nodes="{}" '
        'data-placeholders="{}" data-edges="{}" role="img" aria-label="network drawing"></div>{}</div>'
    ).format(g.id, int(g.height), g.data_nodes, g.placeholders, len(g.edges), legend_html(g))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Iterable[int] = ()) -> Markup:
    """An escaped HTML table; columns in ``numeric`` are right-aligned."""
    num = set(numeric)
    out = [Markup("<table><thead><tr>")]
    for i, h in enumerate(headers):
        out.append(Markup('<th class="{}">{}</th>').format("num" if i in num else "", h))
    out.append(Markup("</tr></thead><tbody>"))
    n = 0
    for row in rows:
        n += 1
        out.append(Markup("<tr>"))
        for i, cell in enumerate(row):
            out.append(Markup('<td class="{}">{}</td>').format("num" if i in num else "", cell))
        out.append(Markup("</tr>"))
    if n == 0:
        out.append(Markup('<tr><td colspan="{}" class="muted">none</td></tr>').format(len(headers)))
    out.append(Markup("</tbody></table>"))
    return Markup("").join(out)


def stamp_html(stamp: Any) -> Markup:
    """How a result was computed (algorithm, variant, parameters, graph version, reference), as text."""
    from stakegraph.analytics.stamp import to_jsonable

    d = to_jsonable(stamp)
    params = json.dumps(d.get("parameters", {}), ensure_ascii=False, sort_keys=True, default=str)
    text = (f"Computed by {d.get('algorithm')} — {d.get('variant')}\nparameters: {params}\n"
            f"graph version: {d.get('graph_version')}\nreference: {d.get('reference')}")
    return Markup('<div class="stamp">{}</div>').format(text)


@dataclass
class Page:
    """A self-contained page: title, heading, escaped body fragments, graphs to draw."""

    kind: str
    title: str
    subtitle: str = ""
    body: list[Markup] = field(default_factory=list)
    graphs: list[Graph] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    anchors: list[str] = field(default_factory=list)

    def add(self, fragment: Markup) -> None:
        self.body.append(fragment)

    def section(self, heading: str, *parts: Markup, anchor: str = "") -> None:
        """A ``<section>`` with its heading; ``anchor`` (optional) is its id, which no drawing may share."""
        if anchor:
            self.anchors.append(anchor)
        opening = Markup('<section id="{}">').format(anchor) if anchor else Markup("<section>")
        self.body.append(Markup("{}<h2>{}</h2>{}</section>").format(opening, heading, Markup("").join(parts)))

    def check_ids(self) -> None:
        """Raise ``ValueError`` when a section anchor or drawing id repeats (or is the data island's)."""
        seen = {"sg-data"}
        for i in [*self.anchors, *(g.id for g in self.graphs)]:
            if i in seen:
                raise ValueError(f"element id {i!r} is used twice on page {self.kind!r}: give the section or "
                                 "drawing another id")
            seen.add(i)

    def render(self) -> str:
        """The complete HTML document (UTF-8 text)."""
        return render(self)


def render(page: Page) -> str:
    """Render ``page``: escaped text, JSON island, inline vendored vis-network, hashed scripts, meta CSP."""
    page.check_ids()
    crumbs = Markup("")
    if page.links:
        crumbs = Markup('<nav class="crumbs">{}</nav>').format(
            Markup("").join(Markup('<a href="{}">{}</a>').format(href, label) for href, label in page.links)
        )
    data: Mapping[str, Any] = {"page": {"kind": page.kind, "title": page.title, **page.meta},
                               "graphs": [g.payload() for g in page.graphs]}
    head = Markup(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta http-equiv="Content-Security-Policy" content="{}">'
        '<meta name="referrer" content="no-referrer">'
        "<title>{}</title><style>{}</style></head>\n"
    ).format(csp(header=False), page.title, Markup(CSS))
    header = Markup('<body data-view="{}"><header>{}<h1>{}</h1><p>{}</p></header>\n<main>').format(
        page.kind, crumbs, page.title, page.subtitle
    )
    parts = [str(head), str(header), *(str(b) for b in page.body), "</main>\n",
             '<script type="application/json" id="sg-data">', json_for_script(data), "</script>\n",
             *(["<script>", vis_js(), "</script>\n"] if page.graphs else []),
             "<script>", VIEW_JS, "</script>\n</body></html>\n"]
    return "".join(parts)
