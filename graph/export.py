"""Export tabular results (analytics rows) to CSV or XLSX with formula-injection cells neutralised.

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return as a formula; party names and notes come from outside
files, so such text could run a formula on the reader's machine. Following
OWASP's CSV-injection guidance, every *text* cell that begins with one of those
characters is prefixed with a single quote (``'``), and in XLSX every text cell
is written with the string data type, never as a formula. Numbers stay numbers
(a negative amount is not text, so it is not touched).

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from graph.errors import GraphError

__all__ = ["FORMULA_PREFIXES", "ExportError", "neutralise", "to_csv", "to_xlsx"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

Row = Mapping[str, Any]


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


def to_csv(rows: Iterable[Row], path: str | Path, *, columns: Sequence[str] | None = None) -> Path:
    """Write ``rows`` (dicts) to a UTF-8 CSV (with BOM, so Excel reads Chinese text), cells neutralised.

    Parameters
    ----------
    rows : iterable of mapping
        One dict per row; missing keys give empty cells.
    path : path-like
        File to write.
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
    try:
        with out.open("w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([neutralise(c) for c in cols])
            for r in data:
                w.writerow([_csv_cell(neutralise(r.get(c))) for c in cols])
    except OSError as e:
        raise ExportError(f"cannot write {out}: {e}; choose a writable path") from e
    return out


def _csv_cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def to_xlsx(rows: Iterable[Row], path: str | Path, *, columns: Sequence[str] | None = None,
            sheet: str = "result") -> Path:
    """Write ``rows`` to an XLSX workbook; text cells are typed as strings and neutralised.

    Control characters that XLSX cannot store (e.g. NUL) are replaced by U+FFFD.

    Parameters
    ----------
    rows : iterable of mapping
        One dict per row.
    path : path-like
        File to write.
    columns : sequence of str, optional
        Column order; default: keys in order of first appearance.
    sheet : str
        Worksheet title.

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
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING

    def text(v: str) -> str:  # control characters XLSX cannot hold are shown as U+FFFD
        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", v)

    data = _materialise(rows)
    cols = _columns(data, columns)
    wb = Workbook(write_only=False)
    ws = wb.active
    assert ws is not None
    ws.title = sheet[:31] or "result"
    for j, c in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=j, value=text(str(neutralise(c))))
        cell.data_type = TYPE_STRING
    for i, r in enumerate(data, start=2):
        for j, c in enumerate(cols, start=1):
            v = neutralise(r.get(c))
            if isinstance(v, str):
                cell = ws.cell(row=i, column=j)
                cell.value = text(v)  # openpyxl would type "=…" as a formula: force the string type after
                cell.data_type = TYPE_STRING
            elif v is None or isinstance(v, bool | int | float | datetime | date):
                ws.cell(row=i, column=j, value=v)
            else:
                cell = ws.cell(row=i, column=j, value=text(str(neutralise(str(v)))))
                cell.data_type = TYPE_STRING
    out = Path(path)
    try:
        wb.save(out)
    except OSError as e:
        raise ExportError(f"cannot write {out}: {e}; choose a writable path") from e
    return out
