"""Analytics fields generated from the analysis catalogue (:mod:`stakegraph.analyses`).

One field per analysis, named ``Analysis.graphql_name`` (``removal-impact`` → ``removalImpact``).
Its arguments come from the analysis's :class:`~stakegraph.analyses.Param` declarations (camelCase,
described, defaults shown); every value goes through the catalogue's ``parse_params``, so a bound,
a default or an error message exists once for the CLI, the pages and GraphQL. The field answers a
typed ``<Name>Answer`` (:mod:`stakegraph.web.results`): the parameters as data, one stamp, and the
result — the same numbers as ``stakegraph analyze NAME --json``. Answers are cached per graph version
and parameters by the :class:`~stakegraph.workspace.Workspace`; one graph-version read per request.
"""

from __future__ import annotations

import inspect
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from stakegraph.analyses import CATALOGUE, Analysis, Param
from stakegraph.errors import Invalid
from stakegraph.web.context import Context
from stakegraph.web.enums import RelationshipKind
from stakegraph.web.results import Stamp, answer_type, selection_for, to_view

__all__ = ["AnalyticsQuery", "ShockInput", "ShockKind", "Stamp", "choice_enum", "selection_for", "shock_text"]


@strawberry.enum(description="Kind of contagion shock.")
class ShockKind(Enum):
    DEFAULT = "default"
    EQUITY_LOSS = "equity_loss"
    RELATIONSHIP_ENDS = "relationship_ends"
    TARGET_MISSED = "target_missed"


@strawberry.input(description="One shock: a party defaults / loses a fraction of equity / misses bet-on targets, "
                              "or a relationship ends. The same shocks as the text grammar of the CLI and URLs "
                              "(ID, default:ID, loss:ID:FRACTION, ends:EDGE_ID, missed:ID).")
class ShockInput:
    kind: ShockKind
    party: strawberry.ID | None = strawberry.field(default=None, description="The party (every kind but "
                                                                            "RELATIONSHIP_ENDS).")
    fraction: float | None = strawberry.field(default=None, description="EQUITY_LOSS: fraction of capital lost "
                                                                        "(0-1).")
    relationship_id: strawberry.ID | None = strawberry.field(default=None,
                                                             description="RELATIONSHIP_ENDS: the edge id.")


_SHOCK_HEAD = {ShockKind.DEFAULT: "default", ShockKind.TARGET_MISSED: "missed", ShockKind.EQUITY_LOSS: "loss",
               ShockKind.RELATIONSHIP_ENDS: "ends"}


def shock_text(s: ShockInput) -> str:
    """The text form of one shock input (``default:ID``, ``loss:ID:0.3`` …), parsed by the catalogue."""
    if s.kind is ShockKind.RELATIONSHIP_ENDS:
        if not s.relationship_id:
            raise Invalid("RELATIONSHIP_ENDS needs relationshipId", field="shocks.relationshipId",
                          fix="give the id of the relationship that ends")
        target = str(s.relationship_id)
    else:
        if not s.party:
            raise Invalid(f"{s.kind.name} needs party", field="shocks.party", fix="give a party id")
        target = str(s.party)
    if "," in target:
        raise Invalid(f"shock target {target[:40]!r} contains a comma", field="shocks",
                      fix="ids in shocks cannot contain commas")
    if s.kind is ShockKind.EQUITY_LOSS:
        if s.fraction is None:
            raise Invalid("EQUITY_LOSS needs fraction", field="shocks.fraction", fix="e.g. fraction: 0.3")
        return f"loss:{target}:{s.fraction!r}"
    return f"{_SHOCK_HEAD[s.kind]}:{target}"


# --- enums of choice parameters ----------------------------------------------------------------

_CHOICE_ENUMS: dict[tuple[str, ...], Any] = {}


def _pascal(text: str) -> str:
    return "".join(w[:1].upper() + w[1:] for w in text.replace("-", "_").split("_"))


