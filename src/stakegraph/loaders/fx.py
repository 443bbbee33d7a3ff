"""FX-rate files: the canonical ``date,currency,rate,base`` CSV and the ECB euro reference-rate history.

* **Canonical** — columns ``date`` (ISO yyyy-mm-dd), ``currency``, ``rate``, ``base`` and an optional
  ``source``; ``rate`` = units of ``currency`` per 1 ``base``. Lines starting with ``#`` are comments.
* **ECB history** (``eurofxref-hist.csv``) — ``Date,USD,JPY,…``: one row per day, one column per
  currency, rates per 1 EUR; ``N/A`` or an empty cell means no rate that day.

A bad row is reported with file, row (header = row 1), column and the fix; nothing is returned as a
rate from a file that has any error (:class:`FxFileError`).

>>> import io
>>> rates = parse_fx(io.StringIO("Date,USD,CNY,\\n2024-01-02,1.0956,7.8264,\\n"), "eurofxref-hist.csv")
>>> [(r.currency, r.rate, r.base) for r in rates]
[('USD', 1.0956, 'EUR'), ('CNY', 7.8264, 'EUR')]
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from stakegraph.errors import DataError
from stakegraph.money import FxRate

__all__ = ["FxFileError", "parse_fx", "read_fx_file", "is_fx_label", "CANONICAL_COLUMNS"]

CANONICAL_COLUMNS = ("date", "currency", "rate", "base")
_CODE = re.compile(r"^[A-Z]{3}$")
_FIX_CANONICAL = "write date,currency,rate,base with an ISO date, a 3-letter code and a positive number"
MAX_PROBLEMS = 20


class FxFileError(DataError):
    """An FX-rate file has bad rows; ``problems`` lists ``(file, row, column, message)``."""

    def __init__(self, message: str, *, fix: str, problems: list[tuple[str, int, str, str]]) -> None:
        super().__init__(message, fix=fix)
        self.problems = problems


def is_fx_label(label: str) -> bool:
    """True for an input the loader reads as FX rates: in a folder named ``fx``, or named ``fx*`` /
    ``eurofxref*`` (``fx_rates.csv``, ``fx/sample_rates.csv``, ``eurofxref-hist.csv``).

    >>> is_fx_label("fx/sample_rates.csv"), is_fx_label("fx_rates.csv"), is_fx_label("parties.csv")
    (True, True, False)
    """
    parts = Path(label).parts
    name = parts[-1].lower() if parts else ""
    return any(p.lower() == "fx" for p in parts[:-1]) or name.startswith(("fx_", "fx.", "fx-", "eurofxref"))


def _lines(f: IO[str]) -> Iterator[tuple[int, str]]:
    for n, line in enumerate(f, start=1):
        if not line.lstrip().startswith("#"):
            yield n, line


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()[:10]) if len(text.strip()) == 10 else None
    except ValueError:
        return None


def _rate(text: str) -> float | None:
    try:
        x = float(text.strip())
    except ValueError:
        return None
    return x if math.isfinite(x) and x > 0 else None


def parse_fx(f: IO[str], name: str) -> list[FxRate]:
    """Rates from an open FX file (canonical or ECB layout, told apart by the header)."""
    numbered = list(_lines(f))
    rows = list(csv.reader(line for _, line in numbered))
    if not rows:
        raise FxFileError(f"{name}: empty FX file", fix=_FIX_CANONICAL, problems=[(name, 1, "", "empty file")])
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    problems: list[tuple[str, int, str, str]] = []
    out: list[FxRate] = []

    def bad(row: int, col: str, msg: str) -> None:
        problems.append((name, row, col, msg))

    if all(c in lower for c in CANONICAL_COLUMNS):
        at = {c: lower.index(c) for c in (*CANONICAL_COLUMNS, "source") if c in lower}
        for (line_no, _), row in zip(numbered[1:], rows[1:], strict=True):
            if not any(cell.strip() for cell in row):
                continue
            cell = {c: (row[i].strip() if i < len(row) else "") for c, i in at.items()}
            day, rate = _date(cell["date"]), _rate(cell["rate"])
            cur, base = cell["currency"].upper(), cell["base"].upper()
            if day is None:
                bad(line_no, "date", f"{cell['date']!r} is not an ISO date yyyy-mm-dd")
            if not _CODE.match(cur):
                bad(line_no, "currency", f"{cell['currency']!r} is not a 3-letter currency code (ISO 4217)")
            if not _CODE.match(base):
                bad(line_no, "base", f"{cell['base']!r} is not a 3-letter currency code (ISO 4217)")
            if rate is None:
                bad(line_no, "rate", f"{cell['rate']!r} is not a positive number")
            if day is not None and rate is not None and _CODE.match(cur) and _CODE.match(base):
                out.append(FxRate(day, cur, rate, base, cell.get("source") or name))
        fix = _FIX_CANONICAL
    elif lower and lower[0] == "date" and len(header) > 1:
        codes = [(i, h.upper()) for i, h in enumerate(header) if i > 0 and h]
        for _, h in codes:
            if not _CODE.match(h):
                bad(numbered[0][0], h, f"column {h!r} is not a 3-letter currency code")
        source = f"ECB euro reference rates ({name})"
        for (line_no, _), row in zip(numbered[1:], rows[1:], strict=True):
            if not any(cell.strip() for cell in row):
                continue
            day = _date(row[0])
            if day is None:
                bad(line_no, "Date", f"{row[0]!r} is not an ISO date yyyy-mm-dd")
                continue
            for i, code in codes:
                text = row[i].strip() if i < len(row) else ""
                if text in ("", "N/A", "NA"):
                    continue
                rate = _rate(text)
                if rate is None:
                    bad(line_no, code, f"{text!r} is not a positive number")
                elif _CODE.match(code):
                    out.append(FxRate(day, code, rate, "EUR", source))
        fix = "the ECB layout is Date,USD,JPY,… with rates per 1 EUR (N/A or empty = no rate that day)"
    else:
        raise FxFileError(
            f"{name}: cannot tell the FX layout from the header ({', '.join(header) or 'none'})",
            fix="use the canonical columns date,currency,rate,base or the ECB history layout Date,USD,JPY,…",
            problems=[(name, 1, "", "unknown header")])
    if problems:
        shown = "\n".join(f"  {f}, row {r}, column {c or '-'}: {m}" for f, r, c, m in problems[:MAX_PROBLEMS])
        more = f"\n  … and {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
        raise FxFileError(f"{name}: {len(problems)} bad FX row(s), nothing loaded:\n{shown}{more}", fix=fix,
                          problems=problems)
    return out


def read_fx_file(path: str | Path, label: str | None = None) -> list[FxRate]:
    """Rates from an FX file on disk (see :func:`parse_fx`); a missing file is a :class:`DataError`."""
    p = Path(path)
    name = label or p.name
    try:
        with p.open(encoding="utf-8-sig", newline="") as f:
            return parse_fx(f, name)
    except OSError as e:
        raise DataError(f"{name}: cannot read the FX file ({e.strerror or e})",
                        fix="check the path and its permissions") from e
    except UnicodeDecodeError as e:
        raise DataError(f"{name}: not UTF-8 text ({e.reason})", fix="save the file as UTF-8 CSV") from e


def read_fx_files(files: Iterable[tuple[str, Path]]) -> list[FxRate]:
    """Rates from several ``(label, path)`` files, in order."""
    return [r for label, path in files for r in read_fx_file(path, label)]


def rates_for_load(files: list[tuple[str, Path]], report: object) -> list[FxRate]:
    """The FX rates among a load's inputs; each bad row is added to ``report`` as a row error."""
    from stakegraph.loaders.report import LoadReport, RowError

    assert isinstance(report, LoadReport)
    out: list[FxRate] = []
    for label, path in files:
        try:
            out += read_fx_file(path, label)
        except FxFileError as e:
            for f, row, col, msg in e.problems:
                report.add_error(RowError(f, row, col, "", msg, e.fix))
        except DataError as e:
            report.add_error(RowError(label, None, "", "", e.reason, e.fix))
    return out


