"""Spark jobs ``groups`` (Basel connected counterparties) and ``exposures`` (large exposures of a lender).

The same rules as :mod:`stakegraph.analytics.groups`, as DataFrame steps over the whole book:

1. **control links** — per (owner, owned) pair the ``owns`` shares added in edge order, ``controls``
   edges, then the *aggregated holdings* fixed point: each round joins every not-yet-controlled node
   that has two or more owners with its owners' controllers (the transitive closure of the control
   links, grown by semi-naive joins) and keeps the lowest controller holding more than the threshold;
2. **interdependence links** — receipts per (seller, payer) and guarantees against the obligor's debt;
3. **groups** — connected components of those links by *large-star / small-star* (Kiveris et al.
   2014), alternated on the link DataFrame until the edge set no longer changes.

Only the links (a few per group) and the component labels of their nodes come back to the driver,
where the groups are assembled exactly as the local function assembles them. ``exposures`` adds up
the lender's active exposure edges per group on Spark.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import networkx as nx
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from stakegraph.analytics.groups import (
    EXPOSURE_KINDS,
    LEX_LIMITS,
    ConnectedGroup,
    ConnectedGroupsResult,
    Exposure,
    GroupLink,
    LargeExposuresResult,
    _check_threshold,
    groups_from_components,
)
from stakegraph.analytics.selection import STRUCTURAL_TYPES, check_kinds
from stakegraph.analytics.stamp import Stamp
from stakegraph.errors import NotFound, ValidationError
from stakegraph.spark.frames import GraphFrames
from stakegraph.spark.jobs import spark_job
from stakegraph.spark.jobs.risk_columns import (
    Rates,
    active,
    check_rates,
    display_name,
    money,
    num,
    ordered_sum,
    spark_stamp,
)

__all__ = ["groups_job", "exposures_job", "connected_groups_spark", "large_exposures_spark", "star_components"]

_RECEIPTS_TO_TARGET = ("buys_from", "offtakes")  # the target is the seller; ``supplies``: the source is


# --- connected components: large-star / small-star -------------------------------------------------


def _both_ways(E: DataFrame) -> DataFrame:
    return E.select("a", "b").union(E.select(F.col("b").alias("a"), F.col("a").alias("b"))).distinct()


def _large_star(E: DataFrame) -> DataFrame:
    """Each node's larger neighbours are linked to the smallest of the node and its neighbours."""
    nb = _both_ways(E)
    m = nb.groupBy("a").agg(F.least(F.min("b"), F.col("a")).alias("m"))
    return nb.join(m, "a").where(F.col("b") > F.col("a")).select(F.col("b").alias("a"), F.col("m").alias("b"))


def _small_star(E: DataFrame) -> DataFrame:
    """Each node and its smaller neighbours are linked to the smallest of them."""
    down = _both_ways(E).where(F.col("b") < F.col("a"))
    m = down.groupBy("a").agg(F.min("b").alias("m"))
    star = down.join(m, "a").where(F.col("b") != F.col("m")).select(F.col("b").alias("a"), F.col("m").alias("b"))
    return star.union(m.select("a", F.col("m").alias("b"))).distinct()


