"""Analytics fields: the same functions, parameters and numbers as ``stakegraph analyze … --json``.

Each field returns an :class:`AnalyticsResult`: the typed stamp (algorithm, variant,
parameters, graph version, reference) and ``result``, exactly
``stakegraph.analytics.stamp.to_jsonable(result)`` — what the CLI prints with ``--json``.
Results are cached per graph version and parameters (``ApiState.cached``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from enum import Enum
from typing import Any

import networkx as nx
import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from stakegraph.analytics.stamp import to_jsonable
from stakegraph.errors import ValidationError
from stakegraph.web.context import Context
from stakegraph.web.enums import DirectionEnum, NodeTypeEnum, RelationshipKind, value


@strawberry.type(description="How an analytics result was computed and on which graph.")
class Stamp:
    algorithm: str
    variant: str
    parameters: JSON
    graph_version: str
    reference: str


@strawberry.type(description="An analytics result: its stamp and the full result (as `stakegraph analyze --json`).")
class AnalyticsResult:
    stamp: Stamp | None
    result: JSON


@strawberry.enum(description="Contagion model.")
class ContagionModel(Enum):
    CONTRACT = "contract"
    DEBTRANK = "debtrank"
    CASCADE = "cascade"
    CLEARING = "clearing"


@strawberry.enum(description="DebtRank variant.")
class DebtRankVariant(Enum):
    BATTISTON2012 = "battiston2012"
    BARDOSCIA2015 = "bardoscia2015"


@strawberry.enum(description="Counterparty aggregation for concentration.")
class LookThrough(Enum):
    OWNER = "owner"
    GROUP = "group"


@strawberry.enum(description="Kind of contagion shock.")
class ShockKind(Enum):
    DEFAULT = "default"
    EQUITY_LOSS = "equity_loss"
    RELATIONSHIP_ENDS = "relationship_ends"
    TARGET_MISSED = "target_missed"


@strawberry.input(description="One shock: a party defaults / loses a fraction of equity / misses bet-on targets, "
                              "or a relationship ends.")
class ShockInput:
    kind: ShockKind
    party: str | None = None
    fraction: float | None = strawberry.field(default=None, description="EQUITY_LOSS: fraction of capital lost.")
    relationship_id: str | None = strawberry.field(default=None, description="RELATIONSHIP_ENDS: the edge id.")


def _shock(s: ShockInput) -> Any:
    from stakegraph.analytics.propagation import (
        EquityLoss,
        PartyDefault,
        RelationshipEnds,
        TargetMissed,
    )

    if s.kind is ShockKind.RELATIONSHIP_ENDS:
        if not s.relationship_id:
            raise ValidationError("RELATIONSHIP_ENDS needs relationshipId", field="shocks.relationshipId",
                                  fix="give the id of the relationship that ends")
        return RelationshipEnds(s.relationship_id)
    if not s.party:
        raise ValidationError(f"{s.kind.name} needs party", field="shocks.party", fix="give a party id")
    if s.kind is ShockKind.DEFAULT:
        return PartyDefault(s.party)
    if s.kind is ShockKind.TARGET_MISSED:
        return TargetMissed(s.party)
    if s.fraction is None:
        raise ValidationError("EQUITY_LOSS needs fraction", field="shocks.fraction", fix="e.g. fraction: 0.3")
    return EquityLoss(s.party, s.fraction)


def _as_of(text: str | None) -> dt.date:
    from stakegraph.analytics.health import to_date

    return dt.date.today() if not text else to_date(text)


def _stamp_of(result: Any) -> Stamp | None:
    st = getattr(result, "stamp", None)
    if st is None and isinstance(result, list) and result:
        st = getattr(result[0], "stamp", None)
    if st is None:
        return None
    return Stamp(algorithm=st.algorithm, variant=st.variant, parameters=to_jsonable(st.parameters),
                 graph_version=st.graph_version, reference=st.reference)


async def _run(info: Info[Context, None], key: Hashable, compute: Callable[[nx.MultiDiGraph], Any]) -> AnalyticsResult:
    def jsonable(G: nx.MultiDiGraph) -> tuple[Stamp | None, Any]:
        r = compute(G)
        return _stamp_of(r), to_jsonable(r)

    stamp, data = await info.context.state.cached(key, jsonable)
    return AnalyticsResult(stamp=stamp, result=data)


def _kinds(kinds: list[RelationshipKind] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(str(value(k)) for k in kinds) if kinds else default


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(description="Concentration (shares, HHI, CR-k, DOJ/FTC bands) of one node, or of every node "
                                  "(portfolio view) when node is omitted. CLI: analyze concentration.")
    async def concentration(
        self, info: Info[Context, None], node: str | None = None,
        kinds: list[RelationshipKind] | None = None,
        direction: DirectionEnum = DirectionEnum.IN,  # type: ignore[attr-defined]
        weight: str | None = None, look_through: LookThrough | None = None, k: int = 5,
        total: float | None = None,
        node_type: NodeTypeEnum | None = NodeTypeEnum.PARTY,  # type: ignore[attr-defined]
        min_counterparties: int = 1,
    ) -> AnalyticsResult:
        from stakegraph.analytics.concentration import concentration, portfolio_concentration

        ks = _kinds(kinds, ("buys_from", "offtakes"))
        d, lt, nt = value(direction), value(look_through), value(node_type)
        if node is None:
            key: Hashable = ("portfolio_concentration", ks, d, weight, nt, min_counterparties, lt, k)
            return await _run(info, key, lambda G: portfolio_concentration(
                G, kinds=ks, direction=str(d), weight=weight, node_type=nt, min_counterparties=min_counterparties,
                look_through=lt, k=k))  # type: ignore[arg-type]
        key = ("concentration", node, ks, d, weight, lt, k, total)
        return await _run(info, key, lambda G: concentration(
            G, node, kinds=ks, direction=str(d), weight=weight, look_through=lt, k=k, total=total))  # type: ignore[arg-type]

    @strawberry.field(description="Providers ranked by stranded money × (1 − replaceability), with cut points. "
                                  "CLI: analyze dependencies.")
    async def central_dependencies(
        self, info: Info[Context, None], top: int = 20, kinds: list[RelationshipKind] | None = None,
    ) -> AnalyticsResult:
        from stakegraph.analytics import dependencies as dep

        ks = _kinds(kinds, ("lends_to", "builds", "offtakes", "buys_from"))
        return await _run(info, ("central_dependencies", top, ks),
                          lambda G: dep.central_dependencies(G, top=top, kinds=ks))

    @strawberry.field(description="Contagion from shocks: contract-aware propagation, DebtRank, threshold cascade, "
                                  "or Eisenberg–Noe clearing (no shocks). CLI: analyze contagion.")
    async def contagion(
        self, info: Info[Context, None], shocks: list[ShockInput] | None = None,
        model: ContagionModel = ContagionModel.CONTRACT,
        variant: DebtRankVariant = DebtRankVariant.BATTISTON2012,
        recovery: float = 0.4, margin: float = 1.0, rounds: int = 50,
    ) -> AnalyticsResult:
        parsed = tuple(_shock(s) for s in shocks or ())
        key = ("contagion", parsed, model.value, variant.value, recovery, margin, rounds)
        if model is ContagionModel.CLEARING:
            from stakegraph.analytics.clearing import clearing_graph

            return await _run(info, key, clearing_graph)
        if not parsed:
            raise ValidationError("no shock given", field="shocks",
                                  fix="give at least one shock, e.g. {kind: DEFAULT, party: \"a_co\"}")
        from stakegraph.analytics.propagation import EquityLoss, PartyDefault

        if model is ContagionModel.DEBTRANK:
            from stakegraph.analytics.debtrank import debtrank_graph

            h0: dict[str, float] = {}
            for s in parsed:
                if isinstance(s, PartyDefault):
                    h0[s.party] = 1.0
                elif isinstance(s, EquityLoss):
                    h0[s.party] = s.fraction
                else:
                    raise ValidationError("DebtRank takes DEFAULT and EQUITY_LOSS shocks only", field="model",
                                          fix="use model CONTRACT for relationship shocks")
            return await _run(info, key, lambda G: debtrank_graph(G, h0, variant=variant.value))  # type: ignore[arg-type]
        if model is ContagionModel.CASCADE:
            from stakegraph.analytics.cascade import threshold_cascade_graph

            if not all(isinstance(s, PartyDefault) for s in parsed):
                raise ValidationError("the threshold cascade takes DEFAULT shocks only", field="model",
                                      fix="use model CONTRACT for other shocks")
            return await _run(info, key, lambda G: threshold_cascade_graph(
                G, [s.party for s in parsed], recovery_default=recovery))
        from stakegraph.analytics.propagation import propagate

        return await _run(info, key, lambda G: propagate(
            G, list(parsed), rounds=rounds, recovery_default=recovery, revenue_margin=margin))

    @strawberry.field(description="Relationships scoring below the threshold (0–100), ranked, with reasons. "
                                  "CLI: analyze health.")
    async def relationship_alerts(
        self, info: Info[Context, None], as_of: str | None = None, threshold: float = 60.0,
    ) -> AnalyticsResult:
        from stakegraph.analytics.health import relationship_alerts

        day = _as_of(as_of)
        return await _run(info, ("relationship_alerts", day, threshold),
                          lambda G: relationship_alerts(G, as_of=day, threshold=threshold))

    @strawberry.field(description="Lifecycle stage of a party, or of every organisation when party is omitted. "
                                  "CLI: analyze lifecycle.")
    async def lifecycle(
        self, info: Info[Context, None], party: str | None = None, as_of: str | None = None,
    ) -> AnalyticsResult:
        from stakegraph.analytics import lifecycle as lc

        day = _as_of(as_of)
        if party:
            return await _run(info, ("lifecycle", party, day), lambda G: lc.lifecycle_stage(G, party, as_of=day))

        def every(G: nx.MultiDiGraph) -> list[Any]:
            parties = sorted(n for n, d in G.nodes(data=True) if d.get("type") == "party" and d.get("kind") != "person")
            return [lc.lifecycle_stage(G, p, as_of=day) for p in parties]

        return await _run(info, ("lifecycle", None, day), every)

    @strawberry.field(description="Groups of connected counterparties (Basel LEX10). CLI: analyze groups.")
    async def connected_groups(
        self, info: Info[Context, None], control_threshold: float = 50.0, interdependence_threshold: float = 50.0,
    ) -> AnalyticsResult:
        from stakegraph.analytics.groups import connected_groups

        return await _run(info, ("connected_groups", control_threshold, interdependence_threshold),
                          lambda G: connected_groups(G, control_threshold=control_threshold,
                                                     interdependence_threshold=interdependence_threshold))

    @strawberry.field(description="Large exposures of a lender vs its Tier 1 capital (Basel LEX). "
                                  "CLI: analyze exposures.")
    async def large_exposures(self, info: Info[Context, None], lender: str) -> AnalyticsResult:
        from stakegraph.analytics.groups import large_exposures

        return await _run(info, ("large_exposures", lender), lambda G: large_exposures(G, lender))

    @strawberry.field(description="Lender pairs by the projects they finance together. CLI: analyze cofinancing.")
    async def co_financing(
        self, info: Info[Context, None], kinds: list[RelationshipKind] | None = None, min_shared: int = 1,
    ) -> AnalyticsResult:
        from stakegraph.analytics.cofinancing import cofinancing

        ks = _kinds(kinds, ("lends_to",))
        return await _run(info, ("cofinancing", ks, min_shared),
                          lambda G: cofinancing(G, kinds=ks, min_shared=min_shared))
