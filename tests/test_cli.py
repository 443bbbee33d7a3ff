"""The command line: --help everywhere, info --json on both backends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer.main
from typer.testing import CliRunner

from stakegraph.cli.main import app

runner = CliRunner()


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, (*prefix, name)))
    return out


ALL = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


@pytest.mark.parametrize("path", ALL, ids=[" ".join(p) for p in ALL])
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_info_json_embedded(tmp_path: Path) -> None:
    env = {**os.environ, "STAKEGRAPH_DATA_DIR": str(tmp_path)}
    env.pop("STAKEGRAPH_NEO4J_URI", None)
    out = subprocess.run([sys.executable, "-m", "stakegraph.cli.main", "info", "--json"], env=env, capture_output=True,
                         text=True, check=True)
    data = json.loads(out.stdout)
    assert data["backend"] == "embedded"
    assert data["nodes"]["party"] == 0 and "lends_to" in data["edges"]


@pytest.mark.neo4j
def test_info_json_neo4j(neo4j_uri: str, tmp_path: Path) -> None:
    env = {**os.environ, "STAKEGRAPH_NEO4J_URI": neo4j_uri, "STAKEGRAPH_NEO4J_AUTH": "false"}
    out = subprocess.run([sys.executable, "-m", "stakegraph.cli.main", "info", "--json"], env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["backend"] == "neo4j"


def test_bad_settings_fail_fast_with_the_variable_to_set(tmp_path: Path) -> None:
    env = {**os.environ, "STAKEGRAPH_NEO4J_URI": "bolt://127.0.0.1:1", "STAKEGRAPH_NEO4J_AUTH": "true"}
    env.pop("STAKEGRAPH_NEO4J_PASSWORD", None)
    out = subprocess.run([sys.executable, "-m", "stakegraph.cli.main", "info"], env=env, capture_output=True, text=True)
    assert out.returncode == 3
    assert "STAKEGRAPH_NEO4J_PASSWORD" in out.stderr
