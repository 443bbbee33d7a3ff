"""Memory: peak RSS of the API process with the graph projected, and of a large load.

Each figure is taken in a fresh subprocess (its own ``ru_maxrss``), so nothing else in the
benchmark inflates it:

* **api** — ``stakegraph.web.create_app`` on the cached embedded store, then a GraphQL analytics field
  (concentration) through httpx ASGITransport, which builds and caches the NetworkX projection;
* **load** — ``stakegraph.loaders.load`` of the generated portfolio into a fresh embedded store (the loader
  streams rows and spills to disk; the figure shows whether memory stays flat as files grow).

Run alone: ``python -m bench.memory [--sizes 1000 10000] [--large]`` (``--large`` adds 100,000
parties / about 500,000 relationships for both figures, and a load of 200,000 parties / 1,000,000
relationships; the first run generates and loads them, several minutes each).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import embedded_db, header, peak_rss_mb, portfolio, row_count, rss_mb, table

DEFAULT_SIZES = (1000, 10_000)
LARGE_SIZE = 100_000
LARGE_LOAD = 200_000  # parties of the 1,000,000-relationship load (5 per party)


def api_worker(n_parties: int) -> dict[str, Any]:
    """RSS of an API process before and after its first analytics query projects the graph."""
    import httpx

    from stakegraph.settings import load_settings
    from stakegraph.store.embedded import EmbeddedStore
    from stakegraph.web.app import create_app

    db = embedded_db(n_parties)
    start = rss_mb()
    store = EmbeddedStore(db)
    # the figure is memory, not latency: a 100k projection outlasts the default 10 s request limit
    app = create_app(load_settings(neo4j_uri=None, resolver_timeout_s=3600), store)
    q = '{ concentration(node: "pty_0000001", kinds: [BUYS_FROM]) { result { hhi } } }'

    async def go() -> float:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as c:
            t0 = time.perf_counter()
            r = await c.post("/graphql", json={"query": q})
            if r.status_code != 200 or "errors" in r.json():
                raise RuntimeError(r.text[:500])
            return time.perf_counter() - t0

    secs = asyncio.run(go())
    return {"what": "api", "parties": n_parties, "rss_start": start, "rss_now": rss_mb(), "peak": peak_rss_mb(),
            "seconds": secs}


def load_worker(n_parties: int) -> dict[str, Any]:
    """Peak RSS of ``stakegraph.loaders.load`` of the generated portfolio into a fresh embedded store."""
    from stakegraph.loaders import load
    from stakegraph.store.embedded import EmbeddedStore

    src = portfolio(n_parties)
    rows = row_count(src)
    start = rss_mb()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(Path(tmp) / "m.db") as store:
        t0 = time.perf_counter()
        load(src, store)
        secs = time.perf_counter() - t0
    return {"what": "load", "parties": n_parties, "rows": rows, "rss_start": start, "rss_now": rss_mb(),
            "peak": peak_rss_mb(), "seconds": secs}


def _sub(what: str, n: int) -> dict[str, Any]:
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-m", "bench.memory", "--worker", what, "--sizes", str(n)], cwd=root,
                          capture_output=True, text=True, timeout=7200, env={**os.environ, "PYTHONPATH": str(root)})
    if proc.returncode != 0:
        raise RuntimeError(f"memory worker {what} {n} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run(sizes: Sequence[int], *, load_only: Sequence[int] = (), out: Any = print) -> list[tuple[Any, ...]]:
    """Measure both figures at every size (and the load alone at ``load_only`` sizes); print a
    Markdown table; return the rows."""
    rows: list[tuple[Any, ...]] = []
    plan = [(n, ("api", "load")) for n in sizes] + [(n, ("load",)) for n in load_only]
    for n, whats in plan:
        if "api" in whats:
            embedded_db(n)  # generate + load once outside the measured processes
        else:
            portfolio(n)  # generate outside the measured process
        for what in whats:
            r = _sub(what, n)
            label = ("API process, analytics field projected the graph" if what == "api"
                     else f"stakegraph.loaders.load into embedded ({r['rows']:,} rows)")
            rows.append((label, n, round(r["rss_start"]), round(r["rss_now"]), round(r["peak"]),
                         round(r["seconds"], 2)))
    out(table(["process", "parties", "RSS at start MiB", "RSS after MiB", "peak RSS MiB", "seconds"], rows))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (also the measured worker)."""
    p = argparse.ArgumentParser(prog="python -m bench.memory", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="party counts")
    p.add_argument("--large", action="store_true",
                   help=f"add {LARGE_SIZE:,} parties, and a {LARGE_LOAD * 5:,}-relationship load")
    p.add_argument("--worker", choices=("api", "load"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        fn = api_worker if args.worker == "api" else load_worker
        print(json.dumps(fn(args.sizes[0])))
        return 0
    sizes = sorted(set(args.sizes + ([LARGE_SIZE] if args.large else [])))
    print(header("Memory (peak RSS)", "bench.memory", list(argv if argv is not None else sys.argv[1:])))
    run(sizes, load_only=[LARGE_LOAD] if args.large else [])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
