"""Spark co-financing jobs equal the local analyses (floats to 1e-9, counts and orders exactly)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.spark.parity_data import check_parity, generated_graph, sample_graph, worldbank_graph

pytestmark = pytest.mark.spark


@pytest.mark.parametrize("params", [{}, {"kinds": "lends_to,invests_in,guarantees", "min_shared": 2, "top": 5}])
def test_cofinancing_on_the_sample(spark: Any, params: dict[str, Any]) -> None:
    assert check_parity(spark, sample_graph(), "cofinancing", params).pairs


def test_cofinancing_centrality_on_the_sample(spark: Any) -> None:
    assert check_parity(spark, sample_graph(), "cofinancing-centrality", {}).rows


def test_cofinancing_on_a_generated_portfolio(spark: Any) -> None:
    G = generated_graph()
    assert check_parity(spark, G, "cofinancing", {}).pairs
    check_parity(spark, G, "cofinancing-centrality", {"top": 10})


@pytest.mark.slow
def test_cofinancing_on_the_world_bank_financiers(spark: Any) -> None:
    G = worldbank_graph()
    r = check_parity(spark, G, "cofinancing", {})
    assert r.lenders > 100 and len(r.pairs) == 20  # the catalogue's default top
    check_parity(spark, G, "cofinancing-centrality", {"min_shared": 5})