def star_components(pairs: DataFrame, max_rounds: int = 200) -> DataFrame:
    """Connected components of an undirected edge list ``(a, b)``: rows ``(node, label)``, label = smallest id.

    Large-star then small-star, repeated until a round leaves the edge set unchanged (Kiveris et al.
    2014 prove O(log² n) rounds). Each round is checkpointed, so lineage stays short.

    Examples
    --------
    >>> df = spark.createDataFrame([("b", "a"), ("c", "b"), ("y", "z")], "a string, b string")  # doctest: +SKIP
    >>> sorted(map(tuple, star_components(df).collect()))  # doctest: +SKIP
    [('a', 'a'), ('b', 'a'), ('c', 'a'), ('y', 'y'), ('z', 'y')]

    References
    ----------
    .. [1] Kiveris, R., Lattanzi, S., Mirrokni, V., Rastogi, V., Vassilvitskii, S. (2014). Connected
       components in MapReduce and beyond. ACM SoCC '14, doi:10.1145/2670979.2670997.
    """
    E = pairs.select(F.col("a").cast("string"), F.col("b").cast("string")).where(F.col("a") != F.col("b"))
    E = E.select(F.greatest("a", "b").alias("a"), F.least("a", "b").alias("b")).distinct().localCheckpoint()
    for _ in range(max_rounds):
        nxt = _small_star(_large_star(E)).localCheckpoint()
        same = nxt.exceptAll(E).union(E.exceptAll(nxt)).isEmpty()
        E = nxt
        if same:
            break
    labels = E.groupBy("a").agg(F.min("b").alias("label"))
    roots = E.select(F.col("b").alias("a")).distinct().join(labels, "a", "left_anti") \
        .select("a", F.col("a").alias("label"))
    return labels.union(roots).select(F.col("a").alias("node"), "label")


# --- links -----------------------------------------------------------------------------------------


def _edges_between_structural(frames: GraphFrames, kinds: tuple[str, ...]) -> DataFrame:
    """Active edges of ``kinds`` joining two party/project nodes, self-loops dropped."""
    e = frames.edges
    e = e.where(F.col("kind").isin(*kinds) & active(e) & (F.col("src") != F.col("dst")))
    typed = frames.nodes.where(F.col("type").isin(*STRUCTURAL_TYPES)).select("id", "type")
    e = e.join(typed.select(F.col("id").alias("src"), F.col("type").alias("src_type")), "src")
    return e.join(typed.select(F.col("id").alias("dst"), F.col("type").alias("dst_type")), "dst")


def _holdings(se: DataFrame) -> DataFrame:
    """``(u, v, pct, keys, first)``: u's ``owns`` shares of v added in edge order, the edge keys, the first edge."""
    own = se.where(F.col("kind") == "owns").withColumn("pct", num(se, "share_pct")).where(F.col("pct").isNotNull())
    return own.groupBy(F.col("src").alias("u"), F.col("dst").alias("v")).agg(
        ordered_sum(F.col("pct"), F.col("ord_out")).alias("pct"),
        F.array_sort(F.collect_list("key")).alias("keys"),
        F.min("ord_out").alias("first"),
    )


def _aggregate_holdings(links: dict[tuple[str, str], GroupLink], owners_of: Mapping[str, list[Any]],
                        threshold: float) -> None:
    """Rule 3 to a fixed point, in place: each round reads the control links as the round began."""
    changed = True
    while changed:
        changed = False
        ctl = nx.DiGraph()
        ctl.add_edges_from(links)
        controlled = {t for (_s, t) in links}
        new: dict[tuple[str, str], GroupLink] = {}
        for v, owners in owners_of.items():
            if v in controlled:
                continue
            votes: dict[str, float] = defaultdict(float)
            via: dict[str, list[Any]] = defaultdict(list)
            for o in owners:
                for x in {o["u"]} | (nx.ancestors(ctl, o["u"]) if o["u"] in ctl else set()):
                    votes[x] += o["pct"]
                    via[x].append(o)
            passing = {x for x, total in votes.items() if x != v and total > threshold}
            for x in sorted(passing):
                if x in ctl and any(z in passing for z in nx.descendants(ctl, x)):
                    continue
                total = votes[x]
                keys = tuple(sorted(k for o in via[x] for k in o["keys"]))
                parts = ", ".join(f"{o['u']} {o['pct']:g}%" for o in sorted(via[x], key=lambda o: str(o["u"])))
                new[(x, v)] = GroupLink(x, v, "control", "aggregate_ownership", total, keys,
                                        f"holds {total:g}% > {threshold:g}% together with "
                                        f"entities it controls ({parts})")
        links.update(new)
        changed = bool(new)


