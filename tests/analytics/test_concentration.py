"""Concentration: golden HHI values and bands, CR-k, look-through, portfolio = per node, properties."""

from __future__ import annotations

import doctest
import importlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stakegraph.analytics.concentration import (
    bands,
    concentration,
    hhi,
    merger_delta,
    portfolio_concentration,
)
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.errors import DomainError, NotFound, ValidationError
from stakegraph.model import EdgeRecord, NodeRecord
from tests.analytics import build

MODULES = ("selection", "concentration", "dependencies", "groups", "cofinancing", "kernels")


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module: str) -> None:
    mod = importlib.import_module(f"stakegraph.analytics.{module}")
    result = doctest.testmod(mod)
    assert result.attempted > 0 and result.failed == 0


def seller(shares: list[float], *, kind: str = "buys_from", extra: dict | None = None):
    nodes: dict = {"s": {"type": "party", "name": "Seller"}}
    edges = []
    for i, v in enumerate(shares):
        nodes[f"c{i}"] = "party"
        edges.append((f"c{i}", kind, "s", {"annual_revenue": v}))
    return build(nodes, edges)


def test_golden_30_30_20_20() -> None:
    r = concentration(seller([30, 30, 20, 20]), "s")
    assert r.hhi == pytest.approx(900 + 900 + 400 + 400)  # 2,600
    assert r.hhi == pytest.approx(2600)
    assert r.hhi_unit == pytest.approx(0.26)
    assert r.cr_k == pytest.approx(100)
    assert r.effective_number == pytest.approx(10_000 / 2600)
    assert [b.band for b in r.bands] == ["highly concentrated", "highly concentrated"]
    assert [b.edition for b in r.bands][0].endswith("2010") and r.bands[1].edition.endswith("2023")
    assert r.stamp.graph_version == "test:1" and "2023" in r.stamp.reference


def test_golden_eight_holders_1580() -> None:
    # revenues in any unit: shares are what count (×7 keeps them non-percent)
    r = concentration(seller([7 * s for s in (25, 20, 15, 10, 9, 8, 7, 6)]), "s")
    assert r.hhi == pytest.approx(1580)
    assert [s.pct for s in r.shares] == pytest.approx([25, 20, 15, 10, 9, 8, 7, 6])
    assert r.cr_k == pytest.approx(25 + 20 + 15 + 10 + 9)
    assert [b.band for b in r.bands] == ["moderately concentrated", "not highly concentrated"]
    assert [s.counterparty for s in r.major_counterparties] == ["c0", "c1", "c2", "c3"]  # 10% counts


def test_merger_5_and_10_adds_100() -> None:
    r = concentration(seller([5, 10, 85]), "s")
    d = merger_delta(r, "c0", "c1")
    assert d.delta == pytest.approx(100)
    assert d.hhi_after == pytest.approx(15**2 + 85**2)
    assert d.presumptions[1].band == "no presumption"  # Δ = 100 is not "more than 100"
    d2 = merger_delta(concentration(seller([30, 30, 20, 20]), "s"), "c0", "c1")
    assert d2.delta == pytest.approx(1800)
    assert d2.presumptions[0].band.startswith("presumed") and d2.presumptions[1].band.startswith("presumed")
    with pytest.raises(ValidationError):
        merger_delta(r, "c0", "c0")


@pytest.mark.parametrize(
    ("value", "b2010", "b2023"),
    [
        (0, "unconcentrated", "not highly concentrated"),
        (1499.999, "unconcentrated", "not highly concentrated"),
        (1500, "moderately concentrated", "not highly concentrated"),
        (1800, "moderately concentrated", "not highly concentrated"),
        (1800.001, "moderately concentrated", "highly concentrated"),
        (2500, "moderately concentrated", "highly concentrated"),
        (2500.001, "highly concentrated", "highly concentrated"),
        (10_000, "highly concentrated", "highly concentrated"),
    ],
)
def test_band_boundaries_both_editions(value: float, b2010: str, b2023: str) -> None:
    assert [b.band for b in bands(value)] == [b2010, b2023]


def test_86_76_percent_cr5_and_hhi_bound() -> None:
    # the textbook case: five largest customers 86.76% of sales, many small ones the rest
    top5 = [30.0, 20.0, 15.0, 12.0, 9.76]
    rest = [13.24 / 20] * 20
    r = concentration(seller(top5 + rest), "s")
    assert r.cr_k == pytest.approx(86.76)
    assert r.hhi >= 86.76**2 / 5
    # equality when the five are equal and the rest is outside the graph (total = all sales)
    eq = concentration(seller([86.76 / 5] * 5), "s", total=100.0)
    assert eq.cr_k == pytest.approx(86.76)
    assert eq.unattributed_pct == pytest.approx(13.24)
    assert eq.hhi == pytest.approx(86.76**2 / 5)  # ≈ 1,505


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(min_value=0.001, max_value=1e9, allow_nan=False), min_size=1, max_size=40),
       st.integers(min_value=1, max_value=10))
