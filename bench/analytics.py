"""Analytics scaling: wall time, peak memory and growth exponent of every analytic, plus the heavy
kernels side by side with igraph and rustworkx on the same graph.

Run alone: ``python -m bench.analytics [--sizes 1000 10000] [--large] [--no-audit] [--kernels-only]``.
``--large`` adds 100,000 parties (about 500,000 relationships; generation and the first load into
the cached embedded store take several minutes).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import networkx as nx

from bench.common import (
    growth_exponent,
    header,
    mb,
    peak_rss_mb,
    projection,
    sizes_arg,
    table,
    timed,
)

DEFAULT_SIZES = (1000, 10000)
LARGE_SIZE = 100_000
#: NetworkX exact betweenness is run only up to this many structural nodes (it is O(n·m) in Python).
NX_EXACT_LIMIT = 1500
#: igraph / rustworkx exact betweenness is compared up to this many structural nodes (``--exact-large``: all).
EXACT_LIMIT = 3000
#: NetworkX sampled betweenness is run only up to this many structural nodes (minutes above).
NX_SAMPLED_LIMIT = 20_000
#: Sampled betweenness uses this many sources (all libraries, same sources).
SAMPLE_K = 200
AS_OF = "2026-06-30"


def _most_central(G: nx.MultiDiGraph, n: int) -> list[str]:
    """The ``n`` parties with the highest (projected) degree: cheap, deterministic, same at every size."""
    parties = [v for v, d in G.nodes(data=True) if d.get("type") == "party"]
    return sorted(parties, key=lambda v: (-G.degree(v), str(v)))[:n]


def _top_borrower(G: nx.MultiDiGraph) -> str:
    """The party owing the most loans (its default hits the most lenders): the one-scenario shock."""
    best = max((v for v, d in G.nodes(data=True) if d.get("type") == "party"),
               key=lambda v: (sum(1 for _, _, d in G.in_edges(v, data=True) if d.get("kind") == "lends_to"), str(v)))
    return str(best)


def analytics_rows(G: nx.MultiDiGraph, *, audit: bool, trace: bool) -> list[tuple[str, float, float, str]]:
    """(analytic, seconds, peak traced MiB, note) for every analytic of the issue on ``G``."""
    from stakegraph.analytics import (
        PartyDefault,
        articulation_points_and_bridges,
        central_dependencies,
        centrality,
        connected_groups,
        portfolio_concentration,
        propagate,
        relationship_health,
    )
    from stakegraph.analytics.debtrank import DebtRankNetwork

    rows: list[tuple[str, float, float, str]] = []

    def add(name: str, fn: Callable[[], Any], note: Callable[[Any], str] = lambda r: "", *,
            heavy: bool = False) -> Any:
        t = timed(fn, trace_memory=trace and not heavy)
        rows.append((name, t.best, mb(t.peak_bytes) if trace else float("nan"), note(t.result)))
        return t.result

    add("concentration, all parties (customers)", lambda: portfolio_concentration(G),
        lambda r: f"{len(r.rows)} parties")
    add("concentration, all parties (lenders)", lambda: portfolio_concentration(G, kinds=("lends_to",)),
        lambda r: f"{len(r.rows)} parties")
    n_struct = sum(1 for _, d in G.nodes(data=True) if d.get("type") in ("party", "project"))
    exact = n_struct <= 20_000
    add("betweenness + PageRank + k-core (centrality)" + (" exact" if exact else f" sampled k={1000}"),
        lambda: centrality(G, k=None if exact else 1000), lambda r: f"backend {r.backend}")
    add("articulation points and bridges", lambda: articulation_points_and_bridges(G),
        lambda r: f"{len(r.points)} points, {len(r.bridges)} bridges")
    add("central dependencies (removal impact)", lambda: central_dependencies(G, top=20), lambda r: "")
    central = _most_central(G, 100)
    shock = _top_borrower(G)
    add("DebtRank, one scenario (sparse impact matrix built in)", lambda: DebtRankNetwork(G).run([shock]),
        lambda r: f"shock {shock}, DebtRank {r.debtrank:.4g}, {r.rounds} rounds")
    net = DebtRankNetwork(G)
    add("DebtRank, 100 most central parties (impact matrix built once)", lambda: net.rank(central),
        lambda r: f"{len(r.rows)} runs", heavy=True)
    add("contagion (propagate, paths) from the most central party",
        lambda: propagate(G, [PartyDefault(central[0])]), lambda r: f"shock {central[0]}")
    add("health scores, every relationship", lambda: relationship_health(G, as_of=AS_OF),
        lambda r: f"{len(r.relationships)} relationships")
    add("connected groups", lambda: connected_groups(G), lambda r: f"{len(r.groups)} groups")
    if audit:
        from stakegraph.audit import build_audit

        add("full dependency audit (stakegraph.audit.build_audit)", lambda: build_audit(G), lambda r: "", heavy=True)
    return rows


# ------------------------------------------------------------------------------------------ kernels
def _igraph(H: nx.Graph, weight: str | None = None) -> tuple[Any, list[float] | None]:
    import igraph as ig

    index = {v: i for i, v in enumerate(H.nodes())}
    g = ig.Graph(n=len(index), edges=[(index[u], index[v]) for u, v in H.edges()], directed=False)
    w = [float(d[weight]) for _, _, d in H.edges(data=True)] if weight else None
    return g, w


def _rustworkx(H: nx.Graph) -> tuple[Any, Any]:
    import rustworkx as rx

    index = {v: i for i, v in enumerate(H.nodes())}
    g = rx.PyGraph(multigraph=False)
    g.add_nodes_from(list(H.nodes()))
    g.extend_from_edge_list([(index[u], index[v]) for u, v in H.edges()])
    d = rx.PyDiGraph(multigraph=False)
    d.add_nodes_from(list(H.nodes()))
    d.extend_from_edge_list([(index[u], index[v]) for u, v in H.edges()] + [(index[v], index[u]) for u, v in H.edges()])
    return g, d


#: Kernels faster than this (seconds, first run) are re-run this many times; the best run is kept.
QUICK_S, QUICK_REPEAT = 1.0, 5


def kernel_rows(G: nx.MultiDiGraph, *, seed: int = 0, exact_limit: float = EXACT_LIMIT
                ) -> list[tuple[str, str, float, str]]:
    """(kernel, implementation, seconds, note) — each kernel on the same structural graph.

    Exact betweenness is compared only up to ``exact_limit`` structural nodes (each exact run at
    10,000 parties takes minutes on 2 cores); the sampled comparison runs at every size. The
    stakegraph kernels are timed twice: "conversion included" empties the graph's
    ``__networkx_cache__`` before every run (the first kernel on a fresh structural graph pays the
    NetworkX → integer conversion), "conversion cached" is any later kernel on the same graph. The
    libraries' rows have their graph prebuilt (conversion not counted).
    """
    import rustworkx as rx

    from stakegraph.analytics import kernels as kn
    from stakegraph.analytics.selection import structural_graph

    H = structural_graph(G)
    n = H.number_of_nodes()
    g, wdist = _igraph(H, "distance")
    rg, rd = _rustworkx(H)
    index = {v: i for i, v in enumerate(H.nodes())}
    ks = max(1, min(SAMPLE_K, n - 1))
    sources = kn.sample_sources(H, ks, seed) or list(H.nodes())
    src_idx = [index[s] for s in sources]
    out: list[tuple[str, str, float, str]] = []

    def add(kernel: str, impl: str, fn: Callable[[], Any], note: str = "") -> None:
        best = timed(fn).best
        if best < QUICK_S:
            best = min(best, timed(fn, repeat=QUICK_REPEAT).best)
        out.append((kernel, impl, best, note))

    def fresh(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            H.__networkx_cache__.clear()
            return fn()
        return run

    def ours(kernel: str, what: str, fn: Callable[[], Any], *, cached: bool = True) -> None:
        add(kernel, f"stakegraph {what}, conversion included", fresh(fn))
        if cached:
            kn.indexed(H).igraph()
            add(kernel, f"stakegraph {what}, conversion cached", fn)

    add("conversion NetworkX → integers + igraph", "stakegraph kernels.indexed",
        fresh(lambda: kn.indexed(H).igraph()), "paid once per structural graph, shared by its kernels")
    small = n <= NX_EXACT_LIMIT
    exact = n <= exact_limit
    k = "betweenness exact unweighted"
    if exact:
        ours(k, "kernels.betweenness (igraph)", lambda: kn.betweenness(H, backend="igraph"), cached=False)
        add(k, "igraph (graph prebuilt)", lambda: g.betweenness(directed=False))
        add(k, "rustworkx (graph prebuilt)", lambda: rx.graph_betweenness_centrality(rg, normalized=True))
    if small:
        add(k, "networkx", lambda: nx.betweenness_centrality(H))
    k = "betweenness exact weighted (distance)"
    if exact:
        ours(k, "kernels.betweenness (igraph)", lambda: kn.betweenness(H, weight="distance", backend="igraph"),
             cached=False)
        add(k, "igraph (graph prebuilt)", lambda: g.betweenness(directed=False, weights=wdist))
    if small:
        add(k, "networkx", lambda: nx.betweenness_centrality(H, weight="distance"))
    k = f"betweenness sampled k={ks} unweighted"
    ours(k, "kernels.betweenness (igraph)", lambda: kn.betweenness(H, k=ks, seed=seed, backend="igraph"))
    add(k, "igraph (graph prebuilt)", lambda: g.betweenness(directed=False, sources=src_idx))
    if n <= NX_SAMPLED_LIMIT:
        add(k, "networkx", lambda: nx.betweenness_centrality(H, k=ks, seed=seed))
    k = "articulation points"
    ours(k, "kernels.articulation_points (igraph)", lambda: kn.articulation_points(H, backend="igraph"))
    add(k, "networkx", lambda: list(nx.articulation_points(H)))
    add(k, "igraph (graph prebuilt)", lambda: g.articulation_points())
    add(k, "rustworkx (graph prebuilt)", lambda: rx.articulation_points(rg))
    k = "bridges"
    ours(k, "kernels.bridges (igraph)", lambda: kn.bridges(H, backend="igraph"))
    add(k, "networkx", lambda: list(nx.bridges(H)))
    add(k, "igraph (graph prebuilt)", lambda: g.bridges())
    add(k, "rustworkx (graph prebuilt)", lambda: rx.bridges(rg))
    k = "articulation points + blocks + bridges (what the cut analytic uses)"
    ours(k, "kernels.cut_structure (igraph)", lambda: kn.cut_structure(H, backend="igraph"))
    add(k, "networkx", lambda: (list(nx.articulation_points(H)), list(nx.biconnected_components(H)),
                                list(nx.bridges(H))))
    add(k, "igraph (graph prebuilt)", lambda: (g.biconnected_components(return_articulation_points=True),
                                               g.bridges()))
    add(k, "rustworkx (graph prebuilt)", lambda: (rx.biconnected_components(rg), rx.bridges(rg)))
    k = "core number"
    ours(k, "kernels.core_number (igraph)", lambda: kn.core_number(H, backend="igraph"))
    add(k, "networkx", lambda: nx.core_number(H))
    add(k, "igraph (graph prebuilt)", lambda: g.coreness())
    add(k, "rustworkx (graph prebuilt)", lambda: rx.core_number(rg))
    k = "PageRank (tol 1e-10 / n)"
    ours(k, "kernels.pagerank (SciPy iteration)", lambda: kn.pagerank(H, backend="scipy"))
    add(k, "networkx", lambda: nx.pagerank(H, tol=1e-10 / max(n, 1), max_iter=1000))
    add(k, "igraph (graph prebuilt, PRPACK)", lambda: g.pagerank(directed=False))
    add(k, "rustworkx (graph prebuilt)", lambda: rx.pagerank(rd, tol=1e-10 / max(n, 1), max_iter=1000))
    return out


def _with_ratio(rows: list[tuple[str, str, float, str]]) -> list[tuple[str, str, float, str, str]]:
    best: dict[str, float] = {}
    for k, _, t, _ in rows:
        best[k] = min(best.get(k, math.inf), t)
    return [(k, impl, t, f"{t / best[k]:.2f}×" if best[k] > 0 else "—", note) for k, impl, t, note in rows]


def run(sizes: Sequence[int], *, audit: bool = True, trace: bool = True, kernels: bool = True,
        exact_limit: float = EXACT_LIMIT, out: Callable[[str], Any] = print,
        analytics: bool = True) -> dict[str, Any]:
    """Measure every size; print Markdown tables through ``out``; return the raw figures."""
    times: dict[str, list[tuple[int, float]]] = {}
    figures: dict[str, Any] = {"sizes": list(sizes), "analytics": {}, "kernels": {}}
    for i, n in enumerate(sizes):
        t0 = time.perf_counter()
        G = projection(n)
        t_proj = time.perf_counter() - t0
        out(f"\n### {n:,} parties — projection {G.number_of_nodes():,} nodes, {G.number_of_edges():,} edges "
            f"(store.project() {t_proj:.2f} s, process peak RSS {peak_rss_mb():.0f} MiB)\n")
        if analytics:
            rows = analytics_rows(G, audit=audit and i == len(sizes) - 1, trace=trace and n <= 10_000)
            figures["analytics"][n] = rows
            for name, t, _, _ in rows:
                if not math.isnan(t):
                    times.setdefault(name, []).append((n, t))
            out(table(["analytic", "wall s", "peak Python heap MiB", "note"], rows))
        if kernels:
            krows = _with_ratio(kernel_rows(G, exact_limit=exact_limit))
            figures["kernels"][n] = krows
            out(f"\nHeavy kernels on the structural graph ({n:,} parties), ratio to the fastest:\n")
            out(table(["kernel", "implementation", "wall s", "× fastest", "note"], krows))
        out(f"\nprocess peak RSS after {n:,} parties: {peak_rss_mb():.0f} MiB")
        del G
    if len(sizes) > 1 and times:
        grow = [(name, *(t for _, t in pts), growth_exponent([s for s, _ in pts], [t for _, t in pts]))
                for name, pts in times.items() if len(pts) == len(sizes)]
        figures["growth"] = grow
        out("\nGrowth exponent (slope of log time vs log size; 1 = linear):\n")
        out(table(["analytic", *(f"{s:,} s" for s in sizes), "exponent"], grow))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    p = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__)
    sizes_arg(p, DEFAULT_SIZES, "party counts (about 5 relationships each)")
    p.add_argument("--large", action="store_true", help=f"add {LARGE_SIZE:,} parties")
    p.add_argument("--no-audit", action="store_true", help="skip the full audit at the largest size")
    p.add_argument("--no-kernels", action="store_true", help="skip the igraph/rustworkx comparison")
    p.add_argument("--kernels-only", action="store_true", help="only the igraph/rustworkx comparison")
    p.add_argument("--exact-large", action="store_true",
                   help=f"compare exact betweenness above {EXACT_LIMIT} structural nodes too (minutes per run)")
    args = p.parse_args(argv)
    sizes = sorted(set(args.sizes + ([LARGE_SIZE] if args.large else [])))
    print(header("Analytics scaling", "bench.analytics", list(argv if argv is not None else sys.argv[1:])))
    run(sizes, audit=not args.no_audit, kernels=not args.no_kernels, analytics=not args.kernels_only,
        exact_limit=math.inf if args.exact_large else EXACT_LIMIT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
