"""The explorer's per-node metrics, computed once per graph version from the fast paths.

Every node of the projection gets, in one pass each (no per-node graph walk, no NetworkX kernel):

* ``degree`` — relationships at the node (a self-loop counts twice, as ``G.degree``), from the
  columnar index (:meth:`stakegraph.workspace.Workspace.index`);
* ``exposure`` — :func:`stakegraph.measures.exposure` in the reporting currency, summed over the
  edges in one pass (the same rows, the same :func:`~stakegraph.measures.money_of_edge`);
* ``betweenness`` — Brandes' betweenness of the undirected simple graph of every node and every
  relationship, normalised, exact up to :data:`BETWEENNESS_SAMPLE` nodes and estimated from that
  many seeded sources above it (Brandes & Pich 2007), by igraph on the index's integer structure
  (:func:`stakegraph.analytics.fastpath.betweenness`: the sources NetworkX would draw, its scaling);
* ``hhi`` — the catalogue's ``portfolio-concentration`` with its defaults (a party's customers:
  ``buys_from``/``offtakes`` pointing at it, DOJ/FTC HHI 0–10,000); absent for a party without
  customers;
* ``health`` and ``health_mean`` — the catalogue's ``health-scores`` (relationship health 0–100 as
  of its default day) aggregated per party over its scored relationships (either end):
  ``health`` is the **weakest** relationship's score (a party is as healthy as its weakest tie:
  what the alerts flag), ``health_mean`` the plain mean; ``health_n`` how many were scored;
* every numeric property of the node (money converted to the reporting currency);
* the Louvain ``community`` (the catalogue's ``communities``, seed 0) with its name — computed apart
  (:func:`communities`), in the background (:func:`communities_job`): Louvain is most of the first
  request's time on a large graph (about 18 s of 32 s at 10,000 parties), so the other metrics are served
  without waiting for it and the page fetches the communities when they are ready.

``tests/viz/test_explore_metrics.py`` proves each number equal to its NetworkX reference.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from concurrent.futures import Future
from typing import Any

import networkx as nx
import numpy as np

from stakegraph.analytics import fastpath
from stakegraph.domain import FINANCING_KINDS, RELATIONSHIP_KINDS
from stakegraph.errors import StakegraphError
from stakegraph.measures import is_active, money_context, money_of_edge, number
from stakegraph.workspace import Workspace

__all__ = ["BETWEENNESS_SAMPLE", "PROVENANCE", "METRIC_UNITS", "communities", "communities_job", "node_metrics"]

#: Betweenness is exact up to this many nodes, else estimated from this many sampled sources.
BETWEENNESS_SAMPLE = 300
PROVENANCE = ("source_file", "source_row", "load_id")
#: What each computed metric is and its unit (``{currency}`` = the reporting currency, ``{as_of}`` the day of its rates).
METRIC_UNITS = {
    "degree": "relationships",
    "exposure": "{currency}, converted as of {as_of}; financing relationships (loans, equity, guarantees at their cap), active",
    "betweenness": "share of shortest paths through the node (0-1)",
    "hhi": "HHI of its customers (buys_from, offtakes in), 0-10,000; DOJ/FTC: >1,800 highly concentrated",
    "health": "weakest relationship's health score (0-100, lower is worse)",
    "health_mean": "mean health score of its relationships (0-100)",
    "health_n": "relationships scored for health",
}


def _exposures(G: nx.MultiDiGraph) -> dict[Any, float]:
    """:func:`stakegraph.measures.exposure` of every node in one pass over the edges."""
    money = money_context(G)
    out: dict[Any, float] = dict.fromkeys(G, 0.0)
    for u, v, d in G.edges(data=True):
        if d.get("kind") in FINANCING_KINDS and is_active(d):
            x = money_of_edge(d, money=money) or 0.0
            out[u] += x
            if v != u:
                out[v] += x
    return out


def _degrees(ix: Any) -> np.ndarray:
    n = ix.n
    return np.bincount(ix.src, minlength=n) + np.bincount(ix.dst, minlength=n)


def _betweenness(ix: Any) -> dict[str, float]:
    S = fastpath.structure(ix, kinds=tuple(RELATIONSHIP_KINDS), types=ix.types, active_only=False)
    if not S.nodes:
        return {}
    k = None if len(S.nodes) <= BETWEENNESS_SAMPLE else BETWEENNESS_SAMPLE
    return fastpath.betweenness(S, k=k, seed=0)


def _health(ws: Workspace, version: str) -> dict[str, dict[str, float]]:
    scores: dict[str, list[float]] = defaultdict(list)
    for r in ws.run("health-scores", version=version).result.relationships:
        scores[r.source].append(r.score)
        if r.target != r.source:
            scores[r.target].append(r.score)
    return {n: {"health": min(s), "health_mean": sum(s) / len(s), "health_n": float(len(s))}
            for n, s in scores.items()}


def communities(ws: Workspace, version: str) -> dict[str, Any]:
    """The catalogue's ``communities`` of ``version`` for the explorer: ``communities`` (node id to
    community id) and ``names`` (community id to its id, size and name: ``C{id} · `` its best-connected
    member's name); both empty when there is no structure to partition."""
    G = ws.projection(version)
    node_comm: dict[str, int] = {}
    comms: dict[int, dict[str, Any]] = {}
    try:
        cr = ws.run("communities", version=version).result
    except StakegraphError:  # no structure to partition: every node stays unclustered
        return {"communities": node_comm, "names": comms}
    for c in cr.communities:
        lead = max(c.members, key=lambda m: (G.degree(m), m))
        comms[c.id] = {"id": c.id, "size": c.size, "name": f"C{c.id} · {G.nodes[lead].get('name') or lead}"}
        node_comm.update(dict.fromkeys(c.members, c.id))
    return {"communities": node_comm, "names": comms}


_JOBS = threading.Lock()


def communities_job(ws: Workspace, version: str) -> Future[dict[str, Any]]:
    """:func:`communities` of ``version`` computing in a background (daemon) thread, started on the first
    call and kept in the workspace's per-version cache: every later call gets the same future."""
    def start(_G: nx.MultiDiGraph) -> Future[dict[str, Any]]:
        job: Future[dict[str, Any]] = Future()

        def work() -> None:
            try:
                job.set_result(communities(ws, version))
            except BaseException as e:  # noqa: BLE001 - handed to whoever waits on the future
                job.set_exception(e)

        threading.Thread(target=work, name=f"stakegraph-communities-{version[:12]}", daemon=True).start()
        return job

    with _JOBS:
        return ws.cached(("explore", "communities-job"), start, version)  # type: ignore[no-any-return]


def node_metrics(ws: Workspace, version: str) -> dict[str, Any]:
    """Per node metrics (see the module; the communities apart: :func:`communities`), the reporting
    currency and the units."""
    G = ws.projection(version)
    ix = ws.index(version)
    money = money_context(G)
    degree = dict(zip(ix.node_ids, _degrees(ix).tolist(), strict=True))
    between = _betweenness(ix)
    try:
        exposure: dict[Any, float | None] = dict(_exposures(G))
    except StakegraphError:  # a missing FX rate: no exposure rather than a wrong one
        exposure = dict.fromkeys(G)
    try:
        hhi = {r.node: r.hhi for r in ws.run("portfolio-concentration", version=version).result.rows}
    except StakegraphError:
        hhi = {}
    try:
        health = _health(ws, version)
    except StakegraphError:
        health = {}
    out: dict[str, dict[str, Any]] = {}
    for n, d in G.nodes(data=True):
        key = str(n)
        m: dict[str, Any] = {"degree": degree.get(key, 0), "betweenness": round(between.get(key, 0.0), 6),
                             "exposure": exposure.get(n)}
        if key in hhi:
            m["hhi"] = hhi[key]
        m.update(health.get(key, ()))
        for prop, value in d.items():
            if prop in m or prop in PROVENANCE or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if number(value) is None:
                continue
            try:
                m[prop] = money.of(d, prop)
            except StakegraphError:
                m[prop] = None
        out[key] = m
    return {"nodes": out, "currency": money.reporting,
            "as_of": money.day.isoformat(),
            "units": {k: u.replace("{currency}", money.reporting).replace("{as_of}", money.day.isoformat())
                      for k, u in METRIC_UNITS.items()}}