def test_hhi_properties(values: list[float], k: int) -> None:
    r = concentration(seller(values), "s", k=k)
    n = len(values)
    assert 10_000 / n - 1e-6 <= r.hhi <= 10_000 + 1e-6
    assert 0 <= r.hhi_unit <= 1 + 1e-12
    assert sum(s.pct for s in r.shares) == pytest.approx(100)
    assert r.cr_k <= 100 + 1e-9 and r.cr_k >= min(k, n) * 100 / n - 1e-9
    assert r.effective_number is not None and 1 - 1e-9 <= r.effective_number <= n + 1e-9
    # independent recomputation from the raw values
    total = sum(values)
    assert r.hhi == pytest.approx(sum((100 * v / total) ** 2 for v in values), rel=1e-9)


def test_parallel_edges_summed_missing_and_inactive_left_out() -> None:
    G = build(
        {"s": "party", "a": "party", "b": "party", "c": "party"},
        [
            ("a", "buys_from", "s", {"annual_revenue": 30, "ref": "1"}),
            ("a", "buys_from", "s", {"annual_revenue": 30, "ref": "2"}),
            ("b", "buys_from", "s", {"annual_revenue": 40}),
            ("c", "buys_from", "s", {"id": "no_rev"}),
            ("c", "buys_from", "s", {"annual_revenue": 500, "status": "ended", "ref": "old"}),
        ],
    )
    r = concentration(G, "s")
    assert [(s.counterparty, s.pct, len(s.edges)) for s in r.shares] == [("a", 60, 2), ("b", 40, 1)]
    assert r.unweighted_edges == ("no_rev",)
    assert concentration(G, "s", active_only=False).share("c").pct == pytest.approx(500 / 600 * 100)
    cnt = concentration(G, "s", weight="count")
    assert {s.counterparty: s.value for s in cnt.shares} == {"a": 2, "b": 1, "c": 1}


def test_direction_out_and_lender_concentration() -> None:
    G = build(
        {"bank": "party", "x": "party", "p": "project"},
        [("bank", "lends_to", "x", {"amount": 75}), ("bank", "lends_to", "p", {"amount": 25})],
    )
    r = concentration(G, "bank", kinds=("lends_to",), direction="out")
    assert r.hhi == pytest.approx(75**2 + 25**2) and r.weights == ("amount",)
    borrower = concentration(G, "x", kinds=("lends_to",), direction="in")
    assert borrower.hhi == pytest.approx(10_000) and borrower.effective_number == pytest.approx(1)


def test_look_through_owner_and_group() -> None:
    G = build(
        {"s": "party", "parent": "party", "sub1": "party", "sub2": "party", "other": "party"},
        [
            ("parent", "owns", "sub1", {"share_pct": 60}),
            ("sub1", "owns", "sub2", {"share_pct": 51}),
            ("sub1", "buys_from", "s", {"annual_revenue": 25}),
            ("sub2", "buys_from", "s", {"annual_revenue": 30}),
            # 45% < 50%: not economically interdependent with s (50% would join s to its group)
            ("other", "buys_from", "s", {"annual_revenue": 45}),
        ],
    )
    plain = concentration(G, "s")
    assert plain.hhi == pytest.approx(25**2 + 30**2 + 45**2)
    owner = concentration(G, "s", look_through="owner")
    assert {s.counterparty: s.pct for s in owner.shares} == {"parent": 55, "other": 45}
    assert owner.share("sub2").members == ("sub1", "sub2")
    assert owner.hhi == pytest.approx(55**2 + 45**2)
    grp = concentration(G, "s", look_through="group")
    assert sorted(s.counterparty for s in grp.shares) == ["group:parent", "other"]
    with pytest.raises(ValidationError):
        concentration(G, "s", look_through="family")  # type: ignore[arg-type]


def test_errors_say_what_to_do() -> None:
    G = seller([1, 2])
    with pytest.raises(NotFound, match="no node"):
        concentration(G, "nobody")
    with pytest.raises(DomainError, match="unknown relationship kind"):
        concentration(G, "s", kinds=("buys",))
    with pytest.raises(ValidationError, match="direction"):
        concentration(G, "s", direction="up")
    with pytest.raises(ValidationError, match="total"):
        concentration(G, "s", total=1)
    with pytest.raises(ValidationError, match="mix percentages"):
        concentration(G, "s", kinds=("owns", "lends_to"))