def choice_enum(analysis: Analysis, p: Param) -> Any:
    """The GraphQL enum of a choice parameter: one per set of choices, named after the first analysis
    and parameter that declare it (``ContagionMethod``, ``ConcentrationDirection`` …)."""
    if p.choices not in _CHOICE_ENUMS:
        name = _pascal(analysis.name) + _pascal(p.name)
        py = Enum(name, {c.upper(): c for c in p.choices}, type=str)  # type: ignore[misc]
        _CHOICE_ENUMS[p.choices] = strawberry.enum(py, description=f"{p.help} (`{analysis.name}`)")
    return _CHOICE_ENUMS[p.choices]


# --- arguments ---------------------------------------------------------------------------------


def _argument_type(analysis: Analysis, p: Param) -> tuple[Any, Any]:
    """The Python annotation (before nullability) and the GraphQL default of one parameter."""
    default = p.default
    if p.kind == "kinds":
        members = list(RelationshipKind)
        by_value = {m.value: m for m in members}
        return list[RelationshipKind], (tuple(by_value[k] for k in default) if default else None)
    if p.kind == "choice":
        enum_cls = choice_enum(analysis, p)
        return enum_cls, (enum_cls(default) if default is not None else None)
    if p.kind == "shocks":
        return list[ShockInput], None
    if p.kind == "node":
        return strawberry.ID, default
    scalar = {"int": int, "float": float, "bool": bool, "text": str, "date": str}[p.kind]
    return scalar, default


def _parameters(analysis: Analysis) -> list[inspect.Parameter]:
    out = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
           inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Info[Context, None])]
    for p in sorted(analysis.params, key=lambda p: not p.required):
        base, default = _argument_type(analysis, p)
        help_ = p.help.replace(" (comma-separated)", "") + (" ISO date yyyy-mm-dd." if p.kind == "date" else "")
        if p.kind == "shocks":
            help_ = "Shocks of the scenario (the CLI's ID, default:ID, loss:ID:0.3, ends:EDGE_ID, missed:ID)."
        if p.minimum is not None or p.maximum is not None:
            lo = "" if p.minimum is None else f"{p.minimum:g}"
            hi = "" if p.maximum is None else f"{p.maximum:g}"
            help_ += f" Range {lo or '-inf'}…{hi or 'inf'}."
        arg = strawberry.argument(name=p.camel, description=help_)
        if p.required:
            out.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[base, arg]))
        else:
            out.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY,
                                         default=strawberry.UNSET if default is None else default,
                                         annotation=Annotated[base | None, arg]))
    return out


def _raw(analysis: Analysis, kwargs: dict[str, Any]) -> dict[str, Any]:
    """GraphQL argument values as the catalogue reads them (shock inputs in their text form)."""
    raw: dict[str, Any] = {}
    for p in analysis.params:
        v = kwargs.get(p.name)
        if v is None or v is strawberry.UNSET:
            continue
        raw[p.name] = [shock_text(s) for s in v] if p.kind == "shocks" else v
    return raw


def _resolver(analysis: Analysis) -> Any:
    async def resolve(self: Any, info: Info[Context, None], **kwargs: Any) -> Any:
        ctx = info.context
        version = await ctx.version()
        answer = await ctx.state.run(analysis.name, _raw(analysis, kwargs), version)
        return to_view(analysis, answer)

    resolve.__name__ = analysis.graphql_name
    resolve.__qualname__ = f"AnalyticsQuery.{analysis.graphql_name}"
    ret = answer_type(analysis)
    resolve.__signature__ = inspect.Signature(_parameters(analysis), return_annotation=ret)  # type: ignore[attr-defined]
    resolve.__annotations__ = {p.name: p.annotation for p in _parameters(analysis)[1:]} | {"return": ret}
    return resolve


def _description(analysis: Analysis) -> str:
    return f"{analysis.help} CLI: `stakegraph analyze {analysis.name}`" + (
        f", e.g. `{analysis.example}`." if analysis.example else ".")


def _query_class() -> type:
    body: dict[str, Any] = {"__module__": __name__, "__doc__": "The analytics fields, one per catalogue analysis."}
    for analysis in CATALOGUE.values():
        body[analysis.graphql_name] = strawberry.field(resolver=_resolver(analysis), name=analysis.graphql_name,
                                                       description=_description(analysis))
    return strawberry.type(type("AnalyticsQuery", (), body))


if TYPE_CHECKING:
    class AnalyticsQuery:
        """The analytics fields, one per catalogue analysis."""
else:
    AnalyticsQuery = _query_class()
