"""The columnar graph index and the fast paths from it = the NetworkX reference, on seeded graphs.

* ``store.project()`` (bulk, from the index) = ``base.to_networkx(iter_nodes(), iter_edges())``
  (nodes, edges, keys, attributes, insertion order — successors and predecessors);
* the index columns = the same columns read record by record (the generic path);
* ``fastpath.structure(index)`` = ``selection.structural_graph(G)`` (nodes, order, pairs, strength);
* betweenness (exact, sampled, weighted), PageRank, core number and the cut structure from the
  arrays = the kernels on the NetworkX structural graph = NetworkX itself.
"""

from __future__ import annotations

import random
from typing import Any

import networkx as nx
import numpy as np
import pytest

from stakegraph.analytics import fastpath
from stakegraph.analytics import kernels as kn
from stakegraph.analytics.selection import structural_graph
from stakegraph.domain import RELATIONSHIP_KINDS
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.store import EmbeddedStore
from stakegraph.store.base import to_networkx
from stakegraph.store.graphindex import build_index, index_from_rows, parse_dates, rows_from_records
from tests.conftest import BACKEND_PARAMS

STATUSES = [None, "active", "ended", " Ended ", "repaid", "recalled", "terminated", "ACTIVE", "disputed"]
WEIGHTS: list[Any] = [None, 0, -2.0, 1, 2.5, 7, 1e6, 3.25, "absent"]
DATES = [None, "2020-01-01", "2024-02-29", "2026-06-30", "2031-12-31"]


