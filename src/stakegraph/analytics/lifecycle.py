"""Customer lifecycle stage, segmentation and communities.

Lifecycle rules (:func:`lifecycle_stage`), applied in this order to a party as of a date:

1. **churn** — it had relationships and all of them have ended (``status``
   ended/terminated/… or ``end_date`` ≤ as of), or its last interaction is more
   than ``churn_days`` (365) old.
2. **acquisition** — no active revenue relationship yet (a financing or
   commercial relationship — lends, invests, sponsors, guarantees, insures,
   builds, operates, supplies, buys, offtakes, partners — that has started and
   not ended); the reason says whether the first interaction was within
   ``acquisition_days`` (365).
3. **trend** over the last ``trend_window_days`` (365): the mean ``value`` of its
   ``order_volume_change`` signals (percent), else the change of its ``buys_from``
   revenue (either side) active at as of vs one window earlier (new revenue from
   nothing counts +100%; revenues in the reporting currency at the FX rates of the as-of date, so a
   rate move alone is no trend). Above ``+trend_tolerance_pct`` (5) → **development**;
   below ``−trend_tolerance_pct`` → **decline**; within → **maturity**.
4. no trend data — **development** if its oldest active relationship started
   within ``development_days`` (730), else **maturity**.

Segmentation (:func:`segmentation`): size from ``total_assets`` (else
``annual_revenue``, else the stated ``size_segment``), converted to the reporting currency at the
FX rates of the graph's as-of date, against thresholds in that currency; credit
rating bucket (S&P/Fitch or Moody's scale: investment grade ≥ BBB−/Baa3,
speculative BB+…B−/Ba1…B3, distressed CCC+/Caa1 and below, incl. D/SD);
risk appetite as stated.

Communities (:func:`communities`): Louvain (Blondel et al. 2008) on the
undirected party/project structure graph, seeded, with Newman modularity.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import networkx as nx

from stakegraph.analytics.health import maybe_date, to_date
from stakegraph.analytics.selection import (
    STRUCTURAL_KINDS,
    is_active,
    name_of,
    number,
    require_node,
    structural_graph,
)
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.domain import COMMERCIAL_KINDS, FINANCING_KINDS
from stakegraph.errors import ValidationError
from stakegraph.measures import Money, money_context, money_stamp

REVENUE_KINDS: tuple[str, ...] = FINANCING_KINDS + COMMERCIAL_KINDS
REFERENCES_LIFECYCLE = "Customer lifecycle acquisition-development-maturity-decline-churn (shared/reference/domain.md)"
REFERENCES_COMMUNITIES = (
    "Blondel, Guillaume, Lambiotte, Lefebvre (2008), Fast unfolding of communities in large networks, "
    "J. Stat. Mech. P10008; Newman (2006) modularity; networkx.community.louvain_communities"
)


@dataclass(frozen=True)
class LifecycleRules:
    """Day counts and tolerance of the lifecycle rules."""

    acquisition_days: int = 365
    churn_days: int = 365
    trend_window_days: int = 365
    trend_tolerance_pct: float = 5.0
    development_days: int = 730


@dataclass(frozen=True)
class LifecycleResult:
    """A party's inferred stage with the evidence and the rule that decided it."""

    party: str
    name: str
    as_of: str
    stage: str | None
    rule: str
    reason: str
    trend_pct: float | None
    trend_source: str | None
    first_interaction: str | None
    last_interaction: str | None
    days_since_interaction: int | None
    active_relationships: int
    ended_relationships: int
    stated_stage: str | None
    stamp: Stamp


def _ended(d: dict[str, Any], day: dt.date) -> bool:
    end = maybe_date(d.get("end_date"))
    return not is_active(d) or (end is not None and end <= day)


def _started(d: dict[str, Any], day: dt.date) -> bool:
    start = maybe_date(d.get("start_date"))
    return start is None or start <= day


def _active_at(d: dict[str, Any], t: dt.date, as_of: dt.date) -> bool:
    if not _started(d, t):
        return False
    end = maybe_date(d.get("end_date"))
    if end is not None:
        return end > t
    return is_active(d) or t < as_of  # ended without an end date: ended by as_of, active before


