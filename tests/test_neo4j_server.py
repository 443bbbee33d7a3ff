"""Tests of the Docker-free local Neo4j server (``src/stakegraph/devserver/neo4j.py``).

One server is started for this module through :func:`neo4j_uri_for_session`
(with ``STAKEGRAPH_NEO4J_URI`` hidden, so the lifecycle under test is always
our own), then status, queries, reuse and stop are checked against it. The
tests run in file order; the last one stops the server.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from neo4j import Driver, GraphDatabase

from stakegraph.devserver import neo4j as neo4j_server
from tests.neo4j_fixture import neo4j_uri_for_session


@dataclass
class LocalServer:
    """The module's server: its URI, home directory and stop callable."""

    uri: str
    port: int
    home: Path


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """Start this module's own server, whatever ``STAKEGRAPH_NEO4J_URI`` says."""
    root = tmp_path_factory.mktemp("neo4j-server-test")
    saved = os.environ.pop(neo4j_server.ENV_URI, None)
    try:
        uri, stop = neo4j_uri_for_session(root)
    finally:
        if saved is not None:
            os.environ[neo4j_server.ENV_URI] = saved
    port = int(uri.rsplit(":", 1)[1])
    try:
        yield LocalServer(uri=uri, port=port, home=root / "server")
    finally:
        stop()


@pytest.fixture(scope="module")
def driver(local_server: LocalServer) -> Iterator[Driver]:
    """A driver connected to the module's server (no authentication)."""
    with GraphDatabase.driver(local_server.uri, auth=None) as drv:
        yield drv


# ----------------------------------------------------------------- no server needed


def test_free_port_is_bindable() -> None:
    port = neo4j_server.free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_an_exited_unreaped_process_is_not_alive() -> None:
    """A server whose parent has not reaped it yet (a zombie) answers signal 0; stop must not wait for it."""
    import subprocess
    import sys
    import time

    if not Path("/proc/self/stat").exists():  # zombie detection reads Linux /proc
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("no /proc under CI: the zombie check of stakegraph.devserver.neo4j needs Linux")
        pytest.skip("zombie detection reads Linux /proc")

    code = "import os, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(5)"
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        zombie = int(parent.stdout.readline())  # type: ignore[union-attr]
        deadline = time.monotonic() + 5
        while not neo4j_server._zombie(zombie) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert neo4j_server._zombie(zombie)
        assert not neo4j_server._alive(zombie)
        assert neo4j_server._alive(os.getpid())
    finally:
        parent.kill()
        parent.wait()


def test_status_of_empty_home_is_stopped(tmp_path: Path) -> None:
    info = neo4j_server.status(tmp_path)
    assert info["running"] is False
    assert info["pid"] is None
    assert info["uri"] is None
    assert info["data_dir"] == str(tmp_path.resolve() / "data")


def test_stop_without_server_returns_false(tmp_path: Path) -> None:
    (tmp_path / neo4j_server.PID_FILE).write_text("999999999\n")  # stale pid file
    assert neo4j_server.stop(tmp_path) is False
    assert not (tmp_path / neo4j_server.PID_FILE).exists()


def test_missing_maven_gives_actionable_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # empty cache: forces a download
    monkeypatch.setattr(neo4j_server.shutil, "which", lambda _name: None)
    with pytest.raises(neo4j_server.Neo4jServerError) as err:
        neo4j_server.ensure_jars()
    message = str(err.value)
    assert "mvn" in message
    assert "apt-get install maven openjdk-17-jdk-headless" in message


def test_failing_maven_reports_command_and_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "bin" / "mvn"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Could not resolve dependencies' >&2\nexit 7\n")
    fake.chmod(0o755)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(neo4j_server.shutil, "which", lambda name: str(fake))
    with pytest.raises(neo4j_server.Neo4jServerError) as err:
        neo4j_server.ensure_jars()
    message = str(err.value)
    assert "exit code 7" in message
    assert "Could not resolve dependencies" in message
    assert "dependency:copy-dependencies" in message
    assert not (
        tmp_path / "cache" / "stakegraph" / "neo4j" / neo4j_server.NEO4J_VERSION / "lib"
    ).exists()


# ---------------------------------------------------------------- the real server


@pytest.mark.neo4j
@pytest.mark.slow
def test_status_reports_running_server(local_server: LocalServer) -> None:
    info = neo4j_server.status(local_server.home)
    assert info["running"] is True
    assert info["bolt_listening"] is True
    assert isinstance(info["pid"], int)
    assert info["uri"] == local_server.uri
    assert info["version"] == neo4j_server.NEO4J_VERSION
    assert Path(info["data_dir"]).is_dir()
    assert (local_server.home / neo4j_server.PID_FILE).read_text().strip() == str(info["pid"])


@pytest.mark.neo4j
@pytest.mark.slow
def test_return_1(driver: Driver) -> None:
    records, _, _ = driver.execute_query("RETURN 1 AS one")
    assert records[0]["one"] == 1
    assert driver.get_server_info().agent == f"Neo4j/{neo4j_server.NEO4J_VERSION}"


@pytest.mark.neo4j
@pytest.mark.slow
def test_write_read_round_trip(driver: Driver) -> None:
    key = uuid.uuid4().hex
    driver.execute_query(
        "CREATE (:RoundTrip {key: $key, name: 'Sponsor Co', share: 0.35})"
        "-[:OWNS {since: 2021}]->(:RoundTrip {key: $key, name: 'ProjectCo'})",
        key=key,
    )
    records, _, _ = driver.execute_query(
        "MATCH (a:RoundTrip {key: $key})-[r:OWNS]->(b:RoundTrip {key: $key}) "
        "RETURN a.name AS a, a.share AS share, r.since AS since, b.name AS b",
        key=key,
    )
    assert [r.data() for r in records] == [
        {"a": "Sponsor Co", "share": 0.35, "since": 2021, "b": "ProjectCo"}
    ]
    driver.execute_query("MATCH (n:RoundTrip {key: $key}) DETACH DELETE n", key=key)


@pytest.mark.neo4j
@pytest.mark.slow
def test_start_reuses_running_server(local_server: LocalServer) -> None:
    pid = neo4j_server.status(local_server.home)["pid"]
    handle = neo4j_server.start(local_server.home, local_server.port, wait=30)
    assert handle.reused is True
    assert handle.pid == pid
    assert handle.uri == local_server.uri


@pytest.mark.neo4j
@pytest.mark.slow
def test_start_refuses_a_different_port_for_the_same_home(local_server: LocalServer) -> None:
    with pytest.raises(neo4j_server.Neo4jServerError, match="already runs"):
        neo4j_server.start(local_server.home, neo4j_server.free_port(), wait=5)


@pytest.mark.neo4j
@pytest.mark.slow
def test_start_refuses_a_port_taken_by_someone_else(
    local_server: LocalServer, tmp_path: Path
) -> None:
    with pytest.raises(neo4j_server.PortInUseError):
        neo4j_server.start(tmp_path / "other", local_server.port, wait=5)


@pytest.mark.neo4j
@pytest.mark.slow
def test_stop_then_status_says_stopped(local_server: LocalServer, driver: Driver) -> None:
    assert neo4j_server.stop(local_server.home) is True
    info = neo4j_server.status(local_server.home)
    assert info["running"] is False
    assert info["pid"] is None
    assert not (local_server.home / neo4j_server.PID_FILE).exists()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", local_server.port)) != 0
    assert neo4j_server.stop(local_server.home) is False  # idempotent
