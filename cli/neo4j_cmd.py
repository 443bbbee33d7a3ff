"""Placeholder until the Neo4j launcher lands."""

import typer

app = typer.Typer()
