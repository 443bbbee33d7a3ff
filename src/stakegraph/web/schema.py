"""Build the GraphQL schema with the limits of the settings (depth, aliases, tokens, cost, timeout).

Parsing and validation run in a small worker pool (not on the event loop), under the request
deadline, after a linear size check, with a CPU budget; their results are kept in a bounded LRU.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import strawberry
from graphql import DocumentNode, GraphQLError, validate
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionResult
from strawberry.types.execution import ExecutionContext, PreExecutionError
from strawberry.types.graphql import OperationType

from stakegraph.errors import StakegraphError, StoreUnavailable
from stakegraph.settings import Mode, Settings
from stakegraph.web import plain_resolvers
from stakegraph.web.documents import detach, lighten, parse_light, skeleton, unlink
from stakegraph.web.flat_execution import FlatExecutionContext
from stakegraph.web.limits import (
    DEFAULT_VALIDATION_BUDGET_S,
    alias_rule,
    budget_rule,
    check_document_size,
    cost_limiter,
    depth_rule,
    error_policy,
    operation_recorder,
    store_unavailable,
)
from stakegraph.web.mutation import Mutation
from stakegraph.web.objects import NODE_CLASSES
from stakegraph.web.query import Query
from stakegraph.web.response_cache import ResponseCache, cache_key

log = logging.getLogger("stakegraph.api")
_CACHE_SIZE = 256  # distinct query texts kept parsed and validated
_CACHE_MAX_CHARS = 20_000  # longer texts are not kept (the cache's memory stays bounded)
_Prepared = tuple[DocumentNode | None, list[GraphQLError]]


def _with_code(error: GraphQLError) -> GraphQLError:
    """graphql-core's "Validation aborted." (too many errors, fragments nested too deeply) with a code."""
    if isinstance(error, ValidationAbortedError) and not error.extensions:
        return GraphQLError(f"{error.message} The document has too many errors or nests fragments too "
                            "deeply; send a smaller query", extensions={"code": "LIMIT_EXCEEDED"})
    return error


