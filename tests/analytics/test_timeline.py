"""Trend and diff, computed by hand; the as-of rule's corners; the bundled sample's stories in trend and diff;
``as_of`` through every door (CLI, GraphQL, page) and the ``stakegraph diff`` alias."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

from stakegraph.analyses import get, run
from stakegraph.analytics.timeline import diff, period_ends, trend
from stakegraph.asof import cached_graph_as_of, graph_as_of
from stakegraph.errors import Invalid, LimitExceeded, NotFound

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _graph(*parties: str) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(version="t:1")
    for p in parties:
        G.add_node(p, type="party", name=p.upper())
    return G


def values(r: Any) -> list[tuple[str, float | None]]:
    return [(x.period_end, None if x.value is None else round(x.value, 4)) for x in r.rows]


# -- the as-of rule ---------------------------------------------------------------------------------------------
def test_graph_as_of_keeps_what_existed_and_reads_ended_statuses_active_before_their_end() -> None:
    G = _graph("bank", "co")
    G.add_node("k", type="contract", name="K", signed_date="2023-02-01", end_date="2024-12-31", status="terminated")
    G.add_node("s", type="signal", kind="loan_recall", date="2023-04-10", party_id="co")
    G.add_node("i", type="interaction", kind="meeting", date="not a date", party_id="co")
    G.add_edge("bank", "co", key="loan", kind="lends_to", amount=5.0, start_date="2023-01-01",
               end_date="2023-06-30", status="ended")
    G.add_edge("bank", "k", key="pt", kind="party_to")
    G.add_edge("s", "co", key="sc", kind="concerns")
    H = graph_as_of(G, dt.date(2023, 3, 1))
    assert set(H) == {"bank", "co", "k", "i"}  # the signal is later; an unreadable date does not filter
    assert set(k for *_, k in H.edges(keys=True)) == {"loan", "pt"}
    assert H.edges["bank", "co", "loan"]["status"] == "active" and G.edges["bank", "co", "loan"]["status"] == "ended"
    assert H.nodes["k"]["status"] == "active" and H.graph == {"version": "t:1", "as_of": "2023-03-01"}
    assert H.edges["bank", "co", "loan"]["status"] == "active"
    on_end = graph_as_of(G, "2023-06-30")  # active on its last day
    assert on_end.edges["bank", "co", "loan"]["status"] == "active"
    after = graph_as_of(G, "2023-07-01")
    assert "loan" not in {k for *_, k in after.edges(keys=True)} and "s" in after
    assert set(k for *_, k in graph_as_of(G, "2022-12-31").edges(keys=True)) == set()
    G.add_edge("bank", "co", key="owed", kind="lends_to", amount=9.0, start_date="2022-01-01",
               end_date="2022-12-31", status="recalled")  # ended before D: gone, whatever its status says
    G.add_edge("bank", "co", key="plain", kind="lends_to", amount=9.0, end_date="2022-12-31")  # no status: ended
    assert {k for *_, k in graph_as_of(G, "2024-01-01").edges(keys=True)} == {"pt", "sc"}
    assert {k for *_, k in graph_as_of(G, "2022-12-31").edges(keys=True)} >= {"owed", "plain"}  # on its end day
    assert cached_graph_as_of(G, "2023-03-01") is cached_graph_as_of(G, dt.date(2023, 3, 1))
    with pytest.raises(Invalid):
        graph_as_of(G, "yesterday")


def test_period_ends() -> None:
    iso = [d.isoformat() for d in period_ends(dt.date(2024, 1, 31), dt.date(2024, 4, 15), "month")]
    assert iso == ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-15"]
    assert [d.isoformat() for d in period_ends(dt.date(2023, 12, 31), dt.date(2023, 12, 31), "year")] == ["2023-12-31"]
    with pytest.raises(Invalid):
        period_ends(dt.date(2024, 1, 1), dt.date(2023, 1, 1))
    with pytest.raises(LimitExceeded):
        period_ends(dt.date(1900, 1, 1), dt.date(2026, 1, 1), "month")


# -- trend, by hand ---------------------------------------------------------------------------------------------
@pytest.fixture
def lenders() -> nx.MultiDiGraph:
    """co borrows 60 from b1 (2023-01-01 to 2023-08-31, repaid) and 40 from b2 (from 2023-04-15)."""
    G = _graph("b1", "b2", "co")
    G.add_edge("b1", "co", key="l1", kind="lends_to", amount=60.0, start_date="2023-01-01", end_date="2023-08-31",
               status="repaid")
    G.add_edge("b2", "co", key="l2", kind="lends_to", amount=40.0, start_date="2023-04-15")
    return G


def test_trend_of_lender_hhi_by_hand(lenders: nx.MultiDiGraph) -> None:
    r = trend(lenders, "hhi", "co", kinds=["lends_to"], start="2023-01-01", end="2023-12-31")
    # Q1 b1 alone: 100^2; Q2 60/40: 3,600 + 1,600; Q3 b1 repaid on 08-31: b2 alone.
    assert values(r) == [("2023-03-31", 10000.0), ("2023-06-30", 5200.0), ("2023-09-30", 10000.0),
                         ("2023-12-31", 10000.0)]
    assert [x.flags for x in r.rows] == [(), ("b2 crossed the 10% major line (40.00%)",),
                                         ("b1 fell below the 10% major line (gone)",), ()]
    assert r.rows[1].majors == ("b1", "b2") and r.flagged == 2 and r.rows[0].band_2023 == "highly concentrated"
    cr1 = trend(lenders, "cr_k", "co", kinds=["lends_to"], k=1, start="2023-01-01", end="2023-12-31")
    assert values(cr1) == [("2023-03-31", 100.0), ("2023-06-30", 60.0), ("2023-09-30", 100.0), ("2023-12-31", 100.0)]
    n = trend(lenders, "counterparties", "co", kinds=["lends_to"], start="2023-01-01", end="2023-06-30")
    assert values(n) == [("2023-03-31", 1.0), ("2023-06-30", 2.0)]
    none = trend(lenders, "hhi", "co", kinds=["lends_to"], start="2022-01-01", end="2022-12-31", period="year")
    assert values(none) == [("2022-12-31", None)] and none.rows[0].band_2023 is None


def test_trend_flags_doj_ftc_band_crossings_by_hand() -> None:
    G = _graph("s", *[f"c{i}" for i in range(1, 8)])
    for i in range(1, 8):
        start = "2024-01-01" if i <= 4 else "2024-07-01" if i == 5 else "2024-10-01"
        G.add_edge(f"c{i}", "s", key=f"r{i}", kind="buys_from", annual_revenue=25.0, start_date=start)
    r = trend(G, "hhi", "s", start="2024-03-31", end="2024-12-31")
    # 4 x 25% = 2,500; 5 x 20% = 2,000; 7 x 14.2857% = 1,428.57
    assert values(r) == [("2024-03-31", 2500.0), ("2024-06-30", 2500.0), ("2024-09-30", 2000.0),
                         ("2024-12-31", round(7 * (100 / 7) ** 2, 4))]
    assert [(x.band_2010, x.band_2023) for x in r.rows][2:] == [
        ("moderately concentrated", "highly concentrated"), ("unconcentrated", "not highly concentrated")]
    assert r.rows[3].flags == ("HHI fell to 1,800 or below (DOJ/FTC 2023): not highly concentrated",
                               "DOJ/FTC 2010 band: moderately concentrated -> unconcentrated",
                               "c6 crossed the 10% major line (14.29%)", "c7 crossed the 10% major line (14.29%)")
    assert r.rows[2].flags == ("c5 crossed the 10% major line (20.00%)",)


def test_trend_of_exposure_health_and_cut_points_by_hand() -> None:
    G = _graph("bank", "gov", "co", "sup")
    G.add_edge("bank", "co", key="l", kind="lends_to", amount=100.0, start_date="2023-01-01",
               end_date="2023-12-31", status="repaid")
    G.add_edge("gov", "co", key="g", kind="guarantees", amount=80.0, guarantee_cap=50.0, start_date="2023-06-01")
    G.add_edge("sup", "bank", key="s", kind="supplies", annual_revenue=9.0, start_date="2023-05-01")
    e = trend(G, "exposure", "co", start="2023-01-01", end="2024-03-31")
    assert values(e) == [("2023-03-31", 100.0), ("2023-06-30", 150.0), ("2023-09-30", 150.0),
                         ("2023-12-31", 150.0), ("2024-03-31", 50.0)]
    book = trend(G, "exposure", start="2023-01-01", end="2023-06-30")
    assert values(book) == [("2023-03-31", 100.0), ("2023-06-30", 150.0)]  # each financing edge once
    cut = trend(G, "cut_points", "bank", start="2023-01-01", end="2023-06-30")
    # Q1: bank-co only; Q2: sup-bank-co-gov, bank and co both cut the chain.
    assert values(cut) == [("2023-03-31", 0.0), ("2023-06-30", 1.0)] and cut.rows[1].flags == ("became a cut point",)
    assert values(trend(G, "cut_points", start="2023-01-01", end="2023-06-30")) == [("2023-03-31", 0.0),
                                                                                   ("2023-06-30", 2.0)]
    h = trend(G, "health", "co", start="2023-01-01", end="2023-03-31")
    assert h.rows[0].value is not None and 0 <= h.rows[0].value <= 100
    with pytest.raises(NotFound):
        trend(G, "hhi", "nobody", start="2023-01-01", end="2023-03-31")
    with pytest.raises(Invalid):
        trend(G, "volume", "co", start="2023-01-01", end="2023-03-31")


# -- diff, by hand ----------------------------------------------------------------------------------------------
def test_diff_by_hand(lenders: nx.MultiDiGraph) -> None:
    G = lenders
    G.add_node("s_on_from", type="signal", kind="dispute", date="2023-03-31", party_id="co")
    G.add_node("s_in", type="signal", kind="loan_recall", date="2023-07-01", party_id="co", value=60.0)
    G.add_node("s_on_to", type="signal", kind="payment_delay", date="2023-09-30", party_id="co")
    G.add_node("i1", type="interaction", kind="meeting", date="2023-05-05", party_id="co")
    r = diff(G, "2023-03-31", "2023-09-30", kinds=["lends_to"])
    assert [c.edge_id for c in r.started] == ["l2"] and [c.edge_id for c in r.ended] == ["l1"]
    assert r.ended[0].amount == 60.0 and r.ended[0].status == "repaid"
    assert r.band_changes == ()  # co: 10,000 (b1 alone) -> 10,000 (b2 alone)
    assert [s.id for s in r.signals] == ["s_in", "s_on_to"] and r.interactions == 1
    r2 = diff(G, "2022-12-31", "2023-06-30", kinds=["lends_to"])
    assert [(b.node, b.hhi_from, b.hhi_to, b.band_2023_to) for b in r2.band_changes] == [
        ("co", None, 5200.0, "highly concentrated")]
    with pytest.raises(Invalid):
        diff(G, "2024-01-01", "2023-01-01")


def test_diff_cut_points_by_hand() -> None:
    G = _graph("a", "b", "c")
    G.add_edge("a", "b", key="ab", kind="lends_to", amount=1.0, start_date="2020-01-01")
    G.add_edge("b", "c", key="bc", kind="lends_to", amount=1.0, start_date="2021-01-01")
    r = diff(G, "2020-06-30", "2021-06-30")
    assert [(c.node, c.change) for c in r.cut_point_changes] == [("b", "became a cut point")]
    back = diff(G, "2021-06-30", "2021-06-30")
    assert back.started == back.ended == back.cut_point_changes == ()


# -- the catalogue and the sample's stories -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, nx.MultiDiGraph]]:
    from stakegraph.loaders.pipeline import load
    from stakegraph.store import EmbeddedStore

    d = tmp_path_factory.mktemp("timeline")
    with EmbeddedStore(d / "stakegraph.sqlite") as store:
        store.ensure_schema()
        load(SAMPLE, store)
        _rates(store)
        yield d, store.project()


def _rates(store: Any) -> None:
    """FX rates for the sample's currencies (CNY, USD) from 2015, so mixed-currency sums convert; the
    shares asserted below are within one currency and do not depend on the rate."""
    try:
        from stakegraph.money import FxRate
    except ImportError:  # pragma: no cover - before FX rates exist
        return
    if hasattr(store, "write_fx_rates"):
        store.write_fx_rates([FxRate(dt.date(2015, 1, 1), "CNY", 7.0, "USD", "test"),
                              FxRate(dt.date(2015, 1, 1), "USD", 1.0, "USD", "test")])


def test_sample_a_co_lenders_over_time(sample: tuple[Path, nx.MultiDiGraph]) -> None:
    """B Bank lends 500,000 to A Co. from 2022-05-10 (A Co. already owes 450,000 to its rural bank); the loan is
    recalled on 2023-04-10 (the loan_recall signal; B Bank's undrawn credit line ends that day) and is still owed
    (status recalled, no end date, overdue and disputed in 2026): the lender HHI goes 10,000 -> 5,013.9, B Bank
    crossing the 10% line, and stays."""
    _, G = sample
    r = run(G, "trend", node="a_co", kinds="lends_to", period="year", from_date="2021-06-30",
            to_date="2026-06-30").result
    assert values(r) == [("2021-12-31", 10000.0)] + [(f"{y}-12-31", 5013.8504) for y in range(2022, 2026)] + [
        ("2026-06-30", 5013.8504)]
    assert r.rows[1].flags == ("b_bank crossed the 10% major line (52.63%)",) and r.flagged == 1
    d = run(G, "diff", from_date="2022-12-31", to_date="2023-12-31", kinds="lends_to").result
    recall = [s for s in d.signals if s.party == "a_co"]
    assert [(s.kind, s.date) for s in recall] == [("payment_delay", "2023-01-20"),
                                                  ("statement_irregularity", "2023-03-20"),
                                                  ("loan_recall", "2023-04-10")]
    # the recall is dated: B Bank's credit line is cancelled that day (the recalled loan itself is still owed)
    assert [(c.edge_id, c.end_date) for c in d.ended if c.target == "a_co"] == [("r_ab_credit_line", "2023-04-10")]
    started = run(G, "diff", from_date="2021-12-31", to_date="2022-12-31", kinds="lends_to").result
    assert "r_ab_loan" in {c.edge_id for c in started.started}
    assert [(b.hhi_from, round(b.hhi_to or 0, 1)) for b in started.band_changes if b.node == "a_co"] == []
    # the health of the recalled loan is still scored in 2026 (the typed-GraphQL and parity tests ask for it)
    assert run(G, "health-detail", edge="r_ab_loan", as_of="2026-06-30").result.score < 60


def test_sample_tech_co_loses_its_key_customer(sample: tuple[Path, nx.MultiDiGraph]) -> None:
    """tech_cust_lost (100M of 600M) ends on 2026-02-28: the customer HHI crosses 1,800 (2023 band), and the
    top-5 share stays 86.76% (433.8M of 500M after, 520.56M of 600M before)."""
    _, G = sample
    r = run(G, "trend", node="tech_co", from_date="2025-09-30", to_date="2026-06-30").result
    assert [x.period_end for x in r.rows] == ["2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30"]
    assert [x.band_2023 for x in r.rows] == ["not highly concentrated"] * 2 + ["highly concentrated"] * 2
    assert r.rows[2].flags == ("HHI crossed 1,800 (DOJ/FTC 2023): highly concentrated",
                               "tech_cust_lost fell below the 10% major line (gone)")
    cr5 = run(G, "trend", node="tech_co", measure="cr_k", from_date="2025-12-31", to_date="2026-03-31").result
    assert values(cr5) == [("2025-12-31", 86.76), ("2026-03-31", 86.76)]
    d = run(G, "diff", from_date="2025-12-31", to_date="2026-03-31").result
    assert [c.edge_id for c in d.ended if c.target == "tech_co"] == ["r_tech_cust_lost"]
    assert [(b.band_2023_from, b.band_2023_to) for b in d.band_changes if b.node == "tech_co"] == [
        ("not highly concentrated", "highly concentrated")]
    assert "s_tech_lost_customer" in {s.id for s in d.signals}
    # the relationship's status says ended, but it was active before its end date
    before = run(G, "concentration", node="tech_co", as_of="2025-12-31").result
    assert "tech_cust_lost" in {s.counterparty for s in before.shares}


def test_catalogue_time_analyses_are_declared_once() -> None:
    assert not get("trend").dated and not get("diff").dated
    assert get("health").params[0].name == "as_of"
    assert all(any(p.name == "as_of" for p in get(n).params) for n in ("structure", "contagion", "groups", "health"))
    assert {p.short for p in get("diff").params if p.short} == {"--from", "--to"}


# -- every door ---------------------------------------------------------------------------------------------------
def test_as_of_and_diff_through_every_door(sample: tuple[Path, nx.MultiDiGraph]) -> None:
    from fastapi.testclient import TestClient

    from stakegraph.cli.main import app as cli
    from stakegraph.settings import Settings
    from stakegraph.store import EmbeddedStore
    from stakegraph.web.app import create_app

    data_dir, G = sample
    env = {"STAKEGRAPH_DATA_DIR": str(data_dir), "STAKEGRAPH_NEO4J_URI": None}
    want = run(G, "concentration", node="a_co", kinds="lends_to", as_of="2022-12-31").to_json()
    assert want["result"]["hhi"] == pytest.approx(5013.8504, abs=1e-4)
    assert want["stamp"]["parameters"]["as_of_rule"] == "given"
    res = CliRunner().invoke(cli, ["analyze", "concentration", "a_co", "--kinds", "lends_to", "--as-of",
                                   "2022-12-31", "--json"], env=env)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["result"] == want["result"]
    res = CliRunner().invoke(cli, ["diff", "--from", "2025-12-31", "--to", "2026-03-31", "--json"], env=env)
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["result"] == run(G, "diff", from_date="2025-12-31",
                                                   to_date="2026-03-31").to_json()["result"]
    store = EmbeddedStore(data_dir / "stakegraph.sqlite")
    settings = Settings(_env_file=None, data_dir=data_dir, neo4j_uri=None)  # type: ignore[call-arg]
    with TestClient(create_app(settings, store)) as client:
        body = client.post("/graphql", json={"query": '{ concentration(node: "a_co", kinds: [LENDS_TO], '
                                                      'asOf: "2022-12-31") { result { hhi } } }'}).json()
        assert body["data"]["concentration"]["result"]["hhi"] == want["result"]["hhi"]
        page = client.get("/viz/analysis/concentration", params={"node": "a_co", "kinds": "lends_to",
                                                                 "as_of": "2022-12-31", "format": "json"})
        assert page.status_code == 200 and page.json()["result"]["hhi"] == want["result"]["hhi"]
        html = client.get("/viz/analysis/trend", params={"node": "tech_co", "from_date": "2025-09-30",
                                                         "to_date": "2026-06-30"})
        assert html.status_code == 200 and "HHI crossed 1,800" in html.text
    store.close()
