"""Graphs the audit fast-path equality tests share (each built once per process).

* generated portfolios (:func:`stakegraph.samples.scale.generate`: USD and CNY amounts, FX rates,
  signals, interactions, contacts) of several sizes and seeds, through the embedded store's projection;
* the same portfolio reported in CNY instead of USD (other floats after conversion);
* the bundled sample (``data/sample``);
* small hand-made graphs with every kind, odd statuses, weights, dates, parallel edges and self-loops
  (:func:`tests.analytics.test_kernels_index.seeded_records`), in USD and EUR without FX rates (money
  answers raise ``MissingRate``) and in one currency (``-one``).
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx

from stakegraph.errors import MissingRate

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
#: (parties, seed) of the generated portfolios.
GENERATED: tuple[tuple[int, int], ...] = ((200, 3), (500, 11), (1000, 29))
#: Names of every graph :func:`graph` gives.
NAMES: tuple[str, ...] = ("sample", *(f"generated-{n}-{s}" for n, s in GENERATED), "generated-500-11-cny",
                          "seeded-1", "seeded-2", "seeded-3", "seeded-1-one", "seeded-4-one")


def _projection(files: Path) -> nx.MultiDiGraph:
    from stakegraph.loaders import load
    from stakegraph.store import EmbeddedStore

    with EmbeddedStore(Path(tempfile.mkdtemp(prefix="sg_auditfast_")) / "store.sqlite") as store:
        report = load(files, store)
        assert report.ok, [str(e) for e in report.errors[:5]]
        return store.project()


@functools.cache
def graph(name: str) -> nx.MultiDiGraph:
    """The graph called ``name`` (one of :data:`NAMES`); treat it as read-only."""
    if name == "sample":
        return _projection(SAMPLE)
    if name.startswith("generated-"):
        parts = name.split("-")
        n, seed = int(parts[1]), int(parts[2])
        if parts[-1] == "cny":
            G = graph(f"generated-{n}-{seed}").copy()
            G.graph["reporting_currency"] = "CNY"
            return G
        from stakegraph.samples.scale import generate

        files = Path(tempfile.mkdtemp(prefix="sg_auditfast_gen_"))
        generate(n, seed, files)
        return _projection(files)
    if name.startswith("seeded-") and name.endswith("-one"):  # one currency: money answers instead of MissingRate
        G = graph(name.removesuffix("-one")).copy()
        for *_, d in G.edges(data=True):
            d.pop("currency", None)
        return G
    if name.startswith("seeded-"):
        from stakegraph.store.base import to_networkx
        from tests.analytics.test_kernels_index import seeded_records

        nodes, edges = seeded_records(int(name.split("-")[1]), n=60)
        return to_networkx(nodes, edges, version=f"test:{name}", backend="test")
    raise KeyError(name)


def outcome(fn: Callable[..., Any], *a: Any, **kw: Any) -> Any:
    """The result, or the error's type and text (the seeded graphs mix currencies without FX rates)."""
    try:
        return fn(*a, **kw)
    except MissingRate as e:
        return ("raised", type(e), str(e))
