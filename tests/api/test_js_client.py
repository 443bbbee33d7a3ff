"""A real JavaScript GraphQL client (``graphql-request`` from npm, pinned in js_client/package.json)
runs every documented example against uvicorn on loopback and gets the same answers as Python's ``gql``.

Each client talks to its own server over its own freshly filled embedded store, running the examples in
the same order, so the two mutations among the examples leave both stores in the same state.
Outside CI a missing node/npm (or an unreachable npm registry) skips; under ``CI=true`` it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError
from gql.transport.requests import RequestsHTTPTransport

from stakegraph.store.base import GraphStore
from stakegraph.web.app import create_app
from stakegraph.web.examples import EXAMPLES
from tests.api.conftest import fill, settings

JS_DIR = Path(__file__).parent / "js_client"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# ids of the bundled sample that the small test graph names differently (as in test_http_client.py)
_RENAMES = {"p_energy_plant_1": "p_plant", "k_bet_on_cd": "k_loan"}


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the JS client check must run)")
    pytest.skip(f"{reason}; install node >= 18 and npm to run the graphql-request check")


def _examples() -> dict[str, str]:
    out = {}
    for name, q in EXAMPLES.items():
        for old, new in _RENAMES.items():
            q = q.replace(old, new)
        out[name] = q
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serve(store: GraphStore) -> Iterator[str]:
    port = _free_port()
    config = uvicorn.Config(create_app(settings(), store), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        srv.should_exit = True
        t.join(10)


@pytest.fixture(scope="module")
def js_client_dir() -> Path:
    """tests/api/js_client with its node_modules installed (once; kept between runs, git-ignored)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _unavailable(f"node/npm not found on PATH (node={node}, npm={npm})")
    assert npm is not None
    if not (JS_DIR / "node_modules" / "graphql-request").is_dir():
        cmd = [npm, "ci", "--no-audit", "--no-fund"] if (JS_DIR / "package-lock.json").exists() \
            else [npm, "install", "--no-audit", "--no-fund"]
        try:
            r = subprocess.run(cmd, cwd=JS_DIR, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            _unavailable(f"`npm {cmd[1]}` timed out in {JS_DIR}")
        if r.returncode != 0:
            _unavailable(f"`npm {cmd[1]}` failed in {JS_DIR}:\n{r.stderr[-2000:]}")
    return JS_DIR


def _norm_errors(errors: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    """Compare what a client user sees: message and path (locations/extensions left aside)."""
    if not errors:
        return None
    return [{"message": e.get("message"), "path": e.get("path")} for e in errors]


def _python_answers(url: str, queries: dict[str, str]) -> dict[str, dict[str, Any]]:
    client = Client(transport=RequestsHTTPTransport(url=url, timeout=30), fetch_schema_from_transport=False)
    out: dict[str, dict[str, Any]] = {}
    for name, q in queries.items():
        try:
            out[name] = {"data": client.execute(gql(q)), "errors": None}
        except TransportQueryError as e:
            out[name] = {"data": e.data, "errors": _norm_errors(e.errors)}
    return out


def _js_answers(js_dir: Path, url: str, queries: dict[str, str]) -> dict[str, dict[str, Any]]:
    node = shutil.which("node")
    assert node
    r = subprocess.run([node, "run_examples.mjs", url], cwd=js_dir, input=json.dumps(queries),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"node run_examples.mjs failed:\n{r.stderr[-3000:]}"
    raw = json.loads(r.stdout)
    out: dict[str, dict[str, Any]] = {}
    for name, res in raw.items():
        assert "transportError" not in res, (name, res)
        out[name] = {"data": res["data"], "errors": _norm_errors(res["errors"])}
    return out


def test_js_client_gets_the_same_answers_as_gql(js_client_dir: Path,
                                                make_store: Callable[[str], GraphStore]) -> None:
    queries = _examples()
    with _serve(fill(make_store("embedded"))) as url:
        js = _js_answers(js_client_dir, url, queries)
    with _serve(fill(make_store("embedded"))) as url:
        py = _python_answers(url, queries)

    assert set(js) == set(queries)
    for name in queries:
        assert js[name] == py[name], f"example {name!r}: JS {js[name]!r} != gql {py[name]!r}"
    # the examples actually answered (same expectation as test_http_client.py)
    failed = {n for n, a in js.items() if a["errors"]}
    assert failed <= {"contagion"}, {n: js[n]["errors"] for n in failed}
    assert all(js[n]["data"] for n in queries if n not in failed)
