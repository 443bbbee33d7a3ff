"""``stakegraph export --ftm FILE`` and ``stakegraph load-ftm FILE``: FollowTheMoney out and in.

Needs the optional extra ``stakegraph[ftm]`` (the ``followthemoney`` package); see
docs/followthemoney.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stakegraph.cli.load_cmd import _store


def register(app: typer.Typer) -> None:
    """Add the ``export`` and ``load-ftm`` commands to ``app``."""

    @app.command(help="Export the graph. --ftm FILE writes a FollowTheMoney entity stream (JSON lines) that "
                      "opens in Aleph/OpenSanctions tooling (needs stakegraph[ftm]).")
    def export(
        ftm: Annotated[Path, typer.Option("--ftm", help="Write the graph as FtM JSON lines to this file.")],
    ) -> None:
        from stakegraph.loaders.ftm import export_ftm

        with _store() as store:
            n = export_ftm(store, ftm)
        typer.echo(f"{n:,} FtM entities written to {ftm}")

    @app.command("load-ftm", help="Load a FollowTheMoney entity stream (JSON lines, .gz/.xz too). Strict by "
                                  "default: any entity that cannot be converted writes nothing (exit 1).")
    def load_ftm_cmd(
        path: Annotated[Path, typer.Argument(help="FtM JSON lines file.", exists=True, dir_okay=False)],
        lenient: Annotated[bool, typer.Option("--lenient", help="Write what converts; list the rest.")] = False,
    ) -> None:
        from stakegraph.loaders.ftm import load_ftm

        with _store() as store:
            res = load_ftm(path, store, strict=not lenient)
        for line in res.skipped:
            typer.echo(f"skipped {line}", err=True)
        for line in res.errors:
            typer.echo(f"error {line}", err=True)
        typer.echo(f"{res.nodes:,} nodes and {res.edges:,} relationships written" if res.written
                   else "nothing written")
        if res.errors:
            raise typer.Exit(1)
