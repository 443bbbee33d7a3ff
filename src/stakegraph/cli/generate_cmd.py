"""``stakegraph generate`` (a synthetic portfolio of any size) and ``stakegraph sample`` (the bundled one).

The generators in ``stakegraph.samples`` stay silent; this module draws the
progress bar and the summary.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def _fail(msg: str, code: int) -> None:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    """Add ``generate`` and ``sample`` to ``app``."""

    @app.command(help="Write a synthetic portfolio in the canonical layout (docs/data-format.md).\n\n"
                      "About 5 relationships per party, projects ≈ parties/5, heavy-tailed lender and customer "
                      "degrees; the same --parties/--seed always gives the same files. Load it with "
                      "`stakegraph load DIR`.\n\nExit codes: 0 success; 2 usage (bad option or folder).")
    def generate(
        parties: Annotated[int, typer.Option("--parties", "-n", min=100, help="Number of parties (≥ 100).")] = 10_000,
        seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed.")] = 1,
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created; files overwritten).")] = Path("generated"),
        relationships: Annotated[int | None, typer.Option("--relationships", "-r", min=0,
                                                          help="Rows of relationships.csv (default 5 × parties).")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    ) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from stakegraph.samples import GenerateError
        from stakegraph.samples import generate as do_generate

        console = Console(stderr=True)
        bar: Any = None
        task: Any = None

        def progress(done: int, total: int) -> None:
            nonlocal bar, task
            if quiet:
                return
            if bar is None:
                bar = Progress(TextColumn("generating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                               console=console)
                bar.start()
                task = bar.add_task("rows", total=total)
            bar.update(task, completed=done, total=total)

        try:
            stats = do_generate(parties, seed, out, relationships=relationships, progress=progress)
        except GenerateError as e:
            _fail(str(e), 2)
            return
        finally:
            if bar is not None:
                bar.stop()
        if not quiet:
            rows = ", ".join(f"{n:,} {role}" for role, n in stats.rows.items())
            typer.echo(f"wrote {rows} into {out}")

    @app.command(help="Re-create the bundled, fictional sample portfolio (data/sample) with its six scenarios.\n\n"
                      "--check verifies the folder holds exactly what the script produces (exit 1 if not). "
                      "See docs/sample-data.md.")
    def sample(
        out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: the repository's data/sample).")] = None,
        check: Annotated[bool, typer.Option("--check", help="Verify the folder instead of writing it.")] = False,
    ) -> None:
        from stakegraph.samples import GenerateError, SampleMismatch
        from stakegraph.samples.sample import DEFAULT_DIR, check_sample, write_sample

        target = out or DEFAULT_DIR
        try:
            if check:
                names = check_sample(target)
                typer.echo(f"ok: {len(names)} sample files in {target} match a fresh generation")
                return
            paths = write_sample(target)
        except SampleMismatch as e:
            _fail(str(e), 1)
            return
        except GenerateError as e:
            _fail(str(e), 2)
            return
        typer.echo(f"wrote {len(paths)} sample files into {target}")
