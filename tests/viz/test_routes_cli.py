"""Served pages (CSP headers, status codes), the CLI, and the ego view on both store backends."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stakegraph.measures import exposure
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store import EmbeddedStore, GraphStore
from stakegraph.viz import views
from stakegraph.web.pages import router
from stakegraph.workspace import Workspace
from tests.viz.conftest import XSS

pytestmark = pytest.mark.security  # proves requirements of docs/security.md (make check-security)

PAGES = ("/", "/viz/ego/xss_img?depth=2", "/viz/project/p_energy_plant_1", "/viz/concentration/xss_seller",
         "/viz/dependencies?focus=a_co", "/viz/contagion?shock=xss_img", "/viz/network?types=party&country=CN",
         "/audit?scope=a_co")


@pytest.fixture(scope="module")
def client(xss_store: EmbeddedStore) -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.state.workspace = Workspace(xss_store)
    return TestClient(app)


@pytest.mark.security
@pytest.mark.parametrize("url", PAGES)
def test_served_pages_carry_csp(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["default-src"] == ["'none'"]
    assert directives["connect-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert all(s.startswith("'sha256-") for s in directives["script-src"])
    assert directives["frame-ancestors"] == ["'none'"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert XSS not in r.text and not re.search(r"https?://", r.text)


@pytest.mark.parametrize(("url", "status", "fix"), [
    ("/viz/ego/nobody", 404, "look ids up"),
    ("/viz/ego/a_co?depth=9", 400, "give depth from 1 to 3"),
    ("/viz/ego/a_co?depth=x", 400, "give depth from 1 to 3"),
    ("/viz/project/a_co", 404, ""),
    ("/viz/contagion?shock=loss:b_bank:x", 400, "e.g. loss:b_bank:0.3"),
    ("/viz/contagion?shocks=a_co&method=magic", 400, "e.g. contract"),
    ("/viz/concentration/tech_co?basis=x", 400, "kinds="),
    ("/viz/concentration/tech_co?kinds=friendship", 400, "use lends_to"),
    ("/viz/concentration/tech_co?direction=up", 400, "e.g. in"),
    ("/viz/network?types=planet", 400, ""),
    ("/audit?scope=nobody", 404, ""),
    ("/audit?as_of=yesterday", 400, "e.g. 2026-01-31"),
    ("/viz/analysis/nothing", 404, "use one of concentration"),
    ("/viz/analysis/concentration", 400, "Id of the node"),
    ("/viz/analysis/concentration?node=tech_co&colour=red", 400, "use node, kinds"),
    ("/viz/analysis/concentration?node=tech_co&k=0", 400, "give a value from 1"),
    ("/viz/analysis/concentration?node=tech_co&k=1&k=2", 400, "give k once"),
    ("/viz/analysis/health?as_of=2026-13-01", 400, "e.g. 2026-01-31"),
    ("/viz/analysis/structure?format=xml", 400, "format=json"),
])
def test_errors_are_pages_with_the_status_and_the_fix(client: TestClient, url: str, status: int, fix: str) -> None:
    """One translation: the error's own status, an HTML page naming the problem and the fix (no framework 422)."""
    r = client.get(url)
    assert r.status_code == status, r.text[:300]
    assert r.headers["content-type"].startswith("text/html") and "content-security-policy" in r.headers
    assert 'data-view="error"' in r.text and "pattern" not in r.text
    assert fix.replace("&", "&amp;").replace("'", "&#39;") in r.text
    j = client.get(url + ("&" if "?" in url else "?") + "format=json")
    if "format=xml" not in url:
        assert j.status_code == status and j.json()["error"]["status"] == status
        assert fix in j.json()["error"].get("fix", "") + j.json()["error"]["message"]


def test_audit_json_matches_html(client: TestClient) -> None:
    data = client.get("/audit?format=json").json()
    html = client.get("/audit").text
    assert any("86.76%" in f for f in data["findings"])
    for f in data["findings"][:3]:
        assert f.split(":")[0].replace("&", "&amp;") in html


