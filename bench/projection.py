"""Projection and the analytics chain side by side with hand-written floors (issue 17).

Every row runs in a forked child process on the cached embedded store of the generated portfolio
(``stakegraph.samples.scale``, ≈ 5 relationships per party), so its peak memory is its own:
"peak MiB" = the child's peak RSS minus its RSS after imports (``ru_maxrss``, Linux). Rows are
interleaved (every row once, then again) and the median of ``--repeat`` runs is reported.

Rows:

* **floor SQL → CSR** — one ``SELECT source, target`` + ids mapped through a dict → SciPy CSR;
* **floor SQL → igraph** — the same query → ``igraph.Graph``;
* **before: record-by-record projection** — ``base.to_networkx(iter_nodes(), iter_edges())``, what
  ``store.project()`` did before the index;
* **store.project()** — now: the index read with the properties, NetworkX filled in bulk;
* **graph index** — :func:`stakegraph.store.graphindex.build_index` (columnar arrays, one query per table),
  reading the typed edge columns the store writes at load time (schema 2, no JSON decoded);
* **before: graph index from JSON** — the same index read as before schema 2: each edge's JSON
  properties that name a column key decoded (orjson) and the columns taken from them;
* **chain floor** — SQL (structural kinds, active, party/project ends) → igraph → betweenness
  (k = 200 sampled sources) + PageRank + articulation points;
* **chain via NetworkX** — (before: records / now: ``store.project()``) → ``structural_graph`` → the kernels;
* **chain via index** — graph index → structural mask → the same kernels straight from arrays.

Run alone: ``python -m bench.projection [--sizes 10000 100000] [--repeat 3]``;
``--profile N`` prints a cProfile of ``store.project()`` at ``N`` parties instead.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.common import embedded_db, header, rss_mb, table

DEFAULT_SIZES = (10_000, 100_000)
#: The full vs partial projection check runs up to this size.
PARTIAL_LIMIT = 10_000
SAMPLE_K = 200
SEED = 0
ROWS = ("floor_csr", "floor_igraph", "project_records", "project", "index_json", "index", "chain_floor",
        "chain_records", "chain_nx", "chain_index")
LABELS = {
    "floor_csr": "floor: SQL → SciPy CSR",
    "floor_igraph": "floor: SQL → igraph",
    "project_records": "before: record-by-record projection (base.to_networkx of iter_nodes/iter_edges)",
    "project": "store.project() now: index with properties → NetworkX in bulk (what the Workspace builds)",
    "index_json": "before: graph index decoding the JSON properties (schema 1 read)",
    "index": "graph index alone (typed columns, no JSON, no properties kept)",
    "chain_floor": "chain floor: SQL → igraph → betweenness k=200 + PageRank + articulation points",
    "chain_records": "before: record-by-record projection → structural_graph → kernels",
    "chain_nx": "chain via NetworkX: store.project() → structural_graph → kernels",
    "chain_index": "chain via index: index → structural mask → kernels from arrays",
}
FLOOR = {"floor_csr": None, "floor_igraph": None, "project_records": "floor_csr", "project": "floor_csr",
         "index": "floor_csr", "index_json": "floor_csr", "chain_floor": None, "chain_records": "chain_floor", "chain_nx": "chain_floor",
         "chain_index": "chain_floor"}


#: What the structural and financing analytics read (stakegraph.analytics.selection.STRUCTURAL_*).
SUB_TYPES = ("party", "project")


def sub_kinds() -> tuple[str, ...]:
    """The relationship kinds the structural analytics read."""
    from stakegraph.analytics.selection import STRUCTURAL_KINDS

    return tuple(STRUCTURAL_KINDS)


def concentration_rows(G: Any) -> list[tuple[str, float]]:
    """(party, HHI) of every party's customer concentration (a partial projection must give the same)."""
    from stakegraph.analytics import portfolio_concentration

    return [(r.node, r.hhi) for r in portfolio_concentration(G).rows]


