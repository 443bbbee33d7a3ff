"""The pages served by the web app: ``/`` (index), ``/viz/…``, ``/viz/analysis/{name}`` and ``/audit``.

Every page reads the app's :class:`~stakegraph.workspace.Workspace` (``request.app.state.api.workspace``;
a bare app may set ``app.state.workspace``): the graph version is read once per request and the
projection and analysis answers come from the workspace's cache for that version. Where a page
shows a catalogue analysis, its query parameters are the analysis's parameters (snake_case), parsed
by the catalogue's :func:`~stakegraph.analyses.parse_params` — the same parser as the CLI and GraphQL.

Errors have one translation (:func:`_error`): a :class:`~stakegraph.errors.StakegraphError` becomes
an HTML page naming the problem and the fix (JSON for ``format=json``) with the error's
``http_status``. Authentication is the app's guard (:mod:`stakegraph.web.guards`), in front of every
route. Pages are rendered by :mod:`stakegraph.viz` and sent with the Content-Security-Policy of
:func:`stakegraph.viz.page.security_headers`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import networkx as nx
from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from stakegraph import audit as audit_core
from stakegraph.analyses import Analysis, get, parse_params
from stakegraph.domain import DOMAIN
from stakegraph.errors import Invalid, NotFound, StakegraphError, Unavailable
from stakegraph.measures import exposure, to_date
from stakegraph.viz import audit as audit_view
from stakegraph.viz import views
from stakegraph.viz.analysis import analysis_index, analysis_page, error_page
from stakegraph.viz.graphiql import ASSET_TYPES, asset
from stakegraph.viz.network import fmt
from stakegraph.viz.page import Page, security_headers, table
from stakegraph.web.errors import error_body, error_headers
from stakegraph.web.session import logout_form
from stakegraph.workspace import Workspace

__all__ = ["router", "install_error_pages"]

router = APIRouter(tags=["views"])
log = logging.getLogger(__name__)

#: Built-in views whose parameters are not a catalogue analysis's: their bounds, checked before any work.
MAX_TEXT = 200


# ----------------------------------------------------------------------------- plumbing
def _workspace(request: Request) -> Workspace:
    st = getattr(request.app.state, "api", None)
    ws = getattr(st, "workspace", None) if st is not None else getattr(request.app.state, "workspace", None)
    if not isinstance(ws, Workspace):
        raise Unavailable("the store is not open yet", fix="retry in a few seconds")
    return ws


def _html(html: str, status: int = 200, headers: Mapping[str, str] | None = None) -> HTMLResponse:
    return HTMLResponse(html, status_code=status, headers={**security_headers(), **(headers or {})})


def _error(request: Request, error: BaseException, as_json: bool) -> Response:
    """The one translation of an error into a response: its status, the problem and the fix."""
    rid = str(getattr(request.state, "request_id", "-"))
    if not isinstance(error, StakegraphError):
        log.error("page %s failed (request id %s)", request.url.path, rid, exc_info=error)
    headers = error_headers(error)
    if as_json:
        status = error.http_status if isinstance(error, StakegraphError) else 500
        return JSONResponse(error_body(error, rid), status_code=status, headers={**security_headers(), **headers})
    status, page = error_page(error, request_id=rid)
    return _html(page.render(), status, headers)


class PageRequestError(StakegraphError):
    """A framework refusal (no such page, method not allowed, unparsable request) shown to a browser."""

    def __init__(self, status: int, message: str, *, fix: str) -> None:
        super().__init__(message, fix=fix)
        self.http_status = status  # type: ignore[misc]  # per instance: the framework's own status
        self.graphql_code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(status, "INVALID")  # type: ignore[misc]


#: Paths whose framework errors a browser sees as an HTML page (GraphQL and the probes keep theirs).
_NOT_PAGES = ("/graphql", "/healthz", "/readyz", "/metrics", "/assets/")


def _browser_page(request: Request) -> bool:
    path = request.url.path
    return ("text/html" in request.headers.get("accept", "") and not path.startswith(_NOT_PAGES)
            and not _wants_json(request))


def _framework_error(request: Request, status: int, detail: str) -> PageRequestError:
    path = request.url.path[:200]
    if status == 404:
        return PageRequestError(404, f"there is no page at {path}",
                                fix="open the index (/) for the views, /explore to search, /audit for the report")
    if status == 405:
        return PageRequestError(405, f"{request.method} is not allowed on {path}",
                                fix="open the page with GET (follow a link or type the address)")
    return PageRequestError(status, f"the request to {path} was refused: {detail[:300]}",
                            fix="check the address and its parameters (the index lists every view)")


def install_error_pages(app: FastAPI) -> None:
    """Framework errors (404, 405, 422, …) on pages become HTML pages naming the problem and the fix
    when the browser asks for ``text/html``; API clients keep FastAPI's JSON. Auth refusals (401/403)
    and 503s keep their own handling (headers such as ``WWW-Authenticate`` and ``Retry-After``)."""

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if _browser_page(request) and exc.status_code in (404, 405, 422):
            return _error(request, _framework_error(request, exc.status_code, str(exc.detail)), False)
        return await http_exception_handler(request, exc)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _browser_page(request):
            where = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', '')}"
                              for e in exc.errors()[:5])
            return _error(request, _framework_error(request, 422, where), False)
        return await request_validation_exception_handler(request, exc)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)


def _wants_json(request: Request) -> bool:
    return request.query_params.get("format", "html").strip().lower() == "json"


async def _serve(request: Request, build: Callable[[Workspace, str], Page | dict[str, Any]], *,
                 json_errors: bool = False) -> Response:
    """Run ``build(workspace, graph_version)`` in a worker thread (the version read once) and answer it;
    errors are JSON with ``format=json`` or ``json_errors`` (JSON endpoints), else an HTML page."""
    as_json = json_errors or _wants_json(request)
    try:
        fmt = request.query_params.get("format", "html").strip().lower()
        if fmt not in ("html", "json"):
            raise Invalid(f"format must be html or json, not {fmt[:20]!r}", fix="use format=json or leave it out")
        ws = _workspace(request)

        def work() -> Page | dict[str, Any]:
            return build(ws, ws.graph_version())

        out = await asyncio.to_thread(work)
    except Exception as e:  # noqa: BLE001 - one translation for every error (unexpected ones are masked)
        return _error(request, e, as_json)
    if isinstance(out, dict):
        return JSONResponse(out, headers=security_headers())
    return _html(out.render())


def _raw(request: Request, analysis: Analysis, *, skip: tuple[str, ...] = ("format",),
         aliases: Mapping[str, str] | None = None, path: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The analysis's raw parameters from the query string (repeated list parameters joined) and the path."""
    out: dict[str, Any] = {}
    q = request.query_params
    for key in dict.fromkeys(q.keys()):
        if key in skip:
            continue
        name = (aliases or {}).get(key, key)
        values = q.getlist(key)
        p = next((p for p in analysis.params if p.name == name), None)
        if len(values) > 1 and (p is None or p.kind not in ("kinds", "shocks")):
            raise Invalid(f"{key} is given {len(values)} times", fix=f"give {key} once")
        if name in out:
            values = [*out[name], *values] if isinstance(out[name], list) else [out[name], *values]
        out[name] = values if len(values) > 1 else values[0]
    out.update(path or {})
    return out


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    text = request.query_params.get(name)
    if text is None or not text.strip():
        return default
    try:
        x = int(text.strip(), 10)
    except ValueError:
        raise Invalid(f"{name} must be an integer, not {text[:40]!r}", fix=f"give {name} from {lo} to {hi}") from None
    if not lo <= x <= hi:
        raise Invalid(f"{name} is {x}, outside {lo}..{hi}", fix=f"give {name} from {lo} to {hi}")
    return x


