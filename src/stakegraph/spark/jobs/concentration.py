"""Concentration as Spark jobs: ``concentration``, ``portfolio-concentration``, ``book-concentration``.

The same variant, parameters and result dataclasses as :mod:`stakegraph.analytics.concentration`
(HHI of percentage shares, CR-k, DOJ/FTC 2010 and 2023 bands, major counterparties at >= 10 %),
computed over :class:`~stakegraph.spark.frames.GraphFrames`:

* edges are chosen, weighed and converted to the reporting currency in Spark (:mod:`.weights`: the
  kind's declared weight, ``count`` or a named property; the FX factors of the graph's as-of date);
* each counterparty's value is the sum of its edges *in the order the local analysis adds them*
  (``ord_in`` for a node's relationships pointing at it, else ``ord_out``), so values, shares and
  HHI are the local bits and ties sort alike;
* ``portfolio-concentration`` summarises every holder in Spark (total, sorted shares, HHI, CR-k, top
  counterparty) and collects one row per holder; ``concentration`` and ``book-concentration``
  collect one row per counterparty — what the result holds — and summarise it on the driver with
  the local code.

The as-of date and the resolved-or-raw choice are the frames' own: the engine builds the frames from
the graph as of that day (:func:`stakegraph.asof.graph_as_of`) and from the graph the ``graph``
parameter names. Look-through (``owner``/``group``) needs the ownership algorithms of
:mod:`stakegraph.analytics.groups` and is refused here with what to do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import networkx as nx
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from stakegraph.analytics.concentration import (
    REFERENCES,
    ConcentrationResult,
    PortfolioConcentration,
    PortfolioRow,
    Share,
    _summarise,
    _weights_used,
    bands,
    empty_note,
    is_major,
)
from stakegraph.analytics.selection import check_kinds, check_side, require_node
from stakegraph.analytics.stamp import Stamp
from stakegraph.domain import MONEY_PROPS
from stakegraph.errors import Invalid, ValidationError
from stakegraph.spark.frames import GraphFrames
from stakegraph.spark.jobs import spark_job
from stakegraph.spark.jobs.weights import Converter, active, raise_missing, sorted_sum

__all__ = ["concentration_job", "portfolio_concentration_job", "book_concentration_job"]


def spark_stamp(algorithm: str, variant: str, parameters: Mapping[str, Any], version: str, reference: str) -> Stamp:
    """The local analysis's stamp, saying ``backend: spark`` when :class:`Stamp` has that field."""
    stamp = Stamp(algorithm, variant, dict(parameters), version, reference)
    if any(f.name == "backend" for f in dataclasses.fields(Stamp)):
        stamp = dataclasses.replace(stamp, backend="spark")  # type: ignore[call-arg]
    return stamp


def _check_k(k: int) -> None:
    if k < 1:
        raise ValidationError(f"k must be >= 1, not {k}", field="k", value=k, fix="use e.g. k=5 for CR-5")


def _no_look_through(look_through: Any) -> None:
    if look_through is not None:
        raise Invalid(f"look_through={look_through!r} is not computed by the Spark backend",
                      fix="run this analysis without --engine spark (the local engine looks through owners "
                          "and groups), or without look_through", field="look_through")


def _money_stamp(frames: GraphFrames, used: tuple[str, ...]) -> dict[str, Any]:
    return frames.money().stamp() if any(u in MONEY_PROPS for u in used) else {}


def _names(frames: GraphFrames) -> DataFrame:
    """``(id, name, kind, type)``: the display name as :func:`~stakegraph.analytics.selection.name_of` gives it."""
    name = F.when(F.col("name").isNull() | (F.col("name") == ""), F.col("id")).otherwise(F.col("name"))
    return frames.nodes.select("id", name.alias("name"), "kind", "type")


def _chosen(frames: GraphFrames, kinds: tuple[str, ...], active_only: bool, where: Column | None = None) -> DataFrame:
    cond = F.col("kind").isin(*kinds)
    if active_only:
        cond = cond & active()
    if where is not None:
        cond = cond & where
    return frames.edges.where(cond)


def _per_counterparty(edges: DataFrame, cp: Column, order: str, size: Column, need: Column) -> DataFrame:
    """One row per counterparty: value (edges added in ``order``), first weighted position, edge ids."""
    w = size.alias("w")
    e = edges.select(cp.alias("cp"), F.col("key"), F.col(order).alias("o"), w, need.alias("need"))
    weighted = F.col("w").isNotNull()
    return e.groupBy("cp").agg(
        F.min(F.when(weighted, F.col("o"))).alias("first"),
        F.collect_list(F.when(weighted, F.struct(F.col("o"), F.col("w")))).alias("ws"),
        F.collect_list(F.when(weighted, F.col("key"))).alias("keys"),
        F.collect_list(F.when(~weighted, F.col("key"))).alias("missing"),
        F.collect_set("need").alias("need"),
    ).select("cp", "first", sorted_sum("ws", "o", "w").alias("value"), "keys", "missing", "need")


