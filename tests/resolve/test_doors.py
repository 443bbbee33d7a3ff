"""Every door takes the graph choice and says which graph answered: GraphQL ``graph: RAW`` and the
pages' ``?graph=raw``, on the merged-sources sample with its matches accepted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from stakegraph.loaders.pipeline import load
from stakegraph.resolve.review import accept_proposals, propose_in
from stakegraph.settings import Settings
from stakegraph.store import EmbeddedStore
from stakegraph.web.app import create_app

SOURCES = Path(__file__).resolve().parents[2] / "data" / "merged" / "sources"
QUERY = """query($graph: ConcentrationGraph) {
  concentration(node: "lb_101", kinds: [LENDS_TO], direction: IN, graph: $graph) {
    stamp { parameters } result { hhi } } }"""


def _gql(client: TestClient, graph: str | None) -> dict[str, Any]:
    r = client.post("/graphql", json={"query": QUERY, "variables": {"graph": graph}})
    assert r.status_code == 200 and "errors" not in r.json(), r.text
    return r.json()["data"]["concentration"]  # type: ignore[no-any-return]


def test_graphql_and_pages_choose_the_graph(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "g.db")
    load(SOURCES, store)
    accept_proposals(store, propose_in(store), min_score=0.9)
    app = create_app(Settings(_env_file=None), store)  # type: ignore[call-arg]
    with TestClient(app, raise_server_exceptions=False) as client:
        default, raw = _gql(client, None), _gql(client, "RAW")
        assert default["stamp"]["parameters"]["graph"] == "resolved"
        assert round(default["result"]["hhi"], 1) == 5918.4
        assert raw["stamp"]["parameters"]["graph"] == "raw" and round(raw["result"]["hhi"], 1) == 5061.7
        for graph, hhi in (("raw", 5061.7), ("resolved", 5918.4)):
            r = client.get(f"/viz/analysis/concentration?node=lb_101&kinds=lends_to&direction=in&graph={graph}"
                           "&format=json")
            assert r.status_code == 200, r.text
            body = r.json()
            assert body["stamp"]["parameters"]["graph"] == graph and round(body["result"]["hhi"], 1) == hhi
    store.close()
