"""The canonical columns of each sample file and a deterministic CSV writer for them.

Both generators write the canonical layout of docs/data-format.md: one file per
role, a fixed header, UTF-8 without BOM, ``\\n`` line ends, blank cells for
absent values, plain numbers (integral values without ``.0``), ISO dates and
``;``-separated lists.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import IO, Any

from stakegraph.samples.errors import GenerateError

ROLES: tuple[str, ...] = ("parties", "projects", "contracts", "relationships", "interactions", "signals")

COLUMNS: Mapping[str, tuple[str, ...]] = {
    "parties": (
        "id", "name", "kind", "country", "name_en", "region", "sector", "total_assets", "capital",
        "tier1_capital", "external_assets", "external_liabilities", "debt_to_asset", "net_margin",
        "credit_rating", "lifecycle_stage", "replaceability", "size_segment", "risk_appetite",
        "annual_revenue", "currency", "gsib", "email", "title",
    ),
    "projects": (
        "id", "name", "country", "region", "sector", "status", "capacity_mw", "total_cost", "currency",
        "start_date", "end_date", "lending_instrument",
    ),
    "contracts": (
        "id", "name", "kind", "signed_date", "end_date", "amount", "currency", "status",
        "cross_default_threshold", "guarantee_cap", "bet_on_target", "bet_on_metric", "bet_on_buyback",
        "repayment_adjustment", "covenants", "project_id", "scope", "payment_terms",
    ),
    "relationships": (
        "id", "source_id", "target_id", "kind", "ref", "amount", "currency", "share_pct", "start_date",
        "end_date", "status", "contract_id", "annual_revenue", "revenue_share_pct", "role", "tenor_years",
        "rate", "recovery_rate", "cross_default_threshold", "guarantee_cap", "guaranteed_share_of_debt",
        "bet_on_target", "bet_on_buyback", "cover", "repayment_adjustment",
    ),
    "interactions": ("id", "kind", "date", "party_id", "counterparty_id", "relationship_id", "channel", "name", "note"),
    "signals": ("id", "kind", "date", "party_id", "counterparty_id", "relationship_id", "value", "severity", "note"),
}

FILE_NAMES: Mapping[str, str] = {role: f"{role}.csv" for role in ROLES}


def format_value(value: Any) -> str:
    """The cell text of a value: blank for ``None``, integral numbers without ``.0``.

    >>> [format_value(v) for v in (None, 500000.0, 0.0435, True, ["DSCR>=1.2", "LLCR>=1.3"], "A公司")]
    ['', '500000', '0.0435', 'true', 'DSCR>=1.2;LLCR>=1.3', 'A公司']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


def check_row(role: str, row: Mapping[str, Any]) -> None:
    """Refuse a row with a column its file does not have (catches typos in the generators)."""
    unknown = [k for k in row if k not in COLUMNS[role]]
    if unknown:
        raise GenerateError(f"{role} row {row.get('id')!r} has unknown column(s) {unknown}; "
                            f"use the columns of {FILE_NAMES[role]}: {', '.join(COLUMNS[role])}")


class RowWriter:
    """Writes rows of one role to a text stream in the fixed column order."""

    def __init__(self, role: str, stream: IO[str]) -> None:
        self.role = role
        self.columns = COLUMNS[role]
        self._csv = csv.writer(stream, lineterminator="\n")
        self._csv.writerow(self.columns)
        self.rows = 0

    def write(self, row: Mapping[str, Any]) -> None:
        check_row(self.role, row)
        self._csv.writerow([format_value(row.get(c)) for c in self.columns])
        self.rows += 1


def render(role: str, rows: Iterable[Mapping[str, Any]]) -> str:
    """The whole CSV text of ``rows`` for ``role``."""
    buf = io.StringIO()
    writer = RowWriter(role, buf)
    for row in rows:
        writer.write(row)
    return buf.getvalue()
