"""Run a catalogue analysis on Spark: the same parameters, result dataclass and stamp, ``backend: spark``.

:func:`run_spark` is the Python door (the CLI's ``--engine spark`` calls :func:`run_on_workspace`):

>>> from stakegraph.spark.engine import run_spark
>>> ans = run_spark("graph-parquet/", "components", master="local[2]")  # doctest: +SKIP
>>> ans.stamp.parameters["backend"]  # doctest: +SKIP
'spark'

Parameters go through :func:`stakegraph.analyses.spec.parse_params` (so a bound or an error message is
the local one), the job comes from :mod:`stakegraph.spark.jobs`, and the answer is stamped as
:func:`stakegraph.analyses.answer.answer` stamps a local one, with the graph version of the Parquet
export and ``backend: spark`` (and the master) in the stamp's parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import networkx as nx

from stakegraph.analyses import Answer, get
from stakegraph.analyses.answer import WHOLE_GRAPH_RULE
from stakegraph.analyses.spec import Analysis, params_as_data, parse_params
from stakegraph.analytics.stamp import Stamp, to_jsonable
from stakegraph.asof import AS_OF_GRAPH_RULE, cached_graph_as_of
from stakegraph.errors import Invalid, SparkUnavailable

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import SparkSession

    from stakegraph.spark.frames import GraphFrames
    from stakegraph.workspace import Workspace

__all__ = ["run_spark", "run_on_workspace", "spark_analyses", "check_spark_analysis", "parquet_folder"]

Source: TypeAlias = nx.MultiDiGraph | str | Path


def spark_analyses() -> list[str]:
    """Names of the catalogue analyses that declare the ``spark`` backend."""
    from stakegraph.analyses import CATALOGUE

    return [n for n, a in CATALOGUE.items() if "spark" in a.backends]


def check_spark_analysis(name: str) -> Analysis:
    """The analysis ``name`` if it declares the ``spark`` backend, else :class:`Invalid` naming those that do."""
    analysis = get(name)
    if "spark" not in analysis.backends:
        raise Invalid(f"{analysis.name} has no Spark backend",
                      fix="run it without --engine spark, or use one of " + ", ".join(spark_analyses()))
    return analysis


def _job(name: str) -> Any:
    from stakegraph.spark.jobs import jobs, missing

    job = jobs().get(name)
    if job is None:
        why = "; ".join(f"{m}: {e}" for m, e in missing().items())
        raise SparkUnavailable(f"no Spark job for {name} in this installation" + (f" ({why})" if why else ""),
                               fix="install the spark extra (pip install 'stakegraph[spark]') or run it locally")
    return job


def run_spark(source: Source | GraphFrames, name: str, params: Mapping[str, Any] | None = None, *,
              spark: SparkSession | None = None, master: str | None = None, **kw: Any) -> Answer:
    """Answer the analysis ``name`` with its Spark job.

    Parameters
    ----------
    source : networkx.MultiDiGraph, str, Path or GraphFrames
        The graph: a folder written by ``stakegraph export --parquet`` (what a cluster reads), a projection
        (written to DataFrames in memory) or frames already read.
    name : str
        A catalogue analysis whose ``backends`` include ``"spark"``.
    params : mapping, optional
        Its parameters, as from any door (text or typed); ``kw`` adds more.
    spark : SparkSession, optional
        The session (default: :func:`stakegraph.spark.session.get_spark` on ``master``).
    master : str, optional
        ``local[N]`` or ``spark://host:port`` when no session is given.

    Returns
    -------
    Answer
        As :func:`stakegraph.analyses.answer.answer` returns it: the same result dataclass, one stamp,
        whose parameters say ``backend: spark``.

    Raises
    ------
    Invalid
        The analysis has no Spark backend, a parameter is wrong, or ``as_of`` is given with a folder.
    SparkUnavailable
        pyspark or Java is missing, or the job is not installed.
    """
    from stakegraph.spark.frames import GraphFrames, graph_frames
    from stakegraph.spark.session import get_spark

    analysis = check_spark_analysis(name)
    raw = {**(params or {}), **kw}
    parsed = parse_params(analysis, raw)
    day = parsed.get("as_of") if analysis.dated else None
    if day is not None:
        if not isinstance(source, nx.Graph):
            raise Invalid("as_of needs the graph itself, not an export",
                          fix="export the graph as of that day (stakegraph export --parquet DIR --as-of DAY) "
                              "and run without as_of, or run through the workspace")
        source = cached_graph_as_of(source, day)
    job = _job(analysis.name)
    session = spark or get_spark(master)
    frames = source if isinstance(source, GraphFrames) else graph_frames(session, source)
    result = job(frames, parsed)
    return stamp_answer(analysis, parsed, result, frames.version, master=str(session.sparkContext.master))


def stamp_answer(analysis: Analysis, params: Mapping[str, Any], result: Any, version: str, *,
                 master: str) -> Answer:
    """The :class:`Answer` of a Spark result, stamped as a local one is, with ``backend: spark``."""
    data = params_as_data(params)
    own = getattr(result, "stamp", None)
    own = own if isinstance(own, Stamp) else None
    merged: dict[str, Any] = dict(to_jsonable(own.parameters)) if own else {}
    merged.update({k: v for k, v in data.items() if v is not None})
    if analysis.dated:
        if params.get("as_of") is not None:
            merged.update(as_of=data["as_of"], as_of_rule="given", as_of_graph=AS_OF_GRAPH_RULE)
        else:
            merged["as_of_rule"] = WHOLE_GRAPH_RULE
    merged.update(backend="spark", spark_master=master)
    stamp = Stamp(own.algorithm if own else analysis.name, own.variant if own else "", merged,
                  version or (own.graph_version if own else ""), own.reference if own else "")
    if own is not None and dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = dataclasses.replace(result, stamp=dataclasses.replace(own, parameters={
            **own.parameters, "backend": "spark"}, graph_version=stamp.graph_version))
    return Answer(analysis.name, data, stamp, result)


def parquet_folder(data_dir: Path, version: str) -> Path:
    """Where the workspace keeps the Parquet export of ``version`` (written once per version)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in version) or "unversioned"
    return data_dir / "spark" / "graphs" / safe


