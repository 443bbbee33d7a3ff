"""Spark job ``contagion`` (method ``debtrank``): DebtRank as sparse rounds of joins and aggregations.

The same model as :func:`stakegraph.analytics.debtrank.debtrank_graph` — both variants it implements,
``battiston2012`` (default; Battiston et al. 2012: impacts ``min(1, A_ij / E_i)``, every distressed node
propagates its whole relative loss once, then is inactive, while every node's loss keeps being updated)
and ``bardoscia2015`` (Bardoscia et al. 2015: loss *increments* pushed repeatedly through the uncapped
leverage ``A_ij / E_i`` until none exceeds 1e-12; a defaulted node stops transmitting).

The exposure matrix is a DataFrame of its stored entries ``(i, j, W_ij)`` (parallel edges of a pair
added up); the stress is a DataFrame holding only the nodes with ``h > 0``. One round joins the
transmitting nodes to the impact entries on ``j`` and adds up per ``i`` — the sparse mat-vec of the
local code — and is checkpointed, so lineage does not grow with the rounds. The other contagion
methods (contract, cascade, clearing) are not Spark jobs: they raise :class:`BackendUnsupported`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from stakegraph.analytics.debtrank import (
    REFERENCES,
    DebtRankGraphResult,
    NodeStress,
    _check_variant,
)
from stakegraph.analytics.exposure import NODE_TYPES
from stakegraph.analytics.stamp import Stamp
from stakegraph.errors import BackendUnsupported, Invalid, NotFound, ValidationError
from stakegraph.measures import to_h0
from stakegraph.spark.frames import GraphFrames
from stakegraph.spark.jobs import spark_job
from stakegraph.spark.jobs.risk_columns import (
    Rates,
    active,
    check_rates,
    display_name,
    money,
    spark_stamp,
)

__all__ = ["debtrank_spark", "contagion_job"]

_EPS = 1e-12
_INF = float("inf")


def _network(frames: GraphFrames, rates: Rates, include_equity: bool, include_guarantees: bool,
             weight: str) -> tuple[DataFrame, DataFrame]:
    """``(nodes, A)``: index nodes with capital ``E`` (null = none) and weight ``w``; A's entries ``(i, j, a)``."""
    n = frames.nodes.where(F.col("type").isin(*NODE_TYPES))
    check_rates(n, ("capital", "tier1_capital", weight, "total_cost"), rates)
    cap = F.coalesce(money(n, "capital", rates), money(n, "tier1_capital", rates))
    w = F.coalesce(money(n, weight, rates), F.when(F.col("type") == "project", money(n, "total_cost", rates)))
    nodes = n.select("id", "type", display_name(n).alias("name"), cap.alias("E"), w.alias("w_own"))
    kinds = ["lends_to"] + (["invests_in"] if include_equity else []) + (["guarantees"] if include_guarantees else [])
    e = frames.edges
    e = e.where(F.col("kind").isin(*kinds) & active(e) & (F.col("src") != F.col("dst")))
    check_rates(e, ("amount", "guarantee_cap"), rates)
    value = F.when(F.col("kind") == "guarantees",
                   F.coalesce(money(e, "guarantee_cap", rates), money(e, "amount", rates))).otherwise(
        money(e, "amount", rates))
    ids = nodes.select("id")
    e = e.select(F.col("src").alias("i"), F.col("dst").alias("j"), value.alias("a")).where(F.col("a") > 0)
    e = e.join(ids.withColumnRenamed("id", "i"), "i").join(ids.withColumnRenamed("id", "j"), "j")
    A = e.groupBy("i", "j").agg(F.sum("a").alias("a"))
    rows = A.groupBy(F.col("i").alias("id")).agg(F.sum("a").alias("row_sum"))
    nodes = nodes.join(rows, "id", "left").withColumn(
        "w", F.coalesce(F.col("w_own"), F.col("row_sum"), F.lit(0.0))).drop("w_own", "row_sum")
    return nodes, A


