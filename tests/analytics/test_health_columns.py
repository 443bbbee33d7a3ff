"""Relationship health from columns (and on the day without the as-of graph) equals the bulk path and the
per-relationship reference: rows, order, floats and stamps, on seeded and audit graphs, with days that do and
do not cut relationships, and through the catalogue's ``answer``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import doctest
from typing import Any

import networkx as nx
import pytest

import stakegraph.analytics.health_columns as hc
import stakegraph.analytics.timeline_fast as tf
from stakegraph.analyses import get
from stakegraph.analyses.answer import answer
from stakegraph.analytics.health import (
    HealthWeights,
    relationship_health,
    relationship_health_reference,
)
from stakegraph.analytics.health_fast import relationship_health_fast
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.asof import graph_as_of
from stakegraph.measures import default_as_of
from tests.analytics.audit_graphs import NAMES, graph
from tests.analytics.test_health_fast import seeded_graph

DAYS = ("2023-01-01", "2024-06-30", "2025-06-30", "2026-01-01", "2030-01-01")


def _same(got: Any, want: Any) -> None:
    assert got == want
    assert [r.score for r in got.relationships] == [r.score for r in want.relationships]
    assert [r.edge_id for r in got.relationships] == [r.edge_id for r in want.relationships]
    assert to_jsonable(got) == to_jsonable(want)


def _identical(G: nx.MultiDiGraph, H: nx.MultiDiGraph) -> bool:
    """Whether ``H`` has ``G``'s nodes and edges, in order, with the very same property dicts."""
    if list(G._node) != list(H._node) or any(G._node[n] is not H._node[n] for n in G._node):  # noqa: SLF001
        return False
    return all(list(G._succ[u]) == list(H._succ[u])  # noqa: SLF001
               and all(list(kd) == list(H._succ[u][v]) and all(d is H._succ[u][v][k] for k, d in kd.items())  # noqa: SLF001
                       for v, kd in nbrs.items()) for u, nbrs in G._succ.items())  # noqa: SLF001