def test_index_links_views_and_graphiql(client: TestClient, xss_store: EmbeddedStore) -> None:
    html = client.get("/").text
    G = xss_store.project()
    top = max(sorted(n for n, d in G.nodes(data=True) if d["type"] == "party"), key=lambda n: exposure(G, n))
    for href in ("/explore", "/graphql", "/audit", "/viz/network", "/viz/dependencies", "/viz/ego/",
                 "/viz/project/", "/viz/concentration/", "/viz/contagion?shocks=",
                 f"/viz/analysis/concentration?node={top}", "/viz/analysis/structure"):
        assert f'href="{href}' in html
    for heading in ("Largest exposures", "Most concentrated parties", "Cut points", "Projects"):
        assert f"<h2>{heading}</h2>" in html


def test_index_names_only_the_users_own_ids(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path / "own.sqlite") as s:
        s.ensure_schema()
        s.write([NodeRecord("own_bank", "party", {"name": "自有银行", "kind": "bank"}),
                 NodeRecord("own_co", "party", {"name": "Own Co", "kind": "corporate"}),
                 NodeRecord("own_plant", "project", {"name": "Own Plant"})],
                [EdgeRecord("own_e1", "lends_to", "own_bank", "own_co", {"amount": 100.0}),
                 EdgeRecord("own_e2", "sponsors", "own_co", "own_plant", {"share_pct": 60.0})])
        app = FastAPI()
        app.include_router(router)
        app.state.workspace = Workspace(s)
        html = TestClient(app).get("/").text
    ids = set(re.findall(r'href="(/viz/[^"]+)"', html))
    assert any("own_bank" in h for h in ids) and any("own_plant" in h for h in ids)
    for sample_id in ("b_bank", "tech_co", "a_co", "p_energy_plant_1"):
        assert sample_id not in html


def test_cli_viz_and_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stakegraph.cli.main import app
    from stakegraph.loaders.pipeline import load
    from tests.viz.conftest import SAMPLE

    data_dir = tmp_path / "data"
    with EmbeddedStore(data_dir / "stakegraph.sqlite") as s:
        s.ensure_schema()
        load(SAMPLE, s)
    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(data_dir))
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)
    runner = CliRunner()
    out = tmp_path / "ego.html"
    r = runner.invoke(app, ["viz", "ego", "a_co", "--depth", "1", "-o", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert "Ego network of A公司" in html and 'href="/' not in html
    r = runner.invoke(app, ["viz", "contagion", "ends:r_ab_loan", "-o", str(tmp_path / "c.html")])
    assert r.exit_code == 0, r.output
    assert runner.invoke(app, ["viz", "ego", "nobody", "-o", str(out)]).exit_code == 2
    assert runner.invoke(app, ["viz", "project", "-o", str(out)]).exit_code == 2
    r = runner.invoke(app, ["audit", "--scope", "tech_co", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["scope"] == "tech_co" and any("86.76%" in f for f in data["findings"])
    rep = tmp_path / "report.html"
    assert runner.invoke(app, ["audit", "-o", str(rep)]).exit_code == 0
    assert "Dependency audit" in rep.read_text(encoding="utf-8")


def test_ego_view_same_on_both_backends(store: GraphStore) -> None:
    """The ego view reads the store only: the same page data from SQLite and from Neo4j."""
    nodes = [NodeRecord(f"p{i}", "party", {"name": f"方{i}", "kind": "bank" if i == 0 else "corporate"})
             for i in range(12)]
    edges = [EdgeRecord(f"l{i}", "lends_to", "p0", f"p{i}", {"amount": 100.0 * i}) for i in range(1, 12)]
    edges.append(EdgeRecord("x", "buys_from", "p1", "p2", {"annual_revenue": 5.0}))
    store.write(nodes, edges)
    full = views.ego_view(store, "p0", depth=1).graphs[0]
    assert full.data_nodes == 12 and full.placeholders == 0 and len(full.edges) == 12
    capped = views.ego_view(store, "p0", depth=1, limit=5).graphs[0]
    assert capped.data_nodes == 5
    # depth 1: the left-out neighbours hang from the centre → one placeholder naming 7 more via lends_to
    ph = [n for n in capped.nodes if n.get("placeholder")]
    assert [n["label"] for n in ph] == ["and 7 more"] and "7 via lends_to" in ph[0]["title"]