def _impact(A: DataFrame, nodes: DataFrame, cap: bool) -> DataFrame:
    """``(i, j, W)``: ``A_ij / E_i`` (capped at 1 for 2012); no capital: no entry; zero capital: 1 or inf."""
    E = nodes.select(F.col("id").alias("i"), "E")
    W = A.join(E, "i").where(F.col("E").isNotNull())
    ratio = F.when(F.col("E") == 0, F.lit(_INF)).otherwise(F.col("a") / F.col("E"))
    ratio = F.least(ratio, F.lit(1.0)) if cap else ratio
    return W.select("i", "j", ratio.alias("W")).where(F.col("W") > 0)


def _push(W: DataFrame, senders: DataFrame) -> DataFrame:
    """``(id, push)``: Σ_j W_ij x_j over the senders ``(j, x)`` (one sparse mat-vec as a join)."""
    terms = W.join(senders, "j").select(F.col("i").alias("id"), (F.col("W") * F.col("x")).alias("t"))
    return terms.groupBy("id").agg(F.sum(F.when(F.isnan("t"), 0.0).otherwise(F.col("t"))).alias("push"))


def _battiston2012(W: DataFrame, h0: DataFrame) -> tuple[DataFrame, int]:
    """State per stressed node: ``d`` = distressed this round (transmits once), else inactive."""
    h = h0.select("id", "h", F.lit(True).alias("d")).localCheckpoint()
    rounds = 0
    while not h.where("d").isEmpty():
        rounds += 1
        push = _push(W, h.where("d").select(F.col("id").alias("j"), F.col("h").alias("x")))
        h = h.join(push, "id", "full").select(
            "id", F.least(F.lit(1.0), F.coalesce("h", F.lit(0.0)) + F.coalesce("push", F.lit(0.0))).alias("h"),
            (F.col("d").isNull() & (F.col("push") > 0)).alias("d"),
        ).localCheckpoint()
    return h, rounds


def _bardoscia2015(L: DataFrame, h0: DataFrame, max_rounds: int) -> tuple[DataFrame, int]:
    """``h_prev`` per stressed node; increments of nodes with ``h_prev < 1`` pushed through the leverage."""
    h = h0.select("id", "h", F.lit(0.0).alias("h_prev")).localCheckpoint()
    rounds = 0
    while rounds < max_rounds:
        delta = F.when(F.col("h_prev") < 1 - _EPS, F.col("h") - F.col("h_prev")).otherwise(0.0)
        send = h.select(F.col("id").alias("j"), delta.alias("x")).where(F.col("x") != 0).localCheckpoint()
        if send.where(F.col("x") > _EPS).isEmpty():
            break
        rounds += 1
        push = _push(L, send)
        h = h.join(push, "id", "full").select(
            "id", F.least(F.lit(1.0), F.coalesce("h", F.lit(0.0)) + F.coalesce("push", F.lit(0.0))).alias("h"),
            F.coalesce("h", F.lit(0.0)).alias("h_prev"),
        ).localCheckpoint()
    return h, rounds


