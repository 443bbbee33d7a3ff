"""Column expressions the risk jobs share: numbers, money, active status, ordered sums, node names.

Each expression reads a :class:`stakegraph.spark.frames.GraphFrames` row exactly as the local analytics
read a node's or edge's attribute dict:

* :func:`num` is :func:`stakegraph.measures.number` (typed column, else the value in the JSON ``props``;
  booleans, text that is no number, NaN and infinities are absent);
* :func:`money` is :meth:`stakegraph.measures.Money.of` (converted from the stated currency by the factor
  the graph's FX table gives on its as-of date; :func:`check_rates` raises the same ``MissingRate``);
* :func:`active` is :func:`stakegraph.measures.is_active`;
* :func:`ordered_sum` adds floats in the graph's iteration order (``ord`` / ``ord_out``), as the local
  loops do, so sums and the thresholds they are tested against match to the bit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from stakegraph.analytics.stamp import Stamp
from stakegraph.domain import MONEY_PROPS
from stakegraph.errors import MissingRate
from stakegraph.measures import INACTIVE_STATUSES, Money
from stakegraph.money import normalise_currency

__all__ = ["num", "money", "Rates", "active", "ordered_sum", "display_name", "spark_stamp"]

_INF = float("inf")


def num(df: DataFrame, name: str) -> Column:
    """The property ``name`` as a finite double, or null (typed column first, then ``props``)."""
    typed = F.col(name) if name in df.columns else F.lit(None).cast("double")
    parsed = F.get_json_object(F.col("props"), f"$.{name}").try_cast("double")
    x = F.coalesce(typed, parsed)
    return F.when(F.isnan(x) | (F.abs(x) == F.lit(_INF)), F.lit(None).cast("double")).otherwise(x)


@dataclasses.dataclass(frozen=True)
class Rates:
    """Factors to the reporting currency for every currency the graph states (missing ones apart)."""

    money: Money
    factors: dict[str, float]
    missing: tuple[str, ...]

    @classmethod
    def of(cls, money: Money, currencies: Iterable[str]) -> Rates:
        factors: dict[str, float] = {}
        missing: list[str] = []
        for c in currencies:
            cur = normalise_currency(c)
            if cur is None or cur == money.reporting:
                continue
            try:
                factors[cur] = money.amount(1.0, cur)
            except MissingRate:
                missing.append(cur)
        return cls(money, factors, tuple(sorted(missing)))


def _currency(df: DataFrame, field: str = "currency") -> Column:
    if field not in df.columns:
        return F.lit(None).cast("string")
    cur = F.upper(F.regexp_replace(F.col(field), r"^\s+|\s+$", ""))
    return F.when(cur == "", F.lit(None).cast("string")).otherwise(cur)


def money(df: DataFrame, name: str, rates: Rates) -> Column:
    """``Money.of(row, name)``: the number, times its currency's factor unless stated in the reporting one."""
    value = num(df, name)
    field = MONEY_PROPS.get(name)
    if field is None:
        return value
    cur = _currency(df, field)
    factor = F.lit(None).cast("double")
    for c, f in rates.factors.items():
        factor = F.when(cur == F.lit(c), F.lit(f)).otherwise(factor)
    return F.when(cur.isNull() | (cur == F.lit(rates.money.reporting)), value).otherwise(value * factor)


def check_rates(df: DataFrame, names: Iterable[str], rates: Rates) -> None:
    """Raise ``MissingRate`` (as ``Money.of`` would) when a row of ``df`` has money in a currency without a rate."""
    if not rates.missing:
        return
    cur = _currency(df)
    has = F.lit(False)
    for n in names:
        has = has | num(df, n).isNotNull()
    row = df.where(cur.isin(*rates.missing) & has).select(cur.alias("cur")).limit(1).collect()
    if row:
        rates.money.amount(1.0, row[0]["cur"])  # raises the MissingRate the local analysis raises


def active(df: DataFrame) -> Column:
    """``is_active``: the status, stripped and lower-cased, is none of the inactive ones."""
    if "status" not in df.columns:
        return F.lit(True)
    status = F.lower(F.regexp_replace(F.col("status"), r"^\s+|\s+$", ""))
    return F.coalesce(~status.isin(*sorted(INACTIVE_STATUSES)), F.lit(True))


def ordered_sum(value: Column, order: Column) -> Column:
    """Aggregate: the non-null ``value`` s added one by one in ``order`` (null when there is none)."""
    items = F.array_sort(F.collect_list(F.when(value.isNotNull(), F.struct(order.alias("o"), value.alias("v")))))
    total = F.aggregate(items, F.lit(0.0), lambda acc, s: acc + s["v"])
    return F.when(F.size(items) > 0, total)


def display_name(df: DataFrame) -> Column:
    """``name_of``: the node's ``name`` (typed or in ``props``) when not empty, else its id."""
    raw = F.coalesce(F.col("name"), F.get_json_object(F.col("props"), "$.name"))
    return F.when(raw.isNull() | (raw == ""), F.col("id")).otherwise(raw)


def spark_stamp(stamp: Stamp) -> Stamp:
    """The local stamp with ``backend: spark`` in its parameters (as :mod:`stakegraph.spark.engine` stamps)."""
    return dataclasses.replace(stamp, parameters={**stamp.parameters, "backend": "spark"})
