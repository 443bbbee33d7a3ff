"""Entity-resolution decisions as data in the store: idempotent upserts keyed by the pair, bumping the
graph version, removed by ``clear`` — the same on both backends."""

from __future__ import annotations

import pytest

from stakegraph.errors import Invalid
from stakegraph.store.base import GraphStore, MatchDecision


def test_write_read_idempotent_and_versioned(store: GraphStore) -> None:
    assert store.match_decisions() == []
    v0 = store.graph_version()
    decisions = [MatchDecision("b", "a", "accept", 0.99, "same LEI"), MatchDecision("a", "c", "reject", 0.4)]
    assert store.write_match_decisions(decisions) == 2
    v1 = store.graph_version()
    assert v1 != v0
    got = store.match_decisions()
    assert [(d.a, d.b, d.decision, d.score, d.note) for d in got] == [
        ("a", "b", "accept", 0.99, "same LEI"), ("a", "c", "reject", 0.4, "")]
    assert all(d.at for d in got)
    assert store.write_match_decisions(decisions) == 0  # the same decisions again: nothing changes
    assert store.graph_version() == v1
    assert store.write_match_decisions([MatchDecision("a", "b", "split", 0.99)]) == 1  # a revision replaces
    assert store.graph_version() != v1
    assert [d.decision for d in store.match_decisions()] == ["split", "reject"]
    store.clear()
    assert store.match_decisions() == []


def test_bad_decision_refused(store: GraphStore) -> None:
    with pytest.raises(Invalid, match="accept, reject, split"):
        store.write_match_decisions([MatchDecision("a", "b", "maybe")])
    with pytest.raises(Invalid, match="two different party ids"):
        store.write_match_decisions([MatchDecision("a", "a", "accept")])
    assert store.match_decisions() == []
