"""API latency: p50/p95 of five query shapes, in-process (httpx ASGITransport) on the embedded
store and on Neo4j, and over loopback (uvicorn in a separate process), under 1 and 8 concurrent
clients. Every GraphQL shape is measured twice — with the per-graph-version response cache
(repeated reads, what a front-end re-asking a page sees) and without it (every request executes:
parse, validate, resolve, store calls) — and against plain JSON endpoints returning the same data
(defined here, in the bench app only), which gives the GraphQL overhead.

Run alone: ``python -m bench.api_latency [--parties 10000 100000] [--backends embedded neo4j]
[--neo4j-max 10000] [--requests 200] [--seconds 20] [--no-loopback] [--shapes page depth-2] [--interleave]``. The embedded store of the
generated portfolio is cached between runs (``bench.common.embedded_db``); Neo4j is
``$STAKEGRAPH_NEO4J_URI`` or a local server started for the run (the portfolio is loaded into it
once; **its database is cleared first**). The loopback server's peak RSS (API process with the
graph projected) is reported too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.common import embedded_db, header, percentile, table

DEFAULT_PARTIES = 10_000
ANALYTIC_SHAPES = ("concentration", "contagion")


def _targets(store: Any) -> dict[str, str]:
    """Ids the queries use: a busy party (neighbourhood/contagion) and a concentrated seller."""
    from stakegraph.store.base import NodeFilter

    first = store.find_nodes(NodeFilter(type="party"), limit=200)
    busiest = max(first, key=lambda n: (len(store.edges_of([n.id])), n.id)).id
    seller = max(first, key=lambda n: (len(store.edges_of([n.id], kinds=["buys_from"])), n.id)).id
    return {"busy": busiest, "seller": seller, "text": "材料"}


def _full(name: str) -> str:
    """The full typed selection of an analytics answer (what the old untyped `result` returned)."""
    from stakegraph.analyses import get
    from stakegraph.web.results import selection_for

    return selection_for(get(name))


def queries(t: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Shape → (GraphQL query, plain JSON path or None)."""
    return {
        "page of 100 with relationship counts": (
            "{ parties(first: 100) { edges { node { id name kind country relationshipCount } } } }",
            "/bench/page"),
        "depth-2 neighbourhood (limit 100)": (
            f'{{ neighborhood(id: "{t["busy"]}", depth: 2, limit: 100) {{ andMore nodes {{ id name type }} '
            "edges { id kind sourceId targetId } } }",
            f"/bench/neighborhood?id={t['busy']}"),
        "concentration": (
            f'{{ concentration(node: "{t["seller"]}", kinds: [BUYS_FROM]) {_full("concentration")} }}', None),
        "contagion": (
            f'{{ contagion(shocks: [{{kind: DEFAULT, party: "{t["busy"]}"}}], method: CONTRACT) '
            f'{_full("contagion")} }}',
            None),
        "search (first 20)": (
            f'{{ search(text: "{t["text"]}", first: 20) {{ totalCount nodes {{ id name type }} }} }}',
            f"/bench/search?text={t['text']}"),
    }


SAMPLE = 0  # --parties 0: the bundled sample portfolio (data/sample), the "on the sample"


def _sample_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "sample"


def _label(n: int) -> str:
    return "the bundled sample (data/sample)" if n == SAMPLE else f"{n:,} parties"


def open_store(n_parties: int, backend: str = "embedded", uri: str | None = None) -> Any:
    """The generated ``n_parties`` portfolio (0: the bundled sample) in the chosen store
    (Neo4j: loaded once, reused if present)."""
    from bench.common import cache_root, portfolio
    from stakegraph.loaders import load
    from stakegraph.store.base import NodeFilter
    from stakegraph.store.embedded import EmbeddedStore

    src = _sample_dir() if n_parties == SAMPLE else None
    if backend == "embedded":
        if src is None:
            return EmbeddedStore(embedded_db(n_parties))
        sample = EmbeddedStore(cache_root() / "embedded_sample.db")
        load(src, sample)  # idempotent: a re-run changes nothing
        return sample
    from stakegraph.store.neo4j import Neo4jStore

    assert uri, "a Neo4j URI is needed for the neo4j backend"
    neo = Neo4jStore.connect(uri, timeout_s=600)
    neo.ensure_schema()
    want = -1 if src is not None else n_parties  # the sample is always reloaded (it is small)
    if neo.count_nodes(NodeFilter(type="party")) != want:
        neo.clear()
        load(src or portfolio(n_parties), neo)
    return neo


