"""GraphiQL offline: the vendored assets load with the network blocked, the first tab is the first
example and Run answers it without typing anything."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.settings import Settings
from stakegraph.store import EmbeddedStore
from stakegraph.viz.graphiql import ASSET_TYPES, INTEGRITY
from stakegraph.web.app import create_app
from stakegraph.web.examples import graphiql_tabs
from tests.viz.served import route_to

pytestmark = [pytest.mark.security]
ORIGIN = "http://graphiql.stakegraph.test"


@pytest.fixture(scope="module")
def app_client(sample_store: EmbeddedStore) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(_env_file=None), sample_store)) as c:  # type: ignore[call-arg]
        yield c


def test_graphiql_page_names_no_cdn(app_client: TestClient) -> None:
    r = app_client.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "unpkg" not in r.text and "https://" not in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    for name in INTEGRITY:
        assert f'src="/assets/{name}"' in r.text or f'href="/assets/{name}"' in r.text
    for name, media in ASSET_TYPES.items():
        a = app_client.get(f"/assets/{name}")
        assert a.status_code == 200 and a.headers["content-type"].split(";")[0] == media.split(";")[0], name
    assert app_client.get("/assets/..%2Fpage.py").status_code == 404
    assert app_client.get("/assets/nothing.js").status_code == 404
    assert app_client.get("/favicon.ico").headers["content-type"].startswith("image/svg+xml")


@pytest.mark.browser
def test_graphiql_runs_the_first_example_offline(browser: Any, app_client: TestClient, artifacts: Any) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    blocked: list[str] = []
    errors: list[str] = []
    route_to(ctx, app_client, ORIGIN, blocked)
    pg = ctx.new_page()
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(ORIGIN + "/graphql")
    pg.locator(".graphiql-execute-button").wait_for(timeout=20000)
    first = graphiql_tabs()[0]["query"]
    editor = pg.locator(".graphiql-query-editor .CodeMirror").first
    deadline = time.monotonic() + 10
    while "party(id:" not in editor.inner_text():
        assert time.monotonic() < deadline, editor.inner_text()
        time.sleep(0.1)
    assert "Welcome to GraphiQL" not in pg.locator("body").inner_text()
    assert pg.locator(".graphiql-tab").count() == len(graphiql_tabs())
    pg.locator(".graphiql-execute-button").click()
    result = pg.locator(".graphiql-response .CodeMirror")
    deadline = time.monotonic() + 15
    while '"b_bank"' not in result.inner_text():
        assert time.monotonic() < deadline, result.inner_text()
        time.sleep(0.1)
    text = result.inner_text()
    assert "Syntax Error" not in text and '"errors"' not in text and first.split()[1] == "Party"
    pg.screenshot(path=str(artifacts / "graphiql.png"))
    assert blocked == [] and errors == [], (blocked, errors)
    ctx.close()
