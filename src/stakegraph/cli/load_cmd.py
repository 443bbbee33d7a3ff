"""``stakegraph load`` and ``stakegraph unload``: the CLI draws; ``loaders`` stays silent."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

EXIT_HELP = """
Exit codes: 0 success; 1 data errors (rows rejected, unreadable or refused files);
2 usage (bad option, missing path); 3 configuration (invalid mapping or settings);
4 system or store error (re-run the same command to complete an interrupted load).
"""


def _store() -> Any:
    from stakegraph.settings import load_settings
    from stakegraph.store import open_store

    return open_store(load_settings())


def _fail(msg: str, code: int) -> NoReturn:
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


class _Bar:
    """A rich progress bar with rows/s, shown only once a load has run for a second."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.start = time.monotonic()
        self.progress: Any = None
        self.tasks: dict[str, Any] = {}

    def __call__(self, ev: Any) -> None:
        if self.quiet or not sys.stderr.isatty() and not self.progress and time.monotonic() - self.start < 1:
            return
        if self.progress is None:
            if time.monotonic() - self.start < 1:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            class _Rate(TextColumn):
                def render(self, task: Any) -> Any:  # rows per second
                    from rich.text import Text

                    speed = task.finished_speed or task.speed
                    return Text(f"{speed:,.0f} rows/s" if speed else "… rows/s")

            self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                     _Rate(""), TimeElapsedColumn(), console=Console(stderr=True), transient=False)
            self.progress.start()
        if ev.phase not in self.tasks:
            self.tasks[ev.phase] = self.progress.add_task(ev.phase, total=ev.total)
        self.progress.update(self.tasks[ev.phase], completed=ev.done, total=ev.total)

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _bulk(paths: list[Path], store: Any, bulk_dir: Path | None, *, quiet: bool, **options: Any) -> Any:
    """``load --bulk``: the import files in ``bulk_dir`` (a temporary folder on the local server)."""
    import tempfile

    from stakegraph.store.neo4j_bulk import bulk_load, local_home

    def log(msg: str) -> None:
        if not quiet:
            typer.echo(msg, err=True)

    if bulk_dir is not None or local_home(store) is None:
        folder = bulk_dir or Path("stakegraph-import") / (options.get("load_id") or time.strftime("%Y%m%d-%H%M%S"))
        return bulk_load(paths, store, folder=folder, log=log, **options)
    with tempfile.TemporaryDirectory(prefix="stakegraph-import-") as tmp:
        return bulk_load(paths, store, folder=Path(tmp) / "files", log=log, **options)


