"""Contract-aware loss propagation and contagion paths on the projection.

A deterministic, round-by-round stress test in the spirit of the threshold
cascade (Gai & Kapadia 2010) that reads the *contract terms* on the graph.
Every party has a capital buffer (``capital``, else ``tier1_capital``); it
accumulates **losses** (value destroyed) and **calls** (cash that falls due at
once: an accelerated loan, a bet-on buy-back). A party **defaults** when
``loss + called >= capital`` (assumption: nobody refinances during the cascade,
so what falls due is paid from the buffer). A party without known capital
takes losses but never defaults (load its capital to include it).

Rules, each a documented assumption with its source:

1. **Loan loss** — when a borrower defaults, each lender loses
   ``amount × (1 − recovery_rate)`` of its ``lends_to`` edge (``recovery_default``
   where the edge has none). Gai & Kapadia (2010); Basel LGD.
2. **Guarantee call** — a guarantor of the defaulted obligor (``guarantees``
   edge) is called for ``min(cap, uncovered loss)`` where cap =
   ``guarantee_cap`` (edge, else the edge's contract, else ``amount``); the call
   is the guarantor's loss and relieves the guaranteed lenders pro rata (only
   the loans sharing the guarantee's ``contract_id`` when it names one). A
   defaulted guarantor pays nothing.
3. **Equity** — equity investors (``invests_in``) are marked down with the
   investee's relative equity loss h = min(1, loss / capital), increment by
   increment (the equity valuation of DebtRank, Battiston et al. 2012); at
   default they lose the whole ``amount`` (equity is junior, recovers nothing).
4. **Cross-default** — when a loan is recalled or accelerated
   (``RelationshipEnds`` on a ``lends_to`` edge), its principal falls due; every
   other loan of the same borrower whose ``cross_default_threshold`` (edge, else
   its contract) is *below* the borrower's debt in default (all principal
   accelerated so far) is accelerated too, in the same round, repeatedly (LMA
   cross-default clause). Once the borrower defaults outright, every loan is in
   default anyway (insolvency is an event of default in standard loan
   agreements), so the clause adds nothing there.
5. **Bet-on** (valuation-adjustment) — when an investee misses its target
   (``TargetMissed`` shock) or its relative loss h reaches ``bet_on_trigger``,
   each ``invests_in`` edge into it with a ``bet_on_buyback`` (edge, else its
   contract) makes the buy-back fall due to the investee (a call).
6. **Revenue loss** — a relationship that ends (a customer or offtaker leaves,
   or a defaulted party stops buying) costs the seller ``annual_revenue ×
   revenue_margin``; ``revenue_margin = 1`` (default) counts a whole year of
   sales against capital (worst case); pass a contribution margin (e.g. 0.3)
   for a milder view. ``buys_from`` customer → seller and ``supplies`` supplier
   → buyer both carry the seller's annual revenue.

Losses reach a party one round after the default that caused them; shocks are
round 0. Every transmission is a :class:`Step` naming the relationship (edge
id, kind) or clause and the amount; each step lists the steps that caused it,
so the path(s) that carried a loss are read back to the shock.

Money — every amount, cap, threshold, buy-back, revenue and capital is read in the reporting
currency at the FX rates of the graph's as-of date (:func:`stakegraph.measures.money_context`; a
missing rate raises :class:`stakegraph.errors.MissingRate`, never 1:1); the stamps say the currency.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from stakegraph.analytics.exposure import capital_of
from stakegraph.analytics.selection import is_active, name_of, number, require_node
from stakegraph.analytics.stamp import Stamp, graph_version
from stakegraph.errors import NotFound, ValidationError
from stakegraph.measures import money_context, money_of_edge, money_stamp

REFERENCES = (
    "Gai & Kapadia (2010), Proc. R. Soc. A 466:2401-2423 (threshold default, LGD); Battiston et al. (2012), "
    "Sci. Rep. 2:541 (equity valuation by relative equity loss); LMA facility agreement (cross-default, "
    "acceleration); Yen (1971) k shortest simple paths via networkx.shortest_simple_paths"
)
_EPS = 1e-9

#: Kinds whose source is affected as a financier/builder of a project when it is hit.
PROJECT_KINDS: tuple[str, ...] = ("lends_to", "invests_in", "sponsors", "guarantees", "insures", "builds",
                                  "operates", "offtakes", "supplies", "partner_of")


@dataclass(frozen=True)
class PartyDefault:
    """Shock: the party (or project) defaults at round 0 (text form ``default:ID``)."""

    party: str

    def __str__(self) -> str:
        return f"default:{self.party}"


@dataclass(frozen=True)
class EquityLoss:
    """Shock: the party loses ``fraction`` (0–1) of its capital at round 0 (``loss:PARTY:FRACTION``)."""

    party: str
    fraction: float

    def __str__(self) -> str:
        return f"loss:{self.party}:{self.fraction:g}"


@dataclass(frozen=True)
class RelationshipEnds:
    """Shock: the relationship ends — a loan is recalled, a customer or offtaker leaves (``ends:EDGE_ID``)."""

    edge_id: str

    def __str__(self) -> str:
        return f"ends:{self.edge_id}"


@dataclass(frozen=True)
class TargetMissed:
    """Shock: the investee misses its bet-on targets; its buy-backs fall due (``missed:ID``)."""

    party: str

    def __str__(self) -> str:
        return f"missed:{self.party}"


Shock = PartyDefault | EquityLoss | RelationshipEnds | TargetMissed


@dataclass(frozen=True)
class Step:
    """One transmission: ``source`` passes ``amount`` to ``target`` in ``round``.

    ``clause`` is one of ``shock``, ``loan_loss``, ``guarantee_call``,
    ``equity_loss``, ``recall``, ``cross_default``, ``bet_on``,
    ``revenue_loss``; ``effect`` is ``loss`` or ``call`` (cash due);
    ``causes`` index the steps (in ``PropagationResult.steps``) that led to it.
    """

    index: int
    round: int
    source: str
    target: str
    edge_id: str | None
    kind: str | None
    clause: str
    amount: float
    effect: str
    causes: tuple[int, ...]
    note: str = ""


@dataclass(frozen=True)
class PartyImpact:
    """What one party took: losses, calls, relative loss ``h`` (None without capital), default."""

    party: str
    name: str
    type: str
    capital: float | None
    loss: float
    called: float
    h: float | None
    defaulted: bool
    default_round: int | None
    first_round: int
    revenue_lost: float
    paths: tuple[tuple[Step, ...], ...]


@dataclass(frozen=True)
class ProjectImpact:
    """A project financed, built, run or bought from by affected parties."""

    project: str
    name: str
    parties: tuple[str, ...]
    defaulted_parties: tuple[str, ...]
    kinds: tuple[str, ...]
    revenue_lost: float


@dataclass(frozen=True)
class PropagationResult:
    """Per-party impacts (largest loss first), system loss, defaults by round, projects, all steps.

    ``converged`` is False when ``rounds`` ran out while losses were still moving.
    """

    shocks: tuple[Shock, ...]
    parties: tuple[PartyImpact, ...]
    system_loss: float
    system_called: float
    defaults: tuple[str, ...]
    default_rounds: tuple[tuple[str, ...], ...]
    rounds: int
    projects: tuple[ProjectImpact, ...]
    steps: tuple[Step, ...]
    missing_capital: tuple[str, ...]
    converged: bool
    stamp: Stamp

    def party(self, party: str) -> PartyImpact:
        """The impact on ``party``; ``NotFound`` when it was not affected."""
        for p in self.parties:
            if p.party == party:
                return p
        raise NotFound(f"{party!r} was not affected by this scenario")


class _EdgeLookup:
    """Edge id -> (source, target, data): the edges the engine has met, else (once) every edge of the graph.

    Building the full index costs a pass over all edges; a scenario that only walks the edges of the
    parties it reaches never needs it.
    """

    def __init__(self, G: nx.MultiDiGraph) -> None:
        self.G = G
        self.known: dict[str, tuple[str, str, dict[str, Any]]] = {}
        self.complete = False

    def add(self, key: str, u: str, v: str, data: dict[str, Any]) -> None:
        self.known[key] = (u, v, data)

    def _fill(self) -> None:
        if not self.complete:
            self.known = {str(k): (u, v, d) for u, v, k, d in self.G.edges(keys=True, data=True)}
            self.complete = True

    def __getitem__(self, key: str) -> tuple[str, str, dict[str, Any]]:
        if key not in self.known:
            self._fill()
        return self.known[key]

    def __contains__(self, key: object) -> bool:
        if key not in self.known:
            self._fill()
        return key in self.known


class _Engine:
    def __init__(self, G: nx.MultiDiGraph, recovery_default: float, revenue_margin: float,
                 bet_on_trigger: float | None, max_paths: int) -> None:
        self.G = G
        self.recovery_default = recovery_default
        self.revenue_margin = revenue_margin
        self.bet_on_trigger = bet_on_trigger
        self.max_paths = max_paths
        self.loss: dict[str, float] = defaultdict(float)
        self.called: dict[str, float] = defaultdict(float)
        self.revenue_lost: dict[str, float] = defaultdict(float)
        self.first_round: dict[str, int] = {}
        self.default_round: dict[str, int] = {}
        self.steps: list[Step] = []
        self.into: dict[str, list[int]] = defaultdict(list)
        self.accelerated: set[str] = set()
        self.ended: set[str] = set()
        self.bet_on_done: set[str] = set()
        self.equity_marked: dict[str, float] = defaultdict(float)  # investee -> h already passed on
        self.edges = _EdgeLookup(G)
        self.money = money_context(G)  # every amount in the reporting currency

    def amount(self, data: dict[str, Any], prop: str = "amount") -> float | None:
        """A money property of an edge or node, in the reporting currency."""
        return self.money.of(data, prop)

    # -- helpers -----------------------------------------------------------
    def cap(self, node: str) -> float | None:
        return capital_of(self.G.nodes[node], self.money)

    def h(self, node: str) -> float | None:
        c = self.cap(node)
        if node in self.default_round:
            return 1.0
        if c is None:
            return None
        if c <= 0:
            return 1.0 if self.loss[node] > 0 else 0.0
        return min(1.0, self.loss[node] / c)

    def contract_value(self, data: dict[str, Any], prop: str) -> float | None:
        v = self.money.of(data, prop)
        cid = data.get("contract_id")
        if v is None and cid and cid in self.G:
            v = self.money.of(self.G.nodes[cid], prop)
        return v

    def add(self, rnd: int, source: str, target: str, edge: str | None, kind: str | None, clause: str,
            amount: float, effect: str, causes: Iterable[int], note: str = "") -> int:
        i = len(self.steps)
        self.steps.append(Step(i, rnd, source, target, edge, kind, clause, float(amount), effect,
                               tuple(sorted(set(causes))), note))
        self.into[target].append(i)
        self.first_round.setdefault(target, rnd)
        if effect == "loss":
            self.loss[target] += amount
        else:
            self.called[target] += amount
        return i

    def causes_of(self, node: str, before: int) -> list[int]:
        """Steps into ``node`` before round ``before``; zero-amount triggers already behind another are dropped."""
        cands = [i for i in self.into[node] if self.steps[i].round < before or self.steps[i].clause == "shock"]
        behind = {c for i in cands for c in self.steps[i].causes}
        return [i for i in cands if not (i in behind and self.steps[i].amount <= _EPS)]

    def active_edges(self, node: str, kinds: Sequence[str], direction: str) -> list[tuple[str, str, str, dict]]:
        it = (self.G.in_edges(node, keys=True, data=True) if direction == "in"
              else self.G.out_edges(node, keys=True, data=True))
        out = [(u, v, str(k), d) for u, v, k, d in it
               if d.get("kind") in kinds and is_active(d) and str(k) not in self.ended]
        for u, v, k, d in out:
            self.edges.add(k, u, v, d)
        return out

    # -- rules -------------------------------------------------------------
    def end_relationship(self, rnd: int, edge: str, causes: list[int]) -> None:
        u, v, d = self.edges[edge]
        if edge in self.ended:
            return
        kind = str(d.get("kind"))
        if kind == "lends_to":  # a recalled loan is still owed: it falls due, it does not vanish
            self.accelerate(rnd, edge, causes, clause="recall")
            return
        self.ended.add(edge)
        if kind in ("buys_from", "offtakes", "supplies"):
            self.revenue(rnd, edge, causes)

    def revenue(self, rnd: int, edge: str, causes: list[int]) -> None:
        u, v, d = self.edges[edge]
        kind = str(d.get("kind"))
        seller, buyer = (u, v) if kind == "supplies" else (v, u)
        rev = self.amount(d, "annual_revenue")
        if rev is None or rev <= 0:
            return
        self.revenue_lost[seller] += rev
        self.add(rnd, buyer, seller, edge, kind, "revenue_loss", rev * self.revenue_margin, "loss", causes,
                 f"annual revenue {rev:g} x margin {self.revenue_margin:g}")

    def accelerate(self, rnd: int, edge: str, causes: list[int], clause: str) -> None:
        lender, borrower, d = self.edges[edge]
        if edge in self.accelerated or borrower in self.default_round:
            return
        amount = self.amount(d) or 0.0
        self.accelerated.add(edge)
        i = self.add(rnd, lender, borrower, edge, "lends_to", clause, amount, "call", causes,
                     "principal falls due at once")
        in_default = sum(self.amount(self.edges[e][2]) or 0.0
                         for e in self.accelerated if self.edges[e][1] == borrower)
        for source, _, key, data in self.G.in_edges(borrower, keys=True, data=True):
            key = str(key)
            if data.get("kind") != "lends_to" or key in self.accelerated or not is_active(data):
                continue
            threshold = self.contract_value(data, "cross_default_threshold")
            if threshold is not None and threshold < in_default:
                self.edges.add(key, source, borrower, data)
                self.accelerate(rnd, key, [i], clause="cross_default")

    def default(self, rnd: int, d: str) -> None:
        """Effects of ``d``'s default (declared in round ``rnd - 1``) landing in round ``rnd``."""
        causes = self.causes_of(d, rnd)
        loans = [(lender, key, data) for lender, _, key, data in self.active_edges(d, ("lends_to",), "in")]
        lgd: dict[str, float] = {}
        for lender, key, data in loans:
            amount = self.amount(data)
            if amount is None or lender == d:
                continue
            rr = number(data.get("recovery_rate"))
            lgd[key] = amount * (1.0 - (self.recovery_default if rr is None else rr))
        relief: dict[str, float] = defaultdict(float)
        for guarantor, _, gkey, gdata in self.active_edges(d, ("guarantees",), "in"):
            if guarantor in self.default_round or guarantor == d:
                continue
            cap = self.contract_value(gdata, "guarantee_cap")
            cap = self.amount(gdata) if cap is None else cap
            cid = gdata.get("contract_id")
            covered = [k for k in lgd if cid and self.edges[k][2].get("contract_id") == cid] or list(lgd)
            open_loss = {k: lgd[k] - relief[k] for k in covered if lgd[k] - relief[k] > _EPS}
            total_open = sum(open_loss.values())
            call = total_open if cap is None else min(cap, total_open)
            if call <= _EPS:
                continue
            for k, x in open_loss.items():
                relief[k] += call * x / total_open
            self.add(rnd, d, guarantor, gkey, "guarantees", "guarantee_call", call, "loss", causes,
                     f"cap {cap:g}" if cap is not None else "no cap")
        for lender, key, _ in loans:
            if key not in lgd:
                continue
            net = lgd[key] - relief[key]
            note = f"loss given default {lgd[key]:g}" + (f", guarantee relief {relief[key]:g}" if relief[key] else "")
            if net > _EPS:
                self.add(rnd, d, lender, key, "lends_to", "loan_loss", net, "loss", causes, note)
        for investor, _, key, data in self.active_edges(d, ("invests_in",), "in"):
            amount = self.amount(data)
            rest = (amount or 0.0) * (1.0 - self.equity_marked[d])
            if rest > _EPS and investor != d:
                self.add(rnd, d, investor, key, "invests_in", "equity_loss", rest, "loss", causes,
                         "equity written off")
        self.equity_marked[d] = 1.0
        for _, _, key, _ in self.active_edges(d, ("buys_from", "offtakes"), "out"):
            self.ended.add(key)
            self.revenue(rnd, key, causes)
        for _, _, key, _ in self.active_edges(d, ("supplies",), "in"):
            self.ended.add(key)
            self.revenue(rnd, key, causes)

    def mark_equity(self, rnd: int, d: str) -> bool:
        h = self.h(d)
        if h is None or d in self.default_round or h <= self.equity_marked[d] + _EPS:
            return False
        delta = h - self.equity_marked[d]
        self.equity_marked[d] = h
        causes = self.causes_of(d, rnd)
        moved = False
        for investor, _, key, data in self.active_edges(d, ("invests_in",), "in"):
            amount = self.amount(data)
            if amount and investor != d:
                self.add(rnd, d, investor, key, "invests_in", "equity_loss", amount * delta, "loss", causes,
                         f"marked down by {delta:.4g} of its value (investee's relative equity loss)")
                moved = True
        return moved

    def bet_on(self, rnd: int, investee: str, causes: list[int], why: str) -> bool:
        moved = False
        for investor, _, key, data in self.active_edges(investee, ("invests_in",), "in"):
            buyback = self.contract_value(data, "bet_on_buyback")
            if buyback is None or buyback <= 0 or key in self.bet_on_done:
                continue
            self.bet_on_done.add(key)
            self.add(rnd, investor, investee, key, "invests_in", "bet_on", buyback, "call", causes,
                     f"buy-back owed ({why})")
            moved = True
        return moved

    def settle(self, rnd: int) -> list[str]:
        new = []
        for node in list(self.first_round):
            if node in self.default_round:
                continue
            c = self.cap(node)
            strain = self.loss[node] + self.called[node]
            if c is not None and strain > _EPS and strain >= c - _EPS:
                self.default_round[node] = rnd
                new.append(node)
        return sorted(new)

    # -- paths ---------------------------------------------------------------
    def paths_to(self, node: str) -> tuple[tuple[Step, ...], ...]:
        found: list[tuple[Step, ...]] = []
        heads = sorted(self.into[node], key=lambda i: -self.steps[i].amount)

        def walk(i: int, tail: tuple[Step, ...], seen: frozenset[int]) -> None:
            if len(found) >= self.max_paths:
                return
            s = self.steps[i]
            path = (s, *tail)
            causes = [c for c in s.causes if c not in seen]
            if not causes:
                found.append(path)
                return
            for c in sorted(causes, key=lambda c: -self.steps[c].amount):
                walk(c, path, seen | {c})

        for head in heads:
            walk(head, (), frozenset({head}))
        return tuple(found)