def build_app(n_parties: int, *, store: Any = None, cache: bool = True) -> Any:
    """``stakegraph.web.create_app`` on ``store`` (default: the cached embedded store), plus plain JSON endpoints.

    ``cache=False`` turns the per-graph-version response cache off (every request executes).
    """
    from fastapi import FastAPI

    from stakegraph.settings import load_settings
    from stakegraph.store.base import Direction, NodeFilter
    from stakegraph.web.app import create_app

    store = store if store is not None else open_store(n_parties)
    app: FastAPI = create_app(load_settings(neo4j_uri=None, response_cache_size=256 if cache else 0), store)
    app.state.bench_targets = _targets(store)

    def page() -> list[dict[str, Any]]:
        nodes = store.find_nodes(NodeFilter(type="party"), limit=100)
        counts = store.degrees([n.id for n in nodes], direction=Direction.BOTH)
        return [{"id": n.id, "name": n.props.get("name") or n.id, "kind": n.props.get("kind"),
                 "country": n.props.get("country"), "relationshipCount": counts[n.id]} for n in nodes]

    def neighborhood(id: str) -> dict[str, Any]:
        sub = store.neighbours(id, depth=2, limit=100)
        return {"andMore": sub.truncated,
                "nodes": [{"id": n.id, "name": n.props.get("name") or n.id, "type": n.type.upper()} for n in sub.nodes],
                "edges": [{"id": e.id, "kind": e.kind.upper(), "sourceId": e.source, "targetId": e.target}
                          for e in sub.edges]}

    def search(text: str) -> dict[str, Any]:
        flt = NodeFilter(text=text)
        nodes = store.find_nodes(flt, limit=20)
        return {"totalCount": store.count_nodes(flt),
                "nodes": [{"id": n.id, "name": n.props.get("name") or n.id, "type": n.type.upper()} for n in nodes]}

    @app.get("/bench/page")
    async def bench_page() -> list[dict[str, Any]]:
        return await asyncio.to_thread(page)

    @app.get("/bench/neighborhood")
    async def bench_neighborhood(id: str) -> dict[str, Any]:
        return await asyncio.to_thread(neighborhood, id)

    @app.get("/bench/search")
    async def bench_search(text: str) -> dict[str, Any]:
        return await asyncio.to_thread(search, text)

    @app.get("/bench/targets")
    async def bench_targets() -> dict[str, str]:
        return dict(app.state.bench_targets)

    return app


async def _drive(client: Any, send: Callable[[Any], Any], *, concurrency: int, requests: int,
                 seconds: float) -> list[float]:
    """Latencies (s) of up to ``requests`` calls by ``concurrency`` clients, stopping after ``seconds``."""
    lat: list[float] = []
    left = [requests]
    stop = time.perf_counter() + seconds

    async def one() -> None:
        while left[0] > 0 and time.perf_counter() < stop:
            left[0] -= 1
            t0 = time.perf_counter()
            r = await send(client)
            lat.append(time.perf_counter() - t0)
            if r.status_code != 200 or (r.headers.get("content-type", "").startswith("application/json")
                                        and isinstance(r.json(), dict) and r.json().get("errors")):
                raise RuntimeError(f"request failed: {r.status_code} {r.text[:500]}")

    await asyncio.gather(*(one() for _ in range(concurrency)))
    return lat


def _post(query: str) -> Callable[[Any], Any]:
    def send(client: Any) -> Any:
        return client.post("/graphql", json={"query": query})
    return send


def _get(path: str) -> Callable[[Any], Any]:
    def send(client: Any) -> Any:
        return client.get(path)
    return send