@pytest.mark.parametrize("seed", range(12))
def test_columns_equal_the_reference_on_seeded_graphs(seed: int) -> None:
    G = seeded_graph(seed)
    for day in DAYS:
        for kw in ({}, {"include_ended": True},
                   {"kinds": ("lends_to", "owns"),
                    "weights": HealthWeights(single_threaded=7.5, interaction_target=2.0, party_scope_factor=0.25)}):
            got = hc.relationship_health_columns(G, as_of=day, **kw)  # type: ignore[arg-type]
            _same(got, relationship_health_fast(G, as_of=day, **kw))  # type: ignore[arg-type]
            _same(got, relationship_health_reference(G, as_of=day, **kw))  # type: ignore[arg-type]
            H = graph_as_of(G, day)
            _same(hc.relationship_health_on_day(G, as_of=day, **kw),  # type: ignore[arg-type]
                  relationship_health_reference(H, as_of=day, **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", NAMES)
def test_on_day_equals_the_reference_on_the_audit_graphs(name: str) -> None:
    G = graph(name)
    day = default_as_of(G)
    for d in (day, "2024-06-30", "2025-06-30", "2019-01-01"):
        H = graph_as_of(G, d)
        want = relationship_health_reference(H, as_of=d)
        _same(hc.relationship_health_on_day(G, as_of=d), want)
        _same(hc.relationship_health_columns(H, as_of=d), want)
        _same(relationship_health(H, as_of=d), want)
    _same(hc.relationship_health_columns(G, as_of=day, include_ended=True),
          relationship_health_reference(G, as_of=day, include_ended=True))


@pytest.mark.parametrize("name", NAMES)
def test_the_as_of_check_is_exact(name: str) -> None:
    """``_day_keeps_all`` is true exactly when ``graph_as_of`` gives ``G`` back (same dicts, same order)."""
    G = graph(name)
    edges = hc._read_edges(G)  # noqa: SLF001
    kept = cut = 0
    for d in ("2010-01-01", "2024-06-30", "2025-06-30", default_as_of(G).isoformat(), "2099-12-31"):
        keeps = hc._day_keeps_all(G, edges, d, hc._Memo(hc._active_status))  # noqa: SLF001
        assert keeps == _identical(G, graph_as_of(G, d)), d
        kept, cut = kept + keeps, cut + (not keeps)
    assert cut  # the early days cut relationships: both paths are exercised
    if name.startswith("generated"):
        assert kept  # the audit's day changes nothing in a generated book: no as-of graph is built


def test_seeded_days_cut() -> None:
    """The seeded graphs (contact persons' end dates, relationships starting on every day of ``DAYS``) are cut
    on each day: their health on the day comes from the as-of graph (the generated books keep all, above)."""
    seen = set()
    for seed in range(12):
        G = seeded_graph(seed)
        edges = hc._read_edges(G)  # noqa: SLF001
        for d in DAYS:
            keeps = hc._day_keeps_all(G, edges, d, hc._Memo(hc._active_status))  # noqa: SLF001
            assert keeps == _identical(G, graph_as_of(G, d))
            seen.add(keeps)
    assert seen == {False}


def test_no_as_of_graph_when_the_day_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    G = graph("generated-200-3")
    day = default_as_of(G)
    want = relationship_health_reference(graph_as_of(G, day), as_of=day)
    built: list[Any] = []
    monkeypatch.setattr(hc, "cached_graph_as_of", lambda *a: built.append(a) or graph_as_of(*a))
    _same(hc.relationship_health_on_day(G, as_of=day), want)
    assert built == []
    H = G.copy()
    H.add_edge(next(iter(H)), next(reversed(H._node)), key="late", kind="lends_to", start_date="2099-01-01")  # noqa: SLF001
    _same(hc.relationship_health_on_day(H, as_of=day), relationship_health_reference(graph_as_of(H, day), as_of=day))
    assert len(built) == 1


def test_fallbacks_give_the_same_answer() -> None:
    """A graph type other than MultiDiGraph, an unhashable kind, a status or date that is unhashable, edge ids
    ending in NUL (NumPy's strings would drop it): the bulk path or Python's sort answers, equally."""

    class Sub(nx.MultiDiGraph):
        pass

    G = seeded_graph(3)
    S = Sub(G)
    _same(hc.relationship_health_columns(S, as_of="2026-01-01"),
          relationship_health_reference(S, as_of="2026-01-01"))
    _same(hc.relationship_health_on_day(S, as_of="2025-06-30"),
          relationship_health_reference(graph_as_of(S, "2025-06-30"), as_of="2025-06-30"))
    odd = G.copy()
    u, v = "p1", "p2"
    odd.add_edge(u, v, key="x\x00", kind="lends_to")
    odd.add_edge(u, v, key="x", kind="lends_to")
    odd.add_edge(u, v, key="y", kind="lends_to", status=["ended"], start_date=["2020-01-01"])
    for day in ("2025-06-30", "2026-01-01"):
        _same(hc.relationship_health_columns(odd, as_of=day), relationship_health_reference(odd, as_of=day))
        _same(hc.relationship_health_on_day(odd, as_of=day),
              relationship_health_reference(graph_as_of(odd, day), as_of=day))
    bad = G.copy()
    bad.add_edge(u, v, key="z", kind=["lends_to"])
    with pytest.raises(TypeError):
        relationship_health_reference(bad, as_of="2026-01-01")
    with pytest.raises(TypeError):
        hc.relationship_health_columns(bad, as_of="2026-01-01")  # the bulk path's own error


@pytest.mark.parametrize("name", ["health-scores", "health", "health-detail"])
def test_the_catalogue_answers_the_same_without_the_as_of_graph(name: str) -> None:
    analysis = get(name)
    assert analysis.compute_on_day is not None
    plain = dataclasses.replace(analysis, compute_on_day=None)
    for gname in ("sample", "generated-200-3", "seeded-1"):
        G = graph(gname)
        day = default_as_of(G)
        for d in (None, day, "2024-06-30"):
            params: dict[str, Any] = {"as_of": d}
            if name == "health-detail":
                rows = hc.relationship_health_on_day(G, as_of=d or day).relationships
                if not rows:
                    continue
                params["edge"] = rows[len(rows) // 2].edge_id
            got, want = answer(G, analysis, params), answer(G, plain, params)
            assert got == want
            assert got.to_json() == want.to_json()


def test_docstring_examples_run() -> None:
    result = doctest.testmod(hc)
    assert result.attempted > 0 and result.failed == 0


def _table(G: nx.MultiDiGraph) -> tuple[Any, Any]:
    cols = tf.columns(G)
    coded = hc._coded(cols)  # noqa: SLF001
    assert cols is not None and coded is not None
    return cols, coded


@pytest.mark.parametrize("name", NAMES)
def test_the_check_from_the_shared_table_is_exact(name: str) -> None:
    """``_table_keeps_all`` (the shared edge table's codes) says what ``_day_keeps_all`` (the edges read) says,
    and that is whether ``graph_as_of`` gives ``G`` back."""
    G = graph(name)
    cols, coded = _table(G)
    edges = hc._read_edges(G)  # noqa: SLF001
    for d in ("2010-01-01", "2019-01-01", "2024-06-30", "2025-06-30", default_as_of(G).isoformat(), "2099-12-31"):
        keeps = hc._table_keeps_all(G, cols, coded, d)  # noqa: SLF001
        assert keeps == hc._day_keeps_all(G, edges, d, hc._Memo(hc._active_status)), d  # noqa: SLF001
        assert keeps == _identical(G, graph_as_of(G, d)), d


@pytest.mark.parametrize("seed", range(12))
def test_the_shared_table_scores_as_the_edges_read(seed: int) -> None:
    """Scoring ``G`` from the shared table (``_columns_table``) equals scoring it from its edges read by
    ``_read_edges`` (``_columns``) and the reference on ``G``, on every day, including the days that cut (the
    contact persons' end dates, starts on each day, ended statuses, contract ids and events naming them)."""
    G = seeded_graph(seed)
    cols, coded = _table(G)
    for day in DAYS:
        for kw in ({}, {"include_ended": True},
                   {"kinds": ("lends_to", "owns"),
                    "weights": HealthWeights(single_threaded=7.5, interaction_target=2.0, party_scope_factor=0.25)}):
            args = {"weights": hc._WEIGHTS, "kinds": hc.STRUCTURAL_KINDS, "include_ended": False, **kw}  # noqa: SLF001
            d = hc.to_date(day)
            got = hc._columns_table(G, cols, coded, d, **args)  # type: ignore[arg-type]  # noqa: SLF001
            _same(got, hc._columns(G, hc._read_edges(G), d, **args,  # type: ignore[arg-type]  # noqa: SLF001
                                   active=hc._Memo(hc._active_status)))  # noqa: SLF001
            _same(got, relationship_health_reference(G, as_of=day, **kw))  # type: ignore[arg-type]


def test_on_day_reads_the_shared_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """On the day, health reads the shared edge table, not the edges (whether the day cuts or not); when a
    status or date is not text (values equal without being alike, ``1 == True``; a ``date``), it reads the
    edges itself, as before: the same answers."""
    G = graph("generated-200-3")
    day = default_as_of(G)
    reads: list[Any] = []
    read_edges = hc._read_edges  # noqa: SLF001

    def counted(H: nx.MultiDiGraph) -> Any:
        reads.append(H)
        return read_edges(H)

    monkeypatch.setattr(hc, "_read_edges", counted)
    for d in (day, "2024-06-30"):
        _same(hc.relationship_health_on_day(G, as_of=d), relationship_health_reference(graph_as_of(G, d), as_of=d))
    assert all(H is not G for H in reads)  # only the as-of graph of a day that cuts is read edge by edge
    odd = G.copy()
    u, v = next(iter(odd)), next(reversed(odd._node))  # noqa: SLF001
    odd.add_edge(u, v, key="one", kind="lends_to", status=1)
    odd.add_edge(u, v, key="true", kind="lends_to", status=True, start_date=dt.date(2020, 1, 1))
    assert hc._coded(tf.columns(odd)) is None  # noqa: SLF001
    for d in (day, "2024-06-30"):
        _same(hc.relationship_health_on_day(odd, as_of=d),
              relationship_health_reference(graph_as_of(odd, d), as_of=d))
    assert any(H is odd for H in reads)


@pytest.mark.parametrize("seed", range(4))
def test_rows_hold_the_fields_as_the_reference(seed: int) -> None:
    """The rows made without the dataclass's ``__init__`` (``HealthRows``) hold the same ``__dict__`` as the
    reference's, key for key in field order, and hash alike; a graph with no relationship gives no row."""
    G = seeded_graph(seed)
    for day in DAYS:
        got = hc.relationship_health_on_day(G, as_of=day).relationships
        want = relationship_health_reference(graph_as_of(G, day), as_of=day).relationships
        assert [list(vars(r).items()) for r in got] == [list(vars(r).items()) for r in want]
        assert [hash(r) for r in got] == [hash(r) for r in want]
    H = nx.MultiDiGraph()
    H.add_node("a", type="party")
    assert hc.relationship_health_on_day(H, as_of="2026-01-01") == relationship_health_reference(H, as_of="2026-01-01")
    assert hc.relationship_health_on_day(H, as_of="2026-01-01").relationships == ()


@pytest.mark.parametrize("chunk", [1, 5, 64])
def test_groups_made_a_chunk_at_a_time_equal_the_reference(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hot groups' keys and the ids' bytes are made ``_CHUNK`` relationships at a time: any chunk size gives
    the reference's rows (groups numbered in the order first met across chunks)."""
    monkeypatch.setattr(hc, "_CHUNK", chunk)
    for seed in range(3):
        G = seeded_graph(seed)
        for day in DAYS:
            _same(hc.relationship_health_columns(G, as_of=day), relationship_health_reference(G, as_of=day))


def test_the_order_from_id_ranks_equals_the_order_of_the_ids() -> None:
    """Ties of score broken by the ids' code-point order, read from their ranks or from the text itself."""
    import random

    import numpy as np

    rng = random.Random(5)
    ids = sorted({"".join(rng.choice("aZé0_-𝄞") for _ in range(rng.randint(1, 6))) for _ in range(400)})
    rank = {e: i for i, e in enumerate(ids)}
    edge_col = rng.sample(ids, len(ids))
    scores = [float(rng.choice([10, 20.5, 20.5, 70, 100])) for _ in edge_col]
    want = sorted(range(len(edge_col)), key=lambda i: (scores[i], edge_col[i]))
    assert hc._order(scores, edge_col) == want
    assert hc._order(scores, edge_col, np.array([rank[e] for e in edge_col])) == want
