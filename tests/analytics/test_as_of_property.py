"""Property: every catalogue analysis run ``as_of=D`` equals the same analysis on a graph built only from the
records that existed on D — on both store backends (records written to the store, projected, compared).

The reference filter below is written out from the rule in :func:`stakegraph.asof.graph_as_of`'s
docstring, independently of its code: a relationship exists on D when it started on or before D and did
not end before D (an ``end_date`` before D ends it whatever its status). Amounts are in CNY, EUR or USD
(and parties' capital in their own currency) with rates that change at each date, so the analyses given
``as_of=D`` must also convert at D's rates: the reference graph is stamped with D (its FX date) too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stakegraph.analyses import CATALOGUE, get, parse_params, run, strip_stamps
from stakegraph.analytics.stamp import to_jsonable
from stakegraph.errors import StakegraphError
from stakegraph.model import EdgeRecord, NodeRecord
from stakegraph.money import FxRate
from stakegraph.store import GraphStore

DATES = ["2020-01-01", "2021-06-30", "2022-12-31", "2023-06-30", "2024-03-31", "2025-12-31"]
DAYS = DATES + ["2019-06-30", "2022-01-15", "2024-12-31", "2026-06-30"]
PARTIES = ["b0", "b1", "c0", "c1", "c2"]
TARGETS = PARTIES + ["pr0"]
KINDS = ["lends_to", "buys_from", "supplies", "guarantees", "owns", "invests_in", "sponsors"]
STATUSES = [None, "active", "ended", "repaid", "recalled", "terminated"]
ENDED = {"ended", "terminated", "closed", "cancelled", "canceled", "expired", "repaid", "dropped", "inactive"}
CURRENCIES = [None, "USD", "CNY", "EUR"]
#: Rates per USD from before the earliest day, moving at each date (exact binary fractions).
RATES = [FxRate(dt.date.fromisoformat(d), cur, rate * (1 + i % 3), "USD", "test")
         for i, d in enumerate(["2019-01-01", *DATES]) for cur, rate in (("CNY", 4.0), ("EUR", 0.5))]

#: Parameters of the analyses that need some (ids of the generated graph); the others run on defaults.
PARAMS: dict[str, dict[str, Any]] = {
    "concentration": {"node": "c0", "kinds": "lends_to,buys_from"},
    "removal-impact": {"node": "c1"},
    "funding-dominators": {"node": "pr0"},
    "exposures": {"node": "b0"},
    "contagion": {"shocks": ["c0"]},
    "damaging-paths": {"source": "c0", "target": "b0"},
    "health-detail": {"edge": "e0"},
    "lifecycle": {"node": "c0"},
}
EXTRA = [("contagion", {"shocks": ["c0"], "method": "debtrank"}), ("contagion", {"shocks": ["c1"], "method": "cascade"}),
         ("contagion", {"method": "clearing"}), ("book-concentration", {"kinds": "lends_to,guarantees"})]

date = st.sampled_from(DATES)
maybe_date = st.none() | date


@st.composite
def edge(draw: st.DrawFn, i: int) -> EdgeRecord:
    kind = draw(st.sampled_from(KINDS))
    src = draw(st.sampled_from(PARTIES))
    dst = draw(st.sampled_from([t for t in TARGETS if t != src]))
    start, end = draw(maybe_date), draw(maybe_date)
    if start and end and end < start:
        start, end = end, start
    props: dict[str, Any] = {"amount": float(draw(st.integers(1, 9))) * 100, "annual_revenue": float(draw(
        st.integers(1, 9))) * 10, "share_pct": float(draw(st.integers(5, 60)))}
    for k, v in (("start_date", start), ("end_date", end), ("status", draw(st.sampled_from(STATUSES))),
                 ("currency", draw(st.sampled_from(CURRENCIES)))):
        if v is not None:
            props[k] = v
    return EdgeRecord(f"e{i}", kind, src, dst, props)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    nodes = [NodeRecord(p, "party", {"name": p.upper(), "kind": "bank" if p.startswith("b") else "corporate",
                                     "capital": 500.0, "tier1_capital": 400.0,
                                     **({"currency": c} if (c := draw(st.sampled_from(CURRENCIES))) else {})})
             for p in PARTIES]
    nodes.append(NodeRecord("pr0", "project", {"name": "P0", "start_date": draw(date)}))
    edges = [draw(edge(i)) for i in range(draw(st.integers(1, 9)))]
    for j in range(draw(st.integers(0, 2))):
        props = {"name": f"K{j}", "kind": "loan_agreement", "status": draw(st.sampled_from(STATUSES)) or "active"}
        for k, v in (("signed_date", draw(maybe_date)), ("end_date", draw(maybe_date))):
            if v is not None:
                props[k] = v
        nodes.append(NodeRecord(f"k{j}", "contract", props))
        edges += [EdgeRecord(f"pt{j}a", "party_to", "b0", f"k{j}", {"role": "lender"}),
                  EdgeRecord(f"pt{j}b", "party_to", draw(st.sampled_from(PARTIES[2:])), f"k{j}", {"role": "borrower"})]
    for j in range(draw(st.integers(0, 3))):
        party = draw(st.sampled_from(PARTIES[2:]))
        kind = draw(st.sampled_from(["payment_delay", "loan_recall", "order_volume_change", "dispute"]))
        nodes.append(NodeRecord(f"s{j}", "signal", {"kind": kind, "date": draw(date), "party_id": party,
                                                     "relationship_id": "e0", "value": 30.0, "severity": 0.7}))
        edges.append(EdgeRecord(f"sc{j}", "concerns", f"s{j}", party, {}))
    for j in range(draw(st.integers(0, 2))):
        party = draw(st.sampled_from(PARTIES[2:]))
        nodes.append(NodeRecord(f"i{j}", "interaction", {"kind": "meeting", "date": draw(date), "party_id": party,
                                                          "counterparty_id": "b0", "relationship_id": "e0"}))
        edges.append(EdgeRecord(f"iv{j}", "involves", f"i{j}", party, {}))
    return nodes, edges


def _reads_active(props: dict[str, Any], day: str) -> dict[str, Any]:
    """An ended status with an end_date on or after the day reads active (the rule's status clause)."""
    if str(props.get("status", "")).lower() in ENDED and props.get("end_date") and props["end_date"] >= day:
        return {**props, "status": "active"}
    return props


def existed(nodes: list[NodeRecord], edges: list[EdgeRecord], day: str) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """Only the records that existed on ``day``, as they read then."""
    kept: list[NodeRecord] = []
    for n in nodes:
        if n.type == "contract" and n.props.get("signed_date") and n.props["signed_date"] > day:
            continue
        if n.props.get("date") and n.props["date"] > day:
            continue
        kept.append(NodeRecord(n.id, n.type, _reads_active(dict(n.props), day) if n.type == "contract" else n.props))
    ids = {n.id for n in kept}
    out = [EdgeRecord(e.id, e.kind, e.source, e.target, _reads_active(dict(e.props), day)) for e in edges
           if e.source in ids and e.target in ids
           and not (e.props.get("start_date") and e.props["start_date"] > day)
           and not (e.props.get("end_date") and e.props["end_date"] < day)]  # ended before D: gone, any status
    return kept, out


def outcome(G: Any, name: str, params: dict[str, Any], *, direct: bool = False) -> Any:
    """The result (stamps left out) or the error; ``direct``: the analysis's own function on ``G`` as it is
    (the day still given to health and lifecycle), without the as-of rule of :func:`answer`."""
    try:
        if direct:
            a = get(name)
            result = a.compute(G, parse_params(a, params))
        else:
            result = run(G, name, params).result
    except StakegraphError as e:
        return ("error", type(e).__name__, str(e))
    return ("ok", strip_stamps(to_jsonable(result)))


def project(store: GraphStore, nodes: list[NodeRecord], edges: list[EdgeRecord], day: str | None = None) -> Any:
    """The store's projection of the records (with the FX rates); ``day``: the date its amounts convert at."""
    store.clear()
    store.write(nodes, edges)
    store.write_fx_rates(RATES)
    G = store.project()
    if day is not None:
        G.graph["as_of"] = day  # FX at D: what existed on D, converted at D's rates
    return G


def test_every_analysis_as_of_equals_the_graph_of_what_existed(store: GraphStore) -> None:
    cases = [(name, PARAMS.get(name, {})) for name, a in CATALOGUE.items() if a.dated] + EXTRA
    assert len(cases) >= 22

    @settings(max_examples=3 if store.backend == "neo4j" else 20, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(graph=graphs(), day=st.sampled_from(DAYS))
    def check(graph: tuple[list[NodeRecord], list[EdgeRecord]], day: str) -> None:
        nodes, edges = graph
        G = project(store, nodes, edges)
        R = project(store, *existed(nodes, edges, day), day)
        for name, params in cases:
            p = {**params, "as_of": day}
            got, want = outcome(G, name, p), outcome(R, name, p, direct=True)
            assert got == want, (name, day)

    check()
