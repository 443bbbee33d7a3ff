"""Concentration of a node's relationships: shares, HHI, CR-k, effective number, bands.

Shares are percentages (0–100) of the total size of the chosen relationships
(each kind's declared weight by default: ``amount`` for financing,
``annual_revenue`` for ``buys_from``/``offtakes``/``supplies``, ``share_pct`` for
``sponsors``/``owns``; kinds without a declared weight count 1 per edge).
Several edges to the same counterparty are added up first.

HHI = Σ sᵢ² (0–10,000) and Σ (sᵢ/100)² (0–1); CR-k = sum of the k largest
shares; effective number = 10,000 / HHI. Bands follow the US DOJ/FTC
guidelines, both editions reported:

* 2010 Horizontal Merger Guidelines §5.3: < 1,500 unconcentrated; 1,500–2,500
  moderately concentrated; > 2,500 highly concentrated.
* 2023 Merger Guidelines §2.1 (Guideline 1): > 1,800 highly concentrated
  (this edition defines no other band, so anything else is reported as
  "not highly concentrated").

Major counterparties: any single counterparty (or, with look-through, group
under common control) at ≥ 10% — the US GAAP ASC 280-10-50-42 major-customer
test when the relationships are customers (``buys_from``/``offtakes``, ``in``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import networkx as nx

from stakegraph.analytics.selection import (
    STRUCTURAL_KINDS,
    check_kinds,
    check_side,
    declared_weight,
    edge_weight,
    edges_at,
    is_active,
    iter_kind_edges,
    name_of,
    require_node,
)
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.domain import MONEY_PROPS
from stakegraph.errors import ValidationError
from stakegraph.measures import Money, money_context, money_stamp
from stakegraph.projection_graph import is_plain_multidigraph

LookThrough = Literal["owner", "group"] | None

#: Default relationships: a seller's customers (revenue concentration).
CUSTOMER_KINDS: tuple[str, ...] = ("buys_from", "offtakes")
MAJOR_PCT = 10.0
#: Percentage points of float rounding forgiven at the major line: 60 of 600 converted at any FX rate is 10 %.
MAJOR_TOLERANCE = 1e-9


def is_major(pct: float) -> bool:
    """A share of at least :data:`MAJOR_PCT` (10 %), up to float rounding of converted amounts.

    >>> is_major(100 * (60e6 / 7.06) / (600e6 / 7.06)), is_major(9.99)
    (True, False)
    """
    return pct >= MAJOR_PCT - MAJOR_TOLERANCE
EDITIONS = ("DOJ/FTC Horizontal Merger Guidelines 2010", "DOJ/FTC Merger Guidelines 2023")
REFERENCES = (
    "U.S. DOJ & FTC, Horizontal Merger Guidelines (2010) §5.3; U.S. DOJ & FTC, Merger Guidelines (2023) §2.1; "
    "FASB ASC 280-10-50-42 (major customers >= 10%); Hirschman (1964), Herfindahl (1950)"
)


@dataclass(frozen=True)
class Share:
    """One counterparty's share; ``members`` lists the nodes aggregated into it (look-through)."""

    counterparty: str
    name: str
    value: float
    pct: float
    members: tuple[str, ...]
    edges: tuple[str, ...]


@dataclass(frozen=True)
class Band:
    """The band an HHI falls in under one guideline edition, with the rule applied."""

    edition: str
    band: str
    rule: str