async def measure_client(clients: dict[str, Any], targets: dict[str, str], *, requests: int, seconds: float,
                         concurrencies: Sequence[int] = (1, 8), prefix: str = "",
                         shapes: Sequence[str] | None = None, interleave: bool = False) -> list[tuple[Any, ...]]:
    """Rows (shape, endpoint, clients, n, first ms, p50 ms, p95 ms, req/s) for every shape.

    ``clients`` maps an endpoint label to a client: labels starting "GraphQL" post the query,
    "plain JSON" gets the plain endpoint (when the shape has one). ``shapes`` keeps the shapes
    whose name starts with one of its words (``None``: all). ``interleave``: the endpoints of a
    shape take turns, one batch of ``clients`` concurrent requests each per round (on a shared,
    loaded machine every endpoint then sees the same load; req/s is per the endpoint's own batches).
    """
    rows: list[tuple[Any, ...]] = []
    for shape, (gql, plain) in queries(targets).items():
        if shapes is not None and not any(shape.startswith(s) for s in shapes):
            continue
        variants: list[tuple[str, Any, Callable[[Any], Any]]] = []
        for label, client in clients.items():
            if label.startswith("GraphQL"):
                variants.append((label, client, _post(gql)))
            elif plain:
                variants.append((label, client, _get(plain)))
        firsts = [await _first(shape, client, send) for _, client, send in variants]
        n = requests if shape not in ANALYTIC_SHAPES else max(requests // 4, 8)
        if interleave:
            for conc in concurrencies:
                lats: list[list[float]] = [[] for _ in variants]
                walls = [0.0] * len(variants)
                stop = time.perf_counter() + seconds * len(variants)
                while len(lats[0]) < n and time.perf_counter() < stop:
                    for i, (_, client, send) in enumerate(variants):
                        t0 = time.perf_counter()
                        lats[i] += await _drive(client, send, concurrency=conc, requests=conc, seconds=seconds)
                        walls[i] += time.perf_counter() - t0
                for (endpoint, _, _), first_ms, lat, wall in zip(variants, firsts, lats, walls, strict=True):
                    rows.append(_row(prefix + shape, endpoint, conc, first_ms, lat, wall))
            continue
        for (endpoint, client, send), first_ms in zip(variants, firsts, strict=True):
            for conc in concurrencies:
                t0 = time.perf_counter()
                lat = await _drive(client, send, concurrency=conc, requests=n, seconds=seconds)
                rows.append(_row(prefix + shape, endpoint, conc, first_ms, lat, time.perf_counter() - t0))
    return rows


def _row(shape: str, endpoint: str, conc: int, first_ms: float, lat: list[float], wall: float) -> tuple[Any, ...]:
    return (shape, endpoint, conc, len(lat), round(first_ms, 1), round(percentile(lat, 50) * 1000, 2),
            round(percentile(lat, 95) * 1000, 2), round(len(lat) / wall, 1))


async def _first(shape: str, client: Any, send: Callable[[Any], Any]) -> float:
    """The first request's time (ms), asked again while it times out (a projection being built)."""
    t0 = time.perf_counter()
    for _ in range(FIRST_TRIES):
        first = await send(client)
        # the first analytics request builds the projection; on a large graph that outlasts
        # the request limit (TIMEOUT) while the build goes on in its thread: ask again
        if not (first.status_code == 200 and _timed_out(first.json())):
            break
    if first.status_code != 200 or "errors" in first.json():
        raise RuntimeError(f"{shape}: {first.status_code} {first.text[:800]}")
    return (time.perf_counter() - t0) * 1000


FIRST_TRIES = 20


def _timed_out(body: Any) -> bool:
    return isinstance(body, dict) and any(
        (e.get("extensions") or {}).get("code") == "TIMEOUT" for e in body.get("errors") or [])


CACHED, UNCACHED, PLAIN = "GraphQL, response cache", "GraphQL, no cache", "plain JSON"


async def in_process(n_parties: int, *, requests: int, seconds: float, backend: str = "embedded",
                     uri: str | None = None, shapes: Sequence[str] | None = None,
                     interleave: bool = False) -> list[tuple[Any, ...]]:
    """All shapes through ``httpx.ASGITransport`` (no sockets): GraphQL with and without the
    response cache, and the plain JSON endpoints, on one store."""
    import httpx

    store = open_store(n_parties, backend, uri)
    try:
        cached, cold = build_app(n_parties, store=store), build_app(n_parties, store=store, cache=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=cached), base_url="http://bench") as c1, \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=cold), base_url="http://bench") as c2:
            return await measure_client({CACHED: c1, UNCACHED: c2, PLAIN: c2}, cached.state.bench_targets,
                                        requests=requests, seconds=seconds, shapes=shapes, interleave=interleave)
    finally:
        store.close()


