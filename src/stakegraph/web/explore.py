"""The explorer: ``/explore`` (page) and its JSON endpoints, all read from the store (no projection).

* ``GET /explore/search?q=TEXT`` — ids, names and English names containing ``TEXT`` (any script, e.g.
  银行) from the per-version :class:`stakegraph.search.SearchIndex`: the exact id first, then exact
  names, prefixes, word starts, other substrings; at most :data:`MAX_RESULTS`, with ``counts`` per type.
* ``GET /explore/node/{id}`` — the node's properties, provenance (``source_file``, ``source_row``,
  ``load_id``) and relationships (the first :data:`MAX_RELATIONSHIPS`, with the total).
* ``GET /explore/node/{id}/neighbours?offset=&limit=&kind=&direction=`` — one page of neighbours
  (by id) and the edges to them, optionally only over relationship ``kind`` (comma-separated) and
  ``direction`` (``out``, ``in`` or ``both``); ``next_offset`` is ``null`` on the last page (the page
  draws "and N more").
* ``GET /explore/subgraph?ids=a,b,c`` — those nodes and the edges among them (a shared view's state).
* ``GET /explore/communities?ids=a,b,c`` — ``ready`` and, once ready, those nodes' communities (``null``
  for a node in none).

Nodes carry ``metrics`` (degree, exposure in the reporting ``currency``, sampled betweenness, HHI of
their customers, relationship health, the numeric properties with money converted; ``units`` says
what each is) and their Louvain ``community`` (id and name), computed once per graph version from
the fast paths (:mod:`stakegraph.web.explore_metrics`); edges carry ``amount`` converted to the
reporting currency. Louvain runs in the background: a request waits at most :data:`COMMUNITY_WAIT`
seconds for it, then answers without ``community`` on its nodes and with ``"pending": ["communities"]``
(else ``"pending": []``); the page then asks ``/explore/communities`` until they are ready.

Bounds are checked before the store is read; errors are the pages' one translation (JSON here).
"""

from __future__ import annotations

from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import networkx as nx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from stakegraph.domain import RELATIONSHIP_KINDS, Direction
from stakegraph.errors import Invalid, LimitExceeded, NotFound, StakegraphError
from stakegraph.measures import money_context
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.search import search_index
from stakegraph.viz.explore import explore_csp, explore_page
from stakegraph.viz.network import EDGE_COLOURS
from stakegraph.viz.page import security_headers
from stakegraph.web.explore_metrics import PROVENANCE, communities_job, node_metrics
from stakegraph.web.pages import _error, _int, _serve, _text, _workspace
from stakegraph.workspace import Workspace

__all__ = ["router"]

router = APIRouter(tags=["explore"])
MAX_RESULTS = 50
MAX_NEIGHBOURS = 100
MAX_RELATIONSHIPS = 200
#: Edge properties shown beside a relationship in the panel.
EDGE_SUMMARY = ("amount", "currency", "share_pct", "annual_revenue", "status", "role")
#: Ids one ``/explore/subgraph`` call restores (a shared view's nodes).
MAX_SUBGRAPH = 2000
DIRECTIONS = ("both", "out", "in")
#: Seconds a request waits for the communities (Louvain, in the background) before answering without them.
COMMUNITY_WAIT = 1.0


def _metrics(ws: Workspace, version: str) -> dict[str, Any]:
    """Per node metrics (:func:`stakegraph.web.explore_metrics.node_metrics`, once per version) and the
    communities if ready within :data:`COMMUNITY_WAIT` s (else ``pending`` names them)."""
    base: dict[str, Any] = ws.cached(("explore", "metrics"), lambda _G: node_metrics(ws, version), version)
    job = communities_job(ws, version)  # after: Louvain (pure Python) would share the interpreter with them
    try:
        comm = job.result(timeout=COMMUNITY_WAIT)
    except FutureTimeout:
        return {**base, "communities": None, "names": {}, "pending": ["communities"]}
    return {**base, **comm, "pending": []}


def _brief(n: NodeRecord, metrics: dict[str, Any] | None = None) -> dict[str, Any]:
    p = n.props
    out: dict[str, Any] = {"id": n.id, "type": n.type, "name": n.name, "name_en": p.get("name_en"),
                           "kind": p.get("kind"), "country": p.get("country"), "status": p.get("status")}
    if metrics is not None:
        out["metrics"] = metrics["nodes"].get(n.id, {})
        if metrics["communities"] is not None:  # else pending: the page asks /explore/communities
            cid = metrics["communities"].get(n.id)
            out["community"] = None if cid is None else metrics["names"][cid]
    return out


