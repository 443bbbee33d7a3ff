"""What a load did: created/updated/unchanged/rejected per type, every bad row, skipped rows.

A :class:`LoadReport` is returned by :func:`stakegraph.loaders.load`. ``write_files`` puts
``report.json`` and, for rejected rows, ``quarantine-<source>.csv`` (the original
columns plus ``_errors``; one per file path and sheet) into a folder, never over an
existing file (``-2``, ``-3`` … suffixes); every cell, headers included, that a
spreadsheet would run as a formula is neutralised (OWASP CSV injection guidance).
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from stakegraph.export import neutralise as _export_neutralise

OUTCOMES = ("created", "updated", "unchanged", "rejected")
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
        """Write ``report.json`` and one quarantine CSV per source with rejected rows; return the paths.

        Existing files are never overwritten (a ``-2`` … suffix is added). A full disk or a folder
        that cannot be written raises :class:`stakegraph.loaders.errors.ReportError`.
        """
        out = Path(folder)
        try:
            return self._write_files(out)
        except OSError as e:
            from stakegraph.loaders.errors import ReportError

            state = ("the load itself was written to the store" if self.written
                     else "nothing was written to the store")
            raise ReportError(f"cannot write the load report to {out}: {e.strerror or e}; {state}",
                              fix="free disk space or give another --report-dir (report_dir), then re-run "
                                  "(the load is idempotent)") from e

    def _write_files(self, out: Path) -> list[Path]:
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        with _create(out, "report", ".json", written) as f:
            f.write(json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str))
        for fname, rows in self.quarantine.items():
            if not rows:
                continue
            columns: dict[str, None] = {}
            for _, raw, _ in rows:
                for c in raw:
                    columns.setdefault(c, None)
            with _create(out, f"quarantine-{_source_name(fname)}", ".csv", written) as f:
                w = csv.writer(f)
                w.writerow([neutralise(c) for c in ("_row", *columns, "_errors")])
                for row, raw, msgs in sorted(rows, key=lambda r: r[0]):
                    w.writerow([row, *(neutralise(raw.get(c)) for c in columns), neutralise(" | ".join(msgs))])
        return written


def _source_name(label: str) -> str:
    """A file-name part for a source: ``a/parties.csv`` → ``a_parties``, ``book.xlsx#S 1`` → ``book_S_1``."""
    path, _, sheet = label.partition("#")
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    text = stem + (f"_{sheet}" if sheet else "")
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "file"


def _create(folder: Path, stem: str, ext: str, written: list[Path]) -> IO[str]:
    """Open a new file for writing, never an existing one (``stem-2``, ``stem-3`` …)."""
    for i in range(1, 10_000):
        path = folder / (f"{stem}{ext}" if i == 1 else f"{stem}-{i}{ext}")
        try:
            f = path.open("x", encoding="utf-8", errors="backslashreplace", newline="")
        except FileExistsError:
            continue
        written.append(path)
        return f
    raise FileExistsError(f"{folder / stem}{ext}: too many files of that name; empty the folder")


def neutralise(value: object) -> str:
    """Text safe to open in a spreadsheet (:func:`stakegraph.export.neutralise`), as text.

    A leading ``= + - @``, tab or CR gets a ``'`` prefix; plain numbers such as ``-5`` stay as they are.

    >>> neutralise("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> neutralise("-5")
    '-5'
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if _PLAIN_NUMBER.match(text):
        return text
    return str(_export_neutralise(text))
