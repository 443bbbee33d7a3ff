"""Build the GraphQL schema with the limits of the settings (depth, aliases, tokens, cost, timeout)."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionResult

from api.limits import cost_limiter, error_policy
from api.mutation import Mutation
from api.query import Query
from api.types import NODE_CLASSES
from graph.settings import Mode, Settings

log = logging.getLogger("stakegraph.api")


class LimitedSchema(strawberry.Schema):
    """A schema whose ``execute`` is cancelled after ``timeout_s`` seconds."""

    timeout_s: float = 10.0

    async def execute(self, query: str | None, *args: Any, **kwargs: Any) -> ExecutionResult:  # type: ignore[override]
        try:
            return await asyncio.wait_for(super().execute(query, *args, **kwargs), self.timeout_s)
        except TimeoutError:
            ctx = kwargs.get("context_value")
            rid = getattr(ctx, "request_id", "-")
            log.warning("request cancelled after %ss (request id %s)", self.timeout_s, rid)
            return ExecutionResult(data=None, errors=[GraphQLError(
                f"the request ran longer than the {self.timeout_s:g} s limit (STAKEGRAPH_RESOLVER_TIMEOUT_S) "
                f"and was cancelled (request id {rid}); ask for less: smaller pages, fewer hops",
                extensions={"code": "TIMEOUT", "requestId": rid},
            )])


def _query_type() -> type:
    """The Query root, with the analytics fields mixed in when their modules are present."""
    try:
        from api.analytics import AnalyticsQuery
    except ImportError:  # pragma: no cover - analytics modules not installed
        return Query

    @strawberry.type(name="Query", description="Read the stakeholder graph and its analytics.")
    class FullQuery(AnalyticsQuery, Query):
        pass

    return FullQuery


def build_schema(settings: Settings | None = None) -> LimitedSchema:
    """The schema for ``settings`` (defaults: development limits).

    Extensions are passed as classes or factories (one instance per request).
    """
    s = settings or Settings()  # type: ignore[call-arg]
    production = s.mode is Mode.PRODUCTION
    extensions: list[type[SchemaExtension] | Any] = [
        functools.partial(QueryDepthLimiter, max_depth=s.max_depth),
        functools.partial(MaxAliasesLimiter, max_alias_count=s.max_aliases),
        functools.partial(MaxTokensLimiter, max_token_count=s.max_tokens),
        cost_limiter(s.max_cost),
        error_policy(production=production),
    ]
    if production:
        extensions.append(DisableIntrospection)
    schema = LimitedSchema(
        query=_query_type(),
        mutation=Mutation,
        types=list(NODE_CLASSES),
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production),
    )
    schema.timeout_s = s.resolver_timeout_s
    return schema
