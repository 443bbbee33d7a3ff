"""Loaders: files in any common layout → the graph store, with errors that name the row.

``load(paths, store, mapping=None, mode="strict", dry_run=False, load_id=None, ...)``
is the one entry point (the ``stakegraph load`` command calls it); ``unload``
removes what a load created. See docs/data-format.md and docs/loading.md.
"""

from __future__ import annotations

from stakegraph.loaders.bounds import Bounds
from stakegraph.loaders.errors import (
    BoundExceeded,
    DataErrors,
    EncodingRefused,
    FileFormatError,
    InputError,
    LoaderError,
    LoaderStoreError,
    MappingError,
    ReportError,
)
from stakegraph.loaders.pipeline import DEFAULT_BATCH, LoadProgress, default_load_id, load, unload
from stakegraph.loaders.report import LoadReport, RowError, SkippedRow

__all__ = [
    "DEFAULT_BATCH",
    "BoundExceeded",
    "Bounds",
    "DataErrors",
    "EncodingRefused",
    "FileFormatError",
    "InputError",
    "LoadProgress",
    "LoadReport",
    "LoaderError",
    "LoaderStoreError",
    "MappingError",
    "ReportError",
    "RowError",
    "SkippedRow",
    "default_load_id",
    "load",
    "unload",
]
