"""The command line's one translation of errors: message on stderr, the class's exit code.

Exit codes come from the error classes (:mod:`stakegraph.errors`): 1 data, 2 usage (invalid
argument, unknown id), 3 configuration, 4 store or system.
"""

from __future__ import annotations

from typing import NoReturn

import typer

from stakegraph.errors import StakegraphError

__all__ = ["fail"]


def fail(error: StakegraphError) -> NoReturn:
    """Print ``error: MESSAGE`` to stderr and end the command with the error's exit code."""
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(error.exit_code) from error
