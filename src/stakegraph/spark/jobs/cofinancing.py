"""Co-financing as Spark jobs: ``cofinancing`` and ``cofinancing-centrality``.

The same variant, parameters and result dataclasses as :mod:`stakegraph.analytics.cofinancing`
(the weighted one-mode projection of the lender–project graph, Newman 2001):

* each lender's stake in a project — its active edges of ``kinds`` into a node of ``target_types``,
  amounts in the reporting currency (:mod:`.weights`), an edge without an amount counting 0 — is
  summed in Spark in the local order (``ord_out``);
* the pairs come from a self-join of the stakes on the project (``a < b`` by id), grouped by pair:
  ``count``, ``amount`` = Σ (stake a + stake b) and ``amount_overlap`` = Σ min, added project by
  project in the order the projects first appear, as the local analysis adds them;
* only the pairs the result holds are collected (the ``top`` first when ``top`` is given).

``cofinancing-centrality`` takes those pairs and computes exact betweenness on the driver with
NetworkX, as the local analysis does: the lender network (one node per co-financing lender) is small
next to the book the pairs were computed from. The as-of date and the resolved-or-raw choice are the
frames' own (the engine builds them from that graph).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from stakegraph.analytics.cofinancing import (
    REFERENCE,
    CofinancingCentrality,
    CofinancingPair,
    CofinancingResult,
    centrality_rows,
    cofinancing_graph,
)
from stakegraph.analytics.selection import check_kinds
from stakegraph.errors import ValidationError
from stakegraph.spark.frames import GraphFrames
from stakegraph.spark.jobs import spark_job
from stakegraph.spark.jobs.concentration import spark_stamp
from stakegraph.spark.jobs.weights import Converter, active, raise_missing, sorted_sum

__all__ = ["cofinancing_job", "cofinancing_centrality_job"]


def _stakes(frames: GraphFrames, kinds: tuple[str, ...], types: set[str]) -> DataFrame:
    """``(p, lender, x, first)``: each lender's stake in each project and where the project first appears."""
    conv = Converter(frames.money(), frames.graph.get("currencies") or ())
    amount, need = conv.of("amount")
    projects = frames.nodes.where(F.col("type").isin(*sorted(types))).select(F.col("id").alias("dst"))
    e = (frames.edges.where(F.col("kind").isin(*kinds) & active() & (F.col("src") != F.col("dst")))
         .join(projects, "dst", "left_semi")
         .select(F.col("dst").alias("p"), F.col("src").alias("lender"), F.col("ord_out").alias("o"),
                 F.coalesce(amount, F.lit(0.0)).alias("x"), need.alias("need")))
    needed = [r["need"] for r in e.where(F.col("need").isNotNull()).select("need").distinct().collect()]
    raise_missing(frames.money(), needed)
    stakes = e.groupBy("p", "lender").agg(F.collect_list(F.struct("o", "x")).alias("xs"))
    first = e.groupBy("p").agg(F.min("o").alias("first"))
    return stakes.select("p", "lender", sorted_sum("xs", "o", "x").alias("x")).join(first, "p")


def _pairs(frames: GraphFrames, kinds: tuple[str, ...], min_shared: int, types: set[str],
           top: int | None) -> tuple[list[CofinancingPair], int, int]:
    stakes = _stakes(frames, kinds, types).cache()
    try:
        counts = stakes.agg(F.countDistinct("lender").alias("lenders"), F.countDistinct("p").alias("projects"))
        lenders, projects = (int(v) for v in counts.first() or (0, 0))
        a = stakes.select("p", "first", F.col("lender").alias("a"), F.col("x").alias("xa"))
        b = stakes.select("p", F.col("lender").alias("b"), F.col("x").alias("xb"))
        per = a.join(b, "p").where(F.col("a") < F.col("b")).select(
            "a", "b", "p", "first", (F.col("xa") + F.col("xb")).alias("both"), F.least("xa", "xb").alias("low"))
        pairs = per.groupBy("a", "b").agg(
            F.count(F.lit(1)).alias("n"), F.collect_list(F.struct("first", "both", "low")).alias("ps"),
            F.collect_list("p").alias("projects"),
        ).where(F.col("n") >= min_shared).select(
            "a", "b", "n", sorted_sum("ps", "first", "both").alias("amount"),
            sorted_sum("ps", "first", "low").alias("overlap"), "projects")
        names = frames.nodes.select(
            F.col("id"), F.when(F.col("name").isNull() | (F.col("name") == ""), F.col("id"))
            .otherwise(F.col("name")).alias("name"))
        pairs = (pairs.join(names.select(F.col("id").alias("a"), F.col("name").alias("name_a")), "a", "left")
                 .join(names.select(F.col("id").alias("b"), F.col("name").alias("name_b")), "b", "left"))
        if top:
            pairs = pairs.orderBy(F.col("n").desc(), F.col("amount").desc(), "a", "b").limit(top)
        rows = pairs.collect()
    finally:
        stakes.unpersist()
    out = [CofinancingPair(r["a"], r["b"], r["name_a"] or r["a"], r["name_b"] or r["b"], int(r["n"]),
                           float(r["amount"]), float(r["overlap"]), tuple(sorted(r["projects"]))) for r in rows]
    out.sort(key=lambda x: (-x.count, -x.amount, x.a, x.b))
    return out, lenders, projects