@dataclass(frozen=True)
class ConcentrationResult:
    """Concentration of one node's relationships.

    ``hhi`` is 0–10,000, ``hhi_unit`` 0–1. When ``total`` was given and exceeds
    the sum of the relationships, shares are of ``total``; ``unattributed_pct``
    is the rest (not in the graph) and HHI, computed over the known shares
    only, is a lower bound.
    """

    node: str
    name: str
    kinds: tuple[str, ...]
    direction: str
    weights: tuple[str, ...]
    look_through: str | None
    total: float
    unattributed_pct: float
    n: int
    shares: tuple[Share, ...]
    hhi: float
    hhi_unit: float
    k: int
    cr_k: float
    effective_number: float | None
    bands: tuple[Band, ...]
    major_counterparties: tuple[Share, ...]
    unweighted_edges: tuple[str, ...]
    stamp: Stamp
    #: Why the result is empty, and the kinds the node does have (empty when there are shares).
    note: str = ""

    def share(self, counterparty: str) -> Share:
        """The share of ``counterparty`` (by id, or by a member id under look-through)."""
        for s in self.shares:
            if s.counterparty == counterparty or counterparty in s.members:
                return s
        raise KeyError(counterparty)


@dataclass(frozen=True)
class MergerDelta:
    """What merging two counterparties does to the HHI (ΔHHI = 2ab) and the presumptions it meets."""

    a: str
    b: str
    share_a: float
    share_b: float
    delta: float
    hhi_before: float
    hhi_after: float
    presumptions: tuple[Band, ...]
    stamp: Stamp


@dataclass(frozen=True)
class PortfolioRow:
    """One node's concentration in a portfolio view."""

    node: str
    name: str
    kind: str | None
    n: int
    total: float
    hhi: float
    k: int
    cr_k: float
    effective_number: float | None
    top_counterparty: str
    top_pct: float
    band_2010: str
    band_2023: str


@dataclass(frozen=True)
class PortfolioConcentration:
    """Every node's concentration, HHI descending (then total descending, then id)."""

    kinds: tuple[str, ...]
    direction: str
    rows: tuple[PortfolioRow, ...]
    stamp: Stamp


def hhi(shares_pct: Iterable[float]) -> float:
    """Herfindahl–Hirschman index of shares given in percent (0–10,000).

    >>> hhi([30, 30, 20, 20])
    2600.0
    """
    return float(sum(float(s) * float(s) for s in shares_pct))


def bands(value: float) -> tuple[Band, ...]:
    """The DOJ/FTC band of an HHI under the 2010 and 2023 editions.

    >>> [b.band for b in bands(1500)]
    ['moderately concentrated', 'not highly concentrated']
    >>> [b.band for b in bands(2500.01)]
    ['highly concentrated', 'highly concentrated']
    """
    if value < 1500:
        b2010 = "unconcentrated"
    elif value <= 2500:
        b2010 = "moderately concentrated"
    else:
        b2010 = "highly concentrated"
    b2023 = "highly concentrated" if value > 1800 else "not highly concentrated"
    return (
        Band(EDITIONS[0], b2010, "< 1,500 unconcentrated; 1,500-2,500 moderately; > 2,500 highly concentrated"),
        Band(EDITIONS[1], b2023, "> 1,800 highly concentrated"),
    )


def _summarise(
    values: Mapping[str, float], total: float | None, k: int
) -> tuple[float, list[tuple[str, float, float]], float, float, float, float | None]:
    """(denominator, [(cp, value, pct)] sorted, unattributed, hhi, cr_k, effective)."""
    known = sum(values.values())
    if total is not None and total < known - 1e-9 * max(1.0, known):
        raise ValidationError(
            f"total {total:g} is smaller than the relationships' sum {known:g}", field="total", value=total,
            fix="pass the node's full total (e.g. its annual_revenue) or leave total unset",
        )
    denom = known if total is None else float(total)
    rows = sorted(
        ((cp, v, (100.0 * v / denom) if denom > 0 else 0.0) for cp, v in values.items()),
        key=lambda r: (-r[1], r[0]),
    )
    h = hhi(pct for _, _, pct in rows)
    cr = sum(pct for _, _, pct in rows[:k])
    unattributed = (100.0 - sum(pct for _, _, pct in rows)) if denom > 0 else 0.0
    return denom, rows, max(0.0, unattributed), h, cr, (10_000.0 / h if h > 0 else None)