def _control_links(se: DataFrame, threshold: float) -> list[GroupLink]:
    """Rules 1–3 of :func:`stakegraph.analytics.groups.control_links` (same links, same order)."""
    holdings = _holdings(se).localCheckpoint()
    ctl = se.where(F.col("kind") == "controls").groupBy(F.col("src").alias("source"), F.col("dst").alias("target")) \
        .agg(F.min(F.struct("ord_out", "key"))["key"].alias("key"))
    owns = holdings.where(F.col("pct") > F.lit(threshold)).select(
        F.col("u").alias("source"), F.col("v").alias("target"), "pct", "keys").join(ctl, ["source", "target"],
                                                                                    "left_anti")
    links: dict[tuple[str, str], GroupLink] = {}
    for r in ctl.collect():
        links[(r["source"], r["target"])] = GroupLink(r["source"], r["target"], "control", "controls", None,
                                                      (r["key"],), "controls edge")
    for r in owns.collect():
        links[(r["source"], r["target"])] = GroupLink(r["source"], r["target"], "control", "owns", r["pct"],
                                                      tuple(r["keys"]), f"owns {r['pct']:g}% > {threshold:g}%")
    # owned nodes with two or more owners: the only ones the aggregate rule can reach. Their holdings
    # (few rows) come to the driver, beside the control links already there, for the fixed point.
    multi = holdings.join(holdings.groupBy("v").count().where(F.col("count") >= 2).select("v"), "v").collect()
    owners_of: dict[str, list[Any]] = defaultdict(list)
    for r in sorted(multi, key=lambda r: r["first"]):
        owners_of[r["v"]].append(r)
    _aggregate_holdings(links, owners_of, threshold)
    return sorted(links.values(), key=lambda link: (link.source, link.target))


def _interdependence_links(se: DataFrame, nodes: DataFrame, rates: Rates, threshold: float) -> list[GroupLink]:
    """Receipts and guarantee links of :func:`stakegraph.analytics.groups.interdependence_links`."""
    rec = se.where(F.col("kind").isin("buys_from", "offtakes", "supplies"))
    check_rates(rec, ("annual_revenue",), rates)
    to_target = F.col("kind").isin(*_RECEIPTS_TO_TARGET)
    rec = rec.select(
        F.when(to_target, F.col("dst")).otherwise(F.col("src")).alias("seller"),
        F.when(to_target, F.col("src")).otherwise(F.col("dst")).alias("payer"),
        F.coalesce(money(rec, "annual_revenue", rates), F.lit(0.0)).alias("amount"),
        num(rec, "revenue_share_pct").alias("stated"), "key", "ord_out")
    pairs = rec.groupBy("seller", "payer").agg(
        ordered_sum(F.col("amount"), F.col("ord_out")).alias("amount"),
        ordered_sum(F.col("stated"), F.col("ord_out")).alias("stated"),
        F.array_sort(F.collect_list("key")).alias("keys"), F.min("ord_out").alias("first"))
    check_rates(nodes.join(pairs.select(F.col("seller").alias("id")).distinct(), "id"), ("annual_revenue",), rates)
    sellers = nodes.select(F.col("id").alias("seller"), F.col("type").alias("seller_type"),
                           money(nodes, "annual_revenue", rates).alias("revenue"))
    sums = pairs.groupBy("seller").agg(ordered_sum(F.col("amount"), F.col("first")).alias("receipts"))
    own_total = F.col("revenue").isNotNull() & (F.col("revenue") != 0)
    from_edges = ~own_total & (F.col("seller_type") == "project")
    total = F.when(from_edges, F.col("receipts")).otherwise(F.col("revenue"))
    got = pairs.join(sellers, "seller", "left").join(sums, "seller").select(
        "seller", "payer", "amount", "stated", "keys", total.alias("total"), from_edges.alias("from_edges"))
    pct = F.when(F.col("stated").isNotNull(), F.col("stated")).when(
        F.col("total").isNotNull() & (F.col("total") != 0), F.lit(100.0) * F.col("amount") / F.col("total"))
    rows = got.withColumn("pct", pct).where(F.col("pct") >= F.lit(threshold)).collect()
    links: list[GroupLink] = []
    for r in rows:
        if r["stated"] is not None:
            how = "revenue_share_pct"
        else:
            basis = "sum of the project's receipt edges" if r["from_edges"] else "annual_revenue"
            how = f"{r['amount']:g} / {r['total']:g} ({basis})"
        links.append(GroupLink(r["payer"], r["seller"], "interdependence", "receipts", r["pct"], tuple(r["keys"]),
                               f"{r['pct']:.4g}% of the seller's receipts from this payer ({how})"))
    lends = se.where(F.col("kind") == "lends_to")
    check_rates(lends, ("amount",), rates)
    debt = lends.groupBy(F.col("dst")).agg(
        ordered_sum(F.coalesce(money(lends, "amount", rates), F.lit(0.0)), F.col("ord_out")).alias("debt"))
    gua = se.where(F.col("kind") == "guarantees")
    check_rates(gua, ("amount",), rates)
    gua = gua.select("src", "dst", "key", "ord_out", num(gua, "guaranteed_share_of_debt").alias("stated"),
                     money(gua, "amount", rates).alias("amount")).join(debt, "dst", "left")
    gpct = F.when(F.col("stated").isNotNull(), F.col("stated")).when(
        F.col("amount").isNotNull() & F.col("debt").isNotNull() & (F.col("debt") != 0),
        F.lit(100.0) * F.col("amount") / F.col("debt"))
    for r in gua.withColumn("pct", gpct).where(F.col("pct") >= F.lit(threshold)).orderBy("ord_out").collect():
        how = ("guaranteed_share_of_debt" if r["stated"] is not None
               else f"{r['amount']:g} / {r['debt']:g} lent to the obligor")
        links.append(GroupLink(r["src"], r["dst"], "interdependence", "guarantee", r["pct"], (r["key"],),
                               f"guarantees {r['pct']:.4g}% of the obligor's debt ({how})"))
    return sorted(links, key=lambda link: (link.source, link.target, link.basis))