def _sql_ends(db: str, structural: bool) -> tuple[Any, Any, int]:
    """(src, dst, n) integer arrays of the edges, ids mapped through one dict (the floor)."""
    import sqlite3

    import numpy as np

    from stakegraph.analytics.selection import STRUCTURAL_KINDS, STRUCTURAL_TYPES
    from stakegraph.measures import INACTIVE_STATUSES

    con = sqlite3.connect(db)
    if structural:
        ids = [r[0] for r in con.execute(
            f"SELECT id FROM nodes WHERE type IN ({','.join('?' * len(STRUCTURAL_TYPES))}) ORDER BY id",  # noqa: S608
            STRUCTURAL_TYPES)]
        q = (f"SELECT source, target FROM edges WHERE kind IN ({','.join('?' * len(STRUCTURAL_KINDS))}) "  # noqa: S608
             f"AND lower(trim(coalesce(json_extract(props, '$.status'), ''))) NOT IN "
             f"({','.join('?' * len(INACTIVE_STATUSES))})")
        rows = con.execute(q, (*STRUCTURAL_KINDS, *sorted(INACTIVE_STATUSES))).fetchall()
    else:
        ids = [r[0] for r in con.execute("SELECT id FROM nodes ORDER BY id")]
        rows = con.execute("SELECT source, target FROM edges").fetchall()
    con.close()
    index = {v: i for i, v in enumerate(ids)}
    get = index.get
    flat = np.fromiter((get(x, -1) for r in rows for x in r), dtype=np.int64, count=2 * len(rows))
    src, dst = flat[0::2], flat[1::2]
    keep = (src >= 0) & (dst >= 0)
    return src[keep], dst[keep], len(ids)


def _floor_csr(db: str) -> Any:
    import numpy as np
    import scipy.sparse as sps

    src, dst, n = _sql_ends(db, False)
    return sps.csr_array((np.ones(len(src)), (src, dst)), shape=(n, n))


def _floor_igraph(db: str, structural: bool = False) -> Any:
    import igraph as ig

    src, dst, n = _sql_ends(db, structural)
    return ig.Graph(n=n, edges=list(zip(src.tolist(), dst.tolist(), strict=True)), directed=not structural)


def _chain_floor(db: str) -> Any:
    import random

    g = _floor_igraph(db, structural=True).simplify()
    sources = random.Random(SEED).sample(range(g.vcount()), SAMPLE_K)
    return (g.betweenness(directed=False, sources=sources), g.pagerank(directed=False),
            g.articulation_points())


def _chain_nx(db: str, records: bool = False) -> Any:
    from stakegraph.analytics import kernels as kn
    from stakegraph.analytics.selection import structural_graph

    H = structural_graph(_project_records(db) if records else _project(db))
    return (kn.betweenness(H, k=SAMPLE_K, seed=SEED), kn.pagerank(H), kn.articulation_points(H))


def _index(db: str) -> Any:
    from stakegraph.store.embedded import EmbeddedStore
    from stakegraph.store.graphindex import build_index

    with EmbeddedStore(db) as store:
        return build_index(store)


def _index_json(db: str) -> Any:
    """The index as read before the typed columns: the JSON of every edge naming a column key decoded."""
    import sqlite3

    from stakegraph.store.embedded import EmbeddedStore
    from stakegraph.store.graphindex import RowSink, column_keys, index_from_rows, json_loads

    loads = json_loads()
    none: dict[str, Any] = {}
    named = " OR ".join(f"instr(props, '\"{k}\"') > 0" for k in column_keys())
    with EmbeddedStore(db) as store:
        money = store.money_facts()
        version = store.graph_version()
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    sink = RowSink(version, "embedded", props=False)
    cur = con.execute("SELECT id, type FROM nodes ORDER BY id")
    while chunk := cur.fetchmany(50_000):
        ids, types = zip(*chunk, strict=True)
        sink.nodes(ids, types)
    cur = con.execute(f"SELECT id, kind, source, target, CASE WHEN {named} THEN props END FROM edges ORDER BY id")  # noqa: S608
    while chunk := cur.fetchmany(50_000):
        ids, kinds, sources, targets, texts = zip(*chunk, strict=True)
        sink.edges(ids, kinds, sources, targets, [loads(t) if t is not None else none for t in texts])
    con.close()
    sink.rows.money = money
    return index_from_rows(sink.rows)


def _chain_index(db: str) -> Any:
    from stakegraph.analytics import fastpath

    S = fastpath.structure(_index(db))
    return (fastpath.betweenness(S, k=SAMPLE_K, seed=SEED), fastpath.pagerank(S), fastpath.articulation_points(S))


def _project(db: str) -> Any:
    from stakegraph.store.embedded import EmbeddedStore

    with EmbeddedStore(db) as store:
        return store.project()


def _project_records(db: str) -> Any:
    """The projection as store.project() built it before the index (records one by one)."""
    from stakegraph.store.base import to_networkx
    from stakegraph.store.embedded import EmbeddedStore

    with EmbeddedStore(db) as store:
        return to_networkx(store.iter_nodes(), store.iter_edges(), version=store.graph_version(),
                           backend=store.backend, **store.money_facts())


RUNNERS: dict[str, Callable[[str], Any]] = {
    "floor_csr": _floor_csr, "floor_igraph": _floor_igraph, "project_records": _project_records, "project": _project,
    "index": _index, "index_json": _index_json, "chain_floor": _chain_floor, "chain_records": lambda db: _chain_nx(db, records=True),
    "chain_nx": _chain_nx, "chain_index": _chain_index,
}


