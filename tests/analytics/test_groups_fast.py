"""Connected groups with the link edges read in one pass = the reference (each link function reads its own)."""

from __future__ import annotations

import pytest

from stakegraph.analytics import groups as grp
from stakegraph.analytics.selection import STRUCTURAL_TYPES, iter_kind_edges
from stakegraph.analytics.stamp import to_jsonable
from tests.analytics.audit_graphs import NAMES, graph, outcome


@pytest.mark.parametrize("name", NAMES)
def test_equals_the_reference(name: str) -> None:
    G = graph(name)
    for kw in ({}, {"control_threshold": 20.0, "interdependence_threshold": 10.0},
               {"control_threshold": 75.0, "interdependence_threshold": 90.0}):
        got, want = outcome(grp.connected_groups, G, **kw), outcome(grp.connected_groups_reference, G, **kw)
        assert got == want
        if not isinstance(got, tuple):
            assert to_jsonable(got) == to_jsonable(want)
            assert [g.id for g in got.groups] == [g.id for g in want.groups]


@pytest.mark.parametrize("name", NAMES)
def test_the_one_pass_read_is_the_two_passes(name: str) -> None:
    G = graph(name)
    types = set(STRUCTURAL_TYPES)

    def kept(kinds: tuple[str, ...]) -> list[tuple[object, ...]]:
        return [e for e in iter_kind_edges(G, kinds) if e[0] != e[1] and G.nodes[e[0]].get("type") in types
                and G.nodes[e[1]].get("type") in types]

    control, dependence = grp._link_edges(G)
    assert control == kept(grp._CONTROL_KINDS)
    assert dependence == kept(grp._DEPENDENCE_KINDS)


def test_groups_exist_in_the_generated_portfolio() -> None:
    r = grp.connected_groups(graph("generated-1000-29"))
    assert len(r.groups) > 10 and any(len(g.members) > 2 for g in r.groups)


@pytest.mark.parametrize("name", NAMES)
def test_a_lenders_edges_read_from_the_adjacency_are_the_views(name: str) -> None:
    G = graph(name)
    for n in G:
        assert grp._out_edges(G, n) == [(v, k, d) for _, v, k, d in G.out_edges(n, keys=True, data=True)]