# --- groups ----------------------------------------------------------------------------------------


def _names(frames: GraphFrames, ids: DataFrame) -> dict[str, str]:
    n = frames.nodes
    named = n.select("id", display_name(n).alias("name"))
    return {r["id"]: r["name"] for r in ids.join(named, "id", "left").collect()}


def connected_groups_spark(frames: GraphFrames, *, control_threshold: float = 50.0,
                           interdependence_threshold: float = 50.0) -> ConnectedGroupsResult:
    """:func:`stakegraph.analytics.groups.connected_groups` on Spark: the same groups, links and stamp.

    Parameters
    ----------
    frames : GraphFrames
        The graph as DataFrames (:func:`stakegraph.spark.frames.graph_frames`).
    control_threshold, interdependence_threshold : float
        As in the local function (percentages; control strictly above, interdependence at or above).

    Returns
    -------
    ConnectedGroupsResult
        Groups largest first, then by id; the stamp says ``backend: spark`` when stamps carry one.

    Examples
    --------
    >>> import networkx as nx
    >>> from stakegraph.spark.frames import graph_frames
    >>> G = nx.MultiDiGraph(); G.add_nodes_from(["h", "s"], type="party")
    >>> _ = G.add_edge("h", "s", key="a", kind="owns", share_pct=60)
    >>> r = connected_groups_spark(graph_frames(spark, G))  # doctest: +SKIP
    >>> [g.member_ids for g in r.groups]  # doctest: +SKIP
    [('h', 's')]

    See Also
    --------
    stakegraph.analytics.groups.connected_groups : the local reference.

    References
    ----------
    .. [1] Basel Committee on Banking Supervision, *Large exposures framework*, LEX10.9–10.20, BIS, 2019.
    .. [2] Kiveris et al. (2014), Connected components in MapReduce and beyond (large-star / small-star).
    """
    _check_threshold("control_threshold", control_threshold)
    _check_threshold("interdependence_threshold", interdependence_threshold)
    rates = Rates.of(frames.money(), frames.graph.get("currencies") or ())
    se = _edges_between_structural(
        frames, ("owns", "controls", "buys_from", "offtakes", "supplies", "lends_to", "guarantees")).localCheckpoint()
    links = _control_links(se, float(control_threshold)) + _interdependence_links(
        se, frames.nodes, rates, float(interdependence_threshold))
    spark = se.sparkSession
    pairs = spark.createDataFrame([(lk.source, lk.target) for lk in links] or [("", "")], "a string, b string") \
        .where(F.col("a") != "")
    labels = star_components(pairs)
    members_of: dict[str, list[str]] = defaultdict(list)
    for r in labels.collect():
        members_of[r["label"]].append(r["node"])
    names = _names(frames, labels.select(F.col("node").alias("id")))
    local = groups_from_components(links, members_of.values(), lambda n: names.get(n) or n,
                                   control_threshold=control_threshold,
                                   interdependence_threshold=interdependence_threshold, version=frames.version)
    return dataclasses.replace(local, stamp=spark_stamp(local.stamp))