def serve(n_parties: int, port: int) -> None:
    """Run the bench app under uvicorn on 127.0.0.1:``port`` (the loopback server process)."""
    import uvicorn

    uvicorn.run(build_app(n_parties), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def loopback(n_parties: int, *, requests: int, seconds: float,
             shapes: Sequence[str] | None = None) -> tuple[list[tuple[Any, ...]], float]:
    """All shapes over HTTP to a uvicorn process; returns the rows and the server's peak RSS (MiB)."""
    import httpx
    import psutil

    from stakegraph.devserver.neo4j import free_port

    port = free_port()
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen([sys.executable, "-m", "bench.api_latency", "--serve", str(port),
                             "--parties", str(n_parties)], cwd=root,
                            env={**os.environ, "PYTHONPATH": str(root)})
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the uvicorn bench server did not start")
            time.sleep(0.5)
        targets = httpx.get(base + "/bench/targets").json()

        async def go() -> list[tuple[Any, ...]]:
            limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
            async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
                return await measure_client({CACHED: client, PLAIN: client}, targets, requests=requests,
                                            seconds=seconds, shapes=shapes)

        rows = asyncio.run(go())
        rss = _peak_rss_of(proc.pid)
        return rows, rss
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        del psutil


def _peak_rss_of(pid: int) -> float:
    """Peak RSS (VmHWM) of process ``pid`` in MiB (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


HEADERS = ["shape", "endpoint", "clients", "requests", "first ms", "p50 ms", "p95 ms", "req/s"]


def overhead(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """GraphQL p50 ÷ plain JSON p50 (same data) for the shapes that have both."""
    p50 = {(r[0], r[1], r[2]): r[5] for r in rows}
    out = []
    for (shape, endpoint, conc), v in p50.items():
        if endpoint.startswith("GraphQL") and (shape, PLAIN, conc) in p50:
            plain = p50[(shape, PLAIN, conc)]
            out.append((shape, endpoint, conc, v, plain, f"{v / plain:.2f}×" if plain else "—"))
    return out


OVERHEAD_HEADERS = ["shape", "endpoint", "clients", "GraphQL p50 ms", "plain p50 ms", "ratio"]


def run(sizes: Sequence[int], *, requests: int, seconds: float, loop: bool = True,
        backends: Sequence[str] = ("embedded",), neo4j_max: int = 10_000, out: Any = print,
        shapes: Sequence[str] | None = None, interleave: bool = False) -> dict[str, Any]:
    """Measure in-process on each backend and size and (optionally) over loopback; print Markdown."""
    from bench.common import neo4j_uri

    res: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        uri = stack.enter_context(neo4j_uri()) if "neo4j" in backends and min(sizes) <= neo4j_max else None
        for n in sizes:
            for backend in backends:
                if backend == "neo4j" and n > neo4j_max:
                    out(f"\n_Neo4j backend at {_label(n)} not run (above --neo4j-max {neo4j_max:,})._\n")
                    continue
                rows = asyncio.run(in_process(n, requests=requests, seconds=seconds, backend=backend, uri=uri,
                                              shapes=shapes, interleave=interleave))
                res[f"in_process_{backend}_{n}"] = rows
                out(f"\n### In-process (httpx ASGITransport), {backend} store, {_label(n)}\n")
                out(table(HEADERS, rows))
                out("\nGraphQL overhead (p50 GraphQL ÷ p50 plain JSON, same data):\n")
                out(table(OVERHEAD_HEADERS, overhead(rows)))
            if loop:
                lrows, rss = loopback(n, requests=requests, seconds=seconds, shapes=shapes)
                res[f"loopback_{n}"], res[f"server_rss_mb_{n}"] = lrows, rss
                out(f"\n### Loopback (uvicorn, 1 worker, separate process), embedded store, {_label(n)}\n")
                out(table(HEADERS, lrows))
                out("\nGraphQL overhead over loopback:\n")
                out(table(OVERHEAD_HEADERS, overhead(lrows)))
                out(f"\nAPI server process peak RSS (graph projected for the analytics fields): {rss:.0f} MiB")
    return res


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (also the loopback server)."""
    p = argparse.ArgumentParser(prog="python -m bench.api_latency", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parties", type=int, nargs="+", default=[DEFAULT_PARTIES],
                   help="portfolio sizes (0 = the bundled sample, data/sample)")
    p.add_argument("--backends", nargs="+", choices=["embedded", "neo4j"], default=["embedded", "neo4j"],
                   help="stores to measure in-process (Neo4j: $STAKEGRAPH_NEO4J_URI or a local server started here)")
    p.add_argument("--neo4j-max", type=int, default=10_000,
                   help="largest portfolio loaded into Neo4j (a 100k-party load takes minutes)")
    p.add_argument("--requests", type=int, default=200, help="requests per shape and concurrency (analytics: ¼)")
    p.add_argument("--seconds", type=float, default=20.0, help="time cap per shape and concurrency")
    p.add_argument("--no-loopback", action="store_true", help="in-process only")
    p.add_argument("--shapes", nargs="+", metavar="WORD",
                   help="measure only the shapes whose name starts with one of these words (e.g. page depth-2)")
    p.add_argument("--interleave", action="store_true",
                   help="in-process: the endpoints of a shape take turns request batch by batch (a loaded machine)")
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve:
        serve(args.parties[0], args.serve)
        return 0
    print(header("API latency", "bench.api_latency", list(argv if argv is not None else sys.argv[1:])))
    res = run(args.parties, requests=args.requests, seconds=args.seconds, loop=not args.no_loopback,
              backends=args.backends, neo4j_max=args.neo4j_max, shapes=args.shapes,
              interleave=args.interleave)
    if os.environ.get("STAKEGRAPH_BENCH_JSON"):
        Path(os.environ["STAKEGRAPH_BENCH_JSON"]).write_text(json.dumps(res, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
