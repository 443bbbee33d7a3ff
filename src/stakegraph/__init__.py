"""stakegraph — a stakeholder-relationship knowledge graph for project finance.

The front door lists the library; every name is imported on first use, so ``import stakegraph``
(and the command line) stays fast.

>>> import stakegraph
>>> ws = stakegraph.Workspace(stakegraph.EmbeddedStore(":memory:"))
>>> report = stakegraph.load("data/sample", ws.store)          # doctest: +SKIP
>>> ws.run("concentration", node="tech_co").result.cr_k        # doctest: +SKIP
86.76...
>>> sorted(stakegraph.CATALOGUE)[:3]
['book-concentration', 'centrality', 'cofinancing']
>>> ws.close()

Rooms: :mod:`stakegraph.domain` (the domain, declared once), :mod:`stakegraph.store` (embedded
SQLite or Neo4j behind one interface), :mod:`stakegraph.loaders` (files → store),
:mod:`stakegraph.analytics` (pure NetworkX functions), :mod:`stakegraph.analyses` (the catalogue
every door is generated from), :mod:`stakegraph.measures` (exposure, as-of, shocks — defined once),
:mod:`stakegraph.workspace` (store + projection + cache), :mod:`stakegraph.viz` (renderers),
:mod:`stakegraph.web` (FastAPI, GraphQL, pages), :mod:`stakegraph.cli`, :mod:`stakegraph.errors`.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

#: name -> module it lives in (imported on first use).
_EXPORTS: dict[str, str] = {
    # storage and loading
    "open_store": "stakegraph.store", "GraphStore": "stakegraph.store", "EmbeddedStore": "stakegraph.store",
    "NodeFilter": "stakegraph.store", "EdgeFilter": "stakegraph.store",
    "NodeRecord": "stakegraph.model", "EdgeRecord": "stakegraph.model",
    "load": "stakegraph.loaders", "unload": "stakegraph.loaders", "LoadReport": "stakegraph.loaders",
    # the application layer
    "Workspace": "stakegraph.workspace", "Settings": "stakegraph.settings", "load_settings": "stakegraph.settings",
    "CATALOGUE": "stakegraph.analyses", "Analysis": "stakegraph.analyses", "Answer": "stakegraph.analyses",
    "run": "stakegraph.analyses", "Stamp": "stakegraph.analytics.stamp",
    # one meaning
    "exposure": "stakegraph.measures", "parse_shocks": "stakegraph.measures", "resolve_as_of": "stakegraph.measures",
    "DOMAIN": "stakegraph.domain",
    # errors
    "StakegraphError": "stakegraph.errors", "Invalid": "stakegraph.errors", "LimitExceeded": "stakegraph.errors",
    "NotFound": "stakegraph.errors", "Forbidden": "stakegraph.errors", "Conflict": "stakegraph.errors",
    "DataError": "stakegraph.errors", "ConfigError": "stakegraph.errors", "Unavailable": "stakegraph.errors",
    "Timeout": "stakegraph.errors",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs (names re-exported through __all__)
    from stakegraph.analyses import CATALOGUE, Analysis, Answer, run  # noqa: F401
    from stakegraph.analytics.stamp import Stamp  # noqa: F401
    from stakegraph.domain import DOMAIN  # noqa: F401
    from stakegraph.errors import (  # noqa: F401
        ConfigError,
        Conflict,
        DataError,
        Forbidden,
        Invalid,
        LimitExceeded,
        NotFound,
        StakegraphError,
        Timeout,
        Unavailable,
    )
    from stakegraph.loaders import LoadReport, load, unload  # noqa: F401
    from stakegraph.measures import exposure, parse_shocks, resolve_as_of  # noqa: F401
    from stakegraph.model import EdgeRecord, NodeRecord  # noqa: F401
    from stakegraph.settings import Settings, load_settings  # noqa: F401
    from stakegraph.store import EdgeFilter, EmbeddedStore, GraphStore, NodeFilter, open_store  # noqa: F401
    from stakegraph.workspace import Workspace  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'stakegraph' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
