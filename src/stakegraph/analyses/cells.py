"""Table cells that show one text and keep one number (the terminal shows ``86.76%``, files get 86.7647)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Shown", "num", "money", "money_text"]


@dataclass(frozen=True, slots=True)
class Shown:
    """A cell shown as ``text`` on the terminal and saved as ``value`` (a number) in CSV/XLSX."""

    value: Any
    text: str


def num(value: float | int | None, spec: str, suffix: str = "") -> Shown | None:
    """``value`` shown with the format ``spec`` (plus ``suffix``) and saved as the number; ``None`` stays empty.

    Examples
    --------
    >>> num(1972.2354, ",.0f"), num(86.7647, ".2f", "%"), num(None, ".2f")
    (Shown(value=1972.2354, text='1,972'), Shown(value=86.7647, text='86.76%'), None)
    """
    return None if value is None else Shown(value, f"{value:{spec}}{suffix}")


def money(x: float | None) -> Shown | None:
    """An amount shown with thousands separators and 2 decimals, saved as the number."""
    return num(x, ",.2f")


def money_text(x: float | None) -> str:
    """An amount as text for a title (``""`` when missing)."""
    return "" if x is None else f"{x:,.2f}"
