"""The explorer: ``/explore`` (page) and its JSON endpoints, all read from the store (no projection).

* ``GET /explore/search?q=TEXT`` — names (any script, e.g. 银行; ``name`` and ``name_en``) by
  :meth:`~stakegraph.store.base.GraphStore.find_nodes`, an exact id first; at most
  :data:`MAX_RESULTS`.
* ``GET /explore/node/{id}`` — the node's properties, provenance (``source_file``, ``source_row``,
  ``load_id``) and relationships (the first :data:`MAX_RELATIONSHIPS`, with the total).
* ``GET /explore/node/{id}/neighbours?offset=&limit=`` — one page of neighbours (by id) and the
  edges to them; ``next_offset`` is ``null`` on the last page (the page draws "and N more").

Bounds are checked before the store is read; errors are the pages' one translation (JSON here).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from stakegraph.domain import RELATIONSHIP_KINDS
from stakegraph.errors import NotFound
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store.base import NodeFilter
from stakegraph.viz.explore import explore_csp, explore_page
from stakegraph.viz.network import EDGE_COLOURS
from stakegraph.viz.page import security_headers
from stakegraph.web.pages import _error, _int, _serve, _text, _workspace
from stakegraph.workspace import Workspace

__all__ = ["router"]

router = APIRouter(tags=["explore"])
MAX_RESULTS = 50
MAX_NEIGHBOURS = 100
MAX_RELATIONSHIPS = 200
PROVENANCE = ("source_file", "source_row", "load_id")
#: Edge properties shown beside a relationship in the panel.
EDGE_SUMMARY = ("amount", "currency", "share_pct", "annual_revenue", "status", "role")


def _brief(n: NodeRecord) -> dict[str, Any]:
    p = n.props
    return {"id": n.id, "type": n.type, "name": n.name, "name_en": p.get("name_en"), "kind": p.get("kind"),
            "country": p.get("country")}


def _edge(e: EdgeRecord) -> dict[str, Any]:
    rk = RELATIONSHIP_KINDS.get(e.kind)
    colour = EDGE_COLOURS.get(rk.category if rk else "other", EDGE_COLOURS["other"])
    return {"id": e.id, "kind": e.kind, "source": e.source, "target": e.target, "color": colour,
            "status": e.props.get("status")}


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
    """Nodes whose name contains ``q`` (case-insensitive, any script), an exact id first."""
    def build(ws: Workspace, version: str) -> dict[str, Any]:
        q = _text(request, "q") or ""
        limit = _int(request, "limit", 20, 1, MAX_RESULTS)
        if not q:
            return {"query": q, "results": []}
        found: list[NodeRecord] = []
        exact = ws.store.get_node(q)
        if exact is not None:
            found.append(exact)
        found += [n for n in ws.store.find_nodes(NodeFilter(text=q), limit=limit) if exact is None or n.id != q]
        return {"query": q, "results": [_brief(n) for n in found[:limit]]}

    return await _serve(request, build, json_errors=True)


@router.get("/explore/node/{node_id}", include_in_schema=False)
async def node(request: Request, node_id: str) -> Response:
    """A node for the side panel: properties, provenance, relationships (the first 200)."""
    def build(ws: Workspace, version: str) -> dict[str, Any]:
        n = _node(ws, node_id)
        edges = ws.store.edges_of([node_id])
        shown = edges[:MAX_RELATIONSHIPS]
        others = {e.target if e.source == node_id else e.source for e in shown}
        names = {o.id: o.name for o in ws.store.get_nodes(sorted(others)) if o is not None}
        rels = []
        for e in shown:
            out = e.source == node_id
            other = e.target if out else e.source
            rels.append({**_edge(e), "direction": "out" if out else "in", "other": other,
                         "other_name": names.get(other, other),
                         "summary": {k: e.props[k] for k in EDGE_SUMMARY if e.props.get(k) not in (None, "")}})
        props = {k: v for k, v in n.props.items() if k not in PROVENANCE}
        return {"node": _brief(n), "props": props, "provenance": {k: n.props.get(k) for k in PROVENANCE},
                "relationships": rels, "total_relationships": len(edges)}

    return await _serve(request, build, json_errors=True)


@router.get("/explore/node/{node_id}/neighbours", include_in_schema=False)
async def neighbours(request: Request, node_id: str) -> Response:
    """One page of a node's neighbours (ordered by id) and the edges joining them to it."""
    def build(ws: Workspace, version: str) -> dict[str, Any]:
        offset = _int(request, "offset", 0, 0, 10**7)
        limit = _int(request, "limit", 25, 1, MAX_NEIGHBOURS)
        _node(ws, node_id)
        ends = ws.store.edge_ends([node_id])
        others = sorted({t if s == node_id else s for _, s, t in ends} - {node_id})
        page = others[offset:offset + limit]
        keep = set(page)
        edge_ids = [eid for eid, s, t in ends if (t if s == node_id else s) in keep]
        nodes = [_brief(n) for n in ws.store.get_nodes(page) if n is not None]
        edges = [_edge(e) for e in ws.store.get_edges(edge_ids) if e is not None]
        nxt = offset + limit if offset + limit < len(others) else None
        return {"node": node_id, "nodes": nodes, "edges": edges, "total": len(others), "offset": offset,
                "next_offset": nxt}

    return await _serve(request, build, json_errors=True)
