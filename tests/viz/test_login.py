"""Sign-in in headless Chromium (network blocked): a page redirects to the form, the key opens it,
the session cookie stays out of the page's reach, sign-out ends it (server side: tests/security/test_session.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.store import EmbeddedStore
from stakegraph.store.base import GraphStore
from stakegraph.web.app import create_app
from stakegraph.web.session import SESSION_COOKIE
from tests.security.conftest import API_KEYS, KEYS, fill
from tests.security.conftest import settings as app_settings
from tests.viz.served import route_to

pytestmark = [pytest.mark.browser, pytest.mark.security]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    s: GraphStore = fill(EmbeddedStore(tmp_path_factory.mktemp("login") / "login.sqlite"))
    yield s
    s.close()


def test_sign_in_in_the_browser(browser: Any, store: GraphStore) -> None:
    origin = "http://login.stakegraph.test"
    app = create_app(app_settings(api_keys=API_KEYS, auth_required=True), store)
    with TestClient(app, raise_server_exceptions=False) as c:
        ctx = browser.new_context()
        blocked: list[str] = []
        errors: list[str] = []
        route_to(ctx, c, origin, blocked)
        pg = ctx.new_page()
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(origin + "/viz/network")
        pg.wait_for_url(origin + "/login?next=%2Fviz%2Fnetwork")
        pg.fill("#key", KEYS["read"])
        pg.click("button[type=submit]")
        try:
            pg.wait_for_url(origin + "/viz/network", timeout=5000)
        except Exception:
            raise AssertionError(pg.url + pg.locator("main").inner_text()) from None
        deadline = time.monotonic() + 30
        while not pg.evaluate("() => !!(window.__stakegraph && window.__stakegraph.ready)"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert "HttpOnly" not in pg.evaluate("() => document.cookie") and SESSION_COOKIE not in pg.evaluate(
            "() => document.cookie")  # the session cookie is out of the page's reach
        pg.goto(origin + "/")
        pg.click("form.logout button")
        pg.wait_for_url(origin + "/login")
        pg.goto(origin + "/audit")
        pg.wait_for_url(origin + "/login?next=%2Faudit")
        assert blocked == [] and errors == []
        ctx.close()
