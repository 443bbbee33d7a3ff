"""Build the GraphQL schema with the limits of the settings (depth, aliases, tokens, cost, timeout)."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from stakegraph.errors import StakegraphError, StoreUnavailable
from stakegraph.settings import Mode, Settings
from stakegraph.web.limits import cost_limiter, error_policy, operation_recorder, store_unavailable
from stakegraph.web.mutation import Mutation
from stakegraph.web.objects import NODE_CLASSES
from stakegraph.web.query import Query
from stakegraph.web.response_cache import ResponseCache, cache_key

log = logging.getLogger("stakegraph.api")
_CACHE_SIZE = 256  # distinct query texts kept parsed and validated


class LimitedSchema(strawberry.Schema):
    """A schema whose ``execute`` is cancelled after ``timeout_s`` seconds."""

    timeout_s: float = 10.0

    async def execute(self, query: str | None, *args: Any, **kwargs: Any) -> ExecutionResult:  # type: ignore[override]
        try:
            return await asyncio.wait_for(self._cached_execute(query, *args, **kwargs), self.timeout_s)
        except TimeoutError:
            ctx = kwargs.get("context_value")
            rid = getattr(ctx, "request_id", "-")
            log.warning("request cancelled after %ss (request id %s)", self.timeout_s, rid)
            return ExecutionResult(data=None, errors=[GraphQLError(
                f"the request ran longer than the {self.timeout_s:g} s limit (STAKEGRAPH_RESOLVER_TIMEOUT_S) "
                f"and was cancelled (request id {rid}); ask for less: smaller pages, fewer hops",
                extensions={"code": "TIMEOUT", "requestId": rid},
            )])


    async def _cached_execute(self, query: str | None, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Answer a read query from the per-graph-version response cache when possible."""
        ctx = kwargs.get("context_value")
        cache: ResponseCache | None = getattr(getattr(ctx, "state", None), "responses", None)
        if args or cache is None or cache.size <= 0 or not query or ctx is None:
            return await super().execute(query, *args, **kwargs)
        key = cache_key(ctx.role, query, kwargs.get("variable_values"), kwargs.get("operation_name"))
        if key is None:
            return await super().execute(query, *args, **kwargs)
        try:
            version = await ctx.call(ctx.store.graph_version)
        except StoreUnavailable as e:
            # the store did not answer within its retry window: say so now (executing would
            # wait for that window a second time and outlast the request limit)
            log.warning("store unavailable", extra={"request_id": ctx.request_id, "error": str(e)})
            return ExecutionResult(data=None, errors=[store_unavailable(ctx.request_id)])
        except StakegraphError:
            # another store failure: execute normally, the resolvers answer with the typed error
            return await super().execute(query, *args, **kwargs)
        hit = cache.get(version, key)
        if hit is not None:
            return hit
        result = await super().execute(query, *args, **kwargs)
        if ctx.operation_type is OperationType.QUERY and not result.errors:
            try:
                same = await ctx.call(ctx.store.graph_version) == version
            except StakegraphError:
                same = False
            if same:
                cache.put(version, key, result)
        return result


def _query_type() -> type:
    """The Query root, with the analytics fields mixed in when their modules are present."""
    try:
        from stakegraph.web.analytics import AnalyticsQuery
    except ImportError:  # pragma: no cover - analytics modules not installed
        return Query

    @strawberry.type(name="Query", description="Read the stakeholder graph and its analytics.")
    class FullQuery(AnalyticsQuery, Query):
        pass

    return FullQuery


def _limit_rules(s: Settings) -> list[Any]:
    """The validation rules of the depth and alias limits (strawberry's own), built once."""
    return [
        *QueryDepthLimiter(max_depth=s.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=s.max_aliases).validation_rules,
    ]


def build_schema(settings: Settings | None = None) -> LimitedSchema:
    """The schema for ``settings`` (defaults: development limits).

    Extensions are passed as classes or factories (one instance per request).
    """
    s = settings or Settings()  # type: ignore[call-arg]
    production = s.mode is Mode.PRODUCTION
    extensions: list[type[SchemaExtension] | Any] = [
        # one fresh extension per request, but the depth/alias rule classes are built once here:
        # the ValidationCache below is keyed by the rule classes, so it hits across requests
        functools.partial(AddValidationRules, _limit_rules(s)),
        functools.partial(MaxTokensLimiter, max_token_count=s.max_tokens),
        cost_limiter(s.max_cost),
        error_policy(production=production),
        operation_recorder(),
        # a repeated query text skips parsing and validation (bounded LRUs, so distinct texts
        # from clients cannot grow memory). Depth/alias/token limits are part of parsing and
        # validation; a refused text is refused again from the cache.
        functools.partial(ParserCache, maxsize=_CACHE_SIZE),
        functools.partial(ValidationCache, maxsize=_CACHE_SIZE),
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
