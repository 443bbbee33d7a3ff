"""What each cut point and bridge separates, read from the block-cut tree as integer arrays.

:func:`cut_points_fast` returns exactly the points and bridges of
:func:`stakegraph.analytics.dependencies.articulation_points_and_bridges` (the reference, which builds
the block-cut tree as a NetworkX graph of tuples and the node sets as Python sets:
``tests/analytics/test_cut_points_fast.py`` checks equality on seeded graphs, generated portfolios and
the bundled sample). Here:

* the tree's nodes are integers (block ``i`` is ``i``, the ``j``-th articulation point is
  ``blocks + j``) and its adjacency is an array;
* it is walked once, depth first, from each component's largest block: in that pre-order every subtree is
  a contiguous run of positions;
* the structure graph's nodes are laid out in the same order (each articulation point where its tree node
  is, each block's other nodes where the block is), so a subtree's nodes are one slice of that array and
  the rest of its component two slices — no set is built for a piece nobody lists;
* only the nodes a point or bridge separates become text.

The answer does not depend on where the tree is rooted: a point's pieces are the components its removal
leaves whatever the root, and both tie rules (the largest piece, the smaller side of a bridge) compare
node ids.

>>> import networkx as nx
>>> from stakegraph.analytics.kernels import indexed
>>> from stakegraph.analytics.selection import structural_graph
>>> G = nx.MultiDiGraph()
>>> G.add_nodes_from(["bank", "p1", "p2"], type="party")
>>> G.add_edges_from([("bank", "p1", "1", {"kind": "lends_to"}), ("bank", "p2", "2", {"kind": "lends_to"})])
['1', '2']
>>> H = structural_graph(G)
>>> points, bridges = cut_points_fast(H, indexed(H))
>>> [(p.node, p.pieces, p.separated) for p in points], [(b.u, b.v, b.separated) for b in bridges]
([('bank', (1, 1), ('p2',))], [('bank', 'p1', ('p1',)), ('bank', 'p2', ('p2',))])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np

from stakegraph.analytics.kernels import CutArrays, IndexedGraph, cut_arrays_indexed

__all__ = ["cut_points_fast"]


class _Tree:
    """The block-cut forest of a :class:`CutArrays`, rooted, with every subtree's nodes as slices."""

    def __init__(self, ca: CutArrays, n: int) -> None:
        nb, na = len(ca.ptr) - 1, len(ca.points)
        is_ap = np.zeros(n, dtype=bool)
        is_ap[ca.points] = True
        tid = np.full(n, -1, dtype=np.int64)
        tid[ca.points] = nb + np.arange(na, dtype=np.int64)
        self.tid = tid
        block_of = np.repeat(np.arange(nb, dtype=np.int64), np.diff(ca.ptr))
        on_ap = is_ap[ca.vertex]
        own = ~on_ap
        n_own = np.bincount(block_of[own], minlength=nb)
        # pool: each block's own (non-cut) nodes, block by block, then the cut points in tree order
        pool = np.concatenate((ca.vertex[own], ca.points))
        start = np.zeros(nb + na, dtype=np.int64)
        np.cumsum(n_own[:-1], out=start[1:nb])
        start[nb:] = len(pool) - na + np.arange(na, dtype=np.int64)
        weight = np.concatenate((n_own, np.ones(na, dtype=np.int64)))
        # the tree's edges (block, cut point) both ways, grouped by their first end in block order
        a, b = block_of[on_ap], tid[ca.vertex[on_ap]]
        ends, other = np.concatenate((a, b)), np.concatenate((b, a))
        order = np.argsort(ends, kind="stable")
        tptr = np.zeros(nb + na + 1, dtype=np.int64)
        np.cumsum(np.bincount(ends, minlength=nb + na), out=tptr[1:])
        self._walk(tptr.tolist(), other[order].tolist(), np.argsort(-np.diff(ca.ptr), kind="stable").tolist(),
                   weight.tolist())
        pre = np.asarray(self.pre, dtype=np.int64)
        lens = weight[pre]
        self.off = np.zeros(len(pre) + 1, dtype=np.int64)  # position k's nodes: flat[off[k]:off[k + 1]]
        np.cumsum(lens, out=self.off[1:])
        firsts = start[pre] - self.off[:-1]
        self.flat = pool[np.repeat(firsts, lens) + np.arange(int(self.off[-1]), dtype=np.int64)]
        self.tptr, self.tadj = tptr, other[order]

    def _walk(self, tptr: list[int], adj: list[int], roots: list[int], weight: list[int]) -> None:
        """Pre-order, parents, subtree node counts (``size``) and tree-node counts (``count``), roots."""
        m = len(tptr) - 1
        parent = [-1] * m
        seen = bytearray(m)
        pre: list[int] = []
        root_of = [0] * m
        for r in roots:  # largest block first: the big piece is usually the parent side, never listed
            if seen[r]:
                continue
            seen[r] = 1
            stack = [r]
            while stack:
                x = stack.pop()
                root_of[x] = r
                pre.append(x)
                for y in adj[tptr[x]:tptr[x + 1]]:
                    if not seen[y]:
                        seen[y] = 1
                        parent[y] = x
                        stack.append(y)
        size, count = weight[:], [1] * m
        for x in reversed(pre):
            p = parent[x]
            if p >= 0:
                size[p] += size[x]
                count[p] += count[x]
        tin = [0] * m
        for k, x in enumerate(pre):
            tin[x] = k
        self.pre, self.parent, self.size, self.count, self.tin, self.root_of = pre, parent, size, count, tin, root_of

    def inside(self, x: int) -> np.ndarray:
        """The structure graph's nodes in ``x``'s subtree."""
        k = self.tin[x]
        return self.flat[self.off[k]:self.off[k + self.count[x]]]

    def outside(self, x: int) -> np.ndarray:
        """The nodes of ``x``'s component outside its subtree."""
        r, k = self.root_of[x], self.tin[x]
        lo, hi = self.tin[r], self.tin[r] + self.count[r]
        return np.concatenate((self.flat[self.off[lo]:self.off[k]], self.flat[self.off[k + self.count[x]]:self.off[hi]]))

    def children(self, x: int) -> list[int]:
        p = self.parent[x]
        return [y for y in self.tadj[self.tptr[x]:self.tptr[x + 1]].tolist() if y != p]


