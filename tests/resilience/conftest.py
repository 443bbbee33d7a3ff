"""Fixtures for fault injection: a Neo4j server of our own (we stop and kill it), small canonical data.

The session's Neo4j (``tests/neo4j_fixture.py``) is shared by other tests, so
the fault tests start a dedicated server per module with
:func:`stakegraph.devserver.neo4j.start` on a free port and a home under the module's
temporary directory. It is stopped, killed and restarted on the same port and
data directory, as an operator would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import neo4j
import pytest

from stakegraph.devserver import neo4j as neo4j_server
from stakegraph.store.base import GraphStore
from stakegraph.store.neo4j import Neo4jStore

#: Seconds to wait for Bolt at every (re)start of the dedicated server.
START_WAIT = float(os.environ.get("STAKEGRAPH_NEO4J_START_TIMEOUT", "180"))
NIGHTLY = os.environ.get("HYPOTHESIS_PROFILE", "") == "nightly"


@dataclass
class DedicatedServer:
    """A Neo4j server owned by one test module: stop, kill and start it at will."""

    home: Path
    port: int
    handle: neo4j_server.ServerHandle | None = None
    starts: list[float] = field(default_factory=list)

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start (again) on the same port and data directory; waits until Bolt answers."""
        self.handle = neo4j_server.start(self.home, self.port, wait=START_WAIT, watch_parent=True,
                                         heap="768m", pagecache="128m")
        self.starts.append(self.handle.start_seconds)

    def ensure_running(self) -> None:
        """Start the server again if an earlier test left it stopped (e.g. one that failed half-way)."""
        if not neo4j_server.status(self.home).get("bolt_listening"):
            self.start()

    def stop(self) -> None:
        """Clean shutdown (SIGTERM, then SIGKILL after 30 s)."""
        if self.handle is not None:
            self.handle.stop()

    def kill(self) -> None:
        """``kill -9`` the JVM's process group: no shutdown, no flush."""
        if self.handle is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.handle.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and neo4j_server.status(self.home).get("running"):
            time.sleep(0.2)
        if self.handle._proc is not None:
            with contextlib.suppress(Exception):
                self.handle._proc.wait(timeout=5)

    def store(self, *, uri: str | None = None, retry_s: float = 2.0, timeout_s: float = 60.0) -> Neo4jStore:
        """A store on this server (or on ``uri``, e.g. a proxy) whose driver gives up retrying after ``retry_s``."""
        target = uri or self.uri
        driver = neo4j.GraphDatabase.driver(target, auth=None, max_transaction_retry_time=retry_s)
        return Neo4jStore(driver, timeout_s=timeout_s, uri=target)


@pytest.fixture(scope="module")
def dedicated_neo4j(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DedicatedServer]:
    """A Neo4j server for this module only (never the session's, since the tests stop it)."""
    neo4j_server.ensure_jars()
    home = tmp_path_factory.mktemp("neo4j-dedicated")
    srv: DedicatedServer | None = None
    for attempt in range(3):
        srv = DedicatedServer(home, neo4j_server.free_port())
        try:
            srv.start()
            break
        except neo4j_server.PortInUseError:
            if attempt == 2:
                raise
    assert srv is not None
    try:
        yield srv
    finally:
        with contextlib.suppress(Exception):
            srv.stop()


def write_small_corpus(folder: Path, *, parties: int = 40, marker: str = "") -> dict[str, int]:
    """Write a small canonical corpus (parties, projects, relationships, signals) into ``folder``.

    Deterministic; Chinese and English names. ``marker`` (when given) is the id of one
    extra party in the middle of the file, so a proxy can recognise the batch carrying it.
    Returns the expected node and edge counts.
    """
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"p{i:03d}" for i in range(parties)]
    if marker:
        ids.insert(parties // 2, marker)
    kinds = ("bank", "corporate", "supplier", "development_bank", "epc_contractor")
    rows = ["id,name,kind,country,total_assets,capital"]
    for i, pid in enumerate(ids):
        name = f"测试公司{i}" if i % 3 == 0 else f"Party {i}"
        rows.append(f"{pid},{name},{kinds[i % len(kinds)]},{'CN' if i % 2 else 'GB'},{1e6 * (i + 1):.0f},{1e5 * (i + 1):.0f}")
    (folder / "parties.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    projects = [f"prj{i:02d}" for i in range(8)]
    prow = ["id,name,country,sector,status,capacity_mw,total_cost,currency,start_date"]
    for i, p in enumerate(projects):
        prow.append(f"{p},项目 {i},PK,energy,operating,{50 + i},{1e7 * (i + 1):.0f},USD,2021-0{1 + i % 9}-01")
    (folder / "projects.csv").write_text("\n".join(prow) + "\n", encoding="utf-8")
    rel = ["source_id,target_id,kind,amount,currency,share_pct,start_date,status"]
    n_edges = 0
    for i, pid in enumerate(ids):
        lender = ids[(i * 7 + 3) % len(ids)]
        if lender != pid:
            rel.append(f"{lender},{pid},lends_to,{1000 * (i + 1)},CNY,,2022-01-01,active")
            n_edges += 1
        rel.append(f"{pid},{projects[i % len(projects)]},sponsors,,,{(i % 5) * 10 + 5},2021-01-01,")
        n_edges += 1
        buyer = ids[(i * 5 + 1) % len(ids)]
        if buyer != pid:
            rel.append(f"{pid},{buyer},supplies,{500 * (i + 1)},USD,,2023-03-01,active")
            n_edges += 1
    (folder / "relationships.csv").write_text("\n".join(rel) + "\n", encoding="utf-8")
    sig = ["id,kind,date,party_id,value,severity,note"]
    for i in range(10):
        sig.append(f"s{i:02d},missed_milestone,2024-0{1 + i % 9}-15,{ids[i * 3]},{i},0.{i + 1},late")
    (folder / "signals.csv").write_text("\n".join(sig) + "\n", encoding="utf-8")
    return {"nodes": len(ids) + len(projects) + 10, "edges": n_edges + 10}


def snapshot(store: GraphStore) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every node and relationship with its properties; fails on a duplicated relationship id."""
    nodes: dict[str, Any] = {}
    for n in store.iter_nodes():
        assert n.id not in nodes, f"node {n.id} stored twice"
        nodes[n.id] = (n.type, dict(n.props))
    edges: dict[str, Any] = {}
    for e in store.iter_edges():
        assert e.id not in edges, f"relationship {e.id} stored twice"
        edges[e.id] = (e.kind, e.source, e.target, dict(e.props))
    return nodes, edges
