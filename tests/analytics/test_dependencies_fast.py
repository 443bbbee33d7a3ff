"""Central dependencies ranked on plain numbers = the reference that builds every provider's removal impact."""

from __future__ import annotations

import doctest

import pytest

import stakegraph.analytics.dependencies_fast as fast_mod
from stakegraph.analytics import dependencies as dep
from stakegraph.analytics.dependencies_fast import central_dependencies_fast, provider_index
from tests.analytics.audit_graphs import NAMES, graph, outcome


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
    fast, ref = outcome(provider_index, G, kinds), outcome(dep._provider_index, G, kinds)
    if isinstance(fast, tuple) or isinstance(ref, tuple):
        assert fast == ref
        return
    assert list(fast) == list(ref)
    for key, provs in fast.items():
        assert list(provs) == list(ref[key])
        assert [(a, list(b)) for a, b in provs.values()] == [(a, list(b)) for a, b in ref[key].values()]


def test_the_whole_ranking_is_the_reference() -> None:
    """Every provider (top above their number), any type: the full order and every float."""
    G = graph("generated-1000-29")
    fast = central_dependencies_fast(G, top=100_000, node_type=None)
    assert len(fast.rows) > 500
    assert fast == dep.central_dependencies_reference(G, top=100_000, node_type=None)


def test_doctests() -> None:
    assert doctest.testmod(fast_mod).failed == 0
