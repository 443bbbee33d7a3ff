"""The Spark doors: the engine's refusals, the stamp, the results table, ``--engine spark`` and ``export --parquet``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from typer.testing import CliRunner

from stakegraph.analyses import CATALOGUE, run
from stakegraph.errors import Invalid
from stakegraph.spark import results
from stakegraph.spark.engine import run_on_workspace, run_spark, spark_analyses


def test_spark_analyses_are_declared_and_ours_are_registered() -> None:
    from stakegraph.spark.jobs import jobs

    assert {"components", "pagerank"} <= set(spark_analyses())
    assert {"components", "pagerank"} <= set(jobs())
    assert all(CATALOGUE[n].backends[0] == "local" for n in spark_analyses())


def test_a_local_only_analysis_is_refused_with_the_ones_that_run() -> None:
    with pytest.raises(Invalid, match="structure has no Spark backend") as e:
        run_spark(nx.MultiDiGraph(), "structure")
    assert "components" in e.value.fix


def test_parameters_are_checked_as_locally(sample_graph: nx.MultiDiGraph) -> None:
    with pytest.raises(Invalid) as local:
        run(sample_graph, "pagerank", alpha="2")
    with pytest.raises(Invalid) as spark:
        run_spark(sample_graph, "pagerank", alpha="2")
    assert str(spark.value) == str(local.value)


def test_as_of_needs_the_graph_not_an_export(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="as_of needs the graph"):
        run_spark(tmp_path, "components", as_of="2024-01-01")


def test_workspace_run_is_kept_and_read_back(spark: Any, sample_ws: Any) -> None:
    ans = run_on_workspace(sample_ws, "components", {"top": "3"}, spark=spark)
    back = results.stored_answer(sample_ws, "components", {"top": "3"})
    assert back is not None
    assert back.result == ans.result and back.stamp == ans.stamp and back.parameters == ans.parameters
    assert results.stored_answer(sample_ws, "components", {"top": "4"}) is None
    kept = results.list_answers(results.results_dir(sample_ws.settings.data_dir), ans.stamp.graph_version)
    assert [k["analysis"] for k in kept] == ["components"]
    local = sample_ws.run("components", top="3")
    assert back.result.labels == local.result.labels


def _cli(args: list[str], data_dir: Path) -> Any:
    from stakegraph.cli.main import app

    return CliRunner().invoke(app, args, env={"STAKEGRAPH_DATA_DIR": str(data_dir), "STAKEGRAPH_NEO4J_URI": ""})


def test_cli_engine_spark_and_export_parquet(spark: Any, sample_ws: Any, tmp_path: Path) -> None:
    data_dir = sample_ws.settings.data_dir
    r = _cli(["analyze", "components", "--engine", "spark", "--spark-master", spark.sparkContext.master,
              "--json"], data_dir)
    assert r.exit_code == 0, r.output
    got = json.loads(r.output)
    assert got["stamp"]["parameters"]["backend"] == "spark"
    assert got["result"]["labels"] == dict(sample_ws.run("components").result.labels)
    r = _cli(["analyze", "structure", "--engine", "spark"], data_dir)
    assert r.exit_code == 2 and "No such option" in r.output  # only spark analyses take --engine
    r = _cli(["export", "--parquet", str(tmp_path / "pq")], data_dir)
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "pq" / "manifest.json").read_text())["version"] == got["stamp"]["graph_version"]
    again = run_spark(tmp_path / "pq", "components", spark=spark)
    assert again.result.labels == got["result"]["labels"]
    assert _cli(["export"], data_dir).exit_code == 2
