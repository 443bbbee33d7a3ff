"""Errors of the sample and scale generators (a branch of :class:`stakegraph.loaders.errors.LoaderError`)."""

from __future__ import annotations

from stakegraph.loaders.errors import LoaderError


class GenerateError(LoaderError):
    """A generator was asked for something it cannot produce; the message says what to change."""


class SampleMismatch(GenerateError):
    """The committed sample files differ from what the sample script produces.

    ``files`` lists the file names that differ, are missing or are extra.
    """

    def __init__(self, files: list[str], directory: str) -> None:
        super().__init__(
            f"{len(files)} sample file(s) in {directory} differ from a fresh generation: {', '.join(files)}; "
            f"regenerate them with `stakegraph sample -o {directory}` and commit the result"
        )
        self.files = files