class _Preparer:
    """Parse + size check + validation of one query text, cached; run in a worker thread."""

    def __init__(self, max_selections: int, budget_s: float, limit_rules: tuple[Any, ...] = (),
                 workers: int = 1) -> None:
        self.max_selections = max_selections
        self.budget = budget_rule(budget_s)
        self.limit_rules = limit_rules
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stakegraph-validate")
        self._cache: OrderedDict[Any, _Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def prepare(self, schema: Any, query: str, rules: tuple[Any, ...], parse_options: dict[str, Any]) -> _Prepared:
        key = (query, rules, tuple(sorted(parse_options.items())))
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        document = parse_light(query, **parse_options)
        found: _Prepared = (None, [document]) if isinstance(document, GraphQLError) else \
            self._check(schema, document, rules)
        if len(query) <= _CACHE_MAX_CHARS:
            with self._lock:
                self._cache[key] = found
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return found

    def _check(self, schema: Any, document: DocumentNode, rules: tuple[Any, ...]) -> _Prepared:
        """The parsed ``document`` checked: lightened when valid; when refused, only its skeleton and
        its errors without nodes (see :mod:`stakegraph.web.documents`: the garbage collector's cost)."""
        try:
            check_document_size(document, self.max_selections)
        except GraphQLError as e:
            unlink(document)  # dropped here: breaking the token cycle is enough
            return None, [detach(e)]
        # the limits first, alone: they are linear; the standard rules run only on documents
        # within them (some standard rules are quadratic in the selections sharing a name)
        errors = validate(schema, document, (self.budget, *self.limit_rules))
        if not errors:
            rest = tuple(r for r in rules if r not in self.limit_rules)
            errors = validate_document(schema, document, (self.budget, *rest))
        if not errors:
            return lighten(document), []
        refused = [detach(_with_code(e)) for e in errors]
        unlink(document)  # dropped here (only its skeleton is kept): breaking the token cycle is enough
        return skeleton(document), refused


class LimitedSchema(strawberry.Schema):
    """A schema whose ``execute`` is cancelled after ``timeout_s`` seconds."""

    timeout_s: float = 10.0
    preparer: _Preparer = _Preparer(1000, DEFAULT_VALIDATION_BUDGET_S)  # replaced by build_schema

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Log errors: a refused document (no exception behind it: the client's doing) as one short
        INFO line without the document, so hostile traffic cannot flood the log or hold the event
        loop formatting it; anything else as strawberry does (ERROR with the traceback)."""
        own = [e for e in errors if e.original_error is not None]
        for e in errors:
            if e.original_error is None:
                log.info("refused: %s", e.message.splitlines()[0][:200] if e.message else "-")
        if own:
            super().process_errors(own, execution_context)

    async def _prepare_operation_async(self, context: ExecutionContext, extensions_runner: Any) -> Any:
        """Parse and validate in the worker pool (the request deadline applies), then let strawberry
        go on: it skips parsing when the document is set and validation when the errors are."""
        if context.query and context.graphql_document is None:
            loop = asyncio.get_running_loop()
            document, errors = await loop.run_in_executor(
                self.preparer.pool, self.preparer.prepare, self._schema, context.query,
                tuple(context.validation_rules), dict(context.parse_options))
            if document is None:
                context.pre_execution_errors = errors
                return PreExecutionError(data=None, errors=errors)
            context.graphql_document = document
            context.pre_execution_errors = errors
        return await super()._prepare_operation_async(context, extensions_runner)

    async def execute(self, query: str | None, *args: Any, **kwargs: Any) -> ExecutionResult:  # type: ignore[override]
        try:
            return await asyncio.wait_for(self._cached_execute(query, *args, **kwargs), self.timeout_s)
        except TimeoutError:
            ctx = kwargs.get("context_value")
            rid = getattr(ctx, "request_id", "-")
            if await _store_down(ctx):
                log.warning("request cancelled after %ss, the store does not answer (request id %s)",
                            self.timeout_s, rid)
                return ExecutionResult(data=None, errors=[store_unavailable(rid)])
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
        workspace = getattr(ctx.state, "workspace", None)
        stale_before = getattr(workspace, "stale_served", 0)
        result = await super().execute(query, *args, **kwargs)
        # an answer from the previous version while the projection was rebuilt is never cached under
        # the new version (any stale answer served meanwhile skips the cache: conservative)
        fresh = getattr(workspace, "stale_served", 0) == stale_before
        if ctx.operation_type is OperationType.QUERY and not result.errors and fresh:
            try:
                same = await ctx.call(ctx.store.graph_version) == version
            except StakegraphError:
                same = False
            if same:
                cache.put(version, key, result)
        return result


async def _store_down(ctx: Any, wait_s: float = 1.0) -> bool:
    """After a timeout: does the store still answer a ping within ``wait_s``? If not, the store was
    the cause and the client gets ``STORE_UNAVAILABLE`` (retry later), not ``TIMEOUT`` (ask for less)."""
    store = getattr(getattr(ctx, "state", None), "store", None)
    if store is None:
        return False
    try:
        return not await asyncio.wait_for(asyncio.to_thread(store.ping), wait_s)
    except Exception:  # noqa: BLE001 - a ping failing in any way means the store is down
        return True


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
    """The validation rules of the depth and alias limits (each fragment visited once), built once."""
    return [depth_rule(s.max_depth), alias_rule(s.max_aliases)]


def build_schema(settings: Settings | None = None) -> LimitedSchema:
    """The schema for ``settings`` (defaults: development limits).

    Extensions are passed as classes or factories (one instance per request).
    """
    s = settings or Settings()  # type: ignore[call-arg]
    production = s.mode is Mode.PRODUCTION
    limit_rules = _limit_rules(s)
    extensions: list[type[SchemaExtension] | Any] = [
        # one fresh extension per request, but the depth/alias rule classes are built once here:
        # the prepared-document cache (_Preparer) is keyed by the rule classes, so it hits across
        # requests; a refused text is refused again from the cache
        functools.partial(AddValidationRules, limit_rules),
        functools.partial(MaxTokensLimiter, max_token_count=s.max_tokens),
        cost_limiter(s.max_cost, s.validation_budget_s),
        error_policy(production=production),
        operation_recorder(),
    ]
    if production:
        extensions.append(DisableIntrospection)
    schema = LimitedSchema(
        query=_query_type(),
        mutation=Mutation,
        types=list(NODE_CLASSES),
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production),
        execution_context_class=FlatExecutionContext,
    )
    plain_resolvers.install(schema._schema)  # hot per-row fields skip strawberry's per-field machinery
    schema.timeout_s = s.resolver_timeout_s
    schema.preparer = _Preparer(s.max_selections, s.validation_budget_s, tuple(limit_rules))
    return schema