def test_empty_relationships() -> None:
    r = concentration(seller([]), "s")
    assert r.n == 0 and r.hhi == 0 and r.effective_number is None and r.bands == ()


def random_market(seed: int):
    rnd = random.Random(seed)
    nodes = {f"n{i}": "party" for i in range(40)}
    edges = []
    for j in range(150):
        a, b = rnd.sample(sorted(nodes), 2)
        edges.append((a, "buys_from", b, {"annual_revenue": rnd.randint(1, 100), "ref": str(j)}))
    return build(nodes, edges)


@pytest.mark.parametrize("seed", range(5))
def test_portfolio_rows_equal_single_node_results(seed: int) -> None:
    G = random_market(seed)
    p = portfolio_concentration(G, kinds=("buys_from",), direction="in", k=3)
    assert [r.hhi for r in p.rows] == sorted((r.hhi for r in p.rows), reverse=True)
    for row in p.rows:
        one = concentration(G, row.node, kinds=("buys_from",), direction="in", k=3)
        assert row.hhi == pytest.approx(one.hhi, rel=1e-12)
        assert row.cr_k == pytest.approx(one.cr_k, rel=1e-12)
        assert row.n == one.n and row.top_counterparty == one.shares[0].counterparty
    assert len({r.node for r in p.rows}) == sum(1 for n in G if G.in_degree(n) > 0)
    assert len(portfolio_concentration(G, kinds=("buys_from",), min_counterparties=4).rows) <= len(p.rows)


def test_results_are_json_ready() -> None:
    import json

    r = concentration(seller([30, 70]), "s")
    data = to_jsonable(r)
    assert json.loads(json.dumps(data))["hhi"] == pytest.approx(900 + 4900)
    assert data["stamp"]["algorithm"] == "concentration"
    assert hhi([50, 50]) == 5000


@pytest.mark.parametrize("backend", ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def test_same_numbers_from_a_real_store(make_store, backend: str) -> None:
    store = make_store(backend)
    nodes = [NodeRecord("tech_co", "party", {"name": "科技公司", "kind": "corporate"})]
    edges = []
    for i, rev in enumerate((30.0, 20.0, 15.0, 12.0, 9.76, 6.62, 6.62)):
        nodes.append(NodeRecord(f"tech_cust_{i + 1}", "party", {"name": f"客户{i + 1}", "kind": "corporate"}))
        edges.append(EdgeRecord(f"r{i}", "buys_from", f"tech_cust_{i + 1}", "tech_co", {"annual_revenue": rev}))
    store.write(nodes, edges)
    r = concentration(store.project(), "tech_co", kinds=("buys_from",))
    assert r.cr_k == pytest.approx(86.76) and r.name == "科技公司"
    assert r.hhi == pytest.approx(sum(x * x for x in (30.0, 20.0, 15.0, 12.0, 9.76, 6.62, 6.62)))
    assert r.stamp.graph_version == store.graph_version()


def test_cli_concentration_table_and_json(tmp_path, monkeypatch) -> None:
    import json

    from tests.analytics import run_cli, seed_cli_store

    seed_cli_store(tmp_path)
    out = run_cli(monkeypatch, tmp_path, "concentration", "tech_co", "--kinds", "buys_from").output
    assert "86.76%" in out and "科技公司" in out and "2023" in out
    answer = json.loads(run_cli(monkeypatch, tmp_path, "concentration", "tech_co", "--json").output)
    data = answer["result"]
    assert data["cr_k"] == pytest.approx(86.76) and answer["stamp"]["algorithm"] == "concentration"
    assert "stamp" not in data  # one stamp per answer
    owner = json.loads(run_cli(monkeypatch, tmp_path, "concentration", "tech_co", "--look-through", "owner",
                               "--json").output)["result"]
    assert owner["shares"][0]["counterparty"] == "tech_cust_1" and owner["shares"][0]["pct"] == pytest.approx(50)
    port = json.loads(run_cli(monkeypatch, tmp_path, "portfolio-concentration", "--kinds", "lends_to",
                              "--json").output)["result"]
    assert [r["node"] for r in port["rows"]] == ["tech_co"]  # parties only by default
    port = json.loads(run_cli(monkeypatch, tmp_path, "portfolio-concentration", "--kinds", "lends_to",
                              "--node-type", "any", "--json").output)["result"]
    assert [(r["node"], r["hhi"]) for r in port["rows"]] == [("tech_co", 10_000), ("p1", 60**2 + 40**2)]
    assert "tech_co" in run_cli(monkeypatch, tmp_path, "portfolio-concentration").output
