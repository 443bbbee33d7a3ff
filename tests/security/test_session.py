"""Browser sign-in (stakegraph.web.session): an API key exchanged for a session cookie, the role of
the key applied to pages and GraphQL alike, CSRF protection of cookie-made mutations, logout.
The same in a browser: tests/viz/test_login.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.store import EmbeddedStore
from stakegraph.store.base import GraphStore
from stakegraph.web.app import create_app
from stakegraph.web.session import CSRF_COOKIE, SESSION_COOKIE
from tests.security.conftest import API_KEYS, KEYS, fill
from tests.security.conftest import settings as app_settings

pytestmark = pytest.mark.security
HTML = {"Accept": "text/html,application/xhtml+xml"}
MUTATION = 'mutation { upsertParty(input: {id: "session_ok", name: "Session OK"}) { ok created } }'


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    s: GraphStore = fill(EmbeddedStore(tmp_path_factory.mktemp("session") / "session.sqlite"))
    yield s
    s.close()


@pytest.fixture
def locked(store: GraphStore) -> Iterator[TestClient]:
    app = create_app(app_settings(api_keys=API_KEYS, auth_required=True), store)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def sign_in(c: TestClient, role: str, next_path: str = "/") -> Any:
    return c.post("/login", data={"key": KEYS[role], "next": next_path}, follow_redirects=False)


def set_cookies(r: Any) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in r.headers.get_list("set-cookie")}


def test_navigation_without_a_session_goes_to_the_form(locked: TestClient) -> None:
    r = locked.get("/viz/network?kind=bank", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fviz%2Fnetwork%3Fkind%3Dbank"
    assert locked.get("/viz/network").status_code == 401  # not a browser navigation: the API's 401
    assert locked.post("/graphql", json={"query": "{ __typename }"}).status_code == 401
    form = locked.get("/login?next=/audit")
    assert form.status_code == 200 and 'type="password"' in form.text and 'value="/audit"' in form.text
    assert "default-src 'none'" in form.headers["content-security-policy"]
    assert locked.get("/favicon.ico").status_code == 200


def test_sign_in_sets_strict_http_only_cookies(locked: TestClient) -> None:
    bad = locked.post("/login", data={"key": "wrong", "next": "/"}, follow_redirects=False)
    assert bad.status_code == 401 and "not valid" in bad.text and SESSION_COOKIE not in bad.headers.get("set-cookie", "")
    r = sign_in(locked, "read", "/audit")
    assert r.status_code == 303 and r.headers["location"] == "/audit"
    cookies = set_cookies(r)
    session, csrf = cookies[SESSION_COOKIE].lower(), cookies[CSRF_COOKIE].lower()
    assert "httponly" in session and "samesite=strict" in session and "path=/" in session
    assert "secure" not in session  # plain http here; over TLS see the next test
    assert "httponly" not in csrf and "samesite=strict" in csrf
    assert KEYS["read"] not in cookies[SESSION_COOKIE]
    assert locked.get("/", headers=HTML).status_code == 200  # the client keeps the cookie
    assert locked.get("/viz/ego/a_co", headers=HTML, follow_redirects=False).status_code not in (303, 401)


def test_cookies_are_secure_over_tls(store: GraphStore) -> None:
    app = create_app(app_settings(api_keys=API_KEYS, auth_required=True), store)
    with TestClient(app, base_url="https://stakegraph.test") as c:
        cookies = set_cookies(sign_in(c, "read"))
        assert all("secure" in v.lower() for v in cookies.values())


def test_open_redirects_and_foreign_origins_are_refused(locked: TestClient) -> None:
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        assert sign_in(locked, "read", target).headers["location"] == "/"
    r = locked.post("/login", data={"key": KEYS["read"], "next": "/"}, headers={"Origin": "https://evil.example"},
                    follow_redirects=False)
    assert r.status_code == 403 and SESSION_COOKIE not in r.headers.get("set-cookie", "")
    r = locked.post("/login", data={"key": KEYS["read"], "next": "/"}, headers={"Sec-Fetch-Site": "cross-site"},
                    follow_redirects=False)
    assert r.status_code == 403


def test_cookie_mutations_need_the_csrf_token_and_the_role(locked: TestClient) -> None:
    sign_in(locked, "read")
    csrf = locked.cookies[CSRF_COOKIE]
    q = locked.post("/graphql", json={"query": "{ __typename }"})
    assert q.status_code == 403 and "X-CSRF-Token" in q.json()["detail"]  # a cookie-made POST without the token
    ok = locked.post("/graphql", json={"query": "{ __typename }"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200 and ok.json()["data"]["__typename"] == "Query"
    assert locked.post("/graphql", json={"query": "{ __typename }"},
                       headers={"X-CSRF-Token": csrf + "x"}).status_code == 403
    denied = locked.post("/graphql", json={"query": MUTATION}, headers={"X-CSRF-Token": csrf}).json()
    assert denied["data"] is None and denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # read role
    locked.cookies.clear()
    sign_in(locked, "write")
    done = locked.post("/graphql", json={"query": MUTATION}, headers={"X-CSRF-Token": locked.cookies[CSRF_COOKIE]})
    assert done.json()["data"]["upsertParty"]["ok"] is True


def test_logout_needs_the_token_and_ends_the_session(locked: TestClient) -> None:
    sign_in(locked, "read")
    token, csrf = locked.cookies[SESSION_COOKIE], locked.cookies[CSRF_COOKIE]
    assert 'action="/logout"' in locked.get("/", headers=HTML).text
    assert locked.post("/logout", data={"csrf": "nope"}, follow_redirects=False).status_code == 403
    r = locked.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert all("max-age=0" in v.lower() or "expires=" in v.lower() for v in set_cookies(r).values())
    locked.cookies.clear()
    locked.cookies.set(SESSION_COOKIE, token)  # the old cookie replayed
    assert locked.get("/", headers=HTML, follow_redirects=False).status_code == 303


def test_an_expired_session_is_gone(locked: TestClient) -> None:
    from stakegraph.web.session import sessions_of

    sessions = sessions_of(locked.app)
    token, _ = sessions.create("read")
    assert sessions.get(token) is not None
    sessions.ttl_s = -1
    stale, _ = sessions.create("read")
    assert sessions.get(stale) is None and sessions.get(token) is not None
