"""Trend and diff from the projection's columns (``timeline_fast``) equal the timeslice reference, float for float.

Every answer is compared whole (dataclasses, rows, floats, order, stamps) with ``trend_reference`` /
``diff_reference`` — the same analyses on ``graph_as_of`` timeslices — on:

* dated portfolios made here (:func:`dated_graph`): edges starting and ending across the window, statuses
  that ended, contracts signed late, signals and interactions, amounts in USD, EUR and CNY converted by
  an FX table whose rates change over the window, odd values (text amounts, booleans, NaN, garbage dates),
  parallel edges and self-loops, so that relationships start and end, bands move and cut points appear and
  disappear between period ends;
* the graphs of ``tests.analytics.audit_graphs`` (generated portfolios in USD/CNY with FX rates, the same
  reported in CNY, the bundled sample, hand-made graphs with every kind, some without rates: then both
  paths raise the same ``MissingRate``);
* the audit's own "change over time" section (``stakegraph.audit.over_time``) and its catalogue answers.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
from collections.abc import Callable
from typing import Any

import networkx as nx
import pytest

import stakegraph.analytics.timeline as tl
import stakegraph.analytics.timeline_fast as tf
import stakegraph.asof as asof
from stakegraph.analytics.timeline import diff, diff_reference, period_ends, trend, trend_reference
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.money import FxRate, FxTable
from stakegraph.store.base import to_networkx
from tests.analytics import audit_graphs

MEASURES = ("hhi", "cr_k", "counterparties", "exposure", "cut_points")
DATES = (None, "2021-03-31", "2021-11-15", "2022-06-30", "2022-12-31", "2023-01-01", "2023-05-20", "2023-09-30",
         "2024-02-29", "2024-06-30", "2024-12-31", "2025-03-01", "garbage", "2023-7-1")
KINDS = ("lends_to", "lends_to", "lends_to", "buys_from", "buys_from", "offtakes", "guarantees", "invests_in",
         "insures", "sponsors", "builds", "operates", "supplies", "owns", "controls", "partner_of", "party_to")
AMOUNTS = (1.0, 5.5, 100.0, 2500.0, 0.0, -3.0, "40", "x", True, None, float("nan"), 7)


def dated_graph(seed: int, n: int = 70, *, fx: bool = True) -> nx.MultiDiGraph:
    """A dated portfolio: see the module docstring."""
    rnd = random.Random(seed)
    parties = [f"p{i:03d}" for i in range(n)]
    projects = [f"prj{i:02d}" for i in range(n // 7)]
    nodes = [NodeRecord(p, "party", {"name": p.upper(), "kind": rnd.choice(("bank", "company", "government")),
                                     **({"currency": rnd.choice(("USD", "cny"))} if rnd.random() < 0.2 else {})})
             for p in parties]
    nodes += [NodeRecord(p, "project", {"name": p}) for p in projects]
    nodes += [NodeRecord(f"k{i}", "contract", {"name": f"K{i}", "signed_date": rnd.choice(DATES),
                                               "status": rnd.choice(("active", "terminated", None)),
                                               "end_date": rnd.choice(DATES)}) for i in range(6)]
    for i in range(12):
        t = rnd.choice(("signal", "interaction"))
        nodes.append(NodeRecord(f"{t[:3]}{i}", t, {"kind": "loan_recall" if t == "signal" else "meeting",
                                                   "date": rnd.choice(DATES), "party_id": rnd.choice(parties),
                                                   "value": rnd.choice((1.5, None, "2"))}))
    edges = []
    ends = parties + projects
    for j in range(n * 5):
        kind = rnd.choice(KINDS)
        u = rnd.choice(parties)
        v = rnd.choice(ends) if rnd.random() > 0.03 else u
        if kind == "party_to":
            v = f"k{rnd.randrange(6)}"
        props: dict[str, Any] = {}
        if rnd.random() < 0.85:
            props["amount" if kind not in ("buys_from", "offtakes", "supplies") else "annual_revenue"] = \
                rnd.choice(AMOUNTS) if rnd.random() < 0.2 else float(rnd.randint(1, 50)) * 10
        if kind == "guarantees" and rnd.random() < 0.5:
            props["guarantee_cap"] = rnd.choice((5.0, None, "3"))
        if kind in ("owns", "sponsors"):
            props["share_pct"] = rnd.choice((10.0, 51.0, None))
        if rnd.random() < 0.7:
            props["currency"] = rnd.choice(("USD", "EUR", "CNY", "usd", " eur") if fx else ("USD",))
        if rnd.random() < 0.3:
            props["status"] = rnd.choice(("active", "ended", "repaid", "recalled", "terminated", "ENDED "))
        if rnd.random() < 0.8:
            props["start_date"] = rnd.choice(DATES)
        if rnd.random() < 0.4:
            props["end_date"] = rnd.choice(DATES)
        edges.append(EdgeRecord(f"e{seed}_{j:04d}", kind, u, v, props))
        if rnd.random() < 0.1:  # a parallel edge
            edges.append(EdgeRecord(f"e{seed}_{j:04d}b", kind, u, v, {**props, "start_date": rnd.choice(DATES)}))
    rates = ([FxRate(dt.date(2020, 1, 1), c, r, "USD", "t") for c, r in (("EUR", 0.9), ("CNY", 6.5))]
             + [FxRate(dt.date(2023, 6, 1), c, r, "USD", "t") for c, r in (("EUR", 0.93), ("CNY", 7.1))]
             + [FxRate(dt.date(2024, 7, 1), "CNY", 7.3, "USD", "t")])
    return to_networkx(nodes, edges, version=f"dated:{seed}", backend="test",
                       fx=FxTable(rates) if fx else None, reporting_currency="USD")


def outcome(fn: Callable[[], Any]) -> Any:
    """The result, or the exception's type and text (both paths must fail alike)."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - compared, not swallowed
        return (type(e).__name__, str(e))


