"""The graph as it stood on a day: one as-of rule for every analysis and every door.

:func:`graph_as_of` is the only place the rule is written. ``stakegraph analyze NAME --as-of D``,
GraphQL ``asOf``, the pages' ``?as_of=`` and the trend and diff analyses all run the analysis on
``graph_as_of(G, D)``. The date an analysis *reports for* when none is given is a different rule,
:func:`stakegraph.measures.default_as_of`.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import networkx as nx

from stakegraph.measures import is_active, to_date

__all__ = ["graph_as_of", "cached_graph_as_of", "edge_as_of", "existed_on", "record_as_of", "AS_OF_GRAPH_RULE",
           "AS_OF_CACHE_DAYS"]

#: The rule in one sentence (stamped on answers given a date).
AS_OF_GRAPH_RULE = ("relationships started on or before D (start_date <= D) and not ended before D (an end_date "
                    "before D leaves it out, whatever its status; an ended status with an end_date on or after D "
                    "reads active); contracts signed_date <= D; interactions, signals, events date <= D; "
                    "FX at the rates in force on D; records without dates kept")
#: Days kept per projection by :func:`cached_graph_as_of` (least recently used dropped first).
AS_OF_CACHE_DAYS = 16
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(value: Any) -> str | None:
    """``yyyy-mm-dd`` of a stored date, or ``None`` when absent or not a date (then it does not filter)."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit():
        return value  # the stored form (fast path)
    s = value.isoformat()[:10] if isinstance(value, dt.date) else str(value).strip()[:10]
    return s if _ISO.fullmatch(s) else None


def edge_as_of(data: Mapping[str, Any], day: str) -> Mapping[str, Any] | None:
    """A relationship's properties as they read on ``day`` (``yyyy-mm-dd``), or ``None`` when it did not exist.

    Not yet started (``start_date`` after the day): ``None``. Ended before the day (``end_date``
    before it): ``None``, whatever the status says (a recalled loan past its end date is gone from
    that day's graph). A status that says it ended with an ``end_date`` on or after the day reads
    ``active``. The same mapping is returned when nothing changes (no copy).

    >>> edge_as_of({"start_date": "2025-01-01"}, "2024-06-30") is None
    True
    >>> edge_as_of({"status": "ended", "end_date": "2026-02-28"}, "2025-12-31")["status"]
    'active'
    >>> edge_as_of({"status": "repaid", "end_date": "2024-12-31"}, "2025-12-31") is None
    True
    >>> edge_as_of({"status": "recalled", "end_date": "2025-05-10"}, "2026-06-30") is None  # ended before the day
    True
    >>> edge_as_of({"status": "recalled", "end_date": "2025-05-10"}, "2025-05-10")["status"]  # the end day counts
    'recalled'
    """
    start, end = data.get("start_date"), data.get("end_date")
    if start is None and end is None:
        return data
    start = _day(start)
    if start is not None and start > day:
        return None
    end = _day(end)
    if end is None:
        return data
    if end < day:
        return None
    if "status" in data and not is_active(data):
        return {**data, "status": "active"}
    return data


def existed_on(data: Mapping[str, Any], day: str, *, edge: bool) -> bool:
    """Whether a record (its properties) existed on ``day`` (``yyyy-mm-dd``) under :func:`graph_as_of`'s rule.

    >>> existed_on({"start_date": "2024-01-01", "end_date": "2024-12-31"}, "2024-06-30", edge=True)
    True
    >>> existed_on({"type": "contract", "signed_date": "2025-01-01"}, "2024-06-30", edge=False)
    False
    """
    if edge:
        return edge_as_of(data, day) is not None
    if data.get("type") == "contract":
        signed = _day(data.get("signed_date"))
        if signed is not None and signed > day:
            return False
    when = data.get("date")
    if when is None:
        return True
    when = _day(when)
    return when is None or when <= day


def record_as_of(data: Mapping[str, Any], day: str) -> Mapping[str, Any]:
    """A contract's (or any record's) properties as they read on ``day``: a status that says it ended with an
    ``end_date`` on or after the day reads ``active``. The same mapping is returned when nothing changes.

    >>> record_as_of({"status": "terminated", "end_date": "2025-05-10"}, "2024-12-31")["status"]
    'active'
    >>> record_as_of({"status": "ended"}, "2025-12-31")["status"]
    'ended'
    """
    if "status" not in data or is_active(data):
        return data
    end = _day(data.get("end_date"))
    if end is None or end < day:
        return data
    return {**data, "status": "active"}


