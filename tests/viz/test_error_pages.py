"""Issue #15 item 8: view errors are HTML pages naming the problem and the fix, for the view's own
refusals (``/viz/network?kind=bnk``) and for the framework's (no such page, wrong method, a request
that does not validate) when a browser asks for ``text/html``; API clients keep JSON."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from stakegraph.domain import DOMAIN
from stakegraph.store import EmbeddedStore
from stakegraph.web.app import create_app
from tests.api.conftest import settings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}  # what Chromium sends
ORIGIN = "http://errors.stakegraph.test"
KINDS = list(dict.fromkeys((*DOMAIN.node_types["party"].kinds, *DOMAIN.node_types["project"].kinds)))


@pytest.fixture(scope="module")
def client(xss_store: EmbeddedStore) -> Iterator[TestClient]:
    app = create_app(settings(), xss_store)

    async def typed(n: int) -> dict[str, int]:  # a page with a typed parameter: FastAPI's own 422
        return {"n": n}

    app.add_api_route("/viz/typed-probe", typed, methods=["GET"])
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _text(html: str) -> str:
    body = re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>", " ", html.split("<body", 1)[-1])
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).replace("&#39;", "'").replace("&amp;", "&").strip()


def _error_page(r: Any, status: int) -> str:
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("text/html") and "content-security-policy" in r.headers
    assert 'data-view="error"' in r.text and '"detail"' not in r.text
    return _text(r.text)


def test_unknown_kind_names_the_kind_and_the_valid_ones(client: TestClient) -> None:
    text = _error_page(client.get("/viz/network?kind=bnk", headers=HTML), 400)
    assert "unknown kind 'bnk' for party, project" in text
    assert f"use one of {', '.join(KINDS)}" in text
    j = client.get("/viz/network?kind=bnk&format=json")
    assert j.status_code == 400 and j.json()["error"]["message"].startswith("unknown kind 'bnk' for party, project")
    text = _error_page(client.get("/viz/network?types=party&kind=fund_x", headers=HTML), 400)
    assert f"use one of {', '.join(DOMAIN.node_types['party'].kinds)}" in text
    ok = client.get("/viz/network?types=party&kind=BANK", headers=HTML)  # kinds are case-insensitive
    assert ok.status_code == 200 and 'data-view="network"' in ok.text


@pytest.mark.parametrize("path", ["/viz/nothing", "/viz/ego/", "/explore/nothing", "/no-such-page"])
def test_no_such_page_is_an_html_page_for_a_browser(client: TestClient, path: str) -> None:
    text = _error_page(client.get(path, headers=HTML), 404)
    assert f"there is no page at {path}" in text
    assert "open the index (/) for the views, /explore to search, /audit for the report" in text
    api = client.get(path, headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}  # API clients keep JSON


def test_wrong_method_is_an_html_page_for_a_browser(client: TestClient) -> None:
    text = _error_page(client.put("/viz/network", headers=HTML), 405)
    assert "PUT is not allowed on /viz/network" in text and "open the page with GET" in text


def test_a_request_that_does_not_validate_is_an_html_page(client: TestClient) -> None:
    text = _error_page(client.get("/viz/typed-probe?n=abc", headers=HTML), 422)
    assert "the request to /viz/typed-probe was refused: query.n: Input should be a valid integer" in text
    assert "check the address and its parameters" in text and "pattern" not in text
    api = client.get("/viz/typed-probe?n=abc")
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["query", "n"]


def test_graphql_and_probes_keep_their_own_answers(client: TestClient) -> None:
    r = client.get("/healthz", headers=HTML)
    assert r.status_code == 200 and r.json() == {"status": "ok"}
    r = client.get("/graphql/nothing", headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")


def test_favicon_is_served(client: TestClient) -> None:
    r = client.get("/favicon.ico", headers={"Accept": "image/avif,image/webp,image/*,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.content.startswith(b"<svg")


@pytest.mark.browser
def test_error_pages_in_chromium(browser: Any, client: TestClient, artifacts: Path) -> None:
    ctx = browser.new_context(viewport={"width": 1200, "height": 800})
    blocked: list[str] = []
    console: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        if not url.startswith(ORIGIN + "/"):
            blocked.append(url)
            r.abort()
            return
        parts = urlsplit(url)
        resp = client.request(r.request.method, parts.path + (f"?{parts.query}" if parts.query else ""),
                              headers={"accept": r.request.headers.get("accept", "*/*")})
        r.fulfill(status=resp.status_code, body=resp.content,
                  headers={k: v for k, v in resp.headers.items() if k.lower() != "content-length"})

    ctx.route("**/*", route)
    pg = ctx.new_page()
    pg.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    try:
        for path, status, shown in (("/viz/network?kind=bnk", 400, "unknown kind 'bnk' for party, project"),
                                    ("/viz/nothing", 404, "there is no page at /viz/nothing")):
            console.clear()
            resp = pg.goto(ORIGIN + path, wait_until="load")
            assert resp is not None and resp.status == status
            deadline = time.monotonic() + 30
            while not pg.evaluate("() => !!(window.__stakegraph && window.__stakegraph.ready)"):
                assert time.monotonic() < deadline, f"{path}: the error page never marked itself ready"
                time.sleep(0.1)
            main = pg.locator("body").inner_text()
            assert shown in main and "What to do" in main, main
            assert pg.locator("a[href='/']").count() >= 1
            # the only console line allowed is the browser's note of the document's own status
            assert [c for c in console if "status of" not in c] == [], console
            pg.screenshot(path=str(artifacts / f"error_{status}.png"))
        assert blocked == []
    finally:
        ctx.close()

