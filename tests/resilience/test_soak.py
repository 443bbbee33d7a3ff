"""Soak on loopback (issue 8 item 5): 8 concurrent clients mixing reads, analytics and writes.

uvicorn serves the bundled sample (embedded store) on 127.0.0.1 in a subprocess; 8
client threads send a fixed mix for ``STAKEGRAPH_SOAK_SECONDS`` (25 s by default, 600 s
in the nightly profile). Asserted, on the same machine in the same run:

* zero errors (every answer is HTTP 200 without GraphQL errors);
* no latency degradation: the p95 of the last third of the run is within 2× the p95 of
  the first third after warm-up (the "quiet" reference is the same mix at the same
  concurrency, so queueing on 2 cores is not mistaken for degradation); the p95 of a
  single client before the soak is printed for information;
* memory flat: the server's RSS at the end is within 10 % of its RSS after warm-up.

The figures are printed (run with ``-s`` to see them). Speed as such is measured in bench/.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from stakegraph import loaders
from stakegraph.devserver.neo4j import free_port
from stakegraph.settings import Settings
from stakegraph.store import EmbeddedStore
from tests.resilience.conftest import NIGHTLY

psutil = pytest.importorskip("psutil", reason="psutil (bench extra) measures the server's memory")

pytestmark = pytest.mark.security

ROOT = Path(__file__).resolve().parents[2]
SECONDS = float(os.environ.get("STAKEGRAPH_SOAK_SECONDS", "600" if NIGHTLY else "25"))
CLIENTS = 8
#: bound of the issue (p95 at the end within 2× of the reference) in the nightly profile; the short CI run
#: (25 s on 2 shared cores) allows 3× so scheduler noise cannot fail CI; overridable either way
P95_RATIO = float(os.environ.get("STAKEGRAPH_SOAK_P95_RATIO", "2.0" if NIGHTLY else "3.0"))
WARMUP_S = min(5.0, SECONDS / 5)
KEYS = "soak-read:read,soak-write:write"

READS = [
    '{ parties(first: 20) { totalCount edges { node { id name } } } }',
    '{ party(id: "a_co") { id name relationships(first: 20) { edges { node { id kind } } } } }',
    '{ search(text: "Bank", first: 10) { edges { node { id name } } } }',
    '{ neighborhood(id: "tech_co", depth: 1, limit: 50) { nodes { id } edges { id } andMore } }',
    '{ counts graphVersion }',
]
ANALYTICS = [
    '{ concentration(node: "tech_co", kinds: [BUYS_FROM], direction: IN) { result { hhi } } }',
    '{ exposures(node: "b_bank") { result { totalExposure } } }',
]


def _write(i: int) -> str:
    # a fixed set of ids, so the graph does not grow: memory must stay flat
    return (f'mutation {{ upsertParty(input: {{id: "soak_{i % 16}", name: "Soak {i % 16}", kind: CORPORATE, '
            f'country: "CN", props: {{total_assets: {1000 + i % 97}}}}}) {{ ok errors {{ field message }} }} }}')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    data_dir = tmp_path_factory.mktemp("soak")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STAKEGRAPH_")}
    env.update(STAKEGRAPH_DATA_DIR=str(data_dir), STAKEGRAPH_API_KEYS=KEYS, PYTHONPATH=str(ROOT))
    s = Settings(_env_file=None, data_dir=data_dir)  # type: ignore[call-arg]
    with EmbeddedStore(s.embedded_path) as st:
        loaders.load(ROOT / "data" / "sample", st)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "stakegraph.web.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            err = proc.stderr.read().decode() if proc.stderr else ""
            pytest.fail(f"uvicorn did not become ready: {err[-2000:]}")
        time.sleep(0.2)
    try:
        yield base, psutil.Process(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20, method="inclusive")[18] if len(xs) >= 2 else (xs[0] if xs else 0.0)


def _one(client: httpx.Client, i: int) -> tuple[float, str | None]:
    """Send request number i of the mix: 60 % reads, 20 % analytics, 20 % writes."""
    slot = i % 10
    if slot < 6:
        q, key = READS[i % len(READS)], "soak-read"
    elif slot < 8:
        q, key = ANALYTICS[i % len(ANALYTICS)], "soak-read"
    else:
        q, key = _write(i), "soak-write"
    t = time.perf_counter()
    r = client.post("/graphql", json={"query": q}, headers={"Authorization": f"Bearer {key}"})
    took = time.perf_counter() - t
    if r.status_code != 200:
        return took, f"HTTP {r.status_code}: {r.text[:200]}"
    body = r.json()
    if body.get("errors"):
        return took, f"errors for {q[:60]}: {body['errors']}"
    if slot >= 8 and not body["data"]["upsertParty"]["ok"]:
        return took, f"write refused: {body['data']}"
    return took, None


def test_soak_8_clients_zero_errors_p95_and_memory_flat(server: tuple[str, Any]) -> None:
    base, proc = server
    with httpx.Client(base_url=base, timeout=30) as c:  # quiet reference: one client, also a warm-up
        quiet = [_one(c, i) for i in range(60)]
    assert [e for _, e in quiet if e] == []
    quiet_p95 = _p95([t for t, _ in quiet])

    samples: list[tuple[float, float]] = []  # (time since start, latency)
    errors: list[str] = []
    lock = threading.Lock()
    start = time.monotonic()
    stop_at = start + WARMUP_S + SECONDS
    rss: dict[str, float] = {}

    def client_loop(n: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as c:
            i = n * 7
            while time.monotonic() < stop_at:
                took, err = _one(c, i)
                with lock:
                    samples.append((time.monotonic() - start, took))
                    if err:
                        errors.append(err)
                i += 1

    def sample_rss() -> None:
        time.sleep(WARMUP_S)
        rss["warm"] = proc.memory_info().rss
        peak = rss["warm"]
        while time.monotonic() < stop_at:
            peak = max(peak, proc.memory_info().rss)
            time.sleep(0.5)
        rss["peak"] = peak

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in range(CLIENTS)]
    threads.append(threading.Thread(target=sample_rss))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rss["end"] = proc.memory_info().rss

    soak = [(at, took) for at, took in samples if at >= WARMUP_S]
    third = SECONDS / 3
    first = [took for at, took in soak if at < WARMUP_S + third]
    last = [took for at, took in soak if at >= WARMUP_S + 2 * third]
    p95_first, p95_last = _p95(first), _p95(last)
    growth = (rss["end"] - rss["warm"]) / rss["warm"]
    print(f"\nsoak: {len(samples)} requests in {SECONDS + WARMUP_S:.0f}s by {CLIENTS} clients, "
          f"{len(errors)} errors; single-client p95 {quiet_p95 * 1000:.0f} ms; "
          f"p95 first third {p95_first * 1000:.0f} ms, last third {p95_last * 1000:.0f} ms "
          f"(ratio {p95_last / p95_first:.2f}); RSS after warm-up {rss['warm'] / 2**20:.1f} MiB, "
          f"end {rss['end'] / 2**20:.1f} MiB (growth {growth:+.1%}), peak {rss['peak'] / 2**20:.1f} MiB")
    windows = [[t for at, t in soak if WARMUP_S + k * SECONDS / 6 <= at < WARMUP_S + (k + 1) * SECONDS / 6]
               for k in range(6)]
    print("p95 per sixth of the run (ms): " + ", ".join(f"{_p95(w) * 1000:.0f}" for w in windows if w))
    assert errors == [], errors[:5]
    assert len(first) >= 20 and len(last) >= 20, "too few requests to compare"
    assert p95_last <= P95_RATIO * p95_first, f"p95 degraded: {p95_first:.3f}s → {p95_last:.3f}s"
    assert growth <= 0.10, f"server RSS grew {growth:.1%} after warm-up"