def _check_shocks(G: nx.MultiDiGraph, shocks: Sequence[Shock], edges: _EdgeLookup | None = None) -> None:
    edge_ids = _EdgeLookup(G) if edges is None else edges
    for s in shocks:
        if isinstance(s, RelationshipEnds):
            if s.edge_id not in edge_ids:
                raise NotFound(f"no relationship with id {s.edge_id!r}; pass an edge id of the graph")
        elif isinstance(s, PartyDefault | EquityLoss | TargetMissed):
            require_node(G, s.party)
            if isinstance(s, EquityLoss):
                if not 0 <= s.fraction <= 1:
                    raise ValidationError(f"equity loss fraction must be 0..1, not {s.fraction}", field="fraction",
                                          value=s.fraction, fix="0.3 = the party loses 30% of its capital")
                if capital_of(G.nodes[s.party], money_context(G)) is None:
                    raise ValidationError(f"{s.party!r} has no capital, so a fractional equity loss is undefined",
                                          field="capital", fix="load the party's capital (or tier1_capital)")
        else:
            raise ValidationError(f"unknown shock {s!r}", field="shocks",
                                  fix="use PartyDefault, EquityLoss, RelationshipEnds or TargetMissed")


def propagate(
    G: nx.MultiDiGraph,
    shocks: Sequence[Shock],
    *,
    rounds: int = 50,
    recovery_default: float = 0.4,
    revenue_margin: float = 1.0,
    bet_on_trigger: float | None = 0.5,
    max_paths: int = 3,
) -> PropagationResult:
    """Propagate shocks through loans, guarantees, equity, cross-default, bet-on and revenue.

    Parameters
    ----------
    G : nx.MultiDiGraph
        The projection.
    shocks : sequence of PartyDefault, EquityLoss, RelationshipEnds, TargetMissed
    rounds : int
        Maximum number of rounds after the shocks.
    recovery_default : float
        Recovery rate of loans without ``recovery_rate`` (0.4 ≈ senior unsecured, Basel F-IRB LGD 45%).
    revenue_margin : float
        Share of a lost customer's annual revenue that is lost against capital (1 = all of it).
    bet_on_trigger : float or None
        Relative equity loss of an investee at which its bet-on buy-backs fall due (None: only ``TargetMissed``).
    max_paths : int
        Paths kept per affected party.

    Returns
    -------
    PropagationResult

    Examples
    --------
    B Bank recalls A Co.'s loan; A Co. cannot pay it from its capital and
    defaults; B Bank loses 60% of the principal:

    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b_bank", "party", {"capital": 1000.0}),
    ...                  NodeRecord("a_co", "party", {"capital": 100.0})],
    ...                 [EdgeRecord("loan", "lends_to", "b_bank", "a_co", {"amount": 500.0})])
    >>> r = propagate(G, [RelationshipEnds("loan")])
    >>> r.defaults, r.party("b_bank").loss
    (('a_co',), 300.0)

    References
    ----------
    .. [1] Gai, P., Kapadia, S. (2010). Contagion in financial networks. Proc. R. Soc. A 466:2401–2423.
    .. [2] Battiston, S. et al. (2012). DebtRank: Too Central to Fail? Sci. Rep. 2:541.
    .. [3] Loan Market Association, Senior Multicurrency Term and Revolving Facilities Agreement
       (events of default: cross-default, acceleration).
    """
    for name, x in (("recovery_default", recovery_default), ("revenue_margin", revenue_margin)):
        if not 0 <= x <= 1:
            raise ValidationError(f"{name} must be within 0..1, not {x}", field=name, value=x)
    shocks = tuple(shocks)
    eng = _Engine(G, recovery_default, revenue_margin, bet_on_trigger, max_paths)
    _check_shocks(G, shocks, eng.edges)
    for s in shocks:
        if isinstance(s, PartyDefault):
            c = eng.cap(s.party)
            eng.add(0, s.party, s.party, None, None, "shock", c or 0.0, "loss", (), "defaults")
            eng.default_round[s.party] = 0
        elif isinstance(s, EquityLoss):
            c = eng.cap(s.party) or 0.0
            eng.add(0, s.party, s.party, None, None, "shock", s.fraction * c, "loss", (),
                    f"loses {s.fraction:.4g} of its capital")
        elif isinstance(s, RelationshipEnds):
            u, v, d = eng.edges[s.edge_id]
            i = eng.add(0, u, v, s.edge_id, str(d.get("kind")), "shock", 0.0, "loss", (), "relationship ends")
            eng.end_relationship(0, s.edge_id, [i])
        elif isinstance(s, TargetMissed):
            i = eng.add(0, s.party, s.party, None, None, "shock", 0.0, "loss", (), "misses its bet-on targets")
            eng.bet_on(0, s.party, [i], "target missed")
    waves: list[tuple[str, ...]] = [tuple(sorted(n for n, r in eng.default_round.items() if r == 0))]
    waves[0] = tuple(sorted(set(waves[0]) | set(eng.settle(0))))
    last = 0
    converged = False
    for rnd in range(1, rounds + 1):
        before = len(eng.steps)
        for defaulter in waves[-1]:
            eng.default(rnd, defaulter)
        for node in sorted(eng.first_round):
            eng.mark_equity(rnd, node)
            h = eng.h(node)
            if (eng.bet_on_trigger is not None and h is not None and node not in eng.default_round
                    and h >= eng.bet_on_trigger):
                eng.bet_on(rnd, node, eng.causes_of(node, rnd), f"relative loss {h:.2f} >= {eng.bet_on_trigger:g}")
        new = eng.settle(rnd)
        waves.append(tuple(new))
        if len(eng.steps) == before and not new:
            waves.pop()
            converged = True
            break
        last = rnd
    return _result(G, eng, shocks, waves, last, converged, dict(rounds=rounds, recovery_default=recovery_default,
                                                      revenue_margin=revenue_margin, bet_on_trigger=bet_on_trigger,
                                                      max_paths=max_paths))


