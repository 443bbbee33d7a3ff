"""Spark DebtRank (``contagion --method debtrank``) equals the local analysis, both variants."""

from __future__ import annotations

from typing import Any

import pytest

from stakegraph.analyses import get
from stakegraph.analyses.spec import parse_params
from stakegraph.errors import BackendUnsupported, Invalid
from tests.spark.parity_data import (
    check_parity,
    frames_of,
    generated_graph,
    sample_graph,
    worldbank_graph,
)

pytestmark = pytest.mark.spark


@pytest.mark.parametrize("params", [
    {"shocks": ["b_bank"], "method": "debtrank"},
    {"shocks": ["a_co", "loss:b_bank:0.25"], "method": "debtrank", "variant": "bardoscia2015"},
])
def test_debtrank_on_the_sample(spark: Any, params: dict[str, Any]) -> None:
    assert check_parity(spark, sample_graph(), "contagion", params).nodes


@pytest.mark.parametrize("variant", ["battiston2012", "bardoscia2015"])
def test_debtrank_on_a_generated_portfolio(spark: Any, variant: str) -> None:
    r = check_parity(spark, generated_graph(), "contagion",
                     {"shocks": ["pty_0000001", "loss:pty_0000002:0.5"], "method": "debtrank", "variant": variant})
    assert r.rounds >= 1


@pytest.mark.slow
def test_debtrank_on_the_world_bank_financiers(spark: Any) -> None:
    G = worldbank_graph()
    project = max((n for n, d in G.nodes(data=True) if d.get("type") == "project"), key=lambda n: (G.in_degree(n), n))
    check_parity(spark, G, "contagion", {"shocks": [project], "method": "debtrank"})


def _run(spark: Any, params: dict[str, Any]) -> Any:
    from stakegraph.spark.jobs import jobs

    return jobs()["contagion"](frames_of(spark, sample_graph()), parse_params(get("contagion"), params))


def test_other_methods_and_no_shock_are_refused_with_what_to_do(spark: Any) -> None:
    with pytest.raises(BackendUnsupported, match="only method debtrank"):
        _run(spark, {"shocks": ["a_co"], "method": "cascade"})
    with pytest.raises(Invalid, match="no shock given"):
        _run(spark, {"method": "debtrank"})
