"""Every error stakegraph raises on purpose: one root, classes by meaning, each carrying its outcome.

A class says once what its error *means* for every door, like datasette's ``NotFound(Base400)``:

========================  ===========  ====================  =========
class                     HTTP status  GraphQL ``code``      CLI exit
========================  ===========  ====================  =========
:class:`Invalid`          400          ``INVALID``           2
:class:`LimitExceeded`    413          ``LIMIT_EXCEEDED``    2
:class:`NotFound`         404          ``NOT_FOUND``         2
:class:`Forbidden`        403          ``FORBIDDEN``         2
:class:`Conflict`         409          ``CONFLICT``          1
:class:`DataError`        422          ``DATA``              1
:class:`ConfigError`      500          ``CONFIG``            3
:class:`Unavailable`      503          ``STORE_UNAVAILABLE`` 4
:class:`Timeout`          504          ``TIMEOUT``           4
========================  ===========  ====================  =========

Narrow classes below them set a more specific ``graphql_code`` (``PAGE_SIZE``, ``COST_LIMIT``,
``DEPTH``…) but keep their parent's meaning. Each door translates once, generically: the CLI exits
with ``exit_code`` (``stakegraph.cli.main``), the web app answers ``http_status``
(``stakegraph.web.errors``) and GraphQL puts ``graphql_code`` in ``extensions.code``. Messages say
what to do; ``fix`` holds that advice on its own, for doors that show it separately.

>>> e = NotFound("no node 'x_co'", fix="search by name with `stakegraph search`")
>>> (e.http_status, e.graphql_code, e.exit_code)
(404, 'NOT_FOUND', 2)
>>> str(e)
"no node 'x_co'; fix: search by name with `stakegraph search`"
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "StakegraphError", "Invalid", "LimitExceeded", "NotFound", "Forbidden", "Conflict", "DataError",
    "ConfigError", "Unavailable", "Timeout",
    "GraphError", "DomainError", "ValidationError", "StoreError", "StoreUnavailable", "DanglingEdge",
    "TypeConflict", "PageSizeError", "CostLimitError", "DepthLimitError", "RequestTimeout", "NotAllowed",
    "AnalyticsUnavailable", "TooManyRequests", "MissingRate", "ResolverUnavailable", "UnknownPair", "SparkUnavailable", "BackendUnsupported", "outcome",
]


class StakegraphError(Exception):
    """Root of every error stakegraph raises on purpose (an unexpected one is a bug: HTTP 500)."""

    http_status: ClassVar[int] = 500
    graphql_code: ClassVar[str] = "INTERNAL"
    exit_code: ClassVar[int] = 4

    def __init__(self, message: str = "", *, fix: str = "", **details: Any) -> None:
        self.reason = message
        self.fix = fix
        self.details = details
        super().__init__(message if not fix else f"{message}; fix: {fix}")

    @property
    def code(self) -> str:
        """The GraphQL ``extensions.code`` (kept as ``code`` for older callers)."""
        return self.graphql_code


class Invalid(StakegraphError):
    """A request or value that cannot be used as given (bad argument, unparseable date, bad sort)."""

    http_status = 400
    graphql_code = "INVALID"
    exit_code = 2


class LimitExceeded(Invalid):
    """A declared bound (size, depth, cost, count) would be exceeded; the message names the bound."""

    http_status = 413
    graphql_code = "LIMIT_EXCEEDED"


class NotFound(StakegraphError):
    """No node, edge, load or file with that id or name."""

    http_status = 404
    graphql_code = "NOT_FOUND"
    exit_code = 2


class Forbidden(StakegraphError):
    """The caller's role does not allow this operation."""

    http_status = 403
    graphql_code = "FORBIDDEN"
    exit_code = 2


class Conflict(StakegraphError):
    """The request contradicts what the store holds (an id that already has another type)."""

    http_status = 409
    graphql_code = "CONFLICT"
    exit_code = 1


class DataError(StakegraphError):
    """The input data is wrong (rows, files, cycles); the message names file, row, column and fix."""

    http_status = 422
    graphql_code = "DATA"
    exit_code = 1


