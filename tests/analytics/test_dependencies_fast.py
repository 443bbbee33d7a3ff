"""Central dependencies ranked on plain numbers = the reference that builds every provider's removal impact."""

from __future__ import annotations

import doctest
from typing import Any

import networkx as nx
import pytest

import stakegraph.analytics.dependencies_fast as fast_mod
from stakegraph.analytics import dependencies as dep
from stakegraph.analytics.dependencies_fast import central_dependencies_fast, provider_index
from tests.analytics.audit_graphs import NAMES, graph, outcome
from tests.analytics.test_structure_fast import odd_graph

KINDS = dep.DEPENDENCY_KINDS + ("invests_in", "supplies", "operates", "sponsors")


def same_index(fast: Any, ref: Any) -> None:
    """Equal index: entries, providers and edge ids in order, the same sums (or the same error)."""
    if isinstance(fast, tuple) or isinstance(ref, tuple):
        assert fast == ref
        return
    assert list(fast) == list(ref)
    for key, provs in fast.items():
        assert list(provs) == list(ref[key])
        assert [(repr(a), list(b)) for a, b in provs.values()] == [(repr(a), list(b)) for a, b in ref[key].values()]
        assert [type(a) for a, _ in provs.values()] == [type(a) for a, _ in ref[key].values()]


def same_ranking(G: nx.MultiDiGraph, **kw: Any) -> None:
    fast = outcome(central_dependencies_fast, G, **kw)
    ref = outcome(dep.central_dependencies_reference, G, **kw)
    assert fast == ref or repr(fast) == repr(ref)  # repr: a NaN (inf - inf) is not == itself; its text is
    if not isinstance(fast, tuple):
        assert [repr(r.impact.weighted_cut) for r in fast.rows] == [repr(r.impact.weighted_cut) for r in ref.rows]


@pytest.mark.parametrize("name", NAMES)
def test_equals_the_reference(name: str) -> None:
    G = graph(name)
    for kw in ({"top": 10, "cut_points": False}, {"top": 20}, {"top": 10_000, "node_type": None, "cut_points": False},
               {"top": 5, "kinds": ("lends_to", "invests_in", "supplies", "operates")}):
        fast = outcome(central_dependencies_fast, G, **kw)
        ref = outcome(dep.central_dependencies_reference, G, **kw)
        assert fast == ref
        if isinstance(fast, tuple):
            continue
        assert [r.impact.weighted_stranded for r in fast.rows] == [r.impact.weighted_stranded for r in ref.rows]
        assert [r.impact.money_cut for r in fast.rows] == [r.impact.money_cut for r in ref.rows]
    assert outcome(dep.central_dependencies, G, top=10) == outcome(dep.central_dependencies_reference, G, top=10)


@pytest.mark.parametrize("name", NAMES)
def test_the_provider_index_is_the_reference(name: str) -> None:
    G = graph(name)
    kinds = dep.DEPENDENCY_KINDS + ("invests_in", "supplies", "operates")
    same_index(outcome(provider_index, G, kinds), outcome(dep._provider_index, G, kinds))


def test_the_whole_ranking_is_the_reference() -> None:
    """Every provider (top above their number), any type: the full order and every float."""
    G = graph("generated-1000-29")
    fast = central_dependencies_fast(G, top=100_000, node_type=None)
    assert len(fast.rows) > 500
    assert fast == dep.central_dependencies_reference(G, top=100_000, node_type=None)


def test_doctests() -> None:
    assert doctest.testmod(fast_mod).failed == 0


@pytest.mark.parametrize("seed", range(12))
def test_odd_values_equal_the_reference(seed: int) -> None:
    """Odd amounts (text, NaN, infinities, booleans, huge ints, sums that overflow), currencies converted by the
    generated portfolio's FX table, odd statuses and types, replaceability out of range, int edge keys."""
    G = odd_graph(seed, fx=graph("generated-200-3").graph["fx"])
    same_index(outcome(provider_index, G, KINDS), outcome(dep._provider_index, G, KINDS))
    for kw in ({"top": 10_000, "node_type": None, "cut_points": False}, {"top": 3},
               {"top": 50, "node_type": "project", "kinds": KINDS}, {"top": 0, "cut_points": False}):
        same_ranking(G, **kw)


@pytest.mark.parametrize("seed", range(4))
def test_a_missing_rate_raises_as_the_reference(seed: int) -> None:
    """Without an FX table a CNY amount needs a rate the book lacks: the loop raises what the reference raises."""
    G = odd_graph(seed)
    G.graph["reporting_currency"] = "USD"
    fast, ref = outcome(provider_index, G, KINDS), outcome(dep._provider_index, G, KINDS)
    assert isinstance(ref, tuple)
    same_index(fast, ref)
    same_ranking(G, top=5)


@pytest.mark.parametrize("name", ["sample", "generated-500-11", "generated-500-11-cny", "seeded-1-one"])
def test_the_columns_answer(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The edge table is read (the loop is not run) and its answers are the reference's."""
    G = graph(name)

    def no_loop(*a: Any) -> None:
        raise AssertionError("the loop ran")

    monkeypatch.setattr(fast_mod, "_provider_index_loop", no_loop)
    same_index(provider_index(G, KINDS), dep._provider_index(G, KINDS))
    same_ranking(G, top=10_000, node_type=None, cut_points=False)
    same_ranking(G, top=15)


@pytest.mark.parametrize("name", ["sample", "generated-200-3", "seeded-1", "seeded-4-one"])
def test_the_loop_answers_when_the_columns_cannot(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fast_mod, "columns", lambda G: None)
    G = graph(name)
    same_index(outcome(provider_index, G, KINDS), outcome(dep._provider_index, G, KINDS))
    same_ranking(G, top=10_000, node_type=None, cut_points=False)
    same_ranking(G, top=10)


def test_node_ids_not_text_take_the_loop() -> None:
    G = nx.relabel_nodes(odd_graph(3, fx=graph("generated-200-3").graph["fx"]), {f"n{i:02d}": i for i in range(0, 40, 3)})
    same_index(outcome(provider_index, G, KINDS), outcome(dep._provider_index, G, KINDS))


def test_ties_rank_as_the_reference() -> None:
    """Equal weighted money everywhere: the order is the ids' (text order), then the sums' bits decide."""
    G = nx.MultiDiGraph()
    G.add_nodes_from([f"p{i}" for i in range(12)], type="project")
    G.add_nodes_from([f"b{i}" for i in (10, 9, 2, 1, 11, 0)], type="party")
    for i in range(12):
        for b in ("b10", "b9", "b2", "b1", "b11", "b0")[: 1 + i % 6]:
            G.add_edge(b, f"p{i}", key=f"{b}-{i}", kind="lends_to", amount=0.1 if i % 2 else 0.2)
            G.add_edge(b, f"p{i}", key=f"{b}-{i}x", kind="lends_to", amount=0.3)
        G.add_edge("b0", f"p{i}", key=f"c{i}", kind="builds", amount=1e16 if i == 3 else 1.0)
    same_index(provider_index(G, KINDS), dep._provider_index(G, KINDS))
    same_ranking(G, top=100, node_type=None)
    same_ranking(G, top=2)
