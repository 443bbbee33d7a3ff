"""The FastAPI application: ``/graphql``, ``/healthz``, ``/readyz``, the views, request logs, auth, CORS.

``stakegraph serve`` runs ``uvicorn stakegraph.web.app:create_app --factory``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from strawberry.fastapi import GraphQLRouter

from stakegraph.settings import Mode, Settings, load_settings
from stakegraph.store.base import GraphStore
from stakegraph.viz.graphiql import graphiql_csp, graphiql_page
from stakegraph.viz.page import security_headers
from stakegraph.web.context import Context
from stakegraph.web.examples import graphiql_tabs
from stakegraph.web.guards import install_guards, role_for
from stakegraph.web.schema import build_schema
from stakegraph.web.state import ApiState

log = logging.getLogger("stakegraph.api")
READY_RETRY_AFTER_S = 5


class _GraphQLRouter(GraphQLRouter[Context, None]):
    """GraphQLRouter whose GraphiQL page is served offline (vendored assets) with the examples as tabs."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:  # type: ignore[override]
        return HTMLResponse(graphiql_page(graphiql_tabs()), headers={
            **security_headers(), "Content-Security-Policy": graphiql_csp()})


def create_app(settings: Settings | None = None, store: GraphStore | None = None) -> FastAPI:
    """The stakegraph API application.

    Parameters
    ----------
    settings : Settings, optional
        Defaults to :func:`stakegraph.settings.load_settings` (``STAKEGRAPH_*`` environment).
    store : GraphStore, optional
        An open store to serve; by default the store the settings name is opened at start-up
        and closed at shutdown.
    """
    s = settings or load_settings()
    owns_store = store is None
    holder: dict[str, ApiState] = {}
    if store is not None:
        holder["state"] = ApiState(store, s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if "state" not in holder:
            from stakegraph.store import open_store

            holder["state"] = ApiState(await asyncio.to_thread(open_store, s), s)
        app.state.api = holder["state"]
        try:
            yield
        finally:
            if owns_store:
                await asyncio.to_thread(holder["state"].store.close)

    production = s.mode is Mode.PRODUCTION
    app = FastAPI(
        title="stakegraph",
        description="Stakeholder-relationship knowledge graph for project finance (GraphQL at /graphql).",
        lifespan=lifespan,
        docs_url=None if production else "/docs",
        redoc_url=None,
        openapi_url=None if production else "/openapi.json",
    )
    if "state" in holder:
        app.state.api = holder["state"]

    def state() -> ApiState:
        if "state" not in holder:
            raise HTTPException(503, "the store is not open yet", {"Retry-After": str(READY_RETRY_AFTER_S)})
        return holder["state"]

    async def get_context(request: Request, response: Response) -> Context:
        role = role_for(s, request.headers.get("authorization"))
        if role is None:  # a browser session (the guards checked its cookie and CSRF token)
            role = getattr(request.state, "session_role", None)
        if role is None and s.auth_required:
            raise HTTPException(401, "an API key is required: send 'Authorization: Bearer <API key>'",
                                {"WWW-Authenticate": "Bearer"})
        ctx = Context(state(), role=role, request_id=request.state.request_id)
        ctx.request = request
        ctx.response = response
        return ctx

    schema = build_schema(s)
    router = _GraphQLRouter(
        schema,
        context_getter=get_context,
        graphql_ide=None if production else "graphiql",
        allow_queries_via_get=True,
        multipart_uploads_enabled=False,
    )
    app.include_router(router, prefix="/graphql")
    app.state.schema = schema

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """The store answers a trivial query; 503 with Retry-After when it does not."""
        st = holder.get("state")
        ok = False
        if st is not None:
            try:
                ok = await asyncio.to_thread(st.store.ping)
            except Exception:  # noqa: BLE001 - any failure means "not ready"
                log.warning("readiness ping failed", exc_info=True)
        if ok:
            return JSONResponse({"status": "ready", "store": st.store.backend if st else ""})
        return JSONResponse({"status": "unavailable", "detail": "the graph store does not answer; retry later"},
                            status_code=503, headers={"Retry-After": str(READY_RETRY_AFTER_S)})

    from stakegraph.web.explore import router as explore_router
    from stakegraph.web.explore_tools import router as explore_tools_router
    from stakegraph.web.pages import install_error_pages
    from stakegraph.web.pages import router as viz_router
    from stakegraph.web.session import router as session_router

    app.include_router(viz_router)
    app.include_router(session_router)
    app.include_router(explore_router)
    app.include_router(explore_tools_router)
    install_error_pages(app)

    @app.middleware("http")
    async def request_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        if not rid.replace("-", "").isalnum() or len(rid) > 64:
            rid = uuid.uuid4().hex[:16]
        request.state.request_id = rid
        start = time.perf_counter()
        response = await call_next(request)
        ms = (time.perf_counter() - start) * 1000
        response.headers["X-Request-ID"] = rid
        log.info(
            "%s %s %s %.1fms", request.method, request.url.path, response.status_code, ms,
            extra={"request_id": rid, "method": request.method, "path": request.url.path,
                   "status": response.status_code, "duration_ms": round(ms, 2)},
        )
        return response

    install_guards(app, s)  # auth, body/variable limits, per-client concurrency, headers (web/guards.py)
    origins = [o.strip() for o in s.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"], expose_headers=["X-Request-ID"],
        )
    return app

