"""The views served by the API: ``/`` (index), ``/viz/…`` and ``/audit``.

The API includes :data:`router`; the store comes from ``request.app.state``
(``stakegraph.web`` — the API's :class:`stakegraph.web.state.ApiState` — or ``store``). Every page is
sent with the Content-Security-Policy of :func:`stakegraph.viz.page.security_headers`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import networkx as nx
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from stakegraph.errors import NotFound, StakegraphError, ValidationError
from stakegraph.store.base import GraphStore
from stakegraph.viz import audit as audit_mod
from stakegraph.viz import views
from stakegraph.viz.errors import BadViewRequest
from stakegraph.viz.page import Page, security_headers, table
from stakegraph.web.projection import projection_of

router = APIRouter(tags=["views"])
T = TypeVar("T")


class _StoreState:
    def __init__(self, store: GraphStore) -> None:
        self.store = store


def _state(request: Request) -> Any:
    st = getattr(request.app.state, "api", None)
    if st is None:
        store = getattr(request.app.state, "store", None)
        if store is None:
            raise HTTPException(503, "the store is not open yet", {"Retry-After": "2"})
        st = _StoreState(store)
    settings = getattr(st, "settings", None) or getattr(request.app.state, "settings", None)
    if settings is not None and getattr(settings, "auth_required", False):
        from stakegraph.web.app import role_for

        if role_for(settings, request.headers.get("authorization")) is None:
            raise HTTPException(401, "an API key is required: send 'Authorization: Bearer <API key>'",
                                {"WWW-Authenticate": "Bearer"})
    return st


def _page(html: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers=security_headers())


async def _run(fn: Callable[[], T]) -> T:
    try:
        return await asyncio.to_thread(fn)
    except NotFound as e:
        raise HTTPException(404, str(e)) from e
    except (BadViewRequest, ValidationError) as e:
        raise HTTPException(422, str(e)) from e
    except StakegraphError as e:
        raise HTTPException(400, str(e)) from e


def _graph(request: Request) -> tuple[Any, Callable[[], nx.MultiDiGraph]]:
    st = _state(request)
    return st, lambda: projection_of(st)


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(request: Request) -> HTMLResponse:
    """Links to every view and GraphiQL."""
    st = _state(request)
    counts = await _run(st.store.counts)
    page = Page("index", "stakegraph", "Stakeholder-relationship knowledge graph for project finance",
                links=[("/graphql", "GraphiQL"), ("/audit", "Audit"), ("/viz/network", "Network"),
                       ("/viz/dependencies", "Dependencies")])
    views_rows = [
        ("/graphql", "GraphiQL — query the graph"),
        ("/audit", "Dependency audit report (also /audit?format=json, /audit?scope=ID)"),
        ("/viz/network", "Whole network (filters: types, kind, country, community, limit)"),
        ("/viz/dependencies", "Cut points, bridges and removal impact (focus=ID for a neighbourhood)"),
        ("/viz/ego/b_bank?depth=2", "Ego network of a party (depth 1–3)"),
        ("/viz/project/p_energy_plant_1", "Project stakeholders by role"),
        ("/viz/concentration/tech_co", "Customer concentration (basis=customers|lenders|suppliers|investors)"),
        ("/viz/contagion?shock=a_co", "Contagion of a default (shock=ID, ends:EDGE, loss:ID:0.3, missed:ID)"),
    ]
    from markupsafe import Markup

    links = Markup("<ul>{}</ul>").format(Markup("").join(
        Markup('<li><a href="{}">{}</a> — {}</li>').format(href, href, text) for href, text in views_rows))
    page.section("Views", links, Markup("<p class=\"muted\">Example ids are from the bundled sample portfolio.</p>"))
    page.section("Graph", table(["node type", "count"], sorted(counts["nodes"].items()), numeric=(1,)),
                 table(["relationship kind", "count"], sorted(counts["edges"].items()), numeric=(1,)))
    return _page(page.render())


@router.get("/viz/ego/{node_id}", response_class=HTMLResponse)
async def ego(request: Request, node_id: str, depth: Annotated[int, Query(ge=1, le=3)] = 2,
              limit: Annotated[int, Query(ge=1, le=views.MAX_EGO_NODES)] = views.MAX_EGO_NODES) -> HTMLResponse:
    """Ego network of a node to depth 1–3 (at most 200 nodes)."""
    st = _state(request)
    page = await _run(lambda: views.ego_view(st.store, node_id, depth=depth, limit=limit))
    return _page(page.render())


@router.get("/viz/project/{project_id}", response_class=HTMLResponse)
async def project(request: Request, project_id: str) -> HTMLResponse:
    """A project's stakeholders grouped by role, with its contracts."""
    _, G = _graph(request)
    page = await _run(lambda: views.project_view(G(), project_id))
    return _page(page.render())


