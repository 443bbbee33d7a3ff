"""Relationship health in columns: one read of the edges, the factors once per combination, the rows in bulk.

:func:`relationship_health_columns` returns exactly
:func:`stakegraph.analytics.health_fast.relationship_health_fast` — hence
:func:`stakegraph.analytics.health.relationship_health_reference` — (same dataclasses, rows, order, floats
and stamp: ``tests/analytics/test_health_columns.py``). :func:`relationship_health_on_day` returns exactly
``relationship_health_fast(graph_as_of(G, day), as_of=day)``, without building the as-of graph when the
day changes nothing in ``G`` (the audit's day usually: it is the latest dated record).

What differs from the bulk path (the reference's arithmetic is the same, through
:class:`~stakegraph.analytics.health_parts.Parts`):

* the properties of every edge are read in one comprehension (a large projection's edge dicts are
  scattered in memory: each pass over them costs about as much as the reads it makes), and the rest works
  on those columns: candidate relationships, contact persons, contract groups, the as-of check;
* the relationships are grouped by the sources of their events (edge, ordered pair, each end's party) and
  the contact counts at their ends with NumPy codes (the bulk path's key, or finer), the factors are
  computed once per group, the order of the rows (score, then edge id) is computed as a permutation
  (``np.lexsort``) before any row exists, and the rows are made when they are read
  (:class:`~stakegraph.analytics.health_rows.HealthRows`: the audit reads the first few of millions);
* :func:`relationship_health_on_day` reads the shared edge table
  (:func:`stakegraph.analytics.timeline_fast.columns`, built once per projection for every analysis that
  reads it) instead of reading the edges again: the same edges in the same order, the kinds, statuses and
  dates coded per distinct stored value (:meth:`~stakegraph.analytics.timeline_fast.Columns.coded`, text or
  ``None`` only, so a test per distinct value is the test of each; health's own date rules applied to
  them), the candidates picked by masks. When a status or date is not text (values that may be equal without
  being alike) it reads the edges itself as before;
* :func:`relationship_health_on_day` checks from the same columns (and the nodes' dates) that
  :func:`stakegraph.asof.graph_as_of` would keep every node and edge as loaded; then that graph is ``G``
  (same nodes, edges, property dicts and order) and ``G`` is scored directly; otherwise the as-of graph is
  built and scored. Whenever the columns cannot reproduce the answer exactly (a graph that is not a plain
  ``MultiDiGraph``, an unhashable kind, status or date, two relationship ends with one id text) the bulk
  path answers (the fallback).

>>> from stakegraph.store.base import to_networkx
>>> from stakegraph.model import NodeRecord, EdgeRecord
>>> G = to_networkx([NodeRecord("b", "party", {}), NodeRecord("a", "party", {})],
...                 [EdgeRecord("l", "lends_to", "b", "a", {})])
>>> relationship_health_columns(G, as_of="2026-01-01").of("l").score
85.0
"""

from __future__ import annotations

import datetime as dt
from bisect import insort
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any

import networkx as nx
import numpy as np

from stakegraph.analytics.health import (
    REFERENCES,
    HealthResult,
    HealthWeights,
    _Index,
    _interaction_entry,
    _single_thread_entry,
    to_date,
)
from stakegraph.analytics.health_fast import _Dates, relationship_health_fast
from stakegraph.analytics.health_parts import Factors, Parts
from stakegraph.analytics.health_rows import HealthRows
from stakegraph.analytics.selection import STRUCTURAL_KINDS
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.analytics.timeline_fast import Columns, columns
from stakegraph.arrays import positions, unique_ints
from stakegraph.asof import _day, cached_graph_as_of
from stakegraph.measures import is_active
from stakegraph.projection_graph import is_plain_multidigraph

__all__ = ["relationship_health_columns", "relationship_health_on_day"]

_WEIGHTS = HealthWeights()


class _Unsupported(Exception):
    """The columns cannot reproduce the answer exactly: the bulk path runs instead."""


