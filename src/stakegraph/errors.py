"""Errors raised by the graph package: one root, narrow subclasses, messages that say what to do."""

from __future__ import annotations


class StakegraphError(Exception):
    """Root of every error stakegraph raises on purpose."""


class GraphError(StakegraphError):
    """Root of the ``graph`` package's errors."""


class DomainError(GraphError):
    """A type, kind or property outside the declared domain (see ``src/stakegraph/domain.py``)."""


class ValidationError(GraphError):
    """A value that does not fit its declared property type or range."""

    def __init__(self, message: str, *, field: str | None = None, value: object = None, fix: str = "") -> None:
        super().__init__(message if not fix else f"{message}; fix: {fix}")
        self.field = field
        self.value = value
        self.fix = fix
        self.reason = message


class StoreError(GraphError):
    """The graph store failed; the message says which store and what to check."""


class StoreUnavailable(StoreError):
    """The store cannot be reached (Neo4j down, file locked); retry later."""


class NotFound(GraphError):
    """No node or edge with that id."""


class DanglingEdge(GraphError):
    """An edge names an endpoint that is not in the graph."""


class ConfigError(StakegraphError):
    """Settings are missing or invalid; the message names the variable to set."""