def write_rates(store: object, rates: list[FxRate], report: object) -> None:
    """Write a load's FX rates and count them in ``report`` (``fx_rate``: created/changed vs unchanged)."""
    from stakegraph.loaders.report import LoadReport
    from stakegraph.store.base import GraphStore

    assert isinstance(store, GraphStore) and isinstance(report, LoadReport)
    if rates:
        changed = store.write_fx_rates(rates)
        report.count("fx_rate", "created", changed)
        report.count("fx_rate", "unchanged", len(rates) - changed)


# -- the sample's approximate rates ---------------------------------------------------------------------
#: Approximate quarter-end rates (units per 1 USD) the sample rates interpolate: NOT official rates.
_ANCHORS: dict[str, dict[int, tuple[float, float, float, float]]] = {
    "CNY": {2016: (6.55, 6.64, 6.67, 6.94), 2017: (6.89, 6.78, 6.65, 6.51), 2018: (6.28, 6.62, 6.87, 6.88),
            2019: (6.71, 6.87, 7.15, 6.96), 2020: (7.08, 7.07, 6.79, 6.53), 2021: (6.57, 6.46, 6.45, 6.37),
            2022: (6.34, 6.70, 7.11, 6.90), 2023: (6.87, 7.25, 7.30, 7.10), 2024: (7.22, 7.27, 7.02, 7.30),
            2025: (7.26, 7.16, 7.12, 7.10), 2026: (7.08, 7.06, 7.05, 7.05)},
    "EUR": {2016: (0.88, 0.90, 0.89, 0.95), 2017: (0.94, 0.88, 0.85, 0.83), 2018: (0.81, 0.86, 0.86, 0.87),
            2019: (0.89, 0.88, 0.92, 0.89), 2020: (0.91, 0.89, 0.85, 0.82), 2021: (0.85, 0.84, 0.86, 0.88),
            2022: (0.90, 0.96, 1.02, 0.94), 2023: (0.92, 0.92, 0.95, 0.90), 2024: (0.93, 0.93, 0.90, 0.96),
            2025: (0.93, 0.85, 0.85, 0.86), 2026: (0.86, 0.86, 0.86, 0.86)},
}
_FIRST = {"CNY": 6.49, "EUR": 0.92}  # 2015-12-31
SAMPLE_SOURCE = "stakegraph sample rates (approximate)"
SAMPLE_HEADER = (
    "# Approximate month-end FX rates for the bundled sample (NOT official rates: rounded, interpolated\n"
    "# between quarter-ends; good enough to show conversion, never for a credit decision).\n"
    "# rate = units of currency per 1 USD (base). Load real rates with `stakegraph fx load` (e.g. the ECB\n"
    "# euro reference-rate history eurofxref-hist.csv) before relying on any converted sum.\n"
)


