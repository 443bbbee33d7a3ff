"""Bulk relationship health (shared factors per combination of attached events) = the per-relationship
reference on generated portfolios of several sizes and seeds, reported in USD and CNY, the sample and
seeded graphs — on the graph as of the audit's day, as the audit scores it."""

from __future__ import annotations

import pytest

from stakegraph.analytics.health import relationship_health, relationship_health_reference
from stakegraph.analytics.health_fast import relationship_health_fast
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.asof import graph_as_of
from stakegraph.measures import default_as_of
from tests.analytics.audit_graphs import NAMES, graph


@pytest.mark.parametrize("name", NAMES)
def test_equals_the_reference(name: str) -> None:
    G = graph(name)
    day = default_as_of(G)
    H = graph_as_of(G, day)
    for g, kw in ((H, {}), (G, {}), (G, {"include_ended": True}), (H, {"as_of": "2024-06-30"})):
        args = {"as_of": day, **kw}
        got, want = relationship_health_fast(g, **args), relationship_health_reference(g, **args)  # type: ignore[arg-type]
        assert got == want
        assert [r.score for r in got.relationships] == [r.score for r in want.relationships]
        assert to_jsonable(got) == to_jsonable(want)
    assert relationship_health(H, as_of=day) == relationship_health_reference(H, as_of=day)