def _look_through_map(G: nx.MultiDiGraph, look_through: LookThrough) -> Mapping[str, str]:
    if look_through is None:
        return {}
    if look_through == "owner":
        from stakegraph.analytics.groups import ultimate_owners

        return ultimate_owners(G)
    if look_through == "group":
        from stakegraph.analytics.groups import connected_groups

        return dict(connected_groups(G).group_of)
    raise ValidationError(f"look_through must be None, 'owner' or 'group', not {look_through!r}",
                          field="look_through", value=look_through,
                          fix="use 'owner' (ultimate controller) or 'group' (Basel connected group)")


def _weights_used(kinds: tuple[str, ...], weight: str | None) -> tuple[str, ...]:
    if weight is not None:
        return (weight,)
    used = tuple(dict.fromkeys(declared_weight(k) or "count" for k in kinds))
    if "share_pct" in used and len(used) > 1:
        raise ValidationError(
            f"kinds {list(kinds)} mix percentages (share_pct) with other units {list(used)}",
            field="kinds", value=list(kinds), fix="choose kinds measured alike, or pass weight='count'",
        )
    return used


def _money_params(G: nx.MultiDiGraph, used: tuple[str, ...]) -> dict[str, Any]:
    """The currency facts to stamp when a weight is money (none for shares, counts)."""
    return money_stamp(G) if any(u in MONEY_PROPS for u in used) else {}


def _accumulate(
    G: nx.MultiDiGraph, triples: Iterable[tuple[Any, str, dict[str, Any]]], weight: str | None,
    mapping: Mapping[str, str], money: Money | None = None,
) -> tuple[dict[str, float], dict[str, list[str]], dict[str, list[str]], list[str]]:
    """Summed weights, edges and members per counterparty (its look-through head); ``money`` is the
    graph's :func:`~stakegraph.measures.money_context`, passed in by callers that accumulate many holders."""
    values: dict[str, float] = defaultdict(float)
    edges: dict[str, list[str]] = defaultdict(list)
    members: dict[str, list[str]] = defaultdict(list)
    missing: list[str] = []
    if money is None:
        money = money_context(G)  # money weights (amount, annual_revenue) in the reporting currency
    for cp, key, data in triples:
        w = edge_weight(data, weight, money=money)
        if w is None:
            missing.append(key)
            continue
        head = mapping.get(str(cp), str(cp))
        values[head] += w
        edges[head].append(key)
        if str(cp) not in members[head]:
            members[head].append(str(cp))
    return values, edges, members, missing