class ConfigError(StakegraphError):
    """Settings or a mapping are missing or invalid; the message names the variable or key to set."""

    http_status = 500
    graphql_code = "CONFIG"
    exit_code = 3


class Unavailable(StakegraphError):
    """Something stakegraph depends on does not answer (the store); retry later."""

    http_status = 503
    graphql_code = "STORE_UNAVAILABLE"
    exit_code = 4
    retry_after_s: ClassVar[int] = 5


class Timeout(StakegraphError):
    """The work ran longer than its limit and was cancelled; ask for less."""

    http_status = 504
    graphql_code = "TIMEOUT"
    exit_code = 4


# --- narrow classes (kept names; each under the meaning it has) ---------------------------------


class GraphError(StakegraphError):
    """Root of the graph core's errors (domain, store); kept for callers that catch it."""


class DomainError(GraphError, Invalid):
    """A type, kind or property outside the declared domain (see ``stakegraph.domain``)."""


class ValidationError(GraphError, Invalid):
    """A value that does not fit its declared property type or range."""

    def __init__(self, message: str, *, field: str | None = None, value: object = None, fix: str = "") -> None:
        super().__init__(message, fix=fix)
        self.field = field
        self.value = value


class StoreError(GraphError):
    """The graph store failed; the message says which store and what to check."""

    exit_code = 4


class StoreUnavailable(StoreError, Unavailable):
    """The store cannot be reached (Neo4j down, file locked); retry later."""


class DanglingEdge(GraphError, DataError):
    """An edge names an endpoint that is not in the graph."""


class TypeConflict(GraphError, Conflict):
    """An id already names a node of another type; stakegraph never changes a node's type silently."""


class PageSizeError(Invalid):
    """A ``first`` or ``limit`` outside 1…max."""

    graphql_code = "PAGE_SIZE"


class CostLimitError(LimitExceeded):
    """The estimated cost of a query (product of nested page sizes) is above the limit."""

    graphql_code = "COST_LIMIT"


class DepthLimitError(LimitExceeded):
    """A traversal depth or number of hops above the declared maximum."""

    graphql_code = "DEPTH_LIMIT"


class RequestTimeout(Timeout):
    """The request ran longer than ``STAKEGRAPH_RESOLVER_TIMEOUT_S`` and was cancelled."""


class NotAllowed(Forbidden):
    """The API key's role does not allow this operation."""


class AnalyticsUnavailable(Unavailable):
    """The analytics module behind a field is not installed in this build."""

    graphql_code = "ANALYTICS_UNAVAILABLE"


class TooManyRequests(LimitExceeded):
    """A client has more requests in progress than ``STAKEGRAPH_MAX_CONCURRENT_PER_CLIENT``."""

    http_status = 429
    graphql_code = "TOO_MANY_REQUESTS"


class MissingRate(DataError):
    """No FX rate converts an amount's currency to the reporting currency on the as-of date."""

    graphql_code = "MISSING_RATE"


class ResolverUnavailable(Unavailable):
    """Entity resolution needs the ``resolve`` extra (splink, normality), which is not installed."""

    graphql_code = "RESOLVER_UNAVAILABLE"


class SparkUnavailable(Unavailable):
    """The Spark backend needs the ``spark`` extra (pyspark) and Java 17, or its cluster cannot be reached."""

    graphql_code = "SPARK_UNAVAILABLE"


class BackendUnsupported(Invalid):
    """The analysis (or this method of it) does not run on the backend asked for; the message names one that does."""

    graphql_code = "BACKEND_UNSUPPORTED"


class UnknownPair(NotFound):
    """A resolution decision names a party the store does not hold (or one that is not a party)."""


def outcome(error: BaseException) -> tuple[int, str, int]:
    """``(http_status, graphql_code, exit_code)`` of any exception: an unexpected one is a 500.

    >>> outcome(NotFound("x"))
    (404, 'NOT_FOUND', 2)
    >>> outcome(KeyError("x"))
    (500, 'INTERNAL', 4)
    """
    if isinstance(error, StakegraphError):
        return error.http_status, error.graphql_code, error.exit_code
    return 500, "INTERNAL", 4