def run_on_workspace(ws: Workspace, name: str, params: Mapping[str, Any] | None = None, *,
                     master: str | None = None, spark: SparkSession | None = None, save: bool = True) -> Answer:
    """Run ``name`` on Spark over the workspace's graph and keep the answer for the API and pages.

    The graph (raw or resolved, as the ``graph`` parameter picks) is exported to Parquet under the data
    dir once per graph version (:func:`parquet_folder`); the job reads that folder, as a cluster would;
    with ``save`` the answer goes to :mod:`stakegraph.spark.results`.
    """
    from stakegraph.resolve.clusters import RAW, RESOLVED
    from stakegraph.spark import results
    from stakegraph.spark.frames import write_parquet

    analysis = check_spark_analysis(name)
    raw = dict(params or {})
    parsed = parse_params(analysis, raw)
    G = ws.graph(parsed.get("graph"))
    which = parsed.get("graph") or (RESOLVED if G.graph.get("graph") == RESOLVED else RAW)
    raw["graph"] = which
    version = str(G.graph.get("version", ""))
    source: Source
    if analysis.dated and parsed.get("as_of") is not None:
        source = G
    else:
        folder = parquet_folder(ws.settings.data_dir, f"{version}-{which}")
        if not (folder / "manifest.json").is_file():
            write_parquet(G, folder, version=version)
        source = folder
    ans = run_spark(source, name, raw, spark=spark, master=master)
    if save:
        results.write_answer(results.results_dir(ws.settings.data_dir), ans)
    return ans