def cut_points_fast(H: nx.Graph, ix: IndexedGraph, name: Callable[[Any], str] = str,
                    ca: CutArrays | None = None) -> tuple[list[Any], list[Any]]:
    """The cut points and bridges of undirected ``H`` (integer form ``ix``), as the reference lists them.

    Parameters
    ----------
    H : nx.Graph
        The undirected structure graph (its ``edges`` and ``kinds`` per bridge are read).
    ix : IndexedGraph
        ``H``'s integer form (:func:`stakegraph.analytics.kernels.indexed`).
    name : callable
        A node's display name.
    ca : CutArrays, optional
        ``ix``'s cut structure when the caller has it.

    Returns
    -------
    (list of CutPoint, list of Bridge)
        In the reference's order: most nodes separated first, then by id.

    See Also
    --------
    stakegraph.analytics.dependencies.articulation_points_and_bridges : the caller and reference.
    stakegraph.analytics.kernels.cut_arrays_indexed : the blocks, points and bridges read here.

    References
    ----------
    .. [1] J. Hopcroft and R. Tarjan, "Algorithm 447: efficient algorithms for graph manipulation",
       Communications of the ACM 16(6):372-378, 1973 — blocks and the block-cut tree.
    """
    from stakegraph.analytics.dependencies import Bridge, CutPoint

    nodes = ix.nodes
    ca = cut_arrays_indexed(ix) if ca is None else ca
    t = _Tree(ca, len(nodes))

    def text(part: np.ndarray) -> list[str]:
        return sorted(map(str, map(nodes.__getitem__, part.tolist())))

    points = []
    for v in ca.points.tolist():
        a = int(t.tid[v])
        kids = t.children(a)
        pieces: list[tuple[int, int | None]] = [(t.size[c], c) for c in kids]
        pieces.append((t.size[t.root_of[a]] - t.size[a], None))  # a cut point is never a root
        pieces.sort(key=lambda p: -p[0])

        def piece(c: int | None, a: int = a) -> np.ndarray:
            return t.inside(c) if c is not None else t.outside(a)

        keep = pieces[0][1]
        if len(pieces) > 1 and pieces[1][0] == pieces[0][0]:  # a tie: the piece holding the smallest id
            keep = min((p for p in pieces if p[0] == pieces[0][0]), key=lambda p: min(map(str, map(nodes.__getitem__, piece(p[1]).tolist()))))[1]
        if keep is None:
            sep = t.inside(a)[1:]  # a's subtree without a (first in its own pre-order run)
        else:
            rest = t.outside(keep)  # the component without keep's subtree, and without a
            sep = rest[rest != v]
        sizes = tuple(s for s, _ in pieces)
        points.append(CutPoint(str(nodes[v]), name(nodes[v]), sizes, tuple(text(sep))))
    points.sort(key=lambda p: (-len(p.separated), p.node))
    return points, _bridges(H, ix, ca, t, text, Bridge)


def _bridges(H: nx.Graph, ix: IndexedGraph, ca: CutArrays, t: _Tree, text: Callable[[np.ndarray], list[str]],
             Bridge: Any) -> list[Any]:
    """The bridges, each with the nodes on its smaller side (by count, then by sorted ids)."""
    nodes, n = ix.nodes, len(ix.nodes)
    eids = ca.bridges
    if len(eids) == 0:
        return []
    u_all, v_all = ix.src[eids], ix.dst[eids]
    two = np.flatnonzero(np.diff(ca.ptr) == 2)
    keys = ca.vertex[ca.ptr[two]] * n + ca.vertex[ca.ptr[two] + 1]
    order = np.argsort(keys)
    lo, hi = np.minimum(u_all, v_all), np.maximum(u_all, v_all)
    block = two[order][np.searchsorted(keys[order], lo * n + hi)].tolist()
    pairs = [(nodes[u], nodes[v]) for u, v in zip(u_all.tolist(), v_all.tolist(), strict=True)]
    pair_attributes = getattr(H, "pair_attributes", None)
    attrs_all = pair_attributes(pairs) if pair_attributes is not None else [H[u][v] for u, v in pairs]
    out = []
    for (u, v), x_u, x_v, B, attrs in zip(pairs, u_all.tolist(), v_all.tolist(), block, attrs_all, strict=True):
        sides = []
        for x in (x_u, x_v):
            a = int(t.tid[x])
            if a < 0:
                sides.append((1, lambda x=x: np.array([x], dtype=np.int64)))
            elif t.parent[a] == B:
                sides.append((t.size[a], lambda a=a: t.inside(a)))
            else:
                sides.append((t.size[t.root_of[B]] - t.size[B], lambda B=B: t.outside(B)))
        (su, fu), (sv, fv) = sides
        small = text(fu()) if su < sv else text(fv()) if sv < su else min(text(fu()), text(fv()))
        end_u, end_v = sorted((str(u), str(v)))
        out.append(Bridge(end_u, end_v, tuple(sorted(attrs["edges"])), tuple(sorted(attrs["kinds"])), tuple(small)))
    out.sort(key=lambda br: (-len(br.separated), br.u, br.v))
    return out
