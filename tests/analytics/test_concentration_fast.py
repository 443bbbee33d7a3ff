"""Portfolio concentration from the shared edge table equals the reference walk over ``G``: rows, order, floats
(``repr``, so ``-0.0`` and ``0`` count) and stamps, on the audit graphs, random graphs with odd sizes, statuses,
currencies and FX tables, and through the catalogue's ``answer``; and ``money_context`` reads the same currencies
from the table as from a scan."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import networkx as nx
import pytest

from stakegraph.analyses import get
from stakegraph.analyses.answer import answer
from stakegraph.analytics import concentration as conc
from stakegraph.analytics import concentration_fast as cf
from stakegraph.analytics import timeline_fast as tf
from stakegraph.analytics.selection import check_kinds
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.measures import _stated_currencies, currencies_in, money_context
from stakegraph.money import FxRate, FxTable
from tests.analytics.audit_graphs import NAMES, graph

#: Parameters the equality is checked with (the audit's two first).
PARAMS: tuple[dict[str, Any], ...] = (
    {"kinds": conc.CUSTOMER_KINDS, "direction": "in", "min_counterparties": 2},
    {"kinds": ("lends_to",), "direction": "in", "min_counterparties": 2},
    {},
    {"direction": "out"},
    {"node_type": None, "kinds": ("lends_to", "invests_in", "guarantees")},
    {"node_type": "project", "kinds": ("sponsors", "owns")},
    {"weight": "count", "kinds": ("lends_to", "buys_from")},
    {"weight": "amount", "kinds": ("lends_to", "guarantees"), "direction": "out"},
    {"weight": "annual_revenue", "node_type": None},
    {"weight": "tenor_years", "kinds": ("lends_to",)},
    {"look_through": "owner", "kinds": ("lends_to",)},
    {"look_through": "group"},
    {"active_only": False, "k": 1},
    {"k": 0},
    {"k": -2, "min_counterparties": 3},
    {"kinds": ("supplies", "offtakes"), "direction": "out", "node_type": None},
)
KINDS = ("buys_from", "offtakes", "lends_to", "sponsors", "owns", "supplies", "invests_in", "guarantees")
SIZES: tuple[Any, ...] = (1, 2.5, 2.5, 0, 0.0, -0.0, -3.0, "7", " 4.25 ", "x", None, True, math.nan, math.inf, 1e308,
                          10**400, 1 / 3, 0.1, 0.2, 0.7, 123456.789, 5, 5)
STATUSES: tuple[Any, ...] = (None, None, "active", "ended", " Terminated ", "repaid", 3, "")
CURRENCIES: tuple[Any, ...] = (None, None, "USD", "usd", " cny ", "CNY", "EUR", "", "GBP")


def outcome(fn: Any, *a: Any, **kw: Any) -> Any:
    """The result, or the error's type and text."""
    try:
        return fn(*a, **kw)
    except Exception as e:  # noqa: BLE001 - the same error is part of the equality
        return ("raised", type(e), str(e))


def _same(got: Any, want: Any) -> None:
    assert repr(got) == repr(want)
    assert got == want or "nan" in repr(want)  # NaN (an overflowing sum: the reference answered) is not == itself
    if not isinstance(want, tuple):
        assert to_jsonable(got) == to_jsonable(want)


def random_graph(seed: int, *, n: int = 30, fx: bool = True) -> nx.MultiDiGraph:
    """Parties and projects with odd types and names; edges of every concentration kind with odd sizes,
    statuses and currencies, parallel edges and self-loops; an FX table (USD, CNY, EUR) or none."""
    rnd = random.Random(seed)
    G = nx.MultiDiGraph(version=f"test:{seed}", as_of="2025-06-30")
    ids = [f"n{rnd.randrange(10**6):06d}" if rnd.random() < 0.3 else f"p{i:03d}" for i in range(n)]
    ids = list(dict.fromkeys(ids))
    for i in ids:
        props: dict[str, Any] = {"type": rnd.choice(("party", "party", "party", "project", "contract", None))}
        if rnd.random() < 0.7:
            props["name"] = rnd.choice((i.upper(), "", "Same name"))
        if rnd.random() < 0.5:
            props["kind"] = rnd.choice(("company", "bank", None))
        if rnd.random() < 0.1:
            props["currency"] = rnd.choice(CURRENCIES)
        G.add_node(i, **props)
    for j in range(n * rnd.choice((2, 4, 8))):
        kind = rnd.choice(KINDS)
        u, v = rnd.choice(ids), rnd.choice(ids)
        if rnd.random() < 0.05:
            v = u
        props = {"kind": kind}
        if (s := rnd.choice(STATUSES)) is not None:
            props["status"] = s
        for prop in ("amount", "annual_revenue", "share_pct", "tenor_years", "guarantee_cap"):
            if rnd.random() < 0.6:
                props[prop] = rnd.choice(SIZES)
        if (c := rnd.choice(CURRENCIES)) is not None:
            props["currency"] = c
        G.add_edge(u, v, key=f"e{j:04d}", **props)
    if fx:
        day = dt.date(2025, 1, 1)
        G.graph["fx"] = FxTable([FxRate(day, "CNY", 7.1, "USD", "test"), FxRate(day, "EUR", 0.9, "USD", "test"),
                                 FxRate(day, "GBP", 0.77, "USD", "test")])
        G.graph["reporting_currency"] = rnd.choice(("USD", "cny", "EUR"))
    return G


