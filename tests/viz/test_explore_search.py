"""The explorer's search in headless Chromium (network blocked): results grouped by type with the
number of matches per type, kind and country on each row, the exact id first, any script, Enter opens
the best match; payloads stay text; no console errors. Plus the endpoint's ranking and counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stakegraph.store import EmbeddedStore
from tests.viz.conftest import XSS
from tests.viz.served import route_to
from tests.viz.test_explore import INJECTED, ORIGIN, explore_app, note_console, wait

pytestmark = [pytest.mark.security]


@pytest.fixture(scope="module")
def client(xss_store: EmbeddedStore) -> TestClient:
    return TestClient(explore_app(xss_store))


def test_endpoint_ranks_and_counts(client: TestClient, xss_graph: Any) -> None:
    r = client.get("/explore/search", params={"q": "bank"}).json()
    want = {n for n, d in xss_graph.nodes(data=True)
            if any("bank" in str(d.get(f) or "").casefold() for f in ("name", "name_en")) or "bank" in n.casefold()}
    assert r["total"] == len(want) and sum(r["counts"].values()) == len(want)
    ranks = [x["rank"] for x in r["results"]]
    assert ranks == sorted(ranks) and len(r["results"]) == min(20, len(want))
    assert {x["type"] for x in r["results"]} <= set(r["counts"])
    exact = client.get("/explore/search", params={"q": "b_bank"}).json()["results"]
    assert exact[0]["id"] == "b_bank" and exact[0]["rank"] == 0 and exact[0]["kind"] and exact[0]["country"]
    assert client.get("/explore/search", params={"q": "银行"}).json()["results"]
    assert client.get("/explore/search", params={"q": ""}).json()["results"] == []


@pytest.fixture(scope="module")
def page(browser: Any, client: TestClient, artifacts: Any) -> Iterator[tuple[Any, dict[str, list[str]]]]:
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    seen: dict[str, list[str]] = {"blocked": [], "console": []}
    route_to(ctx, client, ORIGIN, seen["blocked"])
    pg = ctx.new_page()
    pg.on("console", lambda m: note_console(seen, m))
    pg.on("pageerror", lambda e: seen["console"].append(str(e)))
    pg.goto(ORIGIN + "/explore")
    wait(pg, "window.__explore && window.__explore.ready")
    yield pg, seen
    ctx.close()


@pytest.mark.browser
def test_grouped_by_type_with_counts_kind_and_country(page: tuple[Any, dict[str, list[str]]], artifacts: Any) -> None:
    pg, seen = page
    pg.locator("#q").press_sequentially("bank", delay=20)
    wait(pg, "window.__explore.searched === 'bank' && document.querySelectorAll('#results h3').length > 0")
    heads = pg.locator("#results h3").evaluate_all("hs => hs.map(h => h.textContent)")  # as written (CSS upper-cases)
    types = pg.locator("#results h3").evaluate_all("hs => hs.map(h => h.getAttribute('data-type'))")
    assert len(types) == len(set(types))  # each type once
    counts = pg.evaluate("() => fetch('/explore/search?q=bank').then(r => r.json()).then(d => d.counts)")
    for t, h in zip(types, heads, strict=True):
        assert h.startswith(f"{t} ({counts[t]}")
    # the rows under each heading are of that type, and name kind and country when known
    shown = pg.evaluate("() => window.__explore.results")
    for li, r in zip(pg.locator("#results li").all(), shown, strict=True):
        sub = li.locator(".sub").inner_text()
        for field in ("kind", "country"):
            if r.get(field):
                assert r[field] in sub
    pg.screenshot(path=str(artifacts / "explore-search.png"))
    # the exact id first; Enter opens it
    pg.locator("#q").fill("")
    pg.locator("#q").press_sequentially("b_bank", delay=20)
    pg.locator("#q").press("Enter")
    wait(pg, "window.__explore.opened === 'b_bank'")
    assert pg.evaluate("() => window.__explore.results[0].id") == "b_bank"
    # another script, and a payload stays text
    pg.locator("#q").fill("银行")
    wait(pg, "window.__explore.searched === '银行'")
    assert all("银行" in t for t in pg.locator("#results li").all_inner_texts())
    pg.locator("#q").fill("<img")
    wait(pg, "window.__explore.searched === '<img'")
    assert any(XSS in t for t in pg.locator("#results li").all_inner_texts())
    assert pg.evaluate(INJECTED) == 0
    assert not seen["console"], seen["console"]
    assert all(u.startswith("data:") or u.startswith("blob:") for u in seen["blocked"]), seen["blocked"]
