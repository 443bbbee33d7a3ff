"""Filters, sorts and counts of ``find_nodes`` / ``find_edges`` on every backend, against a Python reference.

The reference below is computed from the written records alone, following the rules stated in
:mod:`stakegraph.store.filters`; every case also checks ``count == len(find)`` and paging.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest

from stakegraph.errors import Invalid
from stakegraph.measures import Money, edges_exposure
from stakegraph.model import EdgeRecord, NodeRecord, edge_id
from stakegraph.money import FxRate, FxTable
from stakegraph.store.base import GraphStore
from stakegraph.store.filters import EdgeFilter, NodeFilter, Sort

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_COUNTRIES = ["CN", "cn", "Cn", "FR", "fr", None, "DE", "Côte"]
_STATUSES = ["active", "Active", "ACTIVE", "closed", None, "recalled"]


def _maybe(rng: random.Random, value: Any, p: float = 0.75) -> Any:
    return value if rng.random() < p else None


def _money(rng: random.Random) -> float | int:
    v = rng.randrange(0, 50) * 1000  # exact sums on every backend
    return v if rng.random() < 0.5 else float(v)


def _date(rng: random.Random) -> str:
    return f"20{rng.randrange(18, 26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None}


def dataset(seed: int = 7) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    rng = random.Random(seed)
    nodes: list[NodeRecord] = []
    for i in range(16):
        nodes.append(NodeRecord(f"p{i:02d}", "party", _clean({
            "name": rng.choice(["Alpha", "Beta", "银行", "Gamma", "alpha"]) + f" {i % 5}",
            "kind": rng.choice(["bank", "corporate", "fund"]),
            "country": rng.choice(_COUNTRIES),
            "total_assets": _maybe(rng, _money(rng)),
            "capital": _maybe(rng, rng.choice([1.5, 2, 3.25, 2.0]), 0.5),
            "sector": _maybe(rng, rng.choice(["energy", "banking"])),
        })))
    for i in range(8):
        nodes.append(NodeRecord(f"j{i:02d}", "project", _clean({
            "name": f"Plant {i % 3}", "kind": "project", "country": rng.choice(_COUNTRIES),
            "status": rng.choice(_STATUSES), "total_cost": _maybe(rng, _money(rng)),
            "capacity_mw": _maybe(rng, rng.randrange(1, 9) * 10.0),
            "start_date": _maybe(rng, _date(rng)), "end_date": _maybe(rng, _date(rng)),
        })))
    for i in range(5):
        nodes.append(NodeRecord(f"k{i:02d}", "contract", _clean({
            "name": f"Loan {i}", "kind": "loan_agreement", "amount": _maybe(rng, _money(rng)),
            "signed_date": _maybe(rng, _date(rng)), "status": rng.choice(_STATUSES),
        })))
    for i in range(4):
        nodes.append(NodeRecord(f"s{i:02d}", "signal", _clean({
            "name": f"Signal {i}", "kind": "payment_delay", "date": _date(rng), "party_id": f"p{i:02d}",
            "severity": rng.choice([0.1, 0.5, 0.9]), "value": _maybe(rng, rng.randrange(1, 90)),
        })))
    parties = [n.id for n in nodes if n.type == "party"]
    projects = [n.id for n in nodes if n.type == "project"]
    contracts = [n.id for n in nodes if n.type == "contract"]
    signals = [n.id for n in nodes if n.type == "signal"]
    plan: list[tuple[str, list[str], list[str]]] = [
        ("lends_to", parties, parties + projects), ("invests_in", parties, projects),
        ("owns", parties, parties), ("sponsors", parties, projects), ("supplies", parties, parties),
        ("party_to", parties, contracts), ("contract_for", contracts, projects), ("concerns", signals, parties),
    ]
    edges: list[EdgeRecord] = []
    for n in range(70):
        kind, sources, targets = plan[n % len(plan)]
        s, t = rng.choice(sources), rng.choice(targets)
        props = _clean({
            "ref": str(n), "amount": _maybe(rng, _money(rng)), "status": _maybe(rng, rng.choice(_STATUSES)),
            "currency": _maybe(rng, rng.choice(["USD", "usd", "CNY"])),
            "start_date": _maybe(rng, _date(rng)), "end_date": _maybe(rng, _date(rng), 0.5),
            "share_pct": _maybe(rng, rng.randrange(0, 101), 0.4) if kind in ("owns", "sponsors") else None,
        })
        edges.append(EdgeRecord(edge_id(kind, s, t, str(n)), kind, s, t, props))
    loop = {"amount": 7000.0, "status": "active", "start_date": "2020-01-01"}
    edges.append(EdgeRecord(edge_id("lends_to", "p00", "p00"), "lends_to", "p00", "p00", loop))  # a self-loop
    return nodes, edges


NODES, EDGES = dataset()
FX = FxTable([FxRate(dt.date(1900, 1, 1), "CNY", 8.0, "USD", "test")])


# -- the reference ------------------------------------------------------------------------------------------
def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _low(v: Any) -> str | None:
    return v.lower() if isinstance(v, str) else None


def _ranges_ok(p: Mapping[str, Any], ranges: Sequence[Any], dates: Sequence[Any]) -> bool:
    for prop, lo, hi in ranges:
        v = p.get(prop)
        if not _num(v) or (lo is not None and v < lo) or (hi is not None and v > hi):
            return False
    for prop, lo, hi in dates:
        v = p.get(prop)
        if not isinstance(v, str) or (lo is not None and v < lo) or (hi is not None and v > hi):
            return False
    return True


def node_ok(n: NodeRecord, f: NodeFilter) -> bool:
    p = n.props
    hay = f"{p.get('name') or ''} {p.get('name_en') or ''}".lower() + " " + n.id.lower()
    return all((
        f.type is None or n.type == f.type,
        f.kind is None or p.get("kind") == f.kind,
        f.country is None or _low(p.get("country")) == f.country.lower(),
        f.status is None or _low(p.get("status")) == f.status.lower(),
        not f.text or f.text.lower() in hay,
        f.ids is None or n.id in f.ids,
        _ranges_ok(p, f.prop_ranges, f.date_ranges),
    ))


def edge_ok(e: EdgeRecord, f: EdgeFilter) -> bool:
    p = e.props
    end, start = p.get("end_date"), p.get("start_date")
    return all((
        f.kinds is None or e.kind in f.kinds,
        f.sources is None or e.source in f.sources,
        f.targets is None or e.target in f.targets,
        f.node is None or f.node in (e.source, e.target),
        f.status is None or _low(p.get("status")) == f.status.lower(),
        f.currency is None or _low(p.get("currency")) == f.currency.lower(),
        f.active_from is None or end is None or end >= f.active_from,
        f.active_to is None or start is None or start <= f.active_to,
        _ranges_ok(p, f.prop_ranges, f.date_ranges),
    ))


def ordered(records: Sequence[Any], value: Callable[[Any], Any], descending: bool) -> list[str]:
    """Ids sorted by ``value`` (``None`` = missing, always last), ties by id."""
    by_id = sorted(records, key=lambda r: r.id)
    present = [r for r in by_id if value(r) is not None]
    missing = [r for r in by_id if value(r) is None]
    return [r.id for r in sorted(present, key=value, reverse=descending) + missing]


def _touching(n: NodeRecord, kinds: Sequence[str] | None = None) -> list[EdgeRecord]:
    return [e for e in EDGES if n.id in (e.source, e.target) and (kinds is None or e.kind in kinds)]


def node_value(key: str) -> Callable[[NodeRecord], Any]:
    if key == "name":
        return lambda n: n.props.get("name") or ""
    if key == "id":
        return lambda n: n.id
    if key == "relationships":
        return lambda n: len(_touching(n))
    if key == "exposure":
        return lambda n: edges_exposure(({"kind": e.kind, **e.props} for e in _touching(n)),  # the one definition
                                        money=Money("USD", FX, lambda: dt.date(2100, 1, 1)))
    return lambda n: n.props.get(key)


def edge_value(key: str) -> Callable[[EdgeRecord], Any]:
    if key in ("id", "kind", "source", "target"):
        return lambda e: getattr(e, key)
    return lambda e: e.props.get(key)


def node_ref(f: NodeFilter, sort: Sort | None = None) -> list[str]:
    rows = [n for n in NODES if node_ok(n, f)]
    if sort is None:
        return [n.id for n in sorted(rows, key=lambda n: (n.props.get("name") or "", n.id))]
    return ordered(rows, node_value(sort.key), sort.descending)


def edge_ref(f: EdgeFilter, sort: Sort | None = None) -> list[str]:
    rows = [e for e in EDGES if edge_ok(e, f)]
    if sort is None:
        return sorted(e.id for e in rows)
    return ordered(rows, edge_value(sort.key), sort.descending)


def ids(records: Sequence[Any]) -> list[str]:
    return [r.id for r in records]


@pytest.fixture
def filled(store: GraphStore) -> GraphStore:
    store.write(NODES, EDGES)
    store.write_fx_rates(FX.rows())  # the CNY amounts convert to USD (the exposure sort is in one currency)
    store.reporting_currency = "USD"
    return store


# -- nodes -----------------------------------------------------------------------------------------------
NODE_CASES = [
    NodeFilter(),
    NodeFilter(type="party"),
    NodeFilter(country="cn"),
    NodeFilter(country="CN", type="project"),
    NodeFilter(country="côte"),
    NodeFilter(country="fr", kind="bank"),
    NodeFilter(status="active"),
    NodeFilter(status="CLOSED", type="project"),
    NodeFilter(text="alpha"),
    NodeFilter(text="银行", country="Cn"),
    NodeFilter(ids=("p01", "j02", "zz")),
    NodeFilter(type="party", prop_ranges=(("total_assets", 10_000, None),)),
    NodeFilter(type="party", prop_ranges=(("total_assets", None, 20_000),)),
    NodeFilter(type="party", prop_ranges=(("total_assets", 5_000, 30_000), ("capital", 2, None))),
    NodeFilter(prop_ranges=(("capital", 2, 2),)),
    NodeFilter(type="project", prop_ranges=(("total_cost", None, None),)),  # "has a number"
    NodeFilter(type="project", date_ranges=(("start_date", "2020-01-01", "2023-12-31"),)),
    NodeFilter(type="project", date_ranges=(("end_date", "2022-06-01", None),), status="active"),
    NodeFilter(type="contract", date_ranges=(("signed_date", None, "2021-01-01"),)),
    NodeFilter(type="signal", prop_ranges=(("severity", 0.5, 1),), date_ranges=(("date", "2019-01-01", None),)),
    NodeFilter(date_ranges=(("date", "2020-01-01", "2030-01-01"),)),
    NodeFilter(type="no_such_type"),
]


@pytest.mark.parametrize("flt", NODE_CASES, ids=[str(i) for i in range(len(NODE_CASES))])
def test_node_filters_match_the_reference(filled: GraphStore, flt: NodeFilter) -> None:
    want = node_ref(flt)
    assert ids(filled.find_nodes(flt, limit=1000)) == want
    assert filled.count_nodes(flt) == len(want)


def test_country_is_case_insensitive(filled: GraphStore) -> None:
    cn = [n.id for n in NODES if (n.props.get("country") or "").lower() == "cn"]
    assert len({n.props["country"] for n in NODES if n.id in cn}) == 3  # CN, cn, Cn
    for spelling in ("cn", "CN", "cN"):
        assert sorted(ids(filled.find_nodes(NodeFilter(country=spelling), limit=1000))) == sorted(cn)


NODE_SORTS = [
    (NodeFilter(type="party"), Sort("total_assets")),
    (NodeFilter(type="party"), Sort("total_assets", descending=True)),
    (NodeFilter(type="party"), Sort("capital", descending=True)),
    (NodeFilter(type="party"), Sort("country")),
    (NodeFilter(type="party"), Sort("name", descending=True)),
    (NodeFilter(), Sort("name")),
    (NodeFilter(), Sort("id", descending=True)),
    (NodeFilter(type="party"), Sort("relationships", descending=True)),
    (NodeFilter(type="party"), Sort("relationships")),
    (NodeFilter(type="party"), Sort("exposure", descending=True)),
    (NodeFilter(), Sort("exposure")),
    (NodeFilter(type="project"), Sort("start_date")),
    (NodeFilter(type="project"), Sort("end_date", descending=True)),
    (NodeFilter(type="project", country="cn"), Sort("total_cost", descending=True)),
    (NodeFilter(type="signal"), Sort("severity", descending=True)),
    (NodeFilter(type="party"), None),
]


@pytest.mark.parametrize(("flt", "sort"), NODE_SORTS, ids=[str(i) for i in range(len(NODE_SORTS))])
def test_node_sorts_and_pages(filled: GraphStore, flt: NodeFilter, sort: Sort | None) -> None:
    want = node_ref(flt, sort)
    assert ids(filled.find_nodes(flt, sort=sort, limit=1000)) == want
    for offset in (0, 3, 7):
        assert ids(filled.find_nodes(flt, sort=sort, limit=4, offset=offset)) == want[offset : offset + 4]
    assert filled.count_nodes(flt) == len(want)


# -- edges -----------------------------------------------------------------------------------------------
EDGE_CASES = [
    EdgeFilter(),
    EdgeFilter(kinds=("lends_to",)),
    EdgeFilter(kinds=("lends_to", "owns")),
    EdgeFilter(kinds=()),
    EdgeFilter(sources=("p01", "p02", "p03")),
    EdgeFilter(targets=("j00", "j01"), kinds=("sponsors", "lends_to")),
    EdgeFilter(sources=(EDGES[0].source, EDGES[8].source, "p03"), targets=(EDGES[0].target, EDGES[8].target)),
    EdgeFilter(node="p00"),
    EdgeFilter(node=EDGES[0].target, kinds=("lends_to",)),
    EdgeFilter(node=EDGES[3].target, sources=(EDGES[3].source, "p01")),
    EdgeFilter(node=EDGES[3].source, targets=(EDGES[3].target,)),
    EdgeFilter(status="ACTIVE"),
    EdgeFilter(currency="usd"),
    EdgeFilter(prop_ranges=(("amount", 10_000, None),)),
    EdgeFilter(prop_ranges=(("amount", None, 15_000),), kinds=("lends_to",)),
    EdgeFilter(prop_ranges=(("amount", 5_000, 40_000), ("share_pct", 20, 80))),
    EdgeFilter(kinds=("owns",), prop_ranges=(("share_pct", None, None),)),
    EdgeFilter(date_ranges=(("start_date", "2020-01-01", "2022-12-31"),)),
    EdgeFilter(date_ranges=(("end_date", None, "2021-06-30"),), status="active"),
    EdgeFilter(active_from="2022-01-01"),
    EdgeFilter(active_to="2020-12-31"),
    EdgeFilter(active_from="2021-01-01", active_to="2021-12-31", kinds=("lends_to", "invests_in")),
    EdgeFilter(node="p00", prop_ranges=(("amount", 1, None),), currency="CNY"),
]


@pytest.mark.parametrize("flt", EDGE_CASES, ids=[str(i) for i in range(len(EDGE_CASES))])
def test_edge_filters_match_the_reference(filled: GraphStore, flt: EdgeFilter) -> None:
    want = edge_ref(flt)
    assert ids(filled.find_edges(flt, limit=1000)) == want
    assert filled.count_edges(flt) == len(want)


def test_edge_filter_results_are_the_whole_records(filled: GraphStore) -> None:
    flt = EdgeFilter(node="p00")
    assert filled.find_edges(flt, limit=1000) == filled.get_edges(edge_ref(flt))
    assert filled.find_nodes(NodeFilter(type="signal"), limit=1000) == filled.get_nodes(node_ref(NodeFilter(type="signal")))


EDGE_SORTS = [
    (EdgeFilter(), Sort("amount", descending=True)),
    (EdgeFilter(), Sort("amount")),
    (EdgeFilter(kinds=("lends_to",)), Sort("start_date")),
    (EdgeFilter(), Sort("end_date", descending=True)),
    (EdgeFilter(), Sort("kind")),
    (EdgeFilter(), Sort("source", descending=True)),
    (EdgeFilter(node="p02"), Sort("target")),
    (EdgeFilter(), Sort("id", descending=True)),
    (EdgeFilter(kinds=("owns", "sponsors")), Sort("share_pct", descending=True)),
    (EdgeFilter(), Sort("currency")),
    (EdgeFilter(), None),
]


@pytest.mark.parametrize(("flt", "sort"), EDGE_SORTS, ids=[str(i) for i in range(len(EDGE_SORTS))])
def test_edge_sorts_and_pages(filled: GraphStore, flt: EdgeFilter, sort: Sort | None) -> None:
    want = edge_ref(flt, sort)
    assert ids(filled.find_edges(flt, sort=sort, limit=1000)) == want
    for offset in (0, 5, 11):
        assert ids(filled.find_edges(flt, sort=sort, limit=6, offset=offset)) == want[offset : offset + 6]
    assert filled.count_edges(flt) == len(want)


# -- refusals ----------------------------------------------------------------------------------------------
REFUSED: list[tuple[Callable[[GraphStore], object], list[str]]] = [
    (lambda s: s.find_nodes(NodeFilter(type="party"), sort=Sort("colour")), ["colour", "total_assets", "exposure"]),
    (lambda s: s.find_nodes(NodeFilter(type="party"), sort=Sort("total_cost")), ["total_cost", "total_assets"]),
    (lambda s: s.find_edges(sort=Sort("weight")), ["weight", "amount", "start_date"]),
    (lambda s: s.find_edges(EdgeFilter(kinds=("owns",)), sort=Sort("tenor_years")), ["tenor_years", "share_pct"]),
    (lambda s: s.count_nodes(NodeFilter(prop_ranges=(("name", 1, 2),))), ["'name'", "total_assets"]),
    (lambda s: s.count_nodes(NodeFilter(type="party", prop_ranges=(("total_cost", 1, 2),))), ["total_cost"]),
    (lambda s: s.count_nodes(NodeFilter(prop_ranges=(("nope", 1, 2),))), ["nope"]),
    (lambda s: s.count_nodes(NodeFilter(prop_ranges=(("capital", math.nan, None),))), ["finite"]),
    (lambda s: s.count_nodes(NodeFilter(prop_ranges=(("capital", 5, 1),))), ["swap"]),
    (lambda s: s.count_nodes(NodeFilter(date_ranges=(("total_cost", "2020-01-01", None),))), ["start_date"]),
    (lambda s: s.find_nodes(NodeFilter(date_ranges=(("date", "yesterday", None),))), ["'yesterday'", "yyyy-mm-dd"]),
    (lambda s: s.count_edges(EdgeFilter(kinds=("knows",))), ["'knows'", "lends_to"]),
    (lambda s: s.count_edges(EdgeFilter(active_from="2024-02-30")), ["2024-02-30", "yyyy-mm-dd"]),
    (lambda s: s.count_edges(EdgeFilter(prop_ranges=(("status", 1, None),))), ["'status'", "amount"]),
    (lambda s: s.count_edges(EdgeFilter(date_ranges=(("signed_date", None, "2020-01-01"),))), ["end_date"]),
]


@pytest.mark.parametrize(("call", "words"), REFUSED, ids=[str(i) for i in range(len(REFUSED))])
def test_undeclared_requests_are_refused_with_the_fix(
    filled: GraphStore, call: Callable[[GraphStore], object], words: list[str]
) -> None:
    with pytest.raises(Invalid) as err:
        call(filled)
    assert err.value.fix, "the refusal says what to do"
    for w in words:
        assert w in str(err.value)