def _summary(report: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    title = f"load {report.load_id}" + (" (dry run: nothing written)" if report.dry_run else "")
    table = Table(title=title)
    table.add_column("type")
    for col in ("created", "updated", "unchanged", "rejected"):
        table.add_column(col, justify="right")
    for key in sorted(report.counts):
        b = report.counts[key]
        table.add_row(key, *(f"{b.get(c, 0):,}" for c in ("created", "updated", "unchanged", "rejected")))
    table.add_row("[bold]total[/bold]", *(f"{report.total(c):,}" for c in ("created", "updated", "unchanged", "rejected")))
    console.print(table)
    if report.skipped:
        for reason, n in sorted(report.skipped_summary().items()):
            console.print(f"skipped {n:,} row(s): {reason} (rows listed in the report)")
    for w in report.warnings:
        console.print(f"warning: {w}")


def register(app: typer.Typer) -> None:
    """Add ``load`` and ``unload`` to ``app``."""

    @app.command(help="Load data files (CSV, TSV, JSON, JSON Lines, XLSX) or folders into the store.\n\n"
                      "Without --mapping the canonical layout of docs/data-format.md is expected; "
                      "--mapping takes a YAML file or a shipped name (worldbank). Strict mode (default) writes "
                      "nothing when any row is bad; --lenient writes the good rows and puts the bad ones in a "
                      "quarantine CSV next to report.json in --report-dir.\n" + EXIT_HELP)
    def load(
        paths: Annotated[list[Path], typer.Argument(help="Files or folders to load.", show_default=False)],
        mapping: Annotated[str | None, typer.Option("--mapping", "-m", help="YAML mapping file or shipped mapping name.")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and show what would change; write nothing.")] = False,
        strict: Annotated[bool, typer.Option("--strict/--lenient", help="Strict: all or nothing. Lenient: quarantine bad rows.")] = True,
        load_id: Annotated[str | None, typer.Option("--load-id", help="Id recorded on every record (default: hash of files + mapping).")] = None,
        batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Records per store transaction.")] = 20_000,
        report_dir: Annotated[Path | None, typer.Option("--report-dir", help="Where report.json and quarantine CSVs go (default: ./stakegraph-reports/LOAD_ID when rows are rejected).")] = None,
        errors_shown: Annotated[int, typer.Option("--show-errors", min=0, help="How many errors to print (all are in the report).")] = 50,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
        follow_symlinks: Annotated[bool, typer.Option("--follow-symlinks", help="Follow symbolic links inside input folders (refused by default).")] = False,
        bulk: Annotated[bool, typer.Option("--bulk", help="First load into an EMPTY Neo4j database with neo4j-admin database import (same validation; docs/storage.md, \"Bulk first load\"). On the local server (stakegraph neo4j start) it stops, imports and restarts it; for another server it writes the import files and prints the command.")] = False,
        bulk_dir: Annotated[Path | None, typer.Option("--bulk-dir", help="Where --bulk writes the import CSVs (a new or empty folder; default: a temporary folder on the local server, ./stakegraph-import/LOAD_ID otherwise).")] = None,
    ) -> None:
        from stakegraph.errors import ConfigError, StakegraphError
        from stakegraph.loaders import InputError, LoaderStoreError, MappingError, ReportError
        from stakegraph.loaders import load as do_load

        if bulk and dry_run:
            _fail("--bulk and --dry-run do not go together: a dry run writes nothing (drop one)", 2)
        bar = _Bar(quiet)
        try:
            store = _store()
        except ConfigError as e:
            _fail(str(e), 3)
        except (StakegraphError, OSError) as e:
            _fail(f"cannot open the store: {e}", 4)
        if bulk and store.backend != "neo4j":
            store.close()
            _fail("--bulk imports into Neo4j, and the store is the embedded one: set STAKEGRAPH_NEO4J_URI "
                  "(or load without --bulk)", 2)
        result: Any = None
        try:
            with store:
                if bulk:
                    report, result = _bulk(paths, store, bulk_dir, mapping=mapping,
                                           mode="strict" if strict else "lenient", load_id=load_id,
                                           progress=bar, follow_symlinks=follow_symlinks, quiet=quiet)
                else:
                    report = do_load(paths, store, mapping=mapping, mode="strict" if strict else "lenient",
                                     dry_run=dry_run, load_id=load_id, batch_size=batch_size, progress=bar,
                                     follow_symlinks=follow_symlinks)
        except InputError as e:
            bar.stop()
            _fail(str(e), 2)
        except MappingError as e:
            bar.stop()
            _fail(str(e), 3)
        except (LoaderStoreError, StakegraphError, OSError) as e:
            bar.stop()
            _fail(str(e), getattr(e, "exit_code", 4))
        bar.stop()
        _summary(report)
        if result is not None and not result.imported:
            typer.echo(f"import files: {result.files.folder} ({result.files.n_nodes:,} nodes, "
                       f"{result.files.n_edges:,} relationships); nothing was written to the database.\n"
                       "On the Neo4j server, with the database stopped (an import replaces it), run:\n\n"
                       f"  {result.command}\n\n"
                       "then start it: stakegraph creates its constraints and indexes at its next write.")
        if report.errors:
            folder = report_dir or Path("stakegraph-reports") / report.load_id
            try:
                written = report.write_files(folder)
            except ReportError as e:
                typer.echo(f"{len(report.errors):,} error(s) in {report.bad_rows:,} row(s)", err=True)
                _fail(str(e), 4)
            typer.echo(f"{len(report.errors):,} error(s) in {report.bad_rows:,} row(s):", err=True)
            for err in report.errors[:errors_shown]:
                typer.echo(f"  {err}", err=True)
            if len(report.errors) > errors_shown:
                typer.echo(f"  … {len(report.errors) - errors_shown:,} more", err=True)
            typer.echo(f"report: {', '.join(map(str, written))}", err=True)
            if strict:
                typer.echo("strict mode: nothing was written (fix the rows, or use --lenient)", err=True)
            raise typer.Exit(1)
        if report_dir is not None:
            try:
                report.write_files(report_dir)
            except ReportError as e:
                _fail(str(e), 4)
        typer.echo(f"load id: {report.load_id}")

    @app.command(help="Remove every node and edge a load created (its LOAD_ID is printed by load).\n" + EXIT_HELP)
    def unload(load_id: Annotated[str, typer.Argument(help="The load id to remove.")]) -> None:
        from stakegraph.errors import ConfigError, StakegraphError
        from stakegraph.loaders import unload as do_unload

        try:
            with _store() as store:
                stats = do_unload(load_id, store)
        except ConfigError as e:
            _fail(str(e), 3)
        except (StakegraphError, OSError) as e:
            _fail(str(e), 4)
        if not stats.deleted:
            typer.echo(f"no node or edge has load id {load_id}", err=True)
            raise typer.Exit(1)
        typer.echo(f"removed {stats.deleted:,} record(s) of load {load_id}: "
                   + ", ".join(f"{k} {b['deleted']:,}" for k, b in sorted(stats.by_type.items())))