def graph_as_of(G: nx.MultiDiGraph, day: dt.date | str) -> nx.MultiDiGraph:
    """The graph as it stood on ``day``: the one as-of rule of every analysis.

    Kept: a relationship (edge) whose ``start_date`` is on or before the day and which had not
    ended before it; a contract whose ``signed_date`` is on or before the day; an interaction,
    signal or event whose ``date`` is on or before the day; every record without such dates
    (parties, projects, undated edges). Edges to a node that is left out are left out.

    *Ended before the day* means an ``end_date`` before it, whatever the status as loaded says
    (``active``, ``recalled``, ``disputed`` …): the dates decide, the status does not keep a
    relationship past its end date. An ``end_date`` equal to the day keeps it (it ends that day).
    A relationship or contract whose ``status`` says it ended (``ended``, ``terminated``,
    ``repaid`` …) but whose ``end_date`` is on or after the day was active then: it reads
    ``status="active"`` in the returned graph, so every analysis's
    :func:`~stakegraph.measures.is_active` sees it active (the end date is taken as the day it
    ended: an early repayment without its own date reads active until the scheduled end). Other
    statuses are kept as loaded: the data does not say when they began (the dated signals do, and
    they are filtered by date). Dates that are not ``yyyy-mm-dd`` do not filter. Amounts are as
    loaded: a relationship has one amount, not a history; they convert at the FX rates in force on
    the day (``as_of`` is set on the result, which :func:`stakegraph.measures.money_context` reads).

    Built in one pass over nodes and edges; property dicts are shared with ``G`` (copied only
    where the status changes), and so is a pair's key dict when every edge between the two nodes
    reads as loaded, so treat the result as read-only, like the projection itself. The cyclic
    garbage collector is paused during the pass (it allocates many small dicts next to a large
    graph; the collector's scans of the whole heap would otherwise double its cost).
    ``G.graph`` is kept (``version``) and ``as_of`` is added.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The projection (:meth:`stakegraph.store.base.GraphStore.project`).
    day : datetime.date or str
        The day (ISO ``yyyy-mm-dd`` text accepted).

    Returns
    -------
    networkx.MultiDiGraph
        A new graph with the records that existed on ``day``.

    Examples
    --------
    >>> G = nx.MultiDiGraph(version="v1")
    >>> G.add_edge("bank", "co", key="old", kind="lends_to", amount=5.0, start_date="2020-01-01",
    ...            end_date="2022-12-31", status="repaid")
    'old'
    >>> G.add_edge("bank", "co", key="new", kind="lends_to", amount=7.0, start_date="2023-06-01")
    'new'
    >>> H = graph_as_of(G, "2022-06-30")
    >>> sorted(k for _, _, k in H.edges(keys=True)), H.edges["bank", "co", "old"]["status"], H.graph["as_of"]
    (['old'], 'active', '2022-06-30')
    >>> sorted(k for _, _, k in graph_as_of(G, "2024-01-01").edges(keys=True))
    ['new']

    References
    ----------
    .. [1] Snodgrass, R. T. (ed.), *The TSQL2 Temporal Query Language*, Kluwer, 1995 — valid-time
       "as of" (timeslice) selection: a fact holds on a day when its valid-time interval contains it.
    .. [2] Basel Committee on Banking Supervision, *BCBS 239: Principles for effective risk data
       aggregation and risk reporting*, 2013, Principle 5 (timeliness: data as of a reporting date).
    """
    d = to_date(day, field_name="as_of").isoformat()
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    H.graph["as_of"] = d
    collecting = gc.isenabled()
    gc.disable()
    try:
        _fill(G, H, d)
    finally:
        if collecting:
            gc.enable()
    return H


def _fill(G: nx.MultiDiGraph, H: nx.MultiDiGraph, d: str) -> None:
    """:func:`graph_as_of`'s pass: the nodes and edges of ``G`` that existed on ``d``, into the empty ``H``."""
    node: dict[Any, Any] = H._node  # noqa: SLF001 - one-pass build of the adjacency (shared dicts)
    succ: dict[Any, Any] = H._succ  # noqa: SLF001
    pred: dict[Any, Any] = H._pred  # noqa: SLF001
    for n, data in G._node.items():  # noqa: SLF001
        if existed_on(data, d, edge=False):
            node[n] = record_as_of(data, d) if data.get("type") == "contract" else data
            succ[n] = {}
            pred[n] = {}
    for u, nbrs in G._succ.items():  # noqa: SLF001
        if u not in node:
            continue
        su = succ[u]
        for v, keydict in nbrs.items():
            if v not in node:
                continue
            kept: dict[Any, Any] = keydict  # shared when every edge of the pair reads as loaded
            for e in keydict.values():
                if ("start_date" in e or "end_date" in e) and edge_as_of(e, d) is not e:
                    kept = {}
                    break
            if kept is not keydict:
                for k, e in keydict.items():
                    if "start_date" in e or "end_date" in e:
                        e = edge_as_of(e, d)
                        if e is None:
                            continue
                    kept[k] = e
            if kept:
                su[v] = kept
                pred[v][u] = kept


_CACHE: weakref.WeakKeyDictionary[nx.MultiDiGraph, OrderedDict[str, nx.MultiDiGraph]] = weakref.WeakKeyDictionary()
_CACHE_LOCK = threading.Lock()


def cached_graph_as_of(G: nx.MultiDiGraph, day: dt.date | str) -> nx.MultiDiGraph:
    """:func:`graph_as_of`, kept per projection and day (:data:`AS_OF_CACHE_DAYS` days per projection).

    The cache is held by the projection object: a :class:`~stakegraph.workspace.Workspace` has one
    projection per graph version, so the cache is per (version, day) and goes with the projection.

    >>> G = nx.MultiDiGraph(); G.add_node("a", type="party")
    >>> cached_graph_as_of(G, "2024-01-01") is cached_graph_as_of(G, "2024-01-01")
    True
    """
    d = to_date(day, field_name="as_of").isoformat()
    with _CACHE_LOCK:
        days = _CACHE.get(G)
        if days is not None and d in days:
            days.move_to_end(d)
            return days[d]
    H = graph_as_of(G, d)
    with _CACHE_LOCK:
        days = _CACHE.setdefault(G, OrderedDict())
        days[d] = H
        while len(days) > AS_OF_CACHE_DAYS:
            days.popitem(last=False)
    return H
