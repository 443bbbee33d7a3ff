"""/healthz stays fast while 8 clients send the worst queries and bodies (issue #13).

A real uvicorn server (a child process on 127.0.0.1, a free port) serves a small graph; 8 client
threads, each with its own API key, send fragment bombs, deep and wide documents, oversized and
deeply nested bodies, huge variables and expensive valid queries for a bounded time
(``STAKEGRAPH_SOAK_S``, 15 s by default; the nightly run sets it longer) while this process
polls ``/healthz``: its p99 latency must stay at or under 100 ms. The 8 clients run in a process
of their own: in the poller's process their threads would hold its GIL and the poller would
measure its own waiting, not the server's.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.security.test_query_bombs import CASES, bomb

pytestmark = [pytest.mark.security, pytest.mark.slow]
SOAK_S = float(os.environ.get("STAKEGRAPH_SOAK_S", "15"))
CLIENTS = 8
KEYS = [f"soak-key-{i}" for i in range(CLIENTS)]
SERVER = textwrap.dedent("""
    import sys, uvicorn
    from pathlib import Path
    from stakegraph.settings import Settings
    from stakegraph.store import EmbeddedStore
    from stakegraph.web.app import create_app
    from tests.security.conftest import fill
    store = fill(EmbeddedStore(Path(sys.argv[2]) / "soak.sqlite"))
    s = Settings(_env_file=None, api_keys=sys.argv[3])
    uvicorn.run(create_app(s, store), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
                access_log=False)
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = _free_port()
    folder = tmp_path_factory.mktemp("soak")
    keys = ",".join(f"{k}:read" for k in KEYS)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(folder), keys], cwd=root)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start within 30 s")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _payloads() -> list[tuple[str, str, bytes]]:
    """(method, path, body) of the worst requests: the hostile corpus, big and deep bodies."""
    out = [("POST", "/graphql", json.dumps({"query": doc}).encode()) for _, doc, _ in CASES]
    out += [
        ("POST", "/graphql", json.dumps({"query": bomb(40, extra="a{i}: name")}).encode()),
        ("POST", "/graphql", b'{"query": "{ graphVersion }", "variables": {"x": "' + b"x" * (2 << 20) + b'"}}'),
        ("POST", "/graphql", b'{"query": "{ graphVersion }", "variables": {"x": ' + b"[" * 200_000 + b"]" * 200_000
         + b"}}"),
        ("POST", "/graphql", json.dumps({"query": "query($s: [ShockInput!]) { graphVersion }",
                                         "variables": {"s": [{"node": "a_co"}] * 20_000}}).encode()),
        ("POST", "/graphql", json.dumps({"query": "{ parties(first: 100) { nodes { id relationships(first: 100) "
                                                  "{ nodes { id source { id name } } } } } }"}).encode()),
        ("POST", "/graphql", json.dumps({"query": "{ centralDependencies { summary } }"}).encode()),
    ]
    return out


def _client(port: int, key: str, stop: threading.Event, payloads: list[tuple[str, str, bytes]],
            sent: list[int]) -> None:
    i = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        method, path, body = payloads[i % len(payloads)]
        i += 1
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "application/json",
                                                           "Authorization": f"Bearer {key}"})
            conn.getresponse().read()
            sent[0] += 1
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def attack(port: int, seconds: float) -> None:
    """Run the 8 clients for ``seconds`` (the body of the attacker process); print how many answers."""
    payloads = _payloads()
    stop = threading.Event()
    sent = [0]
    workers = [threading.Thread(target=_client, args=(port, KEYS[i], stop, payloads, sent), daemon=True)
               for i in range(CLIENTS)]
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join(timeout=35)
    print(sent[0], flush=True)


def test_healthz_p99_under_100ms_while_8_clients_attack(server: int) -> None:
    root = Path(__file__).resolve().parents[2]
    # the clients run at a lower CPU priority: on a 2-core CI machine their own CPU (building and
    # parsing HTTP) would otherwise be measured as the server's latency; real clients are elsewhere
    code = ("import os; os.nice(10); from tests.security.test_healthz_isolation import attack; "
            f"attack({server}, {SOAK_S + 2})")
    attacker = subprocess.Popen([sys.executable, "-c", code], cwd=root, stdout=subprocess.PIPE, text=True)
    latencies: list[float] = []
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
        time.sleep(1.5)  # let the attack start
        end = time.monotonic() + SOAK_S
        while time.monotonic() < end:
            start = time.perf_counter()
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            r.read()
            latencies.append(time.perf_counter() - start)
            assert r.status == 200
            time.sleep(0.02)
        out, _ = attacker.communicate(timeout=60)
    finally:
        if attacker.poll() is None:
            attacker.kill()
    answered = int(out.strip().splitlines()[-1])
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"/healthz: {len(latencies)} polls, p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
          f"p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms; {answered} attack requests answered")
    assert answered > 10 * CLIENTS  # the attack ran
    assert p99 <= 0.100, f"/healthz p99 {p99 * 1000:.0f} ms"
