"""The loaders' declared bounds, read once per load from settings (``STAKEGRAPH_LOAD_*``).

Each bound is checked before the costly step (the zip directory before openpyxl opens
a workbook, the line length before JSON is parsed, the header width before a row is
built); each refusal names the bound, its setting and the fix. :func:`current` gives
the bounds of the load in progress (a context variable, so concurrent loads in
threads each see their own); outside a load the documented defaults apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields

#: Format width/precision allowed in a mapping template (``{id:>12}``); more is refused.
MAX_TEMPLATE_WIDTH = 256
#: Aliases (``*name``) allowed in one YAML mapping.
MAX_YAML_ALIASES = 100


@dataclass(frozen=True)
class Bounds:
    """One value per ``load_*`` setting (see docs/loading.md, "Bounds")."""

    max_unpacked_bytes: int = 256 << 20
    max_compression_ratio: float = 100.0
    max_columns: int = 16_384
    max_row_bytes: int = 16 << 20
    max_field_chars: int = 131_072
    max_id_chars: int = 256
    max_json_depth: int = 8
    max_mapping_bytes: int = 1 << 20
    max_mapping_nodes: int = 20_000

    @classmethod
    def from_settings(cls, settings: object | None = None) -> Bounds:
        """The bounds in ``settings`` (default: :func:`stakegraph.settings.load_settings`)."""
        if settings is None:
            from stakegraph.settings import load_settings

            # only the load_* fields are read: the store the caller passed is not the settings' store,
            # so its settings (a Neo4j URI without a password) must not stop a load
            settings = load_settings(neo4j_uri=None)
        return cls(**{f.name: getattr(settings, "load_" + f.name) for f in fields(cls)})


def setting(name: str) -> str:
    """The environment variable of bound ``name`` (``max_columns`` → ``STAKEGRAPH_LOAD_MAX_COLUMNS``)."""
    return "STAKEGRAPH_LOAD_" + name.upper()


_CURRENT: ContextVar[Bounds] = ContextVar("stakegraph_load_bounds", default=Bounds())  # noqa: B039 (frozen)


def current() -> Bounds:
    """The bounds of the load in progress (the defaults outside a load)."""
    return _CURRENT.get()


@contextmanager
def using(bounds: Bounds) -> Iterator[Bounds]:
    """Make ``bounds`` :func:`current` inside the block."""
    token = _CURRENT.set(bounds)
    try:
        yield bounds
    finally:
        _CURRENT.reset(token)
