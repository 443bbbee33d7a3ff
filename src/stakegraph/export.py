"""Export tabular results (analytics rows) to CSV or XLSX with formula-injection cells neutralised.

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return as a formula; party names and notes come from outside
files, so such text could run a formula on the reader's machine. Following
OWASP's CSV-injection guidance, every *text* cell that begins with one of those
characters is prefixed with a single quote (``'``), and in XLSX every text cell
is written with the string data type, never as a formula. Numbers stay numbers
(a negative amount is not text, so it is not touched).

Several tables at once: :func:`to_csv_files` writes one CSV per table into a
folder (file names are :func:`slug` s of the titles) and :func:`to_xlsx_sheets`
one workbook with a sheet per table (names made valid by :func:`sheet_names`).
Every file is written to a temporary file in the same folder and renamed into
place, so a failed export leaves nothing half-written.

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
import numbers
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from stakegraph.errors import GraphError

__all__ = ["FORMULA_PREFIXES", "SHEET_NAME_MAX", "ExportError", "Table", "neutralise", "sheet_names", "slug",
           "to_csv", "to_csv_files", "to_xlsx", "to_xlsx_sheets"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

Row = Mapping[str, Any]
#: One table to export: (title, column names, rows); a row is a mapping by column name or a sequence
#: of values in column order.
Table = tuple[str, Sequence[str], Sequence[Row | Sequence[Any]]]
#: Excel's limit on a worksheet name.
SHEET_NAME_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                               *(f"lpt{i}" for i in range(10))})


class ExportError(GraphError):
    """An export could not be written (bad rows or an unwritable path)."""


def neutralise(value: Any) -> Any:
    """Return ``value`` safe for a spreadsheet cell.

    Text beginning with ``= + - @``, tab or CR gets a leading ``'``; lists become
    ``;``-joined text (then checked); numbers, booleans, dates and ``None`` are
    returned unchanged.

    Parameters
    ----------
    value : Any
        A cell value.

    Returns
    -------
    Any
        The value, or neutralised text.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise("-2+3"), neutralise(-2.5), neutralise("A Co.")
    ("'-2+3", -2.5, 'A Co.')
    """
    if isinstance(value, list | tuple | set | frozenset):
        value = ";".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _columns(rows: Sequence[Row], columns: Sequence[str] | None) -> list[str]:
    if columns is not None:
        return list(columns)
    seen: dict[str, None] = {}
    for r in rows:
        for k in r:
            seen.setdefault(str(k), None)
    return list(seen)


def _materialise(rows: Iterable[Row]) -> list[Row]:
    out = list(rows)
    for i, r in enumerate(out, start=1):
        if not isinstance(r, Mapping):
            raise ExportError(f"row {i} is a {type(r).__name__}, not a mapping of column → value; "
                              "pass rows as dicts")
    return out


def slug(title: str, max_len: int = 80) -> str:
    """Turn a table title into a file-name stem: lower case, words joined by ``-``.

    Letters of any script are kept (a Chinese name stays Chinese), every run of other characters
    (spaces, punctuation, ``_``) becomes one ``-``; the result is cut to ``max_len`` characters.
    An empty result is ``table``; a name Windows reserves (``con``, ``nul``, ``com1`` …) gets
    ``-table`` appended.

    Parameters
    ----------
    title : str
        Any text.
    max_len : int
        Longest stem returned.

    Returns
    -------
    str
        The slug.

    Examples
    --------
    >>> slug("Concentration: customers of A Co.")
    'concentration-customers-of-a-co'
    >>> slug("科技公司 (tech_co): buys_from"), slug("???"), slug("CON")
    ('科技公司-tech-co-buys-from', 'table', 'con-table')
    """
    text = unicodedata.normalize("NFKC", title).lower()
    out = re.sub(r"[\W_]+", "-", text).strip("-")[:max_len].rstrip("-") or "table"
    return f"{out}-table" if out in _WINDOWS_RESERVED else out


def _unique(base: str, taken: set[str], max_len: int) -> str:
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        suffix = f"-{n}"
        name = base[: max_len - len(suffix)] + suffix
    taken.add(name.lower())
    return name


def sheet_names(titles: Iterable[str]) -> list[str]:
    """Valid, distinct Excel worksheet names for ``titles``, in order.

    Excel's rules: at most 31 characters, none of ``[ ] : * ? / \\``, not beginning or ending
    with an apostrophe, not empty, not ``History`` (reserved), and unique ignoring case. A
    forbidden character becomes ``-``; a repeated name gets ``-2``, ``-3`` … (cut to fit).

    Parameters
    ----------
    titles : iterable of str
        Wanted names.

    Returns
    -------
    list of str
        One valid name per title.

    Examples
    --------
    >>> sheet_names(["a/b", "A-B", "x" * 40, "history", ""])
    ['a-b', 'A-B-2', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'history-sheet', 'sheet']
    """
    taken: set[str] = set()
    out = []
    for t in titles:
        name = _SHEET_FORBIDDEN.sub("-", t).strip().strip("'")[:SHEET_NAME_MAX].strip().strip("'") or "sheet"
        if name.lower() == "history":
            name = "history-sheet"
        out.append(_unique(name, taken, SHEET_NAME_MAX))
    return out


def _row_values(r: Row | Sequence[Any], cols: Sequence[str], where: str) -> list[Any]:
    if isinstance(r, Mapping):
        return [r.get(c) for c in cols]
    if isinstance(r, str | bytes) or not isinstance(r, Sequence):
        raise ExportError(f"{where} is a {type(r).__name__}, not a mapping or a sequence of values; "
                          "pass rows as dicts or lists")
    if len(r) != len(cols):
        raise ExportError(f"{where} has {len(r)} values for {len(cols)} columns; give one value per column")
    return list(r)


def _table_rows(table: Table) -> tuple[str, list[str], list[list[Any]]]:
    try:
        title, columns, rows = table
    except (TypeError, ValueError) as e:
        raise ExportError("a table is (title, columns, rows); pass a 3-tuple per table") from e
    cols = [str(c) for c in columns]
    return str(title), cols, [_row_values(r, cols, f"row {i} of table {title!r}") for i, r in enumerate(rows, 1)]


def _tmp_beside(out: Path) -> Path:
    fd, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    return Path(name)


def _write_all(targets: Sequence[tuple[Path, Callable[[Path], None]]]) -> list[Path]:
    """Write every target to a temporary file beside it, then rename them all into place.

    A failure removes the temporary files and raises :class:`ExportError` naming the path; no
    target is touched unless every file was written.
    """
    done: list[tuple[Path, Path]] = []
    current = targets[0][0] if targets else Path()
    try:
        for out, write in targets:
            current = out
            if out.is_dir():
                raise IsADirectoryError(21, "is a folder")
            tmp = _tmp_beside(out)
            done.append((tmp, out))
            write(tmp)
        for tmp, out in done:
            current = out
            os.replace(tmp, out)
    except OSError as e:
        for tmp, _ in done:
            tmp.unlink(missing_ok=True)
        reason = e.strerror or str(e)
        raise ExportError(f"cannot write {current}: {reason}; choose a writable path "
                          "(in a folder that exists and that you can write to)") from e
    return [out for _, out in done]


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        reason = e.strerror or str(e)
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            reason = f"{blocker} is a file"
        raise ExportError(f"cannot create folder {folder}: {reason}; choose a folder you can write to "
                          "(not a path through an existing file)") from e


def _write_csv(path: Path, cols: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([neutralise(c) for c in cols])
        for r in rows:
            w.writerow([_csv_cell(neutralise(v)) for v in r])


def to_csv(rows: Iterable[Row], path: str | Path, *, columns: Sequence[str] | None = None) -> Path:
    """Write ``rows`` (dicts) to a UTF-8 CSV (with BOM, so Excel reads Chinese text), cells neutralised.

    Parameters
    ----------
    rows : iterable of mapping
        One dict per row; missing keys give empty cells.
    path : path-like
        File to write (through a temporary file beside it, renamed into place).
    columns : sequence of str, optional
        Column order; default: keys in order of first appearance. A column name is neutralised too.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = to_csv([{"name": "=1+1", "amount": -5}], pathlib.Path(tempfile.mkdtemp()) / "x.csv")
    >>> p.read_text(encoding="utf-8-sig").splitlines()
    ['name,amount', "'=1+1,-5"]
    """
    data = _materialise(rows)
    cols = _columns(data, columns)
    out = Path(path)
    values = [[r.get(c) for c in cols] for r in data]
    _write_all([(out, lambda tmp: _write_csv(tmp, cols, values))])
    return out


def to_csv_files(tables: Iterable[Table], folder: str | Path) -> list[Path]:
    """Write each table to ``folder/<slug of its title>.csv`` (UTF-8 with BOM, cells neutralised).

    The folder is created if missing. Repeated slugs get ``-2``, ``-3`` …. Every file is first
    written to a temporary file and all are renamed into place only when all were written, so an
    error leaves none of them half-written.

    Parameters
    ----------
    tables : iterable of (title, columns, rows)
        A row is a mapping by column name or a sequence of values in column order.
    folder : path-like
        Folder to write into.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``tables``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> [p.name for p in to_csv_files([("Top customers", ["name", "share %"], [["=evil", 30.5]]),
    ...                                ("Summary", ["measure", "value"], [])], d)]
    ['top-customers.csv', 'summary.csv']
    >>> (d / "top-customers.csv").read_text(encoding="utf-8-sig").splitlines()
    ['name,share %', "'=evil,30.5"]
    """
    parsed = [_table_rows(t) for t in tables]
    base = Path(folder)
    _make_folder(base)
    taken: set[str] = set()
    targets: list[tuple[Path, Callable[[Path], None]]] = []
    for title, cols, rows in parsed:
        out = base / f"{_unique(slug(title), taken, 120)}.csv"
        targets.append((out, lambda tmp, c=cols, r=rows: _write_csv(tmp, c, r)))  # type: ignore[misc]
    return _write_all(targets)


def _csv_cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def _fill_sheet(ws: Any, cols: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Header and rows into ``ws``: text typed as string (never a formula), numbers as numbers."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING

    def put_text(i: int, j: int, v: str) -> None:
        cell = ws.cell(row=i, column=j)
        cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", v)  # control characters XLSX cannot hold
        cell.data_type = TYPE_STRING  # openpyxl would type "=…" as a formula: force the string type after

    for j, c in enumerate(cols, start=1):
        put_text(1, j, str(neutralise(c)))
    for i, r in enumerate(rows, start=2):
        for j, raw in enumerate(r, start=1):
            v = neutralise(raw)
            if isinstance(v, str):
                put_text(i, j, v)
            elif v is None or isinstance(v, bool | datetime | date):
                ws.cell(row=i, column=j, value=v)
            elif isinstance(v, numbers.Integral):
                ws.cell(row=i, column=j, value=int(v))
            elif isinstance(v, numbers.Real) and abs(float(v)) != float("inf") and float(v) == float(v):
                ws.cell(row=i, column=j, value=float(v) if not isinstance(v, int | float) else v)
            else:  # Decimal, NaN, infinity, objects: their text
                put_text(i, j, str(neutralise(str(v))))


def _save_workbook(wb: Any, out: Path) -> None:
    _write_all([(out, lambda tmp: wb.save(tmp))])


def to_xlsx(rows: Iterable[Row], path: str | Path, *, columns: Sequence[str] | None = None,
            sheet: str = "result") -> Path:
    """Write ``rows`` to an XLSX workbook; text cells are typed as strings and neutralised.

    Control characters that XLSX cannot store (e.g. NUL) are replaced by U+FFFD.

    Parameters
    ----------
    rows : iterable of mapping
        One dict per row.
    path : path-like
        File to write (through a temporary file beside it, renamed into place).
    columns : sequence of str, optional
        Column order; default: keys in order of first appearance.
    sheet : str
        Worksheet title (made valid by :func:`sheet_names`).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> p = to_xlsx([{"name": "@SUM(A1)"}], pathlib.Path(tempfile.mkdtemp()) / "x.xlsx")
    >>> c = openpyxl.load_workbook(p).active["A2"]
    >>> c.value, c.data_type
    ("'@SUM(A1)", 's')
    """
    from openpyxl import Workbook

    data = _materialise(rows)
    cols = _columns(data, columns)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet_names([sheet or "result"])[0]
    _fill_sheet(ws, cols, ([r.get(c) for c in cols] for r in data))
    out = Path(path)
    _save_workbook(wb, out)
    return out


def to_xlsx_sheets(tables: Iterable[Table], path: str | Path) -> Path:
    """Write several tables to one XLSX workbook, one worksheet per table, cells neutralised.

    Sheet names come from the titles through :func:`sheet_names` (Excel's rules: ≤ 31
    characters, no ``[]:*?/\\``, unique). Row 1 holds the column names. Text cells are typed as
    strings and neutralised as in :func:`to_xlsx`; numbers stay numbers. A missing folder is
    created; the workbook is written to a temporary file beside ``path`` and renamed into place.

    Parameters
    ----------
    tables : iterable of (title, columns, rows)
        A row is a mapping by column name or a sequence of values in column order. At least one.
    path : path-like
        Workbook to write.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> p = to_xlsx_sheets([("Top: customers?", ["name", "share %"], [["=evil", 30.5]]),
    ...                     ("Summary", ["measure", "value"], [{"measure": "HHI", "value": 1972.2}])],
    ...                    pathlib.Path(tempfile.mkdtemp()) / "x.xlsx")
    >>> wb = openpyxl.load_workbook(p)
    >>> wb.sheetnames, wb["Top- customers-"]["A2"].value, wb["Summary"]["B2"].value
    (['Top- customers-', 'Summary'], "'=evil", 1972.2)
    """
    from openpyxl import Workbook

    parsed = [_table_rows(t) for t in tables]
    if not parsed:
        raise ExportError("no tables to write; a workbook needs at least one sheet")
    wb = Workbook()
    default = wb.active
    assert default is not None
    wb.remove(default)
    for name, (_, cols, rows) in zip(sheet_names(t for t, _, _ in parsed), parsed, strict=True):
        _fill_sheet(wb.create_sheet(title=name), cols, rows)
    out = Path(path)
    _make_folder(out.parent)
    _save_workbook(wb, out)
    return out