def child(what: str, db: str) -> dict[str, float]:
    """Run one row in this process: seconds and peak RSS growth in MiB."""
    import igraph  # noqa: F401  (imports are not the measurement)
    import networkx  # noqa: F401
    import numpy  # noqa: F401
    import scipy.sparse  # noqa: F401

    import stakegraph.analytics.kernels  # noqa: F401
    import stakegraph.asof  # noqa: F401  (the index's date reading imports it on first use)
    import stakegraph.settings  # noqa: F401  (money_facts reads the reporting currency: 0.15 s of pydantic imports)
    import stakegraph.store.embedded  # noqa: F401

    base = rss_mb()
    t0 = time.perf_counter()
    RUNNERS[what](db)
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"s": secs, "mib": peak - base}


def _forked(what: str, db: str, conn: Any) -> None:
    try:
        conn.send(child(what, db))
    except Exception as e:  # noqa: BLE001 - reported by the parent
        conn.send({"error": f"{type(e).__name__}: {e}"})
    finally:
        conn.close()


def _spawn(what: str, db: str) -> dict[str, float] | None:
    """Run one row in a forked child (the libraries already imported here, so its start is free)."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_forked, args=(what, db, send))
    proc.start()
    send.close()
    res: dict[str, Any] = recv.recv() if recv.poll(None) else {"error": "no answer"}
    proc.join()
    if "error" in res:
        print(f"{what} failed: {res['error']}", file=sys.stderr)
        return None
    return res


def partial_rows(n: int) -> list[tuple[Any, ...]]:
    """Full vs parties-and-projects projection (nodes, edges) and whether concentration is identical."""
    from stakegraph.store.embedded import EmbeddedStore

    with EmbeddedStore(embedded_db(n)) as store:
        full = store.project()
        part = store.project(types=SUB_TYPES, kinds=sub_kinds())
    same = "identical" if concentration_rows(full) == concentration_rows(part) else "DIFFERENT"
    return [(n, "full", full.number_of_nodes(), full.number_of_edges(), "—"),
            (n, "parties + projects, structural kinds", part.number_of_nodes(), part.number_of_edges(), same)]


def run(sizes: Sequence[int], *, repeat: int = 3, rows: Sequence[str] = ROWS,
        out: Callable[[str], Any] = print) -> dict[int, dict[str, tuple[float, float]]]:
    """Median seconds and peak MiB of every row at every size (interleaved runs); print a table."""
    child("floor_csr", str(embedded_db(min(sizes))))  # import every library once, before the forks
    figures: dict[int, dict[str, tuple[float, float]]] = {}
    for n in sizes:
        db = str(embedded_db(n))
        got: dict[str, list[dict[str, float]]] = {r: [] for r in rows}
        for _ in range(repeat):
            for r in rows:
                res = _spawn(r, db)
                if res is not None:
                    got[r].append(res)
        med = {r: (statistics.median(x["s"] for x in v), statistics.median(x["mib"] for x in v))
               for r, v in got.items() if v}
        figures[n] = med
        lines = []
        for r, (s, m) in med.items():
            f = FLOOR.get(r)
            ratio = (f"{s / med[f][0]:.2f}× / {m / med[f][1]:.2f}×" if f and f in med and med[f][0] > 0
                     and med[f][1] > 0 else "—")
            lines.append((LABELS[r], round(s, 3), round(m), ratio, len(got[r])))
        out(f"\n### {n:,} parties (median of {repeat} interleaved runs, one forked child each)\n")
        out(table(["what", "seconds", "peak MiB (RSS growth)", "× its floor (time / memory)", "runs"], lines))
        if n <= PARTIAL_LIMIT:
            out("\nPartial projection (docs/scaling.md step 1):\n")
            out(table(["parties", "projection", "nodes", "edges", "concentration vs full"], partial_rows(n)))
    return figures


def profile(n: int, top: int = 25) -> None:
    """cProfile of ``store.project()`` at ``n`` parties (cumulative time)."""
    import cProfile
    import pstats

    db = str(embedded_db(n))
    pr = cProfile.Profile()
    pr.enable()
    _project(db)
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(top)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    p = argparse.ArgumentParser(prog="python -m bench.projection", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="party counts")
    p.add_argument("--repeat", type=int, default=3, help="interleaved runs per row (median reported)")
    p.add_argument("--rows", nargs="+", choices=ROWS, default=list(ROWS), help="rows to measure")
    p.add_argument("--profile", type=int, metavar="N", help="cProfile store.project() at N parties and stop")
    args = p.parse_args(argv)
    if args.profile:
        profile(args.profile)
        return 0
    print(header("Projection and analytics chain vs floors", "bench.projection",
                 list(argv if argv is not None else sys.argv[1:])))
    run(args.sizes, repeat=args.repeat, rows=args.rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
