"""HTTP guards in front of every route: auth, body and variable limits, per-client concurrency, headers.

:func:`install_guards` adds one ASGI middleware. For every request, before any route runs:

* **auth** — a sent but unknown key (or a malformed header) is 401 on every route, pages and
  GraphQL alike; with ``auth_required`` a request without a key is 401 (``/healthz`` and
  ``/readyz`` excepted). :func:`role_for` is the one reading of the key.
* **browser sessions** — without a key, the ``sg_session`` cookie of :mod:`stakegraph.web.session`
  gives the role (unsafe methods need its CSRF token); with ``auth_required`` a page navigation
  without either is redirected to ``/login``.
* **concurrency** — at most ``max_concurrent_per_client`` requests in progress per client (its
  API key, else its IP address); above, 429 with ``Retry-After``.
* **body size** — ``Content-Length`` above ``max_body_bytes`` is 413 before reading; a body
  streamed without a length is counted and cut off at the limit (413 as well).
* **GraphQL JSON** — a JSON body nesting deeper than ``max_json_depth`` is 400 (not a 500 from
  the JSON decoder's recursion); variables above ``max_variables_bytes`` or with a list longer
  than ``max_list_items`` are 413. The check runs in a worker thread.
* **garbage collector** — at the end of start-up the objects alive then are frozen
  (``gc.freeze``), so a full collection no longer holds the GIL for 100+ ms.
* **headers** — every response gets ``X-Content-Type-Options: nosniff``, ``Cache-Control:
  no-store`` and ``Referrer-Policy`` (those of :func:`stakegraph.viz.page.security_headers`;
  the pages add their Content-Security-Policy themselves).

Refusals are JSON bodies of :func:`stakegraph.web.errors.error_body` naming the limit and its setting.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import secrets
import sys
from collections import defaultdict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import anyio
from fastapi import FastAPI, HTTPException

from stakegraph.errors import Invalid, LimitExceeded, StakegraphError, TooManyRequests
from stakegraph.settings import Settings
from stakegraph.viz.page import security_headers
from stakegraph.web.errors import error_body
from stakegraph.web.session import PUBLIC_PATHS, cookie_auth

__all__ = ["install_guards", "role_for", "check_graphql_json"]

log = logging.getLogger("stakegraph.api")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Probes answer without a key and are never queued behind a client's requests.
OPEN_PATHS = frozenset({"/healthz", "/readyz"})
RETRY_AFTER_S = 1
SWITCH_INTERVAL_S = 0.001
#: The collector's thresholds once the server has started (CPython's default is 700, 10, 10). A
#: full collection walks every long-lived object and every request in flight with the GIL held:
#: 50–150 ms on a 2-core machine, during which nothing, not even ``/healthz``, answers. At the
#: defaults the garbage of 8 hostile clients set one off about every 0.7 s (/healthz p99 68–112 ms);
#: here a young collection waits for 2,000 allocations, so full ones are ~3× rarer (p99 38–72 ms).
#: Higher values were faster still but keep garbage longer: (5000, 10, 50) let the server's RSS grow
#: 38–90 % in tests/resilience/test_soak.py (10 % allowed), (2000, 10, 10) −0.3 to +4.4 %.
GC_THRESHOLDS = (2000, 10, 10)
#: JSON checks of request bodies run in at most this many threads at once (CPU-bound).
_JSON_CHECKS = 1
#: Headers every response gets (the pages' Content-Security-Policy stays theirs).
ALWAYS = {k: v for k, v in security_headers().items() if k != "Content-Security-Policy"}
_ALWAYS_RAW = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in ALWAYS.items()]


def role_for(settings: Settings, authorization: str | None) -> str | None:
    """The role of the request's API key, or ``None`` when no key was sent.

    With no keys configured (development) every request is ``admin``. A key that
    is sent but unknown, or a malformed header, is refused with 401.
    """
    keys = settings.key_roles()
    if not keys:
        return "admin"
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, "Authorization must be 'Bearer <API key>'", {"WWW-Authenticate": "Bearer"})
    token = token.strip()
    for key, role in keys.items():
        if secrets.compare_digest(key.encode(), token.encode()):
            return role
    raise HTTPException(401, "unknown API key", {"WWW-Authenticate": "Bearer"})


def check_graphql_json(body: bytes | str, settings: Settings) -> StakegraphError | None:
    """The refusal for a GraphQL JSON body, or ``None`` when it is within the limits.

    Cheapest checks first: the C decoder refuses nesting beyond the interpreter's recursion
    limit at once; then the variables' size (from the body's length); then one walk over the
    containers only, stopping at the first too-deep level or too-long list. A body that is not
    JSON at all is left to the GraphQL view (it answers 400 itself).
    """
    raw = body.encode() if isinstance(body, str) else body
    try:
        data = json.loads(raw)
    except RecursionError:
        return _too_deep(settings)
    except ValueError:
        return None
    variables = data.get("variables") if isinstance(data, dict) else None
    size = len(raw)
    from_text = isinstance(variables, str)
    if isinstance(variables, str):  # GET: the variables arrive as a JSON text
        size = len(variables.encode())
        try:
            variables = json.loads(variables)
        except RecursionError:
            return _too_deep(settings)
        except ValueError:
            return None
    elif size > settings.max_variables_bytes and variables:
        size -= len(json.dumps({k: v for k, v in data.items() if k != "variables"}).encode())
    if size > settings.max_variables_bytes:
        return LimitExceeded(
            f"the variables are about {size} bytes, above the limit of {settings.max_variables_bytes} "
            "(STAKEGRAPH_MAX_VARIABLES_BYTES)", fix="send fewer or shorter values, or split the request",
            limit=settings.max_variables_bytes, setting="max_variables_bytes")
    problem = _walk(data, settings.max_json_depth, settings.max_list_items)
    if problem is None and from_text:
        problem = _walk(variables, settings.max_json_depth, settings.max_list_items)
    if problem == "depth":
        return _too_deep(settings)
    if problem == "list":
        return LimitExceeded(
            f"a list in the request has more than {settings.max_list_items} items "
            "(STAKEGRAPH_MAX_LIST_ITEMS)", fix="send at most that many items (e.g. shocks) per request",
            limit=settings.max_list_items, setting="max_list_items")
    return None


def _walk(value: Any, max_depth: int, max_items: int) -> str | None:
    """``"depth"`` or ``"list"`` at the first container nesting too deep or list too long, else ``None``."""
    level: list[Any] = [value]
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            return "depth"
        below: list[Any] = []
        for v in level:
            if isinstance(v, dict):
                below.extend(x for x in v.values() if type(x) in (dict, list))
            elif isinstance(v, list):
                if len(v) > max_items:
                    return "list"
                below.extend(x for x in v if type(x) in (dict, list))
        level = below
    return None


def _too_deep(settings: Settings) -> Invalid:
    return Invalid(f"the JSON body nests arrays/objects deeper than {settings.max_json_depth} levels "
                   "(STAKEGRAPH_MAX_JSON_DEPTH)", fix="send flatter JSON",
                   limit=settings.max_json_depth, setting="max_json_depth")


class _BodyTooLarge(Exception):
    pass


class Guards:
    """The ASGI middleware of :func:`install_guards`."""

    def __init__(self, app: Callable[..., Awaitable[None]], settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.active: defaultdict[str, int] = defaultdict(int)
        self.limiter = anyio.CapacityLimiter(_JSON_CHECKS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, _freeze_after_startup(send))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in _ALWAYS_RAW if k not in present)]
            await send(message)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        path = scope.get("path", "")
        refusal = self._auth(headers, path, scope)
        if refusal is not None:
            await refusal(send_with_headers)
            return
        client = self._client(headers, scope)
        counted = path not in OPEN_PATHS
        if counted and self.active[client] >= self.settings.max_concurrent_per_client:
            n = self.settings.max_concurrent_per_client
            log.warning("429 for %s: %d requests in progress", client, n)
            await self._reply(send_with_headers, TooManyRequests(
                f"this client already has {n} requests in progress (STAKEGRAPH_MAX_CONCURRENT_PER_CLIENT)",
                fix=f"wait for an answer before sending more; retry in {RETRY_AFTER_S} s",
                limit=n, setting="max_concurrent_per_client"), {"Retry-After": str(RETRY_AFTER_S)})
            return
        if counted:
            self.active[client] += 1
        try:
            await self._guarded(scope, receive, send_with_headers, headers, path)
        except _BodyTooLarge:
            if not started:
                await self._reply(send_with_headers, self._too_large(), {"Connection": "close"})
        finally:
            if counted:
                self.active[client] -= 1
                if self.active[client] <= 0:
                    del self.active[client]

    async def _guarded(self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str],
                       path: str) -> None:
        limit = self.settings.max_body_bytes
        length = headers.get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                await self._reply(send, Invalid("Content-Length must be a number of bytes"))
                return
            if int(length) > limit:
                # the body is not read: close the connection rather than drain it
                await self._reply(send, self._too_large(), {"Connection": "close"})
                return
        is_graphql = path.rstrip("/") == "/graphql"
        if is_graphql and scope.get("method") == "POST" and "json" in headers.get("content-type", ""):
            body = await self._read(receive, limit)
            problem = await anyio.to_thread.run_sync(check_graphql_json, body, self.settings,
                                                     limiter=self.limiter)
            if problem is not None:
                await self._reply(send, problem)
                return
            receive = _replay(body, receive)
        elif is_graphql and scope.get("method") == "GET":
            variables = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("variables")
            if variables:
                problem = await anyio.to_thread.run_sync(
                    check_graphql_json, json.dumps({"variables": variables[0]}), self.settings,
                    limiter=self.limiter)
                if problem is not None:
                    await self._reply(send, problem)
                    return
        else:
            receive = _counting(receive, limit)
        await self.app(scope, receive, send)

    def _auth(self, headers: dict[str, str], path: str, scope: Scope) -> Callable[[Send], Awaitable[None]] | None:
        try:
            role = role_for(self.settings, headers.get("authorization"))
        except HTTPException as e:
            status, detail, extra = e.status_code, e.detail, dict(e.headers or {})
            return lambda send: _json(send, status, {"detail": detail}, extra)
        if role is None:  # no key sent: a browser session's cookie, CSRF check, sign-in redirect
            role, refusal = cookie_auth(scope, headers, path, self.settings)
            if refusal is not None:
                return refusal
        if role is None and self.settings.auth_required and path not in OPEN_PATHS | PUBLIC_PATHS:
            return lambda send: _json(send, 401, {
                "detail": "an API key is required: send 'Authorization: Bearer <API key>'"},
                {"WWW-Authenticate": "Bearer"})
        return None

    @staticmethod
    def _client(headers: dict[str, str], scope: Scope) -> str:
        auth = headers.get("authorization")
        if auth:
            return "key:" + hashlib.sha256(auth.encode()).hexdigest()[:16]
        client = scope.get("client")
        return "ip:" + (client[0] if client else "-")

    def _too_large(self) -> LimitExceeded:
        n = self.settings.max_body_bytes
        return LimitExceeded(f"the request body is larger than {n} bytes (STAKEGRAPH_MAX_BODY_BYTES)",
                             fix="send a smaller request", limit=n, setting="max_body_bytes")

    @staticmethod
    async def _read(receive: Receive, limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    async def _reply(send: Send, error: StakegraphError, headers: dict[str, str] | None = None) -> None:
        body = error_body(error)
        body["error"].update({k: v for k, v in error.details.items() if k in ("limit", "setting")})
        await _json(send, error.http_status, body, headers or {})


def _freeze_after_startup(send: Send) -> Send:
    """``send`` that, once start-up is complete, moves every object alive then (schema, store,
    caches) out of the garbage collector's reach (``gc.freeze``). Otherwise each full collection
    walks them all — 150+ ms with the GIL held, during which no request (not even ``/healthz``)
    is answered; requests allocating many objects trigger those collections often. Then sets the
    collector's thresholds to :data:`GC_THRESHOLDS`, so full collections are rarer."""

    async def sender(message: Message) -> None:
        if message["type"] == "lifespan.startup.complete":
            gc.collect()
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLDS)
        await send(message)

    return sender


def _replay(body: bytes, original: Receive) -> Receive:
    """``receive`` giving the already-read body once, then the server's messages (disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


def _counting(receive: Receive, limit: int) -> Receive:
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise _BodyTooLarge
        return message

    return counted


async def _json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    raw = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
        *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items())]})
    await send({"type": "http.response.body", "body": raw})


def install_guards(app: FastAPI, settings: Settings) -> None:
    """Put the guards in front of every route of ``app`` (see the module docstring).

    Also shortens the interpreter's thread switch interval to 1 ms: CPU-bound work in worker
    threads (validation, JSON checks, analytics) then holds the GIL at most 1 ms before the event
    loop gets it back, so ``/healthz`` and light requests answer while heavy ones run.
    """
    if sys.getswitchinterval() > SWITCH_INTERVAL_S:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
    app.add_middleware(Guards, settings=settings)  # type: ignore[arg-type]