def _result(G: nx.MultiDiGraph, eng: _Engine, shocks: tuple[Shock, ...], waves: list[tuple[str, ...]],
            last: int, converged: bool, params: dict[str, Any]) -> PropagationResult:
    impacts = []
    for node in eng.first_round:
        impacts.append(PartyImpact(
            node, name_of(G, node), str(G.nodes[node].get("type")), eng.cap(node), eng.loss[node],
            eng.called[node], eng.h(node), node in eng.default_round, eng.default_round.get(node),
            eng.first_round[node], eng.revenue_lost[node], eng.paths_to(node)))
    impacts.sort(key=lambda p: (-(p.loss + p.called), p.party))
    affected = {p.party for p in impacts if p.loss > _EPS or p.called > _EPS or p.defaulted}
    by_project: dict[str, dict[str, Any]] = {}
    for party in affected:
        for _, proj, data in G.out_edges(party, data=True):
            kind = data.get("kind")
            if G.nodes[proj].get("type") == "project" and kind in PROJECT_KINDS:
                rec = by_project.setdefault(proj, {"parties": set(), "kinds": set()})
                rec["parties"].add(party)
                rec["kinds"].add(kind)
    for proj in (n for n in eng.revenue_lost if G.nodes[n].get("type") == "project"):
        by_project.setdefault(proj, {"parties": set(), "kinds": set()})
    projects = tuple(sorted(
        (ProjectImpact(p, name_of(G, p), tuple(sorted(r["parties"])),
                       tuple(sorted(x for x in r["parties"] if x in eng.default_round)), tuple(sorted(r["kinds"])),
                       eng.revenue_lost.get(p, 0.0)) for p, r in by_project.items()),
        key=lambda x: (-len(x.defaulted_parties), -len(x.parties), x.project)))
    missing = tuple(sorted(n for n in eng.first_round if eng.cap(n) is None and G.nodes[n].get("type") == "party"))
    stamp = Stamp("contract_propagation", "threshold rounds with contract clauses",
                  {**params, "shocks": [str(s) for s in shocks], **money_stamp(G)}, graph_version(G), REFERENCES)
    return PropagationResult(
        shocks, tuple(impacts), sum(p.loss for p in impacts if p.type == "party"),
        sum(p.called for p in impacts), tuple(sorted(eng.default_round)), tuple(waves), last, projects,
        tuple(eng.steps), missing, converged, stamp)