def seeded_records(seed: int, n: int = 40) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """Parties, projects, contracts, interactions; every kind; statuses, weights, dates, parallels."""
    rnd = random.Random(seed)
    by_type: dict[str, list[str]] = {"party": [f"pty_{i:03d}" for i in range(n)],
                                     "project": [f"prj_{i:03d}" for i in range(n // 4)],
                                     "contract": [f"ctr_{i:03d}" for i in range(n // 5)],
                                     "interaction": [f"int_{i:03d}" for i in range(n // 5)],
                                     "signal": [f"sig_{i:03d}" for i in range(3)]}
    nodes = []
    for t, ids in by_type.items():
        for i in ids:
            props: dict[str, Any] = {"name": i.upper()}
            if t == "party":
                props["kind"] = rnd.choice(["company", "bank", "government"])
            if t in ("contract", "interaction", "signal") and rnd.random() < 0.7:
                props["date" if t != "contract" else "signed_date"] = rnd.choice(DATES[1:])
            nodes.append(NodeRecord(i, t, props))
    edges = []
    kinds = list(RELATIONSHIP_KINDS)
    for j in range(n * 4):
        kind = rnd.choice(kinds)
        spec = RELATIONSHIP_KINDS[kind]
        src = rnd.choice(by_type[rnd.choice(spec.sources)])
        dst = rnd.choice(by_type[rnd.choice(spec.targets)])
        props = {}
        if (s := rnd.choice(STATUSES)) is not None:
            props["status"] = s
        if spec.weight and (w := rnd.choice(WEIGHTS)) != "absent" and w is not None:
            props[spec.weight] = w
        if spec.category == "financing" and rnd.random() < 0.8:
            props["currency"] = rnd.choice(["USD", "usd", "EUR", " eur"])
            props.setdefault("amount", rnd.choice([1.0, 5.5, 100]))
        if (d := rnd.choice(DATES)) is not None:
            props["start_date"] = d
        if (d := rnd.choice(DATES)) is not None:
            props["end_date"] = d
        edges.append(EdgeRecord(f"e{seed}_{j:04d}", kind, src, dst, props))
        if rnd.random() < 0.15:  # a parallel edge of another kind between the same ends
            k2 = rnd.choice([k for k in kinds if set(RELATIONSHIP_KINDS[k].sources) >= {"party"}
                             and "party" in RELATIONSHIP_KINDS[k].targets])
            if src in by_type["party"] and dst in by_type["party"]:
                edges.append(EdgeRecord(f"e{seed}_{j:04d}p", k2, src, dst, {}))
        if rnd.random() < 0.05 and src in by_type["party"] and "party" in spec.targets:  # a self-loop
            edges.append(EdgeRecord(f"e{seed}_{j:04d}s", kind, src, src, dict(props)))
    return nodes, edges


@pytest.fixture
def seeded_store(request: pytest.FixtureRequest, make_store: Any) -> Any:
    backend, seed = request.param
    store = make_store(backend)
    nodes, edges = seeded_records(seed)
    store.write(nodes, edges)
    return store


def reference_projection(store: Any, **kw: Any) -> nx.MultiDiGraph:
    """The projection as it was built before the index: record by record."""
    types, kinds = kw.get("types"), kw.get("kinds")
    return to_networkx(store.iter_nodes(types), store.iter_edges(kinds), version=store.graph_version(),
                       backend=store.backend, **store.money_facts())


def assert_same_graph(G: nx.MultiDiGraph, R: nx.MultiDiGraph) -> None:
    assert G.graph == R.graph
    assert list(G.nodes(data=True)) == list(R.nodes(data=True))
    assert list(G.edges(keys=True, data=True)) == list(R.edges(keys=True, data=True))
    assert [list(G.pred[v].items()) for v in G] == [list(R.pred[v].items()) for v in R]


CASES = [pytest.param((p.values[0], seed), id=f"{p.id}-{seed}", marks=p.marks)
         for p in BACKEND_PARAMS for seed in range(4)]


@pytest.mark.parametrize("seeded_store", CASES, indirect=True)
def test_projection_from_the_index_equals_the_record_by_record_projection(seeded_store: Any) -> None:
    assert_same_graph(seeded_store.project(), reference_projection(seeded_store))
    sub = {"types": ("party", "project"), "kinds": ("lends_to", "owns", "builds")}
    assert_same_graph(seeded_store.project(**sub), reference_projection(seeded_store, **sub))
    ix = build_index(seeded_store, props=True)
    assert_same_graph(ix.to_networkx(), reference_projection(seeded_store))
    assert_same_graph(ix.to_networkx(), reference_projection(seeded_store))  # not released: built again


@pytest.mark.parametrize("seeded_store", CASES, indirect=True)
def test_index_columns_equal_the_record_by_record_columns(seeded_store: Any) -> None:
    fast = build_index(seeded_store)
    slow = index_from_rows(rows_from_records(seeded_store, props=False))
    assert fast.version == slow.version == seeded_store.graph_version()
    assert fast.node_ids == slow.node_ids == [n.id for n in seeded_store.iter_nodes()]
    assert fast.edge_ids == slow.edge_ids == [e.id for e in seeded_store.iter_edges()]
    for col in ("node_type", "src", "dst", "kind", "status", "active", "currency", "weight", "amount",
                "start", "end"):
        assert np.array_equal(getattr(fast, col), getattr(slow, col), equal_nan=col in ("weight", "amount", "start", "end")), col
    assert fast.types == slow.types and fast.kinds == slow.kinds and fast.currencies == slow.currencies
    # every column against the properties, edge by edge
    from stakegraph.measures import edge_size, is_active, money_of_edge

    for j, e in enumerate(seeded_store.iter_edges()):
        assert fast.node_ids[fast.src[j]] == e.source and fast.node_ids[fast.dst[j]] == e.target
        assert fast.kinds[fast.kind[j]] == e.kind
        assert bool(fast.active[j]) == is_active(e.props)
        w = edge_size({**e.props, "kind": e.kind})
        assert (np.isnan(fast.weight[j]) and w is None) or fast.weight[j] == w
        a = money_of_edge({"amount": e.props.get("amount")})
        assert (np.isnan(fast.amount[j]) and a is None) or fast.amount[j] == a
        cur = e.props.get("currency")
        assert (fast.currencies[fast.currency[j]] if fast.currency[j] >= 0 else None) == (
            cur.strip().upper() if cur else None)
        for days, key in ((fast.start, "start_date"), (fast.end, "end_date")):
            assert (str(days[j]) if not np.isnat(days[j]) else None) == e.props.get(key)


@pytest.mark.parametrize("directed", [False, True])
@pytest.mark.parametrize("seeded_store", CASES, indirect=True)
def test_structure_from_arrays_equals_structural_graph(seeded_store: Any, directed: bool) -> None:
    G = seeded_store.project()
    H = structural_graph(G, directed=directed)
    S = fastpath.structure(build_index(seeded_store), directed=directed)
    assert S.nodes == list(H.nodes())
    got = dict(zip(S.pairs(), S.strength.tolist(), strict=True))
    ref = {(u, v): d["strength"] for u, v, d in H.edges(data=True)}
    if not directed:
        ref = {tuple(sorted((u, v), key=S.nodes.index)): s for (u, v), s in ref.items()}  # type: ignore[misc]
    assert got.keys() == ref.keys()
    assert all(got[p] == pytest.approx(ref[p], rel=1e-12) for p in ref)


@pytest.mark.parametrize("seeded_store", CASES, indirect=True)
def test_kernels_from_arrays_equal_networkx(seeded_store: Any) -> None:
    G = seeded_store.project()
    H = structural_graph(G)
    S = fastpath.structure(build_index(seeded_store))
    # betweenness: exact, sampled, weighted (distance = 1 / strength) — against NetworkX itself
    for kw in ({}, {"k": 7, "seed": 3}, {"normalized": False}):
        got = fastpath.betweenness(S, **kw)
        assert got == pytest.approx(nx.betweenness_centrality(H, **kw), abs=1e-12)
        assert got == kn.betweenness(H, backend="igraph", **kw)[0]
    weighted = fastpath.betweenness(S, weighted=True)
    assert weighted == pytest.approx(kn.betweenness(H, weight="distance", backend="igraph")[0], abs=1e-12)
    n = len(H)
    assert fastpath.pagerank(S) == pytest.approx(nx.pagerank(H, tol=1e-10 / n, max_iter=1000), abs=1e-9)
    assert fastpath.pagerank(S, weighted=True) == pytest.approx(
        nx.pagerank(H, weight="strength", tol=1e-10 / n, max_iter=1000), abs=1e-9)
    assert fastpath.core_number(S) == nx.core_number(H)
    cut = fastpath.cut_structure(S)
    assert cut.points == set(nx.articulation_points(H)) == set(fastpath.articulation_points(S))
    assert set(cut.blocks) == {frozenset(b) for b in nx.biconnected_components(H)}
    assert {frozenset(e) for e in fastpath.bridges(S)} == {frozenset(e) for e in nx.bridges(H)}


def test_empty_store_gives_an_empty_index_and_graph() -> None:
    with EmbeddedStore(":memory:") as store:
        ix = build_index(store, props=True)
        assert ix.n == ix.m == 0 and ix.to_networkx().number_of_nodes() == 0
        S = fastpath.structure(ix)
        assert S.nodes == [] and fastpath.betweenness(S) == {} and fastpath.pagerank(S) == {}


def test_dates_are_read_as_the_as_of_rule_reads_them() -> None:
    got = parse_dates(["2024-01-31", None, "not a date", "2024-02-01T10:00:00", "2024-13-01", 7])
    assert [None if np.isnat(d) else str(d) for d in got] == ["2024-01-31", None, None, "2024-02-01", None, None]