def _check_min_shared(min_shared: int) -> None:
    if min_shared < 1:
        raise ValidationError(f"min_shared must be >= 1, not {min_shared}", field="min_shared",
                              value=min_shared, fix="use 1 to keep every pair")


@spark_job("cofinancing")
def cofinancing_job(frames: GraphFrames, params: Mapping[str, Any]) -> CofinancingResult:
    """Lender pairs with the count and amount of the projects they finance together, as Spark computes them.

    Same parameters and result as :func:`stakegraph.analytics.cofinancing.cofinancing`
    (``kinds``, ``min_shared``, ``top``; ``target_types`` default ``("project",)``).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(version="t:1")
    >>> G.add_nodes_from(["b1", "b2"], type="party"); G.add_nodes_from(["p", "q"], type="project")
    >>> for b, p, a in [("b1", "p", 10), ("b2", "p", 30), ("b1", "q", 5), ("b2", "q", 5)]:
    ...     _ = G.add_edge(b, p, key=b + p, kind="lends_to", amount=float(a))
    >>> from stakegraph.spark.frames import graph_frames
    >>> pr = cofinancing_job(graph_frames(spark, G), {}).pairs[0]  # doctest: +SKIP
    >>> pr.count, pr.amount, pr.amount_overlap  # doctest: +SKIP
    (2, 50.0, 15.0)

    See Also
    --------
    stakegraph.analytics.cofinancing.cofinancing : the local reference.

    References
    ----------
    .. [1] M. E. J. Newman, "Scientific collaboration networks. II. Shortest paths, weighted networks,
       and centrality", Phys. Rev. E 64, 016132, 2001.
    """
    kinds = check_kinds(params.get("kinds") or ("lends_to",))
    min_shared, top = int(params.get("min_shared", 1)), params.get("top")
    types = set(params.get("target_types") or ("project",))
    _check_min_shared(min_shared)
    pairs, lenders, projects = _pairs(frames, kinds, min_shared, types, top)
    stamp = spark_stamp(
        "cofinancing",
        "weighted bipartite projection: count of shared projects, amount = sum of both, overlap = sum of min",
        {"kinds": list(kinds), "min_shared": min_shared, "target_types": sorted(types), "top": top,
         **frames.money().stamp()}, frames.version, REFERENCE)
    return CofinancingResult(tuple(pairs[:top] if top else pairs), lenders, projects, stamp)


@spark_job("cofinancing-centrality")
def cofinancing_centrality_job(frames: GraphFrames, params: Mapping[str, Any]) -> CofinancingCentrality:
    """Betweenness of lenders in the co-financing network: pairs in Spark, Brandes on the driver.

    Same parameters and result as :func:`stakegraph.analytics.cofinancing.cofinancing_centrality`
    (``kinds``, ``min_shared``, ``top``).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(version="t:1")
    >>> G.add_nodes_from(["p1", "p2"], type="project")
    >>> for i, (b, p) in enumerate((("a", "p1"), ("hub", "p1"), ("hub", "p2"), ("c", "p2"))):
    ...     _ = G.add_edge(b, p, key=str(i), kind="lends_to", amount=1.0)
    >>> from stakegraph.spark.frames import graph_frames
    >>> [x.lender for x in cofinancing_centrality_job(graph_frames(spark, G), {}).rows]  # doctest: +SKIP
    ['hub', 'a', 'c']

    See Also
    --------
    stakegraph.analytics.cofinancing.cofinancing_centrality : the local reference.

    References
    ----------
    .. [1] Brandes, U. (2001). A faster algorithm for betweenness centrality. J. Math. Sociol. 25(2).
    """
    kinds = check_kinds(params.get("kinds") or ("lends_to",))
    min_shared, top = int(params.get("min_shared", 1)), params.get("top")
    _check_min_shared(min_shared)
    pairs, lenders, projects = _pairs(frames, kinds, min_shared, {"project"}, None)
    money = frames.money().stamp()
    base = CofinancingResult(tuple(pairs), lenders, projects, spark_stamp("cofinancing", "", {}, frames.version, ""))
    H = cofinancing_graph(base)
    rows = centrality_rows(H)
    stamp = spark_stamp("cofinancing_centrality", "exact normalised betweenness (Brandes 2001) of the co-financing graph",
                        {"kinds": list(kinds), "min_shared": min_shared, "top": top, **money},
                        frames.version, "Brandes (2001); " + REFERENCE)
    return CofinancingCentrality(tuple(rows[:top] if top else rows), H.number_of_nodes(), H.number_of_edges(), stamp)
