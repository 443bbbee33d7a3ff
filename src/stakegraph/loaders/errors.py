"""Errors raised by the loaders: one root, narrow subclasses, messages that say what to do.

The CLI maps them to exit codes: :class:`MappingError` → 3 (configuration),
:class:`InputError` → 2 (usage: a path that does not exist), :class:`FileFormatError`
and :class:`DataErrors` → 1 (data), :class:`LoaderStoreError` → 4 (system/store).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from stakegraph.errors import (
    ConfigError,
    DataError,
    Invalid,
    LimitExceeded,
    StakegraphError,
    Unavailable,
)

if TYPE_CHECKING:
    from stakegraph.loaders.report import LoadReport


class LoaderError(StakegraphError):
    """Root of the ``loaders`` package's errors."""


class InputError(LoaderError, Invalid):
    """A path given to the loader does not exist or is not a file or folder."""


class MappingError(LoaderError, ConfigError):
    """A YAML mapping is invalid; the message names the mapping key and the fix."""


class FileFormatError(LoaderError, DataError):
    """A whole file cannot be read: unknown encoding or format, truncated, no header.

    ``file`` and ``row`` say where; ``fix`` says what to do.
    """

    def __init__(self, message: str, *, file: str = "", row: int | None = None, fix: str = "") -> None:
        super().__init__(f"{file}: {message}", fix=fix)
        self.file = file
        self.row = row
        self.reason = message


class EncodingRefused(FileFormatError):
    """The file is not UTF-8, UTF-8 with BOM or GB18030/GBK (the message names the encodings tried)."""


class BoundExceeded(FileFormatError, LimitExceeded):
    """A file exceeds a declared bound (size, ratio, columns, row size); the message names the setting.

    A data error for the CLI (exit 1) and the load report, and a :class:`stakegraph.errors.LimitExceeded`.
    """

    exit_code = 1


class DataErrors(LoaderError, DataError):
    """Rows failed validation in strict mode; nothing was written. ``report`` lists every bad row."""

    def __init__(self, report: LoadReport) -> None:
        super().__init__(f"{len(report.errors)} error(s) in the input; nothing was written "
                         "(see the report, or load with mode='lenient' to write the good rows)")
        self.report = report


class LoaderStoreError(LoaderError, Unavailable):
    """The store failed during a load; re-running the same load completes it (every write is idempotent)."""


class ReportError(LoaderError, Unavailable):
    """The report or quarantine files could not be written (full disk, no permission)."""