# -- k most damaging paths ----------------------------------------------------------


@dataclass(frozen=True)
class PathLink:
    """One hop of a damaging path: ``source``'s default costs ``target`` ``exposure`` (``factor`` of its capital)."""

    source: str
    target: str
    edges: tuple[str, ...]
    kinds: tuple[str, ...]
    exposure: float
    factor: float


@dataclass(frozen=True)
class DamagingPath:
    """A simple path with its transmission: the product of the hop factors (1 = a certain default chain)."""

    nodes: tuple[str, ...]
    links: tuple[PathLink, ...]
    transmission: float


@dataclass(frozen=True)
class DamagingPaths:
    """The k most damaging paths from ``source`` to ``target``, most damaging first."""

    source: str
    target: str
    k: int
    paths: tuple[DamagingPath, ...]
    stamp: Stamp


def loss_flow_graph(G: nx.MultiDiGraph, *, recovery_default: float = 0.4, revenue_margin: float = 1.0) -> nx.DiGraph:
    """A DiGraph where an edge u → v means u's default costs v ``exposure``; ``factor`` = min(1, exposure / capital_v).

    Loss flows against ``lends_to``/``invests_in``/``guarantees`` (borrower → lender,
    investee → investor, obligor → guarantor) and from a customer to its seller
    (``buys_from`` source → target, ``supplies`` target → source). Parallel
    relationships add up. A target without known capital gets factor 1
    (nothing bounds its loss). ``cost`` = −log(factor).

    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord("b", "party", {"capital": 10.0}), NodeRecord("a", "party", {})],
    ...                 [EdgeRecord("l", "lends_to", "b", "a", {"amount": 10.0, "recovery_rate": 0.5})])
    >>> F = loss_flow_graph(G)
    >>> F["a"]["b"]["exposure"], F["a"]["b"]["factor"]
    (5.0, 0.5)
    """
    F = nx.DiGraph()
    F.add_nodes_from(n for n, t in G.nodes(data="type") if t in ("party", "project"))
    money = money_context(G)  # exposures and capital in the reporting currency
    for u, v, key, data in G.edges(keys=True, data=True):
        if u == v or u not in F or v not in F or not is_active(data):
            continue
        kind = data.get("kind")
        x: float | None = None
        src, dst = v, u
        if kind == "lends_to":
            a = money.of(data, "amount")
            rr = number(data.get("recovery_rate"))
            x = None if a is None else a * (1.0 - (recovery_default if rr is None else rr))
        elif kind == "invests_in":
            x = money.of(data, "amount")
        elif kind == "guarantees":
            x = money_of_edge(data, money=money)
        elif kind in ("buys_from", "offtakes"):
            rev = money.of(data, "annual_revenue")
            x, src, dst = (None if rev is None else rev * revenue_margin), u, v
        elif kind == "supplies":
            rev = money.of(data, "annual_revenue")
            x, src, dst = (None if rev is None else rev * revenue_margin), v, u
        if x is None or x <= 0:
            continue
        if F.has_edge(src, dst):
            F[src][dst]["exposure"] += x
            F[src][dst]["edges"].append(str(key))
            F[src][dst]["kinds"].append(str(kind))
        else:
            F.add_edge(src, dst, exposure=x, edges=[str(key)], kinds=[str(kind)])
    for _, dst, attrs in F.edges(data=True):
        c = capital_of(G.nodes[dst], money)
        attrs["factor"] = 1.0 if c is None or c <= 0 else min(1.0, attrs["exposure"] / c)
        attrs["cost"] = -math.log(attrs["factor"])
    return F


