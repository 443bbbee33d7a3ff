"""The Workspace: one projection per graph version, built once, and old versions freed."""

from __future__ import annotations

import gc
import threading
import weakref

from stakegraph.analyses import CATALOGUE
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store import EmbeddedStore
from stakegraph.workspace import Workspace


def _ws() -> Workspace:
    ws = Workspace(EmbeddedStore(":memory:"), owns_store=True)
    ws.store.write([NodeRecord("s", "party", {"name": "S", "kind": "corporate"}),
                    NodeRecord("b", "party", {"name": "B", "kind": "bank"})],
                   [EdgeRecord("e1", "buys_from", "b", "s", {"annual_revenue": 5.0}),
                    EdgeRecord("l1", "lends_to", "b", "s", {"amount": 10.0})])
    return ws


def test_projection_is_built_once_per_version_even_under_concurrency() -> None:
    with _ws() as ws:
        threads = [threading.Thread(target=ws.projection) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert ws.projections_built == 1
        ws.run("concentration", node="s")
        ws.run("concentration", node="s")
        assert ws.projections_built == 1
        ws.store.write([NodeRecord("c", "party", {"name": "C", "kind": "corporate"})], [])
        assert ws.run("structure").result.nodes == 3
        assert ws.projections_built == 2


def test_old_projections_are_freed_after_every_analysis() -> None:
    """Nothing (weak-key caches of measures, structure graphs, as-of graphs) keeps an old version alive."""
    with _ws() as ws:
        G = ws.projection()
        params = {"concentration": {"node": "s"}, "removal-impact": {"node": "b"}, "exposures": {"node": "b"},
                  "lifecycle": {"node": "s"}, "funding-dominators": None, "damaging-paths": None,
                  "health-detail": None}
        for name in CATALOGUE:
            p = params.get(name, {})
            if p is None:
                continue
            try:
                ws.run(name, p)
            except Exception:  # noqa: BLE001 - some analyses refuse this tiny graph; their caches still count
                pass
        ws.run("concentration", {"node": "s", "as_of": "2026-01-01"})
        old = weakref.ref(G)
        ws.store.write([NodeRecord("c", "party", {"name": "C", "kind": "corporate"})], [])
        ws.projection()
        del G
        gc.collect()
        assert old() is None, [type(r).__name__ for r in gc.get_referrers(old())]
