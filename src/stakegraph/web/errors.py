"""Errors raised by the API on purpose; their messages reach the client unmasked."""

from __future__ import annotations

from stakegraph.errors import StakegraphError


class ApiError(StakegraphError):
    """Root of the ``api`` package's errors: a request the API refuses, saying what to change."""

    code = "BAD_REQUEST"


class PageSizeError(ApiError):
    """A ``first`` or ``limit`` outside 1…max, or a bad cursor/offset."""

    code = "PAGE_SIZE"


class CostLimitError(ApiError):
    """The estimated cost of a query (product of nested page sizes) is above the limit."""

    code = "COST_LIMIT"


class RequestTimeout(ApiError):
    """The request ran longer than ``STAKEGRAPH_RESOLVER_TIMEOUT_S`` and was cancelled."""

    code = "TIMEOUT"


class NotAllowed(ApiError):
    """The API key's role does not allow this operation."""

    code = "FORBIDDEN"


class AnalyticsUnavailable(ApiError):
    """The analytics module behind a field is not installed in this build."""

    code = "ANALYTICS_UNAVAILABLE"
