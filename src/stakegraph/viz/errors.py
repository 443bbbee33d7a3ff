"""Errors of the ``viz`` package: one root, messages that say what to do."""

from __future__ import annotations

from stakegraph.errors import Invalid, NotFound, StakegraphError


class VizError(StakegraphError):
    """Root of the ``viz`` package's errors."""


class UnknownNode(VizError, NotFound):
    """The id names no node (of the expected type) in the graph."""


class BadViewRequest(VizError, Invalid):
    """A view was asked for with arguments it cannot use; the message lists the valid ones."""
