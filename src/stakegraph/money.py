"""Money as a value with a currency: FX rates as data, and the one conversion rule.

* An amount's currency is the property the domain declares for it (:data:`stakegraph.domain.MONEY_PROPS`:
  ``amount`` → ``currency``, ``tier1_capital`` → the party's ``currency`` …). An amount with no
  currency is *unstated* and is taken to be in the answer's currency (no conversion).
* An :class:`FxTable` holds rates as published: ``rate`` = units of ``currency`` per 1 unit of
  ``base`` (the ECB convention: EUR base, ``USD 1.08`` means 1 EUR = 1.08 USD).
* :data:`RATE_RULE` — the rate in force on a day is the **last rate published on or before it**
  (every answer stamps the rate's own date, so a stale rate shows); a currency with no such rate raises
  :class:`stakegraph.errors.MissingRate` naming the currency, the day and the fix. Never 1:1.

>>> fx = FxTable([FxRate(dt.date(2024, 1, 31), "CNY", 7.2, "USD"), FxRate(dt.date(2024, 1, 31), "EUR", 0.9, "USD")])
>>> fx.convert(720.0, "CNY", "USD", dt.date(2024, 2, 15))
100.0
>>> round(fx.convert(90.0, "EUR", "CNY", dt.date(2024, 2, 15)), 6)
720.0
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stakegraph.errors import MissingRate

__all__ = ["FxRate", "FxTable", "RATE_RULE", "DEFAULT_REPORTING_CURRENCY",
           "normalise_currency", "MissingRate"]

#: The rule every answer stamps.
RATE_RULE = "last rate published on or before the as-of date"
DEFAULT_REPORTING_CURRENCY = "USD"
FIX = "load rates with `stakegraph fx load FILE` (canonical date,currency,rate,base or the ECB history CSV)"


def normalise_currency(value: Any) -> str | None:
    """An upper-case currency code, or ``None`` when unstated.

    >>> normalise_currency(" cny "), normalise_currency(""), normalise_currency(None)
    ('CNY', None, None)
    """
    if value is None:
        return None
    text = str(value).strip().upper()
    return text or None


@dataclass(frozen=True)
class FxRate:
    """One published rate: ``rate`` units of ``currency`` per 1 ``base`` on ``day``; ``source`` = provenance."""

    day: dt.date
    currency: str
    rate: float
    base: str
    source: str = ""

    def __post_init__(self) -> None:
        if not (isinstance(self.rate, int | float) and math.isfinite(self.rate) and self.rate > 0):
            raise ValueError(f"an FX rate must be a positive number, not {self.rate!r}")

    def as_row(self) -> dict[str, Any]:
        """The canonical row (``date, currency, rate, base, source``)."""
        return {"date": self.day.isoformat(), "currency": self.currency, "rate": self.rate, "base": self.base,
                "source": self.source}


class FxTable:
    """Rates to one or more bases per date; :meth:`rate` applies :data:`RATE_RULE`.

    Parameters
    ----------
    rates : iterable of FxRate
        Published rates; a later row for the same (day, currency, base) replaces an earlier one.
    """

    def __init__(self, rates: Iterable[FxRate] = ()) -> None:
        by_key: dict[tuple[str, str, dt.date], FxRate] = {}
        for r in rates:
            cur, base = normalise_currency(r.currency), normalise_currency(r.base)
            if not cur or not base:
                raise ValueError(f"FX rate on {r.day} has no currency or base")
            by_key[(base, cur, r.day)] = FxRate(r.day, cur, float(r.rate), base, r.source)
        self._series: dict[tuple[str, str], tuple[list[dt.date], list[FxRate]]] = {}
        for (base, cur, _), r in sorted(by_key.items()):
            days, rows = self._series.setdefault((base, cur), ([], []))
            days.append(r.day)
            rows.append(r)
        self.bases: tuple[str, ...] = tuple(sorted({b for b, _ in self._series}))
        self.currencies: tuple[str, ...] = tuple(sorted({c for _, c in self._series} | set(self.bases)))
        self.sources: tuple[str, ...] = tuple(sorted({r.source for r in by_key.values() if r.source}))
        self._n = len(by_key)

    def __len__(self) -> int:
        return self._n

    def rows(self) -> list[FxRate]:
        """Every rate, by base, currency and day."""
        return [r for key in sorted(self._series) for r in self._series[key][1]]

    def _find(self, base: str, currency: str, day: dt.date) -> FxRate | None:
        if currency == base:
            return FxRate(day, currency, 1.0, base, "identity")
        series = self._series.get((base, currency))
        if series is None:
            return None
        i = bisect.bisect_right(series[0], day)
        if i == 0:
            return None
        return series[1][i - 1]

    def rate(self, currency: str, day: dt.date, *, base: str | None = None) -> FxRate:
        """The rate of ``currency`` in force on ``day`` (against ``base``, else the first base that has one)."""
        cur = normalise_currency(currency) or ""
        for b in ([normalise_currency(base) or ""] if base else self.bases):
            r = self._find(b, cur, day)
            if r is not None:
                return r
        raise self._missing(cur, day)

    def quote(self, currency: str, to: str, day: dt.date) -> tuple[float, tuple[FxRate, ...]]:
        """``(factor, rates used)``: 1 ``currency`` = factor ``to`` on ``day`` (through a common base)."""
        cur, tgt = normalise_currency(currency) or "", normalise_currency(to) or ""
        if cur == tgt:
            return 1.0, ()
        order = sorted(self.bases, key=lambda b: (b not in (tgt, cur), b))
        for b in order:
            src, dst = self._find(b, cur, day), self._find(b, tgt, day)
            if src is not None and dst is not None:
                used = tuple(r for r in (src, dst) if r.source != "identity")
                return dst.rate / src.rate, used
        lacking = cur if not any(self._find(b, cur, day) for b in order) else tgt
        raise self._missing(lacking, day, to=tgt if lacking == cur else cur)

    def convert(self, amount: float, currency: str, to: str, day: dt.date) -> float:
        """``amount`` of ``currency`` in ``to`` at the rates in force on ``day`` (:data:`RATE_RULE`)."""
        factor, _ = self.quote(currency, to, day)
        return float(amount) * factor

    def _missing(self, currency: str, day: dt.date, *, to: str = "") -> MissingRate:
        have = self._series_days(currency)
        known = f"; rates for {currency} run {have[0]} to {have[1]}" if have else \
            f"; the FX table has no {currency} rates" if self._n else "; no FX rates are loaded"
        target = f" to {to}" if to else ""
        return MissingRate(
            f"no FX rate converts {currency}{target} on {day.isoformat()} "
            f"(rule: {RATE_RULE}){known}", fix=FIX, currency=currency, date=day.isoformat())

    def _series_days(self, currency: str) -> tuple[dt.date, dt.date] | None:
        days = [d for (_, c), (ds, _) in self._series.items() if c == currency for d in (ds[0], ds[-1])]
        return (min(days), max(days)) if days else None


def table_from_rows(rows: Iterable[Mapping[str, Any]]) -> FxTable:
    """An :class:`FxTable` from canonical rows (``date``, ``currency``, ``rate``, ``base``, ``source``)."""
    out = []
    for r in rows:
        day = r["date"] if isinstance(r["date"], dt.date) else dt.date.fromisoformat(str(r["date"])[:10])
        out.append(FxRate(day, str(r["currency"]), float(r["rate"]), str(r["base"]), str(r.get("source") or "")))
    return FxTable(out)
