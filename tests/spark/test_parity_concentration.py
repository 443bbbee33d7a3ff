"""Spark concentration jobs equal the local analyses (floats to 1e-9, counts and orders exactly)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.spark.parity_data import check_parity, generated_graph, sample_graph, worldbank_graph

pytestmark = pytest.mark.spark


@pytest.mark.parametrize("params", [
    {"node": "tech_co", "kinds": "buys_from"},
    {"node": "tech_co", "kinds": "buys_from", "k": 2, "total": 1e12},
    {"node": "b_bank", "kinds": "lends_to", "direction": "out"},
    {"node": "b_bank", "kinds": "lends_to,invests_in", "direction": "out", "weight": "count"},
    {"node": "a_co", "kinds": "offtakes"},  # empty: the note says what a_co has
])
def test_concentration_on_the_sample(spark: Any, params: dict[str, Any]) -> None:
    check_parity(spark, sample_graph(), "concentration", params)


@pytest.mark.parametrize("params", [
    {},
    {"kinds": "lends_to", "node_type": "any", "k": 3},
    {"kinds": "sponsors,owns", "direction": "out", "min_counterparties": 2},
])
def test_portfolio_concentration_on_the_sample(spark: Any, params: dict[str, Any]) -> None:
    r = check_parity(spark, sample_graph(), "portfolio-concentration", params)
    assert r.rows


@pytest.mark.parametrize("params", [{}, {"kinds": "buys_from,offtakes", "by": "target", "k": 10}])
def test_book_concentration_on_the_sample(spark: Any, params: dict[str, Any]) -> None:
    assert check_parity(spark, sample_graph(), "book-concentration", params).shares


def test_concentration_on_a_generated_portfolio(spark: Any) -> None:
    G = generated_graph()
    top = check_parity(spark, G, "portfolio-concentration", {"kinds": "lends_to", "node_type": "any"}).rows[0]
    check_parity(spark, G, "concentration", {"node": top.node, "kinds": "lends_to"})
    check_parity(spark, G, "book-concentration", {"kinds": "lends_to"})


@pytest.mark.slow
def test_concentration_on_the_world_bank_financiers(spark: Any) -> None:
    G = worldbank_graph()
    check_parity(spark, G, "book-concentration", {"kinds": "lends_to"})
    rows = check_parity(spark, G, "portfolio-concentration", {"kinds": "lends_to", "node_type": "project"}).rows
    check_parity(spark, G, "concentration", {"node": rows[-1].node, "kinds": "lends_to"})