@router.get("/viz/concentration/{node_id}", response_class=HTMLResponse)
async def concentration(request: Request, node_id: str,
                        basis: Annotated[str, Query(pattern="^(customers|lenders|suppliers|investors)$")] = "customers",
                        k: Annotated[int, Query(ge=1, le=50)] = 5) -> HTMLResponse:
    """A party's customers (or lenders …) by share, HHI, CR-k, bands, bar chart."""
    _, G = _graph(request)
    page = await _run(lambda: views.concentration_view(G(), node_id, basis=basis, k=k))
    return _page(page.render())


@router.get("/viz/dependencies", response_class=HTMLResponse)
async def dependencies(request: Request, focus: Annotated[str | None, Query(max_length=200)] = None,
                       radius: Annotated[int, Query(ge=1, le=4)] = 2,
                       top: Annotated[int, Query(ge=1, le=100)] = 20, full: bool = False) -> HTMLResponse:
    """Articulation points and bridges, removal impact in the tooltips (``full=true``: every node)."""
    _, G = _graph(request)
    page = await _run(lambda: views.dependency_view(G(), top=top, focus=focus, radius=radius, full=full))
    return _page(page.render())


@router.get("/viz/contagion", response_class=HTMLResponse)
async def contagion(request: Request, shock: Annotated[str, Query(min_length=1, max_length=2000)],
                    recovery: Annotated[float, Query(ge=0, le=1)] = 0.4) -> HTMLResponse:
    """Contagion of shocks: ``shock=ID`` (default), ``ends:EDGE``, ``loss:ID:0.3``, ``missed:ID``; comma-separated."""
    _, G = _graph(request)
    page = await _run(lambda: views.contagion_view(G(), shock, recovery_default=recovery))
    return _page(page.render())


@router.get("/viz/network", response_class=HTMLResponse)
async def network(request: Request, types: Annotated[str, Query(max_length=200)] = "party,project",
                  kind: Annotated[str | None, Query(max_length=100)] = None,
                  country: Annotated[str | None, Query(max_length=100)] = None,
                  community: Annotated[int | None, Query(ge=0)] = None,
                  limit: Annotated[int, Query(ge=1, le=5000)] = views.NETWORK_LIMIT) -> HTMLResponse:
    """The whole network filtered by type, kind, country or community."""
    _, G = _graph(request)
    type_list = tuple(t.strip() for t in types.split(",") if t.strip())
    page = await _run(lambda: views.network_view(G(), types=type_list, kind=kind, country=country,
                                                 community=community, limit=limit))
    return _page(page.render())


@router.get("/audit", response_model=None)
async def audit(request: Request, scope: Annotated[str, Query(max_length=200)] = "all",
                format: Annotated[str, Query(pattern="^(html|json)$")] = "html",
                as_of: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None) -> Any:
    """The dependency-audit report (``format=json`` for the same content as JSON)."""
    _, G = _graph(request)

    def build() -> tuple[str | None, dict[str, Any] | None]:
        g = G()
        r = audit_mod.build_audit(g, scope=scope, as_of=as_of)
        if format == "json":
            return None, audit_mod.audit_json(r)
        return audit_mod.audit_page(g, r).render(), None

    html, data = await _run(build)
    if data is not None:
        return JSONResponse(data, headers=security_headers())
    return _page(html or "")
