"""What a load did: created/updated/unchanged/rejected per type, every bad row, skipped rows.

A :class:`LoadReport` is returned by :func:`stakegraph.loaders.load`. ``write_files`` puts
``report.json`` and, for rejected rows, ``quarantine-<file>.csv`` (the original
columns plus ``_errors``) into a folder; cells that a spreadsheet would run as
a formula are neutralised (OWASP CSV injection guidance).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

OUTCOMES = ("created", "updated", "unchanged", "rejected")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class RowError:
    """One problem: where (file, row, column), what (value, reason) and how to fix it.

    ``row`` is 1-based with the header as row 1 (CSV/TSV/XLSX), the line for
    JSON Lines, the element number for a JSON array; ``None`` for a whole file.
    """

    file: str
    row: int | None
    column: str
    value: str
    reason: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        col = f" [{self.column}]" if self.column else ""
        val = f" {self.value!r}" if self.value else ""
        return f"{where}{col}{val}: {self.reason}" + (f" — fix: {self.fix}" if self.fix else "")


@dataclass(frozen=True)
class SkippedRow:
    """A row left out on purpose by a mapping filter (e.g. an empty or zero amount)."""

    file: str
    row: int
    reason: str


@dataclass
class LoadReport:
    """The outcome of one load (or dry run).

    ``counts[type][outcome]`` with outcome in created/updated/unchanged/rejected;
    ``errors`` lists every bad row; ``skipped`` the rows a mapping filtered out;
    ``written`` says whether anything was sent to the store.
    """

    load_id: str
    mode: str = "strict"
    dry_run: bool = False
    files: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_read: int = 0
    written: bool = False
    quarantine: dict[str, list[tuple[int, dict[str, Any], list[str]]]] = field(default_factory=dict, repr=False)

    # -- building -----------------------------------------------------------
    def count(self, key: str, outcome: str, n: int = 1) -> None:
        bucket = self.counts.setdefault(key, dict.fromkeys(OUTCOMES, 0))
        bucket[outcome] += n

    def add_error(self, err: RowError) -> None:
        self.errors.append(err)

    # -- reading -------------------------------------------------------------
    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return not self.errors

    def total(self, outcome: str) -> int:
        return sum(b.get(outcome, 0) for b in self.counts.values())

    @property
    def bad_rows(self) -> int:
        """How many distinct (file, row) pairs had at least one error."""
        return len({(e.file, e.row) for e in self.errors})

    def skipped_summary(self) -> dict[str, int]:
        """How many rows each filter reason skipped."""
        return dict(Counter(s.reason for s in self.skipped))

    def raise_for_errors(self) -> None:
        """Raise :class:`stakegraph.loaders.errors.DataErrors` when any row was rejected."""
        if self.errors:
            from stakegraph.loaders.errors import DataErrors

            raise DataErrors(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "load_id": self.load_id,
            "mode": self.mode,
            "dry_run": self.dry_run,
            "written": self.written,
            "files": self.files,
            "rows_read": self.rows_read,
            "counts": self.counts,
            "errors": [asdict(e) for e in self.errors],
            "skipped": {"count": len(self.skipped), "by_reason": self.skipped_summary(),
                        "rows": [asdict(s) for s in self.skipped]},
            "warnings": self.warnings,
        }

    # -- files ---------------------------------------------------------------
    def write_files(self, folder: str | Path) -> list[Path]:
        """Write ``report.json`` and one quarantine CSV per file with rejected rows; return the paths."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = [out / "report.json"]
        written[0].write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str), "utf-8")
        for fname, rows in self.quarantine.items():
            if not rows:
                continue
            safe = re.sub(r"[^\w.-]+", "_", Path(fname).stem) or "file"
            path = out / f"quarantine-{safe}.csv"
            columns: list[str] = []
            for _, raw, _ in rows:
                columns.extend(c for c in raw if c not in columns)
            with path.open("w", encoding="utf-8", newline="") as f:
                w = csv.writer(f)
                w.writerow(["_row", *columns, "_errors"])
                for row, raw, msgs in sorted(rows, key=lambda r: r[0]):
                    w.writerow([row, *(neutralise(raw.get(c)) for c in columns), neutralise(" | ".join(msgs))])
            written.append(path)
        return written


def neutralise(value: object) -> str:
    """Text safe to open in a spreadsheet: a leading ``= + - @``, tab or CR gets a ``'`` prefix.

    Plain numbers such as ``-5`` stay as they are.

    >>> neutralise("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> neutralise("-5")
    '-5'
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text