def _collect_values(frames: GraphFrames, rows_df: DataFrame) -> tuple[
        dict[str, float], dict[str, list[str]], list[str], dict[str, str]]:
    names = _names(frames)
    rows = rows_df.join(names.select(F.col("id").alias("cp"), "name"), "cp", "left").collect()
    raise_missing(frames.money(), (c for r in rows for c in r["need"]))
    weighted = sorted((r for r in rows if r["first"] is not None), key=lambda r: r["first"])
    values = {r["cp"]: float(r["value"]) for r in weighted}
    edges = {r["cp"]: list(r["keys"]) for r in weighted}
    missing = [k for r in rows for k in r["missing"]]
    display = {r["cp"]: r["name"] if r["name"] is not None else r["cp"] for r in rows}
    return values, edges, missing, display


def _kinds_present(frames: GraphFrames, node: str) -> tuple[tuple[str, str, int], ...]:
    e = frames.edges.where(active())
    both = (e.where(F.col("dst") == node).select(F.col("kind"), F.lit("in").alias("side"))
            .unionByName(e.where(F.col("src") == node).select(F.col("kind"), F.lit("out").alias("side"))))
    counts = {(str(r["kind"]), str(r["side"])): int(r["n"]) for r in both.groupBy("kind", "side").agg(
        F.count(F.lit(1)).alias("n")).collect()}
    return tuple((k, s, n) for (k, s), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _empty_note(frames: GraphFrames, node: str, name: str, kinds: tuple[str, ...], side: str) -> str:
    """The local note (:func:`stakegraph.analytics.concentration.empty_note`) with the kinds Spark finds."""
    return empty_note(name, kinds, side, _kinds_present(frames, node))


@spark_job("concentration")
def concentration_job(frames: GraphFrames, params: Mapping[str, Any]) -> ConcentrationResult:
    """One node's shares, HHI, CR-k, bands and major counterparties, as Spark computes them.

    Same parameters and result as :func:`stakegraph.analytics.concentration.concentration`
    (``node``, ``kinds``, ``direction``, ``weight``, ``k``, ``total``; ``look_through`` refused).

    Examples
    --------
    >>> G = nx.MultiDiGraph(version="t:1")
    >>> G.add_nodes_from(["s", "a", "b"], type="party")
    >>> for c, r in zip("ab", (75, 25)):
    ...     _ = G.add_edge(c, "s", key=c, kind="buys_from", annual_revenue=r)
    >>> from stakegraph.spark.frames import graph_frames
    >>> concentration_job(graph_frames(spark, G), {"node": "s"}).hhi  # doctest: +SKIP
    6250.0

    See Also
    --------
    stakegraph.analytics.concentration.concentration : the local reference.

    References
    ----------
    .. [1] U.S. DOJ & FTC, *Horizontal Merger Guidelines*, 2010, §5.3; *Merger Guidelines*, 2023, §2.1.
    .. [2] FASB, ASC 280-10-50-42 (major customers, 10 %).
    """
    node = str(params["node"])
    kinds = check_kinds(params.get("kinds") or ("buys_from", "offtakes"))
    side = check_side(params.get("direction") or "in")
    k, weight, total = int(params.get("k", 5)), params.get("weight"), params.get("total")
    look_through, active_only = params.get("look_through"), bool(params.get("active_only", True))
    _check_k(k)
    used = _weights_used(kinds, weight)
    _no_look_through(look_through)
    found = _names(frames).where(F.col("id") == node).select("name").collect()
    if not found:
        require_node(nx.Graph(), node)
    name = str(found[0]["name"])
    holder, cp, order = ("dst", "src", "ord_in") if side == "in" else ("src", "dst", "ord_out")
    conv = Converter(frames.money(), frames.graph.get("currencies") or ())
    size, need = conv.size(kinds, weight)
    per_cp = _per_counterparty(_chosen(frames, kinds, active_only, F.col(holder) == node), F.col(cp), order,
                               size, need)
    values, edges, missing, display = _collect_values(frames, per_cp)
    denom, rows, unattributed, h, cr, eff = _summarise(values, total, k)
    shares = tuple(Share(c, display[c], v, pct, (c,), tuple(sorted(edges[c]))) for c, v, pct in rows)
    stamp = spark_stamp(
        "concentration",
        "HHI of percentage shares (0-10,000); DOJ/FTC 2010 and 2023 bands; major >= 10% (ASC 280-10-50-42)",
        {"node": node, "kinds": list(kinds), "direction": side, "weight": list(used),
         "look_through": look_through, "k": k, "total": total, "active_only": active_only,
         **_money_stamp(frames, used)},
        frames.version, REFERENCES)
    return ConcentrationResult(
        node=node, name=name, kinds=kinds, direction=side, weights=used, look_through=look_through, total=denom,
        unattributed_pct=unattributed, n=len(shares), shares=shares, hhi=h, hhi_unit=h / 10_000.0, k=k, cr_k=cr,
        effective_number=eff, bands=bands(h) if shares else (),
        major_counterparties=tuple(s for s in shares if is_major(s.pct)), unweighted_edges=tuple(sorted(missing)),
        stamp=stamp, note="" if shares else _empty_note(frames, node, name, kinds, side),
    )


@spark_job("book-concentration")
def book_concentration_job(frames: GraphFrames, params: Mapping[str, Any]) -> ConcentrationResult:
    """Each party's share of the whole book of ``kinds``, as Spark computes it.

    Same parameters and result as :func:`stakegraph.analytics.concentration.book_concentration`
    (``kinds``, ``by``, ``weight``, ``k``).

    Examples
    --------
    >>> G = nx.MultiDiGraph(version="t:1")
    >>> for src, dst, amt in (("b1", "x", 60.0), ("b1", "y", 20.0), ("b2", "y", 20.0)):
    ...     _ = G.add_edge(src, dst, kind="lends_to", amount=amt)
    >>> from stakegraph.spark.frames import graph_frames
    >>> book_concentration_job(graph_frames(spark, G), {}).hhi  # doctest: +SKIP
    6800.0

    See Also
    --------
    stakegraph.analytics.concentration.book_concentration : the local reference.

    References
    ----------
    .. [1] U.S. DOJ and FTC, *Merger Guidelines*, 2023, §2.1 (HHI of market shares).
    """
    kinds = check_kinds(params.get("kinds") or ("lends_to",))
    by = params.get("by") or "source"
    if by not in ("source", "target"):
        raise ValidationError(f"by must be 'source' or 'target', not {by!r}", field="by", value=by,
                              fix="source: group by the party the relationship starts at (lenders for lends_to)")
    k, weight, active_only = int(params.get("k", 5)), params.get("weight"), bool(params.get("active_only", True))
    _check_k(k)
    used = _weights_used(kinds, weight)
    conv = Converter(frames.money(), frames.graph.get("currencies") or ())
    size, need = conv.size(kinds, weight)
    per_cp = _per_counterparty(_chosen(frames, kinds, active_only), F.col("src" if by == "source" else "dst"),
                               "ord_out", size, need)
    values, edges, missing, display = _collect_values(frames, per_cp)
    denom, rows, unattributed, h, cr, eff = _summarise(values, None, k)
    shares = tuple(Share(c, display[c], v, pct, (c,), tuple(sorted(edges[c]))) for c, v, pct in rows)
    stamp = spark_stamp("book_concentration",
                        "HHI of percentage shares of the whole book (0-10,000); DOJ/FTC 2010 and 2023 bands",
                        {"kinds": list(kinds), "by": by, "weight": list(used), "k": k, "active_only": active_only,
                         **_money_stamp(frames, used)},
                        frames.version, REFERENCES)
    return ConcentrationResult(
        node="", name="whole book", kinds=kinds, direction=by, weights=used, look_through=None, total=denom,
        unattributed_pct=unattributed, n=len(shares), shares=shares, hhi=h, hhi_unit=h / 10_000.0, k=k, cr_k=cr,
        effective_number=eff, bands=bands(h) if shares else (),
        major_counterparties=tuple(s for s in shares if is_major(s.pct)),
        unweighted_edges=tuple(sorted(missing)), stamp=stamp,
        note="" if shares else f"no active {', '.join(kinds)} relationships in the graph",
    )


_BY_SHARE = ("(l, r) -> CASE WHEN l.value > r.value THEN -1 WHEN l.value < r.value THEN 1 "
             "WHEN l.cp < r.cp THEN -1 WHEN l.cp > r.cp THEN 1 ELSE 0 END")


def _portfolio_rows(per_pair: DataFrame, k: int, min_counterparties: int) -> DataFrame:
    """Per holder: n, total, HHI, CR-k and the top counterparty — ``_summarise`` in Spark, same order of sums."""
    held = per_pair.groupBy("holder").agg(
        F.collect_list(F.struct("first", "cp", "value")).alias("cps"), F.count(F.lit(1)).alias("n"))
    held = held.where(F.col("n") >= max(1, min_counterparties))
    held = held.withColumn("total", sorted_sum("cps", "first", "value"))
    ranked = F.expr(f"transform(array_sort(cps, {_BY_SHARE}), x -> named_struct('cp', x.cp, 'pct', "
                    "CASE WHEN total > 0 THEN 100D * x.value / total ELSE 0D END))")
    held = held.withColumn("ranked", ranked)
    return held.select(
        "holder", "n", "total",
        F.expr("aggregate(ranked, 0D, (acc, x) -> acc + x.pct * x.pct)").alias("hhi"),
        F.expr(f"aggregate(slice(ranked, 1, {int(k)}), 0D, (acc, x) -> acc + x.pct)").alias("cr"),
        F.expr("ranked[0].cp").alias("top_cp"), F.expr("ranked[0].pct").alias("top_pct"),
    )


@spark_job("portfolio-concentration")
def portfolio_concentration_job(frames: GraphFrames, params: Mapping[str, Any]) -> PortfolioConcentration:
    """Every node's HHI and CR-k over ``kinds``, most concentrated first, as Spark computes it.

    Same parameters and result as :func:`stakegraph.analytics.concentration.portfolio_concentration`
    (``kinds``, ``direction``, ``weight``, ``node_type`` — ``"any"`` for all —, ``min_counterparties``,
    ``k``; ``look_through`` refused). One row per holder is collected.

    Examples
    --------
    >>> G = nx.MultiDiGraph(version="t:1")
    >>> G.add_nodes_from(["s", "t", "a", "b"], type="party")
    >>> _ = G.add_edge("a", "s", key="1", kind="buys_from", annual_revenue=1)
    >>> _ = G.add_edge("a", "t", key="2", kind="buys_from", annual_revenue=1)
    >>> _ = G.add_edge("b", "t", key="3", kind="buys_from", annual_revenue=1)
    >>> from stakegraph.spark.frames import graph_frames
    >>> [(r.node, r.hhi) for r in portfolio_concentration_job(graph_frames(spark, G), {}).rows]  # doctest: +SKIP
    [('s', 10000.0), ('t', 5000.0)]

    See Also
    --------
    stakegraph.analytics.concentration.portfolio_concentration : the local reference.

    References
    ----------
    .. [1] U.S. DOJ & FTC, *Merger Guidelines*, 2023, §2.1.
    """
    kinds = check_kinds(params.get("kinds") or ("buys_from", "offtakes"))
    side = check_side(params.get("direction") or "in")
    node_type = params.get("node_type", "party")
    node_type = None if node_type in (None, "any") else str(node_type)
    min_cp, k = int(params.get("min_counterparties", 1)), int(params.get("k", 5))
    weight, look_through = params.get("weight"), params.get("look_through")
    active_only = bool(params.get("active_only", True))
    used = _weights_used(kinds, weight)
    _no_look_through(look_through)
    conv = Converter(frames.money(), frames.graph.get("currencies") or ())
    size, need = conv.size(kinds, weight)
    holder, cp = ("dst", "src") if side == "in" else ("src", "dst")
    names = _names(frames)
    e = _chosen(frames, kinds, active_only)
    if node_type is not None:
        e = e.join(names.where(F.col("type") == node_type).select(F.col("id").alias(holder)), holder, "left_semi")
    e = e.select(F.col(holder).alias("holder"), F.col(cp).alias("cp"), F.col("ord_out").alias("o"),
                 size.alias("w"), need.alias("need"))
    needed = [r["need"] for r in e.where(F.col("need").isNotNull()).select("need").distinct().collect()]
    raise_missing(frames.money(), needed)
    per_pair = e.where(F.col("w").isNotNull()).groupBy("holder", "cp").agg(
        F.min("o").alias("first"), F.collect_list(F.struct("o", "w")).alias("ws"),
    ).select("holder", "cp", "first", sorted_sum("ws", "o", "w").alias("value"))
    out = _portfolio_rows(per_pair, k, min_cp).join(
        names.select(F.col("id").alias("holder"), "name", "kind"), "holder", "left")
    rows: list[PortfolioRow] = []
    for r in out.collect():
        h = float(r["hhi"])
        b = bands(h)
        rows.append(PortfolioRow(
            node=str(r["holder"]), name=str(r["name"] if r["name"] is not None else r["holder"]), kind=r["kind"],
            n=int(r["n"]), total=float(r["total"]), hhi=h, k=k, cr_k=float(r["cr"]),
            effective_number=10_000.0 / h if h > 0 else None, top_counterparty=str(r["top_cp"]),
            top_pct=float(r["top_pct"]), band_2010=b[0].band, band_2023=b[1].band))
    rows.sort(key=lambda x: (-x.hhi, -x.total, x.node))
    stamp = spark_stamp(
        "portfolio_concentration", "HHI of percentage shares per node, one pass over the edges",
        {"kinds": list(kinds), "direction": side, "node_type": node_type, "weight": list(used),
         "min_counterparties": min_cp, "look_through": look_through, "k": k, "active_only": active_only,
         **_money_stamp(frames, used)},
        frames.version, REFERENCES)
    return PortfolioConcentration(kinds, side, tuple(rows), stamp)

