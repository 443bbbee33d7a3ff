"""The structure graph's pair dicts made on first use (``StructureGraph``): the analyses that read the integer form
never make them, their answers are those of the reference graph, and whatever reads the adjacency — a subgraph of a
few nodes, a copy, a pickle, several threads at once — sees exactly the reference's."""

from __future__ import annotations

import copy
import pickle
import random
import threading
from typing import Any

import networkx as nx
import pytest

import stakegraph.analytics.structure_fast as fast_mod
from stakegraph.analyses import get
from stakegraph.analyses.answer import answer
from stakegraph.analyses.structure import shared_structure
from stakegraph.analytics import dependencies as deps
from stakegraph.analytics.selection import structural_graph
from stakegraph.analytics.structure_fast import StructureGraph, structural_graph_fast
from tests.analytics.audit_graphs import NAMES, graph
from tests.analytics.test_structure_fast import odd_graph, same_graph

LAZY_NAMES = ("sample", "generated-200-3", "generated-500-11-cny", "seeded-1", "seeded-4-one")
#: Graphs above the kernels' igraph threshold (smaller ones run NetworkX's own algorithms, which read the dicts).
BIG = ("generated-500-11", "generated-1000-29", "generated-500-11-cny")


def _views_equal(A: nx.Graph, B: nx.Graph) -> None:
    """Two (sub)graphs read alike: nodes, node data, each node's neighbours in order, each pair's attributes."""
    assert list(A.nodes(data=True)) == list(B.nodes(data=True))
    assert [(u, list(nbrs.items())) for u, nbrs in A.adj.items()] == [(u, list(nbrs.items())) for u, nbrs in B.adj.items()]
    assert list(A.edges(data=True)) == list(B.edges(data=True))
    assert A.graph.keys() == B.graph.keys()
    assert {k: v for k, v in A.graph.items() if k != "fx"} == {k: v for k, v in B.graph.items() if k != "fx"}
    assert type(A.graph.get("fx")) is type(B.graph.get("fx"))  # an FX table copied by a pickle is another object


@pytest.mark.parametrize("name", [*BIG, "sample", "seeded-1"])
def test_cut_points_and_centrality_never_make_the_pairs(name: str) -> None:
    """On a graph above the igraph threshold they read the integer form only; on a smaller one NetworkX reads the
    dicts (made then); the answers are the reference's either way."""
    G = graph(name)
    H = structural_graph_fast(G)
    assert isinstance(H, StructureGraph) and H.deferred
    ref = structural_graph(G)
    assert list(H) == list(ref) and len(H) == len(ref)
    assert deps.articulation_points_and_bridges(G, structure=H) == deps.articulation_points_and_bridges(G, structure=ref)
    for k in (None, 5):
        got = deps.centrality(G, k=k, seed=3, structure=H)
        want = deps.centrality(G, k=k, seed=3, structure=ref)
        assert got == want
    assert H.deferred == (name in BIG)  # above the threshold nothing read a pair dict
    same_graph(H, ref)  # now made, equal to the reference
    assert not H.deferred


@pytest.mark.parametrize("name", BIG[:2])
def test_the_catalogue_answers_leave_the_shared_structure_unmade(name: str) -> None:
    G = graph(name).copy()  # a graph of its own: the shared structure is kept per projection
    for analysis in ("cut-points", "centrality"):
        answer(G, get(analysis), {})
    H = shared_structure(G)
    assert isinstance(H, StructureGraph) and H.deferred


def _restricted(ref: nx.Graph, nodes: Any) -> nx.Graph:
    """The reference's nodes ``nodes`` and their pairs, in its node order and neighbour order (what ``induced`` is)."""
    wanted = set(nodes)
    out = nx.Graph()
    out.graph = ref.graph
    for n in ref:
        if n in wanted:
            out._node[n] = ref._node[n]  # noqa: SLF001
            out._adj[n] = {v: a for v, a in ref._adj[n].items() if v in wanted}  # noqa: SLF001
    return out