# --- large exposures -------------------------------------------------------------------------------


def _node_row(frames: GraphFrames, node: str, rates: Rates) -> dict[str, Any]:
    n = frames.nodes
    rows = n.where(F.col("id") == node).select(
        "id", display_name(n).alias("name"), money(n, "tier1_capital", rates).alias("tier1"),
        F.get_json_object(F.col("props"), "$.gsib").alias("gsib")).collect()
    if not rows:
        raise NotFound(f"no node with id {node!r} in the graph; check the id (ids are case-sensitive)")
    return rows[0].asDict()


def _truthy(json_text: str | None) -> bool:
    """``bool(value)`` of a JSON value as ``get_json_object`` returns it (text of a scalar)."""
    import json

    if json_text is None:
        return False
    try:
        return bool(json.loads(json_text))
    except ValueError:
        return bool(json_text)  # a string value comes back unquoted


def large_exposures_spark(frames: GraphFrames, lender: str, *, groups: ConnectedGroupsResult | None = None,
                          kinds: Any = EXPOSURE_KINDS, top: int = 20) -> LargeExposuresResult:
    """:func:`stakegraph.analytics.groups.large_exposures` on Spark: same exposures, limits and stamp.

    The lender's active exposure edges are converted to the reporting currency, joined to the
    connected groups and added up per group (in edge order) on Spark; a counterparty in no group is
    its own group.

    Examples
    --------
    >>> r = large_exposures_spark(graph_frames(spark, G), "bank")  # doctest: +SKIP
    >>> [(e.group_id, e.amount, e.breach) for e in r.reportable]  # doctest: +SKIP
    [('group:h', 27.0, True)]

    See Also
    --------
    stakegraph.analytics.groups.large_exposures : the local reference.

    References
    ----------
    .. [1] Basel Committee on Banking Supervision, *Large exposures framework*, LEX10, LEX20, LEX30, 2019.
    """
    kinds = check_kinds(kinds)
    money_ctx = frames.money()
    rates = Rates.of(money_ctx, frames.graph.get("currencies") or ())
    me = _node_row(frames, lender, rates)
    if me["tier1"] is None and rates.missing:
        check_rates(frames.nodes.where(F.col("id") == lender), ("tier1_capital",), rates)
    tier1 = me["tier1"]
    if not tier1 or tier1 <= 0:
        raise ValidationError(
            f"party {lender!r} has no tier1_capital", field="tier1_capital", value=tier1,
            fix="add a positive tier1_capital to the lender's row in parties.csv and reload")
    if groups is None:
        groups = connected_groups_spark(frames)
    spark = frames.edges.sparkSession
    e = frames.edges
    e = e.where((F.col("src") == lender) & F.col("kind").isin(*kinds) & active(e))
    check_rates(e, ("amount",), rates)
    e = e.withColumn("amount", money(e, "amount", rates)).where(F.col("amount").isNotNull())
    gmap = spark.createDataFrame(list(groups.group_of.items()) or [("", "")], "dst string, gid string")
    e = e.join(F.broadcast(gmap), "dst", "left").withColumn("gid", F.coalesce(F.col("gid"), F.col("dst")))
    cur: Column = F.when(F.col("currency").isNotNull() & (F.col("currency") != ""), F.col("currency"))
    per_kind = e.groupBy("gid", "kind").agg(ordered_sum(F.col("amount"), F.col("ord_out")).alias("k_amount"))
    slots = e.groupBy("gid").agg(
        ordered_sum(F.col("amount"), F.col("ord_out")).alias("amount"),
        F.array_sort(F.collect_list("key")).alias("edges"),
        F.array_sort(F.collect_set("dst")).alias("cps"),
        F.array_sort(F.collect_set(cur)).alias("cur"),
    ).join(per_kind.groupBy("gid").agg(F.map_from_entries(F.array_sort(F.collect_list(
        F.struct("kind", "k_amount")))).alias("by_kind")), "gid").collect()
    lender_gsib = _truthy(me["gsib"])
    plain = [r["gid"] for r in slots if not r["gid"].startswith("group:")]
    member_ids = {m for r in slots if r["gid"].startswith("group:") for m in (groups.group(r["gid"]) or
                                                                               _EMPTY).member_ids}
    wanted = sorted(set(plain) | (member_ids if lender_gsib else set()))
    info = {r["id"]: (r["name"], _truthy(r["gsib"])) for r in frames.nodes.where(F.col("id").isin(*wanted)).select(
        "id", display_name(frames.nodes).alias("name"),
        F.get_json_object(F.col("props"), "$.gsib").alias("gsib")).collect()} if wanted else {}
    exposures: list[Exposure] = []
    for r in slots:
        gid = r["gid"]
        group = groups.group(gid) if gid.startswith("group:") else None
        members = group.member_ids if group else (gid,)
        gsib_pair = lender_gsib and any(info.get(m, ("", False))[1] for m in members)
        limit = 15.0 if gsib_pair else 25.0
        pct = 100.0 * r["amount"] / tier1
        exposures.append(Exposure(
            group_id=gid, name=group.name if group else info.get(gid, (gid, False))[0],
            members=members, counterparties=tuple(r["cps"]), amount=r["amount"],
            by_kind=dict(sorted(r["by_kind"].items())), edges=tuple(r["edges"]), currencies=tuple(r["cur"]),
            pct_tier1=pct, reportable=pct >= 10.0, limit_pct=limit, breach=pct > limit))
    exposures.sort(key=lambda x: (-x.amount, x.group_id))
    stamp = Stamp(
        "large_exposures",
        "LEX30 simplified: nominal amounts, guarantees at CCF 100%, no CRM/netting; groups per connected_groups",
        {"lender": lender, "kinds": list(kinds), "top": top, "groups_stamp": {k: v for k, v in groups.stamp.parameters.items() if k != "backend"},
         **money_ctx.stamp()},
        frames.version, LEX_LIMITS)
    return LargeExposuresResult(
        lender=lender, name=me["name"], tier1_capital=tier1, gsib=lender_gsib,
        total_exposure=sum(x.amount for x in exposures),
        reportable=tuple(x for x in exposures if x.reportable), largest=tuple(exposures[:top]),
        breaches=tuple(x.group_id for x in exposures if x.breach), stamp=spark_stamp(stamp))


_EMPTY = ConnectedGroup("", "", (), (), ())


# --- the registered jobs ---------------------------------------------------------------------------


@spark_job("groups")
def groups_job(frames: GraphFrames, params: Mapping[str, Any]) -> ConnectedGroupsResult:
    """The ``groups`` analysis on Spark (parameters as the catalogue parses them)."""
    return connected_groups_spark(frames, control_threshold=params.get("control_threshold", 50.0),
                                  interdependence_threshold=params.get("interdependence_threshold", 50.0))


@spark_job("exposures")
def exposures_job(frames: GraphFrames, params: Mapping[str, Any]) -> LargeExposuresResult:
    """The ``exposures`` analysis on Spark (parameters as the catalogue parses them)."""
    return large_exposures_spark(frames, params["node"], top=params.get("top", 20))
