"""Projecting only a subgraph: the first step past one process (docs/scaling.md).

``store.project(types=…, kinds=…)`` builds the NetworkX projection of part of the graph. For the
financing analytics only parties, projects and the structural relationship kinds are needed;
interactions, signals and contracts (half the nodes of a generated portfolio) can stay in the store.
This script measures the full and the partial projection (time, node/edge counts, memory of the
graph object) and checks that portfolio concentration is identical on both.

Run alone: ``python -m bench.projection [--sizes 1000 10000]``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from collections.abc import Sequence
from typing import Any

import networkx as nx

from bench.common import embedded_db, header, mb, table

DEFAULT_SIZES = (1000, 10_000)
#: What the structural and financing analytics read (stakegraph.analytics.selection.STRUCTURAL_*).
SUB_TYPES = ("party", "project")


def sub_kinds() -> tuple[str, ...]:
    """The relationship kinds the structural analytics read."""
    from stakegraph.analytics.selection import STRUCTURAL_KINDS

    return tuple(STRUCTURAL_KINDS)


def project(store: Any, *, partial: bool, repeat: int = 3) -> tuple[nx.MultiDiGraph, float, float]:
    """(graph, best seconds of ``repeat`` untraced runs, traced MiB of one more run)."""

    def build() -> nx.MultiDiGraph:
        return store.project(types=SUB_TYPES, kinds=sub_kinds()) if partial else store.project()

    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        build()
        best = min(best, time.perf_counter() - t0)
    gc.collect()
    tracemalloc.start()
    G = build()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return G, best, mb(peak)


def concentration_rows(G: nx.MultiDiGraph) -> list[tuple[str, float]]:
    """(party, HHI) of every party's customer concentration, most concentrated first."""
    from stakegraph.analytics import portfolio_concentration

    return [(r.node, r.hhi) for r in portfolio_concentration(G).rows]


def run(sizes: Sequence[int], *, out: Any = print) -> list[tuple[Any, ...]]:
    """Measure full vs partial projection at every size; print a Markdown table; return the rows."""
    from stakegraph.store.embedded import EmbeddedStore

    rows: list[tuple[Any, ...]] = []
    for n in sizes:
        with EmbeddedStore(embedded_db(n)) as store:
            full, t_full, m_full = project(store, partial=False)
            part, t_part, m_part = project(store, partial=True)
        same = concentration_rows(full) == concentration_rows(part)
        rows.append((n, "full", full.number_of_nodes(), full.number_of_edges(), round(t_full, 2), round(m_full),
                     "—"))
        rows.append((n, "parties + projects, structural kinds", part.number_of_nodes(), part.number_of_edges(),
                     round(t_part, 2), round(m_part), "identical" if same else "DIFFERENT"))
    out(table(["parties", "projection", "nodes", "edges", "best of 3 s", "traced MiB", "concentration vs full"], rows))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    p = argparse.ArgumentParser(prog="python -m bench.projection", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="party counts")
    args = p.parse_args(argv)
    print(header("Projecting a subgraph", "bench.projection", list(argv if argv is not None else sys.argv[1:])))
    run(args.sizes)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
