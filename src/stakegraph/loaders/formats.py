"""Read CSV, TSV, JSON (array), JSON Lines and XLSX files as streams of rows.

The format comes from the content first (an XLSX is a zip; JSON starts with
``[`` or ``{``; otherwise delimited text whose delimiter is sniffed from the
header line) and from the extension when the content allows several. Every
reader yields :class:`RawRow` objects one at a time, so memory stays flat:
CSV through :mod:`csv`, JSON arrays through an incremental
``json.JSONDecoder.raw_decode`` loop, XLSX through openpyxl's read-only mode.

Row numbers are 1-based with the header as row 1 for CSV, TSV and XLSX (each
CSV *record* counts once, even with embedded newlines), the line number for
JSON Lines, and the element number for a JSON array.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from stakegraph.loaders.bounds import current, setting
from stakegraph.loaders.compressed import compression, data_suffix, open_bytes
from stakegraph.loaders.encoding import detect_encoding
from stakegraph.loaders.errors import BoundExceeded, FileFormatError

FORMATS = ("csv", "tsv", "json", "jsonl", "xlsx")
_EXT = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl",
        ".xlsx": "xlsx", ".xlsm": "xlsx", ".txt": "csv"}
_READ = 1 << 20
MAX_JSON_ROW = 16 << 20  # bytes in one JSON row (the default of STAKEGRAPH_LOAD_MAX_ROW_BYTES)
_BOM = "\ufeff"
_JSON_STR = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")
_RATIO_FLOOR = 1 << 20  # zip members smaller than this are not ratio-checked (tiny XML compresses well)


class _NonFinite(str):
    """What JSON ``NaN``/``Infinity``/``-Infinity`` parse to: a marker the row check refuses."""


def _bound_fix(name: str, what: str) -> str:
    return f"{what}, or raise {setting(name)} (default in docs/loading.md, 'Bounds') if the data is genuine"


def check_values(values: dict[str, Any]) -> tuple[str, str, str] | None:
    """``(problem, column, fix)`` for the first value over the field or row bound, else ``None``."""
    b = current()
    total = 0
    for k, v in values.items():
        if isinstance(v, _NonFinite) or isinstance(v, list) and any(isinstance(x, _NonFinite) for x in v):
            return f"is {v}: JSON numbers must be finite", k, "write a finite number, or leave the value empty"
        if not (_clean(k) and (_clean(v) if isinstance(v, str) else not isinstance(v, list) or all(map(_clean, v)))):
            return ("holds an unpaired UTF-16 surrogate (a \\ud800-\\udfff escape without its pair)", _shown(k),
                    "write the text as UTF-8, or escape both halves of the pair")
        if isinstance(v, str):
            n = len(v)
            if n > b.max_field_chars:
                return (f"value has {n:,} characters, more than the bound of {b.max_field_chars:,}", k,
                        _bound_fix("max_field_chars", "shorten the value"))
            total += n
    if total > b.max_row_bytes:
        return (f"row has {total:,} characters, more than the bound of {b.max_row_bytes:,} bytes", "",
                _bound_fix("max_row_bytes", "split the row"))
    return None


def _clean(text: object) -> bool:
    """False for text holding lone surrogates (JSON ``"\\ud800"``), which cannot be written as UTF-8."""
    if not isinstance(text, str) or text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _checked(n: int, values: dict[str, Any]) -> RawRow:
    bad = check_values(values)
    if bad:
        return RawRow(n, values, bad[0], bad[1], bad[2])
    return RawRow(n, values)


@dataclass(frozen=True)
class RawRow:
    """One row: its number, its values by original column name, and a structural problem if any."""

    row: int
    values: dict[str, Any]
    problem: str = ""
    column: str = ""
    fix: str = "correct the row so it matches the header"


@dataclass
class Table:
    """One readable table: a text file, or one sheet of a workbook."""

    label: str
    path: Path
    format: str
    encoding: str | None = None
    sheet: str | None = None
    delimiter: str = ","
    header: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set, repr=False)

    @property
    def name(self) -> str:
        return f"{self.label}#{self.sheet}" if self.sheet else self.label

    def rows(self) -> Iterator[RawRow]:
        """Stream the rows (re-opening the file each time it is called)."""
        if self.format in ("csv", "tsv"):
            return _csv_rows(self)
        if self.format == "jsonl":
            return _jsonl_rows(self)
        if self.format == "json":
            return _json_rows(self)
        return _xlsx_rows(self)


def sniff_format(path: Path, label: str) -> str:
    """The file's format from its first bytes (decompressed), using the extension to break ties."""
    with open_bytes(path, label) as f:
        head = f.read(4096)
    ext = _EXT.get(data_suffix(path))
    if head.startswith(b"PK\x03\x04"):
        if compression(path):
            raise FileFormatError("is a compressed XLSX workbook (a workbook is already a zip)", file=label,
                                  fix="give the .xlsx file itself, not a .gz/.xz of it")
        return "xlsx"
    if ext == "xlsx":
        raise FileFormatError("has an .xlsx name but is not a zip/XLSX workbook (truncated or mislabelled)",
                              file=label, fix="re-export the workbook from Excel, or give it the right extension")
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"["):
        return "json"
    if text.startswith(b"{"):
        return "jsonl"
    return ext if ext in ("csv", "tsv") else "csv"


