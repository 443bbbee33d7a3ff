"""The embedded store survives ``kill -9`` at any point: only whole committed writes remain.

A child process writes batch after batch to an :class:`EmbeddedStore` (batch
``b`` = ``NODES_PER_BATCH`` nodes ``b<b>_<i>`` carrying ``batch=b`` plus a chain
of edges among them, and one edge back to the previous batch). The test kills it
with SIGKILL at seeded random moments, reopens the file and checks that SQLite's
integrity check passes, no edge dangles, and the batches present are exactly
``0..k`` with each one complete: nothing half-written survives.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stakegraph.store import EmbeddedStore

pytestmark = pytest.mark.security  # proves requirements of docs/security.md (make check-security)

NODES_PER_BATCH = 40
KILLS = 5
SEED = 20261123

CHILD = r"""
import sys
from stakegraph.model import EdgeRecord, NodeRecord, edge_id
from stakegraph.store import EmbeddedStore

path, per = sys.argv[1], int(sys.argv[2])
store = EmbeddedStore(path)
b = len({n.props["batch"] for n in store.iter_nodes()})  # resume after the last whole batch
print("ready", flush=True)
while True:
    nodes = [NodeRecord(f"b{b}_{i}", "party", {"name": f"Batch {b} node {i}", "batch": b, "note": "x" * 200})
             for i in range(per)]
    edges = [EdgeRecord(edge_id("owns", f"b{b}_{i}", f"b{b}_{i+1}"), "owns", f"b{b}_{i}", f"b{b}_{i+1}",
                        {"batch": b, "share_pct": 1.0}) for i in range(per - 1)]
    if b:
        edges.append(EdgeRecord(edge_id("owns", f"b{b}_0", f"b{b-1}_0"), "owns", f"b{b}_0", f"b{b-1}_0",
                                {"batch": b}))
    store.write(nodes, edges)
    b += 1
"""


def _check(path: Path) -> int:
    """Reopen the store and return how many whole batches it holds (asserting nothing partial)."""
    store = EmbeddedStore(path)
    try:
        assert store.integrity_check()
        nodes: dict[int, int] = {}
        for n in store.iter_nodes():
            nodes[n.props["batch"]] = nodes.get(n.props["batch"], 0) + 1
        edges: dict[int, int] = {}
        for e in store.iter_edges():
            edges[e.props["batch"]] = edges.get(e.props["batch"], 0) + 1
        k = len(nodes)
        assert sorted(nodes) == list(range(k)), f"batches present are not a prefix: {sorted(nodes)}"
        assert all(c == NODES_PER_BATCH for c in nodes.values()), nodes
        assert sorted(edges) == sorted(nodes)
        for b, c in edges.items():
            assert c == NODES_PER_BATCH - 1 + (1 if b else 0), (b, c)
        assert store.graph_version() == f"embedded:{k}"  # one version bump per committed write
        return k
    finally:
        store.close()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_9_leaves_only_whole_batches(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite"
    rng = random.Random(SEED)
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    previous = 0
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(NODES_PER_BATCH)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=root,
        )
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.strip() == b"ready", child.stderr.read().decode() if child.stderr else ""
            time.sleep(rng.uniform(0.05, 0.6))  # a random moment within the write loop
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL
        k = _check(path)
        assert k >= previous  # committed batches are never lost
        previous = k
    assert previous > 0, "the child never committed a batch; the test proved nothing"