def one_currency(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``G`` with every stated currency removed (money answers instead of MissingRate)."""
    H = G.copy()
    for *_, d in H.edges(data=True):
        d.pop("currency", None)
    for _, d in H.nodes(data=True):
        d.pop("currency", None)
    return H


@pytest.mark.parametrize("name", NAMES)
def test_equals_the_reference_on_the_audit_graphs(name: str) -> None:
    G = graph(name)
    for params in PARAMS:
        _same(outcome(conc.portfolio_concentration, G, **params),
              outcome(conc.portfolio_concentration_reference, G, **params))


@pytest.mark.parametrize("name", [n for n in NAMES if not n.startswith("seeded-") or n.endswith("-one")])
def test_the_table_answers_the_audit_graphs(name: str) -> None:
    """The audit's two questions take the fast path (no fallback) where no rate is missing."""
    G = graph(name)
    for params in PARAMS[:2]:
        kinds = check_kinds(params["kinds"])
        rows = cf.portfolio_rows_fast(G, kinds, "in", "party", 2, None, {}, 5, True)
        assert rows is not None
        want = conc.portfolio_concentration_reference(G, **params).rows
        assert sorted(rows, key=lambda r: (-r.hhi, -r.total, r.node)) == list(want)


@pytest.mark.parametrize("seed", range(40))
def test_equals_the_reference_on_random_graphs(seed: int) -> None:
    G = random_graph(seed, fx=seed % 4 != 3)
    for H in (G, one_currency(G)):
        for params in PARAMS:
            _same(outcome(conc.portfolio_concentration, H, **params),
                  outcome(conc.portfolio_concentration_reference, H, **params))


def test_odd_parameters_and_graphs_fall_back_to_the_reference() -> None:
    G = one_currency(random_graph(5))
    kinds = check_kinds(conc.CUSTOMER_KINDS)
    assert cf.portfolio_rows_fast(G, kinds, "in", "party", 1, None, {}, 5, True) is not None
    assert cf.portfolio_rows_fast(G, kinds, "in", "party", 1, None, {}, 2.0, True) is None  # type: ignore[arg-type]
    assert cf.portfolio_rows_fast(G, kinds, "in", "party", 1.5, None, {}, 5, True) is None  # type: ignore[arg-type]
    assert cf.portfolio_rows_fast(G, kinds, "in", "party", 1, None, {"p001": 7}, 5, True) is None  # type: ignore[dict-item]
    for params in ({"k": 2.0}, {"min_counterparties": 1.5}, {"k": "5"}):
        _same(outcome(conc.portfolio_concentration, G, **params),
              outcome(conc.portfolio_concentration_reference, G, **params))
    H = G.copy()
    H.add_node(7, type="party")  # an id that is not text: no table
    H.add_edge(7, "p001", key="x", kind="buys_from", annual_revenue=3.0)
    assert cf.portfolio_rows_fast(H, kinds, "in", "party", 1, None, {}, 5, True) is None
    _same(conc.portfolio_concentration(H, node_type=None), conc.portfolio_concentration_reference(H, node_type=None))
    T = G.copy()
    T.nodes["p001"]["type"] = ["party"]  # a type that is not text
    T.add_edge("p002", "p001", key="y", kind="buys_from", annual_revenue=3.0)
    assert cf.portfolio_rows_fast(T, kinds, "in", "party", 1, None, {}, 5, True) is None
    _same(conc.portfolio_concentration(T), conc.portfolio_concentration_reference(T))


def test_a_missing_rate_raises_as_the_reference() -> None:
    G = nx.MultiDiGraph(as_of="2025-06-30")
    G.add_nodes_from(["s", "a", "b"], type="party")
    G.add_edge("a", "s", key="1", kind="buys_from", annual_revenue=3.0, currency="USD")
    G.add_edge("b", "s", key="2", kind="buys_from", annual_revenue=1.0, currency="EUR")
    assert cf.portfolio_rows_fast(G, conc.CUSTOMER_KINDS, "in", "party", 1, None, {}, 5, True) is None
    got = outcome(conc.portfolio_concentration, G)
    assert got[0] == "raised"
    assert got == outcome(conc.portfolio_concentration_reference, G)


def test_an_overflowing_sum_falls_back() -> None:
    G = nx.MultiDiGraph()
    G.add_nodes_from(["s", "a", "b"], type="party")
    G.add_edge("a", "s", key="1", kind="buys_from", annual_revenue=1.5e308)
    G.add_edge("b", "s", key="2", kind="buys_from", annual_revenue=1.5e308)
    assert cf.portfolio_rows_fast(G, conc.CUSTOMER_KINDS, "in", "party", 1, None, {}, 5, True) is None
    _same(outcome(conc.portfolio_concentration, G), outcome(conc.portfolio_concentration_reference, G))


def test_other_graph_classes_run_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    class Sub(nx.MultiDiGraph):
        pass

    G = Sub(one_currency(random_graph(2)))
    want = conc.portfolio_concentration_reference(G)

    def refuse(*_a: Any, **_kw: Any) -> None:
        raise AssertionError("the fast path ran")

    monkeypatch.setattr(cf, "portfolio_rows_fast", refuse)
    _same(conc.portfolio_concentration(G), want)


def test_ties_are_ranked_by_id() -> None:
    G = nx.MultiDiGraph()
    G.add_nodes_from(["s", "b", "a", "c", "B"], type="party")
    for key, cp in enumerate(("b", "a", "c", "B", "a")):
        G.add_edge(cp, "s", key=str(key), kind="buys_from", annual_revenue=2.0 if cp != "a" else 1.0)
    got = conc.portfolio_concentration(G, k=1)
    _same(got, conc.portfolio_concentration_reference(G, k=1))
    assert got.rows[0].top_counterparty == "B"


def test_bands_match_the_reference_at_the_thresholds() -> None:
    values = [0.0, 1499.9999999, 1500.0, 1500.0000001, 1800.0, 1800.0000001, 2500.0, 2500.0000001, 1e4]
    got = cf._bands(cf.np.array(values))  # noqa: SLF001
    want = ([conc.bands(v)[0].band for v in values], [conc.bands(v)[1].band for v in values])
    assert got == want


@pytest.mark.parametrize("params", [PARAMS[0], PARAMS[1], {"look_through": "owner"}, {"weight": "count"}])
def test_the_catalogue_answers_the_same(params: dict[str, Any]) -> None:
    G = graph("generated-500-11-cny")
    got = answer(G, get("portfolio-concentration"), params).result
    _same(got, conc.portfolio_concentration_reference(G, **params))


@pytest.mark.parametrize("name", NAMES)
def test_money_context_reads_the_currencies_from_the_table(name: str) -> None:
    G = graph(name)
    scanned = currencies_in(d for _, d in G.nodes(data=True)) | currencies_in(d for *_, d in G.edges(data=True))
    H = G.copy()
    assert tf.built_columns(H) is None
    assert _stated_currencies(H) == scanned  # no table: scanned, none built
    assert tf.built_columns(H) is None
    assert tf.columns(H) is tf.built_columns(H) is not None
    assert _stated_currencies(H) == scanned
    m, want = money_context(H), money_context(G)
    assert (m.reporting, m.currencies, m.stamp()) == (want.reporting, want.currencies, want.stamp())


def test_money_context_scans_when_the_table_misses_an_edge() -> None:
    G = one_currency(random_graph(7))
    tf.columns(G)
    u, v = list(G.nodes)[:2]
    G.add_edge(u, v, key="late", kind="lends_to", amount=1.0, currency="chf")  # same nodes: the table is kept
    assert tf.built_columns(G) is not None
    assert _stated_currencies(G) == {"CHF"}
    G.graph["version"] = "changed"
    assert tf.built_columns(G) is None
