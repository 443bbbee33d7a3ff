"""Whole-book analyses declared once, each with a local and a Spark backend: components and PageRank."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stakegraph.analyses.cells import num
from stakegraph.analyses.spec import Analysis, Param, Table
from stakegraph.analytics import whole_graph as wg
from stakegraph.analytics.selection import STRUCTURAL_KINDS

P = Mapping[str, Any]
TOP = Param("top", "int", "Rows to return and show.", default=20, minimum=1, maximum=10_000)
KINDS = Param("kinds", "kinds", "Kinds that tie the structure graph.", default=STRUCTURAL_KINDS)

COMPONENTS = Analysis(
    name="components",
    title="Connected components",
    help="The connected components of the party/project structure graph: how many, their sizes and each "
         "node's component (labelled by its smallest node id). Runs locally or as a Spark job.",
    params=(KINDS, TOP),
    compute=lambda G, p: wg.components(G, kinds=p["kinds"], top=p["top"]),
    result=wg.ComponentsResult,
    tables=lambda r, p: [
        Table(f"Connected components: {r.components} among {r.structure_nodes} nodes, "
              f"{r.isolated} isolated", ["component", "name", "size"],
              [[c.id, c.name, c.size] for c in r.largest], name="components")],
    example="stakegraph analyze components --top 10",
    backends=("local", "spark"),
)

PAGERANK = Analysis(
    name="pagerank",
    title="PageRank",
    help="PageRank of every party/project of the structure graph (the variant the centrality analysis "
         "reports), highest first. Runs locally or as a Spark job.",
    params=(
        KINDS,
        Param("directed", "bool", "Follow edge direction.", default=False),
        Param("weighted", "bool", "Weigh ties by their amounts.", default=False),
        Param("alpha", "float", "Damping factor.", default=0.85, minimum=0.01, maximum=0.99),
        Param("tol", "float", "Stop when the L1 change of the vector is below this.", default=1e-10,
              minimum=1e-15, maximum=1e-2),
        Param("max_iter", "int", "Most iterations.", default=1000, minimum=1, maximum=100_000),
        TOP,
    ),
    compute=lambda G, p: wg.pagerank_scores(G, kinds=p["kinds"], directed=p["directed"], weighted=p["weighted"],
                                            alpha=p["alpha"], tol=p["tol"], max_iter=p["max_iter"], top=p["top"]),
    result=wg.PagerankResult,
    tables=lambda r, p: [
        Table(f"PageRank of {r.nodes} nodes ({'directed' if r.directed else 'undirected'}"
              f"{', weighted' if r.weighted else ''})", ["node", "name", "type", "pagerank"],
              [[x.node, x.name, x.type, num(x.pagerank, ".6f")] for x in r.top], name="pagerank")],
    example="stakegraph analyze pagerank --top 10",
    backends=("local", "spark"),
)

ANALYSES: tuple[Analysis, ...] = (COMPONENTS, PAGERANK)
