"""The web door's one translation of errors: an exception's outcome → an HTTP response.

Every class carries its outcome (:mod:`stakegraph.errors`); this module only reads it. GraphQL
errors are translated in :func:`stakegraph.web.limits.error_policy` from the same attributes.
"""

from __future__ import annotations

from typing import Any

from stakegraph.errors import StakegraphError, Unavailable, outcome

__all__ = ["error_body", "error_headers"]


def error_body(error: BaseException, request_id: str = "-") -> dict[str, Any]:
    """The JSON body for ``error``: its message, code, fix; an unexpected error is masked."""
    status, code, _ = outcome(error)
    if not isinstance(error, StakegraphError):
        return {"error": {"code": "INTERNAL", "requestId": request_id,
                          "message": f"Internal error (request id {request_id}); the server log has the details"}}
    body: dict[str, Any] = {"code": code, "message": str(error), "status": status}
    if error.fix:
        body["fix"] = error.fix
    return {"error": body}


def error_headers(error: BaseException) -> dict[str, str]:
    """Headers an outcome needs (``Retry-After`` for :class:`~stakegraph.errors.Unavailable`)."""
    if isinstance(error, Unavailable):
        return {"Retry-After": str(error.retry_after_s)}
    return {}
