"""Browser sign-in: an API key exchanged for a session cookie, logout, CSRF protection.

A browser sends no ``Authorization`` header when it navigates, so with API keys configured a page
could not open. ``GET /login`` shows a form; ``POST /login`` checks the key (the one reading,
:func:`stakegraph.web.guards.role_for`) and sets two cookies:

* ``sg_session`` — an opaque random token (``HttpOnly``, ``SameSite=Strict``, ``Path=/``; ``Secure``
  when the request came over TLS). The server keeps ``token → (role, CSRF token, expiry)``; the key
  itself is never stored in the cookie.
* ``sg_csrf`` — the session's CSRF token, readable by the page's own script (GraphiQL sends it
  as ``X-CSRF-Token``), same attributes but not ``HttpOnly``.

The guards (:mod:`stakegraph.web.guards`) call :func:`cookie_auth` when a request carries no
``Authorization`` header: a valid session gives the request its role (GraphQL's context reads it
from ``request.state.session_role``, so a read-only key's session cannot mutate); an unsafe method
(``POST`` …) made with the cookie must carry ``X-CSRF-Token`` equal to the session's token, else 403.
With ``auth_required`` a browser navigation (``GET`` accepting HTML) without a session is redirected
to ``/login?next=PATH``; other requests keep the 401. ``POST /logout`` (with the CSRF token) ends
the session and clears both cookies.

Sessions live in the memory of the serving process (lost on restart; with several worker processes
use API keys or a sticky load balancer). They expire after :data:`SESSION_TTL_S` seconds.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from stakegraph.settings import Settings
from stakegraph.viz.page import Page, security_headers

__all__ = ["PUBLIC_PATHS", "SESSION_COOKIE", "CSRF_COOKIE", "Sessions", "cookie_auth", "router"]

SESSION_COOKIE = "sg_session"
CSRF_COOKIE = "sg_csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_TTL_S = 8 * 3600
MAX_SESSIONS = 10_000
#: Reachable without a key (the sign-in form and the icon the browser fetches with it).
PUBLIC_PATHS = frozenset({"/login", "/favicon.ico"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

router = APIRouter(tags=["session"])


@dataclass(frozen=True)
class Session:
    role: str
    csrf: str
    expires: float


class Sessions:
    """The sessions of one app (thread-safe; expired ones are dropped as new ones are made)."""

    def __init__(self, ttl_s: float = SESSION_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._by_token: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, role: str) -> tuple[str, Session]:
        token, s = secrets.token_urlsafe(32), Session(role, secrets.token_urlsafe(24), time.time() + self.ttl_s)
        with self._lock:
            now = time.time()
            for t in [t for t, x in self._by_token.items() if x.expires <= now]:
                del self._by_token[t]
            if len(self._by_token) >= MAX_SESSIONS:  # the oldest goes first
                del self._by_token[min(self._by_token, key=lambda t: self._by_token[t].expires)]
            self._by_token[token] = s
        return token, s

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            s = self._by_token.get(token)
            if s is not None and s.expires <= time.time():
                del self._by_token[token]
                s = None
        return s

    def end(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)


def sessions_of(app: Any) -> Sessions:
    """The app's :class:`Sessions` (made on first use)."""
    st = app.state
    if not isinstance(getattr(st, "sessions", None), Sessions):
        st.sessions = Sessions()
    return st.sessions  # type: ignore[no-any-return]


