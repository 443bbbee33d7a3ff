"""A kept Spark answer is what every door serves (issue 18: a nightly cluster run feeds the daytime API).

The answer file is written here the way ``stakegraph analyze NAME --engine spark`` writes it
(:func:`stakegraph.spark.results.write_answer`), from the local answer stamped as a Spark run — so these
tests need no JVM; ``tests/spark/test_engine.py`` writes one with a real Spark job. Each door (the
Python ``Workspace.run``, GraphQL, the page's JSON, ``stakegraph analyze --json``) must serve the kept
answer with its stamp (``backend: spark``) while the graph version is unchanged, and compute in process
again once the version changes or the setting is off.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from stakegraph.analyses import Answer
from stakegraph.model import NodeRecord
from stakegraph.spark.results import results_dir, write_answer
from stakegraph.store import EmbeddedStore
from stakegraph.web.app import create_app
from stakegraph.workspace import Workspace
from tests.api.conftest import fill, gql, settings

MASTER = "spark://kept.example:7077"


def _as_spark(ans: Answer) -> Answer:
    stamp = dataclasses.replace(ans.stamp, parameters={**ans.stamp.parameters, "backend": "spark",
                                                       "spark_master": MASTER})
    return dataclasses.replace(ans, stamp=stamp, result=dataclasses.replace(ans.result, stamp=stamp))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    fill(EmbeddedStore(tmp_path / "stakegraph.sqlite")).close()
    with Workspace(EmbeddedStore(tmp_path / "stakegraph.sqlite"), settings(data_dir=tmp_path),
                   owns_store=True) as ws:
        write_answer(results_dir(tmp_path), _as_spark(ws.run("components", top="3")))
    return tmp_path


def _workspace(data_dir: Path, **over: Any) -> Workspace:
    return Workspace(EmbeddedStore(data_dir / "stakegraph.sqlite"), settings(data_dir=data_dir, **over),
                     owns_store=True)


def test_workspace_serves_the_kept_answer_for_the_same_parameters(data_dir: Path) -> None:
    with _workspace(data_dir) as ws:
        kept = ws.run("components", top="3")
        assert kept.stamp.parameters["backend"] == "spark" and kept.stamp.parameters["spark_master"] == MASTER
        other = ws.run("components", top="4")  # other parameters: not kept, computed here
        assert other.stamp.parameters["backend"] != "spark"
        assert other.result.labels == kept.result.labels


def test_the_setting_turns_it_off(data_dir: Path) -> None:
    with _workspace(data_dir, spark_answers=False) as ws:
        assert ws.run("components", top="3").stamp.parameters["backend"] != "spark"


def test_a_new_graph_version_is_computed_again(data_dir: Path) -> None:
    with _workspace(data_dir) as ws:
        assert ws.run("components", top="3").stamp.parameters["backend"] == "spark"
        ws.store.write([NodeRecord("zz-new", "party", {"name": "New Party", "kind": "bank"})], [])
        fresh = ws.run("components", top="3")
        assert fresh.stamp.parameters["backend"] != "spark"


def test_a_damaged_file_is_computed_instead(data_dir: Path) -> None:
    for f in results_dir(data_dir).rglob("*.json"):
        f.write_text("{not json", encoding="utf-8")
    with _workspace(data_dir) as ws:
        assert ws.run("components", top="3").stamp.parameters["backend"] != "spark"


def test_every_door_serves_the_kept_answer(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _workspace(data_dir) as ws:
        expected = ws.run("components", top="3").to_json()
    store = EmbeddedStore(data_dir / "stakegraph.sqlite")
    with TestClient(create_app(settings(data_dir=data_dir), store)) as client:
        got = gql(client, "{ components(top: 3) { stamp { parameters graphVersion } result { components } } }")
        stamp = got["data"]["components"]["stamp"]
        assert stamp["parameters"]["backend"] == "spark" and stamp["parameters"]["spark_master"] == MASTER
        assert stamp["graphVersion"] == expected["stamp"]["graph_version"]
        page = client.get("/viz/analysis/components", params={"top": "3", "format": "json"})
        assert page.status_code == 200, page.text
        assert page.json() == expected
    store.close()

    from stakegraph.cli.main import app

    monkeypatch.setenv("STAKEGRAPH_DATA_DIR", str(data_dir))
    monkeypatch.delenv("STAKEGRAPH_NEO4J_URI", raising=False)
    r = CliRunner().invoke(app, ["analyze", "components", "--top", "3", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output) == expected
