"""The tables every ``stakegraph analyze …`` command prints, and their ``--csv`` / ``--xlsx`` copies.

A command opens ``with tables(csv_dir, xlsx, as_json) as out:`` and calls ``out.table(…)`` for each
table; the table is printed at once (rich) and kept. When the block ends without an error the kept
tables are written — one CSV per table into ``--csv DIR`` (file names are slugs of the table
titles, or of the ``name=`` a table is given when its title carries figures), one workbook with a sheet per table for ``--xlsx FILE`` — through ``stakegraph.export``, which
neutralises formula-like text; then one ``wrote PATH`` line per file goes to stderr.

A number the terminal shows in a special format (``1,972`` for an HHI, ``86.76%``) is passed as
``num(value, ",.0f")``: the terminal shows the text, the files get the number.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from stakegraph.analyses.cells import Shown, money, money_text, num

__all__ = ["CSV_OPTION", "XLSX_OPTION", "Shown", "Tables", "money", "money_text", "num", "print_table", "tables"]

CSV_OPTION: Any = typer.Option(
    None, "--csv", metavar="DIR", file_okay=False,
    help="Also save every table printed as DIR/<name>.csv (UTF-8 with BOM; the folder is created). File names "
         "are slugs of the table titles, without their figures so they stay the same from run to run (e.g. "
         "concentration-tech-co.csv); each file written is listed. Text a spreadsheet would run as a formula "
         "gets a leading '.")
XLSX_OPTION: Any = typer.Option(
    None, "--xlsx", metavar="FILE", dir_okay=False,
    help="Also save every table printed into one .xlsx workbook, one sheet per table (sheet names: the same "
         "slugs, cut to Excel's 31 characters). Numbers stay numbers; text is never a formula.")


def _text(v: Any) -> str:
    from rich.markup import escape

    if v is None:
        return ""
    if isinstance(v, Shown):
        return escape(v.text)
    if isinstance(v, bool):
        return "yes" if v else ""
    if isinstance(v, float):
        return f"{v:,.2f}"
    return escape(str(v))  # ids, names and paths may contain [brackets]


def _file_value(v: Any) -> Any:
    return v.value if isinstance(v, Shown) else v


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], stamp: Any = None) -> None:
    """Print one table (rich) and, when given, the dim line of its stamp.

    A column is right-aligned when its first row holds a plain number; floats show 2 decimals,
    booleans ``yes`` or nothing, :class:`Shown` cells their text; text is markup-escaped.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    table = Table(title=escape(title), title_justify="left")
    for i, col in enumerate(columns):
        first = rows[0][i] if rows else None
        numeric = isinstance(first, int | float) and not isinstance(first, bool)
        table.add_column(escape(col), justify="right" if numeric else "left", no_wrap=i == 0, overflow="fold")
    for row in rows:
        table.add_row(*(_text(v) for v in row))
    console.print(table)
    if stamp is not None:
        line = f"{stamp.algorithm}: {stamp.variant} | graph {stamp.graph_version} | {stamp.reference}"
        console.print(f"[dim]{escape(line)}[/dim]")


class Tables:
    """Prints tables and keeps them for ``--csv`` / ``--xlsx``; :meth:`save` writes the files."""

    def __init__(self, csv_dir: Path | None = None, xlsx: Path | None = None) -> None:
        self.csv_dir = csv_dir
        self.xlsx = xlsx
        self.kept: list[tuple[str, list[str], list[list[Any]]]] = []

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], stamp: Any = None, *,
              name: str | None = None) -> None:
        """Print a table; keep it under ``name`` (default: the title) for the files.

        Give ``name`` when the title carries figures (totals, counts), so that file and sheet names
        stay the same from run to run.
        """
        print_table(title, columns, rows, stamp)
        if self.csv_dir is not None or self.xlsx is not None:
            from stakegraph.export import slug

            self.kept.append((slug(name or title), list(columns), [[_file_value(v) for v in r] for r in rows]))

    def save(self) -> list[Path]:
        """Write the kept tables; return the files written (nothing when no option was given)."""
        from stakegraph.export import to_csv_files, to_xlsx_sheets

        written: list[Path] = []
        if self.csv_dir is not None:
            written += to_csv_files(self.kept, self.csv_dir)
        if self.xlsx is not None:
            written.append(to_xlsx_sheets(self.kept, self.xlsx))
        return written


@contextmanager
def tables(csv_dir: Path | None = None, xlsx: Path | None = None, as_json: bool = False) -> Iterator[Tables]:
    """Collect the tables a command prints; write them when the command finishes without an error.

    Prints ``wrote PATH`` (stderr) per file; an export error is printed as ``error: …`` and ends the
    command with exit code 1. ``--csv``/``--xlsx`` with ``--json`` is a usage error (there are no tables).
    """
    from stakegraph.export import ExportError

    if as_json and (csv_dir is not None or xlsx is not None):
        raise typer.BadParameter("--csv and --xlsx save the printed tables; --json prints none. "
                                 "Drop --json (or redirect the JSON to a file).",
                                 param_hint="'--csv' / '--xlsx'")
    if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
        raise typer.BadParameter(f"{xlsx} does not end in .xlsx; Excel opens only .xlsx files as workbooks. "
                                 f"Use e.g. --xlsx {xlsx.with_suffix('.xlsx')}", param_hint="'--xlsx'")
    out = Tables(csv_dir, xlsx)
    yield out
    if not out.kept:
        return
    try:
        written = out.save()
    except ExportError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from e
    for path in written:
        typer.echo(f"wrote {path}", err=True)