def _cookies(headers: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in headers.get("cookie", "").split(";"):
        k, sep, v = part.strip().partition("=")
        if sep and k not in out:
            out[k] = v
    return out


def cookie_auth(scope: MutableMapping[str, Any], headers: Mapping[str, str], path: str,
                settings: Settings) -> tuple[str | None, Callable[[Send], Awaitable[None]] | None]:
    """``(role, refusal)`` of a request without an ``Authorization`` header.

    The role is the session's (recorded in ``scope["state"]["session_role"]``); the refusal is a
    403 for an unsafe method without the session's CSRF token, or — with ``auth_required`` and no
    session — a redirect to the sign-in form for a browser navigation.
    """
    app = scope.get("app")
    session = sessions_of(app).get(_cookies(headers).get(SESSION_COOKIE)) if app is not None else None
    method = str(scope.get("method", "GET")).upper()
    if session is not None:
        if method not in SAFE_METHODS and path not in PUBLIC_PATHS and path != "/logout":  # they check it
            sent = headers.get(CSRF_HEADER, "")
            if not sent or not secrets.compare_digest(sent.encode(), session.csrf.encode()):
                return None, _refuse(403, "a request signed in with the session cookie must send its CSRF "
                                          "token as X-CSRF-Token (the sg_csrf cookie), or use an API key")
        scope.setdefault("state", {})["session_role"] = session.role
        return session.role, None
    if (settings.auth_required and method in ("GET", "HEAD") and path not in PUBLIC_PATHS
            and "text/html" in headers.get("accept", "")):
        qs = scope.get("query_string", b"").decode("latin-1")
        target = "/login?next=" + quote(path + (f"?{qs}" if qs else ""), safe="")
        return None, _redirect(target)
    return None, None


def _refuse(status: int, detail: str) -> Callable[[Send], Awaitable[None]]:
    async def reply(send: Send) -> None:
        body = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
    return reply


def _redirect(location: str) -> Callable[[Send], Awaitable[None]]:
    async def reply(send: Send) -> None:
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", location.encode("latin-1")), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})
    return reply


def _local(next_path: str | None) -> str:
    """A redirect target on this site only (``/…`` but not ``//host`` or ``/\\host``)."""
    p = (next_path or "/").strip()
    if not p.startswith("/") or p.startswith(("//", "/\\")) or any(c in p for c in "\r\n"):
        return "/"
    return p


def _settings(request: Request) -> Settings:
    st = getattr(request.app.state, "api", None)
    s = getattr(st, "settings", None)
    if not isinstance(s, Settings):
        raise HTTPException(503, "the app is not started yet")
    return s


def login_page(next_path: str, problem: str = "", status: int = 200) -> HTMLResponse:
    page = Page("login", "Sign in", "Enter an API key to open the pages in this browser")
    parts = [Markup('<form method="post" action="/login" id="login">'
                    '<input type="hidden" name="next" value="{}">'
                    '<p><label>API key <input type="password" name="key" id="key" autocomplete="current-password" '
                    'required autofocus size="40"></label></p><p><button type="submit">Sign in</button></p>'
                    "</form>").format(next_path)]
    if problem:
        parts.insert(0, Markup('<p class="flag" role="alert">{}</p>').format(problem))
    parts.append(Markup('<p class="muted">The key is exchanged for a session cookie (this browser only, '
                        "{} hours); scripts and tools send <code>Authorization: Bearer KEY</code> instead.</p>")
                 .format(SESSION_TTL_S // 3600))
    page.section("API key", *parts)
    return HTMLResponse(page.render(), status_code=status, headers=security_headers())


@router.get("/login", include_in_schema=False)
async def login_form(request: Request) -> Response:
    return login_page(_local(request.query_params.get("next")))


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    """Exchange the form's API key for a session cookie and go to ``next``."""
    from stakegraph.web.guards import role_for

    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    key = (form.get("key") or [""])[0].strip()
    next_path = _local((form.get("next") or ["/"])[0])
    # login CSRF: browsers say where a form was sent from (Origin is "null" under no-referrer)
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if (site and site not in ("same-origin", "none")) or (
            origin and origin != "null" and urlsplit(origin).netloc != request.url.netloc):
        return login_page(next_path, "sign in from this site's own form", 403)
    settings = _settings(request)
    if not settings.key_roles():
        return RedirectResponse(next_path, status_code=303)  # no keys configured: nothing to sign in to
    try:
        role = role_for(settings, f"Bearer {key}") if key else None
    except HTTPException:
        role = None
    if role is None:
        return login_page(next_path, "That API key is not valid: check it and try again.", 401)
    token, s = sessions_of(request.app).create(role)
    resp = RedirectResponse(next_path, status_code=303)
    secure = request.url.scheme == "https"
    for name, value, http_only in ((SESSION_COOKIE, token, True), (CSRF_COOKIE, s.csrf, False)):
        resp.set_cookie(name, value, max_age=SESSION_TTL_S, path="/", secure=secure, httponly=http_only,
                        samesite="strict")
    return resp


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    """End the session (the form's ``csrf`` field or ``X-CSRF-Token`` must be the session's token)."""
    sessions = sessions_of(request.app)
    token = request.cookies.get(SESSION_COOKIE)
    s = sessions.get(token)
    if s is not None:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        sent = request.headers.get(CSRF_HEADER) or (form.get("csrf") or [""])[0]
        if not secrets.compare_digest(sent.encode(), s.csrf.encode()):
            return HTMLResponse("the CSRF token is missing or wrong: sign out from the page's button", 403,
                                headers=security_headers())
        sessions.end(token)
    resp = RedirectResponse("/login", status_code=303)
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        resp.delete_cookie(name, path="/", samesite="strict", secure=request.url.scheme == "https")
    return resp


def logout_form(request: Request) -> Markup:
    """A sign-out button for pages opened with a session (empty otherwise)."""
    csrf = request.cookies.get(CSRF_COOKIE)
    if not request.cookies.get(SESSION_COOKIE) or not csrf:
        return Markup("")
    return Markup('<form method="post" action="/logout" class="logout"><input type="hidden" name="csrf" '
                  'value="{}"><button type="submit">Sign out</button></form>').format(csrf)