@pytest.mark.parametrize("name", LAZY_NAMES)
def test_induced_graphs_of_a_few_nodes_are_the_reference_restricted(name: str) -> None:
    G = graph(name)
    ref = structural_graph(G)
    nodes = list(ref)
    rnd = random.Random(7)
    for size in (0, 1, 2, 5, 20, len(nodes)):
        picked = [*rnd.sample(nodes, min(size, len(nodes))), "not-a-node"]
        H = structural_graph_fast(G)
        small = H.induced(picked)
        assert H.deferred  # only the picked nodes' pairs were made
        _views_equal(small, _restricted(ref, picked))
        same_graph(small, _restricted(ref, picked))
        H._make()  # noqa: SLF001
        made = H.induced(picked)
        _views_equal(made, small)
        assert all(made[u][v] is H[u][v] for u, v in made.edges())  # once made: H's own pair dicts
    if nodes:  # a subgraph view reads the whole adjacency, as NetworkX's
        H = structural_graph_fast(G)
        _views_equal(H.subgraph(nodes[:9]), ref.subgraph(nodes[:9]))
        assert not H.deferred


@pytest.mark.parametrize("seed", range(6))
def test_odd_graphs_subgraphs_and_whole(seed: int) -> None:
    G = odd_graph(seed)
    ref = structural_graph(G)
    picked = random.Random(seed).sample(list(ref), len(ref) // 3)
    H = structural_graph_fast(G)
    _views_equal(H.induced(picked), _restricted(ref, picked))
    same_graph(H, ref)


@pytest.mark.parametrize("how", ["pickle", "deepcopy", "copy", "to_directed", "networkx"])
def test_copies_hold_the_whole_adjacency(how: str) -> None:
    G = graph("generated-200-3")
    H, ref = structural_graph_fast(G), structural_graph(G)
    made: dict[str, Any] = {
        "pickle": lambda: pickle.loads(pickle.dumps(H)),
        "deepcopy": lambda: copy.deepcopy(H),
        "copy": lambda: H.copy(),
        "to_directed": lambda: H.to_directed(),
        "networkx": lambda: nx.Graph(H),
    }
    other = made[how]()
    want = {"to_directed": ref.to_directed(), "copy": ref.copy(), "networkx": nx.Graph(ref)}.get(how, ref)
    _views_equal(other, want)
    if isinstance(other, StructureGraph):
        assert not other.deferred
        assert other.pair_attributes(list(want.edges())[:3]) == [want[u][v] for u, v in list(want.edges())[:3]]


def test_threads_make_the_pairs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    G = graph("generated-500-11-cny")
    H = structural_graph_fast(G)
    calls = []
    original = fast_mod._Deferred.adjacency  # noqa: SLF001

    def counted(self: Any) -> Any:
        calls.append(1)
        return original(self)

    monkeypatch.setattr(fast_mod._Deferred, "adjacency", counted)  # noqa: SLF001
    start = threading.Barrier(8)
    seen: list[Any] = []

    def read() -> None:
        start.wait()
        seen.append(list(H.edges(data=True)))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    want = list(structural_graph(G).edges(data=True))
    assert all(s == want for s in seen)


@pytest.mark.parametrize("name", NAMES)
def test_directed_structure_is_made_at_once(name: str) -> None:
    D = structural_graph_fast(graph(name), directed=True)
    assert type(D) is nx.DiGraph


@pytest.mark.parametrize("name", [*BIG, "sample"])
def test_pair_attributes_are_the_pairs_dicts(name: str) -> None:
    G = graph(name)
    ref = structural_graph(G)
    pairs = list(ref.edges())
    rnd = random.Random(5)
    picked = rnd.sample(pairs, min(40, len(pairs)))
    picked += [(v, u) for u, v in picked[:10]] + picked[:3]  # either order, repeated
    H = structural_graph_fast(G)
    assert H.pair_attributes(picked) == [ref[u][v] for u, v in picked]
    assert H.deferred and H.pair_attributes([]) == []
    nodes = list(ref)
    far = next(((a, b) for a in nodes for b in nodes if a != b and not ref.has_edge(a, b)), None)
    if far is not None:
        with pytest.raises(KeyError):
            H.pair_attributes([picked[0], far])
    with pytest.raises(KeyError):
        H.pair_attributes([("not-a-node", nodes[0])])
    H._make()  # noqa: SLF001
    assert H.pair_attributes(picked) == [ref[u][v] for u, v in picked]
    assert all(a is H[u][v] for a, (u, v) in zip(H.pair_attributes(picked), picked, strict=True))
