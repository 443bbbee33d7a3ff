"""Column expressions the Spark jobs share: the active rule, numbers, money and an edge's size.

Each expression states in Spark exactly what :mod:`stakegraph.measures` defines once for the local
analytics — :func:`~stakegraph.measures.is_active`, :func:`~stakegraph.measures.number`,
:meth:`~stakegraph.measures.Money.of` and :func:`~stakegraph.measures.edge_size` — so a job reads an
edge as the local analysis does. Money is converted with the factors of the graph's
:class:`~stakegraph.measures.Money` (``GraphFrames.money()``), computed on the driver: ``value * factor``
is the same multiplication :meth:`Money.amount` does, so the converted amounts are the same bits.

A currency without a rate is not converted 1:1: its rows carry it in the column ``need_rate`` and
:func:`raise_missing` raises the :class:`~stakegraph.errors.MissingRate` the local analysis raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pyspark.sql import Column
from pyspark.sql import functions as F

from stakegraph.domain import MONEY_PROPS
from stakegraph.errors import MissingRate
from stakegraph.measures import INACTIVE_STATUSES, Money, declared_weight
from stakegraph.spark.frames import EDGE_NUMBERS

__all__ = ["active", "number", "Converter", "raise_missing", "sorted_sum"]


def active() -> Column:
    """True unless ``status`` (stripped, lower-cased) is one of :data:`~stakegraph.measures.INACTIVE_STATUSES`."""
    status = F.lower(F.regexp_replace(F.col("status"), r"^\s+|\s+$", ""))
    return F.col("status").isNull() | ~status.isin(*sorted(INACTIVE_STATUSES))


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _finite(c: Column) -> Column:
    return F.when(F.isnan(c) | (F.abs(c) == F.lit(float("inf"))), F.lit(None).cast("double")).otherwise(c)


def number(prop: str, numbers: Iterable[str] = EDGE_NUMBERS) -> Column:
    """The property as a finite double or null (typed column, else the value kept in ``props``)."""
    if not _PLAIN.match(prop):  # a name no loader writes: absent, as data.get(prop) is locally
        return F.lit(None).cast("double")
    from_props = F.get_json_object(F.col("props"), f"$.{prop}").try_cast("double")
    if prop in tuple(numbers):
        return F.coalesce(_finite(F.col(prop)), _finite(from_props))
    return _finite(from_props)


class Converter:
    """Money columns in the reporting currency of one graph's :class:`~stakegraph.measures.Money`.

    Parameters
    ----------
    money : Money
        The graph's money context (``GraphFrames.money()``).
    currencies : iterable of str
        Every currency stated in the graph (``GraphFrames.graph["currencies"]``).
    """

    def __init__(self, money: Money, currencies: Iterable[str]) -> None:
        self.money = money
        self.factors: dict[str, float] = {}
        self.missing: set[str] = set()
        for cur in currencies:
            if cur == money.reporting:
                continue
            try:
                self.factors[cur] = money.amount(1.0, cur)
            except MissingRate:
                self.missing.add(cur)

    def _currency(self, prop: str) -> Column:
        field = MONEY_PROPS[prop]
        c = F.upper(F.trim(F.col(field))) if field == "currency" else F.lit(None).cast("string")
        return F.when(c == "", F.lit(None).cast("string")).otherwise(c)

    def of(self, prop: str) -> tuple[Column, Column]:
        """``(value, need_rate)``: :meth:`Money.of` of ``prop``, and the currency lacking a rate (else null)."""
        value = number(prop)
        if prop not in MONEY_PROPS:
            return value, F.lit(None).cast("string")
        cur = self._currency(prop)
        out = value
        for c, f in sorted(self.factors.items()):
            out = F.when(cur == c, value * F.lit(f)).otherwise(out)
        need = F.when(value.isNotNull() & cur.isin(*sorted(self.missing)), cur) if self.missing else F.lit(None)
        return out, need.cast("string")

    def size(self, kinds: Iterable[str], weight: str | None) -> tuple[Column, Column]:
        """``(size, need_rate)`` of an edge as :func:`~stakegraph.measures.edge_size` with money (null: absent)."""
        if weight == "count":
            return F.lit(1.0), F.lit(None).cast("string")
        if weight is not None:
            return self.of(weight)
        value: Column = F.lit(None).cast("double")
        need: Column = F.lit(None).cast("string")
        for kind in kinds:
            attr = declared_weight(kind)
            v, n = (F.lit(1.0), F.lit(None).cast("string")) if attr is None else self.of(attr)
            value = F.when(F.col("kind") == kind, v).otherwise(value)
            need = F.when(F.col("kind") == kind, n).otherwise(need)
        return value, need


def raise_missing(money: Money, needed: Iterable[Any]) -> None:
    """Raise the :class:`~stakegraph.errors.MissingRate` of the first currency (by code) that lacks a rate."""
    for cur in sorted({str(c) for c in needed if c}):
        money.amount(1.0, cur)


def sorted_sum(values: str, order: str, field: str) -> Column:
    """Sum of ``field`` over the array of structs ``values``, added in ``order`` (from 0.0, as Python adds)."""
    return F.expr(
        f"aggregate(array_sort({values}, (l, r) -> CASE WHEN l.{order} < r.{order} THEN -1 "
        f"WHEN l.{order} > r.{order} THEN 1 ELSE 0 END), CAST(0.0 AS DOUBLE), (acc, x) -> acc + x.{field})"
    )
