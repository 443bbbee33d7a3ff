"""Value conversions of mapping v2 (``convert:``) and the types ``extra:`` columns may declare.

Each conversion takes the text of a cell and returns the converted value, or raises ``ValueError``
with a message saying what was expected (the mapping turns it into a row issue naming the key).

>>> to_number("1.2bn"), to_number("350m"), to_number("USD 1,250.5"), to_number("-3k")
(1200000000.0, 350000000.0, 1250.5, -3000.0)
>>> to_percent("60%"), to_percent("12.5 %"), to_percent("40")
(60.0, 12.5, 40.0)
>>> year_to_date("2019"), year_end_date("FY2021")
('2019-01-01', '2021-12-31')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from stakegraph.domain import Prop, PropType

_NUMBER = re.compile(r"^(?P<sign>[-+]?)\s*(?:[A-Z]{3}|[$€£¥])?\s*(?P<num>\d[\d,_ ]*(?:\.\d+)?|\.\d+)\s*"
                     r"(?P<unit>k|thousands?|m|mn|mm|millions?|b|bn|billions?|t|tn|trillions?)?\.?$", re.IGNORECASE)
_UNITS = {"k": 1e3, "thousand": 1e3, "thousands": 1e3, "m": 1e6, "mn": 1e6, "mm": 1e6, "million": 1e6,
          "millions": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9, "t": 1e12, "tn": 1e12,
          "trillion": 1e12, "trillions": 1e12}
_PERCENT = re.compile(r"^(?P<num>[-+]?\d+(?:\.\d+)?)\s*(?:%|pct|percent)?$", re.IGNORECASE)
_YEAR = re.compile(r"^(?:FY|CY)?\s*(?P<year>\d{4})$", re.IGNORECASE)

Conversion = Literal["number", "percent", "year_to_date", "year_end_date"]


def to_number(text: str) -> float:
    """A number written with a unit (``1.2bn``, ``350m``, ``12k``), separators or a currency code."""
    m = _NUMBER.match(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not a number (write e.g. 1250.5, 1,250.5, 350m or 1.2bn)")
    value = float(re.sub(r"[,_ ]", "", m.group("num"))) * _UNITS.get((m.group("unit") or "").lower(), 1.0)
    return -value if m.group("sign") == "-" else value


def to_percent(text: str) -> float:
    """A percentage in percent points: ``60%`` → 60.0, ``12.5 %`` → 12.5, ``40`` → 40.0."""
    m = _PERCENT.match(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not a percentage (write e.g. 60% or 12.5)")
    return float(m.group("num"))


def _year(text: str) -> str:
    m = _YEAR.match(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not a year (write four digits, e.g. 2019 or FY2019)")
    return m.group("year")


def year_to_date(text: str) -> str:
    """The first day of a year: ``2019`` → ``2019-01-01``."""
    return _year(text) + "-01-01"


def year_end_date(text: str) -> str:
    """The last day of a year: ``2019`` → ``2019-12-31``."""
    return _year(text) + "-12-31"


CONVERSIONS: dict[str, Callable[[str], Any]] = {
    "number": to_number, "percent": to_percent, "year_to_date": year_to_date, "year_end_date": year_end_date,
}

#: The types an ``extra:`` column may declare, and the domain type each is stored as.
EXTRA_TYPES: dict[str, PropType] = {"text": PropType.STR, "number": PropType.FLOAT, "integer": PropType.INT,
                                    "date": PropType.DATE, "bool": PropType.BOOL}


def extra_prop(name: str, type_: str) -> Prop:
    """The property an ``extra:`` column is checked as."""
    return Prop(name, EXTRA_TYPES[type_], "kept by the mapping (extra)")
