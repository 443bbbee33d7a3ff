"""FX rates as data in the store: idempotent upserts keyed by (date, currency, base), with provenance,
bumping the graph version, projected as ``G.graph["fx"]`` — the same on both backends."""

from __future__ import annotations

import datetime as dt

from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.money import FxRate, FxTable
from stakegraph.store.base import GraphStore

D1, D2 = dt.date(2024, 1, 31), dt.date(2024, 2, 29)
RATES = [FxRate(D1, "CNY", 7.1, "USD", "test.csv"), FxRate(D2, "CNY", 7.2, "USD", "test.csv"),
         FxRate(D1, "eur", 0.92, "usd", "test.csv")]


def test_write_read_idempotent_and_versioned(store: GraphStore) -> None:
    assert store.fx_rates() == [] and store.fx_table() is None
    v0 = store.graph_version()
    assert store.write_fx_rates(RATES) == 3
    v1 = store.graph_version()
    assert v1 != v0
    got = store.fx_rates()
    assert [(r.day, r.currency, r.base, r.rate, r.source) for r in got] == [
        (D1, "CNY", "USD", 7.1, "test.csv"), (D2, "CNY", "USD", 7.2, "test.csv"),
        (D1, "EUR", "USD", 0.92, "test.csv")]
    assert store.write_fx_rates(RATES) == 0  # same rates again: nothing changes
    assert store.graph_version() == v1
    assert store.write_fx_rates([FxRate(D2, "CNY", 7.25, "USD", "fix.csv")]) == 1  # a revision replaces
    assert store.graph_version() != v1
    assert len(store.fx_rates()) == 3
    assert store.fx_table().rate("CNY", dt.date(2024, 3, 5)).rate == 7.25  # type: ignore[union-attr]


def test_projection_carries_rates_and_clear_removes_them(store: GraphStore) -> None:
    store.write([NodeRecord("a", "party", {"name": "A"}), NodeRecord("b", "party", {"name": "B"})],
                [EdgeRecord("l", "lends_to", "a", "b", {"amount": 710.0, "currency": "CNY"})])
    store.write_fx_rates(RATES)
    store.reporting_currency = "USD"
    G = store.project()
    assert isinstance(G.graph["fx"], FxTable) and len(G.graph["fx"]) == 3
    assert G.graph["reporting_currency"] == "USD"
    from stakegraph.measures import exposure

    G.graph["as_of"] = "2024-02-10"
    assert exposure(G, "b") == 100.0
    store.clear()
    assert store.fx_rates() == []
