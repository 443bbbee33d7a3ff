"""PageRank as a Spark job: the power iteration of :func:`stakegraph.analytics.kernels.pagerank` as joins.

Same variant as the local analysis (:func:`stakegraph.analytics.whole_graph.pagerank_scores`): the
structure graph collapsed to one tie per pair (``strength`` = summed edge weights), undirected ties
counted both ways, uniform teleport, the rank of dangling nodes spread uniformly, and the stop when
the L1 change of the vector is below ``tol``. Each iteration is one join and one aggregation; the
vector is checkpointed every iteration so the plan does not grow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from stakegraph.analytics.selection import STRUCTURAL_TYPES
from stakegraph.analytics.whole_graph import PagerankResult, pagerank_result
from stakegraph.errors import Timeout
from stakegraph.spark.jobs import spark_job
from stakegraph.spark.jobs.components import about, structure_edges, structure_nodes

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

    from stakegraph.spark.frames import GraphFrames

__all__ = ["pagerank_job", "transition"]


def transition(frames: GraphFrames, kinds: tuple[str, ...], *, directed: bool, weighted: bool) -> DataFrame:
    """``(src, dst, p)``: the row-normalised transition of the structure graph (``p`` = w / out-strength)."""
    from pyspark.sql import functions as F

    e = structure_edges(frames, kinds, STRUCTURAL_TYPES, weight=weighted)
    if not weighted:
        e = e.withColumn("w", F.lit(1.0))
    if directed:
        ties = e.groupBy("src", "dst").agg(F.sum("w").alias("w"))
    else:
        und = e.select(F.least("src", "dst").alias("a"), F.greatest("src", "dst").alias("b"), "w")
        pairs = und.groupBy("a", "b").agg(F.sum("w").alias("w"))
        ties = pairs.select(F.col("a").alias("src"), F.col("b").alias("dst"), "w").unionByName(
            pairs.select(F.col("b").alias("src"), F.col("a").alias("dst"), "w"))
    if not weighted:
        ties = ties.withColumn("w", F.lit(1.0))
    out = ties.groupBy("src").agg(F.sum("w").alias("s"))
    return ties.join(out, "src").select("src", "dst", (F.col("w") / F.col("s")).alias("p"))


@spark_job("pagerank")
def pagerank_job(frames: GraphFrames, params: Mapping[str, Any]) -> PagerankResult:
    """:func:`stakegraph.analytics.whole_graph.pagerank_scores` as a Spark job.

    Examples
    --------
    >>> from stakegraph.spark.engine import run_spark  # doctest: +SKIP
    >>> round(sum(run_spark(G, "pagerank").result.scores.values()), 9)  # doctest: +SKIP
    1.0

    References
    ----------
    .. [1] S. Brin and L. Page, "The anatomy of a large-scale hypertextual Web search engine",
       Computer Networks 30:107-117, 1998.
    .. [2] J. Lin and M. Schatz, "Design patterns for efficient graph algorithms in MapReduce",
       MLG 2010 (PageRank as a join of the vector with the edges per iteration).
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    kinds = tuple(params["kinds"])
    directed, weighted = bool(params["directed"]), bool(params["weighted"])
    alpha, tol, max_iter = float(params["alpha"]), float(params["tol"]), int(params["max_iter"])
    nodes = structure_nodes(frames).localCheckpoint(eager=True)
    n = nodes.count()
    M = transition(frames, kinds, directed=directed, weighted=weighted).persist(StorageLevel.MEMORY_AND_DISK)
    ties = M.count() if directed else M.count() // 2
    if n == 0:
        M.unpersist()
        return pagerank_result({}, lambda x: (x, ""), frames.version, ties=0, directed=directed,
                               weighted=weighted, alpha=alpha, tol=tol, kinds=kinds, types=STRUCTURAL_TYPES,
                               top=params["top"], backend="spark")
    senders = M.select(F.col("src").alias("id")).distinct()
    dangling = nodes.join(senders, "id", "left_anti").withColumn("d", F.lit(True))
    base = nodes.join(dangling, "id", "left").select("id", F.coalesce("d", F.lit(False)).alias("d"))
    x = base.withColumn("x", F.lit(1.0 / n)).localCheckpoint(eager=True)
    for _ in range(max_iter):
        dsum = x.where("d").agg(F.coalesce(F.sum("x"), F.lit(0.0)).alias("ds"))
        flow = M.join(x.select(F.col("id").alias("src"), "x"), "src").groupBy("dst").agg(
            F.sum(F.col("p") * F.col("x")).alias("c"))
        new = (x.join(flow.withColumnRenamed("dst", "id"), "id", "left").crossJoin(dsum)
               .select("id", "d", (F.lit(alpha) * (F.coalesce("c", F.lit(0.0)) + F.col("ds") / n)
                                   + F.lit((1 - alpha) / n)).alias("x"), F.col("x").alias("old"))
               .localCheckpoint(eager=True))
        err = new.agg(F.sum(F.abs(F.col("x") - F.col("old")))).collect()[0][0]
        x = new.select("id", "d", "x")
        if err < tol:
            break
    else:
        M.unpersist()
        raise Timeout(f"PageRank did not converge in {max_iter} iterations",
                      fix="raise max_iter or tol")
    scores = {r["id"]: float(r["x"]) for r in x.select("id", "x").collect()}
    M.unpersist()
    ranked = sorted(scores, key=lambda k: (-round(scores[k], 12), k))[: params["top"]]
    info = about(frames, ranked)
    return pagerank_result(scores, lambda k: info.get(k, (k, "")), frames.version, ties=ties, directed=directed,
                           weighted=weighted, alpha=alpha, tol=tol, kinds=kinds, types=STRUCTURAL_TYPES,
                           top=params["top"], backend="spark")