def _edge(e: EdgeRecord, metrics: dict[str, Any] | None = None, G: nx.MultiDiGraph | None = None
          ) -> dict[str, Any]:
    rk = RELATIONSHIP_KINDS.get(e.kind)
    colour = EDGE_COLOURS.get(rk.category if rk else "other", EDGE_COLOURS["other"])
    out = {"id": e.id, "kind": e.kind, "source": e.source, "target": e.target, "color": colour,
           "status": e.props.get("status")}
    if G is not None:
        try:
            out["amount"] = money_context(G).of(e.props, "amount")
        except StakegraphError:
            out["amount"] = None
    return out


def _context(ws: Workspace, version: str) -> tuple[dict[str, Any], nx.MultiDiGraph]:
    return _metrics(ws, version), ws.projection(version)


def _money(metrics: dict[str, Any]) -> dict[str, Any]:
    return {"currency": metrics["currency"], "as_of": metrics["as_of"], "units": metrics["units"],
            "pending": metrics["pending"]}


def _node(ws: Workspace, node_id: str) -> NodeRecord:
    n = ws.store.get_node(node_id)
    if n is None:
        raise NotFound(f"no node with id {node_id[:80]!r}", fix="search for it by name in the explorer")
    return n


@router.get("/explore", response_class=HTMLResponse, include_in_schema=False)
async def explore(request: Request) -> Response:
    """The explorer page (``node=ID`` opens that node first)."""
    try:
        start = _text(request, "node")
        ws = _workspace(request)
    except Exception as e:  # noqa: BLE001 - the one translation
        return _error(request, e, False)
    html = explore_page(start=start, graph_version=ws.graph_version())
    return HTMLResponse(html, headers={**security_headers(), "Content-Security-Policy": explore_csp()})


@router.get("/explore/search", include_in_schema=False)
async def search(request: Request) -> Response:
    """Nodes whose id, name or English name contains ``q`` (any script), best first: the exact id, an exact
    name, prefixes, word starts, other substrings (:class:`stakegraph.search.SearchIndex`, one per version);
    ``counts`` says how many of each type match."""
    def build(ws: Workspace, version: str) -> dict[str, Any]:
        q = _text(request, "q") or ""
        limit = _int(request, "limit", 20, 1, MAX_RESULTS)
        if not q:
            return {"query": q, "results": [], "counts": {}}
        found = search_index(ws, version).query(q, limit)
        return {"query": q, "results": [{**h.brief(), "rank": h.rank} for h in found.hits], "counts": found.counts,
                "total": found.total}

    return await _serve(request, build, json_errors=True)


@router.get("/explore/node/{node_id}", include_in_schema=False)
async def node(request: Request, node_id: str) -> Response:
    """A node for the side panel: properties, provenance, relationships (the first 200)."""
    def build(ws: Workspace, version: str) -> dict[str, Any]:
        n = _node(ws, node_id)
        metrics, G = _context(ws, version)
        edges = ws.store.edges_of([node_id])
        kinds: dict[str, dict[str, int]] = {}
        for e in edges:
            side = kinds.setdefault(e.kind, {"out": 0, "in": 0})
            side["out" if e.source == node_id else "in"] += 1
        shown = edges[:MAX_RELATIONSHIPS]
        others = {e.target if e.source == node_id else e.source for e in shown}
        names = {o.id: o.name for o in ws.store.get_nodes(sorted(others)) if o is not None}
        rels = []
        for e in shown:
            out = e.source == node_id
            other = e.target if out else e.source
            rels.append({**_edge(e, metrics, G), "direction": "out" if out else "in", "other": other,
                         "other_name": names.get(other, other),
                         "summary": {k: e.props[k] for k in EDGE_SUMMARY if e.props.get(k) not in (None, "")}})
        props = {k: v for k, v in n.props.items() if k not in PROVENANCE}
        return {"node": _brief(n, metrics), "props": props,
                "provenance": {k: n.props.get(k) for k in PROVENANCE}, "relationships": rels,
                "total_relationships": len(edges), "kinds": kinds, **_money(metrics)}

    return await _serve(request, build, json_errors=True)