def lifecycle_stage(
    G: nx.MultiDiGraph, party: str, *, as_of: dt.date | str, rules: LifecycleRules = LifecycleRules()
) -> LifecycleResult:
    """Infer a party's lifecycle stage as of a date (rules in the module docstring).

    Examples
    --------
    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("a", "party", {}), NodeRecord("i1", "interaction", {"kind": "meeting",
    ...                  "date": "2025-10-01", "party_id": "a"})], [])
    >>> lifecycle_stage(G, "a", as_of="2026-01-01").stage
    'acquisition'

    References
    ----------
    .. [1] Kotler, P., Keller, K. L. Marketing Management (customer lifecycle); shared/reference/domain.md.
    """
    require_node(G, party)
    day = to_date(as_of)
    # relationships of the party with counterparties
    rels = [d for _, _, d in G.out_edges(party, data=True) if d.get("kind") in STRUCTURAL_KINDS]
    rels += [d for _, _, d in G.in_edges(party, data=True) if d.get("kind") in STRUCTURAL_KINDS]
    rels = [d for d in rels if _started(d, day)]
    active = [d for d in rels if not _ended(d, day)]
    ended = [d for d in rels if _ended(d, day)]
    revenue = [d for d in active if d.get("kind") in REVENUE_KINDS]
    dates = sorted(_interaction_dates(G, party, day))
    first = dates[0] if dates else None
    last = dates[-1] if dates else None
    since = None if last is None else (day - last).days
    trend, source = _trend(G, party, day, rules)

    def result(stage: str | None, rule: str, reason: str) -> LifecycleResult:
        stamp = Stamp("lifecycle_stage", "ordered rules", {"as_of": day.isoformat(), **asdict(rules)},
                      graph_version(G), REFERENCES_LIFECYCLE)
        stated = G.nodes[party].get("lifecycle_stage")
        return LifecycleResult(party, name_of(G, party), day.isoformat(), stage, rule, reason, trend, source,
                               None if first is None else first.isoformat(),
                               None if last is None else last.isoformat(), since, len(active), len(ended),
                               None if stated is None else str(stated), stamp)

    if not rels and not dates:
        return result(None, "no_data", "no relationships or interactions")
    if rels and not active:
        return result("churn", "all_ended", f"all {len(ended)} relationship(s) ended")
    if since is not None and since > rules.churn_days:
        return result("churn", "silent", f"no interaction for {since} days (> {rules.churn_days})")
    if not revenue:
        if first is not None and (day - first).days <= rules.acquisition_days:
            return result("acquisition", "new_no_revenue",
                          f"first interaction {(day - first).days} days ago, no revenue relationship yet")
        return result("acquisition", "no_revenue", "no revenue relationship yet")
    if trend is not None:
        if trend > rules.trend_tolerance_pct:
            return result("development", "rising", f"{source} trend {trend:+.1f}% > +{rules.trend_tolerance_pct:g}%")
        if trend < -rules.trend_tolerance_pct:
            return result("decline", "falling", f"{source} trend {trend:+.1f}% < -{rules.trend_tolerance_pct:g}%")
        return result("maturity", "stable", f"{source} trend {trend:+.1f}% within ±{rules.trend_tolerance_pct:g}%")
    starts = [s for d in active if (s := maybe_date(d.get("start_date"))) is not None]
    if starts and (day - min(starts)).days <= rules.development_days:
        return result("development", "young", f"oldest relationship started {(day - min(starts)).days} days ago")
    return result("maturity", "established", "no trend data; established relationships")


@dataclass(frozen=True)
class StageCount:
    """How many parties are in one lifecycle stage."""

    stage: str
    parties: int


@dataclass(frozen=True)
class LifecycleBook:
    """Every organisation's lifecycle stage as of one date, with the count per stage."""

    as_of: str
    stages: tuple[StageCount, ...]
    parties: tuple[LifecycleResult, ...]
    stamp: Stamp


