"""The first analytics request after a write, through the API (issue 17 item 5: "no first request waits").

A copy of the generated portfolio's embedded store (``bench.common.embedded_db``) is served by the app
(``create_app``, in process through ``TestClient``, the request limit ``resolver_timeout_s``). The
first projection is built before any request (a workspace always waits for its first one), then the analysis is answered once (a user asked it before), then one party is written to
the store — a new graph version, as a load or a mutation makes — and the first analytics request
after it is timed. Two workspaces side by side in one run:

* **stale path** (the API's setting, ``stale_wait_s`` = half the request limit): the request waits at
  most that long for the new projection, then answers from the previous version with ``stale: true``;
* **wait for the rebuild** (``stale_wait_s=None``, the CLI's setting and the API's before issue 17): the
  request waits for the new projection; past the limit the API answers ``TIMEOUT``.

Reported: the first request's milliseconds, whether it answered (no error) and stale, and how long the
background rebuild took until the new version is served.

Run alone: ``python -m bench.after_write [--sizes 100000] [--limit 10]``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import embedded_db, header, load_average, sizes_arg, table

QUERY = "{ structure { result { nodes } stamp { graphVersion parameters } } }"


def _post(client: Any) -> tuple[float, dict[str, Any]]:
    t = time.perf_counter()
    got = client.post("/graphql", json={"query": QUERY}).json()
    return (time.perf_counter() - t) * 1000, got


def _once(db: Path, limit: float, stale: bool) -> list[Any]:
    from fastapi.testclient import TestClient

    from stakegraph.model import NodeRecord
    from stakegraph.settings import Settings
    from stakegraph.store.embedded import EmbeddedStore
    from stakegraph.web.app import create_app

    tmp = Path(tempfile.mkdtemp(prefix="stakegraph-bench-after-write-"))
    try:
        copy = tmp / "stakegraph.sqlite"
        shutil.copy(db, copy)
        store = EmbeddedStore(copy)
        settings = Settings(_env_file=None, data_dir=tmp, resolver_timeout_s=limit)  # type: ignore[call-arg]
        with TestClient(create_app(settings, store)) as client:
            ws = client.app.state.api.workspace  # type: ignore[attr-defined]
            if not stale:
                ws.stale_wait_s = None
            t = time.perf_counter()
            ws.projection()  # the first projection of a workspace is always waited for: build it untimed
            first_s = time.perf_counter() - t
            ws.run("structure")  # asked before the write, as a user would have (untimed, no request limit)
            store.write([NodeRecord("bench_after_write", "party", {"name": "After Write", "kind": "bank"})], [])
            written = time.perf_counter()
            ms, got = _post(client)
            errors = [e.get("extensions", {}).get("code", e.get("message", "")) for e in got.get("errors", [])]
            params = ((got.get("data") or {}).get("structure") or {}).get("stamp", {}).get("parameters", {})
            ws.refresh().result(timeout=600)
            rebuilt = time.perf_counter() - written
        store.close()
        return [f"{first_s:.1f}", f"{ms:.0f}", "error " + ",".join(errors) if errors else "answered",
                "yes" if params.get("stale") else "no", f"{rebuilt:.1f}"]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sizes_arg(parser, (100_000,), "parties of the generated portfolios")
    parser.add_argument("--limit", type=float, default=10.0, help="the request limit, resolver_timeout_s")
    args = parser.parse_args(argv)
    print(header("First analytics request after a write", "bench.after_write", argv))
    rows = []
    for n in args.sizes:
        db = embedded_db(n)
        for stale in (True, False):
            label = f"stale path (wait ≤ {args.limit / 2:g} s)" if stale else "wait for the rebuild"
            rows.append([f"{n:,}", label, *_once(db, args.limit, stale)])
    print(table(["parties", "workspace", "first projection s", "first request after the write ms", "outcome",
                 "stale", "rebuild until served s"], rows))
    print(f"\nrequest limit {args.limit:g} s; load average at end {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