def open_tables(path: Path, label: str, *, sheets: list[str] | None = None) -> list[Table]:
    """Every table in ``path`` (one, or one per sheet of a workbook), headers read."""
    if path.stat().st_size == 0:
        raise FileFormatError("is empty", file=label, fix="export the data again; a file needs a header row")
    fmt = sniff_format(path, label)
    if fmt == "xlsx":
        return _xlsx_tables(path, label, sheets)
    enc = detect_encoding(path, label=label)
    table = Table(label, path, fmt, enc)
    if fmt in ("csv", "tsv"):
        table.delimiter = "\t" if fmt == "tsv" else ","
        with _open_text(table) as f:
            first = f.readline(65536)
        if fmt == "csv" and first.count("\t") > first.count(",") and first.count("\t") > first.count(";"):
            table.format, table.delimiter = "tsv", "\t"
        elif fmt == "csv" and first.count(";") > first.count(","):
            table.delimiter = ";"
    return [table]


def _open_text(table: Table) -> TextIO:
    return io.TextIOWrapper(open_bytes(table.path, table.label), encoding=table.encoding or "utf-8", errors="strict",
                            newline="")


def _check_width(n: int, label: str, row: int | None = 1) -> None:
    limit = current().max_columns
    if n > limit:
        raise BoundExceeded(f"has {n:,} columns, more than the bound of {limit:,} ({setting('max_columns')})",
                            file=label, row=row, fix=_bound_fix("max_columns", "split the file into narrower files"))


def _header(names: list[Any], label: str) -> list[str]:
    _check_width(len(names), label)
    out: list[str] = []
    seen: set[str] = set()
    for i, raw in enumerate(names, start=1):
        name = "" if raw is None else str(raw).strip()
        if i == 1:
            name = name.lstrip(_BOM).strip()  # a second byte-order mark (the first is decoded away)
        if not name:
            name = f"column_{i}"
        if name in seen:
            raise FileFormatError(f"column {name!r} appears twice in the header", file=label,
                                  fix="give every column a distinct name")
        seen.add(name)
        out.append(name)
    return out