def debtrank_spark(frames: GraphFrames, shocks: Mapping[str, float], *, variant: str = "battiston2012",
                   include_equity: bool = True, include_guarantees: bool = False, weight: str = "total_assets",
                   max_rounds: int = 10_000) -> DebtRankGraphResult:
    """:func:`stakegraph.analytics.debtrank.debtrank_graph` on Spark: the same stresses, defaults and stamp.

    Parameters
    ----------
    frames : GraphFrames
        The graph as DataFrames.
    shocks : mapping of node id to initial relative equity loss (0–1; 1 = default)
    variant : {"battiston2012", "bardoscia2015"}
    include_equity, include_guarantees : bool
        Which exposures count besides loans (as :func:`stakegraph.analytics.exposure.exposure_matrix`).
    weight : str
        Node property used as economic weight (then a project's ``total_cost``, then its row sum).
    max_rounds : int
        Bound on the rounds of the 2015 variant.

    Returns
    -------
    DebtRankGraphResult
        DebtRank, each stressed node (most stressed first), additional defaults, rounds.

    Examples
    --------
    >>> r = debtrank_spark(graph_frames(spark, G), {"a": 1.0})  # doctest: +SKIP
    >>> r.additional_defaults  # doctest: +SKIP
    ('b',)

    See Also
    --------
    stakegraph.analytics.debtrank.debtrank_graph : the local reference.

    References
    ----------
    .. [1] Battiston, S., Puliga, M., Kaushik, R., Tasca, P., Caldarelli, G. (2012). DebtRank: Too Central
       to Fail? Scientific Reports 2:541.
    .. [2] Bardoscia, M., Battiston, S., Caccioli, F., Caldarelli, G. (2015). DebtRank: a microscopic
       foundation for shock propagation. PLoS ONE 10(6):e0130406.
    """
    _check_variant(variant)
    money_ctx = frames.money()
    rates = Rates.of(money_ctx, frames.graph.get("currencies") or ())
    nodes, A = _network(frames, rates, include_equity, include_guarantees, weight)
    nodes = nodes.localCheckpoint()
    totals = nodes.agg(F.count("*").alias("n"), F.sum("w").alias("w"), F.min("w").alias("w_min"),
                       F.min("E").alias("E_min")).collect()[0]
    if (totals["w_min"] is not None and totals["w_min"] < 0) or (totals["E_min"] is not None and totals["E_min"] < 0):
        raise ValidationError("exposures, capital and weights must be >= 0", field="A",
                              fix="drop negative values (a liability is the transpose of an asset)")
    shock_map = {str(k): float(v) for k, v in shocks.items()}
    known = {r["id"] for r in nodes.where(F.col("id").isin(*shock_map)).select("id").collect()} if shock_map else set()
    for node in shock_map:
        if node not in known:
            raise NotFound(f"no party {node!r} in the exposure network; shock a party id of the graph")
    if any(not 0 <= x <= 1 for x in shock_map.values()):
        raise ValidationError("initial shock h0 must be within 0..1 (relative equity loss)", field="h0",
                              value=list(shock_map.values()), fix="1 = default, 0.1 = a 10% equity loss")
    spark = nodes.sparkSession
    h0 = spark.createDataFrame([(k, v) for k, v in shock_map.items() if v > 0] or [("", 0.0)],
                               "id string, h double").where(F.col("h") > 0)
    W = _impact(A, nodes, cap=variant == "battiston2012").localCheckpoint()
    if variant == "battiston2012":
        h, rounds = _battiston2012(W, h0)
    else:
        h, rounds = _bardoscia2015(W, h0, max_rounds)
    n, w_total = int(totals["n"]), float(totals["w"] or 0.0)
    norm = F.col("w") / F.lit(w_total) if w_total > 0 else F.lit(1.0 / max(n, 1))
    stressed = h.where(F.col("h") > 0).join(nodes.select("id", "name", norm.alias("wn")), "id").collect()
    missing = tuple(r["id"] for r in nodes.where(F.col("E").isNull() & (F.col("type") == "party"))
                    .select("id").orderBy("id").collect())
    rows = [NodeStress(r["id"], r["name"], shock_map.get(r["id"], 0.0), r["h"], r["wn"], r["h"] >= 1 - _EPS)
            for r in stressed]
    total = sum(r.weight * r.h for r in rows)
    initial = sum(r.weight * r.h0 for r in rows)
    extra = tuple(sorted(r.node for r in rows if r.defaulted and r.h0 < 1 - _EPS))
    rows.sort(key=lambda s: (-s.h, -s.weight, s.node))
    params = {"shocks": dict(shocks), "include_equity": include_equity, "include_guarantees": include_guarantees,
              "weight": weight, **money_ctx.stamp()}
    stamp = Stamp("debtrank", variant, params, frames.version, REFERENCES)
    return DebtRankGraphResult(dict(shocks), total - initial, total, initial, extra, tuple(rows), missing,
                               rounds, spark_stamp(stamp))


@spark_job("contagion")
def contagion_job(frames: GraphFrames, params: Mapping[str, Any]) -> DebtRankGraphResult:
    """The ``contagion`` analysis on Spark: method ``debtrank`` only (parameters as the catalogue parses them)."""
    method = params.get("method", "contract")
    if method != "debtrank":
        raise BackendUnsupported(
            f"contagion method {method!r} does not run on Spark; only method debtrank does",
            fix="run it locally (--engine local) or use --method debtrank")
    shocks = params.get("shocks") or ()
    if not shocks:
        raise Invalid("no shock given", fix="name at least one shock, e.g. a_co, loss:b_bank:0.3, ends:EDGE_ID "
                                            "or missed:ID")
    return debtrank_spark(frames, to_h0(shocks), variant=params.get("variant", "battiston2012"))
