"""The block-cut tree as arrays (``cut_points_fast``) equals the reference's tuples and sets.

``articulation_points_and_bridges(backend="igraph")`` takes the array path, ``backend="networkx"`` the
reference walk over a NetworkX block-cut tree; the two answers must be equal, field by field.
"""

from __future__ import annotations

import random

import networkx as nx
import pytest

from stakegraph.analytics.cut_points_fast import cut_points_fast
from stakegraph.analytics.dependencies import articulation_points_and_bridges
from stakegraph.analytics.kernels import indexed
from stakegraph.analytics.selection import structural_graph
from tests.analytics.audit_graphs import NAMES, graph


def _both(G: nx.MultiDiGraph) -> None:
    ref = articulation_points_and_bridges(G, backend="networkx")
    fast = articulation_points_and_bridges(G, backend="igraph")
    assert fast.points == ref.points
    assert fast.bridges == ref.bridges
    assert fast == ref


def _multigraph(pairs: list[tuple[str, str]], isolated: tuple[str, ...] = ()) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    for u, v in pairs:
        G.add_node(u, type="party", name=f"N {u}")
        G.add_node(v, type="project")
    G.add_nodes_from(isolated, type="party")
    for j, (u, v) in enumerate(pairs):
        G.add_edge(u, v, key=f"e{j}", kind="lends_to" if j % 2 else "builds", amount=1.0 + j)
    return G


@pytest.mark.parametrize("seed", range(30))
def test_equal_on_random_sparse_graphs(seed: int) -> None:
    """Sparse random graphs: many components, chains, stars, small blocks and ties between pieces."""
    rng = random.Random(seed)
    n = rng.randint(2, 120)
    m = rng.randint(0, int(n * rng.choice([0.6, 1.0, 1.3, 2.0])))
    pairs = [tuple(f"v{x}" for x in rng.sample(range(n), 2)) for _ in range(m)]
    _both(_multigraph(pairs, isolated=("lonely",)))  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", ["path", "star", "tree", "cycles", "barbell", "two-equal-halves"])
def test_equal_on_shapes_with_ties(shape: str) -> None:
    """Shapes where the largest piece is tied, every edge is a bridge, or the tree is deep."""
    H = {
        "path": nx.path_graph(41),
        "star": nx.star_graph(12),
        "tree": nx.random_labeled_tree(200, seed=5),
        "cycles": nx.disjoint_union_all([nx.cycle_graph(4), nx.cycle_graph(5), nx.path_graph(3)]),
        "barbell": nx.barbell_graph(5, 3),
        "two-equal-halves": nx.union(nx.star_graph(3), nx.star_graph(3), rename=("a", "b")),
    }[shape]
    pairs = [(f"x{u}", f"x{v}") for u, v in H.edges()]
    _both(_multigraph(pairs))


def test_a_deep_chain_is_walked_without_recursion() -> None:
    pairs = [(f"c{i:05d}", f"c{i + 1:05d}") for i in range(1_500)]
    _both(_multigraph(pairs))


@pytest.mark.parametrize("name", NAMES)
def test_equal_on_the_audit_graphs(name: str) -> None:
    _both(graph(name))


def test_by_hand() -> None:
    """bank—p1, bank—p2, and the triangle p2—p3—p4: bank and p2 are cut points, two edges are bridges.

    Without bank: {p1} and {p2, p3, p4}. Without p2: {bank, p1} and {p3, p4}, a tie kept by the smaller
    id ("bank"). Bridge bank—p2 leaves {bank, p1} against {p2, p3, p4}.
    """
    G = _multigraph([("bank", "p1"), ("bank", "p2"), ("p2", "p3"), ("p3", "p4"), ("p4", "p2")])
    H = structural_graph(G)
    points, bridges = cut_points_fast(H, indexed(H), name=lambda v: f"N {v}")
    assert [(p.node, p.name, p.pieces, p.separated) for p in points] == [
        ("p2", "N p2", (2, 2), ("p3", "p4")), ("bank", "N bank", (3, 1), ("p1",))]
    assert [(b.u, b.v, b.edges, b.kinds, b.separated) for b in bridges] == [
        ("bank", "p2", ("e1",), ("lends_to",), ("bank", "p1")), ("bank", "p1", ("e0",), ("builds",), ("p1",))]
    _both(G)