@router.get("/explore/node/{node_id}/neighbours", include_in_schema=False)
async def neighbours(request: Request, node_id: str) -> Response:
    """One page of a node's neighbours (ordered by id) and the edges joining them to it, optionally
    over some relationship kinds (``kind=a,b``) and one direction (``direction=out|in|both``)."""
    def build(ws: Workspace, version: str) -> dict[str, Any]:
        offset = _int(request, "offset", 0, 0, 10**7)
        limit = _int(request, "limit", 25, 1, MAX_NEIGHBOURS)
        direction = (_text(request, "direction", "both") or "both").lower()
        if direction not in DIRECTIONS:
            raise Invalid(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction[:20]!r}",
                          fix="direction=out (its relationships), in (towards it) or both")
        kinds = {k.strip() for k in (_text(request, "kind") or "").split(",") if k.strip()}
        unknown = sorted(kinds - set(RELATIONSHIP_KINDS))
        if unknown:
            raise Invalid(f"unknown relationship kind {unknown[0][:40]!r}",
                          fix="one of: " + ", ".join(sorted(RELATIONSHIP_KINDS)))
        _node(ws, node_id)
        metrics, G = _context(ws, version)
        ends = ws.store.edge_ends([node_id], direction=Direction(direction), kinds=sorted(kinds) or None)
        others = sorted({t if s == node_id else s for _, s, t in ends} - {node_id})
        page = others[offset:offset + limit]
        keep = set(page)
        edge_ids = [eid for eid, s, t in ends if (t if s == node_id else s) in keep]
        nodes = [_brief(n, metrics) for n in ws.store.get_nodes(page) if n is not None]
        edges = [_edge(e, metrics, G) for e in ws.store.get_edges(edge_ids) if e is not None]
        nxt = offset + limit if offset + limit < len(others) else None
        return {"node": node_id, "nodes": nodes, "edges": edges, "total": len(others), "offset": offset,
                "next_offset": nxt, "kind": sorted(kinds), "direction": direction, **_money(metrics)}

    return await _serve(request, build, json_errors=True)


def _ids(request: Request, *, fix: str) -> list[str]:
    """The distinct ``ids=a,b,c`` of a request, sorted; more than :data:`MAX_SUBGRAPH` is ``LimitExceeded``."""
    raw = request.query_params.get("ids") or ""
    if raw.count(",") >= MAX_SUBGRAPH:
        raise LimitExceeded(f"{raw.count(',') + 1} ids; at most {MAX_SUBGRAPH}", fix=fix)
    return sorted({i.strip() for i in raw.split(",") if i.strip()})


@router.get("/explore/subgraph", include_in_schema=False)
async def subgraph(request: Request) -> Response:
    """The nodes ``ids=a,b,c`` (at most :data:`MAX_SUBGRAPH`) and the edges among them."""
    def build(ws: Workspace, version: str) -> dict[str, Any]:
        ids = _ids(request, fix="share a smaller view (hide or collapse nodes first)")
        metrics, G = _context(ws, version)
        found = [n for n in ws.store.get_nodes(ids) if n is not None]
        keep = {n.id for n in found}
        ends = ws.store.edge_ends(sorted(keep)) if keep else []
        edge_ids = sorted({eid for eid, s, t in ends if s in keep and t in keep})
        edges = [_edge(e, metrics, G) for e in ws.store.get_edges(edge_ids) if e is not None]
        return {"nodes": [_brief(n, metrics) for n in found], "edges": edges,
                "missing": sorted(set(ids) - keep), **_money(metrics)}

    return await _serve(request, build, json_errors=True)


@router.get("/explore/communities", include_in_schema=False)
async def communities(request: Request) -> Response:
    """``ready`` (Louvain done for this version) and then the communities of ``ids=a,b,c`` (at most
    :data:`MAX_SUBGRAPH`; ``null`` for a node in none). Does not wait: the page asks again later."""
    def build(ws: Workspace, version: str) -> dict[str, Any]:
        ids = _ids(request, fix="ask for the communities in smaller batches")
        job = communities_job(ws, version)
        if not job.done():
            return {"ready": False, "communities": {}}
        comm = job.result()
        found = {i: comm["communities"].get(i) for i in ids}
        return {"ready": True, "communities": {i: None if c is None else comm["names"][c] for i, c in found.items()}}

    return await _serve(request, build, json_errors=True)