def same(fast: Callable[[], Any], reference: Callable[[], Any]) -> Any:
    a, b = outcome(fast), outcome(reference)
    assert a == b
    return a


def _ids(G: nx.MultiDiGraph) -> list[str]:
    return sorted(n for n, t in G.nodes(data="type") if t in ("party", "project"))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("period", ["quarter", "year"])
def test_trend_equals_the_timeslices(seed: int, period: str) -> None:
    G = dated_graph(seed, fx=seed != 5)
    for measure in MEASURES:
        for kinds in (None, ("buys_from", "offtakes"), ("owns",), ("lends_to", "controls")):
            if kinds is not None and measure not in tl.CONCENTRATION_MEASURES:
                continue
            kw: dict[str, Any] = {"start": "2021-01-01", "end": "2025-02-01", "period": period, "kinds": kinds}
            r = same(lambda kw=kw, m=measure: trend(G, m, **kw),
                     lambda kw=kw, m=measure: trend_reference(G, m, **kw))
            assert isinstance(r, tl.TrendResult) or kinds == ("owns",) or seed == 5, r
    for node in _ids(G)[:: max(1, len(_ids(G)) // 6)]:
        same(lambda node=node: trend(G, "cut_points", node, start="2021-01-01", end="2025-02-01", period=period),
             lambda node=node: trend_reference(G, "cut_points", node, start="2021-01-01", end="2025-02-01",
                                               period=period))


def test_the_dated_graphs_move() -> None:
    """The seeded portfolios are not static: between period ends relationships start and end, bands and cut
    points change, several currencies convert at rates that change."""
    moved = {"started": 0, "ended": 0, "bands": 0, "cuts": 0}
    for seed in (1, 2, 3, 4):
        G = dated_graph(seed)
        days = period_ends(dt.date(2021, 1, 1), dt.date(2025, 2, 1), "quarter")
        for a, b in zip(days, days[1:], strict=False):
            r = diff(G, a, b, kinds=("lends_to",))
            moved["started"] += len(r.started)
            moved["ended"] += len(r.ended)
            moved["bands"] += len(r.band_changes)
            moved["cuts"] += len(r.cut_point_changes)
        exposure = trend(G, "exposure", start="2021-01-01", end="2025-02-01")
        assert len({x.value for x in exposure.rows}) > 3
        cuts = trend(G, "cut_points", start="2021-01-01", end="2025-02-01")
        assert len({x.value for x in cuts.rows}) > 1
    assert all(v > 5 for v in moved.values()), moved


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_diff_equals_the_timeslices(seed: int) -> None:
    G = dated_graph(seed, fx=seed != 5)
    days = period_ends(dt.date(2021, 1, 1), dt.date(2025, 2, 1), "quarter")
    pairs = [*zip(days, days[1:], strict=False), (days[0], days[-1]), (days[3], days[3])]
    for a, b in pairs:
        for kinds, direction in ((("buys_from", "offtakes"), "in"), (("lends_to",), "in"), (("lends_to",), "out"),
                                 (("owns", "sponsors"), "in"), (("controls", "partner_of"), "out")):
            same(lambda a=a, b=b, k=kinds, d=direction: diff(G, a, b, kinds=k, direction=d),
                 lambda a=a, b=b, k=kinds, d=direction: diff_reference(G, a, b, kinds=k, direction=d))


@pytest.mark.parametrize("name", audit_graphs.NAMES)
def test_trend_and_diff_equal_the_timeslices_on_the_audit_graphs(name: str) -> None:
    G = audit_graphs.graph(name)
    dates = sorted({str(d)[:10] for *_, d in G.edges(data="start_date") if d} | {"2020-01-01"})
    lo, hi = dt.date.fromisoformat(dates[0]) - dt.timedelta(days=40), dt.date.fromisoformat(dates[-1])
    period = "year" if (hi - lo).days > 6 * 365 else "quarter"
    for measure in MEASURES:
        same(lambda m=measure: trend(G, m, start=lo, end=hi, period=period),
             lambda m=measure: trend_reference(G, m, start=lo, end=hi, period=period))
    days = period_ends(lo, hi, period)
    for a, b in [*zip(days, days[1:], strict=False), (days[0], days[-1])]:
        for kinds in (("buys_from", "offtakes"), ("lends_to",)):
            same(lambda a=a, b=b, k=kinds: diff(G, a, b, kinds=k), lambda a=a, b=b, k=kinds: diff_reference(G, a, b, kinds=k))


@pytest.mark.parametrize("name", ["sample", "generated-500-11", "generated-500-11-cny"])
def test_the_audits_change_over_time_equals_the_timeslices(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from stakegraph.audit import over_time
    from stakegraph.measures import default_as_of

    G = audit_graphs.graph(name)
    day = default_as_of(G)
    for kw in ({}, {"full_max_edges": 0}):
        answers: dict[str, Any] = {}
        fast = over_time(G, answers, day, **kw)
        with monkeypatch.context() as m:
            m.setattr(tl, "trend", functools.partial(trend, fast=False))
            m.setattr(tl, "diff", functools.partial(diff, fast=False))
            reference_answers: dict[str, Any] = {}
            reference = over_time(G, reference_answers, day, **kw)
        assert fast == reference and answers == reference_answers
        assert fast.diff is not None and len(fast.trends) == (2 if kw else 5)


def test_the_fast_path_builds_no_timeslice(monkeypatch: pytest.MonkeyPatch) -> None:
    G = dated_graph(7)

    def boom(*_: Any) -> None:
        raise AssertionError("a timeslice was built")

    expected = [trend_reference(G, m, start="2021-01-01", end="2025-02-01") for m in MEASURES]
    expected_diff = diff_reference(G, "2022-12-31", "2024-06-30", kinds=("lends_to",))
    monkeypatch.setattr(asof, "_fill", boom)
    asof._CACHE.clear()  # noqa: SLF001
    assert [trend(G, m, start="2021-01-01", end="2025-02-01") for m in MEASURES] == expected
    assert diff(G, "2022-12-31", "2024-06-30", kinds=("lends_to",)) == expected_diff
    with pytest.raises(AssertionError, match="timeslice"):  # health has no column path
        trend(G, "health", start="2021-01-01", end="2025-02-01")


def test_falls_back_to_the_timeslices_when_the_columns_cannot_say() -> None:
    """Integer node ids, edge ids that repeat (NetworkX's own keys 0, 1 …), a missing rate: the reference runs."""
    G = nx.MultiDiGraph(version="v")
    for n in (1, 2, 3):
        G.add_node(n, type="party", name=str(n))
    G.add_edge(1, 2, kind="lends_to", amount=5.0, start_date="2023-01-01")
    G.add_edge(3, 2, kind="lends_to", amount=5.0, start_date="2023-06-01")
    assert tf.columns(G) is None
    same(lambda: trend(G, "hhi", start="2022-01-01", end="2024-01-01"),
         lambda: trend_reference(G, "hhi", start="2022-01-01", end="2024-01-01"))
    H = nx.relabel_nodes(G, str)
    cols = tf.columns(H)
    assert cols is not None and not cols.keys_unique
    same(lambda: diff(H, "2022-12-31", "2023-12-31", kinds=("lends_to",)),
         lambda: diff_reference(H, "2022-12-31", "2023-12-31", kinds=("lends_to",)))
    H.add_edge("1", "3", key="jpy", kind="lends_to", amount=9.0, currency="JPY")
    H.graph["fx"] = FxTable([FxRate(dt.date(2020, 1, 1), "EUR", 0.9, "USD")])
    r = same(lambda: trend(H, "hhi", start="2022-01-01", end="2024-01-01"),
             lambda: trend_reference(H, "hhi", start="2022-01-01", end="2024-01-01"))
    assert r[0] == "MissingRate"
    assert same(lambda: trend(H, "hhi", start="2022-01-01", end="2024-01-01", k=0),
                lambda: trend_reference(H, "hhi", start="2022-01-01", end="2024-01-01", k=0))[0] == "ValidationError"


def test_sums_are_sequential_as_in_the_reference() -> None:
    """Amounts whose sum depends on the order of addition (NumPy's pairwise sum would differ)."""
    G = nx.MultiDiGraph(version="v")
    G.add_node("co", type="party", name="Co")
    amounts = [1e16, 1.0, -1e16, 3.3, 1e-3, 7e15, 0.1] * 40
    for i, a in enumerate(amounts):
        G.add_node(f"b{i % 9}", type="party", name=f"B{i % 9}")
        G.add_edge(f"b{i % 9}", "co", key=f"l{i}", kind="lends_to", amount=a, start_date=f"20{20 + i % 5}-01-01")
    for m in ("hhi", "exposure", "cr_k"):
        r = same(lambda m=m: trend(G, m, start="2019-01-01", end="2025-01-01", period="year"),
                 lambda m=m: trend_reference(G, m, start="2019-01-01", end="2025-01-01", period="year"))
        assert all(x.value is None or math.isfinite(x.value) for x in r.rows)


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_the_coded_properties_are_the_stored_values(seed: int) -> None:
    """``Columns.coded``: each edge's stored property (``dict.get``), in edge order, as a code into the distinct
    values (text or ``None``; else ``None``): statuses and dates coded with the table, others on first use."""
    G = dated_graph(seed)
    cols = tf.columns(G)
    assert cols is not None
    for name in ("status", "start_date", "end_date", "kind", "currency", "nothing"):
        got = cols.coded(name)
        assert got is not None
        codes, values = got
        assert [values[c] for c in codes.tolist()] == [d.get(name) for *_, d in G.edges(keys=True, data=True)]
        assert len(set(values)) == len(values)
        assert cols.coded(name) is got  # kept
    assert cols.coded("amount") is None  # numbers, booleans and NaN: not coded
    H = nx.MultiDiGraph(version="v")
    H.add_node("a", type="party")
    H.add_edge("a", "a", key="x", kind="lends_to", status=1, start_date=dt.date(2020, 1, 1))
    H.add_edge("a", "a", key="y", kind="lends_to", status=True, end_date=["2020-01-01"])
    odd = tf.columns(H)
    assert odd is not None
    assert odd.coded("status") is odd.coded("start_date") is odd.coded("end_date") is None
    assert odd.active.tolist() == [True, True]
    assert tf.day_masks(odd, "2019-12-31").edge_ok.tolist() == [False, True]
    empty = tf.columns(nx.MultiDiGraph(version="e"))
    assert empty is not None
    none = empty.coded("status")
    assert none is not None and len(none[0]) == 0


def test_the_one_pass_coder_equals_dict_fromkeys() -> None:
    """``_distinct`` and ``_codes`` code each value by its first occurrence in one pass: the same codes and
    first-seen values as ``dict.fromkeys`` then a lookup per value; values that are not all text or ``None``
    (equal without being alike) or unhashable are each their own code."""
    rnd = random.Random(3)
    pool: list[Any] = ["a", "b", None, "2023-01-01", "", "a\x00", "é"]
    for n in (0, 1, 2, 5, 50, 500):
        values = [rnd.choice(pool) for _ in range(n)]
        table = {v: i for i, v in enumerate(dict.fromkeys(values))}
        for codes, coded in (tf._distinct(values)[:2], tf._codes(values)):  # noqa: SLF001
            assert codes.tolist() == [table[v] for v in values] and coded == list(table)
        assert tf._distinct(values)[2]  # noqa: SLF001
    for odd in (["a", 1, True, 1.0], ["a", ["x"]], [1, 2]):
        codes, coded, distinct = tf._distinct(odd)  # noqa: SLF001
        assert not distinct and codes.tolist() == list(range(len(odd))) and coded == odd