def k_damaging_paths(
    G: nx.MultiDiGraph,
    source: str,
    target: str,
    k: int = 3,
    *,
    recovery_default: float = 0.4,
    revenue_margin: float = 1.0,
) -> DamagingPaths:
    """The ``k`` simple paths from ``source`` to ``target`` that transmit the most loss.

    A hop's factor is the DebtRank impact min(1, exposure / capital) (Battiston
    et al. 2012) on :func:`loss_flow_graph`; a path's transmission is the product
    of its factors, so the most damaging paths are the shortest under
    ``cost = −log(factor)``, enumerated in order by Yen's algorithm
    (``networkx.shortest_simple_paths``). Factors of 1 cost 0, so ties are broken
    by NetworkX's order.

    Examples
    --------
    >>> from stakegraph.store.base import to_networkx
    >>> from stakegraph.model import NodeRecord, EdgeRecord
    >>> G = to_networkx([NodeRecord(n, "party", {"capital": 10.0}) for n in "abc"],
    ...                 [EdgeRecord("l1", "lends_to", "b", "a", {"amount": 10.0, "recovery_rate": 0.5}),
    ...                  EdgeRecord("l2", "lends_to", "c", "b", {"amount": 10.0, "recovery_rate": 0.0})])
    >>> p = k_damaging_paths(G, "a", "c", 2).paths
    >>> [x.nodes for x in p], p[0].transmission
    ([('a', 'b', 'c')], 0.5)

    References
    ----------
    .. [1] Yen, J. Y. (1971). Finding the k shortest loopless paths in a network. Management Science 17(11):712–716.
    .. [2] Battiston, S. et al. (2012). DebtRank: Too Central to Fail? Sci. Rep. 2:541.
    """
    if k < 1:
        raise ValidationError(f"k must be >= 1, not {k}", field="k", value=k, fix="e.g. k=3")
    require_node(G, source)
    require_node(G, target)
    F = loss_flow_graph(G, recovery_default=recovery_default, revenue_margin=revenue_margin)
    paths: list[DamagingPath] = []
    if source in F and target in F and source != target:
        try:
            for nodes in nx.shortest_simple_paths(F, source, target, weight="cost"):
                links = tuple(PathLink(a, b, tuple(F[a][b]["edges"]), tuple(F[a][b]["kinds"]),
                                       F[a][b]["exposure"], F[a][b]["factor"]) for a, b in zip(nodes, nodes[1:], strict=False))
                paths.append(DamagingPath(tuple(nodes), links, math.prod(x.factor for x in links)))
                if len(paths) >= k:
                    break
        except nx.NetworkXNoPath:
            pass
    stamp = Stamp("k_damaging_paths", "Yen k shortest simple paths on -log(min(1, exposure/capital))",
                  {"k": k, "recovery_default": recovery_default, "revenue_margin": revenue_margin,
                   **money_stamp(G)}, graph_version(G), REFERENCES)
    return DamagingPaths(source, target, k, tuple(paths), stamp)