def concentration(
    G: nx.MultiDiGraph,
    node: str,
    *,
    kinds: Iterable[str] = CUSTOMER_KINDS,
    direction: str = "in",
    weight: str | None = None,
    look_through: LookThrough = None,
    k: int = 5,
    total: float | None = None,
    active_only: bool = True,
) -> ConcentrationResult:
    """Shares, HHI, CR-k, effective number, DOJ/FTC bands and major counterparties of one node.

    Variant: shares in percent of the summed declared weights of the node's
    active relationships of ``kinds`` (HHI 0–10,000, as in the DOJ/FTC
    guidelines); edges without the weight property are left out and listed in
    ``unweighted_edges``.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        The projection.
    node : str
        The node whose relationships are measured.
    kinds : iterable of str
        Relationship kinds (default customers: ``buys_from``, ``offtakes``).
    direction : {"in", "out"}
        ``"in"``: relationships pointing at ``node`` (its customers for
        ``buys_from``, its lenders for ``lends_to``); ``"out"``: its own.
    weight : str, optional
        Property to weigh by; ``None`` = each kind's declared weight,
        ``"count"`` = 1 per edge.
    look_through : {None, "owner", "group"}
        Aggregate counterparties by ultimate controller or connected group first.
    k : int
        CR-k.
    total : float, optional
        Denominator (e.g. the node's full ``annual_revenue``); default = the sum.
    active_only : bool
        Ignore ended / terminated relationships.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["s", "a", "b", "c", "d"], type="party")
    >>> for c, r in zip("abcd", (30, 30, 20, 20)):
    ...     _ = G.add_edge(c, "s", key=c, kind="buys_from", annual_revenue=r)
    >>> r = concentration(G, "s")
    >>> r.hhi, r.hhi_unit, r.cr_k, r.effective_number, r.bands[0].band
    (2600.0, 0.26, 100.0, 3.8461538461538463, 'highly concentrated')

    References
    ----------
    .. [1] U.S. Department of Justice and Federal Trade Commission, *Horizontal
       Merger Guidelines*, 2010, §5.3.
    .. [2] U.S. Department of Justice and Federal Trade Commission, *Merger
       Guidelines*, 2023, §2.1.
    .. [3] FASB, ASC 280-10-50-42, disclosure of major customers (10%).
    """
    require_node(G, node)
    kinds = check_kinds(kinds)
    side = check_side(direction)
    if k < 1:
        raise ValidationError(f"k must be >= 1, not {k}", field="k", value=k, fix="use e.g. k=5 for CR-5")
    used = _weights_used(kinds, weight)
    mapping = _look_through_map(G, look_through)
    values, edges, members, missing = _accumulate(
        G, edges_at(G, node, kinds, side, active_only=active_only), weight, mapping
    )
    denom, rows, unattributed, h, cr, eff = _summarise(values, total, k)
    shares = tuple(
        Share(cp, _display(G, cp), v, pct, tuple(sorted(members[cp])), tuple(sorted(edges[cp])))
        for cp, v, pct in rows
    )
    stamp = Stamp(
        "concentration",
        "HHI of percentage shares (0-10,000); DOJ/FTC 2010 and 2023 bands; major >= 10% (ASC 280-10-50-42)",
        {"node": node, "kinds": list(kinds), "direction": side, "weight": list(used),
         "look_through": look_through, "k": k, "total": total, "active_only": active_only,
         **_money_params(G, used)},
        graph_version(G),
        REFERENCES,
    )
    return ConcentrationResult(
        node=node, name=name_of(G, node), kinds=kinds, direction=side, weights=used,
        look_through=look_through, total=denom, unattributed_pct=unattributed, n=len(shares),
        shares=shares, hhi=h, hhi_unit=h / 10_000.0, k=k, cr_k=cr, effective_number=eff,
        bands=bands(h) if shares else (), major_counterparties=tuple(s for s in shares if is_major(s.pct)),
        unweighted_edges=tuple(sorted(missing)), stamp=stamp,
        note="" if shares else _empty_note(G, node, kinds, side),
    )


