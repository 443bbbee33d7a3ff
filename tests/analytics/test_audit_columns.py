"""The audit's own passes read from the shared edge table equal the passes over the projection.

:mod:`stakegraph.analytics.audit_columns` against the walks it replaces in :mod:`stakegraph.audit`
(recalled relationships, edges per kind, sponsors' shared providers), on the audit's seeded graphs,
generated portfolios and the bundled sample, and on small random multigraphs with odd kinds and
statuses, self-loops and parallel edges.
"""

from __future__ import annotations

import random
from collections import Counter

import networkx as nx
import pytest

from stakegraph import audit
from stakegraph.analytics import audit_columns as ac
from tests.analytics.audit_graphs import NAMES, graph


def _recalled(G: nx.MultiDiGraph) -> list[tuple[object, ...]]:
    return [e for e in G.edges(keys=True, data=True) if e[3].get("status") == "recalled"]


def _kinds(G: nx.MultiDiGraph) -> dict[str, int]:
    return dict(sorted(Counter(str(d.get("kind")) for *_, d in G.edges(keys=True, data=True)).items()))


def _shared(G: nx.MultiDiGraph) -> list[audit.SharedProvider]:
    out = audit.shared_providers_reference(G)
    out.sort(key=lambda x: (-len(x.projects), x.sponsor, x.kind, x.provider))
    return out


def _assert_equal(G: nx.MultiDiGraph) -> None:
    got = ac.recalled_edges(G)
    assert got is not None and got == _recalled(G)
    assert all(a[3] is b[3] for a, b in zip(got, _recalled(G), strict=True))  # the projection's own dicts
    assert ac.edge_kind_counts(G) == _kinds(G)
    assert audit.shared_providers(G) == _shared(G)


@pytest.mark.parametrize("name", NAMES)
def test_equal_on_the_audit_graphs(name: str) -> None:
    _assert_equal(graph(name))


def _random_graph(seed: int) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    G = nx.MultiDiGraph(version=f"r{seed}")
    types = ["party", "party", "project", "contract", None]
    for i in range(rng.randint(0, 25)):
        G.add_node(f"n{i}", type=rng.choice(types))
    nodes = list(G)
    kinds = ["sponsors", "builds", "operates", "offtakes", "insures", "lends_to", None, "None"]
    statuses = ["recalled", "Recalled", "active", "ended", None, 3]
    for j in range(rng.randint(0, 80) if nodes else 0):
        u, v = rng.choice(nodes), rng.choice(nodes)
        d = {"kind": rng.choice(kinds), "status": rng.choice(statuses)}
        if d["kind"] is None:
            del d["kind"]
        G.add_edge(u, v, key=f"e{j}", **d)
    return G


@pytest.mark.parametrize("seed", range(60))
def test_equal_on_random_multigraphs(seed: int) -> None:
    _assert_equal(_random_graph(seed))


def test_non_text_node_ids_take_the_walk() -> None:
    G = nx.MultiDiGraph()
    G.add_node(1, type="party")
    G.add_nodes_from(["p", "q"], type="project")
    for p in ("p", "q"):
        G.add_edge(1, p, kind="sponsors")
        G.add_edge(1, p, kind="builds", status="recalled")
    assert ac.recalled_edges(G) is None and ac.edge_kind_counts(G) is None and ac.sole_providers(G, ["builds"]) is None
    assert audit.shared_providers(G) == [audit.SharedProvider("1", "1", "builds", ("p", "q"))]
    assert audit._edge_kind_counts(G) == {"builds": 2, "sponsors": 2}
