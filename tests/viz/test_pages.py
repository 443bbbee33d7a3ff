"""Views without a browser: escaping, no external host, numbers against hand computation, placeholders, audit."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict

import networkx as nx
import pytest

from stakegraph import audit as audit_core
from stakegraph.errors import NotFound
from stakegraph.store import EmbeddedStore
from stakegraph.viz import audit as audit_mod
from stakegraph.viz import views
from stakegraph.viz.charts import bar_chart
from stakegraph.viz.errors import BadViewRequest, UnknownNode
from stakegraph.viz.page import Page, esc, json_for_script, sha256_source
from tests.viz.conftest import HREF, SAMPLE, XSS

pytestmark = pytest.mark.security  # proves requirements of docs/security.md (make check-security)

URL = re.compile(r"https?://", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def all_pages(store: EmbeddedStore, G: nx.MultiDiGraph) -> dict[str, str]:
    """Every view (and the audit) rendered on ``store``."""
    return {
        "ego": views.ego_view(store, "xss_img", depth=2).render(),
        "ego_capped": views.ego_view(store, "b_bank", depth=2, limit=40).render(),
        "project": views.project_view(G, "p_energy_plant_1").render(),
        "concentration": views.concentration_view(G, "xss_seller").render(),
        "dependencies": views.dependency_view(G).render(),
        "contagion": views.contagion_view(G, "xss_img").render(),
        "network": views.network_view(G).render(),
        "audit": audit_mod.render_audit(G)[0],
    }


@pytest.fixture(scope="module")
def xss_pages(xss_store: EmbeddedStore, xss_graph: nx.MultiDiGraph) -> dict[str, str]:
    return all_pages(xss_store, xss_graph)


# ----------------------------------------------------------------------------- escaping
def test_esc_and_json_island_escape_markup() -> None:
    assert str(esc(XSS)) == "&lt;img src=x onerror=alert(1)&gt;"
    text = json_for_script({"name": "</script><script>alert(1)</script>", "x": "a&b\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>"


def test_heading_title_and_sections_are_escaped() -> None:
    page = Page("t", XSS, subtitle=HREF)
    page.section(XSS)
    html = page.render()
    assert XSS not in html and "<a href=\"javascript" not in html
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in html
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") == 3


def test_svg_chart_escapes_labels() -> None:
    svg = str(bar_chart([(XSS, 50.0, True), (HREF, 20.0, False)]))
    assert XSS not in svg and "<a " not in svg and "&lt;img" in svg


@pytest.mark.security
def test_payloads_never_reach_markup(xss_pages: dict[str, str]) -> None:
    for name, html in xss_pages.items():
        assert XSS not in html, name
        assert 'href="javascript' not in html, name
        assert "innerHTML" not in html.split('<script type="application/json"')[1].split("</script>")[-1], name
        island = html.split('<script type="application/json" id="sg-data">')[1].split("</script>")[0]
        assert "<" not in island, name
        if name == "audit":  # the href bank breaches its large-exposure limit: named, escaped, in a table
            assert str(esc(HREF)) in html
        elif name != "ego_capped":
            # the payload is present, as data: JSON-escaped in the island (and HTML-escaped in tables)
            assert "\\u003cimg src=x onerror=alert(1)\\u003e" in island, name


@pytest.mark.security
def test_no_external_host_in_any_page(xss_pages: dict[str, str]) -> None:
    for name, html in xss_pages.items():
        assert not URL.search(html), (name, URL.search(html))
        low = html.lower()
        for host in ("jsdelivr", "unpkg.com", "cdnjs", "bootstrapcdn", "googleapis", "visjs.github.io"):
            assert host not in low, (name, host)
        assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=", html), name


@pytest.mark.security
def test_inline_scripts_match_csp_hashes(xss_pages: dict[str, str]) -> None:
    for name, html in xss_pages.items():
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
        assert csp, name
        policy = csp.group(1).replace("&#39;", "'")
        script_src = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
        assert "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
        for body in INLINE_SCRIPT.findall(html):
            assert sha256_source(body) in script_src, name


# ----------------------------------------------------------------------------- numbers
def test_concentration_view_shows_86_76_computed_by_hand(sample_graph: nx.MultiDiGraph) -> None:
    rev: dict[str, float] = defaultdict(float)
    with open(SAMPLE / "relationships.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["target_id"] == "tech_co" and row["kind"] in ("buys_from", "offtakes") \
                    and row["status"] not in ("ended", "terminated") and row["annual_revenue"]:
                rev[row["source_id"]] += float(row["annual_revenue"])
    shares = sorted((v / sum(rev.values()) * 100 for v in rev.values()), reverse=True)
    cr5 = sum(shares[:5])
    hhi = sum(s * s for s in shares)
    assert round(cr5, 2) == 86.76
    page = views.concentration_view(sample_graph, "tech_co")
    html = page.render()
    assert f"CR-5 {cr5:.2f}%" in html and f"HHI {hhi:,.0f}" in html
    g = page.graphs[0]
    assert g.data_nodes == 1 + len(rev)
    majors = [n for n in g.nodes if n.get("borderWidth") == 4]
    assert len(majors) == sum(1 for s in shares if s >= 10)


def test_ego_depth1_counts_every_neighbour(sample_store: EmbeddedStore) -> None:
    expected = {e.source for e in sample_store.edges_of(["a_co"])} | {e.target for e in sample_store.edges_of(["a_co"])}
    page = views.ego_view(sample_store, "a_co", depth=1)
    g = page.graphs[0]
    assert {n["id"] for n in g.nodes} == expected
    assert g.placeholders == 0


def test_ego_cap_placeholders_say_what_was_left_out(sample_store: EmbeddedStore) -> None:
    page = views.ego_view(sample_store, "b_bank", depth=2, limit=40)
    g = page.graphs[0]
    shown = {n["id"] for n in g.nodes if not n.get("placeholder")}
    assert len(shown) == 40 and g.placeholders >= 1
    for n in g.nodes:
        if n.get("placeholder") and n["id"] != "more:elsewhere":
            here = n["id"][len("more:"):]
            edges = sample_store.edges_of([here])
            others = {e.target if e.source == here else e.source for e in edges} - shown
            assert n["label"] == f"and {len(others)} more"
            assert "via" in n["title"]


def test_project_view_groups_every_stakeholder(sample_store: EmbeddedStore, sample_graph: nx.MultiDiGraph) -> None:
    pid = "p_energy_plant_1"
    edges = sample_store.edges_of([pid])
    parties = {e.source for e in edges if e.target == pid and e.kind not in ("contract_for", "concerns", "involves")}
    contracts = {e.source for e in edges if e.kind == "contract_for"}
    signals = {e.source for e in edges if e.kind == "concerns"}
    signatories = {e.source for e in sample_store.edges_of(sorted(contracts)) if e.kind == "party_to"}
    page = views.project_view(sample_graph, pid)
    ids = {n["id"] for n in page.graphs[0].nodes if not n.get("decor")}
    assert ids == {pid} | parties | contracts | signals | signatories
    html = page.render()
    for group in ("Sponsors", "Lenders", "EPC / O&amp;M", "Offtakers &amp; customers", "Insurers &amp; guarantors"):
        assert group in html


def test_dependency_view_marks_cut_points(sample_graph: nx.MultiDiGraph) -> None:
    page = views.dependency_view(sample_graph, full=True)
    g = page.graphs[0]
    n_struct = sum(1 for _, t in sample_graph.nodes(data="type") if t in ("party", "project"))
    assert g.data_nodes == n_struct
    H = nx.Graph()
    H.add_edges_from((e["from"], e["to"]) for e in g.edges)
    H.add_nodes_from(n["id"] for n in g.nodes)
    aps = set(nx.articulation_points(H))
    red = {n["id"] for n in g.nodes if n.get("borderWidth") == 5 and n["color"]["border"] == "#dc2626"}
    assert red == aps
    assert sum(1 for e in g.edges if e.get("width") == 4) == sum(1 for _ in nx.bridges(H))
    epc = next(n for n in g.nodes if n["id"] == "epc_main")
    assert "p_energy_plant_1" in epc["title"] and "stranded projects (6)" in epc["title"]
    focused = views.dependency_view(sample_graph).graphs[0]
    ids = {n["id"] for n in focused.nodes}
    assert aps <= ids and {u for e in nx.bridges(H) for u in e} <= ids and "epc_main" in ids
    assert focused.data_nodes < g.data_nodes


def test_contagion_view_marks_defaults_and_paths(sample_graph: nx.MultiDiGraph) -> None:
    page = views.contagion_view(sample_graph, "a_co")
    g = page.graphs[0]
    ids = {n["id"] for n in g.nodes}
    assert {"a_co", "b_bank", "a_supplier_1"} <= ids
    a = next(n for n in g.nodes if n["id"] == "a_co")
    assert "DEFAULT" in a["label"] and a["shape"] == "star"
    loan = [e for e in g.edges if e["from"] == "a_co" and e["to"] == "b_bank"]
    assert loan and "loan_loss" in loan[0]["title"] and "lends_to" in loan[0]["title"]
    # B Bank loses (1 - recovery 0.4) x 500,000 CNY = 300,000 CNY on the recalled loan, shown in the reporting
    # currency at the sample's rate of the as-of date 2026-06-30 (7.06 CNY per USD): 300,000 / 7.06 = 42,493 USD
    assert "loss: 42.5k USD" in next(n for n in g.nodes if n["id"] == "b_bank")["title"]
    assert "width = amount in USD" in " ".join(g.notes) and "converted at the FX rates in force on 2026-06-30" in (
        " ".join(g.notes))


def test_contagion_view_reads_the_one_shock_grammar(sample_graph: nx.MultiDiGraph) -> None:
    """The view has no shock parser of its own: text goes through ``measures.parse_shocks``."""
    from stakegraph.errors import Invalid, NotFound
    from stakegraph.measures import parse_shocks

    assert not hasattr(views, "parse_shocks") or views.parse_shocks is parse_shocks
    page = views.contagion_view(sample_graph, "a_co, ends:r_ab_loan, loss:b_bank:0.25")
    assert page.meta["shocks"] == ["default:a_co", "ends:r_ab_loan", "loss:b_bank:0.25"]
    with pytest.raises(NotFound):
        views.contagion_view(sample_graph, "nobody")
    with pytest.raises(Invalid):
        views.contagion_view(sample_graph, "loss:b_bank:lots")


def test_network_view_filters_and_precomputes_layout(sample_graph: nx.MultiDiGraph) -> None:
    page = views.network_view(sample_graph)
    g = page.graphs[0]
    n = sum(1 for _, t in sample_graph.nodes(data="type") if t in ("party", "project"))
    assert g.data_nodes == n and g.options["physics"]["enabled"] is False
    assert all("x" in node and "y" in node for node in g.nodes)
    cn = views.network_view(sample_graph, types=("party",), country="CN").graphs[0]
    assert cn.data_nodes == sum(1 for _, d in sample_graph.nodes(data=True)
                                if d.get("type") == "party" and str(d.get("country")).lower() == "cn")
    capped = views.network_view(sample_graph, limit=50).graphs[0]
    assert capped.data_nodes == 50 and capped.placeholders == 1


def test_bad_requests_name_the_fix(sample_store: EmbeddedStore, sample_graph: nx.MultiDiGraph) -> None:
    with pytest.raises(BadViewRequest, match="depth"):
        views.ego_view(sample_store, "a_co", depth=4)
    with pytest.raises(UnknownNode):
        views.ego_view(sample_store, "nobody")
    with pytest.raises(UnknownNode):
        views.project_view(sample_graph, "a_co")
    with pytest.raises(BadViewRequest, match="basis"):
        views.concentration_view(sample_graph, "tech_co", basis="weather")


# ----------------------------------------------------------------------------- audit
def test_audit_names_the_three_textbook_findings(sample_graph: nx.MultiDiGraph) -> None:
    html, report = audit_mod.render_audit(sample_graph)
    text = "\n".join(report.findings)
    assert "86.76%" in text and "科技公司" in text
    epc = next(f for f in report.findings if "single EPC contractor dependency" in f)
    assert "中远建设工程集团" in epc and all(f"p_energy_plant_{i}" in epc for i in range(1, 7))
    plants = sorted(v for _, v, d in sample_graph.out_edges("energy_group", data=True) if d["kind"] == "sponsors")
    assert all({u for u, _, d in sample_graph.in_edges(p, data=True) if d["kind"] == "builds"} == {"epc_main"}
               for p in plants)
    assert [(s.sponsor, s.provider, s.projects) for s in report.shared if s.kind == "builds"][0] == (
        "energy_group", "epc_main", tuple(plants))
    # the recalled loan of scenario 1 (500,000 from B Bank to A Co.) is a scenario with its path named
    with open(SAMPLE / "relationships.csv", encoding="utf-8") as f:
        loan = next(r for r in csv.DictReader(f) if r["status"] == "recalled" and r["target_id"] == "a_co")
    assert loan["source_id"] == "b_bank" and float(loan["amount"]) == 500_000
    recall = next(f for f in report.findings if f.startswith("Contagion 'lends_to B银行 (B Bank) → A公司"))
    # 500,000 CNY in the reporting currency at the 2026-06-30 sample rate (7.06 CNY per USD): 70,822 USD
    assert "B银行 (B Bank) —lends_to/recall 70.8k→ A公司 (A Co., Ltd.)" in recall
    for anchor in ("summary", "concentration", "dependencies", "contagion", "alerts", "groups"):
        assert f'id="{anchor}"' in html
    assert html.count('class="stamp"') >= 8
    assert "86.76" in html and "中远建设工程集团" in html
    data = audit_core.audit_json(report)
    assert data["findings"] == report.findings
    json.dumps(data, ensure_ascii=False, allow_nan=False)
    assert "epc_main" in {row["impact"]["node"] for row in data["central_dependencies"]["rows"]}


def test_audit_scope_party(sample_graph: nx.MultiDiGraph) -> None:
    report = audit_core.build_audit(sample_graph, scope="tech_co")
    assert report.concentration_details[0].node == "tech_co"
    assert report.counts["nodes"]["party"] < 60
    with pytest.raises(NotFound):
        audit_core.build_audit(sample_graph, scope="nobody")


def test_repeated_element_ids_are_refused() -> None:
    from stakegraph.viz.network import Builder
    from stakegraph.viz.page import Page

    page = Page("t", "t")
    page.section("Groups", anchor="groups")
    b = Builder("groups")
    b.node("a", "A", title="A", color="#000")
    page.graphs.append(b.graph())
    with pytest.raises(ValueError, match="'groups' is used twice"):
        page.render()
    page.graphs[0].id = "groups-graph"
    html = page.render()
    assert html.count('id="groups"') == 1 and '"id":"groups-graph"' in html and "<section>" not in html
