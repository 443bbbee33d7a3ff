"""The cost of ``as_of``: an analysis on the whole graph vs the same analysis on the graph as of a day.

``as_of=D`` runs the analysis on :func:`stakegraph.asof.graph_as_of` ``(G, D)``: one pass over the
projection's nodes and edges that shares their property dicts. The first answer for a day pays that
pass ("cold"); later answers for the same day reuse it (cached per projection and day, "warm").
The issue's target: ``as_of`` costs at most 1.5x the analysis without it (100k parties).

Run alone: ``python -m bench.as_of [--sizes 10000 | --parties 100000] [--repeat 3] [--cases NAME ...]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.common import header, projection, table, timed

DEFAULT_SIZES = (10_000,)
#: (analysis, parameters) measured.
CASES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("portfolio-concentration", {"kinds": "lends_to"}),
    ("book-concentration", {"kinds": "lends_to"}),
    ("structure", {}),
    ("cut-points", {}),
    ("health-scores", {}),
)


def with_rates(G: Any) -> Any:
    """Give ``G`` an FX table (1 unit per USD for every currency present, from 2000) when it has none, so
    mixed-currency sums convert: the benchmark times the as-of pass, not the rates."""
    try:
        from stakegraph.measures import currencies_in
        from stakegraph.money import FxRate, FxTable
    except ImportError:  # before money
        return G
    if G.graph.get("fx") is None:
        present = currencies_in(d for _, d in G.nodes(data=True)) | currencies_in(d for *_, d in G.edges(data=True))
        G.graph["fx"] = FxTable([FxRate(dt.date(2000, 1, 1), c, 1.0, "USD", "bench") for c in present | {"USD"}])
    return G


def fresh(G: Any) -> Any:
    """A new graph object over the same nodes, edges and dicts: no per-graph cache (structure, money) yet."""
    import networkx as nx

    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    H._node.update(G._node)  # noqa: SLF001
    H._succ.update({u: dict(nbrs) for u, nbrs in G._succ.items()})  # noqa: SLF001
    H._pred.update({v: dict(nbrs) for v, nbrs in G._pred.items()})  # noqa: SLF001
    return H


def first_answers(make: Callable[[], Any], compute: Callable[[Any], Any], repeat: int) -> float:
    """Best seconds of ``compute(make())`` (``make`` timed too: pass a prepared iterator to leave it out)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        compute(make())
        best = min(best, time.perf_counter() - t0)
    return best


def run(sizes: Sequence[int], repeat: int, cases: Sequence[str] | None = None) -> str:
    from stakegraph.analyses import get, parse_params
    from stakegraph.asof import graph_as_of
    from stakegraph.measures import default_as_of

    out = []
    for n in sizes:
        G = with_rates(projection(n))
        last = default_as_of(G)
        day = last.replace(year=last.year - 1) if not (last.month == 2 and last.day == 29) else last - dt.timedelta(366)
        H = graph_as_of(G, day)
        build = timed(lambda: graph_as_of(G, day), repeat=repeat)  # noqa: B023 - G and day of this size
        rows = [["graph_as_of (the pass itself)", "", "", f"{build.best * 1000:,.0f}", "", "",
                 f"{H.number_of_nodes():,} / {H.number_of_edges():,} of "
                 f"{G.number_of_nodes():,} / {G.number_of_edges():,}"]]
        for name, raw in CASES:
            if cases and name not in cases:
                continue
            a = get(name)
            p_none = parse_params(a, {**raw, "as_of": None})
            p_day = parse_params(a, {**raw, "as_of": day})
            if name == "health-scores":  # it reports for a day either way: the same day both times
                p_none = p_day
            copies = iter([fresh(G) for _ in range(repeat)])  # built before timing: a new projection's graph
            plain_first = first_answers(lambda: next(copies), lambda X: a.compute(X, p_none), repeat)  # noqa: B023
            a.compute(G, p_none)
            plain = timed(lambda: a.compute(G, p_none), repeat=repeat).best  # noqa: B023
            cold = first_answers(lambda: graph_as_of(G, day), lambda X: a.compute(X, p_day), repeat)  # noqa: B023
            a.compute(H, p_day)
            warm = timed(lambda: a.compute(H, p_day), repeat=repeat).best  # noqa: B023
            rows.append([name, f"{plain_first * 1000:,.0f}", f"{plain * 1000:,.0f}", f"{cold * 1000:,.0f}",
                         f"{warm * 1000:,.0f}", f"{cold / plain_first:.2f}x / {warm / plain:.2f}x", ""])
        out.append(f"### {n:,} parties, as of {day} (best of {repeat}, ms)\n\n" + table(
            ["analysis", "whole graph, first answer", "whole graph, again", "as_of, first answer (pass included)",
             "as_of, again (day cached)", "ratio first / again", "graph as of the day (nodes / edges)"], rows))
    return "\n\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", "--parties", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="Party counts.")
    parser.add_argument("--cases", nargs="+", choices=[c for c, _ in CASES], default=None,
                        help="Analyses to time (default: all).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per measurement (best is reported).")
    args = parser.parse_args(argv)
    print(header("as_of: an analysis on the graph as of a day", "bench.as_of", argv if argv is not None
                 else sys.argv[1:]))
    print(run(args.sizes, args.repeat, args.cases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