def _text(request: Request, name: str, default: str | None = None) -> str | None:
    text = request.query_params.get(name)
    if text is None or not text.strip():
        return default
    if len(text) > MAX_TEXT:
        raise Invalid(f"{name} is {len(text)} characters; at most {MAX_TEXT}", fix=f"shorten {name}")
    return text.strip()


def _bool(request: Request, name: str) -> bool:
    text = (request.query_params.get(name) or "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise Invalid(f"{name} must be true or false, not {text[:20]!r}", fix=f"{name}=true")


# ----------------------------------------------------------------------------- assets
#: Vendored files never change within a release: browsers may keep them a day.
ASSET_CACHE = "public, max-age=86400"


@router.get("/assets/{name}", include_in_schema=False)
async def assets(request: Request, name: str) -> Response:
    """A vendored browser asset (GraphiQL, React, vis-network, the explorer's script) by its exact name."""
    body = asset(name)
    if body is None:
        return _error(request, NotFound(f"no asset named {name[:60]!r}",
                                        fix="assets are linked from the pages; open / instead"), False)
    return Response(body, media_type=ASSET_TYPES[name],
                    headers={"Cache-Control": ASSET_CACHE, "X-Content-Type-Options": "nosniff"})


@router.get("/favicon.ico", include_in_schema=False)
async def favicon(request: Request) -> Response:
    """The app's icon (SVG; browsers accept it at the conventional address)."""
    return Response(asset("favicon.svg"), media_type=ASSET_TYPES["favicon.svg"],
                    headers={"Cache-Control": ASSET_CACHE})


# ----------------------------------------------------------------------------- index
#: Rows of each list on the index page.
INDEX_TOP = 10


def _link(href: str, text: Any) -> Markup:
    return Markup('<a href="{}">{}</a>').format(href, "" if text is None else text)


def _q(node_id: Any) -> str:
    return quote(str(node_id), safe="")


def _top_exposures(ws: Workspace, version: str) -> list[tuple[float, str]]:
    """The parties with the largest financing exposure (:func:`stakegraph.measures.exposure`), cached."""
    def top(G: nx.MultiDiGraph) -> list[tuple[float, str]]:
        xs = ((exposure(G, n), str(n)) for n, d in G.nodes(data=True) if d.get("type") == "party")
        return sorted((x for x in xs if x[0] > 0), key=lambda x: (-x[0], x[1]))[:INDEX_TOP]

    return ws.cached(("index", "exposure"), top, version)  # type: ignore[no-any-return]


def _index_lists(ws: Workspace, version: str) -> list[tuple[str, Markup]]:
    """The user's own data: largest exposures, most concentrated parties, cut points, projects.

    Each list is computed on its own; one that fails shows its problem and fix instead."""
    G = ws.projection(version)

    def exposures() -> Markup:
        rows = [(_link(f"/viz/ego/{_q(n)}?depth=1", views.display_name(G, n)), G.nodes[n].get("kind", ""),
                 fmt(x), _link(f"/viz/concentration/{_q(n)}?basis=lenders", "lenders"), n)
                for x, n in _top_exposures(ws, version)]
        return table(["party", "kind", "exposure", "view", "id"], rows, numeric=(2,))

    def concentrated() -> Markup:
        r = ws.run("portfolio-concentration", {"top": str(INDEX_TOP)}, version=version).result
        return table(["party", "kind", "counterparties", "HHI", "CR-k %", "band (2023)", "id"],
                     [(_link(f"/viz/concentration/{_q(x.node)}", x.name), x.kind, x.n, f"{x.hhi:,.0f}",
                       f"{x.cr_k:.1f}", x.band_2023, x.node) for x in r.rows[:INDEX_TOP]], numeric=(2, 3, 4))

    def cuts() -> Markup:
        r = ws.run("cut-points", {"top": str(INDEX_TOP)}, version=version).result
        return table(["cut point", "pieces it separates", "nodes cut off", "contagion", "id"],
                     [(_link(f"/viz/dependencies?focus={_q(c.node)}", c.name), len(c.pieces), len(c.separated),
                       _link(f"/viz/contagion?shocks={_q(c.node)}", "default"), c.node)
                      for c in r.points[:INDEX_TOP]], numeric=(1, 2))

    def projects() -> Markup:
        ids = sorted((str(n) for n, d in G.nodes(data=True) if d.get("type") == "project"),
                     key=lambda n: (views.display_name(G, n), n))
        rows = [(_link(f"/viz/project/{_q(n)}", views.display_name(G, n)), G.nodes[n].get("status", ""),
                 G.in_degree(n), n) for n in ids[:2 * INDEX_TOP]]
        more = (Markup('<p class="muted">and {} more: search them in the explorer or GraphiQL.</p>')
                .format(len(ids) - len(rows)) if len(ids) > len(rows) else Markup(""))
        return table(["project", "status", "relationships in", "id"], rows, numeric=(2,)) + more

    out: list[tuple[str, Markup]] = []
    for heading, build in (("Largest exposures", exposures), ("Most concentrated parties", concentrated),
                           ("Cut points", cuts), ("Projects", projects)):
        try:
            out.append((heading, build()))
        except StakegraphError as e:
            out.append((heading, Markup('<p class="flag">{}</p><p class="muted">{}</p>').format(
                e.reason or str(e), e.fix and f"fix: {e.fix}")))
    return out


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(request: Request) -> Response:
    """The user's own data (largest exposures, most concentrated parties, cut points, projects) and
    links to every view, every analysis page and GraphiQL — no hard-coded ids."""
    def build(ws: Workspace, version: str) -> Page:
        counts = ws.store.counts()
        page = Page("index", "stakegraph", "Stakeholder-relationship knowledge graph for project finance",
                    links=[("/explore", "Explorer"), ("/graphql", "GraphiQL"), ("/audit", "Audit"),
                           ("/viz/network", "Network"), ("/viz/dependencies", "Dependencies")])
        page.add(logout_form(request))
        rows = [
            ("/explore", "Explorer — search any name or id, expand neighbours, inspect"),
            ("/graphql", "GraphiQL — query the graph"),
            ("/audit", "Dependency audit report (also /audit?format=json, /audit?scope=ID, as_of=yyyy-mm-dd)"),
            ("/viz/network", "Whole network (filters: types, kind, country, community, limit)"),
            ("/viz/dependencies", "Cut points, bridges and removal impact (focus=ID for a neighbourhood)"),
        ]
        links = Markup("<ul>{}</ul>").format(Markup("").join(
            Markup('<li><a href="{}">{}</a> — {}</li>').format(href, href, text) for href, text in rows))
        page.section("Views", links, Markup(
            '<p class="muted">Per party or project: /viz/ego/ID?depth=1..3, /viz/concentration/ID '
            "(basis=customers|lenders|suppliers|investors), /viz/project/ID, /viz/contagion?shocks=ID "
            "(loss:ID:0.3, ends:EDGE, missed:ID) — the lists below link them for your data.</p>"), anchor="views")
        try:
            own = [n for _, n in _top_exposures(ws, version)[:2]]
        except StakegraphError:
            own = []
        for i, (heading, body) in enumerate(_index_lists(ws, version)):
            page.section(heading, body, anchor=f"list-{i}")
        page.section("Analyses", Markup('<p class="muted">Every analysis of the catalogue as a page: '
                                        "/viz/analysis/NAME?PARAMETER=VALUE (add format=json for the answer as "
                                        "JSON).</p>"), analysis_index(own), anchor="analyses")
        page.section("Graph", table(["node type", "count"], sorted(counts["nodes"].items()), numeric=(1,)),
                     table(["relationship kind", "count"], sorted(counts["edges"].items()), numeric=(1,)),
                     Markup('<p class="muted">graph version {}</p>').format(version), anchor="graph")
        return page

    return await _serve(request, build)


# ----------------------------------------------------------------------------- any analysis
@router.get("/viz/analysis/{name}", response_model=None)
async def analysis(request: Request, name: str) -> Response:
    """Any catalogue analysis as a page: query parameters are its parameters (snake_case); ``format=json``
    returns ``Answer.to_json()`` — what ``stakegraph analyze NAME --json`` prints."""
    def build(ws: Workspace, version: str) -> Page | dict[str, Any]:
        a = get(name)
        raw = _raw(request, a)
        params = parse_params(a, raw)  # checked before the projection is built
        ans = ws.run(a.name, raw, version=version)
        if _wants_json(request):
            return ans.to_json()
        return analysis_page(a, ans, {**ans.parameters, **params}, query=str(request.url.query))

    return await _serve(request, build)


# ----------------------------------------------------------------------------- views
@router.get("/viz/ego/{node_id}", response_class=HTMLResponse)
async def ego(request: Request, node_id: str) -> Response:
    """Ego network of a node to depth 1–3 (at most 200 nodes); reads the store, not the projection."""
    def build(ws: Workspace, version: str) -> Page:
        depth = _int(request, "depth", 2, 1, 3)
        limit = _int(request, "limit", views.MAX_EGO_NODES, 1, views.MAX_EGO_NODES)
        return views.ego_view(ws.store, node_id, depth=depth, limit=limit)

    return await _serve(request, build)


@router.get("/viz/project/{project_id}", response_class=HTMLResponse)
async def project(request: Request, project_id: str) -> Response:
    """A project's stakeholders grouped by role, with its contracts."""
    return await _serve(request, lambda ws, v: views.project_view(ws.projection(v), project_id))


@router.get("/viz/concentration/{node_id}", response_class=HTMLResponse)
async def concentration(request: Request, node_id: str) -> Response:
    """A node's counterparties by share: the ``concentration`` analysis (kinds, direction, weight,
    look_through, k, total), or ``basis=customers|lenders|suppliers|investors`` as a shorthand."""
    def build(ws: Workspace, version: str) -> Page:
        a = get("concentration")
        raw = _raw(request, a, skip=("format", "basis"), path={"node": node_id})
        basis = _text(request, "basis")
        if basis is not None:
            if basis not in views.BASES:
                raise Invalid(f"basis must be one of {', '.join(views.BASES)}, not {basis[:40]!r}",
                              fix="or give kinds=... and direction=in|out")
            kinds, direction, _ = views.BASES[basis]
            raw = {"kinds": list(kinds), "direction": direction, **raw}
        ans = ws.run("concentration", raw, version=version)  # an unknown node is NotFound
        return views.concentration_view(ws.projection(version), node_id, result=ans.result)

    return await _serve(request, build)


@router.get("/viz/dependencies", response_class=HTMLResponse)
async def dependencies(request: Request) -> Response:
    """Articulation points and bridges, removal impact in the tooltips (``full=true``: every node)."""
    def build(ws: Workspace, version: str) -> Page:
        focus = _text(request, "focus")
        radius = _int(request, "radius", 2, 1, 4)
        top = _int(request, "top", 20, 1, 100)
        full = _bool(request, "full")
        return views.dependency_view(ws.projection(version), top=top, focus=focus, radius=radius, full=full)

    return await _serve(request, build)


@router.get("/viz/contagion", response_class=HTMLResponse)
async def contagion(request: Request) -> Response:
    """Contagion of shocks: the ``contagion`` analysis' parameters (``shocks``, ``method``, ``recovery`` …;
    ``shock`` is an alias of ``shocks``). Method contract draws the transmission; the others show tables."""
    def build(ws: Workspace, version: str) -> Page:
        a = get("contagion")
        raw = _raw(request, a, aliases={"shock": "shocks"})
        params = parse_params(a, raw)
        ans = ws.run("contagion", raw, version=version)
        if params["method"] != "contract":
            return analysis_page(a, ans, {**ans.parameters, **params}, query=str(request.url.query))
        return views.contagion_view(ws.projection(version), result=ans.result)

    return await _serve(request, build)


def _kind(request: Request, types: tuple[str, ...]) -> str | None:
    """The ``kind`` parameter, checked against the kinds of ``types`` (case-insensitive), or ``None``."""
    kind = _text(request, "kind")
    if not kind or any(t not in DOMAIN.node_types for t in types):
        return kind or None  # unknown types: the view names them
    valid = list(dict.fromkeys(k for t in types for k in DOMAIN.node_types[t].kinds))
    if kind.strip().lower() in valid:
        return kind.strip().lower()
    raise Invalid(f"unknown kind {kind!r} for {', '.join(types)}",
                  fix=f"use one of {', '.join(valid)}" if valid else f"{', '.join(types)} have no kinds; leave kind out")


@router.get("/viz/network", response_class=HTMLResponse)
async def network(request: Request) -> Response:
    """The whole network filtered by type, kind, country or community."""
    def build(ws: Workspace, version: str) -> Page:
        types = _text(request, "types", "party,project") or ""
        type_list = tuple(t.strip() for t in types.split(",") if t.strip())
        community = request.query_params.get("community")
        return views.network_view(ws.projection(version), types=type_list, kind=_kind(request, type_list),
                                  country=_text(request, "country"),
                                  community=None if not community else _int(request, "community", 0, 0, 10**9),
                                  limit=_int(request, "limit", views.NETWORK_LIMIT, 1, 5000))

    return await _serve(request, build)


# ----------------------------------------------------------------------------- audit
@router.get("/audit", response_model=None)
async def audit(request: Request) -> Response:
    """The dependency-audit report (``format=json`` for the same content as JSON); ``scope``, ``as_of``."""
    def build(ws: Workspace, version: str) -> Page | dict[str, Any]:
        scope = _text(request, "scope", "all") or "all"
        as_of_text = _text(request, "as_of")
        as_of = to_date(as_of_text).isoformat() if as_of_text else None

        def compute(G: nx.MultiDiGraph) -> audit_core.AuditReport:
            return audit_core.build_audit(G, scope=scope, as_of=as_of)

        report = ws.cached(("audit", scope, as_of), compute, version)
        if _wants_json(request):
            return audit_core.audit_json(report)
        return audit_view.audit_page(ws.projection(version), report)

    return await _serve(request, build)
