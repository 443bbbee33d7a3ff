"""The bulk relationship health equals the per-relationship reference, row for row and float for float."""

from __future__ import annotations

import doctest
import random
from typing import Any

import networkx as nx
import pytest

import stakegraph.analytics.health_fast as fast_mod
from stakegraph.analytics.health import (
    HealthWeights,
    relationship_health,
    relationship_health_reference,
)
from stakegraph.analytics.health_fast import relationship_health_fast
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.domain import SIGNAL_KINDS
from tests.analytics import build

KINDS = ("lends_to", "buys_from", "supplies", "builds", "operates", "offtakes", "invests_in", "owns", "guarantees")
DAYS = ("2024-03-01", "2025-01-01", "2025-06-30", "2025-10-03", "2025-12-31", "2026-01-01", "2026-03-01", "", None,
        "not a date")


def seeded_graph(seed: int, n: int = 60, m: int = 220) -> nx.MultiDiGraph:
    """Parties (some persons), projects, edges of every scored kind with statuses and start dates, contact
    persons with dates, and signals / interactions attached by relationship, contract, pair, party and
    ``involves`` edges."""
    rng = random.Random(seed)
    nodes: dict[str, Any] = {}
    parties = [f"p{i}" for i in range(n)]
    for p in parties:
        nodes[p] = {"type": "party", "kind": rng.choice(("bank", "corporate", "corporate", "person")),
                    **({"name": f"P {p}"} if rng.random() < 0.8 else {})}
    projects = [f"prj{i}" for i in range(n // 6)]
    for p in projects:
        nodes[p] = {"type": "project"}
    edges: list[tuple[Any, ...]] = []
    ids: list[str] = []
    contracts = [f"c{i}" for i in range(8)]
    for i in range(m):
        u = rng.choice(parties)
        v = rng.choice(parties + projects) if rng.random() < 0.9 else u
        props: dict[str, Any] = {"id": f"e{i}", "amount": float(rng.randint(1, 100))}
        if rng.random() < 0.2:
            props["status"] = rng.choice(("ended", "recalled", "active", "terminated"))
        if rng.random() < 0.4:
            props["start_date"] = rng.choice(DAYS)
        if rng.random() < 0.2:
            props["contract_id"] = rng.choice(contracts)
        edges.append((u, rng.choice(KINDS), v, props))
        ids.append(f"e{i}")
    for i in range(n // 2):  # contact persons
        props = {"id": f"k{i}"}
        if rng.random() < 0.3:
            props["end_date"] = rng.choice(DAYS)
        if rng.random() < 0.3:
            props["start_date"] = rng.choice(DAYS)
        edges.append((f"person{i % 7}", "contact_of", rng.choice(parties), props))
    for i in range(7):
        nodes[f"person{i}"] = {"type": "party", "kind": "person"}
    for i in range(40):
        sig: dict[str, Any] = {"type": "signal", "kind": rng.choice(sorted(SIGNAL_KINDS) + ["unknown_kind"]),
                               "date": rng.choice(DAYS)}
        how = rng.random()
        if how < 0.25:
            sig["relationship_id"] = rng.choice(ids + ["missing"])
        elif how < 0.35:
            sig["relationship_id"] = rng.choice(contracts)
        elif how < 0.6:
            sig["party_id"], sig["counterparty_id"] = rng.choice(parties), rng.choice(parties + projects)
        elif how < 0.95:
            sig["party_id"] = rng.choice(parties)
        if rng.random() < 0.5:
            sig["value"] = rng.choice((45.0, 120.0, -30.0, 10.0, "x"))
        if rng.random() < 0.4:
            sig["severity"] = rng.choice((0.0, 0.3, 1.0))
        nodes[f"s{i}"] = sig
    for i in range(50):
        it: dict[str, Any] = {"type": "interaction", "kind": "meeting", "date": rng.choice(DAYS)}
        how = rng.random()
        if how < 0.25:
            it["relationship_id"] = rng.choice(ids)
        elif how < 0.55:
            it["party_id"], it["counterparty_id"] = rng.choice(parties), rng.choice(parties)
        elif how < 0.75:
            it["party_id"] = rng.choice(parties)
        else:
            for who in rng.sample(parties, rng.choice((1, 2, 3))):
                edges.append((f"i{i}", "involves", who, {"id": f"inv{i}_{who}"}))
        nodes[f"i{i}"] = it
    return build(nodes, edges)


def _same(G: nx.MultiDiGraph, **kw: Any) -> None:
    got, want = relationship_health_fast(G, **kw), relationship_health_reference(G, **kw)
    assert got == want
    assert to_jsonable(got) == to_jsonable(want)


@pytest.mark.parametrize("seed", range(12))
def test_fast_equals_reference_on_seeded_graphs(seed: int) -> None:
    G = seeded_graph(seed)
    for day in ("2025-06-30", "2026-01-01"):
        _same(G, as_of=day)
    _same(G, as_of="2026-01-01", include_ended=True)
    _same(G, as_of="2026-01-01", kinds=("lends_to", "owns"),
          weights=HealthWeights(single_threaded=7.5, interaction_target=2.0, party_scope_factor=0.25))


def test_fast_equals_reference_on_a_generated_portfolio(tmp_path: Any) -> None:
    from stakegraph.loaders import load
    from stakegraph.samples.scale import generate
    from stakegraph.store import EmbeddedStore

    generate(300, seed=3, out_dir=tmp_path / "pf", relationships=1500)
    with EmbeddedStore(":memory:") as store:
        load(tmp_path / "pf", store)
        G = store.project()
    from stakegraph.measures import default_as_of

    day = default_as_of(G)
    _same(G, as_of=day)
    assert relationship_health(G, as_of=day) == relationship_health_reference(G, as_of=day)


def test_the_sample_scores_the_same() -> None:
    from pathlib import Path

    from stakegraph.loaders import load
    from stakegraph.store import EmbeddedStore

    with EmbeddedStore(":memory:") as store:
        load(Path(__file__).resolve().parents[2] / "data" / "sample", store)
        G = store.project()
    for day in ("2025-12-31", "2026-06-30"):
        _same(G, as_of=day)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(fast_mod)
    assert result.attempted > 0 and result.failed == 0
