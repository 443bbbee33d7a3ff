"""Request limits and error policy: cost limit, timeout, masking with request ids, no suggestions.

The depth and alias limits are validation rules written here (strawberry's own limiters
follow fragments once per path, so a few fragments that each spread the next one twice
expand exponentially); they visit each fragment once and share a CPU budget. The cost
limit and the error policy are schema extensions (passed to the schema as classes, one
instance per request).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    get_named_type,
    get_operation_ast,
    value_from_ast_untyped,
)
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql.language.visitor import SKIP
from graphql.validation.validate import ValidationAbortedError
from strawberry.extensions import SchemaExtension

from stakegraph.errors import (
    DepthLimitError,
    PageSizeError,
    StakegraphError,
    StoreError,
    StoreUnavailable,
)
from stakegraph.web.pagination import DEFAULT_PAGE, MAX_PAGE

log = logging.getLogger("stakegraph.api")
RETRY_AFTER_S = 5
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
_SIZE_ARGS = ("first", "limit", "k")
DEFAULT_VALIDATION_BUDGET_S = 0.5


#: Counts above this are reported as this (a fragment bomb's expanded size is astronomical).
_CAP = 10**12


class ValidationBudgetExceeded(ValidationAbortedError):
    """Validation used more CPU than its budget; the document is refused (code ``LIMIT_EXCEEDED``)."""


class _Budget:
    """A CPU-time budget of one validation (``time.thread_time``: the work of this thread only)."""

    __slots__ = ("budget_s", "deadline", "ticks")

    def __init__(self, budget_s: float) -> None:
        self.budget_s = budget_s
        self.deadline = time.thread_time() + budget_s
        self.ticks = 0

    def tick(self) -> None:
        self.ticks += 1
        if self.ticks & 63 == 0 and time.thread_time() > self.deadline:
            raise ValidationBudgetExceeded(
                f"validating the query took more than {self.budget_s:g} s of CPU "
                "(STAKEGRAPH_VALIDATION_BUDGET_S); send a smaller query with fewer fragments",
                extensions={"code": "LIMIT_EXCEEDED", "limit": "validation_budget_s"},
            )


class DocumentShape:
    """Depth and alias count of a document's operations, visiting each fragment once.

    Each fragment's height (nested field levels) and alias count are memoised, so a fragment
    spread many times (or fragments spreading each other twice, the "fragment bomb") costs one
    visit per spread, not one per expanded path. A fragment spreading itself (a cycle, refused by
    the standard rules) counts as empty here.
    """

    def __init__(self, document: DocumentNode, budget: _Budget) -> None:
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.budget = budget
        self._height: dict[str, int] = {}
        self._aliases: dict[str, int] = {}
        self._active: set[str] = set()

    def _fragment(self, name: str, memo: dict[str, int], fn: Any) -> int:
        if name in memo:
            return memo[name]
        frag = self.fragments.get(name)
        if frag is None or name in self._active:
            return 0
        self._active.add(name)
        try:
            memo[name] = value = fn(frag.selection_set)
        finally:
            self._active.discard(name)
        return value  # type: ignore[no-any-return]

    def height(self, sel: SelectionSetNode) -> int:
        """Nested field levels below ``sel`` (a leaf field is 1; introspection fields are not followed)."""
        best = 0
        for s in sel.selections:
            self.budget.tick()
            if isinstance(s, FieldNode):
                h = 1
                if s.selection_set is not None and not s.name.value.startswith("__"):
                    h += self.height(s.selection_set)
            elif isinstance(s, InlineFragmentNode):
                h = self.height(s.selection_set)
            elif isinstance(s, FragmentSpreadNode):
                h = self._fragment(s.name.value, self._height, self.height)
            else:
                h = 0
            best = max(best, h)
        return best

    def aliases(self, sel: SelectionSetNode) -> int:
        """Aliased fields below ``sel`` as the server would expand them (capped)."""
        total = 0
        for s in sel.selections:
            self.budget.tick()
            if isinstance(s, FieldNode):
                total += 1 if s.alias is not None else 0
                if s.selection_set is not None:
                    total += self.aliases(s.selection_set)
            elif isinstance(s, InlineFragmentNode):
                total += self.aliases(s.selection_set)
            elif isinstance(s, FragmentSpreadNode):
                total += self._fragment(s.name.value, self._aliases, self.aliases)
        return min(total, _CAP)


def _shape(context: ValidationContext) -> DocumentShape:
    """The one :class:`DocumentShape` of a validation run (shared by the depth and alias rules)."""
    shape = context.__dict__.get("_stakegraph_shape")
    if shape is None:
        budget = context.__dict__.get("_stakegraph_budget") or _Budget(DEFAULT_VALIDATION_BUDGET_S)
        shape = context.__dict__["_stakegraph_shape"] = DocumentShape(context.document, budget)
    return shape  # type: ignore[no-any-return]


def budget_rule(budget_s: float) -> type[ValidationRule]:
    """A rule (put it first) aborting validation once it used ``budget_s`` seconds of CPU."""

    class ValidationBudget(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.budget = context.__dict__["_stakegraph_budget"] = _Budget(budget_s)

        def enter(self, *_: Any) -> None:
            self.budget.tick()

    return ValidationBudget


def depth_rule(max_depth: int) -> type[ValidationRule]:
    """A rule refusing operations nesting fields more than ``max_depth`` levels below the root
    (code ``DEPTH_LIMIT``; fragments are followed, each computed once)."""

    class DepthLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> Any:
            depth = _shape(self.context).height(node.selection_set) - 1
            if depth > max_depth:
                name = node.name.value if node.name else "anonymous"
                self.report_error(GraphQLError(
                    f"'{name}' exceeds maximum operation depth of {max_depth}", node,
                    extensions={"code": DepthLimitError.graphql_code, "limit": max_depth},
                ))
            return SKIP

    return DepthLimit


def alias_rule(max_aliases: int) -> type[ValidationRule]:
    """A rule refusing documents with more than ``max_aliases`` aliased fields, counted as expanded
    through fragments (each fragment computed once)."""

    class AliasLimit(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            shape = _shape(self.context)
            total = sum(min(shape.aliases(d.selection_set), _CAP) for d in node.definitions
                        if isinstance(d, OperationDefinitionNode))
            if total > max_aliases:
                self.report_error(GraphQLError(f"{total} aliases found. Allowed: {max_aliases}",
                                               extensions={"code": "LIMIT_EXCEEDED", "limit": max_aliases}))

    return AliasLimit


#: Fields one selection set may hold under one response name (through fragments too).
MAX_SAME_NAME = 20


def check_document_size(document: DocumentNode, max_selections: int, max_same_name: int = MAX_SAME_NAME) -> None:
    """Refuse (``LIMIT_EXCEEDED``) a document too large for the standard validation rules.

    Checked before validation, in linear time: at most ``max_selections`` selections (fields,
    fragment spreads, inline fragments as written), and at most ``max_same_name`` fields under one
    response name in one selection set, counting the fields its fragments bring (each fragment
    counted once, memoised). The standard rule "overlapping fields can be merged" compares
    every pair of fields sharing a name, recursively, so both numbers bound its work.
    """
    count = 0
    stack: list[Any] = [d.selection_set for d in document.definitions
                        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)]
    while stack:
        sel = stack.pop()
        count += len(sel.selections)
        if count > max_selections:
            raise GraphQLError(
                f"the query has more than {max_selections} selections (STAKEGRAPH_MAX_SELECTIONS); "
                "split it into smaller queries",
                extensions={"code": "LIMIT_EXCEEDED", "limit": max_selections},
            )
        stack.extend(s.selection_set for s in sel.selections if getattr(s, "selection_set", None) is not None)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    memo: dict[str, Counter[str]] = {}
    active: set[str] = set()

    def names(sel: SelectionSetNode) -> Counter[str]:
        found: Counter[str] = Counter()
        spread: set[str] = set()
        for s in sel.selections:
            if isinstance(s, FieldNode):
                found[(s.alias or s.name).value] += 1
            elif isinstance(s, InlineFragmentNode):
                found.update(names(s.selection_set))
            elif isinstance(s, FragmentSpreadNode) and s.name.value not in spread:
                spread.add(s.name.value)
                found.update(fragment(s.name.value))
        for name, n in found.items():
            if n > max_same_name:
                raise GraphQLError(
                    f"one selection set asks for '{name}' {n} times (at most {max_same_name}, fragments "
                    "included); use aliases for different arguments, or split the query",
                    extensions={"code": "LIMIT_EXCEEDED", "limit": max_same_name},
                )
        return found

    def fragment(name: str) -> Counter[str]:
        if name not in memo:
            frag = fragments.get(name)
            if frag is None or name in active:
                return Counter()
            active.add(name)
            try:
                memo[name] = names(frag.selection_set)
            finally:
                active.discard(name)
        return memo[name]

    stack = [d.selection_set for d in document.definitions
             if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)]
    while stack:
        sel = stack.pop()
        names(sel)
        stack.extend(s.selection_set for s in sel.selections
                     if isinstance(s, FieldNode | InlineFragmentNode) and s.selection_set is not None)


def estimate_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None,
                  variables: dict[str, Any] | None, budget_s: float | None = None) -> int:
    """Estimated number of items a query can return: the sum, over every list field, of the
    product of its page size and the page sizes of the lists it is nested in.

    A list field's page size is its ``first`` / ``limit`` / ``k`` argument (default 20 for
    connections); fragments and inline fragments are followed. A ``first`` outside 1…100 raises
    :class:`stakegraph.errors.PageSizeError` (checked here, before any store call).

    The cost is linear in the multiplier of the enclosing lists, so each fragment is walked
    once (at multiplier 1) and its cost reused; the result is capped at 10**12.
    """
    op = get_operation_ast(document, operation_name)
    if op is None:
        return 0
    root = schema.get_root_type(op.operation)
    if root is None:
        return 0
    walker = _CostWalker(schema, document, variables or {}, _Budget(budget_s or DEFAULT_VALIDATION_BUDGET_S))
    return walker.walk(op.selection_set, root)


def _size(node: FieldNode, field_def: Any, variables: dict[str, Any]) -> int:
    args = {a.name.value: value_from_ast_untyped(a.value, variables) for a in node.arguments or ()}
    for name in _SIZE_ARGS:
        if name in field_def.args:
            given = args.get(name)
            if given is None:
                default = field_def.args[name].default_value
                given = default if isinstance(default, int) else DEFAULT_PAGE
            if not isinstance(given, int) or isinstance(given, bool):
                return DEFAULT_PAGE
            if name == "first" and not 1 <= given <= MAX_PAGE:
                raise PageSizeError(
                    f"{node.name.value}: first must be between 1 and {MAX_PAGE} (got {given}); "
                    "fetch more with after/offset"
                )
            return max(given, 1)
    return 1


class _CostWalker:
    """Cost at multiplier 1 of selection sets; fragments memoised (cost is linear in the multiplier)."""

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, variables: dict[str, Any],
                 budget: _Budget) -> None:
        self.schema = schema
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        self.variables = variables
        self.budget = budget
        self.memo: dict[str, int] = {}
        self.active: set[str] = set()

    def walk(self, sel: SelectionSetNode, parent: Any) -> int:
        total = 0
        for s in sel.selections:
            self.budget.tick()
            if isinstance(s, FieldNode):
                if s.name.value.startswith("__") or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                    continue
                fdef = parent.fields.get(s.name.value)
                if fdef is None:
                    continue
                size = _size(s, fdef, self.variables)
                if size > 1:
                    total += size
                if s.selection_set is not None:
                    total += size * self.walk(s.selection_set, get_named_type(fdef.type))
            elif isinstance(s, InlineFragmentNode):
                t = self.schema.get_type(s.type_condition.name.value) if s.type_condition else parent
                total += self.walk(s.selection_set, t)
            elif isinstance(s, FragmentSpreadNode):
                total += self._fragment(s.name.value)
            total = min(total, _CAP)
        return total

    def _fragment(self, name: str) -> int:
        if name in self.memo:
            return self.memo[name]
        frag = self.fragments.get(name)
        if frag is None or name in self.active:
            return 0
        self.active.add(name)
        try:
            self.memo[name] = cost = self.walk(frag.selection_set, self.schema.get_type(frag.type_condition.name.value))
        finally:
            self.active.discard(name)
        return cost


def _refuse(message: str, code: str, **extra: Any) -> GraphQLExecutionResult:
    return GraphQLExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code, **extra})])


def cost_limiter(max_cost: int, budget_s: float = DEFAULT_VALIDATION_BUDGET_S) -> type[SchemaExtension]:
    """A schema-extension class refusing queries whose estimated cost is above ``max_cost``."""

    class CostLimiter(SchemaExtension):
        """Checks page sizes and the cost before execution (no resolver, no store call runs)."""

        def on_execute(self) -> Iterator[None]:
            ec = self.execution_context
            if ec.graphql_document is not None and ec.result is None:
                try:
                    cost = estimate_cost(ec.schema._schema, ec.graphql_document, ec.operation_name,
                                         ec.variables, budget_s)
                except PageSizeError as e:
                    ec.result = _refuse(str(e), e.code)
                except ValidationBudgetExceeded as e:
                    ec.result = GraphQLExecutionResult(data=None, errors=[e])
                else:
                    if cost > max_cost:
                        ec.result = _refuse(
                            f"query cost {cost} is above the limit of {max_cost} (cost = sum over lists of "
                            "the product of nested page sizes); ask for smaller pages (first) or fewer nested lists",
                            "COST_LIMIT", cost=cost, limit=max_cost,
                        )
            yield

    return CostLimiter




def error_policy(*, production: bool) -> type[SchemaExtension]:
    """A schema-extension class that masks unexpected resolver exceptions with a logged request id.

    Validation and limit errors (no original exception) and stakegraph's own typed errors keep
    their text; :class:`stakegraph.errors.StoreUnavailable` becomes a retry hint; anything else becomes
    ``Internal error (request id …)``. In production "Did you mean …" suggestions are removed.
    """

    class ErrorPolicy(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            yield
            result = self.execution_context.result
            errors = getattr(result, "errors", None)
            if not errors:
                return
            rid = str(getattr(self.execution_context.context, "request_id", "-"))
            result.errors = [self._process(e, rid) for e in errors]  # type: ignore[union-attr]

        def _process(self, error: GraphQLError, rid: str) -> GraphQLError:
            orig = error.original_error
            if orig is None or isinstance(orig, GraphQLError):
                if production and _SUGGESTION.search(error.message):
                    return _copy(error, _SUGGESTION.sub("", error.message), error.extensions)
                return error
            if isinstance(orig, StoreUnavailable):
                log.warning("store unavailable", extra={"request_id": rid, "error": str(orig)})
                return _copy(error, *_unavailable(rid))
            if isinstance(orig, StakegraphError) and not isinstance(orig, StoreError):
                ext: dict[str, Any] = {"code": orig.graphql_code}
                if orig.fix:
                    ext["fix"] = orig.fix
                return _copy(error, str(orig), ext)
            if isinstance(orig, asyncio.TimeoutError | TimeoutError):
                return _copy(error, f"the request timed out (request id {rid})", {"code": "TIMEOUT"})
            log.error("resolver error (request id %s)", rid, exc_info=orig, extra={"request_id": rid})
            return _copy(error, f"Internal error (request id {rid}); the server log has the details",
                         {"code": "INTERNAL", "requestId": rid})

    return ErrorPolicy


def _unavailable(rid: str) -> tuple[str, dict[str, Any]]:
    return (f"the graph store is unavailable; retry in {RETRY_AFTER_S} seconds (request id {rid})",
            {"code": "STORE_UNAVAILABLE", "retryAfter": RETRY_AFTER_S, "requestId": rid})


def store_unavailable(rid: str) -> GraphQLError:
    """The error a request gets when the store does not answer (same text wherever it is raised)."""
    message, extensions = _unavailable(rid)
    return GraphQLError(message, extensions=extensions)


def _copy(error: GraphQLError, message: str, extensions: dict[str, Any] | None) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path, original_error=None, extensions=extensions)


def operation_recorder() -> type[SchemaExtension]:
    """A schema-extension class writing the operation's type to ``context.operation_type``.

    The response cache (:mod:`stakegraph.web.response_cache`) keeps only query results; it reads this
    after execution (a document that failed validation never reaches ``on_execute`` and
    stays uncached).
    """

    class OperationRecorder(SchemaExtension):
        def on_execute(self) -> Iterator[None]:
            ec = self.execution_context
            ctx = ec.context
            if ctx is not None and hasattr(ctx, "operation_type"):
                ctx.operation_type = ec.operation_type
            yield

    return OperationRecorder
