"""The ``stakegraph`` command line: one Typer app, sub-commands from their own modules."""

from __future__ import annotations

import json
import sys

import typer

from stakegraph.analyses import get
from stakegraph.cli import (
    analyze,
    ftm_cmd,
    fx_cmd,
    generate_cmd,
    load_cmd,
    neo4j_cmd,
    resolve_cmd,
    viz_cmd,
)
from stakegraph.errors import StakegraphError

app = typer.Typer(
    name="stakegraph",
    help="Stakeholder-relationship knowledge graph for project finance.\n\n"
    "Store: embedded SQLite by default; set STAKEGRAPH_NEO4J_URI to use Neo4j.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
analyze_app = typer.Typer(help="Analytics, one command per analysis of the catalogue (stakegraph.analyses); "
                          "every command has --json, --csv DIR and --xlsx FILE.", no_args_is_help=True)
analyze.register(analyze_app)
app.add_typer(analyze_app, name="analyze")
app.command("diff", short_help="What changed between two dates (= analyze diff).")(analyze._command(get("diff")))
app.add_typer(neo4j_cmd.app, name="neo4j", help="Run a local Neo4j 5.26 server from Maven Central jars (no Docker).")
app.add_typer(fx_cmd.app, name="fx")
load_cmd.register(app)
ftm_cmd.register(app)
generate_cmd.register(app)
resolve_cmd.register(app)
viz_cmd.register(app)


@app.command()
def info(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """Show the active store and how many nodes and relationships of each type it holds."""
    from stakegraph.settings import load_settings
    from stakegraph.store import open_store

    settings = load_settings()
    with open_store(settings) as store:
        counts = store.counts()
        data = {
            "backend": store.backend,
            "location": settings.neo4j_uri or str(settings.embedded_path),
            "graph_version": store.graph_version(),
            "nodes": counts["nodes"],
            "edges": counts["edges"],
        }
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"store: [bold]{data['backend']}[/bold] at {data['location']} (version {data['graph_version']})")
    for section in ("nodes", "edges"):
        table = Table(section)
        table.add_column("count", justify="right")
        for name, n in counts[section].items():
            table.add_row(name, str(n))
        console.print(table)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port."),
    reload: bool = typer.Option(False, help="Reload on code changes (development)."),
) -> None:
    """Serve the GraphQL API (/graphql, GraphiQL in development), the views (/viz) and /healthz."""
    import uvicorn

    from stakegraph.settings import load_settings

    load_settings()  # fail fast on bad settings
    typer.echo(f"stakegraph: serving on http://{host}:{port}/  (GraphQL: /graphql)")
    uvicorn.run("stakegraph.web.app:create_app", factory=True, host=host, port=port, reload=reload, log_level="info")


def main() -> None:
    """Entry point: run the app, turning stakegraph's own errors into a message and exit code."""
    try:
        app()
    except StakegraphError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)


if __name__ == "__main__":
    main()