def lifecycle_book(
    G: nx.MultiDiGraph, *, as_of: dt.date | str, rules: LifecycleRules = LifecycleRules()
) -> LifecycleBook:
    """:func:`lifecycle_stage` of every organisation (parties that are not persons), id order.

    Examples
    --------
    >>> G = nx.MultiDiGraph(); G.add_node("a", type="party", kind="company")
    >>> b = lifecycle_book(G, as_of="2026-06-30")
    >>> [(s.stage, s.parties) for s in b.stages]
    [('unknown', 1)]
    """
    day = to_date(as_of)
    parties = sorted(n for n, d in G.nodes(data=True) if d.get("type") == "party" and d.get("kind") != "person")
    rows = tuple(lifecycle_stage(G, p, as_of=day, rules=rules) for p in parties)
    counts = Counter(r.stage or "unknown" for r in rows)
    stages = tuple(StageCount(s, n) for s, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    stamp = Stamp("lifecycle_book", "rule-based lifecycle stage of every organisation",
                  {"as_of": day.isoformat(), **asdict(rules)}, graph_version(G), REFERENCES_LIFECYCLE)
    return LifecycleBook(day.isoformat(), stages, rows, stamp)


def _interaction_dates(G: nx.MultiDiGraph, party: str, day: dt.date) -> set[dt.date]:
    out: set[dt.date] = set()
    involved = {u for u, _, d in G.in_edges(party, data=True) if d.get("kind") == "involves"}
    for n, d in G.nodes(data=True):
        if d.get("type") != "interaction":
            continue
        if n in involved or d.get("party_id") == party or d.get("counterparty_id") == party:
            when = maybe_date(d.get("date"))
            if when is not None and when <= day:
                out.add(when)
    return out


def _trend(G: nx.MultiDiGraph, party: str, day: dt.date, rules: LifecycleRules) -> tuple[float | None, str | None]:
    start = day - dt.timedelta(days=rules.trend_window_days)
    values = []
    for _, d in G.nodes(data=True):
        if d.get("type") == "signal" and d.get("kind") == "order_volume_change" and d.get("party_id") == party:
            when = maybe_date(d.get("date"))
            v = number(d.get("value"))
            if when is not None and start < when <= day and v is not None:
                values.append(v)
    if values:
        return sum(values) / len(values), "order_volume_change"
    edges = [d for _, _, d in G.out_edges(party, data=True) if d.get("kind") == "buys_from"]
    edges += [d for _, _, d in G.in_edges(party, data=True) if d.get("kind") == "buys_from"]
    edges = [d for d in edges if number(d.get("annual_revenue")) is not None]
    if not edges:
        return None, None
    money = money_context(G, day)  # both sums at the as-of date's rates (a rate move is no trend)
    now = sum(money.of(d, "annual_revenue") or 0.0 for d in edges if _active_at(d, day, day))
    then = sum(money.of(d, "annual_revenue") or 0.0 for d in edges if _active_at(d, start, day))
    if then <= 0:
        return (100.0, "buys_from") if now > 0 else (None, None)
    return (now - then) / then * 100.0, "buys_from"


# -- segmentation -------------------------------------------------------------------

_IG = {"AAA", "AA", "A", "BBB", "AAA_M", "AA_M", "A_M", "BAA"}
_SPEC = {"BB", "B", "BA"}
_DISTRESSED = {"CCC", "CC", "C", "CAA", "CA", "D", "SD", "RD", "DDD", "DD"}


def rating_bucket(rating: Any) -> str:
    """``investment_grade``, ``speculative``, ``distressed`` or ``unrated`` (S&P/Fitch or Moody's).

    >>> [rating_bucket(r) for r in ("AA-", "Baa3", "BB+", "B2", "CCC", "Caa1", "D", None, "NR")]
    ['investment_grade', 'investment_grade', 'speculative', 'speculative', 'distressed', 'distressed', 'distressed', 'unrated', 'unrated']
    """
    if rating is None:
        return "unrated"
    base = re.sub(r"[\s+\-0-9()*]|\b(?:pos|neg|stable|watch|outlook)\b", "", str(rating), flags=re.I).upper()
    if base in _IG:
        return "investment_grade"
    if base in _SPEC:
        return "speculative"
    if base in _DISTRESSED:
        return "distressed"
    return "unrated"


@dataclass(frozen=True)
class SizeThresholds:
    """Upper bounds of the ``sme`` and ``mid`` segments, in the reporting currency."""

    assets_sme: float = 50e6
    assets_mid: float = 1e9
    revenue_sme: float = 20e6
    revenue_mid: float = 500e6


@dataclass(frozen=True)
class PartySegment:
    """One party's segments and where the size came from."""

    party: str
    name: str
    kind: str | None
    size: str
    size_source: str
    rating: str | None
    rating_bucket: str
    risk_appetite: str


@dataclass(frozen=True)
class SegmentationResult:
    """Every organisation's segments and the counts per segment."""

    parties: tuple[PartySegment, ...]
    size_counts: dict[str, int]
    rating_counts: dict[str, int]
    risk_appetite_counts: dict[str, int]
    thresholds: SizeThresholds
    stamp: Stamp


def _size(data: dict[str, Any], t: SizeThresholds, money: Money) -> tuple[str, str]:
    assets = money.of(data, "total_assets")
    if assets is not None:
        return ("sme" if assets < t.assets_sme else "mid" if assets < t.assets_mid else "large"), "total_assets"
    rev = money.of(data, "annual_revenue")
    if rev is not None:
        return ("sme" if rev < t.revenue_sme else "mid" if rev < t.revenue_mid else "large"), "annual_revenue"
    stated = data.get("size_segment")
    if stated:
        return str(stated), "size_segment"
    return "unknown", "none"


def segmentation(G: nx.MultiDiGraph, *, thresholds: SizeThresholds = SizeThresholds()) -> SegmentationResult:
    """Segment every organisation (persons excluded) by size, credit-rating bucket and risk appetite.

    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord
    >>> G = to_networkx([NodeRecord("a", "party", {"total_assets": 1e6, "credit_rating": "BB"})], [])
    >>> s = segmentation(G).parties[0]
    >>> s.size, s.rating_bucket, s.risk_appetite
    ('sme', 'speculative', 'unknown')
    """
    rows = []
    money = money_context(G)  # sizes in the reporting currency, like the thresholds
    for n, d in G.nodes(data=True):
        if d.get("type") != "party" or d.get("kind") == "person":
            continue
        size, source = _size(d, thresholds, money)
        rating = d.get("credit_rating")
        rows.append(PartySegment(str(n), name_of(G, n), d.get("kind"), size, source,
                                 None if rating is None else str(rating), rating_bucket(rating),
                                 str(d.get("risk_appetite") or "unknown")))
    rows.sort(key=lambda r: r.party)
    stamp = Stamp("segmentation", "thresholds on total_assets/annual_revenue; rating scale buckets",
                  {**asdict(thresholds), **money_stamp(G)}, graph_version(G), "Basel/S&P/Moody's rating scales (investment grade >= BBB-/Baa3)")
    return SegmentationResult(tuple(rows), dict(Counter(r.size for r in rows)),
                              dict(Counter(r.rating_bucket for r in rows)),
                              dict(Counter(r.risk_appetite for r in rows)), thresholds, stamp)


# -- communities -------------------------------------------------------------------------


@dataclass(frozen=True)
class Community:
    """One community: its members (ids sorted) and how many are parties and projects."""

    id: int
    size: int
    members: tuple[str, ...]
    parties: int
    projects: int


@dataclass(frozen=True)
class CommunitiesResult:
    """Louvain communities, largest first, and the partition's modularity."""

    communities: tuple[Community, ...]
    modularity: float
    seed: int
    isolated: int
    stamp: Stamp

    def community_of(self, node: str) -> int:
        """The id of ``node``'s community."""
        for c in self.communities:
            if node in c.members:
                return c.id
        raise KeyError(node)


def communities(G: nx.MultiDiGraph, seed: int = 0, *, resolution: float = 1.0,
                weighted: bool = False) -> CommunitiesResult:
    """Louvain communities of the undirected party/project structure graph.

    Parameters
    ----------
    G : nx.MultiDiGraph
    seed : int
        Seed of Louvain's random node order (same seed, same partition).
    resolution : float
        Louvain resolution γ (> 1 favours smaller communities).
    weighted : bool
        Weigh ties by their summed declared weights (``strength``); default unweighted,
        so that one large loan does not dominate.

    Isolated nodes (no structural relationship) are left out and counted in ``isolated``.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> for a, b in [("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z"), ("x", "z"), ("c", "x")]:
    ...     _ = G.add_edge(a, b, kind="partner_of")
    >>> nx.set_node_attributes(G, "party", "type")
    >>> r = communities(G, seed=1)
    >>> [c.members for c in r.communities], round(r.modularity, 4)
    ([('a', 'b', 'c'), ('x', 'y', 'z')], 0.3571)

    References
    ----------
    .. [1] Blondel, V. D. et al. (2008). Fast unfolding of communities in large networks. J. Stat. Mech. P10008.
    .. [2] Newman, M. E. J. (2006). Modularity and community structure in networks. PNAS 103(23):8577–8582.
    """
    if resolution <= 0:
        raise ValidationError(f"resolution must be > 0, not {resolution}", field="resolution", value=resolution)
    H = structural_graph(G)
    isolated = [n for n in H if H.degree(n) == 0]
    H.remove_nodes_from(isolated)
    weight = "strength" if weighted else None
    parts = nx.community.louvain_communities(H, weight=weight, resolution=resolution, seed=seed) if len(H) else []
    q = float(nx.community.modularity(H, parts, weight=weight, resolution=resolution)) if H.number_of_edges() else 0.0
    ordered = sorted((tuple(sorted(map(str, p))) for p in parts), key=lambda m: (-len(m), m))
    comms = tuple(Community(i, len(m), m, sum(1 for x in m if G.nodes[x].get("type") == "party"),
                            sum(1 for x in m if G.nodes[x].get("type") == "project")) for i, m in enumerate(ordered))
    stamp = Stamp("communities", "louvain (networkx), modularity Newman 2006",
                  {"seed": seed, "resolution": resolution, "weighted": weighted}, graph_version(G),
                  REFERENCES_COMMUNITIES)
    return CommunitiesResult(comms, q, seed, len(isolated), stamp)
