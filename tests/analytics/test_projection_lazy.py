"""The projection's adjacency made when read (:class:`stakegraph.projection_graph.ProjectionGraph`) = the
adjacency of the record-by-record projection, on seeded graphs of every backend:

* one node's neighbours, edges and degrees, read in any order, without making the whole adjacency;
* a node pair's key dict shared by both of its ends, as NetworkX shares it;
* the whole adjacency, once something walks it or changes the graph; copies, pickles and subgraphs;
* many threads reading at once.
"""

from __future__ import annotations

import copy
import pickle
import random
import threading
from typing import Any

import networkx as nx
import numpy as np
import pytest

from stakegraph import projection_graph as pg
from stakegraph.measures import edge_count
from stakegraph.projection_graph import ProjectionGraph, is_plain_multidigraph
from stakegraph.store.graphindex import projected
from tests.analytics import test_kernels_index as ki
from tests.analytics.test_kernels_index import CASES, assert_same_graph, reference_projection

seeded_store = ki.seeded_store  # the seeded graphs' fixture, on every backend


def _node_view(G: nx.MultiDiGraph, v: Any) -> tuple[Any, ...]:
    return (list(G._succ[v].items()), list(G._pred[v].items()),  # noqa: SLF001 - the order is the point
            list(G.out_edges(v, keys=True, data=True)), list(G.in_edges(v, keys=True, data=True)),
            G.degree(v), G.in_degree(v), G.out_degree(v), list(G.successors(v)), list(G.predecessors(v)))


@pytest.mark.parametrize("seeded_store", CASES, indirect=True)
def test_single_nodes_read_as_the_eager_projection_without_making_it(seeded_store: Any) -> None:
    G, R = seeded_store.project(), reference_projection(seeded_store)
    assert isinstance(G, ProjectionGraph) and G.deferred and is_plain_multidigraph(G)
    assert (len(G), list(G), G.number_of_edges(), G.size(), edge_count(G)) == (
        len(R), list(R), R.number_of_edges(), R.size(), edge_count(R))
    order = list(R)
    random.Random(5).shuffle(order)
    for v in order:
        assert _node_view(G, v) == _node_view(R, v)
    for u, v, k in list(R.edges(keys=True))[:50]:
        assert G.edges[u, v, k] is G._succ[u][v][k]  # noqa: SLF001
        assert G.edges[u, v, k] == R.edges[u, v, k]
        assert G._succ[u][v] is G._pred[v][u]  # noqa: SLF001 - one key dict per pair, as NetworkX
        assert G.has_edge(u, v, k) and G.number_of_edges(u, v) == R.number_of_edges(u, v)
    assert G.deferred and projected(G) is not None
    assert_same_graph(G, R)  # walking every edge makes the whole adjacency: the same
    assert not G.deferred and projected(G) is not None


@pytest.mark.parametrize("seeded_store", CASES[:1], indirect=True)
def test_reading_many_nodes_one_by_one_makes_the_whole_adjacency(seeded_store: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg, "SINGLE_READS_MIN", 5)
    G, R = seeded_store.project(), reference_projection(seeded_store)
    nodes = list(R)
    for v in nodes[:5]:
        assert _node_view(G, v) == _node_view(R, v)
    assert G.deferred
    for v in nodes[5:]:
        assert _node_view(G, v) == _node_view(R, v)
    assert not G.deferred
    assert_same_graph(G, R)


def test_names_out_of_order_are_found_through_a_dictionary() -> None:
    names = ["b", "a", "c"]  # not in id order: a store's read is, a hand-made plan need not be
    plan = pg.AdjacencyPlan(names, names, np.array([0, 1, 0]), np.array([1, 2, 2]), ["x", "y", "z"],
                            np.arange(3), [{"id": k} for k in "xyz"])
    G = ProjectionGraph()
    G.add_nodes_from(names)
    G._defer(plan)  # noqa: SLF001
    R = nx.MultiDiGraph()
    R.add_nodes_from(names)
    for (u, v), k in zip([("b", "a"), ("a", "c"), ("b", "c")], "xyz", strict=True):
        R.add_edge(u, v, key=k, id=k)
    for v in names:
        assert _node_view(G, v) == _node_view(R, v)
    assert G.deferred and plan._number  # noqa: SLF001
    with pytest.raises(KeyError):
        plan.neighbours("d", "succ")
    assert_same_graph(G, R)


@pytest.mark.parametrize("seeded_store", CASES[:1], indirect=True)
def test_a_node_that_is_not_there_is_a_key_error(seeded_store: Any) -> None:
    G = seeded_store.project()
    with pytest.raises(KeyError):
        G["nope"]
    with pytest.raises(KeyError):
        G._succ["nope"]  # noqa: SLF001
    assert "nope" not in G._pred and "nope" not in G  # noqa: SLF001
    assert G._succ.get("nope") is None and G.deferred  # noqa: SLF001
    with pytest.raises(KeyError):  # the plan's binary search over the ids in order
        G.__dict__["_plan"].neighbours("nope", "pred")


@pytest.mark.parametrize("seeded_store", CASES[:2], indirect=True)
def test_a_change_makes_the_whole_adjacency_first(seeded_store: Any) -> None:
    G, R = seeded_store.project(), reference_projection(seeded_store)
    a, b = list(R)[:2]
    _node_view(G, a)  # a node's dicts made alone, then the graph changes
    for H in (G, R):
        H.add_edge(a, b, key="new", kind="owns")
        H.remove_node(list(R)[-1])
    assert not G.deferred and projected(G) is None  # a change forgets the columns
    assert_same_graph(G, R)


@pytest.mark.parametrize("seeded_store", CASES[:1], indirect=True)
def test_copies_pickles_and_subgraphs_equal_the_eager_projection(seeded_store: Any) -> None:
    R = reference_projection(seeded_store)
    few = list(R)[::7]
    G = seeded_store.project()
    assert list(G.subgraph(few).edges(keys=True, data=True)) == list(R.subgraph(few).edges(keys=True, data=True))
    assert G.deferred  # a small view reads its nodes only
    assert_same_graph(seeded_store.project().copy(), R.copy())
    assert_same_graph(copy.deepcopy(seeded_store.project()), R)
    P = pickle.loads(pickle.dumps(seeded_store.project()))
    assert not P.deferred
    assert_same_graph(P, R)
    U = seeded_store.project().to_undirected()
    assert sorted(U.edges(keys=True)) == sorted(R.to_undirected().edges(keys=True))


@pytest.mark.parametrize("seeded_store", CASES[:1], indirect=True)
def test_threads_reading_at_once_see_the_same_adjacency(seeded_store: Any) -> None:
    R = reference_projection(seeded_store)
    want = {v: _node_view(R, v) for v in R}
    G = seeded_store.project()
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def read(i: int) -> None:
        try:
            barrier.wait()
            nodes = list(want)
            random.Random(i).shuffle(nodes)
            for v in nodes:
                assert _node_view(G, v) == want[v]
            if i == 7:  # one walks everything meanwhile
                assert list(G.edges(keys=True)) == list(R.edges(keys=True))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert_same_graph(G, R)
