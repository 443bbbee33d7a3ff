"""``stakegraph neo4j ...``: start, stop and inspect a local Neo4j server.

The server is a real Neo4j 5.26 Community instance run from Maven Central jars
on the local Java 17 (no Docker). It listens on 127.0.0.1 with authentication
disabled, so it is for development and tests only. See
``src/stakegraph/devserver/neo4j.py`` and ``tools/neo4j/README.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from stakegraph.devserver import neo4j as server

app = typer.Typer(
    help=(
        "Run a local Neo4j 5.26 Community server without Docker (jars from Maven "
        "Central, Java 17). Listens on 127.0.0.1 with authentication disabled: "
        "for development and tests only."
    ),
    no_args_is_help=True,
)

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help=(
            "Server home directory (data, logs, pid file). Defaults to "
            f"${server.ENV_HOME} or ~/.local/share/stakegraph/neo4j."
        ),
        file_okay=False,
        show_default=False,
    ),
]


def _progress(message: str) -> None:
    typer.echo(message, err=True)


def _fail(exc: Exception) -> typer.Exit:
    typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)
    return typer.Exit(code=1)


@app.command()
def start(
    port: Annotated[
        int,
        typer.Option("--port", "-p", help="Bolt port on 127.0.0.1.", min=1, max=65535),
    ] = server.DEFAULT_PORT,
    home: HomeOption = None,
    wait: Annotated[
        float,
        typer.Option("--wait", help="Seconds to wait for the server to answer on Bolt."),
    ] = 90.0,
) -> None:
    """Start the server in the background (or reuse the one already running).

    The first run downloads the Neo4j jars with Maven (about 125 MB, cached in
    ~/.cache/stakegraph/neo4j). Prints the Bolt URI and the environment variable
    that points stakegraph at it.
    """
    try:
        handle = server.start(home, port, wait=wait, log=_progress)
    except server.Neo4jServerError as exc:
        raise _fail(exc) from exc
    state = "already running" if handle.reused else "started"
    typer.echo(f"Neo4j {handle.version} {state}: {handle.uri} (pid {handle.pid})")
    typer.echo(f"home: {handle.home}   log: {handle.log_file}")
    typer.echo("Point stakegraph at it with:")
    typer.echo(f"  export {server.ENV_URI}={handle.uri}")


@app.command()
def stop(home: HomeOption = None) -> None:
    """Stop the server (clean shutdown on SIGTERM, killed after 30 s)."""
    try:
        stopped = server.stop(home)
    except server.Neo4jServerError as exc:
        raise _fail(exc) from exc
    typer.echo("Neo4j stopped." if stopped else "Neo4j was not running.")


@app.command()
def status(
    home: HomeOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the status as a JSON object.")
    ] = False,
) -> None:
    """Show whether the server runs, its pid, Bolt URI, version and data directory.

    Exits with code 0 when running, 3 when not (like ``systemctl status``).
    """
    info = server.status(home)
    if as_json:
        typer.echo(json.dumps(info, indent=2))
    elif info["running"]:
        typer.echo(f"Neo4j {info['version']} running: {info['uri']} (pid {info['pid']})")
        if not info["bolt_listening"]:
            typer.echo("  (Bolt port not answering yet: still starting?)")
        typer.echo(f"data: {info['data_dir']}   log: {info['log_file']}")
        typer.echo(f"  export {server.ENV_URI}={info['uri']}")
    else:
        typer.echo(f"Neo4j is not running (home {info['home']}).")
        typer.echo("Start it with: stakegraph neo4j start")
    if not info["running"]:
        raise typer.Exit(code=3)