def sample_rates_csv() -> str:
    """The sample's approximate month-end CNY and EUR rates per USD, 2015-12 … 2026-12, as canonical CSV."""
    import calendar

    def month_end(m: int) -> str:
        y, mo = divmod(m, 12)
        return dt.date(y, mo + 1, calendar.monthrange(y, mo + 1)[1]).isoformat()

    series: dict[str, dict[int, float]] = {}
    for cur, years in _ANCHORS.items():
        pts = [(y * 12 + q * 3 + 2, v) for y in sorted(years) for q, v in enumerate(years[y])]
        vals = {}
        for m in range(2016 * 12, 2027 * 12):
            a = max((p for p in pts if p[0] <= m), default=pts[0])
            b = min((p for p in pts if p[0] >= m), default=pts[-1])
            vals[m] = a[1] if a[0] == b[0] or m < pts[0][0] else a[1] + (b[1] - a[1]) * (m - a[0]) / (b[0] - a[0])
        series[cur] = vals
    lines = [SAMPLE_HEADER + "date,currency,rate,base,source"]
    lines += [f"2015-12-31,{c},{_FIRST[c]:.4f},USD,{SAMPLE_SOURCE}" for c in _ANCHORS]
    for m in range(2016 * 12, 2027 * 12):
        lines += [f"{month_end(m)},{c},{series[c][m]:.4f},USD,{SAMPLE_SOURCE}" for c in _ANCHORS]
    return "\n".join(lines) + "\n"


def write_sample_rates(folder: str | Path) -> Path:
    """Write :func:`sample_rates_csv` as ``folder/sample_rates.csv`` (what generated portfolios ship)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "sample_rates.csv"
    path.write_text(sample_rates_csv(), encoding="utf-8")
    return path