class _Memo:
    """``fn(value)`` memoised per distinct value (unhashable values computed each time)."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.seen: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        seen: dict[Any, Any] = self.seen
        try:
            return seen[value]
        except KeyError:
            out = seen[value] = self.fn(value)
            return out
        except TypeError:
            return self.fn(value)


def _active_status(status: Any) -> bool:
    """:func:`~stakegraph.measures.is_active` of an edge whose ``status`` is ``status``."""
    return is_active({"status": status})


#: One edge as read once: (u, v, key, kind, contract_id, status, start_date, end_date).
_EdgeRow = tuple[Any, Any, Any, Any, Any, Any, Any, Any]


def _read_edges(G: nx.MultiDiGraph) -> list[_EdgeRow]:
    """Every edge in ``G.edges(keys=True, data=True)`` order with the properties health reads."""
    succ: dict[Any, dict[Any, dict[Any, dict[str, Any]]]] = G._succ  # noqa: SLF001 - read only
    return [(u, v, k, d.get("kind"), d.get("contract_id"), d.get("status"), d.get("start_date"), d.get("end_date"))
            for u, nbrs in succ.items() for v, kd in nbrs.items() for k, d in kd.items()]


def _day_keeps_all(G: nx.MultiDiGraph, edges: list[_EdgeRow], d: str, active: _Memo) -> bool:
    """Whether :func:`stakegraph.asof.graph_as_of` of ``d`` keeps every node and edge of ``G`` with the same
    property dicts (then it is ``G``, node for node and edge for edge, in the same order)."""
    day_of = _Memo(_day)
    if not _nodes_keep_all(G, d, day_of):
        return False
    starts = set(map(itemgetter(6), edges))
    starts.discard(None)
    for s in starts:
        sd = day_of(s)
        if sd is not None and sd > d:
            return False  # edge_as_of: not started
    ends = set(map(itemgetter(7), edges))
    ends.discard(None)
    late = set()
    for e in ends:
        ed = day_of(e)
        if ed is None:
            continue
        if ed < d:
            return False  # edge_as_of: ended before the day
        late.add(e)
    if late:  # ended on or after the day: the status must read active already
        for row in edges:
            if row[7] in late and not active(row[5]):
                return False
    return True


def _table_keeps_all(G: nx.MultiDiGraph, cols: Columns, coded: _Coded, d: str) -> bool:
    """:func:`_day_keeps_all` from the shared edge table: the same tests on the distinct stored start and end
    dates (text or ``None``, so one test per distinct value is the test of each), the statuses read active as
    :func:`_active_status` reads them (the table's ``active``)."""
    day_of = _Memo(_day)
    if not _nodes_keep_all(G, d, day_of):
        return False
    (_, starts), (end_codes, ends) = coded[1], coded[2]
    for s in starts:
        if s is not None:
            sd = day_of(s)
            if sd is not None and sd > d:
                return False  # edge_as_of: not started
    late = np.zeros(len(ends), dtype=bool)
    for j, e in enumerate(ends):
        ed = None if e is None else day_of(e)
        if ed is None:
            continue
        if ed < d:
            return False  # edge_as_of: ended before the day
        late[j] = True
    # ended on or after the day: the status must read active already
    return not (late.any() and bool(np.any(late[end_codes] & ~cols.active)))


def _nodes_keep_all(G: nx.MultiDiGraph, d: str, day_of: _Memo) -> bool:
    """Whether :func:`stakegraph.asof.graph_as_of` of ``d`` keeps every node of ``G`` as loaded."""
    for data in G._node.values():  # noqa: SLF001 - read only
        when = data.get("date")
        if when is not None:
            w = day_of(when)
            if w is not None and w > d:
                return False  # existed_on: dated after the day
        if data.get("type") == "contract":
            signed = day_of(data.get("signed_date"))
            if signed is not None and signed > d:
                return False  # existed_on: signed after the day
            if "status" in data and not is_active(data):
                end = day_of(data.get("end_date"))
                if end is not None and end >= d:
                    return False  # record_as_of: the status reads active on the day
    return True


def relationship_health_columns(
    G: nx.MultiDiGraph,
    *,
    as_of: dt.date | str,
    weights: HealthWeights = _WEIGHTS,
    kinds: tuple[str, ...] = STRUCTURAL_KINDS,
    include_ended: bool = False,
) -> HealthResult:
    """Every relationship's health from columns of ``G``, as :func:`relationship_health_fast`.

    The columnar variant (see the module docstring), proved equal to the bulk path and to
    :func:`stakegraph.analytics.health.relationship_health_reference` on seeded graphs
    (``tests/analytics/test_health_columns.py``); falls back to the bulk path when the columns cannot
    reproduce the answer exactly.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.
    as_of : date or ISO text
        The day the score is for; later events are ignored.
    weights : HealthWeights
        Points and scales (formula: :mod:`stakegraph.analytics.health`).
    kinds : tuple of str
        Relationship kinds scored.
    include_ended : bool
        Also score relationships whose status says they ended.

    Returns
    -------
    HealthResult
        Equal to the reference's (``==``), weakest first.

    Examples
    --------
    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {}), NodeRecord("a", "party", {}),
    ...                  NodeRecord("s", "signal", {"kind": "dispute", "date": "2026-01-01", "party_id": "a"})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {})])
    >>> [(r.edge_id, r.score) for r in relationship_health_columns(G, as_of="2026-01-01").relationships]
    [('l', 75.0)]

    See Also
    --------
    relationship_health_on_day : the same on the graph as of the day, without building it when it is ``G``.
    stakegraph.analytics.health_fast.relationship_health_fast : the bulk path (the fallback).
    """
    day = to_date(as_of)
    args: dict[str, Any] = {"as_of": day, "weights": weights, "kinds": kinds, "include_ended": include_ended}
    if not is_plain_multidigraph(G):
        return relationship_health_fast(G, **args)
    try:
        return _columns(G, _read_edges(G), day, weights, kinds, include_ended, _Memo(_active_status))
    except _Unsupported:
        return relationship_health_fast(G, **args)


def relationship_health_on_day(
    G: nx.MultiDiGraph,
    *,
    as_of: dt.date | str,
    weights: HealthWeights = _WEIGHTS,
    kinds: tuple[str, ...] = STRUCTURAL_KINDS,
    include_ended: bool = False,
) -> HealthResult:
    """The health of ``graph_as_of(G, as_of)``, without building that graph when the day changes nothing.

    Equal to ``relationship_health_fast(cached_graph_as_of(G, as_of), as_of=as_of, ...)`` (so to the
    reference on the as-of graph): when :func:`stakegraph.asof.graph_as_of` would keep every node and
    edge of ``G`` as loaded — checked from the same columns the scores are computed from — ``G`` is
    scored directly (:func:`relationship_health_columns`); otherwise the as-of graph is built (kept per
    day, :func:`~stakegraph.asof.cached_graph_as_of`) and scored. Proved equal on seeded graphs with days
    that do and do not cut relationships (``tests/analytics/test_health_columns.py``).

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection (the whole graph, not yet cut to the day).
    as_of : date or ISO text
        The day: the graph as of it is scored, for it.
    weights, kinds, include_ended
        As :func:`relationship_health_columns`.

    Returns
    -------
    HealthResult
        Equal to the bulk path's on the as-of graph (``==``), weakest first.

    Examples
    --------
    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {}), NodeRecord("a", "party", {})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {"start_date": "2025-01-01"}),
    ...                  EdgeRecord("m", "lends_to", "b", "a", {"start_date": "2026-03-01"})])
    >>> [r.edge_id for r in relationship_health_on_day(G, as_of="2026-01-01").relationships]
    ['l']
    """
    day = to_date(as_of)
    args: dict[str, Any] = {"as_of": day, "weights": weights, "kinds": kinds, "include_ended": include_ended}
    if is_plain_multidigraph(G):
        cols = columns(G)
        coded = _coded(cols)
        if cols is not None and coded is not None:  # the shared edge table: no read of the edges of its own
            try:
                if _table_keeps_all(G, cols, coded, day.isoformat()):
                    return _columns_table(G, cols, coded, day, weights, kinds, include_ended)
            except (_Unsupported, TypeError):  # as below
                pass
            return relationship_health_columns(cached_graph_as_of(G, day), **args)
        edges = _read_edges(G)
        active = _Memo(_active_status)
        try:
            if _day_keeps_all(G, edges, day.isoformat(), active):
                return _columns(G, edges, day, weights, kinds, include_ended, active)
        except (_Unsupported, TypeError):  # an unhashable date or kind: the as-of graph and its scores
            pass
        del edges
    H = cached_graph_as_of(G, day)
    return relationship_health_columns(H, **args)


def _columns(G: nx.MultiDiGraph, edges: list[_EdgeRow], day: dt.date, weights: HealthWeights,
             kinds: tuple[str, ...], include_ended: bool, active: _Memo) -> HealthResult:
    """:func:`relationship_health_fast` of ``G`` from its edges read by :func:`_read_edges`."""
    wanted = set(kinds)
    dates = _Dates()
    node_data: dict[Any, dict[str, Any]] = G._node  # noqa: SLF001 - read only
    sources = {n for n, d in node_data.items() if d.get("type") == "party"}
    targets = {n for n, d in node_data.items() if d.get("type") in ("party", "project")}
    try:
        # The index asks only whether an event's relationship_id is an edge id: the ids events name, kept if edges.
        named = _named(node_data)
        edge_ids = named.intersection(map(str, map(_KEY, edges))) if named else set()
        # ... and whether one that is not an edge id is a contract_id: the edges of those contracts, in edge order.
        by_contract: dict[str, list[str]] = defaultdict(list)
        if named - edge_ids:
            for row in [row for row in edges if row[4]]:
                by_contract[str(row[4])].append(str(row[2]))
        contact_sets: dict[str, set[str]] = defaultdict(set)
        for u, v, _, _, _, status, start_value, end_value in [row for row in edges if row[3] == "contact_of"]:
            if active(status):
                start, end = dates(start_value), dates(end_value)
                if (start is None or start <= day) and (end is None or end > day):
                    contact_sets[str(v)].add(str(u))
        # The candidate relationships: the bulk path's tests (status and start once per distinct value).
        statuses = {x: include_ended or active(x) for x in set(map(_STATUS, edges))}.__getitem__
        starts = {x: _started(dates(x), day) for x in set(map(_START, edges))}.__getitem__
        candidates = [row for row in edges
                      if row[3] in wanted and row[0] in sources and row[1] in targets and row[0] != row[1]
                      and statuses(row[5]) and starts(row[6])]
    except TypeError as err:  # an unhashable kind or node id: the bulk path says what it does with it
        raise _Unsupported from err
    return _score(G, day, weights, kinds, include_ended, (edge_ids, by_contract), contact_sets,
                  _ends(list(map(_U, candidates)), list(map(_V, candidates))), list(map(str, map(_KEY, candidates))),
                  [str(row[3]) for row in candidates])


def _ends(u_nodes: list[Any], v_nodes: list[Any]) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """(the distinct end nodes, each relationship's source and target code among them)."""
    end_nodes = list(set(u_nodes).union(v_nodes))
    end_code = dict(zip(end_nodes, range(len(end_nodes)), strict=True))
    return (end_nodes, np.fromiter(map(end_code.__getitem__, u_nodes), np.int64, len(u_nodes)),
            np.fromiter(map(end_code.__getitem__, v_nodes), np.int64, len(v_nodes)))


#: The table's (codes, distinct values) of each edge's status, start_date and end_date.
_Coded = tuple[tuple[np.ndarray, list[Any]], tuple[np.ndarray, list[Any]], tuple[np.ndarray, list[Any]]]


def _coded(cols: Columns | None) -> _Coded | None:
    """The coded statuses, start and end dates of the table when each is text or ``None`` (else ``None``: then
    values may be equal without being alike, and health reads the edges itself as before)."""
    if cols is None:
        return None
    status, start, end = cols.coded("status"), cols.coded("start_date"), cols.coded("end_date")
    if status is None or start is None or end is None:
        return None
    return status, start, end


def _columns_table(G: nx.MultiDiGraph, cols: Columns, coded: _Coded, day: dt.date, weights: HealthWeights,
                   kinds: tuple[str, ...], include_ended: bool) -> HealthResult:
    """:func:`_columns` from the shared edge table (:func:`stakegraph.analytics.timeline_fast.columns`): the
    same edges in the same order, the same tests as masks. Kinds, statuses and dates are text or ``None`` there
    (:func:`_coded`), so a test per distinct value is the test of each; a status reads active as the table's
    ``active`` (:func:`~stakegraph.measures.is_active` of ``{"status": s}``, as :func:`_active_status`)."""
    wanted = set(kinds)
    dates = _Dates()
    node_data: dict[Any, dict[str, Any]] = G._node  # noqa: SLF001 - read only
    if len(node_data) != len(cols.nodes):
        raise _Unsupported
    types = list(map(dict.get, node_data.values(), repeat("type")))  # in the table's node order
    is_source = np.array([t == "party" for t in types] or [False], dtype=bool)
    is_target = np.array([t in ("party", "project") for t in types] or [False], dtype=bool)
    nodes, src, dst, keys, active = cols.nodes, cols.src, cols.dst, cols.keys, cols.active
    (start_codes, starts), (end_codes, ends) = coded[1], coded[2]
    named = _named(node_data)
    edge_ids = named.intersection(keys) if named else set()
    by_contract: dict[str, list[str]] = defaultdict(list)
    if named - edge_ids:
        for contract, key in zip(cols.prop("contract_id"), keys, strict=True):
            if contract:
                by_contract[str(contract)].append(key)
    contact_sets: dict[str, set[str]] = defaultdict(set)
    for i in np.flatnonzero(np.isin(cols.kind, [c for c, k in enumerate(cols.kinds) if k == "contact_of"])).tolist():
        if active[i]:
            start, end = dates(starts[start_codes[i]]), dates(ends[end_codes[i]])
            if (start is None or start <= day) and (end is None or end > day):
                contact_sets[nodes[dst[i]]].add(nodes[src[i]])
    started = np.array([_started(dates(x), day) for x in starts] or [True], dtype=bool)
    keep = (cols.kind_mask(wanted) & is_source[src] & is_target[dst] & (src != dst) & started[start_codes]
            & (active | include_ended))
    sel = np.flatnonzero(keep)
    # the ends numbered by node number (``unique_ints(..., return_inverse=True)``, from a mark per node: no sort)
    ends_both = np.concatenate((src[sel], dst[sel]))
    is_end = np.zeros(len(nodes), dtype=bool)
    is_end[ends_both] = True
    end_at = np.flatnonzero(is_end)
    end_code = (np.cumsum(is_end) - 1)[ends_both]
    kind_text = [str(k) for k in cols.kinds]
    return _score(G, day, weights, kinds, include_ended, (edge_ids, by_contract), contact_sets,
                  (list(map(nodes.__getitem__, end_at.tolist())), end_code[: len(sel)], end_code[len(sel):]),
                  list(map(keys.__getitem__, sel.tolist())),
                  list(map(kind_text.__getitem__, cols.kind[sel].tolist())),
                  None if cols.key_rank is None else cols.key_rank[sel], cols.signals)


def _named(node_data: dict[Any, dict[str, Any]]) -> set[str]:
    """The relationship ids the signals and interactions name."""
    return {str(rel) for d in node_data.values() if d.get("type") in ("signal", "interaction")
            and (rel := d.get("relationship_id"))}


def _score(G: nx.MultiDiGraph, day: dt.date, weights: HealthWeights, kinds: tuple[str, ...], include_ended: bool,
           index: tuple[set[str], dict[str, list[str]]], contact_sets: dict[str, set[str]],
           ends: tuple[list[Any], np.ndarray, np.ndarray], edge_col: list[str], kind_col: list[str],
           id_rank: np.ndarray | None = None, events: list[tuple[Any, dict[str, Any]]] | None = None) -> HealthResult:
    """The rows of the candidate relationships (their ends, edge ids and kinds as text, in edge order), given
    the edge ids and contract groups the events may name (``index``) and the contact persons of each party.
    ``ends`` are the distinct end nodes and each relationship's source and target among them (their order
    numbers the groups, not the rows: any order gives the same rows). ``id_rank``: each edge id's rank in
    code-point order, when known; ``events``: the signal and interaction nodes in node order, when known."""
    node_data: dict[Any, dict[str, Any]] = G._node  # noqa: SLF001 - read only
    contacts = {k: len(s) for k, s in contact_sets.items()}
    signals = _Index(G, day, "signal", index, events)
    interactions = _Index(G, day, "interaction", index, events)
    del index
    s_edges, s_pairs, s_parties = _touched(signals)
    i_edges, i_pairs, i_parties = _touched(interactions)

    # The ends of the candidates, numbered: id text, name, contact count (empty for a project or a person).
    n = len(edge_col)
    end_nodes, uj, vj = ends
    n_ends = len(end_nodes)
    end_ids = [str(x) for x in end_nodes]
    id_code = dict(zip(end_ids, range(n_ends), strict=True))
    if len(id_code) != n_ends:  # two ends with one id text: the bulk path keys them by the text
        raise _Unsupported
    end_names: list[str] = []
    end_counts: list[tuple[int, ...]] = []
    for x, sx in zip(end_nodes, end_ids, strict=True):  # one read of each end's properties
        dx = node_data[x]
        end_names.append(str(dx.get("name") or x))
        end_counts.append((contacts.get(sx, 0),) if dx.get("type") == "party" and dx.get("kind") != "person" else ())
    count_code: dict[tuple[int, ...], int] = {}
    end_count_codes = np.array([count_code.setdefault(c, len(count_code)) for c in end_counts], dtype=np.int64)
    uv = uj * n_ends + vj  # the ordered pair (su, sv)

    def pair_codes(pairs: set[tuple[str, str]]) -> np.ndarray:
        """The codes of the pairs whose two ends are ends of candidates (looked up at C speed)."""
        a = np.fromiter(map(id_code.get, map(_FIRST, pairs), repeat(-1)), np.int64, len(pairs))
        b = np.fromiter(map(id_code.get, map(_SECOND, pairs), repeat(-1)), np.int64, len(pairs))
        both = (a >= 0) & (b >= 0)
        return a[both] * n_ends + b[both]

    # Which sources hold events for each relationship: its edge, its (ordered) pair, each end's party.
    e_s = np.fromiter(map(s_edges.__contains__, edge_col), bool, n)
    e_i = np.fromiter(map(i_edges.__contains__, edge_col), bool, n)
    p_s, p_i = positions(uv, pair_codes(s_pairs)) >= 0, positions(uv, pair_codes(i_pairs)) >= 0
    party_s = np.fromiter(map(s_parties.__contains__, end_ids), bool, n_ends)
    party_i = np.fromiter(map(i_parties.__contains__, end_ids), bool, n_ends)
    su_s, sv_s, su_i, sv_i = party_s[uj], party_s[vj], party_i[uj], party_i[vj]
    touched = e_s | e_i | p_s | p_i | su_s | sv_s | su_i | sv_i
    # Groups: relationships with the same sources of events and the same contact counts at their ends have the
    # same factors (the bulk path's key, or finer). Untouched ones share a group per pair of contact counts.
    cu, cv = end_count_codes[uj], end_count_codes[vj]
    gid = np.empty(n, dtype=np.int64)
    plain = np.flatnonzero(~touched)
    _, plain_first, plain_gid = unique_ints(cu[plain] * len(count_code) + cv[plain], return_index=True,
                                          return_inverse=True)
    gid[plain] = plain_gid.reshape(-1)
    hot = np.flatnonzero(touched)
    none = np.int64(-1)
    hot_groups: dict[tuple[int, ...], int] = {}
    hot_gid = np.empty(len(hot), dtype=np.int64)
    hot_first: list[int] = []  # each hot group's first relationship
    for lo in range(0, len(hot), _CHUNK):  # the keys as Python tuples a chunk at a time (a bounded working set)
        h = hot[lo:lo + _CHUNK]
        keys = zip(*(np.where(flag, code, none).tolist() for flag, code in (
            (e_s[h], h), (p_s[h], uv[h]), (su_s[h], uj[h]), (sv_s[h], vj[h]), (e_i[h], h), (p_i[h], uv[h]),
            (su_i[h], uj[h]), (sv_i[h], vj[h]))), cu[h].tolist(), cv[h].tolist(), strict=True)
        seen = len(hot_groups)
        hot_gid[lo:lo + len(h)] = [hot_groups.setdefault(k, len(hot_groups)) for k in keys]
        if len(hot_groups) > seen:  # the groups first met in this chunk, in the order met
            _, first = unique_ints(hot_gid[lo:lo + len(h)], return_index=True)
            new = first[hot_gid[lo:lo + len(h)][first] >= seen]
            hot_first.extend(h[np.sort(new)].tolist())
    gid[hot] = hot_gid + len(plain_first)
    firsts = plain[plain_first].tolist() + hot_first
    del hot_groups, hot_gid
    empty_s: tuple[Any, ...] = (None, None, None, None)
    # what the groups' first relationships need, read for them alone
    fa = np.array(firsts, dtype=np.int64)
    uj_list, vj_list, touched_list = uj[fa].tolist(), vj[fa].tolist(), touched[fa].tolist()
    flags = [x[fa].tolist() for x in (e_s, p_s, su_s, sv_s, e_i, p_i, su_i, sv_i)]

    def keys_of(j: int, i: int) -> tuple[Any, Any, tuple[int, ...]]:
        """The bulk path's (signal key, interaction key, contact counts) of relationship ``i``, the ``j``-th
        group's first."""
        e, su, sv = edge_col[i], end_ids[uj_list[j]], end_ids[vj_list[j]]
        counts = end_counts[uj_list[j]] + end_counts[vj_list[j]]
        if not touched_list[j]:
            return empty_s, empty_s, counts
        f = [x[j] for x in flags]
        return ((e if f[0] else None, (su, sv) if f[1] else None, su if f[2] else None, sv if f[3] else None),
                (e if f[4] else None, (su, sv) if f[5] else None, su if f[6] else None, sv if f[7] else None),
                counts)

    parts = Parts(day, weights, {})
    whole = _Whole(weights)
    factors: list[Any] = []
    signal_parts = parts.signal_parts
    for j, i in enumerate(firsts):
        s_key, i_key, counts = keys_of(j, i)
        edge, su, sv = edge_col[i], end_ids[uj_list[j]], end_ids[vj_list[j]]
        sig = signal_parts.get(s_key)
        if sig is None:  # from the signals of each source, each source's sorted once (as the bulk path)
            pieces = []
            if s_key[0] is not None:
                piece = signal_parts.get(("edge", edge))
                pieces.append(piece if piece is not None else parts.signals(
                    ("edge", edge), [(ev, "relationship") for ev in signals.by_edge[edge]]))
            if s_key[1] is not None:
                pair = frozenset((su, sv))
                piece = signal_parts.get(("pair", pair))
                pieces.append(piece if piece is not None else parts.signals(
                    ("pair", pair), [(ev, "pair") for ev in signals.by_pair[pair]]))
            for p in dict.fromkeys(x for x in s_key[2:] if x is not None):
                piece = signal_parts.get(("party", p))
                pieces.append(piece if piece is not None else parts.signals(
                    ("party", p), [(ev, "party") for ev in signals.by_party[p]]))
            sig = parts.combined(s_key, pieces)
        ages = parts.age_parts.get(i_key)
        if ages is None:
            ages = parts.ages(i_key, interactions.attached(edge, su, sv) if i_key != empty_s else [])
        factors.append(whole(sig, ages, counts))
    # The order of the rows (score, then edge id; stable as the reference's sort) from the columns.
    g_scores = np.array([f[0] for f in factors], dtype=np.float64)
    order = np.asarray(_order(g_scores[gid] if len(gid) else np.zeros(0), edge_col, id_rank), dtype=np.int64)
    rows = HealthRows(edge_col, kind_col, list(zip(end_ids, end_names, strict=True)), uj, vj, factors, gid, order)
    stamp = Stamp("relationship_health", "additive penalties, exponential decay",
                  {"as_of": day.isoformat(), "weights": asdict(weights), "kinds": list(kinds),
                   "include_ended": include_ended}, graph_version(G), REFERENCES)
    return HealthResult(day.isoformat(), rows, weights, stamp)


_KEY, _U, _V, _STATUS, _START = (itemgetter(i) for i in (2, 0, 1, 5, 6))
#: Relationships whose keys are made as Python objects at once (a bounded working set at any size).
_CHUNK = 1 << 18
_FIRST, _SECOND, _POINTS = itemgetter(0), itemgetter(1), attrgetter("points")


class _Whole:
    """:meth:`~stakegraph.analytics.health_parts.Parts.whole` with the interaction entry kept per distinct ages:
    the same operations in the same order (:func:`~stakegraph.analytics.health._interaction_entry`, the two
    ``insort`` and the sum of the points in the sorted order), so the same floats."""

    def __init__(self, weights: HealthWeights) -> None:
        self.weights = weights
        self.single = _single_thread_entry(weights)
        self.entries: dict[tuple[int, ...], tuple[float, int | None, Any]] = {}
        self.wholes: dict[tuple[Any, ...], tuple[Any, Factors]] = {}

    def __call__(self, signals: tuple[Any, ...], ages: tuple[int, ...], n_contacts: tuple[int, ...]) -> Factors:
        memo = (id(signals), ages, n_contacts)
        hit = self.wholes.get(memo)
        if hit is not None and hit[0] is signals:
            return hit[1]
        found = self.entries.get(ages)
        if found is None:
            found = self.entries[ages] = _interaction_entry(ages, self.weights)
        warmth, last, entry = found
        keyed = list(signals)
        if entry is not None:
            insort(keyed, entry, key=_FIRST)
        if 1 in n_contacts:
            insort(keyed, self.single, key=_FIRST)
        contribs = tuple(map(_SECOND, keyed))
        score = max(0.0, 100.0 - sum(map(_POINTS, contribs)))
        out = (score, contribs, len(ages), warmth, last, max(n_contacts) if n_contacts else 0)
        self.wholes[memo] = (signals, out)
        return out


def _order(scores: np.ndarray | Sequence[float], edge_col: list[str], id_rank: np.ndarray | None = None) -> list[int]:
    """The permutation that sorts the relationships by (score, edge id), stably (the reference's
    ``rows.sort(key=lambda r: (r.score, r.edge_id))``): a stable argsort of the ids' ranks in code-point order
    (``id_rank``, when known) or of the ids as UTF-8 bytes (the code-point order of ``str``), then a stable
    argsort of the scores; or Python's sort when NumPy's strings could order differently (an id holding a NUL)
    or a score is NaN."""
    if len(scores) < 2:
        return list(range(len(scores)))
    score_arr = np.asarray(scores, dtype=np.float64)
    if not np.isnan(score_arr).any() and (id_rank is not None or "\x00" not in "".join(edge_col)):
        ids = id_rank
        if ids is None:
            try:  # UTF-8 bytes sort as the code points do: a quarter of NumPy's text, compared bytewise
                ids = np.concatenate([np.array([e.encode() for e in edge_col[lo:lo + _CHUNK]], dtype="S")
                                      for lo in range(0, len(edge_col), _CHUNK)])
            except UnicodeEncodeError:  # a lone surrogate: NumPy's text
                ids = np.array(edge_col, dtype=str)
        by_id = np.argsort(ids, kind="stable")
        return by_id[np.argsort(score_arr[by_id], kind="stable")].tolist()  # type: ignore[no-any-return]
    keys = list(zip(score_arr.tolist(), edge_col, strict=True))  # NaN or NUL: as the reference
    return sorted(range(len(keys)), key=keys.__getitem__)


def _started(start: dt.date | None, day: dt.date) -> bool:
    return start is None or start <= day


def _touched(index: _Index) -> tuple[set[str], set[tuple[str, str]], set[str]]:
    """The edge ids, ordered pairs (both ways) and parties that hold any event of ``index``."""
    pairs: set[tuple[str, str]] = set()
    for pair in index.by_pair:
        ends = sorted(pair)
        pairs.update(((ends[0], ends[-1]), (ends[-1], ends[0])))
    return set(index.by_edge), pairs, set(index.by_party)