def kinds_present(G: nx.MultiDiGraph, node: str) -> tuple[tuple[str, str, int], ...]:
    """``(kind, direction, count)`` of the node's active relationships, most frequent first.

    >>> G = nx.MultiDiGraph(); _ = G.add_edge("b", "a", kind="lends_to"); _ = G.add_edge("a", "c", kind="owns")
    >>> kinds_present(G, "a")
    (('lends_to', 'in', 1), ('owns', 'out', 1))
    """
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for _, _, d in G.in_edges(node, data=True):
        if is_active(d):
            counts[(str(d.get("kind")), "in")] += 1
    for _, _, d in G.out_edges(node, data=True):
        if is_active(d):
            counts[(str(d.get("kind")), "out")] += 1
    return tuple((k, s, n) for (k, s), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _empty_note(G: nx.MultiDiGraph, node: str, kinds: tuple[str, ...], side: str) -> str:
    return empty_note(name_of(G, node), kinds, side, kinds_present(G, node))


def empty_note(name: str, kinds: tuple[str, ...], side: str, have: tuple[tuple[str, str, int], ...]) -> str:
    """Why a node has no shares: the kinds and sides it does have (``have``, as :func:`kinds_present`
    gives them), and the question to ask instead."""
    what = f"{name} has no active {', '.join(kinds)} relationships ({side})"
    if not have:
        return what + " and no active relationships at all"
    listed = ", ".join(f"{k} ({s}) x{n}" for k, s, n in have[:6])
    k0, s0, _ = next((h for h in have if h[0] in STRUCTURAL_KINDS), have[0])
    return f"{what}; it has {listed}; ask again with kinds {k0}, direction {s0}"


def book_concentration(
    G: nx.MultiDiGraph,
    *,
    kinds: Iterable[str] = ("lends_to",),
    by: Literal["source", "target"] = "source",
    weight: str | None = None,
    k: int = 5,
    active_only: bool = True,
) -> ConcentrationResult:
    """Concentration of the whole book: each party's share of all relationships of ``kinds``.

    Variant: the same HHI of percentage shares as :func:`concentration`, but over every active
    edge of ``kinds`` in the graph, grouped by its ``by`` end — with ``lends_to`` and
    ``by="source"``, each lender's share of all lending (market concentration of the lenders);
    with ``buys_from`` and ``by="target"``, each seller's share of all sales.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> for src, dst, amt in (("b1", "x", 60.0), ("b1", "y", 20.0), ("b2", "y", 20.0)):
    ...     _ = G.add_edge(src, dst, kind="lends_to", amount=amt)
    >>> r = book_concentration(G)
    >>> [(s.counterparty, s.pct) for s in r.shares], r.hhi
    ([('b1', 80.0), ('b2', 20.0)], 6800.0)

    See Also
    --------
    concentration : one node's counterparties.

    References
    ----------
    .. [1] U.S. DOJ and FTC, *Merger Guidelines*, 2023, §2.1 (HHI of market shares).
    """
    kinds = check_kinds(kinds)
    if by not in ("source", "target"):
        raise ValidationError(f"by must be 'source' or 'target', not {by!r}", field="by", value=by,
                              fix="source: group by the party the relationship starts at (lenders for lends_to)")
    if k < 1:
        raise ValidationError(f"k must be >= 1, not {k}", field="k", value=k, fix="use e.g. k=5 for CR-5")
    used = _weights_used(kinds, weight)
    wanted = set(kinds)
    triples = ((u if by == "source" else v, key, d) for u, v, key, d in G.edges(keys=True, data=True)
               if d.get("kind") in wanted and (not active_only or is_active(d)))
    values, edges, members, missing = _accumulate(G, triples, weight, {})
    denom, rows, unattributed, h, cr, eff = _summarise(values, None, k)
    shares = tuple(Share(cp, _display(G, cp), v, pct, (cp,), tuple(sorted(edges[cp]))) for cp, v, pct in rows)
    stamp = Stamp("book_concentration",
                  "HHI of percentage shares of the whole book (0-10,000); DOJ/FTC 2010 and 2023 bands",
                  {"kinds": list(kinds), "by": by, "weight": list(used), "k": k, "active_only": active_only,
                   **_money_params(G, used)},
                  graph_version(G), REFERENCES)
    return ConcentrationResult(
        node="", name="whole book", kinds=kinds, direction=by, weights=used, look_through=None, total=denom,
        unattributed_pct=unattributed, n=len(shares), shares=shares, hhi=h, hhi_unit=h / 10_000.0, k=k, cr_k=cr,
        effective_number=eff, bands=bands(h) if shares else (),
        major_counterparties=tuple(s for s in shares if is_major(s.pct)),
        unweighted_edges=tuple(sorted(missing)), stamp=stamp,
        note="" if shares else f"no active {', '.join(kinds)} relationships in the graph",
    )


def _display(G: nx.MultiDiGraph, cp: str) -> str:
    if cp.startswith("group:") and cp not in G:
        return f"{name_of(G, cp[len('group:'):])} group"
    return name_of(G, cp)


def merger_delta(result: ConcentrationResult, a: str, b: str) -> MergerDelta:
    """ΔHHI of merging counterparties ``a`` and ``b`` of a concentration result: 2·a·b.

    Also reports whether the post-merger HHI and change meet each edition's
    presumption (2010: HHI > 2,500 and Δ > 200; 2023: HHI > 1,800 and Δ > 100).

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["s", "a", "b", "c"], type="party")
    >>> for c, r in zip("abc", (5, 10, 85)):
    ...     _ = G.add_edge(c, "s", key=c, kind="buys_from", annual_revenue=r)
    >>> merger_delta(concentration(G, "s"), "a", "b").delta
    100.0

    References
    ----------
    .. [1] U.S. DOJ & FTC, *Horizontal Merger Guidelines*, 2010, §5.3 (ΔHHI = 2ab).
    """
    if a == b:
        raise ValidationError("merging a counterparty with itself", field="b", value=b,
                              fix="name two different counterparties")
    sa, sb = result.share(a).pct, result.share(b).pct
    delta = 2.0 * sa * sb
    after = result.hhi + delta
    presumptions = (
        Band(EDITIONS[0], "presumed to enhance market power" if after > 2500 and delta > 200 else "no presumption",
             "post-merger HHI > 2,500 and change > 200"),
        Band(EDITIONS[1], "presumed to substantially lessen competition" if after > 1800 and delta > 100
             else "no presumption", "post-merger HHI > 1,800 and change > 100"),
    )
    stamp = Stamp("merger_delta", "delta HHI = 2ab (shares in percent)",
                  {"a": a, "b": b, "of": dict(result.stamp.parameters)}, result.stamp.graph_version, REFERENCES)
    return MergerDelta(a, b, sa, sb, delta, result.hhi, after, presumptions, stamp)


def portfolio_concentration(
    G: nx.MultiDiGraph,
    *,
    kinds: Iterable[str] = CUSTOMER_KINDS,
    direction: str = "in",
    node_type: str | None = "party",
    min_counterparties: int = 1,
    weight: str | None = None,
    look_through: LookThrough = None,
    k: int = 5,
    active_only: bool = True,
) -> PortfolioConcentration:
    """HHI of every node's relationships, most concentrated first — in one pass over the edges (O(E)).

    "Which firms depend most on few customers": ``kinds=("buys_from",)``,
    ``direction="in"``. "Which sponsors/borrowers depend most on one lender":
    ``kinds=("lends_to",)``, ``direction="in"``. Same variant as
    :func:`concentration` (each row equals ``concentration(G, node, …)``).

    A plain ``MultiDiGraph`` is read from the shared edge table
    (:func:`stakegraph.analytics.concentration_fast.portfolio_rows_fast`, equal to
    :func:`portfolio_concentration_reference`); any other graph, or one the table cannot answer
    exactly, runs the reference.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["s", "t", "a", "b"], type="party")
    >>> _ = G.add_edge("a", "s", key="1", kind="buys_from", annual_revenue=1)
    >>> _ = G.add_edge("a", "t", key="2", kind="buys_from", annual_revenue=1)
    >>> _ = G.add_edge("b", "t", key="3", kind="buys_from", annual_revenue=1)
    >>> [(r.node, r.hhi) for r in portfolio_concentration(G).rows]
    [('s', 10000.0), ('t', 5000.0)]

    See Also
    --------
    portfolio_concentration_reference : the same answer from one walk over ``G``'s edges (the reference).

    References
    ----------
    .. [1] U.S. DOJ & FTC, *Merger Guidelines*, 2023, §2.1.
    """
    return _portfolio(G, kinds, direction, node_type, min_counterparties, weight, look_through, k, active_only,
                      fast=True)


def portfolio_concentration_reference(
    G: nx.MultiDiGraph,
    *,
    kinds: Iterable[str] = CUSTOMER_KINDS,
    direction: str = "in",
    node_type: str | None = "party",
    min_counterparties: int = 1,
    weight: str | None = None,
    look_through: LookThrough = None,
    k: int = 5,
    active_only: bool = True,
) -> PortfolioConcentration:
    """:func:`portfolio_concentration` from one walk over ``G.edges``, holder by holder: the reference.

    ``tests/analytics/test_concentration_fast.py`` checks the table-based path against it.

    >>> G = nx.MultiDiGraph()
    >>> G.add_nodes_from(["s", "a"], type="party")
    >>> _ = G.add_edge("a", "s", key="1", kind="lends_to", amount=5.0)
    >>> portfolio_concentration_reference(G, kinds=("lends_to",)) == portfolio_concentration(G, kinds=("lends_to",))
    True
    """
    return _portfolio(G, kinds, direction, node_type, min_counterparties, weight, look_through, k, active_only,
                      fast=False)


def _portfolio(
    G: nx.MultiDiGraph, kinds: Iterable[str], direction: str, node_type: str | None, min_counterparties: int,
    weight: str | None, look_through: LookThrough, k: int, active_only: bool, *, fast: bool,
) -> PortfolioConcentration:
    kinds = check_kinds(kinds)
    side = check_side(direction)
    used = _weights_used(kinds, weight)
    mapping = _look_through_map(G, look_through)
    rows: list[PortfolioRow] | None = None
    if fast and is_plain_multidigraph(G):
        from stakegraph.analytics.concentration_fast import portfolio_rows_fast

        rows = portfolio_rows_fast(G, kinds, side, node_type, min_counterparties, weight, mapping, k, active_only)
    if rows is None:
        rows = _portfolio_rows(G, kinds, side, node_type, min_counterparties, weight, mapping, k, active_only)
    rows.sort(key=lambda r: (-r.hhi, -r.total, r.node))
    stamp = Stamp(
        "portfolio_concentration",
        "HHI of percentage shares per node, one pass over the edges",
        {"kinds": list(kinds), "direction": side, "node_type": node_type, "weight": list(used),
         "min_counterparties": min_counterparties, "look_through": look_through, "k": k,
         "active_only": active_only, **_money_params(G, used)},
        graph_version(G),
        REFERENCES,
    )
    return PortfolioConcentration(kinds, side, tuple(rows), stamp)


def _portfolio_rows(
    G: nx.MultiDiGraph, kinds: tuple[str, ...], side: str, node_type: str | None, min_counterparties: int,
    weight: str | None, mapping: Mapping[str, str], k: int, active_only: bool,
) -> list[PortfolioRow]:
    """The reference's rows (unsorted): the edges walked once, each holder's relationships accumulated."""
    per_holder: dict[Any, list[tuple[Any, str, dict[str, Any]]]] = defaultdict(list)
    for u, v, key, data in iter_kind_edges(G, kinds, active_only=active_only):
        holder, cp = (v, u) if side == "in" else (u, v)
        if node_type is None or G.nodes[holder].get("type") == node_type:
            per_holder[holder].append((cp, key, data))
    rows: list[PortfolioRow] = []
    money: Money | None = None  # built at the first holder (as before: none is built for an empty portfolio)
    for holder, triples in per_holder.items():
        if money is None:
            money = money_context(G)
        values, _edges, _members, _missing = _accumulate(G, triples, weight, mapping, money)
        if len(values) < max(1, min_counterparties):
            continue
        denom, ranked, _un, h, cr, eff = _summarise(values, None, k)
        b = bands(h)
        rows.append(PortfolioRow(
            node=str(holder), name=name_of(G, holder), kind=G.nodes[holder].get("kind"), n=len(ranked),
            total=denom, hhi=h, k=k, cr_k=cr, effective_number=eff, top_counterparty=ranked[0][0],
            top_pct=ranked[0][2], band_2010=b[0].band, band_2023=b[1].band,
        ))
    return rows
