"""docs/cli.md and docs/settings.md are generated from the code; a change to a command or a setting
without `make docs` fails here with what to run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stakegraph.cli import docgen

ROOT = Path(__file__).resolve().parents[1]


def test_generated_docs_are_current() -> None:
    r = subprocess.run([sys.executable, "-m", "stakegraph.cli.docgen", "--check", "--root", str(ROOT)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr.strip() or r.stdout


def test_a_stale_page_names_itself_and_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert docgen.main(["--write", "--root", str(tmp_path)]) == 0
    assert docgen.main(["--check", "--root", str(tmp_path)]) == 0
    page = tmp_path / "docs" / "cli.md"
    page.write_text(page.read_text(encoding="utf-8").replace("## `stakegraph info`", "## `stakegraph old`"),
                    encoding="utf-8")
    capsys.readouterr()
    assert docgen.main(["--check", "--root", str(tmp_path)]) == 1
    assert capsys.readouterr().err.strip() == "docs/cli.md is stale: run make docs"


def test_every_command_and_setting_is_documented() -> None:
    import typer

    from stakegraph.cli.main import app
    from stakegraph.settings import Settings

    cli = docgen.cli_markdown()
    root = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="stakegraph")
    for name in root.list_commands(ctx):
        assert f"## `stakegraph {name}`" in cli
    settings = docgen.settings_markdown()
    for field in Settings.model_fields:
        assert f"`STAKEGRAPH_{field.upper()}`" in settings