def _blank(values: list[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


# -- CSV / TSV -----------------------------------------------------------------
def _lines(f: TextIO, table: Table) -> Iterator[str]:
    """The file's lines, refusing one longer than the row bound before it is read whole."""
    limit = current().max_row_bytes
    n = 0
    while line := f.readline(limit + 1):
        n += 1
        if len(line) > limit and not line.endswith(("\n", "\r")):
            raise BoundExceeded(f"line {n:,} is longer than the bound of {limit:,} bytes ({setting('max_row_bytes')})",
                                file=table.name, row=n, fix=_bound_fix("max_row_bytes", "split the line"))
        yield line


def _csv_rows(table: Table) -> Iterator[RawRow]:
    for n, rec, raw in csv_records(table):
        yield raw if raw is not None else RawRow(n, dict(zip(table.header, rec, strict=False)))


def csv_records(table: Table) -> Iterator[tuple[int, list[str], RawRow | None]]:
    """``(row, values, None)`` for a row that passes the structural checks, else ``(row, values, RawRow)``
    with the problem (what :meth:`Table.rows` yields for it).

    The fast path of the canonical layout: no dictionary per row. Text decoded strictly never
    holds lone surrogates, so only the length bounds are checked here, first on the whole record
    (a superset of the values the row keeps) and, when that is over a bound, exactly.
    """
    b = current()
    limit = b.max_field_chars
    row_limit = b.max_row_bytes
    with _open_text(table) as f:
        reader = csv.reader(_lines(f, table), delimiter=table.delimiter)
        header: list[str] | None = None
        n = 0
        old_limit = csv.field_size_limit(limit)
        try:
            for rec in reader:
                n += 1
                if header is None:
                    if _blank(rec):
                        continue
                    header = _header(rec, table.name)
                    table.header = header
                    width = len(header)
                    continue
                if not "".join(rec).strip():  # _blank for text values, in C
                    continue
                if len(rec) > width and not _blank(rec[width:]):
                    yield n, rec, RawRow(n, dict(zip(header, rec, strict=False)),
                                         f"row has {len(rec):,} values but the header has {width:,} columns "
                                         "(a delimiter or quote inside a value?)")
                    continue
                lens = list(map(len, rec))
                if sum(lens) > row_limit or max(lens) > limit:
                    values = dict(zip(header, rec, strict=False))
                    bad = check_values(values)
                    yield n, rec, (RawRow(n, values, bad[0], bad[1], bad[2]) if bad else None)
                    continue
                yield n, rec, None
        except csv.Error as e:
            raise FileFormatError(f"unreadable CSV at row {n + 1}: {e}", file=table.name, row=n + 1,
                                  fix="quote values that contain delimiters or newlines; fields over "
                                      f"{limit:,} characters are refused ({setting('max_field_chars')})") from e
        finally:
            csv.field_size_limit(old_limit)
        if header is None:
            raise FileFormatError("has no header row (only blank lines)", file=table.name,
                                  fix="put the column names on the first line")


def read_header(table: Table) -> list[str]:
    """Read just the header (for role detection)."""
    if table.header:
        return table.header
    for _ in table.rows():
        break
    if not table.header and table.format in ("json", "jsonl"):
        return []
    return table.header


# -- JSON Lines -----------------------------------------------------------------
def _obj_row(n: int, obj: Any, table: Table) -> RawRow:
    if not isinstance(obj, dict):
        what = str(obj) if isinstance(obj, _NonFinite) else f"a JSON {type(obj).__name__}"
        return RawRow(n, {}, f"is {what}, not an object", "", "write one JSON object per row")
    limit = current().max_columns
    if len(obj) > limit:
        return RawRow(n, {}, f"has {len(obj):,} keys, more than the bound of {limit:,} columns", "",
                      _bound_fix("max_columns", "split the object"))
    values: dict[str, Any] = {}
    for k, v in obj.items():
        if isinstance(v, dict):
            return RawRow(n, {str(a): b for a, b in obj.items() if not isinstance(b, dict | list)},
                          "holds a nested object; rows must be flat (flatten it into columns)", str(k))
        if isinstance(v, list) and any(isinstance(x, dict | list) for x in v):
            return RawRow(n, {}, "holds a nested list; only lists of plain values are allowed", str(k))
        values[str(k).strip().lstrip(_BOM)] = v
    bad = check_values(values)
    if bad:
        return RawRow(n, {k: v for k, v in values.items() if not isinstance(v, _NonFinite | list)
                          and _clean(k) and _clean(v)}, *bad)
    for k in values:
        if k not in table.seen:
            table.seen.add(k)
            table.header.append(k)
    _check_width(len(table.header), table.name, n)
    return RawRow(n, values)


def _depth_problem(text: str) -> str:
    """A message when ``text`` nests ``[``/``{`` deeper than the bound (checked before parsing)."""
    limit = current().max_json_depth
    if text.count("[") + text.count("{") <= limit:
        return ""
    depth = 0
    for m in _BRACKET.finditer(_JSON_STR.sub("", text)):
        depth += 1 if m.group() in "[{" else -1
        if depth > limit:
            return (f"is nested deeper than the bound of {limit} levels ({setting('max_json_depth')}); "
                    "rows must be flat objects")
    return ""


def _parse(text: str) -> tuple[Any, str, str]:
    """``(object, problem, fix)`` for one JSON row."""
    problem = _depth_problem(text)
    if problem:
        return None, problem, "flatten the row into columns"
    try:
        return json.loads(text, parse_constant=_NonFinite), "", ""
    except RecursionError:
        return None, "is nested too deeply to read; rows must be flat objects", "flatten the row into columns"
    except json.JSONDecodeError as e:
        return None, f"is not valid JSON ({e.msg} at column {e.colno})", "write one complete JSON object per line"
    except ValueError as e:  # an integer with more digits than Python converts (sys.int_info)
        return None, f"holds a number that cannot be read ({e})", "write numbers with at most 18 digits"


def _jsonl_rows(table: Table) -> Iterator[RawRow]:
    limit = current().max_row_bytes
    enc = table.encoding or "utf-8"
    with open_bytes(table.path, table.label) as f:
        n = 0
        while raw := f.readline(limit + 1):
            n += 1
            if len(raw) > limit and not raw.endswith(b"\n"):
                while (more := f.readline(_READ)) and not more.endswith(b"\n"):
                    pass
                yield RawRow(n, {}, f"line is larger than the bound of {limit:,} bytes ({setting('max_row_bytes')})",
                             "", _bound_fix("max_row_bytes", "split the row"))
                continue
            line = raw.decode(enc)
            if n == 1:
                line = line.lstrip(_BOM)
            if not line.strip():
                continue
            obj, problem, fix = _parse(line)
            if problem:
                yield RawRow(n, {}, problem, "", fix)
                continue
            yield _obj_row(n, obj, table)


# -- JSON array -------------------------------------------------------------------
def _json_rows(table: Table) -> Iterator[RawRow]:
    dec = json.JSONDecoder(parse_constant=_NonFinite)
    limit = current().max_row_bytes
    with _open_text(table) as f:
        buf = f.read(_READ)
        eof = not buf
        pos = 0

        def skip_ws() -> None:
            nonlocal buf, pos, eof
            while True:
                while pos < len(buf) and buf[pos] in " \t\r\n\ufeff":
                    pos += 1
                if pos < len(buf) or eof:
                    return
                more = f.read(_READ)
                eof = not more
                buf, pos = buf[pos:] + more, 0

        def fail(msg: str) -> FileFormatError:
            return FileFormatError(msg, file=table.name, row=n,
                                   fix="write a JSON array of flat objects, or one object per line (JSON Lines)")

        n = 0
        skip_ws()
        if pos >= len(buf) or buf[pos] != "[":
            raise fail("is not a JSON array")
        pos += 1
        skip_ws()
        if pos < len(buf) and buf[pos] == "]":
            return
        while True:
            n += 1
            while True:
                try:
                    obj, end = dec.raw_decode(buf, pos)
                    if end < len(buf) or eof:
                        break
                except RecursionError as e:
                    raise fail(f"element {n} is nested too deeply to read; rows must be flat objects") from e
                except json.JSONDecodeError as e:
                    if eof:
                        raise fail(f"element {n}: invalid or truncated JSON ({e.msg})") from e
                except ValueError as e:  # an integer with more digits than Python converts
                    raise fail(f"element {n} holds a number that cannot be read ({e}); "
                               "write numbers with at most 18 digits") from e
                if len(buf) - pos > limit:
                    raise BoundExceeded(f"element {n} is larger than the bound of {limit:,} bytes "
                                        f"({setting('max_row_bytes')})", file=table.name, row=n,
                                        fix=_bound_fix("max_row_bytes", "split the element"))
                more = f.read(_READ)
                eof = not more
                buf, pos = buf[pos:] + more, 0
            problem = _depth_problem(buf[pos:end]) if isinstance(obj, dict | list) else ""
            yield RawRow(n, {}, problem, "", "flatten the row into columns") if problem else _obj_row(n, obj, table)
            pos = end
            skip_ws()
            if pos < len(buf) and buf[pos] == ",":
                pos += 1
                skip_ws()
                continue
            if pos < len(buf) and buf[pos] == "]":
                pos += 1
                skip_ws()
                if pos < len(buf):
                    raise fail("has text after the closing ]")
                return
            raise fail(f"expected ',' or ']' after element {n}")


# -- XLSX -------------------------------------------------------------------------
def check_zip(path: Path, label: str) -> None:
    """Refuse a workbook whose zip directory promises more than the unpacked-size or ratio bounds.

    Only the central directory is read (no member is unpacked); zipfile stops a member at its
    declared size, so the declared sizes bound the real work.
    """
    b = current()
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        raise FileFormatError(f"is not a readable XLSX workbook ({type(e).__name__}: {e})", file=label,
                              fix="the file may be truncated or password-protected; save it again from Excel") from e
    total = sum(i.file_size for i in infos)
    if total > b.max_unpacked_bytes:
        raise BoundExceeded(f"unpacks to {total:,} bytes, more than the bound of {b.max_unpacked_bytes:,} "
                            f"({setting('max_unpacked_bytes')})", file=label,
                            fix=_bound_fix("max_unpacked_bytes", "split the workbook or save it as CSV"))
    for i in infos:
        if i.file_size > _RATIO_FLOOR and i.file_size > b.max_compression_ratio * max(i.compress_size, 1):
            ratio = i.file_size / max(i.compress_size, 1)
            raise BoundExceeded(f"member {i.filename!r} is compressed {ratio:,.0f}:1, more than the bound of "
                                f"{b.max_compression_ratio:g}:1 ({setting('max_compression_ratio')}); "
                                "it looks like a zip bomb", file=label,
                                fix=_bound_fix("max_compression_ratio", "save the workbook again from Excel"))


def _load_workbook(path: Path, label: str) -> Any:
    import openpyxl

    check_zip(path, label)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as e:
        raise FileFormatError(f"is not a readable XLSX workbook ({type(e).__name__}: {e})", file=label,
                              fix="the file may be truncated or password-protected; save it again from Excel") from e
    except Exception as e:  # openpyxl/lxml raise many parser errors on damaged workbooks
        raise FileFormatError(f"is a damaged XLSX workbook ({type(e).__name__}: {e})", file=label,
                              fix="save it again from Excel") from e


def _xlsx_tables(path: Path, label: str, sheets: list[str] | None) -> list[Table]:
    wb = _load_workbook(path, label)
    try:
        names = list(wb.sheetnames)
    finally:
        wb.close()
    if sheets:
        missing = [s for s in sheets if s not in names]
        if missing:
            raise FileFormatError(f"has no sheet named {', '.join(map(repr, missing))} (sheets: {', '.join(names)})",
                                  file=label, fix="correct the sheet name in the mapping")
        names = [s for s in names if s in sheets]
    return [Table(label, path, "xlsx", None, s) for s in names]


def _cell_value(v: Any) -> Any:
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    return v


def _xlsx_rows(table: Table) -> Iterator[RawRow]:
    wb = _load_workbook(table.path, table.label)
    try:
        ws = wb[table.sheet]
        header: list[str] | None = None
        n = 0
        try:
            for cells in ws.iter_rows():
                n += 1
                values = [c.value for c in cells]
                if header is None:
                    if _blank(values):
                        continue
                    while values and (values[-1] is None or isinstance(values[-1], str) and not values[-1].strip()):
                        values.pop()
                    header = _header(values, table.name)
                    while header and header[-1].startswith("column_") and not values[len(header) - 1]:
                        header.pop()
                    table.header = header
                    continue
                if _blank(values):
                    continue
                formula = next((header[i] for i, c in enumerate(cells[: len(header)])
                                if getattr(c, "data_type", None) == "f"), None)
                row = {h: _cell_value(v) for h, v in zip(header, values, strict=False)}
                if formula:
                    yield RawRow(n, row, "cell holds a formula, not a value (formulas are never evaluated)", formula,
                                 "replace the formula by its value (Copy, Paste Special → Values)")
                    continue
                yield _checked(n, row)
        except FileFormatError:
            raise
        except Exception as e:  # damaged sheet XML
            raise FileFormatError(f"sheet {table.sheet!r} is damaged at row {n + 1} ({type(e).__name__}: {e})",
                                  file=table.name, row=n + 1, fix="save the workbook again from Excel") from e
        if header is None:
            raise FileFormatError(f"sheet {table.sheet!r} has no header row", file=table.name,
                                  fix="put the column names in the first row")
    finally:
        wb.close()
