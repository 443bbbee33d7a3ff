"""Connected components as a Spark job: large-star / small-star on DataFrames (Kiveris et al. 2014).

The structure graph is built from the frames as :func:`stakegraph.analytics.selection.structural_graph`
builds it (nodes of the structural types; active edges of the chosen kinds; self-loops dropped), then
large-star and small-star rounds alternate until the edge set stops changing: every node then points
at the smallest id of its component, the label :func:`stakegraph.analytics.whole_graph.components` gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from stakegraph.analytics.selection import STRUCTURAL_TYPES
from stakegraph.analytics.whole_graph import ComponentsResult, components_result
from stakegraph.domain import RELATIONSHIP_KINDS
from stakegraph.measures import INACTIVE_STATUSES
from stakegraph.spark.jobs import spark_job

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame

    from stakegraph.spark.frames import GraphFrames

__all__ = ["components_job", "structure_nodes", "structure_edges", "star_labels", "about"]

#: The most large-star/small-star rounds (each at least halves the label depth in practice: O(log n)).
MAX_ROUNDS = 200


def structure_nodes(frames: GraphFrames, types: tuple[str, ...] = STRUCTURAL_TYPES) -> DataFrame:
    """``(id)`` of every node of ``types``: the nodes of the structure graph."""
    from pyspark.sql import functions as F

    return frames.nodes.where(F.col("type").isin(list(types))).select("id").distinct()


def structure_edges(frames: GraphFrames, kinds: tuple[str, ...], types: tuple[str, ...] = STRUCTURAL_TYPES,
                    *, weight: bool = False) -> DataFrame:
    """``(src, dst[, w])``: the active edges of ``kinds`` between structure nodes, self-loops dropped.

    ``w`` (with ``weight``) is :func:`stakegraph.measures.edge_size` of the edge's declared weight as
    stated (no conversion), 1 when it is missing, not finite or not positive — as ``structural_graph``.
    """
    from pyspark.sql import functions as F

    nodes = structure_nodes(frames, types)
    status = F.lower(F.trim(F.col("status")))
    e = frames.edges.where(F.col("kind").isin(list(kinds)) & (F.col("src") != F.col("dst"))
                           & (F.col("status").isNull() | ~status.isin(list(INACTIVE_STATUSES))))
    cols = [F.col("src"), F.col("dst")]
    if weight:
        e = e.withColumn("w", _declared_weight(frames, kinds))
        cols.append(F.col("w"))
    e = e.select(*cols)
    e = e.join(nodes.withColumnRenamed("id", "src"), "src", "left_semi")
    return e.join(nodes.withColumnRenamed("id", "dst"), "dst", "left_semi")


def _declared_weight(frames: GraphFrames, kinds: tuple[str, ...]) -> Any:
    from pyspark.sql import functions as F

    present = set(frames.edges.columns)
    w = F.lit(1.0)
    for kind in kinds:
        attr = RELATIONSHIP_KINDS[kind].weight
        if attr is None:
            continue
        raw = F.col(attr) if attr in present else F.get_json_object(F.col("props"), f"$.{attr}").cast("double")
        good = raw.isNotNull() & ~F.isnan(raw) & (raw > 0) & (raw < float("inf"))
        w = F.when((F.col("kind") == kind) & good, raw).otherwise(w)
    return w


def star_labels(edges: DataFrame, max_rounds: int = MAX_ROUNDS) -> DataFrame:
    """``(id, label)`` of every node touched by ``edges (src, dst)``: its component's smallest id.

    Large-star links every larger neighbour of a node to the node's smallest neighbour (itself
    included); small-star links a node and its smaller neighbours to the smallest of them; the two
    alternate until a round leaves the edge set unchanged (Kiveris et al. 2014, Algorithm "Alternate").
    Each round's edges are checkpointed, so the plan does not grow with the rounds.
    """
    from pyspark.sql import functions as F

    E = edges.select(F.greatest("src", "dst").alias("u"), F.least("src", "dst").alias("v")).distinct()
    E = E.localCheckpoint(eager=True)
    for _ in range(max_rounds):
        both = E.unionByName(E.select(F.col("v").alias("u"), F.col("u").alias("v")))
        m = both.groupBy("u").agg(F.least(F.min("v"), F.first("u")).alias("m"))
        large = (both.where(F.col("v") > F.col("u")).join(m, "u")
                 .select(F.col("v").alias("u"), F.col("m").alias("v")).distinct())
        ms = large.groupBy("u").agg(F.min("v").alias("m"))  # u > v in every large-star edge
        small = (large.join(ms, "u").where(F.col("v") != F.col("m"))
                 .select(F.col("v").alias("u"), F.col("m").alias("v"))
                 .unionByName(ms.select("u", F.col("m").alias("v"))).distinct())
        new = small.localCheckpoint(eager=True)
        moved = (new.withColumn("n", F.lit(1)).join(E.withColumn("o", F.lit(1)), ["u", "v"], "full_outer")
                 .where(F.col("n").isNull() | F.col("o").isNull()).limit(1).count())
        E = new
        if moved == 0:
            break
    else:  # pragma: no cover - log(n) rounds suffice
        raise RuntimeError(f"large-star/small-star did not converge in {max_rounds} rounds")
    pointed = E.select(F.col("u").alias("id"), F.col("v").alias("label"))
    roots = E.select(F.col("v").alias("id"), F.col("v").alias("label"))  # a component's smallest id: itself
    return pointed.unionByName(roots).groupBy("id").agg(F.min("label").alias("label"))


def about(frames: GraphFrames, ids: list[str]) -> dict[str, tuple[str, str]]:
    """``{id: (name, type)}`` of a few nodes (collected to the driver)."""
    from pyspark.sql import functions as F

    if not ids:
        return {}
    rows = frames.nodes.where(F.col("id").isin(ids)).select("id", "name", "type").collect()
    return {r["id"]: (r["name"] or r["id"], r["type"] or "") for r in rows}


@spark_job("components")
def components_job(frames: GraphFrames, params: Mapping[str, Any]) -> ComponentsResult:
    """:func:`stakegraph.analytics.whole_graph.components` as a Spark job.

    Examples
    --------
    >>> from stakegraph.spark.engine import run_spark  # doctest: +SKIP
    >>> run_spark(G, "components").result.components  # doctest: +SKIP
    3

    References
    ----------
    .. [1] R. Kiveris, S. Lattanzi, V. Mirrokni, V. Rastogi and S. Vassilvitskii, "Connected Components
       in MapReduce and Beyond", ACM SoCC 2014 (large-star / small-star).
    """
    from pyspark.sql import functions as F

    kinds, types = tuple(params["kinds"]), STRUCTURAL_TYPES
    edges = structure_edges(frames, kinds, types).localCheckpoint(eager=True)
    ties = edges.select(F.greatest("src", "dst").alias("a"), F.least("src", "dst").alias("b")).distinct().count()
    labels = star_labels(edges)
    nodes = structure_nodes(frames, types)
    every = nodes.join(labels, "id", "left").select("id", F.coalesce("label", "id").alias("label"))
    got = {r["id"]: r["label"] for r in every.collect()}
    return components_result(got, _lookup(frames, got, params["top"]), frames.version, structure_ties=ties,
                             kinds=kinds, types=types, top=params["top"], backend="spark")


def _lookup(frames: GraphFrames, labels: Mapping[str, str], top: int) -> Any:
    size: dict[str, int] = {}
    for lb in labels.values():
        size[lb] = size.get(lb, 0) + 1
    wanted = sorted(size, key=lambda lb: (-size[lb], lb))[:top]
    info = about(frames, wanted)
    return lambda n: info.get(n, (n, ""))
