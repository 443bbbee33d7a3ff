"""``stakegraph export --ftm FILE`` / ``--parquet DIR`` and ``stakegraph load-ftm FILE``.

``--ftm`` and ``load-ftm`` need the optional extra ``stakegraph[ftm]`` (the ``followthemoney``
package); see docs/followthemoney.md. ``--parquet`` writes the graph as the Parquet folder the Spark
backend reads (``stakegraph[spark]``; see docs/spark.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stakegraph.cli.errors import fail
from stakegraph.cli.load_cmd import _store
from stakegraph.errors import Invalid, SparkUnavailable, StakegraphError


def _export_parquet(folder: Path) -> None:
    from stakegraph.workspace import Workspace

    try:
        from stakegraph.spark.frames import write_parquet
    except ImportError as e:  # pragma: no cover - pyarrow ships with the spark extra
        fail(SparkUnavailable(f"--parquet needs pyarrow ({e})", fix="pip install 'stakegraph[spark]'"))
    try:
        with Workspace.open() as ws:
            version = ws.graph_version()
            G = ws.projection(version)
            write_parquet(G, folder, version=version)
    except ImportError as e:
        fail(SparkUnavailable(f"--parquet needs pyarrow ({e})", fix="pip install 'stakegraph[spark]'"))
    except StakegraphError as e:
        fail(e)
    typer.echo(f"{G.number_of_nodes():,} nodes and {G.number_of_edges():,} relationships written to {folder} "
               f"(graph version {version})")


def register(app: typer.Typer) -> None:
    """Add the ``export`` and ``load-ftm`` commands to ``app``."""

    @app.command(help="Export the graph. --ftm FILE writes a FollowTheMoney entity stream (JSON lines) that "
                      "opens in Aleph/OpenSanctions tooling (needs stakegraph[ftm]); --parquet DIR writes the "
                      "nodes and edges as Parquet partitioned by type and kind, for the Spark backend (needs "
                      "the spark extra).")
    def export(
        ftm: Annotated[Path | None, typer.Option("--ftm", help="Write the graph as FtM JSON lines to this file.")]
        = None,
        parquet: Annotated[Path | None, typer.Option("--parquet", help="Write the graph as Parquet to this folder "
                                                     "(replaced atomically).", file_okay=False)] = None,
    ) -> None:
        if ftm is None and parquet is None:
            fail(Invalid("nothing to export", fix="give --ftm FILE or --parquet DIR"))
        if ftm is not None:
            from stakegraph.loaders.ftm import export_ftm

            with _store() as store:
                n = export_ftm(store, ftm)
            typer.echo(f"{n:,} FtM entities written to {ftm}")
        if parquet is not None:
            _export_parquet(parquet)

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
