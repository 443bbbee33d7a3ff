"""The components and pagerank Spark jobs equal the local analyses: labels and sizes exactly, scores to 1e-9."""

from __future__ import annotations

from typing import Any

import networkx as nx
import pytest

from stakegraph.analyses import run
from stakegraph.spark.engine import run_spark

TOL = 1e-9
#: alpha 0.5 converges in ~35 iterations instead of ~140: the variant is the same, the test shorter.
CASES: list[tuple[str, dict[str, Any]]] = [
    ("components", {}),
    ("components", {"kinds": "lends_to,owns"}),
    ("pagerank", {"alpha": "0.5"}),
    ("pagerank", {"alpha": "0.5", "weighted": "true", "directed": "true", "top": "50"}),
]


def assert_same(name: str, local: Any, spark: Any) -> None:
    a, b = local.result, spark.result
    if name == "components":
        assert dict(b.labels) == dict(a.labels)
        assert (b.components, b.sizes, b.largest, b.isolated, b.structure_ties) == \
            (a.components, a.sizes, a.largest, a.isolated, a.structure_ties)
    else:
        assert b.scores.keys() == a.scores.keys()
        assert max((abs(a.scores[k] - b.scores[k]) for k in a.scores), default=0.0) <= TOL
        assert [(x.node, x.name, x.type) for x in b.top] == [(x.node, x.name, x.type) for x in a.top]
        assert (b.nodes, b.ties) == (a.nodes, a.ties)
    assert spark.parameters == local.parameters
    assert spark.stamp.graph_version == local.stamp.graph_version
    assert spark.stamp.parameters["backend"] == "spark"
    assert spark.stamp.algorithm == local.stamp.algorithm and spark.stamp.variant == local.stamp.variant


@pytest.mark.parametrize(("name", "params"), CASES)
def test_sample(spark: Any, sample_graph: nx.MultiDiGraph, name: str, params: dict[str, Any]) -> None:
    assert_same(name, run(sample_graph, name, params), run_spark(sample_graph, name, params, spark=spark))


@pytest.mark.parametrize(("name", "params"), CASES[::2])
def test_generated(spark: Any, generated_graph: nx.MultiDiGraph, name: str, params: dict[str, Any]) -> None:
    assert_same(name, run(generated_graph, name, params), run_spark(generated_graph, name, params, spark=spark))


def test_default_pagerank_from_the_parquet_export(spark: Any, sample_graph: nx.MultiDiGraph, tmp_path: Any) -> None:
    """The default variant (alpha 0.85, tol 1e-10) read from the folder ``stakegraph export --parquet`` writes."""
    from stakegraph.spark.frames import write_parquet

    folder = write_parquet(sample_graph, tmp_path / "g", version=str(sample_graph.graph["version"]))
    assert_same("pagerank", run(sample_graph, "pagerank"), run_spark(folder, "pagerank", spark=spark))


def test_star_labels_on_a_path_and_a_cycle(spark: Any) -> None:
    """Large-star/small-star on shapes that need several rounds: a long path written in shuffled order."""
    from stakegraph.spark.jobs.components import star_labels

    ids = [f"n{i:03d}" for i in range(60)]
    order = ids[::7] + [x for x in ids if x not in ids[::7]]
    pairs = [(order[i], order[i + 1]) for i in range(40)] + [(order[50], order[45]), (order[45], order[55])]
    H = nx.Graph(pairs)
    want = {n: min(c) for c in nx.connected_components(H) for n in c}
    got = {r["id"]: r["label"] for r in star_labels(spark.createDataFrame(pairs, ["src", "dst"])).collect()}
    assert got == want


@pytest.mark.slow
@pytest.mark.parametrize(("name", "params"), [CASES[0], CASES[2]])
def test_worldbank(spark: Any, worldbank_graph: nx.MultiDiGraph, name: str, params: dict[str, Any]) -> None:
    assert_same(name, run(worldbank_graph, name, params), run_spark(worldbank_graph, name, params, spark=spark))
