"""No first request waits: the projection of a new version is built in the background (issue 17, item 5).

Deterministic: the store's columnar read is held at a gate (``threading.Event``) so a build is
"in progress" for as long as the test says; no timing assertions.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from stakegraph.analytics import fastpath
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store import EmbeddedStore
from stakegraph.store.graphindex import build_index
from stakegraph.workspace import Workspace


class GatedStore(EmbeddedStore):
    """An embedded store whose graph read waits for ``gate`` (and says when it started)."""

    def __init__(self) -> None:
        super().__init__(":memory:")
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.fail_next = False

    def index_rows(self, *, props: bool = False) -> Any:
        self.entered.set()
        self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("the read failed")
        return super().index_rows(props=props)


def _store() -> GatedStore:
    store = GatedStore()
    store.write([NodeRecord("s", "party", {"name": "S", "kind": "corporate"}),
                 NodeRecord("b", "party", {"name": "B", "kind": "bank"})],
                [EdgeRecord("l1", "lends_to", "b", "s", {"amount": 10.0})])
    return store


def _write_one_more(store: GatedStore) -> None:
    store.write([NodeRecord("c", "party", {"name": "C", "kind": "corporate"})],
                [EdgeRecord("l2", "lends_to", "b", "c", {"amount": 1.0})])


def test_requests_during_a_rebuild_answer_from_the_previous_version_and_say_so() -> None:
    store = _store()
    with Workspace(store, owns_store=True, stale_wait_s=0) as ws:
        first = ws.run("structure")
        v1 = ws.graph_version()
        assert first.result.nodes == 2 and first.stamp.graph_version == v1
        assert "stale" not in first.stamp.parameters
        store.gate.clear()
        _write_one_more(store)
        v2 = ws.graph_version()
        during = ws.run("structure")  # the build of v2 is held at the gate: the answer is v1's
        assert store.entered.is_set()
        assert during.result.nodes == 2
        assert during.stamp.graph_version == v1
        assert during.stamp.parameters["stale"] is True and during.stamp.parameters["latest_graph_version"] == v2
        assert ws.served_stale() == v2 and ws.stale_served > 0
        assert ws.projection().graph["version"] == v1  # other doors get the previous projection too
        store.gate.set()
        ws.refresh(v2).result()  # the background build completes
        after = ws.run("structure")
        assert after.result.nodes == 3 and after.stamp.graph_version == v2
        assert "stale" not in after.stamp.parameters and ws.served_stale() is None
        assert ws.projections_built == 2


def test_the_first_ever_projection_is_waited_for() -> None:
    store = _store()
    store.gate.clear()
    with Workspace(store, owns_store=True, stale_wait_s=0) as ws:
        answers: list[Any] = []
        t = threading.Thread(target=lambda: answers.append(ws.run("structure")))
        t.start()
        assert store.entered.wait(60)  # the build started and is held: the request has nothing to serve
        assert answers == [] and t.is_alive()
        store.gate.set()
        t.join()
        assert answers[0].result.nodes == 2 and "stale" not in answers[0].stamp.parameters
        assert ws.stale_served == 0


def test_without_stale_wait_a_request_waits_for_the_new_version() -> None:
    store = _store()
    with Workspace(store, owns_store=True) as ws:
        ws.run("structure")
        store.gate.clear()
        _write_one_more(store)
        answers: list[Any] = []
        t = threading.Thread(target=lambda: answers.append(ws.run("structure")))
        t.start()
        assert store.entered.wait(60)
        assert answers == [] and t.is_alive()
        store.gate.set()
        t.join()
        assert answers[0].result.nodes == 3 and ws.stale_served == 0


def test_concurrent_requests_share_one_background_build() -> None:
    store = _store()
    with Workspace(store, owns_store=True, stale_wait_s=0) as ws:
        ws.projection()
        store.gate.clear()
        store.entered.clear()
        _write_one_more(store)
        build = ws.refresh()  # after a write, before any request
        assert store.entered.wait(60)
        got = []
        threads = [threading.Thread(target=lambda: got.append(ws.projection().number_of_nodes())) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert got == [2] * 8  # all served the previous version, none started another build
        store.gate.set()
        assert build.result().number_of_nodes() == 3
        assert ws.projection().number_of_nodes() == 3 and ws.projections_built == 2


def test_a_failed_build_reaches_the_waiting_request_and_the_next_one_retries() -> None:
    store = _store()
    store.fail_next = True
    with Workspace(store, owns_store=True) as ws:
        with pytest.raises(RuntimeError, match="the read failed"):
            ws.projection()
        assert ws.projection().number_of_nodes() == 2 and ws.projections_built == 1


def test_the_index_is_the_projection_version_and_feeds_the_fast_paths() -> None:
    store = _store()
    _write_one_more(store)  # s - b - c: b is a cut vertex
    with Workspace(store, owns_store=True) as ws:
        ix = ws.index()
        assert ix.version == ws.projection().graph["version"] and ws.index() is ix
        assert ix.node_ids == build_index(store).node_ids
        assert fastpath.articulation_points(fastpath.structure(ix)) == ["b"]


def test_the_api_answers_from_the_previous_version_while_a_rebuild_runs() -> None:
    """Through GraphQL: a request after a write waits at most half its limit, then answers from the
    previous version and its stamp says so (``stale``, ``latestGraphVersion``) — never a TIMEOUT."""
    from fastapi.testclient import TestClient

    from stakegraph.settings import Settings
    from stakegraph.web.app import create_app

    store = _store()
    s = Settings(_env_file=None, resolver_timeout_s=1)  # type: ignore[call-arg]
    q = "{ structure { result { nodes } stamp { parameters graphVersion } } }"
    with TestClient(create_app(s, store)) as client:
        state = client.app.state.api  # type: ignore[attr-defined]
        assert state.workspace.stale_wait_s == pytest.approx(0.5)
        first = client.post("/graphql", json={"query": q}).json()["data"]["structure"]
        assert first["result"]["nodes"] == 2
        store.gate.clear()
        store.entered.clear()
        _write_one_more(store)
        try:
            got = client.post("/graphql", json={"query": q}).json()
            assert "errors" not in got, got
            stale = got["data"]["structure"]
            assert stale["result"]["nodes"] == 2 and stale["stamp"]["graphVersion"] == first["stamp"]["graphVersion"]
            params = stale["stamp"]["parameters"]
            assert params["stale"] is True and params["latest_graph_version"] == store.graph_version()
        finally:
            store.gate.set()
        state.workspace.refresh().result(timeout=30)
        fresh = client.post("/graphql", json={"query": q}).json()["data"]["structure"]
        assert fresh["result"]["nodes"] == 3 and fresh["stamp"]["graphVersion"] == store.graph_version()
